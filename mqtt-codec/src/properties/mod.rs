//! MQTT 5 properties (MQTT 2.2.2): wire types, the packets each may appear
//! in, duplicate detection, and value ranges.
//!
//! [`Properties`] keeps the property section as the validated bytes of the
//! packet (zero-copy, order preserved, no allocation on decode) and decodes
//! each [`Property`] on iteration.

pub(crate) mod raw;

use alloc::vec::Vec;

use bytes::{BufMut, Bytes, BytesMut};

pub(crate) use raw::Ctx;
pub use raw::PropertiesRef;
use raw::{Val, int_getters};

use crate::error::ErrorKind;
use crate::reader::{Reader, share};
use crate::string::{Utf8Ref, Utf8Str};
use crate::varint::VAR_INT_MAX;

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

    /// Value rules (shared with the decoder, see `raw::check_val`).
    fn check(&self) -> Result<(), ErrorKind> {
        raw::check_val(self.id(), &self.as_val())
    }

    /// The value as it is on the wire, borrowed.
    fn as_val(&self) -> Val<'_> {
        match self {
            Self::PayloadFormatIndicator(b)
            | Self::RequestProblemInformation(b)
            | Self::RequestResponseInformation(b)
            | Self::MaximumQoS(b)
            | Self::RetainAvailable(b)
            | Self::WildcardSubscriptionAvailable(b)
            | Self::SubscriptionIdentifierAvailable(b)
            | Self::SharedSubscriptionAvailable(b) => Val::Byte(*b),
            Self::ServerKeepAlive(v)
            | Self::ReceiveMaximum(v)
            | Self::TopicAliasMaximum(v)
            | Self::TopicAlias(v) => Val::Two(*v),
            Self::MessageExpiryInterval(v)
            | Self::SessionExpiryInterval(v)
            | Self::WillDelayInterval(v)
            | Self::MaximumPacketSize(v) => Val::Four(*v),
            Self::SubscriptionIdentifier(v) => Val::Var(*v),
            Self::ContentType(s)
            | Self::ResponseTopic(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => Val::Str(s.as_utf8_ref()),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => Val::Bin(b),
            Self::UserProperty(k, v) => Val::Pair(k.as_utf8_ref(), v.as_utf8_ref()),
        }
    }

    /// The property `id` with a value read from the wire; strings and
    /// binary data share `base` when they lie inside it.
    pub(crate) fn from_val(id: u8, val: Val<'_>, base: &Bytes) -> Self {
        let s = |v: Utf8Ref<'_>| v.share(base);
        match (val, id) {
            (Val::Byte(b), 0x01) => Self::PayloadFormatIndicator(b),
            (Val::Byte(b), 0x17) => Self::RequestProblemInformation(b),
            (Val::Byte(b), 0x19) => Self::RequestResponseInformation(b),
            (Val::Byte(b), 0x24) => Self::MaximumQoS(b),
            (Val::Byte(b), 0x25) => Self::RetainAvailable(b),
            (Val::Byte(b), 0x28) => Self::WildcardSubscriptionAvailable(b),
            (Val::Byte(b), 0x29) => Self::SubscriptionIdentifierAvailable(b),
            (Val::Byte(b), _) => Self::SharedSubscriptionAvailable(b),
            (Val::Two(v), 0x13) => Self::ServerKeepAlive(v),
            (Val::Two(v), 0x21) => Self::ReceiveMaximum(v),
            (Val::Two(v), 0x22) => Self::TopicAliasMaximum(v),
            (Val::Two(v), _) => Self::TopicAlias(v),
            (Val::Four(v), 0x02) => Self::MessageExpiryInterval(v),
            (Val::Four(v), 0x11) => Self::SessionExpiryInterval(v),
            (Val::Four(v), 0x18) => Self::WillDelayInterval(v),
            (Val::Four(v), _) => Self::MaximumPacketSize(v),
            (Val::Var(v), _) => Self::SubscriptionIdentifier(v),
            (Val::Str(v), 0x03) => Self::ContentType(s(v)),
            (Val::Str(v), 0x08) => Self::ResponseTopic(s(v)),
            (Val::Str(v), 0x12) => Self::AssignedClientIdentifier(s(v)),
            (Val::Str(v), 0x15) => Self::AuthenticationMethod(s(v)),
            (Val::Str(v), 0x1A) => Self::ResponseInformation(s(v)),
            (Val::Str(v), 0x1C) => Self::ServerReference(s(v)),
            (Val::Str(v), _) => Self::ReasonString(s(v)),
            (Val::Bin(b), 0x09) => Self::CorrelationData(share(base, b)),
            (Val::Bin(b), _) => Self::AuthenticationData(share(base, b)),
            (Val::Pair(k, v), _) => Self::UserProperty(s(k), s(v)),
        }
    }

    /// Encoded size: identifier and value.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        1 + self.as_val().len()
    }

    fn encode(&self, dst: &mut impl BufMut) {
        dst.put_u8(self.id());
        self.as_val().put(dst);
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

    /// Wraps a section validated by the decoder.
    pub(crate) fn from_validated(raw: Bytes) -> Self {
        Self { raw }
    }

    /// The encoded property section without its length prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// A borrowed view, with the same getters.
    #[must_use]
    pub fn as_properties_ref(&self) -> PropertiesRef<'_> {
        PropertiesRef::from_validated(&self.raw)
    }

    int_getters!();

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
            base: &self.raw,
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
        raw::find(&self.raw, id).map(|v| Property::from_val(id, v, &self.raw))
    }

    /// Replaces the first property with the identifier of `property` by it
    /// (removing any later ones with that identifier), or appends it; the
    /// order of the others is kept. The section is re-encoded and checked
    /// as by [`Properties::from_list`].
    ///
    /// ```
    /// use iot_mqtt_codec::{Properties, Property};
    /// let mut props = Properties::from_list([
    ///     Property::ReceiveMaximum(10),
    ///     Property::TopicAliasMaximum(5),
    /// ])?;
    /// props.set(Property::ReceiveMaximum(20))?;
    /// props.set(Property::MaximumPacketSize(1024))?;
    /// assert_eq!(props.receive_maximum(), Some(20));
    /// assert_eq!(props.topic_alias_maximum(), Some(5));
    /// assert_eq!(props.maximum_packet_size(), Some(1024));
    /// assert_eq!(props.iter().count(), 3);
    /// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
    /// ```
    ///
    /// # Errors
    /// As [`Properties::from_list`]; `self` is unchanged then.
    pub fn set(&mut self, property: Property) -> Result<(), ErrorKind> {
        let id = property.id();
        let mut list = Vec::with_capacity(self.iter().count() + 1);
        let mut slot = Some(property);
        for p in self.iter() {
            if p.id() == id {
                if let Some(new) = slot.take() {
                    list.push(new);
                }
            } else {
                list.push(p);
            }
        }
        list.extend(slot);
        *self = Self::from_list(list)?;
        Ok(())
    }

    /// Removes every property with identifier `id`; returns how many.
    pub fn remove(&mut self, id: u8) -> usize {
        let before = self.iter().count();
        let kept: Vec<Property> = self.iter().filter(|p| p.id() != id).collect();
        let removed = before - kept.len();
        if removed > 0 {
            // Removing entries keeps a valid section valid.
            *self = Self::from_list(kept).unwrap_or_default();
        }
        removed
    }

    /// User properties (name, value) in wire order.
    pub fn user_properties(&self) -> impl Iterator<Item = (Utf8Str, Utf8Str)> + '_ {
        self.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// Response Topic (0x08).
    #[must_use]
    pub fn response_topic(&self) -> Option<Utf8Str> {
        match raw::find(&self.raw, 0x08) {
            Some(Val::Str(v)) => Some(v.share(&self.raw)),
            _ => None,
        }
    }

    /// Checks that every property may appear in `ctx` (encode side).
    pub(crate) fn check_ctx(&self, ctx: Ctx) -> Result<(), ErrorKind> {
        raw::check_ctx(&self.raw, ctx)
    }

    /// Writes the length prefix and the properties.
    pub(crate) fn encode(&self, dst: &mut impl BufMut) {
        encode_section(&self.raw, dst);
    }
}

/// Writes a property section: its length prefix and the bytes.
pub(crate) fn encode_section(raw: &[u8], dst: &mut impl BufMut) {
    crate::writer::put_var_int(dst, raw.len());
    dst.put_slice(raw);
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
    base: &'a Bytes,
    reader: Reader<'a>,
}

impl Iterator for Iter<'_> {
    type Item = Property;

    fn next(&mut self) -> Option<Property> {
        if self.reader.is_empty() {
            return None;
        }
        let id = self.reader.u8("property identifier").ok()?;
        let (wire, _) = raw::spec(id)?;
        let val = raw::read_val(&mut self.reader, id, wire).ok()?;
        Some(Property::from_val(id, val, self.base))
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
