//! AUTH (MQTT 5 section 3.15).

use bytes::{BufMut, Bytes};

use super::ack;
use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::reason_code::{ReasonCode, allowed};
use crate::types::ProtocolVersion;

/// AUTH (MQTT 5 only): extended authentication exchange. `F0 00` means
/// reason 0x00 and no properties.
///
/// ```
/// use iot_mqtt_codec::{Auth, ReasonCode};
/// let a = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
/// assert_eq!(a.reason_code.0, 0x18);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Auth {
    /// 0x00 Success, 0x18 Continue authentication or 0x19 Re-authenticate.
    pub reason_code: ReasonCode,
    /// Properties (authentication method and data, reason string, user properties).
    pub properties: Properties,
}

/// AUTH from the borrowed decode path ([`crate::PacketRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthRef<'a> {
    /// Reason code.
    pub reason_code: ReasonCode,
    /// Properties.
    pub properties: PropertiesRef<'a>,
}

impl Auth {
    /// An AUTH with this reason code and no properties.
    #[must_use]
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: Properties::new(),
        }
    }

    pub(crate) fn decode_ref<'a>(r: &mut Reader<'a>) -> Result<AuthRef<'a>, DecodeError> {
        let mut d = AuthRef {
            reason_code: ReasonCode::default(),
            properties: PropertiesRef::new(),
        };
        if !r.is_empty() {
            let at = r.pos();
            d.reason_code = ReasonCode(r.u8("reason code")?);
            ack::check_reason(d.reason_code, allowed::AUTH, "AUTH")
                .map_err(|k| Reader::err_at(k, at))?;
            if !r.is_empty() {
                d.properties = PropertiesRef::decode(r, Ctx::AUTH)?;
            }
        }
        Ok(d)
    }

    pub(crate) fn from_ref(d: AuthRef<'_>, base: &Bytes) -> Self {
        Self {
            reason_code: d.reason_code,
            properties: d.properties.share(base),
        }
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), ErrorKind> {
        if v != ProtocolVersion::V5 {
            return Err(ErrorKind::NotInVersion { packet: "AUTH" });
        }
        ack::check_reason(self.reason_code, allowed::AUTH, "AUTH")?;
        self.properties.check_ctx(Ctx::AUTH)
    }

    pub(crate) fn body_len(&self) -> usize {
        ack::tail_len(ProtocolVersion::V5, self.reason_code, &self.properties)
    }

    pub(crate) fn encode_body(&self, dst: &mut impl BufMut) {
        ack::encode_tail(ProtocolVersion::V5, self.reason_code, &self.properties, dst);
    }
}
