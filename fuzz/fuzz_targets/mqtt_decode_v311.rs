#![no_main]
//! Decodes arbitrary bytes as an MQTT 3.1.1 stream: never panics; every
//! packet decoded re-encodes, and that encoding decodes to the same packet.

use bytes::BytesMut;
use iot_mqtt_codec::{Decoder, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check(data, ProtocolVersion::V311));

fn check(data: &[u8], version: ProtocolVersion) {
    let decoder = Decoder::new(version);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(packet)) = decoder.decode(&mut buf) {
        let mut wire = BytesMut::new();
        let n = packet
            .encode(version, &mut wire)
            .expect("a decoded packet re-encodes");
        assert_eq!(n, packet.encoded_len(version));
        let again = decoder
            .decode(&mut wire)
            .expect("re-encoding decodes")
            .expect("complete");
        assert_eq!(again, packet);
        assert!(wire.is_empty());
    }
}
