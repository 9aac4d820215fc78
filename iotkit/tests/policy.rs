//! `iotkit policy`: run-cases on the conformance file, check, lint, and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use assert_cmd::Command;

/// A self-signed test certificate (public part only): CN=sensor-1, O=Example Corp.
const SENSOR_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBqDCCAU+gAwIBAgIUauS0Bwz6IjF0WwK7NHib3p7LkSQwCgYIKoZIzj0EAwIw
KjERMA8GA1UEAwwIc2Vuc29yLTExFTATBgNVBAoMDEV4YW1wbGUgQ29ycDAeFw0y
NjExMjMwOTU5MDlaFw0zNjExMjAwOTU5MDlaMCoxETAPBgNVBAMMCHNlbnNvci0x
MRUwEwYDVQQKDAxFeGFtcGxlIENvcnAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARusOIb3DVkpTIu5O7IlET4b4/An9/dxa8+a6w9W8TVJLccxQxpApTJ1A4q697R
uQ1IapSBnxW0DsnMdrjkwF+3o1MwUTAdBgNVHQ4EFgQUySfFeOdeOh33ASubeAgz
nMqAauAwHwYDVR0jBBgwFoAUySfFeOdeOh33ASubeAgznMqAauAwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAo7ynURmrwe0PtJWzh8ez2s7UlFKjK
kAFI92JbaBPd7AIgD0HjhFYnWKmSchx84YvB5ctembc6WqtSCm5OaTn2XQI=
-----END CERTIFICATE-----
";

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Own", "Effect": "Allow", "Action": "iot:Publish",
   "Resource": "arn:aws:iot:us-east-1:123456789012:topic/dt/${iot:ClientId}/*"},
  {"Sid": "ByCert", "Effect": "Allow", "Action": "iot:Publish",
   "Resource": "arn:aws:iot:us-east-1:123456789012:topic/cert/${iot:Certificate.Subject.CommonName}"},
  {"Sid": "NoAdmin", "Effect": "Deny", "Action": "iot:Publish",
   "Resource": "arn:aws:iot:us-east-1:123456789012:topic/dt/*/admin"}]}"#;

const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

fn conformance() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/policy.json")
}

/// A scratch file unique to this test process.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iotkit-policy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn iotkit() -> Command {
    Command::cargo_bin("iotkit").unwrap()
}

fn stdout_of(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// One clear line on stderr, no panic, non-zero exit.
fn assert_clean_error(code: i32, stderr: &str) {
    assert_ne!(code, 0);
    assert!(stderr.starts_with("iotkit: error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn run_cases_passes_the_conformance_file() {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(conformance()).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    let (code, out, _) = stdout_of(iotkit().args(["policy", "run-cases"]).arg(conformance()));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), cases.len() + 1);
    for (line, case) in lines.iter().zip(cases) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["id"], case["id"]);
        assert_eq!(v["actual"]["decision"], case["expect"]);
        assert!(v["actual"]["statements"].is_array());
    }
    assert_eq!(
        *lines.last().unwrap(),
        format!("{} passed, 0 failed", cases.len())
    );
}

#[test]
fn run_cases_counts_failures_and_cases_without_expectations() {
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(conformance()).unwrap()).unwrap();
    let cases = file["cases"].as_array_mut().unwrap();
    cases.truncate(3);
    let flipped = if cases[0]["expect"] == "allow" {
        "deny"
    } else {
        "allow"
    };
    cases[0]["expect"] = flipped.into();
    cases[1].as_object_mut().unwrap().remove("expect");
    let path = scratch("flipped.json", &file.to_string());
    let (code, out, _) = stdout_of(iotkit().args(["policy", "run-cases"]).arg(&path));
    assert_eq!(code, 1);
    assert_eq!(out.lines().last().unwrap(), "1 passed, 1 failed");
    // `--question-mark-within-level` flips the derived-low case qm-003.
    let (code, out, _) = stdout_of(
        iotkit()
            .args(["policy", "run-cases", "--question-mark-within-level"])
            .arg(conformance()),
    );
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.contains("\"qm-003\"") && l.contains("\"deny\""))
    );
}

#[test]
fn run_cases_rejects_bad_files() {
    let (code, _, err) =
        stdout_of(iotkit().args(["policy", "run-cases", "/nonexistent/cases.json"]));
    assert_clean_error(code, &err);
    assert!(err.contains("cannot read"));
    let path = scratch("broken.json", "{\"cases\": [");
    let (code, _, err) = stdout_of(iotkit().args(["policy", "run-cases"]).arg(&path));
    assert_clean_error(code, &err);
    assert!(err.contains("not valid JSON"));
    let path = scratch("nocases.json", "{\"tests\": []}");
    let (code, _, err) = stdout_of(iotkit().args(["policy", "run-cases"]).arg(&path));
    assert_clean_error(code, &err);
    // An invalid policy inside a case is reported on that case's line.
    let path = scratch(
        "badcase.json",
        r#"{"cases": [{"id": "x", "policies": [{"Statement": []}], "context": {},
            "request": {"action": "iot:Connect", "resource": "*"}, "expect": "deny"}]}"#,
    );
    let (code, out, _) = stdout_of(iotkit().args(["policy", "run-cases"]).arg(&path));
    assert_eq!(code, 1);
    assert!(out.contains("\"error\""), "{out}");
    assert!(out.contains("$.Version"), "{out}");
}

#[test]
fn check_prints_decision_and_deciding_statements() {
    let policy = scratch("device.json", POLICY);
    let run = |resource: &str, extra: &[&str]| {
        stdout_of(
            iotkit()
                .args(["policy", "check", "--policy"])
                .arg(&policy)
                .args(["--action", "iot:publish", "--resource", resource])
                .args(extra),
        )
    };
    let (code, out, _) = run(
        &format!("{ARN}:topic/dt/sensor-1/temp"),
        &["--client-id", "sensor-1"],
    );
    assert_eq!((code, out.as_str()), (0, "allow\n  0/Own\n"));
    let (code, out, _) = run(
        &format!("{ARN}:topic/dt/sensor-1/admin"),
        &["--client-id", "sensor-1"],
    );
    assert_eq!((code, out.as_str()), (1, "deny (explicit)\n  0/NoAdmin\n"));
    let (code, out, _) = run(
        &format!("{ARN}:topic/dt/other/temp"),
        &["--client-id", "sensor-1"],
    );
    assert_eq!((code, out.as_str()), (1, "deny (implicit)\n"));
    // Certificate variables from a PEM file.
    let cert = scratch("sensor.pem", SENSOR_PEM);
    let cert_arg = cert.to_str().unwrap();
    let (code, out, _) = run(&format!("{ARN}:topic/cert/sensor-1"), &["--cert", cert_arg]);
    assert_eq!((code, out.as_str()), (0, "allow\n  0/ByCert\n"));
    // A JSON context file.
    let ctx = scratch("ctx.json", r#"{"client_id": "sensor-9"}"#);
    let (code, _, _) = run(
        &format!("{ARN}:topic/dt/sensor-9/x"),
        &["--context", ctx.to_str().unwrap()],
    );
    assert_eq!(code, 0);
}

#[test]
fn check_rejects_bad_input() {
    let policy = scratch("device2.json", POLICY);
    let bad_policy = scratch(
        "bad-policy.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Maybe", "Action": "iot:Connect", "Resource": "*"}}"#,
    );
    let not_json = scratch("not-json.json", "Version: 2012");
    let bad_cert = scratch(
        "bad.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let base = |p: &PathBuf| {
        let mut c = iotkit();
        c.args(["policy", "check", "--policy"]).arg(p).args([
            "--action",
            "iot:Connect",
            "--resource",
            "*",
        ]);
        c
    };
    let (code, _, err) = stdout_of(&mut base(&bad_policy));
    assert_clean_error(code, &err);
    assert!(err.contains("$.Statement.Effect"), "{err}");
    let (code, _, err) = stdout_of(&mut base(&not_json));
    assert_clean_error(code, &err);
    let (code, _, err) = stdout_of(&mut base(&PathBuf::from("/nonexistent/p.json")));
    assert_clean_error(code, &err);
    let (code, _, err) = stdout_of(base(&policy).arg("--cert").arg(&bad_cert));
    assert_clean_error(code, &err);
    assert!(err.contains("invalid certificate"));
    let bad_ctx = scratch("bad-ctx.json", r#"{"source_ip": "not an ip"}"#);
    let (code, _, err) = stdout_of(base(&policy).arg("--context").arg(&bad_ctx));
    assert_clean_error(code, &err);
    assert!(err.contains("$.source_ip"), "{err}");
    // Unknown actions are a warning, and never match.
    let (code, out, err) = stdout_of(
        iotkit()
            .args(["policy", "check", "--policy"])
            .arg(&policy)
            .args(["--action", "iot:Publsh", "--resource", "*"]),
    );
    assert_eq!(code, 1);
    assert_eq!(out, "deny (implicit)\n");
    assert!(err.contains("not a known AWS IoT action"));
}

#[test]
fn lint_reports_severities_and_fails_on_critical() {
    let broad = scratch(
        "broad.json",
        r#"{"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/*"},
          {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:us-east-1:123456789012:topic/x"}]}"#,
    );
    let (code, out, _) = stdout_of(iotkit().args(["policy", "lint"]).arg(&broad));
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "critical ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS $.Statement[0].Resource[0]"
        ),
        "{out}"
    );
    assert!(
        out.contains("warning RESOURCE_KIND_MISMATCH $.Statement[1].Resource[0]"),
        "{out}"
    );
    let scoped = scratch("scoped.json", POLICY);
    let (code, out, _) = stdout_of(iotkit().args(["policy", "lint"]).arg(&scoped));
    assert_eq!((code, out.as_str()), (0, ""));
    // AWS CLI `get-policy` output is accepted too.
    let cli = serde_json::json!({"policyName": "p", "policyDocument": POLICY}).to_string();
    let cli = scratch("cli.json", &cli);
    let (code, _, _) = stdout_of(iotkit().args(["policy", "lint"]).arg(&cli));
    assert_eq!(code, 0);
    let (code, _, err) = stdout_of(iotkit().args(["policy", "lint", "/nonexistent/x.json"]));
    assert_clean_error(code, &err);
}

#[test]
fn every_policy_subcommand_help_shows_an_example() {
    for sub in ["check", "lint", "run-cases"] {
        let (code, out, _) = stdout_of(iotkit().args(["policy", sub, "--help"]));
        assert_eq!(code, 0);
        assert!(
            out.contains("Example:") && out.contains(&format!("iotkit policy {sub}")),
            "{sub}"
        );
    }
}
