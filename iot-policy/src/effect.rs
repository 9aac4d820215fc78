use alloc::string::String;
use core::str::FromStr;

/// Whether a statement allows or denies what it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants the matched actions.
    Allow,
    /// The statement denies the matched actions; an explicit deny always wins.
    Deny,
}

/// An `Effect` value other than `Allow` or `Deny`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Effect {0:?}: expected \"Allow\" or \"Deny\"")]
pub struct UnknownEffect(pub String);

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
