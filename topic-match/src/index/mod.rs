//! The compiled forms: a subscription index, a retained-message index and
//! the per-client delivery merge, over an interner of level strings.

pub(crate) mod deliveries;
mod interner;
pub(crate) mod retained;
pub(crate) mod subscriptions;
mod trie;
mod values;

/// "No node / no entry" in the `u32` links of the arenas.
const NONE: u32 = u32::MAX;
/// The level id of a `+` node.
const PLUS: u32 = u32::MAX - 1;
/// Largest id an arena or the interner hands out.
const MAX_ID: u32 = u32::MAX - 3;

/// An index ran out of 32-bit ids (more than about 4 billion nodes, levels
/// or subscriptions): the insert was not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("index capacity exhausted: more than 4,294,967,292 nodes, levels or entries")]
#[non_exhaustive]
pub struct CapacityError;

/// The next id for an arena of `len` items, if one is left.
fn next_id(len: usize) -> Result<u32, CapacityError> {
    u32::try_from(len)
        .ok()
        .filter(|&id| id <= MAX_ID)
        .ok_or(CapacityError)
}

/// Index into a slice by a `u32` id.
fn idx(id: u32) -> usize {
    // u32 always fits in usize on the 32- and 64-bit targets we support.
    id as usize
}

/// Start of the level before the one starting at `pos` (which must be at
/// least 1): the levels of `s` are separated by `/`, and `pos == s.len() + 1`
/// stands for "after the last level".
fn prev_level_start(s: &str, pos: usize) -> usize {
    s.get(..pos.saturating_sub(1))
        .and_then(|head| head.rfind('/'))
        .map_or(0, |i| i + 1)
}

/// The level of `s` that starts at `pos`, and where the next one starts.
fn level_at(s: &str, pos: usize) -> (&str, usize) {
    let rest = s.get(pos..).unwrap_or_default();
    match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or_default(), pos + i + 1),
        None => (rest, s.len() + 1),
    }
}
