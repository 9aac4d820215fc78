//! CONNECT (MQTT 3.1), decoded by the protocol level it carries.

use bytes::{BufMut, Bytes};

use super::ack::no_properties;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::string::{self, Utf8Ref, Utf8Str};
use crate::types::{ProtocolVersion, QoS};
use crate::writer::{check_len, prefixed_len, put_prefixed, put_str};

/// CONNECT (MQTT 3.1).
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Connect, Decoder, Packet, ProtocolVersion, Utf8Str};
///
/// let connect = Connect::new(ProtocolVersion::V5, Utf8Str::new("sensor-1")?);
/// let mut buf = BytesMut::new();
/// Packet::from(connect.clone()).encode(ProtocolVersion::V5, &mut buf)?;
/// // A server decodes CONNECT by its own protocol level, whatever it expected.
/// let decoded = Decoder::new(ProtocolVersion::V311).decode(&mut buf)?;
/// assert_eq!(decoded, Some(Packet::from(connect)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Connect {
    /// Protocol version from the protocol level byte.
    pub protocol_version: ProtocolVersion,
    /// MQTT 3.1 (`MQIsdp`, level 3), decoded as 3.1.1 and written back as 3.1.
    pub legacy_v31: bool,
    /// Clean Session (3.1.1) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep alive in seconds.
    pub keep_alive: u16,
    /// Properties (MQTT 5).
    pub properties: Properties,
    /// Client identifier, possibly empty.
    pub client_id: Utf8Str,
    /// Will message.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<Utf8Str>,
    /// Password.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_hex::option"))]
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arbitrary_opt_bytes))]
    pub password: Option<Bytes>,
}

/// The will message of a CONNECT (MQTT 3.1.2.5, 3.1.3.2-3.1.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Will {
    /// QoS of the will message.
    pub qos: QoS,
    /// Retain the will message.
    pub retain: bool,
    /// Will properties (MQTT 5).
    pub properties: Properties,
    /// Will topic (a topic name).
    pub topic: Utf8Str,
    /// Will payload (at most 65,535 bytes).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_hex"))]
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arbitrary_bytes))]
    pub payload: Bytes,
}

/// CONNECT from the borrowed decode path ([`crate::PacketRef`]).
///
/// Validated when decoded; the fields after the client identifier (will,
/// user name, password) are read on access, which keeps [`crate::PacketRef`]
/// small for the packets that are frequent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ConnectRef<'a> {
    /// From the client identifier's length prefix to the end of the packet.
    tail: &'a [u8],
    properties: PropertiesRef<'a>,
    keep_alive: u16,
    flags: u8,
    protocol_version: ProtocolVersion,
    legacy_v31: bool,
}

/// The fields of a CONNECT payload, read from a validated tail.
struct Payload<'a> {
    client_id: Utf8Ref<'a>,
    will: Option<WillRef<'a>>,
    username: Option<Utf8Ref<'a>>,
    password: Option<&'a [u8]>,
}

impl<'a> ConnectRef<'a> {
    /// Protocol version from the protocol level byte.
    #[must_use]
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    /// MQTT 3.1 (`MQIsdp`, level 3).
    #[must_use]
    pub fn legacy_v31(&self) -> bool {
        self.legacy_v31
    }

    /// Clean Session (3.1.1) / Clean Start (5.0).
    #[must_use]
    pub fn clean_start(&self) -> bool {
        self.flags & 0b10 != 0
    }

    /// Keep alive in seconds.
    #[must_use]
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }

    /// Properties (MQTT 5).
    #[must_use]
    pub fn properties(&self) -> PropertiesRef<'a> {
        self.properties
    }

    /// Client identifier, possibly empty.
    #[must_use]
    pub fn client_id(&self) -> Utf8Ref<'a> {
        self.payload().client_id
    }

    /// Will message.
    #[must_use]
    pub fn will(&self) -> Option<WillRef<'a>> {
        self.payload().will
    }

    /// User name.
    #[must_use]
    pub fn username(&self) -> Option<Utf8Ref<'a>> {
        self.payload().username
    }

    /// Password.
    #[must_use]
    pub fn password(&self) -> Option<&'a [u8]> {
        self.payload().password
    }

    /// Reads the payload again; it was validated, so every read succeeds.
    fn payload(&self) -> Payload<'a> {
        let bin = |raw: &'a [u8]| -> (&'a [u8], &'a [u8]) {
            match raw.split_first_chunk::<2>() {
                Some((len, rest)) => rest
                    .split_at_checked(usize::from(u16::from_be_bytes(*len)))
                    .unwrap_or((rest, &[])),
                None => (&[], &[]),
            }
        };
        let text = |raw: &'a [u8]| {
            let (t, rest) = bin(raw);
            (Utf8Ref::from_validated(t), rest)
        };
        let (client_id, mut rest) = text(self.tail);
        let will = if self.flags & 0b100 != 0 {
            let mut properties = PropertiesRef::new();
            if self.protocol_version == ProtocolVersion::V5 {
                let mut r = Reader::new(rest, 0, rest.len(), true);
                let section = crate::properties::raw::decode_validated(&mut r);
                properties = PropertiesRef::from_validated(section);
                rest = r.rest();
            }
            let (topic, after) = text(rest);
            let (payload, after) = bin(after);
            rest = after;
            Some(WillRef {
                qos: QoS::try_from((self.flags >> 3) & 0b11).unwrap_or_default(),
                retain: self.flags & 0b10_0000 != 0,
                properties,
                topic,
                payload,
            })
        } else {
            None
        };
        let username = if self.flags & 0x80 != 0 {
            let (u, after) = text(rest);
            rest = after;
            Some(u)
        } else {
            None
        };
        let password = (self.flags & 0x40 != 0).then(|| bin(rest).0);
        Payload {
            client_id,
            will,
            username,
            password,
        }
    }
}

impl core::fmt::Debug for ConnectRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectRef")
            .field("protocol_version", &self.protocol_version)
            .field("legacy_v31", &self.legacy_v31)
            .field("clean_start", &self.clean_start())
            .field("keep_alive", &self.keep_alive)
            .field("properties", &self.properties)
            .field("client_id", &self.client_id())
            .field("will", &self.will())
            .field("username", &self.username())
            .field("password", &self.password())
            .finish()
    }
}

/// The will message of a [`ConnectRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WillRef<'a> {
    /// QoS of the will message.
    pub qos: QoS,
    /// Retain the will message.
    pub retain: bool,
    /// Will properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
    /// Will topic (a topic name).
    pub topic: Utf8Ref<'a>,
    /// Will payload.
    pub payload: &'a [u8],
}

impl Connect {
    /// A clean-start CONNECT with keep alive 60 s and nothing else.
    #[must_use]
    pub fn new(protocol_version: ProtocolVersion, client_id: Utf8Str) -> Self {
        Self {
            protocol_version,
            legacy_v31: false,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::new(),
            client_id,
            will: None,
            username: None,
            password: None,
        }
    }

    /// Decodes a CONNECT body; errors after a valid protocol name and level
    /// carry the version the client claimed ([`DecodeError::connect_version`]).
    pub(crate) fn decode_ref(
        frame: &[u8],
        start: usize,
        check_payload_format: bool,
    ) -> Result<ConnectRef<'_>, DecodeError> {
        let mut r = Reader::new(frame, start, frame.len(), false);
        let name_at = r.pos();
        let name = r.binary("protocol name")?;
        let level_at = r.pos();
        let level = r.u8("protocol level")?;
        // Protocol name "MQTT" (MQTT-3.1.2-1), or "MQIsdp" for level 3.
        let legacy_v31 = match name {
            b"MQTT" => false,
            b"MQIsdp" => true,
            _ => return Err(Reader::err_at(ErrorKind::InvalidProtocolName, name_at)),
        };
        let protocol_version = match (level, legacy_v31) {
            (3, true) | (4, false) => ProtocolVersion::V311,
            (5, false) => ProtocolVersion::V5,
            _ => {
                return Err(Reader::err_at(
                    ErrorKind::UnsupportedProtocolLevel(level),
                    level_at,
                ));
            }
        };
        Self::decode_after_level(
            frame,
            r.pos(),
            protocol_version,
            legacy_v31,
            check_payload_format,
        )
        .map_err(|e| e.with_version(protocol_version))
    }

    fn decode_after_level(
        frame: &[u8],
        start: usize,
        protocol_version: ProtocolVersion,
        legacy_v31: bool,
        check_payload_format: bool,
    ) -> Result<ConnectRef<'_>, DecodeError> {
        let v5 = protocol_version == ProtocolVersion::V5;
        let mut r = Reader::new(frame, start, frame.len(), v5);
        let flags_at = r.pos();
        let flags = r.u8("connect flags")?;
        let flag_err = |field| {
            Reader::err_at(
                ErrorKind::InvalidValue {
                    field,
                    value: u32::from(flags),
                },
                flags_at,
            )
        };
        // Reserved bit 0 must be 0 (MQTT-3.1.2-3).
        if flags & 1 != 0 {
            return Err(flag_err("connect flags reserved bit"));
        }
        let will_flag = flags & 0b100 != 0;
        let will_qos = (flags >> 3) & 0b11;
        let will_retain = flags & 0b10_0000 != 0;
        // Will QoS 3 is malformed (MQTT-3.1.2-14); without the will flag,
        // will QoS and will retain must be 0 (MQTT-3.1.2-11, -13, -15).
        if will_qos == 3 {
            return Err(flag_err("will QoS"));
        }
        if !will_flag && (will_qos != 0 || will_retain) {
            return Err(flag_err("will QoS/retain without will flag"));
        }
        let has_user = flags & 0x80 != 0;
        let has_pass = flags & 0x40 != 0;
        // 3.1.1: password only with user name (MQTT-3.1.2-22).
        if !v5 && has_pass && !has_user {
            return Err(flag_err("password without user name"));
        }
        let keep_alive = r.u16("keep alive")?;
        let properties = if v5 {
            PropertiesRef::decode(&mut r, Ctx::CONNECT)?
        } else {
            PropertiesRef::new()
        };
        let client_at = r.pos();
        let tail = r.rest();
        let client_id = r.utf8("client identifier")?;
        let clean_start = flags & 0b10 != 0;
        // 3.1.1: a zero-byte client id requires CleanSession = 1 (MQTT-3.1.3-7).
        if !v5 && client_id.is_empty() && !clean_start {
            return Err(Reader::err_at(ErrorKind::ClientIdRejected, client_at));
        }
        // The payload is validated here and read again on access (see
        // `ConnectRef::payload`).
        if will_flag {
            let properties = if v5 {
                PropertiesRef::decode(&mut r, Ctx::WILL)?
            } else {
                PropertiesRef::new()
            };
            let topic_at = r.pos();
            let topic = r.utf8("will topic")?;
            string::check_topic_name(topic.as_bytes(), "will topic", false)
                .map_err(|k| Reader::err_at(k, topic_at))?;
            let payload_at = r.pos();
            let payload = r.binary("will payload")?;
            // Payload Format Indicator 1: UTF-8 Encoded Character Data (3.1.3.2.3).
            if check_payload_format
                && properties.payload_format_indicator() == Some(1)
                && core::str::from_utf8(payload).is_err()
            {
                return Err(Reader::err_at(ErrorKind::PayloadFormatInvalid, payload_at));
            }
        }
        if has_user {
            r.utf8("user name")?;
        }
        if has_pass {
            r.binary("password")?;
        }
        r.finish("CONNECT")?;
        Ok(ConnectRef {
            tail,
            properties,
            keep_alive,
            flags,
            protocol_version,
            legacy_v31,
        })
    }

    pub(crate) fn from_ref(c: &ConnectRef<'_>, base: &Bytes) -> Self {
        let p = c.payload();
        Self {
            protocol_version: c.protocol_version,
            legacy_v31: c.legacy_v31,
            clean_start: c.clean_start(),
            keep_alive: c.keep_alive,
            properties: c.properties.share(base),
            client_id: p.client_id.share(base),
            will: p.will.map(|w| Will {
                qos: w.qos,
                retain: w.retain,
                properties: w.properties.share(base),
                topic: w.topic.share(base),
                payload: crate::reader::share(base, w.payload),
            }),
            username: p.username.map(|u| u.share(base)),
            password: p.password.map(|pw| crate::reader::share(base, pw)),
        }
    }

    fn is_v5(&self) -> bool {
        self.protocol_version == ProtocolVersion::V5
    }

    pub(crate) fn validate(&self) -> Result<(), ErrorKind> {
        let v5 = self.is_v5();
        if self.legacy_v31 && v5 {
            return Err(ErrorKind::InvalidProtocolName);
        }
        if !v5 && self.password.is_some() && self.username.is_none() {
            return Err(ErrorKind::InvalidValue {
                field: "password without user name",
                value: 0x40,
            });
        }
        if !v5 && self.client_id.is_empty() && !self.clean_start {
            return Err(ErrorKind::ClientIdRejected);
        }
        if v5 {
            self.properties.check_ctx(Ctx::CONNECT)?;
        } else {
            no_properties(&self.properties, "CONNECT")?;
        }
        if let Some(will) = &self.will {
            if v5 {
                will.properties.check_ctx(Ctx::WILL)?;
            } else {
                no_properties(&will.properties, "will")?;
            }
            string::check_topic_name(will.topic.as_bytes(), "will topic", false)?;
            check_len(&will.payload, "will payload")?;
        }
        if let Some(p) = &self.password {
            check_len(p, "password")?;
        }
        Ok(())
    }

    pub(crate) fn body_len(&self) -> usize {
        let v5 = self.is_v5();
        let name = if self.legacy_v31 { 8 } else { 6 };
        let props = |p: &Properties| if v5 { p.encoded_len() } else { 0 };
        let mut len = name + 1 + 1 + 2 + props(&self.properties) + 2 + self.client_id.len();
        if let Some(w) = &self.will {
            len += props(&w.properties) + 2 + w.topic.len() + prefixed_len(&w.payload);
        }
        if let Some(u) = &self.username {
            len += 2 + u.len();
        }
        if let Some(p) = &self.password {
            len += prefixed_len(p);
        }
        len
    }

    pub(crate) fn encode_body(&self, dst: &mut impl BufMut) {
        if self.legacy_v31 {
            put_prefixed(dst, b"MQIsdp");
            dst.put_u8(3);
        } else {
            put_prefixed(dst, b"MQTT");
            dst.put_u8(self.protocol_version.level());
        }
        let mut flags = u8::from(self.clean_start) << 1;
        if let Some(w) = &self.will {
            flags |= 0b100 | (u8::from(w.qos) << 3) | (u8::from(w.retain) << 5);
        }
        flags |= u8::from(self.password.is_some()) << 6;
        flags |= u8::from(self.username.is_some()) << 7;
        dst.put_u8(flags);
        dst.put_u16(self.keep_alive);
        let v5 = self.is_v5();
        if v5 {
            self.properties.encode(dst);
        }
        put_str(dst, &self.client_id);
        if let Some(w) = &self.will {
            if v5 {
                w.properties.encode(dst);
            }
            put_str(dst, &w.topic);
            put_prefixed(dst, &w.payload);
        }
        if let Some(u) = &self.username {
            put_str(dst, u);
        }
        if let Some(p) = &self.password {
            put_prefixed(dst, p);
        }
    }
}
