//! The shape shared by PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 3.4-3.7):
//! packet identifier, then under MQTT 5 an optional reason code and
//! optional properties.

use bytes::BufMut;

use crate::error::{DecodeError, ErrorKind};
use crate::properties::{Ctx, Properties, PropertiesRef};
use crate::reader::Reader;
use crate::reason_code::ReasonCode;
use crate::types::{PacketId, ProtocolVersion};

/// PUBACK, PUBREC, PUBREL or PUBCOMP from the borrowed decode path
/// ([`crate::PacketRef`]); the owned types are [`crate::PubAck`] and its
/// siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AckRef<'a> {
    /// The packet identifier being acknowledged.
    pub packet_id: PacketId,
    /// Reason code (0x00 under MQTT 3.1.1 and in the short forms).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

pub(crate) fn decode<'a>(
    r: &mut Reader<'a>,
    ctx: Ctx,
    allowed: &[u8],
) -> Result<AckRef<'a>, DecodeError> {
    let packet_id = super::read_packet_id(r, ctx_name(ctx))?;
    let mut reason_code = ReasonCode::SUCCESS;
    let mut properties = PropertiesRef::new();
    // MQTT 5: a Remaining Length of 2 means reason 0x00 and no properties;
    // of 3, no properties (3.4.2.1, 3.4.2.2.1).
    if r.is_v5() && !r.is_empty() {
        let at = r.pos();
        reason_code = ReasonCode(r.u8("reason code")?);
        check_reason(reason_code, allowed, ctx_name(ctx)).map_err(|k| Reader::err_at(k, at))?;
        if !r.is_empty() {
            properties = PropertiesRef::decode(r, ctx)?;
        }
    }
    Ok(AckRef {
        packet_id,
        reason_code,
        properties,
    })
}

fn ctx_name(ctx: Ctx) -> &'static str {
    match ctx {
        c if c == Ctx::PUBREC => "PUBREC",
        c if c == Ctx::PUBREL => "PUBREL",
        c if c == Ctx::PUBCOMP => "PUBCOMP",
        _ => "PUBACK",
    }
}

pub(crate) fn check_reason(
    code: ReasonCode,
    allowed: &[u8],
    packet: &'static str,
) -> Result<(), ErrorKind> {
    if allowed.contains(&code.0) {
        Ok(())
    } else {
        Err(ErrorKind::InvalidReasonCode {
            packet,
            code: code.0,
        })
    }
}

pub(crate) fn validate(
    v: ProtocolVersion,
    reason_code: ReasonCode,
    properties: &Properties,
    ctx: Ctx,
    allowed: &[u8],
    packet: &'static str,
) -> Result<(), ErrorKind> {
    if v == ProtocolVersion::V5 {
        check_reason(reason_code, allowed, packet)?;
        properties.check_ctx(ctx)
    } else {
        // MQTT 3.1.1 cannot carry either: refuse rather than drop them.
        check_reason(reason_code, &[0], packet)?;
        no_properties(properties, packet)
    }
}

/// Refuses properties in an MQTT 3.1.1 packet.
pub(crate) fn no_properties(
    properties: &Properties,
    packet: &'static str,
) -> Result<(), ErrorKind> {
    crate::properties::raw::none_allowed(properties.as_bytes(), packet)
}

/// Size of reason code + properties in the short forms MQTT 5 allows.
pub(crate) fn tail_len(
    v: ProtocolVersion,
    reason_code: ReasonCode,
    properties: &Properties,
) -> usize {
    if v != ProtocolVersion::V5 {
        0
    } else if !properties.is_empty() {
        1 + properties.encoded_len()
    } else if reason_code != ReasonCode::SUCCESS {
        1
    } else {
        0
    }
}

pub(crate) fn encode_tail(
    v: ProtocolVersion,
    reason_code: ReasonCode,
    properties: &Properties,
    dst: &mut impl BufMut,
) {
    match tail_len(v, reason_code, properties) {
        0 => {}
        1 => dst.put_u8(reason_code.0),
        _ => {
            dst.put_u8(reason_code.0);
            properties.encode(dst);
        }
    }
}
