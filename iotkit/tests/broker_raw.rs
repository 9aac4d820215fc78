#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` against raw TCP clients built with `iot-mqtt-codec`:
//! hostile input, CONNECT edge cases, keep-alive, takeover, wills and the
//! MQTT 5 subscription features. No external peer needed.

mod broker_common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use broker_common::{Broker, Raw, disconnect_reason, pid, utf};
use bytes::Bytes;
use iot_mqtt_codec::{
    Connect, Packet, PacketId, Properties, Property, ProtocolVersion, PubAck, Publish, QoS,
    ReasonCode, Subscribe, SubscriptionOptions, Utf8Str, Will,
};

const V5: ProtocolVersion = ProtocolVersion::V5;

/// Subscribes `filters` and returns the SUBACK reason codes.
fn subscribe(c: &mut Raw, filters: &[(&str, SubscriptionOptions)], props: &[Property]) -> Vec<u8> {
    c.subscribe_to(1, filters, props)
}

#[test]
fn raw_garbage_closes_that_connection_only() {
    let b = Broker::start();
    let mut good = Raw::connect(&b, ProtocolVersion::V311, "good", |_| {});
    let mut bad = Raw::open(&b, ProtocolVersion::V311);
    bad.stream
        .write_all(b"\xff\xff\xff\xff\xffGET / HTTP/1.1\r\n\r\n")
        .unwrap();
    bad.expect_closed();
    good.ping();
}

#[test]
fn raw_v5_malformed_packet_gets_disconnect_with_the_codec_reason() {
    let b = Broker::start();
    let mut other = Raw::connect(&b, ProtocolVersion::V5, "other", |_| {});
    let mut c = Raw::connect(&b, ProtocolVersion::V5, "bad", |_| {});
    // PUBLISH whose topic length (5) runs past the packet: Malformed Packet.
    c.stream.write_all(&[0x30, 0x03, 0x00, 0x05, b'a']).unwrap();
    assert_eq!(disconnect_reason(c.recv()), ReasonCode::MALFORMED_PACKET);
    c.expect_closed();
    other.ping();
}

#[test]
fn raw_huge_remaining_length_is_refused_without_waiting_for_it() {
    let b = Broker::start_with(&["--max-packet-size", "1024"]);
    let mut c = Raw::connect(&b, ProtocolVersion::V5, "big", |_| {});
    // Remaining Length 268,435,455 (256 MB).
    c.stream.write_all(&[0x30, 0xff, 0xff, 0xff, 0x7f]).unwrap();
    assert_eq!(disconnect_reason(c.recv()), ReasonCode::PACKET_TOO_LARGE);
    c.expect_closed();
}

#[test]
fn raw_unsupported_protocol_level_is_refused() {
    let b = Broker::start();
    let mut c = Raw::open(&b, ProtocolVersion::V311);
    // CONNECT "MQTT" level 2, clean session, keep alive 60, client id "x".
    c.stream
        .write_all(&[
            0x10, 0x0d, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x02, 0x02, 0x00, 0x3c, 0x00, 0x01,
            b'x',
        ])
        .unwrap();
    match c.recv() {
        Some(Packet::ConnAck(ack)) => assert_eq!(ack.reason_code, ReasonCode(0x01)),
        other => panic!("expected CONNACK 0x01, got {other:?}"),
    }
    c.expect_closed();
}

#[test]
fn raw_v5_connect_with_reserved_flag_gets_connack_0x81_in_the_5_0_format() {
    let b = Broker::start();
    // The CONNACK is decoded as MQTT 5: reason code and an (empty) property length.
    let mut c = Raw::open(&b, ProtocolVersion::V5);
    // CONNECT "MQTT" level 5, connect flags 0x03: clean start plus the reserved
    // bit 0, which MQTT-3.1.2-3 makes a Malformed Packet.
    c.stream
        .write_all(&[
            0x10, 0x0e, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x03, 0x00, 0x3c, 0x00, 0x00,
            0x01, b'a',
        ])
        .unwrap();
    match c.recv() {
        Some(Packet::ConnAck(ack)) => assert_eq!(ack.reason_code, ReasonCode::MALFORMED_PACKET),
        other => panic!("expected CONNACK 0x81, got {other:?}"),
    }
    c.expect_closed();
}

#[test]
fn raw_v5_packet_only_a_server_sends_is_a_protocol_error() {
    let b = Broker::start();
    let mut c = Raw::connect(&b, ProtocolVersion::V5, "wrong-way", |_| {});
    // PINGRESP goes from server to client only (MQTT 5 2.1.2).
    c.stream.write_all(&[0xd0, 0x00]).unwrap();
    assert_eq!(disconnect_reason(c.recv()), ReasonCode::PROTOCOL_ERROR);
    c.expect_closed();
}

#[test]
fn mqtt_4_12_0_1_unsupported_authentication_method_gets_connack_0x8c_and_close() {
    let b = Broker::start();
    let mut c = Raw::open(&b, ProtocolVersion::V5);
    let mut connect = Connect::new(ProtocolVersion::V5, utf("scram-client"));
    connect.properties =
        Properties::from_list([Property::AuthenticationMethod(utf("SCRAM-SHA-1"))]).unwrap();
    c.send(&Packet::from(connect));
    match c.recv() {
        Some(Packet::ConnAck(ack)) => {
            assert_eq!(ack.reason_code, ReasonCode::BAD_AUTHENTICATION_METHOD);
        }
        other => panic!("expected CONNACK 0x8C, got {other:?}"),
    }
    c.expect_closed();
}

#[test]
fn raw_v311_empty_client_id_without_clean_session_is_rejected() {
    let b = Broker::start();
    let mut c = Raw::open(&b, ProtocolVersion::V311);
    // CONNECT "MQTT" level 4, no flags, keep alive 60, empty client id
    // (the codec refuses to encode it).
    c.stream
        .write_all(&[
            0x10, 0x0c, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x00, 0x00, 0x3c, 0x00, 0x00,
        ])
        .unwrap();
    match c.recv() {
        Some(Packet::ConnAck(ack)) => assert_eq!(ack.reason_code, ReasonCode(0x02)),
        other => panic!("expected CONNACK 0x02, got {other:?}"),
    }
    c.expect_closed();
}

#[test]
fn raw_v5_empty_client_id_gets_an_assigned_identifier() {
    let b = Broker::start();
    let mut c = Raw::open(&b, ProtocolVersion::V5);
    c.send(&Packet::from(Connect::new(
        ProtocolVersion::V5,
        Utf8Str::new("").unwrap(),
    )));
    let Some(Packet::ConnAck(ack)) = c.recv() else {
        panic!("no CONNACK")
    };
    assert_eq!(ack.reason_code, ReasonCode::SUCCESS);
    let assigned = ack.properties.iter().find_map(|p| match p {
        iot_mqtt_codec::Property::AssignedClientIdentifier(s) => Some(s),
        _ => None,
    });
    assert!(assigned.is_some_and(|s| !s.is_empty()));
}

#[test]
fn raw_client_that_never_sends_connect_is_dropped() {
    let b = Broker::start_with(&["--connect-timeout", "1"]);
    let mut c = Raw::open(&b, ProtocolVersion::V311);
    let started = Instant::now();
    c.expect_closed();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn raw_keep_alive_timeout_after_one_and_a_half_intervals() {
    let b = Broker::start();
    let mut c = Raw::connect(&b, ProtocolVersion::V5, "sleepy", |c| c.keep_alive = 1);
    let started = Instant::now();
    assert_eq!(disconnect_reason(c.recv()), ReasonCode::KEEP_ALIVE_TIMEOUT);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1400), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[test]
fn raw_second_connect_with_same_client_id_takes_over() {
    let b = Broker::start();
    let mut first = Raw::connect(&b, ProtocolVersion::V5, "same", |_| {});
    let mut second = Raw::connect(&b, ProtocolVersion::V5, "same", |_| {});
    assert_eq!(
        disconnect_reason(first.recv()),
        ReasonCode::SESSION_TAKEN_OVER
    );
    first.expect_closed();
    second.ping();
}

#[test]
fn raw_will_published_on_abnormal_disconnect_only() {
    let b = Broker::start();
    let mut watcher = Raw::connect(&b, ProtocolVersion::V311, "watcher", |_| {});
    let filters = vec![(
        Utf8Str::new("wills/#").unwrap(),
        SubscriptionOptions::new(QoS::AtLeastOnce),
    )];
    watcher.send(&Packet::Subscribe(Subscribe::new(
        PacketId::new(1).unwrap(),
        filters,
    )));
    assert!(matches!(watcher.recv(), Some(Packet::SubAck(_))));
    let will = |topic: &'static str| {
        move |c: &mut Connect| {
            c.will = Some(Will {
                qos: QoS::AtLeastOnce,
                retain: false,
                properties: iot_mqtt_codec::Properties::new(),
                topic: Utf8Str::new(topic).unwrap(),
                payload: bytes::Bytes::from_static(b"gone"),
            });
        }
    };
    // A clean DISCONNECT discards the will.
    let mut polite = Raw::connect(&b, ProtocolVersion::V311, "polite", will("wills/polite"));
    polite.send(&Packet::Disconnect(iot_mqtt_codec::Disconnect::default()));
    polite.expect_closed();
    // Dropping the socket publishes it.
    let rude = Raw::connect(&b, ProtocolVersion::V311, "rude", will("wills/rude"));
    drop(rude);
    match watcher.recv() {
        Some(Packet::Publish(p)) => {
            assert_eq!(p.topic.as_str(), "wills/rude");
            assert_eq!(&p.payload[..], b"gone");
        }
        other => panic!("expected the will, got {other:?}"),
    }
    // MQTT 5 DISCONNECT 0x04 asks for it (3.14.2.1).
    let mut asker = Raw::connect(&b, V5, "asker", will("wills/asked"));
    let d = iot_mqtt_codec::Disconnect {
        reason_code: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
        ..Default::default()
    };
    asker.send(&Packet::Disconnect(d));
    asker.expect_closed();
    match watcher.recv() {
        Some(Packet::Publish(p)) => assert_eq!(p.topic.as_str(), "wills/asked"),
        other => panic!("expected the will, got {other:?}"),
    }
}

#[test]
fn raw_v5_subscription_identifier_no_local_and_user_properties() {
    let b = Broker::start();
    let mut me = Raw::connect(&b, V5, "me", |_| {});
    let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    opts.no_local = true;
    let codes = subscribe(
        &mut me,
        &[("t/#", opts)],
        &[Property::SubscriptionIdentifier(7)],
    );
    assert_eq!(codes, [1]);
    // No Local: our own publish is not sent back (MQTT-3.8.3-3).
    me.send(&Packet::Publish(Publish::new(
        utf("t/own"),
        Bytes::from_static(b"x"),
    )));
    let mut other = Raw::connect(&b, V5, "other", |_| {});
    let mut p = Publish::new(utf("t/x"), Bytes::from_static(b"hi"));
    p.properties = Properties::from_list([Property::UserProperty(utf("k"), utf("v"))]).unwrap();
    other.send(&Packet::Publish(p));
    let got = me.recv_publish();
    assert_eq!(got.topic.as_str(), "t/x");
    assert_eq!(got.qos, QoS::AtMostOnce);
    assert_eq!(
        got.properties
            .subscription_identifiers()
            .collect::<Vec<_>>(),
        [7]
    );
    let users: Vec<_> = got
        .properties
        .user_properties()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
        .collect();
    assert_eq!(users, [("k".to_owned(), "v".to_owned())]);
}

#[test]
fn raw_v5_maximum_packet_size_of_the_client_is_honoured() {
    let b = Broker::start();
    let mut small = Raw::connect(&b, V5, "small", |c| {
        c.properties = Properties::from_list([Property::MaximumPacketSize(100)]).unwrap();
    });
    assert_eq!(
        subscribe(
            &mut small,
            &[("big/#", SubscriptionOptions::new(QoS::AtMostOnce))],
            &[]
        ),
        [0]
    );
    let mut other = Raw::connect(&b, V5, "other", |_| {});
    let big = Bytes::from(vec![b'x'; 500]);
    other.send(&Packet::Publish(Publish::new(utf("big/1"), big)));
    other.send(&Packet::Publish(Publish::new(
        utf("big/2"),
        Bytes::from_static(b"ok"),
    )));
    // MQTT-3.1.2-25: the oversized message is dropped, not sent.
    assert_eq!(small.recv_publish().topic.as_str(), "big/2");
}

#[test]
fn raw_v5_receive_maximum_limits_messages_in_flight() {
    let b = Broker::start();
    let mut slow = Raw::connect(&b, V5, "slow", |c| {
        c.properties = Properties::from_list([Property::ReceiveMaximum(1)]).unwrap();
    });
    assert_eq!(
        subscribe(
            &mut slow,
            &[("rm/#", SubscriptionOptions::new(QoS::AtLeastOnce))],
            &[]
        ),
        [1]
    );
    let mut other = Raw::connect(&b, V5, "other", |_| {});
    for (i, topic) in ["rm/1", "rm/2"].into_iter().enumerate() {
        let mut p = Publish::new(utf(topic), Bytes::from_static(b"m"));
        p.qos = QoS::AtLeastOnce;
        p.packet_id = Some(pid(u16::try_from(i).unwrap() + 1));
        other.send(&Packet::Publish(p));
        assert!(matches!(other.recv(), Some(Packet::PubAck(_))));
    }
    let first = slow.recv_publish();
    assert_eq!(first.topic.as_str(), "rm/1");
    // MQTT-3.3.4-9: nothing more until the first is acknowledged.
    slow.expect_silence(Duration::from_millis(500));
    slow.send(&Packet::PubAck(PubAck::new(first.packet_id.unwrap())));
    assert_eq!(slow.recv_publish().topic.as_str(), "rm/2");
}

#[test]
fn raw_v5_shared_subscriptions_are_granted_per_filter() {
    let b = Broker::start();
    let mut c = Raw::connect(&b, V5, "sharer", |_| {});
    let codes = subscribe(
        &mut c,
        &[
            ("$share/g/t", SubscriptionOptions::new(QoS::AtMostOnce)),
            ("ok/+", SubscriptionOptions::new(QoS::ExactlyOnce)),
        ],
        &[],
    );
    assert_eq!(codes, [0, 2]);
}

#[test]
fn raw_v311_qos_2_outbound_flow_completes() {
    let b = Broker::start();
    let mut c = Raw::connect(&b, ProtocolVersion::V311, "q2", |_| {});
    assert_eq!(
        subscribe(
            &mut c,
            &[("q2/#", SubscriptionOptions::new(QoS::ExactlyOnce))],
            &[]
        ),
        [2]
    );
    let mut p = Publish::new(utf("q2/a"), Bytes::from_static(b"once"));
    p.qos = QoS::ExactlyOnce;
    p.packet_id = Some(pid(9));
    c.send(&Packet::Publish(p.clone()));
    // Our own inbound QoS 2 exchange and the delivery interleave; collect both.
    let mut delivered = None;
    let mut rec_seen = false;
    while delivered.is_none() || !rec_seen {
        match c.recv() {
            Some(Packet::PubRec(r)) => {
                assert_eq!(r.packet_id, pid(9));
                rec_seen = true;
            }
            Some(Packet::Publish(d)) => delivered = Some(d),
            other => panic!("unexpected {other:?}"),
        }
    }
    // A DUP resend before PUBREL is not delivered again (4.3.3).
    p.dup = true;
    c.send(&Packet::Publish(p));
    assert!(matches!(c.recv(), Some(Packet::PubRec(_))));
    c.send(&Packet::PubRel(iot_mqtt_codec::PubRel::new(pid(9))));
    assert!(matches!(c.recv(), Some(Packet::PubComp(_))));
    let d = delivered.unwrap();
    assert_eq!(d.qos, QoS::ExactlyOnce);
    let id = d.packet_id.unwrap();
    c.send(&Packet::PubRec(iot_mqtt_codec::PubRec::new(id)));
    match c.recv() {
        Some(Packet::PubRel(r)) => assert_eq!(r.packet_id, id),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    c.send(&Packet::PubComp(iot_mqtt_codec::PubComp::new(id)));
    c.ping();
}

#[test]
fn raw_slow_loris_connect_is_cut_by_the_connect_timeout() {
    let b = Broker::start_with(&["--connect-timeout", "1"]);
    let mut c = Raw::open(&b, ProtocolVersion::V311);
    let started = Instant::now();
    // A CONNECT trickled one byte every 300 ms never completes in time.
    for byte in [0x10u8, 0x0d, 0x00, 0x04, b'M', b'Q', b'T', b'T'] {
        if c.stream.write_all(&[byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    c.expect_closed();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn stats_line_printed_every_interval() {
    let b = Broker::start_with(&["--stats", "1"]);
    let _c = Raw::connect(&b, V5, "counted", |_| {});
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let line = b
            .stdout
            .recv_timeout(Duration::from_secs(3))
            .expect("a stats line");
        assert!(line.starts_with("stats: connections="), "{line}");
        if line.starts_with("stats: connections=1 ") {
            for field in [" msgs_in/s=", " msgs_out/s=", " retained=", " dropped="] {
                assert!(line.contains(field), "{line}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never saw the connection counted"
        );
    }
}
