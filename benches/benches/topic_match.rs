//! Topic matching benchmarks (filled by the topic-match issue).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn single_pair(c: &mut Criterion) {
    c.bench_function("topic_match/matches/single_pair", |b| {
        b.iter(|| {
            topic_match::matches(
                black_box("building/+/floor/+/room/#"),
                black_box("building/7/floor/2/room/12/temperature"),
            )
        });
    });
}

criterion_group!(benches, single_pair);
criterion_main!(benches);
