//! Retained messages (MQTT 3.3.1.3): the last retained PUBLISH per topic,
//! held in topic-match's [`RetainedIndex`] so a wildcard subscription visits
//! only the branches its filter can match.

use topic_match::{RetainedIndex, TopicFilter, TopicName};
use tracing::debug;

use super::Message;

/// The retained message of each topic that has one, in memory only.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    index: RetainedIndex<Message>,
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
        } else if self.index.insert(&topic, msg.clone()).is_err() {
            debug!(topic = %msg.topic, "retained index full; not retained");
        }
    }

    /// The retained messages whose topic matches `filter`.
    pub(crate) fn matching(&self, filter: &TopicFilter) -> Vec<Message> {
        let mut out = Vec::new();
        self.index.for_each_match(filter, |m| out.push(m.clone()));
        out
    }

    /// How many topics hold a retained message.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}
