#![no_main]
//! Skeleton: effect names parse or are rejected. Replaced by the iot-policy targets.

use iot_policy::Effect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = s.parse::<Effect>() {
        assert!(matches!(
            (e, s),
            (Effect::Allow, "Allow") | (Effect::Deny, "Deny")
        ));
    }
});
