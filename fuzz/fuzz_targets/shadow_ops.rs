#![no_main]
//! Sequences of update / get / delete / clock operations on one shadow, checked against the
//! laws: rejected updates change nothing; accepted ones add exactly one to the version (or
//! restart / continue it after a delete as the retention window says), publish the shadow's
//! delta, keep the limits; GET agrees with the last `/documents`; DELETE answers the version
//! and GET is 404 afterwards; metadata mirrors the state leaf for leaf; the stored form
//! restores the same shadow.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use shadow_doc::{Config, Delta, Shadow, ShadowKey};

#[derive(Debug, Arbitrary)]
enum Json {
    Null,
    Bool(bool),
    Int(i8),
    Float(i8),
    Str(u8),
    Array(Vec<Json>),
    Object(Vec<(u8, Json)>),
}

impl Json {
    fn to_value(&self, depth: usize) -> Value {
        if depth > 10 {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::from(*b),
            Json::Int(i) => Value::from(*i),
            Json::Float(i) => Value::from(f64::from(*i)),
            Json::Str(s) => Value::from("x".repeat(usize::from(*s % 40))),
            Json::Array(a) => Value::Array(a.iter().map(|x| x.to_value(depth + 1)).collect()),
            Json::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (format!("k{}", k % 5), v.to_value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Section {
    Absent,
    Null,
    Patch(Vec<(u8, Json)>),
}

#[derive(Debug, Arbitrary)]
enum Op {
    Update {
        desired: Section,
        reported: Section,
        state_null: bool,
        version: Option<u8>,
    },
    Get,
    Delete,
    Advance(u32),
}

fn section(s: &Section) -> Option<Value> {
    match s {
        Section::Absent => None,
        Section::Null => Some(Value::Null),
        Section::Patch(m) => {
            Some(Json::Object(m.iter().map(|(k, v)| (*k, clone_json(v))).collect()).to_value(0))
        }
    }
}

fn clone_json(j: &Json) -> Json {
    match j {
        Json::Null => Json::Null,
        Json::Bool(b) => Json::Bool(*b),
        Json::Int(i) => Json::Int(*i),
        Json::Float(i) => Json::Float(*i),
        Json::Str(s) => Json::Str(*s),
        Json::Array(a) => Json::Array(a.iter().map(clone_json).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (*k, clone_json(v))).collect()),
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Object(m) if !m.is_empty() => 1 + m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) if !a.is_empty() => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// True when `meta` has exactly the shape of `state`, with a `{"timestamp": n}` per leaf.
fn mirrors(state: &Value, meta: &Value) -> bool {
    match (state, meta) {
        (Value::Object(s), Value::Object(m)) => {
            s.len() == m.len()
                && s.iter()
                    .all(|(k, v)| m.get(k).is_some_and(|w| mirrors(v, w)))
        }
        (Value::Array(s), Value::Array(m)) => {
            s.len() == m.len() && s.iter().zip(m).all(|(v, w)| mirrors(v, w))
        }
        (_, Value::Object(m)) => m.len() == 1 && m.get("timestamp").is_some_and(Value::is_u64),
        _ => false,
    }
}

/// The laws every existing shadow keeps: metadata mirrors the state leaf for leaf, and the
/// stored form restores the same shadow.
fn check_stored(shadow: &Shadow) {
    if let Some(meta) = shadow.metadata() {
        for (sec, m) in [
            (shadow.desired().unwrap(), meta.desired),
            (shadow.reported().unwrap(), meta.reported),
        ] {
            let m = m
                .map(|m| Value::Object((*m).clone()))
                .unwrap_or(Value::Object(Map::new()));
            assert!(
                mirrors(&Value::Object(sec.clone()), &m),
                "metadata out of step"
            );
        }
    }
    let bytes = shadow.stored_bytes().unwrap();
    let back = Shadow::from_stored_bytes(shadow.key().clone(), *shadow.config(), &bytes).unwrap();
    assert_eq!(&back, shadow, "stored form does not round-trip");
}

fuzz_target!(|ops: Vec<Op>| {
    let mut config = Config::default();
    config.limits.max_state_bytes = 400;
    config.limits.max_depth = 4;
    config.version_retention_secs = Some(1000);
    let mut shadow = Shadow::with_config(ShadowKey::parse("t", Some("s")).unwrap(), config);
    let mut now = 0u64;
    // The version a deleted shadow would continue from, and when it was deleted.
    let mut deleted: Option<(u64, u64)> = None;
    for op in ops.iter().take(64) {
        match op {
            Op::Advance(secs) => now += u64::from(*secs % 2000),
            Op::Get => {
                let r = shadow.get(b"", now);
                assert_eq!(r.is_ok(), shadow.exists());
                if let Ok(doc) = r {
                    assert_eq!(Some(doc.version), shadow.version());
                    let delta = doc.state.delta.unwrap_or_default();
                    assert_eq!(Delta::from_object(delta), shadow.delta());
                }
            }
            Op::Delete => {
                let version = shadow.version();
                match shadow.delete(b"", now) {
                    Ok(d) => {
                        assert_eq!(Some(d.version), version);
                        deleted = Some((d.version, now));
                        check_stored(&shadow);
                        assert_eq!(shadow.get(b"", now).unwrap_err().code(), 404);
                    }
                    Err(e) => {
                        assert_eq!(e.code(), 404);
                        assert!(version.is_none());
                    }
                }
            }
            Op::Update {
                desired,
                reported,
                state_null,
                version,
            } => {
                let mut root = Map::new();
                if *state_null {
                    root.insert("state".into(), Value::Null);
                } else {
                    let mut state = Map::new();
                    if let Some(d) = section(desired) {
                        state.insert("desired".into(), d);
                    }
                    if let Some(r) = section(reported) {
                        state.insert("reported".into(), r);
                    }
                    root.insert("state".into(), Value::Object(state));
                }
                if let Some(v) = version {
                    root.insert("version".into(), Value::from(v % 4));
                }
                let bytes = serde_json::to_vec(&root).unwrap();
                let before = shadow.clone();
                let base = match (shadow.version(), deleted) {
                    (Some(v), _) => v,
                    (None, Some((v, at))) if now - at < 1000 => v,
                    _ => 0,
                };
                match shadow.update(&bytes, now) {
                    Err(e) => {
                        assert_eq!(shadow, before, "rejected update changed the shadow: {e}");
                        if e.code() == 409 {
                            assert_ne!(version.map(|v| u64::from(v % 4)), Some(base));
                        }
                    }
                    Ok(out) => {
                        assert_eq!(out.accepted.version, base + 1);
                        if let Some(v) = version {
                            assert_eq!(u64::from(v % 4), base);
                        }
                        assert!(shadow.state_len() <= 400);
                        for sec in [shadow.desired().unwrap(), shadow.reported().unwrap()] {
                            assert!(1 + sec.values().map(depth).max().unwrap_or(0) <= 4);
                        }
                        let published = out.delta.map(|d| d.state).unwrap_or_default();
                        assert_eq!(published, shadow.delta());
                        let mut r = shadow.reported().unwrap().clone();
                        published.apply_to(&mut r);
                        assert!(Delta::between(shadow.desired().unwrap(), Some(&r)).is_empty());
                        deleted = None;
                        check_stored(&shadow);
                    }
                }
            }
        }
    }
});
