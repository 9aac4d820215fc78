#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `iotkit broker` against real clients: Debian's `mosquitto_pub` /
//! `mosquitto_sub` (MQTT 3.1.1 and 5) and paho-mqtt from Python
//! (`broker_paho.py`).
//!
//! Each test starts its own broker on 127.0.0.1 port 0 and kills it when done.
//! Tests needing a missing peer print why and pass, unless
//! `IOTKIT_REQUIRE_PEERS=1` is set (as `scripts/test` does): then they fail.

mod broker_common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use broker_common::{Broker, WAIT, peers, run_bounded};

fn mosquitto() -> bool {
    peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]])
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
