//! Property tests: the laws of issue 6 over random documents and requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use shadow_doc::{Config, Delta, Shadow, ShadowKey, ShadowTopic, UpdateOptions, values_equal};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-3i64..4).prop_map(Value::from),
        (-3i64..4).prop_map(|n| json!(n as f64)),
        "[a-c]{0,3}".prop_map(Value::from),
    ]
}

/// JSON values over a small key alphabet so that updates collide with stored keys.
fn value(with_nulls: bool) -> impl Strategy<Value = Value> {
    let base = if with_nulls {
        prop_oneof![4 => leaf(), 1 => Just(Value::Null)].boxed()
    } else {
        leaf().boxed()
    };
    base.prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(leaf(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object(with_nulls: bool) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-d]", value(with_nulls), 0..4)
        .prop_map(|m| m.into_iter().collect())
}

fn section() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        4 => object(true).prop_map(|m| Some(Value::Object(m))),
    ]
}

/// A well-formed update request (sometimes with a version).
fn request() -> impl Strategy<Value = Vec<u8>> {
    (
        section(),
        section(),
        prop::option::of(0u64..4),
        any::<bool>(),
    )
        .prop_map(|(desired, reported, version, null_state)| {
            let mut root = Map::new();
            if null_state {
                root.insert("state".into(), Value::Null);
            } else {
                let mut state = Map::new();
                if let Some(d) = desired {
                    state.insert("desired".into(), d);
                }
                if let Some(r) = reported {
                    state.insert("reported".into(), r);
                }
                root.insert("state".into(), Value::Object(state));
            }
            if let Some(v) = version {
                root.insert("version".into(), v.into());
            }
            serde_json::to_vec(&root).unwrap()
        })
}

fn key() -> ShadowKey {
    ShadowKey::parse("thing", None).unwrap()
}

fn small_limits() -> Config {
    let mut config = Config::default();
    config.limits.max_state_bytes = 120;
    config.limits.max_depth = 3;
    config
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

/// JSON pointers of the non-null scalar leaves of `v` outside arrays, under `prefix`.
fn scalar_leaves(v: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(m) = v {
        for (k, x) in m {
            let p = format!("{prefix}/{k}");
            match x {
                Value::Object(_) => scalar_leaves(x, &p, out),
                Value::Null | Value::Array(_) => {}
                _ => out.push(p),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Metadata mirrors the state leaf for leaf; every scalar an update writes carries the
    /// update's timestamp; the stored bytes restore the same shadow.
    #[test]
    fn metadata_mirrors_state_and_stored_form_round_trips(reqs in prop::collection::vec(request(), 1..8)) {
        let mut s = Shadow::new(key());
        for (i, r) in reqs.iter().enumerate() {
            let now = 10 + i as u64;
            if s.update(r, now).is_err() {
                continue;
            }
            let meta = s.metadata().unwrap();
            let none = Map::new();
            let sections = [
                ("desired", s.desired().unwrap(), meta.desired.as_deref().unwrap_or(&none)),
                ("reported", s.reported().unwrap(), meta.reported.as_deref().unwrap_or(&none)),
            ];
            let request: Value = serde_json::from_slice(r).unwrap();
            for (name, state, meta) in sections {
                prop_assert!(mirrors(&Value::Object(state.clone()), &Value::Object(meta.clone())));
                let mut written = Vec::new();
                if let Some(patch) = request.pointer(&format!("/state/{name}")) {
                    scalar_leaves(patch, "", &mut written);
                }
                for p in written {
                    let stamp = Value::Object(meta.clone()).pointer(&format!("{p}/timestamp")).cloned();
                    prop_assert_eq!(stamp, Some(Value::from(now)), "{} {}", name, p);
                }
            }
            let bytes = s.stored_bytes().unwrap();
            let back = Shadow::from_stored_bytes(key(), Config::default(), &bytes).unwrap();
            prop_assert_eq!(&back, &s);
        }
    }

    /// Applying the delta to reported makes reported agree with desired on every delta key:
    /// the delta of desired against the patched reported is empty.
    #[test]
    fn applying_delta_to_reported_yields_desired(desired in object(false), reported in object(false)) {
        let delta = Delta::between(&desired, Some(&reported));
        let mut patched = reported.clone();
        delta.apply_to(&mut patched);
        prop_assert!(Delta::between(&desired, Some(&patched)).is_empty());
        for entry in delta.entries() {
            let want = Value::Object(desired.clone());
            let got = Value::Object(patched.clone());
            let p = entry.pointer();
            prop_assert!(values_equal(want.pointer(&p).unwrap(), got.pointer(&p).unwrap()));
        }
        // Keys only in reported never appear.
        for k in delta.as_object().keys() {
            prop_assert!(desired.contains_key(k));
        }
    }

    /// An empty update changes no state and no metadata, and still bumps the version.
    #[test]
    fn empty_update_leaves_state_unchanged(reqs in prop::collection::vec(request(), 0..4), empty in 0usize..3) {
        let mut s = Shadow::new(key());
        for (i, r) in reqs.iter().enumerate() {
            let _ = s.update(r, i as u64);
        }
        let before = s.clone();
        let payload: &[u8] = match empty {
            0 => br#"{"state":{}}"#,
            1 => br#"{"state":{"desired":{}}}"#,
            _ => br#"{"state":{"desired":{},"reported":{}}}"#,
        };
        s.update(payload, 99).unwrap();
        let none = Map::new();
        prop_assert_eq!(s.desired(), Some(before.desired().unwrap_or(&none)));
        prop_assert_eq!(s.reported(), Some(before.reported().unwrap_or(&none)));
        prop_assert_eq!(s.metadata(), before.metadata().or(Some(Default::default())));
        prop_assert_eq!(s.version(), Some(before.version().unwrap_or(0) + 1));
    }

    /// A rejected update leaves the shadow exactly as it was; an accepted one never exceeds
    /// the size and depth limits.
    #[test]
    fn rejected_changes_nothing_accepted_respects_limits(reqs in prop::collection::vec(request(), 1..8)) {
        let config = small_limits();
        let mut s = Shadow::with_config(key(), config);
        // A twin updated in place, without the /documents message, must end up identical.
        let mut lean = s.clone();
        for (i, r) in reqs.iter().enumerate() {
            let lean_result = lean.update_with(r, i as u64, UpdateOptions::default().with_documents(false));
            let before = s.clone();
            let stored_before = s.to_stored().to_string();
            let result = s.update(r, i as u64);
            prop_assert_eq!(&lean, &s);
            prop_assert_eq!(lean_result.is_ok(), result.is_ok());
            match result {
                Err(_) => {
                    prop_assert_eq!(&s, &before);
                    prop_assert_eq!(s.to_stored().to_string(), stored_before);
                }
                Ok(out) => {
                    let len = |m: &Map<String, Value>| {
                        if m.is_empty() { 0 } else { serde_json::to_string(m).unwrap().len() }
                    };
                    let size = len(s.desired().unwrap()) + len(s.reported().unwrap());
                    prop_assert_eq!(size, s.state_len());
                    prop_assert!(size <= config.limits.max_state_bytes);
                    for sec in [s.desired().unwrap(), s.reported().unwrap()] {
                        let section_depth = 1 + sec.values().map(depth).max().unwrap_or(0);
                        prop_assert!(section_depth <= config.limits.max_depth);
                    }
                    prop_assert_eq!(out.accepted.version, s.version().unwrap());
                    prop_assert_eq!(out.documents.as_ref().unwrap().current.version, out.accepted.version);
                    // The delta published is the shadow's delta.
                    let delta = out.delta.map(|d| d.state).unwrap_or_default();
                    prop_assert_eq!(delta, s.delta());
                }
            }
        }
    }

    /// No input panics: arbitrary bytes as update, get and delete payloads and as topics.
    #[test]
    fn any_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), text in "\\PC{0,40}") {
        let mut s = Shadow::new(key());
        let before = s.clone();
        if s.update(&bytes, 1).is_err() {
            prop_assert_eq!(&s, &before);
        }
        let _ = s.update(text.as_bytes(), 2);
        let _ = s.get(&bytes, 3);
        let _ = s.delete(&bytes, 4);
        let _ = ShadowTopic::parse(&text);
        let _ = ShadowTopic::parse(&format!("$aws/things/{text}"));
    }
}
