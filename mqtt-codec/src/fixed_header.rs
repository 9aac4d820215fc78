//! The fixed header (MQTT 2.1): packet type, flags, Remaining Length; frame
//! detection and the maximum packet size check happen here, before any of
//! the body is buffered or parsed.

use crate::error::{DecodeError, ErrorKind};
use crate::varint::{self, VarInt};

/// A parsed fixed header.
///
/// ```
/// use iot_mqtt_codec::FixedHeader;
/// // PUBLISH QoS 1, Remaining Length 128 (0x80 0x01).
/// let h = FixedHeader::parse(&[0x32, 0x80, 0x01], false, u32::MAX)?.expect("complete header");
/// assert_eq!((h.packet_type(), h.flags(), h.remaining_length()), (3, 0b0010, 128));
/// assert_eq!(h.frame_len(), 131);
/// // One byte is not enough to know the length: not an error.
/// assert_eq!(FixedHeader::parse(&[0x32], false, u32::MAX)?, None);
/// # Ok::<(), iot_mqtt_codec::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    packet_type: u8,
    flags: u8,
    remaining_length: u32,
    header_len: usize,
}

impl FixedHeader {
    /// Parses the fixed header at the start of `bytes`.
    ///
    /// Returns `Ok(None)` when more bytes are needed to know the frame
    /// length. Checks the packet type (0 is reserved; 15, AUTH, only with
    /// `v5`), the reserved flag bits of every type but PUBLISH
    /// (MQTT-2.1.3-1), the Remaining Length (at most four bytes, and minimal
    /// with `v5`, MQTT-1.5.5-1), and that the whole packet, fixed header
    /// included, is at most `max_packet_size` bytes.
    ///
    /// # Errors
    /// A [`DecodeError`] at offset 0 (type, flags), or at offset 1 (length).
    #[inline]
    pub fn parse(
        bytes: &[u8],
        v5: bool,
        max_packet_size: u32,
    ) -> Result<Option<Self>, DecodeError> {
        let Some((&first, rest)) = bytes.split_first() else {
            return Ok(None);
        };
        let packet_type = first >> 4;
        let flags = first & 0x0F;
        let required = match packet_type {
            0 => return Err(DecodeError::new(ErrorKind::ReservedPacketType(0), 0)),
            15 if !v5 => return Err(DecodeError::new(ErrorKind::ReservedPacketType(15), 0)),
            3 => flags,
            6 | 8 | 10 => 0b0010,
            _ => 0,
        };
        if flags != required {
            return Err(DecodeError::new(
                ErrorKind::InvalidFlags { packet_type, flags },
                0,
            ));
        }
        let (remaining_length, len_bytes) = match varint::read(rest, "remaining length", v5) {
            Ok(VarInt::Value(v, n)) => (v, n),
            Ok(VarInt::Incomplete) => return Ok(None),
            Err(kind) => return Err(DecodeError::new(kind, 1)),
        };
        let header_len = 1 + len_bytes;
        let size = header_len as u64 + u64::from(remaining_length);
        if size > u64::from(max_packet_size) {
            return Err(DecodeError::new(
                ErrorKind::PacketTooLarge {
                    size,
                    max: max_packet_size,
                },
                1,
            ));
        }
        Ok(Some(Self {
            packet_type,
            flags,
            remaining_length,
            header_len,
        }))
    }

    /// The packet type, 1 to 15.
    #[must_use]
    #[inline]
    pub fn packet_type(&self) -> u8 {
        self.packet_type
    }

    /// The low four bits of the first byte.
    #[must_use]
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The Remaining Length: the size of the packet after the fixed header.
    #[must_use]
    #[inline]
    pub fn remaining_length(&self) -> u32 {
        self.remaining_length
    }

    /// Size of the fixed header itself (2 to 5 bytes).
    #[must_use]
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Size of the whole packet.
    #[must_use]
    #[inline]
    pub fn frame_len(&self) -> usize {
        self.header_len + self.remaining_length as usize
    }
}
