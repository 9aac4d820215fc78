//! `iotkit topic` / `iotkit topics` end to end: the conformance file and bad input.
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

fn conformance() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/topics.json").to_owned()
}

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iotkit-topic-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn run_cases_passes_the_conformance_file() {
    let out = iotkit()
        .args(["topics", "run-cases", &conformance()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 78, "77 cases and the summary");
    assert_eq!(*lines.last().unwrap(), "77 passed, 0 failed");
    for line in &lines[..77] {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_string());
        assert!(v["actual"]["matches"].is_boolean() || v["actual"]["valid"].is_boolean());
    }
    // A known case, printed as the interface says.
    assert!(text.contains(r#"{"id":"match-ab1024ebd1","actual":{"matches":false}}"#));
}

#[test]
fn run_cases_counts_failures_and_cases_without_expectations() {
    let file = temp_file(
        "cases.json",
        r##"{"cases": [
            {"id": "ok", "filter": "a/+", "topic": "a/b", "matches": true},
            {"id": "wrong", "filter": "a/+", "topic": "a/b/c", "matches": true},
            {"id": "open", "filter": "#", "topic": "$SYS/x"},
            {"id": "v", "kind": "filter", "filter": "$share/g1", "valid": true, "version": "3.1.1"}
        ]}"##,
    );
    let assert = iotkit()
        .args(["topics", "run-cases", file.to_str().unwrap()])
        .assert()
        .code(1);
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(text.contains(r#"{"id":"wrong","actual":{"matches":false}}"#));
    assert!(text.contains(r#"{"id":"open","actual":{"matches":false}}"#));
    assert!(text.ends_with("2 passed, 1 failed\n"), "{text}");
}

#[test]
fn run_cases_unreadable_file_is_one_line_error() {
    let assert = iotkit()
        .args(["topics", "run-cases", "/nonexistent/cases.json"])
        .assert()
        .failure();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.starts_with("iotkit: error: cannot read"), "{err}");
    assert_eq!(err.lines().count(), 1);
    assert!(!err.contains("panicked"));
}

#[test]
fn run_cases_invalid_json_and_missing_cases() {
    let bad = temp_file("bad.json", "{ not json");
    let assert = iotkit()
        .args(["topics", "run-cases", bad.to_str().unwrap()])
        .assert()
        .failure();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("iotkit: error:") && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let empty = temp_file("nocases.json", r#"{"about": "x"}"#);
    let assert = iotkit()
        .args(["topic", "run-cases", empty.to_str().unwrap()])
        .assert()
        .failure();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("no \"cases\" array"), "{err}");
}

#[test]
fn match_and_validate() {
    iotkit()
        .args(["topic", "match", "$share/g/a/+", "a/b"])
        .assert()
        .success()
        .stdout("true\n");
    iotkit()
        .args(["topic", "match", "#", "$SYS/x"])
        .assert()
        .code(1)
        .stdout("false\n");
    let assert = iotkit()
        .args(["topic", "match", "a/#/b", "a"])
        .assert()
        .failure();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("MQTT-4.7.1-1"), "{err}");
    let assert = iotkit()
        .args(["topic", "validate", "--aws", "$SYS/x", "a/b"])
        .assert()
        .code(1);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        out.contains("invalid $SYS/x") && out.contains("valid   a/b"),
        "{out}"
    );
}

#[test]
fn help_shows_examples() {
    for args in [
        &["topic", "run-cases", "--help"][..],
        &["topic", "match", "--help"],
        &["topic", "validate", "--help"],
    ] {
        let assert = iotkit().args(args).assert().success();
        let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(out.contains("Example"), "{args:?}: {out}");
    }
}
