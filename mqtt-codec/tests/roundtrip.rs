//! Property tests: decode(encode(p)) == p for valid packets of both
//! versions; every strict prefix of a valid frame is incomplete; arbitrary
//! bytes never panic; the borrowed decoder (`decode_ref`) agrees with the
//! owned one on valid, mutated and arbitrary input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{
    Auth, ConnAck, Connect, Decoder, Disconnect, Packet, PacketId, Properties, Property,
    ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, QoS, ReasonCode, RetainHandling,
    Role, SubAck, Subscribe, SubscriptionOptions, UnsubAck, Unsubscribe, Utf8Str, Will,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = Utf8Str> {
    "[^\u{0}]{0,12}".prop_map(|s| Utf8Str::new(&s).unwrap())
}

fn topic() -> impl Strategy<Value = Utf8Str> {
    "[a-z0-9/$é]{1,24}".prop_map(|s| Utf8Str::new(&s).unwrap())
}

fn filter() -> impl Strategy<Value = Utf8Str> {
    (
        prop::collection::vec(prop::sample::select(vec!["a", "b", "+", "", "é"]), 1..5),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str(if f.is_empty() { "#" } else { "/#" });
            }
            if f.is_empty() {
                f.push('x');
            }
            Utf8Str::new(&f).unwrap()
        })
}

fn bin() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..16).prop_map(Bytes::from)
}

fn property() -> impl Strategy<Value = Property> {
    prop_oneof![
        (0u8..2).prop_map(Property::PayloadFormatIndicator),
        any::<u32>().prop_map(Property::MessageExpiryInterval),
        text().prop_map(Property::ContentType),
        topic().prop_map(Property::ResponseTopic),
        bin().prop_map(Property::CorrelationData),
        (1u32..=268_435_455).prop_map(Property::SubscriptionIdentifier),
        any::<u32>().prop_map(Property::SessionExpiryInterval),
        text().prop_map(Property::AssignedClientIdentifier),
        any::<u16>().prop_map(Property::ServerKeepAlive),
        text().prop_map(Property::AuthenticationMethod),
        (0u8..2).prop_map(Property::RequestProblemInformation),
        any::<u32>().prop_map(Property::WillDelayInterval),
        (0u8..2).prop_map(Property::RequestResponseInformation),
        text().prop_map(Property::ResponseInformation),
        text().prop_map(Property::ServerReference),
        text().prop_map(Property::ReasonString),
        (1u16..).prop_map(Property::ReceiveMaximum),
        any::<u16>().prop_map(Property::TopicAliasMaximum),
        (1u16..).prop_map(Property::TopicAlias),
        (0u8..2).prop_map(Property::MaximumQoS),
        (0u8..2).prop_map(Property::RetainAvailable),
        (text(), text()).prop_map(|(k, v)| Property::UserProperty(k, v)),
        (1u32..).prop_map(Property::MaximumPacketSize),
        (0u8..2).prop_map(Property::WildcardSubscriptionAvailable),
        (0u8..2).prop_map(Property::SubscriptionIdentifierAvailable),
        (0u8..2).prop_map(Property::SharedSubscriptionAvailable),
    ]
}

// The allow-list of MQTT 5 section 2.2.2.2, per packet.
const CONNECT: &[u8] = &[0x11, 0x15, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27];
const CONNACK: &[u8] = &[
    0x11, 0x12, 0x13, 0x15, 0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
];
const PUBLISH: &[u8] = &[0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26];
const WILL: &[u8] = &[0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26];
const ACK: &[u8] = &[0x1F, 0x26];
const SUBSCRIBE: &[u8] = &[0x0B, 0x26];
const UNSUBSCRIBE: &[u8] = &[0x26];
const DISCONNECT: &[u8] = &[0x11, 0x1C, 0x1F, 0x26];
const AUTH: &[u8] = &[0x15, 0x1F, 0x26];

fn props(v5: bool, allowed: &'static [u8], publish: bool) -> BoxedStrategy<Properties> {
    if !v5 {
        return Just(Properties::new()).boxed();
    }
    prop::collection::vec(property(), 0..6)
        .prop_map(move |list| {
            let mut seen = Vec::new();
            let kept: Vec<Property> = list
                .into_iter()
                .filter(|p| {
                    let id = p.id();
                    let repeat = id == 0x26 || (publish && id == 0x0B);
                    let ok = allowed.contains(&id) && (repeat || !seen.contains(&id));
                    seen.push(id);
                    ok
                })
                .collect();
            Properties::from_list(kept).unwrap()
        })
        .boxed()
}

fn pid() -> impl Strategy<Value = PacketId> {
    (1u16..).prop_map(|n| PacketId::new(n).unwrap())
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn code(codes: &'static [u8]) -> impl Strategy<Value = ReasonCode> {
    prop::sample::select(codes).prop_map(ReasonCode)
}

fn packet(v5: bool) -> BoxedStrategy<Packet> {
    let version = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V311
    };
    let ack_codes: &'static [u8] = if v5 {
        &[0x00, 0x10, 0x80, 0x87, 0x99]
    } else {
        &[0]
    };
    let rel_codes: &'static [u8] = if v5 { &[0x00, 0x92] } else { &[0] };
    let will = (qos(), any::<bool>(), props(v5, WILL, false), topic(), bin()).prop_map(
        |(qos, retain, properties, topic, payload)| Will {
            qos,
            retain,
            properties,
            topic,
            payload,
        },
    );
    let connect = (
        any::<bool>(),
        any::<u16>(),
        props(v5, CONNECT, false),
        text(),
        prop::option::of(will),
        prop::option::of(text()),
        prop::option::of(bin()),
    )
        .prop_map(
            move |(clean, keep_alive, properties, client_id, will, username, password)| {
                let mut c = Connect::new(version, client_id);
                c.clean_start = clean || (!v5 && c.client_id.is_empty());
                c.keep_alive = keep_alive;
                c.properties = properties;
                c.will = will;
                c.username = username.clone();
                c.password = if v5 || username.is_some() {
                    password
                } else {
                    None
                };
                Packet::from(c)
            },
        );
    let connack_codes: &'static [u8] = if v5 {
        &[0x00, 0x80, 0x84, 0x87, 0x9F]
    } else {
        &[0, 1, 2, 3, 4, 5]
    };
    let connack = (
        any::<bool>(),
        code(connack_codes),
        props(v5, CONNACK, false),
    )
        .prop_map(|(sp, rc, properties)| {
            Packet::ConnAck(ConnAck {
                session_present: sp && rc == ReasonCode::SUCCESS,
                reason_code: rc,
                properties,
            })
        });
    let publish = (
        any::<bool>(),
        qos(),
        any::<bool>(),
        topic(),
        pid(),
        props(v5, PUBLISH, true),
        bin(),
    )
        .prop_map(|(dup, qos, retain, topic, id, properties, payload)| {
            let qos0 = qos == QoS::AtMostOnce;
            Packet::Publish(Publish {
                dup: dup && !qos0,
                qos,
                retain,
                topic,
                packet_id: (!qos0).then_some(id),
                properties,
                payload,
            })
        });
    let acks = (
        0u8..4,
        pid(),
        code(ack_codes),
        code(rel_codes),
        props(v5, ACK, false),
    )
        .prop_map(|(kind, id, rc, rel, properties)| match kind {
            0 => Packet::PubAck(PubAck {
                packet_id: id,
                reason_code: rc,
                properties,
            }),
            1 => Packet::PubRec(PubRec {
                packet_id: id,
                reason_code: rc,
                properties,
            }),
            2 => Packet::PubRel(PubRel {
                packet_id: id,
                reason_code: rel,
                properties,
            }),
            _ => Packet::PubComp(PubComp {
                packet_id: id,
                reason_code: rel,
                properties,
            }),
        });
    let options =
        (qos(), any::<bool>(), any::<bool>(), 0u8..3).prop_map(move |(qos, nl, rap, rh)| {
            if v5 {
                SubscriptionOptions {
                    qos,
                    no_local: nl,
                    retain_as_published: rap,
                    retain_handling: [
                        RetainHandling::SendAtSubscribe,
                        RetainHandling::SendIfNew,
                        RetainHandling::DoNotSend,
                    ][usize::from(rh)],
                }
            } else {
                SubscriptionOptions::new(qos)
            }
        });
    let subscribe = (
        pid(),
        props(v5, SUBSCRIBE, false),
        prop::collection::vec((filter(), options), 1..5),
    )
        .prop_map(|(packet_id, properties, filters)| {
            Packet::Subscribe(Subscribe {
                packet_id,
                properties,
                filters,
            })
        });
    let suback_codes: &'static [u8] = if v5 {
        &[0, 1, 2, 0x80, 0x8F, 0xA2]
    } else {
        &[0, 1, 2, 0x80]
    };
    let suback = (
        pid(),
        props(v5, ACK, false),
        prop::collection::vec(code(suback_codes), 1..5),
    )
        .prop_map(|(packet_id, properties, reason_codes)| {
            Packet::SubAck(SubAck {
                packet_id,
                properties,
                reason_codes,
            })
        });
    let unsubscribe = (
        pid(),
        props(v5, UNSUBSCRIBE, false),
        prop::collection::vec(filter(), 1..5),
    )
        .prop_map(|(packet_id, properties, filters)| {
            Packet::Unsubscribe(Unsubscribe {
                packet_id,
                properties,
                filters,
            })
        });
    let unsuback = (
        pid(),
        props(v5, ACK, false),
        prop::collection::vec(code(&[0, 0x11, 0x80, 0x91]), 1..4),
    )
        .prop_map(move |(packet_id, properties, codes)| {
            Packet::UnsubAck(UnsubAck {
                packet_id,
                properties,
                reason_codes: if v5 { codes } else { Vec::new() },
            })
        });
    let disc_codes: &'static [u8] = if v5 {
        &[0x00, 0x04, 0x81, 0x8E, 0xA2]
    } else {
        &[0]
    };
    let disconnect =
        (code(disc_codes), props(v5, DISCONNECT, false)).prop_map(|(reason_code, properties)| {
            Packet::Disconnect(Disconnect {
                reason_code,
                properties,
            })
        });
    let mut all = vec![
        connect.boxed(),
        connack.boxed(),
        publish.boxed(),
        acks.boxed(),
        subscribe.boxed(),
        suback.boxed(),
        unsubscribe.boxed(),
        unsuback.boxed(),
        disconnect.boxed(),
        Just(Packet::PingReq).boxed(),
        Just(Packet::PingResp).boxed(),
    ];
    if v5 {
        let auth = (code(&[0x00, 0x18, 0x19]), props(true, AUTH, false)).prop_map(
            |(reason_code, properties)| {
                Packet::Auth(Auth {
                    reason_code,
                    properties,
                })
            },
        );
        all.push(auth.boxed());
    }
    prop::strategy::Union::new(all).boxed()
}

fn decoder(v5: bool, role: u8, check: bool, max: u32) -> Decoder {
    let v = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V311
    };
    let d = Decoder::new(v)
        .with_payload_format_check(check)
        .with_max_packet_size(max);
    match role {
        1 => d.with_role(Role::Server),
        2 => d.with_role(Role::Client),
        _ => d,
    }
}

fn encode(p: &Packet, v: ProtocolVersion) -> BytesMut {
    let mut buf = BytesMut::new();
    let n = p.encode(v, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    assert_eq!(p.encoded_len(v), buf.len());
    buf
}

fn roundtrip(p: &Packet, v: ProtocolVersion) {
    let wire = encode(p, v);
    let _ = common::decode_both(&Decoder::new(v), &wire);
    let mut buf = wire.clone();
    let decoded = Decoder::new(v).decode(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty());
    assert_eq!(&decoded, p);
    // Every strict prefix is incomplete and consumes nothing.
    for cut in 0..wire.len() {
        let mut prefix = BytesMut::from(&wire[..cut]);
        assert_eq!(
            Decoder::new(v).decode(&mut prefix).unwrap(),
            None,
            "prefix {cut}"
        );
        assert_eq!(Decoder::new(v).decode_ref(&wire[..cut]).unwrap(), None);
        assert_eq!(prefix.len(), cut);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn v311_decode_encode_roundtrip(p in packet(false)) {
        roundtrip(&p, ProtocolVersion::V311);
    }

    #[test]
    fn v5_decode_encode_roundtrip(p in packet(true)) {
        roundtrip(&p, ProtocolVersion::V5);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), v5 in any::<bool>()) {
        let v = if v5 { ProtocolVersion::V5 } else { ProtocolVersion::V311 };
        let mut buf = BytesMut::from(&bytes[..]);
        if let Ok(Some(p)) = Decoder::new(v).decode(&mut buf) {
            // Whatever is accepted re-encodes and decodes to the same packet.
            let wire = encode(&p, v);
            let again = Decoder::new(v).decode(&mut wire.clone()).unwrap().unwrap();
            prop_assert_eq!(again, p);
        }
    }

    /// The borrowed decoder agrees with the owned one on arbitrary input
    /// under every decoder setting: the same packet, or the same error.
    #[test]
    fn decode_ref_agrees_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..96),
        v5 in any::<bool>(),
        role in 0u8..3,
        check in any::<bool>(),
        max in prop_oneof![Just(u32::MAX), 2u32..64],
    ) {
        let _ = common::decode_both(&decoder(v5, role, check, max), &bytes);
    }

    /// The same on valid frames with one byte changed (mostly invalid
    /// packets deep inside a well-formed frame).
    #[test]
    fn decode_ref_agrees_on_mutated_frames(
        p in packet(true),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        role in 0u8..3,
        check in any::<bool>(),
    ) {
        let mut wire = encode(&p, ProtocolVersion::V5);
        let i = at.index(wire.len());
        wire[i] = byte;
        let _ = common::decode_both(&decoder(true, role, check, u32::MAX), &wire);
        let _ = common::decode_both(&decoder(false, role, check, u32::MAX), &wire);
    }

    #[test]
    fn mutated_valid_frames_never_panic(p in packet(true), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut wire = encode(&p, ProtocolVersion::V5);
        let i = at.index(wire.len());
        wire[i] = byte;
        if let Ok(Some(q)) = Decoder::new(ProtocolVersion::V5).decode(&mut wire) {
            let again = encode(&q, ProtocolVersion::V5);
            let back = Decoder::new(ProtocolVersion::V5).decode(&mut again.clone()).unwrap().unwrap();
            prop_assert_eq!(back, q);
        }
    }
}
