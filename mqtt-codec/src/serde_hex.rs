//! Binary fields as lowercase hex strings in serde formats.

use alloc::string::String;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serializer};

pub(crate) fn serialize<S: Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes.iter() {
        for nibble in [b >> 4, b & 0xF] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    s.serialize_str(&out)
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
    let s = String::deserialize(d)?;
    decode(&s).ok_or_else(|| serde::de::Error::custom("expected an even number of hex digits"))
}

/// Parses hex digits (either case) into bytes.
fn decode(s: &str) -> Option<Bytes> {
    let digits = s.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    digits
        .chunks_exact(2)
        .map(|pair| match *pair {
            [hi, lo] => Some(nibble(hi)? << 4 | nibble(lo)?),
            _ => None,
        })
        .collect::<Option<alloc::vec::Vec<u8>>>()
        .map(Bytes::from)
}

pub(crate) mod option {
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        match Option::<alloc::string::String>::deserialize(d)? {
            Some(s) => super::decode(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected an even number of hex digits")),
            None => Ok(None),
        }
    }
}
