//! PUBLISH (MQTT 3.3).

use bytes::{Buf, BufMut, Bytes};

use crate::decoder::{Decoder, Role};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::string::{self, Utf8Ref, Utf8Str};
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

/// PUBLISH from the borrowed decode path ([`crate::PacketRef`]): topic,
/// properties and payload borrow the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishRef<'a> {
    /// DUP flag.
    pub dup: bool,
    /// Quality of service.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name; empty only under MQTT 5 with a Topic Alias property.
    pub topic: Utf8Ref<'a>,
    /// Packet identifier: present exactly when QoS > 0.
    pub packet_id: Option<PacketId>,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
    /// Application message.
    pub payload: &'a [u8],
}

/// A decoded PUBLISH with its parts as offsets into its frame, so that the
/// frame can then be moved into the owned packet.
pub(crate) struct Detached {
    dup: bool,
    qos: QoS,
    retain: bool,
    packet_id: Option<PacketId>,
    topic: core::ops::Range<usize>,
    properties: core::ops::Range<usize>,
    payload_at: usize,
}

impl PublishRef<'_> {
    /// The offsets of the parts of a PUBLISH decoded from a frame of
    /// `frame_len` bytes whose fixed header is `header_len` bytes: the topic
    /// follows its length prefix, the payload ends the frame and the
    /// properties end where the payload starts.
    #[inline]
    pub(crate) fn detach(&self, header_len: usize, frame_len: usize) -> Detached {
        let topic_at = header_len + 2;
        let payload_at = frame_len.saturating_sub(self.payload.len());
        let props_len = self.properties.as_bytes().len();
        Detached {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            packet_id: self.packet_id,
            topic: topic_at..topic_at + self.topic.len(),
            properties: payload_at.saturating_sub(props_len)..payload_at,
            payload_at,
        }
    }
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

    #[inline]
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (u8::from(self.qos) << 1) | u8::from(self.retain)
    }

    /// Decodes and validates the PUBLISH in `frame` (body from `start`).
    #[inline]
    pub(crate) fn decode_ref<'a>(
        flags: u8,
        frame: &'a [u8],
        start: usize,
        dec: &Decoder,
    ) -> Result<PublishRef<'a>, DecodeError> {
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
        let v5 = dec.version() == ProtocolVersion::V5;
        let mut r = Reader::new(frame, start, frame.len(), v5);
        let at = r.pos();
        // UTF-8 without U+0000 and without wildcards (MQTT-3.3.2-2), one pass.
        let topic = r.topic_name("topic name")?;
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(super::read_packet_id(&mut r, "PUBLISH")?)
        };
        let props_at = r.pos();
        let properties = if v5 {
            PropertiesRef::decode(&mut r, Ctx::PUBLISH)?
        } else {
            PropertiesRef::new()
        };
        // Empty only with a Topic Alias under MQTT 5 (MQTT-3.3.2-1,
        // 3.3.2.3.4; a Protocol Error there), never under 3.1.1 (MQTT-4.7.3-1).
        if topic.is_empty() {
            if !v5 {
                return Err(Reader::err_at(
                    ErrorKind::InvalidTopicName {
                        field: "topic name",
                        reason: "empty",
                    },
                    at,
                ));
            }
            if properties.topic_alias().is_none() {
                return Err(Reader::err_at(
                    ErrorKind::ProtocolViolation("empty topic name without a topic alias"),
                    at,
                ));
            }
        }
        // A client never sends a Subscription Identifier (MQTT-3.3.4-6).
        if v5 && dec.role() == Some(Role::Server) && properties.contains(0x0B) {
            return Err(Reader::err_at(
                ErrorKind::ProtocolViolation("subscription identifier in a PUBLISH from a client"),
                props_at,
            ));
        }
        let payload_at = r.pos();
        let payload = r.rest();
        // Payload Format Indicator 1: UTF-8 Encoded Character Data (3.3.2.3.2).
        if v5
            && dec.payload_format_check()
            && properties.payload_format_indicator() == Some(1)
            && core::str::from_utf8(payload).is_err()
        {
            return Err(Reader::err_at(ErrorKind::PayloadFormatInvalid, payload_at)
                .with_packet_id(packet_id));
        }
        Ok(PublishRef {
            dup,
            qos,
            retain: flags & 1 != 0,
            topic,
            packet_id,
            properties,
            payload,
        })
    }

    /// The owned PUBLISH of `p`, sharing `base` where it can.
    pub(crate) fn from_ref(p: PublishRef<'_>, base: &Bytes) -> Self {
        Self {
            dup: p.dup,
            qos: p.qos,
            retain: p.retain,
            topic: p.topic.share(base),
            packet_id: p.packet_id,
            properties: p.properties.share(base),
            payload: crate::reader::share(base, p.payload),
        }
    }

    /// The owned PUBLISH decoded from `frame` (see [`Detached`]): the frame
    /// itself becomes the payload: one reference count for the frame and
    /// one for the topic, whatever the payload size.
    #[inline]
    pub(crate) fn from_detached(d: Detached, mut frame: Bytes) -> Self {
        let slice = |r: core::ops::Range<usize>| {
            if r.is_empty() {
                Bytes::new()
            } else {
                frame.slice(r)
            }
        };
        let topic = Utf8Str::from_validated(slice(d.topic));
        let properties = Properties::from_validated(slice(d.properties));
        frame.advance(d.payload_at.min(frame.len()));
        Self {
            dup: d.dup,
            qos: d.qos,
            retain: d.retain,
            topic,
            packet_id: d.packet_id,
            properties,
            payload: frame,
        }
    }

    /// Whether the packet is valid under both versions on a cheap test that
    /// covers the usual case: no properties (so under MQTT 5 no Topic Alias
    /// either, and the topic must not be empty), a non-empty topic without
    /// wildcards, a packet identifier exactly with QoS > 0, no DUP with
    /// QoS 0. `true` implies [`Publish::validate`] passes; on `false` that
    /// full check runs and names the rule broken (or accepts the packet).
    #[inline]
    fn is_plain(&self) -> bool {
        let qos0 = self.qos == QoS::AtMostOnce;
        self.properties.as_bytes().is_empty()
            & !(self.dup & qos0)
            & (self.packet_id.is_some() != qos0)
            & string::is_plain_topic_name(self.topic.as_bytes())
    }

    /// [`Publish::validate`] out of the encoder's hot path.
    #[cold]
    #[inline(never)]
    fn validate_cold(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        self.validate(v)
    }

    #[inline]
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
            // Checked here first: the usual empty section costs no call.
            if !self.properties.as_bytes().is_empty() {
                super::ack::no_properties(&self.properties, "PUBLISH")?;
            }
            string::check_topic_name(self.topic.as_bytes(), "topic name", false)
        }
    }

    #[inline]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        let id = if self.packet_id.is_some() { 2 } else { 0 };
        let props = if v == ProtocolVersion::V5 {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + self.topic.len() + id + props + self.payload.len()
    }

    /// The whole packet: fixed header and topic length in one write.
    #[inline]
    pub(crate) fn encode_packet(
        &self,
        v: ProtocolVersion,
        max: u32,
        dst: &mut impl BufMut,
    ) -> Result<usize, EncodeError> {
        if !self.is_plain() {
            self.validate_cold(v)?;
        }
        let body = self.body_len(v);
        let total = super::check_size(body, max, dst.remaining_mut())?;
        let (head, used) = super::fixed_header(0x30 | self.flags(), body);
        // The topic length follows the fixed header (big-endian), in the
        // same write: at most 5 + 2 bytes.
        let topic_len = u64::from(u16::try_from(self.topic.len()).unwrap_or(u16::MAX));
        let head = head | (topic_len >> 8) << (8 * used) | (topic_len & 0xFF) << (8 * (used + 1));
        let head = head.to_le_bytes();
        // One arm per header size, so that each write has a length known at
        // compile time: a store, where a run-time length calls `memcpy`.
        match used {
            2 => dst.put_slice(head.first_chunk::<4>().unwrap_or(&[0; 4])),
            3 => dst.put_slice(head.first_chunk::<5>().unwrap_or(&[0; 5])),
            4 => dst.put_slice(head.first_chunk::<6>().unwrap_or(&[0; 6])),
            _ => dst.put_slice(head.first_chunk::<7>().unwrap_or(&[0; 7])),
        }
        dst.put_slice(self.topic.as_bytes());
        if let Some(id) = self.packet_id {
            dst.put_u16(id.get());
        }
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
        dst.put_slice(&self.payload);
        Ok(total)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::Property;

    /// The encoder's fast test never accepts what the full rules refuse, and
    /// when it declines, encoding gives the full rules' answer: every
    /// combination of flags, identifier, topic shape and properties.
    #[test]
    fn fast_check_agrees_with_the_full_rules() {
        let topics = [
            "",
            "a",
            "a/b",
            "+",
            "a/#",
            "sensors/building-7/t1",
            "x+y",
            "long/topic/with/eight/plus",
        ];
        let props = [
            Properties::new(),
            Properties::from_list([Property::TopicAlias(3)]).unwrap(),
            Properties::from_list([Property::MessageExpiryInterval(9)]).unwrap(),
            Properties::from_list([Property::SubscriptionIdentifier(1)]).unwrap(),
        ];
        for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
            for topic in topics {
                for properties in &props {
                    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                        for dup in [false, true] {
                            for packet_id in [None, PacketId::new(5)] {
                                let p = Publish {
                                    dup,
                                    qos,
                                    retain: false,
                                    topic: Utf8Str::new(topic).unwrap(),
                                    packet_id,
                                    properties: properties.clone(),
                                    payload: Bytes::from_static(b"x"),
                                };
                                if p.is_plain() {
                                    assert_eq!(p.validate(v), Ok(()), "{p:?}");
                                }
                                let mut buf = bytes::BytesMut::new();
                                let got = p.encode_packet(v, u32::MAX, &mut buf).map(|_| ());
                                assert_eq!(got.map_err(|e| e.kind()), p.validate(v), "{p:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}
