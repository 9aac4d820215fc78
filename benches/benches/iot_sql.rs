//! AWS IoT SQL benchmarks: parse + compile of typical rules, and evaluation
//! from payload bytes to output of four rule shapes. Each evaluation case is
//! measured next to `serde_json::from_slice::<Value>` of the same payload
//! (the floor: a rule has to read the payload) and, with `--features
//! compare`, next to jaq running the equivalent jq filter (payload parsed
//! with serde_json, converted to jaq's value, filter run, output collected).
//!
//! Ids: `iot_sql/<case>/<implementation>`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iot_sql::{Message, Outcome, Rule, SqlVersion};
use std::hint::black_box;

const TELEMETRY: &[u8] = include_bytes!("../data/iot_sql_telemetry.json");
const READINGS: &[u8] = include_bytes!("../data/iot_sql_readings.json");

/// (case, payload, SQL, equivalent jq filter)
const CASES: &[(&str, &[u8], &str, &str)] = &[
    ("select_star", TELEMETRY, "SELECT * FROM 'a/#'", "."),
    (
        "where_project4",
        TELEMETRY,
        "SELECT deviceId, temp, humidity, battery FROM 'a/#' WHERE temp > 20 AND status = 'ok'",
        "select(.temp > 20 and .status == \"ok\") | {deviceId, temp, humidity, battery}",
    ),
    (
        "functions5_case",
        TELEMETRY,
        "SELECT upper(deviceId) AS id, round(temp) AS t, abs(delta) AS d, concat(site, '-', zone) AS loc, \
         sqrt(pressure) AS p, CASE status WHEN 'ok' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END AS s FROM 'a/#'",
        "{id: (.deviceId | ascii_upcase), t: (.temp | round), d: (.delta | if . < 0 then -. else . end), \
         loc: (.site + \"-\" + .zone), p: (.pressure | sqrt), \
         s: (if .status == \"ok\" then 1 elif .status == \"warn\" then 2 else 3 end)}",
    ),
    (
        "nested_query_50",
        READINGS,
        "SELECT deviceId, (SELECT VALUE v FROM readings WHERE v > 50) AS high FROM 'a/#'",
        "{deviceId, high: [.readings[] | select(.v > 50) | .v]}",
    ),
];

fn parse_compile(c: &mut Criterion) {
    let rules: Vec<&str> = CASES.iter().map(|(_, _, sql, _)| *sql).collect();
    c.bench_function("iot_sql/parse_compile_4_rules/ours", |b| {
        b.iter(|| {
            for sql in &rules {
                black_box(Rule::parse(black_box(sql), SqlVersion::V2016_03_23).unwrap());
            }
        });
    });
}

fn evaluate(c: &mut Criterion) {
    for (case, payload, sql, jq) in CASES {
        let mut g = c.benchmark_group(format!("iot_sql/{case}"));
        g.throughput(Throughput::Bytes(payload.len() as u64));
        let rule = Rule::parse(sql, SqlVersion::V2016_03_23).unwrap();
        // Sanity: the rule fires on its payload.
        assert!(matches!(
            rule.evaluate(&Message::new("a/b", payload)).unwrap(),
            Outcome::Emit(_)
        ));
        // Parse only what the rule reads (Message::for_rule), then evaluate.
        g.bench_function("ours", |b| {
            b.iter(|| {
                let msg = Message::for_rule(&rule, "a/b", black_box(payload));
                black_box(rule.evaluate(&msg).unwrap())
            });
        });
        // Full payload parse (Message::new), then evaluate.
        g.bench_function("ours_full_parse", |b| {
            b.iter(|| {
                let msg = Message::new("a/b", black_box(payload));
                black_box(rule.evaluate(&msg).unwrap())
            });
        });
        g.bench_function("serde_json_parse", |b| {
            b.iter(|| {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(payload)).unwrap())
            });
        });
        #[cfg(feature = "compare")]
        peer::jaq(&mut g, payload, jq);
        #[cfg(not(feature = "compare"))]
        let _ = jq;
        g.finish();
    }
}

#[cfg(feature = "compare")]
mod peer {
    use criterion::{BenchmarkGroup, measurement::WallTime};
    use jaq_core::load::{Arena, File, Loader};
    use jaq_core::{Compiler, Ctx, RcIter};
    use jaq_json::Val;
    use std::hint::black_box;

    pub(super) fn jaq(g: &mut BenchmarkGroup<'_, WallTime>, payload: &[u8], code: &str) {
        let loader = Loader::new(jaq_std::defs().chain(jaq_json::defs()));
        let arena = Arena::default();
        let modules = loader.load(&arena, File { code, path: () }).unwrap();
        let filter = Compiler::default()
            .with_funs(jaq_std::funs().chain(jaq_json::funs()))
            .compile(modules)
            .unwrap();
        g.bench_function("jaq", |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_slice(black_box(payload)).unwrap();
                let inputs = RcIter::new(core::iter::empty());
                let out: Vec<_> = filter.run((Ctx::new([], &inputs), Val::from(v))).collect();
                assert!(out.iter().all(Result::is_ok));
                black_box(out)
            });
        });
    }
}

criterion_group!(benches, parse_compile, evaluate);
criterion_main!(benches);
