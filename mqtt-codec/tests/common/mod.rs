//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{DecodeError, Decoder, Packet, PacketRef, ProtocolVersion};

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

/// Decodes `bytes` with both paths of `dec` and asserts they agree: the
/// same packet (the borrowed one converted, shared or copied, equals the
/// owned one, and its lazy views read the same fields) using the same
/// number of bytes, the same error, or both incomplete. Returns the owned
/// result and the bytes it left.
pub(crate) fn decode_both(
    dec: &Decoder,
    bytes: &[u8],
) -> (Result<Option<Packet>, DecodeError>, BytesMut) {
    let mut buf = BytesMut::from(bytes);
    let owned = dec.decode(&mut buf);
    let borrowed = dec.decode_ref(bytes);
    match (&owned, &borrowed) {
        (Ok(Some(p)), Ok(Some((r, used)))) => {
            assert_eq!(*used, bytes.len() - buf.len(), "frame length differs");
            let shared = Bytes::copy_from_slice(bytes);
            // Decoded again from `shared`, so that the conversion shares it.
            let (again, _) = dec.decode_ref(&shared).unwrap().unwrap();
            assert_eq!(&again.into_packet(&shared), p, "into_packet differs");
            assert_eq!(&r.to_packet(), p, "to_packet differs");
            assert_eq!(r.name(), p.name());
            views_agree(r, p);
        }
        (Ok(None), Ok(None)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "errors differ"),
        _ => panic!("paths disagree: owned {owned:?}, borrowed {borrowed:?}"),
    }
    (owned, buf)
}

/// The borrowed views read what the owned packet holds.
fn views_agree(r: &PacketRef<'_>, p: &Packet) {
    match (r, p) {
        (PacketRef::Publish(r), Packet::Publish(p)) => {
            assert_eq!(r.topic.as_str(), p.topic.as_str());
            assert_eq!(r.payload, &p.payload[..]);
            assert_eq!(p.properties, r.properties);
            assert_eq!(
                r.properties.message_expiry_interval(),
                p.properties.message_expiry_interval()
            );
            assert_eq!(r.properties.topic_alias(), p.properties.topic_alias());
            let users: Vec<_> = r
                .properties
                .user_properties()
                .map(|(k, v)| (k.to_utf8_str(), v.to_utf8_str()))
                .collect();
            assert_eq!(users, p.properties.user_properties().collect::<Vec<_>>());
            assert_eq!(
                r.properties.iter().collect::<Vec<_>>(),
                p.properties.to_vec()
            );
        }
        (PacketRef::Subscribe(r), Packet::Subscribe(p)) => {
            assert_eq!(r.filters.len(), p.filters.len());
            assert_eq!(r.filters.iter().len(), p.filters.len());
            for ((rf, ro), (pf, po)) in r.filters.iter().zip(&p.filters) {
                assert_eq!(rf.as_str(), pf.as_str());
                assert_eq!(ro, *po);
            }
        }
        (PacketRef::Unsubscribe(r), Packet::Unsubscribe(p)) => {
            let list: Vec<&str> = r.filters.iter().map(|f| f.as_str()).collect();
            let want: Vec<&str> = p.filters.iter().map(|f| f.as_str()).collect();
            assert_eq!(list, want);
        }
        (PacketRef::SubAck(r), Packet::SubAck(p)) => {
            assert!(r.reason_codes().eq(p.reason_codes.iter().copied()));
        }
        (PacketRef::Connect(r), Packet::Connect(p)) => {
            assert_eq!(r.client_id().as_str(), p.client_id.as_str());
            assert_eq!(r.keep_alive(), p.keep_alive);
            assert_eq!(r.clean_start(), p.clean_start);
            assert_eq!(
                r.properties().receive_maximum(),
                p.properties.receive_maximum()
            );
            assert_eq!(
                r.will().map(|w| w.properties.will_delay_interval()),
                p.will.as_ref().map(|w| w.properties.will_delay_interval())
            );
            assert_eq!(
                r.will().map(|w| (w.topic.as_str(), w.payload)),
                p.will.as_ref().map(|w| (w.topic.as_str(), &w.payload[..]))
            );
            assert_eq!(
                r.username().map(|u| u.as_str()),
                p.username.as_ref().map(|u| u.as_str())
            );
            assert_eq!(r.password(), p.password.as_deref());
        }
        _ => {}
    }
}

pub(crate) fn run_case(level: u8, bytes: &[u8]) -> Outcome {
    let v = version(level);
    let (result, buf) = decode_both(&Decoder::new(v), bytes);
    match result {
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
