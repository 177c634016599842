//! The fixed input `benches/callgrind.sh` counts instructions on: ten minutes of a typical
//! simulated 1 kHz session (letdown-datasets, seed 11; 600 000 samples, long enough that
//! starting and joining the engine thread weigh little per sample), generated up front,
//! then
//! (a) the full engine sample by sample ([`run_engine`]) and
//! (b) the same input through the lock-free pipeline in blocks of 32, start to join
//! ([`run_pipeline`]); the engine thread's share is its whole thread.
//!
//! `callgrind_input MODE [WAIT]`, MODE one of
//! - `engine`: (a);
//! - `pipeline`: (b) in lockstep: one bare `SensorProducer::push` per block
//!   ([`push_one`]), as a sensor interrupt would (its clock read included), then
//!   [`wait_processed`] until the engine
//!   thread has processed it, so that every look of the engine thread at the queue finds
//!   one slot, as in a paced stream (wait strategy `yield` unless WAIT says otherwise: a
//!   sleeping strategy would wait out real block periods);
//! - `pipeline-flat`: (b) flat out with the bare push per block (the engine thread takes
//!   many slots per look; WAIT default `predict`);
//! - `pipeline-feed`: as `pipeline-flat` with `letdown_io::feed::feed_unpaced`, which also times
//!   every push into a histogram (measurement, not pipeline);
//! - `all`: each in turn (what `cargo bench` runs, printing wall times; the instruction
//!   counts are the script's job).
//!
//! The queue holds the whole input, so no feed ever waits on a full queue: callgrind
//! runs one thread at a time, and a producer waiting until the scheduler lets the engine
//! thread in would count the scheduler's time slice, not pipeline work.

mod common;

use letdown_engine::{Engine, EngineConfig, Sample};
use letdown_io::feed::feed_unpaced;
use letdown_pipeline::{
    self as pipeline, EngineHandle, HintReceiver, PipelineConfig, PipelineReport, SensorProducer,
    WaitStrategy,
};
use std::hint::black_box;
use std::time::Instant;

const RATE_HZ: f64 = 1000.0;
const SESSION_S: f64 = 600.0;
const BLOCK: usize = 32;
const MODES: [&str; 5] = [
    "engine",
    "pipeline",
    "pipeline-flat",
    "pipeline-feed",
    "all",
];

fn engine() -> Engine {
    EngineConfig::new(RATE_HZ as f32)
        .build()
        .expect("default config")
}

/// The engine alone, sample by sample; returns the number of events.
#[inline(never)]
fn run_engine(engine: &mut Engine, input: &[Sample]) -> u64 {
    let mut events = 0;
    for &s in input {
        events += u64::from(engine.process(black_box(s)).is_some());
    }
    events
}

/// How the producer side hands the input to the pipeline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// [`push_blocks`] then [`wait_processed`] per block.
    Lockstep,
    /// [`push_blocks`] over the whole input.
    Flat,
    /// `feed::feed_unpaced` (a replay: times each push into a histogram, retries
    /// what a full queue did not take).
    Unpaced,
}

impl Feed {
    fn of(mode: &str) -> Option<Self> {
        match mode {
            "pipeline" => Some(Feed::Lockstep),
            "pipeline-flat" => Some(Feed::Flat),
            "pipeline-feed" => Some(Feed::Unpaced),
            _ => None,
        }
    }

    fn default_wait(self) -> WaitStrategy {
        match self {
            Feed::Lockstep => WaitStrategy::Yield,
            Feed::Flat | Feed::Unpaced => WaitStrategy::Predict,
        }
    }
}

/// The pipeline, from start to join: queue and histograms allocated, engine thread
/// spawned (`pipeline::start`), the whole input fed in blocks of [`BLOCK`], producer
/// closed, thread joined, hints read ([`finish`]). Returns the events the engine thread
/// counted.
#[inline(never)]
fn run_pipeline(engine: Engine, input: &[Sample], wait: WaitStrategy, feed: Feed) -> u64 {
    let config = PipelineConfig::for_stream(RATE_HZ as f32, BLOCK)
        .wait(wait)
        .capacity(input.len().next_power_of_two().max(4096));
    let p = pipeline::start(engine, config).expect("pipeline starts");
    let mut producer = p.producer;
    let input = black_box(input);
    let dropped = match feed {
        Feed::Lockstep => {
            let mut dropped = 0;
            let mut pushed = 0;
            for block in input.chunks(BLOCK) {
                dropped += push_one(&mut producer, block);
                pushed += block.len() as u64;
                wait_processed(&p.engine, pushed);
            }
            dropped
        }
        Feed::Flat => push_blocks(&mut producer, input),
        Feed::Unpaced => feed_unpaced(&mut producer, input, BLOCK).dropped,
    };
    let report = finish(producer, p.engine, &p.hints);
    assert_eq!(dropped, 0);
    assert_eq!(report.stats.processed, input.len() as u64);
    report.stats.events
}

/// The bare producer: one `push` per block of `input`.
#[inline(never)]
fn push_blocks(producer: &mut SensorProducer, input: &[Sample]) -> u64 {
    let mut dropped = 0;
    for block in input.chunks(BLOCK) {
        dropped += producer.push(block).dropped as u64;
    }
    dropped
}

/// The bare producer: one `push` of one block.
#[inline(never)]
fn push_one(producer: &mut SensorProducer, block: &[Sample]) -> u64 {
    producer.push(block).dropped as u64
}

/// Lockstep only: yields until the engine thread has processed `n` samples (the test
/// harness waiting, not pipeline work; the script leaves it out).
#[inline(never)]
fn wait_processed(engine: &EngineHandle, n: u64) {
    while engine.processed() < n {
        std::thread::yield_now();
    }
}

/// The end of a run: producer closed, engine thread joined (the producer's side waits
/// here while the engine thread finishes), hints read.
#[inline(never)]
fn finish(producer: SensorProducer, engine: EngineHandle, hints: &HintReceiver) -> PipelineReport {
    producer.close();
    let report = engine.join().expect("engine thread");
    while hints.try_recv().is_ok() {}
    report
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let words: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let (mode, wait) = match words.as_slice() {
        [] => ("all", None),
        [m] if MODES.contains(m) => (*m, None),
        [m, w] if MODES.contains(m) => match w.parse::<WaitStrategy>() {
            Ok(w) => (*m, Some(w)),
            Err(_) => {
                eprintln!("unknown wait strategy {w:?}");
                std::process::exit(2);
            }
        },
        // `cargo bench -- FILTER` for some other bench: nothing to do here.
        _ => return,
    };
    let input = common::simulated(RATE_HZ, SESSION_S);
    let n = input.len();
    println!("samples: {n}");
    if mode == "engine" || mode == "all" {
        let mut e = engine();
        let t0 = Instant::now();
        let events = run_engine(&mut e, &input);
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "engine_events: {events}\nengine_wall_ns_per_sample: {:.1}",
            dt * 1e9 / n as f64
        );
    }
    for name in ["pipeline", "pipeline-flat", "pipeline-feed"] {
        if mode != name && mode != "all" {
            continue;
        }
        let feed = Feed::of(name).expect("a pipeline mode");
        let wait = wait.unwrap_or(feed.default_wait());
        let e = engine();
        let t0 = Instant::now();
        let events = run_pipeline(e, &input, wait, feed);
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{name}_wait: {}\n{name}_events: {events}\n{name}_wall_ns_per_sample: {:.1}",
            wait.name(),
            dt * 1e9 / n as f64
        );
    }
}
