//! Shared fixtures for the criterion benchmarks in `benches/benches/`.
//!
//! Run them with `scripts/bench` (writes `benches/RESULTS.md`) or
//! `cargo bench -p benches --features compare`.
