//! The connection context as plain JSON data (the `context` object of the
//! conformance files and of `iotkit policy check --context`).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::context::{
    AltNameKind, CertificateContext, ConnectionContext, DnAttribute, ThingContext,
};
use crate::error::{ParseError, ParseErrorKind};
use crate::values;

fn opt_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ParseError::new(
            format!("{path}.{key}"),
            ParseErrorKind::ExpectedString,
        )),
    }
}

fn string_list(v: &Value, path: &str) -> Result<Vec<String>, ParseError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(alloc::vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(ParseError::new(
                    format!("{path}[{i}]"),
                    ParseErrorKind::ExpectedString,
                )),
            })
            .collect(),
        _ => Err(ParseError::new(path, ParseErrorKind::ExpectedStrings)),
    }
}

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, ParseError> {
    v.as_object()
        .ok_or_else(|| ParseError::new(path, ParseErrorKind::ExpectedObject))
}

fn dn_list(v: Option<&Value>, path: &str) -> Result<Vec<(DnAttribute, String)>, ParseError> {
    let mut out = Vec::new();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    for (name, vals) in object(v, path)? {
        let p = format!("{path}.{name}");
        let attr = DnAttribute::from_name(name)
            .ok_or_else(|| ParseError::new(&*p, ParseErrorKind::UnknownElement(name.clone())))?;
        out.extend(string_list(vals, &p)?.into_iter().map(|s| (attr, s)));
    }
    Ok(out)
}

fn san_list(v: Option<&Value>, path: &str) -> Result<Vec<(AltNameKind, String)>, ParseError> {
    let mut out = Vec::new();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    for (name, vals) in object(v, path)? {
        let p = format!("{path}.{name}");
        let kind = AltNameKind::from_name(name)
            .ok_or_else(|| ParseError::new(&*p, ParseErrorKind::UnknownElement(name.clone())))?;
        out.extend(string_list(vals, &p)?.into_iter().map(|s| (kind, s)));
    }
    Ok(out)
}

impl CertificateContext {
    /// Reads a certificate context from plain data:
    /// `{"subject": {"CommonName": ["..."]}, "issuer": {...}, "san": {"DNSName": [...]},
    ///   "issuer_san": {...}, "serial": "<decimal>", "certificate_id": "<hex>"}`.
    ///
    /// # Errors
    /// A [`ParseError`] with the JSON path of a wrongly typed field or unknown attribute name.
    pub fn from_json(value: &Value) -> Result<Self, ParseError> {
        let obj = object(value, "$")?;
        Ok(Self {
            subject: dn_list(obj.get("subject"), "$.subject")?,
            issuer: dn_list(obj.get("issuer"), "$.issuer")?,
            subject_alt_names: san_list(obj.get("san"), "$.san")?,
            issuer_alt_names: san_list(obj.get("issuer_san"), "$.issuer_san")?,
            serial_number: opt_string(obj, "serial", "$")?,
            certificate_id: opt_string(obj, "certificate_id", "$")?,
        })
    }
}

impl ConnectionContext {
    /// Reads a connection context from plain data, in the shape of the
    /// `context` objects of `conformance/policy.json`:
    ///
    /// ```
    /// use iot_policy::ConnectionContext;
    /// let ctx = ConnectionContext::from_json(&serde_json::json!({
    ///     "client_id": "t1", "thing_name": "t1", "is_attached": true,
    ///     "thing_attributes": {"site": "berlin"}, "source_ip": "10.1.2.3",
    ///     "certificate": {"subject": {"CommonName": ["device-42"]}, "serial": "42"},
    ///     "connect_attributes": ["LastWill"], "last_will_topic": null
    /// }))?;
    /// assert_eq!(ctx.thing.unwrap().attributes["site"], "berlin");
    /// # Ok::<(), iot_policy::ParseError>(())
    /// ```
    ///
    /// Unknown fields (`region`, `account`, `not_before`, ...) are ignored.
    /// `current_time` (ISO 8601 or epoch seconds) feeds `aws:CurrentTime`.
    ///
    /// # Errors
    /// A [`ParseError`] with the JSON path of a wrongly typed or invalid field.
    pub fn from_json(value: &Value) -> Result<Self, ParseError> {
        let obj = object(value, "$")?;
        let client_id = opt_string(obj, "client_id", "$")?.unwrap_or_default();
        let thing = match opt_string(obj, "thing_name", "$")? {
            None => None,
            Some(name) => {
                let mut attributes = BTreeMap::new();
                if let Some(v) = obj.get("thing_attributes").filter(|v| !v.is_null()) {
                    for (k, v) in object(v, "$.thing_attributes")? {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => {
                                return Err(ParseError::new(
                                    format!("$.thing_attributes.{k}"),
                                    ParseErrorKind::ExpectedString,
                                ));
                            }
                        };
                        attributes.insert(k.clone(), s);
                    }
                }
                Some(ThingContext {
                    name,
                    type_name: opt_string(obj, "thing_type", "$")?,
                    attributes,
                })
            }
        };
        let is_attached = match obj.get("is_attached") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(ParseError::new(
                    "$.is_attached",
                    ParseErrorKind::InvalidValue {
                        expected: "boolean",
                        value: "non-boolean".to_string(),
                    },
                ));
            }
        };
        let source_ip = match opt_string(obj, "source_ip", "$")? {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| {
                ParseError::new(
                    "$.source_ip",
                    ParseErrorKind::InvalidValue {
                        expected: "IP address",
                        value: s.clone(),
                    },
                )
            })?),
        };
        let certificate = match obj.get("certificate") {
            None | Some(Value::Null) => None,
            Some(v) => Some(CertificateContext::from_json(v).map_err(|mut e| {
                e.path = e.path.replacen('$', "$.certificate", 1);
                e
            })?),
        };
        let connect_attributes = match obj.get("connect_attributes") {
            None => Vec::new(),
            Some(v) => string_list(v, "$.connect_attributes")?,
        };
        let current_time_ms = match obj.get("current_time") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                Some(values::parse_date(&text).ok_or_else(|| {
                    ParseError::new(
                        "$.current_time",
                        ParseErrorKind::InvalidValue {
                            expected: "date (ISO 8601 or epoch seconds)",
                            value: text.clone(),
                        },
                    )
                })?)
            }
        };
        Ok(Self {
            client_id,
            source_ip,
            domain_name: opt_string(obj, "domain_name", "$")?,
            thing,
            is_attached,
            certificate,
            connect_attributes,
            last_will_topic: opt_string(obj, "last_will_topic", "$")?,
            current_time_ms,
        })
    }
}
