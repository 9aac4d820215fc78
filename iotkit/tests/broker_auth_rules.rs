#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker --config`: authorization with AWS IoT policies and topic
//! rules (republish, log, errorAction, Basic Ingest).
//!
//! Expected values come from the AWS IoT documentation: denied CONNECT is
//! CONNACK 0x87 (5.0) / 0x05 (3.1.1), denied PUBLISH is PUBACK 0x87 on 5.0
//! and a disconnect on 3.1.1, denied SUBSCRIBE is 0x87 / 0x80 for that
//! filter, denied Receive is silently not delivered; a rule's output for
//! `SELECT temp, clientid() AS device` is `{"temp":..,"device":..}`, and a
//! PUBLISH to `$aws/rules/{rule}/...` reaches only that rule.

mod broker_common;

use std::process::Command;
use std::time::{Duration, Instant};

use broker_common::{Broker, Raw, WAIT, peers, pid, run_bounded, scratch_dir, utf};
use bytes::Bytes;
use iot_mqtt_codec::{
    Connect, Packet, ProtocolVersion, Publish, QoS, ReasonCode, SubscriptionOptions,
};
use serde_json::{Value, json};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V311;

const ARN: &str = "arn:aws:iot:eu-west-1:111122223333";

fn device_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect",
             "Resource": format!("{ARN}:client/${{iot:ClientId}}")},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
             "Resource": format!("{ARN}:topic/devices/${{iot:ClientId}}/*")},
            {"Effect": "Allow", "Action": "iot:Subscribe",
             "Resource": format!("{ARN}:topicfilter/devices/${{iot:ClientId}}/*")}
        ]
    })
    .to_string()
}

/// A monitor may subscribe to anything but receive only device-1's topics.
fn monitor_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iot:Connect", "iot:Subscribe"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iot:Receive",
             "Resource": format!("{ARN}:topic/devices/device-1/*")}
        ]
    })
    .to_string()
}

fn policy_broker(name: &str) -> Broker {
    let dir = scratch_dir(name);
    let toml = format!(
        r#"
region = "eu-west-1"
account = "111122223333"

[[policies]]
name = "device"
path = "device.json"

[[policies]]
name = "monitor"
document = '{}'

[[attach]]
client_id = "device-1"
policies = ["device"]

[[attach]]
client_id = "device-2"
policies = ["device"]

[[attach]]
client_id = "monitor"
policies = ["monitor"]
"#,
        monitor_policy()
    );
    Broker::start_with_config(&dir, &toml, &[("device.json", &device_policy())])
}

fn publish(c: &mut Raw, topic: &str, payload: &str, qos: QoS, id: u16) {
    let mut p = Publish::new(utf(topic), Bytes::from(payload.to_owned()));
    p.qos = qos;
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(id));
    }
    c.send(&Packet::Publish(p));
}

fn puback_reason(c: &mut Raw) -> ReasonCode {
    match c.recv() {
        Some(Packet::PubAck(a)) => a.reason_code,
        other => panic!("expected PUBACK, got {other:?}"),
    }
}

fn subscribe(c: &mut Raw, filters: &[&str]) -> Vec<u8> {
    let qos1 = SubscriptionOptions::new(QoS::AtLeastOnce);
    let list: Vec<_> = filters.iter().map(|f| (*f, qos1)).collect();
    c.subscribe_to(1, &list, &[])
}

fn recv_publish(c: &mut Raw) -> (String, Vec<u8>) {
    loop {
        match c.recv() {
            Some(Packet::Publish(p)) => {
                if let Some(id) = p.packet_id {
                    c.send(&Packet::PubAck(iot_mqtt_codec::PubAck::new(id)));
                }
                return (p.topic.as_str().to_owned(), p.payload.to_vec());
            }
            Some(Packet::PingResp) => {}
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }
}

fn connack(b: &Broker, version: ProtocolVersion, id: &str) -> Option<Packet> {
    let mut raw = Raw::open(b, version);
    let mut c = Connect::new(version, utf(id));
    c.keep_alive = 60;
    raw.send(&Packet::from(c));
    let ack = raw.recv();
    raw.expect_closed();
    ack
}

#[test]
fn policy_v5_publish_own_topic_allowed_other_device_puback_0x87() {
    let b = policy_broker("pub5");
    let mut c = Raw::connect(&b, V5, "device-1", |_| {});
    publish(
        &mut c,
        "devices/device-1/telemetry",
        "{}",
        QoS::AtLeastOnce,
        1,
    );
    assert_eq!(puback_reason(&mut c), ReasonCode::SUCCESS);
    publish(
        &mut c,
        "devices/device-2/telemetry",
        "{}",
        QoS::AtLeastOnce,
        2,
    );
    assert_eq!(puback_reason(&mut c), ReasonCode::NOT_AUTHORIZED);
    // No iot:RetainPublish in the policy: a retained publish is refused too.
    let mut p = Publish::new(utf("devices/device-1/state"), Bytes::from_static(b"1"));
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(3));
    p.retain = true;
    c.send(&Packet::Publish(p));
    assert_eq!(puback_reason(&mut c), ReasonCode::NOT_AUTHORIZED);
    // The connection stays usable on 5.0.
    c.ping();
}

#[test]
fn policy_v311_publish_to_other_device_disconnects() {
    let b = policy_broker("pub311");
    let mut c = Raw::connect(&b, V311, "device-1", |_| {});
    publish(
        &mut c,
        "devices/device-1/telemetry",
        "{}",
        QoS::AtLeastOnce,
        1,
    );
    assert_eq!(puback_reason(&mut c), ReasonCode::SUCCESS);
    publish(
        &mut c,
        "devices/device-2/telemetry",
        "{}",
        QoS::AtLeastOnce,
        2,
    );
    c.expect_closed();
}

#[test]
fn policy_subscribe_to_other_device_filter_gets_0x87_v5_and_0x80_v311() {
    let b = policy_broker("sub");
    let mut c5 = Raw::connect(&b, V5, "device-1", |_| {});
    assert_eq!(
        subscribe(&mut c5, &["devices/device-1/#", "devices/device-2/#"]),
        vec![0x01, 0x87]
    );
    let mut c3 = Raw::connect(&b, V311, "device-2", |_| {});
    assert_eq!(
        subscribe(&mut c3, &["devices/device-2/+", "devices/device-1/+"]),
        vec![0x01, 0x80]
    );
}

#[test]
fn policy_unattached_client_id_refused_at_connect() {
    let b = policy_broker("connect");
    match connack(&b, V5, "intruder") {
        Some(Packet::ConnAck(a)) => assert_eq!(a.reason_code, ReasonCode::NOT_AUTHORIZED),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    match connack(&b, V311, "intruder") {
        Some(Packet::ConnAck(a)) => assert_eq!(a.reason_code, ReasonCode(0x05)),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    // An attached client id is still accepted.
    Raw::connect(&b, V5, "device-1", |_| {}).ping();
}

#[test]
fn policy_denied_receive_is_silently_not_delivered() {
    let b = policy_broker("receive");
    let mut m = Raw::connect(&b, V5, "monitor", |_| {});
    assert_eq!(subscribe(&mut m, &["devices/#"]), vec![0x01]);
    let mut d2 = Raw::connect(&b, V5, "device-2", |_| {});
    publish(
        &mut d2,
        "devices/device-2/telemetry",
        "two",
        QoS::AtLeastOnce,
        1,
    );
    assert_eq!(puback_reason(&mut d2), ReasonCode::SUCCESS);
    let mut d1 = Raw::connect(&b, V5, "device-1", |_| {});
    publish(
        &mut d1,
        "devices/device-1/telemetry",
        "one",
        QoS::AtLeastOnce,
        1,
    );
    assert_eq!(puback_reason(&mut d1), ReasonCode::SUCCESS);
    let (topic, payload) = recv_publish(&mut m);
    assert_eq!(topic, "devices/device-1/telemetry");
    assert_eq!(payload, b"one");
    m.expect_silence(Duration::from_millis(300));
}

#[test]
fn policy_will_to_a_denied_topic_is_not_published() {
    let b = policy_broker("will");
    let mut m = Raw::connect(&b, V5, "monitor", |_| {});
    assert_eq!(subscribe(&mut m, &["devices/#"]), vec![0x01]);
    let mut d2 = Raw::connect(&b, V5, "device-2", |_| {});
    assert_eq!(subscribe(&mut d2, &["devices/device-2/#"]), vec![0x01]);
    let will = |topic: &'static str| {
        move |c: &mut Connect| {
            c.will = Some(iot_mqtt_codec::Will {
                qos: QoS::AtLeastOnce,
                retain: false,
                properties: iot_mqtt_codec::Properties::new(),
                topic: utf(topic),
                payload: Bytes::from_static(b"gone"),
            });
        }
    };
    // device-1 may not publish to device-2's topics, its will included.
    drop(Raw::connect(
        &b,
        V311,
        "device-1",
        will("devices/device-2/will"),
    ));
    // Its own topic is allowed: the monitor gets that will.
    drop(Raw::connect(
        &b,
        V311,
        "device-1",
        will("devices/device-1/will"),
    ));
    let (topic, payload) = recv_publish(&mut m);
    assert_eq!(
        (topic.as_str(), &payload[..]),
        ("devices/device-1/will", &b"gone"[..])
    );
    d2.expect_silence(Duration::from_millis(300));
}

const HOT_SQL: &str =
    "SELECT temp, clientid() AS device FROM 'devices/+/telemetry' WHERE temp > 30";

fn rule(sql: &str, actions: Value, error_action: Option<Value>) -> String {
    let mut r = json!({"sql": sql, "awsIotSqlVersion": "2016-03-23", "actions": actions});
    if let Some(e) = error_action {
        r["errorAction"] = e;
    }
    r.to_string()
}

/// Waits until `path` holds at least `n` lines and returns them parsed.
fn json_lines(path: &std::path::Path, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if lines.len() >= n {
            return lines;
        }
        assert!(
            started.elapsed() < WAIT,
            "{} has {} lines, expected {n}",
            path.display(),
            lines.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn hot_rule_broker(name: &str) -> (Broker, std::path::PathBuf) {
    let dir = scratch_dir(name);
    let hot = rule(
        HOT_SQL,
        json!([
            {"republish": {"topic": "alerts/${topic(2)}", "qos": 1,
                           "roleArn": "arn:aws:iam::123456789012:role/republish"}},
            {"log": {"path": "hot.jsonl"}}
        ]),
        None,
    );
    let toml = "[[rules]]\nname = \"hot\"\npath = \"hot.json\"\n";
    let b = Broker::start_with_config(&dir, toml, &[("hot.json", &hot)]);
    (b, dir)
}

#[test]
fn rule_republishes_only_matching_messages_with_the_selected_payload() {
    let (b, dir) = hot_rule_broker("republish");
    let mut sub = Raw::connect(&b, V5, "dashboard", |_| {});
    assert_eq!(subscribe(&mut sub, &["alerts/#"]), vec![0x01]);
    let mut dev = Raw::connect(&b, V5, "device-7", |_| {});
    for (i, temp) in [35, 20, 31].into_iter().enumerate() {
        let body = json!({"temp": temp, "humidity": 50}).to_string();
        publish(
            &mut dev,
            "devices/device-7/telemetry",
            &body,
            QoS::AtLeastOnce,
            i as u16 + 1,
        );
        assert_eq!(puback_reason(&mut dev), ReasonCode::SUCCESS);
    }
    // Not matched by FROM: never evaluated.
    publish(
        &mut dev,
        "devices/device-7/status",
        r#"{"temp": 99}"#,
        QoS::AtMostOnce,
        0,
    );
    for temp in [35, 31] {
        let (topic, payload) = recv_publish(&mut sub);
        assert_eq!(topic, "alerts/device-7");
        let v: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(v, json!({"temp": temp, "device": "device-7"}));
    }
    sub.expect_silence(Duration::from_millis(300));
    // The log action wrote one JSON line per output.
    let lines = json_lines(&dir.join("hot.jsonl"), 2);
    assert_eq!(
        lines,
        vec![
            json!({"temp": 35, "device": "device-7"}),
            json!({"temp": 31, "device": "device-7"})
        ]
    );
}

#[test]
fn rule_basic_ingest_reaches_the_rule_and_no_subscriber() {
    let dir = scratch_dir("ingest");
    let ingest = rule(
        "SELECT *, topic() AS t FROM 'never/used'",
        json!([{"log": {"path": "ingest.jsonl"}}]),
        None,
    );
    let toml = "[[rules]]\nname = \"ingest_rule\"\npath = \"ingest.json\"\n";
    let b = Broker::start_with_config(&dir, toml, &[("ingest.json", &ingest)]);
    let mut sub = Raw::connect(&b, V5, "snoop", |_| {});
    assert_eq!(
        subscribe(&mut sub, &["#", "$aws/rules/#"]),
        vec![0x01, 0x01]
    );
    let mut dev = Raw::connect(&b, V5, "device-1", |_| {});
    publish(
        &mut dev,
        "$aws/rules/ingest_rule/x/y",
        r#"{"v": 1}"#,
        QoS::AtLeastOnce,
        1,
    );
    assert_eq!(puback_reason(&mut dev), ReasonCode::SUCCESS);
    // Unknown rule name: dropped, and still not routed.
    publish(
        &mut dev,
        "$aws/rules/nope/x",
        r#"{"v": 2}"#,
        QoS::AtMostOnce,
        0,
    );
    // topic() of a Basic Ingest message is the topic without the prefix.
    let lines = json_lines(&dir.join("ingest.jsonl"), 1);
    assert_eq!(lines, vec![json!({"v": 1, "t": "x/y"})]);
    sub.expect_silence(Duration::from_millis(300));
}

#[test]
fn rule_error_action_runs_when_an_action_fails() {
    let dir = scratch_dir("error");
    let r = rule(
        "SELECT * FROM 'in/+'",
        json!([{"log": {"path": "missing-dir/out.jsonl"}}]),
        Some(json!({"log": {"path": "errors.jsonl"}})),
    );
    let toml = "[[rules]]\nname = \"failing\"\npath = \"r.json\"\n";
    let b = Broker::start_with_config(&dir, toml, &[("r.json", &r)]);
    let mut dev = Raw::connect(&b, V5, "device-3", |_| {});
    publish(&mut dev, "in/a", r#"{"x": 1}"#, QoS::AtLeastOnce, 1);
    assert_eq!(puback_reason(&mut dev), ReasonCode::SUCCESS);
    let lines = json_lines(&dir.join("errors.jsonl"), 1);
    let e = &lines[0];
    assert_eq!(e["ruleName"], "failing");
    assert_eq!(e["topic"], "in/a");
    assert_eq!(e["clientId"], "device-3");
    // base64 of {"x": 1}
    assert_eq!(e["base64OriginalPayload"], "eyJ4IjogMX0=");
    assert_eq!(e["failures"][0]["failedAction"], "LogAction");
}

#[test]
fn rule_context_functions_see_mqtt5_properties() {
    let dir = scratch_dir("props");
    let r = rule(
        "SELECT get_mqtt_property('content_type') AS ct, \
         get_mqtt_property('response_topic') AS rt, clientid() AS c, \
         timestamp() > 0 AS ts FROM 'props/+'",
        json!([{"log": {"path": "props.jsonl"}}]),
        None,
    );
    let toml = "[[rules]]\nname = \"props\"\npayload = '''\n".to_owned() + &r + "\n'''\n";
    let b = Broker::start_with_config(&dir, &toml, &[]);
    let mut dev = Raw::connect(&b, V5, "device-5", |_| {});
    let mut p = Publish::new(utf("props/a"), Bytes::from_static(b"{}"));
    p.properties = iot_mqtt_codec::Properties::from_list([
        iot_mqtt_codec::Property::ContentType(utf("application/json")),
        iot_mqtt_codec::Property::ResponseTopic(utf("replies/device-5")),
    ])
    .unwrap();
    dev.send(&Packet::Publish(p));
    let lines = json_lines(&dir.join("props.jsonl"), 1);
    assert_eq!(
        lines,
        vec![
            json!({"ct": "application/json", "rt": "replies/device-5", "c": "device-5", "ts": true})
        ]
    );
}

#[test]
fn config_errors_stop_the_broker_with_a_message() {
    let dir = scratch_dir("bad");
    let path = dir.join("broker.toml");
    std::fs::write(
        &path,
        format!(
            "[[attach]]\nclient_id = \"a\"\npolicies = [\"nope\"]\n[[policies]]\nname = \"p\"\ndocument = '{}'\n",
            device_policy()
        ),
    )
    .unwrap();
    let out = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_iotkit")).args([
            "broker",
            "--listen",
            "127.0.0.1:0",
            "--config",
            path.to_str().unwrap(),
        ]),
        WAIT,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn mosquitto_rule_republish_reaches_mosquitto_sub_v311_and_v5() {
    if !peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]]) {
        return;
    }
    let (b, _dir) = hot_rule_broker("mosquitto");
    for version in ["mqttv311", "5"] {
        let sub = std::process::Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-t", "alerts/#", "-v", "-C", "1", "-W", "10", "-q", "1"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        // Publish until the subscriber is surely subscribed (bounded).
        let started = Instant::now();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(sub.wait_with_output());
        });
        let out = loop {
            let pub_out = run_bounded(
                Command::new("mosquitto_pub")
                    .args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
                    .args(["-i", "sensor-9", "-q", "1"])
                    .args(["-t", "devices/sensor-9/telemetry", "-m", r#"{"temp": 40}"#]),
                WAIT,
            );
            assert!(pub_out.status.success());
            if let Ok(out) = rx.recv_timeout(Duration::from_millis(200)) {
                break out.unwrap();
            }
            assert!(started.elapsed() < WAIT, "mosquitto_sub got nothing");
        };
        let text = String::from_utf8(out.stdout).unwrap();
        let (topic, payload) = text.trim_end().split_once(' ').unwrap();
        assert_eq!(topic, "alerts/sensor-9");
        let v: Value = serde_json::from_str(payload).unwrap();
        assert_eq!(v, json!({"temp": 40, "device": "sensor-9"}));
    }
}
