//! A `tokio_util::codec` implementation (feature `tokio`).
//!
//! ```
//! use bytes::BytesMut;
//! use iot_mqtt_codec::{codec::MqttCodec, Packet, ProtocolVersion};
//! use tokio_util::codec::{Decoder as _, Encoder as _};
//!
//! let mut codec = MqttCodec::new(ProtocolVersion::V5);
//! let mut buf = BytesMut::new();
//! codec.encode(Packet::PingReq, &mut buf)?;
//! assert_eq!(codec.decode(&mut buf)?, Some(Packet::PingReq));
//! # Ok::<(), iot_mqtt_codec::codec::CodecError>(())
//! ```

use bytes::BytesMut;

use crate::decoder::Decoder;
use crate::error::{DecodeError, EncodeError};
use crate::packet::Packet;
use crate::types::ProtocolVersion;

/// Frames MQTT packets on an async byte stream. Decoding a CONNECT switches
/// the codec to the CONNECT's protocol version (a server learns it there).
#[derive(Debug, Clone, Copy)]
pub struct MqttCodec {
    decoder: Decoder,
    peer_max_packet_size: u32,
}

impl MqttCodec {
    /// A codec for `version` with no packet size limit beyond the protocol's.
    #[must_use]
    pub fn new(version: ProtocolVersion) -> Self {
        Self::from_decoder(Decoder::new(version))
    }

    /// A codec decoding with `decoder`'s settings (version, maximum packet
    /// size, [`crate::Role`], payload format check).
    #[must_use]
    pub fn from_decoder(decoder: Decoder) -> Self {
        Self {
            decoder,
            peer_max_packet_size: crate::decoder::MAX_PACKET_SIZE,
        }
    }

    /// Limits the size of packets read (fixed header included).
    #[must_use]
    pub fn with_max_packet_size(self, max: u32) -> Self {
        Self {
            decoder: self.decoder.with_max_packet_size(max),
            ..self
        }
    }

    /// Limits the size of packets written to the peer's Maximum Packet Size
    /// (see [`crate::Packet::encode_with_limit`]): a larger packet is refused
    /// with [`CodecError::Encode`] holding
    /// [`crate::ErrorKind::PacketTooLarge`], and nothing is written.
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use iot_mqtt_codec::{codec::{CodecError, MqttCodec}, ErrorKind, Packet, ProtocolVersion, Publish, Utf8Str};
    /// use tokio_util::codec::Encoder as _;
    ///
    /// let mut codec = MqttCodec::new(ProtocolVersion::V5);
    /// codec.set_peer_max_packet_size(64);
    /// let big = Packet::Publish(Publish::new(Utf8Str::from_static("t"), Bytes::from(vec![0; 64])));
    /// let mut buf = BytesMut::new();
    /// match codec.encode(&big, &mut buf) {
    ///     Err(CodecError::Encode(e)) => assert!(matches!(e.kind(), ErrorKind::PacketTooLarge { max: 64, .. })),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(buf.is_empty());
    /// ```
    pub fn set_peer_max_packet_size(&mut self, max: u32) {
        self.peer_max_packet_size = max;
    }

    /// Builder form of [`MqttCodec::set_peer_max_packet_size`].
    #[must_use]
    pub fn with_peer_max_packet_size(mut self, max: u32) -> Self {
        self.set_peer_max_packet_size(max);
        self
    }

    /// The limit on packets written.
    #[must_use]
    pub fn peer_max_packet_size(&self) -> u32 {
        self.peer_max_packet_size
    }

    /// The decoder settings in use.
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The protocol version in use.
    #[must_use]
    pub fn version(&self) -> ProtocolVersion {
        self.decoder.version()
    }
}

/// An error of [`MqttCodec`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The peer sent an invalid packet.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A packet we were asked to send is invalid.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The transport failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl tokio_util::codec::Decoder for MqttCodec {
    type Item = Packet;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, CodecError> {
        let packet = self.decoder.decode(src)?;
        if let Some(Packet::Connect(c)) = &packet {
            self.decoder.set_version(c.protocol_version);
        }
        Ok(packet)
    }
}

impl tokio_util::codec::Encoder<Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode(&packet, dst)
    }
}

impl tokio_util::codec::Encoder<&Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: &Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        let len = packet.encoded_len(self.version());
        if len as u64 <= u64::from(self.peer_max_packet_size) {
            dst.reserve(len);
        }
        packet.encode_with_limit(self.version(), self.peer_max_packet_size, dst)?;
        Ok(())
    }
}
