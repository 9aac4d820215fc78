//! [`PolicyDocument`]s → [`PolicySet`]: actions resolved to bit masks,
//! resources and condition values pre-split into templates.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::action::{Action, SPELLINGS};
use crate::ast::{Effect, ListKind, PolicyDocument};
use crate::conditions::CompiledCondition;
use crate::glob::Glob;
use crate::options::EvalOptions;
use crate::variables::{NameRules, Part, parse_template};

/// `Action`/`NotAction` compiled: a mask over known actions, plus the
/// lower-cased globs for action names we do not know.
#[derive(Debug, Clone)]
pub(crate) struct ActionMatcher {
    pub(crate) kind: ListKind,
    /// Known actions matched by some pattern.
    pub(crate) mask: u32,
    pub(crate) globs: Vec<Glob>,
}

impl ActionMatcher {
    pub(crate) fn compile(kind: ListKind, patterns: &[String]) -> Self {
        let globs: Vec<Glob> = patterns
            .iter()
            .map(|p| Glob::new(&p.to_ascii_lowercase()))
            .collect();
        let mut mask = 0;
        for (name, action) in SPELLINGS {
            let lower = name.to_ascii_lowercase();
            if globs.iter().any(|g| g.matches(&lower)) {
                mask |= action.bit();
            }
        }
        Self { kind, mask, globs }
    }

    /// Whether the statement covers a known action.
    #[inline]
    pub(crate) fn covers(&self, action: Action) -> bool {
        let hit = self.mask & action.bit() != 0;
        match self.kind {
            ListKind::Include => hit,
            ListKind::Exclude => !hit,
        }
    }

    /// Whether the statement covers an action name we do not know.
    pub(crate) fn covers_name(&self, lowercase_name: &str) -> bool {
        let hit = self.globs.iter().any(|g| g.matches(lowercase_name));
        match self.kind {
            ListKind::Include => hit,
            ListKind::Exclude => !hit,
        }
    }
}

/// One compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) effect: Effect,
    pub(crate) actions: ActionMatcher,
    pub(crate) resource_kind: ListKind,
    pub(crate) resources: Vec<Vec<Part>>,
    pub(crate) conditions: Vec<CompiledCondition>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) statements: Vec<CompiledStatement>,
    pub(crate) ids: Vec<crate::StatementId>,
    pub(crate) labels: Vec<String>,
    pub(crate) options: EvalOptions,
}

/// Policies compiled once, shared by every connection.
///
/// Cheap to clone (reference-counted), `Send + Sync`. Bind a connection's
/// context with [`PolicySet::bind`] at CONNECT time, then ask the returned
/// [`BoundPolicySet`](crate::BoundPolicySet) for decisions.
///
/// ```
/// use iot_policy::{ConnectionContext, PolicyDocument, PolicySet};
/// let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17", "Statement": [
///   {"Effect": "Allow", "Action": "iot:Publish",
///    "Resource": "arn:aws:iot:us-east-1:123456789012:topic/${iot:ClientId}/*"}]}"#)?;
/// let set = PolicySet::compile(&[doc]);
/// let conn = set.bind(&ConnectionContext { client_id: "dev1".into(), ..Default::default() });
/// let arn = "arn:aws:iot:us-east-1:123456789012:topic/";
/// assert!(conn.authorize("iot:Publish", &format!("{arn}dev1/temp")).is_allowed());
/// assert!(!conn.authorize("iot:Publish", &format!("{arn}dev2/temp")).is_allowed());
/// # Ok::<(), iot_policy::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub(crate) inner: Arc<Inner>,
}

impl PolicySet {
    /// Compiles policies with the default [`EvalOptions`].
    pub fn compile(policies: &[PolicyDocument]) -> Self {
        Self::compile_with(policies, EvalOptions::default())
    }

    /// Compiles policies (as if all attached to one principal).
    pub fn compile_with(policies: &[PolicyDocument], options: EvalOptions) -> Self {
        let rules = NameRules {
            case_insensitive: options.case_insensitive_keys,
        };
        let mut statements = Vec::new();
        let mut ids = Vec::new();
        let mut labels = Vec::new();
        for (pi, doc) in policies.iter().enumerate() {
            let substitute = doc.version.substitutes_variables();
            for (si, st) in doc.statements.iter().enumerate() {
                ids.push(crate::StatementId {
                    policy: pi,
                    statement: si,
                });
                labels.push(match &st.sid {
                    Some(sid) => format!("{pi}/{sid}"),
                    None => format!("{pi}/{si}"),
                });
                statements.push(CompiledStatement {
                    effect: st.effect,
                    actions: ActionMatcher::compile(st.actions.kind, &st.actions.patterns),
                    resource_kind: st.resources.kind,
                    resources: st
                        .resources
                        .patterns
                        .iter()
                        .filter_map(|r| parse_template(r, substitute, rules).ok())
                        .collect(),
                    conditions: st
                        .conditions
                        .iter()
                        .map(|c| CompiledCondition::compile(c, substitute, &options))
                        .collect(),
                });
            }
        }
        Self {
            inner: Arc::new(Inner {
                statements,
                ids,
                labels,
                options,
            }),
        }
    }

    /// The label of a statement: `<policy index>/<Sid or statement index>`.
    pub fn label(&self, id: crate::StatementId) -> Option<&str> {
        let pos = self.inner.ids.iter().position(|i| *i == id)?;
        self.inner.labels.get(pos).map(String::as_str)
    }

    /// Number of statements across all policies.
    pub fn len(&self) -> usize {
        self.inner.statements.len()
    }

    /// Whether the set has no statements (everything is implicitly denied).
    pub fn is_empty(&self) -> bool {
        self.inner.statements.is_empty()
    }

    /// The options the set was compiled with.
    pub fn options(&self) -> &EvalOptions {
        &self.inner.options
    }
}
