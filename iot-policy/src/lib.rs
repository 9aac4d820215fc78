#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod action;
mod arn;
mod ast;
mod compile;
mod conditions;
mod context;
mod context_json;
mod decision;
mod error;
mod evaluate;
mod glob;
mod lint;
mod options;
mod parse;
mod values;
mod variables;
#[cfg(feature = "x509")]
mod x509;

pub use action::{Action, ResourceKind};
pub use ast::{
    Condition, ConditionOperator, Effect, ListKind, OperatorKind, PatternList, PolicyDocument,
    PolicyVersion, SetQualifier, Statement, UnknownOperator,
};
pub use compile::PolicySet;
pub use context::{AltNameKind, CertificateContext, ConnectionContext, DnAttribute, ThingContext};
pub use decision::{Decision, Explanation, Outcome, StatementId};
#[cfg(feature = "x509")]
pub use error::CertificateError;
pub use error::{ParseError, ParseErrorKind, UnknownEffect};
pub use evaluate::BoundPolicySet;
pub use lint::{Finding, Severity};
pub use options::EvalOptions;
pub use parse::{AWS_POLICY_SIZE_LIMIT, ParseOptions};
