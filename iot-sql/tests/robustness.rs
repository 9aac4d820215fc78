//! Property tests: parsing and evaluation never panic, whatever the input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iot_sql::{Message, Outcome, Rule, SqlVersion};
use proptest::prelude::*;
use serde_json::Value as Json;

const RULES: &[&str] = &[
    "SELECT * FROM '#'",
    "SELECT a, b.c, get(arr, 1) AS g, a + b AS s, a * 2.5 AS m, -a AS n FROM '#' WHERE a > 1 OR b = 'x'",
    "SELECT VALUE (SELECT VALUE v FROM arr WHERE v <> null) FROM '#'",
    "SELECT CASE a WHEN 1 THEN 'one' WHEN 'x' THEN [a, b] ELSE {'k': b} END AS c FROM '#'",
    "SELECT concat(a, b, arr), lower(b) AS l, substring(a, b, 3) AS s, lpad(a, b) AS p FROM '#'",
    "SELECT cast(a AS Int) AS i, cast(b AS Boolean) AS bo, cast(arr AS String) AS st, trunc(a, b) AS t FROM '#'",
    "SELECT regexp_replace(a, b, 'x') AS r, regexp_matches(a, '[0-9]+') AS m, indexof(a, b) AS i FROM '#'",
    "SELECT transform('enrichArray', b, arr) AS t, encode(*, 'base64') AS e, decode(a, 'base64') AS d FROM '#'",
    "SET @x = a / b, @y = a % b SELECT @x AS x, @y AS y, power(a, b) AS p, bitnot(a) AS n, round(a) AS r FROM '#'",
    "SELECT parse_time(b, a) AS p, time_to_epoch(a, b) AS t, chr(a) AS c, sqrt(a) AS q FROM '#'",
    "SELECT a IN arr AS i, b IN [1, 'x', null, [a]] AS j, arr IN arr AS k FROM '#' WHERE NOT (a IN b) OR b.c IN arr",
];

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::from),
        "[a-z0-9 .%()*+-]{0,12}".prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec(
                (prop::sample::select(vec!["a", "b", "c", "arr", "v"]), inner),
                0..6
            )
            .prop_map(|kv| Json::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn eval_all(payload: &[u8]) {
    for sql in RULES {
        for v in [SqlVersion::V2015_10_08, SqlVersion::V2016_03_23] {
            let Ok(rule) = Rule::parse(sql, v) else {
                continue;
            };
            let msg = Message::new("a/b", payload);
            let full = rule.evaluate(&msg);
            // The selective parse for one rule gives the same outcome.
            let selective = rule.evaluate(&Message::for_rule(&rule, "a/b", payload));
            assert_eq!(full, selective, "{sql}");
            if let Ok(Outcome::Emit(out)) = full {
                // Every non-binary output is valid JSON text (or empty for Undefined).
                let text = out.to_json_string();
                if !text.is_empty() {
                    serde_json::from_str::<Json>(&text)
                        .unwrap_or_else(|e| panic!("{sql}: {text}: {e}"));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluation_never_panics_on_json(v in json()) {
        eval_all(v.to_string().as_bytes());
    }

    #[test]
    fn evaluation_never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        eval_all(&b);
    }

    #[test]
    fn parsing_never_panics(s in "[ -~]{0,80}") {
        let _ = Rule::parse(&s, SqlVersion::V2016_03_23);
    }

    #[test]
    fn parsing_sql_like_text_never_panics(
        parts in prop::collection::vec(prop::sample::select(vec![
            "SELECT", "VALUE", "*", "a", "b.c", "FROM", "'a/#'", "WHERE", "(", ")", "[", "]", "{", "}",
            "'k'", ":", ",", "CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT", "=", "<>", "+", "-",
            "/", "%", "1", "2.5", "abs(", "get(", "@v", "SET", "@v =", "AS", "x", "null", "true", "cast(", "Int",
            "IN", "value", "'it\\'s'", "- -",
        ]), 0..30)
    ) {
        let sql = parts.join(" ");
        if let Ok(rule) = Rule::parse(&sql, SqlVersion::V2016_03_23) {
            let _ = rule.evaluate(&Message::new("a/b", br#"{"a": 1, "b": {"c": [1, 2]}}"#));
            // The canonical form compiles again and prints to itself.
            let printed = rule.to_sql();
            let again = Rule::parse(&printed, SqlVersion::V2016_03_23)
                .unwrap_or_else(|e| panic!("{sql:?} printed as {printed:?}: {e}"));
            prop_assert_eq!(again.to_sql(), printed);
        }
    }
}

#[test]
fn all_rules_compile_under_2016() {
    for sql in RULES {
        Rule::parse(sql, SqlVersion::V2016_03_23).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
