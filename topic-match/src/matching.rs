//! The single-pair check: does one topic match one filter?

/// Does `topic` match `filter`?
///
/// Both are taken as already valid (see [`crate::TopicName::new`] and
/// [`crate::TopicFilter::new`]); on invalid input the answer is unspecified
/// but the function never panics. Levels are compared one by one, byte for
/// byte (no normalisation or case folding, MQTT-4.7.3-4): `+` matches exactly
/// one level (empty levels included), `#` matches the parent level and any
/// number of levels below it, and wildcards in the first level never match a
/// topic that starts with `$` (MQTT-4.7.2-1).
///
/// This is the model the indexes are tested against. To match one topic
/// against many filters, use [`crate::SubscriptionIndex`].
///
/// ```
/// assert!(topic_match::matches("sport/+/player1", "sport/tennis/player1"));
/// assert!(topic_match::matches("sport/#", "sport"));
/// assert!(!topic_match::matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// ```
#[must_use]
pub fn matches(filter: &str, topic: &str) -> bool {
    // MQTT-4.7.2-1: a wildcard first level does not match a `$` topic.
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            // `#` matches the parent and every child level.
            (Some("#"), _) => return true,
            // `+` matches exactly one level, possibly empty.
            (Some("+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
