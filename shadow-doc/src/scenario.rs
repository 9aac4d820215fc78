//! Running scenario files in the format of the repository's `conformance/shadow.json`.
//!
//! A file is `{"format", "conventions", "cases": [...]}`; a case is
//! `{"id", "thing", "steps": [{"op", "payload" | "payload_base64", "thing"?, "shadow"?,
//! "expect"?}]}` with `op` one of `update`, `get`, `delete`, `list`, `clock`, `parse_topic`.
//! Every case runs against a fresh [`MemoryStore`]. For each step the runner records what the
//! service would answer (the *actual*), and when the step has an `expect` member it compares the
//! two following the file's conventions: `"<ts>"` matches any integer timestamp, numbers compare
//! by value, `metadata.delta` in GET bodies is ignored, an absent `previous` equals `null`,
//! error messages match exactly (`message`) or by prefix (`message_prefix`).
//!
//! This is the engine behind `iotkit shadow run-cases` and the crate's own conformance test.
//!
//! ```
//! use serde_json::json;
//!
//! let file = json!({"cases": [{"id": "one", "thing": "t", "steps": [
//!     {"op": "update", "payload": {"state": {"reported": {"a": 1}}},
//!      "expect": {"accepted": {"state": {"reported": {"a": 1}},
//!                              "metadata": {"reported": {"a": {"timestamp": "<ts>"}}},
//!                              "version": 1, "timestamp": "<ts>"},
//!                 "delta": null}},
//!     {"op": "get", "shadow": "nope", "expect": {"error": {"code": 404}}}
//! ]}]});
//! let reports = shadow_doc::scenario::run_file(&file)?;
//! assert_eq!(reports[0].verdict, shadow_doc::scenario::Verdict::Passed);
//! # Ok::<(), shadow_doc::scenario::ScenarioError>(())
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use crate::error::ShadowError;
use crate::json::values_equal;
use crate::name::{ShadowKey, ThingName};
use crate::store::{MemoryStore, ShadowStore};
use crate::topic::ShadowTopic;
use crate::{ErrorKind, Operation};

/// The clock of a case before any `clock` step (2023-11-14T22:13:20Z).
pub const DEFAULT_CLOCK: u64 = 1_700_000_000;

/// A case file that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file has no `cases` array.
    #[error("the file has no \"cases\" array")]
    NoCases,
    /// A case or step lacks a member or has one of the wrong type.
    #[error("case {case:?}, step {step}: {reason}")]
    BadStep {
        /// The case id (or its index).
        case: String,
        /// 0-based step index.
        step: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every expectation held.
    Passed,
    /// At least one expectation failed; one line per failure.
    Failed(Vec<String>),
    /// The case has no expectations.
    NotAsserted,
}

/// What a case produced and how it compares with its expectations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CaseReport {
    /// The case id.
    pub id: String,
    /// `{"steps": [...]}`: per step, the members the operation produces (`accepted`,
    /// `delta`, `documents`, `error`, `parsed`).
    pub actual: Value,
    /// The comparison result.
    pub verdict: Verdict,
}

/// Runs every case of a file.
///
/// # Errors
/// A malformed file or case.
pub fn run_file(file: &Value) -> Result<Vec<CaseReport>, ScenarioError> {
    let cases = file
        .get("cases")
        .and_then(Value::as_array)
        .ok_or(ScenarioError::NoCases)?;
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| run_case(c, i))
        .collect()
}

/// Runs one case (`index` names it when it has no id).
///
/// # Errors
/// A malformed case.
pub fn run_case(case: &Value, index: usize) -> Result<CaseReport, ScenarioError> {
    let id = case
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| index.to_string(), String::from);
    let bad = |step: usize, reason: &str| ScenarioError::BadStep {
        case: id.clone(),
        step,
        reason: String::from(reason),
    };
    let steps = case
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(0, "no \"steps\" array"))?;
    let store = MemoryStore::default();
    let mut now = DEFAULT_CLOCK;
    let mut actual_steps = Vec::new();
    let mut failures = Vec::new();
    let mut asserted = false;
    for (i, step) in steps.iter().enumerate() {
        let op = step
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(i, "no \"op\""))?;
        let thing = step
            .get("thing")
            .or_else(|| case.get("thing"))
            .and_then(Value::as_str);
        let shadow = step.get("shadow").and_then(Value::as_str);
        let payload = payload_bytes(step).map_err(|r| bad(i, &r))?;
        let mut actual = Map::new();
        match op {
            "clock" => {
                now = step
                    .get("payload")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| bad(i, "clock payload must be a non-negative integer"))?;
            }
            "update" | "get" | "delete" => {
                let thing = thing.ok_or_else(|| bad(i, "no \"thing\""))?;
                run_request(&store, op, thing, shadow, &payload, now, &mut actual);
            }
            "list" => {
                let thing = thing.ok_or_else(|| bad(i, "no \"thing\""))?;
                let result = ThingName::new(thing)
                    .map_err(|e| ShadowError::new(ErrorKind::InvalidThingName(e)))
                    .and_then(|t| store.list_named_shadows(&t, 100, None, now));
                record(result, &mut actual, "accepted");
            }
            "parse_topic" => {
                let topic = step
                    .get("payload")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(i, "parse_topic payload must be a string"))?;
                actual.insert("parsed".into(), parsed_topic(topic));
            }
            other => return Err(bad(i, &format!("unknown op {other:?}"))),
        }
        if let Some(expect) = step.get("expect") {
            asserted = true;
            for f in compare_step(op, expect, &actual) {
                failures.push(format!("step {i} ({op}): {f}"));
            }
        }
        actual_steps.push(Value::Object(actual));
    }
    let verdict = if !asserted {
        Verdict::NotAsserted
    } else if failures.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Failed(failures)
    };
    Ok(CaseReport {
        id,
        actual: json!({ "steps": actual_steps }),
        verdict,
    })
}

fn run_request(
    store: &MemoryStore,
    op: &str,
    thing: &str,
    shadow: Option<&str>,
    payload: &[u8],
    now: u64,
    actual: &mut Map<String, Value>,
) {
    let key = match ShadowKey::parse(thing, shadow) {
        Ok(k) => k,
        Err(e) => {
            actual.insert("error".into(), error_value(&e));
            return;
        }
    };
    match op {
        "update" => match store.update(&key, payload, now) {
            Ok(out) => {
                actual.insert("accepted".into(), to_value(&out.accepted));
                actual.insert(
                    "delta".into(),
                    out.delta.as_ref().map_or(Value::Null, to_value),
                );
                actual.insert("documents".into(), to_value(&out.documents));
            }
            Err(e) => {
                actual.insert("error".into(), error_value(&e));
            }
        },
        "get" => record(store.get(&key, payload, now), actual, "accepted"),
        _ => record(store.delete(&key, payload, now), actual, "accepted"),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn record<T: serde::Serialize>(
    result: Result<T, ShadowError>,
    actual: &mut Map<String, Value>,
    member: &str,
) {
    match result {
        Ok(doc) => actual.insert(member.into(), to_value(&doc)),
        Err(e) => actual.insert("error".into(), error_value(&e)),
    };
}

fn error_value(e: &ShadowError) -> Value {
    let mut m = Map::new();
    m.insert("code".into(), e.code().into());
    m.insert("message".into(), e.message().into_owned().into());
    if let Some(t) = e.client_token() {
        m.insert("clientToken".into(), t.into());
    }
    Value::Object(m)
}

fn parsed_topic(topic: &str) -> Value {
    match ShadowTopic::parse(topic) {
        Ok(t) => json!({
            "thing": t.key().thing().as_str(),
            "shadow": t.key().shadow().map(|s| s.as_str()),
            "op": match t.operation() {
                Operation::Get => "get",
                Operation::Update => "update",
                Operation::Delete => "delete",
            },
            "suffix": t.suffix().map(|s| s.as_str()),
        }),
        Err(_) => Value::Null,
    }
}

/// The request bytes of a step: `payload_base64` decoded, a string `payload` as raw text, any
/// other `payload` serialised, nothing when absent.
fn payload_bytes(step: &Value) -> Result<Vec<u8>, String> {
    if let Some(b64) = step.get("payload_base64") {
        let text = b64.as_str().ok_or("payload_base64 must be a string")?;
        return decode_base64(text).ok_or_else(|| String::from("payload_base64 is not base64"));
    }
    match step.get("payload") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.clone().into_bytes()),
        Some(v) => serde_json::to_vec(v).map_err(|e| e.to_string()),
    }
}

/// Standard base64 (RFC 4648 §4), padding optional, whitespace ignored.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn compare_step(op: &str, expect: &Value, actual: &Map<String, Value>) -> Vec<String> {
    let mut failures = Vec::new();
    let Some(expect) = expect.as_object() else {
        return alloc::vec![String::from("\"expect\" is not an object")];
    };
    for (member, want) in expect {
        let got = actual.get(member);
        let ok = match member.as_str() {
            "accepted" => got.is_some_and(|g| {
                if op == "get" {
                    matches(&without_metadata_delta(want), &without_metadata_delta(g))
                } else {
                    matches(want, g)
                }
            }),
            "delta" => match (want, got) {
                (Value::Null, Some(Value::Null)) => true,
                (w, Some(g)) => matches(w, g),
                (_, None) => false,
            },
            "documents" => got.is_some_and(|g| documents_match(want, g)),
            "error" => got.is_some_and(|g| error_matches(want, g)),
            _ => got.is_some_and(|g| matches(want, g)),
        };
        if !ok {
            let got = got.map_or_else(|| String::from("nothing"), ToString::to_string);
            let got = match actual.get("error") {
                Some(e) if member != "error" => format!("{got} (error {e})"),
                _ => got,
            };
            failures.push(format!("{member}: expected {want}, got {got}"));
        }
    }
    failures
}

fn without_metadata_delta(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.shift_remove("delta");
    }
    v
}

fn documents_match(want: &Value, got: &Value) -> bool {
    let Some(want) = want.as_object() else {
        return false;
    };
    want.iter().all(|(k, w)| {
        let g = got.get(k).unwrap_or(&Value::Null);
        if k == "previous" && w.is_null() {
            g.is_null()
        } else {
            matches(w, g)
        }
    })
}

fn error_matches(want: &Value, got: &Value) -> bool {
    let field = |v: &Value, k: &str| v.get(k).cloned();
    if let Some(code) = field(want, "code")
        && !field(got, "code").is_some_and(|g| values_equal(&code, &g))
    {
        return false;
    }
    let got_msg = got.get("message").and_then(Value::as_str).unwrap_or("");
    if let Some(m) = want.get("message").and_then(Value::as_str)
        && m != got_msg
    {
        return false;
    }
    if let Some(p) = want.get("message_prefix").and_then(Value::as_str)
        && !got_msg.starts_with(p)
    {
        return false;
    }
    match want.get("clientToken") {
        Some(t) => got.get("clientToken") == Some(t),
        None => true,
    }
}

/// Does `actual` match `expected`? `"<ts>"` matches any non-negative integer; numbers compare
/// by value; objects must have the same members.
#[must_use]
pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), _) if s == "<ts>" => actual.is_u64(),
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, ev)| a.get(k).is_some_and(|av| matches(ev, av)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        _ => values_equal(expected, actual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_placeholder_and_strictness() {
        assert!(matches(&json!({"t": "<ts>"}), &json!({"t": 5})));
        assert!(!matches(&json!({"t": "<ts>"}), &json!({"t": "5"})));
        assert!(!matches(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!matches(&json!([1, 2]), &json!([2, 1])));
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("/w==").unwrap(), [0xff]);
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert!(decode_base64("a*").is_none());
    }

    #[test]
    fn failing_expectation_is_reported() {
        let file = json!({"cases": [{"id": "x", "thing": "t", "steps": [
            {"op": "clock", "payload": 50},
            {"op": "update", "payload": {"state": {}}, "expect": {"accepted": {"version": 2}}},
            {"op": "delete", "expect": {"accepted": {"version": 1, "timestamp": 50}}},
            {"op": "parse_topic", "payload": "$aws/things/t/shadow/get", "expect": {"parsed":
                {"thing": "t", "shadow": null, "op": "get", "suffix": null}}},
            {"op": "update", "payload_base64": "/w==", "expect": {"error": {"code": 415}}}
        ]}]});
        let r = run_file(&file).unwrap();
        let Verdict::Failed(f) = &r[0].verdict else {
            panic!("{:?}", r[0].verdict)
        };
        assert_eq!(f.len(), 1);
        assert!(f[0].starts_with("step 1 (update): accepted"));
    }
}
