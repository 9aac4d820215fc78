//! ARN patterns: six colon-separated segments, each a glob; the resource
//! segment (after the fifth colon) may itself contain `:`.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::glob::{Glob, Token};

/// Splits an ARN at its first five colons: `(head including the fifth colon, resource part)`.
pub(crate) fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let mut end = 0;
    for _ in 0..5 {
        let rest = arn.get(end..)?;
        end += rest.find(':')? + 1;
    }
    Some((arn.get(..end)?, arn.get(end..)?))
}

/// A compiled ARN pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnGlob {
    /// Fewer than five colons (e.g. `*`): one glob over the whole ARN.
    Whole(Glob),
    /// The first five segments are literal: compare the head as one string.
    ExactHead { head: Box<str>, tail: Glob },
    /// Globs in the head (e.g. `arn:aws:iot:*:*:topic/x`).
    Segments { head: Box<[Glob]>, tail: Glob },
}

impl ArnGlob {
    /// Builds a pattern from tokens; colons inside literal tokens split segments.
    pub(crate) fn from_tokens(tokens: Vec<Token>, one_crosses_slash: bool) -> Self {
        let mut segments: Vec<Vec<Token>> = alloc::vec![Vec::new()];
        let mut tail_started = false;
        for tok in tokens {
            if tail_started {
                if let Some(last) = segments.last_mut() {
                    last.push(tok);
                }
                continue;
            }
            match tok {
                Token::Lit(text) => {
                    let mut rest = text.as_str();
                    while !tail_started && let Some(pos) = rest.find(':') {
                        let (a, b) = rest.split_at(pos);
                        if !a.is_empty()
                            && let Some(last) = segments.last_mut()
                        {
                            last.push(Token::Lit(String::from(a)));
                        }
                        segments.push(Vec::new());
                        rest = b.get(1..).unwrap_or("");
                        tail_started = segments.len() == 6;
                    }
                    if !rest.is_empty()
                        && let Some(last) = segments.last_mut()
                    {
                        last.push(Token::Lit(String::from(rest)));
                    }
                }
                other => {
                    if let Some(last) = segments.last_mut() {
                        last.push(other);
                    }
                }
            }
        }
        if segments.len() < 6 {
            // Re-join: a pattern that is not an ARN is globbed whole.
            let mut whole = Vec::new();
            for (i, seg) in segments.into_iter().enumerate() {
                if i > 0 {
                    whole.push(Token::Lit(String::from(":")));
                }
                whole.extend(seg);
            }
            return Self::Whole(Glob::from_tokens_with(whole, one_crosses_slash));
        }
        let tail = segments.pop().unwrap_or_default();
        let tail = Glob::from_tokens_with(tail, one_crosses_slash);
        let head: Vec<Glob> = segments
            .into_iter()
            .map(|s| Glob::from_tokens_with(s, one_crosses_slash))
            .collect();
        if head.iter().all(Glob::is_exact) {
            let mut text = String::new();
            for g in &head {
                if let Glob::Exact(s) = g {
                    text.push_str(s);
                }
                text.push(':');
            }
            Self::ExactHead {
                head: text.into(),
                tail,
            }
        } else {
            Self::Segments {
                head: head.into(),
                tail,
            }
        }
    }

    /// Whether `arn` matches.
    pub(crate) fn matches(&self, arn: &str) -> bool {
        match self {
            Self::Whole(g) => g.matches(arn),
            Self::ExactHead { head, tail } => arn
                .strip_prefix(&**head)
                .is_some_and(|rest| tail.matches(rest)),
            Self::Segments { head, tail } => {
                let Some((h, rest)) = split_arn(arn) else {
                    return false;
                };
                let mut parts = h.split(':');
                head.iter()
                    .all(|g| parts.next().is_some_and(|p| g.matches(p)))
                    && tail.matches(rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::tokenize;

    fn g(p: &str) -> ArnGlob {
        ArnGlob::from_tokens(tokenize(p), true)
    }

    #[test]
    fn segments() {
        assert_eq!(
            split_arn("arn:aws:iot:r:1:topic/a:b"),
            Some(("arn:aws:iot:r:1:", "topic/a:b"))
        );
        assert_eq!(split_arn("arn:aws:iot:r"), None);
        assert!(g("arn:aws:iot:*:*:topic/x").matches("arn:aws:iot:eu-west-1:1:topic/x"));
        assert!(!g("arn:aws:iot:*:*:topic/x").matches("arn:aws:iot:eu-west-1:1:topic/y"));
        assert!(g("arn:aws:iot:r:1:topic/a*").matches("arn:aws:iot:r:1:topic/a:b/c"));
        assert!(!g("arn:aws:iot:r:1:topic/a*").matches("arn:aws:iot:r:2:topic/a"));
        assert!(g("*").matches("anything"));
        assert!(g("arn:aws:iot:r:1:*").matches("arn:aws:iot:r:1:client/c"));
        // `*` in the region segment does not cross a colon.
        assert!(!g("arn:aws:iot:*:1:topic/x").matches("arn:aws:iot:r:z:1:topic/x"));
    }
}
