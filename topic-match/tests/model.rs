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
    Match, ProtocolVersion, RetainedIndex, SubscribeFilter, SubscriptionIndex, TopicFilter,
    TopicName, matches,
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
    fn valid_topic_is_a_filter_matching_itself(t in "[a-c/$+#\u{0}]{0,12}") {
        if let Ok(topic) = TopicName::new(&t) {
            let filter = TopicFilter::new(&t).unwrap();
            prop_assert!(filter.matches(&topic));
            prop_assert_eq!(matches("#", &t), !t.starts_with('$'));
        }
    }
}
