//! The check shared by the `mqtt_decode_v311` and `mqtt_decode_v5` targets:
//! decoding arbitrary bytes never panics; every packet decoded re-encodes,
//! and that encoding decodes to the same packet. The decoder options (role,
//! payload format check) only ever refuse more: whatever a stricter decoder
//! accepts, the default one decodes the same. Under every decoder setting
//! the borrowed decoder (`decode_ref`) agrees with the owned one: the same
//! packet from the same number of bytes, the same error, or both incomplete.

use bytes::{Bytes, BytesMut};
use iot_mqtt_codec::{Decoder, ProtocolVersion, Role};

/// Decodes the stream `data` with both paths of `dec`, packet by packet,
/// asserting they agree.
fn differential(dec: &Decoder, data: &[u8]) {
    let shared = Bytes::copy_from_slice(data);
    let mut owned = BytesMut::from(data);
    let mut at = 0;
    loop {
        let rest = shared.get(at..).unwrap_or_default();
        let before = owned.len();
        match (dec.decode(&mut owned), dec.decode_ref(rest)) {
            (Ok(Some(p)), Ok(Some((r, used)))) => {
                assert_eq!(used, before - owned.len(), "frame lengths differ");
                assert_eq!(r.to_packet(), p, "copied packet differs");
                assert_eq!(r.into_packet(&shared), p, "shared packet differs");
                at += used;
            }
            (Ok(None), Ok(None)) => break,
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "errors differ");
                break;
            }
            (a, b) => panic!("paths disagree: owned {a:?}, borrowed {b:?}"),
        }
    }
}

/// Runs the check on `data` as a stream of `version` packets.
pub fn check(data: &[u8], version: ProtocolVersion) {
    let decoder = Decoder::new(version);
    let strict = [
        decoder
            .with_role(Role::Server)
            .with_payload_format_check(true),
        decoder.with_role(Role::Client),
    ];
    for s in strict.iter().chain([&decoder]) {
        differential(s, data);
    }
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
