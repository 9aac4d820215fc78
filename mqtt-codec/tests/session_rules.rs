//! Rules a server or client applies with the decoder's options (role,
//! payload format check), the CONNACK owed for a refused CONNECT, and the
//! peer's Maximum Packet Size on the encode side. Expected values come from
//! the statements cited above each test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::{Bytes, BytesMut};
use common::{frame, s, unhex};
use iot_mqtt_codec::{
    Auth, DecodeError, Decoder, Disconnect, ErrorKind, Packet, PacketId, Properties, Property,
    ProtocolVersion, Publish, QoS, ReasonCode, Role, Utf8Str,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V311;

fn decode_with(dec: Decoder, hex: &str) -> (Result<Option<Packet>, DecodeError>, usize) {
    let mut buf = BytesMut::from(&unhex(hex)[..]);
    let out = dec.decode(&mut buf);
    (out, buf.len())
}

fn err_with(dec: Decoder, hex: &str) -> DecodeError {
    match decode_with(dec, hex) {
        (Err(e), left) => {
            assert_eq!(left, 0, "the refused frame is consumed");
            e
        }
        (other, _) => panic!("{hex} accepted: {other:?}"),
    }
}

fn ok_with(dec: Decoder, hex: &str) -> Packet {
    match decode_with(dec, hex) {
        (Ok(Some(p)), 0) => p,
        other => panic!("{hex} not accepted: {other:?}"),
    }
}

/// QoS 1 PUBLISH to `a/b`, packet id 7, MQTT 5 properties `props`, `payload`.
fn publish_v5(props: &str, payload: &str) -> String {
    let len = props.replace(' ', "").len() / 2;
    frame(
        0x32,
        &format!("{} 0007 {len:02x}{props} {payload}", s("a/b")),
    )
}

/// MQTT-3.3.4-6: "A PUBLISH packet sent from a Client to a Server MUST NOT
/// contain a Subscription Identifier" (3.3.2.3.8: a Protocol Error).
#[test]
fn mqtt_3_3_4_6_subscription_identifier_from_client() {
    let wire = publish_v5("0b01", "6869");
    let server = Decoder::new(V5).with_role(Role::Server);
    let e = err_with(server, &wire);
    assert!(matches!(e.kind(), ErrorKind::ProtocolViolation(_)));
    assert!(e.is_protocol_error());
    assert_eq!(e.reason_code(), ReasonCode::PROTOCOL_ERROR);
    // A server sends it to a client, and no role means no such rule.
    for dec in [Decoder::new(V5).with_role(Role::Client), Decoder::new(V5)] {
        let Packet::Publish(p) = ok_with(dec, &wire) else {
            panic!()
        };
        assert_eq!(
            p.properties.subscription_identifiers().collect::<Vec<_>>(),
            [1]
        );
    }
    // Other properties stay allowed from a client.
    ok_with(server, &publish_v5("02 0000003c", "6869"));
}

/// MQTT 2.1.2 (both versions): CONNACK, SUBACK, UNSUBACK and PINGRESP go
/// from server to client only; CONNECT, SUBSCRIBE, UNSUBSCRIBE and PINGREQ
/// from client to server only.
#[test]
fn mqtt_2_1_2_packet_direction() {
    for v in [V311, V5] {
        let v5 = v == V5;
        // The MQTT 5 forms carry a property length (and reason codes).
        let p = if v5 { "00" } else { "" };
        let server_only = [
            ("CONNACK", frame(0x20, &format!("00 00 {p}"))),
            ("SUBACK", frame(0x90, &format!("0001 {p} 00"))),
            (
                "UNSUBACK",
                frame(0xb0, if v5 { "0001 00 00" } else { "0001" }),
            ),
            ("PINGRESP", "d000".to_string()),
        ];
        let client_only = [
            (
                "CONNECT",
                frame(0x10, &format!("{}04 02 003c {}", s("MQTT"), s("a"))),
            ),
            (
                "SUBSCRIBE",
                frame(0x82, &format!("0001 {p} {} 00", s("a/b"))),
            ),
            (
                "UNSUBSCRIBE",
                frame(0xa2, &format!("0001 {p} {}", s("a/b"))),
            ),
            ("PINGREQ", "c000".to_string()),
        ];
        let server = Decoder::new(v).with_role(Role::Server);
        let client = Decoder::new(v).with_role(Role::Client);
        assert_eq!(server.role(), Some(Role::Server));
        assert_eq!(Decoder::new(v).role(), None);
        for (name, hex) in &server_only {
            let e = err_with(server, hex);
            assert_eq!(e.kind(), ErrorKind::WrongDirection { packet: name });
            assert_eq!(e.offset(), 0);
            assert_eq!(e.reason_code(), ReasonCode::PROTOCOL_ERROR);
            ok_with(client, hex);
            ok_with(Decoder::new(v), hex);
        }
        for (name, hex) in &client_only {
            let e = err_with(client, hex);
            assert_eq!(e.kind(), ErrorKind::WrongDirection { packet: name });
            ok_with(server, hex);
        }
        // Both directions: PUBLISH, the acknowledgements, DISCONNECT.
        let both = [
            frame(0x30, &format!("{} {p} 6869", s("a"))),
            "40020001".to_string(),
            "62020001".to_string(),
            "e000".to_string(),
        ];
        for hex in &both {
            ok_with(server, hex);
            ok_with(client, hex);
        }
    }
}

/// MQTT 5 3.3.2.3.2: with Payload Format Indicator 1 the payload is UTF-8
/// Encoded Character Data; "the receiver MAY validate that the Payload is
/// of the format indicated, and if it is not send a PUBACK, PUBREC, or
/// DISCONNECT with Reason Code of 0x99".
#[test]
fn mqtt_3_3_2_3_2_payload_format_check() {
    let strict = Decoder::new(V5).with_payload_format_check(true);
    assert!(strict.payload_format_check());
    let bad = publish_v5("0101", "68ff69");
    let e = err_with(strict, &bad);
    assert_eq!(e.kind(), ErrorKind::PayloadFormatInvalid);
    assert_eq!(e.reason_code(), ReasonCode::PAYLOAD_FORMAT_INVALID);
    assert_eq!(e.reason_code().0, 0x99);
    assert_eq!(e.packet_id(), PacketId::new(7));
    assert!(!e.is_protocol_error());
    // Off by default; indicator 0 (unspecified bytes) is never checked.
    ok_with(Decoder::new(V5), &bad);
    ok_with(strict, &publish_v5("0100", "68ff69"));
    ok_with(strict, &publish_v5("", "68ff69"));
    ok_with(strict, &publish_v5("0101", &common::hex("é/ü".as_bytes())));
    // A surrogate (ED A0 80) is not well-formed UTF-8 (RFC 3629).
    err_with(strict, &publish_v5("0101", "eda080"));
    // The stream stays in sync: the next packet decodes.
    let mut buf = BytesMut::from(&unhex(&format!("{bad}40020007"))[..]);
    assert!(strict.decode(&mut buf).is_err());
    assert_eq!(
        strict.decode(&mut buf).unwrap(),
        Some(Packet::PubAck(iot_mqtt_codec::PubAck::new(
            PacketId::new(7).unwrap()
        )))
    );
    // QoS 0: no packet identifier to acknowledge.
    let qos0 = frame(0x30, &format!("{} 020101 ff", s("a/b")));
    assert_eq!(err_with(strict, &qos0).packet_id(), None);
}

/// MQTT 5 3.1.3.2.3: the same check on a will message with Payload Format
/// Indicator 1 ("send a CONNACK with the Reason Code of 0x99").
#[test]
fn mqtt_3_1_3_2_3_will_payload_format_check() {
    let connect = frame(
        0x10,
        &format!(
            "{}05 06 003c 00 {} 020101 {} 0001ff",
            s("MQTT"),
            s("a"),
            s("w/t")
        ),
    );
    ok_with(Decoder::new(V5), &connect);
    let e = err_with(Decoder::new(V311).with_payload_format_check(true), &connect);
    assert_eq!(e.kind(), ErrorKind::PayloadFormatInvalid);
    assert_eq!(e.connect_version(), Some(V5));
    let (version, ack) = e.connack().unwrap();
    assert_eq!(
        (version, ack.reason_code),
        (V5, ReasonCode::PAYLOAD_FORMAT_INVALID)
    );
}

fn connack_of(hex: &str) -> Option<(ProtocolVersion, ReasonCode)> {
    let e = err_with(Decoder::new(V311), hex);
    e.connack().map(|(v, ack)| {
        assert!(!ack.session_present);
        assert!(ack.properties.is_empty());
        (v, ack.reason_code)
    })
}

/// MQTT 5 4.13.1: "In the case of an error in a CONNECT packet it MAY send
/// a CONNACK packet containing the Reason Code, before closing": a broken
/// 5.0 CONNECT is answered in 5.0 with 0x81 (malformed) or 0x82 (protocol
/// error); the error carries the version the client claimed.
#[test]
fn mqtt_4_13_1_broken_v5_connect_gets_a_v5_connack() {
    // Reserved connect flag bit 0 set (MQTT-3.1.2-3): malformed.
    let reserved = frame(0x10, &format!("{}05 03 003c 00 {}", s("MQTT"), s("a")));
    assert_eq!(
        err_with(Decoder::new(V311), &reserved).connect_version(),
        Some(V5)
    );
    assert_eq!(
        connack_of(&reserved),
        Some((V5, ReasonCode::MALFORMED_PACKET))
    );
    // Receive Maximum 0 (3.1.2.11.3): a Protocol Error.
    let recv_max = frame(
        0x10,
        &format!("{}05 02 003c 03 210000 {}", s("MQTT"), s("a")),
    );
    assert_eq!(
        connack_of(&recv_max),
        Some((V5, ReasonCode::PROTOCOL_ERROR))
    );
    // The answer encodes as MQTT 5 CONNACK 0x82 with no properties.
    let (v, ack) = err_with(Decoder::new(V311), &recv_max).connack().unwrap();
    let mut out = BytesMut::new();
    Packet::ConnAck(ack).encode(v, &mut out).unwrap();
    assert_eq!(&out[..], [0x20, 0x03, 0x00, 0x82, 0x00]);
}

/// MQTT-3.1.2-2 (3.1.1): an unsupported level gets return code 0x01;
/// MQTT 5 3.1.2.2: a level the server does not know may get 0x84.
#[test]
fn mqtt_3_1_2_2_unsupported_protocol_level_connack() {
    let level = |l: u8| frame(0x10, &format!("{}{l:02x} 02 003c {}", s("MQTT"), s("a")));
    assert_eq!(connack_of(&level(3)), Some((V311, ReasonCode(0x01))));
    assert_eq!(
        connack_of(&level(6)),
        Some((V5, ReasonCode::UNSUPPORTED_PROTOCOL_VERSION))
    );
    assert_eq!(
        err_with(Decoder::new(V311), &level(6)).connect_version(),
        None
    );
}

/// MQTT-3.1.3-9 (3.1.1): a rejected client identifier gets return code 0x02.
#[test]
fn mqtt_3_1_3_9_identifier_rejected_connack() {
    let empty_id = frame(0x10, &format!("{}04 00 003c 0000", s("MQTT")));
    assert_eq!(connack_of(&empty_id), Some((V311, ReasonCode(0x02))));
}

/// MQTT-3.1.4-1 (3.1.1): a CONNECT that does not conform is closed without
/// CONNACK; so is one whose version is unknown (refused from its fixed
/// header), and an error in any other packet.
#[test]
fn mqtt_3_1_4_1_no_connack_for_a_broken_v311_connect() {
    let reserved = frame(0x10, &format!("{}04 03 003c {}", s("MQTT"), s("a")));
    assert_eq!(
        err_with(Decoder::new(V311), &reserved).connect_version(),
        Some(V311)
    );
    assert_eq!(connack_of(&reserved), None);
    let bad_name = frame(0x10, &format!("{}05 02 003c 00 {}", s("MQTX"), s("a")));
    assert_eq!(connack_of(&bad_name), None);
    let big = frame(0x10, &format!("{}05 02 003c 00 {}", s("MQTT"), s("a")));
    let mut buf = BytesMut::from(&unhex(&big)[..]);
    let e = Decoder::new(V311)
        .with_max_packet_size(4)
        .decode(&mut buf)
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::PacketTooLarge { .. }));
    assert_eq!(e.connack(), None);
    // DISCONNECT reason 0x03 is not in its table (3.14.2.1).
    let e = err_with(Decoder::new(V5), "e00103");
    assert_eq!((e.connect_version(), e.connack()), (None, None));
    let wildcard = frame(0x30, &format!("{} 00 6869", s("a/+")));
    assert_eq!(err_with(Decoder::new(V5), &wildcard).connack(), None);
}

fn publish_of(size: usize) -> Packet {
    let mut p = Publish::new(Utf8Str::from_static("a/b"), Bytes::from(vec![b'x'; size]));
    p.qos = QoS::AtLeastOnce;
    p.packet_id = PacketId::new(1);
    Packet::Publish(p)
}

/// MQTT-3.1.2-24 / MQTT 5 3.2.2.3.6: never send a packet larger than the
/// peer's Maximum Packet Size (the whole packet, fixed header included,
/// 3.1.2.11.4); MQTT-3.1.2-25: such a packet is discarded, so nothing may
/// be written.
#[test]
fn mqtt_3_1_2_24_encode_with_peer_maximum_packet_size() {
    for v in [V311, V5] {
        // 3.1.1 DISCONNECT carries no reason code.
        let reason = if v == V5 {
            ReasonCode::SERVER_SHUTTING_DOWN
        } else {
            ReasonCode::NORMAL_DISCONNECTION
        };
        for packet in [
            publish_of(200),
            Packet::Disconnect(Disconnect::new(reason)),
            Packet::PingReq,
        ] {
            let len = packet.encoded_len(v);
            let max = u32::try_from(len).unwrap();
            let mut buf = BytesMut::new();
            let e = packet.encode_with_limit(v, max - 1, &mut buf).unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::PacketTooLarge {
                    size: len as u64,
                    max: max - 1
                }
            );
            assert_eq!(e.kind().reason_code(), ReasonCode::PACKET_TOO_LARGE);
            assert!(buf.is_empty());
            assert_eq!(packet.encode_with_limit(v, max, &mut buf).unwrap(), len);
            let mut plain = BytesMut::new();
            packet.encode(v, &mut plain).unwrap();
            assert_eq!(buf, plain);
        }
    }
    // 200 B payload + 3 B topic + 2 B id + 2 B prefix: 207 B body, 2-byte length.
    assert_eq!(publish_of(200).encoded_len(V311), 1 + 2 + 207);
}

/// The tokio codec applies the peer's limit to everything it writes.
#[cfg(feature = "tokio")]
#[test]
fn mqtt_3_1_2_24_codec_peer_limit() {
    use iot_mqtt_codec::codec::{CodecError, MqttCodec};
    use tokio_util::codec::Encoder as _;
    let mut codec = MqttCodec::new(V5).with_peer_max_packet_size(100);
    assert_eq!(codec.peer_max_packet_size(), 100);
    let mut buf = BytesMut::new();
    match codec.encode(&publish_of(200), &mut buf) {
        Err(CodecError::Encode(e)) => {
            assert!(matches!(
                e.kind(),
                ErrorKind::PacketTooLarge { max: 100, .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    assert!(buf.is_empty());
    codec.encode(&publish_of(10), &mut buf).unwrap();
    assert_eq!(buf.len(), publish_of(10).encoded_len(V5));
    // Settings given through a Decoder are kept.
    let codec = MqttCodec::from_decoder(Decoder::new(V5).with_role(Role::Server));
    assert_eq!(codec.decoder().role(), Some(Role::Server));
}

/// `Properties::iter` never stops early: every property given (or
/// received) comes back, in order, whatever its wire type.
#[test]
fn mqtt_2_2_2_properties_iterate_completely() {
    let u = |t: &str| Utf8Str::new(t).unwrap();
    let list = vec![
        Property::PayloadFormatIndicator(1),
        Property::MessageExpiryInterval(60),
        Property::ContentType(u("text/plain")),
        Property::ResponseTopic(u("r/t")),
        Property::CorrelationData(Bytes::from_static(b"\x00\x01")),
        Property::SubscriptionIdentifier(268_435_455),
        Property::SubscriptionIdentifier(1),
        Property::TopicAlias(3),
        Property::UserProperty(u("k"), u("v1")),
        Property::UserProperty(u("k"), u("v2")),
    ];
    let props = Properties::from_list(list.clone()).unwrap();
    assert_eq!(props.iter().collect::<Vec<_>>(), list);
    assert_eq!(props.payload_format_indicator(), Some(1));
    assert_eq!(props.maximum_packet_size(), None);
    let limits = Properties::from_list([Property::MaximumPacketSize(1024)]).unwrap();
    assert_eq!(limits.maximum_packet_size(), Some(1024));
    // Decoded properties too: the PUBLISH above, received by a client.
    let mut p = Publish::new(u("a/b"), Bytes::from_static(b"x"));
    p.properties = props;
    let mut wire = BytesMut::new();
    Packet::Publish(p).encode(V5, &mut wire).unwrap();
    let Some(Packet::Publish(back)) = Decoder::new(V5).decode(&mut wire).unwrap() else {
        panic!()
    };
    assert_eq!(back.properties.iter().count(), list.len());
}

/// MQTT 5 3.14.2.1 and 3.15.2.1: the constructors build the short forms.
#[test]
fn mqtt_3_14_2_1_disconnect_and_auth_constructors() {
    let mut out = BytesMut::new();
    Packet::from(Disconnect::new(ReasonCode::NORMAL_DISCONNECTION))
        .encode(V5, &mut out)
        .unwrap();
    assert_eq!(&out[..], [0xE0, 0x00]);
    out.clear();
    Packet::from(Disconnect::new(ReasonCode(0x8E)))
        .encode(V5, &mut out)
        .unwrap();
    assert_eq!(&out[..], [0xE0, 0x01, 0x8E]);
    out.clear();
    let auth = Auth::new(ReasonCode::RE_AUTHENTICATE);
    assert!(auth.properties.is_empty());
    Packet::from(auth.clone()).encode(V5, &mut out).unwrap();
    assert_eq!(out[0], 0xF0);
    assert_eq!(
        Decoder::new(V5).decode(&mut out).unwrap(),
        Some(Packet::Auth(auth))
    );
}
