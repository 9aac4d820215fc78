//! The typed form of a policy document, as written (no variables bound).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::error::UnknownEffect;

/// Whether a statement allows or denies what it matches.
///
/// ```
/// use iot_policy::Effect;
/// assert_eq!("Deny".parse::<Effect>()?, Effect::Deny);
/// assert!("deny".parse::<Effect>().is_err()); // case-sensitive, as in IAM
/// # Ok::<(), iot_policy::UnknownEffect>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants the matched actions.
    Allow,
    /// The statement denies the matched actions; an explicit deny always wins.
    Deny,
}

impl FromStr for Effect {
    type Err = UnknownEffect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Allow" => Ok(Self::Allow),
            "Deny" => Ok(Self::Deny),
            other => Err(UnknownEffect(String::from(other))),
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        })
    }
}

/// The policy language version of a document (`Version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyVersion {
    /// `2012-10-17`: the current version; policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, or no `Version` at all (only accepted with
    /// [`ParseOptions::legacy_version`](crate::ParseOptions::legacy_version)):
    /// `${...}` is literal text.
    Legacy,
}

impl PolicyVersion {
    /// Whether `${...}` policy variables are substituted under this version.
    pub fn substitutes_variables(self) -> bool {
        self == Self::V2012_10_17
    }
}

/// Whether a list of patterns names what a statement covers or what it excludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `Action` / `Resource`: the statement covers what matches a pattern.
    Include,
    /// `NotAction` / `NotResource`: the statement covers what matches no pattern.
    Exclude,
}

/// `Action`/`NotAction` or `Resource`/`NotResource` of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternList {
    /// Which of the two elements was written.
    pub kind: ListKind,
    /// The patterns, in document order.
    pub patterns: Vec<String>,
}

/// The set qualifier of a condition operator (`ForAnyValue:` / `ForAllValues:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// True iff some request value satisfies the operator (false on an empty set).
    ForAnyValue,
    /// True iff every request value satisfies the operator (true on an empty set).
    ForAllValues,
}

/// The comparison a condition operator performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "variant names are the IAM operator names")]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: [(&str, OperatorKind); 27] = [
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        OperatorKind::NumericGreaterThanEquals,
    ),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    /// The IAM name of the operator.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(n, _)| n)
    }

    /// Negated operators (`…Not…`): several values mean "matches none", and an
    /// absent key makes them true.
    pub fn is_negated(self) -> bool {
        use OperatorKind as K;
        matches!(
            self,
            K::StringNotEquals
                | K::StringNotEqualsIgnoreCase
                | K::StringNotLike
                | K::NumericNotEquals
                | K::DateNotEquals
                | K::NotIpAddress
                | K::ArnNotEquals
                | K::ArnNotLike
        )
    }

    /// Whether `${...}` variables are substituted in this operator's values
    /// (String, Arn and Bool operators).
    pub fn takes_variables(self) -> bool {
        use OperatorKind as K;
        matches!(
            self,
            K::StringEquals
                | K::StringNotEquals
                | K::StringEqualsIgnoreCase
                | K::StringNotEqualsIgnoreCase
                | K::StringLike
                | K::StringNotLike
                | K::ArnEquals
                | K::ArnLike
                | K::ArnNotEquals
                | K::ArnNotLike
                | K::Bool
        )
    }
}

/// A condition operator: kind, optional set qualifier and `IfExists`.
///
/// ```
/// use iot_policy::{ConditionOperator, OperatorKind, SetQualifier};
/// let op: ConditionOperator = "ForAllValues:StringLikeIfExists".parse()?;
/// assert_eq!(op.kind, OperatorKind::StringLike);
/// assert_eq!(op.qualifier, Some(SetQualifier::ForAllValues));
/// assert!(op.if_exists);
/// # Ok::<(), iot_policy::UnknownOperator>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// `ForAnyValue:` / `ForAllValues:`, if written.
    pub qualifier: Option<SetQualifier>,
    /// The comparison.
    pub kind: OperatorKind,
    /// `…IfExists`: an absent key makes the condition true.
    pub if_exists: bool,
}

/// A condition operator name that IAM does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown condition operator {0:?}")]
pub struct UnknownOperator(pub String);

impl FromStr for ConditionOperator {
    type Err = UnknownOperator;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownOperator(String::from(s));
        let (qualifier, rest) = if let Some(r) = s.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = s.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, s)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let kind = OPERATORS
            .iter()
            .find(|(n, _)| *n == base)
            .map(|(_, k)| *k)
            .ok_or_else(unknown)?;
        if kind == OperatorKind::Null && (if_exists || qualifier.is_some()) {
            return Err(unknown());
        }
        Ok(Self {
            qualifier,
            kind,
            if_exists,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            None => {}
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// One `operator → key → values` entry of a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: ConditionOperator,
    /// The context key as written (matched case-insensitively).
    pub key: String,
    /// The policy values (booleans and numbers in the JSON are kept as text).
    pub values: Vec<String>,
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`, if present.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub actions: PatternList,
    /// `Resource` or `NotResource`.
    pub resources: PatternList,
    /// The `Condition` entries (all must hold).
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
///
/// ```
/// use iot_policy::{Effect, PolicyDocument};
/// let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17",
///   "Statement": {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}}"#)?;
/// assert_eq!(doc.statements.len(), 1);
/// assert_eq!(doc.statements[0].effect, Effect::Allow);
/// # Ok::<(), iot_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// `Version`.
    pub version: PolicyVersion,
    /// `Id`, if present.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}
