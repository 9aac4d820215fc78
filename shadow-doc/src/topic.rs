//! Shadow MQTT topics: `$aws/things/{thing}/shadow[/name/{shadow}]/{op}[/{suffix}]`
//! (spec §11), parsed and built.

use alloc::string::String;
use core::fmt;

use crate::name::{NameError, ShadowKey, ShadowName, ThingName};

/// A shadow operation: the request topic's last level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `/get`.
    Get,
    /// `/update`.
    Update,
    /// `/delete`.
    Delete,
}

/// A response suffix published by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// `/accepted`.
    Accepted,
    /// `/rejected`.
    Rejected,
    /// `/delta` (only under `update`).
    Delta,
    /// `/documents` (only under `update`).
    Documents,
}

impl Operation {
    /// The topic level.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "get" => Some(Self::Get),
            "update" => Some(Self::Update),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

impl Suffix {
    /// The topic level.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Delta => "delta",
            Self::Documents => "documents",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(Self::Accepted),
            "rejected" => Some(Self::Rejected),
            "delta" => Some(Self::Delta),
            "documents" => Some(Self::Documents),
            _ => None,
        }
    }

    fn allowed_after(self, op: Operation) -> bool {
        matches!(self, Self::Accepted | Self::Rejected) || op == Operation::Update
    }
}

/// Why a topic is not a shadow topic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// The topic does not start with `$aws/things/{thing}/shadow/` (case-sensitive).
    #[error("not a shadow topic: it must start with $aws/things/{{thing}}/shadow/")]
    NotShadowTopic,
    /// The thing level is not a valid thing name.
    #[error("invalid thing name in topic: {0}")]
    ThingName(NameError),
    /// The level after `name/` is not a valid shadow name.
    #[error("invalid shadow name in topic: {0}")]
    ShadowName(NameError),
    /// The operation level is missing or not `get`, `update` or `delete`.
    #[error("unknown shadow operation at level {level}")]
    UnknownOperation {
        /// 0-based topic level.
        level: usize,
    },
    /// A suffix that does not exist, or does not exist under this operation
    /// (`delta` and `documents` are `update`-only), or extra levels.
    #[error("invalid suffix at level {level}")]
    InvalidSuffix {
        /// 0-based topic level.
        level: usize,
    },
}

/// A parsed shadow topic: which shadow, which operation, and the response suffix if any.
///
/// ```
/// use shadow_doc::{Operation, ShadowTopic, Suffix};
///
/// let t = ShadowTopic::parse("$aws/things/pump-1/shadow/name/cfg/update/delta")?;
/// assert_eq!(t.key().thing().as_str(), "pump-1");
/// assert_eq!(t.key().shadow().unwrap().as_str(), "cfg");
/// assert_eq!((t.operation(), t.suffix()), (Operation::Update, Some(Suffix::Delta)));
///
/// let accepted = t.with_suffix(Some(Suffix::Accepted))?;
/// assert_eq!(accepted.to_string(), "$aws/things/pump-1/shadow/name/cfg/update/accepted");
/// assert!(ShadowTopic::parse("$aws/things/pump-1/shadow/get/delta").is_err());
/// # Ok::<(), shadow_doc::TopicError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShadowTopic {
    key: ShadowKey,
    operation: Operation,
    suffix: Option<Suffix>,
}

impl ShadowTopic {
    /// A topic from its parts.
    ///
    /// # Errors
    /// [`TopicError::InvalidSuffix`] for `delta`/`documents` under `get` or `delete`.
    pub fn new(
        key: ShadowKey,
        operation: Operation,
        suffix: Option<Suffix>,
    ) -> Result<Self, TopicError> {
        if let Some(s) = suffix
            && !s.allowed_after(operation)
        {
            let level = if key.shadow().is_some() { 6 } else { 4 };
            return Err(TopicError::InvalidSuffix { level });
        }
        Ok(Self {
            key,
            operation,
            suffix,
        })
    }

    /// Parses a topic name. Exact and case-sensitive; `$aws/things/T/shadow/name/update` is an
    /// incomplete named-shadow topic, not the classic update topic.
    ///
    /// # Errors
    /// Which part is wrong ([`TopicError`]).
    pub fn parse(topic: &str) -> Result<Self, TopicError> {
        let mut levels = topic.split('/');
        if levels.next() != Some("$aws") || levels.next() != Some("things") {
            return Err(TopicError::NotShadowTopic);
        }
        let thing = levels.next().ok_or(TopicError::NotShadowTopic)?;
        if levels.next() != Some("shadow") {
            return Err(TopicError::NotShadowTopic);
        }
        let thing = ThingName::new(thing).map_err(TopicError::ThingName)?;
        let mut level = 4;
        let mut op_level = levels.next();
        let mut shadow = None;
        if op_level == Some("name") {
            let name = levels
                .next()
                .ok_or(TopicError::ShadowName(NameError::Empty))?;
            shadow = Some(ShadowName::new(name).map_err(TopicError::ShadowName)?);
            op_level = levels.next();
            level = 6;
        }
        let operation = op_level
            .and_then(Operation::parse)
            .ok_or(TopicError::UnknownOperation { level })?;
        let suffix = match levels.next() {
            None => None,
            Some(s) => {
                Some(Suffix::parse(s).ok_or(TopicError::InvalidSuffix { level: level + 1 })?)
            }
        };
        if levels.next().is_some() {
            return Err(TopicError::InvalidSuffix { level: level + 2 });
        }
        let key = match shadow {
            None => ShadowKey::classic(thing),
            Some(s) => ShadowKey::named(thing, s),
        };
        Self::new(key, operation, suffix)
    }

    /// Which shadow.
    #[must_use]
    pub fn key(&self) -> &ShadowKey {
        &self.key
    }

    /// The operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The response suffix; `None` for a request topic.
    #[must_use]
    pub fn suffix(&self) -> Option<Suffix> {
        self.suffix
    }

    /// The same shadow and operation with another suffix (`None` = the request topic).
    ///
    /// # Errors
    /// As [`ShadowTopic::new`].
    pub fn with_suffix(&self, suffix: Option<Suffix>) -> Result<Self, TopicError> {
        Self::new(self.key.clone(), self.operation, suffix)
    }

    /// The topic as a string.
    #[must_use]
    pub fn to_topic(&self) -> String {
        alloc::format!("{self}")
    }
}

impl fmt::Display for ShadowTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "$aws/things/{}/shadow", self.key.thing())?;
        if let Some(s) = self.key.shadow() {
            write!(f, "/name/{s}")?;
        }
        write!(f, "/{}", self.operation.as_str())?;
        if let Some(s) = self.suffix {
            write!(f, "/{}", s.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Spec §11: the topic table, both directions.
    #[test]
    fn spec_11_every_topic_round_trips() {
        for prefix in ["$aws/things/T-1/shadow", "$aws/things/T-1/shadow/name/s:1"] {
            for (op, suffixes) in [
                ("get", &["", "/accepted", "/rejected"][..]),
                (
                    "update",
                    &["", "/accepted", "/rejected", "/delta", "/documents"][..],
                ),
                ("delete", &["", "/accepted", "/rejected"][..]),
            ] {
                for s in suffixes {
                    let topic = format!("{prefix}/{op}{s}");
                    let parsed = ShadowTopic::parse(&topic).unwrap();
                    assert_eq!(parsed.to_string(), topic);
                }
            }
        }
    }

    #[test]
    fn spec_11_rejects() {
        for bad in [
            "$AWS/things/t/shadow/get",
            "$aws/things/t/shadow",
            "$aws/things/t/shadow/",
            "$aws/things/t/shadow/name/update",
            "$aws/things/t/shadow/namedShadow1/update",
            "$aws/things/t/shadow/get/delta",
            "$aws/things/t/shadow/delete/documents",
            "$aws/things/t/shadow/update/accepted/x",
            "$aws/things/t/shadow/update/",
            "$aws/things//shadow/get",
            "$aws/things/a+b/shadow/get",
            "$aws/things/t/shadow/name/$x/get",
        ] {
            assert!(ShadowTopic::parse(bad).is_err(), "{bad}");
        }
    }
}
