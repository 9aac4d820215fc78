//! [`TopicFilter`]: the validated filter a SUBSCRIBE carries.

use alloc::string::String;
use core::fmt;

use crate::topic::{check_common, utf8};
use crate::{Profile, TopicError, TopicName};

/// A valid MQTT topic filter: what a SUBSCRIBE carries.
///
/// `+` must fill a whole level; `#` must fill the last level. Validation
/// happens here, once, so matching cannot fail. A `$share/...` string is an
/// ordinary filter here (as in MQTT 3.1.1); use [`crate::SubscribeFilter`]
/// to parse MQTT 5.0 shared subscriptions.
///
/// ```
/// use topic_match::{TopicFilter, TopicName};
///
/// let filter = TopicFilter::new("sport/tennis/#")?;
/// assert!(filter.has_wildcards());
/// assert!(filter.matches(&TopicName::new("sport/tennis")?));
/// assert!(TopicFilter::new("sport/tennis#").is_err());
/// # Ok::<(), topic_match::TopicError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicFilter(String);

impl TopicFilter {
    /// Validates `filter` as a topic filter under the plain MQTT rules.
    ///
    /// # Errors
    /// The first rule that `filter` breaks, as a [`TopicError`].
    pub fn new(filter: &str) -> Result<Self, TopicError> {
        Self::with_profile(filter, Profile::Mqtt)
    }

    /// Validates `filter` under `profile` (the MQTT rules plus, for
    /// [`Profile::AwsIotCore`], the AWS IoT Core limits: 256 bytes, 8
    /// levels, reserved `$` topics, no subscription to Basic Ingest).
    ///
    /// ```
    /// use topic_match::{Profile, TopicError, TopicFilter};
    ///
    /// let aws = Profile::AwsIotCore;
    /// assert!(TopicFilter::with_profile("$aws/things/+/shadow/update/delta", aws).is_ok());
    /// assert_eq!(
    ///     TopicFilter::with_profile("a/b/c/d/e/f/g/h/i", aws),
    ///     Err(TopicError::AwsTooManyLevels { slashes: 8 })
    /// );
    /// ```
    ///
    /// # Errors
    /// The first rule that `filter` breaks, as a [`TopicError`].
    pub fn with_profile(filter: &str, profile: Profile) -> Result<Self, TopicError> {
        check_filter_syntax(filter)?;
        profile.check(filter, true)?;
        Ok(Self(String::from(filter)))
    }

    /// Validates raw bytes (as read from the wire) as a topic filter.
    ///
    /// # Errors
    /// [`TopicError::InvalidUtf8`] for ill-formed UTF-8, otherwise as
    /// [`TopicFilter::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TopicError> {
        Self::new(utf8(bytes)?)
    }

    /// The filter as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The levels of the filter, split at `/`.
    pub fn levels(&self) -> core::str::Split<'_, char> {
        self.0.split('/')
    }

    /// Does the filter contain `+` or `#`?
    #[must_use]
    pub fn has_wildcards(&self) -> bool {
        self.0.contains(['+', '#'])
    }

    /// Does `topic` match this filter? See [`crate::matches`].
    #[must_use]
    pub fn matches(&self, topic: &TopicName) -> bool {
        crate::matches(&self.0, topic.as_str())
    }

    /// The filter as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The MQTT filter rules (common rules plus wildcard placement).
pub(crate) fn check_filter_syntax(filter: &str) -> Result<(), TopicError> {
    check_common(filter)?;
    let mut start = 0;
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let is_last = levels.peek().is_none();
        // MQTT-4.7.1-3 (3.1.1) / MQTT-4.7.1-2 (5.0): `+` occupies a whole level.
        if let Some(pos) = level.find('+')
            && level != "+"
        {
            return Err(TopicError::MisplacedSingleLevelWildcard {
                offset: start + pos,
            });
        }
        // MQTT-4.7.1-2 (3.1.1) / MQTT-4.7.1-1 (5.0): `#` is alone in the last level.
        if let Some(pos) = level.find('#')
            && (level != "#" || !is_last)
        {
            return Err(TopicError::MisplacedMultiLevelWildcard {
                offset: start + pos,
            });
        }
        start += level.len() + 1;
    }
    Ok(())
}

impl fmt::Display for TopicFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TopicFilter {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::str::FromStr for TopicFilter {
    type Err = TopicError;
    fn from_str(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

impl From<TopicName> for TopicFilter {
    /// Every topic name is a wildcard-free filter that matches exactly itself.
    fn from(name: TopicName) -> Self {
        Self(name.into_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_4_7_1_1_hash_must_be_last_and_alone() {
        assert!(TopicFilter::new("#").is_ok());
        assert!(TopicFilter::new("a/#").is_ok());
        assert_eq!(
            TopicFilter::new("a/#/b"),
            Err(TopicError::MisplacedMultiLevelWildcard { offset: 2 })
        );
        assert_eq!(
            TopicFilter::new("a#"),
            Err(TopicError::MisplacedMultiLevelWildcard { offset: 1 })
        );
    }

    #[test]
    fn mqtt_4_7_1_2_plus_must_fill_a_level() {
        assert!(TopicFilter::new("+/+/").is_ok());
        assert_eq!(
            TopicFilter::new("a/b+"),
            Err(TopicError::MisplacedSingleLevelWildcard { offset: 3 })
        );
    }

    #[test]
    fn mqtt_4_7_2_1_wildcards_do_not_match_dollar_topics() {
        assert!(!crate::matches("#", "$SYS"));
        assert!(!crate::matches("+/x", "$SYS/x"));
        assert!(crate::matches("$SYS/+", "$SYS/x"));
    }

    #[test]
    fn empty_levels_are_levels() {
        assert!(crate::matches("+/+", "/finance"));
        assert!(crate::matches("/+", "/finance"));
        assert!(!crate::matches("+", "/finance"));
        assert!(crate::matches("a/+", "a/"));
    }
}
