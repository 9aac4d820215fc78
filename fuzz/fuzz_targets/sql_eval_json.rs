#![no_main]
//! A fixed set of rules over arbitrary payload text: evaluation never
//! panics, and every JSON output is valid JSON.

use std::sync::OnceLock;

use iot_sql::{Message, Outcome, Rule, SqlVersion};
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
];

fn rules() -> &'static Vec<Rule> {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        RULES
            .iter()
            .map(|s| Rule::parse(s, SqlVersion::V2016_03_23).expect("fixed rule compiles"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let msg = Message::new("a/b", text.as_bytes());
    for rule in rules() {
        if let Ok(Outcome::Emit(out)) = rule.evaluate(&msg) {
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
