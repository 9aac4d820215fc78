#![no_main]
//! SQL text → parse + compile under every version: never panics, never
//! recurses without bound (deep nesting is a `TooDeep` error), and an error
//! always points inside the text. Compiled rules also run on one message,
//! and their canonical form (`Rule::to_sql`) compiles again under the same
//! version and prints to itself.

use iot_sql::{MAX_SQL_LEN, Message, Rule, SqlVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    for v in [SqlVersion::V2015_10_08, SqlVersion::V2016_03_23] {
        match Rule::parse(sql, v) {
            Ok(rule) => {
                let msg = Message::new("a/b", br#"{"a": 1, "b": [1, "x", {"c": null}]}"#);
                let _ = rule.evaluate(&msg);
                let _ = rule.template(sql);
                let printed = rule.to_sql();
                if printed.len() <= MAX_SQL_LEN {
                    let again = Rule::parse(&printed, v)
                        .unwrap_or_else(|e| panic!("{sql:?} printed as {printed:?}: {e}"));
                    assert_eq!(again.to_sql(), printed, "{sql:?}");
                }
            }
            Err(e) => {
                assert!(e.span().start <= sql.len(), "{e:?}");
                let _ = e.caret(sql);
            }
        }
    }
});
