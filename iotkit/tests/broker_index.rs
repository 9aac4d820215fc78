#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` routing through topic-match's indexes: one copy per
//! client for overlapping subscriptions (MQTT 5 3.3.4), MQTT 5 shared
//! subscriptions (4.8.2), retained look-up with wildcards and removal of a
//! connection's subscriptions when it goes away. Raw codec clients, plus
//! Debian's `mosquitto_sub` / `mosquitto_pub` as shared-subscription members.

mod broker_common;

use std::collections::BTreeMap;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use broker_common::{Broker, Lines, Raw, WAIT, mosquitto_pub, paho_script, peers, pid, utf};
use bytes::Bytes;
use iot_mqtt_codec::{
    Connect, Packet, Properties, Property, ProtocolVersion, PubAck, Publish, QoS, ReasonCode,
    SubscriptionOptions,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V311;
const QUIET: Duration = Duration::from_millis(400);

/// Subscribes `filter` in its own SUBSCRIBE (with `id` as Subscription
/// Identifier when given) and returns the SUBACK reason code.
fn subscribe(c: &mut Raw, filter: &str, options: SubscriptionOptions, id: Option<u32>) -> u8 {
    let id = id.map(Property::SubscriptionIdentifier);
    c.subscribe_to(1, &[(filter, options)], id.as_slice())[0]
}

fn opts(qos: QoS) -> SubscriptionOptions {
    SubscriptionOptions::new(qos)
}

/// Publishes at QoS 0 (or QoS 1 and waits for the PUBACK), so the broker
/// has routed it when this returns.
fn publish(c: &mut Raw, topic: &str, payload: &str, qos: QoS, retain: bool) {
    let mut p = Publish::new(utf(topic), Bytes::from(payload.to_owned()));
    p.qos = qos;
    p.retain = retain;
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(9));
    }
    c.send(&Packet::Publish(p));
    if qos != QoS::AtMostOnce {
        match c.recv() {
            Some(Packet::PubAck(_)) => {}
            other => panic!("expected PUBACK, got {other:?}"),
        }
    } else {
        c.ping();
    }
}

/// The next PUBLISH, acknowledged when it is QoS 1.
fn recv_publish(c: &mut Raw) -> Publish {
    match c.recv() {
        Some(Packet::Publish(p)) => {
            if p.qos == QoS::AtLeastOnce {
                c.send(&Packet::PubAck(PubAck::new(p.packet_id.unwrap())));
            }
            p
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

fn payload(p: &Publish) -> String {
    String::from_utf8(p.payload.to_vec()).unwrap()
}

fn sub_ids(p: &Publish) -> Vec<u32> {
    let mut ids: Vec<u32> = p.properties.subscription_identifiers().collect();
    ids.sort_unstable();
    ids
}

#[test]
fn connack_announces_shared_subscription_available() {
    let b = Broker::start();
    let mut c = Raw::open(&b, V5);
    c.send(&Packet::from(Connect::new(V5, utf("announce"))));
    let Some(Packet::ConnAck(ack)) = c.recv() else {
        panic!("expected CONNACK");
    };
    assert_eq!(ack.reason_code, ReasonCode::SUCCESS);
    // 3.2.2.3.13: 1 means shared subscriptions are supported.
    assert!(
        ack.properties
            .iter()
            .any(|p| p == Property::SharedSubscriptionAvailable(1)),
        "{:?}",
        ack.properties
    );
}

#[test]
fn overlapping_subscriptions_deliver_one_copy_with_max_qos_and_all_ids() {
    let b = Broker::start();
    let mut s = Raw::connect(&b, V5, "overlap", |_| {});
    assert_eq!(subscribe(&mut s, "ov/+", opts(QoS::AtMostOnce), Some(7)), 0);
    assert_eq!(
        subscribe(&mut s, "ov/#", opts(QoS::AtLeastOnce), Some(3)),
        1
    );
    assert_eq!(subscribe(&mut s, "ov/x", opts(QoS::AtMostOnce), None), 0);
    let mut p = Raw::connect(&b, V5, "overlap-pub", |_| {});
    publish(
        &mut p,
        "ov/x",
        "one",
        QoS::ExactlyOnce.min(QoS::AtLeastOnce),
        false,
    );
    // MQTT-3.3.4-2: one copy is allowed; it must carry the highest QoS
    // granted (here 1, capped by the publish QoS 1) and, MQTT-3.3.4-3, the
    // identifiers of all matching subscriptions.
    let got = recv_publish(&mut s);
    assert_eq!(payload(&got), "one");
    assert_eq!(got.qos, QoS::AtLeastOnce);
    assert_eq!(sub_ids(&got), [3, 7]);
    s.expect_silence(QUIET);
    // A topic matched by one of them only: that one's id.
    publish(&mut p, "ov/y/z", "two", QoS::AtMostOnce, false);
    let got = recv_publish(&mut s);
    assert_eq!(payload(&got), "two");
    assert_eq!(sub_ids(&got), [3]);
    s.expect_silence(QUIET);
}

#[test]
fn overlapping_subscriptions_keep_no_local_per_subscription() {
    let b = Broker::start();
    let mut s = Raw::connect(&b, V5, "nl", |_| {});
    let mut no_local = opts(QoS::AtMostOnce);
    no_local.no_local = true;
    assert_eq!(subscribe(&mut s, "nl/+", no_local, Some(1)), 0);
    assert_eq!(subscribe(&mut s, "nl/#", opts(QoS::AtMostOnce), Some(2)), 0);
    s.send(&Packet::Publish(Publish::new(
        utf("nl/a"),
        Bytes::from_static(b"own"),
    )));
    // MQTT-3.8.3-3: nl/+ does not deliver the client's own message; nl/# does.
    let got = recv_publish(&mut s);
    assert_eq!(payload(&got), "own");
    assert_eq!(sub_ids(&got), [2]);
    s.expect_silence(QUIET);
}

#[test]
fn retain_as_published_survives_merging_overlapping_subscriptions() {
    let b = Broker::start();
    let mut keep = Raw::connect(&b, V5, "rap", |_| {});
    let mut rap = opts(QoS::AtMostOnce);
    rap.retain_as_published = true;
    assert_eq!(subscribe(&mut keep, "rap/+", rap, None), 0);
    assert_eq!(
        subscribe(&mut keep, "rap/#", opts(QoS::AtMostOnce), None),
        0
    );
    let mut clear = Raw::connect(&b, V5, "no-rap", |_| {});
    assert_eq!(
        subscribe(&mut clear, "rap/#", opts(QoS::AtMostOnce), None),
        0
    );
    let mut p = Raw::connect(&b, V5, "rap-pub", |_| {});
    publish(&mut p, "rap/t", "r", QoS::AtMostOnce, true);
    // MQTT-3.3.1-12: with Retain As Published the RETAIN flag is kept; the
    // single merged copy keeps it because one matching subscription asked.
    let got = recv_publish(&mut keep);
    assert!(got.retain);
    keep.expect_silence(QUIET);
    // MQTT-3.3.1-12 (option 0) / MQTT-3.3.1-9: forwarded with RETAIN 0.
    assert!(!recv_publish(&mut clear).retain);
}

/// Reads PUBLISHes from `members` until `n` arrived in total; returns
/// payloads per member index.
fn collect(members: &mut [Raw], n: usize) -> Vec<Vec<String>> {
    let mut got = vec![Vec::new(); members.len()];
    let started = Instant::now();
    let mut total = 0;
    while total < n {
        assert!(started.elapsed() < WAIT, "only {total} of {n}: {got:?}");
        for (i, m) in members.iter_mut().enumerate() {
            m.stream
                .set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            let mut chunk = [0u8; 4096];
            if m.buf.is_empty() {
                match std::io::Read::read(&mut m.stream, &mut chunk) {
                    Ok(0) => panic!("member {i} closed"),
                    Ok(k) => m.buf.extend_from_slice(&chunk[..k]),
                    Err(_) => {}
                }
            }
            m.stream.set_read_timeout(Some(WAIT)).unwrap();
            while let Some(pkt) = m.decoder.decode(&mut m.buf).unwrap() {
                let Packet::Publish(p) = pkt else {
                    panic!("member {i}: unexpected {pkt:?}")
                };
                if p.qos == QoS::AtLeastOnce {
                    m.send(&Packet::PubAck(PubAck::new(p.packet_id.unwrap())));
                }
                got[i].push(payload(&p));
                total += 1;
            }
        }
    }
    got
}

#[test]
fn shared_group_of_two_gets_each_message_exactly_once_in_total() {
    let b = Broker::start();
    let mut a = Raw::connect(&b, V5, "member-a", |_| {});
    let mut m = Raw::connect(&b, V5, "member-b", |_| {});
    assert_eq!(
        subscribe(
            &mut a,
            "$share/workers/jobs/#",
            opts(QoS::AtLeastOnce),
            None
        ),
        1
    );
    assert_eq!(
        subscribe(
            &mut m,
            "$share/workers/jobs/+",
            opts(QoS::AtLeastOnce),
            None
        ),
        1
    );
    assert_eq!(
        subscribe(
            &mut m,
            "$share/workers/jobs/#",
            opts(QoS::AtLeastOnce),
            None
        ),
        1
    );
    // An ordinary subscriber still gets every message (4.8.2).
    let mut plain = Raw::connect(&b, V5, "plain", |_| {});
    assert_eq!(
        subscribe(&mut plain, "jobs/#", opts(QoS::AtMostOnce), None),
        0
    );
    let mut p = Raw::connect(&b, V5, "producer", |_| {});
    for i in 0..10 {
        publish(&mut p, "jobs/x", &i.to_string(), QoS::AtLeastOnce, false);
    }
    // Two shared subscriptions match ($share/workers/jobs/# with members a and
    // b, $share/workers/jobs/+ with member b): one copy for each, 20 in total.
    let mut members = [a, m];
    let got = collect(&mut members, 20);
    for m in &mut members {
        m.expect_silence(QUIET);
    }
    let mut all: Vec<String> = got.concat();
    all.sort_by_key(|s| s.parse::<u32>().unwrap());
    let expected: Vec<String> = (0..10)
        .flat_map(|i| [i.to_string(), i.to_string()])
        .collect();
    assert_eq!(all, expected);
    // Round robin over the two members of $share/workers/jobs/#: a gets some.
    assert!(!got[0].is_empty(), "{got:?}");
    for i in 0..10 {
        assert_eq!(payload(&recv_publish(&mut plain)), i.to_string());
    }
    plain.expect_silence(QUIET);
}

#[test]
fn shared_subscription_gets_no_retained_messages_on_subscribe() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "retainer", |_| {});
    publish(&mut p, "keep/a", "kept", QoS::AtLeastOnce, true);
    let mut s = Raw::connect(&b, V5, "shared-ret", |_| {});
    assert_eq!(
        subscribe(&mut s, "$share/g/keep/#", opts(QoS::AtLeastOnce), None),
        1
    );
    // 4.8.2: retained messages are not sent for a new shared subscription.
    s.expect_silence(QUIET);
    // ... but live messages are, and an ordinary subscription gets the retained one.
    assert_eq!(subscribe(&mut s, "keep/+", opts(QoS::AtMostOnce), None), 0);
    let got = recv_publish(&mut s);
    assert_eq!(
        (got.topic.as_str(), payload(&got).as_str()),
        ("keep/a", "kept")
    );
    assert!(got.retain);
}

#[test]
fn v311_share_prefix_is_an_ordinary_filter() {
    let b = Broker::start();
    let mut old = Raw::connect(&b, V311, "old", |_| {});
    assert_eq!(
        subscribe(&mut old, "$share/g/lit", opts(QoS::AtMostOnce), None),
        0
    );
    let mut p = Raw::connect(&b, V5, "lit-pub", |_| {});
    // Not a shared subscription on "lit" ...
    publish(&mut p, "lit", "plain", QoS::AtMostOnce, false);
    old.expect_silence(QUIET);
    // ... but a literal filter matching the topic "$share/g/lit".
    publish(&mut p, "$share/g/lit", "literal", QoS::AtMostOnce, false);
    assert_eq!(payload(&recv_publish(&mut old)), "literal");
}

#[test]
fn retained_lookup_through_the_index_with_wildcards() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "ret-pub", |_| {});
    for (topic, msg) in [
        ("rt/a/1", "a1"),
        ("rt/b/1", "b1"),
        ("rt/b/2/x", "b2x"),
        ("rt", "root"),
        ("$rt/a/1", "dollar"),
    ] {
        publish(&mut p, topic, msg, QoS::AtLeastOnce, true);
    }
    let received = |filter: &str, n: usize| -> Vec<String> {
        let mut s = Raw::connect(&b, V5, "ret-sub", |_| {});
        assert_eq!(subscribe(&mut s, filter, opts(QoS::AtMostOnce), None), 0);
        let mut got: Vec<String> = (0..n)
            .map(|_| {
                let m = recv_publish(&mut s);
                assert!(m.retain, "MQTT-3.3.1-8: sent with RETAIN set");
                payload(&m)
            })
            .collect();
        s.expect_silence(QUIET);
        got.sort();
        got
    };
    assert_eq!(received("rt/+/1", 2), ["a1", "b1"]);
    // MQTT-4.7.1-2: "rt/#" also matches the parent level "rt".
    assert_eq!(received("rt/#", 4), ["a1", "b1", "b2x", "root"]);
    // MQTT-4.7.2-1: "#" and "+/..." do not match topics starting with '$'.
    assert_eq!(received("#", 4), ["a1", "b1", "b2x", "root"]);
    assert_eq!(received("+/a/1", 1), ["a1"]);
    assert_eq!(received("$rt/+/1", 1), ["dollar"]);
    // MQTT-3.3.1-10/-11: an empty retained payload deletes the topic's message.
    publish(&mut p, "rt/b/1", "", QoS::AtLeastOnce, true);
    assert_eq!(received("rt/+/1", 1), ["a1"]);
}

#[test]
fn disconnect_removes_ordinary_and_shared_subscriptions() {
    let b = Broker::start();
    let mut gone = Raw::connect(&b, V5, "gone", |_| {});
    assert_eq!(subscribe(&mut gone, "rm/#", opts(QoS::AtMostOnce), None), 0);
    assert_eq!(
        subscribe(&mut gone, "$share/g/rm/#", opts(QoS::AtMostOnce), None),
        0
    );
    let mut stays = Raw::connect(&b, V5, "stays", |_| {});
    assert_eq!(
        subscribe(&mut stays, "$share/g/rm/#", opts(QoS::AtMostOnce), None),
        0
    );
    gone.send(&Packet::Disconnect(iot_mqtt_codec::Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: Properties::new(),
    }));
    gone.expect_closed();
    let mut p = Raw::connect(&b, V5, "rm-pub", |_| {});
    // The broker closes the socket only after it has forgotten the
    // connection's subscriptions, so they are gone by now.
    for i in 0..4 {
        publish(&mut p, "rm/t", &i.to_string(), QoS::AtMostOnce, false);
    }
    // Every message goes to the remaining member: none to the gone one.
    for i in 0..4 {
        assert_eq!(payload(&recv_publish(&mut stays)), i.to_string());
    }
    stays.expect_silence(QUIET);
    // Unsubscribing the last member leaves the group empty: nothing is sent.
    let u = iot_mqtt_codec::Unsubscribe::new(pid(2), vec![utf("$share/g/rm/#")]);
    stays.send(&Packet::Unsubscribe(u));
    match stays.recv() {
        Some(Packet::UnsubAck(a)) => assert_eq!(a.reason_codes, [ReasonCode::SUCCESS]),
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
    publish(&mut p, "rm/t", "after", QoS::AtMostOnce, false);
    stays.expect_silence(QUIET);
}

/// A `mosquitto_sub` of the shared filter then `ready` (retained, published
/// first); returns once the ready message arrived, so both subscriptions
/// are active.
fn shared_sub(b: &Broker, shared: &str, ready: &str) -> Lines {
    let sub = Lines::spawn(
        Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", "5"])
            .args(["-q", "1", "-W", "10", "-F", "%t %p"])
            .args(["-t", shared, "-t", ready]),
    );
    assert_eq!(sub.line(), format!("{ready} ready"));
    sub
}

#[test]
fn mosquitto_v5_shared_subscription_members_split_the_messages() {
    if !peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]]) {
        return;
    }
    let b = Broker::start();
    let mut p = Raw::connect(&b, V5, "ms-pub", |_| {});
    publish(&mut p, "ready/a", "ready", QoS::AtLeastOnce, true);
    publish(&mut p, "ready/b", "ready", QoS::AtLeastOnce, true);
    let subs = [
        shared_sub(&b, "$share/w/ms/#", "ready/a"),
        shared_sub(&b, "$share/w/ms/#", "ready/b"),
    ];
    for i in 0..6 {
        mosquitto_pub(&b, "5", "ms/t", &format!("m{i}"), &["-q", "1"]);
    }
    let mut per: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let started = Instant::now();
    let mut total = 0;
    while total < 6 && started.elapsed() < WAIT {
        for (i, s) in subs.iter().enumerate() {
            if let Some(line) = s.line_within(Duration::from_millis(50)) {
                per.entry(i).or_default().push(line);
                total += 1;
            }
        }
    }
    thread::sleep(QUIET);
    for (i, s) in subs.iter().enumerate() {
        while let Some(line) = s.line_within(Duration::ZERO) {
            per.entry(i).or_default().push(line);
        }
    }
    let mut all: Vec<String> = per.values().flatten().cloned().collect();
    all.sort();
    let expected: Vec<String> = (0..6).map(|i| format!("ms/t m{i}")).collect();
    assert_eq!(all, expected, "each message to exactly one member: {per:?}");
    // Round robin: both members got messages.
    assert_eq!(per.len(), 2, "{per:?}");
}

#[test]
fn paho_v5_shared_and_overlapping_subscriptions() {
    paho_script(&Broker::start(), "broker_index_paho.py", "paho: all ok");
}
