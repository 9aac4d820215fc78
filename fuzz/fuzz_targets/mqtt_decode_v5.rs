#![no_main]
//! Decodes arbitrary bytes as an MQTT 5.0 stream (see `common/mqtt_decode.rs`):
//! never panics; every packet decoded re-encodes to bytes that decode to the
//! same packet; stricter decoder options only ever refuse more.

#[path = "common/mqtt_decode.rs"]
mod common;

use iot_mqtt_codec::ProtocolVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check(data, ProtocolVersion::V5));
