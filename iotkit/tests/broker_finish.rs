#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker`: the per-connection byte budget (`--max-queued-bytes`),
//! the AWS IoT subscribe/unsubscribe lifecycle events and the certificate id
//! as `principalIdentifier`, and PUBACKs to pipelined QoS 1 publishes.
//! Expected values come from the MQTT 3.1.1 / 5 specifications, the AWS IoT
//! "Lifecycle events" page and `openssl` (the certificate fingerprint).

mod broker_common;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use broker_common::{Broker, Raw, WAIT, peers, pid, rss_kib, run_bounded, scratch_dir, utf};
use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{
    Packet, ProtocolVersion, PubAck, Publish, QoS, Subscribe, SubscriptionOptions, Unsubscribe,
};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

const V311: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn subscribe(c: &mut Raw, id: u16, filters: &[(&str, QoS)]) -> Vec<u8> {
    let list = filters
        .iter()
        .map(|(f, q)| (utf(f), SubscriptionOptions::new(*q)))
        .collect();
    c.send(&Packet::Subscribe(Subscribe::new(pid(id), list)));
    loop {
        match c.recv() {
            Some(Packet::SubAck(a)) => return a.reason_codes.iter().map(|r| r.0).collect(),
            Some(Packet::Publish(p)) => ack(c, &p),
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }
}

fn ack(c: &mut Raw, p: &Publish) {
    if let (QoS::AtLeastOnce, Some(id)) = (p.qos, p.packet_id) {
        c.send(&Packet::PubAck(PubAck::new(id)));
    }
}

/// The next PUBLISH on `c` (acknowledged when QoS 1).
fn recv_publish(c: &mut Raw) -> Publish {
    match c.recv() {
        Some(Packet::Publish(p)) => {
            ack(c, &p);
            p
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

/// The next lifecycle event about `client` on `w`: (topic, JSON body).
fn next_event(w: &mut Raw, client: &str) -> (String, serde_json::Value) {
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < WAIT, "no event about {client}");
        let m = recv_publish(w);
        let body: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        if body["clientId"] == client {
            return (m.topic.to_string(), body);
        }
    }
}

fn assert_subscription_event(body: &serde_json::Value, client: &str, kind: &str, topics: &[&str]) {
    // AWS IoT "Lifecycle events", Subscribe/Unsubscribe events: clientId,
    // timestamp (ms since the epoch), eventType, sessionIdentifier,
    // principalIdentifier and topics (the topic filters).
    assert_eq!(body["clientId"], client, "{body}");
    assert_eq!(body["eventType"], kind, "{body}");
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
    // Over plain TCP there is no certificate: the principal is the client id.
    assert_eq!(body["principalIdentifier"], client, "{body}");
    assert_eq!(body["topics"], serde_json::json!(topics), "{body}");
}

// ------------------------------------------------------------ lifecycle events

#[test]
fn aws_subscribe_and_unsubscribe_lifecycle_events() {
    let b = Broker::start();
    let mut w = Raw::connect(&b, V311, "watch-subs", |_| {});
    subscribe(
        &mut w,
        1,
        &[("$aws/events/subscriptions/+/dev-subs", QoS::AtLeastOnce)],
    );
    let mut on = Raw::connect(&b, V311, "dev-presence", |_| {});
    let mut c = Raw::connect(&b, V311, "dev-subs", |_| {});
    // One event per SUBSCRIBE, listing its filters.
    let codes = subscribe(
        &mut c,
        7,
        &[
            ("sensors/+/temp", QoS::AtLeastOnce),
            ("alerts/#", QoS::AtMostOnce),
        ],
    );
    assert_eq!(codes, vec![1, 0]);
    let (topic, body) = next_event(&mut w, "dev-subs");
    assert_eq!(topic, "$aws/events/subscriptions/subscribed/dev-subs");
    assert_subscription_event(
        &body,
        "dev-subs",
        "subscribed",
        &["sensors/+/temp", "alerts/#"],
    );
    let subscribed_session = body["sessionIdentifier"].clone();

    c.send(&Packet::Unsubscribe(Unsubscribe::new(
        pid(8),
        vec![utf("alerts/#")],
    )));
    assert!(matches!(c.recv(), Some(Packet::UnsubAck(_))));
    let (topic, body) = next_event(&mut w, "dev-subs");
    assert_eq!(topic, "$aws/events/subscriptions/unsubscribed/dev-subs");
    assert_subscription_event(&body, "dev-subs", "unsubscribed", &["alerts/#"]);
    // One connection, one session identifier.
    assert_eq!(body["sessionIdentifier"], subscribed_session);
    // Another client's subscription is not reported on dev-subs' topic.
    subscribe(&mut on, 2, &[("x/y", QoS::AtMostOnce)]);
    w.ping();
}

/// A CA and a client certificate `device-1` under `dir`, plus the server's.
fn make_pki(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name
        .push(DnType::CommonName, "finish test CA");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = p.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    for (name, server) in [("server", true), ("device-1", false)] {
        let key = KeyPair::generate().unwrap();
        let sans = if server {
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
        } else {
            Vec::new()
        };
        let mut p = CertificateParams::new(sans).unwrap();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, name);
        p.extended_key_usages = vec![if server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        let cert = p.signed_by(&key, &ca, &ca_key).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
    }
}

#[test]
fn aws_lifecycle_principal_is_the_certificate_id_on_certificate_connections() {
    if !peers(&[&["mosquitto_pub", "--help"], &["openssl", "version"]]) {
        return;
    }
    let dir = scratch_dir("finish-principal");
    make_pki(&dir);
    let toml = "tls_listen = \"127.0.0.1:0\"\n[tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nca = \"ca.pem\"\n";
    let b = Broker::start_with_config(&dir, toml, &[]);
    let line = b.stdout.recv_timeout(WAIT).expect("the TLS listener line");
    let tls_port = line.rsplit(':').next().unwrap().trim().to_owned();
    let mut w = Raw::connect(&b, V311, "watch-principal", |_| {});
    subscribe(
        &mut w,
        1,
        &[
            ("$aws/events/presence/connected/cert-dev", QoS::AtLeastOnce),
            ("$aws/events/subscriptions/subscribed/+", QoS::AtLeastOnce),
        ],
    );
    // AWS IoT: the certificate id is the SHA-256 of the certificate's DER
    // encoding, in lowercase hex (what `openssl x509 -fingerprint -sha256` prints).
    let out = run_bounded(
        Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(dir.join("device-1.pem")),
        WAIT,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let certificate_id = text
        .trim()
        .split_once('=')
        .unwrap()
        .1
        .replace(':', "")
        .to_lowercase();
    assert_eq!(certificate_id.len(), 64);
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let out = run_bounded(
        Command::new("mosquitto_pub").args([
            "-h",
            "127.0.0.1",
            "-p",
            &tls_port,
            "--cafile",
            &path("ca.pem"),
            "--cert",
            &path("device-1.pem"),
            "--key",
            &path("device-1.key"),
            "-i",
            "cert-dev",
            "-t",
            "t/1",
            "-m",
            "x",
        ]),
        WAIT,
    );
    assert!(out.status.success(), "{out:?}");
    let (topic, body) = next_event(&mut w, "cert-dev");
    assert_eq!(topic, "$aws/events/presence/connected/cert-dev");
    assert_eq!(
        body["principalIdentifier"],
        certificate_id.as_str(),
        "{body}"
    );
}

// ------------------------------------------------------------ QoS 1 acknowledgements

#[test]
fn mqtt_4_6_pipelined_qos1_publishes_get_every_puback_in_order() {
    let b = Broker::start();
    let mut p = Raw::connect(&b, V311, "pipeline", |_| {});
    // 200 QoS 1 PUBLISH packets in one write: one PUBACK each, in the order
    // the PUBLISH packets arrived (MQTT-4.6.0-2).
    let mut out = BytesMut::new();
    for i in 1..=200u16 {
        let mut m = Publish::new(utf("pipe/t"), Bytes::from(format!("m{i}")));
        m.qos = QoS::AtLeastOnce;
        m.packet_id = Some(pid(i));
        Packet::Publish(m).encode(V311, &mut out).unwrap();
    }
    p.stream.write_all(&out).unwrap();
    for i in 1..=200u16 {
        match p.recv() {
            Some(Packet::PubAck(a)) => assert_eq!(a.packet_id.get(), i),
            other => panic!("expected PUBACK {i}, got {other:?}"),
        }
    }
    p.ping();
}

#[test]
fn mqtt_3_14_puback_before_a_pipelined_disconnect_is_still_sent() {
    let b = Broker::start();
    let mut s = Raw::connect(&b, V5, "pipe-sub", |_| {});
    subscribe(&mut s, 1, &[("pipe/last", QoS::AtLeastOnce)]);
    let mut p = Raw::connect(&b, V5, "pipe-last", |_| {});
    let mut out = BytesMut::new();
    let mut m = Publish::new(utf("pipe/last"), Bytes::from_static(b"bye"));
    m.qos = QoS::AtLeastOnce;
    m.packet_id = Some(pid(9));
    Packet::Publish(m).encode(V5, &mut out).unwrap();
    Packet::Disconnect(iot_mqtt_codec::Disconnect::default())
        .encode(V5, &mut out)
        .unwrap();
    p.stream.write_all(&out).unwrap();
    match p.recv() {
        Some(Packet::PubAck(a)) => assert_eq!(a.packet_id.get(), 9),
        other => panic!("expected PUBACK, got {other:?}"),
    }
    p.expect_closed();
    assert_eq!(recv_publish(&mut s).payload, Bytes::from_static(b"bye"));
}

// ------------------------------------------------------------ byte budget

/// A QoS 1 publish of `payload` on `topic`, waiting for its PUBACK.
fn publish_acked(c: &mut Raw, id: u16, topic: &str, payload: Bytes) {
    let mut m = Publish::new(utf(topic), payload);
    m.qos = QoS::AtLeastOnce;
    m.packet_id = Some(pid(id));
    c.send(&Packet::Publish(m));
    match c.recv() {
        Some(Packet::PubAck(a)) => assert_eq!(a.packet_id.get(), id),
        other => panic!("expected PUBACK, got {other:?}"),
    }
}

#[test]
fn non_reading_subscriber_holds_at_most_the_byte_budget() {
    // 1 MiB budget (the default, given explicitly): the outbox and the
    // Receive-Maximum backlog of one connection hold at most about 2 MiB.
    let b = Broker::start_with(&["--max-queued-bytes", "1048576", "--stats", "1"]);
    let pid = b.child.id();
    let mut slow = Raw::connect(&b, V311, "never-reads", |_| {});
    subscribe(
        &mut slow,
        1,
        &[("big/0", QoS::AtMostOnce), ("big/1", QoS::AtLeastOnce)],
    );
    // From here on `slow` reads nothing: its socket buffers fill, then its
    // write blocks (for up to the 30 s write timeout) and its queues fill.
    let mut p = Raw::connect(&b, V311, "big-pub", |_| {});
    let payload = Bytes::from(vec![0x5a_u8; 200 * 1024]);
    publish_acked(&mut p, 1, "warm/up", payload.clone());
    let before = rss_kib(pid);
    // 300 × 200 KiB = 60 MiB, half QoS 0, half QoS 1; with a count-only
    // bound (1,024 messages) the broker would hold all of it.
    for i in 0..300u16 {
        let topic = if i % 2 == 0 { "big/0" } else { "big/1" };
        publish_acked(&mut p, i + 2, topic, payload.clone());
    }
    p.ping();
    let after = rss_kib(pid);
    let grown = after.saturating_sub(before);
    eprintln!(
        "VmRSS {before} KiB -> {after} KiB after 60 MiB to a non-reading subscriber (+{grown} KiB)"
    );
    // Bound: 2 × the 1 MiB budget of queued messages, the write in progress
    // (one packet) and codec buffers, plus allocator slack: 16 MiB, far
    // below the 60 MiB published.
    assert!(grown < 16 * 1024, "VmRSS grew by {grown} KiB");
    // The messages over budget were dropped and counted.
    let started = Instant::now();
    loop {
        let line = b
            .stdout
            .recv_timeout(WAIT)
            .expect("a stats line every second");
        if let Some(n) = line
            .split_whitespace()
            .find_map(|f| f.strip_prefix("dropped="))
            .map(|n| n.parse::<u64>().unwrap())
            && n > 0
        {
            break;
        }
        assert!(started.elapsed() < WAIT, "no drop counted: {line}");
    }
    drop(slow);
    // Other clients are served as before.
    p.ping();
    std::thread::sleep(Duration::from_millis(10));
}

#[test]
fn max_queued_bytes_is_read_from_the_config_file_and_zero_is_refused() {
    let dir = scratch_dir("finish-config");
    let b = Broker::start_with_config(&dir, "max_queued_bytes = 65536\n", &[]);
    let mut c = Raw::connect(&b, V311, "cfg", |_| {});
    c.ping();
    std::fs::write(dir.join("zero.toml"), "max_queued_bytes = 0\n").unwrap();
    let out = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_iotkit")).args([
            "broker",
            "--listen",
            "127.0.0.1:0",
            "--config",
            dir.join("zero.toml").to_str().unwrap(),
        ]),
        WAIT,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("max_queued_bytes"),
        "{out:?}"
    );
}

// ------------------------------------------------------------ sessions across a restart

#[test]
fn stored_session_and_its_queued_message_survive_a_kill_and_restart() {
    let dir = scratch_dir("finish-restart");
    let data = dir.to_str().unwrap().to_owned();
    let b = Broker::start_with(&["--data-dir", &data]);
    // MQTT 3.1.1 Clean Session 0: the session outlives the connection.
    let mut c = Raw::connect(&b, V311, "keeper", |c| c.clean_start = false);
    subscribe(&mut c, 1, &[("keep/+", QoS::AtLeastOnce)]);
    c.send(&Packet::Disconnect(iot_mqtt_codec::Disconnect::default()));
    c.expect_closed();
    let mut p = Raw::connect(&b, V311, "keep-pub", |_| {});
    // PUBACK: the broker has accepted the message (MQTT-4.3.2).
    publish_acked(
        &mut p,
        1,
        "keep/a",
        Bytes::from_static(b"kept across a restart"),
    );
    p.ping();
    // The guarantee tested: a message acknowledged to its publisher is on
    // disk for its offline subscribers within the save interval (0.2 s);
    // the kill comes 2 s later.
    std::thread::sleep(Duration::from_secs(2));
    drop(p);
    drop(b); // SIGKILL: no chance to save anything more.

    let b = Broker::start_with(&["--data-dir", &data]);
    let (mut c, ack) = Raw::connect_ack(&b, V311, "keeper", |c| c.clean_start = false);
    // MQTT-3.2.2-2: the session was found, Session Present 1.
    assert!(ack.session_present);
    let m = recv_publish(&mut c);
    assert_eq!(m.topic.as_str(), "keep/a");
    assert_eq!(m.qos, QoS::AtLeastOnce);
    assert_eq!(m.payload, Bytes::from_static(b"kept across a restart"));
    // The subscription came back too: a new message is delivered.
    let mut p = Raw::connect(&b, V311, "keep-pub", |_| {});
    publish_acked(&mut p, 2, "keep/b", Bytes::from_static(b"after"));
    let m = recv_publish(&mut c);
    assert_eq!(m.topic.as_str(), "keep/b");
    // A clean session ends it: after another restart nothing is present.
    drop(c);
    let c = Raw::connect(&b, V311, "keeper", |c| c.clean_start = true);
    drop(c);
    std::thread::sleep(Duration::from_secs(2));
    drop(b);
    let b = Broker::start_with(&["--data-dir", &data]);
    let (_c, ack) = Raw::connect_ack(&b, V311, "keeper", |c| c.clean_start = false);
    assert!(!ack.session_present);
}

#[test]
fn mqtt5_stored_session_expiry_counts_from_the_save_across_a_restart() {
    let dir = scratch_dir("finish-expiry");
    let data = dir.to_str().unwrap().to_owned();
    let b = Broker::start_with(&["--data-dir", &data]);
    let expiry = |c: &mut iot_mqtt_codec::Connect| {
        c.clean_start = false;
        c.properties = iot_mqtt_codec::Properties::from_list([
            iot_mqtt_codec::Property::SessionExpiryInterval(2),
        ])
        .unwrap();
    };
    let mut c = Raw::connect(&b, V5, "short-lived", expiry);
    subscribe(&mut c, 1, &[("short/t", QoS::AtLeastOnce)]);
    c.send(&Packet::Disconnect(iot_mqtt_codec::Disconnect::default()));
    c.expect_closed();
    std::thread::sleep(Duration::from_secs(1));
    drop(b);
    // MQTT 5 3.1.2.11.2: the session ends 2 s after the connection closed;
    // 3 s later (downtime included) it is gone.
    std::thread::sleep(Duration::from_secs(3));
    let b = Broker::start_with(&["--data-dir", &data]);
    let (_c, ack) = Raw::connect_ack(&b, V5, "short-lived", expiry);
    assert!(!ack.session_present);
}
