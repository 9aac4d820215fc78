#![no_main]
//! Policy JSON parsing: never panics; a parsed document lints, compiles,
//! binds and decides without panicking, and `authorize` agrees with `explain`.

use iot_policy::{ConnectionContext, ParseOptions, PolicyDocument, PolicySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let strict = PolicyDocument::parse(text);
    let lenient = ParseOptions {
        size_limit: None,
        legacy_version: true,
    };
    let Ok(doc) = PolicyDocument::parse_with(text, &lenient) else {
        assert!(strict.is_err(), "strict accepted what lenient rejected");
        return;
    };
    if let Ok(s) = &strict {
        assert_eq!(
            s, &doc,
            "strict and lenient disagree on an accepted document"
        );
    }
    let _ = doc.lint();
    let set = PolicySet::compile(&[doc]);
    let conn = set.bind(&ConnectionContext {
        client_id: "c1".into(),
        ..Default::default()
    });
    for (action, resource) in [
        (
            "iot:Connect",
            "arn:aws:iot:us-east-1:123456789012:client/c1",
        ),
        (
            "iot:Publish",
            "arn:aws:iot:us-east-1:123456789012:topic/c1/x",
        ),
        (
            "iot:Subscribe",
            "arn:aws:iot:us-east-1:123456789012:topicfilter/c1/#",
        ),
        ("iot:Unknown", "*"),
    ] {
        let d = conn.authorize(action, resource);
        let e = conn.explain(action, resource);
        assert_eq!(d.outcome, e.outcome);
        assert_eq!(d.statement.is_some(), !e.statements.is_empty());
    }
});
