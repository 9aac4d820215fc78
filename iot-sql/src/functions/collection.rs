//! Collection and type-inspection functions (spec §10.3): `get`, `isNull`,
//! `isUndefined`, `transform`. (`cast` is an expression form, see eval.)

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Func, arg, text};
use crate::decimal::Rounding;
use crate::value::{Map, Value, to_int_rounded};

/// Largest `transform` result, as compact JSON (spec §14: 128 KiB).
const MAX_TRANSFORM_BYTES: usize = 128 * 1024;

pub(super) fn call(func: Func, args: &[Cow<'_, Value>]) -> Option<Value> {
    let a = arg(args, 0);
    let b = arg(args, 1);
    Some(match func {
        Func::Get => get(a, b),
        Func::IsNull => Value::Bool(matches!(a, Value::Null)),
        Func::IsUndefined => Value::Bool(matches!(a, Value::Undefined)),
        Func::Transform => transform(a, b, arg(args, 2)),
        _ => return None,
    })
}

/// `get(collection, key)`: array or string by 0-based index, object by
/// string key; no conversion of the collection.
fn get(coll: &Value, key: &Value) -> Value {
    match coll {
        Value::Array(items) => index(key, items.len())
            .and_then(|i| items.get(i))
            .cloned()
            .unwrap_or(Value::Undefined),
        Value::String(s) => index(key, s.chars().count())
            .and_then(|i| s.chars().nth(i))
            .map_or(Value::Undefined, |c| text(String::from(c))),
        Value::Object(m) => match key {
            Value::String(k) => m.get(k).cloned().unwrap_or(Value::Undefined),
            _ => Value::Undefined,
        },
        _ => Value::Undefined,
    }
}

fn index(key: &Value, len: usize) -> Option<usize> {
    if matches!(key, Value::Bool(_) | Value::Null | Value::Undefined) {
        return None;
    }
    let i = usize::try_from(to_int_rounded(key, Rounding::Down)?).ok()?;
    (i < len).then_some(i)
}

/// `transform('enrichArray', object, array)`: each object element of the
/// array gets the object's members added (the element's own members win on
/// a key collision); other elements are kept unchanged.
fn transform(mode: &Value, obj: &Value, arr: &Value) -> Value {
    let (Value::String(m), Value::Object(extra), Value::Array(items)) = (mode, obj, arr) else {
        return Value::Undefined;
    };
    if m != "enrichArray" {
        return Value::Undefined;
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Object(own) => {
                let mut merged = Map::with_capacity(own.len() + extra.len());
                for (k, v) in own.iter() {
                    merged.push_unique(String::from(k), v.clone());
                }
                for (k, v) in extra.iter() {
                    if merged.get(k).is_none() {
                        merged.push_unique(String::from(k), v.clone());
                    }
                }
                out.push(Value::Object(merged));
            }
            other => out.push(other.clone()),
        }
    }
    let result = Value::Array(out);
    if result.to_json().len() > MAX_TRANSFORM_BYTES {
        return Value::Undefined;
    }
    result
}
