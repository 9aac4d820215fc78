//! SUBSCRIBE (MQTT 3.8) and subscription options.

use alloc::vec::Vec;

use bytes::BufMut;

use super::ack::no_properties;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
use crate::reader::Reader;
use crate::string::{self, Utf8Str};
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

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let v5 = r.is_v5();
        let (packet_id, properties) = super::read_list_header(r, Ctx::SUBSCRIBE, "SUBSCRIBE")?;
        let mut filters = Vec::with_capacity(r.count_prefixed(1));
        while !r.is_empty() {
            let at = r.pos();
            let filter = r.utf8("topic filter")?;
            let shared = string::check_topic_filter(filter.as_bytes(), v5)
                .map_err(|k| Reader::err_at(k, at))?;
            let opt_at = r.pos();
            let byte = r.u8("subscription options")?;
            let options = parse_options(byte, v5, shared).map_err(|k| Reader::err_at(k, opt_at))?;
            filters.push((filter, options));
        }
        Ok(Self {
            packet_id,
            properties,
            filters,
        })
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
