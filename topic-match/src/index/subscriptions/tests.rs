use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::index::trie::ROOT;

fn f(s: &str) -> TopicFilter {
    TopicFilter::new(s).unwrap()
}

fn t(s: &str) -> TopicName {
    TopicName::new(s).unwrap()
}

fn plain(index: &SubscriptionIndex<u32>, topic: &str) -> Vec<u32> {
    let mut out = Vec::new();
    index.for_each_match(&t(topic), |m| {
        if let Match::Subscriber(v) = m {
            out.push(*v);
        }
    });
    out.sort_unstable();
    out
}

#[test]
fn insert_match_remove_prunes_everything() {
    let mut index = SubscriptionIndex::new();
    let filters = ["a/b", "a/+", "a/#", "#", "+/b", "$SYS/#", "a//b", "/"];
    for (i, filter) in filters.iter().enumerate() {
        index.insert(&f(filter), i as u32).unwrap();
    }
    assert_eq!(plain(&index, "a/b"), [0, 1, 2, 3, 4]);
    assert_eq!(plain(&index, "a"), [2, 3]);
    assert_eq!(plain(&index, "$SYS/x"), [5]);
    assert_eq!(plain(&index, "a//b"), [2, 3, 6]);
    assert_eq!(plain(&index, "/"), [3, 7]);
    // Same answers after the entries are laid out again.
    index.insert(&f("a/b"), 10).unwrap();
    index.insert(&f("a/b"), 11).unwrap();
    index.remove(&f("a/b"), &10).unwrap();
    index.shrink_to_fit();
    assert_eq!(plain(&index, "a/b"), [0, 1, 2, 3, 4, 11]);
    assert_eq!(index.remove(&f("a/b"), &11), Some(11));
    for (i, filter) in filters.iter().enumerate() {
        assert_eq!(index.remove(&f(filter), &(i as u32)), Some(i as u32));
        assert_eq!(index.remove(&f(filter), &(i as u32)), None);
    }
    assert!(index.is_empty());
    // Everything pruned back to the two roots; every level released.
    assert_eq!(index.exact.get("a/b"), None);
    assert_eq!(index.exact.get("/"), None);
    assert_eq!(index.wild.edges.len(), 0);
    assert_eq!(index.levels.get("a"), None);
    assert_eq!(index.levels.get("b"), None);
    let root = index.wild.node(ROOT).unwrap();
    assert!(root.is_unused());
}

#[test]
fn mqtt_4_8_2_shared_groups_are_reported_once_per_group_and_filter() {
    let mut index = SubscriptionIndex::new();
    let g1 = SharedSubscription::new("$share/g1/a/+").unwrap();
    let g1b = SharedSubscription::new("$share/g1/a/b").unwrap();
    let g2 = SharedSubscription::new("$share/g2/a/+").unwrap();
    index.insert_shared(&g1, 1).unwrap();
    index.insert_shared(&g1, 2).unwrap();
    index.insert_shared(&g1b, 3).unwrap();
    index.insert_shared(&g2, 4).unwrap();
    index.insert(&f("a/b"), 5).unwrap();
    let mut groups = Vec::new();
    let mut subs = Vec::new();
    index.for_each_match(&t("a/b"), |m| match m {
        Match::Subscriber(v) => subs.push(*v),
        Match::Shared(g) => {
            let mut members: Vec<u32> = g.members().copied().collect();
            members.sort_unstable();
            assert_eq!(members.len(), g.len());
            groups.push((g.name(), members));
        }
    });
    groups.sort();
    assert_eq!(subs, [5]);
    assert_eq!(
        groups,
        [
            ("g1", alloc::vec![1, 2]),
            ("g1", alloc::vec![3]),
            ("g2", alloc::vec![4])
        ]
    );
    assert_eq!(index.len(), 5);
    assert_eq!(index.remove_shared(&g1, &1), Some(1));
    assert_eq!(index.remove_shared(&g1, &2), Some(2));
    assert_eq!(index.remove_shared(&g1, &2), None);
    assert_eq!(index.remove_shared(&g1b, &3), Some(3));
    assert_eq!(index.remove_shared(&g2, &4), Some(4));
    assert_eq!(index.remove(&f("a/b"), &5), Some(5));
    assert!(index.is_empty());
    assert_eq!(index.levels.get("g1"), None, "group names released");
    assert_eq!(index.count_matches(&t("a/b")), 0);
}

#[test]
fn deep_topics_need_no_stack() {
    let mut index = SubscriptionIndex::new();
    let deep = "/".repeat(60_000);
    index.insert(&f(&alloc::format!("{deep}#")), 1).unwrap();
    index.insert(&f("+/#"), 2).unwrap();
    index.insert(&f(&deep), 3).unwrap();
    assert_eq!(plain(&index, &deep), [1, 2, 3]);
}

#[test]
fn index_is_send_and_sync() {
    fn check<S: Send + Sync>() {}
    check::<SubscriptionIndex<u32>>();
    check::<crate::RetainedIndex<u32>>();
}

#[test]
fn mqtt_4_8_2_shared_group_exposes_its_filter() {
    let mut index = SubscriptionIndex::new();
    index
        .insert_shared(&SharedSubscription::new("$share/g/a/+").unwrap(), 1)
        .unwrap();
    index
        .insert_shared(&SharedSubscription::new("$share/g/a/b").unwrap(), 2)
        .unwrap();
    let mut seen = Vec::new();
    index.for_each_match(&t("a/b"), |m| {
        if let Match::Shared(g) = m {
            seen.push((
                g.name(),
                g.filter(),
                g.members().copied().collect::<Vec<_>>(),
            ));
        }
    });
    seen.sort();
    assert_eq!(
        seen,
        [("g", "a/+", alloc::vec![1]), ("g", "a/b", alloc::vec![2])]
    );
    index
        .remove_shared(&SharedSubscription::new("$share/g/a/+").unwrap(), &1)
        .unwrap();
    index
        .remove_shared(&SharedSubscription::new("$share/g/a/b").unwrap(), &2)
        .unwrap();
    assert_eq!(index.levels.get("a/+"), None, "group filters released");
    assert_eq!(index.levels.get("a/b"), None);
    assert_eq!(index.exact.get("a/b"), None);
}

#[test]
fn mqtt_3_3_2_2_match_str_validates_like_topic_name() {
    let mut index = SubscriptionIndex::new();
    index.insert(&f("#"), 1).unwrap();
    index.insert(&f("a/b"), 2).unwrap();
    for bad in ["", "a/+", "a#", "a\0b"] {
        let mut called = false;
        let got = index.for_each_match_str(bad, |_| called = true);
        assert_eq!(got, TopicName::new(bad).map(drop), "{bad:?}");
        assert!(!called);
    }
    let mut n = 0;
    index.for_each_match_str("a/b", |_| n += 1).unwrap();
    assert_eq!(n, 2);
}

/// (ShareName, members) of the matching shared groups.
type Groups = Vec<(String, Vec<u32>)>;

#[test]
fn slices_hold_each_filters_values_and_survive_swap_removal() {
    let mut index = SubscriptionIndex::new();
    for v in 0..5 {
        index.insert(&f("a/+"), v).unwrap();
    }
    index.insert(&f("a/b"), 10).unwrap();
    index.insert(&f("a/#"), 20).unwrap();
    index
        .insert_shared(&SharedSubscription::new("$share/g/a/b").unwrap(), 30)
        .unwrap();
    let collect = |index: &SubscriptionIndex<u32>| -> (Vec<Vec<u32>>, Groups) {
        let mut slices = Vec::new();
        let mut groups = Vec::new();
        index.for_each_match_slices(&t("a/b"), |m| match m {
            MatchSlice::Subscribers(values) => slices.push(values.to_vec()),
            MatchSlice::Shared(g) => groups.push((g.name().to_owned(), g.member_slice().to_vec())),
        });
        slices.sort();
        (slices, groups)
    };
    let (slices, groups) = collect(&index);
    assert_eq!(
        slices,
        [alloc::vec![0, 1, 2, 3, 4], alloc::vec![10], alloc::vec![20]]
    );
    assert_eq!(groups, [("g".into(), alloc::vec![30])]);
    // Removing from the middle moves the last value into the gap.
    assert_eq!(index.remove(&f("a/+"), &1), Some(1));
    let (slices, _) = collect(&index);
    assert_eq!(slices[0], [0, 4, 2, 3]);
    index.shrink_to_fit();
    assert_eq!(collect(&index).0[0], [0, 4, 2, 3]);
    let mut n = 0;
    index.for_each_match_slices_str("a/b", |_| n += 1).unwrap();
    assert_eq!(n, 4);
    assert!(index.for_each_match_slices_str("a/+", |_| n += 1).is_err());
    assert_eq!(n, 4);
}

#[test]
fn frontier_overflow_falls_back_to_the_depth_first_walk() {
    // Every filter of 6 levels, each `a` or `+`, with and without `/#`:
    // 64 nodes match `a/a/a/a/a/a` at depth 6, more than one frontier holds.
    let mut index = SubscriptionIndex::new();
    let mut all = Vec::new();
    for bits in 0..64u32 {
        let levels: Vec<&str> = (0..6)
            .map(|i| if bits & (1 << i) == 0 { "a" } else { "+" })
            .collect();
        let plain = levels.join("/");
        let hash = alloc::format!("{plain}/#");
        for (n, filter) in [plain, hash].into_iter().enumerate() {
            let value = bits * 2 + n as u32;
            index.insert(&f(&filter), value).unwrap();
            all.push((filter, value));
        }
    }
    for topic in [
        "a/a/a/a/a/a",
        "a/b/a/a/a/a",
        "a/a/a/a/a/a/x",
        "a/a/a",
        "$a/a/a/a/a/a",
    ] {
        let mut want: Vec<u32> = all
            .iter()
            .filter(|(filter, _)| crate::matches(filter, topic))
            .map(|(_, v)| *v)
            .collect();
        want.sort_unstable();
        assert_eq!(plain(&index, topic), want, "{topic}");
    }
    assert_eq!(plain(&index, "a/a/a/a/a/a").len(), 128);
}
