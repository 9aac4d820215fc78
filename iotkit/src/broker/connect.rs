//! CONNECT negotiation: what the client asked for, what we answer, and the
//! CONNACK for a CONNECT the codec refused.

use bytes::BytesMut;
use iot_mqtt_codec::{
    ConnAck, Connect, DecodeError, Packet, Properties, Property, ProtocolVersion, ReasonCode,
    Utf8Str,
};
use tokio::io::AsyncWriteExt as _;
use tokio::time::timeout;

use super::alias::TOPIC_ALIAS_MAXIMUM;
use super::session::WRITE_TIMEOUT;
use super::{Message, Stream};

/// The outcome of an accepted CONNECT.
#[derive(Debug)]
pub(super) struct Accepted {
    /// The client id, assigned when the client sent an empty one.
    pub(super) client_id: String,
    /// The protocol version of the connection.
    pub(super) version: ProtocolVersion,
    /// Keep Alive in seconds (0: none).
    pub(super) keep_alive: u16,
    /// Largest packet the client accepts (its Maximum Packet Size).
    pub(super) max_outgoing: usize,
    /// The client's Receive Maximum (unlimited for 3.1.1).
    pub(super) receive_maximum: usize,
    /// The will message, published if the connection ends abnormally.
    pub(super) will: Option<Message>,
    /// The CONNACK to send.
    pub(super) ack: ConnAck,
}

/// Accepts `connect` (already checked by the codec) for connection `conn`.
pub(super) fn accept(connect: Connect, conn: u64, max_packet_size: u32) -> Accepted {
    let version = connect.protocol_version;
    let v5 = version == ProtocolVersion::V5;
    let mut ack_props = Vec::new();
    let client_id = if connect.client_id.is_empty() {
        // (3.1.1 without Clean Session was refused by the codec, MQTT-3.1.3-7.)
        let id = format!("iotkit-{conn}");
        if v5 {
            // MQTT-3.2.2-16: tell the client which id it was given.
            if let Ok(s) = Utf8Str::new(&id) {
                ack_props.push(Property::AssignedClientIdentifier(s));
            }
        }
        id
    } else {
        connect.client_id.as_str().to_owned()
    };
    let mut max_outgoing = usize::MAX;
    let mut receive_maximum = usize::MAX;
    if v5 {
        // Receive Maximum defaults to 65,535 (3.1.2.11.3).
        receive_maximum = usize::from(u16::MAX);
        for p in &connect.properties {
            match p {
                Property::MaximumPacketSize(n) => {
                    max_outgoing = usize::try_from(n).unwrap_or(usize::MAX);
                }
                Property::ReceiveMaximum(n) => receive_maximum = usize::from(n),
                _ => {}
            }
        }
        ack_props.push(Property::MaximumPacketSize(max_packet_size));
        ack_props.push(Property::TopicAliasMaximum(TOPIC_ALIAS_MAXIMUM));
        ack_props.push(Property::SharedSubscriptionAvailable(1));
    }
    let will = connect.will.map(|w| Message {
        topic: w.topic,
        payload: w.payload,
        qos: w.qos,
        retain: w.retain,
        properties: w.properties,
        from: conn,
    });
    let mut ack = ConnAck::new(ReasonCode::SUCCESS);
    ack.properties = Properties::from_list(ack_props).unwrap_or_default();
    Accepted {
        client_id,
        version,
        keep_alive: connect.keep_alive,
        max_outgoing,
        receive_maximum,
        will,
        ack,
    }
}

/// Answers a CONNECT denied by policy: CONNACK 0x87 Not authorized (5.0) or
/// return code 0x05 Not authorized (3.1.1); the caller closes.
pub(super) async fn refuse_not_authorized(stream: &mut Stream, version: ProtocolVersion) {
    let code = if version == ProtocolVersion::V5 {
        ReasonCode::NOT_AUTHORIZED
    } else {
        ReasonCode(0x05)
    };
    send_connack(stream, version, code).await;
}

/// MQTT 5 enhanced authentication (an Authentication Method in CONNECT) is
/// not supported: the answer is CONNACK 0x8C Bad authentication method,
/// and the caller closes the connection (MQTT-4.12.0-1).
pub(super) fn asks_enhanced_auth(connect: &Connect) -> bool {
    connect.properties.contains(AUTHENTICATION_METHOD)
}

/// The Authentication Method property's identifier (MQTT 5 3.1.2.11.9).
const AUTHENTICATION_METHOD: u8 = 0x15;

/// Writes a CONNACK with `code` (bounded by the write timeout).
pub(super) async fn send_connack(stream: &mut Stream, version: ProtocolVersion, code: ReasonCode) {
    let mut buf = BytesMut::new();
    if Packet::ConnAck(ConnAck::new(code))
        .encode(version, &mut buf)
        .is_ok()
    {
        let _ = timeout(WRITE_TIMEOUT, stream.write_all(&buf)).await;
    }
}

/// Answers a CONNECT the codec refused with the CONNACK the spec asks for,
/// where there is one (the codec's [`DecodeError::connack`]: 3.1.1 return
/// codes 0x01/0x02, MQTT 5 reason codes in the 5.0 format for a CONNECT that
/// claimed level 5 or above), and lets the caller close.
pub(super) async fn refuse(stream: &mut Stream, err: &DecodeError) {
    let Some((version, ack)) = err.connack() else {
        return;
    };
    let mut buf = BytesMut::new();
    if Packet::ConnAck(ack).encode(version, &mut buf).is_ok() {
        let _ = timeout(WRITE_TIMEOUT, stream.write_all(&buf)).await;
    }
}
