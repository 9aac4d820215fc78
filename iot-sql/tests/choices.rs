//! One test per place where the AWS documentation contradicts itself
//! (spec §15), pinning the reading listed under "Choices and deviations"
//! in the crate docs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{V2015, V2016, run, run_v, value};
use iot_sql::{ErrorKind, EvalError, Message, Rule};

#[test]
fn choice_01_not_negates() {
    assert_eq!(value("NOT true"), "false");
    assert_eq!(value("NOT 'FALSE'"), "true");
}

#[test]
fn choice_02_decimal_to_int_rounds_down_but_round_goes_half_away() {
    assert_eq!(value("cast(-2.7 AS Int)"), "-2");
    assert_eq!(value("bitand(13.9, 15)"), "13");
    assert_eq!(value("round(2.5)"), "3");
    assert_eq!(value("round(-2.5)"), "-3");
}

#[test]
fn choice_03_bitnot_is_twos_complement() {
    assert_eq!(value("bitnot(13)"), "-14");
}

#[test]
fn choice_04_get_on_string_is_zero_based() {
    assert_eq!(value("get('abc', 1)"), "\"b\"");
}

#[test]
fn choice_05_concat_of_one_argument_is_unchanged() {
    assert_eq!(value("concat(1)"), "1");
    assert_eq!(value("concat('a')"), "\"a\"");
}

#[test]
fn choice_06_ltrim_removes_only_leading_whitespace() {
    assert_eq!(value("ltrim(' h i ')"), "\"h i \"");
    assert_eq!(value("ltrim('\th')"), "\"h\"");
}

#[test]
fn choice_07_bitxor() {
    assert_eq!(value("bitxor(13, 5)"), "8");
}

#[test]
fn choice_08_cast_string_to_string_is_identity() {
    assert_eq!(value("cast('x y' AS String)"), "\"x y\"");
}

#[test]
fn choice_10_null_equals_null_and_booleans_compare() {
    assert_eq!(value("null = null"), "true");
    assert_eq!(value("null <> null"), "false");
    assert_eq!(value("true = true"), "true");
    assert_eq!(value("true = false"), "false");
}

#[test]
fn choice_11_int_division_truncates() {
    assert_eq!(value("7 / 2"), "3");
    assert_eq!(value("-7 / 2"), "-3");
    assert_eq!(value("7.5 / 2"), "3.75");
    // 2016-03-23 treats the whole decimal 7.0 as the Int 7; 2015-10-08 does not.
    assert_eq!(value("7.0 / 2"), "3");
    assert_eq!(run_v(V2015, "SELECT VALUE 7.0 / 2 FROM 't'", "{}"), "3.5");
    // The SET example of the docs, with the operator table's reading.
    assert_eq!(
        run(
            "SET @c = (temp - 32) * 5 / 9 SELECT @c AS c FROM 't'",
            r#"{"temp": 75}"#
        ),
        r#"{"c":23}"#
    );
}

#[test]
fn choice_12_no_short_circuit_and_sql_precedence() {
    assert_eq!(value("false AND 5"), "");
    assert_eq!(value("true OR 5"), "");
    assert_eq!(value("NOT 1 = 2"), "true");
    assert_eq!(value("true OR false AND false"), "true");
    assert_eq!(value("2 + 3 * 4 - -1"), "15");
}

#[test]
fn choice_13_unaliased_keys() {
    assert_eq!(
        run(
            "SELECT a.b, upper(c), 1 + 1 FROM 't'",
            r#"{"a": {"b": 1}, "c": "x"}"#
        ),
        r#"{"b":1,"upper":"X","_3":2}"#
    );
}

#[test]
fn choice_14_topic_segment_numbers() {
    let rule = Rule::parse(
        "SELECT topic(2) AS a, topic(2.9) AS b, topic(9) AS c FROM '#'",
        V2016,
    )
    .unwrap();
    let Ok(iot_sql::Outcome::Emit(out)) = rule.evaluate(&Message::new("x/y/z", b"{}")) else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"a":"y","b":"y"}"#);
}

#[test]
fn choice_15_decode_failure_is_null() {
    assert_eq!(value("decode('***', 'base64')"), "null");
}

#[test]
fn choice_16_newer_features_are_rejected_at_compile_time() {
    for sql in [
        "SELECT decode('aGk=', 'base64') AS r FROM 't'",
        "SELECT [1] AS r FROM 't'",
        "SELECT {'a': 1} AS r FROM 't'",
        "SELECT (SELECT v FROM e) AS r FROM 't'",
        "SELECT cast(1 AS Decimal) AS r FROM 't'",
        "SELECT cast(1 AS Boolean) AS r FROM 't'",
    ] {
        let e = Rule::parse(sql, V2015).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::RequiresVersion { .. }),
            "{sql}: {e}"
        );
        assert!(Rule::parse(sql, V2016).is_ok(), "{sql}");
    }
}

#[test]
fn choice_17_external_without_provider_stops_the_rule() {
    let rule = Rule::parse("SELECT aws_lambda('arn', *) AS r FROM 't'", V2016).unwrap();
    let err = rule.evaluate(&Message::new("t", b"{}")).unwrap_err();
    assert!(matches!(
        err,
        EvalError::NoProvider {
            function: "aws_lambda",
            ..
        }
    ));
}

#[test]
fn whole_decimals_by_version() {
    // Spec §1.1: 2016-03-23 handles whole-number decimals as Int.
    assert_eq!(
        run_v(V2016, "SELECT 10.0 AS r, power(2, 5) AS p FROM 't'", "{}"),
        r#"{"r":10,"p":32}"#
    );
    assert_eq!(
        run_v(V2015, "SELECT 10.0 AS r, power(2, 5) AS p FROM 't'", "{}"),
        r#"{"r":10.0,"p":32.0}"#
    );
}
