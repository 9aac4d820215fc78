//! MQTT 5 properties (MQTT 2.2.2): wire types, the packets each may appear
//! in, duplicate detection, and value ranges.
//!
//! [`Properties`] keeps the property section as the validated bytes of the
//! packet (zero-copy, order preserved, no allocation on decode) and decodes
//! each [`Property`] on iteration.

use alloc::vec::Vec;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, ErrorKind};
use crate::reader::Reader;
use crate::string::{self, Utf8Str};
use crate::varint::{self, VAR_INT_MAX};

/// Where a property section sits: one bit per packet type (plus the will).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ctx(u16, &'static str);

impl Ctx {
    pub(crate) const CONNECT: Self = Self(1, "CONNECT");
    pub(crate) const CONNACK: Self = Self(1 << 1, "CONNACK");
    pub(crate) const PUBLISH: Self = Self(1 << 2, "PUBLISH");
    pub(crate) const WILL: Self = Self(1 << 3, "will");
    pub(crate) const PUBACK: Self = Self(1 << 4, "PUBACK");
    pub(crate) const PUBREC: Self = Self(1 << 4, "PUBREC");
    pub(crate) const PUBREL: Self = Self(1 << 4, "PUBREL");
    pub(crate) const PUBCOMP: Self = Self(1 << 4, "PUBCOMP");
    pub(crate) const SUBSCRIBE: Self = Self(1 << 5, "SUBSCRIBE");
    pub(crate) const SUBACK: Self = Self(1 << 6, "SUBACK");
    pub(crate) const UNSUBSCRIBE: Self = Self(1 << 7, "UNSUBSCRIBE");
    pub(crate) const UNSUBACK: Self = Self(1 << 8, "UNSUBACK");
    pub(crate) const DISCONNECT: Self = Self(1 << 9, "DISCONNECT");
    pub(crate) const AUTH: Self = Self(1 << 10, "AUTH");
}

const ALL: u16 = 0x7FF;
const C: u16 = Ctx::CONNECT.0;
const CA: u16 = Ctx::CONNACK.0;
const P: u16 = Ctx::PUBLISH.0;
const W: u16 = Ctx::WILL.0;
const S: u16 = Ctx::SUBSCRIBE.0;
const D: u16 = Ctx::DISCONNECT.0;
const A: u16 = Ctx::AUTH.0;
const ACKS: u16 = Ctx::PUBACK.0 | CA | Ctx::SUBACK.0 | Ctx::UNSUBACK.0 | D | A;

/// Wire type of a property value (MQTT 2.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Byte,
    Two,
    Four,
    VarInt,
    Utf8,
    Binary,
    Pair,
}

/// The table of MQTT 2.2.2.2: wire type and the packets allowed to carry each identifier.
const fn spec(id: u8) -> Option<(Wire, u16)> {
    Some(match id {
        0x01 | 0x02 | 0x03 | 0x08 | 0x09 => (
            match id {
                0x01 => Wire::Byte,
                0x02 => Wire::Four,
                0x09 => Wire::Binary,
                _ => Wire::Utf8,
            },
            P | W,
        ),
        0x0B => (Wire::VarInt, P | S),
        0x11 => (Wire::Four, C | CA | D),
        0x12 => (Wire::Utf8, CA),
        0x13 => (Wire::Two, CA),
        0x15 => (Wire::Utf8, C | CA | A),
        0x16 => (Wire::Binary, C | CA | A),
        0x17 | 0x19 => (Wire::Byte, C),
        0x18 => (Wire::Four, W),
        0x1A => (Wire::Utf8, CA),
        0x1C => (Wire::Utf8, CA | D),
        0x1F => (Wire::Utf8, ACKS),
        0x21 | 0x22 => (Wire::Two, C | CA),
        0x23 => (Wire::Two, P),
        0x24 | 0x25 | 0x28 | 0x29 | 0x2A => (Wire::Byte, CA),
        0x26 => (Wire::Pair, ALL),
        0x27 => (Wire::Four, C | CA),
        _ => return None,
    })
}

/// One MQTT 5 property, with the identifier of MQTT 2.2.2.2 noted per variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "name", content = "value"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[non_exhaustive]
pub enum Property {
    /// 0x01, byte 0 or 1.
    PayloadFormatIndicator(u8),
    /// 0x02, seconds.
    MessageExpiryInterval(u32),
    /// 0x03.
    ContentType(Utf8Str),
    /// 0x08, a topic name without wildcards.
    ResponseTopic(Utf8Str),
    /// 0x09.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_hex"))]
    CorrelationData(
        #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arbitrary_bytes))] Bytes,
    ),
    /// 0x0B, 1 to 268,435,455, a Variable Byte Integer.
    SubscriptionIdentifier(u32),
    /// 0x11, seconds.
    SessionExpiryInterval(u32),
    /// 0x12.
    AssignedClientIdentifier(Utf8Str),
    /// 0x13, seconds.
    ServerKeepAlive(u16),
    /// 0x15.
    AuthenticationMethod(Utf8Str),
    /// 0x16.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_hex"))]
    AuthenticationData(
        #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arbitrary_bytes))] Bytes,
    ),
    /// 0x17, byte 0 or 1.
    RequestProblemInformation(u8),
    /// 0x18, seconds.
    WillDelayInterval(u32),
    /// 0x19, byte 0 or 1.
    RequestResponseInformation(u8),
    /// 0x1A.
    ResponseInformation(Utf8Str),
    /// 0x1C.
    ServerReference(Utf8Str),
    /// 0x1F.
    ReasonString(Utf8Str),
    /// 0x21, not 0.
    ReceiveMaximum(u16),
    /// 0x22.
    TopicAliasMaximum(u16),
    /// 0x23, not 0.
    TopicAlias(u16),
    /// 0x24, byte 0 or 1.
    MaximumQoS(u8),
    /// 0x25, byte 0 or 1.
    RetainAvailable(u8),
    /// 0x26, may repeat; order is kept.
    UserProperty(Utf8Str, Utf8Str),
    /// 0x27, not 0.
    MaximumPacketSize(u32),
    /// 0x28, byte 0 or 1.
    WildcardSubscriptionAvailable(u8),
    /// 0x29, byte 0 or 1.
    SubscriptionIdentifierAvailable(u8),
    /// 0x2A, byte 0 or 1.
    SharedSubscriptionAvailable(u8),
}

impl Property {
    /// The property identifier.
    #[must_use]
    pub fn id(&self) -> u8 {
        match self {
            Self::PayloadFormatIndicator(_) => 0x01,
            Self::MessageExpiryInterval(_) => 0x02,
            Self::ContentType(_) => 0x03,
            Self::ResponseTopic(_) => 0x08,
            Self::CorrelationData(_) => 0x09,
            Self::SubscriptionIdentifier(_) => 0x0B,
            Self::SessionExpiryInterval(_) => 0x11,
            Self::AssignedClientIdentifier(_) => 0x12,
            Self::ServerKeepAlive(_) => 0x13,
            Self::AuthenticationMethod(_) => 0x15,
            Self::AuthenticationData(_) => 0x16,
            Self::RequestProblemInformation(_) => 0x17,
            Self::WillDelayInterval(_) => 0x18,
            Self::RequestResponseInformation(_) => 0x19,
            Self::ResponseInformation(_) => 0x1A,
            Self::ServerReference(_) => 0x1C,
            Self::ReasonString(_) => 0x1F,
            Self::ReceiveMaximum(_) => 0x21,
            Self::TopicAliasMaximum(_) => 0x22,
            Self::TopicAlias(_) => 0x23,
            Self::MaximumQoS(_) => 0x24,
            Self::RetainAvailable(_) => 0x25,
            Self::UserProperty(..) => 0x26,
            Self::MaximumPacketSize(_) => 0x27,
            Self::WildcardSubscriptionAvailable(_) => 0x28,
            Self::SubscriptionIdentifierAvailable(_) => 0x29,
            Self::SharedSubscriptionAvailable(_) => 0x2A,
        }
    }

    /// Value rules: booleans 0 or 1; Receive Maximum, Topic Alias, Maximum
    /// Packet Size and Subscription Identifier not 0; Response Topic a topic
    /// name (MQTT-3.3.2-14); strings and binary data at most 65,535 bytes.
    fn check(&self) -> Result<(), ErrorKind> {
        let id = self.id();
        let bad = |value: u32| ErrorKind::InvalidPropertyValue { id, value };
        match self {
            Self::PayloadFormatIndicator(b)
            | Self::RequestProblemInformation(b)
            | Self::RequestResponseInformation(b)
            | Self::MaximumQoS(b)
            | Self::RetainAvailable(b)
            | Self::WildcardSubscriptionAvailable(b)
            | Self::SubscriptionIdentifierAvailable(b)
            | Self::SharedSubscriptionAvailable(b)
                if *b > 1 =>
            {
                Err(bad(u32::from(*b)))
            }
            Self::TopicAlias(0) => Err(ErrorKind::TopicAliasZero),
            Self::ReceiveMaximum(0) | Self::MaximumPacketSize(0) => Err(bad(0)),
            Self::SubscriptionIdentifier(v) if *v == 0 || *v > VAR_INT_MAX => Err(bad(*v)),
            Self::ResponseTopic(t) => {
                string::check_topic_name(t.as_bytes(), "response topic", false)
            }
            Self::CorrelationData(b) | Self::AuthenticationData(b) => {
                crate::writer::check_len(b, "binary property")
            }
            _ => Ok(()),
        }
    }

    /// Encoded size: identifier and value.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        1 + match self {
            Self::PayloadFormatIndicator(_)
            | Self::RequestProblemInformation(_)
            | Self::RequestResponseInformation(_)
            | Self::MaximumQoS(_)
            | Self::RetainAvailable(_)
            | Self::WildcardSubscriptionAvailable(_)
            | Self::SubscriptionIdentifierAvailable(_)
            | Self::SharedSubscriptionAvailable(_) => 1,
            Self::ServerKeepAlive(_)
            | Self::ReceiveMaximum(_)
            | Self::TopicAliasMaximum(_)
            | Self::TopicAlias(_) => 2,
            Self::MessageExpiryInterval(_)
            | Self::SessionExpiryInterval(_)
            | Self::WillDelayInterval(_)
            | Self::MaximumPacketSize(_) => 4,
            Self::SubscriptionIdentifier(v) => varint::var_int_len(*v),
            Self::ContentType(s)
            | Self::ResponseTopic(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => 2 + s.len(),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => 2 + b.len(),
            Self::UserProperty(k, v) => 4 + k.len() + v.len(),
        }
    }

    fn encode(&self, dst: &mut impl BufMut) {
        use crate::writer::{put_prefixed, put_str};
        dst.put_u8(self.id());
        match self {
            Self::PayloadFormatIndicator(b)
            | Self::RequestProblemInformation(b)
            | Self::RequestResponseInformation(b)
            | Self::MaximumQoS(b)
            | Self::RetainAvailable(b)
            | Self::WildcardSubscriptionAvailable(b)
            | Self::SubscriptionIdentifierAvailable(b)
            | Self::SharedSubscriptionAvailable(b) => dst.put_u8(*b),
            Self::ServerKeepAlive(v)
            | Self::ReceiveMaximum(v)
            | Self::TopicAliasMaximum(v)
            | Self::TopicAlias(v) => dst.put_u16(*v),
            Self::MessageExpiryInterval(v)
            | Self::SessionExpiryInterval(v)
            | Self::WillDelayInterval(v)
            | Self::MaximumPacketSize(v) => dst.put_u32(*v),
            Self::SubscriptionIdentifier(v) => varint::write(dst, *v),
            Self::ContentType(s)
            | Self::ResponseTopic(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => put_str(dst, s),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => put_prefixed(dst, b),
            Self::UserProperty(k, v) => {
                put_str(dst, k);
                put_str(dst, v);
            }
        }
    }

    /// Reads one property of wire type `wire` with identifier `id`.
    fn read(r: &mut Reader<'_>, id: u8, wire: Wire) -> Result<Self, DecodeError> {
        const F: &str = "property value";
        Ok(match (wire, id) {
            (Wire::Byte, 0x01) => Self::PayloadFormatIndicator(r.u8(F)?),
            (Wire::Byte, 0x17) => Self::RequestProblemInformation(r.u8(F)?),
            (Wire::Byte, 0x19) => Self::RequestResponseInformation(r.u8(F)?),
            (Wire::Byte, 0x24) => Self::MaximumQoS(r.u8(F)?),
            (Wire::Byte, 0x25) => Self::RetainAvailable(r.u8(F)?),
            (Wire::Byte, 0x28) => Self::WildcardSubscriptionAvailable(r.u8(F)?),
            (Wire::Byte, 0x29) => Self::SubscriptionIdentifierAvailable(r.u8(F)?),
            (Wire::Byte, _) => Self::SharedSubscriptionAvailable(r.u8(F)?),
            (Wire::Two, 0x13) => Self::ServerKeepAlive(r.u16(F)?),
            (Wire::Two, 0x21) => Self::ReceiveMaximum(r.u16(F)?),
            (Wire::Two, 0x22) => Self::TopicAliasMaximum(r.u16(F)?),
            (Wire::Two, _) => Self::TopicAlias(r.u16(F)?),
            (Wire::Four, 0x02) => Self::MessageExpiryInterval(r.u32(F)?),
            (Wire::Four, 0x11) => Self::SessionExpiryInterval(r.u32(F)?),
            (Wire::Four, 0x18) => Self::WillDelayInterval(r.u32(F)?),
            (Wire::Four, _) => Self::MaximumPacketSize(r.u32(F)?),
            (Wire::VarInt, _) => {
                Self::SubscriptionIdentifier(r.var_int("subscription identifier")?)
            }
            (Wire::Utf8, 0x03) => Self::ContentType(r.utf8("content type")?),
            (Wire::Utf8, 0x08) => Self::ResponseTopic(r.utf8("response topic")?),
            (Wire::Utf8, 0x12) => {
                Self::AssignedClientIdentifier(r.utf8("assigned client identifier")?)
            }
            (Wire::Utf8, 0x15) => Self::AuthenticationMethod(r.utf8("authentication method")?),
            (Wire::Utf8, 0x1A) => Self::ResponseInformation(r.utf8("response information")?),
            (Wire::Utf8, 0x1C) => Self::ServerReference(r.utf8("server reference")?),
            (Wire::Utf8, _) => Self::ReasonString(r.utf8("reason string")?),
            (Wire::Binary, 0x09) => Self::CorrelationData(r.binary("correlation data")?),
            (Wire::Binary, _) => Self::AuthenticationData(r.binary("authentication data")?),
            (Wire::Pair, _) => Self::UserProperty(
                r.utf8("user property name")?,
                r.utf8("user property value")?,
            ),
        })
    }
}

/// The property section of an MQTT 5 packet: validated, in wire order,
/// held as a zero-copy slice of the packet.
///
/// Build one with [`Properties::from_list`] (or `FromIterator` via
/// [`Properties::try_from_iter`]); read it with [`Properties::iter`] or the
/// typed getters. Equality compares the encoded bytes, so order matters.
///
/// ```
/// use iot_mqtt_codec::{Properties, Property, Utf8Str};
/// let props = Properties::from_list([
///     Property::MessageExpiryInterval(60),
///     Property::UserProperty(Utf8Str::new("k")?, Utf8Str::new("v")?),
/// ])?;
/// assert_eq!(props.message_expiry_interval(), Some(60));
/// assert_eq!(props.user_properties().count(), 1);
/// assert_eq!(props.encoded_len(), 1 + 5 + 7); // length prefix, 0x02, 0x26
/// // Receive Maximum may not be 0 (MQTT 3.1.2.11.3).
/// assert!(Properties::from_list([Property::ReceiveMaximum(0)]).is_err());
/// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Properties {
    raw: Bytes,
}

impl Properties {
    /// No properties.
    #[must_use]
    pub const fn new() -> Self {
        Self { raw: Bytes::new() }
    }

    /// Encodes a list of properties, checking each value and duplicates
    /// (User Property and Subscription Identifier may repeat; whether a
    /// property is allowed in a given packet is checked when that packet is
    /// encoded).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPropertyValue`], [`ErrorKind::TopicAliasZero`],
    /// [`ErrorKind::DuplicateProperty`] or a string error.
    pub fn from_list(list: impl IntoIterator<Item = Property>) -> Result<Self, ErrorKind> {
        Self::try_from_iter(list)
    }

    /// Same as [`Properties::from_list`].
    ///
    /// # Errors
    /// As [`Properties::from_list`].
    pub fn try_from_iter<I: IntoIterator<Item = Property>>(list: I) -> Result<Self, ErrorKind> {
        let mut seen = 0u64;
        let mut out = BytesMut::new();
        for p in list {
            p.check()?;
            let id = p.id();
            let bit = 1u64 << id;
            if seen & bit != 0 && id != 0x26 && id != 0x0B {
                return Err(ErrorKind::DuplicateProperty(id));
            }
            seen |= bit;
            p.encode(&mut out);
        }
        if out.len() > VAR_INT_MAX as usize {
            return Err(ErrorKind::TooLong {
                field: "properties",
            });
        }
        Ok(Self { raw: out.freeze() })
    }

    /// True when there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The encoded property section without its length prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Encoded size including the Variable Byte Integer length prefix.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        varint::var_int_len(u32::try_from(self.raw.len()).unwrap_or(u32::MAX)) + self.raw.len()
    }

    /// The properties in wire order.
    ///
    /// The iterator is infallible and never ends early: a `Properties` can
    /// only be built validated (decoded from a packet, or through
    /// [`Properties::from_list`], which serde and `arbitrary` use too), so
    /// every property in it reads back. Its length is exactly the number of
    /// properties given or received.
    ///
    /// ```
    /// use iot_mqtt_codec::{Properties, Property, Utf8Str};
    /// let list = vec![
    ///     Property::ContentType(Utf8Str::new("text/plain")?),
    ///     Property::UserProperty(Utf8Str::new("a")?, Utf8Str::new("1")?),
    ///     Property::UserProperty(Utf8Str::new("a")?, Utf8Str::new("2")?),
    /// ];
    /// let props = Properties::from_list(list.clone())?;
    /// assert_eq!(props.iter().collect::<Vec<_>>(), list);
    /// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
    /// ```
    #[must_use]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            reader: Reader::new(&self.raw, 0, self.raw.len(), true),
        }
    }

    /// Collects the properties into a vector.
    #[must_use]
    pub fn to_vec(&self) -> Vec<Property> {
        self.iter().collect()
    }

    /// The first property with identifier `id` (only that one is read).
    #[must_use]
    pub fn get(&self, id: u8) -> Option<Property> {
        let at = self.ids().find(|&(i, _)| i == id)?.1;
        let mut r = Reader::new(&self.raw, at, self.raw.len(), true);
        let (wire, _) = spec(id)?;
        r.u8("property identifier").ok()?;
        Property::read(&mut r, id, wire).ok()
    }

    /// Identifiers and their offsets in wire order, without reading the
    /// values (the section was validated when built, so each value's size
    /// follows from its wire type).
    fn ids(&self) -> impl Iterator<Item = (u8, usize)> + '_ {
        let raw: &[u8] = &self.raw;
        let mut at = 0usize;
        core::iter::from_fn(move || {
            let start = at;
            let id = *raw.get(at)?;
            let (wire, _) = spec(id)?;
            let rest = raw.get(at + 1..)?;
            let prefixed = |bytes: &[u8]| match bytes {
                [hi, lo, ..] => 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => bytes.len(),
            };
            let size = match wire {
                Wire::Byte => 1,
                Wire::Two => 2,
                Wire::Four => 4,
                Wire::VarInt => rest.iter().position(|b| b & 0x80 == 0)? + 1,
                Wire::Utf8 | Wire::Binary => prefixed(rest),
                Wire::Pair => {
                    let key = prefixed(rest);
                    key + prefixed(rest.get(key..).unwrap_or_default())
                }
            };
            at = at.checked_add(1 + size)?;
            Some((id, start))
        })
    }

    /// User properties (name, value) in wire order.
    pub fn user_properties(&self) -> impl Iterator<Item = (Utf8Str, Utf8Str)> + '_ {
        self.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// Whether a property with identifier `id` is present (values are not read).
    #[must_use]
    pub fn contains(&self, id: u8) -> bool {
        self.ids().any(|(i, _)| i == id)
    }

    /// Subscription identifiers in wire order.
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().filter_map(|p| match p {
            Property::SubscriptionIdentifier(v) => Some(v),
            _ => None,
        })
    }

    /// Message Expiry Interval (0x02).
    #[must_use]
    pub fn message_expiry_interval(&self) -> Option<u32> {
        match self.get(0x02) {
            Some(Property::MessageExpiryInterval(v)) => Some(v),
            _ => None,
        }
    }

    /// Topic Alias (0x23).
    #[must_use]
    pub fn topic_alias(&self) -> Option<u16> {
        match self.get(0x23) {
            Some(Property::TopicAlias(v)) => Some(v),
            _ => None,
        }
    }

    /// Response Topic (0x08).
    #[must_use]
    pub fn response_topic(&self) -> Option<Utf8Str> {
        match self.get(0x08) {
            Some(Property::ResponseTopic(v)) => Some(v),
            _ => None,
        }
    }

    /// Payload Format Indicator (0x01): 1 means UTF-8 Encoded Character Data.
    #[must_use]
    pub fn payload_format_indicator(&self) -> Option<u8> {
        match self.get(0x01) {
            Some(Property::PayloadFormatIndicator(v)) => Some(v),
            _ => None,
        }
    }

    /// Maximum Packet Size (0x27): the largest packet the sender of the
    /// CONNECT or CONNACK accepts (see [`crate::Packet::encode_with_limit`]).
    #[must_use]
    pub fn maximum_packet_size(&self) -> Option<u32> {
        match self.get(0x27) {
            Some(Property::MaximumPacketSize(v)) => Some(v),
            _ => None,
        }
    }

    /// Session Expiry Interval (0x11).
    #[must_use]
    pub fn session_expiry_interval(&self) -> Option<u32> {
        match self.get(0x11) {
            Some(Property::SessionExpiryInterval(v)) => Some(v),
            _ => None,
        }
    }

    /// Reads a property section (length prefix included) allowed in `ctx`.
    pub(crate) fn decode(r: &mut Reader<'_>, ctx: Ctx) -> Result<Self, DecodeError> {
        let len = r.var_int("property length")?;
        let start = r.pos();
        let mut sub = r.sub(len as usize, "properties")?;
        if len == 0 {
            return Ok(Self::new());
        }
        let mut seen = 0u64;
        let mut has_auth_method = false;
        let mut auth_data_at = None;
        while !sub.is_empty() {
            let at = sub.pos();
            let raw_id = sub.var_int("property identifier")?;
            let id = u8::try_from(raw_id)
                .ok()
                .filter(|_| raw_id < 0x80)
                .ok_or(Reader::err_at(ErrorKind::UnknownProperty(raw_id), at))?;
            let Some((wire, allowed)) = spec(id) else {
                return Err(Reader::err_at(ErrorKind::UnknownProperty(raw_id), at));
            };
            if allowed & ctx.0 == 0 {
                return Err(Reader::err_at(
                    ErrorKind::PropertyNotAllowed { packet: ctx.1, id },
                    at,
                ));
            }
            let bit = 1u64 << id;
            let repeatable = id == 0x26 || (id == 0x0B && ctx == Ctx::PUBLISH);
            if seen & bit != 0 && !repeatable {
                return Err(Reader::err_at(ErrorKind::DuplicateProperty(id), at));
            }
            seen |= bit;
            let value = Property::read(&mut sub, id, wire)?;
            value.check().map_err(|k| Reader::err_at(k, at))?;
            has_auth_method |= id == 0x15;
            if id == 0x16 {
                auth_data_at = Some(at);
            }
        }
        // Authentication Data without Authentication Method (MQTT 3.1.2.11.10, 3.2.2.3.18).
        if let Some(at) = auth_data_at
            && !has_auth_method
        {
            return Err(Reader::err_at(
                ErrorKind::ProtocolViolation("authentication data without authentication method"),
                at,
            ));
        }
        Ok(Self {
            raw: r.slice(start, start + len as usize),
        })
    }

    /// Checks that every property may appear in `ctx` (encode side).
    pub(crate) fn check_ctx(&self, ctx: Ctx) -> Result<(), ErrorKind> {
        let mut sub_ids = 0;
        let (mut method, mut data) = (false, false);
        for (id, _) in self.ids() {
            let allowed = spec(id).map_or(0, |(_, a)| a);
            if allowed & ctx.0 == 0 {
                return Err(ErrorKind::PropertyNotAllowed { packet: ctx.1, id });
            }
            if id == 0x0B {
                sub_ids += 1;
                if sub_ids > 1 && ctx != Ctx::PUBLISH {
                    return Err(ErrorKind::DuplicateProperty(id));
                }
            }
            method |= id == 0x15;
            data |= id == 0x16;
        }
        if data && !method {
            return Err(ErrorKind::ProtocolViolation(
                "authentication data without authentication method",
            ));
        }
        Ok(())
    }

    /// Writes the length prefix and the properties.
    pub(crate) fn encode(&self, dst: &mut impl BufMut) {
        crate::writer::put_var_int(dst, self.raw.len());
        dst.put_slice(&self.raw);
    }
}

impl core::fmt::Debug for Properties {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = Property;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over [`Properties`], in wire order; see [`Properties::iter`]
/// for why it cannot stop at an unreadable property.
pub struct Iter<'a> {
    reader: Reader<'a>,
}

impl Iterator for Iter<'_> {
    type Item = Property;

    fn next(&mut self) -> Option<Property> {
        if self.reader.is_empty() {
            return None;
        }
        let id = self.reader.u8("property identifier").ok()?;
        let (wire, _) = spec(id)?;
        Property::read(&mut self.reader, id, wire).ok()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Properties {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Properties {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = <Vec<Property> as serde::Deserialize>::deserialize(d)?;
        Self::from_list(list).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Properties {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let list: Vec<Property> = u.arbitrary()?;
        Self::from_list(list).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}
