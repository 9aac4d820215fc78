//! Retained messages (MQTT 3.3.1.3): the last retained PUBLISH per topic,
//! held in topic-match's [`RetainedIndex`] so a wildcard subscription visits
//! only the branches its filter can match. Each is kept with the time it was
//! stored: a message whose MQTT 5 Message Expiry Interval has passed is no
//! longer sent to new subscribers, and one still sent carries the interval
//! reduced by the time it was held (MQTT-3.3.2-6, via [`store::aged`]).

use tokio::time::Instant;
use topic_match::{RetainedIndex, TopicFilter, TopicName};
use tracing::debug;

use super::{Message, store};

/// The retained message of each topic that has one, in memory only.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    index: RetainedIndex<(Message, Instant)>,
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
        } else if self
            .index
            .insert(&topic, (msg.clone(), Instant::now()))
            .is_err()
        {
            debug!(topic = %msg.topic, "retained index full; not retained");
        }
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
