//! Unpaced throughput of the lock-free pipeline (`pipeline::start` + `feed_unpaced`)
//! against the baseline (`Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc`,
//! `pipeline::start_baseline`) in the same run, on ten minutes of a typical simulated
//! 1 kHz session (letdown-datasets, fixed seed), blocks of 32.
//!
//! `cargo bench --bench pipeline`. One iteration = start the pipeline (engine thread
//! spawned, queue and histograms allocated), feed the whole session flat out, close,
//! join. The lock-free pipeline is measured:
//! - with `feed_unpaced` and each engine-thread wait strategy (spin, predict = the
//!   default, park), default queue (0.5 s, at least 4096 samples: the producer meets a
//!   full queue and retries);
//! - with a queue that holds the whole input (the baseline's queue is unbounded, so this
//!   is the like-for-like case);
//! - with a producer that yields the CPU on a full queue instead of spinning.
//!
//! Flat-out figures need both cores free: a producer spinning on a full queue and a
//! spinning engine thread that share a core with each other (or lose one to other load)
//! wait out whole scheduler time slices. After criterion's groups, a summary runs every
//! variant in interleaved rounds (A, B, C, …, A, B, C, …; DESIGN §6) and prints the
//! median throughputs, their range and their ratio to the baseline's (`-- summary`
//! prints only that).

mod common;

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use letdown_engine::pipeline::{self, feed_unpaced, start_baseline, PipelineConfig, WaitStrategy};
use letdown_engine::{Engine, EngineConfig, Sample};
use std::time::{Duration, Instant};

const RATE_HZ: f32 = 1000.0;
const SESSION_S: f64 = 600.0;
const BLOCK: usize = 32;
const ROUNDS: usize = 5;

fn engine() -> Engine {
    EngineConfig::new(RATE_HZ).build().expect("default config")
}

/// How the producer side feeds the lock-free pipeline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// `pipeline::feed_unpaced`: on a full queue it pushes what fits and retries the rest.
    Unpaced,
    /// On a full queue, yields the CPU (`sched_yield`) until the block fits, then pushes
    /// it: a producer that shares a core with the engine thread lets it run.
    Yielding,
}

/// What one run did: samples processed and blocks the engine thread took.
struct Run {
    processed: u64,
    blocks: u64,
}

/// The lock-free pipeline, start to join. `whole_input`: a queue that holds the whole
/// input (the producer never meets a full queue), instead of the default 0.5 s / 4096
/// samples.
fn lock_free(input: &[Sample], wait: WaitStrategy, whole_input: bool, feed: Feed) -> Run {
    let mut config = PipelineConfig::for_stream(RATE_HZ, BLOCK).wait(wait);
    if whole_input {
        config = config.capacity(input.len().next_power_of_two());
    }
    let p = pipeline::start(engine(), config).expect("pipeline starts");
    let mut producer = p.producer;
    match feed {
        Feed::Unpaced => drop(feed_unpaced(&mut producer, input, BLOCK)),
        Feed::Yielding => {
            for block in input.chunks(BLOCK) {
                while producer.vacant_len() < block.len() {
                    std::thread::yield_now();
                }
                producer.push(block);
            }
        }
    }
    producer.close();
    let report = p.engine.join().expect("engine thread");
    while p.hints.try_recv().is_ok() {}
    Run {
        processed: report.stats.processed,
        blocks: report.stats.blocks,
    }
}

/// The baseline, start to join; returns the samples processed.
fn baseline(input: &[Sample]) -> Run {
    let b = start_baseline(engine(), PipelineConfig::for_stream(RATE_HZ, BLOCK))
        .expect("baseline starts");
    let mut producer = b.producer;
    feed_unpaced(&mut producer, input, BLOCK);
    producer.close();
    let report = b.engine.join().expect("engine thread");
    while b.hints.try_recv().is_ok() {}
    Run {
        processed: report.stats.processed,
        blocks: report.stats.blocks,
    }
}

fn throughput(c: &mut Criterion) {
    let input = common::simulated(f64::from(RATE_HZ), SESSION_S);
    let mut group = c.benchmark_group(format!("pipeline_unpaced_block_{BLOCK}"));
    // Ten samples (criterion's minimum): a starved run takes a second or more.
    group
        .throughput(Throughput::Elements(input.len() as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10);
    for wait in [
        WaitStrategy::Spin,
        WaitStrategy::Predict,
        WaitStrategy::Park,
    ] {
        group.bench_function(BenchmarkId::new("lock_free", wait.name()), |b| {
            b.iter(|| lock_free(&input, wait, false, Feed::Unpaced).processed)
        });
    }
    group.bench_function(
        BenchmarkId::new("lock_free_queue_holds_input", WaitStrategy::Predict.name()),
        |b| b.iter(|| lock_free(&input, WaitStrategy::Predict, true, Feed::Unpaced).processed),
    );
    group.bench_function(
        BenchmarkId::new("lock_free_yielding_producer", WaitStrategy::Spin.name()),
        |b| b.iter(|| lock_free(&input, WaitStrategy::Spin, false, Feed::Yielding).processed),
    );
    group.bench_function("baseline_mutex_mpsc", |b| {
        b.iter(|| baseline(&input).processed)
    });
    group.finish();
}

/// One of the pipelines the summary compares.
#[derive(Clone, Copy)]
enum Side {
    /// The lock-free pipeline with this wait strategy; `true`: the queue holds the input.
    LockFree(WaitStrategy, bool),
    /// The lock-free pipeline fed whole blocks only (default queue).
    Yielding(WaitStrategy),
    /// `Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc`.
    Baseline,
}

impl Side {
    const ALL: [Side; 7] = [
        Side::LockFree(WaitStrategy::Spin, false),
        Side::LockFree(WaitStrategy::Predict, false),
        Side::LockFree(WaitStrategy::Park, false),
        Side::LockFree(WaitStrategy::Predict, true),
        Side::Yielding(WaitStrategy::Spin),
        Side::Yielding(WaitStrategy::Park),
        Side::Baseline,
    ];

    fn name(self) -> String {
        match self {
            Side::LockFree(wait, false) => format!("lock-free, {}", wait.name()),
            Side::LockFree(wait, true) => format!("lock-free, {}, queue=input", wait.name()),
            Side::Yielding(wait) => format!("lock-free, {}, yielding producer", wait.name()),
            Side::Baseline => "baseline Mutex<VecDeque>+mpsc".into(),
        }
    }

    fn run(self, input: &[Sample]) -> Run {
        match self {
            Side::LockFree(wait, whole) => lock_free(input, wait, whole, Feed::Unpaced),
            Side::Yielding(wait) => lock_free(input, wait, false, Feed::Yielding),
            Side::Baseline => baseline(input),
        }
    }
}

/// Interleaved rounds of every side; median samples/s of each (with the range over the
/// rounds) and the ratio to the baseline's median.
fn summary() {
    let input = common::simulated(f64::from(RATE_HZ), SESSION_S);
    let n = input.len() as f64;
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); Side::ALL.len()];
    let mut blocks = vec![0u64; Side::ALL.len()];
    for _ in 0..ROUNDS {
        for ((side, r), b) in Side::ALL.iter().zip(&mut rates).zip(&mut blocks) {
            let t0 = Instant::now();
            let run = side.run(&input);
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(run.processed, input.len() as u64, "every sample processed");
            r.push(n / dt);
            *b += run.blocks;
        }
    }
    let medians: Vec<f64> = rates.iter_mut().map(|r| common::median(r)).collect();
    let base = medians[Side::ALL.len() - 1];
    println!(
        "\npipeline summary: {} samples (1 kHz, {} min) unpaced in blocks of {BLOCK}, \
         {ROUNDS} interleaved rounds, median (min … max):",
        input.len(),
        SESSION_S / 60.0
    );
    for (((side, m), r), b) in Side::ALL.iter().zip(&medians).zip(&rates).zip(&blocks) {
        println!(
            "  {:<40} {:7.2} M samples/s ({:.2} … {:.2}) = {:5.2}x baseline, {:4.1} samples per block taken",
            side.name(),
            m / 1e6,
            r[0] / 1e6,
            r[r.len() - 1] / 1e6,
            m / base,
            n * ROUNDS as f64 / *b as f64
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = throughput
}

fn main() {
    benches();
    if common::summary_wanted() {
        summary();
    }
    Criterion::default().configure_from_args().final_summary();
}
