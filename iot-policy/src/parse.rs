//! JSON text → [`PolicyDocument`], with the JSON path of every problem.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::ast::{
    Condition, ConditionOperator, Effect, ListKind, OperatorKind, PatternList, PolicyDocument,
    PolicyVersion, Statement,
};
use crate::error::{ParseError, ParseErrorKind};
use crate::values;
use crate::variables::{self, NameRules};

/// The AWS limit on a policy document: 2,048 characters excluding whitespace.
pub const AWS_POLICY_SIZE_LIMIT: usize = 2048;

/// Options for [`PolicyDocument::parse_with`]. Strict (AWS-like) by default.
///
/// ```
/// use iot_policy::{ParseOptions, PolicyDocument};
/// let big = format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow",
///   "Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/{}"}}}}"#, "x".repeat(3000));
/// assert!(PolicyDocument::parse(&big).is_err());
/// let lenient = ParseOptions { size_limit: None, ..ParseOptions::default() };
/// assert!(PolicyDocument::parse_with(&big, &lenient).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Reject documents with more non-whitespace characters than this
    /// (default: `Some(2048)`, the AWS quota). Whitespace inside strings is
    /// not counted either (§8 decision 6).
    pub size_limit: Option<usize>,
    /// Accept `"Version": "2008-10-17"` and documents without `Version`
    /// (in both, `${...}` is literal text). Default `false`: such documents
    /// are rejected, as AWS IoT's CreatePolicy does.
    pub legacy_version: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            size_limit: Some(AWS_POLICY_SIZE_LIMIT),
            legacy_version: false,
        }
    }
}

impl PolicyDocument {
    /// Parses a policy document with the default (strict) [`ParseOptions`].
    ///
    /// # Errors
    /// A [`ParseError`] naming the JSON path of the first problem.
    pub fn parse(json: &str) -> Result<Self, ParseError> {
        Self::parse_with(json, &ParseOptions::default())
    }

    /// Parses a policy document.
    ///
    /// # Errors
    /// A [`ParseError`] naming the JSON path of the first problem.
    pub fn parse_with(json: &str, options: &ParseOptions) -> Result<Self, ParseError> {
        if let Some(limit) = options.size_limit {
            let count = json.chars().filter(|c| !c.is_whitespace()).count();
            if count > limit {
                return Err(ParseError::new(
                    "$",
                    ParseErrorKind::TooLarge { count, limit },
                ));
            }
        }
        let value: Value = serde_json::from_str(json).map_err(|e| {
            ParseError::new(
                "$",
                ParseErrorKind::Json {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                },
            )
        })?;
        Self::from_json_with(&value, options)
    }

    /// Builds a document from an already-parsed JSON value. The size limit
    /// is not applied (there is no raw text to count).
    ///
    /// # Errors
    /// A [`ParseError`] naming the JSON path of the first problem.
    pub fn from_json_with(value: &Value, options: &ParseOptions) -> Result<Self, ParseError> {
        let obj = value
            .as_object()
            .ok_or_else(|| ParseError::new("$", ParseErrorKind::ExpectedObject))?;
        for key in obj.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(ParseError::new(
                    format!("$.{key}"),
                    ParseErrorKind::UnknownElement(key.clone()),
                ));
            }
        }
        let version = match obj.get("Version") {
            Some(Value::String(v)) if v == "2012-10-17" => PolicyVersion::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" && options.legacy_version => {
                PolicyVersion::Legacy
            }
            None if options.legacy_version => PolicyVersion::Legacy,
            Some(Value::String(v)) => {
                return Err(ParseError::new(
                    "$.Version",
                    ParseErrorKind::Version(v.clone()),
                ));
            }
            Some(_) => {
                return Err(ParseError::new("$.Version", ParseErrorKind::ExpectedString));
            }
            None => {
                return Err(ParseError::new(
                    "$.Version",
                    ParseErrorKind::Missing("Version"),
                ));
            }
        };
        let id = match obj.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ParseError::new("$.Id", ParseErrorKind::ExpectedString)),
        };
        let statements = match obj.get("Statement") {
            None => {
                return Err(ParseError::new(
                    "$.Statement",
                    ParseErrorKind::Missing("Statement"),
                ));
            }
            Some(Value::Object(s)) => {
                alloc::vec![parse_statement(s, "$.Statement", version)?]
            }
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    return Err(ParseError::new("$.Statement", ParseErrorKind::Empty));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let path = format!("$.Statement[{i}]");
                    let s = item
                        .as_object()
                        .ok_or_else(|| ParseError::new(&*path, ParseErrorKind::ExpectedObject))?;
                    out.push(parse_statement(s, &path, version)?);
                }
                out
            }
            Some(_) => {
                return Err(ParseError::new(
                    "$.Statement",
                    ParseErrorKind::ExpectedObjects,
                ));
            }
        };
        Ok(Self {
            version,
            id,
            statements,
        })
    }
}

/// Variable syntax is checked with case-insensitive names; the evaluation
/// options decide later how names are matched.
const CHECK_RULES: NameRules = NameRules {
    case_insensitive: true,
};

fn strings(value: &Value, path: &str) -> Result<Vec<String>, ParseError> {
    match value {
        Value::String(s) => Ok(alloc::vec![s.clone()]),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(ParseError::new(path, ParseErrorKind::Empty));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(ParseError::new(
                        format!("{path}[{i}]"),
                        ParseErrorKind::ExpectedString,
                    )),
                })
                .collect()
        }
        _ => Err(ParseError::new(path, ParseErrorKind::ExpectedStrings)),
    }
}

/// Path of element `i` of a string-or-array element.
fn item_path(path: &str, value: &Value, i: usize) -> String {
    if value.is_array() {
        format!("{path}[{i}]")
    } else {
        path.to_string()
    }
}

fn list_with_value<'v>(
    obj: &'v Map<String, Value>,
    path: &str,
    include: &'static str,
    exclude: &'static str,
) -> Result<(PatternList, String, &'v Value), ParseError> {
    let (kind, name, value) = match (obj.get(include), obj.get(exclude)) {
        (Some(_), Some(_)) => {
            return Err(ParseError::new(
                path,
                ParseErrorKind::Conflict(include, exclude),
            ));
        }
        (Some(v), None) => (ListKind::Include, include, v),
        (None, Some(v)) => (ListKind::Exclude, exclude, v),
        (None, None) => return Err(ParseError::new(path, ParseErrorKind::Missing(include))),
    };
    let p = format!("{path}.{name}");
    let patterns = strings(value, &p)?;
    Ok((PatternList { kind, patterns }, p, value))
}

fn parse_statement(
    obj: &Map<String, Value>,
    path: &str,
    version: PolicyVersion,
) -> Result<Statement, ParseError> {
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource" | "Condition"
        ) {
            return Err(ParseError::new(
                format!("{path}.{key}"),
                ParseErrorKind::UnknownElement(key.clone()),
            ));
        }
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(ParseError::new(
                format!("{path}.Sid"),
                ParseErrorKind::ExpectedString,
            ));
        }
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) => s
            .parse::<Effect>()
            .map_err(|e| ParseError::new(format!("{path}.Effect"), e.into()))?,
        Some(_) => {
            return Err(ParseError::new(
                format!("{path}.Effect"),
                ParseErrorKind::ExpectedString,
            ));
        }
        None => return Err(ParseError::new(path, ParseErrorKind::Missing("Effect"))),
    };
    let (actions, apath, avalue) = list_with_value(obj, path, "Action", "NotAction")?;
    for (i, a) in actions.patterns.iter().enumerate() {
        if version.substitutes_variables() && a.contains("${") {
            return Err(ParseError::new(
                item_path(&apath, avalue, i),
                ParseErrorKind::VariableNotAllowed,
            ));
        }
    }
    let (resources, rpath, rvalue) = list_with_value(obj, path, "Resource", "NotResource")?;
    for (i, r) in resources.patterns.iter().enumerate() {
        let p = || item_path(&rpath, rvalue, i);
        check_resource(r, version).map_err(|k| ParseError::new(p(), k))?;
    }
    let conditions = match obj.get("Condition") {
        None => Vec::new(),
        Some(v) => parse_conditions(v, &format!("{path}.Condition"), version)?,
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
        conditions,
    })
}

/// Variables may only appear in the resource part (after the fifth colon).
fn check_resource(r: &str, version: PolicyVersion) -> Result<(), ParseErrorKind> {
    let substitute = version.substitutes_variables();
    variables::parse_template(r, substitute, CHECK_RULES)?;
    if substitute && let Some(pos) = r.find("${") {
        let colons_before = r.get(..pos).map_or(0, |s| s.matches(':').count());
        if r.starts_with("arn:") && colons_before < 5 {
            return Err(ParseErrorKind::VariableNotAllowed);
        }
    }
    Ok(())
}

fn condition_values(value: &Value, path: &str) -> Result<Vec<String>, ParseError> {
    let scalar = |v: &Value, p: String| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ParseError::new(p, ParseErrorKind::ExpectedString)),
    };
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(ParseError::new(path, ParseErrorKind::Empty));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| scalar(v, format!("{path}[{i}]")))
                .collect()
        }
        other => Ok(alloc::vec![scalar(other, path.to_string())?]),
    }
}

fn parse_conditions(
    value: &Value,
    path: &str,
    version: PolicyVersion,
) -> Result<Vec<Condition>, ParseError> {
    let obj = value
        .as_object()
        .ok_or_else(|| ParseError::new(path, ParseErrorKind::ExpectedObject))?;
    let mut out = Vec::new();
    for (op_name, keys) in obj {
        let op_path = format!("{path}.{op_name}");
        let operator: ConditionOperator = op_name
            .parse()
            .map_err(|e: crate::ast::UnknownOperator| ParseError::new(&*op_path, e.into()))?;
        let keys = keys
            .as_object()
            .ok_or_else(|| ParseError::new(&*op_path, ParseErrorKind::ExpectedObject))?;
        for (key, vals) in keys {
            let key_path = format!("{op_path}.{key}");
            let values = condition_values(vals, &key_path)?;
            for (i, v) in values.iter().enumerate() {
                check_condition_value(operator.kind, v, version)
                    .map_err(|k| ParseError::new(item_path(&key_path, vals, i), k))?;
            }
            out.push(Condition {
                operator,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn check_condition_value(
    kind: OperatorKind,
    v: &str,
    version: PolicyVersion,
) -> Result<(), ParseErrorKind> {
    use OperatorKind as K;
    let substitute = version.substitutes_variables();
    if kind.takes_variables() {
        variables::parse_template(v, substitute, CHECK_RULES)?;
        if kind == K::Bool && !v.contains("${") && values::parse_bool(v).is_none() {
            return Err(invalid("boolean", v));
        }
        return Ok(());
    }
    if substitute && v.contains("${") {
        return Err(ParseErrorKind::VariableNotAllowed);
    }
    let ok = match kind {
        K::NumericEquals
        | K::NumericNotEquals
        | K::NumericLessThan
        | K::NumericLessThanEquals
        | K::NumericGreaterThan
        | K::NumericGreaterThanEquals => values::parse_number(v).is_some(),
        K::DateEquals
        | K::DateNotEquals
        | K::DateLessThan
        | K::DateLessThanEquals
        | K::DateGreaterThan
        | K::DateGreaterThanEquals => values::parse_date(v).is_some(),
        K::IpAddress | K::NotIpAddress => values::Cidr::parse(v).is_some(),
        K::BinaryEquals => values::decode_base64(v).is_some(),
        K::Null => values::parse_bool(v).is_some(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(expected_name(kind), v))
    }
}

fn expected_name(kind: OperatorKind) -> &'static str {
    use OperatorKind as K;
    match kind {
        K::IpAddress | K::NotIpAddress => "IP address or CIDR block",
        K::BinaryEquals => "base64 value",
        K::Null | K::Bool => "boolean",
        k if k.name().starts_with("Date") => "date (ISO 8601 or epoch seconds)",
        _ => "number",
    }
}

fn invalid(expected: &'static str, v: &str) -> ParseErrorKind {
    ParseErrorKind::InvalidValue {
        expected,
        value: v.to_string(),
    }
}
