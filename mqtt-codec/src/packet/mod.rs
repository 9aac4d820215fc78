//! The [`Packet`] enum: dispatch of decode, encode and `encoded_len` to one
//! module per packet type. Each module serves MQTT 3.1.1 and 5.0.

mod ack;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod packet_ref;
mod puback;
mod pubcomp;
mod publish;
mod pubrec;
mod pubrel;
mod suback;
mod subscribe;
mod unsuback;
mod unsubscribe;

pub use ack::AckRef;
pub use auth::{Auth, AuthRef};
pub use connack::{ConnAck, ConnAckRef};
pub use connect::{Connect, ConnectRef, Will, WillRef};
pub use disconnect::{Disconnect, DisconnectRef};
pub use packet_ref::PacketRef;
pub use puback::PubAck;
pub use pubcomp::PubComp;
pub use publish::{Publish, PublishRef};
pub use pubrec::PubRec;
pub use pubrel::PubRel;
pub use suback::{SubAck, SubAckRef};
pub use subscribe::{
    RetainHandling, Subscribe, SubscribeRef, SubscriptionOptions, Subscriptions, SubscriptionsRef,
};
pub use unsuback::{UnsubAck, UnsubAckRef};
pub use unsubscribe::{TopicFilters, TopicFiltersRef, Unsubscribe, UnsubscribeRef};

use alloc::boxed::Box;

use bytes::{BufMut, Bytes};

use crate::decoder::{Decoder, Role};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::fixed_header::FixedHeader;
use crate::reader::Reader;
use crate::types::ProtocolVersion;
use crate::varint::{self, VAR_INT_MAX};

/// An MQTT control packet of either version.
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Packet, PacketId, ProtocolVersion, PubAck, ReasonCode};
///
/// let ack = Packet::PubAck(PubAck::new(PacketId::new(10).unwrap()));
/// let mut buf = BytesMut::new();
/// ack.encode(ProtocolVersion::V5, &mut buf)?;
/// assert_eq!(&buf[..], [0x40, 0x02, 0x00, 0x0A]); // reason 0 and no properties: short form
/// assert_eq!(ack.encoded_len(ProtocolVersion::V5), 4);
/// # Ok::<(), iot_mqtt_codec::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "type"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Packet {
    /// CONNECT (1), boxed: it is rare and much larger than the other packets.
    Connect(Box<Connect>),
    /// CONNACK (2).
    ConnAck(ConnAck),
    /// PUBLISH (3).
    Publish(Publish),
    /// PUBACK (4).
    PubAck(PubAck),
    /// PUBREC (5).
    PubRec(PubRec),
    /// PUBREL (6).
    PubRel(PubRel),
    /// PUBCOMP (7).
    PubComp(PubComp),
    /// SUBSCRIBE (8).
    Subscribe(Subscribe),
    /// SUBACK (9).
    SubAck(SubAck),
    /// UNSUBSCRIBE (10).
    Unsubscribe(Unsubscribe),
    /// UNSUBACK (11).
    UnsubAck(UnsubAck),
    /// PINGREQ (12).
    PingReq,
    /// PINGRESP (13).
    PingResp,
    /// DISCONNECT (14).
    Disconnect(Disconnect),
    /// AUTH (15, MQTT 5 only).
    Auth(Auth),
}

impl Packet {
    /// Decodes one complete frame (fixed header included) that must use
    /// every byte. Most callers use [`crate::Decoder`] instead.
    ///
    /// # Errors
    /// A [`DecodeError`]; a frame shorter than its Remaining Length says is
    /// [`ErrorKind::UnexpectedEnd`].
    pub fn decode_frame(frame: &Bytes, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let h = packet_ref::whole_frame(frame, version)?;
        Self::decode_body(frame.clone(), h, &Decoder::new(version))
    }

    /// Decodes a frame whose fixed header `h` was parsed and whose length
    /// matches: the borrowed decoder validates it, then the owned packet
    /// shares the frame (PUBLISH keeps it as its payload: one reference
    /// count for the frame, one for the topic).
    #[inline]
    pub(crate) fn decode_body(
        frame: Bytes,
        h: FixedHeader,
        dec: &Decoder,
    ) -> Result<Self, DecodeError> {
        let packet = PacketRef::decode_body(&frame, h, dec)?;
        if let PacketRef::Publish(p) = packet {
            let parts = p.detach(h.header_len(), frame.len());
            return Ok(Self::Publish(Publish::from_detached(parts, frame)));
        }
        Ok(packet.into_packet(&frame))
    }

    /// The packet's name as the spec writes it (`"PUBLISH"`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Connect(_) => "CONNECT",
            Self::ConnAck(_) => "CONNACK",
            Self::Publish(_) => "PUBLISH",
            Self::PubAck(_) => "PUBACK",
            Self::PubRec(_) => "PUBREC",
            Self::PubRel(_) => "PUBREL",
            Self::PubComp(_) => "PUBCOMP",
            Self::Subscribe(_) => "SUBSCRIBE",
            Self::SubAck(_) => "SUBACK",
            Self::Unsubscribe(_) => "UNSUBSCRIBE",
            Self::UnsubAck(_) => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect(_) => "DISCONNECT",
            Self::Auth(_) => "AUTH",
        }
    }

    /// First byte of the fixed header.
    fn first_byte(&self) -> u8 {
        match self {
            Self::Connect(_) => 0x10,
            Self::ConnAck(_) => 0x20,
            Self::Publish(p) => 0x30 | p.flags(),
            Self::PubAck(_) => 0x40,
            Self::PubRec(_) => 0x50,
            Self::PubRel(_) => 0x62,
            Self::PubComp(_) => 0x70,
            Self::Subscribe(_) => 0x82,
            Self::SubAck(_) => 0x90,
            Self::Unsubscribe(_) => 0xA2,
            Self::UnsubAck(_) => 0xB0,
            Self::PingReq => 0xC0,
            Self::PingResp => 0xD0,
            Self::Disconnect(_) => 0xE0,
            Self::Auth(_) => 0xF0,
        }
    }

    /// Size of everything after the fixed header.
    fn body_len(&self, v: ProtocolVersion) -> usize {
        match self {
            Self::Connect(p) => p.body_len(),
            Self::ConnAck(p) => p.body_len(v),
            Self::Publish(p) => p.body_len(v),
            Self::PubAck(p) => p.body_len(v),
            Self::PubRec(p) => p.body_len(v),
            Self::PubRel(p) => p.body_len(v),
            Self::PubComp(p) => p.body_len(v),
            Self::Subscribe(p) => p.body_len(v),
            Self::SubAck(p) => p.body_len(v),
            Self::Unsubscribe(p) => p.body_len(v),
            Self::UnsubAck(p) => p.body_len(v),
            Self::PingReq | Self::PingResp => 0,
            Self::Disconnect(p) => p.body_len(v),
            Self::Auth(p) => p.body_len(),
        }
    }

    /// The exact number of bytes [`Packet::encode`] writes for `version`
    /// (for a packet it accepts).
    #[must_use]
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        let body = self.body_len(version);
        1 + varint::var_int_len(u32::try_from(body).unwrap_or(u32::MAX)) + body
    }

    /// Checks the packet against every rule the decoder enforces.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self, version: ProtocolVersion) -> Result<(), ErrorKind> {
        match self {
            Self::Connect(p) => p.validate(),
            Self::ConnAck(p) => p.validate(version),
            Self::Publish(p) => p.validate(version),
            Self::PubAck(p) => p.validate(version),
            Self::PubRec(p) => p.validate(version),
            Self::PubRel(p) => p.validate(version),
            Self::PubComp(p) => p.validate(version),
            Self::Subscribe(p) => p.validate(version),
            Self::SubAck(p) => p.validate(version),
            Self::Unsubscribe(p) => p.validate(version),
            Self::UnsubAck(p) => p.validate(version),
            Self::PingReq | Self::PingResp => Ok(()),
            Self::Disconnect(p) => p.validate(version),
            Self::Auth(p) => p.validate(version),
        }
    }

    /// Writes the packet for `version` into `dst` and returns the number of
    /// bytes written. CONNECT is written for its own
    /// [`Connect::protocol_version`].
    ///
    /// # Errors
    /// An [`EncodeError`] if the decoder would reject the packet (nothing is
    /// written then), or if `dst` has less room than
    /// [`Packet::encoded_len`].
    #[inline]
    pub fn encode(
        &self,
        version: ProtocolVersion,
        dst: &mut impl BufMut,
    ) -> Result<usize, EncodeError> {
        if let Self::Publish(p) = self {
            // The hot path, outside the large function every other packet
            // goes through (and its register saves and stack frame).
            return p.encode_packet(version, crate::decoder::MAX_PACKET_SIZE, dst);
        }
        self.encode_with_limit(version, crate::decoder::MAX_PACKET_SIZE, dst)
    }

    /// As [`Packet::encode`], refusing a packet larger than
    /// `max_packet_size` bytes (fixed header included) with
    /// [`ErrorKind::PacketTooLarge`], before anything is written.
    ///
    /// `max_packet_size` is the peer's Maximum Packet Size property (from
    /// its CONNECT for a server, from the CONNACK for a client). A server
    /// must not send a larger packet (MQTT-3.1.2-24), nor a client
    /// (MQTT 5 3.2.2.3.6); a server discards such a PUBLISH and goes on as
    /// if it had been sent (MQTT-3.1.2-25). The codec gives the limit and the
    /// size; dropping or trimming (reason string, user properties) is the
    /// caller's choice.
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use iot_mqtt_codec::{ErrorKind, Packet, ProtocolVersion, Publish, Utf8Str};
    ///
    /// let p = Packet::Publish(Publish::new(Utf8Str::from_static("a/b"), Bytes::from(vec![0; 100])));
    /// assert_eq!(p.encoded_len(ProtocolVersion::V5), 108);
    /// let mut buf = BytesMut::new();
    /// let err = p.encode_with_limit(ProtocolVersion::V5, 107, &mut buf).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::PacketTooLarge { size: 108, max: 107 });
    /// assert!(buf.is_empty());
    /// assert_eq!(p.encode_with_limit(ProtocolVersion::V5, 108, &mut buf)?, 108);
    /// # Ok::<(), iot_mqtt_codec::EncodeError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Packet::encode`], and [`ErrorKind::PacketTooLarge`].
    pub fn encode_with_limit(
        &self,
        version: ProtocolVersion,
        max_packet_size: u32,
        dst: &mut impl BufMut,
    ) -> Result<usize, EncodeError> {
        if let Self::Publish(p) = self {
            // The hot path: one write for fixed header and topic length.
            return p.encode_packet(version, max_packet_size, dst);
        }
        self.validate(version)?;
        let body = self.body_len(version);
        let total = check_size(body, max_packet_size, dst.remaining_mut())?;
        put_fixed_header(dst, self.first_byte(), body);
        match self {
            Self::Connect(p) => p.encode_body(dst),
            Self::ConnAck(p) => p.encode_body(version, dst),
            Self::Publish(p) => p.encode_body(version, dst),
            Self::PubAck(p) => p.encode_body(version, dst),
            Self::PubRec(p) => p.encode_body(version, dst),
            Self::PubRel(p) => p.encode_body(version, dst),
            Self::PubComp(p) => p.encode_body(version, dst),
            Self::Subscribe(p) => p.encode_body(version, dst),
            Self::SubAck(p) => p.encode_body(version, dst),
            Self::Unsubscribe(p) => p.encode_body(version, dst),
            Self::UnsubAck(p) => p.encode_body(version, dst),
            Self::PingReq | Self::PingResp => {}
            Self::Disconnect(p) => p.encode_body(version, dst),
            Self::Auth(p) => p.encode_body(dst),
        }
        Ok(total)
    }
}

/// The whole packet size for a body of `body` bytes, if the protocol, the
/// limit and the room in the output buffer allow it.
#[inline]
pub(crate) fn check_size(body: usize, max: u32, room: usize) -> Result<usize, ErrorKind> {
    if body > VAR_INT_MAX as usize {
        return Err(ErrorKind::PacketTooLarge {
            size: body as u64 + 5,
            max: max.min(crate::decoder::MAX_PACKET_SIZE),
        });
    }
    let total = 1 + varint::var_int_len(u32::try_from(body).unwrap_or(u32::MAX)) + body;
    if total as u64 > u64::from(max) {
        return Err(ErrorKind::PacketTooLarge {
            size: total as u64,
            max,
        });
    }
    if room < total {
        return Err(ErrorKind::BufferTooSmall {
            needed: total,
            available: room,
        });
    }
    Ok(total)
}

/// The fixed header (first byte and Remaining Length, at most 5 bytes)
/// packed little-endian into a `u64`, and how many of its bytes are used;
/// `body` was checked by [`check_size`]. Built in a register and stored
/// whole: byte-wise stores into an array then read back by the copy stall
/// store-to-load forwarding (perf showed half of PUBLISH encoding there).
#[inline]
pub(crate) fn fixed_header(first: u8, body: usize) -> (u64, usize) {
    let mut value = u32::try_from(body).unwrap_or(VAR_INT_MAX);
    let mut packed = u64::from(first);
    let mut used = 1;
    while used < 5 {
        let byte = u64::from(value & 0x7F);
        value >>= 7;
        let more = if value == 0 { 0 } else { 0x80 };
        packed |= (byte | more) << (8 * used);
        used += 1;
        if value == 0 {
            break;
        }
    }
    (packed, used)
}

/// Writes the fixed header in one call.
fn put_fixed_header(dst: &mut impl BufMut, first: u8, body: usize) {
    let (head, used) = fixed_header(first, body);
    dst.put_slice(head.to_le_bytes().get(..used).unwrap_or_default());
}

impl From<Connect> for Packet {
    fn from(p: Connect) -> Self {
        Self::Connect(Box::new(p))
    }
}

impl From<ConnAck> for Packet {
    fn from(p: ConnAck) -> Self {
        Self::ConnAck(p)
    }
}

impl From<Publish> for Packet {
    fn from(p: Publish) -> Self {
        Self::Publish(p)
    }
}

impl From<PubAck> for Packet {
    fn from(p: PubAck) -> Self {
        Self::PubAck(p)
    }
}

impl From<PubRec> for Packet {
    fn from(p: PubRec) -> Self {
        Self::PubRec(p)
    }
}

impl From<PubRel> for Packet {
    fn from(p: PubRel) -> Self {
        Self::PubRel(p)
    }
}

impl From<PubComp> for Packet {
    fn from(p: PubComp) -> Self {
        Self::PubComp(p)
    }
}

impl From<Subscribe> for Packet {
    fn from(p: Subscribe) -> Self {
        Self::Subscribe(p)
    }
}

impl From<SubAck> for Packet {
    fn from(p: SubAck) -> Self {
        Self::SubAck(p)
    }
}

impl From<Unsubscribe> for Packet {
    fn from(p: Unsubscribe) -> Self {
        Self::Unsubscribe(p)
    }
}

impl From<UnsubAck> for Packet {
    fn from(p: UnsubAck) -> Self {
        Self::UnsubAck(p)
    }
}

impl From<Disconnect> for Packet {
    fn from(p: Disconnect) -> Self {
        Self::Disconnect(p)
    }
}

impl From<Auth> for Packet {
    fn from(p: Auth) -> Self {
        Self::Auth(p)
    }
}

/// Reads a packet identifier that must not be 0 (MQTT-2.2.1-3).
#[inline]
pub(crate) fn read_packet_id(
    r: &mut Reader<'_>,
    packet: &'static str,
) -> Result<crate::types::PacketId, DecodeError> {
    let at = r.pos();
    let id = r.u16("packet identifier")?;
    crate::types::PacketId::new(id)
        .ok_or_else(|| Reader::err_at(ErrorKind::ZeroPacketId { packet }, at))
}

/// Packet types that only the other side sends (MQTT 2.1.2): a server
/// never receives CONNACK, SUBACK, UNSUBACK or PINGRESP; a client never
/// receives CONNECT, SUBSCRIBE, UNSUBSCRIBE or PINGREQ.
#[inline]
pub(crate) fn check_direction(packet_type: u8, role: Role) -> Result<(), DecodeError> {
    let packet = match (role, packet_type) {
        (Role::Server, 2) => "CONNACK",
        (Role::Server, 9) => "SUBACK",
        (Role::Server, 11) => "UNSUBACK",
        (Role::Server, 13) => "PINGRESP",
        (Role::Client, 1) => "CONNECT",
        (Role::Client, 8) => "SUBSCRIBE",
        (Role::Client, 10) => "UNSUBSCRIBE",
        (Role::Client, 12) => "PINGREQ",
        _ => return Ok(()),
    };
    Err(DecodeError::new(ErrorKind::WrongDirection { packet }, 0))
}

/// Reads what SUBSCRIBE and UNSUBSCRIBE start with: a non-zero packet
/// identifier (MQTT-2.2.1-3), the MQTT 5 properties, and at least one
/// entry after them (MQTT-3.8.3-3, MQTT-3.10.3-2).
pub(crate) fn read_list_header<'a>(
    r: &mut Reader<'a>,
    ctx: crate::properties::Ctx,
    packet: &'static str,
) -> Result<(crate::types::PacketId, crate::properties::PropertiesRef<'a>), DecodeError> {
    let packet_id = read_packet_id(r, packet)?;
    let properties = if r.is_v5() {
        crate::properties::PropertiesRef::decode(r, ctx)?
    } else {
        crate::properties::PropertiesRef::new()
    };
    if r.is_empty() {
        return Err(r.err(ErrorKind::EmptyList { packet }));
    }
    Ok((packet_id, properties))
}

/// Splits a validated two-byte-prefixed string off the front of `raw`.
pub(crate) fn split_prefixed(raw: &[u8]) -> Option<(crate::string::Utf8Ref<'_>, &[u8])> {
    let (len, rest) = raw.split_first_chunk::<2>()?;
    let (text, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
    Some((crate::string::Utf8Ref::from_validated(text), rest))
}

#[cfg(test)]
mod tests {
    use super::fixed_header;

    /// The Remaining Length table of MQTT 1.5.5, behind a first byte.
    #[test]
    fn mqtt_1_5_5_fixed_header_lengths() {
        for (value, wire) in crate::varint::MQTT_1_5_5_TABLE {
            let value = value as usize;
            let (packed, used) = fixed_header(0x30, value);
            assert_eq!(used, 1 + wire.len());
            let bytes = packed.to_le_bytes();
            assert_eq!(bytes[0], 0x30);
            assert_eq!(&bytes[1..used], wire);
            assert!(bytes[used..].iter().all(|&b| b == 0));
        }
    }
}
