//! [`RetainedIndex`]: which retained messages does a new subscription get?
//!
//! A trie of topic names whose nodes keep first-child / sibling links, so
//! a filter walks only the branches it can match: literal levels through
//! the edge table, `+` over the children of one node, `#` over one subtree.
//! The walk uses parent links instead of a stack.

use alloc::string::String;
use alloc::vec::Vec;
use core::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::interner::Interner;
use super::{CapacityError, NONE, idx, level_at, next_id, prev_level_start};
use crate::{TopicFilter, TopicName};

#[derive(Debug, Clone)]
struct Node<T> {
    parent: u32,
    level: u32,
    first_child: u32,
    next_sibling: u32,
    prev_sibling: u32,
    value: Option<T>,
}

impl<T> Node<T> {
    const fn new(parent: u32, level: u32) -> Self {
        Self {
            parent,
            level,
            first_child: NONE,
            next_sibling: NONE,
            prev_sibling: NONE,
            value: None,
        }
    }
}

const ROOT: u32 = 0;

/// Appends a level to the topic `path` at `depth` levels.
fn push_level(path: &mut String, depth: &mut usize, level: &str) {
    if *depth > 0 {
        path.push('/');
    }
    path.push_str(level);
    *depth += 1;
}

/// Drops the last level of the topic `path` (levels hold no `/`).
fn pop_level(path: &mut String, depth: &mut usize) {
    let keep = path.rfind('/').unwrap_or(0);
    path.truncate(keep);
    *depth = depth.saturating_sub(1);
}

/// Retained messages by topic name, with look-up by topic filter that
/// visits only the matching branches.
///
/// ```
/// use topic_match::{RetainedIndex, TopicFilter, TopicName};
///
/// let mut retained = RetainedIndex::new();
/// retained.insert(&TopicName::new("building/1/temp")?, "21.5")?;
/// retained.insert(&TopicName::new("building/2/temp")?, "19.0")?;
/// retained.insert(&TopicName::new("building/2/humidity")?, "40")?;
///
/// let mut temps = Vec::new();
/// retained.for_each_match(&TopicFilter::new("building/+/temp")?, |v| temps.push(*v));
/// temps.sort();
/// assert_eq!(temps, ["19.0", "21.5"]);
///
/// // An empty retained payload deletes the message (MQTT-3.3.1-10).
/// assert_eq!(retained.remove(&TopicName::new("building/2/temp")?), Some("19.0"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Like [`crate::SubscriptionIndex`], it is `Send + Sync` when `T` is and
/// looks up through `&self`.
#[derive(Debug, Clone)]
pub struct RetainedIndex<T> {
    levels: Interner,
    nodes: Vec<Node<T>>,
    edges: HashTable<u32>,
    hasher: RandomState,
    free: u32,
    len: usize,
}

impl<T> Default for RetainedIndex<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> RetainedIndex<T> {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self {
            levels: Interner::default(),
            nodes: alloc::vec![Node::new(NONE, NONE)],
            edges: HashTable::new(),
            hasher: RandomState::default(),
            free: NONE,
            len: 0,
        }
    }

    /// Number of retained messages.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Is the index empty?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn node(&self, id: u32) -> Option<&Node<T>> {
        self.nodes.get(idx(id))
    }

    fn node_mut(&mut self, id: u32) -> Option<&mut Node<T>> {
        self.nodes.get_mut(idx(id))
    }

    fn edge_hash(&self, parent: u32, level: u32) -> u64 {
        self.hasher
            .hash_one((u64::from(parent) << 32) | u64::from(level))
    }

    fn child(&self, parent: u32, level: u32) -> Option<u32> {
        let nodes = &self.nodes;
        self.edges
            .find(self.edge_hash(parent, level), |&c| {
                nodes
                    .get(idx(c))
                    .is_some_and(|n| n.parent == parent && n.level == level)
            })
            .copied()
    }

    fn find(&self, topic: &str) -> Option<u32> {
        let mut node = ROOT;
        for level in topic.split('/') {
            node = self.child(node, self.levels.get(level)?)?;
        }
        Some(node)
    }

    /// Stores `value` as the retained message of `topic`; returns the one
    /// it replaces.
    ///
    /// # Errors
    /// [`CapacityError`](crate::CapacityError) when the 32-bit ids are exhausted.
    pub fn insert(&mut self, topic: &TopicName, value: T) -> Result<Option<T>, CapacityError> {
        let mut node = ROOT;
        for level in topic.levels() {
            if let Some(c) = self.levels.get(level).and_then(|id| self.child(node, id)) {
                node = c;
                continue;
            }
            let id = self.levels.intern(level)?;
            let child = match self.alloc(node, id) {
                Ok(c) => c,
                Err(e) => {
                    self.levels.release(id);
                    return Err(e);
                }
            };
            // Link as the first child of `node`.
            let old_first = self.node(node).map_or(NONE, |n| n.first_child);
            if let Some(c) = self.node_mut(child) {
                c.next_sibling = old_first;
            }
            if let Some(o) = self.node_mut(old_first) {
                o.prev_sibling = child;
            }
            if let Some(p) = self.node_mut(node) {
                p.first_child = child;
            }
            let hash = self.edge_hash(node, id);
            let (nodes, hasher) = (&self.nodes, &self.hasher);
            self.edges.insert_unique(hash, child, |&c| {
                let n = nodes.get(idx(c)).map_or((0, 0), |n| (n.parent, n.level));
                hasher.hash_one((u64::from(n.0) << 32) | u64::from(n.1))
            });
            node = child;
        }
        let old = self.node_mut(node).and_then(|n| n.value.replace(value));
        if old.is_none() {
            self.len += 1;
        }
        Ok(old)
    }

    fn alloc(&mut self, parent: u32, level: u32) -> Result<u32, CapacityError> {
        if self.free != NONE {
            let id = self.free;
            let slot = self.node_mut(id).ok_or(CapacityError)?;
            let next = slot.parent;
            *slot = Node::new(parent, level);
            self.free = next;
            Ok(id)
        } else {
            let id = next_id(self.nodes.len())?;
            self.nodes.push(Node::new(parent, level));
            Ok(id)
        }
    }

    /// The retained message of `topic`.
    #[must_use]
    pub fn get(&self, topic: &TopicName) -> Option<&T> {
        self.node(self.find(topic.as_str())?)?.value.as_ref()
    }

    /// Removes the retained message of `topic` and returns it.
    pub fn remove(&mut self, topic: &TopicName) -> Option<T> {
        let node = self.find(topic.as_str())?;
        let value = self.node_mut(node)?.value.take()?;
        self.len -= 1;
        self.prune(node);
        Some(value)
    }

    /// Keeps only the retained messages for which `keep(topic, value)`
    /// returns true, for instance to purge expired messages (MQTT 5.0
    /// §3.3.2.3.3: a retained message whose Message Expiry Interval has
    /// passed must not be sent). Visits every stored message once, in no
    /// particular order, and frees the nodes left empty.
    ///
    /// ```
    /// use topic_match::{RetainedIndex, TopicFilter, TopicName};
    ///
    /// let mut retained = RetainedIndex::new();
    /// // (payload, expiry time)
    /// retained.insert(&TopicName::new("a/b")?, ("on", 10))?;
    /// retained.insert(&TopicName::new("a/c")?, ("off", 30))?;
    /// retained.insert(&TopicName::new("d")?, ("idle", 5))?;
    ///
    /// let now = 20;
    /// retained.retain(|_topic, (_, expires)| *expires > now);
    /// assert_eq!(retained.len(), 1);
    /// assert_eq!(retained.get(&TopicName::new("a/c")?), Some(&("off", 30)));
    ///
    /// retained.retain(|topic, _| topic != "a/c");
    /// assert!(retained.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut T) -> bool) {
        // Pre-order walk with parent links; `path` is the topic of `cur`.
        let mut path = String::new();
        let mut drop_ids = Vec::new();
        let mut cur = self.node(ROOT).map_or(NONE, |n| n.first_child);
        let mut depth = 0usize;
        if cur != NONE {
            push_level(
                &mut path,
                &mut depth,
                self.levels.resolve(self.level_of(cur)),
            );
        }
        while cur != NONE {
            let levels = &self.levels;
            let Some(n) = self.nodes.get_mut(idx(cur)) else {
                break;
            };
            if let Some(v) = &mut n.value
                && !keep(&path, v)
            {
                drop_ids.push(cur);
            }
            if n.first_child != NONE {
                cur = n.first_child;
                push_level(&mut path, &mut depth, levels.resolve(self.level_of(cur)));
                continue;
            }
            // Climb until a node has a next sibling (or the root is reached).
            loop {
                let Some(n) = self.node(cur) else {
                    cur = NONE;
                    break;
                };
                pop_level(&mut path, &mut depth);
                if n.next_sibling != NONE {
                    cur = n.next_sibling;
                    push_level(
                        &mut path,
                        &mut depth,
                        self.levels.resolve(self.level_of(cur)),
                    );
                    break;
                }
                cur = n.parent;
                if cur == ROOT {
                    cur = NONE;
                    break;
                }
            }
        }
        // Pruning frees only nodes without a value and without children, so
        // the nodes still listed here stay in place until their turn.
        for id in drop_ids {
            if self.node_mut(id).and_then(|n| n.value.take()).is_some() {
                self.len -= 1;
                self.prune(id);
            }
        }
    }

    fn level_of(&self, node: u32) -> u32 {
        self.node(node).map_or(NONE, |n| n.level)
    }

    /// Frees `node` and its ancestors while they hold no value and no child.
    fn prune(&mut self, mut node: u32) {
        while node != ROOT {
            let Some(n) = self.node(node) else { break };
            if n.value.is_some() || n.first_child != NONE {
                break;
            }
            let (parent, level, prev, next) = (n.parent, n.level, n.prev_sibling, n.next_sibling);
            if let Some(p) = self.node_mut(prev) {
                p.next_sibling = next;
            } else if let Some(p) = self.node_mut(parent) {
                p.first_child = next;
            }
            if let Some(nx) = self.node_mut(next) {
                nx.prev_sibling = prev;
            }
            let hash = self.edge_hash(parent, level);
            if let Ok(e) = self.edges.find_entry(hash, |&c| c == node) {
                e.remove();
            }
            self.levels.release(level);
            let free = self.free;
            if let Some(slot) = self.node_mut(node) {
                *slot = Node::new(free, NONE);
            }
            self.free = node;
            node = parent;
        }
    }

    /// Is `node` a child of the root whose level starts with `$`? Wildcards
    /// at the first level do not match such topics (MQTT-4.7.2-1).
    fn is_dollar_top(&self, node: &Node<T>) -> bool {
        node.parent == ROOT && self.levels.resolve(node.level).starts_with('$')
    }

    /// The first of `start` and its next siblings that a wildcard may enter.
    fn wild_sibling(&self, mut start: u32) -> u32 {
        while let Some(n) = self.node(start) {
            if !self.is_dollar_top(n) {
                return start;
            }
            start = n.next_sibling;
        }
        NONE
    }

    /// Calls `f` with every value stored under `sub` (excluding `sub`).
    fn visit_subtree<'a>(&'a self, sub: u32, f: &mut impl FnMut(&'a T)) {
        let Some(s) = self.node(sub) else { return };
        let mut cur = self.wild_sibling(s.first_child);
        while let Some(n) = self.node(cur) {
            if let Some(v) = &n.value {
                f(v);
            }
            if n.first_child != NONE {
                cur = n.first_child;
                continue;
            }
            // Climb until a next sibling exists or the subtree is done.
            loop {
                let Some(c) = self.node(cur) else { return };
                if c.parent == sub {
                    cur = if sub == ROOT {
                        self.wild_sibling(c.next_sibling)
                    } else {
                        c.next_sibling
                    };
                    break;
                }
                if c.next_sibling != NONE {
                    cur = c.next_sibling;
                    break;
                }
                cur = c.parent;
            }
        }
    }

    /// Calls `f` with every retained message whose topic matches `filter`.
    /// Only branches the filter can match are visited; allocates nothing.
    pub fn for_each_match<'a>(&'a self, filter: &TopicFilter, mut f: impl FnMut(&'a T)) {
        let filter = filter.as_str();
        let end = filter.len() + 1;
        let (mut node, mut depth, mut pos, mut entering) = (ROOT, 0usize, 0usize, true);
        loop {
            let Some(n) = self.node(node) else { return };
            if entering {
                entering = false;
                if pos >= end {
                    if let Some(v) = &n.value {
                        f(v);
                    }
                } else {
                    let (level, next) = level_at(filter, pos);
                    match level {
                        "#" => {
                            // `#` also matches the parent level.
                            if let Some(v) = &n.value {
                                f(v);
                            }
                            self.visit_subtree(node, &mut f);
                        }
                        "+" => {
                            let first = if depth == 0 {
                                self.wild_sibling(n.first_child)
                            } else {
                                n.first_child
                            };
                            if first != NONE {
                                (node, depth, pos, entering) = (first, depth + 1, next, true);
                            }
                        }
                        _ => {
                            if let Some(c) =
                                self.levels.get(level).and_then(|id| self.child(node, id))
                            {
                                (node, depth, pos, entering) = (c, depth + 1, next, true);
                            }
                        }
                    }
                }
                continue;
            }
            // Leaving `node`: under a `+` level move on to the next sibling.
            if node == ROOT {
                return;
            }
            let parent_pos = prev_level_start(filter, pos);
            if level_at(filter, parent_pos).0 == "+" {
                let sib = if depth == 1 {
                    self.wild_sibling(n.next_sibling)
                } else {
                    n.next_sibling
                };
                if sib != NONE {
                    (node, entering) = (sib, true);
                    continue;
                }
            }
            (node, depth, pos) = (n.parent, depth - 1, parent_pos);
        }
    }

    /// Heap bytes held by the index structure (values' inline size included).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.levels.heap_bytes()
            + self.nodes.capacity() * core::mem::size_of::<Node<T>>()
            + self.edges.capacity() * (core::mem::size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_false_frees_every_node_and_level() {
        let mut index = RetainedIndex::new();
        for t in ["a/b", "a/b/c", "/", "$SYS/x", "a//b", "z"] {
            index.insert(&TopicName::new(t).unwrap(), ()).unwrap();
        }
        let mut seen = Vec::new();
        index.retain(|t, ()| {
            seen.push(String::from(t));
            true
        });
        seen.sort();
        assert_eq!(seen, ["$SYS/x", "/", "a//b", "a/b", "a/b/c", "z"]);
        index.retain(|t, ()| t.len() > 1);
        assert_eq!(index.len(), 4);
        index.retain(|_, ()| false);
        assert!(index.is_empty());
        assert_eq!(index.edges.len(), 0);
        assert_eq!(index.levels.get("a"), None);
        let root = index.node(ROOT).unwrap();
        assert_eq!(root.first_child, NONE);
    }
}
