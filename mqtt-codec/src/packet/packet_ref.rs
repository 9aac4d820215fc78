//! [`PacketRef`]: the borrowed, zero-allocation decode path, and the one
//! validation core the owned [`Packet`] is built on.

use alloc::boxed::Box;

use bytes::Bytes;

use super::{
    AckRef, Auth, AuthRef, ConnAck, ConnAckRef, Connect, ConnectRef, Disconnect, DisconnectRef,
    Packet, PubAck, PubComp, PubRec, PubRel, Publish, PublishRef, SubAck, SubAckRef, Subscribe,
    SubscribeRef, UnsubAck, UnsubAckRef, Unsubscribe, UnsubscribeRef,
};
use crate::decoder::Decoder;
use crate::error::{DecodeError, ErrorKind};
use crate::fixed_header::FixedHeader;
use crate::reader::Reader;
use crate::types::ProtocolVersion;

/// An MQTT control packet borrowed from the bytes it was decoded from:
/// what [`Decoder::decode_ref`] returns.
///
/// It is validated exactly as [`Packet`] is (the owned decoder is this
/// decoder followed by a conversion), but nothing is allocated and no
/// reference count is touched: strings, payloads and property sections are
/// slices of the input, and the lists of SUBSCRIBE, UNSUBSCRIBE, SUBACK and
/// UNSUBACK are read lazily from their validated bytes.
///
/// **Which one to use.** A broker's read loop can decode a `PacketRef`,
/// route on it (topic, QoS, properties), and then either forward the frame
/// bytes as they are, or keep the packet with [`PacketRef::into_packet`],
/// which shares the frame when it is given as [`Bytes`] (no copy). Code that
/// keeps most packets, or hands them to another task, is simpler with
/// [`Decoder::decode`] and the owned [`Packet`].
///
/// ```
/// use bytes::Bytes;
/// use iot_mqtt_codec::{Decoder, Packet, PacketRef, ProtocolVersion};
///
/// // A read buffer holding one PUBLISH "a/b" and the start of another.
/// let buf = Bytes::from_static(b"\x30\x07\x00\x03a/bhi\x30");
/// let decoder = Decoder::new(ProtocolVersion::V311);
/// let (packet, used) = decoder.decode_ref(&buf)?.expect("one whole frame");
/// assert_eq!(used, 9);
/// let PacketRef::Publish(p) = packet else { panic!() };
/// assert_eq!((p.topic.as_str(), p.payload), ("a/b", &b"hi"[..]));
/// // Keeping it: the owned packet shares `buf` (no copy).
/// let owned = packet.into_packet(&buf);
/// assert!(matches!(owned, Packet::Publish(ref o) if o.payload == "hi"));
/// // The rest is incomplete: nothing is consumed.
/// assert_eq!(decoder.decode_ref(&buf[used..])?, None);
/// # Ok::<(), iot_mqtt_codec::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketRef<'a> {
    /// CONNECT (1).
    Connect(ConnectRef<'a>),
    /// CONNACK (2).
    ConnAck(ConnAckRef<'a>),
    /// PUBLISH (3).
    Publish(PublishRef<'a>),
    /// PUBACK (4).
    PubAck(AckRef<'a>),
    /// PUBREC (5).
    PubRec(AckRef<'a>),
    /// PUBREL (6).
    PubRel(AckRef<'a>),
    /// PUBCOMP (7).
    PubComp(AckRef<'a>),
    /// SUBSCRIBE (8).
    Subscribe(SubscribeRef<'a>),
    /// SUBACK (9).
    SubAck(SubAckRef<'a>),
    /// UNSUBSCRIBE (10).
    Unsubscribe(UnsubscribeRef<'a>),
    /// UNSUBACK (11).
    UnsubAck(UnsubAckRef<'a>),
    /// PINGREQ (12).
    PingReq,
    /// PINGRESP (13).
    PingResp,
    /// DISCONNECT (14).
    Disconnect(DisconnectRef<'a>),
    /// AUTH (15, MQTT 5 only).
    Auth(AuthRef<'a>),
}

impl<'a> PacketRef<'a> {
    /// Decodes one complete frame (fixed header included) that must use
    /// every byte, with the rules of [`Packet::decode_frame`].
    ///
    /// # Errors
    /// As [`Packet::decode_frame`].
    pub fn decode_frame(frame: &'a [u8], version: ProtocolVersion) -> Result<Self, DecodeError> {
        let h = whole_frame(frame, version)?;
        Self::decode_body(frame, h, &Decoder::new(version))
    }

    /// Decodes a frame whose fixed header `h` was parsed and whose length
    /// matches: every rule of both decode paths is applied here.
    #[inline]
    pub(crate) fn decode_body(
        frame: &'a [u8],
        h: FixedHeader,
        dec: &Decoder,
    ) -> Result<Self, DecodeError> {
        let packet_type = h.packet_type();
        if let Some(role) = dec.role() {
            super::check_direction(packet_type, role)?;
        }
        if packet_type == 3 {
            return Publish::decode_ref(h.flags(), frame, h.header_len(), dec).map(Self::Publish);
        }
        if packet_type == 1 {
            return Connect::decode_ref(frame, h.header_len(), dec.payload_format_check())
                .map(Self::Connect);
        }
        let v5 = dec.version() == ProtocolVersion::V5;
        let mut r = Reader::new(frame, h.header_len(), frame.len(), v5);
        let packet = match packet_type {
            2 => Self::ConnAck(ConnAck::decode_ref(&mut r)?),
            4 => Self::PubAck(PubAck::decode_ref(&mut r)?),
            5 => Self::PubRec(PubRec::decode_ref(&mut r)?),
            6 => Self::PubRel(PubRel::decode_ref(&mut r)?),
            7 => Self::PubComp(PubComp::decode_ref(&mut r)?),
            8 => Self::Subscribe(Subscribe::decode_ref(&mut r)?),
            9 => Self::SubAck(SubAck::decode_ref(&mut r)?),
            10 => Self::Unsubscribe(Unsubscribe::decode_ref(&mut r)?),
            11 => Self::UnsubAck(UnsubAck::decode_ref(&mut r)?),
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect(Disconnect::decode_ref(&mut r)?),
            _ => Self::Auth(Auth::decode_ref(&mut r)?),
        };
        r.finish(packet.name())?;
        Ok(packet)
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

    /// The owned packet, sharing `buf` for every string, payload and
    /// property section that lies inside it (reference counts, no copy):
    /// pass the [`Bytes`] the packet was decoded from (the frame, or a
    /// buffer holding it). Parts outside `buf` are copied, so any `buf` is
    /// correct; only the cost differs. The lists of SUBSCRIBE, UNSUBSCRIBE,
    /// SUBACK and UNSUBACK are collected into vectors.
    #[must_use]
    pub fn into_packet(self, buf: &Bytes) -> Packet {
        let base = buf;
        match self {
            Self::Publish(p) => Packet::Publish(Publish::from_ref(p, base)),
            Self::Connect(c) => Packet::Connect(Box::new(Connect::from_ref(&c, base))),
            Self::ConnAck(c) => Packet::ConnAck(ConnAck::from_ref(c, base)),
            Self::PubAck(a) => Packet::PubAck(PubAck::from_ref(a, base)),
            Self::PubRec(a) => Packet::PubRec(PubRec::from_ref(a, base)),
            Self::PubRel(a) => Packet::PubRel(PubRel::from_ref(a, base)),
            Self::PubComp(a) => Packet::PubComp(PubComp::from_ref(a, base)),
            Self::Subscribe(s) => Packet::Subscribe(Subscribe::from_ref(s, base)),
            Self::SubAck(a) => Packet::SubAck(SubAck::from_ref(a, base)),
            Self::Unsubscribe(u) => Packet::Unsubscribe(Unsubscribe::from_ref(u, base)),
            Self::UnsubAck(a) => Packet::UnsubAck(UnsubAck::from_ref(a, base)),
            Self::PingReq => Packet::PingReq,
            Self::PingResp => Packet::PingResp,
            Self::Disconnect(d) => Packet::Disconnect(Disconnect::from_ref(d, base)),
            Self::Auth(a) => Packet::Auth(Auth::from_ref(a, base)),
        }
    }

    /// An owned copy (every part copied).
    #[must_use]
    pub fn to_packet(&self) -> Packet {
        self.into_packet(&Bytes::new())
    }
}

/// The fixed header of `frame`, which must be exactly one whole frame.
pub(crate) fn whole_frame(
    frame: &[u8],
    version: ProtocolVersion,
) -> Result<FixedHeader, DecodeError> {
    let v5 = version == ProtocolVersion::V5;
    let Some(h) = FixedHeader::parse(frame, v5, u32::MAX)? else {
        return Err(DecodeError::new(
            ErrorKind::UnexpectedEnd {
                field: "fixed header",
            },
            frame.len(),
        ));
    };
    if h.frame_len() != frame.len() {
        let kind = if h.frame_len() > frame.len() {
            ErrorKind::UnexpectedEnd { field: "packet" }
        } else {
            ErrorKind::TrailingBytes {
                packet: "frame",
                count: frame.len() - h.frame_len(),
            }
        };
        return Err(DecodeError::new(kind, frame.len().min(h.frame_len())));
    }
    Ok(h)
}
