#![no_main]
//! Arbitrary request bytes against a shadow with a seeded state: never a panic; a rejected
//! update changes nothing; an accepted one bumps the version by one, stays within the limits,
//! and publishes exactly the shadow's delta. The same bytes as GET/DELETE payloads and as a
//! topic and as a named-shadow list `nextToken` must not panic either; the streamed accepted
//! metadata equals the built one.

use libfuzzer_sys::fuzz_target;
use shadow_doc::{Delta, MemoryStore, Shadow, ShadowKey, ShadowStore, ShadowTopic, ThingName};

const SEED: &[u8] = br#"{"state":{"desired":{"color":"red","light":{"level":5,"modes":[1,2]}},
  "reported":{"color":"blue","light":{"level":5.0},"temp":21}}}"#;

fuzz_target!(|data: &[u8]| {
    let key = ShadowKey::parse("fuzz-thing", None).unwrap();
    let mut shadow = Shadow::new(key);
    shadow.update(SEED, 1).unwrap();
    let before = shadow.clone();
    match shadow.update(data, 2) {
        Err(err) => {
            assert_eq!(shadow, before, "a rejected update changed the shadow");
            assert!(matches!(err.code(), 400 | 409 | 413 | 415));
            let _ = serde_json::to_vec(&err.to_document(2)).unwrap();
        }
        Ok(out) => {
            let limits = shadow.config().limits;
            assert_eq!(out.accepted.version, 2);
            assert!(shadow.state_len() <= limits.max_state_bytes);
            let published = out
                .delta
                .as_ref()
                .map(|d| d.state.clone())
                .unwrap_or_default();
            assert_eq!(published, shadow.delta());
            // The delta, applied to reported, leaves nothing to do.
            let mut reported = shadow.reported().unwrap().clone();
            published.apply_to(&mut reported);
            assert!(Delta::between(shadow.desired().unwrap(), Some(&reported)).is_empty());
            let get = shadow.get(b"", 3).unwrap();
            let documents = out.documents.as_ref().unwrap();
            assert_eq!(get.state.desired, documents.current.state.desired);
            assert_eq!(get.state.reported, documents.current.state.reported);
            let accepted = serde_json::to_value(&out.accepted).unwrap();
            assert_eq!(accepted["metadata"], out.accepted.metadata());
            let _ = serde_json::to_vec(&out.documents).unwrap();
        }
    }
    let _ = shadow.get(data, 4);
    let _ = shadow.delete(data, 5);
    if let Ok(text) = std::str::from_utf8(data) {
        // Any text as a nextToken: a typed 400 or a page, never a panic.
        let store = MemoryStore::default();
        let thing = ThingName::new("fuzz-thing").unwrap();
        if let Err(e) = store.list_named_shadows(&thing, 10, Some(text), 6) {
            assert_eq!(e.code(), 400);
        }
        if let Ok(topic) = ShadowTopic::parse(text) {
            assert_eq!(topic.to_string(), text, "topic does not round-trip");
        }
    }
});
