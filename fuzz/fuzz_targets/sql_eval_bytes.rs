#![no_main]
//! A fixed set of rules over arbitrary payload bytes (binary or JSON):
//! evaluation never panics; `SELECT *` of binary returns the bytes
//! unchanged; `encode(*)` always sees the raw bytes.

use std::sync::OnceLock;

use iot_sql::{Message, Outcome, OutputKind, Rule, SqlVersion, Value};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static [Rule; 3] {
    static R: OnceLock<[Rule; 3]> = OnceLock::new();
    R.get_or_init(|| {
        let p = |s: &str| Rule::parse(s, SqlVersion::V2016_03_23).expect("fixed rule compiles");
        [
            p("SELECT * FROM '#'"),
            p("SELECT VALUE encode(*, 'base64') FROM '#'"),
            p("SELECT decode(encode(*, 'base64'), 'base64') AS d, a.b AS x, topic(1) AS t FROM '#' WHERE isUndefined(a) OR a <> 1"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let msg = Message::new("x/y", data);
    let [star, enc, mixed] = rules();
    match star.evaluate(&msg) {
        Ok(Outcome::Emit(out)) if out.kind() == OutputKind::Binary => {
            assert_eq!(out.to_bytes(), data)
        }
        Ok(Outcome::Emit(_)) => assert!(!msg.is_binary()),
        other => panic!("SELECT * must emit: {other:?}"),
    }
    if let Ok(Outcome::Emit(out)) = enc.evaluate(&msg) {
        let Value::String(b64) = out.into_value() else {
            panic!("encode gives a string")
        };
        assert_eq!(b64.len(), data.len().div_ceil(3) * 4);
    }
    let _ = mixed.evaluate(&msg);
});
