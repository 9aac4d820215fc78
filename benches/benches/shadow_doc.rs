//! Device Shadow benchmarks: update + delta on ~1 KiB and ~8 KiB shadows with 1, 10 and 100
//! written leaves, GET serialisation and topic parsing, each next to `serde_json::from_slice`
//! of the same bytes (the floor: no update can avoid parsing its request).
//!
//! Ids: `shadow_doc/<case>/ours` and `shadow_doc/<case>/serde_json_parse`. No other crate
//! implements the shadow rules, so there is no peer behind `compare`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use shadow_doc::{Shadow, ShadowKey, ShadowTopic, UpdateOptions};
use std::hint::black_box;

/// A realistic shadow: desired settings per sensor, reported settings and readings per sensor
/// (in sync, so the delta is empty until an update makes them differ).
fn state(sensors: usize) -> Value {
    let mut desired = Map::new();
    let mut reported = Map::new();
    for i in 0..sensors {
        desired.insert(
            format!("s{i}"),
            json!({"rate": 10, "mode": "auto", "alarm": [15, 30]}),
        );
        reported.insert(
            format!("s{i}"),
            json!({"t": 20.5, "h": 40, "mode": "auto", "rate": 10, "alarm": [15, 30], "fw": "1.4.2"}),
        );
    }
    json!({"state": {"desired": {"sensors": desired}, "reported": {"sensors": reported}}})
}

/// An update writing `leaves` reported leaves: existing readings first, then new keys.
fn request(sensors: usize, leaves: usize) -> Vec<u8> {
    let mut per_sensor: Vec<Map<String, Value>> = vec![Map::new(); sensors];
    for j in 0..leaves {
        let i = j % sensors;
        let round = j / sensors;
        let m = &mut per_sensor[i];
        match round {
            0 => m.insert("t".into(), json!(21.0 + j as f64 / 10.0)),
            1 => m.insert("h".into(), json!(41 + j)),
            2 => m.insert("mode".into(), json!("eco")),
            _ => m.insert(format!("x{round}"), json!(j)),
        };
    }
    let sensors: Map<String, Value> = per_sensor
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(i, m)| (format!("s{i}"), Value::Object(m)))
        .collect();
    serde_json::to_vec(
        &json!({"state": {"reported": {"sensors": sensors}}, "clientToken": "bench"}),
    )
    .unwrap()
}

fn seeded(sensors: usize) -> Shadow {
    let mut shadow = Shadow::new(ShadowKey::parse("bench-thing", None).unwrap());
    shadow
        .update(&serde_json::to_vec(&state(sensors)).unwrap(), 1_700_000_000)
        .unwrap();
    shadow
}

fn update_delta(c: &mut Criterion) {
    // 8 sensors ≈ 1 KiB, 60 sensors ≈ 7.6 KiB of desired + reported (the limit is 8192).
    for (label, sensors) in [("1k", 8usize), ("8k", 60)] {
        let shadow = seeded(sensors);
        eprintln!(
            "shadow_doc: {label} shadow = {} bytes of state",
            shadow.state_len()
        );
        for leaves in [1usize, 10, 100] {
            let req = request(sensors, leaves);
            let case = format!("shadow_doc/update_delta_{label}_{leaves}leaves");
            // Steady state: the same shadow receives the update again and again (the values
            // stay the same, the version grows), as a device reporting periodically would.
            // `ours` is update + delta (no /documents message, updated in place).
            let mut s = shadow.clone();
            let lean = UpdateOptions::default().with_documents(false);
            c.bench_function(&format!("{case}/ours"), |b| {
                b.iter(|| {
                    let out = s.update_with(black_box(&req), 1_700_000_100, lean).unwrap();
                    black_box(out.delta);
                });
            });
            if label == "8k" {
                // With the /documents message: previous and current of the whole shadow.
                let full = format!("shadow_doc/update_documents_{label}_{leaves}leaves");
                let mut s = shadow.clone();
                c.bench_function(&format!("{full}/ours"), |b| {
                    b.iter(|| black_box(s.update(black_box(&req), 1_700_000_100).unwrap()));
                });
                c.bench_function(&format!("{full}/serde_json_parse"), |b| {
                    b.iter(|| serde_json::from_slice::<Value>(black_box(&req)).unwrap());
                });
            }
            c.bench_function(&format!("{case}/serde_json_parse"), |b| {
                b.iter(|| serde_json::from_slice::<Value>(black_box(&req)).unwrap());
            });
        }
    }
}

fn get_serialise(c: &mut Criterion) {
    let shadow = seeded(60);
    let body = serde_json::to_vec(&shadow.get(b"", 1).unwrap()).unwrap();
    c.bench_function("shadow_doc/get_serialise_8k/ours", |b| {
        b.iter(|| {
            let doc = shadow.get(black_box(b""), 1_700_000_200).unwrap();
            serde_json::to_vec(&doc).unwrap()
        });
    });
    c.bench_function("shadow_doc/get_serialise_8k/serde_json_parse", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap());
    });
}

fn topic_parse(c: &mut Criterion) {
    let topic = "$aws/things/kitchen-sensor_01/shadow/name/config/update/documents";
    let as_json = serde_json::to_vec(topic).unwrap();
    c.bench_function("shadow_doc/topic_parse/ours", |b| {
        b.iter(|| ShadowTopic::parse(black_box(topic)).unwrap());
    });
    c.bench_function("shadow_doc/topic_parse/serde_json_parse", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&as_json)).unwrap());
    });
}

criterion_group!(benches, update_delta, get_serialise, topic_parse);
criterion_main!(benches);
