//! AWS IoT SQL benchmarks (filled by the iot-sql issue).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn version(c: &mut Criterion) {
    c.bench_function("iot_sql/parse_version", |b| {
        b.iter(|| black_box("2016-03-23").parse::<iot_sql::SqlVersion>());
    });
}

criterion_group!(benches, version);
criterion_main!(benches);
