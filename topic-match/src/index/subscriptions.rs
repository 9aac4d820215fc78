//! [`SubscriptionIndex`]: which subscriptions does a PUBLISH reach?
//!
//! Wildcard-free filters are kept whole in their own interner, so they
//! cost one hash look-up of the topic; filters with `+` or `#` live in a
//! trie over interned levels, walked one topic level at a time (see
//! `walk.rs`), so a match allocates nothing and recursion depth is zero
//! whatever the topic.

use alloc::vec::Vec;
use core::iter::FusedIterator;

use super::interner::Interner;
use super::trie::Trie;
use super::values::Lists;
use super::{CapacityError, NONE, idx, next_id};
use crate::{SharedSubscription, SubscribeFilter, TopicError, TopicFilter, TopicName};

/// A shared subscription group at one node: (ShareName, filter).
#[derive(Debug, Clone, Copy)]
struct Group {
    name: u32,
    /// The whole filter, interned in `levels` (for [`SharedGroup::filter`]).
    filter: u32,
    /// The members: a list in `values`.
    members: u32,
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

/// What [`SubscriptionIndex::for_each_match_slices`] reports for a topic:
/// one item per matching filter rather than per subscription.
#[derive(Debug)]
#[non_exhaustive]
pub enum MatchSlice<'a, T> {
    /// The ordinary subscriptions of one matching filter (never empty). A
    /// filter is reported once per topic, so the slices of one match are
    /// disjoint.
    Subscribers(&'a [T]),
    /// A shared subscription whose filter matches: the broker delivers to
    /// one member of the group.
    Shared(SharedGroup<'a, T>),
}

/// A shared subscription group (ShareName and filter) that matched.
#[derive(Debug)]
pub struct SharedGroup<'a, T> {
    name: &'a str,
    filter: &'a str,
    members: &'a [T],
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
        self.members.len()
    }

    /// Always false: empty groups are removed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members. Their order is the order of subscription until a member
    /// is removed: removal moves the last member into the gap.
    #[must_use]
    pub fn members(&self) -> SharedMembers<'a, T> {
        SharedMembers {
            inner: self.members.iter(),
        }
    }

    /// The members as one slice, in the order of [`SharedGroup::members`].
    #[must_use]
    pub fn member_slice(&self) -> &'a [T] {
        self.members
    }
}

/// Iterator over the members of a [`SharedGroup`].
#[derive(Debug)]
pub struct SharedMembers<'a, T> {
    inner: core::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for SharedMembers<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
    fn nth(&mut self, n: usize) -> Option<&'a T> {
        self.inner.nth(n)
    }
}

impl<T> DoubleEndedIterator for SharedMembers<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

impl<T> ExactSizeIterator for SharedMembers<'_, T> {}

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
///   [`SubscriptionIndex::for_each_match_slices`] hands out the values of
///   each matching filter as one slice.
/// - The wildcard trie's edges are found by a hash of the topic's path
///   (level ids and depths), not of the parent node, so the look-ups of
///   consecutive levels do not wait on one another.
/// - Compact: interned filter and level strings, 32-byte nodes in an
///   arena, 16-byte edge-table entries, 32-bit links; a filter's single
///   value sits in an `Option<T>` slot of an arena (no heap block of its
///   own), two or more values in one `Vec`.
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
    /// The subscriber values of every filter and shared group.
    values: Lists<T>,
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
            values: Lists::default(),
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

    /// Adds the subscription `(filter, value)`.
    ///
    /// # Errors
    /// [`CapacityError`](crate::CapacityError) when the 32-bit ids are exhausted; the index is
    /// unchanged apart from possibly an empty path node.
    pub fn insert(&mut self, filter: &TopicFilter, value: T) -> Result<(), CapacityError> {
        let place = self.place(filter)?;
        let mut heads = self.heads(place);
        heads.subs = match self.values.push(heads.subs, value) {
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
        let members = self.values.push(head, value)?;
        if let Some(g) = self.groups.get_mut(idx(group)) {
            g.members = members;
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

    /// Removes one subscription on `filter` whose value satisfies `pred`
    /// and returns its value.
    pub fn remove_where(
        &mut self,
        filter: &TopicFilter,
        pred: impl FnMut(&T) -> bool,
    ) -> Option<T> {
        let place = self.find_place(filter)?;
        let mut heads = self.heads(place);
        let (head, value) = self.values.remove_where(heads.subs, pred);
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
        let (members, value) = self.values.remove_where(g.members, pred);
        let value = value?;
        self.len -= 1;
        if let Some(cell) = self.groups.get_mut(idx(group)) {
            cell.members = members;
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
    /// Built on [`SubscriptionIndex::for_each_match_slices`].
    pub fn for_each_match<'a>(&'a self, topic: &TopicName, f: impl FnMut(Match<'a, T>)) {
        self.visit(topic.as_str(), &mut per_subscriber(f));
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
        f: impl FnMut(Match<'a, T>),
    ) -> Result<(), TopicError> {
        crate::topic::check_name(topic)?;
        self.visit(topic, &mut per_subscriber(f));
        Ok(())
    }

    /// Calls `f` once per filter whose ordinary subscriptions match `topic`,
    /// with all their values as one slice, and once per matching shared
    /// group. This is the fast way to collect the subscribers of a topic: a
    /// broker copies each slice (`extend_from_slice`) instead of taking the
    /// values one call at a time. Allocates nothing.
    ///
    /// Within one filter the values are in subscription order until one is
    /// removed: removal moves the filter's last value into the gap.
    ///
    /// ```
    /// use topic_match::{MatchSlice, SubscriptionIndex, TopicFilter, TopicName};
    ///
    /// let mut index = SubscriptionIndex::new();
    /// for client in [1, 2, 3] {
    ///     index.insert(&TopicFilter::new("sensors/+/temp")?, client)?;
    /// }
    /// index.insert(&TopicFilter::new("sensors/7/temp")?, 4)?;
    ///
    /// let (mut ids, mut filters) = (Vec::new(), 0);
    /// index.for_each_match_slices(&TopicName::new("sensors/7/temp")?, |m| {
    ///     if let MatchSlice::Subscribers(values) = m {
    ///         ids.extend_from_slice(values);
    ///         filters += 1;
    ///     }
    /// });
    /// ids.sort();
    /// assert_eq!((ids, filters), (vec![1, 2, 3, 4], 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_each_match_slices<'a>(
        &'a self,
        topic: &TopicName,
        mut f: impl FnMut(MatchSlice<'a, T>),
    ) {
        self.visit(topic.as_str(), &mut f);
    }

    /// [`SubscriptionIndex::for_each_match_slices`] for a topic name held as
    /// text: checks the topic-name rules as
    /// [`SubscriptionIndex::for_each_match_str`] does, then matches.
    ///
    /// # Errors
    /// The first topic-name rule `topic` breaks, as for [`TopicName::new`];
    /// then `f` is not called.
    pub fn for_each_match_slices_str<'a>(
        &'a self,
        topic: &str,
        mut f: impl FnMut(MatchSlice<'a, T>),
    ) -> Result<(), TopicError> {
        crate::topic::check_name(topic)?;
        self.visit(topic, &mut f);
        Ok(())
    }

    /// Number of subscriptions and shared groups matching `topic`.
    #[must_use]
    pub fn count_matches(&self, topic: &TopicName) -> usize {
        let mut n = 0;
        self.for_each_match(topic, |_| n += 1);
        n
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
            + self.values.heap_bytes()
            + self.groups.capacity() * core::mem::size_of::<Group>()
    }

    /// Releases spare capacity, the one of every filter's value list
    /// included. Call it after a bulk load; it takes O(len) time.
    pub fn shrink_to_fit(&mut self) {
        self.levels.shrink_to_fit();
        self.exact.shrink_to_fit();
        self.exact_heads.shrink_to_fit();
        self.wild.shrink_to_fit();
        self.values.shrink_to_fit();
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

/// Adapts a per-subscription callback to the per-filter walk.
fn per_subscriber<'a, T: 'a>(mut f: impl FnMut(Match<'a, T>)) -> impl FnMut(MatchSlice<'a, T>) {
    move |m| match m {
        MatchSlice::Subscribers(values) => values.iter().for_each(|v| f(Match::Subscriber(v))),
        MatchSlice::Shared(g) => f(Match::Shared(g)),
    }
}

mod walk;

#[cfg(test)]
mod tests;
