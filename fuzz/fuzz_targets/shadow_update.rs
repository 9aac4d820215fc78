#![no_main]
//! Skeleton: thing and shadow names validate without panicking and keep their
//! text. Replaced by the shadow-doc targets.

use libfuzzer_sys::fuzz_target;
use shadow_doc::{ShadowName, ThingName};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = ThingName::new(s) {
        assert_eq!(n.as_str(), s);
    }
    if let Ok(n) = ShadowName::new(s) {
        assert!(ThingName::new(n.as_str()).is_ok());
    }
});
