#![no_main]
//! A fixed set of rules over arbitrary payload text: evaluation never
//! panics, and every JSON output is valid JSON.

use std::sync::OnceLock;

use iot_sql::{Message, Outcome, Rule, SqlVersion, Value};
use libfuzzer_sys::fuzz_target;

const RULES: &[&str] = &[
    "SELECT * FROM '#'",
    "SELECT a, b.c, get(arr, 1) AS g, a + b AS s, a * 2.5 AS m, -a AS n, a / b AS d, a % b AS r FROM '#' WHERE a > 1 OR b = 'x'",
    "SELECT VALUE (SELECT VALUE v FROM arr WHERE v <> null) FROM '#'",
    "SELECT CASE a WHEN 1 THEN 'one' WHEN 'x' THEN [a, b] ELSE {'k': b} END AS c FROM '#'",
    "SELECT concat(a, b, arr) AS c, lower(b) AS l, substring(a, b, 3) AS s, lpad(a, b) AS p FROM '#'",
    "SELECT cast(a AS Int) AS i, cast(b AS Boolean) AS bo, cast(arr AS String) AS st, trunc(a, b) AS t FROM '#'",
    "SELECT regexp_replace(a, b, 'x') AS r, regexp_matches(a, '[0-9]+') AS m, indexof(a, b) AS i FROM '#'",
    "SELECT transform('enrichArray', b, arr) AS t, encode(*, 'base64') AS e, decode(a, 'base64') AS d FROM '#'",
    "SET @x = a / b, @y = a % b SELECT @x AS x, @y AS y, power(a, b) AS p, bitnot(a) AS n, round(a) AS r FROM '#'",
    "SELECT parse_time(b, a) AS p, time_to_epoch(a, b) AS t, chr(a) AS c, sqrt(a) AS q, md5(arr) AS h FROM '#'",
    "SELECT a IN arr AS i, b IN [1, 'x', null, [1], {'k': 1}] AS j, arr IN arr AS k, a IN b AS l FROM '#' WHERE NOT (a IN b) OR b.c IN arr",
];

/// Rules compiled for 2015-10-08, where a `SELECT VALUE` array stops the rule.
const RULES_2015: &[&str] = &[
    "SELECT VALUE arr FROM '#'",
    "SELECT VALUE a FROM '#' WHERE a IN arr",
];

fn rules() -> &'static Vec<Rule> {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        let v2016 = RULES.iter().map(|s| (s, SqlVersion::V2016_03_23));
        let v2015 = RULES_2015.iter().map(|s| (s, SqlVersion::V2015_10_08));
        v2016
            .chain(v2015)
            .map(|(s, v)| Rule::parse(s, v).expect("fixed rule compiles"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let msg = Message::new("a/b", text.as_bytes());
    for rule in rules() {
        let outcome = rule.evaluate(&msg);
        if rule.version() == SqlVersion::V2015_10_08
            && let Ok(Outcome::Emit(out)) = &outcome
        {
            assert!(!matches!(out.value(), Value::Array(_)), "2015 array output");
        }
        if let Ok(Outcome::Emit(out)) = outcome {
            let json = out.to_json_string();
            if !json.is_empty() {
                assert!(
                    serde_json::from_str::<serde_json::Value>(&json).is_ok(),
                    "{json}"
                );
            }
        }
    }
});
