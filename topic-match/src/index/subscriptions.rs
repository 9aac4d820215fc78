//! [`SubscriptionIndex`]: which subscriptions does a PUBLISH reach?
//!
//! Wildcard-free filters are kept whole in their own interner, so they
//! cost one hash look-up of the topic; filters with `+` or `#` live in a
//! trie over interned levels, walked depth-first with parent links instead
//! of a stack, so a match allocates nothing and recursion depth is zero
//! whatever the topic.

use alloc::vec::Vec;
use core::iter::FusedIterator;

use super::interner::Interner;
use super::trie::{Node, ROOT, Trie};
use super::{CapacityError, NONE, PLUS, idx, level_at, next_id, prev_level_start};
use crate::{SharedSubscription, SubscribeFilter, TopicError, TopicFilter, TopicName};

/// How many topic levels [`SubscriptionIndex::for_each_match`] resolves to
/// interned ids up front (on the stack); deeper levels are looked up when
/// reached.
const CACHED_LEVELS: usize = 16;

/// A level of [`LevelIds`] not looked up yet (no level id equals `PLUS`).
const UNRESOLVED: u32 = PLUS;

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
    /// The whole filter, interned in `levels` (for [`SharedGroup::filter`]).
    filter: u32,
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
    filter: &'a str,
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

    /// The topic filter of the group (without the `$share/{ShareName}/`
    /// prefix): two groups with one ShareName and different filters are
    /// different shared subscriptions (MQTT 5.0 §4.8.2).
    ///
    /// ```
    /// use topic_match::{Match, SharedSubscription, SubscriptionIndex, TopicName};
    ///
    /// let mut index = SubscriptionIndex::new();
    /// index.insert_shared(&SharedSubscription::new("$share/workers/jobs/+")?, 1)?;
    /// index.for_each_match(&TopicName::new("jobs/7")?, |m| {
    ///     if let Match::Shared(g) = m {
    ///         assert_eq!((g.name(), g.filter()), ("workers", "jobs/+"));
    ///     }
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn filter(&self) -> &'a str {
        self.filter
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
/// - Wildcard-free filters are stored whole and found with one hash
///   look-up of the topic, so they never pay for wildcard handling.
/// - Matching visits every matching subscription through a callback and
///   allocates nothing; shared subscriptions are reported once per group.
/// - Compact: interned filter and level strings, 28-byte nodes in an
///   arena, 12-byte edge-table entries, 32-bit links.
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
    /// Wildcard-free filters, whole.
    exact: Interner,
    /// The subscriptions of each exact filter, by its id in `exact`.
    exact_heads: Vec<Head>,
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
            exact: Interner::default(),
            exact_heads: Vec::new(),
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

    /// Finds or creates the place of `filter`.
    fn place(&mut self, filter: &TopicFilter) -> Result<Place, CapacityError> {
        let text = filter.as_str();
        if filter.has_wildcards() {
            return self
                .wild
                .make_path(&mut self.levels, text)
                .map(|(node, hash)| Place::Wild(node, hash));
        }
        if let Some(id) = self.exact.get(text) {
            return Ok(Place::Exact(id));
        }
        let id = self.exact.intern(text)?;
        let slot = idx(id);
        if self.exact_heads.len() <= slot {
            self.exact_heads.resize(slot + 1, Head::EMPTY);
        }
        if let Some(h) = self.exact_heads.get_mut(slot) {
            *h = Head::EMPTY;
        }
        Ok(Place::Exact(id))
    }

    /// The place of `filter`, if it holds anything.
    fn find_place(&self, filter: &TopicFilter) -> Option<Place> {
        let text = filter.as_str();
        if filter.has_wildcards() {
            self.wild
                .find_path(&self.levels, text)
                .map(|(node, hash)| Place::Wild(node, hash))
        } else {
            self.exact.get(text).map(Place::Exact)
        }
    }

    /// The (subscriptions, groups) list heads at `place`.
    fn heads(&self, place: Place) -> Head {
        match place {
            Place::Exact(id) => self.exact_heads.get(idx(id)).copied(),
            Place::Wild(node, false) => self.wild.node(node).map(|n| Head {
                subs: n.subs,
                groups: n.groups,
            }),
            Place::Wild(node, true) => self.wild.node(node).map(|n| Head {
                subs: n.hash_subs,
                groups: n.hash_groups,
            }),
        }
        .unwrap_or(Head::EMPTY)
    }

    fn set_heads(&mut self, place: Place, heads: Head) {
        match place {
            Place::Exact(id) => {
                if let Some(h) = self.exact_heads.get_mut(idx(id)) {
                    *h = heads;
                }
            }
            Place::Wild(node, hash) => {
                if let Some(n) = self.wild.node_mut(node) {
                    if hash {
                        n.hash_subs = heads.subs;
                        n.hash_groups = heads.groups;
                    } else {
                        n.subs = heads.subs;
                        n.groups = heads.groups;
                    }
                }
            }
        }
    }

    /// Releases `place` if it holds nothing any more.
    fn prune(&mut self, place: Place) {
        match place {
            Place::Wild(node, _) => self.wild.prune(&mut self.levels, node),
            Place::Exact(id) => {
                if self.heads(place) == Head::EMPTY {
                    self.exact.release(id);
                }
            }
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
        let place = self.place(filter)?;
        let mut heads = self.heads(place);
        heads.subs = match self.alloc_entry(value, heads.subs) {
            Ok(e) => e,
            Err(e) => {
                self.prune(place);
                return Err(e);
            }
        };
        self.set_heads(place, heads);
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
        let place = self.place(filter)?;
        let name = self.levels.intern(shared.group())?;
        let mut heads = self.heads(place);
        let mut group = heads.groups;
        while let Some(g) = self.groups.get(idx(group)) {
            if g.name == name {
                break;
            }
            group = g.next;
        }
        if group == NONE {
            let filter_id = match self.levels.intern(filter.as_str()) {
                Ok(id) => id,
                Err(e) => {
                    self.levels.release(name);
                    self.prune(place);
                    return Err(e);
                }
            };
            let g = Group {
                name,
                filter: filter_id,
                members: NONE,
                len: 0,
                next: heads.groups,
            };
            group = if self.free_group != NONE {
                let id = self.free_group;
                if let Some(cell) = self.groups.get_mut(idx(id)) {
                    self.free_group = cell.next;
                    *cell = g;
                }
                id
            } else {
                let Ok(id) = next_id(self.groups.len()) else {
                    self.levels.release(name);
                    self.levels.release(filter_id);
                    self.prune(place);
                    return Err(CapacityError);
                };
                self.groups.push(g);
                id
            };
            heads.groups = group;
            self.set_heads(place, heads);
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
        let place = self.find_place(filter)?;
        let mut heads = self.heads(place);
        let (head, value) = self.unlink(heads.subs, pred);
        let value = value?;
        heads.subs = head;
        self.set_heads(place, heads);
        self.len -= 1;
        self.prune(place);
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
        let place = self.find_place(filter)?;
        let mut heads = self.heads(place);
        let mut prev = NONE;
        let mut group = heads.groups;
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
                heads.groups = g.next;
                self.set_heads(place, heads);
            } else if let Some(p) = self.groups.get_mut(idx(prev)) {
                p.next = g.next;
            }
            if let Some(cell) = self.groups.get_mut(idx(group)) {
                cell.next = self.free_group;
                cell.name = NONE;
                cell.filter = NONE;
            }
            self.free_group = group;
            self.levels.release(name);
            self.levels.release(g.filter);
            self.prune(place);
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
        self.visit(topic.as_str(), &mut f);
    }

    /// [`SubscriptionIndex::for_each_match`] for a topic name held as text,
    /// for instance one an MQTT codec has already decoded: checks the
    /// topic-name rules (not empty, at most 65,535 bytes, no U+0000, no
    /// wildcard) without allocating a [`TopicName`], then matches.
    ///
    /// ```
    /// use topic_match::{SubscriptionIndex, TopicError, TopicFilter};
    ///
    /// let mut index = SubscriptionIndex::new();
    /// index.insert(&TopicFilter::new("a/+")?, 1)?;
    /// let mut n = 0;
    /// index.for_each_match_str("a/b", |_| n += 1)?;
    /// assert_eq!(n, 1);
    /// assert_eq!(
    ///     index.for_each_match_str("a/#", |_| ()),
    ///     Err(TopicError::WildcardInTopicName { offset: 2 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The first topic-name rule `topic` breaks, as for [`TopicName::new`];
    /// then `f` is not called.
    pub fn for_each_match_str<'a>(
        &'a self,
        topic: &str,
        mut f: impl FnMut(Match<'a, T>),
    ) -> Result<(), TopicError> {
        crate::topic::check_name(topic)?;
        self.visit(topic, &mut f);
        Ok(())
    }

    fn visit<'a>(&'a self, topic: &str, f: &mut impl FnMut(Match<'a, T>)) {
        // Exact filters: the topic itself is the key.
        if let Some(id) = self.exact.get(topic) {
            self.report(self.heads(Place::Exact(id)), f);
        }
        if self.wild.is_empty() {
            return;
        }
        // Interned ids of the first levels, each looked up at most once.
        let mut ids = LevelIds {
            ids: [UNRESOLVED; CACHED_LEVELS],
        };
        self.visit_wild(topic, &mut ids, f);
    }

    /// The interned id of `level` (level number `depth` of the topic).
    /// Resolved on first use: the walk often needs only a few levels.
    fn level_id(&self, ids: &mut LevelIds, depth: usize, level: &str) -> Option<u32> {
        let id = match ids.ids.get_mut(depth) {
            Some(slot) => {
                if *slot == UNRESOLVED {
                    *slot = self.levels.get(level).unwrap_or(NONE);
                }
                *slot
            }
            None => self.levels.get(level).unwrap_or(NONE),
        };
        (id != NONE).then_some(id)
    }

    /// Number of subscriptions and shared groups matching `topic`.
    #[must_use]
    pub fn count_matches(&self, topic: &TopicName) -> usize {
        let mut n = 0;
        self.for_each_match(topic, |_| n += 1);
        n
    }

    fn report<'a>(&'a self, heads: Head, f: &mut impl FnMut(Match<'a, T>)) {
        let mut e = heads.subs;
        while let Some(Slot::Used { value, next }) = self.entries.get(idx(e)) {
            f(Match::Subscriber(value));
            // After `shrink_to_fit` a list is contiguous: taking `e + 1` when
            // the link says so lets the CPU run ahead instead of waiting for
            // each link to load.
            e = if *next == e.wrapping_add(1) {
                e.wrapping_add(1)
            } else {
                *next
            };
        }
        let mut g = heads.groups;
        while let Some(group) = self.groups.get(idx(g)) {
            f(Match::Shared(SharedGroup {
                name: self.levels.resolve(group.name),
                filter: self.levels.resolve(group.filter),
                len: group.len,
                head: group.members,
                entries: &self.entries,
            }));
            g = group.next;
        }
    }

    fn report_node<'a>(&'a self, node: &Node, f: &mut impl FnMut(Match<'a, T>)) {
        self.report(
            Head {
                subs: node.subs,
                groups: node.groups,
            },
            f,
        );
    }

    /// Depth-first walk of the wildcard trie driven by the topic, using the
    /// parent links to come back up: no stack, no recursion.
    fn visit_wild<'a>(&'a self, topic: &str, ids: &mut LevelIds, f: &mut impl FnMut(Match<'a, T>)) {
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
                    if wild_ok {
                        self.report(
                            Head {
                                subs: n.hash_subs,
                                groups: n.hash_groups,
                            },
                            f,
                        );
                    }
                    if pos >= end {
                        self.report_node(n, f);
                        step = Step::Leave;
                        continue;
                    }
                    let (level, next) = level_at(topic, pos);
                    // A node without literal children needs no look-up.
                    let child = if n.children == 0 {
                        None
                    } else {
                        self.level_id(ids, depth, level)
                            .and_then(|id| trie.child(node, id))
                    };
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
            + self.exact_heads.capacity() * core::mem::size_of::<Head>()
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
        self.exact_heads.shrink_to_fit();
        self.wild.shrink_to_fit();
        let mut old = core::mem::take(&mut self.entries);
        let mut new = Vec::with_capacity(self.len);
        for head in &mut self.exact_heads {
            head.subs = move_list(&mut old, &mut new, head.subs);
        }
        for node in &mut self.wild.nodes {
            node.subs = move_list(&mut old, &mut new, node.subs);
            node.hash_subs = move_list(&mut old, &mut new, node.hash_subs);
        }
        for group in &mut self.groups {
            group.members = move_list(&mut old, &mut new, group.members);
        }
        self.entries = new;
        self.free_entry = NONE;
        self.groups.shrink_to_fit();
    }
}

/// Where the subscriptions of one filter hang: an exact filter's id, or a
/// wildcard-trie node and whether the filter is that node's `{path}/#`.
#[derive(Debug, Clone, Copy)]
enum Place {
    Exact(u32),
    Wild(u32, bool),
}

/// The heads of the two lists of one filter: plain subscriptions and
/// shared groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    subs: u32,
    groups: u32,
}

impl Head {
    const EMPTY: Self = Self {
        subs: NONE,
        groups: NONE,
    };
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
