//! PUBCOMP (MQTT 3.7).

use bytes::{BufMut, Bytes};

use super::ack::{self, AckRef};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::{PacketId, ProtocolVersion};

/// PUBCOMP (MQTT 3.7). Under MQTT 3.1.1 only the packet identifier is sent;
/// under MQTT 5 the reason code and properties are omitted when they are
/// 0x00 and empty.
///
/// ```
/// use iot_mqtt_codec::{PubComp, PacketId, ReasonCode};
/// let p = PubComp::new(PacketId::new(1).unwrap());
/// assert_eq!(p.reason_code, ReasonCode::SUCCESS);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PubComp {
    /// The packet identifier being acknowledged.
    pub packet_id: PacketId,
    /// Reason code (MQTT 5; must be 0x00 for 3.1.1).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5; must be empty for 3.1.1).
    pub properties: Properties,
}

impl PubComp {
    /// A successful PUBCOMP for `packet_id`.
    #[must_use]
    pub fn new(packet_id: PacketId) -> Self {
        Self {
            packet_id,
            reason_code: ReasonCode::SUCCESS,
            properties: Properties::new(),
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<AckRef<'a>, DecodeError> {
        ack::decode(r, Ctx::PUBCOMP, allowed::PUBREL)
    }

    pub(crate) fn from_ref(f: AckRef<'_>, base: &Bytes) -> Self {
        Self {
            packet_id: f.packet_id,
            reason_code: f.reason_code,
            properties: f.properties.share(base),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        ack::validate(
            v,
            self.reason_code,
            &self.properties,
            Ctx::PUBCOMP,
            allowed::PUBREL,
            "PUBCOMP",
        )
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + ack::tail_len(v, self.reason_code, &self.properties)
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u16(self.packet_id.get());
        ack::encode_tail(v, self.reason_code, &self.properties, dst);
    }
}
