//! DISCONNECT (MQTT 3.14).

use bytes::{BufMut, Bytes};

use super::ack;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::ProtocolVersion;

/// DISCONNECT (MQTT 3.14). Empty under 3.1.1; under 5.0 the reason code and
/// properties are omitted when they are 0x00 and empty (`E0 00`).
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Disconnect, Packet, ProtocolVersion, ReasonCode};
/// assert_eq!(Disconnect::default().reason_code, ReasonCode::NORMAL_DISCONNECTION);
/// let d = Disconnect::new(ReasonCode::SERVER_SHUTTING_DOWN);
/// let mut buf = BytesMut::new();
/// Packet::from(d).encode(ProtocolVersion::V5, &mut buf)?;
/// assert_eq!(&buf[..], [0xE0, 0x01, 0x8B]); // no properties: short form
/// # Ok::<(), iot_mqtt_codec::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Disconnect {
    /// Reason code (MQTT 5).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: Properties,
}

/// DISCONNECT from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DisconnectRef<'a> {
    /// Reason code.
    pub reason_code: ReasonCode,
    /// Properties.
    pub properties: PropertiesRef<'a>,
}

impl Disconnect {
    /// A DISCONNECT with this reason code and no properties.
    #[must_use]
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: Properties::new(),
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<DisconnectRef<'a>, DecodeError> {
        let mut d = DisconnectRef {
            reason_code: ReasonCode::default(),
            properties: PropertiesRef::new(),
        };
        if r.is_v5() && !r.is_empty() {
            let at = r.pos();
            d.reason_code = ReasonCode(r.u8("reason code")?);
            ack::check_reason(d.reason_code, allowed::DISCONNECT, "DISCONNECT")
                .map_err(|k| Reader::err_at(k, at))?;
            if !r.is_empty() {
                d.properties = PropertiesRef::decode(r, Ctx::DISCONNECT)?;
            }
        }
        Ok(d)
    }

    pub(crate) fn from_ref(d: DisconnectRef<'_>, base: &Bytes) -> Self {
        Self {
            reason_code: d.reason_code,
            properties: d.properties.share(base),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        ack::validate(
            v,
            self.reason_code,
            &self.properties,
            Ctx::DISCONNECT,
            allowed::DISCONNECT,
            "DISCONNECT",
        )
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        ack::tail_len(v, self.reason_code, &self.properties)
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        ack::encode_tail(v, self.reason_code, &self.properties, dst);
    }
}
