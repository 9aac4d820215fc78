//! `SELECT VALUE` returning an array: added by SQL version 2016-03-23
//! ("Support for returning an array as a top-level object", AWS SQL
//! versions page; spec §1.1 and §2). Under 2015-10-08 the rule stops with
//! `EvalError::ArrayOutputRequiresVersion` when the value is an array (known
//! only at evaluation); array literals and nested queries are refused when
//! compiled, as every 2016 feature is.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{V2015, V2016, run_v};
use iot_sql::{ErrorKind, EvalError, Message, Outcome, Rule, SqlVersion};

/// The versions page's example message.
const MSG: &str = r#"{"a": {"b":"c"}, "arr":[1,2,3,4]}"#;

fn eval(version: SqlVersion, sql: &str, payload: &str) -> Result<Outcome, EvalError> {
    Rule::parse(sql, version)
        .unwrap()
        .evaluate(&Message::new("topic", payload.as_bytes()))
}

#[test]
fn v2016_returns_the_array() {
    for v in [V2016, SqlVersion::Beta] {
        assert_eq!(run_v(v, "SELECT VALUE arr FROM '#'", MSG), "[1,2,3,4]");
    }
}

#[test]
fn v2015_refuses_an_array_output() {
    assert_eq!(
        eval(V2015, "SELECT VALUE arr FROM '#'", MSG),
        Err(EvalError::ArrayOutputRequiresVersion)
    );
    // Also when the array comes from a function.
    assert_eq!(
        eval(
            V2015,
            "SELECT VALUE get(a, 'b') FROM '#'",
            r#"{"a":{"b":[1]}}"#
        ),
        Err(EvalError::ArrayOutputRequiresVersion)
    );
}

#[test]
fn v2015_still_returns_other_values_and_nested_arrays() {
    assert_eq!(run_v(V2015, "SELECT VALUE a FROM '#'", MSG), r#"{"b":"c"}"#);
    assert_eq!(run_v(V2015, "SELECT VALUE a.b FROM '#'", MSG), r#""c""#);
    // An array inside the output object is fine in both versions.
    assert_eq!(
        run_v(V2015, "SELECT arr FROM '#'", MSG),
        r#"{"arr":[1,2,3,4]}"#
    );
    // The check is on the value, not the expression: same rule, no array.
    assert_eq!(
        run_v(V2015, "SELECT VALUE arr FROM '#'", r#"{"arr":7}"#),
        "7"
    );
    // A WHERE that fails never reaches the check.
    assert_eq!(
        eval(V2015, "SELECT VALUE arr FROM '#' WHERE false", MSG),
        Ok(Outcome::NoMatch)
    );
}

#[test]
fn v2015_refuses_array_constructs_when_compiled() {
    for sql in [
        "SELECT VALUE [1, 2] FROM '#'",
        "SELECT VALUE (SELECT VALUE x FROM arr) FROM '#'",
    ] {
        assert!(
            matches!(
                Rule::parse(sql, V2015).unwrap_err().kind(),
                ErrorKind::RequiresVersion { .. }
            ),
            "{sql}"
        );
    }
}
