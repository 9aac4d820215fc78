//! Model-based tests: the indexes give exactly the set the `matches` model
//! gives over a linear scan, for random filters, topics, inserts and
//! removals (including `$` topics, empty levels and `$share`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use topic_match::{
    Match, MatchSlice, ProtocolVersion, RetainedIndex, SubscribeFilter, SubscriptionIndex,
    TopicFilter, TopicName, matches,
};

/// Small alphabet so collisions (shared prefixes, equal levels) are common.
fn level() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("$SYS".to_owned()),
        Just("$share".to_owned()),
        Just("g".to_owned()),
        Just("ab".to_owned()),
    ]
}

fn topic() -> impl Strategy<Value = String> {
    prop::collection::vec(level(), 1..5).prop_map(|l| l.join("/"))
}

fn filter() -> impl Strategy<Value = String> {
    let lvl = prop_oneof![3 => level(), 1 => Just("+".to_owned())];
    (prop::collection::vec(lvl, 1..5), any::<bool>()).prop_map(|(mut l, hash)| {
        if hash {
            l.push("#".to_owned());
        }
        l.join("/")
    })
}

#[derive(Debug, Clone)]
enum Op {
    Insert(String, u8),
    Remove(String, u8),
    Match(String),
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (filter(), 0u8..4).prop_map(|(f, v)| Op::Insert(f, v)),
        1 => (filter(), 0u8..4).prop_map(|(f, v)| Op::Remove(f, v)),
        3 => topic().prop_map(Op::Match),
        1 => Just(Op::Compact),
    ]
}

/// What the index reports for `topic`, as sorted (group, value) pairs.
fn index_set(index: &SubscriptionIndex<u8>, topic: &TopicName) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    index.for_each_match(topic, |m| match m {
        Match::Subscriber(v) => out.push((String::new(), *v)),
        Match::Shared(g) => out.extend(g.members().map(|v| (g.name().to_owned(), *v))),
        _ => unreachable!(),
    });
    out.sort();
    out
}

/// One matching filter or shared group as the slice API reports it:
/// (group and filter, or empty for ordinary subscriptions; sorted values).
type Slices = Vec<(String, Vec<u8>)>;

/// What the slice API reports for `topic`: one item per filter or group.
fn index_slices(index: &SubscriptionIndex<u8>, topic: &TopicName) -> Slices {
    let mut out = Vec::new();
    index.for_each_match_slices(topic, |m| match m {
        MatchSlice::Subscribers(values) => {
            assert!(!values.is_empty());
            out.push((String::new(), values.to_vec()));
        }
        MatchSlice::Shared(g) => {
            assert_eq!(g.member_slice().len(), g.len());
            out.push((
                format!("{}/{}", g.name(), g.filter()),
                g.member_slice().to_vec(),
            ));
        }
        _ => unreachable!(),
    });
    for (_, v) in &mut out {
        v.sort();
    }
    out.sort();
    out
}

/// The model of [`index_slices`]: the subscriptions on each matching filter
/// (or shared group), grouped.
fn model_slices(model: &[(SubscribeFilter, u8)], topic: &str) -> Slices {
    let mut groups: Vec<(String, String, Vec<u8>)> = Vec::new();
    for (s, v) in model
        .iter()
        .filter(|(s, _)| matches(s.filter().as_str(), topic))
    {
        let filter = s.filter().as_str().to_owned();
        let group = s
            .group()
            .map(|g| format!("{g}/{filter}"))
            .unwrap_or_default();
        match groups
            .iter_mut()
            .find(|(g, f, _)| *g == group && *f == filter)
        {
            Some((_, _, values)) => values.push(*v),
            None => groups.push((group, filter, vec![*v])),
        }
    }
    let mut out: Slices = groups
        .into_iter()
        .map(|(g, _, mut values)| {
            values.sort();
            (g, values)
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn subscription_index_equals_linear_scan(ops in prop::collection::vec(op(), 1..60)) {
        let mut index = SubscriptionIndex::new();
        let mut model: Vec<(SubscribeFilter, u8)> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(f, v) => {
                    let sub = SubscribeFilter::parse(&f, ProtocolVersion::V5);
                    let Ok(sub) = sub else { continue };
                    index.insert_subscription(&sub, v).unwrap();
                    model.push((sub, v));
                }
                Op::Remove(f, v) => {
                    let Ok(sub) = SubscribeFilter::parse(&f, ProtocolVersion::V5) else { continue };
                    let pos = model.iter().position(|(s, x)| *s == sub && *x == v);
                    let got = match &sub {
                        SubscribeFilter::Plain(p) => index.remove(p, &v),
                        SubscribeFilter::Shared(s) => index.remove_shared(s, &v),
                        _ => unreachable!(),
                    };
                    prop_assert_eq!(got.is_some(), pos.is_some());
                    if let Some(p) = pos {
                        model.remove(p);
                    }
                }
                Op::Compact => index.shrink_to_fit(),
                Op::Match(t) => {
                    // A single empty level is the empty string: not a topic.
                    let Ok(topic) = TopicName::new(&t) else { continue };
                    let mut want: Vec<(String, u8)> = model
                        .iter()
                        .filter(|(s, _)| matches(s.filter().as_str(), &t))
                        .map(|(s, v)| (s.group().unwrap_or_default().to_owned(), *v))
                        .collect();
                    want.sort();
                    prop_assert_eq!(index_set(&index, &topic), want);
                    prop_assert_eq!(index_slices(&index, &topic), model_slices(&model, &t));
                }
            }
            prop_assert_eq!(index.len(), model.len());
        }
    }

    #[test]
    fn retained_index_equals_linear_scan(
        topics in prop::collection::vec((topic(), any::<bool>()), 0..40),
        filters in prop::collection::vec(filter(), 1..10),
    ) {
        let mut index = RetainedIndex::new();
        let mut model: Vec<String> = Vec::new();
        for (t, keep) in topics {
            let Ok(name) = TopicName::new(&t) else { continue };
            if keep {
                let old = index.insert(&name, t.clone()).unwrap();
                prop_assert_eq!(old.is_some(), model.contains(&t));
                if old.is_none() {
                    model.push(t);
                }
            } else {
                let got = index.remove(&name);
                prop_assert_eq!(got.is_some(), model.contains(&t));
                model.retain(|m| *m != t);
            }
        }
        prop_assert_eq!(index.len(), model.len());
        for f in filters {
            let Ok(filter) = TopicFilter::new(&f) else { continue };
            let mut got = Vec::new();
            index.for_each_match(&filter, |t: &String| got.push(t.clone()));
            got.sort();
            let mut want: Vec<String> = model.iter().filter(|t| matches(&f, t)).cloned().collect();
            want.sort();
            prop_assert_eq!(got, want, "filter {}", f);
        }
    }

    #[test]
    fn retained_retain_equals_linear_model(
        topics in prop::collection::vec((topic(), 0u8..6), 0..40),
        drop_tag in 0u8..6,
        filters in prop::collection::vec(filter(), 1..6),
        again in prop::collection::vec(topic(), 0..6),
    ) {
        let mut index = RetainedIndex::new();
        let mut model: Vec<(String, u8)> = Vec::new();
        for (t, tag) in topics {
            let Ok(name) = TopicName::new(&t) else { continue };
            index.insert(&name, (t.clone(), tag)).unwrap();
            model.retain(|(m, _)| *m != t);
            model.push((t, tag));
        }
        // Drop by value, and by topic: every topic with an empty level.
        let keep = |t: &str, tag: u8| tag != drop_tag && !t.split('/').any(str::is_empty);
        let mut visited = Vec::new();
        index.retain(|t, (stored, tag)| {
            assert_eq!(t, stored.as_str(), "retain passes the topic of the value");
            visited.push(t.to_owned());
            keep(t, *tag)
        });
        visited.sort();
        let mut all: Vec<String> = model.iter().map(|(t, _)| t.clone()).collect();
        all.sort();
        prop_assert_eq!(visited, all, "each message visited once");
        model.retain(|(t, tag)| keep(t, *tag));
        prop_assert_eq!(index.len(), model.len());
        // The index still answers like the model, after more inserts too.
        for t in again {
            let Ok(name) = TopicName::new(&t) else { continue };
            index.insert(&name, (t.clone(), 0)).unwrap();
            model.retain(|(m, _)| *m != t);
            model.push((t, 0));
        }
        prop_assert_eq!(index.len(), model.len());
        for (t, tag) in &model {
            let name = TopicName::new(t).unwrap();
            prop_assert_eq!(index.get(&name), Some(&(t.clone(), *tag)));
        }
        for f in filters {
            let Ok(filter) = TopicFilter::new(&f) else { continue };
            let mut got = Vec::new();
            index.for_each_match(&filter, |(t, _): &(String, u8)| got.push(t.clone()));
            got.sort();
            let mut want: Vec<String> =
                model.iter().map(|(t, _)| t.clone()).filter(|t| matches(&f, t)).collect();
            want.sort();
            prop_assert_eq!(got, want, "filter {}", f);
        }
        // Dropping everything frees every node.
        index.retain(|_, _| false);
        prop_assert!(index.is_empty());
        prop_assert!(index.get(&TopicName::new("a").unwrap()).is_none());
    }

    #[test]
    fn valid_topic_is_a_filter_matching_itself(t in "[a-c/$+#\u{0}]{0,12}") {
        if let Ok(topic) = TopicName::new(&t) {
            let filter = TopicFilter::new(&t).unwrap();
            prop_assert!(filter.matches(&topic));
            prop_assert_eq!(matches("#", &t), !t.starts_with('$'));
        }
    }
}
