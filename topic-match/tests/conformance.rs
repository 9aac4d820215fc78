//! Runs `conformance/topics.json` against the single-pair matcher, the
//! subscription index and the retained index (matching cases), and against
//! the validated types (validity cases).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use topic_match::{
    Match, ProtocolVersion, RetainedIndex, SubscribeFilter, SubscriptionIndex, TopicFilter,
    TopicName,
};

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/topics.json");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn version(case: &Value) -> Vec<ProtocolVersion> {
    match case.get("version").and_then(Value::as_str) {
        Some("5.0" | "5") => vec![ProtocolVersion::V5],
        Some("3.1.1" | "4") => vec![ProtocolVersion::V311],
        Some(other) => panic!("unknown version {other}"),
        None => vec![ProtocolVersion::V311, ProtocolVersion::V5],
    }
}

#[test]
fn topics_json_matching_cases() {
    let mut checked = 0;
    for case in cases() {
        let Some(expected) = case.get("matches").and_then(Value::as_bool) else {
            continue;
        };
        let id = case["id"].as_str().unwrap();
        let filter_text = case["filter"].as_str().unwrap();
        let topic = TopicName::new(case["topic"].as_str().unwrap()).unwrap();
        for v in version(&case) {
            let sub = SubscribeFilter::parse(filter_text, v).unwrap();
            assert_eq!(sub.filter().matches(&topic), expected, "{id} matches()");
            // The subscription index.
            let mut index = SubscriptionIndex::new();
            index.insert_subscription(&sub, 1u8).unwrap();
            let mut hits = 0;
            index.for_each_match(&topic, |m| match m {
                Match::Subscriber(_) => hits += 1,
                Match::Shared(g) => hits += g.len(),
                _ => unreachable!(),
            });
            assert_eq!(hits == 1, expected, "{id} SubscriptionIndex ({v:?})");
            // The retained index: the stored topic is found by the filter.
            let mut retained = RetainedIndex::new();
            retained.insert(&topic, ()).unwrap();
            let mut found = 0;
            retained.for_each_match(sub.filter(), |()| found += 1);
            assert_eq!(found == 1, expected, "{id} RetainedIndex ({v:?})");
        }
        checked += 1;
    }
    assert_eq!(checked, 48);
}

#[test]
fn topics_json_validity_cases() {
    let mut checked = 0;
    for case in cases() {
        let Some(expected) = case.get("valid").and_then(Value::as_bool) else {
            continue;
        };
        let id = case["id"].as_str().unwrap();
        match case["kind"].as_str().unwrap() {
            "filter" => {
                let text = case["filter"].as_str().unwrap();
                for v in version(&case) {
                    let got = SubscribeFilter::parse(text, v);
                    assert_eq!(got.is_ok(), expected, "{id} ({v:?}): {got:?}");
                }
                if case.get("version").is_none() {
                    assert_eq!(TopicFilter::new(text).is_ok(), expected, "{id}");
                }
            }
            "name" => {
                let text = case["topic"].as_str().unwrap();
                assert_eq!(TopicName::new(text).is_ok(), expected, "{id}");
            }
            other => panic!("{id}: unknown kind {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 29);
}
