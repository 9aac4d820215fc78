//! The check shared by the `mqtt_decode_v311` and `mqtt_decode_v5` targets:
//! decoding arbitrary bytes never panics; every packet decoded re-encodes,
//! and that encoding decodes to the same packet. The decoder options (role,
//! payload format check) only ever refuse more: whatever a stricter decoder
//! accepts, the default one decodes the same.

use bytes::BytesMut;
use iot_mqtt_codec::{Decoder, ProtocolVersion, Role};

/// Runs the check on `data` as a stream of `version` packets.
pub fn check(data: &[u8], version: ProtocolVersion) {
    let decoder = Decoder::new(version);
    let strict = [
        decoder
            .with_role(Role::Server)
            .with_payload_format_check(true),
        decoder.with_role(Role::Client),
    ];
    for s in strict {
        let (mut a, mut b) = (BytesMut::from(data), BytesMut::from(data));
        loop {
            match s.decode(&mut a) {
                Ok(Some(p)) => assert_eq!(decoder.decode(&mut b), Ok(Some(p))),
                Ok(None) => {
                    assert_eq!(decoder.decode(&mut b), Ok(None));
                    break;
                }
                Err(e) => {
                    // The CONNACK a server would owe is always writable.
                    if let Some((v, ack)) = e.connack() {
                        let mut out = BytesMut::new();
                        iot_mqtt_codec::Packet::ConnAck(ack)
                            .encode(v, &mut out)
                            .expect("the owed CONNACK encodes");
                    }
                    break;
                }
            }
        }
    }
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
