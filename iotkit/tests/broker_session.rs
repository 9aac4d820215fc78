#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` sessions that outlive their connection (MQTT 3.1.1 Clean
//! Session 0, MQTT 5 Session Expiry Interval), redelivery, Will Delay,
//! Message Expiry, inbound topic aliases and the AWS IoT lifecycle events.
//! Expected values come from the MQTT 5 / 3.1.1 specifications and the AWS
//! IoT "Lifecycle events" and "MQTT persistent sessions" pages.

mod broker_common;

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use broker_common::{
    Broker, Raw, WAIT, disconnect_reason, paho_script, peers, pid, run_bounded, scratch_dir, utf,
};
use bytes::Bytes;
use iot_mqtt_codec::{
    Connect, Disconnect, Packet, Properties, Property, ProtocolVersion, PubAck, PubRec, Publish,
    QoS, ReasonCode, SubscriptionOptions, Will,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V311;

fn props(list: &[Property]) -> Properties {
    Properties::from_list(list.iter().cloned()).unwrap()
}

/// CONNECT edit: Clean Start 0 and (5.0) Session Expiry Interval `expiry`.
fn persistent(expiry: u32) -> impl FnOnce(&mut Connect) {
    move |c: &mut Connect| {
        c.clean_start = false;
        if c.protocol_version == V5 {
            c.properties = props(&[Property::SessionExpiryInterval(expiry)]);
        }
    }
}

fn subscribe(c: &mut Raw, filter: &str, qos: QoS) {
    let granted = c.subscribe_to(1, &[(filter, SubscriptionOptions::new(qos))], &[]);
    assert_eq!(granted, [u8::from(qos)]);
}

/// Publishes and waits for the PUBACK of a QoS 1 message.
fn publish(c: &mut Raw, topic: &str, payload: &str, qos: QoS, properties: &[Property]) {
    let mut p = Publish::new(utf(topic), Bytes::copy_from_slice(payload.as_bytes()));
    p.qos = qos;
    p.properties = props(properties);
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(7));
    }
    c.send(&Packet::Publish(p));
    if qos == QoS::AtLeastOnce {
        match c.recv() {
            Some(Packet::PubAck(a)) => assert_eq!(a.reason_code, ReasonCode::SUCCESS),
            other => panic!("expected PUBACK, got {other:?}"),
        }
    }
}

fn ack(c: &mut Raw, p: &Publish) {
    c.send(&Packet::PubAck(PubAck::new(p.packet_id.unwrap())));
}

fn disconnect(mut c: Raw) {
    c.send(&Packet::Disconnect(Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: Properties::new(),
    }));
    c.expect_closed();
}

fn payload(p: &Publish) -> &str {
    std::str::from_utf8(&p.payload).unwrap()
}

#[test]
fn mqtt_3_2_2_3_v5_offline_qos1_message_queued_and_session_present_on_reconnect() {
    let b = Broker::start();
    let (mut s, ack0) = Raw::connect_ack(&b, V5, "sess-q", persistent(60));
    assert!(!ack0.session_present, "MQTT-3.2.2-2: no session yet");
    subscribe(&mut s, "q/t", QoS::AtLeastOnce);
    disconnect(s);
    let mut p = Raw::connect(&b, V5, "pub-q", |_| {});
    publish(&mut p, "q/t", "while offline", QoS::AtLeastOnce, &[]);
    let (mut s, ack1) = Raw::connect_ack(&b, V5, "sess-q", persistent(60));
    assert!(ack1.session_present, "MQTT-3.2.2-3: session resumed");
    let m = s.recv_publish();
    assert_eq!(m.topic.as_str(), "q/t");
    assert_eq!(payload(&m), "while offline");
    assert_eq!(m.qos, QoS::AtLeastOnce);
    ack(&mut s, &m);
    // The subscription itself was kept: a new message arrives too.
    publish(&mut p, "q/t", "online again", QoS::AtLeastOnce, &[]);
    assert_eq!(payload(&s.recv_publish()), "online again");
}

#[test]
fn mqtt_4_4_0_1_unacknowledged_qos1_resent_with_dup_after_reconnect() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-dup", persistent(60));
    subscribe(&mut s, "d/t", QoS::AtLeastOnce);
    let mut p = Raw::connect(&b, V5, "pub-dup", |_| {});
    publish(&mut p, "d/t", "first", QoS::AtLeastOnce, &[]);
    publish(&mut p, "d/t", "second", QoS::AtLeastOnce, &[]);
    let m1 = s.recv_publish();
    let m2 = s.recv_publish();
    assert!(!m1.dup && !m2.dup);
    // The connection drops without PUBACK.
    drop(s);
    let (mut s, ack) = Raw::connect_ack(&b, V5, "sess-dup", persistent(60));
    assert!(ack.session_present);
    let r1 = s.recv_publish();
    let r2 = s.recv_publish();
    // Same packet ids, DUP set, original order (MQTT-4.4.0-1, MQTT-3.3.1-1).
    assert!(r1.dup && r2.dup, "{r1:?} {r2:?}");
    assert_eq!((payload(&r1), r1.packet_id), ("first", m1.packet_id));
    assert_eq!((payload(&r2), r2.packet_id), ("second", m2.packet_id));
}

#[test]
fn mqtt_4_4_0_1_pubrel_resent_for_a_pubrecd_qos2_message() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-q2", persistent(60));
    subscribe(&mut s, "e/t", QoS::ExactlyOnce);
    let mut p = Raw::connect(&b, V5, "pub-q2", |_| {});
    publish(&mut p, "e/t", "two", QoS::ExactlyOnce, &[]);
    let m = s.recv_publish();
    let id = m.packet_id.unwrap();
    s.send(&Packet::PubRec(PubRec::new(id)));
    match s.recv() {
        Some(Packet::PubRel(r)) => assert_eq!(r.packet_id, id),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    drop(s);
    let (mut s, ack) = Raw::connect_ack(&b, V5, "sess-q2", persistent(60));
    assert!(ack.session_present);
    match s.recv() {
        Some(Packet::PubRel(r)) => assert_eq!(r.packet_id, id),
        other => panic!("expected the PUBREL again, got {other:?}"),
    }
}

#[test]
fn mqtt_3_1_2_4_clean_start_discards_the_stored_session() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-clean", persistent(60));
    subscribe(&mut s, "c/t", QoS::AtLeastOnce);
    disconnect(s);
    let mut p = Raw::connect(&b, V5, "pub-clean", |_| {});
    publish(&mut p, "c/t", "queued", QoS::AtLeastOnce, &[]);
    let (mut s, ack) = Raw::connect_ack(&b, V5, "sess-clean", |c| {
        c.clean_start = true;
        c.properties = props(&[Property::SessionExpiryInterval(60)]);
    });
    assert!(!ack.session_present, "MQTT-3.2.2-2");
    // Neither the queued message nor the old subscription survive: the
    // first message this client gets is on its new subscription.
    subscribe(&mut s, "c/marker", QoS::AtLeastOnce);
    publish(&mut p, "c/t", "after clean start", QoS::AtLeastOnce, &[]);
    publish(&mut p, "c/marker", "marker", QoS::AtLeastOnce, &[]);
    let m = s.recv_publish();
    assert_eq!((m.topic.as_str(), payload(&m)), ("c/marker", "marker"));
}

#[test]
fn mqtt_3_1_2_11_session_expired_then_reconnect_gets_session_present_0() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-exp", persistent(1));
    subscribe(&mut s, "x/t", QoS::AtLeastOnce);
    disconnect(s);
    sleep(Duration::from_millis(3000));
    let mut p = Raw::connect(&b, V5, "pub-exp", |_| {});
    publish(&mut p, "x/t", "after expiry", QoS::AtLeastOnce, &[]);
    let (mut s, ack) = Raw::connect_ack(&b, V5, "sess-exp", persistent(60));
    assert!(!ack.session_present, "the session expired after 1 s");
    subscribe(&mut s, "x/marker", QoS::AtLeastOnce);
    publish(&mut p, "x/marker", "marker", QoS::AtLeastOnce, &[]);
    assert_eq!(payload(&s.recv_publish()), "marker");
}

#[test]
fn mqtt_3_14_2_2_session_expiry_set_to_0_at_disconnect_ends_the_session() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-disc0", persistent(60));
    subscribe(&mut s, "z/t", QoS::AtLeastOnce);
    s.send(&Packet::Disconnect(Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: props(&[Property::SessionExpiryInterval(0)]),
    }));
    s.expect_closed();
    let (_s, ack) = Raw::connect_ack(&b, V5, "sess-disc0", persistent(60));
    assert!(!ack.session_present);
}

#[test]
fn mqtt_3_14_2_2_nonzero_expiry_at_disconnect_after_0_is_a_protocol_error() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-disc-bad", |_| {});
    s.send(&Packet::Disconnect(Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: props(&[Property::SessionExpiryInterval(30)]),
    }));
    assert_eq!(disconnect_reason(s.recv()), ReasonCode::PROTOCOL_ERROR);
}

#[test]
fn v311_clean_session_0_keeps_subscription_and_queue() {
    let b = Broker::start();
    let (mut s, ack0) = Raw::connect_ack(&b, V311, "sess-311", persistent(0));
    assert!(!ack0.session_present);
    subscribe(&mut s, "v/t", QoS::AtLeastOnce);
    disconnect(s);
    let mut p = Raw::connect(&b, V311, "pub-311", |_| {});
    publish(&mut p, "v/t", "for 3.1.1", QoS::AtLeastOnce, &[]);
    let (mut s, ack) = Raw::connect_ack(&b, V311, "sess-311", persistent(0));
    assert!(ack.session_present, "MQTT-3.2.2-2 (3.1.1)");
    assert_eq!(payload(&s.recv_publish()), "for 3.1.1");
}

#[test]
fn v311_persistent_session_expiry_flag_expires_clean_session_0() {
    let b = Broker::start_with(&["--persistent-session-expiry", "1"]);
    let (s, _) = Raw::connect_ack(&b, V311, "sess-311-exp", persistent(0));
    disconnect(s);
    sleep(Duration::from_millis(3000));
    let (_s, ack) = Raw::connect_ack(&b, V311, "sess-311-exp", persistent(0));
    assert!(!ack.session_present);
}

#[test]
fn mosquitto_sub_clean_session_0_receives_message_published_while_offline() {
    if !peers(&[&["mosquitto_sub", "--help"], &["mosquitto_pub", "--help"]]) {
        return;
    }
    let b = Broker::start();
    let port = b.port();
    let sub = |extra: &[&str]| {
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-V",
            "311",
            "-c",
            "-i",
            "mosq-c0",
        ])
        .args(["-q", "1", "-t", "m/t"])
        .args(extra);
        run_bounded(&mut cmd, WAIT + WAIT)
    };
    // -E: subscribe, then disconnect at once (the session stays).
    let out = sub(&["-E"]);
    assert!(out.status.success(), "{out:?}");
    let out = run_bounded(
        Command::new("mosquitto_pub").args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-V",
            "311",
            "-q",
            "1",
            "-t",
            "m/t",
            "-m",
            "stored",
        ]),
        WAIT,
    );
    assert!(out.status.success(), "{out:?}");
    let out = sub(&["-C", "1", "-W", "10"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "stored");
}

/// A CONNECT edit: persistent session `expiry` with a will on `topic`
/// delayed by `delay` seconds.
fn with_will(expiry: u32, topic: &str, delay: u32) -> impl FnOnce(&mut Connect) {
    let topic = utf(topic);
    move |c: &mut Connect| {
        persistent(expiry)(c);
        c.will = Some(Will {
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: props(&[Property::WillDelayInterval(delay)]),
            topic,
            payload: Bytes::from_static(b"gone"),
        });
    }
}

#[test]
fn mqtt_3_1_3_9_will_published_after_the_will_delay() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V5, "watch-wd", |_| {});
    subscribe(&mut w, "will/wd", QoS::AtLeastOnce);
    let (c, _) = Raw::connect_ack(&b, V5, "will-wd", with_will(60, "will/wd", 1));
    let dropped = Instant::now();
    drop(c);
    let m = w.recv_publish();
    assert_eq!((m.topic.as_str(), payload(&m)), ("will/wd", "gone"));
    assert!(
        dropped.elapsed() >= Duration::from_millis(900),
        "will sent before its 1 s delay: {:?}",
        dropped.elapsed()
    );
}

#[test]
fn mqtt_3_1_3_9_will_delay_cancelled_by_a_reconnect() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V5, "watch-wc", |_| {});
    subscribe(&mut w, "will/wc", QoS::AtLeastOnce);
    let (c, _) = Raw::connect_ack(&b, V5, "will-wc", with_will(60, "will/wc", 2));
    drop(c);
    let (_c, ack) = Raw::connect_ack(&b, V5, "will-wc", persistent(60));
    assert!(ack.session_present);
    // Past the 2 s delay: the first message on the topic is the marker.
    sleep(Duration::from_millis(3500));
    let mut p = Raw::connect(&b, V5, "pub-wc", |_| {});
    publish(&mut p, "will/wc", "marker", QoS::AtLeastOnce, &[]);
    assert_eq!(payload(&w.recv_publish()), "marker");
}

#[test]
fn mqtt_3_1_3_9_will_published_when_the_session_ends_before_the_delay() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V5, "watch-we", |_| {});
    subscribe(&mut w, "will/we", QoS::AtLeastOnce);
    let (c, _) = Raw::connect_ack(&b, V5, "will-we", with_will(1, "will/we", 300));
    let dropped = Instant::now();
    drop(c);
    let m = w.recv_publish();
    assert_eq!(payload(&m), "gone");
    assert!(dropped.elapsed() < WAIT);
}

#[test]
fn mqtt_3_3_2_6_queued_message_expiry_reduced_by_the_time_waited() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-me", persistent(60));
    subscribe(&mut s, "me/t", QoS::AtLeastOnce);
    disconnect(s);
    let mut p = Raw::connect(&b, V5, "pub-me", |_| {});
    publish(
        &mut p,
        "me/t",
        "short",
        QoS::AtLeastOnce,
        &[Property::MessageExpiryInterval(1)],
    );
    publish(
        &mut p,
        "me/t",
        "long",
        QoS::AtLeastOnce,
        &[Property::MessageExpiryInterval(30)],
    );
    sleep(Duration::from_millis(2200));
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-me", persistent(60));
    // "short" expired while queued and is not delivered (3.3.2.3.3).
    let m = s.recv_publish();
    assert_eq!(payload(&m), "long");
    let left = m.properties.message_expiry_interval().unwrap();
    assert!((1..=28).contains(&left), "expiry sent: {left}");
}

#[test]
fn mqtt_3_3_2_5_expired_retained_message_not_sent_on_subscribe() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "pub-rx", |_| {});
    let mut retained = |topic: &str, expiry: u32| {
        let mut m = Publish::new(utf(topic), Bytes::from_static(b"r"));
        m.retain = true;
        m.qos = QoS::AtLeastOnce;
        m.packet_id = Some(pid(3));
        m.properties = props(&[Property::MessageExpiryInterval(expiry)]);
        p.send(&Packet::Publish(m));
        assert!(matches!(p.recv(), Some(Packet::PubAck(_))));
    };
    retained("rx/short", 1);
    retained("rx/long", 100);
    sleep(Duration::from_millis(2200));
    let mut s = Raw::connect(&b, V5, "sub-rx", |_| {});
    subscribe(&mut s, "rx/#", QoS::AtLeastOnce);
    publish(&mut p, "rx/marker", "marker", QoS::AtLeastOnce, &[]);
    let mut got = Vec::new();
    loop {
        let m = s.recv_publish();
        if m.topic.as_str() == "rx/marker" {
            break;
        }
        got.push((m.topic.to_string(), m.properties.message_expiry_interval()));
    }
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "rx/long");
    assert!(got[0].1.is_some_and(|n| (1..=98).contains(&n)), "{got:?}");
}

#[test]
fn expired_retained_message_is_dropped_from_memory_and_the_data_dir() {
    let dir = scratch_dir("retained-purge");
    let data = dir.to_str().unwrap();
    let b = Broker::start_with(&["--data-dir", data, "--stats", "1"]);
    let mut p = Raw::connect(&b, V5, "pub-purge", |_| {});
    for (topic, expiry) in [("purge/short", Some(1)), ("purge/kept", None)] {
        let mut m = Publish::new(utf(topic), Bytes::from_static(b"r"));
        m.retain = true;
        m.qos = QoS::AtLeastOnce;
        m.packet_id = Some(pid(5));
        m.properties = props(
            &expiry
                .map(Property::MessageExpiryInterval)
                .into_iter()
                .collect::<Vec<_>>(),
        );
        p.send(&Packet::Publish(m));
        assert!(matches!(p.recv(), Some(Packet::PubAck(_))));
    }
    let saved = || std::fs::read_dir(dir.join("retained")).unwrap().count();
    assert_eq!(saved(), 2, "both retained messages saved");
    // The stats line counts retained topics: 1 once the 1 s expiry has
    // passed and the purge ran.
    let started = Instant::now();
    loop {
        let line = b
            .stdout
            .recv_timeout(WAIT)
            .expect("a stats line every second");
        if line.contains("retained=1 ") {
            break;
        }
        assert!(started.elapsed() < WAIT, "never purged: {line}");
    }
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "purged too early"
    );
    assert_eq!(saved(), 1, "the expired message's file is deleted");
    // The message without expiry is still delivered.
    let mut s = Raw::connect(&b, V5, "sub-purge", |_| {});
    subscribe(&mut s, "purge/#", QoS::AtLeastOnce);
    assert_eq!(s.recv_publish().topic.as_str(), "purge/kept");
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mqtt_3_3_2_3_4_inbound_topic_alias_set_then_used() {
    let b = Broker::start();
    let mut s = Raw::connect(&b, V5, "sub-al", |_| {});
    subscribe(&mut s, "al/t", QoS::AtMostOnce);
    let (mut p, ack) = Raw::connect_ack(&b, V5, "pub-al", |_| {});
    assert!(
        ack.properties
            .iter()
            .any(|p| matches!(p, Property::TopicAliasMaximum(n) if n > 0)),
        "CONNACK announces a Topic Alias Maximum: {:?}",
        ack.properties
    );
    publish(
        &mut p,
        "al/t",
        "one",
        QoS::AtMostOnce,
        &[Property::TopicAlias(1)],
    );
    publish(
        &mut p,
        "",
        "two",
        QoS::AtMostOnce,
        &[Property::TopicAlias(1)],
    );
    for want in ["one", "two"] {
        let m = s.recv_publish();
        assert_eq!((m.topic.as_str(), payload(&m)), ("al/t", want));
        assert_eq!(
            m.properties.topic_alias(),
            None,
            "aliases are per connection"
        );
    }
}

#[test]
fn mqtt_3_3_2_9_topic_alias_above_maximum_gets_disconnect_0x94() {
    let b = Broker::start();
    let (mut p, ack) = Raw::connect_ack(&b, V5, "pub-al-big", |_| {});
    let max = ack
        .properties
        .iter()
        .find_map(|p| match p {
            Property::TopicAliasMaximum(n) => Some(n),
            _ => None,
        })
        .unwrap();
    publish(
        &mut p,
        "al/t",
        "x",
        QoS::AtMostOnce,
        &[Property::TopicAlias(max + 1)],
    );
    assert_eq!(disconnect_reason(p.recv()), ReasonCode::TOPIC_ALIAS_INVALID);
}

#[test]
fn mqtt_3_3_4_unknown_topic_alias_with_empty_topic_is_a_protocol_error() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "pub-al-unknown", |_| {});
    publish(&mut p, "", "x", QoS::AtMostOnce, &[Property::TopicAlias(2)]);
    assert_eq!(disconnect_reason(p.recv()), ReasonCode::PROTOCOL_ERROR);
}

/// The next lifecycle event for `client` (skipping other clients' events).
fn next_event(w: &mut Raw, client: &str) -> (String, serde_json::Value) {
    loop {
        let m = w.recv_publish();
        if m.qos != QoS::AtMostOnce {
            ack(w, &m);
        }
        let body: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        if body["clientId"] == client {
            return (m.topic.to_string(), body);
        }
    }
}

fn assert_common_fields(body: &serde_json::Value, client: &str, event: &str) {
    assert_eq!(body["clientId"], client);
    assert_eq!(body["eventType"], event);
    assert!(
        body["timestamp"]
            .as_u64()
            .is_some_and(|t| t > 1_500_000_000_000),
        "{body}"
    );
    assert!(
        body["sessionIdentifier"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    assert!(body["principalIdentifier"].is_string(), "{body}");
    assert_eq!(body["ipAddress"], "127.0.0.1");
    assert!(body["versionNumber"].is_u64(), "{body}");
}

#[test]
fn aws_lifecycle_connected_and_client_initiated_disconnected_events() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V311, "watch-lc", |_| {});
    subscribe(&mut w, "$aws/events/presence/+/+", QoS::AtLeastOnce);
    let c = Raw::connect(&b, V311, "dev-lc", |_| {});
    let (topic, on) = next_event(&mut w, "dev-lc");
    assert_eq!(topic, "$aws/events/presence/connected/dev-lc");
    assert_common_fields(&on, "dev-lc", "connected");
    assert!(on.get("disconnectReason").is_none());
    disconnect(c);
    let (topic, off) = next_event(&mut w, "dev-lc");
    assert_eq!(topic, "$aws/events/presence/disconnected/dev-lc");
    assert_common_fields(&off, "dev-lc", "disconnected");
    assert_eq!(off["clientInitiatedDisconnect"], true);
    assert_eq!(off["disconnectReason"], "CLIENT_INITIATED_DISCONNECT");
    assert_eq!(off["sessionIdentifier"], on["sessionIdentifier"]);
    // AWS: "The Connect and Disconnect messages for a client connection have
    // the same version number", monotonically increasing per client id.
    assert_eq!(off["versionNumber"], on["versionNumber"]);
    let _again = Raw::connect(&b, V311, "dev-lc", |_| {});
    let (_, next) = next_event(&mut w, "dev-lc");
    assert_eq!(next["eventType"], "connected");
    assert!(
        next["versionNumber"].as_u64() > on["versionNumber"].as_u64(),
        "{next} after {on}"
    );
    assert_ne!(next["sessionIdentifier"], on["sessionIdentifier"]);
}

#[test]
fn aws_lifecycle_duplicate_clientid_and_connection_lost_reasons() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V5, "watch-dup", |_| {});
    subscribe(
        &mut w,
        "$aws/events/presence/disconnected/+",
        QoS::AtLeastOnce,
    );
    let mut first = Raw::connect(&b, V5, "dev-dup", |_| {});
    let second = Raw::connect(&b, V5, "dev-dup", |_| {});
    assert_eq!(
        disconnect_reason(first.recv()),
        ReasonCode::SESSION_TAKEN_OVER
    );
    let (_, off) = next_event(&mut w, "dev-dup");
    assert_eq!(off["disconnectReason"], "DUPLICATE_CLIENTID");
    assert_eq!(off["clientInitiatedDisconnect"], false);
    drop(second);
    let (_, off) = next_event(&mut w, "dev-dup");
    assert_eq!(off["disconnectReason"], "CONNECTION_LOST");
    assert_eq!(off["clientInitiatedDisconnect"], false);
}

#[test]
fn aws_lifecycle_keep_alive_timeout_reason() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V5, "watch-ka", |_| {});
    subscribe(
        &mut w,
        "$aws/events/presence/disconnected/+",
        QoS::AtLeastOnce,
    );
    let _quiet = Raw::connect(&b, V5, "dev-ka", |c| c.keep_alive = 1);
    let (_, off) = next_event(&mut w, "dev-ka");
    assert_eq!(off["disconnectReason"], "MQTT_KEEP_ALIVE_TIMEOUT");
}

#[test]
fn aws_lifecycle_topics_cannot_be_published_by_clients() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "pub-fake", |_| {});
    let mut m = Publish::new(
        utf("$aws/events/presence/connected/someone"),
        Bytes::from_static(b"{}"),
    );
    m.qos = QoS::AtLeastOnce;
    m.packet_id = Some(pid(9));
    p.send(&Packet::Publish(m));
    match p.recv() {
        Some(Packet::PubAck(a)) => assert_eq!(a.reason_code, ReasonCode::NOT_AUTHORIZED),
        other => panic!("expected PUBACK 0x87, got {other:?}"),
    }
}

#[test]
fn paho_v311_and_v5_persistent_sessions_aliases_and_lifecycle_events() {
    paho_script(
        &Broker::start(),
        "broker_session_paho.py",
        "paho sessions: all ok",
    );
}

/// CONNECT edit: persistent session (60 s) with Receive Maximum `n`.
fn persistent_receive_maximum(n: u16) -> impl FnOnce(&mut Connect) {
    move |c: &mut Connect| {
        c.clean_start = false;
        c.properties = props(&[
            Property::SessionExpiryInterval(60),
            Property::ReceiveMaximum(n),
        ]);
    }
}

#[test]
fn mqtt_3_3_4_9_resend_after_reconnect_respects_the_new_receive_maximum() {
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-rm", persistent_receive_maximum(2));
    subscribe(&mut s, "rm/t", QoS::AtLeastOnce);
    let mut p = Raw::connect(&b, V5, "pub-rm", |_| {});
    publish(&mut p, "rm/t", "a", QoS::AtLeastOnce, &[]);
    publish(&mut p, "rm/t", "b", QoS::AtLeastOnce, &[]);
    publish(&mut p, "rm/t", "c", QoS::AtLeastOnce, &[]);
    // Two in flight (Receive Maximum 2), "c" held back; none acknowledged.
    assert_eq!(payload(&s.recv_publish()), "a");
    assert_eq!(payload(&s.recv_publish()), "b");
    drop(s);
    let (mut s, connack) = Raw::connect_ack(&b, V5, "sess-rm", persistent_receive_maximum(1));
    assert!(connack.session_present);
    let first = s.recv_publish();
    assert!(first.dup, "{first:?}");
    assert_eq!(payload(&first), "a");
    // Nothing more may be sent before "a" is acknowledged (MQTT-3.3.4-9):
    // the PINGRESP comes first.
    s.ping();
    ack(&mut s, &first);
    let second = s.recv_publish();
    assert_eq!(payload(&second), "b");
    s.ping();
    ack(&mut s, &second);
    assert_eq!(payload(&s.recv_publish()), "c");
}

#[test]
fn mqtt_3_1_4_3_session_takeover_keeps_the_stored_session() {
    let b = Broker::start();
    let (mut first, _) = Raw::connect_ack(&b, V5, "sess-take", persistent(60));
    subscribe(&mut first, "tk/t", QoS::AtLeastOnce);
    let (mut second, ack) = Raw::connect_ack(&b, V5, "sess-take", persistent(60));
    assert_eq!(
        disconnect_reason(first.recv()),
        ReasonCode::SESSION_TAKEN_OVER
    );
    assert!(ack.session_present, "the session survives the takeover");
    let mut p = Raw::connect(&b, V5, "pub-take", |_| {});
    publish(
        &mut p,
        "tk/t",
        "to the new connection",
        QoS::AtLeastOnce,
        &[],
    );
    assert_eq!(payload(&second.recv_publish()), "to the new connection");
}

#[test]
fn offline_queue_is_bounded_at_1000_messages() {
    const LIMIT: usize = 1000;
    let b = Broker::start();
    let (mut s, _) = Raw::connect_ack(&b, V5, "sess-bound", persistent(60));
    subscribe(&mut s, "bd/t", QoS::AtLeastOnce);
    disconnect(s);
    let mut p = Raw::connect(&b, V5, "pub-bound", |_| {});
    let started = Instant::now();
    for i in 0..LIMIT + 5 {
        publish(&mut p, "bd/t", &i.to_string(), QoS::AtLeastOnce, &[]);
    }
    let queued_in = started.elapsed();
    let started = Instant::now();
    let (mut s, ack0) = Raw::connect_ack(&b, V5, "sess-bound", persistent(60));
    assert!(ack0.session_present);
    for i in 0..LIMIT {
        let m = s.recv_publish();
        assert_eq!(payload(&m), i.to_string(), "queued in order, oldest first");
        ack(&mut s, &m);
    }
    let drained_in = started.elapsed();
    publish(&mut p, "bd/t", "marker", QoS::AtLeastOnce, &[]);
    assert_eq!(
        payload(&s.recv_publish()),
        "marker",
        "messages past the limit are dropped"
    );
    eprintln!(
        "{} offline messages queued in {queued_in:?}, resumed and drained in {drained_in:?}",
        LIMIT + 5
    );
}

#[test]
fn mqtt_3_1_2_26_outbound_topic_aliases_within_the_client_maximum() {
    let b = Broker::start();
    let mut s = Raw::connect(&b, V5, "sub-oa", |c| {
        c.properties = props(&[Property::TopicAliasMaximum(2)]);
    });
    subscribe(&mut s, "oa/#", QoS::AtMostOnce);
    let mut p = Raw::connect(&b, V5, "pub-oa", |_| {});
    for t in ["oa/a", "oa/a", "oa/b", "oa/c", "oa/a"] {
        publish(&mut p, t, t, QoS::AtMostOnce, &[]);
    }
    let mut got = Vec::new();
    for _ in 0..5 {
        let m = s.recv_publish();
        got.push((
            m.topic.to_string(),
            m.properties.topic_alias(),
            payload(&m).to_owned(),
        ));
    }
    let want = [
        ("oa/a", Some(1), "oa/a"),
        ("", Some(1), "oa/a"),
        ("oa/b", Some(2), "oa/b"),
        // Past the client's maximum (2): sent in full, no alias.
        ("oa/c", None, "oa/c"),
        ("", Some(1), "oa/a"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(t, a, p)| ((*t).to_owned(), *a, (*p).to_owned()))
        .collect();
    assert_eq!(got, want);
}
