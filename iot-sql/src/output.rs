//! What a rule produces for one message.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::SqlVersion;
use crate::value::Value;

/// The result of evaluating a rule against a message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// The topic does not match the rule's FROM filter.
    NotTriggered,
    /// The topic matched but WHERE was not `true`: no actions run.
    NoMatch,
    /// The rule fired; its actions receive this output.
    Emit(Output),
}

/// The shape of an [`Output`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputKind {
    /// A JSON object (a SELECT list).
    Object,
    /// A bare value (`SELECT VALUE`, or `SELECT *` of a non-object JSON payload).
    Value,
    /// Raw bytes (`SELECT *` of a binary payload).
    Binary,
}

/// The message a rule hands to its actions.
///
/// ```
/// use iot_sql::{Message, Outcome, OutputKind, Rule, SqlVersion};
///
/// let rule = Rule::parse("SELECT VALUE t * 2 FROM 'a/+'", SqlVersion::V2016_03_23)?;
/// let Outcome::Emit(out) = rule.evaluate(&Message::new("a/b", br#"{"t": 2.5}"#))? else { panic!() };
/// assert_eq!(out.kind(), OutputKind::Value);
/// assert_eq!(out.to_json_string(), "5");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    kind: OutputKind,
    value: Value,
    version: SqlVersion,
}

impl Output {
    pub(crate) fn object(value: Value, version: SqlVersion) -> Self {
        Self {
            kind: OutputKind::Object,
            value,
            version,
        }
    }

    pub(crate) fn bare(value: Value, version: SqlVersion) -> Self {
        Self {
            kind: OutputKind::Value,
            value,
            version,
        }
    }

    pub(crate) fn binary(bytes: Arc<[u8]>, version: SqlVersion) -> Self {
        Self {
            kind: OutputKind::Binary,
            value: Value::Binary(bytes),
            version,
        }
    }

    /// The shape of the output.
    #[must_use]
    pub fn kind(&self) -> OutputKind {
        self.kind
    }

    /// The output as a value (binary output is [`Value::Binary`]).
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Takes the value out.
    #[must_use]
    pub fn into_value(self) -> Value {
        self.value
    }

    /// The bytes the actions receive: compact JSON, or the raw bytes of a
    /// binary output. A bare Undefined is empty.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match &self.value {
            Value::Binary(b) => b.to_vec(),
            other => other.to_json_for(self.version).into_bytes(),
        }
    }

    /// Compact JSON text with the rule version's number rendering (binary
    /// output is shown as a base64 JSON string).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        self.value.to_json_for(self.version)
    }
}
