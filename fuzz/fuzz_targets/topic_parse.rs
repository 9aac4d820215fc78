#![no_main]
//! Topic and filter parsing never panics; a valid topic that is also a valid
//! filter matches itself, and every valid topic matches the filter `#` unless
//! it starts with `$`.

use libfuzzer_sys::fuzz_target;
use topic_match::{TopicFilter, TopicName};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let filter = TopicFilter::new(s);
    if let Ok(topic) = TopicName::new(s) {
        let filter = filter.expect("a valid topic name is a valid filter");
        assert!(filter.matches(&topic));
        assert_eq!(topic_match::matches("#", s), !s.starts_with('$'));
    }
});
