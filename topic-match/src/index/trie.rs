//! The wildcard-filter trie of [`crate::SubscriptionIndex`]: an arena of
//! nodes with `+` / `#` links and one hash table of literal edges.
//!
//! An edge is found by the *path key* of its child: a 32-bit hash of the
//! level ids on the path from the root (`+` included), each mixed with its
//! depth and a random per-trie salt, and summed. A path key depends on the topic alone, never on node
//! ids, so the walk can compute the keys of every level before it knows
//! which nodes exist, and the probes of consecutive levels do not wait on
//! one another: the CPU keeps their cache misses in flight together. The
//! key only chooses the bucket; an edge matches when its parent and level
//! id are the ones asked for, so key collisions cost time, never a wrong
//! answer. The sum is invertible, so pruning walks back up without
//! rehashing the path.

use alloc::vec::Vec;
use core::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::interner::Interner;
use super::{CapacityError, NONE, PLUS, idx, next_id};

/// One trie node: 32 bytes, aligned so that it never straddles two cache
/// lines. Literal children are found through the trie's edge table; the
/// `+` child is a direct link; the subscriptions of `{path}/#` are kept in
/// the node of `{path}` itself (`#` is always last), so reporting them
/// reads no other node.
#[derive(Debug, Clone, Copy)]
#[repr(align(32))]
pub(super) struct Node {
    pub(super) parent: u32,
    /// Interned level id, or `PLUS`; `NONE` for the root.
    pub(super) level: u32,
    pub(super) plus: u32,
    /// Head of the list of plain subscriptions (entries).
    pub(super) subs: u32,
    /// Head of the list of shared groups.
    pub(super) groups: u32,
    /// Head of the list of plain subscriptions on `{this node}/#`.
    pub(super) hash_subs: u32,
    /// Head of the list of shared groups on `{this node}/#`.
    pub(super) hash_groups: u32,
    /// Number of literal children.
    pub(super) children: u32,
}

impl Node {
    const fn new(parent: u32, level: u32) -> Self {
        Self {
            parent,
            level,
            plus: NONE,
            subs: NONE,
            groups: NONE,
            hash_subs: NONE,
            hash_groups: NONE,
            children: 0,
        }
    }

    pub(super) fn is_unused(&self) -> bool {
        self.subs == NONE
            && self.groups == NONE
            && self.children == 0
            && self.plus == NONE
            && self.hash_subs == NONE
            && self.hash_groups == NONE
    }
}

/// A literal edge: its child's path key and the (parent, level id) that
/// identify it are stored with the child, so a look-up reads no node and
/// growing the table rehashes without touching the node arena.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    key: u32,
    parent: u32,
    level: u32,
    child: u32,
}

/// An arena trie with a hash table of literal edges keyed by
/// (parent, level id).
#[derive(Debug, Clone)]
pub(super) struct Trie {
    pub(super) nodes: Vec<Node>,
    pub(super) edges: HashTable<Edge>,
    /// The path key of the root (random per trie).
    seed: u32,
    /// Random per trie and mixed into every level's term of a path key:
    /// the root key cancels out of a comparison of two keys, this does not,
    /// so which paths collide cannot be worked out in advance.
    salt: u32,
    free: u32,
}

/// The root node of a trie.
pub(super) const ROOT: u32 = 0;

impl Trie {
    pub(super) fn new() -> Self {
        let (seed, salt) = seeds();
        Self {
            nodes: alloc::vec![Node::new(NONE, NONE)],
            edges: HashTable::new(),
            seed,
            salt,
            free: NONE,
        }
    }

    /// Does the trie hold no filter at all?
    pub(super) fn is_empty(&self) -> bool {
        self.nodes.get(idx(ROOT)).is_none_or(Node::is_unused)
    }

    pub(super) fn node(&self, id: u32) -> Option<&Node> {
        self.nodes.get(idx(id))
    }

    pub(super) fn node_mut(&mut self, id: u32) -> Option<&mut Node> {
        self.nodes.get_mut(idx(id))
    }

    /// The path key of the root.
    pub(super) fn root_key(&self) -> u32 {
        self.seed
    }

    /// The literal child of `parent` on level id `level`, given the child's
    /// path key `key` (see [`Trie::step`]).
    #[inline]
    pub(super) fn child(&self, key: u32, parent: u32, level: u32) -> Option<u32> {
        self.edges
            .find(table_hash(key), |e| {
                e.key == key && e.parent == parent && e.level == level
            })
            .map(|e| e.child)
    }

    /// The path key and depth of `node`: one walk up to count the depth,
    /// one to sum the levels' mixes.
    fn key_of(&self, node: u32) -> (u32, u32) {
        let mut depth = 0u32;
        let mut n = node;
        while n != ROOT {
            let Some(x) = self.node(n) else { break };
            depth = depth.wrapping_add(1);
            n = x.parent;
        }
        let (mut key, mut d) = (self.seed, depth);
        let mut n = node;
        while n != ROOT {
            let Some(x) = self.node(n) else { break };
            key = key.wrapping_add(self.mix(x.level, d));
            d = d.wrapping_sub(1);
            n = x.parent;
        }
        (key, depth)
    }

    fn alloc(&mut self, parent: u32, level: u32) -> Result<u32, CapacityError> {
        let node = Node::new(parent, level);
        if self.free != NONE {
            let id = self.free;
            let slot = self.node_mut(id).ok_or(CapacityError)?;
            let next = slot.parent;
            *slot = node;
            self.free = next;
            Ok(id)
        } else {
            let id = next_id(self.nodes.len())?;
            self.nodes.push(node);
            Ok(id)
        }
    }

    /// Finds or creates the node for `filter`, and whether the filter ends
    /// in `#` there (then the node is the one of the parent level). Literal
    /// levels are interned once per node that holds them.
    pub(super) fn make_path(
        &mut self,
        levels: &mut Interner,
        filter: &str,
    ) -> Result<(u32, bool), CapacityError> {
        let mut node = ROOT;
        let mut key = self.seed;
        for (depth, level) in (1u32..).zip(filter.split('/')) {
            let parent_key = key;
            let (link, id) = match level {
                "+" => {
                    key = self.step(parent_key, PLUS, depth);
                    (self.node(node).map_or(NONE, |n| n.plus), PLUS)
                }
                // `#` is the last level (checked by `TopicFilter`).
                "#" => return Ok((node, true)),
                _ => {
                    let child = levels.get(level).and_then(|id| {
                        key = self.step(parent_key, id, depth);
                        self.child(key, node, id)
                    });
                    (child.unwrap_or(NONE), NONE)
                }
            };
            if link != NONE {
                node = link;
                continue;
            }
            let level_id = if id == NONE {
                levels.intern(level)?
            } else {
                id
            };
            let child = match self.alloc(node, level_id) {
                Ok(c) => c,
                Err(e) => {
                    if id == NONE {
                        levels.release(level_id);
                    }
                    return Err(e);
                }
            };
            let parent = self.node_mut(node).ok_or(CapacityError)?;
            match level_id {
                PLUS => parent.plus = child,
                _ => {
                    parent.children += 1;
                    key = self.step(parent_key, level_id, depth);
                    let edge = Edge {
                        key,
                        parent: node,
                        level: level_id,
                        child,
                    };
                    self.edges
                        .insert_unique(table_hash(key), edge, |e| table_hash(e.key));
                }
            }
            node = child;
        }
        Ok((node, false))
    }

    /// The node for `filter` and whether it ends in `#`, if present.
    pub(super) fn find_path(&self, levels: &Interner, filter: &str) -> Option<(u32, bool)> {
        let mut node = ROOT;
        let mut key = self.seed;
        for (depth, level) in (1u32..).zip(filter.split('/')) {
            let n = self.node(node)?;
            node = match level {
                "+" => {
                    key = self.step(key, PLUS, depth);
                    n.plus
                }
                "#" => return Some((node, true)),
                _ => {
                    let id = levels.get(level)?;
                    key = self.step(key, id, depth);
                    self.child(key, node, id)?
                }
            };
            if node == NONE {
                return None;
            }
        }
        Some((node, false))
    }

    /// Frees `node` and its ancestors while they hold nothing.
    pub(super) fn prune(&mut self, levels: &mut Interner, mut node: u32) {
        if self.node(node).is_none_or(|n| !n.is_unused()) {
            return;
        }
        let (mut key, mut depth) = self.key_of(node);
        while node != ROOT {
            let Some(&n) = self.node(node) else { return };
            if !n.is_unused() {
                return;
            }
            let parent = n.parent;
            let parent_key = self.unstep(key, n.level, depth);
            match n.level {
                PLUS => {
                    if let Some(p) = self.node_mut(parent) {
                        p.plus = NONE;
                    }
                }
                level => {
                    if let Ok(e) = self.edges.find_entry(table_hash(key), |e| e.child == node) {
                        e.remove();
                    }
                    if let Some(p) = self.node_mut(parent) {
                        p.children = p.children.saturating_sub(1);
                    }
                    levels.release(level);
                }
            }
            let free = self.free;
            if let Some(slot) = self.node_mut(node) {
                *slot = Node::new(free, NONE);
            }
            self.free = node;
            (node, key, depth) = (parent, parent_key, depth.wrapping_sub(1));
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<Node>()
            + self.edges.capacity() * (core::mem::size_of::<Edge>() + 1)
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.edges.shrink_to_fit(|e| table_hash(e.key));
    }
}

/// A random root key and salt for a new trie.
fn seeds() -> (u32, u32) {
    let h = RandomState::default().hash_one(0u64);
    // The two halves of the 64-bit hash; the truncations are the point.
    #[allow(clippy::cast_possible_truncation)]
    let halves = (h as u32, (h >> 32) as u32);
    halves
}

impl Trie {
    /// The term of level id `level` (or `PLUS`) at depth `depth` (the
    /// root's children are at depth 1) in a path key: a 32-bit finaliser
    /// (murmur3's) of both and the salt, so that ids and depths, small
    /// consecutive numbers, spread over the whole key space.
    #[inline]
    pub(super) fn mix(&self, level: u32, depth: u32) -> u32 {
        let mut h = level.wrapping_mul(0x9E37_79B1) ^ depth.wrapping_mul(0x85EB_CA77) ^ self.salt;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 13;
        h = h.wrapping_mul(0xC2B2_AE35);
        h ^ (h >> 16)
    }

    /// The path key of the child on level id `level` (or `PLUS`) at depth
    /// `depth` of a node whose path key is `key`.
    #[inline]
    pub(super) fn step(&self, key: u32, level: u32, depth: u32) -> u32 {
        key.wrapping_add(self.mix(level, depth))
    }

    /// The parent's path key, from the child's ([`Trie::step`] undone).
    pub(super) fn unstep(&self, key: u32, level: u32, depth: u32) -> u32 {
        key.wrapping_sub(self.mix(level, depth))
    }
}

/// The edge table's 64-bit hash of a path key: a multiply by an odd
/// constant, so the bucket bits (low) stay as spread as the key's and the
/// control byte (the top 7 bits) depends on all of them.
#[inline]
fn table_hash(key: u32) -> u64 {
    u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_keys_agree_from_the_root_and_from_the_node() {
        let mut levels = Interner::default();
        let mut trie = Trie::new();
        let (node, hash) = trie.make_path(&mut levels, "a/+/b//c/#").unwrap();
        assert!(hash);
        let mut key = trie.root_key();
        let mut parent = ROOT;
        for (depth, level) in (1u32..).zip(["a", "+", "b", "", "c"]) {
            let id = if level == "+" {
                PLUS
            } else {
                levels.get(level).unwrap()
            };
            let next = trie.step(key, id, depth);
            assert_eq!(trie.unstep(next, id, depth), key);
            parent = if id == PLUS {
                trie.node(parent).unwrap().plus
            } else {
                trie.child(next, parent, id).unwrap()
            };
            key = next;
        }
        assert_eq!(parent, node);
        assert_eq!(trie.key_of(node), (key, 5));
        // The same level at another depth has another key.
        let a = levels.get("a").unwrap();
        assert_ne!(trie.mix(a, 1), trie.mix(a, 2));
        assert_eq!(trie.find_path(&levels, "a/+/b//c/#"), Some((node, true)));
        // Pruning finds each edge again by the keys it recomputes upwards.
        trie.prune(&mut levels, node);
        assert!(trie.edges.is_empty() && trie.is_empty());
        assert_eq!(levels.get("a"), None);
    }
}
