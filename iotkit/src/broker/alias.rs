//! Inbound MQTT 5 topic aliases (3.3.2.3.4): the broker announces
//! [`TOPIC_ALIAS_MAXIMUM`] in CONNACK and maps each client's aliases to
//! topic names for the life of its connection (aliases are not part of the
//! stored session, MQTT-3.3.2-7). Outbound aliases are not used.

use std::collections::HashMap;

use iot_mqtt_codec::{Publish, ReasonCode, Utf8Str};

/// The Topic Alias Maximum announced to MQTT 5 clients.
pub(crate) const TOPIC_ALIAS_MAXIMUM: u16 = 10;

/// One connection's inbound aliases.
#[derive(Debug, Default)]
pub(crate) struct Aliases {
    map: HashMap<u16, Utf8Str>,
}

impl Aliases {
    /// The topic name of `p`, recording or resolving its Topic Alias:
    /// an alias above the maximum is a Topic Alias invalid error (0x94,
    /// MQTT-3.3.2-9; alias 0 is refused by the codec with the same code), an
    /// empty topic with an unknown alias a Protocol Error (0x82, MQTT 5 3.3.4).
    ///
    /// # Errors
    /// The reason code to DISCONNECT with.
    pub(crate) fn resolve(&mut self, p: &Publish) -> Result<Utf8Str, ReasonCode> {
        let Some(alias) = p.properties.topic_alias() else {
            return Ok(p.topic.clone());
        };
        if alias == 0 || alias > TOPIC_ALIAS_MAXIMUM {
            return Err(ReasonCode::TOPIC_ALIAS_INVALID);
        }
        if p.topic.is_empty() {
            return self
                .map
                .get(&alias)
                .cloned()
                .ok_or(ReasonCode::PROTOCOL_ERROR);
        }
        self.map.insert(alias, p.topic.clone());
        Ok(p.topic.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use iot_mqtt_codec::{Properties, Property};

    fn publish(topic: &str, alias: u16) -> Publish {
        let mut p = Publish::new(Utf8Str::new(topic).unwrap(), Bytes::new());
        p.properties = Properties::from_list([Property::TopicAlias(alias)]).unwrap();
        p
    }

    #[test]
    fn mqtt_3_3_2_3_4_alias_set_then_used_with_an_empty_topic() {
        let mut a = Aliases::default();
        assert_eq!(a.resolve(&publish("a/b", 3)).unwrap().as_str(), "a/b");
        assert_eq!(a.resolve(&publish("", 3)).unwrap().as_str(), "a/b");
        assert_eq!(a.resolve(&publish("c", 3)).unwrap().as_str(), "c");
        assert_eq!(a.resolve(&publish("", 3)).unwrap().as_str(), "c");
    }

    #[test]
    fn mqtt_3_3_2_9_alias_above_maximum_and_unknown_alias_are_errors() {
        let mut a = Aliases::default();
        assert_eq!(
            a.resolve(&publish("a", TOPIC_ALIAS_MAXIMUM + 1)),
            Err(ReasonCode::TOPIC_ALIAS_INVALID)
        );
        assert_eq!(a.resolve(&publish("", 4)), Err(ReasonCode::PROTOCOL_ERROR));
    }
}
