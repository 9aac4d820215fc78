//! The `iotkit` binary as a user runs it: help, demo, and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assert_cmd::Command;

fn iotkit() -> Command {
    Command::cargo_bin("iotkit").unwrap()
}

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.assert().get_output().stdout.clone()).unwrap()
}

#[test]
fn help_shows_an_example() {
    let out = stdout_of(iotkit().arg("--help"));
    assert!(out.contains("Examples:"), "{out}");
    assert!(out.contains("iotkit demo"), "{out}");
}

#[test]
fn demo_routes_sample_topics_to_matching_filters() {
    let assert = iotkit().arg("demo").assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let line = out
        .lines()
        .find(|l| {
            l.trim_start().starts_with("building/7/floor/2/temperature") && l.contains("-> [")
        })
        .expect("demo prints a routing line for the sample topic");
    assert!(line.contains("building/+/floor/+/temperature"), "{line}");
    assert!(line.contains("building/7/#"), "{line}");
    // `#` does not reach `$aws/...` topics (MQTT-4.7.2-1).
    let aws = out
        .lines()
        .find(|l| l.trim_start().starts_with("$aws/things/pump-1") && l.contains("-> ["))
        .unwrap();
    assert!(!aws.contains("\"#\""), "{aws}");
}

#[test]
fn demo_follows_one_message_through_every_crate() {
    let assert = iotkit().arg("demo").assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{out}"))
            .to_owned()
    };
    // The codec refuses a topic that runs past its packet: Malformed Packet.
    assert!(line("a PUBLISH whose topic").ends_with("(reason code 0x81)"));
    // The policy allows its own temperature topic, not humidity (no statement:
    // implicit deny) and never `$aws/` (explicit deny wins).
    let policy: Vec<String> = [
        "building/7/floor/2/temperature ",
        "building/7/floor/2/humidity",
        "$aws/things/sensor-7/jobs",
    ]
    .iter()
    .map(|t| line(t))
    .collect();
    assert!(policy[0].ends_with("-> Allow"), "{policy:?}");
    assert!(policy[1].ends_with("-> ImplicitDeny"), "{policy:?}");
    assert!(policy[2].ends_with("-> ExplicitDeny"), "{policy:?}");
    // The rule: 31.5 °C > 30 fires; round(31.5 * 1.8 + 32) = round(88.7) = 89.
    let fired = line("fires; republish to");
    // The republish template reads `device`, which the rule itself does not.
    assert!(fired.contains(r#""alerts/7/sensor-7""#), "{fired}");
    assert!(
        fired.contains(r#"{"building":"7","celsius":31.5,"fahrenheit":89}"#),
        "{fired}"
    );
    assert!(line("on a 21 °C reading").ends_with("true"));
    // Desired fan "on" against reported "off": the delta names it; a stale
    // version is the service's 409.
    assert_eq!(line("/fan ="), r#"   /fan = "on""#);
    assert!(line("an update with a stale version").ends_with("409 Version conflict"));
}

#[test]
fn topic_match_exit_status_tells_the_answer() {
    iotkit()
        .args(["topic", "match", "a/+/c", "a/b/c"])
        .assert()
        .success()
        .stdout("true\n");
    iotkit()
        .args(["topic", "match", "a/+/c", "a/b/d"])
        .assert()
        .code(1)
        .stdout("false\n");
}

#[test]
fn invalid_filter_is_a_one_line_error_not_a_panic() {
    let assert = iotkit()
        .args(["topic", "match", "a/#/c", "a/b"])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("iotkit: error: invalid topic filter"),
        "{err}"
    );
    assert!(err.contains("MQTT-4.7.1-1"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_subcommand_fails_with_usage() {
    iotkit().arg("no-such-command").assert().failure();
}
