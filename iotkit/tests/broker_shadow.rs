#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` serving AWS IoT Device Shadows to real `mosquitto_pub` /
//! `mosquitto_sub` clients (MQTT 3.1.1 and 5), the refusal of other reserved
//! `$aws/` topics, and `--data-dir` persistence across a restart.
//!
//! Expected documents follow the AWS IoT Device Shadow service documentation
//! (topics, `/accepted`, `/delta`, `/documents`, `/rejected` shapes, codes and
//! messages); timestamps are checked against the test's own clock. Tests
//! needing a missing peer print why and pass, unless `IOTKIT_REQUIRE_PEERS=1`.

mod broker_common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use broker_common::{Broker, Lines, Raw, WAIT, mosquitto_pub, peers, run_bounded};
use bytes::Bytes;
use iot_mqtt_codec::{
    Packet, PacketId, ProtocolVersion, PubAck, Publish, QoS, ReasonCode, Utf8Str,
};
use serde_json::{Value, json};

fn mosquitto() -> bool {
    peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]])
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `mosquitto_pub` at QoS 1.
fn pub_msg(b: &Broker, version: &str, topic: &str, msg: &str, extra: &[&str]) {
    mosquitto_pub(b, version, topic, msg, &[&["-q", "1"], extra].concat());
}

/// A running `mosquitto_sub` printing `topic payload` lines.
struct Sub(Lines);

impl Sub {
    /// Subscribes `filters` (plus a `ready/...` topic whose retained message
    /// proves the subscription is active before this returns).
    fn start(b: &Broker, version: &str, filters: &[&str], ready: &str) -> Self {
        pub_msg(b, version, ready, "ready", &["-r"]);
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-q", "1", "-W", "20", "-F", "%t %p", "-t", ready]);
        for f in filters {
            cmd.args(["-t", f]);
        }
        let mut sub = Self(Lines::spawn(&mut cmd));
        let (topic, _) = sub.next_raw();
        assert_eq!(topic, ready);
        sub
    }

    fn next_raw(&mut self) -> (String, String) {
        let line = self.0.line();
        let (t, p) = line.split_once(' ').unwrap_or((&line, ""));
        (t.to_owned(), p.to_owned())
    }

    /// The next message: its topic and its payload as JSON.
    fn next(&mut self) -> (String, Value) {
        let (t, p) = self.next_raw();
        let v = serde_json::from_str(&p).unwrap_or_else(|e| panic!("{t}: {p:?}: {e}"));
        (t, v)
    }

    /// The next message, which must be on `topic`.
    fn expect(&mut self, topic: &str) -> Value {
        let (t, v) = self.next();
        assert_eq!(t, topic, "payload {v}");
        v
    }
}

/// A timestamp set by the broker between `before` and now.
fn assert_ts(v: &Value, before: u64) {
    let t = v.as_u64().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    assert!(
        t >= before && t <= now(),
        "timestamp {t} not in [{before}, now]"
    );
}

/// A fresh empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let p = std::env::temp_dir().join(format!("iotkit-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn classic_shadow_lifecycle(version: &str) {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    let thing = format!("lamp-{version}");
    let base = format!("$aws/things/{thing}/shadow");
    let mut sub = Sub::start(
        &b,
        version,
        &[&format!("{base}/#")],
        &format!("ready/{thing}"),
    );
    let t0 = now();

    // Update: /update/accepted, then /update/delta, then /update/documents.
    pub_msg(
        &b,
        version,
        &format!("{base}/update"),
        r#"{"state":{"desired":{"color":"red","on":true}},"clientToken":"tok-1"}"#,
        &[],
    );
    let acc = sub.expect(&format!("{base}/update/accepted"));
    assert_eq!(
        acc["state"],
        json!({"desired": {"color": "red", "on": true}})
    );
    assert_eq!(acc["version"], 1);
    assert_eq!(acc["clientToken"], "tok-1");
    assert_ts(&acc["timestamp"], t0);
    assert_ts(&acc["metadata"]["desired"]["color"]["timestamp"], t0);
    assert_ts(&acc["metadata"]["desired"]["on"]["timestamp"], t0);
    let delta = sub.expect(&format!("{base}/update/delta"));
    assert_eq!(delta["state"], json!({"color": "red", "on": true}));
    assert_eq!(delta["version"], 1);
    assert_ts(&delta["metadata"]["on"]["timestamp"], t0);
    let docs = sub.expect(&format!("{base}/update/documents"));
    assert_eq!(docs["current"]["version"], 1);
    assert_eq!(
        docs["current"]["state"],
        json!({"desired": {"color": "red", "on": true}})
    );
    // The update created the shadow: no `previous`.
    assert!(docs.get("previous").is_none(), "{docs}");
    assert_ts(&docs["timestamp"], t0);

    // The device reports `on`: version 2; `color` still differs, so a delta.
    pub_msg(
        &b,
        version,
        &format!("{base}/update"),
        r#"{"state":{"reported":{"on":true}}}"#,
        &[],
    );
    let acc = sub.expect(&format!("{base}/update/accepted"));
    assert_eq!(acc["state"], json!({"reported": {"on": true}}));
    assert_eq!(acc["version"], 2);
    let delta = sub.expect(&format!("{base}/update/delta"));
    assert_eq!(delta["state"], json!({"color": "red"}));
    let docs = sub.expect(&format!("{base}/update/documents"));
    assert_eq!(docs["previous"]["version"], 1);
    assert_eq!(docs["current"]["version"], 2);
    assert_eq!(docs["current"]["state"]["reported"], json!({"on": true}));

    // GET: the full document with the delta.
    pub_msg(&b, version, &format!("{base}/get"), "", &[]);
    let got = sub.expect(&format!("{base}/get/accepted"));
    assert_eq!(got["version"], 2);
    assert_eq!(got["state"]["desired"], json!({"color": "red", "on": true}));
    assert_eq!(got["state"]["reported"], json!({"on": true}));
    assert_eq!(got["state"]["delta"], json!({"color": "red"}));
    assert_ts(&got["metadata"]["reported"]["on"]["timestamp"], t0);

    // DELETE answers with the version the shadow had; then GET is a 404.
    pub_msg(&b, version, &format!("{base}/delete"), "", &[]);
    let del = sub.expect(&format!("{base}/delete/accepted"));
    assert_eq!(del["version"], 2);
    assert_ts(&del["timestamp"], t0);
    pub_msg(&b, version, &format!("{base}/get"), "", &[]);
    let rej = sub.expect(&format!("{base}/get/rejected"));
    assert_eq!(rej["code"], 404);
    assert_eq!(
        rej["message"],
        format!("No shadow exists with name: '{thing}'")
    );
}

#[test]
fn mosquitto_v311_classic_shadow_update_delta_documents_get_delete() {
    classic_shadow_lifecycle("311");
}

#[test]
fn mosquitto_v5_classic_shadow_update_delta_documents_get_delete() {
    classic_shadow_lifecycle("5");
}

#[test]
fn mosquitto_named_shadow_and_rejected_update() {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    let named = "$aws/things/pump-1/shadow/name/config";
    let classic = "$aws/things/pump-1/shadow";
    let mut sub = Sub::start(
        &b,
        "5",
        &[&format!("{named}/#"), &format!("{classic}/update/#")],
        "ready/pump",
    );
    let t0 = now();
    pub_msg(
        &b,
        "5",
        &format!("{named}/update"),
        r#"{"state":{"reported":{"rpm":900}}}"#,
        &[],
    );
    let acc = sub.expect(&format!("{named}/update/accepted"));
    assert_eq!(acc["state"], json!({"reported": {"rpm": 900}}));
    assert_eq!(acc["version"], 1);
    assert_ts(&acc["metadata"]["reported"]["rpm"]["timestamp"], t0);
    // Only reported: no delta, straight to /documents.
    let docs = sub.expect(&format!("{named}/update/documents"));
    assert_eq!(docs["current"]["version"], 1);

    pub_msg(&b, "5", &format!("{named}/get"), "", &[]);
    let got = sub.expect(&format!("{named}/get/accepted"));
    assert_eq!(got["state"], json!({"reported": {"rpm": 900}}));
    assert_eq!(got["version"], 1);

    // Not JSON: 400 `Invalid JSON` on /update/rejected, nothing changes.
    pub_msg(&b, "311", &format!("{named}/update"), "{not json", &[]);
    let rej = sub.expect(&format!("{named}/update/rejected"));
    assert_eq!(rej["code"], 400);
    assert_eq!(rej["message"], "Invalid JSON");
    assert_ts(&rej["timestamp"], t0);

    // A version conflict: 409 on the classic shadow's /update/rejected.
    pub_msg(
        &b,
        "5",
        &format!("{classic}/update"),
        r#"{"state":{"desired":{"x":1}},"version":7,"clientToken":"c7"}"#,
        &[],
    );
    let rej = sub.expect(&format!("{classic}/update/rejected"));
    assert_eq!(rej["code"], 409);
    assert_eq!(rej["message"], "Version conflict");
    assert_eq!(rej["clientToken"], "c7");

    // The named shadow is still at version 1.
    pub_msg(&b, "5", &format!("{named}/get"), "", &[]);
    let got = sub.expect(&format!("{named}/get/accepted"));
    assert_eq!(got["version"], 1);
}

fn pid(n: u16) -> PacketId {
    PacketId::try_from(n).unwrap()
}

fn qos1(topic: &str, id: u16) -> Packet {
    let mut p = Publish::new(Utf8Str::new(topic).unwrap(), Bytes::from_static(b"{}"));
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(id));
    Packet::Publish(p)
}

#[test]
fn reserved_topics_are_refused_except_shadow_requests_and_basic_ingest() {
    let b = Broker::start();
    // MQTT 5: PUBACK 0x87 Not authorized, the connection stays.
    let mut c = Raw::connect(&b, ProtocolVersion::V5, "dev-5", |_| {});
    for (i, topic) in [
        "$aws/things/t1/jobs/get",
        "$aws/things/t1/shadow/update/accepted",
        "$aws/events/presence/connected/x",
        "$aws/anything",
    ]
    .into_iter()
    .enumerate()
    {
        c.send(&qos1(topic, u16::try_from(i).unwrap() + 1));
        match c.recv() {
            Some(Packet::PubAck(PubAck { reason_code, .. })) => {
                assert_eq!(reason_code, ReasonCode::NOT_AUTHORIZED, "{topic}");
            }
            other => panic!("{topic}: expected PUBACK, got {other:?}"),
        }
    }
    // Shadow requests, Basic Ingest and ordinary topics are accepted.
    for (i, topic) in [
        "$aws/things/t1/shadow/get",
        "$aws/rules/my_rule/a/b",
        "plain/topic",
    ]
    .into_iter()
    .enumerate()
    {
        c.send(&qos1(topic, u16::try_from(i).unwrap() + 10));
        match c.recv() {
            Some(Packet::PubAck(PubAck { reason_code, .. })) => {
                assert_eq!(reason_code, ReasonCode::SUCCESS, "{topic}");
            }
            other => panic!("{topic}: expected PUBACK, got {other:?}"),
        }
    }
    // QoS 2: PUBREC 0x87 ends the exchange; QoS 0: dropped, connection kept.
    let mut p = Publish::new(
        Utf8Str::new("$aws/things/t1/jobs/get").unwrap(),
        Bytes::from_static(b"{}"),
    );
    p.qos = QoS::ExactlyOnce;
    p.packet_id = Some(pid(20));
    c.send(&Packet::Publish(p));
    match c.recv() {
        Some(Packet::PubRec(r)) => assert_eq!(r.reason_code, ReasonCode::NOT_AUTHORIZED),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    c.send(&Packet::Publish(Publish::new(
        Utf8Str::new("$aws/things/t1/jobs/get").unwrap(),
        Bytes::from_static(b"{}"),
    )));
    c.ping();

    // MQTT 3.1.1 has no reason codes: the connection is closed.
    let mut c = Raw::connect(&b, ProtocolVersion::V311, "dev-311", |_| {});
    c.send(&qos1("$aws/things/t1/jobs/get", 1));
    c.expect_closed();
}

#[test]
fn data_dir_keeps_shadows_and_retained_messages_across_a_restart() {
    if !mosquitto() {
        return;
    }
    let dir = TempDir::new("shadow-restart");
    let base = "$aws/things/boiler/shadow";
    {
        let b = Broker::start_with(&["--data-dir", dir.path()]);
        let mut sub = Sub::start(
            &b,
            "5",
            &[
                &format!("{base}/update/accepted"),
                &format!("{base}/get/accepted"),
            ],
            "ready/r1",
        );
        pub_msg(
            &b,
            "5",
            &format!("{base}/update"),
            r#"{"state":{"desired":{"temp":55}}}"#,
            &[],
        );
        assert_eq!(sub.expect(&format!("{base}/update/accepted"))["version"], 1);
        pub_msg(
            &b,
            "5",
            &format!("{base}/update"),
            r#"{"state":{"reported":{"temp":50}}}"#,
            &[],
        );
        assert_eq!(sub.expect(&format!("{base}/update/accepted"))["version"], 2);
        // A named shadow updated twice, then deleted (at version 2).
        let aux = "$aws/things/boiler/shadow/name/aux";
        for _ in 0..2 {
            pub_msg(
                &b,
                "5",
                &format!("{aux}/update"),
                r#"{"state":{"desired":{"a":1}}}"#,
                &[],
            );
        }
        pub_msg(&b, "5", &format!("{aux}/delete"), "", &[]);
        pub_msg(&b, "5", &format!("{base}/get"), "", &[]);
        // Every request above was answered before this GET (one connection
        // each, in order): the delete is accepted and written.
        assert_eq!(sub.expect(&format!("{base}/get/accepted"))["version"], 2);
        pub_msg(&b, "311", "plant/boiler/status", "running", &["-r"]);
        // A retained message deleted before the restart stays deleted.
        pub_msg(&b, "311", "plant/boiler/old", "gone", &["-r"]);
        pub_msg(&b, "311", "plant/boiler/old", "", &["-r"]);
        // Broker dropped here: killed (SIGKILL), no clean shutdown.
    }
    let b = Broker::start_with(&["--data-dir", dir.path()]);
    let mut sub = Sub::start(
        &b,
        "5",
        &[
            &format!("{base}/get/accepted"),
            "plant/#",
            "$aws/things/boiler/shadow/name/aux/+/+",
        ],
        "ready/r2",
    );
    // The retained message is delivered to the new subscriber.
    assert_eq!(
        sub.next_raw(),
        ("plant/boiler/status".to_owned(), "running".to_owned())
    );
    pub_msg(&b, "5", &format!("{base}/get"), "", &[]);
    let got = sub.expect(&format!("{base}/get/accepted"));
    assert_eq!(got["version"], 2);
    assert_eq!(got["state"]["desired"], json!({"temp": 55}));
    assert_eq!(got["state"]["reported"], json!({"temp": 50}));
    assert_eq!(got["state"]["delta"], json!({"temp": 55}));
    // The next update continues the version count.
    pub_msg(
        &b,
        "5",
        &format!("{base}/update"),
        r#"{"state":{"reported":{"temp":55}}}"#,
        &[],
    );
    pub_msg(&b, "5", &format!("{base}/get"), "", &[]);
    let got = sub.expect(&format!("{base}/get/accepted"));
    assert_eq!(got["version"], 3);
    assert!(got["state"].get("delta").is_none(), "{got}");

    // The deleted named shadow stayed deleted and remembers its version:
    // GET is a 404, re-creating it continues from version 2 (spec §1.7, §6).
    let aux = "$aws/things/boiler/shadow/name/aux";
    pub_msg(&b, "5", &format!("{aux}/get"), "", &[]);
    let rej = sub.expect(&format!("{aux}/get/rejected"));
    assert_eq!(rej["code"], 404);
    assert_eq!(rej["message"], "No shadow exists with name: 'aux'");
    pub_msg(
        &b,
        "5",
        &format!("{aux}/update"),
        r#"{"state":{"reported":{"a":1}}}"#,
        &[],
    );
    assert_eq!(sub.expect(&format!("{aux}/update/accepted"))["version"], 3);
}

#[test]
fn broker_help_documents_shadows_and_data_dir() {
    let out = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_iotkit")).args(["broker", "--help"]),
        WAIT,
    );
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in ["--data-dir", "Device Shadows", "0x87", "$aws/rules/"] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn shadow_write_failure_is_a_500_and_changes_nothing() {
    if !mosquitto() {
        return;
    }
    let dir = TempDir::new("shadow-500");
    // A plain file where the thing's directory would go: the write fails.
    std::fs::create_dir_all(dir.0.join("shadows")).unwrap();
    std::fs::write(dir.0.join("shadows").join("blocked"), b"").unwrap();
    let b = Broker::start_with(&["--data-dir", dir.path()]);
    let base = "$aws/things/blocked/shadow";
    let mut sub = Sub::start(&b, "5", &[&format!("{base}/+/+")], "ready/blocked");
    pub_msg(
        &b,
        "5",
        &format!("{base}/update"),
        r#"{"state":{"desired":{"x":1}},"clientToken":"w1"}"#,
        &[],
    );
    let rej = sub.expect(&format!("{base}/update/rejected"));
    assert_eq!(rej["code"], 500);
    assert_eq!(rej["message"], "Internal service failure");
    assert_eq!(rej["clientToken"], "w1");
    pub_msg(&b, "5", &format!("{base}/get"), "", &[]);
    assert_eq!(sub.expect(&format!("{base}/get/rejected"))["code"], 404);
}
