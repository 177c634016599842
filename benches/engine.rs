//! The whole engine, per sample and per block, at 100 Hz / 1 kHz / 10 kHz, on a typical
//! simulated session generated up front (letdown-datasets, fixed seed).
//!
//! `cargo bench --bench engine`. Each iteration processes the next second of the session
//! (wrapping around at its end) on an engine that keeps running across iterations, so the
//! state is that of a live session: cycles tracked, detector armed, spectra refreshed.
//! Throughput is in samples; after criterion's groups a summary prints the engine's speed
//! as a multiple of real time at each rate (`-- summary` prints only that).

mod common;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use letdown_engine::{Engine, EngineConfig, Sample};
use std::hint::black_box;
use std::time::{Duration, Instant};

const RATES_HZ: [f64; 3] = [100.0, 1000.0, 10_000.0];
/// Session length per rate, s.
const SESSION_S: f64 = 120.0;
/// Block length of the per-block bench (what the pipeline moves).
const BLOCK: usize = 32;

fn engine_for(rate_hz: f64) -> Engine {
    EngineConfig::new(rate_hz as f32)
        .build()
        .expect("default config is valid")
}

/// The session cut in one-second chunks, visited in turn.
struct Seconds {
    input: Vec<Sample>,
    per_chunk: usize,
    next: usize,
}

impl Seconds {
    fn new(rate_hz: f64) -> Self {
        Self {
            input: common::simulated(rate_hz, SESSION_S),
            per_chunk: rate_hz as usize,
            next: 0,
        }
    }
    fn chunk(&mut self) -> &[Sample] {
        let chunks = self.input.len() / self.per_chunk;
        let k = self.next % chunks;
        self.next += 1;
        &self.input[k * self.per_chunk..(k + 1) * self.per_chunk]
    }
}

fn per_sample(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine/per_sample");
    for rate in RATES_HZ {
        let mut seconds = Seconds::new(rate);
        let mut engine = engine_for(rate);
        group.throughput(Throughput::Elements(seconds.per_chunk as u64));
        group.bench_function(BenchmarkId::from_parameter(common::rate_label(rate)), |b| {
            b.iter(|| {
                let mut events = 0u32;
                for &s in seconds.chunk() {
                    events += u32::from(engine.process(black_box(s)).is_some());
                }
                events
            })
        });
    }
    group.finish();
}

fn per_block(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("engine/per_block_{BLOCK}"));
    for rate in RATES_HZ {
        let mut seconds = Seconds::new(rate);
        let mut engine = engine_for(rate);
        group.throughput(Throughput::Elements(seconds.per_chunk as u64));
        group.bench_function(BenchmarkId::from_parameter(common::rate_label(rate)), |b| {
            b.iter(|| {
                let mut events = 0u32;
                for block in seconds.chunk().chunks(BLOCK) {
                    engine.process_block(black_box(block), |_| events += 1);
                }
                events
            })
        });
    }
    group.finish();
}

/// Whole-session passes timed directly: samples/s and × real time at each rate (best of
/// five passes over the two-minute session, a fresh engine each).
fn summary() {
    println!("\nengine summary (whole {SESSION_S} s session per pass, best of 5, one core):");
    for rate in RATES_HZ {
        let input = common::simulated(rate, SESSION_S);
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let mut engine = engine_for(rate);
            let t0 = Instant::now();
            let mut events = 0u32;
            for &s in &input {
                events += u32::from(engine.process(black_box(s)).is_some());
            }
            black_box(events);
            best = best.min(t0.elapsed());
        }
        let per_s = input.len() as f64 / best.as_secs_f64();
        println!(
            "  {:>6}: {:6.1} ns/sample, {:7.2} M samples/s = {:>9.0}x real time",
            common::rate_label(rate),
            best.as_secs_f64() * 1e9 / input.len() as f64,
            per_s / 1e6,
            per_s / rate
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = per_sample, per_block
}

fn main() {
    benches();
    if common::summary_wanted() {
        summary();
    }
    Criterion::default().configure_from_args().final_summary();
}
