//! Merge: applying one section of an update to the stored section and its metadata
//! (spec §3, §5).

use alloc::string::String;

use serde_json::Value;

use crate::document::{Object, leaf, metadata_for};
use crate::json::{str_len, strip_nulls, value_len};

/// Merges `patch` into `state`, keeping `meta` (the section's metadata tree) in step:
///
/// * a `null` member deletes the key and its metadata (a no-op when absent);
/// * an object onto an object recurses;
/// * anything else replaces the value whole (arrays included), with nulls inside dropped, and
///   its metadata is rebuilt with timestamp `now`; an object made only of nulls creates nothing.
///
/// Only written leaves get the new timestamp; untouched keys keep theirs.
pub(crate) fn merge_section(state: &mut Object, meta: &mut Object, patch: &Object, now: u64) {
    for (key, p) in patch {
        match p {
            Value::Null => {
                state.shift_remove(key);
                meta.shift_remove(key);
            }
            Value::Object(pm) => {
                if let Some(Value::Object(sm)) = state.get_mut(key) {
                    let mm = match meta.get_mut(key) {
                        Some(Value::Object(mm)) => mm,
                        _ => {
                            // Metadata out of step with the state (only possible with a
                            // hand-built store): rebuild it before recursing.
                            let rebuilt = metadata_for(&Value::Object(sm.clone()), now);
                            meta.insert(key.clone(), rebuilt);
                            match meta.get_mut(key) {
                                Some(Value::Object(mm)) => mm,
                                _ => continue,
                            }
                        }
                    };
                    merge_section(sm, mm, pm, now);
                } else if let Some(v) = strip_nulls(p) {
                    set(meta, key, metadata_for(&v, now));
                    set(state, key, v);
                }
            }
            Value::Array(_) => {
                if let Some(v) = strip_nulls(p) {
                    set(meta, key, metadata_for(&v, now));
                    set(state, key, v);
                }
            }
            _ => {
                set(state, key, p.clone());
                stamp(meta, key, now);
            }
        }
    }
}

/// `map[key] = value`, reusing the stored key when there is one (no allocation for the key).
fn set(map: &mut Object, key: &str, value: Value) {
    match map.get_mut(key) {
        Some(slot) => *slot = value,
        None => {
            map.insert(String::from(key), value);
        }
    }
}

/// Sets `meta[key]` to the leaf `{"timestamp": now}`. A leaf already there is re-stamped in
/// place, so rewriting an existing scalar allocates nothing.
fn stamp(meta: &mut Object, key: &str, now: u64) {
    if let Some(Value::Object(m)) = meta.get_mut(key)
        && m.len() == 1
        && let Some(ts @ Value::Number(_)) = m.get_mut("timestamp")
    {
        *ts = Value::from(now);
        return;
    }
    set(meta, key, leaf(now));
}

/// The compact-JSON length `state` will have once `patch` is merged into it, computed without
/// touching it. `len` is its current length (0 when empty, as the size limit counts an empty
/// section). Walks only the keys the patch names: unchanged subtrees are never serialised.
pub(crate) fn merged_len(state: &Object, len: usize, patch: &Object) -> usize {
    let current = if state.is_empty() { 2 } else { len };
    let change = len_change(state, patch);
    if change.count == 0 {
        0
    } else {
        current
            .saturating_add(change.plus)
            .saturating_sub(change.minus)
    }
}

struct LenChange {
    plus: usize,
    minus: usize,
    /// Members of the object after the merge.
    count: usize,
}

/// Mirrors [`merge_section`] exactly, counting bytes instead of writing.
fn len_change(state: &Object, patch: &Object) -> LenChange {
    let mut plus = 0usize;
    let mut minus = 0usize;
    let mut count = state.len();
    for (key, p) in patch {
        let old = state.get(key);
        let entry = || str_len(key).saturating_add(1);
        let new_value = match (p, old) {
            (Value::Null, Some(o)) => {
                minus = minus.saturating_add(entry()).saturating_add(value_len(o));
                count = count.saturating_sub(1);
                continue;
            }
            (Value::Null, None) => continue,
            (Value::Object(pm), Some(Value::Object(om))) => {
                let inner = len_change(om, pm);
                plus = plus.saturating_add(inner.plus);
                minus = minus.saturating_add(inner.minus);
                continue;
            }
            (Value::Object(_) | Value::Array(_), _) => match strip_nulls(p) {
                Some(v) => value_len(&v),
                None => continue,
            },
            _ => value_len(p),
        };
        plus = plus.saturating_add(new_value);
        match old {
            Some(o) => minus = minus.saturating_add(value_len(o)),
            None => {
                plus = plus.saturating_add(entry());
                count = count.saturating_add(1);
            }
        }
    }
    // Commas between members.
    let (before, after) = (state.len().saturating_sub(1), count.saturating_sub(1));
    if after > before {
        plus = plus.saturating_add(after - before);
    } else {
        minus = minus.saturating_add(before - after);
    }
    LenChange { plus, minus, count }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn run(state: Value, meta: Value, patch: Value, now: u64) -> (Value, Value) {
        let mut s = state.as_object().unwrap().clone();
        let mut m = meta.as_object().unwrap().clone();
        merge_section(&mut s, &mut m, patch.as_object().unwrap(), now);
        (Value::Object(s), Value::Object(m))
    }

    // Spec §3: null deletes, objects recurse, other values replace; §5: only written leaves
    // are re-stamped.
    #[test]
    fn spec_3_merge_rules() {
        let (s, m) = run(
            json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}),
            json!({"a": {"timestamp": 1}, "b": {"c": {"timestamp": 1}, "d": {"timestamp": 1}},
                   "e": [{"timestamp": 1}, {"timestamp": 1}]}),
            json!({"a": null, "b": {"c": 5, "z": null}, "e": [9], "n": {"x": null}, "f": false}),
            2,
        );
        assert_eq!(s, json!({"b": {"c": 5, "d": 3}, "e": [9], "f": false}));
        assert_eq!(
            m,
            json!({"b": {"c": {"timestamp": 2}, "d": {"timestamp": 1}},
                   "e": [{"timestamp": 2}], "f": {"timestamp": 2}})
        );
    }

    #[test]
    fn merged_len_predicts_the_merge() {
        let state = json!({"a": 1, "b": {"c": "x", "d": [1, 2]}, "e": {"f": 1}});
        for patch in [
            json!({}),
            json!({"a": null}),
            json!({"a": null, "b": null, "e": null}),
            json!({"b": {"c": null, "d": null}, "z": {"q": null}}),
            json!({"b": {"c": "longer\"text"}, "n": [{"x": null}], "a": {"k": 1}}),
            json!({"e": 5, "new": {}, "zz": null}),
        ] {
            let mut s = state.as_object().unwrap().clone();
            let len = serde_json::to_string(&s).unwrap().len();
            let p = patch.as_object().unwrap();
            let predicted = merged_len(&s, len, p);
            let mut m = Map::new();
            merge_section(&mut s, &mut m, p, 1);
            let actual = if s.is_empty() {
                0
            } else {
                serde_json::to_string(&s).unwrap().len()
            };
            assert_eq!(predicted, actual, "{patch}");
        }
        assert_eq!(
            merged_len(&Map::new(), 0, json!({"a": 1}).as_object().unwrap()),
            7
        );
    }

    #[test]
    fn spec_3_type_change_replaces_value_and_metadata_shape() {
        let (s, m) = run(
            json!({"x": 1}),
            json!({"x": {"timestamp": 1}}),
            json!({"x": {"y": 2, "z": null}}),
            3,
        );
        assert_eq!(s, json!({"x": {"y": 2}}));
        assert_eq!(m, json!({"x": {"y": {"timestamp": 3}}}));
    }

    // Choice: an inner object emptied by deletions stays as `{}`.
    #[test]
    fn emptied_inner_object_is_kept() {
        let (s, m) = run(
            json!({"o": {"k": 1}}),
            json!({"o": {"k": {"timestamp": 1}}}),
            json!({"o": {"k": null}}),
            2,
        );
        assert_eq!(s, json!({"o": {}}));
        assert_eq!(m, json!({"o": {}}));
    }
}
