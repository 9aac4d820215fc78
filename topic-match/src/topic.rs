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
///
/// One pass finds the first U+0000, `+` or `#`, eight bytes at a time. The
/// errors are the ones [`check_common`] then a wildcard search give: a
/// U+0000 anywhere wins over a wildcard.
pub(crate) fn check_name(name: &str) -> Result<(), TopicError> {
    // MQTT-4.7.3-1: at least one character.
    if name.is_empty() {
        return Err(TopicError::Empty);
    }
    // MQTT-4.7.3-3: a UTF-8 string carries at most 65,535 bytes.
    if name.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: name.len() });
    }
    let Some(at) = first_nul_or_wildcard(name.as_bytes()) else {
        return Ok(());
    };
    // MQTT-4.7.3-2: no U+0000, before or after a wildcard.
    let rest = name.as_bytes().get(at..).unwrap_or_default();
    if let Some(nul) = rest.iter().position(|&b| b == 0) {
        return Err(TopicError::NullCharacter { offset: at + nul });
    }
    Err(TopicError::WildcardInTopicName { offset: at })
}

/// Offset of the first byte of `s` that is 0, `+` or `#`. Each 8-byte word
/// is tested for the three bytes at once (a word has a zero byte exactly
/// when `(w - 0x01..01) & !w & 0x80..80` is not zero); only a word that
/// has one is scanned byte by byte.
fn first_nul_or_wildcard(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const PLUSES: u64 = ONES * b'+' as u64;
    const HASHES: u64 = ONES * b'#' as u64;
    let special = |b: &u8| matches!(*b, 0 | b'+' | b'#');
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut words = s.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or_default());
        if has_zero(w) | has_zero(w ^ PLUSES) | has_zero(w ^ HASHES) != 0 {
            return word.iter().position(special).map(|i| base + i);
        }
        base += 8;
    }
    words.remainder().iter().position(special).map(|i| base + i)
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
    fn name_checks_agree_with_a_byte_by_byte_scan() {
        // Every position of one special byte, and a U+0000 after a wildcard.
        for len in 1..40 {
            for at in 0..len {
                for (c, want) in [
                    ('+', TopicError::WildcardInTopicName { offset: at }),
                    ('#', TopicError::WildcardInTopicName { offset: at }),
                    ('\0', TopicError::NullCharacter { offset: at }),
                ] {
                    let mut s: String = "x".repeat(len);
                    s.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                    assert_eq!(check_name(&s), Err(want.clone()), "{s:?}");
                    if at + 1 < len && c != '\0' {
                        s.replace_range(len - 1..len, "\0");
                        assert_eq!(
                            check_name(&s),
                            Err(TopicError::NullCharacter { offset: len - 1 }),
                            "{s:?}"
                        );
                    }
                }
            }
            assert_eq!(check_name(&"é/x".repeat(len)), Ok(()));
        }
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
