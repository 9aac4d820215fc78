#![no_main]
//! Structure-aware round trip: an arbitrary packet that the encoder accepts
//! for a version decodes back to itself, and the encoding is exactly
//! `encoded_len` bytes. One the encoder refuses is left unwritten. With a
//! size limit of exactly `encoded_len` the bytes are the same; one byte less
//! is refused as too large, and nothing is written. The borrowed decoder
//! reads the same packet back. Acceptance and the error are those of
//! `Packet::validate` (the encoder's fast checks agree with the full rules).

use bytes::BytesMut;
use iot_mqtt_codec::{Decoder, ErrorKind, Packet, ProtocolVersion};
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
            // The encoder's fast checks accept only what the full rules do.
            assert_eq!(packet.validate(version), Ok(()));
            assert_eq!(n, wire.len());
            assert_eq!(n, packet.encoded_len(version));
            let max = u32::try_from(n).expect("a packet fits in u32");
            let mut limited = BytesMut::new();
            assert_eq!(packet.encode_with_limit(version, max, &mut limited), Ok(n));
            assert_eq!(limited, wire);
            limited.clear();
            let err = packet
                .encode_with_limit(version, max - 1, &mut limited)
                .expect_err("one byte over the limit");
            assert_eq!(
                err.kind(),
                ErrorKind::PacketTooLarge {
                    size: n as u64,
                    max: max - 1
                }
            );
            assert!(limited.is_empty());
            let (borrowed, used) = Decoder::new(version)
                .decode_ref(&wire)
                .expect("encoded packet decodes (borrowed)")
                .expect("complete");
            assert_eq!(used, n);
            assert_eq!(borrowed.to_packet(), packet);
            let decoded = Decoder::new(version)
                .decode(&mut wire)
                .expect("encoded packet decodes");
            assert_eq!(decoded, Some(packet));
        }
        Err(err) => {
            assert!(wire.is_empty());
            // Refused for the rule the full check names, or for its size.
            match packet.validate(version) {
                Err(kind) => assert_eq!(err.kind(), kind),
                Ok(()) => assert!(matches!(err.kind(), ErrorKind::PacketTooLarge { .. })),
            }
        }
    }
});
