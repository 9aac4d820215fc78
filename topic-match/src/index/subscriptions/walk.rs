//! The match walk of [`SubscriptionIndex`]: the exact filter by one
//! look-up of the whole topic, then the wildcard trie.

use super::{Head, MatchSlice, Place, SharedGroup, SubscriptionIndex};
use crate::index::trie::{Node, ROOT, Trie};
use crate::index::{NONE, PLUS, idx, level_at, prev_level_start};

/// How many topic levels [`SubscriptionIndex::for_each_match`] resolves to
/// interned ids up front (on the stack); deeper levels are looked up when
/// reached.
const CACHED_LEVELS: usize = 16;

/// A level of [`LevelIds`] not looked up yet (no level id equals `PLUS`).
const UNRESOLVED: u32 = PLUS;

/// Interned ids of a topic's first levels; `NONE` for a level that is not
/// interned (no filter has it, so no literal edge can match it). Also
/// where each of those levels ends, so the walk does not split the topic a
/// second time.
struct LevelIds {
    ids: [u32; CACHED_LEVELS],
    /// Start of the next level (`topic.len() + 1` after the last one);
    /// 0 for a level past the ones split.
    next: [usize; CACHED_LEVELS],
}

impl LevelIds {
    /// Level number `depth` of `topic`, which starts at `pos`, and where the
    /// next one starts.
    #[inline]
    fn level<'t>(&self, topic: &'t str, depth: usize, pos: usize) -> (&'t str, usize) {
        match self.next.get(depth) {
            Some(&next) if next > pos => (topic.get(pos..next - 1).unwrap_or_default(), next),
            _ => level_at(topic, pos),
        }
    }
}

impl<T> SubscriptionIndex<T> {
    pub(super) fn visit<'a>(&'a self, topic: &str, f: &mut impl FnMut(MatchSlice<'a, T>)) {
        if self.wild.is_empty() {
            // Exact filters: the topic itself is the key.
            if let Some(id) = self.exact.get(topic) {
                self.report(self.heads(Place::Exact(id)), f);
            }
            return;
        }
        // Interned ids of the first levels, each looked up at most once.
        // They are looked up together first: the look-ups do not depend on
        // one another (nor on the exact look-up), so their cache misses
        // overlap instead of each waiting for the walk to need it. The
        // first level no filter has stops this (a literal edge can match
        // none of its nodes); deeper levels are then looked up when needed.
        let mut ids = LevelIds {
            ids: [UNRESOLVED; CACHED_LEVELS],
            next: [0; CACHED_LEVELS],
        };
        let (mut pos, mut look) = (0, true);
        for ((slot, next), level) in ids
            .ids
            .iter_mut()
            .zip(ids.next.iter_mut())
            .zip(topic.split('/'))
        {
            pos += level.len() + 1;
            *next = pos;
            if look {
                *slot = self.levels.get(level).unwrap_or(NONE);
                look = *slot != NONE;
            }
        }
        if let Some(id) = self.exact.get(topic) {
            self.report(self.heads(Place::Exact(id)), f);
        }
        self.visit_levels(topic, &mut ids, f);
    }

    /// The wildcard trie walked one topic level at a time: the nodes that
    /// match the first `depth` levels (the frontier, on the stack) are
    /// advanced together, so their edge probes and node reads do not wait
    /// on one another and the CPU overlaps their cache misses. A frontier
    /// never holds a node twice (each node has one path). When a frontier
    /// is full, the nodes that do not fit are walked depth-first at once:
    /// memory stays bounded whatever the filters.
    fn visit_levels<'a>(
        &'a self,
        topic: &str,
        ids: &mut LevelIds,
        f: &mut impl FnMut(MatchSlice<'a, T>),
    ) {
        let trie = &self.wild;
        let dollar = topic.starts_with('$');
        let end = topic.len() + 1;
        let mut cur = Frontier::new(ROOT, trie.root_key());
        let (mut depth, mut pos) = (0usize, 0usize);
        loop {
            // MQTT-4.7.2-1: no wildcard at the first level for `$` topics.
            let wild_ok = !(dollar && depth == 0);
            if pos >= end {
                for &(node, _) in cur.nodes() {
                    if let Some(n) = trie.node(node) {
                        // `{path}/#` matches `{path}` itself.
                        if wild_ok {
                            self.report_hash(n, f);
                        }
                        self.report_node(n, f);
                    }
                }
                return;
            }
            let (level, next_pos) = ids.level(topic, depth, pos);
            let id = self.level_id(ids, depth, level);
            // Path keys come from the topic alone, so each node's literal
            // probe is issued before (and does not wait on) the read of the
            // node itself; the node read only reports `#` and finds `+`.
            // A path key adds one mix per level, the same for every node of
            // the level: computed once here, not per node.
            let child_depth = depth_key(depth + 1);
            let literal_mix = id.map(|id| (id, trie.mix(id, child_depth)));
            let plus_mix = trie.mix(PLUS, child_depth);
            let mut next = Frontier::empty();
            for &(node, key) in cur.nodes() {
                if let Some((id, m)) = literal_mix {
                    let key = key.wrapping_add(m);
                    if let Some(c) = trie.child(key, node, id)
                        && !next.push(c, key)
                    {
                        self.visit_wild(c, key, depth + 1, next_pos, topic, ids, f);
                    }
                }
                let Some(n) = trie.node(node) else { continue };
                if wild_ok {
                    // `{path}/#` matches everything below `{path}`.
                    self.report_hash(n, f);
                    if n.plus != NONE {
                        let key = key.wrapping_add(plus_mix);
                        if !next.push(n.plus, key) {
                            self.visit_wild(n.plus, key, depth + 1, next_pos, topic, ids, f);
                        }
                    }
                }
            }
            if next.is_empty() {
                return;
            }
            (cur, depth, pos) = (next, depth + 1, next_pos);
        }
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

    #[inline]
    fn report<'a>(&'a self, heads: Head, f: &mut impl FnMut(MatchSlice<'a, T>)) {
        if heads.subs != NONE {
            let values = self.values.get(heads.subs);
            if !values.is_empty() {
                f(MatchSlice::Subscribers(values));
            }
        }
        let mut g = heads.groups;
        while let Some(group) = self.groups.get(idx(g)) {
            f(MatchSlice::Shared(SharedGroup {
                name: self.levels.resolve(group.name),
                filter: self.levels.resolve(group.filter),
                members: self.values.get(group.members),
            }));
            g = group.next;
        }
    }

    /// Reports the `{path}/#` subscriptions and groups of `node`.
    fn report_hash<'a>(&'a self, node: &Node, f: &mut impl FnMut(MatchSlice<'a, T>)) {
        if node.hash_subs != NONE || node.hash_groups != NONE {
            self.report(
                Head {
                    subs: node.hash_subs,
                    groups: node.hash_groups,
                },
                f,
            );
        }
    }

    fn report_node<'a>(&'a self, node: &Node, f: &mut impl FnMut(MatchSlice<'a, T>)) {
        self.report(
            Head {
                subs: node.subs,
                groups: node.groups,
            },
            f,
        );
    }

    /// Depth-first walk of the subtree of `start` (a node matching the
    /// first `start_depth` levels; the next level starts at `start_pos`)
    /// driven by the topic, using the parent links to come back up: no
    /// stack, no recursion.
    #[allow(clippy::too_many_arguments)]
    fn visit_wild<'a>(
        &'a self,
        start: u32,
        start_key: u32,
        start_depth: usize,
        start_pos: usize,
        topic: &str,
        ids: &mut LevelIds,
        f: &mut impl FnMut(MatchSlice<'a, T>),
    ) {
        #[derive(Clone, Copy)]
        enum Step {
            Enter,
            TryPlus,
            Leave,
        }
        let trie = &self.wild;
        let dollar = topic.starts_with('$');
        let end = topic.len() + 1;
        let (mut node, mut depth, mut pos, mut step) = (start, start_depth, start_pos, Step::Enter);
        let mut key = start_key;
        loop {
            let Some(n) = trie.node(node) else { return };
            // MQTT-4.7.2-1: no wildcard at the first level for `$` topics.
            let wild_ok = !(dollar && depth == 0);
            match step {
                Step::Enter => {
                    // `#` matches this level's parent and everything below.
                    if wild_ok {
                        self.report_hash(n, f);
                    }
                    if pos >= end {
                        self.report_node(n, f);
                        step = Step::Leave;
                        continue;
                    }
                    let (level, next) = ids.level(topic, depth, pos);
                    // A node without literal children needs no look-up.
                    let child = if n.children == 0 {
                        None
                    } else {
                        self.level_id(ids, depth, level).and_then(|id| {
                            let k = step_key(trie, key, id, depth + 1);
                            trie.child(k, node, id).map(|c| (c, k))
                        })
                    };
                    match child {
                        Some((c, k)) => {
                            (node, key, depth, pos) = (c, k, depth + 1, next);
                        }
                        None => step = Step::TryPlus,
                    }
                }
                Step::TryPlus => {
                    if wild_ok && n.plus != NONE {
                        let (_, next) = ids.level(topic, depth, pos);
                        key = step_key(trie, key, PLUS, depth + 1);
                        (node, depth, pos, step) = (n.plus, depth + 1, next, Step::Enter);
                    } else {
                        step = Step::Leave;
                    }
                }
                Step::Leave => {
                    if node == start {
                        return;
                    }
                    step = if n.level == PLUS {
                        Step::Leave
                    } else {
                        Step::TryPlus
                    };
                    key = trie.unstep(key, n.level, depth_key(depth));
                    (node, depth, pos) = (n.parent, depth - 1, prev_level_start(topic, pos));
                }
            }
        }
    }
}

/// A topic depth as the trie's path keys count it. Depths past `u32::MAX`
/// cannot occur (a topic has at most 65,535 bytes); wrapping keeps the
/// keys consistent with the trie's anyway.
#[inline]
fn depth_key(depth: usize) -> u32 {
    #[allow(clippy::cast_possible_truncation)]
    let d = depth as u32;
    d
}

/// [`Trie::step`] at a depth counted in `usize`.
#[inline]
fn step_key(trie: &Trie, key: u32, level: u32, depth: usize) -> u32 {
    trie.step(key, level, depth_key(depth))
}

/// Nodes a level-by-level walk keeps on the stack per level.
const FRONTIER: usize = 32;

/// The trie nodes matching the topic's levels so far, with their path keys.
struct Frontier {
    nodes: [(u32, u32); FRONTIER],
    len: usize,
}

impl Frontier {
    const fn empty() -> Self {
        Self {
            nodes: [(NONE, 0); FRONTIER],
            len: 0,
        }
    }

    fn new(node: u32, key: u32) -> Self {
        let mut f = Self::empty();
        f.push(node, key);
        f
    }

    fn nodes(&self) -> &[(u32, u32)] {
        self.nodes.get(..self.len).unwrap_or_default()
    }

    /// Adds `node` with its path key; false (and nothing added) when full.
    fn push(&mut self, node: u32, key: u32) -> bool {
        let Some(slot) = self.nodes.get_mut(self.len) else {
            return false;
        };
        *slot = (node, key);
        self.len += 1;
        true
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}
