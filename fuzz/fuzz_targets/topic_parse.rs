#![no_main]
//! Parsing topic names, filters and shared subscriptions never panics, and
//! the results agree with each other: a valid topic name is a valid filter
//! that matches itself, `#` matches it unless it starts with `$`, a shared
//! subscription prints back as its input, the AWS IoT Core profile only
//! ever rejects more, and `SubscriptionIndex::for_each_match_str` accepts
//! exactly the valid topic names.

use libfuzzer_sys::fuzz_target;
use topic_match::{
    Profile, ProtocolVersion, SharedSubscription, SubscribeFilter, SubscriptionIndex, TopicFilter,
    TopicName,
};

fuzz_target!(|data: &[u8]| {
    let name = TopicName::from_bytes(data);
    let filter = TopicFilter::from_bytes(data);
    let Ok(s) = std::str::from_utf8(data) else {
        assert!(name.is_err() && filter.is_err());
        return;
    };
    // The `&str` entry point checks exactly the topic-name rules.
    let empty = SubscriptionIndex::<u8>::new();
    assert_eq!(
        empty.for_each_match_str(s, |_| ()).is_ok(),
        TopicName::new(s).is_ok()
    );
    if let Ok(topic) = &name {
        let filter = filter
            .as_ref()
            .expect("a valid topic name is a valid filter");
        assert!(filter.matches(topic));
        assert_eq!(topic_match::matches("#", s), !s.starts_with('$'));
    }
    if let Ok(shared) = SharedSubscription::new(s) {
        assert_eq!(shared.to_string(), s);
        assert!(!shared.group().contains(['/', '+', '#']));
    }
    let v311 = SubscribeFilter::parse(s, ProtocolVersion::V311);
    assert_eq!(
        v311.is_ok(),
        filter.is_ok(),
        "3.1.1 has no shared subscriptions"
    );
    if let Ok(SubscribeFilter::Shared(sub)) = SubscribeFilter::parse(s, ProtocolVersion::V5) {
        assert!(s.ends_with(sub.filter().as_str()));
    }
    if TopicName::with_profile(s, Profile::AwsIotCore).is_ok() {
        assert!(name.is_ok());
    }
    if TopicFilter::with_profile(s, Profile::AwsIotCore).is_ok() {
        assert!(filter.is_ok());
    }
    if let Err(e) = &filter {
        assert!(!e.statement().is_empty());
        let _ = e.to_string();
    }
});
