//! [`TopicName`]: the validated name a PUBLISH carries.

use alloc::string::String;
use core::fmt;

use crate::{MAX_TOPIC_LEN, Profile, TopicError};

/// A valid MQTT topic name: what a PUBLISH carries.
///
/// At least one byte, at most 65,535, well-formed UTF-8, no U+0000 and no
/// wildcard characters. Empty levels (`a//b`, `/a`) are levels.
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
    /// Validates `name` as a topic name under the plain MQTT rules.
    ///
    /// # Errors
    /// The first rule that `name` breaks, as a [`TopicError`].
    pub fn new(name: &str) -> Result<Self, TopicError> {
        Self::with_profile(name, Profile::Mqtt)
    }

    /// Validates `name` as a topic name under `profile` (the MQTT rules plus,
    /// for [`Profile::AwsIotCore`], the AWS IoT Core limits).
    ///
    /// ```
    /// use topic_match::{Profile, TopicError, TopicName};
    ///
    /// assert!(TopicName::with_profile("$aws/things/lamp/shadow/update", Profile::AwsIotCore).is_ok());
    /// assert_eq!(
    ///     TopicName::with_profile("$SYS/uptime", Profile::AwsIotCore),
    ///     Err(TopicError::AwsReservedTopic)
    /// );
    /// ```
    ///
    /// # Errors
    /// The first rule that `name` breaks, as a [`TopicError`].
    pub fn with_profile(name: &str, profile: Profile) -> Result<Self, TopicError> {
        check_name(name)?;
        profile.check(name, false)?;
        Ok(Self(String::from(name)))
    }

    /// Validates raw bytes (as read from the wire) as a topic name.
    ///
    /// # Errors
    /// [`TopicError::InvalidUtf8`] for ill-formed UTF-8, otherwise as
    /// [`TopicName::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TopicError> {
        Self::new(utf8(bytes)?)
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

    /// Does the topic start with `$` (reserved for the server, MQTT-4.7.2-1)?
    #[must_use]
    pub fn is_system(&self) -> bool {
        self.0.starts_with('$')
    }

    /// The topic as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
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

impl core::str::FromStr for TopicName {
    type Err = TopicError;
    fn from_str(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

/// UTF-8 decoding with the offset of the first bad byte.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, TopicError> {
    core::str::from_utf8(bytes).map_err(|e| TopicError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// The plain MQTT topic-name rules: [`check_common`] and no wildcard
/// (MQTT-3.3.2-2).
pub(crate) fn check_name(name: &str) -> Result<(), TopicError> {
    check_common(name)?;
    if let Some(offset) = name.find(['+', '#']) {
        return Err(TopicError::WildcardInTopicName { offset });
    }
    Ok(())
}

/// The rules topic names and filters share: length and no U+0000.
pub(crate) fn check_common(s: &str) -> Result<(), TopicError> {
    // MQTT-4.7.3-1: at least one character.
    if s.is_empty() {
        return Err(TopicError::Empty);
    }
    // MQTT-4.7.3-3: a UTF-8 string carries at most 65,535 bytes.
    if s.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: s.len() });
    }
    // MQTT-4.7.3-2: no U+0000.
    if let Some(offset) = s.find('\0') {
        return Err(TopicError::NullCharacter { offset });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_3_3_2_2_no_wildcards_in_topic_names() {
        assert_eq!(
            TopicName::new("a+b"),
            Err(TopicError::WildcardInTopicName { offset: 1 })
        );
        assert_eq!(
            TopicName::new("a/#"),
            Err(TopicError::WildcardInTopicName { offset: 2 })
        );
    }

    #[test]
    fn mqtt_1_5_4_1_ill_formed_utf8_is_rejected() {
        assert_eq!(
            TopicName::from_bytes(b"ab\xffc"),
            Err(TopicError::InvalidUtf8 { offset: 2 })
        );
        assert_eq!(
            TopicName::from_bytes(b"a/b").map(|t| t.into_string()),
            Ok("a/b".into())
        );
    }

    #[test]
    fn mqtt_4_7_3_limits() {
        assert_eq!(TopicName::new(""), Err(TopicError::Empty));
        assert_eq!(
            TopicName::new("a\0"),
            Err(TopicError::NullCharacter { offset: 1 })
        );
        let long = "x".repeat(MAX_TOPIC_LEN + 1);
        assert_eq!(
            TopicName::new(&long),
            Err(TopicError::TooLong {
                len: MAX_TOPIC_LEN + 1
            })
        );
        assert!(TopicName::new(&long[1..]).is_ok());
    }
}
