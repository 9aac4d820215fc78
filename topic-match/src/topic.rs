use alloc::string::String;
use core::fmt;

use crate::{MAX_TOPIC_LEN, TopicError};

/// A valid MQTT topic name: what a PUBLISH carries.
///
/// At least one byte, at most 65,535, no U+0000 and no wildcard characters.
/// Empty levels (`a//b`, `/a`) are levels.
///
/// ```
/// use topic_match::{TopicError, TopicName};
///
/// let topic = TopicName::new("sensors/42/temperature")?;
/// assert_eq!(topic.levels().count(), 3);
/// assert_eq!(
///     TopicName::new("sensors/+").unwrap_err(),
///     TopicError::WildcardInTopicName { offset: 8 }
/// );
/// # Ok::<(), TopicError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicName(String);

impl TopicName {
    /// Validates `name` as a topic name.
    ///
    /// # Errors
    /// The first rule that `name` breaks, as a [`TopicError`].
    pub fn new(name: &str) -> Result<Self, TopicError> {
        check_common(name)?;
        if let Some(offset) = name.find(['+', '#']) {
            return Err(TopicError::WildcardInTopicName { offset });
        }
        Ok(Self(String::from(name)))
    }

    /// The topic as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The levels of the topic, split at `/`.
    pub fn levels(&self) -> core::str::Split<'_, char> {
        self.0.split('/')
    }

    /// Does the topic start with `$` (reserved for the server, MQTT-4.7.2)?
    #[must_use]
    pub fn is_system(&self) -> bool {
        self.0.starts_with('$')
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The rules topic names and filters share: length and no U+0000.
pub(crate) fn check_common(s: &str) -> Result<(), TopicError> {
    if s.is_empty() {
        return Err(TopicError::Empty);
    }
    if s.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: s.len() });
    }
    if let Some(offset) = s.find('\0') {
        return Err(TopicError::NullCharacter { offset });
    }
    Ok(())
}
