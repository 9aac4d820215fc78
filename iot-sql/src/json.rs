//! JSON text ⇄ [`Value`]: a strict RFC 8259 reader that keeps numbers exact
//! (Int or 34-digit Decimal) with a nesting bound, and a compact writer.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::decimal::Decimal;
use crate::value::{Map, Value};

/// Deepest array/object nesting accepted in a payload.
pub const MAX_JSON_DEPTH: usize = 128;

/// Parses one JSON value surrounded by optional whitespace.
pub(crate) fn parse(bytes: &[u8]) -> Option<Value> {
    let mut p = Parser { b: bytes, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    (p.i == bytes.len()).then_some(v)
}

/// Parses JSON text but builds only the members of a top-level object named
/// in `fields`; every other value is validated and skipped without
/// allocating. Same acceptance as [`parse`]: invalid or too deep text anywhere
/// is `None`. Non-object text is parsed in full.
pub(crate) fn parse_selected(bytes: &[u8], fields: &[Box<str>]) -> Option<Value> {
    let mut p = Parser { b: bytes, i: 0 };
    p.ws();
    if p.peek() != Some(b'{') {
        return parse(bytes);
    }
    let v = p.object_selected(fields)?;
    p.ws();
    (p.i == bytes.len()).then_some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.i.checked_add(lit.len())?;
        (self.b.get(self.i..end)? == lit).then(|| self.i = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.eat(b"true").map(|()| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|()| Value::Bool(false)),
            b'n' => self.eat(b"null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_JSON_DEPTH {
            return None;
        }
        self.i += 1;
        let mut map = Map::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Value::Object(map));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.ws();
            self.eat(b":")?;
            self.ws();
            let v = self.value(depth)?;
            insert_large(&mut map, key, v);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                _ => return None,
            }
        }
    }

    fn object_selected(&mut self, fields: &[Box<str>]) -> Option<Value> {
        self.i += 1;
        let mut map = Map::with_capacity(fields.len());
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Value::Object(map));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.key()?;
            self.ws();
            self.eat(b":")?;
            self.ws();
            if fields.iter().any(|f| **f == *key) {
                let v = self.value(1)?;
                map.insert(key.into_owned(), v);
            } else {
                self.skip(1)?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                _ => return None,
            }
        }
    }

    /// A member name, borrowed from the input when it has no escapes.
    fn key(&mut self) -> Option<Cow<'a, str>> {
        let start = self.i + 1;
        let mut j = start;
        loop {
            match self.b.get(j)? {
                b'"' => {
                    let s = core::str::from_utf8(self.b.get(start..j)?).ok()?;
                    self.i = j + 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => return self.string().map(Cow::Owned),
                c if *c < 0x20 => return None,
                _ => j += 1,
            }
        }
    }

    /// Validates and skips one value (`depth` is that of its container).
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            open @ (b'{' | b'[') => {
                if depth + 1 > MAX_JSON_DEPTH {
                    return None;
                }
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                self.ws();
                if self.peek()? == close {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    if open == b'{' {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        self.skip_string()?;
                        self.ws();
                        self.eat(b":")?;
                        self.ws();
                    }
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.skip_string(),
            b't' => self.eat(b"true"),
            b'f' => self.eat(b"false"),
            b'n' => self.eat(b"null"),
            b'-' | b'0'..=b'9' => self.scan_number().map(drop),
            _ => None,
        }
    }

    fn skip_string(&mut self) -> Option<()> {
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek()? {
                b'"' => {
                    // Escapes are ASCII, so the raw span validates as UTF-8 iff the text does.
                    core::str::from_utf8(self.b.get(start..self.i)?).ok()?;
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            self.i += 1;
                            self.unicode_escape()?;
                        }
                        _ => return None,
                    }
                }
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_JSON_DEPTH {
            return None;
        }
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let (start, integral) = self.scan_number()?;
        let text = core::str::from_utf8(self.b.get(start..self.i)?).ok()?;
        if integral && let Ok(i) = text.parse::<i64>() {
            return Some(Value::Int(i));
        }
        Decimal::parse(text, false).map(Value::Decimal)
    }

    /// Scans a number; returns where it starts and whether it is integral.
    fn scan_number(&mut self) -> Option<(usize, bool)> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        self.digits();
        let int_len = self.i - int_start;
        // No leading zeros (RFC 8259).
        if int_len == 0 || (int_len > 1 && self.b.get(int_start) == Some(&b'0')) {
            return None;
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integral = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some((start, integral))
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - s
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escapes.
        loop {
            match self.peek()? {
                b'"' => {
                    let s = core::str::from_utf8(self.b.get(start..self.i)?).ok()?;
                    self.i += 1;
                    return Some(String::from(s));
                }
                b'\\' => break,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        let mut out: Vec<u8> = self.b.get(start..self.i)?.to_vec();
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return String::from_utf8(out).ok();
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.peek()?;
                    self.i += 1;
                    let ch = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return None,
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.i.checked_add(4)?;
        let s = core::str::from_utf8(self.b.get(self.i..end)?).ok()?;
        let v = u32::from_str_radix(s, 16).ok()?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.i = end;
        Some(v)
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            self.eat(b"\\u")?;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        } else {
            char::from_u32(hi)
        }
    }
}

fn insert_large(map: &mut Map, key: String, v: Value) {
    // Duplicate keys are checked (last value wins) up to 4096 members; past
    // that members are appended unchecked so parsing stays linear, and a
    // duplicate there resolves to its first occurrence.
    if map.len() < 4096 {
        map.insert(key, v);
    } else {
        map.push_unique(key, v);
    }
}

/// Writes `v` as compact JSON. Undefined members and elements are skipped;
/// binary is written as a base64 string.
pub(crate) fn write(v: &Value, out: &mut String, whole_as_int: bool) {
    match v {
        Value::Undefined => {}
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Decimal(d) => d.write_json(out, whole_as_int),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            let mut first = true;
            for item in items.iter().filter(|i| !i.is_undefined()) {
                if !first {
                    out.push(',');
                }
                first = false;
                write(item, out, whole_as_int);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut first = true;
            for (k, item) in m.iter().filter(|(_, i)| !i.is_undefined()) {
                if !first {
                    out.push(',');
                }
                first = false;
                write_str(k, out);
                out.push(':');
                write(item, out, whole_as_int);
            }
            out.push('}');
        }
        Value::Binary(b) => {
            out.push('"');
            out.push_str(&crate::functions::base64_encode(b));
            out.push('"');
        }
    }
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8259_values() {
        let v = parse(br#" {"a": [1, -2.50, 1e2, "x\u00e9\ud83d\ude00", true, null], "a": 3} "#)
            .unwrap();
        assert_eq!(v.to_json(), r#"{"a":3}"#);
        let v = parse(br#"[1, -2.50, 1e2, "x\u00e9\ud83d\ude00\n"]"#).unwrap();
        assert_eq!(v.to_json(), "[1,-2.5,100.0,\"xé😀\\n\"]");
        for bad in [
            &b"01"[..],
            b"[1,]",
            b"{\"a\" 1}",
            b"\"\x01\"",
            b"1.",
            b"",
            b"nul",
            b"[1] x",
            b"\"\\ud800\"",
        ] {
            assert!(parse(bad).is_none(), "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn selective_parse_keeps_only_named_members_and_validates_the_rest() {
        let fields: alloc::vec::Vec<Box<str>> = alloc::vec!["a".into(), "c\"d".into()];
        let text =
            br#"{"a": [1, {"x": 2}], "b": {"deep": ["\u00e9", -1.5e3, null, true]}, "c\"d": "y"}"#;
        let v = parse_selected(text, &fields).unwrap();
        assert_eq!(v.to_json(), r#"{"a":[1,{"x":2}],"c\"d":"y"}"#);
        for bad in [
            &br#"{"a": 1, "b": [1,]}"#[..],
            br#"{"b": "\x"}"#,
            br#"{"b": 01}"#,
            b"{\"b\": \"\xff\"}",
            br#"{"b": 1} x"#,
        ] {
            assert!(parse_selected(bad, &fields).is_none(), "{:?}", bad);
            assert!(parse(bad).is_none(), "{:?}", bad);
        }
        let deep = alloc::format!(
            "{{\"b\": {}{}}}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(parse_selected(deep.as_bytes(), &fields).is_none());
        assert!(parse(deep.as_bytes()).is_none());
        assert_eq!(parse_selected(b"[1]", &fields).unwrap().to_json(), "[1]");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_none());
        let ok = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert!(parse(ok.as_bytes()).is_some());
    }

    #[test]
    fn big_integers_become_decimals() {
        let v = parse(b"123456789012345678901234567890").unwrap();
        assert!(matches!(v, Value::Decimal(_)));
        assert_eq!(
            v.to_json_for(crate::SqlVersion::V2016_03_23),
            "123456789012345678901234567890"
        );
    }
}
