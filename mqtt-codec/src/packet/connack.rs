//! CONNACK (MQTT 3.2).

use bytes::{BufMut, Bytes};

use super::ack::{check_reason, no_properties};
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::ProtocolVersion;

/// CONNACK (MQTT 3.2). Under 3.1.1 `reason_code` is the return code (0 to 5).
///
/// ```
/// use iot_mqtt_codec::{ConnAck, ReasonCode};
/// let ack = ConnAck::new(ReasonCode::SUCCESS);
/// assert!(!ack.session_present);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ConnAck {
    /// Session Present flag (0 whenever the reason code is not success).
    pub session_present: bool,
    /// Connect reason code (5.0) or return code (3.1.1).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: Properties,
}

/// CONNACK from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnAckRef<'a> {
    /// Session Present flag.
    pub session_present: bool,
    /// Connect reason code (5.0) or return code (3.1.1).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

impl ConnAck {
    /// A CONNACK without session and properties.
    #[must_use]
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            session_present: false,
            reason_code,
            properties: Properties::new(),
        }
    }

    fn allowed(v5: bool) -> &'static [u8] {
        if v5 {
            allowed::CONNACK
        } else {
            allowed::CONNACK_V311
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<ConnAckRef<'a>, DecodeError> {
        let flags_at = r.pos();
        let flags = r.u8("connect acknowledge flags")?;
        // Bits 7-1 are reserved and must be 0 (3.2.2.1).
        if flags & 0xFE != 0 {
            return Err(Reader::err_at(
                ErrorKind::InvalidValue {
                    field: "connect acknowledge flags",
                    value: u32::from(flags),
                },
                flags_at,
            ));
        }
        let code_at = r.pos();
        let reason_code = ReasonCode(r.u8("reason code")?);
        let v5 = r.is_v5();
        check_reason(reason_code, Self::allowed(v5), "CONNACK")
            .map_err(|k| Reader::err_at(k, code_at))?;
        let session_present = flags & 1 != 0;
        // Session Present must be 0 with a non-zero code (MQTT-3.2.2-4, MQTT-3.2.2-6).
        if session_present && reason_code != ReasonCode::SUCCESS {
            return Err(Reader::err_at(
                ErrorKind::ProtocolViolation("session present with a failure code"),
                flags_at,
            ));
        }
        let properties = if v5 {
            PropertiesRef::decode(r, Ctx::CONNACK)?
        } else {
            PropertiesRef::new()
        };
        Ok(ConnAckRef {
            session_present,
            reason_code,
            properties,
        })
    }

    pub(crate) fn from_ref(c: ConnAckRef<'_>, base: &Bytes) -> Self {
        Self {
            session_present: c.session_present,
            reason_code: c.reason_code,
            properties: c.properties.share(base),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        let v5 = v == ProtocolVersion::V5;
        check_reason(self.reason_code, Self::allowed(v5), "CONNACK")?;
        if self.session_present && self.reason_code != ReasonCode::SUCCESS {
            return Err(ErrorKind::ProtocolViolation(
                "session present with a failure code",
            ));
        }
        if v5 {
            self.properties.check_ctx(Ctx::CONNACK)
        } else {
            no_properties(&self.properties, "CONNACK")
        }
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if v == ProtocolVersion::V5 {
            2 + self.properties.encoded_len()
        } else {
            2
        }
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, dst: &mut impl BufMut) {
        dst.put_u8(u8::from(self.session_present));
        dst.put_u8(self.reason_code.0);
        if v == ProtocolVersion::V5 {
            self.properties.encode(dst);
        }
    }
}
