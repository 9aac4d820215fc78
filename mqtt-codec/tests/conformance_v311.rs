//! MQTT 3.1.1: one test per normative statement that concerns a single
//! packet. Fixtures are hex with the Remaining Length computed by `frame`;
//! expected outcomes come from the statement quoted above each test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{accepted, frame, rejected, s};
use iot_mqtt_codec::{ErrorKind, Packet, ProtocolVersion, ReasonCode};

const V4: u8 = 4;

/// Reserved flag bits must have the listed values; invalid flags close the
/// connection (MQTT-2.2.2-1, MQTT-2.2.2-2).
#[test]
fn mqtt_2_2_2_2_invalid_reserved_flags_are_malformed() {
    for bad in [
        "60020001",
        "c100",
        "d800",
        "41020001",
        "a0070002000361 2f62",
    ] {
        let e = rejected(V4, &bad.replace(' ', ""));
        assert!(
            matches!(e.kind(), ErrorKind::InvalidFlags { .. }),
            "{bad}: {e}"
        );
        assert_eq!(e.offset(), 0);
    }
    accepted(V4, "62020001"); // PUBREL 0010
}

/// Remaining Length uses at most four bytes (2.2.3); the largest is accepted as a header.
#[test]
fn mqtt_2_2_3_remaining_length_four_bytes_max() {
    let e = rejected(V4, "30ffffffff01");
    assert!(matches!(e.kind(), ErrorKind::VarIntTooLong { .. }));
    let h = iot_mqtt_codec::FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], false, u32::MAX)
        .unwrap()
        .unwrap();
    assert_eq!(h.remaining_length(), 268_435_455);
}

/// 3.1.1 does not require the minimal Remaining Length encoding (only 5.0 does).
#[test]
fn mqtt_2_2_3_non_minimal_length_tolerated_in_v311() {
    let p = common::decode(V4, &common::unhex("e08000")).unwrap();
    assert!(matches!(p, Some(Packet::Disconnect(_))));
}

/// Packets that need a packet identifier must carry a non-zero one (MQTT-2.3.1-1).
#[test]
fn mqtt_2_3_1_1_packet_identifier_zero_is_rejected() {
    for bad in [
        "40020000",
        "50020000",
        "62020000",
        "70020000",
        "90030000 00",
        "b0020000",
    ] {
        let e = rejected(V4, &bad.replace(' ', ""));
        assert!(
            matches!(e.kind(), ErrorKind::ZeroPacketId { .. }),
            "{bad}: {e}"
        );
        assert_eq!(e.offset(), 2);
    }
}

/// Protocol name must be "MQTT" (MQTT-3.1.2-1); level 3 with "MQIsdp" is 3.1.
#[test]
fn mqtt_3_1_2_1_protocol_name() {
    let e = rejected(V4, "100d00044d5154580402003c000161");
    assert_eq!(e.kind(), ErrorKind::InvalidProtocolName);
    let Packet::Connect(c) = accepted(
        V4,
        &frame(0x10, &format!("{}03 02 003c {}", s("MQIsdp"), s("a"))),
    ) else {
        panic!()
    };
    assert!(c.legacy_v31);
    assert_eq!(c.protocol_version, ProtocolVersion::V311);
}

/// An unsupported protocol level is answered with return code 1 / reason 0x84 (MQTT-3.1.2-2).
#[test]
fn mqtt_3_1_2_2_unsupported_level() {
    let e = rejected(
        V4,
        &frame(0x10, &format!("{}06 02 003c {}", s("MQTT"), s("a"))),
    );
    assert_eq!(e.kind(), ErrorKind::UnsupportedProtocolLevel(6));
    assert_eq!(e.reason_code(), ReasonCode::UNSUPPORTED_PROTOCOL_VERSION);
    assert_eq!(e.offset(), 8);
}

/// The reserved connect flag must be 0 (MQTT-3.1.2-3).
#[test]
fn mqtt_3_1_2_3_reserved_connect_flag() {
    let e = rejected(V4, "100d00044d5154540403003c000161");
    assert_eq!(e.offset(), 9);
}

/// Without the will flag, will QoS and will retain are 0 (MQTT-3.1.2-11, -13, -15).
#[test]
fn mqtt_3_1_2_13_will_qos_without_will_flag() {
    for flags in ["0a", "22"] {
        rejected(
            V4,
            &frame(0x10, &format!("{}04 {flags} 003c {}", s("MQTT"), s("a"))),
        );
    }
}

/// Will QoS 3 is invalid (MQTT-3.1.2-14).
#[test]
fn mqtt_3_1_2_14_will_qos_3() {
    rejected(
        V4,
        &frame(
            0x10,
            &format!("{}04 1e 003c {}{}{}", s("MQTT"), s("a"), s("w"), s("x")),
        ),
    );
}

/// A password requires a user name in 3.1.1 (MQTT-3.1.2-22).
#[test]
fn mqtt_3_1_2_22_password_without_user_name() {
    rejected(V4, "101000044d5154540442003c000161000170");
    accepted(
        V4,
        "101c00044d51545404ce003c000263310001770003627965000175000170",
    );
}

/// A zero-byte client id requires CleanSession = 1 (MQTT-3.1.3-7); the
/// server answers 0x02 / reason 0x85 (MQTT-3.1.3-8).
#[test]
fn mqtt_3_1_3_7_empty_client_id_needs_clean_session() {
    let e = rejected(
        V4,
        &frame(0x10, &format!("{}04 00 003c {}", s("MQTT"), s(""))),
    );
    assert_eq!(e.kind(), ErrorKind::ClientIdRejected);
    assert_eq!(e.reason_code(), ReasonCode::CLIENT_IDENTIFIER_NOT_VALID);
    accepted(
        V4,
        &frame(0x10, &format!("{}04 02 003c {}", s("MQTT"), s(""))),
    );
}

/// The will topic is a topic name: no wildcards (MQTT-3.1.3-? via 4.7.1-1).
#[test]
fn mqtt_4_7_1_1_will_topic_without_wildcards() {
    rejected(
        V4,
        &frame(
            0x10,
            &format!("{}04 06 003c {}{}{}", s("MQTT"), s("a"), s("w/#"), s("x")),
        ),
    );
}

/// Fields must match the flags: bytes left after the last field are malformed.
#[test]
fn mqtt_3_1_3_trailing_bytes_after_payload() {
    let e = rejected(
        V4,
        &frame(0x10, &format!("{}04 02 003c {} 00", s("MQTT"), s("a"))),
    );
    assert!(matches!(e.kind(), ErrorKind::TrailingBytes { .. }));
}

/// CONNACK flags bits 7-1 are reserved (3.2.2.1) and session present is 0
/// with a non-zero return code (MQTT-3.2.2-4); codes 6-255 are reserved.
#[test]
fn mqtt_3_2_2_4_connack_flags_and_codes() {
    rejected(V4, "20020200");
    rejected(V4, "20020105");
    rejected(V4, "20020006");
    accepted(V4, "20020100");
}

/// PUBLISH QoS 3 is malformed (MQTT-3.3.1-4).
#[test]
fn mqtt_3_3_1_4_publish_qos_3() {
    let e = rejected(V4, "36090003612f62000a6869");
    assert!(matches!(
        e.kind(),
        ErrorKind::InvalidValue {
            field: "QoS",
            value: 3
        }
    ));
}

/// DUP is 0 for QoS 0 (MQTT-3.3.1-2): we reject it (a strictness choice the suite allows).
#[test]
fn mqtt_3_3_1_2_dup_with_qos_0() {
    rejected(V4, "38070003612f626869");
    accepted(V4, "3a090003612f6200016869"); // DUP with QoS 1 is fine
}

/// Topic names contain no wildcards (MQTT-3.3.2-2) and are not empty (MQTT-4.7.3-1).
#[test]
fn mqtt_3_3_2_2_topic_name_rules() {
    for bad in ["30070003612f236869", "300700032b2f626869", "300400006869"] {
        let e = rejected(V4, bad);
        assert!(
            matches!(e.kind(), ErrorKind::InvalidTopicName { .. }),
            "{bad}"
        );
        assert_eq!(e.offset(), 2);
    }
}

/// Strings are well-formed UTF-8 without U+0000 (MQTT-1.5.3-1, MQTT-1.5.3-2).
#[test]
fn mqtt_1_5_3_1_string_encoding() {
    assert!(matches!(
        rejected(V4, "30060002c3286869").kind(),
        ErrorKind::InvalidUtf8 { .. }
    ));
    assert!(matches!(
        rejected(V4, "300700036100626869").kind(),
        ErrorKind::NullCharacter { .. }
    ));
    // Surrogate U+D800 encoded in UTF-8 is ill-formed.
    rejected(V4, "30080003eda080006869");
}

/// A string length running past the packet is malformed, not incomplete.
#[test]
fn mqtt_1_5_3_string_length_past_packet() {
    let e = rejected(V4, "30030005612f");
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEnd { .. }));
}

/// SUBSCRIBE flags are 0010 (MQTT-3.8.1-1).
#[test]
fn mqtt_3_8_1_1_subscribe_flags() {
    rejected(V4, "80080001000361 2f2301".replace(' ', "").as_str());
}

/// SUBSCRIBE carries at least one filter (MQTT-3.8.3-3).
#[test]
fn mqtt_3_8_3_3_subscribe_without_filters() {
    assert!(matches!(
        rejected(V4, "82020001").kind(),
        ErrorKind::EmptyList { .. }
    ));
}

/// Requested QoS 0-2 with reserved bits 0 (MQTT-3-8.3-4 in 3.1.1).
#[test]
fn mqtt_3_8_3_4_subscribe_options_reserved_bits() {
    rejected(V4, "820800010003612f2303");
    rejected(V4, "820800010003612f2305"); // bit 2 is No Local only in 5.0
    accepted(5, "82090001000003612f2305");
}

/// Topic filter wildcard placement (MQTT-4.7.1-2, MQTT-4.7.1-3).
#[test]
fn mqtt_4_7_1_3_filter_wildcards() {
    rejected(V4, "820700010002612b00");
    rejected(V4, &frame(0x82, &format!("0001 {} 00", s("a/#/b"))));
    accepted(
        V4,
        &frame(0x82, &format!("0001 {} 00 {} 01", s("+/+/#"), s("/"))),
    );
}

/// SUBACK return codes other than 0, 1, 2 and 0x80 are reserved (MQTT-3.9.3-2).
#[test]
fn mqtt_3_9_3_2_suback_return_codes() {
    rejected(V4, "9003000103");
    accepted(V4, "900400010080");
}

/// UNSUBSCRIBE flags are 0010 (MQTT-3.10.1-1) and it lists at least one filter (MQTT-3.10.3-2).
#[test]
fn mqtt_3_10_3_2_unsubscribe_rules() {
    rejected(V4, "a0070002000361 2f62".replace(' ', "").as_str());
    rejected(V4, "a2020002");
    accepted(V4, "a20700020003612f62");
}

/// UNSUBACK, PINGREQ, PINGRESP and DISCONNECT have fixed sizes in 3.1.1.
#[test]
fn mqtt_3_11_fixed_size_packets() {
    for bad in ["b003000100", "c00100", "d00100", "e00100"] {
        assert!(
            matches!(rejected(V4, bad).kind(), ErrorKind::TrailingBytes { .. }),
            "{bad}"
        );
    }
    accepted(V4, "b0020001");
    accepted(V4, "e000");
}

/// Packet type 15 is reserved in 3.1.1 (2.2.1) and type 0 in both versions.
#[test]
fn mqtt_2_2_1_reserved_packet_types() {
    assert_eq!(
        rejected(V4, "f000").kind(),
        ErrorKind::ReservedPacketType(15)
    );
    assert_eq!(
        rejected(V4, "0000").kind(),
        ErrorKind::ReservedPacketType(0)
    );
}
