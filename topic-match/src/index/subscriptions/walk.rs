//! The match walk of [`SubscriptionIndex`]: the exact filter by one
//! look-up of the whole topic, then the wildcard trie.

use super::{Head, MatchSlice, Place, SharedGroup, SubscriptionIndex};
use crate::index::trie::{Node, ROOT};
use crate::index::{NONE, PLUS, idx, level_at, prev_level_start};

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
        };
        for (slot, level) in ids.ids.iter_mut().zip(topic.split('/')) {
            *slot = self.levels.get(level).unwrap_or(NONE);
            if *slot == NONE {
                break;
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
        let mut cur = Frontier::new(ROOT);
        let (mut depth, mut pos) = (0usize, 0usize);
        loop {
            // MQTT-4.7.2-1: no wildcard at the first level for `$` topics.
            let wild_ok = !(dollar && depth == 0);
            let mut literal = false;
            for &node in cur.nodes() {
                let Some(n) = trie.node(node) else { continue };
                // `{path}/#` matches `{path}` and everything below.
                if wild_ok {
                    self.report_hash(n, f);
                }
                literal |= n.children != 0;
            }
            if pos >= end {
                for &node in cur.nodes() {
                    if let Some(n) = trie.node(node) {
                        self.report_node(n, f);
                    }
                }
                return;
            }
            let (level, next_pos) = level_at(topic, pos);
            // One look-up of the level's id, and only if some node needs it.
            let id = if literal {
                self.level_id(ids, depth, level)
            } else {
                None
            };
            let mut next = Frontier::empty();
            for &node in cur.nodes() {
                let Some(n) = trie.node(node) else { continue };
                if let Some(c) = id.and_then(|id| trie.child(node, id))
                    && !next.push(c)
                {
                    self.visit_wild(c, depth + 1, next_pos, topic, ids, f);
                }
                if wild_ok && n.plus != NONE && !next.push(n.plus) {
                    self.visit_wild(n.plus, depth + 1, next_pos, topic, ids, f);
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
    fn visit_wild<'a>(
        &'a self,
        start: u32,
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
                    if node == start {
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
}

/// Nodes a level-by-level walk keeps on the stack per level.
const FRONTIER: usize = 32;

/// The trie nodes matching the topic's levels so far.
struct Frontier {
    nodes: [u32; FRONTIER],
    len: usize,
}

impl Frontier {
    const fn empty() -> Self {
        Self {
            nodes: [NONE; FRONTIER],
            len: 0,
        }
    }

    fn new(node: u32) -> Self {
        let mut f = Self::empty();
        f.push(node);
        f
    }

    fn nodes(&self) -> &[u32] {
        self.nodes.get(..self.len).unwrap_or_default()
    }

    /// Adds `node`; false (and nothing added) when full.
    fn push(&mut self, node: u32) -> bool {
        let Some(slot) = self.nodes.get_mut(self.len) else {
            return false;
        };
        *slot = node;
        self.len += 1;
        true
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}
