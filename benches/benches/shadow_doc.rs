//! Device Shadow benchmarks (filled by the shadow-doc issue).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn thing_name(c: &mut Criterion) {
    c.bench_function("shadow_doc/thing_name", |b| {
        b.iter(|| shadow_doc::ThingName::new(black_box("kitchen-sensor_01")));
    });
}

criterion_group!(benches, thing_name);
criterion_main!(benches);
