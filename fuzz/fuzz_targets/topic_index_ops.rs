#![no_main]
//! Differential test: random insert / remove / match operations on the
//! subscription index and the retained index agree with a linear scan of
//! the `matches` model.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use topic_match::{
    Match, MatchSlice, ProtocolVersion, RetainedIndex, SubscribeFilter, SubscriptionIndex,
    TopicFilter, TopicName, matches,
};

#[derive(Debug, Arbitrary)]
enum Op {
    Subscribe(Vec<u8>, u8),
    Unsubscribe(Vec<u8>, u8),
    Publish(Vec<u8>),
    Retain(Vec<u8>),
    Unretain(Vec<u8>),
    Lookup(Vec<u8>),
    /// Drop the retained messages whose topic has a level among these
    /// bytes' levels, or whose length modulo 4 is the first byte's.
    Purge(Vec<u8>),
    Compact,
}

/// Maps bytes onto a small alphabet so levels collide often.
fn text(bytes: &[u8]) -> String {
    const PREFIXES: [&str; 4] = ["", "$share/g/", "$share/h/", "$SYS/"];
    const ALPHABET: [char; 8] = ['a', 'b', '/', '/', '+', '#', '$', 'c'];
    let mut s = String::new();
    let (head, rest) = bytes.split_first().map_or((0, bytes), |(h, r)| (*h, r));
    s.push_str(PREFIXES[usize::from(head % 4)]);
    s.extend(rest.iter().take(24).map(|b| ALPHABET[usize::from(b % 8)]));
    s
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fuzz_target!(|ops: Vec<Op>| {
    let mut index = SubscriptionIndex::new();
    let mut subs: Vec<(SubscribeFilter, u8)> = Vec::new();
    let mut retained = RetainedIndex::new();
    let mut stored: Vec<String> = Vec::new();
    for op in ops.into_iter().take(200) {
        match op {
            Op::Subscribe(f, v) => {
                if let Ok(sub) = SubscribeFilter::parse(&text(&f), ProtocolVersion::V5) {
                    index.insert_subscription(&sub, v % 4).unwrap();
                    subs.push((sub, v % 4));
                }
            }
            Op::Unsubscribe(f, v) => {
                let Ok(sub) = SubscribeFilter::parse(&text(&f), ProtocolVersion::V5) else {
                    continue;
                };
                let v = v % 4;
                let got = match &sub {
                    SubscribeFilter::Plain(p) => index.remove(p, &v),
                    SubscribeFilter::Shared(s) => index.remove_shared(s, &v),
                    _ => unreachable!(),
                };
                let pos = subs.iter().position(|(s, x)| *s == sub && *x == v);
                assert_eq!(got.is_some(), pos.is_some());
                if let Some(p) = pos {
                    subs.remove(p);
                }
            }
            Op::Compact => index.shrink_to_fit(),
            Op::Publish(t) => {
                let t = text(&t);
                let Ok(topic) = TopicName::new(&t) else {
                    assert!(index.for_each_match_str(&t, |_| ()).is_err());
                    continue;
                };
                // Shared groups are reported with their ShareName and filter.
                let mut got = Vec::new();
                index.for_each_match(&topic, |m| match m {
                    Match::Subscriber(v) => got.push((String::new(), *v)),
                    Match::Shared(g) => got.extend(
                        g.members()
                            .map(|v| (format!("{}/{}", g.name(), g.filter()), *v)),
                    ),
                    _ => unreachable!(),
                });
                let mut by_str = 0;
                index
                    .for_each_match_str(&t, |m| {
                        by_str += match m {
                            Match::Shared(g) => g.len(),
                            _ => 1,
                        }
                    })
                    .unwrap();
                assert_eq!(by_str, got.len(), "for_each_match_str {t}");
                let want: Vec<(String, u8)> = subs
                    .iter()
                    .filter(|(s, _)| matches(s.filter().as_str(), &t))
                    .map(|(s, v)| {
                        let group = s
                            .group()
                            .map(|g| format!("{g}/{}", s.filter().as_str()))
                            .unwrap_or_default();
                        (group, *v)
                    })
                    .collect();
                // The slice API: one slice per matching filter (or group),
                // holding exactly that filter's values.
                let mut slices = Vec::new();
                index
                    .for_each_match_slices_str(&t, |m| match m {
                        MatchSlice::Subscribers(values) => {
                            assert!(!values.is_empty());
                            slices.push((String::new(), sorted(values.to_vec())));
                        }
                        MatchSlice::Shared(g) => {
                            assert_eq!(g.member_slice().len(), g.len());
                            let key = format!("{}/{}", g.name(), g.filter());
                            slices.push((key, sorted(g.member_slice().to_vec())));
                        }
                        _ => unreachable!(),
                    })
                    .unwrap();
                let mut per_filter: Vec<(String, String, Vec<u8>)> = Vec::new();
                for (s, v) in subs
                    .iter()
                    .filter(|(s, _)| matches(s.filter().as_str(), &t))
                {
                    let f = s.filter().as_str().to_owned();
                    let g = s.group().map(|g| format!("{g}/{f}")).unwrap_or_default();
                    match per_filter
                        .iter_mut()
                        .find(|(pg, pf, _)| *pg == g && *pf == f)
                    {
                        Some((_, _, vs)) => vs.push(*v),
                        None => per_filter.push((g, f, vec![*v])),
                    }
                }
                let want_slices: Vec<(String, Vec<u8>)> = per_filter
                    .into_iter()
                    .map(|(g, _, vs)| (g, sorted(vs)))
                    .collect();
                assert_eq!(sorted(slices), sorted(want_slices), "slices {t}");
                assert_eq!(sorted(got), sorted(want), "publish {t}");
            }
            Op::Retain(t) => {
                let t = text(&t);
                if let Ok(topic) = TopicName::new(&t) {
                    let old = retained.insert(&topic, t.clone()).unwrap();
                    assert_eq!(old.is_some(), stored.contains(&t));
                    if old.is_none() {
                        stored.push(t);
                    }
                }
            }
            Op::Unretain(t) => {
                let t = text(&t);
                if let Ok(topic) = TopicName::new(&t) {
                    assert_eq!(retained.remove(&topic).is_some(), stored.contains(&t));
                    stored.retain(|s| *s != t);
                }
            }
            Op::Purge(p) => {
                let p = text(&p);
                let len_mod = p.len() % 4;
                let gone = |t: &str| {
                    t.len() % 4 == len_mod || t.split('/').any(|l| p.split('/').any(|q| q == l))
                };
                let mut seen = 0;
                retained.retain(|t, v: &mut String| {
                    assert_eq!(t, v.as_str(), "retain passes each value's topic");
                    seen += 1;
                    !gone(t)
                });
                assert_eq!(seen, stored.len());
                stored.retain(|t| !gone(t));
                for t in &stored {
                    let name = TopicName::new(t).unwrap();
                    assert_eq!(retained.get(&name), Some(t));
                }
            }
            Op::Lookup(f) => {
                let f = text(&f);
                let Ok(filter) = TopicFilter::new(&f) else {
                    continue;
                };
                let mut got = Vec::new();
                retained.for_each_match(&filter, |t: &String| got.push(t.clone()));
                let want: Vec<String> = stored.iter().filter(|t| matches(&f, t)).cloned().collect();
                assert_eq!(sorted(got), sorted(want), "lookup {f}");
            }
        }
        assert_eq!(index.len(), subs.len());
        assert_eq!(retained.len(), stored.len());
    }
});
