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
