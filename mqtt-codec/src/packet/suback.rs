//! SUBACK (MQTT 3.9).

use alloc::vec::Vec;

use bytes::{BufMut, Bytes};

use super::ack::{check_reason, no_properties};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
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

/// SUBACK from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubAckRef<'a> {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
    /// The reason codes as received, one byte each, validated
    /// (empty for an MQTT 3.1.1 UNSUBACK); see [`SubAckRef::reason_codes`].
    pub raw_reason_codes: &'a [u8],
}

impl<'a> SubAckRef<'a> {
    /// The reason codes in order.
    pub fn reason_codes(&self) -> impl ExactSizeIterator<Item = ReasonCode> + 'a {
        self.raw_reason_codes.iter().map(|&c| ReasonCode(c))
    }
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

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<SubAckRef<'a>, DecodeError> {
        let packet_id = super::read_packet_id(r, "SUBACK")?;
        let v5 = r.is_v5();
        let properties = if v5 {
            PropertiesRef::decode(r, Ctx::SUBACK)?
        } else {
            PropertiesRef::new()
        };
        if r.is_empty() {
            return Err(r.err(ErrorKind::EmptyList { packet: "SUBACK" }));
        }
        let codes = r.rest();
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8("reason code")?);
            // 3.1.1: other return codes are reserved (MQTT-3.9.3-2).
            check_reason(code, Self::allowed(v5), "SUBACK").map_err(|k| Reader::err_at(k, at))?;
        }
        Ok(SubAckRef {
            packet_id,
            properties,
            raw_reason_codes: codes,
        })
    }

    pub(crate) fn from_ref(a: SubAckRef<'_>, base: &Bytes) -> Self {
        Self {
            packet_id: a.packet_id,
            properties: a.properties.share(base),
            reason_codes: a.reason_codes().collect(),
        }
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
