//! The conformance-case runner shared by the crate's tests and
//! `iotkit sql run-cases`: reads cases in the shape of
//! `conformance/iot-sql.json`, evaluates them, and compares per the file's
//! conventions (numbers numerically unless `expected_text`, `tolerance`,
//! `alt_expected` for doc-conflict cases, object key order irrelevant).
//!
//! ```
//! let file = r#"{"cases": [{"id": "x", "sql": "SELECT 1 + 2 AS r FROM 'a'",
//!   "sql_version": "2016-03-23", "topic": "a", "payload": {},
//!   "output_kind": "object", "expected": {"r": 3.0}}]}"#;
//! let results = iot_sql::cases::run_file(file).unwrap();
//! assert_eq!(results[0].passed, Some(true));
//! assert_eq!(results[0].actual.to_string(), r#"{"kind":"object","output":{"r":3}}"#);
//! ```

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as Json, json};

use crate::{
    Context, External, ExternalFunction, Message, Outcome, OutputKind, ProtobufRequest, Rule,
    SqlVersion, Transport, Value,
};

/// One evaluated case.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// The case's `id`.
    pub id: String,
    /// `{"kind", "output", "error"?, "templates"?}` as `iotkit sql run-cases` prints it.
    pub actual: Json,
    /// `Some(pass)` when the case has expectations, `None` otherwise.
    pub passed: Option<bool>,
    /// The case's `confidence`, if given.
    pub confidence: Option<String>,
}

/// Runs every case of a case file.
///
/// # Errors
/// A message when the text is not JSON or has no `cases` array.
pub fn run_file(text: &str) -> Result<Vec<CaseResult>, String> {
    let doc: Json = serde_json::from_str(text).map_err(|e| alloc::format!("invalid JSON: {e}"))?;
    let cases = doc
        .get("cases")
        .and_then(Json::as_array)
        .ok_or_else(|| "the file has no \"cases\" array".to_string())?;
    Ok(cases.iter().map(run_case).collect())
}

/// Runs one case.
#[must_use]
pub fn run_case(case: &Json) -> CaseResult {
    let id = case
        .get("id")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    let confidence = case
        .get("confidence")
        .and_then(Json::as_str)
        .map(ToOwned::to_owned);
    let (actual, text) = evaluate_case(case);
    let passed = compare(case, &actual, text.as_deref());
    CaseResult {
        id,
        actual,
        passed,
        confidence,
    }
}

fn error(kind: &str, message: String) -> Json {
    json!({"kind": kind, "output": null, "error": message})
}

fn evaluate_case(case: &Json) -> (Json, Option<String>) {
    let sql = case.get("sql").and_then(Json::as_str).unwrap_or("");
    let version = match case.get("sql_version").and_then(Json::as_str) {
        None => SqlVersion::default(),
        Some(v) => match v.parse() {
            Ok(v) => v,
            Err(e) => return (error("error", alloc::format!("{e}")), None),
        },
    };
    let topic = case.get("topic").and_then(Json::as_str).unwrap_or("");
    let payload = match payload_bytes(case) {
        Ok(p) => p,
        Err(e) => return (error("error", e), None),
    };
    let (context, mocks) = match case.get("context") {
        Some(c) => match context_from_json(c) {
            Ok(ctx) => (ctx, Mocks(c.get("mocks").cloned().unwrap_or(Json::Null))),
            Err(e) => return (error("error", e), None),
        },
        None => (Context::default(), Mocks(Json::Null)),
    };
    let rule = match Rule::parse(sql, version) {
        Ok(r) => r,
        Err(e) => return (error("error", e.to_string()), None),
    };
    let msg = Message::new(topic, &payload)
        .with_context(&context)
        .with_external(&mocks);
    let mut text = None;
    let mut actual = match rule.evaluate(&msg) {
        Err(e) => error("error", e.to_string()),
        Ok(Outcome::NotTriggered) => json!({"kind": "not_triggered", "output": null}),
        Ok(Outcome::NoMatch) => json!({"kind": "no_match", "output": null}),
        Ok(Outcome::Emit(out)) => match out.kind() {
            OutputKind::Binary => {
                json!({"kind": "binary", "output": STANDARD.encode(out.to_bytes())})
            }
            kind => {
                let t = out.to_json_string();
                let output = if t.is_empty() {
                    Json::Null
                } else {
                    serde_json::from_str(&t).unwrap_or(Json::Null)
                };
                text = Some(t);
                let kind = if kind == OutputKind::Object {
                    "object"
                } else {
                    "value"
                };
                json!({"kind": kind, "output": output})
            }
        },
    };
    if let Some(templates) = case.get("templates").and_then(Json::as_array) {
        let rendered: Vec<Json> = templates
            .iter()
            .map(|t| {
                let text = t.get("template").and_then(Json::as_str).unwrap_or("");
                match rule
                    .template(text)
                    .map_err(|e| e.to_string())
                    .and_then(|tp| rule.render(&tp, &msg).map_err(|e| e.to_string()))
                {
                    Ok(s) => Json::String(s),
                    Err(e) => Json::String(alloc::format!("error: {e}")),
                }
            })
            .collect();
        if let Some(obj) = actual.as_object_mut() {
            obj.insert("templates".to_string(), Json::Array(rendered));
        }
    }
    (actual, text)
}

fn payload_bytes(case: &Json) -> Result<Vec<u8>, String> {
    let p = case.get("payload").unwrap_or(&Json::Null);
    if case.get("payload_encoding").and_then(Json::as_str) == Some("base64") {
        let s = p.as_str().ok_or("a base64 payload must be a string")?;
        return STANDARD
            .decode(s)
            .map_err(|e| alloc::format!("invalid base64 payload: {e}"));
    }
    Ok(p.to_string().into_bytes())
}

/// Builds a [`Context`] from the `context` object of a case (or the file
/// given to `iotkit sql eval --context`): `accountid`, `clientid`,
/// `principal`, `timestamp`, `traceid`, `newuuid`, `rand`, `sourceip`,
/// `transport` (`"mqtt"` or `"http"`), `user_properties` (object of
/// string arrays or list of pairs). Unknown keys are ignored.
///
/// # Errors
/// A message naming the field of the wrong type.
pub fn context_from_json(v: &Json) -> Result<Context, String> {
    let obj = v.as_object().ok_or("the context must be a JSON object")?;
    let mut c = Context::default();
    let s = |k: &str| -> Result<Option<String>, String> {
        match obj.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(alloc::format!("context field {k} must be a string")),
        }
    };
    c.accountid = s("accountid")?;
    c.clientid = s("clientid")?;
    c.principal = s("principal")?;
    c.traceid = s("traceid")?;
    c.newuuid = s("newuuid")?;
    c.sourceip = s("sourceip")?;
    c.timestamp = match obj.get("timestamp") {
        None | Some(Json::Null) => None,
        Some(t) => Some(
            t.as_i64()
                .ok_or("context field timestamp must be an integer")?,
        ),
    };
    c.rand = match obj.get("rand") {
        None | Some(Json::Null) => None,
        Some(r) => Some(r.as_f64().ok_or("context field rand must be a number")?),
    };
    c.transport = match s("transport")?.as_deref() {
        None | Some("mqtt") => Transport::Mqtt,
        Some("http") => Transport::Http,
        Some(other) => {
            return Err(alloc::format!(
                "unknown transport {other:?}: expected mqtt or http"
            ));
        }
    };
    if let Some(Json::Object(up)) = obj.get("user_properties") {
        for (k, vals) in up {
            for val in vals.as_array().into_iter().flatten() {
                c.user_properties
                    .push((k.clone(), val.as_str().unwrap_or("").to_string()));
            }
        }
    }
    Ok(c)
}

/// An [`External`] provider answering from canned results:
/// `{function: {first argument: {"expect_input"?: JSON, "return": JSON}}}`.
/// An `expect_input` that differs from the second argument is a failure.
/// `decode(*, 'proto', ...)` is answered from
/// `{"decode": {message type: {"expect_input"?: base64 of the payload, "return": JSON}}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mocks(pub Json);

impl External for Mocks {
    fn call(&self, function: ExternalFunction, args: &[Value]) -> Result<Value, String> {
        let key = match args.first() {
            Some(Value::String(s)) => s.as_str(),
            _ => "",
        };
        let entry = self
            .0
            .get(function.name())
            .and_then(|m| m.get(key))
            .ok_or_else(|| alloc::format!("no mock for {}({key:?})", function.name()))?;
        if let Some(expect) = entry.get("expect_input") {
            let got: Json = args
                .get(1)
                .map(|a| serde_json::from_str(&a.to_json()).unwrap_or(Json::Null))
                .unwrap_or(Json::Null);
            if !json_eq(expect, &got, 0.0) {
                return Err(alloc::format!(
                    "mock input mismatch: expected {expect}, got {got}"
                ));
            }
        }
        mock_return(entry)
    }

    fn decode_protobuf(&self, request: &ProtobufRequest<'_>) -> Result<Value, String> {
        let key = request.message_type;
        let entry = self
            .0
            .get("decode")
            .and_then(|m| m.get(key))
            .ok_or_else(|| alloc::format!("no mock for decode(*, 'proto', ..., {key:?})"))?;
        if let Some(expect) = entry.get("expect_input").and_then(Json::as_str) {
            let got = STANDARD.encode(request.payload);
            if expect != got {
                return Err(alloc::format!(
                    "mock input mismatch: expected {expect}, got {got}"
                ));
            }
        }
        mock_return(entry)
    }
}

fn mock_return(entry: &Json) -> Result<Value, String> {
    let ret = entry.get("return").cloned().unwrap_or(Json::Null);
    Value::from_json(ret.to_string().as_bytes())
        .ok_or_else(|| "mock result is not JSON".to_string())
}

/// Compares an actual result with the case's expectations.
fn compare(case: &Json, actual: &Json, text: Option<&str>) -> Option<bool> {
    let kind = case.get("output_kind").and_then(Json::as_str)?;
    let mut ok = actual.get("kind").and_then(Json::as_str) == Some(kind);
    if ok && matches!(kind, "object" | "value" | "binary") {
        let got = actual.get("output").unwrap_or(&Json::Null);
        let tol = case.get("tolerance").and_then(Json::as_f64).unwrap_or(0.0);
        ok = if let Some(expected_text) = case.get("expected_text").and_then(Json::as_str) {
            text == Some(expected_text)
        } else {
            let alts = [case.get("expected"), case.get("alt_expected")];
            alts.iter().flatten().any(|exp| json_eq(exp, got, tol))
        };
    }
    if let Some(templates) = case.get("templates").and_then(Json::as_array) {
        let got = actual.get("templates").and_then(Json::as_array);
        for (i, t) in templates.iter().enumerate() {
            let exp = t.get("expected");
            if exp.is_some() && exp != got.and_then(|g| g.get(i)) {
                ok = false;
            }
        }
    }
    Some(ok)
}

/// JSON equality with numbers compared numerically (within `tol`) and
/// object keys in any order.
fn json_eq(a: &Json, b: &Json, tol: f64) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => (p - q).abs() <= tol || p == q,
            _ => false,
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q, tol))
        }
        (Json::Object(x), Json::Object(y)) => {
            let y: BTreeMap<&String, &Json> = y.iter().collect();
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w, tol)))
        }
        _ => a == b,
    }
}
