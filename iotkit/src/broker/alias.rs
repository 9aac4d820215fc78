//! MQTT 5 topic aliases (3.3.2.3.4), per connection (they are not part of
//! the stored session, MQTT-3.3.2-7).
//!
//! Inbound: the broker announces [`TOPIC_ALIAS_MAXIMUM`] in CONNACK and maps
//! each client's aliases to topic names ([`Aliases`]). Outbound: to a client
//! that announced a Topic Alias Maximum, the first topics sent get aliases
//! 1..=max (the topic name once with the alias, then an empty topic name);
//! later topics are sent in full (no alias is ever reassigned) ([`Outgoing`]).

use std::collections::HashMap;

use iot_mqtt_codec::{Packet, Properties, Property, ProtocolVersion, Publish, ReasonCode, Utf8Str};

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

/// Aliases this broker assigns to topics it sends to one client.
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    /// The client's Topic Alias Maximum (0: no aliases, MQTT-3.1.2-27).
    max: u16,
    map: HashMap<Utf8Str, u16>,
}

impl Outgoing {
    /// Aliases for a client whose CONNECT had `properties`.
    pub(crate) fn new(properties: &Properties) -> Self {
        let max = match properties.get(0x22) {
            Some(Property::TopicAliasMaximum(n)) => n,
            _ => 0,
        };
        Self {
            max,
            map: HashMap::new(),
        }
    }

    /// Rewrites the PUBLISH in `packet` to use a topic alias when it can
    /// (never above the client's maximum, MQTT-3.1.2-26, and never making the
    /// packet larger than `max_size`); other packets are left alone.
    pub(crate) fn apply(&mut self, packet: &mut Packet, version: ProtocolVersion, max_size: usize) {
        let Packet::Publish(p) = packet else {
            return;
        };
        if self.max == 0 || version != ProtocolVersion::V5 || p.topic.is_empty() {
            return;
        }
        let (alias, known) = match self.map.get(&p.topic) {
            Some(&a) => (a, true),
            None => match u16::try_from(self.map.len()) {
                Ok(n) if n < self.max => (n + 1, false),
                _ => return,
            },
        };
        let mut aliased = p.clone();
        let props = p
            .properties
            .iter()
            .chain(std::iter::once(Property::TopicAlias(alias)));
        let Ok(props) = Properties::from_list(props) else {
            return;
        };
        aliased.properties = props;
        if known {
            aliased.topic = Utf8Str::default();
        }
        let aliased = Packet::Publish(aliased);
        if aliased.encoded_len(version) > max_size || aliased.validate(version).is_err() {
            return;
        }
        if !known {
            self.map.insert(p.topic.clone(), alias);
        }
        *packet = aliased;
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
