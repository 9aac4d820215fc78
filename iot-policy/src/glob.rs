//! Linear-time `*` / `?` glob matching.
//!
//! IAM globs have two metacharacters: `*` (any run of characters, including
//! none and including `/` and `:`) and `?` (exactly one character). A pattern
//! is stored as literal runs separated by stars; matching anchors the first
//! run at the start and the last at the end and finds every middle run at its
//! leftmost position. Leftmost placement is always safe because a later star
//! can absorb whatever the earlier one did not, so there is no backtracking
//! and the work is bounded by `O(text × pattern)` even for hostile input
//! such as `*a*a*a*a*b` against `aaaa…`.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// One element of a literal run: a fixed string or a single-character wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text that must appear verbatim.
    Lit(Box<str>),
    /// `?`: exactly one character.
    One,
    /// `?` when it may not match `/` (see `EvalOptions::question_mark_crosses_slash`).
    OneNoSlash,
}

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Glob {
    /// Matches exactly this text (no wildcard at all).
    Exact(Box<str>),
    /// `*` alone: matches everything.
    Any,
    /// A literal prefix followed by a single trailing `*`.
    Prefix(Box<str>),
    /// The general case: runs separated by stars.
    General(General),
}

/// Runs between stars; `chunks.len() == stars + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct General {
    chunks: Vec<Vec<Piece>>,
}

/// A token of a glob under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Literal text (wildcard characters inside are literal).
    Lit(String),
    /// `*`
    Star,
    /// `?`
    One,
}

impl Glob {
    /// Compiles `pattern`, treating `*` and `?` as wildcards.
    pub(crate) fn new(pattern: &str) -> Self {
        Self::from_tokens(tokenize(pattern))
    }

    /// Whether the pattern contains no wildcard.
    pub(crate) fn is_exact(&self) -> bool {
        matches!(self, Self::Exact(_))
    }
}

/// Splits document text into literal runs and wildcards.
pub(crate) fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut lit = String::new();
    for c in pattern.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    tokens.push(Token::Lit(core::mem::take(&mut lit)));
                }
                tokens.push(if c == '*' { Token::Star } else { Token::One });
            }
            other => lit.push(other),
        }
    }
    if !lit.is_empty() {
        tokens.push(Token::Lit(lit));
    }
    tokens
}

impl Glob {
    /// Compiles a glob whose text is given as tokens (literal text stays literal).
    pub(crate) fn from_tokens(tokens: Vec<Token>) -> Self {
        Self::from_tokens_with(tokens, true)
    }

    /// As [`Glob::from_tokens`]; `one_crosses_slash == false` makes `?` refuse `/`.
    pub(crate) fn from_tokens_with(tokens: Vec<Token>, one_crosses_slash: bool) -> Self {
        let mut chunks: Vec<Vec<Piece>> = alloc::vec![Vec::new()];
        let mut pending = String::new();
        for t in tokens {
            match t {
                Token::Lit(s) => pending.push_str(&s),
                Token::One | Token::Star => {
                    if let Some(last) = chunks.last_mut() {
                        if !pending.is_empty() {
                            last.push(Piece::Lit(core::mem::take(&mut pending).into()));
                        }
                        if t == Token::One {
                            last.push(if one_crosses_slash {
                                Piece::One
                            } else {
                                Piece::OneNoSlash
                            });
                        } else {
                            chunks.push(Vec::new());
                        }
                    }
                }
            }
        }
        if !pending.is_empty()
            && let Some(last) = chunks.last_mut()
        {
            last.push(Piece::Lit(pending.into()));
        }
        // Collapse consecutive stars (empty middle chunks).
        let n = chunks.len();
        let mut kept = Vec::with_capacity(n);
        for (i, c) in chunks.into_iter().enumerate() {
            if c.is_empty() && i != 0 && i + 1 != n {
                continue;
            }
            kept.push(c);
        }
        let chunks = kept;
        match chunks.as_slice() {
            [only] => match only.as_slice() {
                [] => Self::Exact("".into()),
                [Piece::Lit(s)] => Self::Exact(s.clone()),
                _ => Self::General(General { chunks }),
            },
            [first, last] if last.is_empty() => match first.as_slice() {
                [] => Self::Any,
                [Piece::Lit(s)] => Self::Prefix(s.clone()),
                _ => Self::General(General { chunks }),
            },
            _ => Self::General(General { chunks }),
        }
    }

    /// Whether `text` matches the whole pattern.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match self {
            Self::Exact(s) => **s == *text,
            Self::Any => true,
            Self::Prefix(p) => text.starts_with(&**p),
            Self::General(g) => g.matches(text),
        }
    }
}

/// Length in bytes of the first character of `text`, if any.
fn first_char_len(text: &str) -> Option<usize> {
    text.chars().next().map(char::len_utf8)
}

/// Matches `chunk` at the very start of `text`; returns the bytes consumed.
fn match_at(chunk: &[Piece], text: &str) -> Option<usize> {
    let mut pos = 0;
    for piece in chunk {
        let rest = text.get(pos..)?;
        match piece {
            Piece::Lit(s) => {
                if !rest.starts_with(&**s) {
                    return None;
                }
                pos += s.len();
            }
            Piece::One => pos += first_char_len(rest)?,
            Piece::OneNoSlash => {
                if rest.starts_with('/') {
                    return None;
                }
                pos += first_char_len(rest)?;
            }
        }
    }
    Some(pos)
}

/// Minimum number of bytes a chunk consumes (used to anchor the last chunk).
fn chunk_chars(chunk: &[Piece]) -> usize {
    chunk
        .iter()
        .map(|p| match p {
            Piece::Lit(s) => s.chars().count(),
            Piece::One | Piece::OneNoSlash => 1,
        })
        .sum()
}

impl General {
    fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.chunks.split_first() else {
            return text.is_empty();
        };
        let Some(consumed) = match_at(first, text) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return consumed == text.len();
        };
        let mut pos = consumed;
        for chunk in middle {
            let mut found = None;
            let mut start = pos;
            while let Some(window) = text.get(start..) {
                if let Some(n) = match_at(chunk, window) {
                    found = Some(start + n);
                    break;
                }
                match first_char_len(window) {
                    Some(n) => start += n,
                    None => break,
                }
            }
            match found {
                Some(end) => pos = end,
                None => return false,
            }
        }
        // The last chunk is anchored at the end: it covers exactly its
        // character count, counted back from the end of the text.
        let want = chunk_chars(last);
        let Some(tail) = text.get(pos..) else {
            return false;
        };
        let tail_chars = tail.chars().count();
        if tail_chars < want {
            return false;
        }
        let skip: usize = tail
            .chars()
            .take(tail_chars - want)
            .map(char::len_utf8)
            .sum();
        tail.get(skip..)
            .is_some_and(|t| match_at(last, t) == Some(t.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).matches(t)
    }

    #[test]
    fn literal_star_and_question() {
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
        assert!(m("*", ""));
        assert!(m("a*", "a/b/c"));
        assert!(m("*c", "abc"));
        assert!(!m("*c", "abd"));
        assert!(m("a*c", "a/x/c"));
        assert!(m("a?c", "a/c"));
        assert!(!m("a?c", "ac"));
        assert!(m("some/?????/topic", "some/ab/de/topic"));
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("*é?", "xéü"));
        assert!(m("?", "é"));
        assert!(!m("??", "é"));
        assert!(m("a**b", "ab"));
        assert!(m("*ab*ab", "abab"));
        assert!(m("*a?", "aab"));
        assert!(!m("", "a"));
        assert!(m("", ""));
    }

    #[test]
    fn hostile_pattern_terminates_quickly() {
        let text = "a".repeat(4000);
        let pat = "*a".repeat(100) + "b";
        assert!(!m(&pat, &text));
    }
}
