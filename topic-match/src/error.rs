//! The one error type of the crate: why a string is not a valid topic name,
//! topic filter or shared subscription.

/// Why a string is not a valid topic name, topic filter or shared
/// subscription.
///
/// Each variant names the rule that failed; [`TopicError::statement`] gives
/// the normative statement id of the MQTT standard (or the AWS IoT Core
/// document) behind it, and positions are byte offsets into the input.
///
/// ```
/// use topic_match::{TopicError, TopicFilter};
///
/// let err = TopicFilter::new("sport/tennis#").unwrap_err();
/// assert_eq!(err, TopicError::MisplacedMultiLevelWildcard { offset: 12 });
/// assert_eq!(err.statement(), "MQTT-4.7.1-2 (3.1.1) / MQTT-4.7.1-1 (5.0)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// Topic names and filters are at least one character long.
    #[error("topic is empty ({})", self.statement())]
    Empty,
    /// Longer than the 65,535 bytes an MQTT UTF-8 string can carry.
    #[error("topic is {len} bytes, over 65535 ({})", self.statement())]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// The bytes are not well-formed UTF-8.
    #[error("ill-formed UTF-8 at byte {offset} ({})", self.statement())]
    InvalidUtf8 {
        /// Byte offset of the first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// Contains U+0000.
    #[error("U+0000 at byte {offset} ({})", self.statement())]
    NullCharacter {
        /// Byte offset of the null character.
        offset: usize,
    },
    /// A wildcard character (`+` or `#`) in a topic name.
    #[error("wildcard in a topic name at byte {offset} ({})", self.statement())]
    WildcardInTopicName {
        /// Byte offset of the `+` or `#`.
        offset: usize,
    },
    /// `+` that does not occupy a whole level.
    #[error("'+' at byte {offset} does not occupy a whole level ({})", self.statement())]
    MisplacedSingleLevelWildcard {
        /// Byte offset of the `+`.
        offset: usize,
    },
    /// `#` that is not alone in the last level.
    #[error("'#' at byte {offset} is not alone in the last level ({})", self.statement())]
    MisplacedMultiLevelWildcard {
        /// Byte offset of the `#`.
        offset: usize,
    },
    /// `$share/` followed by an empty ShareName (MQTT 5.0 shared subscription).
    #[error("empty ShareName after '$share/' ({})", self.statement())]
    EmptyShareName,
    /// The ShareName contains `+` or `#`.
    #[error("ShareName contains a wildcard at byte {offset} ({})", self.statement())]
    InvalidShareName {
        /// Byte offset of the offending character.
        offset: usize,
    },
    /// The ShareName is not followed by `/` and a topic filter.
    #[error("ShareName is not followed by '/' and a topic filter ({})", self.statement())]
    MissingSharedFilter,
    /// AWS IoT Core profile: longer than 256 bytes.
    #[error("topic is {len} bytes, over the AWS IoT Core limit of 256 ({})", self.statement())]
    AwsTooLong {
        /// The length in bytes.
        len: usize,
    },
    /// AWS IoT Core profile: more than 7 slashes (8 levels), not counting the
    /// Basic Ingest prefix `$aws/rules/{rule}/`.
    #[error("topic has {slashes} slashes, over the AWS IoT Core limit of 7 ({})", self.statement())]
    AwsTooManyLevels {
        /// The number of `/` counted.
        slashes: usize,
    },
    /// AWS IoT Core profile: a `$` topic that is not one of the documented
    /// reserved `$aws/...` topics.
    #[error("'$' topics are reserved and this is not a documented $aws topic ({})", self.statement())]
    AwsReservedTopic,
    /// AWS IoT Core profile: Basic Ingest topics (`$aws/rules/...`) can be
    /// published to but not subscribed to.
    #[error("Basic Ingest topics '$aws/rules/...' cannot be subscribed to ({})", self.statement())]
    AwsBasicIngestFilter,
}

impl TopicError {
    /// The normative statement (MQTT 3.1.1 / 5.0 ids, or the AWS IoT Core
    /// document) that the input breaks.
    #[must_use]
    pub fn statement(&self) -> &'static str {
        match self {
            Self::Empty => "MQTT-4.7.3-1",
            Self::TooLong { .. } => "MQTT-4.7.3-3",
            Self::InvalidUtf8 { .. } => "MQTT-1.5.3-1 (3.1.1) / MQTT-1.5.4-1 (5.0)",
            Self::NullCharacter { .. } => "MQTT-4.7.3-2",
            Self::WildcardInTopicName { .. } => {
                "MQTT-4.7.1-1 (3.1.1) / MQTT-4.7.0-1 (5.0), MQTT-3.3.2-2"
            }
            Self::MisplacedSingleLevelWildcard { .. } => {
                "MQTT-4.7.1-3 (3.1.1) / MQTT-4.7.1-2 (5.0)"
            }
            Self::MisplacedMultiLevelWildcard { .. } => "MQTT-4.7.1-2 (3.1.1) / MQTT-4.7.1-1 (5.0)",
            Self::EmptyShareName => "MQTT-4.8.2-1 (5.0)",
            Self::InvalidShareName { .. } | Self::MissingSharedFilter => "MQTT-4.8.2-2 (5.0)",
            Self::AwsTooLong { .. } | Self::AwsTooManyLevels { .. } => {
                "AWS IoT Core quotas: topic size and levels"
            }
            Self::AwsReservedTopic | Self::AwsBasicIngestFilter => "AWS IoT Core reserved topics",
        }
    }
}
