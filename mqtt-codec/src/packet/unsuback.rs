//! UNSUBACK (MQTT 3.11).

use alloc::vec::Vec;

use bytes::BufMut;

use super::ack::{check_reason, no_properties};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
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

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let packet_id = super::read_packet_id(r, "UNSUBACK")?;
        if !r.is_v5() {
            return Ok(Self::new(packet_id, Vec::new()));
        }
        let properties = Properties::decode(r, Ctx::UNSUBACK)?;
        if r.is_empty() {
            return Err(r.err(ErrorKind::EmptyList { packet: "UNSUBACK" }));
        }
        let mut reason_codes = Vec::with_capacity(r.remaining());
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8("reason code")?);
            check_reason(code, allowed::UNSUBACK, "UNSUBACK").map_err(|k| Reader::err_at(k, at))?;
            reason_codes.push(code);
        }
        Ok(Self {
            packet_id,
            properties,
            reason_codes,
        })
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
