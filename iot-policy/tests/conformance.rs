//! Runs `conformance/policy.json`: every case, expected decisions from the file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_policy::{ConnectionContext, EvalOptions, PolicyDocument, PolicySet};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/policy.json");
    let text = std::fs::read_to_string(path).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    file["cases"].as_array().unwrap().clone()
}

fn decide(case: &Value, options: EvalOptions) -> &'static str {
    let docs: Vec<PolicyDocument> = case["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PolicyDocument::parse(&p.to_string()).unwrap())
        .collect();
    let set = PolicySet::compile_with(&docs, options);
    let ctx = ConnectionContext::from_json(&case["context"]).unwrap();
    let bound = set.bind(&ctx);
    let req = &case["request"];
    let d = bound.authorize(
        req["action"].as_str().unwrap(),
        req["resource"].as_str().unwrap(),
    );
    if d.is_allowed() { "allow" } else { "deny" }
}

#[test]
fn every_conformance_case_passes_with_default_options() {
    let cases = cases();
    assert!(cases.len() >= 80, "conformance file shrank");
    let mut failures = Vec::new();
    for case in &cases {
        let want = case["expect"].as_str().unwrap();
        let got = decide(case, EvalOptions::default());
        if got != want {
            failures.push(format!("{}: want {want}, got {got}", case["id"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each derived-low case depends on exactly one option: turning that option
/// off flips the decision, and leaves every doc / derived-high case intact.
#[test]
fn derived_low_cases_sit_behind_their_options() {
    let flips: [(&str, EvalOptions); 4] = [
        (
            "qm-003",
            EvalOptions {
                question_mark_crosses_slash: false,
                ..EvalOptions::default()
            },
        ),
        (
            "cert-014",
            EvalOptions {
                for_all_values_empty_is_true: false,
                ..EvalOptions::default()
            },
        ),
        (
            "cond-014",
            EvalOptions {
                case_insensitive_keys: false,
                ..EvalOptions::default()
            },
        ),
        (
            "cond-015",
            EvalOptions {
                variables_as_condition_keys: false,
                ..EvalOptions::default()
            },
        ),
    ];
    let cases = cases();
    for (id, options) in flips {
        let case = cases.iter().find(|c| c["id"] == id).unwrap();
        assert_eq!(case["confidence"], "derived-low");
        let want = case["expect"].as_str().unwrap();
        assert_ne!(decide(case, options), want, "{id} should flip");
        for other in cases.iter().filter(|c| c["confidence"] != "derived-low") {
            assert_eq!(
                decide(other, options),
                other["expect"].as_str().unwrap(),
                "{} changed under the option for {id}",
                other["id"]
            );
        }
    }
}
