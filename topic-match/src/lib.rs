#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod error;
mod filter;
mod topic;

pub use error::TopicError;
pub use filter::TopicFilter;
pub use topic::TopicName;

/// Longest topic name or filter MQTT can carry: a UTF-8 string with a
/// two-byte length prefix (MQTT-1.5.3, MQTT-4.7.3-3).
pub const MAX_TOPIC_LEN: usize = 65_535;

/// Does `topic` match `filter`?
///
/// Both are taken as already valid (see [`TopicName::new`] and
/// [`TopicFilter::new`]); on invalid input the answer is unspecified but the
/// function never panics. Levels are compared one by one: `+` matches exactly
/// one level (empty levels included), `#` matches the parent level and any
/// number of levels below it, and wildcards in the first level never match a
/// topic that starts with `$` (MQTT-4.7.2-1).
///
/// ```
/// assert!(topic_match::matches("sport/+/player1", "sport/tennis/player1"));
/// assert!(topic_match::matches("sport/#", "sport"));
/// assert!(!topic_match::matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// ```
#[must_use]
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
