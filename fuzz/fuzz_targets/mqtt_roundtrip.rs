#![no_main]
//! Structure-aware round trip: an arbitrary packet that the encoder accepts
//! for a version decodes back to itself, and the encoding is exactly
//! `encoded_len` bytes. One the encoder refuses is left unwritten.

use bytes::BytesMut;
use iot_mqtt_codec::{Decoder, Packet, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, Packet)| {
    let (v5, packet) = input;
    let version = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V311
    };
    let mut wire = BytesMut::new();
    match packet.encode(version, &mut wire) {
        Ok(n) => {
            assert_eq!(n, wire.len());
            assert_eq!(n, packet.encoded_len(version));
            let decoded = Decoder::new(version)
                .decode(&mut wire)
                .expect("encoded packet decodes");
            assert_eq!(decoded, Some(packet));
        }
        Err(_) => assert!(wire.is_empty()),
    }
});
