//! Runs `conformance/shadow.json`: every scenario must pass.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use shadow_doc::scenario::{Verdict, run_file};

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/shadow.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_conformance_case_passes() {
    let file = load();
    let reports = run_file(&file).unwrap();
    assert_eq!(reports.len(), file["cases"].as_array().unwrap().len());
    let mut failed = Vec::new();
    for (report, case) in reports.iter().zip(file["cases"].as_array().unwrap()) {
        match &report.verdict {
            Verdict::Passed => {}
            Verdict::NotAsserted => panic!("case {} asserts nothing", report.id),
            Verdict::Failed(why) => failed.push(format!(
                "{} (derived: {}): {}",
                report.id,
                case["derived"],
                why.join("; ")
            )),
        }
    }
    assert!(
        failed.is_empty(),
        "{} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The runner must not be a rubber stamp: corrupting any expected value makes its case fail.
#[test]
fn corrupted_expectations_fail() {
    let mut file = load();
    let mut corrupted = 0;
    for case in file["cases"].as_array_mut().unwrap() {
        for step in case["steps"].as_array_mut().unwrap() {
            for pointer in [
                "/expect/accepted/version",
                "/expect/error/code",
                "/expect/delta/version",
            ] {
                if let Some(v) = step.pointer_mut(pointer) {
                    *v = Value::from(v.as_u64().unwrap() + 1);
                    corrupted += 1;
                }
            }
        }
        let report = shadow_doc::scenario::run_case(case, 0).unwrap();
        assert!(
            matches!(report.verdict, Verdict::Failed(_)),
            "case {} still passes after corruption",
            report.id
        );
    }
    assert!(corrupted > 30);
}
