//! Configurable limits and options, with the service's documented values as defaults.

/// Size, depth and length limits applied to every update (spec §9).
///
/// The defaults are the service's documented quotas. Each field can be changed, for instance to
/// mirror an account whose shadow-size quota was raised:
///
/// ```
/// let mut limits = shadow_doc::Limits::default();
/// assert_eq!((limits.max_state_bytes, limits.max_depth), (8192, 6));
/// limits.max_state_bytes = 30 * 1024;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest merged state: compact-JSON bytes of `desired` plus `reported` after the merge,
    /// metadata excluded. Default 8192 (8 KB).
    pub max_state_bytes: usize,
    /// Deepest nesting of `desired` / `reported`: the section object is level 1, every
    /// non-empty object or array below adds one, scalars add nothing. Default 6, the number in
    /// the service's error text. Values above [`Limits::DEPTH_CEILING`] are treated as the
    /// ceiling.
    pub max_depth: usize,
    /// Longest `clientToken`, in bytes. Default 64.
    pub max_client_token_bytes: usize,
    /// Largest request payload in bytes (the transport limit checked before parsing).
    /// Default 131 072 (128 KB, the MQTT message limit of the service).
    pub max_request_bytes: usize,
}

impl Limits {
    /// The highest nesting depth this crate accepts whatever `max_depth` says: it keeps every
    /// recursive walk, and serde_json's own parser limit of 128, out of reach.
    pub const DEPTH_CEILING: usize = 100;

    /// `max_depth`, capped at [`Limits::DEPTH_CEILING`].
    #[must_use]
    pub fn effective_depth(&self) -> usize {
        self.max_depth.min(Self::DEPTH_CEILING)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_state_bytes: 8192,
            max_depth: 6,
            max_client_token_bytes: 64,
            max_request_bytes: 128 * 1024,
        }
    }
}

/// Options of a shadow: its [`Limits`] and how long a deleted shadow's version is remembered.
///
/// ```
/// let config = shadow_doc::Config::default();
/// assert_eq!(config.version_retention_secs, Some(48 * 3600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Size, depth and token limits.
    pub limits: Limits,
    /// A shadow re-created within this many seconds of its deletion continues its version
    /// counter; after it, the counter restarts (first update = version 1). `None` remembers
    /// forever. Default 48 hours (spec §6).
    pub version_retention_secs: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            version_retention_secs: Some(48 * 3600),
        }
    }
}
