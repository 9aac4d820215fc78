//! Document structure (spec §1): what parses, and the JSON path of what does not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_policy::{
    ListKind, OperatorKind, ParseErrorKind, ParseOptions, PolicyDocument, PolicyVersion,
    SetQualifier,
};

fn err(json: &str) -> (String, ParseErrorKind) {
    let e = PolicyDocument::parse(json).unwrap_err();
    (e.path, e.kind)
}

#[test]
fn statement_may_be_an_object_or_an_array() {
    let one = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}}"#,
    )
    .unwrap();
    let many = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Id":"p","Statement":[{"Sid":"a","Effect":"Deny","NotAction":["iot:Connect"],"NotResource":"*"}]}"#,
    )
    .unwrap();
    assert_eq!(one.statements.len(), 1);
    assert_eq!(many.id.as_deref(), Some("p"));
    assert_eq!(many.statements[0].sid.as_deref(), Some("a"));
    assert_eq!(many.statements[0].actions.kind, ListKind::Exclude);
    assert_eq!(many.statements[0].resources.kind, ListKind::Exclude);
}

#[test]
fn errors_carry_the_json_path() {
    let v = r#""Version":"2012-10-17""#;
    assert_eq!(
        err(&format!(r#"{{{v},"Statement":[{{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}},{{"Effect":"allow","Action":"a","Resource":"*"}}]}}"#)).0,
        "$.Statement[1].Effect"
    );
    assert_eq!(
        err(&format!(
            r#"{{{v},"Statement":{{"Effect":"Allow","Action":["iot:Connect",3],"Resource":"*"}}}}"#
        )),
        (
            "$.Statement.Action[1]".into(),
            ParseErrorKind::ExpectedString
        )
    );
    assert_eq!(
        err(&format!(
            r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a","NotAction":"b","Resource":"*"}}}}"#
        )),
        (
            "$.Statement".into(),
            ParseErrorKind::Conflict("Action", "NotAction")
        )
    );
    assert_eq!(
        err(&format!(
            r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a"}}}}"#
        )),
        ("$.Statement".into(), ParseErrorKind::Missing("Resource"))
    );
    assert_eq!(
        err(&format!(r#"{{{v},"Statement":{{"Effect":"Allow","Principal":"*","Action":"a","Resource":"*"}}}}"#)).0,
        "$.Statement.Principal"
    );
    let (path, kind) = err(&format!(
        r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a","Resource":"*","Condition":{{"NumericLessThan":{{"k":["1","x"]}}}}}}}}"#
    ));
    assert_eq!(path, "$.Statement.Condition.NumericLessThan.k[1]");
    assert!(matches!(
        kind,
        ParseErrorKind::InvalidValue {
            expected: "number",
            ..
        }
    ));
    assert!(matches!(
        err(&format!(r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a","Resource":"*","Condition":{{"StringEqualz":{{"k":"v"}}}}}}}}"#)).1,
        ParseErrorKind::Operator(_)
    ));
    assert_eq!(
        err(&format!(
            r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a","Resource":"arn:aws:iot:us-east-1:1:topic/${{iot:ClientId"}}}}"#
        )),
        (
            "$.Statement.Resource".into(),
            ParseErrorKind::UnterminatedVariable(30)
        )
    );
    assert_eq!(
        err(&format!(r#"{{{v},"Statement":{{"Effect":"Allow","Action":"a","Resource":"arn:aws:iot:${{iot:ClientId}}:1:topic/x"}}}}"#)).1,
        ParseErrorKind::VariableNotAllowed
    );
    assert!(matches!(err("{").1, ParseErrorKind::Json { line: 1, .. }));
    assert_eq!(
        err(&format!(r#"{{{v},"Statement":[]}}"#)).1,
        ParseErrorKind::Empty
    );
}

#[test]
fn version_is_required_unless_legacy_mode() {
    let body = r#""Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:r:1:topic/${iot:ClientId}"}"#;
    assert_eq!(
        err(&format!("{{{body}}}")).1,
        ParseErrorKind::Missing("Version")
    );
    assert!(matches!(
        err(&format!(r#"{{"Version":"2008-10-17",{body}}}"#)).1,
        ParseErrorKind::Version(_)
    ));
    let legacy = ParseOptions {
        legacy_version: true,
        ..ParseOptions::default()
    };
    let doc = PolicyDocument::parse_with(&format!("{{{body}}}"), &legacy).unwrap();
    assert_eq!(doc.version, PolicyVersion::Legacy);
    // In a legacy document `${...}` is literal text.
    let set = iot_policy::PolicySet::compile(&[doc]);
    let conn = set.bind(&iot_policy::ConnectionContext {
        client_id: "c".into(),
        ..Default::default()
    });
    assert!(
        conn.authorize("iot:Publish", "arn:aws:iot:r:1:topic/${iot:ClientId}")
            .is_allowed()
    );
    assert!(
        !conn
            .authorize("iot:Publish", "arn:aws:iot:r:1:topic/c")
            .is_allowed()
    );
}

#[test]
fn size_limit_counts_non_whitespace_characters() {
    let make = |n: usize| {
        let head = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"t"#;
        let tail = r#""}}"#;
        let pad = 2048 - head.len() - tail.len();
        format!("{head}{}{}{tail}   \n\t  ", "x".repeat(pad), "x".repeat(n))
    };
    assert!(
        PolicyDocument::parse(&make(0)).is_ok(),
        "exactly 2048 is allowed"
    );
    assert_eq!(
        PolicyDocument::parse(&make(1)).unwrap_err().kind,
        ParseErrorKind::TooLarge {
            count: 2049,
            limit: 2048
        }
    );
    let off = ParseOptions {
        size_limit: None,
        ..ParseOptions::default()
    };
    assert!(PolicyDocument::parse_with(&make(1), &off).is_ok());
}

#[test]
fn operators_parse_with_qualifiers_and_if_exists() {
    let doc = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a","Resource":"*","Condition":{
          "ForAnyValue:StringLike":{"iot:ConnectAttributes":["Last*"]},
          "NumericLessThanEquals":{"k":3},
          "BoolIfExists":{"iot:Connection.Thing.IsAttached":true}}}}"#,
    )
    .unwrap();
    let c = &doc.statements[0].conditions;
    assert_eq!(c[0].operator.qualifier, Some(SetQualifier::ForAnyValue));
    assert_eq!(c[1].operator.kind, OperatorKind::NumericLessThanEquals);
    assert_eq!(c[1].values, vec!["3".to_string()]);
    assert!(c[2].operator.if_exists);
    assert_eq!(c[2].values, vec!["true".to_string()]);
    assert!(
        "NullIfExists"
            .parse::<iot_policy::ConditionOperator>()
            .is_err()
    );
}
