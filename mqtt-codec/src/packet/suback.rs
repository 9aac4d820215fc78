//! SUBACK (MQTT 3.9).

use alloc::vec::Vec;

use bytes::BufMut;

use super::ack::{check_reason, no_properties};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::{PacketId, ProtocolVersion};

/// SUBACK (MQTT 3.9): one reason code per topic filter of the SUBSCRIBE.
///
/// ```
/// use iot_mqtt_codec::{PacketId, ReasonCode, SubAck};
/// let ack = SubAck::new(PacketId::new(1).unwrap(), vec![ReasonCode::GRANTED_QOS_1]);
/// assert_eq!(ack.reason_codes.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubAck {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// Properties (MQTT 5).
    pub properties: Properties,
    /// Reason codes (3.1.1 return codes: 0, 1, 2, 0x80).
    pub reason_codes: Vec<ReasonCode>,
}

impl SubAck {
    /// A SUBACK without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            properties: Properties::new(),
            reason_codes,
        }
    }

    fn allowed(v5: bool) -> &'static [u8] {
        if v5 {
            allowed::SUBACK
        } else {
            allowed::SUBACK_V311
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let packet_id = super::read_packet_id(r, "SUBACK")?;
        let v5 = r.is_v5();
        let properties = if v5 {
            Properties::decode(r, Ctx::SUBACK)?
        } else {
            Properties::new()
        };
        if r.is_empty() {
            return Err(r.err(ErrorKind::EmptyList { packet: "SUBACK" }));
        }
        let mut reason_codes = Vec::with_capacity(r.remaining());
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8("reason code")?);
            // 3.1.1: other return codes are reserved (MQTT-3.9.3-2).
            check_reason(code, Self::allowed(v5), "SUBACK").map_err(|k| Reader::err_at(k, at))?;
            reason_codes.push(code);
        }
        Ok(Self {
            packet_id,
            properties,
            reason_codes,
        })
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        let v5 = v == ProtocolVersion::V5;
        if v5 {
            self.properties.check_ctx(Ctx::SUBACK)?;
        } else {
            no_properties(&self.properties, "SUBACK")?;
        }
        if self.reason_codes.is_empty() {
            return Err(ErrorKind::EmptyList { packet: "SUBACK" });
        }
        for code in &self.reason_codes {
            check_reason(*code, Self::allowed(v5), "SUBACK")?;
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        let props = if v == ProtocolVersion::V5 {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + props + self.reason_codes.len()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u16(self.packet_id.get());
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
        for code in &self.reason_codes {
            dst.put_u8(code.0);
        }
    }
}
