//! Interned level strings: each distinct level is stored once, in one
//! buffer, and named by a `u32` id; reference counts free unused levels.

use alloc::string::String;
use alloc::vec::Vec;
use core::hash::{BuildHasher, Hasher};

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::{CapacityError, NONE, idx, next_id};

#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
    /// Number of holders; 0 marks a free id (then `start` links the free list).
    refs: u32,
}

/// A string interner with reference counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    buf: String,
    spans: Vec<Span>,
    table: HashTable<u32>,
    hasher: RandomState,
    free: u32,
    has_free: bool,
    garbage: usize,
}

impl Interner {
    /// The table hash of `s`: its bytes in one `write` (no length or
    /// terminator: a table only compares strings of one interner).
    pub(crate) fn hash(&self, s: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(s.as_bytes());
        h.finish()
    }

    /// The bytes of a live id, without the UTF-8 boundary checks of
    /// [`Interner::resolve`] (for comparisons).
    #[inline]
    fn bytes(&self, id: u32) -> &[u8] {
        self.spans
            .get(idx(id))
            .and_then(|sp| {
                self.buf
                    .as_bytes()
                    .get(idx(sp.start)..idx(sp.start) + idx(sp.len))
            })
            .unwrap_or_default()
    }

    /// The text of a live id.
    pub(crate) fn resolve(&self, id: u32) -> &str {
        self.spans
            .get(idx(id))
            .and_then(|sp| self.buf.get(idx(sp.start)..idx(sp.start) + idx(sp.len)))
            .unwrap_or_default()
    }

    /// The id of `s`, if interned.
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.get_hashed(s, self.hash(s))
    }

    pub(crate) fn get_hashed(&self, s: &str, hash: u64) -> Option<u32> {
        let s = s.as_bytes();
        self.table.find(hash, |&id| self.bytes(id) == s).copied()
    }

    /// The id of `s`, interning it if needed; takes one reference.
    pub(crate) fn intern(&mut self, s: &str) -> Result<u32, CapacityError> {
        let hash = self.hash(s);
        if let Some(id) = self.get_hashed(s, hash) {
            if let Some(sp) = self.spans.get_mut(idx(id)) {
                sp.refs = sp.refs.saturating_add(1);
            }
            return Ok(id);
        }
        let start = next_id(self.buf.len())?;
        let len = u32::try_from(s.len()).map_err(|_| CapacityError)?;
        next_id(self.buf.len() + s.len())?;
        let span = Span {
            start,
            len,
            refs: 1,
        };
        let id = if self.has_free {
            let id = self.free;
            let slot = self.spans.get_mut(idx(id)).ok_or(CapacityError)?;
            self.free = slot.start;
            self.has_free = self.free != NONE;
            *slot = span;
            id
        } else {
            let id = next_id(self.spans.len())?;
            self.spans.push(span);
            id
        };
        self.buf.push_str(s);
        let (spans, buf, hasher) = (&self.spans, &self.buf, &self.hasher);
        self.table
            .insert_unique(hash, id, |&k| rehash(spans, buf, hasher, k));
        Ok(id)
    }

    /// Drops one reference to `id`; frees the level when none is left.
    pub(crate) fn release(&mut self, id: u32) {
        let Some(sp) = self.spans.get_mut(idx(id)) else {
            return;
        };
        sp.refs = sp.refs.saturating_sub(1);
        if sp.refs > 0 {
            return;
        }
        let len = idx(sp.len);
        let hash = self.hash(self.resolve(id));
        if let Ok(entry) = self.table.find_entry(hash, |&k| k == id) {
            entry.remove();
        }
        if let Some(sp) = self.spans.get_mut(idx(id)) {
            sp.start = if self.has_free { self.free } else { NONE };
            sp.len = 0;
        }
        self.free = id;
        self.has_free = true;
        self.garbage += len;
        if self.garbage > 4096 && self.garbage * 2 > self.buf.len() {
            self.compact();
        }
    }

    /// Rewrites the buffer without the text of freed levels. Ids and hashes
    /// do not change.
    fn compact(&mut self) {
        let mut buf = String::with_capacity(self.buf.len() - self.garbage);
        for sp in &mut self.spans {
            if sp.refs == 0 {
                continue;
            }
            let text = self
                .buf
                .get(idx(sp.start)..idx(sp.start) + idx(sp.len))
                .unwrap_or_default();
            // The new buffer is shorter than the old one, so this fits.
            sp.start = u32::try_from(buf.len()).unwrap_or(sp.start);
            buf.push_str(text);
        }
        self.buf = buf;
        self.garbage = 0;
    }

    /// Heap bytes held (capacity, not length).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity()
            + self.spans.capacity() * core::mem::size_of::<Span>()
            + self.table.capacity() * (core::mem::size_of::<u32>() + 1)
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.spans.shrink_to_fit();
        let (spans, buf, hasher) = (&self.spans, &self.buf, &self.hasher);
        self.table.shrink_to_fit(|&k| rehash(spans, buf, hasher, k));
    }
}

/// [`Interner::hash`] of the text of id `k`, for the table's resizes.
fn rehash(spans: &[Span], buf: &str, hasher: &RandomState, k: u32) -> u64 {
    let text = spans
        .get(idx(k))
        .and_then(|sp| {
            buf.as_bytes()
                .get(idx(sp.start)..idx(sp.start) + idx(sp.len))
        })
        .unwrap_or_default();
    let mut h = hasher.build_hasher();
    h.write(text);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_release_reuse_and_compact() {
        let mut i = Interner::default();
        let a = i.intern("alpha").unwrap();
        let a2 = i.intern("alpha").unwrap();
        assert_eq!(a, a2);
        let b = i.intern("beta").unwrap();
        assert_ne!(a, b);
        assert_eq!(i.resolve(b), "beta");
        i.release(a);
        assert_eq!(i.get("alpha"), Some(a), "one reference left");
        i.release(a);
        assert_eq!(i.get("alpha"), None);
        let c = i.intern("gamma").unwrap();
        assert_eq!(c, a, "freed id reused");
        // Force a compaction and check every live level survives it.
        let big: Vec<String> = (0..2000).map(|n| format!("level-{n}")).collect();
        let ids: Vec<u32> = big.iter().map(|s| i.intern(s).unwrap()).collect();
        for id in ids.iter().step_by(2) {
            i.release(*id);
        }
        for (n, id) in ids.iter().enumerate().skip(1).step_by(2) {
            assert_eq!(i.resolve(*id), big[n]);
            assert_eq!(i.get(&big[n]), Some(*id));
        }
        assert_eq!(i.resolve(b), "beta");
        assert_eq!(i.resolve(c), "gamma");
    }
}
