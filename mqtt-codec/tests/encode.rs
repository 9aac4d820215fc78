//! The encoder refuses to write what the decoder would reject, writes
//! nothing then, and never panics on a small buffer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{
    Auth, Connect, Decoder, ErrorKind, Packet, PacketId, Properties, Property, ProtocolVersion,
    PubAck, Publish, QoS, ReasonCode, Subscribe, SubscriptionOptions, Utf8Str, Will,
};

fn refuse(p: &Packet, v: ProtocolVersion) -> ErrorKind {
    let mut buf = BytesMut::new();
    let e = p.encode(v, &mut buf).unwrap_err();
    assert!(buf.is_empty(), "wrote {} bytes before refusing", buf.len());
    e.kind()
}

fn publish(topic: &str) -> Publish {
    Publish::new(Utf8Str::new(topic).unwrap(), Bytes::from_static(b"x"))
}

#[test]
fn mqtt_2_2_1_2_packet_id_only_with_qos() {
    let mut p = publish("a");
    p.packet_id = PacketId::new(1);
    assert_eq!(
        refuse(&Packet::Publish(p), ProtocolVersion::V311),
        ErrorKind::PacketIdMismatch
    );
    let mut p = publish("a");
    p.qos = QoS::ExactlyOnce;
    assert_eq!(
        refuse(&Packet::Publish(p), ProtocolVersion::V5),
        ErrorKind::PacketIdMismatch
    );
}

#[test]
fn mqtt_3_3_2_2_wildcard_topics_refused() {
    for t in ["a/#", "+", ""] {
        assert!(matches!(
            refuse(&Packet::Publish(publish(t)), ProtocolVersion::V311),
            ErrorKind::InvalidTopicName { .. }
        ));
    }
    // 5.0: empty topic only with a Topic Alias.
    let mut p = publish("");
    assert!(refuse(&Packet::Publish(p.clone()), ProtocolVersion::V5).is_protocol_error());
    p.properties = Properties::from_list([Property::TopicAlias(3)]).unwrap();
    assert!(
        Packet::Publish(p)
            .encode(ProtocolVersion::V5, &mut BytesMut::new())
            .is_ok()
    );
}

#[test]
fn mqtt_1_5_4_over_long_strings_refused() {
    assert_eq!(
        Utf8Str::new(&"a".repeat(65_536)),
        Err(ErrorKind::TooLong { field: "string" })
    );
    let mut c = Connect::new(ProtocolVersion::V311, Utf8Str::new("c").unwrap());
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::new(),
        topic: Utf8Str::new("w").unwrap(),
        payload: Bytes::from(vec![0; 65_536]),
    });
    assert_eq!(
        refuse(&Packet::from(c), ProtocolVersion::V311),
        ErrorKind::TooLong {
            field: "will payload"
        }
    );
}

#[test]
fn mqtt_2_2_2_2_disallowed_properties_refused() {
    let mut c = Connect::new(ProtocolVersion::V5, Utf8Str::new("c").unwrap());
    c.properties = Properties::from_list([Property::TopicAlias(1)]).unwrap();
    assert_eq!(
        refuse(&Packet::from(c), ProtocolVersion::V5),
        ErrorKind::PropertyNotAllowed {
            packet: "CONNECT",
            id: 0x23
        }
    );
    let mut s = Subscribe::new(
        PacketId::new(1).unwrap(),
        vec![(
            Utf8Str::new("a").unwrap(),
            SubscriptionOptions::new(QoS::AtMostOnce),
        )],
    );
    s.properties = Properties::from_list([
        Property::SubscriptionIdentifier(1),
        Property::SubscriptionIdentifier(2),
    ])
    .unwrap();
    assert_eq!(
        refuse(&Packet::Subscribe(s), ProtocolVersion::V5),
        ErrorKind::DuplicateProperty(0x0B)
    );
    assert_eq!(
        Properties::from_list([Property::ReceiveMaximum(5), Property::ReceiveMaximum(6)]),
        Err(ErrorKind::DuplicateProperty(0x21))
    );
}

#[test]
fn v311_cannot_carry_v5_fields() {
    let mut ack = PubAck::new(PacketId::new(1).unwrap());
    ack.reason_code = ReasonCode::NO_MATCHING_SUBSCRIBERS;
    assert!(matches!(
        refuse(&Packet::PubAck(ack), ProtocolVersion::V311),
        ErrorKind::InvalidReasonCode { .. }
    ));
    assert_eq!(
        refuse(&Packet::Auth(Auth::default()), ProtocolVersion::V311),
        ErrorKind::NotInVersion { packet: "AUTH" }
    );
    let mut p = publish("a");
    p.properties = Properties::from_list([Property::MessageExpiryInterval(1)]).unwrap();
    assert!(matches!(
        refuse(&Packet::Publish(p), ProtocolVersion::V311),
        ErrorKind::PropertyNotAllowed { .. }
    ));
}

#[test]
fn small_output_buffer_is_an_error_not_a_panic() {
    let mut out = [0u8; 4];
    let mut dst = &mut out[..];
    let e = Packet::Publish(publish("a/b"))
        .encode(ProtocolVersion::V311, &mut dst)
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::BufferTooSmall {
            needed: 8,
            available: 4
        }
    );
}

#[test]
fn encoded_len_matches_for_large_remaining_lengths() {
    for size in [0usize, 120, 121, 122, 16_380, 16_381, 2_097_148, 2_097_149] {
        let p = Packet::Publish(Publish::new(
            Utf8Str::new("t").unwrap(),
            Bytes::from(vec![7; size]),
        ));
        let mut buf = BytesMut::new();
        let n = p.encode(ProtocolVersion::V5, &mut buf).unwrap();
        assert_eq!(
            (n, buf.len()),
            (
                p.encoded_len(ProtocolVersion::V5),
                p.encoded_len(ProtocolVersion::V5)
            ),
            "{size}"
        );
    }
}

/// PUBLISH frames at every Remaining Length size boundary of the MQTT 1.5.5
/// table (1 to 4 length bytes): under 3.1.1 the bytes after the first are
/// the table's, then the topic length and topic; under both versions the
/// decoder reads the frame back.
#[test]
fn publish_fixed_header_at_every_remaining_length_size() {
    let cases: [(usize, &[u8]); 7] = [
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (200, &[0xC8, 0x01]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    ];
    for (body, length_bytes) in cases {
        // Topic "a/b" (2 + 3 bytes) and a QoS 1 packet id (2 bytes).
        let mut p = Publish::new(
            Utf8Str::new("a/b").unwrap(),
            Bytes::from(vec![7u8; body - 7]),
        );
        p.qos = QoS::AtLeastOnce;
        p.packet_id = PacketId::new(0x1234);
        let packet = Packet::Publish(p);

        let mut buf = BytesMut::new();
        let n = packet.encode(ProtocolVersion::V311, &mut buf).unwrap();
        let head = 1 + length_bytes.len();
        assert_eq!(n, head + body, "body {body}");
        assert_eq!(buf.len(), n);
        assert_eq!(buf[0], 0x32);
        assert_eq!(&buf[1..head], length_bytes, "body {body}");
        assert_eq!(&buf[head..head + 7], b"\x00\x03a/b\x12\x34");
        assert!(buf[head + 7..].iter().all(|&b| b == 7));
        let decoded = Decoder::new(ProtocolVersion::V311)
            .decode(&mut buf)
            .unwrap();
        assert_eq!(decoded.as_ref(), Some(&packet), "body {body}");
        assert!(buf.is_empty());

        // MQTT 5: one more body byte, the empty property section.
        let mut buf = BytesMut::new();
        let n = packet.encode(ProtocolVersion::V5, &mut buf).unwrap();
        assert_eq!(n, packet.encoded_len(ProtocolVersion::V5));
        let decoded = Decoder::new(ProtocolVersion::V5).decode(&mut buf).unwrap();
        assert_eq!(decoded.as_ref(), Some(&packet), "body {body}");
        assert!(buf.is_empty());
    }
}
