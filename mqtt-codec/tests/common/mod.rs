//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::BytesMut;
use iot_mqtt_codec::{DecodeError, Decoder, Packet, ProtocolVersion};

/// What decoding one buffer gave.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Decoded using every byte; the re-encoding in hex.
    Ok(String),
    Malformed(DecodeError),
    Incomplete,
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn version(level: u8) -> ProtocolVersion {
    ProtocolVersion::from_level(level).unwrap()
}

pub(crate) fn decode(level: u8, bytes: &[u8]) -> Result<Option<Packet>, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    Decoder::new(version(level)).decode(&mut buf)
}

pub(crate) fn run_case(level: u8, bytes: &[u8]) -> Outcome {
    let v = version(level);
    let mut buf = BytesMut::from(bytes);
    match Decoder::new(v).decode(&mut buf) {
        Ok(Some(p)) => {
            assert!(buf.is_empty(), "{} byte(s) left over", buf.len());
            let mut out = BytesMut::new();
            let n = p.encode(v, &mut out).expect("a decoded packet re-encodes");
            assert_eq!(n, out.len());
            assert_eq!(p.encoded_len(v), out.len());
            Outcome::Ok(hex(&out))
        }
        Ok(None) => {
            assert_eq!(buf.len(), bytes.len(), "incomplete consumed bytes");
            Outcome::Incomplete
        }
        Err(e) => Outcome::Malformed(e),
    }
}

/// Asserts `hex` is rejected under `level`, and returns the error.
pub(crate) fn rejected(level: u8, hex_str: &str) -> DecodeError {
    match run_case(level, &unhex(hex_str)) {
        Outcome::Malformed(e) => e,
        other => panic!("{hex_str} accepted under level {level}: {other:?}"),
    }
}

/// Asserts `hex` decodes and re-encodes identically, and returns the packet.
pub(crate) fn accepted(level: u8, hex_str: &str) -> Packet {
    match run_case(level, &unhex(hex_str)) {
        Outcome::Ok(re) => assert_eq!(re, hex_str, "re-encoding differs"),
        other => panic!("{hex_str} not accepted under level {level}: {other:?}"),
    }
    decode(level, &unhex(hex_str)).unwrap().unwrap()
}

/// A frame from the first byte and a hex body: the Remaining Length is computed.
pub(crate) fn frame(first: u8, body_hex: &str) -> String {
    let body = unhex(&body_hex.replace([' ', '_'], ""));
    let mut out = vec![first];
    let mut len = body.len();
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(&body);
    hex(&out)
}

/// Hex of a length-prefixed string.
pub(crate) fn s(text: &str) -> String {
    format!("{:04x}{}", text.len(), hex(text.as_bytes()))
}
