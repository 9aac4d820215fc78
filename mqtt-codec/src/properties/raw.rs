//! The property section on the wire: the table of MQTT 2.2.2.2, the
//! validation of a received section (the one core of both decode paths),
//! and [`PropertiesRef`], the borrowed view the zero-copy decoder returns.

use bytes::Bytes;

use super::{Properties, Property};
use crate::error::{DecodeError, ErrorKind};
use crate::reader::Reader;
use crate::string::{self, Utf8Ref};
use crate::varint::{self, VAR_INT_MAX};

/// Where a property section sits: one bit per packet type (plus the will).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ctx(pub(crate) u16, pub(crate) &'static str);

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
pub(crate) enum Wire {
    Byte,
    Two,
    Four,
    VarInt,
    Utf8,
    Binary,
    Pair,
}

/// The table of MQTT 2.2.2.2: wire type and the packets allowed to carry each identifier.
#[inline]
pub(crate) const fn spec(id: u8) -> Option<(Wire, u16)> {
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

/// A property value as it is on the wire, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Val<'a> {
    Byte(u8),
    Two(u16),
    Four(u32),
    Var(u32),
    Str(Utf8Ref<'a>),
    Bin(&'a [u8]),
    Pair(Utf8Ref<'a>, Utf8Ref<'a>),
}

impl Val<'_> {
    /// Encoded size of the value (without the identifier).
    pub(crate) fn len(&self) -> usize {
        match self {
            Val::Byte(_) => 1,
            Val::Two(_) => 2,
            Val::Four(_) => 4,
            Val::Var(v) => crate::varint::var_int_len(*v),
            Val::Str(s) => 2 + s.len(),
            Val::Bin(b) => 2 + b.len(),
            Val::Pair(k, v) => 4 + k.len() + v.len(),
        }
    }

    /// Writes the value as it goes on the wire (lengths were checked when
    /// the property was built).
    pub(crate) fn put(&self, dst: &mut impl bytes::BufMut) {
        use crate::writer::put_prefixed;
        match self {
            Val::Byte(b) => dst.put_u8(*b),
            Val::Two(v) => dst.put_u16(*v),
            Val::Four(v) => dst.put_u32(*v),
            Val::Var(v) => crate::varint::write(dst, *v),
            Val::Str(s) => put_prefixed(dst, s.as_bytes()),
            Val::Bin(b) => put_prefixed(dst, b),
            Val::Pair(k, v) => {
                put_prefixed(dst, k.as_bytes());
                put_prefixed(dst, v.as_bytes());
            }
        }
    }
}

/// The field name of a string or binary property, for errors.
fn field(id: u8) -> &'static str {
    match id {
        0x03 => "content type",
        0x08 => "response topic",
        0x09 => "correlation data",
        0x12 => "assigned client identifier",
        0x15 => "authentication method",
        0x16 => "authentication data",
        0x1A => "response information",
        0x1C => "server reference",
        _ => "reason string",
    }
}

/// Reads one value of wire type `wire` for identifier `id`.
#[inline]
pub(crate) fn read_val<'a>(r: &mut Reader<'a>, id: u8, wire: Wire) -> Result<Val<'a>, DecodeError> {
    const F: &str = "property value";
    Ok(match wire {
        Wire::Byte => Val::Byte(r.u8(F)?),
        Wire::Two => Val::Two(r.u16(F)?),
        Wire::Four => Val::Four(r.u32(F)?),
        Wire::VarInt => Val::Var(r.var_int("subscription identifier")?),
        Wire::Utf8 => Val::Str(r.utf8(field(id))?),
        Wire::Binary => Val::Bin(r.binary(field(id))?),
        Wire::Pair => Val::Pair(
            r.utf8("user property name")?,
            r.utf8("user property value")?,
        ),
    })
}

/// Value rules, for decode and encode alike: booleans 0 or 1; Receive
/// Maximum, Topic Alias, Maximum Packet Size and Subscription Identifier not
/// 0; Response Topic a topic name (MQTT-3.3.2-14); binary data at most
/// 65,535 bytes.
#[inline]
pub(crate) fn check_val(id: u8, val: &Val<'_>) -> Result<(), ErrorKind> {
    let bad = |value: u32| ErrorKind::InvalidPropertyValue { id, value };
    match *val {
        Val::Byte(b) if b > 1 => Err(bad(u32::from(b))),
        Val::Two(0) if id == 0x23 => Err(ErrorKind::TopicAliasZero),
        Val::Two(0) if id == 0x21 => Err(bad(0)),
        Val::Four(0) if id == 0x27 => Err(bad(0)),
        Val::Var(v) if v == 0 || v > VAR_INT_MAX => Err(bad(v)),
        Val::Str(t) if id == 0x08 => {
            string::check_topic_name(t.as_bytes(), "response topic", false)
        }
        Val::Bin(b) => crate::writer::check_len(b, "binary property"),
        _ => Ok(()),
    }
}

/// Identifiers and their offsets in a validated section, in wire order,
/// without reading the values (each value's size follows from its type).
pub(crate) fn ids(raw: &[u8]) -> impl Iterator<Item = (u8, usize)> + '_ {
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

/// Every (identifier, value) of a validated section, in wire order.
pub(crate) fn vals(raw: &[u8]) -> impl Iterator<Item = (u8, Val<'_>)> + '_ {
    let mut r = Reader::new(raw, 0, raw.len(), true);
    core::iter::from_fn(move || {
        if r.is_empty() {
            return None;
        }
        let id = r.u8("property identifier").ok()?;
        let (wire, _) = spec(id)?;
        read_val(&mut r, id, wire).ok().map(|v| (id, v))
    })
}

/// The first value with identifier `id` (only that one is read).
pub(crate) fn find(raw: &[u8], id: u8) -> Option<Val<'_>> {
    let at = ids(raw).find(|&(i, _)| i == id)?.1;
    let (wire, _) = spec(id)?;
    let mut r = Reader::new(raw, at + 1, raw.len(), true);
    read_val(&mut r, id, wire).ok()
}

/// [`spec`] for every identifier below 0x80, looked up with one load
/// instead of a chain of jumps.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of bounds fails the build"
)]
const SPEC: [Option<(Wire, u16)>; 0x80] = {
    let mut table = [None; 0x80];
    let mut id = 0;
    while id < 0x80 {
        table[id as usize] = spec(id);
        id += 1;
    }
    table
};

/// Reads one value of wire type `wire` for identifier `id` and tells
/// whether [`check_val`] accepts it, without building the value: the test
/// of the decode loop (a `false` is then read again for its error).
#[inline]
fn read_ok(r: &mut Reader<'_>, id: u8, wire: Wire) -> Result<bool, DecodeError> {
    const F: &str = "property value";
    Ok(match wire {
        Wire::Byte => r.u8(F)? <= 1,
        Wire::Two => r.u16(F)? != 0 || (id != 0x21 && id != 0x23),
        Wire::Four => r.u32(F)? != 0 || id != 0x27,
        // At most four bytes: never above VAR_INT_MAX.
        Wire::VarInt => r.var_int("subscription identifier")? != 0,
        Wire::Utf8 => {
            let text = r.utf8(field(id))?;
            id != 0x08 || string::check_topic_name(text.as_bytes(), "", false).is_ok()
        }
        // A two-byte length: never over 65,535 bytes.
        Wire::Binary => r.binary(field(id)).map(|_| true)?,
        Wire::Pair => {
            r.utf8("user property name")?;
            r.utf8("user property value")?;
            true
        }
    })
}

/// Reads and validates a property section (length prefix included) allowed
/// in `ctx`; returns the section without its prefix.
#[inline]
pub(crate) fn decode<'a>(r: &mut Reader<'a>, ctx: Ctx) -> Result<&'a [u8], DecodeError> {
    let len = r.var_int("property length")?;
    let start = r.pos();
    let mut sub = r.sub(len as usize, "properties")?;
    if len == 0 {
        return Ok(&[]);
    }
    // User Property may repeat, and Subscription Identifier in a PUBLISH.
    let repeatable = (1u64 << 0x26)
        | if ctx.0 == Ctx::PUBLISH.0 {
            1 << 0x0B
        } else {
            0
        };
    let mut seen = 0u64;
    while !sub.is_empty() {
        let at = sub.pos();
        let raw_id = sub.property_id()?;
        let known = usize::try_from(raw_id)
            .ok()
            .and_then(|i| SPEC.get(i).copied().flatten());
        let Some((wire, allowed)) = known else {
            return Err(Reader::err_at(ErrorKind::UnknownProperty(raw_id), at));
        };
        // Every known identifier is below 0x80 (and below 64).
        let id = (raw_id & 0x7F) as u8;
        if allowed & ctx.0 == 0 {
            return Err(Reader::err_at(
                ErrorKind::PropertyNotAllowed { packet: ctx.1, id },
                at,
            ));
        }
        let bit = 1u64 << id;
        if seen & bit & !repeatable != 0 {
            return Err(Reader::err_at(ErrorKind::DuplicateProperty(id), at));
        }
        seen |= bit;
        let value_at = sub.clone();
        if !read_ok(&mut sub, id, wire)? {
            let mut again = value_at;
            let value = read_val(&mut again, id, wire)?;
            check_val(id, &value).map_err(|k| Reader::err_at(k, at))?;
        }
    }
    let section = sub.region(start);
    // Authentication Data without Authentication Method (MQTT 3.1.2.11.10, 3.2.2.3.18).
    if seen & (1 << 0x16) != 0 && seen & (1 << 0x15) == 0 {
        let at = ids(section)
            .find(|&(id, _)| id == 0x16)
            .map_or(0, |(_, at)| at);
        return Err(Reader::err_at(
            ErrorKind::ProtocolViolation("authentication data without authentication method"),
            start + at,
        ));
    }
    Ok(section)
}

/// Reads the length prefix and the section of a property section that was
/// validated before (the reads cannot fail then; an empty section if they
/// did).
pub(crate) fn decode_validated<'a>(r: &mut Reader<'a>) -> &'a [u8] {
    let Ok(len) = r.var_int("property length") else {
        return &[];
    };
    let start = r.pos();
    match r.sub(len as usize, "properties") {
        Ok(_) => r.region(start).get(..len as usize).unwrap_or_default(),
        Err(_) => &[],
    }
}

/// Checks that every property of a validated section may appear in `ctx`
/// (encode side).
#[inline]
pub(crate) fn check_ctx(raw: &[u8], ctx: Ctx) -> Result<(), ErrorKind> {
    if raw.is_empty() {
        return Ok(());
    }
    let mut sub_ids = 0;
    let (mut method, mut data) = (false, false);
    for (id, _) in ids(raw) {
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

/// Refuses properties in an MQTT 3.1.1 packet.
#[inline]
pub(crate) fn none_allowed(raw: &[u8], packet: &'static str) -> Result<(), ErrorKind> {
    if raw.is_empty() {
        return Ok(());
    }
    match ids(raw).next() {
        Some((id, _)) => Err(ErrorKind::PropertyNotAllowed { packet, id }),
        None => Ok(()),
    }
}

/// Encoded size of a section of `len` bytes with its length prefix.
#[inline]
pub(crate) fn prefixed_len(len: usize) -> usize {
    varint::var_int_len(u32::try_from(len).unwrap_or(u32::MAX)) + len
}

/// The typed getters shared by [`Properties`] and [`PropertiesRef`]: each
/// finds the first property with its identifier in the validated section.
macro_rules! int_getters {
    () => {
        /// Payload Format Indicator (0x01): 1 means UTF-8 Encoded Character Data.
        #[must_use]
        pub fn payload_format_indicator(&self) -> Option<u8> {
            match $crate::properties::raw::find(self.as_bytes(), 0x01) {
                Some($crate::properties::raw::Val::Byte(v)) => Some(v),
                _ => None,
            }
        }

        /// Message Expiry Interval (0x02), seconds.
        #[must_use]
        pub fn message_expiry_interval(&self) -> Option<u32> {
            self.four(0x02)
        }

        /// Session Expiry Interval (0x11), seconds.
        #[must_use]
        pub fn session_expiry_interval(&self) -> Option<u32> {
            self.four(0x11)
        }

        /// Will Delay Interval (0x18, will properties), seconds.
        #[must_use]
        pub fn will_delay_interval(&self) -> Option<u32> {
            self.four(0x18)
        }

        /// Maximum Packet Size (0x27): the largest packet the sender of the
        /// CONNECT or CONNACK accepts (see [`crate::Packet::encode_with_limit`]).
        #[must_use]
        pub fn maximum_packet_size(&self) -> Option<u32> {
            self.four(0x27)
        }

        /// Receive Maximum (0x21, CONNECT and CONNACK): the sender's limit of
        /// unacknowledged QoS 1 and 2 PUBLISH; absent means 65,535.
        #[must_use]
        pub fn receive_maximum(&self) -> Option<u16> {
            self.two(0x21)
        }

        /// Topic Alias Maximum (0x22, CONNECT and CONNACK): the highest
        /// Topic Alias the sender accepts; absent means 0 (none).
        #[must_use]
        pub fn topic_alias_maximum(&self) -> Option<u16> {
            self.two(0x22)
        }

        /// Topic Alias (0x23).
        #[must_use]
        pub fn topic_alias(&self) -> Option<u16> {
            self.two(0x23)
        }

        /// Whether a property with identifier `id` is present (values are not read).
        #[must_use]
        pub fn contains(&self, id: u8) -> bool {
            $crate::properties::raw::ids(self.as_bytes()).any(|(i, _)| i == id)
        }

        /// Subscription identifiers in wire order.
        pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + '_ {
            $crate::properties::raw::vals(self.as_bytes()).filter_map(|(_, v)| match v {
                $crate::properties::raw::Val::Var(v) => Some(v),
                _ => None,
            })
        }

        /// Encoded size including the Variable Byte Integer length prefix.
        #[must_use]
        pub fn encoded_len(&self) -> usize {
            $crate::properties::raw::prefixed_len(self.as_bytes().len())
        }

        /// True when there are none.
        #[must_use]
        pub fn is_empty(&self) -> bool {
            self.as_bytes().is_empty()
        }

        fn four(&self, id: u8) -> Option<u32> {
            match $crate::properties::raw::find(self.as_bytes(), id) {
                Some($crate::properties::raw::Val::Four(v)) => Some(v),
                _ => None,
            }
        }

        fn two(&self, id: u8) -> Option<u16> {
            match $crate::properties::raw::find(self.as_bytes(), id) {
                Some($crate::properties::raw::Val::Two(v)) => Some(v),
                _ => None,
            }
        }
    };
}
pub(crate) use int_getters;

/// The property section of a packet decoded by the borrowed path
/// ([`crate::PacketRef`]): validated at decode, read lazily from the
/// packet's bytes (no allocation), with the getters of [`Properties`].
///
/// ```
/// use iot_mqtt_codec::{Decoder, PacketRef, ProtocolVersion};
///
/// // MQTT 5 PUBLISH "t", Message Expiry 60, User Property ("k", "v").
/// let wire = b"\x30\x12\x00\x01t\x0c\x02\x00\x00\x00\x3c\x26\x00\x01k\x00\x01vhi";
/// let (packet, used) = Decoder::new(ProtocolVersion::V5).decode_ref(wire)?.expect("complete");
/// assert_eq!(used, wire.len());
/// let PacketRef::Publish(p) = packet else { panic!() };
/// assert_eq!(p.properties.message_expiry_interval(), Some(60));
/// let users: Vec<_> = p.properties.user_properties().map(|(k, v)| (k.as_str(), v.as_str())).collect();
/// assert_eq!(users, [("k", "v")]);
/// assert_eq!(p.payload, b"hi");
/// # Ok::<(), iot_mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PropertiesRef<'a> {
    raw: &'a [u8],
}

impl<'a> PropertiesRef<'a> {
    /// No properties.
    #[must_use]
    pub const fn new() -> Self {
        Self { raw: &[] }
    }

    /// Wraps a validated section.
    pub(crate) fn from_validated(raw: &'a [u8]) -> Self {
        Self { raw }
    }

    /// Reads and validates a section (length prefix included) allowed in `ctx`.
    #[inline]
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: Ctx) -> Result<Self, DecodeError> {
        decode(r, ctx).map(Self::from_validated)
    }

    /// The encoded property section without its length prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    int_getters!();

    /// Response Topic (0x08).
    #[must_use]
    pub fn response_topic(&self) -> Option<Utf8Ref<'a>> {
        match find(self.raw, 0x08) {
            Some(Val::Str(v)) => Some(v),
            _ => None,
        }
    }

    /// Reason String (0x1F).
    #[must_use]
    pub fn reason_string(&self) -> Option<Utf8Ref<'a>> {
        match find(self.raw, 0x1F) {
            Some(Val::Str(v)) => Some(v),
            _ => None,
        }
    }

    /// Correlation Data (0x09).
    #[must_use]
    pub fn correlation_data(&self) -> Option<&'a [u8]> {
        match find(self.raw, 0x09) {
            Some(Val::Bin(v)) => Some(v),
            _ => None,
        }
    }

    /// User properties (name, value) in wire order, borrowed.
    pub fn user_properties(&self) -> impl Iterator<Item = (Utf8Ref<'a>, Utf8Ref<'a>)> + 'a {
        vals(self.raw).filter_map(|(_, v)| match v {
            Val::Pair(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// The properties in wire order as owned [`Property`] values (strings
    /// and binary data are copied: the getters and
    /// [`PropertiesRef::user_properties`] borrow instead).
    pub fn iter(&self) -> impl Iterator<Item = Property> + 'a {
        vals(self.raw).map(|(id, v)| Property::from_val(id, v, &Bytes::new()))
    }

    /// An owned copy.
    #[must_use]
    pub fn to_properties(&self) -> Properties {
        Properties::from_validated(Bytes::copy_from_slice(self.raw))
    }

    /// Owned properties sharing `base` when the section lies inside it (no
    /// copy), copied otherwise.
    #[must_use]
    pub fn share(&self, base: &Bytes) -> Properties {
        Properties::from_validated(crate::reader::share(base, self.raw))
    }
}

impl core::fmt::Debug for PropertiesRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq<PropertiesRef<'_>> for Properties {
    fn eq(&self, other: &PropertiesRef<'_>) -> bool {
        self.as_bytes() == other.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decode loop's quick test (`read_ok`) accepts exactly the values
    /// `check_val` accepts (MQTT 2.2.2.2 and the value rules of 3.1.2.11,
    /// 3.2.2.3, 3.3.2.3), for every identifier and the values at the edges
    /// of its rules; the table agrees with `spec`.
    #[test]
    fn mqtt_2_2_2_2_quick_value_test_agrees_with_the_rules() {
        let samples = |wire: Wire| -> Vec<Vec<u8>> {
            match wire {
                Wire::Byte => vec![vec![0], vec![1], vec![2], vec![0xFF]],
                Wire::Two => vec![vec![0, 0], vec![0, 1], vec![0xFF, 0xFF]],
                Wire::Four => vec![vec![0; 4], vec![0, 0, 0, 1], vec![0xFF; 4]],
                Wire::VarInt => vec![vec![0], vec![1], vec![0xFF, 0xFF, 0xFF, 0x7F]],
                Wire::Utf8 => ["", "a", "a/b", "a/+", "#", "+/#"]
                    .iter()
                    .map(|t| [&[0, t.len() as u8][..], t.as_bytes()].concat())
                    .collect(),
                Wire::Binary => vec![vec![0, 0], vec![0, 1, 0xAA]],
                Wire::Pair => vec![vec![0, 0, 0, 0], vec![0, 1, b'k', 0, 1, b'v']],
            }
        };
        for id in 0..0x80u8 {
            assert_eq!(SPEC[usize::from(id)], spec(id), "{id:#04x}");
            let Some((wire, _)) = spec(id) else { continue };
            for value in samples(wire) {
                let mut quick = Reader::new(&value, 0, value.len(), true);
                let mut full = Reader::new(&value, 0, value.len(), true);
                let ok = read_ok(&mut quick, id, wire).unwrap();
                let val = read_val(&mut full, id, wire).unwrap();
                assert_eq!(ok, check_val(id, &val).is_ok(), "{id:#04x} {value:?}");
                assert_eq!(quick.pos(), full.pos(), "{id:#04x} {value:?}");
            }
        }
    }
}
