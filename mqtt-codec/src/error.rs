//! Decode and encode errors, and their mapping to MQTT 5 reason codes.

use crate::packet::ConnAck;
use crate::reason_code::ReasonCode;
use crate::types::{PacketId, ProtocolVersion};

/// What is wrong with a packet.
///
/// Each variant names the rule it breaks; [`ErrorKind::is_protocol_error`]
/// tells a Protocol Error (the bytes parse, but break a rule of the protocol)
/// apart from a Malformed Packet (the bytes cannot be parsed as the spec
/// describes), and [`ErrorKind::reason_code`] gives the MQTT 5 reason code a
/// server or client should send in its DISCONNECT or CONNACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Packet type 0, or 15 (AUTH) under MQTT 3.1.1 (MQTT 2.1.2).
    #[error("reserved packet type {0}")]
    ReservedPacketType(u8),
    /// The fixed-header flags are not the ones the packet type requires (MQTT-2.1.3-1).
    #[error("invalid fixed header flags {flags:#06b} for packet type {packet_type}")]
    InvalidFlags {
        /// The packet type nibble.
        packet_type: u8,
        /// The flags nibble found.
        flags: u8,
    },
    /// A Variable Byte Integer longer than four bytes (MQTT 1.5.5).
    #[error("{field}: variable byte integer longer than 4 bytes")]
    VarIntTooLong {
        /// The field being read.
        field: &'static str,
    },
    /// A Variable Byte Integer not in its shortest form (MQTT-1.5.5-1, MQTT 5 only).
    #[error("{field}: variable byte integer not in its minimal encoding")]
    VarIntNotMinimal {
        /// The field being read.
        field: &'static str,
    },
    /// A field runs past the end of the packet or of its length-prefixed region.
    #[error("{field}: runs past the end of its region")]
    UnexpectedEnd {
        /// The field being read.
        field: &'static str,
    },
    /// Bytes left over after the last field.
    #[error("{packet}: {count} unexpected trailing byte(s)")]
    TrailingBytes {
        /// The packet or region.
        packet: &'static str,
        /// How many bytes were left.
        count: usize,
    },
    /// A string that is not well-formed UTF-8, or holds a surrogate (MQTT-1.5.4-1).
    #[error("{field}: not well-formed UTF-8")]
    InvalidUtf8 {
        /// The field being read.
        field: &'static str,
    },
    /// A string containing U+0000 (MQTT-1.5.4-2).
    #[error("{field}: contains U+0000")]
    NullCharacter {
        /// The field being read.
        field: &'static str,
    },
    /// A string or binary field longer than 65,535 bytes (encode only).
    #[error("{field}: longer than 65535 bytes")]
    TooLong {
        /// The field.
        field: &'static str,
    },
    /// A topic name that is empty where it may not be (MQTT-4.7.3-1), or
    /// holds a wildcard (MQTT-3.3.2-2).
    #[error("{field}: invalid topic name ({reason})")]
    InvalidTopicName {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A topic filter with a misplaced wildcard or an empty one (MQTT-4.7.1, 4.7.3-1, 4.8.2).
    #[error("invalid topic filter ({reason})")]
    InvalidTopicFilter {
        /// What is wrong.
        reason: &'static str,
    },
    /// A value outside the set its field allows (QoS 3, reserved bits, ...).
    #[error("{field}: invalid value {value}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// A packet identifier of 0 (MQTT-2.2.1-3).
    #[error("{packet}: packet identifier 0")]
    ZeroPacketId {
        /// The packet.
        packet: &'static str,
    },
    /// A packet identifier given where none may be, or missing where one is required.
    #[error("PUBLISH: packet identifier presence does not match QoS")]
    PacketIdMismatch,
    /// SUBSCRIBE, UNSUBSCRIBE or an acknowledgement list without any entry
    /// (MQTT-3.8.3-3, MQTT-3.10.3-2).
    #[error("{packet}: no entries")]
    EmptyList {
        /// The packet.
        packet: &'static str,
    },
    /// CONNECT protocol name other than `MQTT` (or `MQIsdp` for level 3) (MQTT-3.1.2-1).
    #[error("CONNECT: invalid protocol name")]
    InvalidProtocolName,
    /// CONNECT protocol level other than 3, 4 or 5 (MQTT-3.1.2-2).
    #[error("CONNECT: unsupported protocol level {0}")]
    UnsupportedProtocolLevel(u8),
    /// A reason code not defined for this packet.
    #[error("{packet}: reason code {code:#04x} not allowed")]
    InvalidReasonCode {
        /// The packet.
        packet: &'static str,
        /// The code found.
        code: u8,
    },
    /// A property identifier that MQTT 5 does not define (MQTT 2.2.2.2).
    #[error("unknown property identifier {0:#04x}")]
    UnknownProperty(u32),
    /// A property that may not appear in this packet (MQTT 2.2.2.2).
    #[error("{packet}: property {id:#04x} not allowed")]
    PropertyNotAllowed {
        /// The packet (or `will` for will properties).
        packet: &'static str,
        /// The property identifier.
        id: u8,
    },
    /// A property other than User Property (and Subscription Identifier in
    /// PUBLISH) included twice: a Protocol Error.
    #[error("property {0:#04x} included more than once")]
    DuplicateProperty(u8),
    /// A property value outside its range (Receive Maximum 0, Maximum QoS 2, ...): a Protocol Error.
    #[error("property {id:#04x}: invalid value {value}")]
    InvalidPropertyValue {
        /// The property identifier.
        id: u8,
        /// The value found.
        value: u32,
    },
    /// A Topic Alias of 0 (MQTT-3.3.2-8).
    #[error("topic alias 0")]
    TopicAliasZero,
    /// A field combination the protocol forbids (a Protocol Error), such as
    /// No Local on a shared subscription or Retain Handling 3.
    #[error("protocol error: {0}")]
    ProtocolViolation(&'static str),
    /// A packet larger than the configured maximum, fixed header included.
    #[error("packet of {size} bytes exceeds the maximum of {max}")]
    PacketTooLarge {
        /// The whole packet size (or at least this much).
        size: u64,
        /// The configured maximum.
        max: u32,
    },
    /// A zero-length client identifier without Clean Session under 3.1.1 (MQTT-3.1.3-7).
    #[error("CONNECT: empty client identifier requires clean session")]
    ClientIdRejected,
    /// The packet type does not exist in this protocol version (encode only).
    #[error("{packet} does not exist in this protocol version")]
    NotInVersion {
        /// The packet.
        packet: &'static str,
    },
    /// A packet type the decoder's own side sends, received from the peer
    /// (MQTT 2.1.2; only with [`crate::Decoder::with_role`]): a Protocol Error.
    #[error("{packet} is never sent to this side of the connection")]
    WrongDirection {
        /// The packet.
        packet: &'static str,
    },
    /// A payload marked as UTF-8 by Payload Format Indicator 1 that is not
    /// well-formed UTF-8 (MQTT 5 3.3.2.3.2, 3.1.3.2.3; only with
    /// [`crate::Decoder::with_payload_format_check`]): reason 0x99.
    #[error("payload is not UTF-8 although its payload format indicator says so")]
    PayloadFormatInvalid,
    /// The output buffer cannot hold the packet (encode only).
    #[error("output buffer has room for {available} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Room in the buffer.
        available: usize,
    },
}

impl ErrorKind {
    /// True for a Protocol Error, false for a Malformed Packet or a limit.
    ///
    /// ```
    /// use iot_mqtt_codec::ErrorKind;
    /// assert!(ErrorKind::DuplicateProperty(0x21).is_protocol_error());
    /// assert!(!ErrorKind::InvalidUtf8 { field: "topic" }.is_protocol_error());
    /// ```
    #[must_use]
    pub fn is_protocol_error(&self) -> bool {
        matches!(
            self,
            Self::DuplicateProperty(_)
                | Self::InvalidPropertyValue { .. }
                | Self::TopicAliasZero
                | Self::ProtocolViolation(_)
                | Self::WrongDirection { .. }
        )
    }

    /// The MQTT 5 reason code to send to the peer that sent this packet.
    ///
    /// ```
    /// use iot_mqtt_codec::{ErrorKind, ReasonCode};
    /// assert_eq!(ErrorKind::UnsupportedProtocolLevel(6).reason_code(), ReasonCode::UNSUPPORTED_PROTOCOL_VERSION);
    /// assert_eq!(ErrorKind::TopicAliasZero.reason_code(), ReasonCode::TOPIC_ALIAS_INVALID);
    /// ```
    #[must_use]
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            Self::UnsupportedProtocolLevel(_) => ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
            Self::PacketTooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
            Self::ClientIdRejected => ReasonCode::CLIENT_IDENTIFIER_NOT_VALID,
            Self::TopicAliasZero => ReasonCode::TOPIC_ALIAS_INVALID,
            Self::PayloadFormatInvalid => ReasonCode::PAYLOAD_FORMAT_INVALID,
            Self::BufferTooSmall { .. } | Self::NotInVersion { .. } => {
                ReasonCode::IMPLEMENTATION_SPECIFIC_ERROR
            }
            k if k.is_protocol_error() => ReasonCode::PROTOCOL_ERROR,
            _ => ReasonCode::MALFORMED_PACKET,
        }
    }
}

/// A packet that could not be decoded: what is wrong and where.
///
/// The offset counts from the first byte of the packet (the fixed header).
///
/// ```
/// use bytes::BytesMut;
/// use iot_mqtt_codec::{Decoder, ErrorKind, ProtocolVersion, ReasonCode};
///
/// // PUBLISH with QoS 3 (MQTT-3.3.1-4).
/// let mut buf = BytesMut::from(&[0x36, 0x03, 0x00, 0x01, b'a'][..]);
/// let err = Decoder::new(ProtocolVersion::V311).decode(&mut buf).unwrap_err();
/// assert_eq!(err.offset(), 0);
/// assert!(matches!(err.kind(), ErrorKind::InvalidValue { field: "QoS", value: 3 }));
/// assert_eq!(err.reason_code(), ReasonCode::MALFORMED_PACKET);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    kind: ErrorKind,
    offset: usize,
    version: Option<ProtocolVersion>,
    packet_id: Option<PacketId>,
}

impl DecodeError {
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            version: None,
            packet_id: None,
        }
    }

    pub(crate) fn with_version(mut self, version: ProtocolVersion) -> Self {
        self.version = Some(version);
        self
    }

    pub(crate) fn with_packet_id(mut self, packet_id: Option<PacketId>) -> Self {
        self.packet_id = packet_id;
        self
    }

    /// The protocol version a CONNECT claimed, when the error lies after its
    /// valid protocol name and level; `None` for other packets. A server
    /// uses it to answer a broken MQTT 5 CONNECT in the MQTT 5 format
    /// (see [`DecodeError::connack`]).
    #[must_use]
    pub fn connect_version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// The packet identifier of the refused packet, for
    /// [`ErrorKind::PayloadFormatInvalid`] on a QoS 1 or 2 PUBLISH (to answer
    /// with PUBACK or PUBREC 0x99); `None` otherwise.
    #[must_use]
    pub fn packet_id(&self) -> Option<PacketId> {
        self.packet_id
    }

    /// The CONNACK a server sends before closing the connection when this
    /// error comes from the client's CONNECT, and the version to encode it
    /// with; `None` when the spec asks to close without a CONNACK.
    ///
    /// - Protocol level not supported: 3.1.1 return code 0x01 for levels
    ///   below 5 (MQTT-3.1.2-2 of 3.1.1); MQTT 5 reason 0x84 Unsupported
    ///   Protocol Version for higher levels (MQTT 5 3.1.2.2).
    /// - 3.1.1, empty client identifier without Clean Session: return code
    ///   0x02 Identifier rejected (MQTT-3.1.3-9 of 3.1.1).
    /// - Any other error in a CONNECT that claimed MQTT 5: the error's
    ///   reason code (0x81 Malformed Packet, 0x82 Protocol Error, 0x99 …),
    ///   as MQTT 5 4.13.1 allows for CONNECT (0x80 if the code is not one
    ///   CONNACK may carry).
    /// - Any other error of 3.1.1 (MQTT-3.1.4-1 of 3.1.1: close without
    ///   CONNACK), or of a CONNECT whose version could not be read, such as
    ///   one refused from its fixed header for its size: `None`.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use iot_mqtt_codec::{Decoder, ProtocolVersion, ReasonCode};
    ///
    /// // An MQTT 5 CONNECT whose connect flags set the reserved bit 0.
    /// let wire = b"\x10\x0E\x00\x04MQTT\x05\x03\x00\x3C\x00\x00\x01a";
    /// let err = Decoder::new(ProtocolVersion::V311)
    ///     .decode(&mut BytesMut::from(&wire[..]))
    ///     .unwrap_err();
    /// assert_eq!(err.connect_version(), Some(ProtocolVersion::V5));
    /// let (version, ack) = err.connack().expect("a CONNACK is due");
    /// assert_eq!(version, ProtocolVersion::V5);
    /// assert_eq!(ack.reason_code, ReasonCode::MALFORMED_PACKET);
    /// ```
    #[must_use]
    pub fn connack(&self) -> Option<(ProtocolVersion, ConnAck)> {
        let (version, code) = match (self.kind, self.version) {
            (ErrorKind::UnsupportedProtocolLevel(level), _) if level > 5 => (
                ProtocolVersion::V5,
                ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
            ),
            (ErrorKind::UnsupportedProtocolLevel(_), _) => {
                (ProtocolVersion::V311, ReasonCode(0x01))
            }
            (ErrorKind::ClientIdRejected, Some(ProtocolVersion::V311)) => {
                (ProtocolVersion::V311, ReasonCode(0x02))
            }
            (kind, Some(ProtocolVersion::V5)) => {
                let code = kind.reason_code();
                let code = if crate::reason_code::allowed::CONNACK.contains(&code.0) {
                    code
                } else {
                    ReasonCode::UNSPECIFIED_ERROR
                };
                (ProtocolVersion::V5, code)
            }
            _ => return None,
        };
        Some((version, ConnAck::new(code)))
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Offset of the faulty field from the start of the packet.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// See [`ErrorKind::is_protocol_error`].
    #[must_use]
    pub fn is_protocol_error(&self) -> bool {
        self.kind.is_protocol_error()
    }

    /// See [`ErrorKind::reason_code`].
    #[must_use]
    pub fn reason_code(&self) -> ReasonCode {
        self.kind.reason_code()
    }
}

/// A packet the encoder refuses to write because a decoder would reject it,
/// or because the output buffer is too small.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use iot_mqtt_codec::{ErrorKind, Packet, ProtocolVersion, Publish, QoS, Utf8Str};
///
/// let mut publish = Publish::new(Utf8Str::from_static("a/b"), Bytes::from_static(b"hi"));
/// publish.qos = QoS::AtLeastOnce; // but no packet identifier
/// let err = Packet::Publish(publish).encode(ProtocolVersion::V311, &mut BytesMut::new()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::PacketIdMismatch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode: {kind}")]
pub struct EncodeError {
    kind: ErrorKind,
}

impl EncodeError {
    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl From<ErrorKind> for EncodeError {
    fn from(kind: ErrorKind) -> Self {
        Self { kind }
    }
}
