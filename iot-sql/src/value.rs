//! SQL values and every conversion and operator table of the reference, in
//! one place (spec §4 and §5).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt::Write as _;

use crate::decimal::{Decimal, Rounding};

/// A value of the rules engine: a JSON value, `Undefined`, or raw bytes.
///
/// ```
/// use iot_sql::Value;
///
/// let v = Value::from_json(br#"{"temp": 21.5, "tags": ["a"]}"#).unwrap();
/// assert_eq!(v.get("temp").map(|t| t.to_json()), Some("21.5".to_string()));
/// assert!(v.get("missing").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub enum Value {
    /// No value: a missing key, or a function or operator that had nothing to
    /// return. Never serialised inside an object.
    #[default]
    Undefined,
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number (JSON numbers without fraction or exponent that fit an `i64`).
    Int(i64),
    /// A decimal number with 34 significant digits.
    Decimal(Decimal),
    /// UTF-8 text.
    String(String),
    /// An ordered list.
    Array(Vec<Value>),
    /// String keys to values, in insertion order.
    Object(Map),
    /// A payload that is not JSON (only `*` can name it).
    Binary(Arc<[u8]>),
}

/// An object: members in insertion order, keys unique.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    /// An empty object.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty object with room for `n` members.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// The member named `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`; an existing member keeps its position and gets the new value.
    pub fn insert(&mut self, key: String, value: Value) {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    /// Appends without checking for an existing key (the caller knows it is new).
    pub(crate) fn push_unique(&mut self, key: String, value: Value) {
        self.entries.push((key, value));
    }

    /// Number of members.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Is the object empty?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Removes and returns the member `key`.
    pub(crate) fn take(&mut self, key: &str) -> Option<Value> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.swap_remove(i).1)
    }
}

impl PartialEq for Map {
    /// Same key set and equal values; order is irrelevant.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut m = Self::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl Value {
    /// Parses JSON text (numbers kept exactly). `None` if the bytes are not a
    /// single JSON value or nest deeper than [`crate::MAX_JSON_DEPTH`].
    #[must_use]
    pub fn from_json(bytes: &[u8]) -> Option<Self> {
        crate::json::parse(bytes)
    }

    /// Compact JSON text (Undefined members dropped; a bare Undefined is
    /// empty text; whole decimals print with `.0`). See
    /// [`Value::to_json_for`] for version-aware number rendering.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        crate::json::write(self, &mut s, false);
        s
    }

    /// Compact JSON text as the given SQL version renders numbers (whole
    /// decimals print as integers from 2016-03-23 on).
    #[must_use]
    pub fn to_json_for(&self, version: crate::SqlVersion) -> String {
        let mut s = String::new();
        crate::json::write(self, &mut s, version.whole_decimals_are_ints());
        s
    }

    /// The member `key` of an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Object(m) => m.get(key),
            _ => None,
        }
    }

    /// Is this Undefined?
    #[must_use]
    pub fn is_undefined(&self) -> bool {
        matches!(self, Self::Undefined)
    }

    /// A string value.
    #[must_use]
    pub fn string(s: &str) -> Self {
        Self::String(s.to_string())
    }

    /// The 2016-03-23 number rule: a whole Decimal that fits an `i64` is an Int.
    #[must_use]
    pub(crate) fn normalized(self, whole_as_int: bool) -> Self {
        match self {
            Self::Decimal(d) if whole_as_int => {
                d.to_i64_exact().map_or(Self::Decimal(d), Self::Int)
            }
            other => other,
        }
    }
}

/// A number as operators see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Dec(Decimal),
}

impl Num {
    pub(crate) fn to_decimal(self) -> Decimal {
        match self {
            Self::Int(i) => Decimal::from_i64(i),
            Self::Dec(d) => d,
        }
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Self::Int(i) => Value::Int(i),
            Self::Dec(d) => Value::Decimal(d),
        }
    }
}

/// The result of an implicit conversion: a value, `Null` (Null converts to
/// Null for numeric targets), or Undefined.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Conv<T> {
    Val(T),
    Null,
    Undef,
}

/// The SQL rule for strings that read as numbers: `^-?\d+(\.\d+)?([eE]-?\d+)?$`.
pub(crate) fn parse_numeric_string(s: &str) -> Option<Decimal> {
    Decimal::parse(s, true)
}

/// Implicit conversion to a number (spec §4.3 "→ Decimal"), keeping Ints.
pub(crate) fn to_num(v: &Value) -> Conv<Num> {
    match v {
        Value::Int(i) => Conv::Val(Num::Int(*i)),
        Value::Decimal(d) => Conv::Val(Num::Dec(*d)),
        Value::String(s) => parse_numeric_string(s).map_or(Conv::Undef, |d| Conv::Val(Num::Dec(d))),
        Value::Null => Conv::Null,
        _ => Conv::Undef,
    }
}

/// Implicit conversion to Decimal; Null and everything unconvertible → `None`.
pub(crate) fn to_decimal(v: &Value) -> Option<Decimal> {
    match to_num(v) {
        Conv::Val(n) => Some(n.to_decimal()),
        _ => None,
    }
}

/// Conversion to a whole number with the given rounding (used by functions
/// whose docs say "rounded down"); strings parse then round.
pub(crate) fn to_int_rounded(v: &Value, mode: Rounding) -> Option<i64> {
    match to_num(v) {
        Conv::Val(Num::Int(i)) => Some(i),
        Conv::Val(Num::Dec(d)) => {
            let r = d.round_with(mode);
            r.to_i64_exact().or_else(|| {
                // Out of i64 range: saturate (callers clamp indices anyway).
                Some(if r.is_negative() { i64::MIN } else { i64::MAX })
            })
        }
        _ => None,
    }
}

/// Operand rule of AND/OR/NOT: Booleans, or the strings "true"/"false" in any case.
pub(crate) fn to_logic(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool_str(s),
        _ => None,
    }
}

pub(crate) fn parse_bool_str(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Implicit conversion to String (spec §4.3 "→ String"): Null and Undefined
/// (and binary) have no string form.
pub(crate) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => {
            let mut s = String::new();
            let _ = write!(s, "{i}");
            Some(s)
        }
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
        Value::Decimal(_) | Value::Array(_) | Value::Object(_) => Some(v.to_json()),
        Value::Null | Value::Undefined | Value::Binary(_) => None,
    }
}

/// `=`: `Some(bool)`, or `None` (Undefined) when either side is Undefined.
pub(crate) fn sql_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Undefined, _) | (_, Value::Undefined) => None,
        _ => Some(values_equal(a, b)),
    }
}

/// Equality of defined values: numbers numerically, strings exactly, arrays
/// in order, objects by key set; mismatched types are unequal.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Decimal(_), Value::Int(_) | Value::Decimal(_)) => to_decimal(a)
            .zip(to_decimal(b))
            .is_some_and(|(x, y)| x.compare(y) == Ordering::Equal),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (Value::Binary(x), Value::Binary(y)) => x == y,
        _ => false,
    }
}

/// `<`, `<=`, `>`, `>=`: both sides as Decimal, else Undefined.
pub(crate) fn sql_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return Some(x.cmp(y));
    }
    Some(to_decimal(a)?.compare(to_decimal(b)?))
}

/// Binary arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Arithmetic per spec §5.4. `+` with a String on either side concatenates.
pub(crate) fn arith(op: Arith, a: &Value, b: &Value) -> Value {
    if op == Arith::Add && (matches!(a, Value::String(_)) || matches!(b, Value::String(_))) {
        return match (to_text(a), to_text(b)) {
            (Some(mut x), Some(y)) => {
                x.push_str(&y);
                Value::String(x)
            }
            _ => Value::Undefined,
        };
    }
    let (Conv::Val(x), Conv::Val(y)) = (to_num(a), to_num(b)) else {
        return Value::Undefined;
    };
    // Strings take part only as numbers: `'10' - 3` is a Decimal 7.
    num_op(op, x, y).map_or(Value::Undefined, Num::into_value)
}

/// Numeric operation; Int∘Int stays Int (division truncates toward zero),
/// overflowing Ints continue as Decimals; division by zero is `None`.
pub(crate) fn num_op(op: Arith, x: Num, y: Num) -> Option<Num> {
    if let (Num::Int(p), Num::Int(q)) = (x, y) {
        let r = match op {
            Arith::Add => p.checked_add(q),
            Arith::Sub => p.checked_sub(q),
            Arith::Mul => p.checked_mul(q),
            Arith::Div => {
                if q == 0 {
                    return None;
                }
                p.checked_div(q)
            }
            Arith::Rem => {
                if q == 0 {
                    return None;
                }
                p.checked_rem(q)
            }
        };
        if let Some(r) = r {
            return Some(Num::Int(r));
        }
    }
    let (p, q) = (x.to_decimal(), y.to_decimal());
    let r = match op {
        Arith::Add => p.checked_add(q),
        Arith::Sub => p.checked_sub(q),
        Arith::Mul => p.checked_mul(q),
        Arith::Div => match (x, y) {
            // Int / Int overflow (i64::MIN / -1): exact quotient, truncated.
            (Num::Int(_), Num::Int(_)) => p.checked_div(q).map(|d| d.round_with(Rounding::Down)),
            _ => p.checked_div(q),
        },
        Arith::Rem => p.checked_rem(q),
    }?;
    Some(Num::Dec(r))
}

/// Unary minus: `0 - x`.
pub(crate) fn negate(v: &Value) -> Value {
    match to_num(v) {
        Conv::Val(Num::Int(i)) => i.checked_neg().map_or_else(
            || Value::Decimal(Decimal::from_i64(i).negated()),
            Value::Int,
        ),
        Conv::Val(Num::Dec(d)) => Value::Decimal(d.negated()),
        _ => Value::Undefined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn spec_4_3_numeric_strings() {
        for ok in ["0", "-1.2", "5E-12", "12e3"] {
            assert!(parse_numeric_string(ok).is_some(), "{ok}");
        }
        for bad in ["+1", ".5", "1.", " 1", "0x10", "1e+5", ""] {
            assert!(parse_numeric_string(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn spec_5_3_equality_table() {
        assert_eq!(
            sql_eq(
                &Value::Int(1),
                &Value::Decimal(Decimal::parse("1.0", true).unwrap())
            ),
            Some(true)
        );
        assert_eq!(sql_eq(&Value::Int(1), &s("1")), Some(false));
        assert_eq!(sql_eq(&Value::Null, &Value::Null), Some(true));
        assert_eq!(sql_eq(&Value::Undefined, &Value::Null), None);
        assert_eq!(sql_eq(&Value::Bool(true), &Value::Bool(true)), Some(true));
    }

    #[test]
    fn spec_5_4_plus_concatenates_strings() {
        assert_eq!(arith(Arith::Add, &s("a"), &Value::Bool(true)), s("atrue"));
        assert_eq!(arith(Arith::Add, &s("a"), &Value::Null), Value::Undefined);
        assert_eq!(
            arith(Arith::Div, &Value::Int(7), &Value::Int(2)),
            Value::Int(3)
        );
        assert_eq!(
            arith(Arith::Div, &Value::Int(7), &Value::Int(0)),
            Value::Undefined
        );
        assert_eq!(
            arith(Arith::Add, &Value::Int(i64::MAX), &Value::Int(1)).to_json(),
            "9223372036854775808.0"
        );
    }

    #[test]
    fn spec_4_3_to_string() {
        assert_eq!(to_text(&Value::Null), None);
        assert_eq!(to_text(&Value::Bool(false)).as_deref(), Some("false"));
    }
}
