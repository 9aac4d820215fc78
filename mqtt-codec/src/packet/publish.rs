//! PUBLISH (MQTT 3.3).

use bytes::{BufMut, Bytes};

use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
use crate::reader::Reader;
use crate::string::{self, Utf8Str};
use crate::types::{PacketId, ProtocolVersion, QoS};

/// PUBLISH (MQTT 3.3): topic and payload are slices of the received buffer.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use iot_mqtt_codec::{Decoder, Packet, PacketId, ProtocolVersion, Publish, QoS, Utf8Str};
///
/// let mut p = Publish::new(Utf8Str::new("a/b")?, Bytes::from_static(b"hi"));
/// p.qos = QoS::AtLeastOnce;
/// p.packet_id = PacketId::new(10);
/// p.retain = true;
/// let mut buf = BytesMut::new();
/// Packet::Publish(p.clone()).encode(ProtocolVersion::V311, &mut buf)?;
/// assert_eq!(&buf[..], b"\x33\x09\x00\x03a/b\x00\x0ahi");
/// let decoded = Decoder::new(ProtocolVersion::V311).decode(&mut buf)?;
/// assert_eq!(decoded, Some(Packet::Publish(p)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Publish {
    /// DUP flag: a re-delivery (never set with QoS 0).
    pub dup: bool,
    /// Quality of service.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name; empty only under MQTT 5 with a Topic Alias property.
    pub topic: Utf8Str,
    /// Packet identifier: present exactly when QoS > 0.
    pub packet_id: Option<PacketId>,
    /// Properties (MQTT 5).
    pub properties: Properties,
    /// Application message.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_hex"))]
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arbitrary_bytes))]
    pub payload: Bytes,
}

impl Publish {
    /// A QoS 0 message without flags or properties.
    #[must_use]
    pub fn new(topic: Utf8Str, payload: Bytes) -> Self {
        Self {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: Properties::new(),
            payload,
        }
    }

    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (u8::from(self.qos) << 1) | u8::from(self.retain)
    }

    pub(crate) fn decode(flags: u8, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let qos_bits = (flags >> 1) & 0b11;
        // QoS 3 is malformed (MQTT-3.3.1-4).
        let qos = QoS::try_from(qos_bits).map_err(|_| {
            Reader::err_at(
                ErrorKind::InvalidValue {
                    field: "QoS",
                    value: u32::from(qos_bits),
                },
                0,
            )
        })?;
        let dup = flags & 0b1000 != 0;
        // DUP must be 0 with QoS 0 (MQTT-3.3.1-2): rejected, a strictness choice.
        if dup && qos == QoS::AtMostOnce {
            return Err(Reader::err_at(
                ErrorKind::InvalidValue {
                    field: "DUP with QoS 0",
                    value: u32::from(flags),
                },
                0,
            ));
        }
        let at = r.pos();
        let topic = r.utf8("topic name")?;
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(super::read_packet_id(r, "PUBLISH")?)
        };
        let properties = if r.is_v5() {
            Properties::decode(r, Ctx::PUBLISH)?
        } else {
            Properties::new()
        };
        // Topic name: no wildcards (MQTT-3.3.2-2); empty only with a Topic
        // Alias under MQTT 5 (MQTT-3.3.2-1, 3.3.2.3.4; a Protocol Error there).
        if topic.is_empty() && r.is_v5() {
            if properties.topic_alias().is_none() {
                return Err(Reader::err_at(
                    ErrorKind::ProtocolViolation("empty topic name without a topic alias"),
                    at,
                ));
            }
        } else {
            string::check_topic_name(topic.as_bytes(), "topic name", false)
                .map_err(|k| Reader::err_at(k, at))?;
        }
        let payload = r.rest();
        Ok(Self {
            dup,
            qos,
            retain: flags & 1 != 0,
            topic,
            packet_id,
            properties,
            payload,
        })
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if self.dup && self.qos == QoS::AtMostOnce {
            return Err(ErrorKind::InvalidValue {
                field: "DUP with QoS 0",
                value: u32::from(self.flags()),
            });
        }
        if self.packet_id.is_some() != (self.qos != QoS::AtMostOnce) {
            return Err(ErrorKind::PacketIdMismatch);
        }
        if v == ProtocolVersion::V5 {
            self.properties.check_ctx(Ctx::PUBLISH)?;
            if self.topic.is_empty() && self.properties.topic_alias().is_none() {
                return Err(ErrorKind::ProtocolViolation(
                    "empty topic name without a topic alias",
                ));
            }
            string::check_topic_name(self.topic.as_bytes(), "topic name", true)
        } else {
            super::ack::no_properties(&self.properties, "PUBLISH")?;
            string::check_topic_name(self.topic.as_bytes(), "topic name", false)
        }
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        let id = if self.packet_id.is_some() { 2 } else { 0 };
        let props = if v == ProtocolVersion::V5 {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + self.topic.len() + id + props + self.payload.len()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        crate::writer::put_str(dst, &self.topic);
        if let Some(id) = self.packet_id {
            dst.put_u16(id.get());
        }
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
        dst.put_slice(&self.payload);
    }
}
