//! Runs `conformance/iot-sql.json`: every `documented` and `derived` case
//! must pass, `doc-conflict` cases must match `expected` or `alt_expected`;
//! `assumed` cases are counted and reported separately.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

#[test]
fn conformance_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/iot-sql.json");
    let text = std::fs::read_to_string(path).unwrap();
    let results = iot_sql::cases::run_file(&text).unwrap();
    assert!(
        results.len() > 150,
        "the conformance file should hold the full suite"
    );
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut strict_failures = Vec::new();
    for r in &results {
        let class = r.confidence.clone().unwrap_or_default();
        let entry = counts.entry(class.clone()).or_default();
        match r.passed {
            Some(true) => entry.0 += 1,
            _ => {
                entry.1 += 1;
                if class != "assumed" {
                    strict_failures.push(format!("{}: {}", r.id, r.actual));
                }
            }
        }
    }
    for (class, (pass, fail)) in &counts {
        println!("{class}: {pass} passed, {fail} failed");
    }
    assert!(
        strict_failures.is_empty(),
        "failing cases:\n{}",
        strict_failures.join("\n")
    );
}
