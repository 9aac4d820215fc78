#![no_main]
//! Skeleton: every byte either is a QoS / protocol level or is rejected, and
//! accepted values convert back to themselves. Replaced by the codec targets.

use iot_mqtt_codec::{ProtocolVersion, QoS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for &b in data {
        if let Ok(q) = QoS::try_from(b) {
            assert_eq!(u8::from(q), b);
        }
        if let Ok(v) = ProtocolVersion::from_level(b) {
            assert!(v.level() == b || b == 3);
        }
    }
});
