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

use std::process::Command;

use broker_common::{Broker, Lines, WAIT, mosquitto_pub, paho_script, peers, run_bounded};

fn mosquitto() -> bool {
    peers(&[&["mosquitto_pub", "--help"], &["mosquitto_sub", "--help"]])
}

/// A running `mosquitto_sub` whose output lines arrive on a channel.
struct Sub(Lines);

impl Sub {
    /// Subscribes `filters` and waits until it has received the retained
    /// `ready` message (publishing it first), so the subscription is active.
    fn start(b: &Broker, version: &str, filters: &[&str], count: usize, ready: &str) -> Self {
        mosquitto_pub(b, version, ready, "ready", &["-r", "-q", "1"]);
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args(["-h", "127.0.0.1", "-p", &b.port(), "-V", version])
            .args(["-q", "2", "-v", "-C", &(count + 1).to_string(), "-W", "10"])
            .args(["-F", "%t %p q%q"]);
        for f in filters {
            cmd.args(["-t", f]);
        }
        let sub = Self(Lines::spawn(&mut cmd));
        let first = sub.0.line();
        assert!(first.starts_with(ready), "{first}");
        sub
    }

    /// The next `n` lines (fewer if it exits or times out).
    fn take(&self, n: usize) -> Vec<String> {
        (0..n).map_while(|_| self.0.next_line()).collect()
    }
}

fn wildcard_qos_0_1_2(version: &str) {
    if !mosquitto() {
        return;
    }
    let b = Broker::start();
    let sub = Sub::start(&b, version, &["sensors/+/temp"], 3, "sensors/ready/temp");
    mosquitto_pub(&b, version, "sensors/a/temp", "zero", &["-q", "0"]);
    mosquitto_pub(&b, version, "sensors/b/temp", "one", &["-q", "1"]);
    mosquitto_pub(
        &b,
        version,
        "sensors/b/humidity",
        "not matched",
        &["-q", "1"],
    );
    mosquitto_pub(&b, version, "sensors/c/temp", "two", &["-q", "2"]);
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
    mosquitto_pub(&b, "5", "q/ready", "ready", &["-r", "-q", "1"]);
    let sub = Lines::spawn(
        Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &port, "-V", "5", "-q", "1"])
            .args(["-t", "q/#", "-v", "-C", "3", "-W", "10", "-F", "%t %p q%q"]),
    );
    assert!(sub.line().starts_with("q/ready"));
    mosquitto_pub(&b, "5", "q/two", "x", &["-q", "2"]);
    mosquitto_pub(&b, "5", "q/zero", "y", &["-q", "0"]);
    let got: Vec<String> = (0..2).map_while(|_| sub.next_line()).collect();
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
        mosquitto_pub(&b, version, &topic, "kept", &["-r", "-q", "1"]);
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
    mosquitto_pub(&b, "311", "retained/311", "", &["-r"]);
    mosquitto_pub(&b, "5", "retained/5", "", &["-r"]);
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
        let all = Sub::start(&b, version, &["#"], 1, &format!("ready/{version}"));
        mosquitto_pub(&b, version, "$SYS/broker/test", "hidden", &[]);
        mosquitto_pub(&b, version, "after/dollar", "visible", &[]);
        let line = all.0.line();
        assert_eq!(line, "after/dollar visible q0");
    }
}

// ---------------------------------------------------------------- paho

#[test]
fn paho_v311_and_v5_clients() {
    paho_script(&Broker::start(), "broker_paho.py", "paho: all ok");
}
