//! One test per entry of the "Choices" section of the crate docs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use shadow_doc::{ErrorKind, MemoryStore, Shadow, ShadowKey, ShadowStore, ThingName};

fn shadow() -> Shadow {
    Shadow::classic(ThingName::new("thing1").unwrap())
}

fn update(s: &mut Shadow, v: Value) -> Result<shadow_doc::UpdateOutcome, shadow_doc::ShadowError> {
    s.update(v.to_string().as_bytes(), 100)
}

fn nest(levels: usize, leaf: Value) -> Value {
    (0..levels).fold(leaf, |inner, i| json!({ format!("l{i}"): inner }))
}

#[test]
fn depth_limit_counts_non_empty_containers() {
    // nest(6, x) as desired: desired = level 1, five nested objects = levels 2..6, then x;
    // a scalar or an empty container adds nothing, a non-empty one adds a level.
    let mut s = shadow();
    assert!(update(&mut s, json!({"state": {"desired": nest(6, json!(1))}})).is_ok());
    assert!(update(&mut s, json!({"state": {"desired": nest(6, json!([]))}})).is_ok());
    let e = update(&mut s, json!({"state": {"desired": nest(6, json!([1]))}})).unwrap_err();
    assert_eq!(
        e.message(),
        "JSON contains too many levels of nesting; maximum is 6"
    );
    let e = update(&mut s, json!({"state": {"desired": nest(7, json!(1))}})).unwrap_err();
    assert_eq!(e.code(), 400);
    // The number is an option and appears in the message.
    let mut config = shadow_doc::Config::default();
    config.limits.max_depth = 8;
    let mut s8 = Shadow::with_config(s.key().clone(), config);
    assert!(update(&mut s8, json!({"state": {"desired": nest(8, json!(1))}})).is_ok());
    let e = update(&mut s8, json!({"state": {"desired": nest(9, json!(1))}})).unwrap_err();
    assert_eq!(
        e.message(),
        "JSON contains too many levels of nesting; maximum is 8"
    );
}

#[test]
fn size_is_compact_desired_plus_reported() {
    // {"a":"xxx…"} is 8 bytes + the string; two such sections share the 8192-byte budget.
    let fits = "x".repeat(4096 - 8);
    let mut s = shadow();
    update(&mut s, json!({"state": {"desired": {"a": fits}}})).unwrap();
    update(&mut s, json!({"state": {"reported": {"a": fits}}})).unwrap();
    assert_eq!(s.state_len(), 8192);
    let e = update(
        &mut s,
        json!({"state": {"reported": {"a": format!("{fits}x")}}}),
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::StateTooLarge {
            size: 8193,
            max: 8192
        }
    );
    // Metadata is not counted, and whitespace in the request does not matter.
    let padded = format!("{{ \"state\" : {{ \"reported\" : {{ \"a\" : \"{fits}\" }} }} }}");
    assert!(s.update(padded.as_bytes(), 101).is_ok());
}

#[test]
fn delta_is_published_whenever_non_empty() {
    let mut s = shadow();
    update(&mut s, json!({"state": {"desired": {"a": 1}}})).unwrap();
    let out = update(&mut s, json!({"state": {"reported": {"unrelated": true}}})).unwrap();
    let delta = out.delta.unwrap();
    assert_eq!(serde_json::to_value(&delta.state).unwrap(), json!({"a": 1}));
    assert_eq!(delta.version, 2);
    let out = update(&mut s, json!({"state": {"reported": {"a": 1}}})).unwrap();
    assert!(out.delta.is_none());
}

#[test]
fn version_on_missing_shadow_must_equal_base() {
    let mut s = shadow();
    assert_eq!(
        update(&mut s, json!({"state": {}, "version": 3}))
            .unwrap_err()
            .code(),
        409
    );
    assert_eq!(
        update(&mut s, json!({"state": {}, "version": 0}))
            .unwrap()
            .accepted
            .version,
        1
    );
    s.delete(b"", 100).unwrap();
    assert_eq!(
        update(&mut s, json!({"state": {}, "version": 0}))
            .unwrap_err()
            .code(),
        409
    );
    assert_eq!(
        update(&mut s, json!({"state": {}, "version": 1}))
            .unwrap()
            .accepted
            .version,
        2
    );
}

#[test]
fn emptied_objects_stay_all_null_objects_are_not_created() {
    let mut s = shadow();
    update(
        &mut s,
        json!({"state": {"reported": {"o": {"k": 1}, "keep": 1}}}),
    )
    .unwrap();
    update(
        &mut s,
        json!({"state": {"reported": {"o": {"k": null}, "n": {"x": null}}}}),
    )
    .unwrap();
    assert_eq!(
        Value::Object(s.reported().unwrap().clone()),
        json!({"o": {}, "keep": 1})
    );
}

#[test]
fn documents_optional_members() {
    let mut s = shadow();
    let out = update(
        &mut s,
        json!({"state": {"desired": {"a": 1}}, "clientToken": "c"}),
    )
    .unwrap();
    let docs = serde_json::to_value(&out.documents).unwrap();
    assert!(docs.get("previous").is_none());
    assert_eq!(docs["clientToken"], "c");
    let out = update(&mut s, json!({"state": {"desired": {"a": 2}}})).unwrap();
    let docs = serde_json::to_value(&out.documents).unwrap();
    assert_eq!(docs["previous"]["version"], 1);
    assert!(docs.get("clientToken").is_none());
    assert!(docs["current"]["state"].get("delta").is_none());
    let get = serde_json::to_value(s.get(b"", 100).unwrap()).unwrap();
    assert!(get["metadata"].get("delta").is_none());
    assert_eq!(get["state"]["delta"], json!({"a": 2}));
}

#[test]
fn not_found_names() {
    let store = MemoryStore::default();
    let classic = ShadowKey::parse("thing1", None).unwrap();
    let named = ShadowKey::parse("thing1", Some("cfg")).unwrap();
    assert_eq!(
        store.get(&classic, b"", 1).unwrap_err().message(),
        "No shadow exists with name: 'thing1'"
    );
    assert_eq!(
        store.delete(&named, b"", 1).unwrap_err().message(),
        "No shadow exists with name: 'cfg'"
    );
}

#[test]
fn delta_in_request_is_invalid_node() {
    let mut s = shadow();
    let e = update(&mut s, json!({"state": {"delta": {"a": 1}}})).unwrap_err();
    assert_eq!(
        (e.code(), &*e.message()),
        (400, "State contains an invalid node")
    );
}

#[test]
fn integer_and_float_are_equal_in_delta() {
    let mut s = shadow();
    update(
        &mut s,
        json!({"state": {"reported": {"t": 21.0, "l": [1.0, 2]}}}),
    )
    .unwrap();
    let out = update(
        &mut s,
        json!({"state": {"desired": {"t": 21, "l": [1, 2.0]}}}),
    )
    .unwrap();
    assert!(out.delta.is_none());
}

#[test]
fn state_null_echo() {
    let mut s = shadow();
    update(
        &mut s,
        json!({"state": {"desired": {"a": 1}, "reported": {"b": 1}}}),
    )
    .unwrap();
    let out = update(&mut s, json!({"state": null})).unwrap();
    assert_eq!(
        serde_json::to_value(&out.accepted).unwrap(),
        json!({"state": null, "metadata": {"timestamp": 100}, "version": 2, "timestamp": 100})
    );
    assert_eq!(
        serde_json::to_value(s.get(b"", 100).unwrap()).unwrap(),
        json!({"state": {}, "metadata": {}, "version": 2, "timestamp": 100})
    );
}

#[test]
fn undocumented_messages() {
    let mut s = shadow();
    let e = update(&mut s, json!({"state": {"desired": {"a": [1, null]}}})).unwrap_err();
    assert_eq!(
        (e.code(), &*e.message()),
        (400, "Arrays cannot contain null values")
    );
    let e = ShadowKey::parse("bad name", None).unwrap_err();
    assert_eq!((e.code(), &*e.message()), (400, "Invalid thing name"));
    let e = ShadowKey::parse("t", Some("$reserved")).unwrap_err();
    assert_eq!((e.code(), &*e.message()), (400, "Invalid shadow name"));
    assert_eq!(ErrorKind::Throttled.message(), "Too many requests");
}

#[test]
fn get_payload_is_lenient() {
    let mut s = shadow();
    update(&mut s, json!({"state": {"reported": {"a": 1}}})).unwrap();
    assert!(s.get(b"\xff not json", 100).unwrap().client_token.is_none());
    assert_eq!(
        s.get(br#"{"clientToken":"g"}"#, 100)
            .unwrap()
            .client_token
            .as_deref(),
        Some("g")
    );
    assert_eq!(
        s.delete(br#"{"clientToken":"d"}"#, 100)
            .unwrap()
            .client_token
            .as_deref(),
        Some("d")
    );
    let e = s.get(br#"{"clientToken":"g"}"#, 100).unwrap_err();
    assert_eq!(e.client_token(), Some("g"));
}
