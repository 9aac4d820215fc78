//! Errors: [`Error`] for statements and templates that cannot be compiled
//! (with the span, line and column of the fault), [`EvalError`] for the few
//! conditions that stop a rule at run time. Everything else the docs call a
//! failure is the value Undefined, not an error.

use alloc::string::String;
use core::fmt;

use crate::span::Span;

/// A statement (or template) that was rejected, and where.
///
/// ```
/// use iot_sql::{ErrorKind, Rule, SqlVersion};
///
/// let err = Rule::parse("SELECT nosuch(1) FROM 'a'", SqlVersion::V2016_03_23).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::UnknownFunction { .. }));
/// assert_eq!((err.line(), err.column()), (1, 8));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    span: Span,
    line: usize,
    column: usize,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span, source: &str) -> Self {
        let (line, column) = span.line_column(source);
        Self {
            kind,
            span,
            line,
            column,
        }
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The bytes of the statement at fault.
    #[must_use]
    pub fn span(&self) -> Span {
        self.span
    }

    /// 1-based line of the fault.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the fault.
    #[must_use]
    pub fn column(&self) -> usize {
        self.column
    }

    /// The offending line of `source` with a caret under the fault, for
    /// terminal output.
    ///
    /// ```
    /// use iot_sql::{Rule, SqlVersion};
    ///
    /// let sql = "SELECT a FROM 'x' WHERE";
    /// let err = Rule::parse(sql, SqlVersion::V2016_03_23).unwrap_err();
    /// assert_eq!(err.caret(sql), "SELECT a FROM 'x' WHERE\n                       ^");
    /// ```
    #[must_use]
    pub fn caret(&self, source: &str) -> String {
        let text = source
            .lines()
            .nth(self.line.saturating_sub(1))
            .unwrap_or("");
        let mut out = String::from(text);
        out.push('\n');
        for _ in 1..self.column {
            out.push(' ');
        }
        out.push('^');
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {}, column {}",
            self.kind, self.line, self.column
        )
    }
}

impl core::error::Error for Error {}

/// The kinds of [`Error`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    #[error("syntax error: expected {expected}")]
    Syntax {
        /// What the parser would have accepted here.
        expected: String,
    },
    /// `--` or `/*` found: the dialect has no comments (spec §1).
    #[error("comments are not supported")]
    Comment,
    /// The topic filter after `FROM` is not in single quotes (spec §1).
    #[error("the topic filter after FROM must be single-quoted")]
    UnquotedTopicFilter,
    /// Brackets, CASE or operators nest deeper than the limit.
    #[error("expression nests deeper than {limit} levels")]
    TooDeep {
        /// The limit ([`crate::MAX_DEPTH`] or [`crate::MAX_TREE_DEPTH`]).
        limit: usize,
    },
    /// The statement is longer than [`crate::MAX_SQL_LEN`].
    #[error("statement longer than {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The FROM filter is not a valid MQTT topic filter.
    #[error("invalid topic filter {filter:?}: {reason}")]
    InvalidTopicFilter {
        /// The filter text.
        filter: String,
        /// Why `topic-match` refused it.
        reason: String,
    },
    /// No such function.
    #[error("unknown function {name}()")]
    UnknownFunction {
        /// The name as written.
        name: String,
    },
    /// Wrong number of arguments.
    #[error("{name}() takes {expected} argument(s), found {found}")]
    Arity {
        /// The function.
        name: &'static str,
        /// Accepted counts, e.g. `"1 or 2"`.
        expected: &'static str,
        /// Count given.
        found: usize,
    },
    /// A feature newer than the rule's SQL version (spec §1.1).
    #[error("{feature} requires SQL version 2016-03-23 or later")]
    RequiresVersion {
        /// The feature, e.g. `"decode"` or `"object literal"`.
        feature: String,
    },
    /// `CASE` with no `WHEN` (spec §8).
    #[error("CASE requires at least one WHEN")]
    CaseWithoutWhen,
    /// More than one `SET` clause (spec §9).
    #[error("SET used more than once")]
    SetTwice,
    /// A variable assigned twice (spec §9: variables are immutable).
    #[error("variable {name} is assigned more than once")]
    DuplicateVariable {
        /// The variable, with its `@`.
        name: String,
    },
    /// A variable used before (or without) its assignment.
    #[error("variable {name} is not defined")]
    UnknownVariable {
        /// The variable, with its `@`.
        name: String,
    },
    /// A variable name longer than 64 characters (spec §9).
    #[error("variable name {name} is longer than 64 characters")]
    VariableNameTooLong {
        /// The variable.
        name: String,
    },
    /// `cast(x AS T)` with an unknown `T` (spec §10.6).
    #[error("unknown cast type {name}")]
    UnknownCastType {
        /// The type as written.
        name: String,
    },
    /// `SELECT VALUE` with more than one item (spec §2).
    #[error("SELECT VALUE takes exactly one expression")]
    ValueTakesOneItem,
    /// A number literal outside the Decimal range (spec §4).
    #[error("number {text} is out of range")]
    NumberOutOfRange {
        /// The literal.
        text: String,
    },
    /// `*` used where it has no meaning (inside a subquery's SELECT list is fine).
    #[error("'*' cannot be used here")]
    MisplacedStar,
    /// An argument of `decode(*, 'proto', bucket, key, file, message)` is
    /// not what the Protobuf form requires: `*` first, then five string
    /// literals.
    #[error(
        "decode(*, 'proto', bucket, key, file, message): argument {position} must be {expected}"
    )]
    ProtobufDecodeArgument {
        /// 1-based argument position.
        position: usize,
        /// What the position takes (`"*"` or `"a string literal"`).
        expected: &'static str,
    },
    /// `transform`'s mode must be a literal (spec §10.3).
    #[error("the first argument of {name}() must be a string literal")]
    ModeNotLiteral {
        /// The function.
        name: &'static str,
    },
}

/// A condition that stops a rule at run time (its actions do not run; AWS
/// runs the error action instead).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A function that calls another service was used and no
    /// [`crate::External`] provider was supplied.
    #[error("{function}() needs an external provider and none was supplied")]
    NoProvider {
        /// The function.
        function: &'static str,
        /// Where it is called.
        span: Span,
    },
    /// The external provider reported a failure.
    #[error("{function}() failed: {message}")]
    External {
        /// The function.
        function: &'static str,
        /// The provider's message.
        message: String,
        /// Where it is called.
        span: Span,
    },
    /// `get_dynamodb` called more than once while evaluating one message
    /// (spec §10.5: the rule stops without running actions).
    #[error("get_dynamodb() may be called only once per statement")]
    DynamoDbCalledTwice {
        /// The second call.
        span: Span,
    },
    /// `SELECT *` of a binary payload combined with other items: a binary
    /// payload cannot be merged into an object.
    #[error("a binary payload cannot be combined with other SELECT items")]
    BinaryInObject,
    /// `SELECT VALUE` produced an Array under SQL version 2015-10-08: an
    /// array as the whole output needs 2016-03-23 (spec §1.1, §2). Arrays
    /// inside an object, or in nested queries, are not affected.
    #[error("SELECT VALUE cannot return an array under SQL version 2015-10-08")]
    ArrayOutputRequiresVersion,
}
