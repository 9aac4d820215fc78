//! The wildcard-filter trie of [`crate::SubscriptionIndex`]: an arena of
//! nodes with `+` / `#` links and one hash table of literal edges.

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

/// A literal edge: the key (parent, level id) is stored with the child, so
/// a look-up reads no node and growing the table rehashes without touching
/// the node arena.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
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
    hasher: RandomState,
    free: u32,
}

/// The root node of a trie.
pub(super) const ROOT: u32 = 0;

impl Trie {
    pub(super) fn new() -> Self {
        Self {
            nodes: alloc::vec![Node::new(NONE, NONE)],
            edges: HashTable::new(),
            hasher: RandomState::default(),
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

    fn edge_hash(&self, parent: u32, level: u32) -> u64 {
        self.hasher
            .hash_one((u64::from(parent) << 32) | u64::from(level))
    }

    pub(super) fn child(&self, parent: u32, level: u32) -> Option<u32> {
        self.edges
            .find(self.edge_hash(parent, level), |e| {
                e.parent == parent && e.level == level
            })
            .map(|e| e.child)
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
        for level in filter.split('/') {
            let (link, id) = match level {
                "+" => (self.node(node).map_or(NONE, |n| n.plus), PLUS),
                // `#` is the last level (checked by `TopicFilter`).
                "#" => return Ok((node, true)),
                _ => {
                    let child = levels.get(level).and_then(|id| self.child(node, id));
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
                    let hash = self.edge_hash(node, level_id);
                    let hasher = &self.hasher;
                    let edge = Edge {
                        parent: node,
                        level: level_id,
                        child,
                    };
                    self.edges
                        .insert_unique(hash, edge, |e| edge_key(hasher, e));
                }
            }
            node = child;
        }
        Ok((node, false))
    }

    /// The node for `filter` and whether it ends in `#`, if present.
    pub(super) fn find_path(&self, levels: &Interner, filter: &str) -> Option<(u32, bool)> {
        let mut node = ROOT;
        for level in filter.split('/') {
            let n = self.node(node)?;
            node = match level {
                "+" => n.plus,
                "#" => return Some((node, true)),
                _ => self.child(node, levels.get(level)?)?,
            };
            if node == NONE {
                return None;
            }
        }
        Some((node, false))
    }

    /// Frees `node` and its ancestors while they hold nothing.
    pub(super) fn prune(&mut self, levels: &mut Interner, mut node: u32) {
        while node != ROOT {
            let Some(&n) = self.node(node) else { return };
            if !n.is_unused() {
                return;
            }
            let parent = n.parent;
            match n.level {
                PLUS => {
                    if let Some(p) = self.node_mut(parent) {
                        p.plus = NONE;
                    }
                }
                level => {
                    let hash = self.edge_hash(parent, level);
                    if let Ok(e) = self.edges.find_entry(hash, |e| e.child == node) {
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
            node = parent;
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<Node>()
            + self.edges.capacity() * (core::mem::size_of::<Edge>() + 1)
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        let hasher = &self.hasher;
        self.edges.shrink_to_fit(|e| edge_key(hasher, e));
    }
}

/// The table hash of an edge, from its key.
fn edge_key(hasher: &RandomState, e: &Edge) -> u64 {
    hasher.hash_one((u64::from(e.parent) << 32) | u64::from(e.level))
}
