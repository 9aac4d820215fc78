//! MQTT 5.0: one test per normative statement that concerns a single
//! packet. Fixtures are hex with the Remaining Length computed by `frame`;
//! expected outcomes come from the statement quoted above each test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::{Bytes, BytesMut};
use common::{accepted, frame, rejected, s};
use iot_mqtt_codec::{
    Decoder, ErrorKind, Packet, Property, ProtocolVersion, QoS, ReasonCode, RetainHandling,
};

const V5: u8 = 5;

fn connect_with_props(props: &str) -> String {
    let len = props.replace(' ', "").len() / 2;
    frame(
        0x10,
        &format!("{}05 02 003c {len:02x}{props} {}", s("MQTT"), s("a")),
    )
}

fn publish_with_props(props: &str) -> String {
    let len = props.replace(' ', "").len() / 2;
    frame(0x30, &format!("{} {len:02x}{props} 6869", s("a/b")))
}

/// Variable Byte Integers use the minimum number of bytes (MQTT-1.5.5-1):
/// in the Remaining Length and in the property length.
#[test]
fn mqtt_1_5_5_1_non_minimal_var_int() {
    let e = rejected(V5, "e08000");
    assert!(matches!(e.kind(), ErrorKind::VarIntNotMinimal { .. }));
    assert_eq!(e.offset(), 1);
    let e = rejected(V5, &frame(0x30, &format!("{} 8000 6869", s("a/b"))));
    assert!(matches!(e.kind(), ErrorKind::VarIntNotMinimal { .. }));
}

/// A fifth Remaining Length byte is malformed, never "incomplete" (1.5.5).
#[test]
fn mqtt_1_5_5_five_byte_length() {
    rejected(V5, "308080808001");
}

/// Strings exclude surrogates and U+0000 (MQTT-1.5.4-1, MQTT-1.5.4-2).
#[test]
fn mqtt_1_5_4_2_string_rules() {
    rejected(V5, "30080003eda080006869");
    rejected(V5, "100e00044d5154540502003c00000100");
}

/// Non-zero packet identifiers (MQTT-2.2.1-3).
#[test]
fn mqtt_2_2_1_3_packet_identifier_zero() {
    rejected(V5, "320a0003612f620000006869");
    rejected(V5, "4003000000");
}

/// Property identifiers must be defined and allowed in the packet (2.2.2.2).
#[test]
fn mqtt_2_2_2_2_property_allowed_per_packet() {
    assert!(matches!(
        rejected(V5, "30090003612f62017f6869").kind(),
        ErrorKind::UnknownProperty(0x7F)
    ));
    let e = rejected(V5, "300d0003612f6205110000000a6869");
    assert_eq!(
        e.kind(),
        ErrorKind::PropertyNotAllowed {
            packet: "PUBLISH",
            id: 0x11
        }
    );
    assert_eq!(e.offset(), 8);
    // Will Delay Interval only in will properties; Topic Alias never in CONNECT.
    rejected(V5, &connect_with_props("18 00000005"));
    rejected(V5, &connect_with_props("23 0001"));
    // Session Expiry Interval may not be a will property.
    rejected(
        V5,
        &frame(
            0x10,
            &format!(
                "{}05 06 003c 00 {} 05 1100000001 {}{}",
                s("MQTT"),
                s("a"),
                s("w"),
                s("x")
            ),
        ),
    );
}

/// Including a property twice is a Protocol Error, except User Property and
/// Subscription Identifier in PUBLISH (2.2.2.2, 3.3.2.3.8).
#[test]
fn mqtt_2_2_2_2_duplicate_properties() {
    let e = rejected(V5, &publish_with_props("0200000001 0200000002"));
    assert_eq!(e.kind(), ErrorKind::DuplicateProperty(0x02));
    assert!(e.is_protocol_error());
    assert_eq!(e.reason_code(), ReasonCode::PROTOCOL_ERROR);
    let Packet::Publish(p) = accepted(
        V5,
        &publish_with_props("0b01 0b02 26000161000162 26000161000163"),
    ) else {
        panic!()
    };
    assert_eq!(
        p.properties.subscription_identifiers().collect::<Vec<_>>(),
        [1, 2]
    );
    let users: Vec<_> = p
        .properties
        .user_properties()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(users, ["a=b", "a=c"]); // order kept
    rejected(
        V5,
        &frame(0x82, &format!("0001 04 0b01 0b02 {} 00", s("a"))),
    );
}

/// The property length may not run past the packet (2.2.2.1).
#[test]
fn mqtt_2_2_2_1_property_length_past_packet() {
    let e = rejected(V5, &frame(0x30, &format!("{} 09 0200000001", s("a/b"))));
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEnd { .. }));
    // A property whose value runs past the property section.
    rejected(V5, &frame(0x30, &format!("{} 03 02000000 01", s("a/b"))));
}

/// Receive Maximum 0 is a Protocol Error (3.1.2.11.3), as are Maximum Packet
/// Size 0 (3.1.2.11.4) and boolean properties other than 0/1 (3.1.2.11.6-7).
#[test]
fn mqtt_3_1_2_11_connect_property_values() {
    let e = rejected(V5, "101100044d5154540502003c03210000000161");
    assert!(e.is_protocol_error());
    for bad in ["2700000000", "1702", "1902"] {
        assert!(
            rejected(V5, &connect_with_props(bad)).is_protocol_error(),
            "{bad}"
        );
    }
    accepted(
        V5,
        "102600044d5154540502003c17110000003c210014270001000022000a2600016b00017600026331",
    );
}

/// Authentication Data without Authentication Method is a Protocol Error (3.1.2.11.10).
#[test]
fn mqtt_3_1_2_11_10_authentication_data_needs_method() {
    assert!(rejected(V5, &connect_with_props("16 0002abcd")).is_protocol_error());
    accepted(
        V5,
        &connect_with_props(&format!("15 {} 16 0002abcd", s("SCRAM"))),
    );
}

/// 5.0 allows a password without a user name (3.1.2.9).
#[test]
fn mqtt_3_1_2_9_password_without_user_name_allowed_in_v5() {
    let Packet::Connect(c) = accepted(
        V5,
        &frame(
            0x10,
            &format!("{}05 42 003c 00 {} 0001 70", s("MQTT"), s("a")),
        ),
    ) else {
        panic!()
    };
    assert_eq!(c.password.as_deref(), Some(&b"p"[..]));
    assert!(c.username.is_none());
}

/// Will properties (3.1.3.2) round-trip.
#[test]
fn mqtt_3_1_3_2_will_properties() {
    let Packet::Connect(c) = accepted(
        V5,
        "101d00044d515454050e003c00000161071800000005010100017700026f6b",
    ) else {
        panic!()
    };
    let will = c.will.unwrap();
    assert_eq!(will.qos, QoS::AtLeastOnce);
    assert_eq!(
        will.properties.to_vec(),
        [
            Property::WillDelayInterval(5),
            Property::PayloadFormatIndicator(1)
        ]
    );
}

/// CONNACK: Maximum QoS other than 0/1 is a Protocol Error (3.2.2.3.4);
/// session present with a failure code (MQTT-3.2.2-6); allowed reason codes (3.2.2.2).
#[test]
fn mqtt_3_2_2_6_connack_rules() {
    assert!(rejected(V5, &frame(0x20, "00 00 02 2402")).is_protocol_error());
    rejected(V5, "2003018700");
    rejected(V5, "2003000400"); // 0x04 is not a CONNACK code
    accepted(V5, "200f00000c22000a120002696424012500");
}

/// Topic Alias 0 is not permitted (MQTT-3.3.2-8); an empty topic name is
/// allowed only with a Topic Alias (3.3.2.3.4).
#[test]
fn mqtt_3_3_2_8_topic_alias() {
    let e = rejected(V5, "300b0003612f62032300006869");
    assert_eq!(e.kind(), ErrorKind::TopicAliasZero);
    assert_eq!(e.reason_code(), ReasonCode::TOPIC_ALIAS_INVALID);
    assert_eq!(e.offset(), 8);
    accepted(V5, &frame(0x30, "0000 03 230005 6869"));
    assert!(rejected(V5, &frame(0x30, "0000 00 6869")).is_protocol_error());
}

/// The Response Topic is a topic name without wildcards (MQTT-3.3.2-14).
#[test]
fn mqtt_3_3_2_14_response_topic() {
    rejected(V5, "300c0003612f6204080001236869");
    accepted(
        V5,
        "322b0003612f620001210101020000003c0300047465787408000172090002abcd2600016b0001762300056869",
    );
}

/// Payload Format Indicator is 0 or 1 (3.3.2.3.2).
#[test]
fn mqtt_3_3_2_3_2_payload_format_indicator() {
    rejected(V5, &publish_with_props("0102"));
    accepted(V5, &publish_with_props("0101"));
}

/// Short acknowledgements: reason and properties may be omitted (3.4.2.1,
/// 3.14.2.1); the reason codes are those listed per packet.
#[test]
fn mqtt_3_4_2_1_short_acks_and_reason_codes() {
    accepted(V5, "40020001");
    accepted(V5, "4003000110");
    rejected(V5, "4003000101"); // 0x01 is not a PUBACK reason code
    rejected(V5, "6203000110"); // PUBREL allows 0x00 and 0x92 only
    accepted(V5, "6203000192");
    let Packet::PubAck(a) = accepted(V5, &frame(0x40, &format!("0001 10 04 1f{}", s("x")))) else {
        panic!()
    };
    assert_eq!(a.reason_code, ReasonCode::NO_MATCHING_SUBSCRIBERS);
}

/// SUBSCRIBE options: reserved bits 0 (MQTT-3.8.3-5), Retain Handling 3 is a
/// Protocol Error, No Local on a shared subscription is a Protocol Error
/// (MQTT-3.8.3-4); Subscription Identifier 0 is a Protocol Error (3.8.2.1.2).
#[test]
fn mqtt_3_8_3_5_subscription_options() {
    rejected(V5, "82090001000003612f62c1");
    assert!(rejected(V5, "82090001000003612f6231").is_protocol_error());
    assert!(rejected(V5, "8210000200000a2473686172652f672f6105").is_protocol_error());
    assert!(rejected(V5, "820b0001020b000003612f6201").is_protocol_error());
    let Packet::Subscribe(sub) = accepted(V5, "82090001000003612f622e") else {
        panic!()
    };
    let o = sub.filters[0].1;
    assert_eq!(
        (o.qos, o.no_local, o.retain_as_published, o.retain_handling),
        (QoS::ExactlyOnce, true, true, RetainHandling::DoNotSend)
    );
}

/// Shared subscriptions: `$share/{name}/{filter}` with a non-empty name
/// without wildcards and a filter (4.8.2).
#[test]
fn mqtt_4_8_2_shared_subscription_syntax() {
    accepted(V5, "8210000200000a2473686172652f672f6101");
    for bad in ["$share//a", "$share/g", "$share/+/a", "$share/g/"] {
        rejected(V5, &frame(0x82, &format!("0001 00 {} 00", s(bad))));
    }
    // In 3.1.1 `$share/g` is an ordinary filter.
    accepted(4, &frame(0x82, &format!("0001 {} 00", s("$share/g"))));
}

/// SUBACK and UNSUBACK reason codes (3.9.3, 3.11.3).
#[test]
fn mqtt_3_9_3_suback_and_unsuback_codes() {
    accepted(V5, "9005000100008f");
    rejected(V5, "9004000100 10".replace(' ', "").as_str());
    accepted(V5, "b00400020011");
    rejected(V5, "b00400020001");
    rejected(V5, "b003000200"); // no reason codes
}

/// DISCONNECT: `E0 00` and the one-byte form `E0 01 04` are complete packets (3.14.2.1).
#[test]
fn mqtt_3_14_2_1_disconnect_short_forms() {
    accepted(V5, "e000");
    let Packet::Disconnect(d) = accepted(V5, "e00104") else {
        panic!()
    };
    assert_eq!(d.reason_code, ReasonCode::DISCONNECT_WITH_WILL_MESSAGE);
    accepted(V5, "e00700051100000000");
    rejected(V5, "e00101");
    // Server Reference is allowed, Topic Alias is not.
    rejected(V5, "e0058003230001");
}

/// AUTH exists in 5.0 only; reason codes 0x00, 0x18, 0x19 (3.15.2.1).
#[test]
fn mqtt_3_15_2_1_auth() {
    accepted(V5, "f000");
    let Packet::Auth(a) = accepted(
        V5,
        &frame(0xF0, &format!("18 {:02x}15{}", 3 + 5, s("SCRAM"))),
    ) else {
        panic!()
    };
    assert_eq!(a.reason_code, ReasonCode::CONTINUE_AUTHENTICATION);
    rejected(V5, "f00101");
    rejected(V5, "f100");
}

/// The maximum packet size covers the whole packet and is checked from the
/// fixed header alone, before the body arrives (3.1.2.11.4, reason 0x95).
#[test]
fn mqtt_3_1_2_11_4_maximum_packet_size_checked_early() {
    let decoder = Decoder::new(ProtocolVersion::V5).with_max_packet_size(100);
    let mut buf = BytesMut::from(&[0x30, 0x63][..]); // 2 + 99 = 101 bytes announced
    let e = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::PacketTooLarge {
            size: 101,
            max: 100
        }
    );
    assert_eq!(e.reason_code(), ReasonCode::PACKET_TOO_LARGE);
    let mut buf = BytesMut::from(&[0x30, 0x62][..]); // exactly 100: wait for the body
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
}

/// Topic and payload are slices of the received buffer: no copy.
#[test]
fn decode_is_zero_copy() {
    let wire = Bytes::from(common::unhex(
        "322b0003612f620001210101020000003c0300047465787408000172090002abcd2600016b0001762300056869",
    ));
    let range = wire.as_ptr_range();
    let mut src = wire.clone();
    let Some(Packet::Publish(p)) = Decoder::new(ProtocolVersion::V5)
        .decode_bytes(&mut src)
        .unwrap()
    else {
        panic!()
    };
    assert!(range.contains(&p.topic.as_bytes().as_ptr()));
    assert!(range.contains(&p.payload.as_ptr()));
    assert!(range.contains(&p.properties.as_bytes().as_ptr()));
}

/// CONNECT is decoded by its own level; other packets by the configured version.
#[test]
fn connect_level_decides_its_version() {
    let Packet::Connect(c) = common::decode(4, &common::unhex("100e00044d5154540502003c00000161"))
        .unwrap()
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(c.protocol_version, ProtocolVersion::V5);
    // The same PUBACK reads differently by version: reason byte is trailing in 3.1.1.
    rejected(4, "4003000110");
}

/// Where the errors of a SUBSCRIBE list point (the decoder's offset
/// convention: string errors just after the length prefix, filter errors
/// at it, option errors at the options byte), for the one-pass filter test
/// and its full rules alike: a wildcard not alone in its level
/// (MQTT-4.7.1-2), a filter that is not UTF-8 (MQTT-1.5.4-1), reserved
/// option bits (MQTT-3.8.3-5), No Local on a shared subscription
/// (MQTT-3.8.3-4). Fixed header 2 bytes, packet identifier 2, property
/// length 1: the first filter's prefix is at offset 5.
#[test]
fn mqtt_3_8_3_subscribe_error_offsets() {
    let e = rejected(V5, &frame(0x82, &format!("0001 00 {} 01", s("a/b+"))));
    assert!(matches!(e.kind(), ErrorKind::InvalidTopicFilter { .. }));
    assert_eq!(e.offset(), 5);
    let e = rejected(V5, &frame(0x82, "0001 00 0002c328 01"));
    assert!(matches!(e.kind(), ErrorKind::InvalidUtf8 { .. }));
    assert_eq!(e.offset(), 7);
    // Second filter: 5 + 2 + 3 + 1 = 11; its options byte at 11 + 2 + 3.
    let e = rejected(
        V5,
        &frame(0x82, &format!("0001 00 {} 01 {} c1", s("a/#"), s("b/+"))),
    );
    assert!(matches!(e.kind(), ErrorKind::InvalidValue { .. }));
    assert_eq!(e.offset(), 16);
    let e = rejected(V5, &frame(0x82, &format!("0001 00 {} 05", s("$share/g/a"))));
    assert!(matches!(e.kind(), ErrorKind::ProtocolViolation(_)));
    assert_eq!(e.offset(), 5 + 2 + 10);
    // The same filter is a plain one under 3.1.1, where No Local does not exist.
    let e = rejected(4, &frame(0x82, &format!("0001 {} 05", s("$share/g/a"))));
    assert!(matches!(e.kind(), ErrorKind::InvalidValue { .. }));
}

/// Where the errors of a property section point: at the identifier of the
/// property at fault. Authentication Data without Authentication Method
/// (MQTT 3.1.2.11.10) in a CONNECT whose property length is at offset 12
/// (fixed header 2, protocol name 6, level, flags, keep alive 2), so the
/// identifier is at 13; a Response Topic with a wildcard (MQTT-3.3.2-14)
/// and a Topic Alias of 0 (MQTT-3.3.2-8) in a PUBLISH with topic "a/b"
/// (fixed header 2, topic 5, property length 1: the identifier at 8).
#[test]
fn mqtt_2_2_2_property_error_offsets() {
    let e = rejected(V5, &connect_with_props("16 0001 aa"));
    assert!(matches!(e.kind(), ErrorKind::ProtocolViolation(_)));
    assert_eq!(e.offset(), 13);
    // After a property that is fine (Session Expiry Interval, 5 bytes).
    let e = rejected(V5, &connect_with_props("11 0000000a 16 0001 aa"));
    assert_eq!(e.offset(), 18);
    let e = rejected(V5, &publish_with_props(&format!("08 {}", s("a/+"))));
    assert!(matches!(e.kind(), ErrorKind::InvalidTopicName { .. }));
    assert_eq!(e.offset(), 8);
    let e = rejected(V5, &publish_with_props("23 0000"));
    assert_eq!(e.kind(), ErrorKind::TopicAliasZero);
    assert_eq!(e.offset(), 8);
}
