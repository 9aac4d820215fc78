//! The resumable decoder: frames packets out of a growing buffer.

use bytes::{Bytes, BytesMut};

use crate::error::DecodeError;
use crate::fixed_header::FixedHeader;
use crate::packet::{Packet, PacketRef, Publish};
use crate::types::ProtocolVersion;

/// The largest packet MQTT can express: 1 + 4 + 268,435,455 bytes.
pub const MAX_PACKET_SIZE: u32 = 268_435_460;

/// Decodes packets of one protocol version from a byte stream.
///
/// The contract is tokio-util's `Decoder`'s: `Ok(None)` while the buffer
/// holds less than one packet (nothing is consumed), `Ok(Some(packet))`
/// consuming exactly one packet, `Err` for bytes that are invalid (the frame
/// is then consumed too, when its length was known; the connection should be
/// closed, sending [`DecodeError::reason_code`] first under MQTT 5).
///
/// CONNECT is decoded by the protocol level it carries, whatever the
/// configured version; a server learns the version from it
/// ([`Decoder::set_version`]).
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Decoder, Packet, ProtocolVersion};
///
/// let decoder = Decoder::new(ProtocolVersion::V311);
/// let mut buf = BytesMut::from(&b"\x30\x07\x00\x03a/bhi"[..3]);
/// assert_eq!(decoder.decode(&mut buf)?, None); // incomplete: nothing consumed
/// assert_eq!(buf.len(), 3);
/// buf.extend_from_slice(b"\x03a/bhi");
/// let Some(Packet::Publish(p)) = decoder.decode(&mut buf)? else { panic!() };
/// assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/b", &b"hi"[..]));
/// assert!(buf.is_empty());
/// # Ok::<(), iot_mqtt_codec::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    version: ProtocolVersion,
    max_packet_size: u32,
    role: Option<Role>,
    check_payload_format: bool,
}

/// The side of the connection a [`Decoder`] runs on, for the rules that
/// depend on who sent a packet (set with [`Decoder::with_role`]).
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Decoder, ErrorKind, ProtocolVersion, Role};
///
/// // A server receiving CONNACK (a packet only servers send).
/// let server = Decoder::new(ProtocolVersion::V311).with_role(Role::Server);
/// let err = server.decode(&mut BytesMut::from(&b"\x20\x02\x00\x00"[..])).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::WrongDirection { packet: "CONNACK" });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// A server (broker): it decodes what clients send.
    Server,
    /// A client: it decodes what a server sends.
    Client,
}

impl Decoder {
    /// A decoder for `version` accepting packets up to [`MAX_PACKET_SIZE`].
    #[must_use]
    pub const fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: MAX_PACKET_SIZE,
            role: None,
            check_payload_format: false,
        }
    }

    /// Applies the rules that depend on who sent the packet (none are
    /// checked without a role):
    /// - a packet type that only the decoder's own side sends (a server
    ///   receiving CONNACK, SUBACK, UNSUBACK or PINGRESP; a client receiving
    ///   CONNECT, SUBSCRIBE, UNSUBSCRIBE or PINGREQ; MQTT 2.1.2) is
    ///   [`crate::ErrorKind::WrongDirection`], a Protocol Error;
    /// - with [`Role::Server`], an MQTT 5 PUBLISH carrying a Subscription
    ///   Identifier is a Protocol Error (MQTT-3.3.4-6, 3.3.2.3.8).
    #[must_use]
    pub const fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// The configured role, if any.
    #[must_use]
    pub const fn role(&self) -> Option<Role> {
        self.role
    }

    /// With `check` (off by default), an MQTT 5 PUBLISH or will message
    /// whose Payload Format Indicator is 1 must carry a well-formed UTF-8
    /// payload (MQTT 5 3.3.2.3.2, 3.1.3.2.3); otherwise decoding fails with
    /// [`crate::ErrorKind::PayloadFormatInvalid`] (reason 0x99). The frame
    /// is consumed and the stream stays in sync: a server may answer with
    /// PUBACK or PUBREC 0x99 ([`DecodeError::packet_id`]) and go on, or
    /// disconnect with 0x99. The check reads the whole payload, so PUBLISH
    /// decoding is no longer independent of its size.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use iot_mqtt_codec::{Decoder, ErrorKind, PacketId, ProtocolVersion};
    ///
    /// // QoS 1 PUBLISH "t", id 7, Payload Format Indicator 1, payload FF.
    /// let wire = b"\x32\x09\x00\x01t\x00\x07\x02\x01\x01\xFF";
    /// let lax = Decoder::new(ProtocolVersion::V5);
    /// assert!(lax.decode(&mut BytesMut::from(&wire[..])).is_ok());
    /// let strict = lax.with_payload_format_check(true);
    /// let err = strict.decode(&mut BytesMut::from(&wire[..])).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::PayloadFormatInvalid);
    /// assert_eq!(err.packet_id(), PacketId::new(7));
    /// ```
    #[must_use]
    pub const fn with_payload_format_check(mut self, check: bool) -> Self {
        self.check_payload_format = check;
        self
    }

    /// Whether payloads marked as UTF-8 are checked.
    #[must_use]
    pub const fn payload_format_check(&self) -> bool {
        self.check_payload_format
    }

    /// Limits the whole packet size (fixed header included); larger packets
    /// are refused as soon as their fixed header is readable, before their
    /// body is buffered ([`crate::ErrorKind::PacketTooLarge`], reason 0x95).
    #[must_use]
    pub const fn with_max_packet_size(mut self, max: u32) -> Self {
        self.max_packet_size = max;
        self
    }

    /// The configured version.
    #[must_use]
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// Changes the version (a server does so after CONNECT).
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.version = version;
    }

    /// The configured maximum packet size.
    #[must_use]
    pub const fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// Decodes one packet from the front of `src`.
    ///
    /// # Errors
    /// A [`DecodeError`] for a malformed packet or a Protocol Error.
    #[inline]
    pub fn decode(&self, src: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        let frame = src.split_to(h.frame_len()).freeze();
        Packet::decode_body(frame, h, self).map(Some)
    }

    /// As [`Decoder::decode`], from an immutable `Bytes` buffer.
    ///
    /// # Errors
    /// As [`Decoder::decode`].
    #[inline]
    pub fn decode_bytes(&self, src: &mut Bytes) -> Result<Option<Packet>, DecodeError> {
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        let frame = src.split_to(h.frame_len());
        Packet::decode_body(frame, h, self).map(Some)
    }

    /// Decodes one packet from the front of `src` without copying or
    /// allocating: the borrowed twin of [`Decoder::decode`], with the same
    /// rules (the owned decoder is built on this one).
    ///
    /// Returns `Ok(None)` while `src` holds less than one packet, and
    /// otherwise the packet with the length of its frame: the caller
    /// consumes that many bytes (the frame itself is `&src[..used]`, to
    /// forward as it is). On an error, [`FixedHeader::parse`] tells the
    /// frame length when the stream may go on (see
    /// [`Decoder::with_payload_format_check`]). See [`PacketRef`] for when
    /// to choose which path.
    ///
    /// ```
    /// use iot_mqtt_codec::{Decoder, PacketRef, ProtocolVersion};
    ///
    /// let decoder = Decoder::new(ProtocolVersion::V311);
    /// let stream = b"\x30\x07\x00\x03a/bhi\xc0\x00"; // PUBLISH, PINGREQ
    /// let mut rest = &stream[..];
    /// let mut topics = Vec::new();
    /// while let Some((packet, used)) = decoder.decode_ref(rest)? {
    ///     if let PacketRef::Publish(p) = packet {
    ///         topics.push(p.topic.as_str());
    ///     }
    ///     rest = &rest[used..];
    /// }
    /// assert_eq!((topics, rest.len()), (vec!["a/b"], 0));
    /// # Ok::<(), iot_mqtt_codec::DecodeError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Decoder::decode`].
    #[inline]
    pub fn decode_ref<'a>(
        &self,
        src: &'a [u8],
    ) -> Result<Option<(PacketRef<'a>, usize)>, DecodeError> {
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        let used = h.frame_len();
        let frame = src.get(..used).unwrap_or_default();
        if h.packet_type() == 3 {
            // The frequent packet, without the call through the dispatch
            // (PUBLISH goes both ways: no direction rule, MQTT 2.1.2).
            return Publish::decode_ref(h.flags(), frame, h.header_len(), self)
                .map(|p| Some((PacketRef::Publish(p), used)));
        }
        PacketRef::decode_body(frame, h, self).map(|p| Some((p, used)))
    }

    /// The fixed header of the first frame, if `src` holds all of the frame.
    #[inline]
    fn header(&self, src: &[u8]) -> Result<Option<FixedHeader>, DecodeError> {
        let v5 = self.version == ProtocolVersion::V5;
        match FixedHeader::parse(src, v5, self.max_packet_size)? {
            Some(h) if h.frame_len() <= src.len() => Ok(Some(h)),
            _ => Ok(None),
        }
    }
}
