//! Retained messages (MQTT 3.3.1.3): the last retained PUBLISH per topic.

use std::collections::HashMap;

use super::Message;

/// The retained message of each topic that has one, in memory only.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    by_topic: HashMap<String, Message>,
}

impl Retained {
    /// Stores `msg` for its topic, or deletes the topic's retained message when
    /// the payload is empty (MQTT-3.3.1-10, MQTT-3.3.1-11).
    pub(crate) fn store(&mut self, msg: &Message) {
        let topic = msg.topic.as_str();
        if msg.payload.is_empty() {
            self.by_topic.remove(topic);
        } else {
            self.by_topic.insert(topic.to_owned(), msg.clone());
        }
    }

    /// The retained messages whose topic matches `filter`.
    pub(crate) fn matching(&self, filter: &str) -> Vec<Message> {
        self.by_topic
            .iter()
            .filter(|(topic, _)| topic_match::matches(filter, topic))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// How many topics hold a retained message.
    pub(crate) fn len(&self) -> usize {
        self.by_topic.len()
    }
}
