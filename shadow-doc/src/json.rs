//! JSON helpers shared by the layers: nesting pre-scan, numeric-aware equality, compact size,
//! null stripping and depth.

use serde_json::{Map, Value};

/// Deepest bracket nesting of `bytes`, stopping early once it passes `limit`. Strings are
/// skipped, so brackets inside them do not count. Runs before parsing so that hostile nesting
/// never reaches a recursive parser.
pub(crate) fn bracket_depth_exceeds(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// JSON equality where numbers compare by value: `1 == 1.0` (the "Choices" section of the crate
/// docs). Objects compare as sets of members, arrays element by element in order.
#[must_use]
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn numbers_equal(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
        return p == q;
    }
    if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
        return p == q;
    }
    match (x.as_f64(), y.as_f64()) {
        (Some(p), Some(q)) => p == q,
        _ => false,
    }
}

/// A `std::io::Write` sink that only counts bytes.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes of the compact JSON serialisation of an object, without building it.
pub(crate) fn compact_len(map: &Map<String, Value>) -> usize {
    let mut counter = Counter(0);
    // Serialising a Value into a counting sink cannot fail: no I/O error, no non-string keys.
    match serde_json::to_writer(&mut counter, map) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// Bytes of a string serialised as a JSON string (quotes and escapes included).
pub(crate) fn str_len(s: &str) -> usize {
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, s) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// Bytes of the compact JSON serialisation of any value.
pub(crate) fn value_len(v: &Value) -> usize {
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, v) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// `v` with every null object member removed, recursively (also inside arrays). Objects that
/// had members and lost them all are removed too (`None`); a literal `{}` stays.
pub(crate) fn strip_nulls(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                if let Some(y) = strip_nulls(x) {
                    out.insert(k.clone(), y);
                }
            }
            if out.is_empty() && !m.is_empty() {
                None
            } else {
                Some(Value::Object(out))
            }
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|x| strip_nulls(x).unwrap_or_else(|| Value::Object(Map::new())))
                .collect(),
        )),
        _ => Some(v.clone()),
    }
}

/// Nesting depth of a value: a non-empty object or array is one more than its deepest child;
/// scalars and empty containers are 0.
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Object(m) if !m.is_empty() => 1 + m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) if !a.is_empty() => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Depth of a `desired` / `reported` section: the section object is level 1.
pub(crate) fn section_depth(m: &Map<String, Value>) -> usize {
    1 + m.values().map(depth).max().unwrap_or(0)
}

/// True when an array inside `v` holds a `null` (`in_array`: `v` itself is an array element).
/// The quick check before [`find_null_in_array`] builds the pointer.
pub(crate) fn has_null_in_array(v: &Value, in_array: bool) -> bool {
    match v {
        Value::Null => in_array,
        Value::Object(m) => m.values().any(|x| has_null_in_array(x, false)),
        Value::Array(a) => a.iter().any(|x| has_null_in_array(x, true)),
        _ => false,
    }
}

/// The JSON pointer of the first `null` element of an array inside `v`, if any.
pub(crate) fn find_null_in_array(v: &Value, path: &mut String) -> bool {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let len = path.len();
                push_pointer_segment(path, k);
                if find_null_in_array(x, path) {
                    return true;
                }
                path.truncate(len);
            }
            false
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                if x.is_null() || find_null_in_array(x, path) {
                    return true;
                }
                path.truncate(len);
            }
            false
        }
        _ => false,
    }
}

/// Appends `/segment` to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_pointer_segment(path: &mut String, segment: &str) {
    path.push('/');
    for c in segment.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            _ => path.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prescan_ignores_brackets_in_strings() {
        assert!(!bracket_depth_exceeds(br#"{"a":"[[[[[[\"[[["}"#, 2));
        assert!(bracket_depth_exceeds(b"[[[", 2));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert!(!values_equal(&json!(1), &json!(1.5)));
        assert!(values_equal(
            &json!({"a": [1, 2.0]}),
            &json!({"a": [1.0, 2]})
        ));
        assert!(!values_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!values_equal(&json!(-1), &json!(u64::MAX)));
    }

    #[test]
    fn compact_len_matches_serialisation() {
        let v = json!({"a": "x\"y", "b": [1, 2.5, null], "c": {"d": true}});
        let m = v.as_object().unwrap();
        assert_eq!(compact_len(m), serde_json::to_string(m).unwrap().len());
    }

    #[test]
    fn strip_and_depth() {
        assert_eq!(strip_nulls(&json!({"a": null})), None);
        assert_eq!(strip_nulls(&json!({})), Some(json!({})));
        assert_eq!(
            strip_nulls(&json!({"a": {"b": null}, "c": 1})),
            Some(json!({"c": 1}))
        );
        assert_eq!(depth(&json!({"a": {"b": 1}})), 2);
        assert_eq!(depth(&json!({"a": {}})), 1);
        let m = json!({"l1": {"l2": {"l3": 1}}});
        assert_eq!(section_depth(m.as_object().unwrap()), 3);
    }

    #[test]
    fn null_in_nested_array_is_found_with_its_pointer() {
        let mut p = String::new();
        assert!(find_null_in_array(&json!({"a/b": [[1, null]]}), &mut p));
        assert!(has_null_in_array(&json!({"a/b": [[1, null]]}), false));
        assert!(!has_null_in_array(
            &json!({"a": null, "b": [{"c": null}]}),
            false
        ));
        assert_eq!(p, "/a~1b/0/1");
    }
}
