//! Unpaced throughput of the lock-free pipeline (`pipeline::start` + `feed_unpaced`)
//! against the baseline (`Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc`,
//! `letdown_io::baseline::start_baseline`) in the same run, on ten minutes of a
//! typical simulated 1 kHz session (letdown-datasets, fixed seed), blocks of 32.
//!
//! `cargo bench --bench pipeline`. One iteration = start the pipeline (engine thread
//! spawned, queue and histograms allocated), feed the whole session flat out, close,
//! join. Both sides get the same queue capacity (the baseline's `VecDeque` is bounded at
//! it, with the pipeline's overrun policy) and the same feed (`feed_unpaced`, which backs
//! off — spin, yield, short sleeps — while a queue is full):
//! - the replay queue (`PipelineConfig::for_replay`, 65 536 samples, what `letdown
//!   latency --unpaced` uses), the lock-free engine thread spinning (then yielding) or
//!   parking, against the baseline with the same queue;
//! - a sensor's queue (`for_stream`: 0.5 s, 4 096 samples at 1 kHz), lock-free spinning
//!   against the baseline with the same queue;
//! - the baseline with an unbounded queue (the textbook version: it never drops, so it
//!   hides overruns as memory growth and queueing delay), for reference.
//!
//! After criterion's groups, a summary runs every variant in interleaved rounds (A, B,
//! C, …, A, B, C, …; DESIGN §6) and prints the median throughputs, their range and their
//! ratio to the baseline with the same queue, beside the engine alone on one thread (no
//! queue, no thread: the ceiling of any pipeline). `-- summary` prints only that.

mod common;

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use letdown_engine::{Engine, EngineConfig, Sample};
use letdown_io::baseline::{start_baseline, start_baseline_unbounded};
use letdown_io::feed::feed_unpaced;
use letdown_pipeline::{self as pipeline, PipelineConfig, WaitStrategy};
use std::hint::black_box;
use std::time::{Duration, Instant};

const RATE_HZ: f32 = 1000.0;
const SESSION_S: f64 = 600.0;
const BLOCK: usize = 32;
const ROUNDS: usize = 5;

fn engine() -> Engine {
    EngineConfig::new(RATE_HZ).build().expect("default config")
}

/// Which queue a run gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// `PipelineConfig::for_replay`.
    Replay,
    /// `PipelineConfig::for_stream`.
    Stream,
}

impl Queue {
    fn config(self) -> PipelineConfig {
        match self {
            Queue::Replay => PipelineConfig::for_replay(RATE_HZ, BLOCK),
            Queue::Stream => PipelineConfig::for_stream(RATE_HZ, BLOCK),
        }
    }

    fn name(self) -> String {
        format!("queue {}", self.config().capacity)
    }
}

/// What one run did: samples processed and blocks the engine thread took.
struct Run {
    processed: u64,
    blocks: u64,
}

/// The lock-free pipeline, start to join.
fn lock_free(input: &[Sample], wait: WaitStrategy, queue: Queue) -> Run {
    let p = pipeline::start(engine(), queue.config().wait(wait)).expect("pipeline starts");
    let mut producer = p.producer;
    feed_unpaced(&mut producer, input, BLOCK);
    producer.close();
    let report = p.engine.join().expect("engine thread");
    while p.hints.try_recv().is_ok() {}
    Run {
        processed: report.stats.processed,
        blocks: report.stats.blocks,
    }
}

/// The baseline, start to join: bounded at `queue`'s capacity, or unbounded.
fn baseline(input: &[Sample], queue: Option<Queue>) -> Run {
    let b = match queue {
        Some(q) => start_baseline(engine(), q.config()),
        None => start_baseline_unbounded(engine(), Queue::Replay.config()),
    }
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

/// The engine alone on the calling thread, sample by sample.
fn engine_alone(input: &[Sample]) -> Run {
    let mut e = engine();
    let mut events = 0u64;
    for &s in input {
        events += u64::from(e.process(black_box(s)).is_some());
    }
    black_box(events);
    // No queue, so no block is taken: the summary says so rather than divide.
    Run {
        processed: input.len() as u64,
        blocks: 0,
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
    for wait in [WaitStrategy::Spin, WaitStrategy::Park] {
        group.bench_function(
            BenchmarkId::new("lock_free_replay_queue", wait.name()),
            |b| b.iter(|| lock_free(&input, wait, Queue::Replay).processed),
        );
    }
    group.bench_function("baseline_replay_queue", |b| {
        b.iter(|| baseline(&input, Some(Queue::Replay)).processed)
    });
    group.bench_function(
        BenchmarkId::new("lock_free_stream_queue", WaitStrategy::Spin.name()),
        |b| b.iter(|| lock_free(&input, WaitStrategy::Spin, Queue::Stream).processed),
    );
    group.bench_function("baseline_stream_queue", |b| {
        b.iter(|| baseline(&input, Some(Queue::Stream)).processed)
    });
    group.bench_function("baseline_unbounded", |b| {
        b.iter(|| baseline(&input, None).processed)
    });
    group.finish();
}

/// One of the runs the summary compares.
#[derive(Clone, Copy)]
enum Side {
    /// The lock-free pipeline with this wait strategy and queue.
    LockFree(WaitStrategy, Queue),
    /// `Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc`, bounded at this queue's capacity.
    Baseline(Queue),
    /// The same, unbounded.
    BaselineUnbounded,
    /// `Engine::process` in a loop on the calling thread.
    EngineAlone,
}

impl Side {
    const ALL: [Side; 7] = [
        Side::LockFree(WaitStrategy::Spin, Queue::Replay),
        Side::LockFree(WaitStrategy::Park, Queue::Replay),
        Side::Baseline(Queue::Replay),
        Side::LockFree(WaitStrategy::Spin, Queue::Stream),
        Side::Baseline(Queue::Stream),
        Side::BaselineUnbounded,
        Side::EngineAlone,
    ];

    fn name(self) -> String {
        match self {
            Side::LockFree(wait, q) => format!("lock-free, {}, {}", wait.name(), q.name()),
            Side::Baseline(q) => format!("baseline Mutex<VecDeque>+mpsc, {}", q.name()),
            Side::BaselineUnbounded => "baseline, unbounded queue (hides overruns)".to_string(),
            Side::EngineAlone => "engine alone, one thread, no queue".to_string(),
        }
    }

    /// The side whose throughput this one is compared with.
    fn reference(self) -> Option<usize> {
        let index = |s: Side| Side::ALL.iter().position(|x| x.name() == s.name());
        match self {
            Side::LockFree(_, q) => index(Side::Baseline(q)),
            _ => None,
        }
    }

    fn run(self, input: &[Sample]) -> Run {
        match self {
            Side::LockFree(wait, q) => lock_free(input, wait, q),
            Side::Baseline(q) => baseline(input, Some(q)),
            Side::BaselineUnbounded => baseline(input, None),
            Side::EngineAlone => engine_alone(input),
        }
    }
}

/// Interleaved rounds of every side; median samples/s of each (with the range over the
/// rounds) and the ratio to the baseline with the same queue.
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
    println!(
        "\npipeline summary: {} samples (1 kHz, {} min) unpaced in blocks of {BLOCK}, \
         {ROUNDS} interleaved rounds, median (min … max):",
        input.len(),
        SESSION_S / 60.0
    );
    for (i, side) in Side::ALL.iter().enumerate() {
        let r = &rates[i];
        let ratio = side.reference().map_or(String::new(), |j| {
            format!(
                " = {:5.2}x the baseline with the same queue",
                medians[i] / medians[j]
            )
        });
        let taken = match blocks[i] {
            0 => String::from("no queue"),
            b => format!(
                "{:5.1} samples per block taken",
                n * ROUNDS as f64 / b as f64
            ),
        };
        println!(
            "  {:<48} {:7.2} M samples/s ({:.2} … {:.2}), {taken}{ratio}",
            side.name(),
            medians[i] / 1e6,
            r[0] / 1e6,
            r[r.len() - 1] / 1e6,
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
