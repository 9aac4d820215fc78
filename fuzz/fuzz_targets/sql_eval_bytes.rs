#![no_main]
//! A fixed set of rules over arbitrary payload bytes (binary or JSON):
//! evaluation never panics; `SELECT *` of binary returns the bytes
//! unchanged; `encode(*)` and `decode(*, 'proto', ...)` always see the raw
//! bytes.

use std::sync::OnceLock;

use iot_sql::{
    External, ExternalFunction, Message, Outcome, OutputKind, ProtobufRequest, Rule, SqlVersion,
    Value,
};
use libfuzzer_sys::fuzz_target;

/// Answers `decode(*, 'proto', ...)` with the payload's length, after
/// checking the request carries the rule's literals.
struct Proto;
impl External for Proto {
    fn call(&self, _: ExternalFunction, _: &[Value]) -> Result<Value, String> {
        Err("unused".into())
    }
    fn decode_protobuf(&self, r: &ProtobufRequest<'_>) -> Result<Value, String> {
        assert_eq!(
            (r.bucket, r.key, r.file, r.message_type),
            ("b", "k.desc", "f.proto", "M")
        );
        Ok(Value::Int(
            i64::try_from(r.payload.len()).unwrap_or(i64::MAX),
        ))
    }
}

fn rules() -> &'static [Rule; 4] {
    static R: OnceLock<[Rule; 4]> = OnceLock::new();
    R.get_or_init(|| {
        let p = |s: &str| Rule::parse(s, SqlVersion::V2016_03_23).expect("fixed rule compiles");
        [
            p("SELECT * FROM '#'"),
            p("SELECT VALUE encode(*, 'base64') FROM '#'"),
            p("SELECT decode(encode(*, 'base64'), 'base64') AS d, a.b AS x, topic(1) AS t FROM '#' WHERE isUndefined(a) OR a <> 1"),
            p("SELECT VALUE decode(*, 'proto', 'b', 'k.desc', 'f.proto', 'M') FROM '#'"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let msg = Message::new("x/y", data);
    let [star, enc, mixed, proto] = rules();
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
    match proto.evaluate(&msg.clone().with_external(&Proto)) {
        Ok(Outcome::Emit(out)) => assert_eq!(
            out.into_value(),
            Value::Int(i64::try_from(data.len()).unwrap_or(i64::MAX))
        ),
        other => panic!("decode(*, 'proto') must emit: {other:?}"),
    }
});
