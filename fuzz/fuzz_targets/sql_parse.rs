#![no_main]
//! Skeleton: SQL version names parse or are rejected, and round-trip.
//! Replaced by the iot-sql targets.

use iot_sql::SqlVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = s.parse::<SqlVersion>() {
        assert_eq!(v.as_str(), s);
    }
});
