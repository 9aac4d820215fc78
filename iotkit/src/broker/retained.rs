//! Retained messages (MQTT 3.3.1.3): the last retained PUBLISH per topic,
//! held in topic-match's [`RetainedIndex`] so a wildcard subscription visits
//! only the branches its filter can match. Each is kept with the time it was
//! stored: a message whose MQTT 5 Message Expiry Interval has passed is no
//! longer sent to new subscribers, and one still sent carries the interval
//! reduced by the time it was held (MQTT-3.3.2-6, via [`store::aged`]).
//! Expired messages are also removed from memory (and from the data dir):
//! [`Retained::purge_expired`], run by a timer once the earliest expiry of a
//! stored message has passed.

use std::time::Duration;

use tokio::time::Instant;
use topic_match::{RetainedIndex, TopicFilter, TopicName};
use tracing::debug;

use super::{Message, store};

/// The retained message of each topic that has one, in memory only.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    index: RetainedIndex<(Message, Instant)>,
    /// When the earliest Message Expiry Interval of a stored message ends
    /// (`None`: no stored message has one), so a purge walks the index only
    /// when something has expired.
    next_expiry: Option<Instant>,
}

impl Retained {
    /// Stores `msg` for its topic, or deletes the topic's retained message when
    /// the payload is empty (MQTT-3.3.1-10, MQTT-3.3.1-11).
    pub(crate) fn store(&mut self, msg: &Message) {
        let Ok(topic) = TopicName::new(msg.topic.as_str()) else {
            debug!(topic = %msg.topic, "topic name refused by topic-match; not retained");
            return;
        };
        if msg.payload.is_empty() {
            self.index.remove(&topic);
            return;
        }
        let now = Instant::now();
        if self.index.insert(&topic, (msg.clone(), now)).is_err() {
            debug!(topic = %msg.topic, "retained index full; not retained");
        } else if let Some(at) = expires_at(msg, now) {
            self.next_expiry = Some(self.next_expiry.map_or(at, |t| t.min(at)));
        }
    }

    /// Removes the messages whose Message Expiry Interval has passed and
    /// returns their topics; walks the index only when the earliest expiry
    /// is due.
    pub(crate) fn purge_expired(&mut self) -> Vec<String> {
        let now = Instant::now();
        if self.next_expiry.is_none_or(|t| t > now) {
            return Vec::new();
        }
        let mut gone = Vec::new();
        let mut next: Option<Instant> = None;
        self.index
            .retain(|topic, (msg, since)| match expires_at(msg, *since) {
                Some(at) if at <= now => {
                    gone.push(topic.to_owned());
                    false
                }
                Some(at) => {
                    next = Some(next.map_or(at, |t| t.min(at)));
                    true
                }
                None => true,
            });
        self.next_expiry = next;
        gone
    }

    /// The retained messages whose topic matches `filter` and that have not
    /// expired, with their Message Expiry Interval reduced by the time held.
    pub(crate) fn matching(&self, filter: &TopicFilter) -> Vec<Message> {
        let mut out = Vec::new();
        self.index.for_each_match(filter, |(m, since)| {
            out.extend(store::aged(m, *since));
        });
        out
    }

    /// How many topics hold a retained message.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

/// When `msg`, stored at `since`, expires: its Message Expiry Interval after
/// `since`, as [`store::aged`] counts it (`None`: it never expires).
fn expires_at(msg: &Message, since: Instant) -> Option<Instant> {
    let secs = msg.properties.message_expiry_interval()?;
    Some(since + Duration::from_secs(u64::from(secs)))
}
