//! Statement-level behaviour: errors and their positions, version gates,
//! SET, nested queries, binary payloads, templates, external providers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{V2016, run};
use iot_sql::{
    ErrorKind, EvalError, External, ExternalFunction, Message, Outcome, OutputKind, Rule, Value,
};

fn err(sql: &str) -> iot_sql::Error {
    Rule::parse(sql, V2016).unwrap_err()
}

#[test]
fn errors_carry_line_column_and_expectation() {
    let e = err("SELECT a,\n  FROM 'x'");
    assert_eq!((e.line(), e.column()), (2, 3));
    assert!(matches!(e.kind(), ErrorKind::Syntax { .. }));
    let e = err("SELECT abs(1, 2) FROM 'x'");
    assert_eq!(
        e.kind(),
        &ErrorKind::Arity {
            name: "abs",
            expected: "1",
            found: 2
        }
    );
    assert_eq!(e.column(), 8);
    let e = err("SELECT * FROM 'a/#/b'");
    assert!(matches!(e.kind(), ErrorKind::InvalidTopicFilter { .. }));
    assert_eq!(e.column(), 15);
    assert_eq!(err("SELECT * FROM 'a' /* c */").kind(), &ErrorKind::Comment);
    assert_eq!(
        err("SELECT cast(1 AS Float) FROM 'a'").kind(),
        &ErrorKind::UnknownCastType {
            name: "Float".into()
        }
    );
    assert_eq!(
        err("SELECT VALUE a, b FROM 'a'").kind(),
        &ErrorKind::ValueTakesOneItem
    );
    assert_eq!(
        err("SELECT lower(*) FROM 'a'").kind(),
        &ErrorKind::MisplacedStar
    );
    assert!(matches!(
        err("SELECT 1E1000 FROM 'a'").kind(),
        ErrorKind::NumberOutOfRange { .. }
    ));
    assert!(matches!(
        err("SELECT transform(m, a, b) FROM 'a'").kind(),
        ErrorKind::ModeNotLiteral { .. }
    ));
    assert!(matches!(
        err("SELECT get_dynamodb(1, 2, 3, 4, 5) FROM 'a'").kind(),
        ErrorKind::Arity { .. }
    ));
}

#[test]
fn spec_9_set_rules() {
    assert!(matches!(
        err("SET @a = 1, @a = 2 SELECT @a FROM 'x'").kind(),
        ErrorKind::DuplicateVariable { .. }
    ));
    assert!(matches!(
        err("SET @a = @b, @b = 1 SELECT @a FROM 'x'").kind(),
        ErrorKind::UnknownVariable { .. }
    ));
    assert!(matches!(
        err("SELECT @nope FROM 'x'").kind(),
        ErrorKind::UnknownVariable { .. }
    ));
    let long = format!("SET @{} = 1 SELECT 1 FROM 'x'", "v".repeat(65));
    assert!(matches!(
        err(&long).kind(),
        ErrorKind::VariableNameTooLong { .. }
    ));
    // Variables are visible in nested queries.
    assert_eq!(
        run(
            "SET @min = 10 SELECT (SELECT VALUE v FROM e WHERE v > @min) AS r FROM 't'",
            r#"{"e": [{"v": 5}, {"v": 11}]}"#
        ),
        r#"{"r":[11]}"#
    );
}

#[test]
fn spec_2_select_star_with_extra_keys_and_aliases_invisible_to_where() {
    assert_eq!(
        run(
            "SELECT *, 15 AS speed FROM 't'",
            r#"{"color":"red","temperature":50}"#
        ),
        r#"{"color":"red","temperature":50,"speed":15}"#
    );
    let rule = Rule::parse("SELECT temp AS t FROM 'x' WHERE t > 1", V2016).unwrap();
    assert_eq!(
        rule.evaluate(&Message::new("x", br#"{"temp": 5}"#))
            .unwrap(),
        Outcome::NoMatch
    );
}

#[test]
fn spec_11_nested_query_over_object() {
    assert_eq!(
        run(
            "SELECT (SELECT a, b FROM d) AS r FROM 't'",
            r#"{"d": {"a": 1, "b": 2, "c": 3}}"#
        ),
        r#"{"r":{"a":1,"b":2}}"#
    );
    assert_eq!(
        run(
            "SELECT (SELECT VALUE c FROM d) AS r FROM 't'",
            r#"{"d": {"c": 3}}"#
        ),
        r#"{"r":3}"#
    );
    assert_eq!(
        run(
            "SELECT (SELECT VALUE c FROM d) AS r FROM 't'",
            r#"{"d": 3}"#
        ),
        "{}"
    );
}

#[test]
fn spec_12_binary_payloads() {
    let rule = Rule::parse("SELECT * FROM 't'", V2016).unwrap();
    let Outcome::Emit(out) = rule.evaluate(&Message::new("t", &[0xff, 0x00])).unwrap() else {
        panic!()
    };
    assert_eq!(out.kind(), OutputKind::Binary);
    assert_eq!(out.to_bytes(), vec![0xff, 0x00]);
    // Empty payloads are binary too.
    assert!(Message::new("t", b"").is_binary());
    let rule = Rule::parse("SELECT *, 1 AS x FROM 't'", V2016).unwrap();
    assert_eq!(
        rule.evaluate(&Message::new("t", &[0xff])).unwrap_err(),
        EvalError::BinaryInObject
    );
    // Fields of a binary payload are Undefined.
    assert_eq!(run("SELECT a FROM 't'", "\u{1}"), "{}");
}

#[test]
fn spec_3_basic_ingest_bypasses_from_and_strips_the_prefix() {
    let rule = Rule::parse("SELECT topic() AS t FROM 'other'", V2016).unwrap();
    let Outcome::Emit(out) = rule
        .evaluate(&Message::new("$aws/rules/myRule/a/b", b"{}"))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"t":"a/b"}"#);
}

#[test]
fn spec_13_templates() {
    let rule = Rule::parse("SET @p = 'pre' SELECT a AS alias FROM 'x/+'", V2016).unwrap();
    let t = rule
        .template("${@p}/${topic(2)}/${alias}/${a}/${b}/${1 + 1}")
        .unwrap();
    let msg = Message::new("x/y", br#"{"a": "A", "b": {"c": 1}}"#);
    assert_eq!(rule.render(&t, &msg).unwrap(), r#"pre/y//A/{"c":1}/2"#);
    assert_eq!(
        rule.render(&rule.template("plain $ text {}").unwrap(), &msg)
            .unwrap(),
        "plain $ text {}"
    );
    let e = rule.template("bad ${nosuch()}").unwrap_err();
    assert_eq!(e.column(), 7);
    assert!(rule.template("${unclosed").is_err());
}

struct Shadow;
impl External for Shadow {
    fn call(&self, f: ExternalFunction, args: &[Value]) -> Result<Value, String> {
        match f {
            ExternalFunction::GetThingShadow => {
                Ok(Value::from_json(br#"{"state":{"reported":{"alarm":true}}}"#).unwrap())
            }
            ExternalFunction::GetDynamoDb => Ok(Value::from_json(br#"{"location":"x"}"#).unwrap()),
            _ => Err(format!("{} unavailable ({} args)", f.name(), args.len())),
        }
    }
}

#[test]
fn spec_10_5_external_functions() {
    let rule = Rule::parse(
        "SELECT get_thing_shadow('t1', 'arn:role').state.reported.alarm AS a FROM 't'",
        V2016,
    )
    .unwrap();
    let Outcome::Emit(out) = rule
        .evaluate(&Message::new("t", b"{}").with_external(&Shadow))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"a":true}"#);
    let rule = Rule::parse(
        "SELECT get_secret('s', 'SecretString', 'arn') AS a FROM 't'",
        V2016,
    )
    .unwrap();
    let e = rule
        .evaluate(&Message::new("t", b"{}").with_external(&Shadow))
        .unwrap_err();
    assert!(matches!(
        e,
        EvalError::External {
            function: "get_secret",
            ..
        }
    ));
    // At most one get_dynamodb call per statement evaluation.
    let two = "SELECT get_dynamodb('t', 'k', 1, 'r').location AS a, get_dynamodb('t', 'k', 2, 'r') AS b FROM 't'";
    let rule = Rule::parse(two, V2016).unwrap();
    let e = rule
        .evaluate(&Message::new("t", b"{}").with_external(&Shadow))
        .unwrap_err();
    assert!(matches!(e, EvalError::DynamoDbCalledTwice { .. }));
    let one = Rule::parse(
        "SELECT get_dynamodb('t', 'k', 1, 'r').location AS a FROM 't'",
        V2016,
    )
    .unwrap();
    assert!(
        one.evaluate(&Message::new("t", b"{}").with_external(&Shadow))
            .is_ok()
    );
    assert!(
        one.evaluate(&Message::new("t", b"{}").with_external(&Shadow))
            .is_ok(),
        "the limit is per evaluation"
    );
}

#[test]
fn rules_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Rule>();
    check::<iot_sql::Template>();
}

#[test]
fn exact_decimals_survive_payload_round_trip() {
    let big = r#"{"v": 1234567890.123456789012345678901234}"#;
    assert_eq!(
        run("SELECT v, v + 0 AS w FROM 't'", big),
        r#"{"v":1234567890.123456789012345678901234,"w":1234567890.123456789012345678901234}"#
    );
    assert_eq!(run("SELECT VALUE 0.1 + 0.2 FROM 't'", "{}"), "0.3");
    assert_eq!(
        run("SELECT VALUE 9223372036854775807 + 1 FROM 't'", "{}"),
        "9223372036854775808"
    );
}
