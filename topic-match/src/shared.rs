//! MQTT 5.0 shared subscriptions: `$share/{ShareName}/{filter}`.

use alloc::string::String;
use core::fmt;

use crate::{Profile, TopicError, TopicFilter};

/// The prefix of a shared subscription (MQTT 5.0 §4.8.2).
pub const SHARE_PREFIX: &str = "$share/";

/// The protocol version a SUBSCRIBE arrived with; it decides whether
/// `$share/...` is a shared subscription (5.0) or an ordinary filter (3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// MQTT 3.1.1 (protocol level 4): no shared subscriptions.
    V311,
    /// MQTT 5.0 (protocol level 5).
    #[default]
    V5,
}

/// A shared subscription: a ShareName and the topic filter it applies to.
///
/// The broker delivers each matching message to one member of the group
/// (MQTT 5.0 §4.8.2). A shared subscription is identified by the pair
/// (ShareName, filter).
///
/// ```
/// use topic_match::{SharedSubscription, TopicError};
///
/// let shared = SharedSubscription::new("$share/workers/jobs/+")?;
/// assert_eq!(shared.group(), "workers");
/// assert_eq!(shared.filter().as_str(), "jobs/+");
/// assert_eq!(SharedSubscription::new("$share//jobs"), Err(TopicError::EmptyShareName));
/// # Ok::<(), TopicError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedSubscription {
    group: String,
    filter: TopicFilter,
}

impl SharedSubscription {
    /// Parses `$share/{ShareName}/{filter}`.
    ///
    /// # Errors
    /// [`TopicError::MissingSharedFilter`] if `s` does not start with
    /// `$share/`; otherwise the first rule of MQTT-4.8.2-1/-2 or of the filter
    /// that `s` breaks (offsets refer to `s`).
    pub fn new(s: &str) -> Result<Self, TopicError> {
        Self::with_profile(s, Profile::Mqtt)
    }

    /// As [`SharedSubscription::new`], with the filter part checked under `profile`.
    ///
    /// # Errors
    /// As [`SharedSubscription::new`], plus the profile's rules.
    pub fn with_profile(s: &str, profile: Profile) -> Result<Self, TopicError> {
        // The whole string is still an MQTT UTF-8 string.
        crate::topic::check_common(s)?;
        let rest = s
            .strip_prefix(SHARE_PREFIX)
            .ok_or(TopicError::MissingSharedFilter)?;
        let (group, filter) = match rest.find('/') {
            Some(slash) => (rest.get(..slash), rest.get(slash + 1..)),
            None => (Some(rest), None),
        };
        let group = group.unwrap_or_default();
        // MQTT-4.8.2-1: the ShareName is at least one character long.
        if group.is_empty() {
            return Err(TopicError::EmptyShareName);
        }
        // MQTT-4.8.2-2: no `+` or `#` in the ShareName (`/` ends it).
        if let Some(pos) = group.find(['+', '#']) {
            return Err(TopicError::InvalidShareName {
                offset: SHARE_PREFIX.len() + pos,
            });
        }
        // MQTT-4.8.2-2: followed by `/` and a topic filter.
        let filter = match filter {
            Some(f) if !f.is_empty() => f,
            _ => return Err(TopicError::MissingSharedFilter),
        };
        let base = SHARE_PREFIX.len() + group.len() + 1;
        let filter = TopicFilter::with_profile(filter, profile).map_err(|e| shift(e, base))?;
        Ok(Self {
            group: String::from(group),
            filter,
        })
    }

    /// The ShareName.
    #[must_use]
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The topic filter that messages are matched against.
    #[must_use]
    pub fn filter(&self) -> &TopicFilter {
        &self.filter
    }
}

impl fmt::Display for SharedSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SHARE_PREFIX}{}/{}", self.group, self.filter)
    }
}

/// Makes an error's offset relative to the whole `$share/...` string.
fn shift(err: TopicError, base: usize) -> TopicError {
    match err {
        TopicError::NullCharacter { offset } => TopicError::NullCharacter {
            offset: offset + base,
        },
        TopicError::MisplacedSingleLevelWildcard { offset } => {
            TopicError::MisplacedSingleLevelWildcard {
                offset: offset + base,
            }
        }
        TopicError::MisplacedMultiLevelWildcard { offset } => {
            TopicError::MisplacedMultiLevelWildcard {
                offset: offset + base,
            }
        }
        other => other,
    }
}

/// What one entry of a SUBSCRIBE asks for: an ordinary filter or, in MQTT
/// 5.0, a shared subscription.
///
/// ```
/// use topic_match::{ProtocolVersion, SubscribeFilter};
///
/// let v5 = SubscribeFilter::parse("$share/g1/a/b", ProtocolVersion::V5)?;
/// assert!(matches!(v5, SubscribeFilter::Shared(ref s) if s.group() == "g1"));
/// assert_eq!(v5.filter().as_str(), "a/b");
///
/// // In 3.1.1 the same string is a literal filter.
/// let v311 = SubscribeFilter::parse("$share/g1/a/b", ProtocolVersion::V311)?;
/// assert_eq!(v311.filter().as_str(), "$share/g1/a/b");
/// # Ok::<(), topic_match::TopicError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscribeFilter {
    /// An ordinary (non-shared) subscription.
    Plain(TopicFilter),
    /// A shared subscription (MQTT 5.0 only).
    Shared(SharedSubscription),
}

impl SubscribeFilter {
    /// Parses one SUBSCRIBE topic filter under the plain MQTT rules.
    ///
    /// # Errors
    /// The first rule that `s` breaks.
    pub fn parse(s: &str, version: ProtocolVersion) -> Result<Self, TopicError> {
        Self::parse_with_profile(s, version, Profile::Mqtt)
    }

    /// Parses one SUBSCRIBE topic filter under `profile`.
    ///
    /// # Errors
    /// The first rule that `s` breaks.
    pub fn parse_with_profile(
        s: &str,
        version: ProtocolVersion,
        profile: Profile,
    ) -> Result<Self, TopicError> {
        if version == ProtocolVersion::V5 && s.starts_with(SHARE_PREFIX) {
            SharedSubscription::with_profile(s, profile).map(Self::Shared)
        } else {
            TopicFilter::with_profile(s, profile).map(Self::Plain)
        }
    }

    /// The topic filter messages are matched against.
    #[must_use]
    pub fn filter(&self) -> &TopicFilter {
        match self {
            Self::Plain(f) => f,
            Self::Shared(s) => s.filter(),
        }
    }

    /// The ShareName for a shared subscription.
    #[must_use]
    pub fn group(&self) -> Option<&str> {
        match self {
            Self::Plain(_) => None,
            Self::Shared(s) => Some(s.group()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_4_8_2_1_share_name_at_least_one_character() {
        assert_eq!(
            SharedSubscription::new("$share//a"),
            Err(TopicError::EmptyShareName)
        );
        assert_eq!(
            SharedSubscription::new("$share/"),
            Err(TopicError::EmptyShareName)
        );
    }

    #[test]
    fn mqtt_4_8_2_2_share_name_without_wildcards_then_slash_and_filter() {
        assert_eq!(
            SharedSubscription::new("$share/g#/a"),
            Err(TopicError::InvalidShareName { offset: 8 })
        );
        assert_eq!(
            SharedSubscription::new("$share/+/a"),
            Err(TopicError::InvalidShareName { offset: 7 })
        );
        assert_eq!(
            SharedSubscription::new("$share/g1"),
            Err(TopicError::MissingSharedFilter)
        );
        assert_eq!(
            SharedSubscription::new("$share/g1/"),
            Err(TopicError::MissingSharedFilter)
        );
        assert_eq!(
            SharedSubscription::new("$share/g1/a/b#"),
            Err(TopicError::MisplacedMultiLevelWildcard { offset: 13 })
        );
        let ok = SharedSubscription::new("$share/g1//").unwrap();
        assert_eq!(ok.filter().as_str(), "/");
        assert_eq!(ok.to_string(), "$share/g1//");
    }
}
