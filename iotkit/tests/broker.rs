#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` against real clients: Debian's `mosquitto_pub` /
//! `mosquitto_sub` (MQTT 3.1.1 and 5), paho-mqtt from Python, and raw TCP
//! clients built with `iot-mqtt-codec` for hostile input and edge cases.
//!
//! Each test starts its own broker on 127.0.0.1 port 0 and kills it when done.
//! Tests needing a missing peer print why and pass, unless
//! `IOTKIT_REQUIRE_PEERS=1` is set (as `scripts/test` does): then they fail.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use iot_mqtt_codec::{
    Connect, Decoder, Packet, PacketId, ProtocolVersion, QoS, ReasonCode, Subscribe,
    SubscriptionOptions, Utf8Str, Will,
};

/// Upper bound for any single wait in these tests.
const WAIT: Duration = Duration::from_secs(10);

/// A broker process, killed on drop.
struct Broker {
    child: Child,
    port: u16,
}

impl Broker {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iotkit"))
            .args(["broker", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start iotkit broker");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            // Keep draining so the broker never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("broker did not report its address");
            }
        };
        let addr = line
            .strip_prefix("iotkit broker listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Self { child, port }
    }

    fn port(&self) -> String {
        self.port.to_string()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when every program runs; otherwise skips (or fails under IOTKIT_REQUIRE_PEERS=1).
fn peers(programs: &[&[&str]]) -> bool {
    for argv in programs {
        let ok = Command::new(argv[0])
            .args(&argv[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success() || argv[0].starts_with("mosquitto"));
        if !ok {
            let why = format!("peer `{}` not available", argv.join(" "));
            if std::env::var("IOTKIT_REQUIRE_PEERS").as_deref() == Ok("1") {
                panic!("{why} and IOTKIT_REQUIRE_PEERS=1");
            }
            eprintln!("skipping: {why}");
            return false;
        }
    }
    true
}

fn mosquitto() -> bool {
    peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]])
}

/// Runs a command to completion, killing it after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peer");
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("peer output"),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
    }
}

fn pub_msg(b: &Broker, version: &str, topic: &str, msg: &str, extra: &[&str]) {
    let out = run_bounded(
        Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-t", topic, "-m", msg])
            .args(extra),
        WAIT,
    );
    assert!(
        out.status.success(),
        "mosquitto_pub failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `mosquitto_sub` whose output lines arrive on a channel.
struct Sub {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Sub {
    /// Subscribes `filters` and waits until it has received the retained
    /// `ready` message (publishing it first), so the subscription is active.
    fn start(b: &Broker, version: &str, filters: &[&str], count: usize, ready: &str) -> Self {
        pub_msg(b, version, ready, "ready", &["-r", "-q", "1"]);
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-q", "2", "-v", "-C", &(count + 1).to_string(), "-W", "10"])
            .args(["-F", "%t %p q%q"]);
        for f in filters {
            cmd.args(["-t", f]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn mosquitto_sub");
        let lines = line_channel(child.stdout.take().unwrap());
        let mut sub = Self { child, lines };
        let first = sub.next_line().expect("subscriber got the ready message");
        assert!(first.starts_with(ready), "{first}");
        sub
    }

    fn next_line(&mut self) -> Option<String> {
        self.lines.recv_timeout(WAIT).ok()
    }

    /// The next `n` lines (fewer if it exits or times out).
    fn take(&mut self, n: usize) -> Vec<String> {
        (0..n).map_while(|_| self.next_line()).collect()
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn line_channel(out: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wildcard_qos_0_1_2(version: &str) {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    let mut sub = Sub::start(&b, version, &["sensors/+/temp"], 3, "sensors/ready/temp");
    pub_msg(&b, version, "sensors/a/temp", "zero", &["-q", "0"]);
    pub_msg(&b, version, "sensors/b/temp", "one", &["-q", "1"]);
    pub_msg(
        &b,
        version,
        "sensors/b/humidity",
        "not matched",
        &["-q", "1"],
    );
    pub_msg(&b, version, "sensors/c/temp", "two", &["-q", "2"]);
    assert_eq!(
        sub.take(3),
        [
            "sensors/a/temp zero q0",
            "sensors/b/temp one q1",
            "sensors/c/temp two q2"
        ]
    );
}

#[test]
fn mosquitto_v311_wildcard_subscription_receives_qos_0_1_2() {
    wildcard_qos_0_1_2("311");
}

#[test]
fn mosquitto_v5_wildcard_subscription_receives_qos_0_1_2() {
    wildcard_qos_0_1_2("5");
}

#[test]
fn mosquitto_qos_is_the_minimum_of_publish_and_subscription() {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    let port = b.port();
    pub_msg(&b, "5", "q/ready", "ready", &["-r", "-q", "1"]);
    let mut child = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port, "-V", "5", "-q", "1"])
        .args(["-t", "q/#", "-v", "-C", "3", "-W", "10", "-F", "%t %p q%q"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = line_channel(child.stdout.take().unwrap());
    assert!(rx.recv_timeout(WAIT).unwrap().starts_with("q/ready"));
    pub_msg(&b, "5", "q/two", "x", &["-q", "2"]);
    pub_msg(&b, "5", "q/zero", "y", &["-q", "0"]);
    let got: Vec<String> = (0..2).map_while(|_| rx.recv_timeout(WAIT).ok()).collect();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got, ["q/two x q1", "q/zero y q0"]);
}

#[test]
fn mosquitto_retained_message_reaches_later_subscriber_and_empty_payload_deletes_it() {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    for version in ["311", "5"] {
        let topic = format!("retained/{version}");
        pub_msg(&b, version, &topic, "kept", &["-r", "-q", "1"]);
        let out = run_bounded(
            Command::new("mosquitto_sub")
                .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
                .args(["-t", "retained/#", "-C", "1", "-W", "10", "-v"])
                .args(["-F", "%t %p r%r"]),
            WAIT + WAIT,
        );
        // The first retained message found; both versions' topics may exist.
        let line = String::from_utf8(out.stdout).unwrap();
        assert!(line.ends_with("kept r1\n"), "{line:?}");
    }
    // An empty retained payload deletes it (MQTT-3.3.1-10).
    pub_msg(&b, "311", "retained/311", "", &["-r"]);
    pub_msg(&b, "5", "retained/5", "", &["-r"]);
    let out = run_bounded(
        Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &b.port(), "-t", "retained/#"])
            .args(["-C", "1", "-W", "2"]),
        WAIT,
    );
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
}

#[test]
fn mosquitto_dollar_topics_not_matched_by_hash() {
    if !mosquitto() {
        return;
    }
    for version in ["311", "5"] {
        let b = Broker::start();
        let mut all = Sub::start(&b, version, &["#"], 1, &format!("ready/{version}"));
        pub_msg(&b, version, "$SYS/broker/test", "hidden", &[]);
        pub_msg(&b, version, "after/dollar", "visible", &[]);
        let line = all.next_line().unwrap();
        assert_eq!(line, "after/dollar visible q0");
    }
}

// ---------------------------------------------------------------- raw TCP

/// A hand-driven client: packets built and parsed with the codec.
struct Raw {
    stream: TcpStream,
    buf: BytesMut,
    decoder: Decoder,
    version: ProtocolVersion,
}

impl Raw {
    fn open(b: &Broker, version: ProtocolVersion) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        Self {
            stream,
            buf: BytesMut::new(),
            decoder: Decoder::new(version),
            version,
        }
    }

    fn connect(
        b: &Broker,
        version: ProtocolVersion,
        id: &str,
        edit: impl FnOnce(&mut Connect),
    ) -> Self {
        let mut raw = Self::open(b, version);
        let mut c = Connect::new(version, Utf8Str::new(id).unwrap());
        c.keep_alive = 60;
        edit(&mut c);
        raw.send(&Packet::Connect(c));
        match raw.recv() {
            Some(Packet::ConnAck(ack)) => assert_eq!(ack.reason_code, ReasonCode::SUCCESS),
            other => panic!("expected CONNACK, got {other:?}"),
        }
        raw
    }

    fn send(&mut self, p: &Packet) {
        let mut out = BytesMut::new();
        p.encode(self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    /// The next packet, or `None` once the broker closed the connection.
    fn recv(&mut self) -> Option<Packet> {
        loop {
            if let Some(p) = self.decoder.decode(&mut self.buf).unwrap() {
                return Some(p);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read failed (timeout?): {e}"),
            }
        }
    }

    fn expect_closed(&mut self) {
        let started = Instant::now();
        while let Some(p) = self.recv() {
            assert!(started.elapsed() < WAIT, "still open, last packet {p:?}");
        }
    }

    fn ping(&mut self) {
        self.send(&Packet::PingReq);
        assert_eq!(self.recv(), Some(Packet::PingResp));
    }
}

fn disconnect_reason(p: Option<Packet>) -> ReasonCode {
    match p {
        Some(Packet::Disconnect(d)) => d.reason_code,
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
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
    c.send(&Packet::Connect(Connect::new(
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
}

// ---------------------------------------------------------------- paho

#[test]
fn paho_v311_and_v5_clients() {
    if !peers(&[&["python3", "-c", "import paho.mqtt.client"]]) {
        return;
    }
    let b = Broker::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broker_paho.py");
    let out = run_bounded(
        Command::new("python3").args([script, "127.0.0.1", &b.port()]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "paho test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("paho: all ok"), "{stdout}");
}
