//! Inputs that once crashed a fuzz target, kept as regression tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_sql::{Message, Outcome, OutputKind, Rule, SqlVersion};

/// fuzz `sql_eval_bytes`: a number with a 20-digit exponent overflowed the
/// exponent arithmetic of the decimal parser (debug-build panic).
#[test]
fn fuzz_eval_bytes_huge_exponent() {
    let payload = b"11105556666666E666666666011666666666fals\n6666666666666666666666666666666666666666666666666666666016.";
    let msg = Message::new("x/y", payload);
    assert!(msg.is_binary());
    let rule = Rule::parse("SELECT * FROM '#'", SqlVersion::V2016_03_23).unwrap();
    let Outcome::Emit(out) = rule.evaluate(&msg).unwrap() else {
        panic!()
    };
    assert_eq!(out.kind(), OutputKind::Binary);
    // A valid JSON number with an out-of-range exponent is not JSON we can hold either.
    assert!(Message::new("x", b"1E99999999999999999999").is_binary());
    assert!(!Message::new("x", b"1E-99999999999999999999").is_binary());
}

/// fuzz `sql_parse`: the same overflow, reached through a number literal.
#[test]
fn fuzz_parse_huge_exponent_literal() {
    let sql =
        "SET @v = a * 24444444444444444444e44444444440000000000000001821572837 SELECT'C\u{7}x'";
    let e = Rule::parse(sql, SqlVersion::V2016_03_23).unwrap_err();
    assert!(
        matches!(e.kind(), iot_sql::ErrorKind::NumberOutOfRange { .. }),
        "{e}"
    );
}
