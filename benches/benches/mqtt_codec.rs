//! MQTT codec benchmarks (filled by the mqtt-codec issue).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn qos(c: &mut Criterion) {
    c.bench_function("mqtt_codec/qos_try_from", |b| {
        b.iter(|| iot_mqtt_codec::QoS::try_from(black_box(1u8)));
    });
}

criterion_group!(benches, qos);
criterion_main!(benches);
