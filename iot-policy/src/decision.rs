//! The result of an authorization request.

use alloc::vec::Vec;
use core::fmt;

/// Identifies a statement: the policy's position in the set and the
/// statement's position in the policy (both zero-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementId {
    /// Index of the policy in the set.
    pub policy: usize,
    /// Index of the statement in its policy.
    pub statement: usize,
}

/// Allow, explicit deny, or implicit (default) deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// An Allow statement applies and no Deny does.
    Allow,
    /// A Deny statement applies (it wins over any Allow).
    ExplicitDeny,
    /// No statement applies.
    ImplicitDeny,
}

impl Outcome {
    /// Whether the request is allowed.
    pub fn is_allowed(self) -> bool {
        self == Self::Allow
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "allow",
            Self::ExplicitDeny => "deny (explicit)",
            Self::ImplicitDeny => "deny (implicit)",
        })
    }
}

/// A decision and the first statement that decided it. `Copy`, allocation-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// The first deciding statement (none for an implicit deny).
    pub statement: Option<StatementId>,
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.outcome.is_allowed()
    }
}

/// A decision with every statement that decided it (all applicable Deny
/// statements for an explicit deny, all applicable Allow statements for an allow).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Explanation {
    /// The outcome.
    pub outcome: Outcome,
    /// The deciding statements, in set order; empty for an implicit deny.
    pub statements: Vec<StatementId>,
}
