use core::fmt;

/// Why a string is not a valid topic name or topic filter.
///
/// Each variant names the rule of the MQTT specification that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicError {
    /// Topic names and filters are at least one character long (MQTT-4.7.3-1).
    Empty,
    /// Longer than the 65,535 bytes a UTF-8 string can carry (MQTT-4.7.3-3).
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// Contains U+0000 (MQTT-4.7.3-2), at this byte offset.
    NullCharacter {
        /// Byte offset of the null character.
        offset: usize,
    },
    /// A wildcard character in a topic name (MQTT-3.3.2-2), at this byte offset.
    WildcardInTopicName {
        /// Byte offset of the `+` or `#`.
        offset: usize,
    },
    /// `+` that does not occupy a whole level (MQTT-4.7.1-2).
    MisplacedSingleLevelWildcard {
        /// Byte offset of the `+`.
        offset: usize,
    },
    /// `#` that is not alone in the last level (MQTT-4.7.1-1).
    MisplacedMultiLevelWildcard {
        /// Byte offset of the `#`.
        offset: usize,
    },
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("topic is empty (MQTT-4.7.3-1)"),
            Self::TooLong { len } => {
                write!(f, "topic is {len} bytes, over 65535 (MQTT-4.7.3-3)")
            }
            Self::NullCharacter { offset } => {
                write!(f, "U+0000 at byte {offset} (MQTT-4.7.3-2)")
            }
            Self::WildcardInTopicName { offset } => {
                write!(
                    f,
                    "wildcard in a topic name at byte {offset} (MQTT-3.3.2-2)"
                )
            }
            Self::MisplacedSingleLevelWildcard { offset } => write!(
                f,
                "'+' at byte {offset} does not occupy a whole level (MQTT-4.7.1-2)"
            ),
            Self::MisplacedMultiLevelWildcard { offset } => write!(
                f,
                "'#' at byte {offset} is not alone in the last level (MQTT-4.7.1-1)"
            ),
        }
    }
}

impl core::error::Error for TopicError {}
