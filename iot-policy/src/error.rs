//! Error types.

use alloc::string::String;

/// An `Effect` value other than `Allow` or `Deny`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Effect {0:?}: expected \"Allow\" or \"Deny\"")]
pub struct UnknownEffect(pub String);

/// A policy document that cannot be used, with the JSON path of the problem.
///
/// The path uses JSONPath-like notation rooted at `$`, for example
/// `$.Statement[1].Condition.NumericLessThan.iot:Foo[0]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
#[non_exhaustive]
pub struct ParseError {
    /// Where in the document the problem is.
    pub path: String,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn new(path: impl Into<String>, kind: ParseErrorKind) -> Self {
        Self {
            path: path.into(),
            kind,
        }
    }
}

/// What is wrong with a policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// More non-whitespace characters than the configured limit (AWS: 2,048).
    #[error("policy has {count} non-whitespace characters, the limit is {limit}")]
    TooLarge {
        /// Non-whitespace characters in the document.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A JSON object was expected.
    #[error("expected an object")]
    ExpectedObject,
    /// A JSON string was expected.
    #[error("expected a string")]
    ExpectedString,
    /// A string or an array of strings was expected.
    #[error("expected a string or an array of strings")]
    ExpectedStrings,
    /// An object or an array of objects was expected (`Statement`).
    #[error("expected an object or an array of objects")]
    ExpectedObjects,
    /// An array that must not be empty is empty.
    #[error("must not be empty")]
    Empty,
    /// A required element is missing.
    #[error("missing required element {0}")]
    Missing(&'static str),
    /// Exactly one of two elements must be present, and both are.
    #[error("{0} and {1} are mutually exclusive")]
    Conflict(&'static str, &'static str),
    /// An element this policy language does not have (or that IoT policies do
    /// not use, such as `Principal`).
    #[error("unsupported element {0:?}")]
    UnknownElement(String),
    /// `Version` is absent or not a supported version.
    #[error("unsupported Version {0:?}: expected \"2012-10-17\" (or enable legacy_version)")]
    Version(String),
    /// `Effect` is neither `Allow` nor `Deny`.
    #[error(transparent)]
    Effect(#[from] UnknownEffect),
    /// An unknown condition operator.
    #[error(transparent)]
    Operator(#[from] crate::ast::UnknownOperator),
    /// A `${` without its closing `}`.
    #[error("unterminated policy variable at byte {0}")]
    UnterminatedVariable(usize),
    /// A `${...}` in a place where variables are not allowed (Action, the ARN
    /// before its resource part, Numeric/Date/IpAddress/Binary/Null values).
    #[error("policy variables are not allowed here")]
    VariableNotAllowed,
    /// A condition value that is not valid for its operator.
    #[error("{value:?} is not a valid {expected}")]
    InvalidValue {
        /// What the operator expects.
        expected: &'static str,
        /// The value as written.
        value: String,
    },
}

/// A certificate the certificate context cannot be built from.
#[cfg(feature = "x509")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The PEM armour is missing or broken.
    #[error("invalid PEM: {0}")]
    Pem(String),
    /// The DER is not an X.509 certificate.
    #[error("invalid DER certificate: {0}")]
    Der(String),
}
