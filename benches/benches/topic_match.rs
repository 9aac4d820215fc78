//! topic-match benchmarks: a seeded IoT subscription workload at 100 k and
//! 1 M subscriptions. Ids are `topic_match/<case>/<implementation>`.
//!
//! Cases: `build_*` (insert every filter), `match_*` (parse one topic and
//! collect the ids of every matching subscription: `ours` copies one slice
//! per matching filter, as the peers do; `ours_each` takes the values one
//! call at a time through the per-subscription API), `retained_1M_wildcard`
//! (visit the retained topics matching a wildcard filter among 1 M).
//! Heap bytes per subscription (counting global allocator) are printed as
//! `topic_match/bytes_per_sub/...` lines, not measured by criterion.
//!
//! Baselines written here: `linear` (a scan with `topic_match::matches`,
//! 100 k only) and `hashtrie` (a plain per-level `HashMap` trie). Peers
//! behind `compare`: paho-mqtt's `TopicMatcher` (`paho_mqtt`; the crate
//! builds the Paho C library, so `compare` needs cmake) and
//! `mqtt_topic_engine` (100 k only: its 1 M build takes over ten seconds).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use topic_match::{Match, MatchSlice, RetainedIndex, SubscriptionIndex, TopicFilter, TopicName};

/// Counts live heap bytes so the benches can report bytes per subscription.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only
// counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// splitmix64: a seeded generator so every run uses the same workload.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SENSORS: [&str; 8] = [
    "temperature",
    "humidity",
    "co2",
    "occupancy",
    "light",
    "noise",
    "pressure",
    "voc",
];
const SHADOW: [&str; 5] = [
    "update/accepted",
    "update/delta",
    "get/accepted",
    "update/documents",
    "delete/accepted",
];

/// A realistic topic: 75 % building sensors, 25 % AWS shadow topics.
fn topic(rng: &mut Rng) -> String {
    if rng.chance(75) {
        format!(
            "building/{}/floor/{}/room/{}/{}",
            rng.below(2000),
            rng.below(20),
            rng.below(40),
            SENSORS[rng.below(8) as usize]
        )
    } else {
        format!(
            "$aws/things/thing-{}/shadow/{}",
            rng.below(300_000),
            SHADOW[rng.below(5) as usize]
        )
    }
}

/// One element of `choices`, uniformly (repeat an element to weigh it).
fn pick(rng: &mut Rng, choices: &[usize]) -> usize {
    choices[rng.below(choices.len() as u64) as usize]
}

/// Levels that a `+` replaces, weighted: mostly the sensor, room or shadow
/// operation, rarely the building or thing id (a fleet-wide filter).
const BUILDING_PLUS: [usize; 10] = [1, 3, 3, 5, 5, 5, 6, 6, 6, 6];
const SHADOW_PLUS: [usize; 16] = [2, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
/// Levels a `#` filter keeps: mostly a floor, a room or one thing, rarely
/// a whole building.
const BUILDING_KEEP: [usize; 20] = [2, 4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6];
const SHADOW_KEEP: [usize; 10] = [3, 3, 3, 3, 3, 4, 4, 4, 4, 4];

/// A filter from the same space: ~18 % get one or two `+` levels, ~5 % end
/// in `#`. The weights are calibrated to the spec's workload
/// (`shared/specs/topics.md`): about 520 matching subscriptions per topic
/// at 1 M subscriptions (checked in `bench_size`).
fn filter(rng: &mut Rng) -> String {
    let t = topic(rng);
    let building = t.starts_with("building/");
    let mut levels: Vec<&str> = t.split('/').collect();
    if rng.chance(18) {
        for _ in 0..=rng.below(2) {
            let at = if building {
                pick(rng, &BUILDING_PLUS)
            } else {
                pick(rng, &SHADOW_PLUS)
            };
            levels[at] = "+";
        }
    }
    if rng.chance(5) {
        let keep = if building {
            pick(rng, &BUILDING_KEEP)
        } else {
            pick(rng, &SHADOW_KEEP)
        };
        levels.truncate(keep);
        levels.push("#");
    }
    levels.join("/")
}

fn workload(n: usize, seed: u64) -> (Vec<String>, Vec<String>) {
    let mut rng = Rng(seed);
    let filters = (0..n).map(|_| filter(&mut rng)).collect();
    let topics = (0..1000).map(|_| topic(&mut rng)).collect();
    (filters, topics)
}

/// Baseline: a plain per-level trie with a `HashMap` of children.
#[derive(Default)]
struct HashTrie {
    children: HashMap<String, HashTrie>,
    plus: Option<Box<HashTrie>>,
    hash: Vec<u32>,
    subs: Vec<u32>,
}

impl HashTrie {
    fn insert(&mut self, filter: &str, id: u32) {
        let mut node = self;
        for level in filter.split('/') {
            node = match level {
                "+" => node.plus.get_or_insert_with(Box::default),
                "#" => {
                    node.hash.push(id);
                    return;
                }
                _ => node.children.entry(level.to_owned()).or_default(),
            };
        }
        node.subs.push(id);
    }

    /// Number of distinct filters (non-empty lists) matching `levels`.
    fn count_filters(&self, levels: &[&str], first: bool) -> usize {
        let wild = !(first && levels.first().is_some_and(|l| l.starts_with('$')));
        let mut n = usize::from(wild && !self.hash.is_empty());
        let Some((level, rest)) = levels.split_first() else {
            return n + usize::from(!self.subs.is_empty());
        };
        if let Some(child) = self.children.get(*level) {
            n += child.count_filters(rest, false);
        }
        if wild && let Some(plus) = &self.plus {
            n += plus.count_filters(rest, false);
        }
        n
    }

    fn collect(&self, levels: &[&str], first: bool, out: &mut Vec<u32>) {
        let wild = !(first && levels.first().is_some_and(|l| l.starts_with('$')));
        if wild {
            out.extend_from_slice(&self.hash);
        }
        let Some((level, rest)) = levels.split_first() else {
            out.extend_from_slice(&self.subs);
            return;
        };
        if let Some(child) = self.children.get(*level) {
            child.collect(rest, false, out);
        }
        if wild && let Some(plus) = &self.plus {
            plus.collect(rest, false, out);
        }
    }
}

fn build_ours(filters: &[String]) -> SubscriptionIndex<u32> {
    let mut index = SubscriptionIndex::new();
    for (i, f) in filters.iter().enumerate() {
        index
            .insert(&TopicFilter::new(f).unwrap(), i as u32)
            .unwrap();
    }
    index
}

fn build_hashtrie(filters: &[String]) -> HashTrie {
    let mut trie = HashTrie::default();
    for (i, f) in filters.iter().enumerate() {
        trie.insert(f, i as u32);
    }
    trie
}

/// The slice API: one `extend_from_slice` per matching filter, as the
/// paho and hashtrie rows do.
fn match_ours(index: &SubscriptionIndex<u32>, topic: &str, out: &mut Vec<u32>) {
    out.clear();
    // Validates the topic name (as `TopicName::new` does) without allocating.
    index
        .for_each_match_slices_str(topic, |m| match m {
            MatchSlice::Subscribers(ids) => out.extend_from_slice(ids),
            MatchSlice::Shared(g) => out.extend_from_slice(g.member_slice()),
            _ => {}
        })
        .unwrap();
}

/// The per-subscription API (`for_each_match_str`, one call per value), as
/// a broker that merges deliveries per client uses it.
fn match_ours_each(index: &SubscriptionIndex<u32>, topic: &str, out: &mut Vec<u32>) {
    out.clear();
    index
        .for_each_match_str(topic, |m| match m {
            Match::Subscriber(id) => out.push(*id),
            Match::Shared(g) => out.extend(g.members().copied()),
            _ => {}
        })
        .unwrap();
}

fn match_hashtrie(trie: &HashTrie, topic: &str, out: &mut Vec<u32>) {
    out.clear();
    let levels: Vec<&str> = topic.split('/').collect();
    trie.collect(&levels, true, out);
}

/// Live heap bytes after `build` minus before, per item, minus `value` bytes.
fn bytes_per<T>(label: &str, n: usize, value: usize, build: impl FnOnce() -> T) -> T {
    let before = LIVE.load(Ordering::Relaxed);
    let built = build();
    let after = LIVE.load(Ordering::Relaxed);
    let per = (after.saturating_sub(before)) as f64 / n as f64 - value as f64;
    println!("{label}: {per:.1} heap bytes per subscription (value excluded)");
    built
}

fn bench_size(c: &mut Criterion, n: usize, label: &str) {
    let (filters, topics) = workload(n, 0x5EED_0000 + n as u64);
    let four = std::mem::size_of::<u32>();

    let ours = bytes_per(
        &format!("topic_match/bytes_per_sub_{label}/ours"),
        n,
        four,
        || {
            let mut index = build_ours(&filters);
            index.shrink_to_fit();
            index
        },
    );
    let hashtrie = bytes_per(
        &format!("topic_match/bytes_per_sub_{label}/hashtrie"),
        n,
        four,
        || build_hashtrie(&filters),
    );

    // Sanity: both give the same answers on the workload topics, and report
    // the average number of matches per topic.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut total, mut distinct) = (0, 0);
    for t in &topics {
        match_ours(&ours, t, &mut a);
        match_hashtrie(&hashtrie, t, &mut b);
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "ours and hashtrie disagree on {t}");
        match_ours_each(&ours, t, &mut b);
        b.sort_unstable();
        assert_eq!(a, b, "the slice and per-subscription APIs disagree on {t}");
        total += a.len();
        let levels: Vec<&str> = t.split('/').collect();
        let filters = hashtrie.count_filters(&levels, true);
        let mut slices = 0;
        ours.for_each_match_slices_str(t, |_| slices += 1).unwrap();
        assert_eq!(slices, filters, "one slice per matching filter on {t}");
        distinct += filters;
    }
    let mean = total as f64 / topics.len() as f64;
    let distinct = distinct as f64 / topics.len() as f64;
    let filters_total = {
        let mut all: Vec<&str> = filters.iter().map(String::as_str).collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    };
    let plus = filters.iter().filter(|f| f.contains('+')).count();
    let hash = filters.iter().filter(|f| f.ends_with('#')).count();
    println!(
        "topic_match/workload_{label}: {mean:.1} matching subscriptions per topic \
         on {distinct:.1} distinct matching filters; {filters_total} distinct filters; \
         {:.1} % of filters with `+`, {:.1} % with `#`",
        100.0 * plus as f64 / n as f64,
        100.0 * hash as f64 / n as f64,
    );
    if n == 1_000_000 {
        // The spec's workload: about 520 matches per topic at 1 M.
        assert!(
            (420.0..=620.0).contains(&mean),
            "workload drifted from the spec: {mean:.1} matches per topic at 1 M"
        );
    }

    let mut group = c.benchmark_group("topic_match");
    if n >= 1_000_000 {
        group.sample_size(10);
    }
    group.bench_function(format!("build_{label}/ours"), |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let index = build_ours(&filters);
                total += start.elapsed();
                drop(black_box(index));
            }
            total
        });
    });
    if n < 1_000_000 {
        group.bench_function(format!("build_{label}/hashtrie"), |bench| {
            bench.iter_batched(
                || (),
                |()| build_hashtrie(&filters),
                BatchSize::PerIteration,
            );
        });
    }

    let mut out = Vec::with_capacity(4096);
    let mut i = 0;
    group.bench_function(format!("match_{label}/ours"), |bench| {
        bench.iter(|| {
            i = (i + 1) % topics.len();
            match_ours(&ours, black_box(&topics[i]), &mut out);
            out.len()
        });
    });
    group.bench_function(format!("match_{label}/ours_each"), |bench| {
        bench.iter(|| {
            i = (i + 1) % topics.len();
            match_ours_each(&ours, black_box(&topics[i]), &mut out);
            out.len()
        });
    });
    group.bench_function(format!("match_{label}/hashtrie"), |bench| {
        bench.iter(|| {
            i = (i + 1) % topics.len();
            match_hashtrie(&hashtrie, black_box(&topics[i]), &mut out);
            out.len()
        });
    });
    drop(hashtrie);
    if n < 1_000_000 {
        let linear: Vec<(String, u32)> = filters
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        group.bench_function(format!("match_{label}/linear"), |bench| {
            bench.iter(|| {
                i = (i + 1) % topics.len();
                let t = black_box(&topics[i]);
                out.clear();
                out.extend(
                    linear
                        .iter()
                        .filter(|(f, _)| topic_match::matches(f, t))
                        .map(|(_, id)| *id),
                );
                out.len()
            });
        });
    }
    #[cfg(feature = "compare")]
    {
        peers::paho(&mut group, label, &filters, &topics);
        if n < 1_000_000 {
            peers::mqtt_topic_engine(&mut group, label, &filters, &topics);
        }
    }
    group.finish();
}

#[cfg(feature = "compare")]
mod peers {
    use super::*;
    use mqtt_topic_engine::{CacheStrategy, QoS, TopicPath, TopicPatternPath, TopicRouter};
    use paho_mqtt::TopicMatcher;

    /// paho-mqtt's `TopicMatcher` keeps one value per filter: a `Vec` of
    /// the subscription ids on that filter.
    pub(super) fn paho(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        label: &str,
        filters: &[String],
        topics: &[String],
    ) {
        let build = || {
            let mut matcher: TopicMatcher<Vec<u32>> = TopicMatcher::new();
            for (i, f) in filters.iter().enumerate() {
                if let Some(ids) = matcher.get_mut(f) {
                    ids.push(i as u32);
                } else {
                    matcher.insert(f.as_str(), vec![i as u32]);
                }
            }
            matcher
        };
        let matcher = bytes_per(
            &format!("topic_match/bytes_per_sub_{label}/paho_mqtt"),
            filters.len(),
            4,
            build,
        );
        let mut out: Vec<u32> = Vec::with_capacity(4096);
        let mut i = 0;
        group.bench_function(format!("match_{label}/paho_mqtt"), |bench| {
            bench.iter(|| {
                i = (i + 1) % topics.len();
                out.clear();
                for (_, ids) in matcher.matches(black_box(topics[i].as_str())) {
                    out.extend_from_slice(ids);
                }
                out.len()
            });
        });
        drop(matcher);
        group.bench_function(format!("build_{label}/paho_mqtt"), |bench| {
            bench.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let matcher = build();
                    total += start.elapsed();
                    drop(black_box(matcher));
                }
                total
            });
        });
    }

    pub(super) fn mqtt_topic_engine(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        label: &str,
        filters: &[String],
        topics: &[String],
    ) {
        let build = || {
            let mut router = TopicRouter::new();
            for (i, f) in filters.iter().enumerate() {
                let pattern =
                    TopicPatternPath::new_from_string(f.as_str(), CacheStrategy::NoCache).unwrap();
                router.add_subscription(pattern, QoS::AtMostOnce, i as u32);
            }
            router
        };
        let router = bytes_per(
            &format!("topic_match/bytes_per_sub_{label}/mqtt_topic_engine"),
            filters.len(),
            4,
            build,
        );
        let mut out: Vec<u32> = Vec::with_capacity(4096);
        let mut i = 0;
        group.bench_function(format!("match_{label}/mqtt_topic_engine"), |bench| {
            bench.iter(|| {
                i = (i + 1) % topics.len();
                let path = TopicPath::new(black_box(topics[i].as_str())).unwrap();
                out.clear();
                out.extend(
                    router
                        .get_subscribers(&path)
                        .into_iter()
                        .map(|(_, _, v)| *v),
                );
                out.len()
            });
        });
        group.bench_function(format!("build_{label}/mqtt_topic_engine"), |bench| {
            bench.iter_batched(|| (), |()| build(), BatchSize::PerIteration);
        });
    }
}

fn subscriptions_100k(c: &mut Criterion) {
    bench_size(c, 100_000, "100k");
}

fn subscriptions_1m(c: &mut Criterion) {
    bench_size(c, 1_000_000, "1M");
}

fn retained_1m(c: &mut Criterion) {
    let mut rng = Rng(0x7E7A_1000);
    let mut retained = RetainedIndex::new();
    let mut all = Vec::with_capacity(1_000_000);
    while retained.len() < 1_000_000 {
        let t = topic(&mut rng);
        retained.insert(&TopicName::new(&t).unwrap(), ()).unwrap();
        all.push(t);
    }
    all.sort_unstable();
    all.dedup();
    let filter = "building/17/floor/+/room/+/temperature";
    let parsed = TopicFilter::new(filter).unwrap();
    let mut expected = 0;
    retained.for_each_match(&parsed, |()| expected += 1);
    let linear = all
        .iter()
        .filter(|t| topic_match::matches(filter, t))
        .count();
    assert_eq!(expected, linear);
    println!("topic_match/retained_1M_wildcard: {expected} matching topics");
    let mut group = c.benchmark_group("topic_match");
    group.sample_size(10);
    group.bench_function("retained_1M_wildcard/ours", |b| {
        b.iter(|| {
            let mut n = 0;
            retained.for_each_match(black_box(&parsed), |()| n += 1);
            n
        });
    });
    group.bench_function("retained_1M_wildcard/linear", |b| {
        b.iter(|| {
            all.iter()
                .filter(|t| topic_match::matches(black_box(filter), t))
                .count()
        });
    });
    group.finish();
}

fn single_pair(c: &mut Criterion) {
    c.bench_function("topic_match/single_pair/ours", |b| {
        b.iter(|| {
            topic_match::matches(
                black_box("building/+/floor/+/room/#"),
                black_box("building/7/floor/2/room/12/temperature"),
            )
        });
    });
}

criterion_group!(
    benches,
    single_pair,
    subscriptions_100k,
    subscriptions_1m,
    retained_1m
);
criterion_main!(benches);
