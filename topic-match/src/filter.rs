use alloc::string::String;
use core::fmt;

use crate::topic::check_common;
use crate::{TopicError, TopicName};

/// A valid MQTT topic filter: what a SUBSCRIBE carries.
///
/// `+` must fill a whole level; `#` must fill the last level. Validation
/// happens here, once, so matching cannot fail.
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
    /// Validates `filter` as a topic filter.
    ///
    /// # Errors
    /// The first rule that `filter` breaks, as a [`TopicError`].
    pub fn new(filter: &str) -> Result<Self, TopicError> {
        check_common(filter)?;
        let mut start = 0;
        let mut levels = filter.split('/').peekable();
        while let Some(level) = levels.next() {
            let is_last = levels.peek().is_none();
            if let Some(pos) = level.find('+')
                && level != "+"
            {
                return Err(TopicError::MisplacedSingleLevelWildcard {
                    offset: start + pos,
                });
            }
            if let Some(pos) = level.find('#')
                && (level != "#" || !is_last)
            {
                return Err(TopicError::MisplacedMultiLevelWildcard {
                    offset: start + pos,
                });
            }
            start += level.len() + 1;
        }
        Ok(Self(String::from(filter)))
    }

    /// The filter as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
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
