//! `iotkit sql`: the conformance runner and `eval`, including bad input.
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

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn tmp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iotkit-sql-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn run_cases_on_the_conformance_file() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/iot-sql.json");
    let out = iotkit().args(["sql", "run-cases", file]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let n_cases = doc["cases"].as_array().unwrap().len();
    assert_eq!(lines.len(), n_cases + 1);
    assert_eq!(
        *lines.last().unwrap(),
        format!("{n_cases} passed, 0 failed")
    );
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["id"], "select-field");
    assert_eq!(
        first["actual"],
        serde_json::json!({"kind": "object", "output": {"color": "red"}})
    );
}

#[test]
fn run_cases_counts_failures_and_skips_cases_without_expectations() {
    let file = tmp(
        "cases.json",
        r#"{"cases": [
          {"id": "ok", "sql": "SELECT 1 AS r FROM 'a'", "sql_version": "2016-03-23", "topic": "a", "payload": {}, "output_kind": "object", "expected": {"r": 1}},
          {"id": "bad", "sql": "SELECT 2 AS r FROM 'a'", "sql_version": "2016-03-23", "topic": "a", "payload": {}, "output_kind": "object", "expected": {"r": 1}},
          {"id": "open", "sql": "SELECT * FROM 'a'", "topic": "b", "payload": {}}
        ]}"#,
    );
    let out = iotkit()
        .args(["sql", "run-cases"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(r#"{"id":"open","actual":{"kind":"not_triggered","output":null}}"#),
        "{text}"
    );
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

#[test]
fn run_cases_bad_input_is_one_clear_line() {
    let out = iotkit()
        .args(["sql", "run-cases", "/nonexistent/cases.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("iotkit: error: cannot read /nonexistent/cases.json"));
    let bad = tmp("bad.json", "{not json");
    let out = iotkit()
        .args(["sql", "run-cases"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid JSON"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn eval_prints_output_no_match_and_not_triggered() {
    let sql = "SELECT temp, upper(unit) AS unit FROM 'sensors/+' WHERE temp > 20";
    let run = |topic: &str, payload: &str| {
        let out = iotkit()
            .args([
                "sql",
                "eval",
                "--sql",
                sql,
                "--sql-version",
                "2016-03-23",
                "--topic",
                topic,
            ])
            .args(["--payload", payload])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(
        run("sensors/a", r#"{"temp": 25.5, "unit": "c"}"#),
        "{\"temp\":25.5,\"unit\":\"C\"}\n"
    );
    assert_eq!(run("sensors/a", r#"{"temp": 5}"#), "no match\n");
    assert_eq!(run("other", r#"{"temp": 25}"#), "not triggered\n");
}

#[test]
fn eval_binary_payload_and_version_default() {
    let out = iotkit()
        .args([
            "sql",
            "eval",
            "--sql",
            "SELECT * FROM 't'",
            "--topic",
            "t",
            "--payload-base64",
            "AAECAwQ=",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "binary AAECAwQ=\n");
    // Default version 2015-10-08: whole decimals keep their point.
    let out = iotkit()
        .args([
            "sql",
            "eval",
            "--sql",
            "SELECT 10.0 AS r FROM 't'",
            "--topic",
            "t",
            "--payload",
            "{}",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "{\"r\":10.0}\n");
}

#[test]
fn eval_reports_sql_errors_with_a_caret() {
    let out = iotkit()
        .args([
            "sql",
            "eval",
            "--sql",
            "SELECT a FROM topic/x",
            "--topic",
            "t",
            "--payload",
            "{}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "iotkit: error: the topic filter after FROM must be single-quoted at line 1, column 15\n\
         SELECT a FROM topic/x\n              ^\n"
    );
}

#[test]
fn eval_rejects_bad_payloads_and_files() {
    let base = ["sql", "eval", "--sql", "SELECT * FROM 't'", "--topic", "t"];
    let out = iotkit()
        .args(base)
        .args(["--payload", "{oops"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("iotkit: error: --payload is not valid JSON"));
    let out = iotkit()
        .args(base)
        .args(["--payload-base64", "!!"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("iotkit: error: --payload-base64 is not valid base64"));
    let out = iotkit()
        .args(base)
        .args(["--payload", "{}", "--sql-version", "2020-01-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown SQL version"));
    let out = iotkit()
        .args([
            "sql",
            "eval",
            "--rule",
            "/nonexistent.json",
            "--payload",
            "{}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("iotkit: error: cannot read /nonexistent.json"));
    let not_rule = tmp("notrule.json", r#"{"actions": []}"#);
    let out = iotkit()
        .args(["sql", "eval", "--payload", "{}", "--rule"])
        .arg(&not_rule)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no \"sql\" string"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn eval_rule_file_renders_action_templates_with_context() {
    let rule = tmp(
        "rule.json",
        r#"{"sql": "SELECT deviceid AS id, clientid() AS c FROM 'devices/+'", "awsIotSqlVersion": "2016-03-23",
            "actions": [{"republish": {"topic": "out/${topic(2)}/${deviceid}", "roleArn": "arn:aws:iam::1:role/r"}}]}"#,
    );
    let ctx = tmp("ctx.json", r#"{"clientid": "c-1", "timestamp": 5}"#);
    let out = iotkit()
        .args(["sql", "eval", "--rule"])
        .arg(&rule)
        .arg("--context")
        .arg(&ctx)
        .args([
            "--topic",
            "devices/d9",
            "--payload",
            r#"{"deviceid": "d9"}"#,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"id\":\"d9\",\"c\":\"c-1\"}\nactions[0].republish.topic: out/d9/d9\n"
    );
}

#[test]
fn eval_jsonl_reads_many_messages() {
    let out = iotkit()
        .args(["sql", "eval", "--sql", "SELECT VALUE v FROM 'a/#' WHERE v > 1", "--sql-version", "beta"])
        .args(["--topic", "a/b", "--jsonl"])
        .write_stdin("{\"payload\": {\"v\": 2}}\n\n{\"payload\": {\"v\": 1}}\n{\"topic\": \"x\", \"payload\": {\"v\": 3}}\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "2\nno match\nnot triggered\n");
    let out = iotkit()
        .args(["sql", "eval", "--sql", "SELECT * FROM '#'", "--jsonl"])
        .write_stdin("not json\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("iotkit: error: line 1: invalid JSON"));
}

#[test]
fn help_shows_examples() {
    for args in [
        &["sql", "eval", "--help"][..],
        &["sql", "run-cases", "--help"],
    ] {
        let out = iotkit().args(args).output().unwrap();
        assert!(stdout(&out).contains("Example"), "{args:?}");
    }
}

#[test]
fn fmt_prints_the_canonical_statement() {
    let out = iotkit()
        .args([
            "sql",
            "fmt",
            "select a+b as s, c in [1,2] from 'dev/#' where (x>1) and not (y or z)",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "SELECT a + b AS s, c IN [1, 2] FROM 'dev/#' WHERE x > 1 AND NOT (y OR z)\n"
    );
    // From standard input, under an explicit version.
    let out = iotkit()
        .args(["sql", "fmt", "--sql-version", "2015-10-08"])
        .write_stdin("SELECT \"it's\" AS k FROM 't'\n")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "SELECT 'it\\'s' AS k FROM 't'\n");
}

#[test]
fn fmt_reports_a_statement_that_does_not_compile() {
    // Array literals need 2016-03-23.
    let out = iotkit()
        .args([
            "sql",
            "fmt",
            "--sql-version",
            "2015-10-08",
            "SELECT [1] FROM 't'",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("2016-03-23"), "{}", stderr(&out));
    let out = iotkit()
        .args(["sql", "fmt", "SELECT FROM"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
