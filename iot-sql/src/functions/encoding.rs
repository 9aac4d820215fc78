//! Encoding and hash functions (spec §10.2): `encode`, `decode`, `md2`,
//! `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Func, arg, text};
use crate::value::{Value, to_text};

pub(super) fn call(func: Func, args: &[Cow<'_, Value>]) -> Option<Value> {
    let a = arg(args, 0);
    Some(match func {
        Func::Encode => encode(a, arg(args, 1)),
        Func::Decode => decode(a, arg(args, 1)),
        Func::Md2 => hash::<md2::Md2>(a),
        Func::Md5 => hash::<md5::Md5>(a),
        Func::Sha1 => hash::<sha1::Sha1>(a),
        Func::Sha224 => hash::<sha2::Sha224>(a),
        Func::Sha256 => hash::<sha2::Sha256>(a),
        Func::Sha384 => hash::<sha2::Sha384>(a),
        Func::Sha512 => hash::<sha2::Sha512>(a),
        _ => return None,
    })
}

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn is_base64_mode(mode: &Value) -> bool {
    matches!(mode, Value::String(m) if m.eq_ignore_ascii_case("base64"))
}

/// `encode(value, 'base64')`: binary (including `*`, which is always the raw
/// payload bytes) is encoded as is, anything else through its string form.
fn encode(v: &Value, mode: &Value) -> Value {
    if !is_base64_mode(mode) {
        return Value::Undefined;
    }
    match v {
        Value::Binary(b) => text(base64_encode(b)),
        other => to_text(other).map_or(Value::Undefined, |s| text(base64_encode(s.as_bytes()))),
    }
}

/// `decode(value, 'base64')`: decoded JSON text becomes its value, other
/// UTF-8 text a String, other bytes binary; undecodable input is Null (the
/// documented exception to the Undefined rule, spec §15 item 15).
fn decode(v: &Value, mode: &Value) -> Value {
    if !is_base64_mode(mode) {
        return Value::Undefined;
    }
    let Some(s) = to_text(v) else {
        return Value::Undefined;
    };
    let Ok(bytes) = STANDARD.decode(s.trim()) else {
        return Value::Null;
    };
    if let Some(json) = Value::from_json(&bytes) {
        return json;
    }
    match String::from_utf8(bytes) {
        Ok(t) => text(t),
        Err(e) => Value::Binary(Arc::from(e.into_bytes())),
    }
}

fn hash<D: sha2::Digest>(v: &Value) -> Value {
    let Some(s) = to_text(v) else {
        return Value::Undefined;
    };
    let digest: Vec<u8> = D::digest(s.as_bytes()).to_vec();
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    text(out)
}
