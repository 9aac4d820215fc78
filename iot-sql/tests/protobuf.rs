//! `decode(*, 'proto', bucket, key, file, message)`: the form of the AWS
//! decode function and binary-payloads pages (the descriptor set is read
//! from S3), routed to the embedder's `External::decode_protobuf`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use std::cell::RefCell;

use common::{V2015, V2016};
use iot_sql::{
    ErrorKind, EvalError, External, ExternalFunction, Message, Outcome, ProtobufRequest, Rule,
    Value,
};

const SQL: &str = "SELECT VALUE decode(*, 'proto', 'bucket-1', 'desc/v1.desc', 'reading.proto', 'Reading') FROM 'dev/+'";

/// bucket, key, file, message type, payload.
type Seen = (String, String, String, String, Vec<u8>);

/// Records each request and answers with a fixed object.
#[derive(Default)]
struct Recorder {
    seen: RefCell<Vec<Seen>>,
}

impl External for Recorder {
    fn call(&self, _: ExternalFunction, _: &[Value]) -> Result<Value, String> {
        Err("unexpected".into())
    }
    fn decode_protobuf(&self, r: &ProtobufRequest<'_>) -> Result<Value, String> {
        self.seen.borrow_mut().push((
            r.bucket.into(),
            r.key.into(),
            r.file.into(),
            r.message_type.into(),
            r.payload.to_vec(),
        ));
        Ok(Value::from_json(br#"{"temp": 21, "id": "s1"}"#).unwrap())
    }
}

/// Implements only `call`: the default `decode_protobuf` refuses.
struct CallOnly;
impl External for CallOnly {
    fn call(&self, _: ExternalFunction, _: &[Value]) -> Result<Value, String> {
        Ok(Value::Null)
    }
}

fn err(sql: &str) -> ErrorKind {
    Rule::parse(sql, V2016).unwrap_err().kind().clone()
}

#[test]
fn the_provider_receives_the_names_and_the_raw_payload() {
    let rule = Rule::parse(SQL, V2016).unwrap();
    let ext = Recorder::default();
    let bytes = [0x08, 0x96, 0x01, 0xff, 0x00];
    let msg = Message::new("dev/1", &bytes).with_external(&ext);
    let Outcome::Emit(out) = rule.evaluate(&msg).unwrap() else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"temp":21,"id":"s1"}"#);
    let seen = ext.seen.borrow();
    assert_eq!(
        seen.as_slice(),
        [(
            "bucket-1".to_string(),
            "desc/v1.desc".to_string(),
            "reading.proto".to_string(),
            "Reading".to_string(),
            bytes.to_vec()
        )]
    );
}

#[test]
fn the_decoded_value_is_addressable() {
    let rule = Rule::parse(
        "SELECT decode(*, \"PROTO\", 'b', 'k', 'f', 'M').temp AS t FROM '#' \
         WHERE decode(*, 'proto', 'b', 'k', 'f', 'M').id = 's1'",
        V2016,
    )
    .unwrap();
    let ext = Recorder::default();
    let msg = Message::new("x", b"\x0a\x02s1").with_external(&ext);
    let Outcome::Emit(out) = rule.evaluate(&msg).unwrap() else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"t":21}"#);
    assert_eq!(ext.seen.borrow().len(), 2);
}

#[test]
fn without_provider_the_rule_stops_with_no_provider() {
    let rule = Rule::parse(SQL, V2016).unwrap();
    let e = rule
        .evaluate(&Message::new("dev/1", b"\x08\x01"))
        .unwrap_err();
    assert!(
        matches!(
            e,
            EvalError::NoProvider {
                function: "decode",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_provider_without_protobuf_support_fails_the_rule() {
    let rule = Rule::parse(SQL, V2016).unwrap();
    let msg = Message::new("dev/1", b"\x08\x01").with_external(&CallOnly);
    let e = rule.evaluate(&msg).unwrap_err();
    assert!(
        matches!(
            e,
            EvalError::External {
                function: "decode",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn argument_count_is_two_or_six() {
    for n in [3, 4, 5, 7] {
        let extra = vec!["'x'"; n - 2].join(", ");
        let sql = format!("SELECT decode(*, 'proto', {extra}) FROM 't'");
        // Above the largest count, the general arity message.
        let expected = if n > 6 { "2 or 6" } else { "6" };
        assert_eq!(
            err(&sql),
            ErrorKind::Arity {
                name: "decode",
                expected,
                found: n
            },
            "{sql}"
        );
        let sql = format!("SELECT decode(a, 'base64', {extra}) FROM 't'");
        assert!(matches!(err(&sql), ErrorKind::Arity { .. }), "{sql}");
    }
    // The Protobuf mode with the two-argument form.
    assert_eq!(
        err("SELECT decode(*, 'proto') FROM 't'"),
        ErrorKind::Arity {
            name: "decode",
            expected: "6",
            found: 2
        }
    );
}

#[test]
fn arguments_are_star_then_string_literals() {
    let arg = |position, expected| ErrorKind::ProtobufDecodeArgument { position, expected };
    assert_eq!(
        err("SELECT decode(payload, 'proto', 'b', 'k', 'f', 'M') FROM 't'"),
        arg(1, "*")
    );
    assert_eq!(
        err("SELECT decode(*, 'base64', 'b', 'k', 'f', 'M') FROM 't'"),
        arg(2, "the string literal 'proto'")
    );
    assert_eq!(
        err("SELECT decode(*, 'proto', bucket, 'k', 'f', 'M') FROM 't'"),
        arg(3, "a string literal")
    );
    assert_eq!(
        err("SELECT decode(*, 'proto', 'b', 'k' + 'x', 'f', 'M') FROM 't'"),
        arg(4, "a string literal")
    );
    assert_eq!(
        err("SELECT decode(*, 'proto', 'b', 'k', 1, 'M') FROM 't'"),
        arg(5, "a string literal")
    );
    assert_eq!(
        err("SET @m = 'M' SELECT decode(*, 'proto', 'b', 'k', 'f', @m) FROM 't'"),
        arg(6, "a string literal")
    );
}

#[test]
fn decode_needs_2016_in_both_forms() {
    for sql in [SQL, "SELECT decode(a, 'base64') FROM 't'"] {
        assert!(matches!(
            Rule::parse(sql, V2015).unwrap_err().kind(),
            ErrorKind::RequiresVersion { .. }
        ));
    }
}

#[test]
fn the_base64_form_is_unchanged() {
    assert_eq!(common::value("decode('eyJhIjoxfQ==', 'base64').a"), "1");
}

#[test]
fn case_mocks_answer_by_message_type() {
    use iot_sql::cases::Mocks;
    let mocks = Mocks(serde_json::json!({
        "decode": {"Reading": {"expect_input": "CJYB", "return": {"temp": 150}}}
    }));
    let rule = Rule::parse(SQL, V2016).unwrap();
    let ok = Message::new("dev/1", &[0x08, 0x96, 0x01]).with_external(&mocks);
    let Outcome::Emit(out) = rule.evaluate(&ok).unwrap() else {
        panic!()
    };
    assert_eq!(out.to_json_string(), r#"{"temp":150}"#);
    let other = Message::new("dev/1", &[0x08]).with_external(&mocks);
    assert!(matches!(
        rule.evaluate(&other),
        Err(EvalError::External {
            function: "decode",
            ..
        })
    ));
}
