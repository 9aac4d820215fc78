//! One-line helpers: evaluate a statement against a payload.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_sql::{Context, Message, Outcome, Rule, SqlVersion};

pub(crate) const V2016: SqlVersion = SqlVersion::V2016_03_23;
pub(crate) const V2015: SqlVersion = SqlVersion::V2015_10_08;

/// The compact JSON the rule emits for `payload` on topic `t`.
pub(crate) fn run_v(version: SqlVersion, sql: &str, payload: &str) -> String {
    let rule = Rule::parse(sql, version).unwrap_or_else(|e| panic!("{sql}: {e}"));
    match rule
        .evaluate(&Message::new("t", payload.as_bytes()))
        .unwrap()
    {
        Outcome::Emit(out) => out.to_json_string(),
        other => panic!("{sql}: {other:?}"),
    }
}

pub(crate) fn run(sql: &str, payload: &str) -> String {
    run_v(V2016, sql, payload)
}

/// `SELECT VALUE <expr> FROM 't'` on `{}`: the value's JSON ("" for Undefined).
pub(crate) fn value(expr: &str) -> String {
    run(&format!("SELECT VALUE {expr} FROM 't'"), "{}")
}

/// As `value` with a context.
pub(crate) fn value_ctx(expr: &str, ctx: &Context) -> String {
    let rule = Rule::parse(&format!("SELECT VALUE {expr} FROM '#'"), V2016).unwrap();
    match rule
        .evaluate(&Message::new("a/b/c", b"{}").with_context(ctx))
        .unwrap()
    {
        Outcome::Emit(out) => out.to_json_string(),
        other => panic!("{expr}: {other:?}"),
    }
}
