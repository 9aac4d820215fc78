//! UNSUBACK (MQTT 3.11).

use alloc::vec::Vec;

use bytes::{BufMut, Bytes};

use super::ack::{check_reason, no_properties};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::{PacketId, ProtocolVersion};

/// UNSUBACK (MQTT 3.11). Under 3.1.1 it holds only the packet identifier;
/// under 5.0 one reason code per topic filter.
///
/// ```
/// use iot_mqtt_codec::{PacketId, ReasonCode, UnsubAck};
/// let ack = UnsubAck::new(PacketId::new(2).unwrap(), vec![ReasonCode::NO_SUBSCRIPTION_EXISTED]);
/// assert_eq!(ack.reason_codes[0].0, 0x11);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UnsubAck {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// Properties (MQTT 5).
    pub properties: Properties,
    /// Reason codes (MQTT 5; empty for 3.1.1).
    pub reason_codes: Vec<ReasonCode>,
}

/// UNSUBACK from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsubAckRef<'a> {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
    /// The reason codes as received, one byte each, validated
    /// (empty for an MQTT 3.1.1 UNSUBACK); see [`UnsubAckRef::reason_codes`].
    pub raw_reason_codes: &'a [u8],
}

impl<'a> UnsubAckRef<'a> {
    /// The reason codes in order.
    pub fn reason_codes(&self) -> impl ExactSizeIterator<Item = ReasonCode> + 'a {
        self.raw_reason_codes.iter().map(|&c| ReasonCode(c))
    }
}

impl UnsubAck {
    /// An UNSUBACK without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            properties: Properties::new(),
            reason_codes,
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<UnsubAckRef<'a>, DecodeError> {
        let packet_id = super::read_packet_id(r, "UNSUBACK")?;
        let mut ack = UnsubAckRef {
            packet_id,
            properties: PropertiesRef::new(),
            raw_reason_codes: &[],
        };
        if !r.is_v5() {
            return Ok(ack);
        }
        ack.properties = PropertiesRef::decode(r, Ctx::UNSUBACK)?;
        if r.is_empty() {
            return Err(r.err(ErrorKind::EmptyList { packet: "UNSUBACK" }));
        }
        ack.raw_reason_codes = r.rest();
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8("reason code")?);
            check_reason(code, allowed::UNSUBACK, "UNSUBACK").map_err(|k| Reader::err_at(k, at))?;
        }
        Ok(ack)
    }

    pub(crate) fn from_ref(a: UnsubAckRef<'_>, base: &Bytes) -> Self {
        Self {
            packet_id: a.packet_id,
            properties: a.properties.share(base),
            reason_codes: a.reason_codes().collect(),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v != ProtocolVersion::V5 {
            no_properties(&self.properties, "UNSUBACK")?;
            return match self.reason_codes.first() {
                Some(code) => Err(ErrorKind::InvalidReasonCode {
                    packet: "UNSUBACK",
                    code: code.0,
                }),
                None => Ok(()),
            };
        }
        self.properties.check_ctx(Ctx::UNSUBACK)?;
        if self.reason_codes.is_empty() {
            return Err(ErrorKind::EmptyList { packet: "UNSUBACK" });
        }
        for code in &self.reason_codes {
            check_reason(*code, allowed::UNSUBACK, "UNSUBACK")?;
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if v == ProtocolVersion::V5 {
            2 + self.properties.encoded_len() + self.reason_codes.len()
        } else {
            2
        }
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u16(self.packet_id.get());
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
            for code in &self.reason_codes {
                dst.put_u8(code.0);
            }
        }
    }
}
