//! Property tests: monotonicity of Deny, Allow-all, parser robustness, and
//! the glob matcher against a naive backtracking model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_policy::{ConnectionContext, Outcome, ParseOptions, PolicyDocument, PolicySet};
use proptest::prelude::*;

const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

fn action() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "iot:Connect",
        "iot:Publish",
        "iot:Subscribe",
        "iot:Receive",
        "iot:*",
        "iot:Pub*",
        "*",
        "iot:Nonexistent",
    ])
}

fn resource() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "client/*",
        "client/${iot:ClientId}",
        "topic/a/*",
        "topic/a/b",
        "topic/${iot:ClientId}/*",
        "topic/?/b",
        "topicfilter/a/#",
        "topicfilter/a/*",
        "topic/${iot:Connection.Thing.ThingName}/x",
    ])
    .prop_map(|r| {
        if r == "*" {
            r.to_string()
        } else {
            format!("{ARN}:{r}")
        }
    })
}

fn condition() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        r#"{"StringLike":{"iot:ClientId":"d*"}}"#,
        r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        r#"{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}"#,
        r#"{"StringNotEquals":{"iot:Connection.Thing.ThingTypeName":"x"}}"#,
    ]))
}

fn statement(effect: Option<&'static str>) -> impl Strategy<Value = String> {
    let eff = match effect {
        Some(e) => Just(e).boxed(),
        None => prop::sample::select(vec!["Allow", "Deny"]).boxed(),
    };
    (
        eff,
        any::<bool>(),
        prop::collection::vec(action(), 1..3),
        any::<bool>(),
        prop::collection::vec(resource(), 1..3),
        condition(),
    )
        .prop_map(|(e, not_a, acts, not_r, res, cond)| {
            let a = if not_a { "NotAction" } else { "Action" };
            let r = if not_r { "NotResource" } else { "Resource" };
            let cond = cond.map_or(String::new(), |c| format!(r#","Condition":{c}"#));
            format!(
                r#"{{"Effect":"{e}","{a}":{},"{r}":{}{cond}}}"#,
                serde_json::to_string(&acts).unwrap(),
                serde_json::to_string(&res).unwrap()
            )
        })
}

fn policy(effect: Option<&'static str>) -> impl Strategy<Value = PolicyDocument> {
    prop::collection::vec(statement(effect), 1..4).prop_map(|sts| {
        PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            sts.join(",")
        ))
        .unwrap()
    })
}

fn request() -> impl Strategy<Value = (&'static str, String)> {
    (
        prop::sample::select(vec![
            "iot:Connect",
            "iot:Publish",
            "iot:Subscribe",
            "iot:Receive",
            "iot:Other",
        ]),
        prop::sample::select(vec![
            "client/dev1",
            "client/x",
            "topic/a/b",
            "topic/dev1/t",
            "topic/b/b",
            "topicfilter/a/#",
            "topicfilter/a/+",
            "topic/t1/x",
        ]),
    )
        .prop_map(|(a, r)| (a, format!("{ARN}:{r}")))
}

fn context() -> impl Strategy<Value = ConnectionContext> {
    (
        prop::sample::select(vec!["dev1", "x", "+", "t1"]),
        any::<bool>(),
        prop::sample::select(vec!["10.1.1.1", "192.168.0.1"]),
    )
        .prop_map(|(id, thing, ip)| {
            ConnectionContext::from_json(&serde_json::json!({
                "client_id": id,
                "thing_name": if thing { Some("t1") } else { None },
                "is_attached": thing,
                "source_ip": ip,
            }))
            .unwrap()
        })
}

fn decide(docs: &[PolicyDocument], ctx: &ConnectionContext, req: &(&str, String)) -> Outcome {
    PolicySet::compile(docs)
        .bind(ctx)
        .authorize(req.0, &req.1)
        .outcome
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adding_a_deny_never_turns_deny_into_allow(
        mut docs in prop::collection::vec(policy(None), 1..3),
        extra in policy(Some("Deny")),
        ctx in context(),
        req in request(),
    ) {
        let before = decide(&docs, &ctx, &req);
        docs.push(extra);
        let after = decide(&docs, &ctx, &req);
        if before != Outcome::Allow {
            prop_assert_ne!(after, Outcome::Allow);
        }
    }

    #[test]
    fn allow_all_allows_everything_not_explicitly_denied(
        mut docs in prop::collection::vec(policy(None), 0..3),
        ctx in context(),
        req in request(),
    ) {
        let before = decide(&docs, &ctx, &req);
        docs.push(PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        ).unwrap());
        let after = decide(&docs, &ctx, &req);
        if before == Outcome::ExplicitDeny {
            prop_assert_eq!(after, Outcome::ExplicitDeny);
        } else {
            prop_assert_eq!(after, Outcome::Allow);
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,300}") {
        let _ = PolicyDocument::parse(&s);
    }

    #[test]
    fn parsing_policy_shaped_json_never_panics(
        sts in prop::collection::vec(statement(None), 0..4),
        junk in "[\\[\\]{}\",:a-zA-Z$*?]{0,40}",
        cut in 0usize..400,
    ) {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{}{junk}]}}"#, sts.join(","));
        let cut = text.char_indices().map(|(i, _)| i).find(|i| *i >= cut).unwrap_or(text.len());
        let lenient = ParseOptions { size_limit: None, legacy_version: true };
        for t in [&text[..], &text[..cut]] {
            if let Ok(doc) = PolicyDocument::parse_with(t, &lenient) {
                let _ = doc.lint();
                let set = PolicySet::compile(&[doc]);
                let _ = set.bind(&ConnectionContext::default()).explain("iot:Publish", "arn:aws:iot:r:1:topic/a");
            }
        }
    }

    /// The linear matcher agrees with a naive backtracking model.
    #[test]
    fn glob_matches_like_the_backtracking_model(
        pattern in "[ab*?/]{0,8}",
        text in "[ab/]{0,10}",
    ) {
        fn model(p: &[char], t: &[char]) -> bool {
            match p.split_first() {
                None => t.is_empty(),
                Some(('*', rest)) => (0..=t.len()).any(|i| model(rest, &t[i..])),
                Some(('?', rest)) => !t.is_empty() && model(rest, &t[1..]),
                Some((c, rest)) => t.first() == Some(c) && model(rest, &t[1..]),
            }
        }
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"iot:Publish","Resource":"{ARN}:topic/{pattern}"}}}}"#
        )).unwrap();
        let got = PolicySet::compile(&[doc])
            .bind(&ConnectionContext::default())
            .authorize("iot:Publish", &format!("{ARN}:topic/{text}"))
            .is_allowed();
        prop_assert_eq!(got, model(&p, &t));
    }
}
