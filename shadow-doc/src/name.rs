use alloc::string::String;

/// Why a thing or shadow name is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Names are at least one character long.
    #[error("name is empty")]
    Empty,
    /// Longer than the limit (128 for things, 64 for shadows).
    #[error("name is {len} bytes, over the limit of {max}")]
    TooLong {
        /// The length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A character outside `[a-zA-Z0-9:_-]`.
    #[error("character {ch:?} at byte {offset} is not allowed in a name")]
    InvalidCharacter {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        offset: usize,
    },
}

fn check(name: &str, max: usize) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > max {
        return Err(NameError::TooLong {
            len: name.len(),
            max,
        });
    }
    match name
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-')))
    {
        Some((offset, ch)) => Err(NameError::InvalidCharacter { ch, offset }),
        None => Ok(()),
    }
}

/// A thing name: 1 to 128 characters of `[a-zA-Z0-9:_-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThingName(String);

impl ThingName {
    /// Longest thing name.
    pub const MAX_LEN: usize = 128;

    /// Validates a thing name.
    ///
    /// # Errors
    /// The rule the name breaks.
    pub fn new(name: &str) -> Result<Self, NameError> {
        check(name, Self::MAX_LEN).map(|()| Self(String::from(name)))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A named shadow's name: 1 to 64 characters of `[a-zA-Z0-9:_-]`.
///
/// ```
/// assert!(shadow_doc::ShadowName::new("config").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShadowName(String);

impl ShadowName {
    /// Longest shadow name.
    pub const MAX_LEN: usize = 64;

    /// Validates a shadow name.
    ///
    /// # Errors
    /// The rule the name breaks.
    pub fn new(name: &str) -> Result<Self, NameError> {
        check(name, Self::MAX_LEN).map(|()| Self(String::from(name)))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for ThingName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::fmt::Display for ShadowName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which shadow: a thing's classic shadow, or one of its named shadows.
///
/// ```
/// use shadow_doc::ShadowKey;
///
/// let key = ShadowKey::parse("pump-1", Some("config"))?;
/// assert_eq!(key.thing().as_str(), "pump-1");
/// assert_eq!(key.shadow().map(|s| s.as_str()), Some("config"));
/// assert_eq!(key.to_string(), "pump-1~config");
/// # Ok::<(), shadow_doc::ShadowError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShadowKey {
    thing: ThingName,
    shadow: Option<ShadowName>,
}

impl ShadowKey {
    /// The classic shadow of `thing`.
    #[must_use]
    pub fn classic(thing: ThingName) -> Self {
        Self {
            thing,
            shadow: None,
        }
    }

    /// The named shadow `shadow` of `thing`.
    #[must_use]
    pub fn named(thing: ThingName, shadow: ShadowName) -> Self {
        Self {
            thing,
            shadow: Some(shadow),
        }
    }

    /// Validates both names (`None` = the classic shadow).
    ///
    /// # Errors
    /// 400 `Invalid thing name` / `Invalid shadow name`.
    pub fn parse(thing: &str, shadow: Option<&str>) -> Result<Self, crate::ShadowError> {
        let thing = ThingName::new(thing).map_err(crate::ErrorKind::InvalidThingName)?;
        let shadow = shadow
            .map(ShadowName::new)
            .transpose()
            .map_err(crate::ErrorKind::InvalidShadowName)?;
        Ok(Self { thing, shadow })
    }

    /// The thing.
    #[must_use]
    pub fn thing(&self) -> &ThingName {
        &self.thing
    }

    /// The shadow's name; `None` for the classic shadow.
    #[must_use]
    pub fn shadow(&self) -> Option<&ShadowName> {
        self.shadow.as_ref()
    }

    /// The name the 404 message quotes: the thing name for the classic shadow, the shadow name
    /// for a named one.
    #[must_use]
    pub fn display_name(&self) -> &str {
        self.shadow
            .as_ref()
            .map_or(self.thing.as_str(), ShadowName::as_str)
    }
}

/// `thing` for the classic shadow, `thing~shadow` for a named one.
impl core::fmt::Display for ShadowKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.shadow {
            None => write!(f, "{}", self.thing),
            Some(s) => write!(f, "{}~{}", self.thing, s),
        }
    }
}
