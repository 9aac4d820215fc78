//! AWS IoT policy benchmarks (filled by the iot-policy issue).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn effect(c: &mut Criterion) {
    c.bench_function("iot_policy/parse_effect", |b| {
        b.iter(|| black_box("Allow").parse::<iot_policy::Effect>());
    });
}

criterion_group!(benches, effect);
criterion_main!(benches);
