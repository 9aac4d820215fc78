//! String functions (spec §10.2). Arguments go through the standard
//! conversion to String; Null and Undefined give Undefined.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Func, arg, text};
use crate::decimal::Rounding;
use crate::value::{Value, to_int_rounded, to_text};

/// Longest padding `lpad`/`rpad` add (spec §14).
const MAX_PAD: i64 = 1000;

pub(super) fn call(
    func: Func,
    args: &[Cow<'_, Value>],
    regex: Option<&regex::Regex>,
) -> Option<Value> {
    let a = arg(args, 0);
    let b = arg(args, 1);
    let c = arg(args, 2);
    Some(match func {
        Func::Lower => map1(a, |s| s.to_lowercase()),
        Func::Upper => map1(a, |s| s.to_uppercase()),
        Func::Trim => map1(a, |s| String::from(s.trim())),
        Func::Ltrim => map1(a, |s| String::from(s.trim_start())),
        Func::Rtrim => map1(a, |s| String::from(s.trim_end())),
        Func::Length => {
            to_text(a).map_or(Value::Undefined, |s| Value::Int(count(s.chars().count())))
        }
        Func::Numbytes => to_text(a).map_or(Value::Undefined, |s| Value::Int(count(s.len()))),
        Func::Lpad | Func::Rpad => pad(a, b, func == Func::Lpad),
        Func::Substring => substring(a, b, args.get(2).map(|c| &**c)),
        Func::Concat => concat(args),
        Func::Replace => match (to_text(a), to_text(b), to_text(c)) {
            (Some(s), Some(f), Some(r)) => text(s.replace(&f, &r)),
            _ => Value::Undefined,
        },
        Func::Indexof => match (to_text(a), to_text(b)) {
            (Some(s), Some(sub)) => Value::Int(s.find(&sub).map_or(-1, |byte| {
                count(s.get(..byte).map_or(0, |p| p.chars().count()))
            })),
            _ => Value::Undefined,
        },
        Func::Startswith => both(a, b, |s, p| s.starts_with(p)),
        Func::Endswith => both(a, b, |s, p| s.ends_with(p)),
        Func::Chr => chr(a),
        Func::RegexpMatches => with_regex(a, b, regex, |s, re| Value::Bool(re.is_match(s))),
        Func::RegexpSubstr => with_regex(a, b, regex, |s, re| {
            re.find(s)
                .map_or(Value::Undefined, |m| text(String::from(m.as_str())))
        }),
        Func::RegexpReplace => match to_text(c) {
            Some(rep) => with_regex(a, b, regex, |s, re| {
                text(re.replace_all(s, rep.as_str()).into_owned())
            }),
            None => Value::Undefined,
        },
        _ => return None,
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn map1(a: &Value, f: impl Fn(&str) -> String) -> Value {
    to_text(a).map_or(Value::Undefined, |s| text(f(&s)))
}

fn both(a: &Value, b: &Value, f: impl Fn(&str, &str) -> bool) -> Value {
    match (to_text(a), to_text(b)) {
        (Some(x), Some(y)) => Value::Bool(f(&x, &y)),
        _ => Value::Undefined,
    }
}

fn pad(a: &Value, n: &Value, left: bool) -> Value {
    let (Some(s), Some(n)) = (to_text(a), to_int_rounded(n, Rounding::Down)) else {
        return Value::Undefined;
    };
    let n = usize::try_from(n.clamp(0, MAX_PAD)).unwrap_or(0);
    let spaces = " ".repeat(n);
    text(if left { spaces + &s } else { s + &spaces })
}

fn substring(a: &Value, start: &Value, end: Option<&Value>) -> Value {
    let Some(s) = to_text(a) else {
        return Value::Undefined;
    };
    let chars: Vec<char> = s.chars().collect();
    let len = count(chars.len());
    let Some(from) = to_int_rounded(start, Rounding::Down) else {
        return Value::Undefined;
    };
    let to = match end {
        None => len,
        Some(e) => match to_int_rounded(e, Rounding::Down) {
            Some(t) => t,
            None => return Value::Undefined,
        },
    };
    let from = from.clamp(0, len);
    let to = to.clamp(0, len);
    if from >= to {
        return text(String::new());
    }
    let (from, to) = (
        usize::try_from(from).unwrap_or(0),
        usize::try_from(to).unwrap_or(0),
    );
    text(
        chars
            .get(from..to)
            .map_or_else(String::new, |c| c.iter().collect()),
    )
}

/// `concat`: arrays are spliced together with the other arguments appended;
/// otherwise the string forms are joined. One argument is returned as is.
fn concat(args: &[Cow<'_, Value>]) -> Value {
    match args {
        [] => Value::Undefined,
        [one] => (**one).clone(),
        _ if args.iter().any(|v| matches!(**v, Value::Array(_))) => {
            let mut out = Vec::new();
            for v in args {
                match &**v {
                    Value::Array(items) => out.extend(items.iter().cloned()),
                    Value::Undefined => return Value::Undefined,
                    other => out.push(other.clone()),
                }
            }
            Value::Array(out)
        }
        _ => {
            let mut out = String::new();
            for v in args {
                match to_text(v) {
                    Some(s) => out.push_str(&s),
                    None => return Value::Undefined,
                }
            }
            text(out)
        }
    }
}

fn chr(a: &Value) -> Value {
    if !matches!(a, Value::Int(_) | Value::Decimal(_) | Value::String(_)) {
        return Value::Undefined;
    }
    match to_int_rounded(a, Rounding::Down) {
        Some(n @ 0..=127) => {
            u8::try_from(n).map_or(Value::Undefined, |b| text(String::from(char::from(b))))
        }
        _ => Value::Undefined,
    }
}

/// Applies a regex given as a precompiled constant or compiled from the
/// argument; an invalid pattern gives Undefined.
fn with_regex(
    s: &Value,
    re: &Value,
    pre: Option<&regex::Regex>,
    f: impl Fn(&str, &regex::Regex) -> Value,
) -> Value {
    let Some(s) = to_text(s) else {
        return Value::Undefined;
    };
    if let Some(r) = pre {
        return f(&s, r);
    }
    let Some(pattern) = to_text(re) else {
        return Value::Undefined;
    };
    match compile_regex(&pattern) {
        Some(r) => f(&s, &r),
        None => Value::Undefined,
    }
}

/// Compiles a pattern with size limits (linear-time engine; the limits bound
/// memory for hostile patterns).
pub(crate) fn compile_regex(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .ok()
}
