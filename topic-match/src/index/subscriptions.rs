//! [`SubscriptionIndex`]: which subscriptions does a PUBLISH reach?
//!
//! Two tries over one level interner: `exact` holds wildcard-free filters
//! and is walked along literal edges only; `wild` holds filters with `+` or
//! `#` and is walked depth-first with parent links instead of a stack, so a
//! match allocates nothing and recursion depth is zero whatever the topic.

use alloc::vec::Vec;
use core::hash::BuildHasher;
use core::iter::FusedIterator;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::interner::Interner;
use super::{CapacityError, HASH, NONE, PLUS, idx, level_at, next_id, prev_level_start};
use crate::{SharedSubscription, SubscribeFilter, TopicFilter, TopicName};

/// One trie node: 28 bytes. Literal children are found through the trie's
/// edge table; `+` and `#` children are direct links.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    /// Interned level id, or `PLUS` / `HASH`; `NONE` for the root.
    level: u32,
    plus: u32,
    hash: u32,
    /// Head of the list of plain subscriptions (entries).
    subs: u32,
    /// Head of the list of shared groups.
    groups: u32,
    /// Number of literal children.
    children: u32,
}

impl Node {
    const fn new(parent: u32, level: u32) -> Self {
        Self {
            parent,
            level,
            plus: NONE,
            hash: NONE,
            subs: NONE,
            groups: NONE,
            children: 0,
        }
    }

    fn is_unused(&self) -> bool {
        self.subs == NONE
            && self.groups == NONE
            && self.children == 0
            && self.plus == NONE
            && self.hash == NONE
    }
}

/// An arena trie with a hash table of literal edges keyed by
/// (parent, level id); the table stores only the child id (4 bytes).
#[derive(Debug, Clone)]
struct Trie {
    nodes: Vec<Node>,
    edges: HashTable<u32>,
    hasher: RandomState,
    free: u32,
}

const ROOT: u32 = 0;

impl Trie {
    fn new() -> Self {
        Self {
            nodes: alloc::vec![Node::new(NONE, NONE)],
            edges: HashTable::new(),
            hasher: RandomState::default(),
            free: NONE,
        }
    }

    fn node(&self, id: u32) -> Option<&Node> {
        self.nodes.get(idx(id))
    }

    fn node_mut(&mut self, id: u32) -> Option<&mut Node> {
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

    /// Finds or creates the node for `filter`. Literal levels are interned
    /// once per node that holds them.
    fn make_path(&mut self, levels: &mut Interner, filter: &str) -> Result<u32, CapacityError> {
        let mut node = ROOT;
        for level in filter.split('/') {
            let (link, id) = match level {
                "+" => (self.node(node).map_or(NONE, |n| n.plus), PLUS),
                "#" => (self.node(node).map_or(NONE, |n| n.hash), HASH),
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
                HASH => parent.hash = child,
                _ => {
                    parent.children += 1;
                    let hash = self.edge_hash(node, level_id);
                    let (nodes, hasher) = (&self.nodes, &self.hasher);
                    self.edges.insert_unique(hash, child, |&c| {
                        let n = nodes.get(idx(c)).map_or((0, 0), |n| (n.parent, n.level));
                        hasher.hash_one((u64::from(n.0) << 32) | u64::from(n.1))
                    });
                }
            }
            node = child;
        }
        Ok(node)
    }

    /// The node for `filter`, if present.
    fn find_path(&self, levels: &Interner, filter: &str) -> Option<u32> {
        let mut node = ROOT;
        for level in filter.split('/') {
            let n = self.node(node)?;
            node = match level {
                "+" => n.plus,
                "#" => n.hash,
                _ => self.child(node, levels.get(level)?)?,
            };
            if node == NONE {
                return None;
            }
        }
        Some(node)
    }

    /// Frees `node` and its ancestors while they hold nothing.
    fn prune(&mut self, levels: &mut Interner, mut node: u32) {
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
                HASH => {
                    if let Some(p) = self.node_mut(parent) {
                        p.hash = NONE;
                    }
                }
                level => {
                    let hash = self.edge_hash(parent, level);
                    if let Ok(e) = self.edges.find_entry(hash, |&c| c == node) {
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

    fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<Node>()
            + self.edges.capacity() * (core::mem::size_of::<u32>() + 1)
    }

    fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.edges.shrink_to_fit(|&c| {
            let n = nodes.get(idx(c)).map_or((0, 0), |n| (n.parent, n.level));
            hasher.hash_one((u64::from(n.0) << 32) | u64::from(n.1))
        });
    }
}

/// How many topic levels [`SubscriptionIndex::for_each_match`] resolves to
/// interned ids up front (on the stack); deeper levels are looked up when
/// reached.
const CACHED_LEVELS: usize = 16;

/// Interned ids of a topic's first levels; `NONE` for a level that is not
/// interned (no filter has it, so no literal edge can match it).
struct LevelIds {
    ids: [u32; CACHED_LEVELS],
}

/// A slot of the entry arena: a subscriber value in a singly linked list.
#[derive(Debug, Clone)]
enum Slot<T> {
    Used { value: T, next: u32 },
    Free { next: u32 },
}

/// A shared subscription group at one node: (ShareName, filter).
#[derive(Debug, Clone, Copy)]
struct Group {
    name: u32,
    members: u32,
    len: u32,
    next: u32,
}

/// What [`SubscriptionIndex::for_each_match`] reports for a topic.
#[derive(Debug)]
#[non_exhaustive]
pub enum Match<'a, T> {
    /// An ordinary subscription whose filter matches.
    Subscriber(&'a T),
    /// A shared subscription whose filter matches: the broker delivers to
    /// one member of the group.
    Shared(SharedGroup<'a, T>),
}

/// A shared subscription group (ShareName and filter) that matched.
#[derive(Debug)]
pub struct SharedGroup<'a, T> {
    name: &'a str,
    len: u32,
    head: u32,
    entries: &'a [Slot<T>],
}

impl<'a, T> SharedGroup<'a, T> {
    /// The ShareName.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The number of members (at least 1).
    #[must_use]
    pub fn len(&self) -> usize {
        idx(self.len)
    }

    /// Always false: empty groups are removed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The members, most recently subscribed first.
    #[must_use]
    pub fn members(&self) -> SharedMembers<'a, T> {
        SharedMembers {
            next: self.head,
            entries: self.entries,
        }
    }
}

/// Iterator over the members of a [`SharedGroup`].
#[derive(Debug)]
pub struct SharedMembers<'a, T> {
    next: u32,
    entries: &'a [Slot<T>],
}

impl<'a, T> Iterator for SharedMembers<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        match self.entries.get(idx(self.next))? {
            Slot::Used { value, next } => {
                self.next = *next;
                Some(value)
            }
            Slot::Free { .. } => None,
        }
    }
}

impl<T> FusedIterator for SharedMembers<'_, T> {}

/// An index of subscriptions `(filter, value)` that finds, for a topic,
/// every subscription whose filter matches it.
///
/// - Parse once, match many times: filters are validated types, matching
///   takes a [`TopicName`] and cannot fail.
/// - Wildcard-free filters live in their own trie walked along literal
///   edges only, so they never pay for wildcard handling.
/// - Matching visits every matching subscription through a callback and
///   allocates nothing; shared subscriptions are reported once per group.
/// - Compact: interned level strings, 28-byte nodes in an arena, 4-byte
///   edge-table entries, 32-bit links.
/// - The index holds a multiset: inserting the same `(filter, value)` twice
///   keeps both.
///
/// ```
/// use topic_match::{Match, SubscriptionIndex, TopicFilter, TopicName};
///
/// let mut index = SubscriptionIndex::new();
/// index.insert(&TopicFilter::new("building/+/temp")?, "dashboard")?;
/// index.insert(&TopicFilter::new("building/7/temp")?, "thermostat")?;
/// index.insert(&TopicFilter::new("#")?, "logger")?;
///
/// let mut seen = Vec::new();
/// index.for_each_match(&TopicName::new("building/7/temp")?, |m| {
///     if let Match::Subscriber(who) = m {
///         seen.push(*who);
///     }
/// });
/// seen.sort();
/// assert_eq!(seen, ["dashboard", "logger", "thermostat"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Concurrency
///
/// The index is `Send + Sync` when `T` is, and matching takes `&self`. The
/// intended pattern is a read/write lock: many router threads match under
/// the read lock; SUBSCRIBE and UNSUBSCRIBE take the write lock briefly.
/// With rare changes and very hot matching, clone the index, change the
/// clone and swap it in behind an `Arc` instead.
///
/// ```
/// use std::sync::{Arc, RwLock};
/// use topic_match::{SubscriptionIndex, TopicFilter, TopicName};
///
/// let index = Arc::new(RwLock::new(SubscriptionIndex::<u32>::new()));
/// index.write().unwrap().insert(&TopicFilter::new("a/+")?, 1)?;
///
/// let reader = Arc::clone(&index);
/// let hits = std::thread::spawn(move || {
///     let topic = TopicName::new("a/b").unwrap();
///     let mut n = 0;
///     reader.read().unwrap().for_each_match(&topic, |_| n += 1);
///     n
/// })
/// .join()
/// .unwrap();
/// assert_eq!(hits, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SubscriptionIndex<T> {
    levels: Interner,
    exact: Trie,
    wild: Trie,
    entries: Vec<Slot<T>>,
    free_entry: u32,
    groups: Vec<Group>,
    free_group: u32,
    len: usize,
}

impl<T> Default for SubscriptionIndex<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SubscriptionIndex<T> {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self {
            levels: Interner::default(),
            exact: Trie::new(),
            wild: Trie::new(),
            entries: Vec::new(),
            free_entry: NONE,
            groups: Vec::new(),
            free_group: NONE,
            len: 0,
        }
    }

    /// Number of subscriptions (shared members included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Is the index empty?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn trie(&self, filter: &TopicFilter) -> &Trie {
        if filter.has_wildcards() {
            &self.wild
        } else {
            &self.exact
        }
    }

    fn path(&mut self, filter: &TopicFilter) -> Result<u32, CapacityError> {
        let trie = if filter.has_wildcards() {
            &mut self.wild
        } else {
            &mut self.exact
        };
        trie.make_path(&mut self.levels, filter.as_str())
    }

    fn prune(&mut self, filter: &TopicFilter, node: u32) {
        let trie = if filter.has_wildcards() {
            &mut self.wild
        } else {
            &mut self.exact
        };
        trie.prune(&mut self.levels, node);
    }

    fn node_mut(&mut self, filter: &TopicFilter, node: u32) -> Option<&mut Node> {
        if filter.has_wildcards() {
            self.wild.node_mut(node)
        } else {
            self.exact.node_mut(node)
        }
    }

    fn alloc_entry(&mut self, value: T, next: u32) -> Result<u32, CapacityError> {
        let slot = Slot::Used { value, next };
        if self.free_entry != NONE {
            let id = self.free_entry;
            let cell = self.entries.get_mut(idx(id)).ok_or(CapacityError)?;
            self.free_entry = match cell {
                Slot::Free { next } => *next,
                Slot::Used { .. } => NONE,
            };
            *cell = slot;
            Ok(id)
        } else {
            let id = next_id(self.entries.len())?;
            self.entries.push(slot);
            Ok(id)
        }
    }

    fn free_entry_slot(&mut self, id: u32) -> Option<T> {
        let cell = self.entries.get_mut(idx(id))?;
        let old = core::mem::replace(
            cell,
            Slot::Free {
                next: self.free_entry,
            },
        );
        self.free_entry = id;
        match old {
            Slot::Used { value, .. } => Some(value),
            Slot::Free { .. } => None,
        }
    }

    fn entry_next(&self, id: u32) -> u32 {
        match self.entries.get(idx(id)) {
            Some(Slot::Used { next, .. }) => *next,
            _ => NONE,
        }
    }

    fn set_entry_next(&mut self, id: u32, to: u32) {
        if let Some(Slot::Used { next, .. }) = self.entries.get_mut(idx(id)) {
            *next = to;
        }
    }

    /// Adds the subscription `(filter, value)`.
    ///
    /// # Errors
    /// [`CapacityError`](crate::CapacityError) when the 32-bit ids are exhausted; the index is
    /// unchanged apart from possibly an empty path node.
    pub fn insert(&mut self, filter: &TopicFilter, value: T) -> Result<(), CapacityError> {
        let node = self.path(filter)?;
        let head = self.node_mut(filter, node).map_or(NONE, |n| n.subs);
        let entry = self.alloc_entry(value, head)?;
        if let Some(n) = self.node_mut(filter, node) {
            n.subs = entry;
        }
        self.len += 1;
        Ok(())
    }

    /// Adds `value` as a member of the shared subscription `shared`.
    ///
    /// # Errors
    /// [`CapacityError`](crate::CapacityError) when the 32-bit ids are exhausted.
    pub fn insert_shared(
        &mut self,
        shared: &SharedSubscription,
        value: T,
    ) -> Result<(), CapacityError> {
        let filter = shared.filter();
        let node = self.path(filter)?;
        let name = self.levels.intern(shared.group())?;
        let mut group = self.node_mut(filter, node).map_or(NONE, |n| n.groups);
        while group != NONE {
            let Some(g) = self.groups.get(idx(group)) else {
                break;
            };
            if g.name == name {
                break;
            }
            group = g.next;
        }
        if group == NONE {
            let head = self.node_mut(filter, node).map_or(NONE, |n| n.groups);
            let g = Group {
                name,
                members: NONE,
                len: 0,
                next: head,
            };
            group = if self.free_group != NONE {
                let id = self.free_group;
                if let Some(cell) = self.groups.get_mut(idx(id)) {
                    self.free_group = cell.next;
                    *cell = g;
                }
                id
            } else {
                let id = next_id(self.groups.len())?;
                self.groups.push(g);
                id
            };
            if let Some(n) = self.node_mut(filter, node) {
                n.groups = group;
            }
        } else {
            // The group already holds a reference to its name.
            self.levels.release(name);
        }
        let head = self.groups.get(idx(group)).map_or(NONE, |g| g.members);
        let entry = self.alloc_entry(value, head)?;
        if let Some(g) = self.groups.get_mut(idx(group)) {
            g.members = entry;
            g.len += 1;
        }
        self.len += 1;
        Ok(())
    }

    /// Adds a subscription as parsed from a SUBSCRIBE.
    ///
    /// # Errors
    /// [`CapacityError`](crate::CapacityError) when the 32-bit ids are exhausted.
    pub fn insert_subscription(
        &mut self,
        filter: &SubscribeFilter,
        value: T,
    ) -> Result<(), CapacityError> {
        match filter {
            SubscribeFilter::Plain(f) => self.insert(f, value),
            SubscribeFilter::Shared(s) => self.insert_shared(s, value),
        }
    }

    /// Unlinks the first entry of the list at `head` for which `pred` holds;
    /// returns the new head and the value.
    fn unlink(&mut self, head: u32, mut pred: impl FnMut(&T) -> bool) -> (u32, Option<T>) {
        let mut prev = NONE;
        let mut cur = head;
        while cur != NONE {
            let hit =
                matches!(self.entries.get(idx(cur)), Some(Slot::Used { value, .. }) if pred(value));
            let next = self.entry_next(cur);
            if hit {
                let new_head = if prev == NONE {
                    next
                } else {
                    self.set_entry_next(prev, next);
                    head
                };
                return (new_head, self.free_entry_slot(cur));
            }
            prev = cur;
            cur = next;
        }
        (head, None)
    }

    /// Removes one subscription on `filter` whose value satisfies `pred`
    /// and returns its value.
    pub fn remove_where(
        &mut self,
        filter: &TopicFilter,
        pred: impl FnMut(&T) -> bool,
    ) -> Option<T> {
        let node = self.trie(filter).find_path(&self.levels, filter.as_str())?;
        let head = self.node_mut(filter, node)?.subs;
        let (head, value) = self.unlink(head, pred);
        let value = value?;
        if let Some(n) = self.node_mut(filter, node) {
            n.subs = head;
        }
        self.len -= 1;
        self.prune(filter, node);
        Some(value)
    }

    /// Removes one subscription `(filter, value)` and returns its value.
    pub fn remove(&mut self, filter: &TopicFilter, value: &T) -> Option<T>
    where
        T: PartialEq,
    {
        self.remove_where(filter, |v| v == value)
    }

    /// Removes one member of the shared subscription `shared` whose value
    /// satisfies `pred` and returns its value.
    pub fn remove_shared_where(
        &mut self,
        shared: &SharedSubscription,
        pred: impl FnMut(&T) -> bool,
    ) -> Option<T> {
        let filter = shared.filter();
        let name = self.levels.get(shared.group())?;
        let node = self.trie(filter).find_path(&self.levels, filter.as_str())?;
        let mut prev = NONE;
        let mut group = self.node_mut(filter, node)?.groups;
        while group != NONE {
            let g = *self.groups.get(idx(group))?;
            if g.name == name {
                break;
            }
            prev = group;
            group = g.next;
        }
        let g = *self.groups.get(idx(group))?;
        let (members, value) = self.unlink(g.members, pred);
        let value = value?;
        self.len -= 1;
        if let Some(cell) = self.groups.get_mut(idx(group)) {
            cell.members = members;
            cell.len -= 1;
        }
        if members == NONE {
            // Last member: unlink and free the group.
            if prev == NONE {
                if let Some(n) = self.node_mut(filter, node) {
                    n.groups = g.next;
                }
            } else if let Some(p) = self.groups.get_mut(idx(prev)) {
                p.next = g.next;
            }
            if let Some(cell) = self.groups.get_mut(idx(group)) {
                cell.next = self.free_group;
                cell.name = NONE;
            }
            self.free_group = group;
            self.levels.release(name);
            self.prune(filter, node);
        }
        Some(value)
    }

    /// Removes one member `value` of the shared subscription `shared`.
    pub fn remove_shared(&mut self, shared: &SharedSubscription, value: &T) -> Option<T>
    where
        T: PartialEq,
    {
        self.remove_shared_where(shared, |v| v == value)
    }

    /// Calls `f` once for every subscription whose filter matches `topic`,
    /// and once per matching shared group. Allocates nothing.
    pub fn for_each_match<'a>(&'a self, topic: &TopicName, mut f: impl FnMut(Match<'a, T>)) {
        let topic = topic.as_str();
        // Interned ids of the first levels, looked up once for both tries.
        let mut ids = LevelIds {
            ids: [NONE; CACHED_LEVELS],
        };
        for (slot, level) in ids.ids.iter_mut().zip(topic.split('/')) {
            *slot = self.levels.get(level).unwrap_or(NONE);
        }
        self.visit_exact(topic, &ids, &mut f);
        self.visit_wild(topic, &ids, &mut f);
    }

    /// The interned id of `level` (level number `depth` of the topic).
    fn level_id(&self, ids: &LevelIds, depth: usize, level: &str) -> Option<u32> {
        match ids.ids.get(depth) {
            Some(&NONE) => None,
            Some(&id) => Some(id),
            None => self.levels.get(level),
        }
    }

    /// Number of subscriptions and shared groups matching `topic`.
    #[must_use]
    pub fn count_matches(&self, topic: &TopicName) -> usize {
        let mut n = 0;
        self.for_each_match(topic, |_| n += 1);
        n
    }

    fn report<'a>(&'a self, node: &Node, f: &mut impl FnMut(Match<'a, T>)) {
        let mut e = node.subs;
        while let Some(Slot::Used { value, next }) = self.entries.get(idx(e)) {
            f(Match::Subscriber(value));
            e = *next;
        }
        let mut g = node.groups;
        while let Some(group) = self.groups.get(idx(g)) {
            f(Match::Shared(SharedGroup {
                name: self.levels.resolve(group.name),
                len: group.len,
                head: group.members,
                entries: &self.entries,
            }));
            g = group.next;
        }
    }

    fn visit_exact<'a>(&'a self, topic: &str, ids: &LevelIds, f: &mut impl FnMut(Match<'a, T>)) {
        let mut node = ROOT;
        for (depth, level) in topic.split('/').enumerate() {
            let Some(id) = self.level_id(ids, depth, level) else {
                return;
            };
            match self.exact.child(node, id) {
                Some(c) => node = c,
                None => return,
            }
        }
        if let Some(n) = self.exact.node(node) {
            self.report(n, f);
        }
    }

    /// Depth-first walk of the wildcard trie driven by the topic, using the
    /// parent links to come back up: no stack, no recursion.
    fn visit_wild<'a>(&'a self, topic: &str, ids: &LevelIds, f: &mut impl FnMut(Match<'a, T>)) {
        #[derive(Clone, Copy)]
        enum Step {
            Enter,
            TryPlus,
            Leave,
        }
        let trie = &self.wild;
        let dollar = topic.starts_with('$');
        let end = topic.len() + 1;
        let (mut node, mut depth, mut pos, mut step) = (ROOT, 0usize, 0usize, Step::Enter);
        loop {
            let Some(n) = trie.node(node) else { return };
            // MQTT-4.7.2-1: no wildcard at the first level for `$` topics.
            let wild_ok = !(dollar && depth == 0);
            match step {
                Step::Enter => {
                    // `#` matches this level's parent and everything below.
                    if wild_ok && let Some(h) = trie.node(n.hash) {
                        self.report(h, f);
                    }
                    if pos >= end {
                        self.report(n, f);
                        step = Step::Leave;
                        continue;
                    }
                    let (level, next) = level_at(topic, pos);
                    let child = self
                        .level_id(ids, depth, level)
                        .and_then(|id| trie.child(node, id));
                    match child {
                        Some(c) => {
                            (node, depth, pos) = (c, depth + 1, next);
                        }
                        None => step = Step::TryPlus,
                    }
                }
                Step::TryPlus => {
                    if wild_ok && n.plus != NONE {
                        let (_, next) = level_at(topic, pos);
                        (node, depth, pos, step) = (n.plus, depth + 1, next, Step::Enter);
                    } else {
                        step = Step::Leave;
                    }
                }
                Step::Leave => {
                    if node == ROOT {
                        return;
                    }
                    step = if n.level == PLUS {
                        Step::Leave
                    } else {
                        Step::TryPlus
                    };
                    (node, depth, pos) = (n.parent, depth - 1, prev_level_start(topic, pos));
                }
            }
        }
    }

    /// Heap bytes held by the index structure, not counting what the
    /// values `T` themselves own (their inline size in the entry arena is
    /// counted).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.levels.heap_bytes()
            + self.exact.heap_bytes()
            + self.wild.heap_bytes()
            + self.entries.capacity() * core::mem::size_of::<Slot<T>>()
            + self.groups.capacity() * core::mem::size_of::<Group>()
    }

    /// Releases spare capacity and lays out the subscriptions of each node
    /// (and of each shared group) contiguously, so matching reads them
    /// sequentially. Call it after a bulk load; it takes O(len) time.
    pub fn shrink_to_fit(&mut self) {
        self.levels.shrink_to_fit();
        self.exact.shrink_to_fit();
        self.wild.shrink_to_fit();
        let mut old = core::mem::take(&mut self.entries);
        let mut new = Vec::with_capacity(self.len);
        for node in self
            .exact
            .nodes
            .iter_mut()
            .chain(self.wild.nodes.iter_mut())
        {
            node.subs = move_list(&mut old, &mut new, node.subs);
        }
        for group in &mut self.groups {
            group.members = move_list(&mut old, &mut new, group.members);
        }
        self.entries = new;
        self.free_entry = NONE;
        self.groups.shrink_to_fit();
    }
}

/// Moves the list starting at `head` from `old` to the end of `new`,
/// contiguously; returns its new head.
fn move_list<T>(old: &mut [Slot<T>], new: &mut Vec<Slot<T>>, head: u32) -> u32 {
    // `new` never holds more entries than `old`, whose ids fit in u32.
    let new_head = u32::try_from(new.len()).unwrap_or(NONE);
    let mut cur = head;
    let mut moved = false;
    while let Some(slot) = old.get_mut(idx(cur)) {
        let Slot::Used { value, next } = core::mem::replace(slot, Slot::Free { next: NONE }) else {
            break;
        };
        let link = u32::try_from(new.len() + 1).unwrap_or(NONE);
        new.push(Slot::Used { value, next: link });
        moved = true;
        cur = next;
    }
    if let Some(Slot::Used { next, .. }) = new.last_mut()
        && moved
    {
        *next = NONE;
    }
    if moved { new_head } else { NONE }
}

#[cfg(test)]
mod tests;
