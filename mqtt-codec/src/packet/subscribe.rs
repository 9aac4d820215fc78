//! SUBSCRIBE (MQTT 3.8) and subscription options.

use alloc::vec::Vec;

use bytes::{BufMut, Bytes};

use super::ack::no_properties;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::string::{self, Utf8Ref, Utf8Str};
use crate::types::{PacketId, ProtocolVersion, QoS};

/// Retain Handling subscription option (MQTT 3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RetainHandling {
    /// 0: send retained messages at subscribe time.
    #[default]
    SendAtSubscribe,
    /// 1: send them only if the subscription did not exist.
    SendIfNew,
    /// 2: do not send them.
    DoNotSend,
}

/// Subscription options (MQTT 3.8.3.1); under 3.1.1 only the QoS exists.
///
/// ```
/// use iot_mqtt_codec::{QoS, SubscriptionOptions};
/// let o = SubscriptionOptions::new(QoS::AtLeastOnce);
/// assert!(!o.no_local);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: QoS,
    /// No Local (MQTT 5).
    pub no_local: bool,
    /// Retain As Published (MQTT 5).
    pub retain_as_published: bool,
    /// Retain Handling (MQTT 5).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with this QoS and MQTT 5 defaults.
    #[must_use]
    pub fn new(qos: QoS) -> Self {
        Self {
            qos,
            ..Self::default()
        }
    }

    fn to_byte(self) -> u8 {
        u8::from(self.qos)
            | (u8::from(self.no_local) << 2)
            | (u8::from(self.retain_as_published) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    fn uses_v5_bits(self) -> bool {
        self.to_byte() & !0b11 != 0
    }
}

/// SUBSCRIBE (MQTT 3.8): at least one topic filter.
///
/// ```
/// use iot_mqtt_codec::{PacketId, QoS, Subscribe, SubscriptionOptions, Utf8Str};
/// let s = Subscribe::new(PacketId::new(1).unwrap(), vec![
///     (Utf8Str::new("a/#")?, SubscriptionOptions::new(QoS::AtLeastOnce)),
/// ]);
/// assert_eq!(s.filters.len(), 1);
/// # Ok::<(), iot_mqtt_codec::ErrorKind>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Subscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Properties (MQTT 5: Subscription Identifier, User Property).
    pub properties: Properties,
    /// Topic filters and their options, in order.
    pub filters: Vec<(Utf8Str, SubscriptionOptions)>,
}

impl Subscribe {
    /// A SUBSCRIBE without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, filters: Vec<(Utf8Str, SubscriptionOptions)>) -> Self {
        Self {
            packet_id,
            properties: Properties::new(),
            filters,
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<SubscribeRef<'a>, DecodeError> {
        let v5 = r.is_v5();
        let (packet_id, properties) = super::read_list_header(r, Ctx::SUBSCRIBE, "SUBSCRIBE")?;
        let raw = r.rest();
        let mut len = 0;
        while !r.is_empty() {
            let shared = r.topic_filter()?;
            let opt_at = r.pos();
            let byte = r.u8("subscription options")?;
            if !options_ok(byte, v5, shared) {
                parse_options(byte, v5, shared).map_err(|k| Reader::err_at(k, opt_at))?;
            }
            len += 1;
        }
        Ok(SubscribeRef {
            packet_id,
            properties,
            filters: SubscriptionsRef { raw, len },
        })
    }

    pub(crate) fn from_ref(s: SubscribeRef<'_>, base: &Bytes) -> Self {
        Self {
            packet_id: s.packet_id,
            properties: s.properties.share(base),
            filters: s.filters.iter().map(|(f, o)| (f.share(base), o)).collect(),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        let v5 = v == ProtocolVersion::V5;
        if v5 {
            self.properties.check_ctx(Ctx::SUBSCRIBE)?;
        } else {
            no_properties(&self.properties, "SUBSCRIBE")?;
        }
        if self.filters.is_empty() {
            return Err(ErrorKind::EmptyList {
                packet: "SUBSCRIBE",
            });
        }
        for (filter, options) in &self.filters {
            let shared = string::check_topic_filter(filter.as_bytes(), v5)?;
            parse_options(options.to_byte(), v5, shared)?;
            if !v5 && options.uses_v5_bits() {
                return Err(ErrorKind::InvalidValue {
                    field: "subscription options",
                    value: u32::from(options.to_byte()),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        let props = if v == ProtocolVersion::V5 {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + props + self.filters.iter().map(|(f, _)| 3 + f.len()).sum::<usize>()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u16(self.packet_id.get());
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
        for (filter, options) in &self.filters {
            crate::writer::put_str(dst, filter);
            dst.put_u8(options.to_byte());
        }
    }
}

/// SUBSCRIBE from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Properties (MQTT 5: Subscription Identifier, User Property).
    pub properties: PropertiesRef<'a>,
    /// Topic filters and their options, in order (at least one).
    pub filters: SubscriptionsRef<'a>,
}

/// The topic filters of a SUBSCRIBE with their options, validated when the
/// packet was decoded and read lazily from its bytes (no allocation).
///
/// ```
/// use iot_mqtt_codec::{Decoder, PacketRef, ProtocolVersion, QoS};
///
/// // SUBSCRIBE id 1: "a/#" QoS 1, "b/+" QoS 0.
/// let wire = b"\x82\x0e\x00\x01\x00\x03a/#\x01\x00\x03b/+\x00";
/// let (packet, _) = Decoder::new(ProtocolVersion::V311).decode_ref(wire)?.expect("complete");
/// let PacketRef::Subscribe(s) = packet else { panic!() };
/// assert_eq!(s.filters.len(), 2);
/// let list: Vec<_> = s.filters.iter().map(|(f, o)| (f.as_str(), o.qos)).collect();
/// assert_eq!(list, [("a/#", QoS::AtLeastOnce), ("b/+", QoS::AtMostOnce)]);
/// # Ok::<(), iot_mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionsRef<'a> {
    raw: &'a [u8],
    len: usize,
}

impl<'a> SubscriptionsRef<'a> {
    /// Number of topic filters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none (never for a decoded SUBSCRIBE).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list as received: each filter with its two-byte length, then
    /// its options byte.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The filters and their options, in order.
    #[must_use]
    pub fn iter(&self) -> Subscriptions<'a> {
        Subscriptions {
            raw: self.raw,
            left: self.len,
        }
    }
}

impl core::fmt::Debug for SubscriptionsRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for SubscriptionsRef<'a> {
    type Item = (Utf8Ref<'a>, SubscriptionOptions);
    type IntoIter = Subscriptions<'a>;
    fn into_iter(self) -> Subscriptions<'a> {
        self.iter()
    }
}

/// Iterator over [`SubscriptionsRef`].
#[derive(Debug, Clone)]
pub struct Subscriptions<'a> {
    raw: &'a [u8],
    left: usize,
}

impl<'a> Iterator for Subscriptions<'a> {
    type Item = (Utf8Ref<'a>, SubscriptionOptions);

    fn next(&mut self) -> Option<Self::Item> {
        let (filter, rest) = super::split_prefixed(self.raw)?;
        let (&byte, rest) = rest.split_first()?;
        self.raw = rest;
        self.left = self.left.saturating_sub(1);
        // Validated at decode: the 5.0 reading gives the same values for a
        // 3.1.1 byte (its upper bits are 0).
        let options = parse_options(byte, true, false).unwrap_or_default();
        Some((filter, options))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Subscriptions<'_> {}

/// Whether [`parse_options`] accepts `byte`, without building the options
/// or an error: the test of the decode loop.
#[inline]
fn options_ok(byte: u8, v5: bool, shared: bool) -> bool {
    let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
    byte & reserved == 0
        && byte & 0b11 != 0b11
        && byte & 0b11_0000 != 0b11_0000
        && !(shared && byte & 0b100 != 0)
}

/// Subscription options byte. 3.1.1: bits 7-2 reserved, QoS 0-2
/// (MQTT-3-8.3-4 of 3.1.1). 5.0: bits 7-6 reserved (MQTT-3.8.3-5), QoS 0-2,
/// Retain Handling 0-2, No Local not on a shared subscription (MQTT-3.8.3-4).
fn parse_options(byte: u8, v5: bool, shared: bool) -> Result<SubscriptionOptions, ErrorKind> {
    let invalid = |field| ErrorKind::InvalidValue {
        field,
        value: u32::from(byte),
    };
    let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
    if byte & reserved != 0 {
        return Err(invalid("subscription options reserved bits"));
    }
    let qos = QoS::try_from(byte & 0b11).map_err(|_| invalid("subscription QoS"))?;
    let retain_handling = match (byte >> 4) & 0b11 {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendIfNew,
        2 => RetainHandling::DoNotSend,
        _ => return Err(ErrorKind::ProtocolViolation("retain handling 3")),
    };
    let no_local = byte & 0b100 != 0;
    if no_local && shared {
        return Err(ErrorKind::ProtocolViolation(
            "no local on a shared subscription",
        ));
    }
    Ok(SubscriptionOptions {
        qos,
        no_local,
        retain_as_published: byte & 0b1000 != 0,
        retain_handling,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decode loop's quick test accepts exactly the option bytes that
    /// the full rules of MQTT 3.8.3.1 accept, for every byte, version and
    /// kind of subscription.
    #[test]
    fn mqtt_3_8_3_1_options_quick_test_agrees_with_the_rules() {
        for byte in 0..=u8::MAX {
            for v5 in [false, true] {
                for shared in [false, true] {
                    assert_eq!(
                        options_ok(byte, v5, shared),
                        parse_options(byte, v5, shared).is_ok(),
                        "{byte:#04x} v5={v5} shared={shared}"
                    );
                }
            }
        }
    }
}
