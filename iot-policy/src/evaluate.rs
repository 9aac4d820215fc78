//! [`PolicySet`] × [`ConnectionContext`] → [`BoundPolicySet`] → decisions.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::action::Action;
use crate::arn::ArnGlob;
use crate::ast::{Effect, ListKind};
use crate::compile::{Inner, PolicySet};
use crate::conditions::substitute;
use crate::context::ConnectionContext;
use crate::decision::{Decision, Explanation, Outcome, StatementId};

/// A statement that survived binding: its conditions hold for this connection.
#[derive(Debug, Clone)]
struct BoundStatement {
    /// Position in the compiled set.
    index: usize,
    kind: ListKind,
    /// Resolved entries; unresolved ones are gone (they match nothing).
    resources: Vec<ArnGlob>,
}

impl BoundStatement {
    #[inline]
    fn covers_resource(&self, resource: &str) -> bool {
        let hit = self.resources.iter().any(|g| g.matches(resource));
        match self.kind {
            ListKind::Include => hit,
            ListKind::Exclude => !hit,
        }
    }
}

/// A policy set bound to one connection: variables substituted and
/// conditions decided once; each decision is a few string comparisons.
///
/// `Send + Sync`; keep one per connection.
///
/// ```
/// use iot_policy::{ConnectionContext, Outcome, PolicyDocument, PolicySet};
/// let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17", "Statement": [
///   {"Effect": "Allow", "Action": "iot:*", "Resource": "*"},
///   {"Sid": "NoAdmin", "Effect": "Deny", "Action": "iot:Publish",
///    "Resource": "arn:aws:iot:us-east-1:123456789012:topic/admin/*"}]}"#)?;
/// let set = PolicySet::compile(&[doc]);
/// let conn = set.bind(&ConnectionContext::default());
/// let d = conn.authorize("iot:Publish", "arn:aws:iot:us-east-1:123456789012:topic/admin/x");
/// assert_eq!(d.outcome, Outcome::ExplicitDeny);
/// assert_eq!(set.label(d.statement.unwrap()), Some("0/NoAdmin"));
/// # Ok::<(), iot_policy::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BoundPolicySet {
    set: Arc<Inner>,
    /// Deny statements first, then Allow, each in set order.
    statements: Vec<BoundStatement>,
    /// Index into `statements` where Allow statements begin.
    first_allow: usize,
    /// Per known action: indices into `statements` of those covering it.
    by_action: Vec<Vec<u32>>,
}

impl PolicySet {
    /// Binds a connection's context: substitutes every variable, drops
    /// resource entries whose variables do not resolve, and evaluates every
    /// condition (all supported condition keys are fixed per connection).
    pub fn bind(&self, ctx: &ConnectionContext) -> BoundPolicySet {
        let inner = &self.inner;
        let one_crosses_slash = inner.options.question_mark_crosses_slash;
        let mut denies = Vec::new();
        let mut allows = Vec::new();
        for (index, st) in inner.statements.iter().enumerate() {
            if !st
                .conditions
                .iter()
                .all(|c| c.evaluate(ctx, &inner.options))
            {
                continue;
            }
            let resources: Vec<ArnGlob> = st
                .resources
                .iter()
                .filter_map(|parts| substitute(parts, ctx, true))
                .map(|tokens| ArnGlob::from_tokens(tokens, one_crosses_slash))
                .collect();
            if st.resource_kind == ListKind::Include && resources.is_empty() {
                continue; // matches nothing
            }
            let bound = BoundStatement {
                index,
                kind: st.resource_kind,
                resources,
            };
            match st.effect {
                Effect::Deny => denies.push(bound),
                Effect::Allow => allows.push(bound),
            }
        }
        let first_allow = denies.len();
        let mut statements = denies;
        statements.extend(allows);
        let by_action = Action::ALL
            .iter()
            .map(|a| {
                statements
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| {
                        inner
                            .statements
                            .get(s.index)
                            .is_some_and(|c| c.actions.covers(*a))
                    })
                    .filter_map(|(i, _)| u32::try_from(i).ok())
                    .collect()
            })
            .collect();
        BoundPolicySet {
            set: Arc::clone(inner),
            statements,
            first_allow,
            by_action,
        }
    }
}

impl BoundPolicySet {
    fn id(&self, st: &BoundStatement) -> StatementId {
        self.set.ids.get(st.index).copied().unwrap_or(StatementId {
            policy: 0,
            statement: st.index,
        })
    }

    /// Decides one request: `action` (case-insensitive, e.g. `iot:Publish`)
    /// on `resource` (the concrete ARN, case-sensitive). Allocation-free
    /// for known actions.
    pub fn authorize(&self, action: &str, resource: &str) -> Decision {
        let mut first = None;
        let outcome = self.walk(action, resource, |id| {
            if first.is_none() {
                first = Some(id);
            }
            false
        });
        Decision {
            outcome,
            statement: first,
        }
    }

    /// Like [`authorize`](Self::authorize), listing every deciding statement.
    pub fn explain(&self, action: &str, resource: &str) -> Explanation {
        let mut statements = Vec::new();
        let outcome = self.walk(action, resource, |id| {
            statements.push(id);
            true
        });
        statements.sort_unstable();
        Explanation {
            outcome,
            statements,
        }
    }

    /// Visits deciding statements; `more` says whether to keep collecting.
    fn walk(
        &self,
        action: &str,
        resource: &str,
        mut found: impl FnMut(StatementId) -> bool,
    ) -> Outcome {
        let mut phase = |range: &mut dyn Iterator<Item = &BoundStatement>| {
            let mut hit = false;
            for st in range {
                if st.covers_resource(resource) {
                    hit = true;
                    if !found(self.id(st)) {
                        break;
                    }
                }
            }
            hit
        };
        if let Some(a) = Action::from_name(action) {
            let list = self
                .by_action
                .get(a as usize)
                .map_or(&[][..], Vec::as_slice);
            let split = list.partition_point(|&i| (i as usize) < self.first_allow);
            let (denies, allows) = list.split_at(split);
            let mut it = denies
                .iter()
                .filter_map(|&i| self.statements.get(i as usize));
            if phase(&mut it) {
                return Outcome::ExplicitDeny;
            }
            let mut it = allows
                .iter()
                .filter_map(|&i| self.statements.get(i as usize));
            if phase(&mut it) {
                return Outcome::Allow;
            }
            return Outcome::ImplicitDeny;
        }
        let lower = action.to_ascii_lowercase();
        let covers = |st: &&BoundStatement| {
            self.set
                .statements
                .get(st.index)
                .is_some_and(|c| c.actions.covers_name(&lower))
        };
        let (denies, allows) = self
            .statements
            .split_at(self.first_allow.min(self.statements.len()));
        if phase(&mut denies.iter().filter(covers)) {
            return Outcome::ExplicitDeny;
        }
        if phase(&mut allows.iter().filter(covers)) {
            return Outcome::Allow;
        }
        Outcome::ImplicitDeny
    }

    /// The label of a statement: `<policy index>/<Sid or statement index>`.
    pub fn label(&self, id: StatementId) -> Option<&str> {
        let pos = self.set.ids.iter().position(|i| *i == id)?;
        self.set.labels.get(pos).map(alloc::string::String::as_str)
    }

    /// Number of statements still able to apply to this connection.
    pub fn active_statements(&self) -> usize {
        self.statements.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn thread_safe() {
        assert_send_sync::<PolicySet>();
        assert_send_sync::<BoundPolicySet>();
    }
}
