//! The fixed input `benches/callgrind.sh` counts instructions on: two minutes of a typical
//! simulated 1 kHz session (letdown-datasets, seed 11), generated up front, then
//! (a) the full engine sample by sample ([`run_engine`]) and
//! (b) the same input through the lock-free pipeline in blocks of 32, unpaced, start to
//! join ([`run_pipeline`]); the engine thread's share is its run loop
//! (`EngineLoop::run`, which callgrind sees as its own function).
//!
//! `callgrind_input engine|pipeline|pipeline-push|both [WAIT]` (WAIT: spin, yield, park,
//! tick, predict; default predict). `pipeline-push` feeds with a bare
//! `SensorProducer::push` per block instead of `feed_unpaced`, to tell the producer's own
//! cost from the replay feed's timing of every push. Under `cargo bench` it runs both once and prints wall times (the
//! instruction counts are the script's job).
//!
//! The queue holds the whole input, so the feed never waits on a full queue: callgrind
//! runs one thread at a time, and a producer spinning until the scheduler lets the engine
//! thread in would count the scheduler's time slice, not pipeline work.

mod common;

use letdown_engine::pipeline::{self, feed_unpaced, PipelineConfig, SensorProducer, WaitStrategy};
use letdown_engine::{Engine, EngineConfig, Sample};
use std::hint::black_box;
use std::time::Instant;

const RATE_HZ: f64 = 1000.0;
const SESSION_S: f64 = 120.0;
const BLOCK: usize = 32;
const MODES: [&str; 4] = ["engine", "pipeline", "pipeline-push", "both"];

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
    /// `pipeline::feed_unpaced` (a replay: times each push into a histogram, retries
    /// what a full queue did not take).
    Unpaced,
    /// `SensorProducer::push` per block and nothing else, as a sensor interrupt would.
    Push,
}

/// The pipeline, from start to join: queue and histograms allocated, engine thread
/// spawned, the whole input fed in blocks of [`BLOCK`], producer closed, thread joined,
/// hints read. Returns the events the engine thread counted.
#[inline(never)]
fn run_pipeline(engine: Engine, input: &[Sample], wait: WaitStrategy, feed: Feed) -> u64 {
    let config = PipelineConfig::for_stream(RATE_HZ as f32, BLOCK)
        .wait(wait)
        .capacity(input.len().next_power_of_two().max(4096));
    let p = pipeline::start(engine, config).expect("pipeline starts");
    let mut producer = p.producer;
    let dropped = match feed {
        Feed::Unpaced => feed_unpaced(&mut producer, black_box(input), BLOCK).dropped,
        Feed::Push => push_blocks(&mut producer, black_box(input)),
    };
    producer.close();
    let report = p.engine.join().expect("engine thread");
    while p.hints.try_recv().is_ok() {}
    assert_eq!(dropped, 0);
    assert_eq!(report.stats.processed, input.len() as u64);
    report.stats.events
}

/// The bare producer: one `push` per block.
#[inline(never)]
fn push_blocks(producer: &mut SensorProducer, input: &[Sample]) -> u64 {
    let mut dropped = 0;
    for block in input.chunks(BLOCK) {
        dropped += producer.push(block).dropped as u64;
    }
    dropped
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
        [] => ("both", WaitStrategy::default()),
        [m] if MODES.contains(m) => (*m, WaitStrategy::default()),
        [m, w] if MODES.contains(m) => match w.parse() {
            Ok(w) => (*m, w),
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
    if mode == "engine" || mode == "both" {
        let mut e = engine();
        let t0 = Instant::now();
        let events = run_engine(&mut e, &input);
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "samples: {n}\nengine_events: {events}\nengine_wall_ns_per_sample: {:.1}",
            dt * 1e9 / n as f64
        );
    }
    for (name, feed) in [("pipeline", Feed::Unpaced), ("pipeline-push", Feed::Push)] {
        if mode != name && mode != "both" {
            continue;
        }
        let e = engine();
        let t0 = Instant::now();
        let events = run_pipeline(e, &input, wait, feed);
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "samples: {n}\n{name}_wait: {}\n{name}_events: {events}\n{name}_wall_ns_per_sample: {:.1}",
            wait.name(),
            dt * 1e9 / n as f64
        );
    }
}
