//! Delta: what `desired` asks for that `reported` does not show (spec §4).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::document::Object;
use crate::json::{self, values_equal};

/// The delta between desired and reported state, as a document and as a list of paths.
///
/// Computed by walking `desired` only: a key missing from `reported` contributes its whole
/// desired subtree; two objects recurse (an equal subtree contributes nothing, never `{}`);
/// anything else — scalars, arrays (compared whole, in order), or values of different JSON
/// types — contributes the desired value when it differs. Numbers compare by value, so `1` and
/// `1.0` are equal. Keys only in `reported` never appear.
///
/// ```
/// use serde_json::json;
/// use shadow_doc::Delta;
///
/// let desired = json!({"light": {"color": "red", "level": 5}, "fan": [1, 2]});
/// let reported = json!({"light": {"color": "blue", "level": 5.0}, "fan": [1, 2], "temp": 20});
/// let delta = Delta::between(desired.as_object().unwrap(), reported.as_object());
/// assert_eq!(serde_json::to_value(&delta)?, json!({"light": {"color": "red"}}));
///
/// let paths: Vec<_> = delta.entries().iter().map(|e| (e.pointer(), e.value.clone())).collect();
/// assert_eq!(paths, [("/light/color".to_string(), json!("red"))]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Delta(Object);

/// One leaf of a [`Delta`]: the path from the root of the state and the desired value there.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeltaEntry<'a> {
    /// Object keys from the section root down to the leaf.
    pub path: Vec<&'a str>,
    /// The desired value at that path (a scalar, an array, or an empty object).
    pub value: &'a Value,
}

impl DeltaEntry<'_> {
    /// The path as a JSON Pointer (RFC 6901), e.g. `/light/color`.
    #[must_use]
    pub fn pointer(&self) -> String {
        let mut p = String::new();
        for seg in &self.path {
            json::push_pointer_segment(&mut p, seg);
        }
        p
    }
}

impl Delta {
    /// The delta of `desired` against `reported` (`None` = no reported section).
    #[must_use]
    pub fn between(desired: &Object, reported: Option<&Object>) -> Self {
        Self(compute(desired, reported))
    }

    /// A delta from an already computed delta object (for instance one received on
    /// `/update/delta`).
    #[must_use]
    pub fn from_object(object: Object) -> Self {
        Self(object)
    }

    /// True when desired and reported agree.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The delta as a JSON object (the `state` of `/update/delta`).
    #[must_use]
    pub fn as_object(&self) -> &Object {
        &self.0
    }

    /// The delta as a JSON object.
    #[must_use]
    pub fn into_object(self) -> Object {
        self.0
    }

    /// Every leaf with its full path from the root, in document order, so a typed layer can
    /// apply changes without losing parent context.
    #[must_use]
    pub fn entries(&self) -> Vec<DeltaEntry<'_>> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        collect(&self.0, &mut path, &mut out);
        out
    }

    /// Writes every leaf of the delta into `target`, creating (or replacing non-object)
    /// parents on the way. Applied to `reported`, it makes `reported` agree with `desired` on
    /// every key of the delta.
    pub fn apply_to(&self, target: &mut Object) {
        apply(&self.0, target);
    }

    /// The desired-section metadata of exactly the delta's leaves (the `metadata` of
    /// `/update/delta`), picked from the shadow's desired metadata.
    #[must_use]
    pub fn metadata(&self, desired_metadata: &Object) -> Object {
        select(&self.0, desired_metadata)
    }
}

fn compute(desired: &Object, reported: Option<&Object>) -> Object {
    let mut out = Map::new();
    for (k, d) in desired {
        match reported.and_then(|r| r.get(k)) {
            None => {
                out.insert(k.clone(), d.clone());
            }
            Some(r) => match (d, r) {
                (Value::Object(dm), Value::Object(rm)) => {
                    let sub = compute(dm, Some(rm));
                    if !sub.is_empty() {
                        out.insert(k.clone(), Value::Object(sub));
                    }
                }
                _ => {
                    if !values_equal(d, r) {
                        out.insert(k.clone(), d.clone());
                    }
                }
            },
        }
    }
    out
}

/// `Some(None)` for no patch, `Some(Some(m))` for an object patch, `None` otherwise.
fn patch_object(v: Option<&Value>) -> Option<Option<&Object>> {
    match v {
        None => Some(None),
        Some(Value::Object(m)) => Some(Some(m)),
        Some(_) => None,
    }
}

/// The delta entry of one key: `None` when desired and reported agree there.
fn entry(d: &Value, r: Option<&Value>) -> Option<Value> {
    match (d, r) {
        (_, None) => Some(d.clone()),
        (Value::Object(dm), Some(Value::Object(rm))) => {
            let sub = compute(dm, Some(rm));
            (!sub.is_empty()).then_some(Value::Object(sub))
        }
        (_, Some(r)) => (!values_equal(d, r)).then(|| d.clone()),
    }
}

/// Brings `delta`, the delta before an update, up to date after the update merged `dp` into
/// desired and `rp` into reported: only the keys the patches name are recomputed, recursing
/// where both sides and both patches are objects. The result equals
/// `Delta::between(desired, Some(reported))` (checked by the property tests).
pub(crate) fn refresh(
    delta: &mut Object,
    desired: &Object,
    reported: &Object,
    dp: Option<&Object>,
    rp: Option<&Object>,
) {
    // Every key either patch names, once, with what each patch holds there: the keys of the
    // desired patch (looking each up in the reported patch), then the reported patch's own.
    let from_desired = dp
        .into_iter()
        .flatten()
        .map(|(k, dv)| (k, Some(dv), rp.and_then(|p| p.get(k))));
    let from_reported = rp
        .into_iter()
        .flatten()
        .filter(|(k, _)| !dp.is_some_and(|p| p.contains_key(*k)))
        .map(|(k, rv)| (k, None, Some(rv)));
    for (k, dsub, rsub) in from_desired.chain(from_reported) {
        let Some(d) = desired.get(k) else {
            delta.shift_remove(k);
            continue;
        };
        let r = reported.get(k);
        if let (Value::Object(dm), Some(Value::Object(rm)), Some(ds), Some(rs)) =
            (d, r, patch_object(dsub), patch_object(rsub))
        {
            // Recurse into the existing sub-delta, or into a fresh one that is kept only if
            // something differs: no key is cloned and nothing allocated for a subtree that
            // stays in sync.
            let had_entry = match delta.get_mut(k) {
                Some(Value::Object(sub)) => {
                    refresh(sub, dm, rm, ds, rs);
                    if sub.is_empty() {
                        delta.shift_remove(k);
                    }
                    continue;
                }
                other => other.is_some(),
            };
            let mut sub = Map::new();
            refresh(&mut sub, dm, rm, ds, rs);
            if !sub.is_empty() {
                delta.insert(k.clone(), Value::Object(sub));
            } else if had_entry {
                delta.shift_remove(k);
            }
            continue;
        }
        match entry(d, r) {
            Some(v) => match delta.get_mut(k) {
                Some(slot) => *slot = v,
                None => {
                    delta.insert(k.clone(), v);
                }
            },
            None => {
                delta.shift_remove(k);
            }
        }
    }
}

fn collect<'a>(m: &'a Object, path: &mut Vec<&'a str>, out: &mut Vec<DeltaEntry<'a>>) {
    for (k, v) in m {
        path.push(k);
        match v {
            Value::Object(sub) if !sub.is_empty() => collect(sub, path, out),
            _ => out.push(DeltaEntry {
                path: path.clone(),
                value: v,
            }),
        }
        path.pop();
    }
}

fn apply(delta: &Object, target: &mut Object) {
    for (k, v) in delta {
        match v {
            Value::Object(sub) if !sub.is_empty() => {
                let slot = target
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(inner) = slot {
                    apply(sub, inner);
                }
            }
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

fn select(delta: &Object, meta: &Object) -> Object {
    let mut out = Map::new();
    for (k, v) in delta {
        let Some(m) = meta.get(k) else { continue };
        match (v, m) {
            (Value::Object(dv), Value::Object(mm)) if !dv.is_empty() => {
                out.insert(k.clone(), Value::Object(select(dv, mm)));
            }
            _ => {
                out.insert(k.clone(), m.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn delta(d: Value, r: Option<Value>) -> Value {
        let r = r.map(|r| r.as_object().unwrap().clone());
        serde_json::to_value(Delta::between(d.as_object().unwrap(), r.as_ref())).unwrap()
    }

    // Spec §4.1, DOC "Delta state" example.
    #[test]
    fn spec_4_1_doc_example() {
        assert_eq!(
            delta(
                json!({"color": "RED", "state": "STOP"}),
                Some(json!({"color": "GREEN", "engine": "ON"}))
            ),
            json!({"color": "RED", "state": "STOP"})
        );
    }

    #[test]
    fn spec_4_1_nested_keeps_path_and_equal_subtrees_vanish() {
        assert_eq!(
            delta(
                json!({"a": {"b": {"c": 1, "d": 2}}, "e": {"f": 1}}),
                Some(json!({"a": {"b": {"c": 1, "d": 3}}, "e": {"f": 1}}))
            ),
            json!({"a": {"b": {"d": 2}}})
        );
    }

    #[test]
    fn spec_4_1_type_differences_and_arrays() {
        assert_eq!(
            delta(
                json!({"a": {"x": 1}, "b": "1", "c": [1, 2], "d": [1, 2]}),
                Some(json!({"a": 5, "b": 1, "c": [2, 1], "d": [1.0, 2]}))
            ),
            json!({"a": {"x": 1}, "b": "1", "c": [1, 2]})
        );
        assert_eq!(delta(json!({"a": 1}), None), json!({"a": 1}));
    }

    #[test]
    fn entries_apply_and_metadata() {
        let d = Delta::between(
            json!({"a": {"b": 1, "c": {}}, "x/y": [1]})
                .as_object()
                .unwrap(),
            None,
        );
        let ptrs: Vec<String> = d.entries().iter().map(DeltaEntry::pointer).collect();
        assert_eq!(ptrs, ["/a/b", "/a/c", "/x~1y"]);
        let mut target = json!({"a": 3, "z": 1}).as_object().unwrap().clone();
        d.apply_to(&mut target);
        assert_eq!(
            Value::Object(target),
            json!({"a": {"b": 1, "c": {}}, "z": 1, "x/y": [1]})
        );
        let meta = json!({"a": {"b": {"timestamp": 1}, "c": {}, "q": {"timestamp": 2}},
                          "x/y": [{"timestamp": 3}]});
        assert_eq!(
            Value::Object(d.metadata(meta.as_object().unwrap())),
            json!({"a": {"b": {"timestamp": 1}, "c": {}}, "x/y": [{"timestamp": 3}]})
        );
    }

    // Every case: (desired, reported, desired patch, reported patch) applied with the merge,
    // then the refreshed delta must equal the one computed from scratch.
    #[test]
    fn refresh_matches_from_scratch_on_type_changes() {
        use crate::merge::merge_section;
        let cases = [
            (
                json!({"a": {"x": 1}}),
                json!({"a": 5}),
                json!({}),
                json!({"a": {"x": 1}}),
            ),
            (
                json!({"a": 1}),
                json!({"a": {"x": 1}}),
                json!({"a": {"y": 2}}),
                json!({}),
            ),
            (
                json!({"a": {}}),
                json!({"a": 5}),
                json!({}),
                json!({"a": {"z": 1}}),
            ),
            (
                json!({"a": {"x": 1, "y": 2}}),
                json!({"a": {"x": 1}}),
                json!({"a": {"y": null}}),
                json!({"a": null}),
            ),
            (
                json!({"a": {"b": {"c": 1}}}),
                json!({}),
                json!({}),
                json!({"a": {"b": {"c": 1}}}),
            ),
            (
                json!({"a": [1]}),
                json!({"a": [1]}),
                json!({"a": [2]}),
                json!({"q": 1}),
            ),
        ];
        for (d, r, dp, rp) in cases {
            let mut d = d.as_object().unwrap().clone();
            let mut r = r.as_object().unwrap().clone();
            let mut delta = compute(&d, Some(&r));
            let (dp, rp) = (dp.as_object().unwrap(), rp.as_object().unwrap());
            merge_section(&mut d, &mut Map::new(), dp, 1);
            merge_section(&mut r, &mut Map::new(), rp, 1);
            refresh(&mut delta, &d, &r, Some(dp), Some(rp));
            assert_eq!(delta, compute(&d, Some(&r)), "{dp:?} {rp:?}");
        }
    }
}
