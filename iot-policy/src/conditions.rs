//! Condition evaluation with IAM's combination rules.
//!
//! Every key AWS IoT supports on the data plane is fixed for the life of a
//! connection, so conditions are evaluated once, when a context is bound.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use crate::arn::ArnGlob;
use crate::ast::{Condition, ConditionOperator, OperatorKind, SetQualifier};
use crate::context::ConnectionContext;
use crate::glob::{Glob, Token, tokenize};
use crate::options::EvalOptions;
use crate::values::{self, Cidr};
use crate::variables::{NameRules, Part, Variable, parse_template};

/// A policy value, typed for its operator.
#[derive(Debug, Clone, PartialEq)]
enum PolicyValue {
    /// String, Arn and Bool values (variables allowed).
    Template(Vec<Part>),
    Number(f64),
    Date(i64),
    Cidr(Cidr),
    Binary(Vec<u8>),
    Null(bool),
}

/// A condition ready to evaluate against a context.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompiledCondition {
    operator: ConditionOperator,
    key: Variable,
    values: Vec<PolicyValue>,
}

impl CompiledCondition {
    /// Compiles a parsed condition. Values that do not parse (impossible for
    /// documents from [`crate::PolicyDocument::parse`]) are dropped.
    pub(crate) fn compile(c: &Condition, substitute: bool, options: &EvalOptions) -> Self {
        use OperatorKind as K;
        let rules = NameRules {
            case_insensitive: options.case_insensitive_keys,
        };
        let mut key = Variable::parse(&c.key, rules);
        if !options.variables_as_condition_keys && !key.is_documented_key() {
            key = Variable::Unknown;
        }
        let kind = c.operator.kind;
        let values = c
            .values
            .iter()
            .filter_map(|v| match kind {
                _ if kind.takes_variables() => parse_template(v, substitute, rules)
                    .ok()
                    .map(PolicyValue::Template),
                K::IpAddress | K::NotIpAddress => Cidr::parse(v).map(PolicyValue::Cidr),
                K::BinaryEquals => values::decode_base64(v).map(PolicyValue::Binary),
                K::Null => values::parse_bool(v).map(PolicyValue::Null),
                _ if kind.name().starts_with("Date") => {
                    values::parse_date(v).map(PolicyValue::Date)
                }
                _ => values::parse_number(v).map(PolicyValue::Number),
            })
            .collect();
        Self {
            operator: c.operator,
            key,
            values,
        }
    }

    /// Whether this condition's values or key depend on the context at all.
    pub(crate) fn evaluate(&self, ctx: &ConnectionContext, options: &EvalOptions) -> bool {
        let request: Vec<Cow<'_, str>> = self.key.resolve(ctx).into_list();
        let op = self.operator;
        if op.kind == OperatorKind::Null {
            let present = !request.is_empty();
            return self
                .values
                .iter()
                .any(|v| matches!(v, PolicyValue::Null(want_absent) if *want_absent != present));
        }
        if request.is_empty() {
            if op.if_exists {
                return true;
            }
            return match op.qualifier {
                Some(SetQualifier::ForAllValues) => options.for_all_values_empty_is_true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.kind.is_negated(),
            };
        }
        let policy = self.bind_values(ctx);
        let one = |rv: &str| {
            let any = policy.iter().any(|pv| pv.matches(op.kind, rv));
            if op.kind.is_negated() { !any } else { any }
        };
        match op.qualifier {
            Some(SetQualifier::ForAllValues) => request.iter().all(|rv| one(rv)),
            // A multi-valued key without a qualifier behaves as ForAnyValue.
            Some(SetQualifier::ForAnyValue) | None => request.iter().any(|rv| one(rv)),
        }
    }

    /// Substitutes variables; an unresolved variable removes that value.
    fn bind_values(&self, ctx: &ConnectionContext) -> Vec<BoundValue> {
        let like = matches!(
            self.operator.kind,
            OperatorKind::StringLike
                | OperatorKind::StringNotLike
                | OperatorKind::ArnLike
                | OperatorKind::ArnNotLike
                | OperatorKind::ArnEquals
                | OperatorKind::ArnNotEquals
        );
        let arn = self.operator.kind.name().starts_with("Arn");
        self.values
            .iter()
            .filter_map(|v| match v {
                PolicyValue::Template(parts) => {
                    let tokens = substitute(parts, ctx, like)?;
                    Some(if arn {
                        BoundValue::Arn(ArnGlob::from_tokens(tokens, true))
                    } else if like {
                        BoundValue::Glob(Glob::from_tokens(tokens))
                    } else {
                        BoundValue::Text(concat(tokens))
                    })
                }
                PolicyValue::Number(n) => Some(BoundValue::Number(*n)),
                PolicyValue::Date(d) => Some(BoundValue::Date(*d)),
                PolicyValue::Cidr(c) => Some(BoundValue::Cidr(*c)),
                PolicyValue::Binary(b) => Some(BoundValue::Binary(b.clone())),
                PolicyValue::Null(_) => None,
            })
            .collect()
    }
}

/// Substitutes the variables of `parts`; `None` if any is unresolved.
/// With `wildcards`, `*`/`?` in document text become glob tokens.
pub(crate) fn substitute(
    parts: &[Part],
    ctx: &ConnectionContext,
    wildcards: bool,
) -> Option<Vec<Token>> {
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Part::Text(t) if wildcards => out.extend(tokenize(t)),
            Part::Text(t) | Part::Literal(t) => out.push(Token::Lit(t.clone())),
            Part::Var(v) => out.push(Token::Lit(v.resolve(ctx).single()?.into_owned())),
        }
    }
    Some(out)
}

fn concat(tokens: Vec<Token>) -> String {
    let mut s = String::new();
    for t in tokens {
        match t {
            Token::Lit(l) => s.push_str(&l),
            Token::Star => s.push('*'),
            Token::One => s.push('?'),
        }
    }
    s
}

/// A policy value after substitution.
#[derive(Debug)]
enum BoundValue {
    Text(String),
    Glob(Glob),
    Arn(ArnGlob),
    Number(f64),
    Date(i64),
    Cidr(Cidr),
    Binary(Vec<u8>),
}

fn lowercase_eq(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

impl BoundValue {
    /// The positive (un-negated) comparison of the operator.
    fn matches(&self, kind: OperatorKind, rv: &str) -> bool {
        use OperatorKind as K;
        match (self, kind) {
            (Self::Text(pv), K::StringEquals | K::StringNotEquals) => pv == rv,
            (Self::Text(pv), K::StringEqualsIgnoreCase | K::StringNotEqualsIgnoreCase) => {
                lowercase_eq(pv, rv)
            }
            (Self::Text(pv), K::Bool) => {
                values::parse_bool(pv).is_some_and(|p| values::parse_bool(rv) == Some(p))
            }
            (Self::Glob(g), _) => g.matches(rv),
            (Self::Arn(g), _) => g.matches(rv),
            (Self::Number(pv), _) => values::parse_number(rv).is_some_and(|r| match kind {
                K::NumericEquals | K::NumericNotEquals => r == *pv,
                K::NumericLessThan => r < *pv,
                K::NumericLessThanEquals => r <= *pv,
                K::NumericGreaterThan => r > *pv,
                K::NumericGreaterThanEquals => r >= *pv,
                _ => false,
            }),
            (Self::Date(pv), _) => values::parse_date(rv).is_some_and(|r| match kind {
                K::DateEquals | K::DateNotEquals => r == *pv,
                K::DateLessThan => r < *pv,
                K::DateLessThanEquals => r <= *pv,
                K::DateGreaterThan => r > *pv,
                K::DateGreaterThanEquals => r >= *pv,
                _ => false,
            }),
            (Self::Cidr(c), _) => rv.trim().parse::<IpAddr>().is_ok_and(|ip| c.contains(ip)),
            (Self::Binary(b), _) => values::decode_base64(rv).is_some_and(|r| r == *b),
            _ => false,
        }
    }
}
