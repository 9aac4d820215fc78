//! `iotkit shadow`: the case runner on the conformance file, the local service, bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use assert_cmd::Command;
use serde_json::Value;

fn iotkit() -> Command {
    Command::cargo_bin("iotkit").unwrap()
}

fn conformance() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/shadow.json").to_string()
}

fn stdout_lines(out: &[u8]) -> Vec<String> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn run_cases_passes_the_conformance_file() {
    let out = iotkit()
        .args(["shadow", "run-cases", &conformance()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out.stdout);
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(conformance()).unwrap()).unwrap();
    let n = file["cases"].as_array().unwrap().len();
    assert_eq!(lines.len(), n + 1);
    assert_eq!(lines[n], format!("{n} passed, 0 failed"));
    let first: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first["id"], file["cases"][0]["id"]);
    assert!(first["actual"]["steps"][0]["accepted"]["version"].is_u64());
}

#[test]
fn run_cases_reports_failures_and_exits_non_zero() {
    let dir = tempdir();
    let path = dir.join("cases.json");
    std::fs::write(
        &path,
        r#"{"cases": [
          {"id": "ok", "thing": "t", "steps": [{"op": "get", "expect": {"error": {"code": 404}}}]},
          {"id": "bad", "thing": "t", "steps": [{"op": "update", "payload": {"state": {}},
            "expect": {"accepted": {"version": 7}}}]},
          {"id": "plain", "thing": "t", "steps": [{"op": "parse_topic", "payload": "$aws/things/t/shadow/get"}]}
        ]}"#,
    )
    .unwrap();
    let out = iotkit()
        .args(["shadow", "run-cases"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = stdout_lines(&out.stdout);
    assert_eq!(lines.last().unwrap(), "1 passed, 1 failed");
    let plain: Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(plain["actual"]["steps"][0]["parsed"]["op"], "get");
    assert!(String::from_utf8_lossy(&out.stderr).contains("FAIL bad"));
}

#[test]
fn bad_input_is_one_line_error() {
    let dir = tempdir();
    let not_json = dir.join("x.json");
    std::fs::write(&not_json, "{nope").unwrap();
    let cases: [&[&str]; 3] = [
        &["shadow", "run-cases", "/definitely/not/here.json"],
        &["shadow", "run-cases", not_json.to_str().unwrap()],
        &[
            "shadow",
            "apply",
            "--topic",
            "$aws/things/t/shadow/update/accepted",
            "x",
        ],
    ];
    for args in cases {
        let out = iotkit().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("iotkit: error: "), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(!err.contains("panicked"));
    }
    let out = iotkit()
        .args(["shadow", "apply"])
        .write_stdin("not json\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = iotkit()
        .args(["shadow", "apply"])
        .write_stdin(r#"{"op": "explode", "thing": "t"}"#)
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown op")
    );
}

#[test]
fn apply_publishes_and_persists() {
    let dir = tempdir();
    let state = dir.join("state");
    let update = r#"{"topic": "$aws/things/lamp/shadow/name/cfg/update", "payload": {"state": {"desired": {"on": true}}}}"#;
    let out = iotkit()
        .args(["shadow", "apply", "--now", "10", "--state"])
        .arg(&state)
        .write_stdin(format!("{update}\n{update}\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let msgs: Vec<Value> = stdout_lines(&out.stdout)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let topics: Vec<&str> = msgs.iter().map(|m| m["topic"].as_str().unwrap()).collect();
    assert_eq!(
        topics,
        [
            "$aws/things/lamp/shadow/name/cfg/update/accepted",
            "$aws/things/lamp/shadow/name/cfg/update/delta",
            "$aws/things/lamp/shadow/name/cfg/update/documents",
            "$aws/things/lamp/shadow/name/cfg/update/accepted",
            "$aws/things/lamp/shadow/name/cfg/update/delta",
            "$aws/things/lamp/shadow/name/cfg/update/documents",
        ]
    );
    assert_eq!(msgs[3]["payload"]["version"], 2);
    // A second run continues from the persisted state.
    let out = iotkit()
        .args(["shadow", "apply", "--now", "11", "--state"])
        .arg(&state)
        .write_stdin(
            "{\"op\": \"delete\", \"thing\": \"lamp\", \"shadow\": \"cfg\"}\n{\"op\": \"get\", \"thing\": \"lamp\", \"shadow\": \"cfg\"}\n",
        )
        .output()
        .unwrap();
    let msgs: Vec<Value> = stdout_lines(&out.stdout)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(msgs[0]["payload"]["version"], 2);
    assert_eq!(
        msgs[1]["topic"],
        "$aws/things/lamp/shadow/name/cfg/get/rejected"
    );
    assert_eq!(
        msgs[1]["payload"]["message"],
        "No shadow exists with name: 'cfg'"
    );
}

#[test]
fn apply_topic_mode_rejections_are_answers() {
    let dir = tempdir();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"state": {"desired": {"a": [null]}}, "clientToken": "c"}"#,
    )
    .unwrap();
    let out = iotkit()
        .args([
            "shadow",
            "apply",
            "--now",
            "1",
            "--topic",
            "$aws/things/t/shadow/update",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(out.status.success());
    let msg: Value = serde_json::from_str(&stdout_lines(&out.stdout)[0]).unwrap();
    assert_eq!(msg["topic"], "$aws/things/t/shadow/update/rejected");
    assert_eq!(msg["payload"]["code"], 400);
    assert_eq!(msg["payload"]["clientToken"], "c");
}

#[test]
fn help_shows_examples() {
    for sub in ["apply", "run-cases"] {
        let out = iotkit().args(["shadow", sub, "--help"]).output().unwrap();
        assert!(
            String::from_utf8(out.stdout)
                .unwrap()
                .contains("iotkit shadow")
        );
    }
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "iotkit-shadow-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
