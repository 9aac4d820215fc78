//! The resumable decoder: frames packets out of a growing buffer.

use bytes::{Bytes, BytesMut};

use crate::error::DecodeError;
use crate::fixed_header::FixedHeader;
use crate::packet::Packet;
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
}

impl Decoder {
    /// A decoder for `version` accepting packets up to [`MAX_PACKET_SIZE`].
    #[must_use]
    pub const fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: MAX_PACKET_SIZE,
        }
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
    pub fn decode(&self, src: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        let frame = src.split_to(h.frame_len()).freeze();
        Packet::decode_body(&frame, h, self.version).map(Some)
    }

    /// As [`Decoder::decode`], from an immutable `Bytes` buffer.
    ///
    /// # Errors
    /// As [`Decoder::decode`].
    pub fn decode_bytes(&self, src: &mut Bytes) -> Result<Option<Packet>, DecodeError> {
        let Some(h) = self.header(src)? else {
            return Ok(None);
        };
        let frame = src.split_to(h.frame_len());
        Packet::decode_body(&frame, h, self.version).map(Some)
    }

    /// The fixed header of the first frame, if `src` holds all of the frame.
    fn header(&self, src: &[u8]) -> Result<Option<FixedHeader>, DecodeError> {
        let v5 = self.version == ProtocolVersion::V5;
        match FixedHeader::parse(src, v5, self.max_packet_size)? {
            Some(h) if h.frame_len() <= src.len() => Ok(Some(h)),
            _ => Ok(None),
        }
    }
}
