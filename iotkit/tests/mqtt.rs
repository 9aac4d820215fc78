//! `iotkit mqtt`: run-cases on the shared vector file, decode/encode, and bad input.
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

fn vectors() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/mqtt-vectors.json"
    )
    .to_owned()
}

#[test]
fn run_cases_passes_every_shared_vector() {
    let out = iotkit()
        .args(["mqtt", "run-cases", &vectors()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors()).unwrap()).unwrap();
    let n = file["cases"].as_array().unwrap().len();
    assert_eq!(lines.len(), n + 1);
    assert_eq!(lines[n], format!("{n} passed, 0 failed"));
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["id"], "v4-connect-min");
    assert_eq!(first["actual"]["result"], "ok");
    assert_eq!(
        first["actual"]["reencoded"],
        "100d00044d5154540402003c000161"
    );
}

#[test]
fn run_cases_counts_failures_and_skips_cases_without_expectations() {
    let dir = std::env::temp_dir().join(format!("iotkit-mqtt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cases.json");
    std::fs::write(
        &path,
        r#"{"cases": [
            {"id": "wrong", "version": 4, "hex": "c000", "expect": "malformed"},
            {"id": "no-expect", "version": 5, "hex": "e00104"},
            {"id": "alt", "version": 4, "hex": "38070003612f626869", "expect": "ok", "alt_expect": "malformed"}
        ]}"#,
    )
    .unwrap();
    let out = iotkit()
        .args(["mqtt", "run-cases", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(r#"{"id":"wrong","actual":{"result":"ok","reencoded":"c000"}}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""id":"alt","actual":{"result":"malformed","error":"#),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn decode_prints_every_field_and_encode_reverses_it() {
    let hex = "322b0003612f620001210101020000003c0300047465787408000172090002abcd2600016b0001762300056869";
    let out = iotkit()
        .args(["mqtt", "decode", "--version", "5", hex])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["type"], "Publish");
    assert_eq!(json["topic"], "a/b");
    assert_eq!(json["packet_id"], 1);
    assert_eq!(json["payload"], "6869");
    assert_eq!(json["properties"].as_array().unwrap().len(), 7);
    assert_eq!(
        json["properties"][4],
        serde_json::json!({"name": "CorrelationData", "value": "abcd"})
    );
    let back = iotkit()
        .args(["mqtt", "encode", "--version", "5", "-"])
        .write_stdin(out.stdout)
        .output()
        .unwrap();
    assert!(back.status.success());
    assert_eq!(String::from_utf8(back.stdout).unwrap().trim(), hex);
}

#[test]
fn bad_input_gives_one_line_errors() {
    let cases: [&[&str]; 7] = [
        &["mqtt", "run-cases", "/nonexistent/cases.json"],
        &["mqtt", "decode", "zz"],
        &["mqtt", "decode", "--version", "4", "36090003612f62000a6869"],
        &["mqtt", "decode", "3009"],
        &["mqtt", "decode", "--version", "7", "c000"],
        &["mqtt", "encode", "{not json"],
        &[
            "mqtt",
            "encode",
            r#"{"type":"PubAck","packet_id":0,"reason_code":0,"properties":[]}"#,
        ],
    ];
    for args in cases {
        let out = iotkit().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("iotkit: error: "), "{args:?}: {stderr}");
    }
    let invalid_json =
        std::env::temp_dir().join(format!("iotkit-mqtt-bad-{}.json", std::process::id()));
    std::fs::write(&invalid_json, "{").unwrap();
    let out = iotkit()
        .args(["mqtt", "run-cases", invalid_json.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("is not valid JSON")
    );
    std::fs::remove_file(invalid_json).unwrap();
}

#[test]
fn every_mqtt_subcommand_help_shows_an_example() {
    for sub in ["decode", "encode", "run-cases"] {
        let out = iotkit().args(["mqtt", sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8(out.stdout)
                .unwrap()
                .contains(&format!("iotkit mqtt {sub}")),
            "{sub}"
        );
    }
}
