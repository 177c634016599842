//! letdown-pipeline: the real-time pipeline around the engine (std only): sensor → lock-free queue → engine thread → bounded
//! hint channel → motor controller (DESIGN §4).
//!
//! ```text
//! SensorProducer ──push(&[Sample])──► ringbuf SPSC of slots (header + ≤ 32 samples)
//!                                          │  engine thread: drain, Engine::process,
//!                                          │  hdrhistogram latency, counters
//!                                          ▼
//!                  HintReceiver ◄──try_send── bounded crossbeam channel of HintMessage
//! ```
//!
//! - [`SensorProducer`] (ingest.rs): pushes blocks, never blocks, no syscall; a push of
//!   up to 32 samples is one slot (header and samples together) published by one atomic
//!   store; a full queue drops the newest samples, counts them as overruns and tells the
//!   engine of the gap (the oldest data is kept).
//! - The engine thread (engine_thread.rs): per slot, `Engine::process` over the samples
//!   in place, one clock read, two hdrhistogram records and one record into the live
//!   histogram that [`EngineHandle::stats`] reads; per look at the queue one more clock
//!   read, one index load and one index store; per sample nothing else. It waits for
//!   data as [`WaitStrategy`] says (wait.rs; the default sleeps until just before the
//!   next block is due, then spins).
//! - Events go to the motor controller through a **bounded** channel with `try_send`
//!   (hints.rs): a full channel is counted as dropped, never waited on.
//! - [`PipelineStats`] (stats.rs) can be read at any time through
//!   [`EngineHandle::stats`], up to date (latency percentiles coarse while running, from
//!   a live histogram the reader walks on its own thread; exact at the end);
//!   [`EngineHandle::join`] returns the engine, the histograms and the final counts once
//!   the producer has closed and every sample is processed.
//! - [`StreamCounters`] (reporting.rs): the same counters and [`EngineHandle`] for an
//!   engine loop built elsewhere: the baseline the pipeline is measured against (the same
//!   ends built the ordinary way, `Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc`)
//!   reports through them. It lives with the rest of the measurement harness that
//!   `letdown latency` runs (paced and unpaced feeds, the host wake-up probe) in
//!   `letdown-io` (`baseline`, `feed`, `wakeup_probe`).
//!
//! ```
//! use letdown_pipeline::{self as pipeline, PipelineConfig};
//! use letdown_engine::{EngineConfig, Sample};
//!
//! let engine = EngineConfig::new(1000.0).build().unwrap();
//! let p = pipeline::start(engine, PipelineConfig::for_stream(1000.0, 32)).unwrap();
//! let (mut sensor, hints, engine) = (p.producer, p.hints, p.engine);
//! let block = [Sample::new(-50.0, 0.0); 32];
//! for _ in 0..100 {
//!     let pushed = sensor.push(&block); // in a pump: the sensor interrupt
//!     assert_eq!(pushed.dropped, 0);
//! }
//! sensor.close(); // end of stream: everything queued is still processed
//! let report = engine.join().unwrap();
//! assert_eq!(report.stats.processed, 3200);
//! while let Ok(msg) = hints.try_recv() { let _ = msg.event.hint; }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod engine_thread;
mod hints;
mod ingest;
mod latency;
mod realtime;
mod reporting;
mod settings;
mod stats;
mod wait;

pub use engine_thread::{EngineHandle, PipelineReport};
pub use hints::{HintMessage, HintReceiver};
pub use ingest::{Pushed, SensorProducer, SLOT_SAMPLES};
pub use latency::{new_histogram, Clock, LatencyHistograms, Percentiles, HIGHEST_NS};
pub use realtime::{lock_memory, set_fifo, tighten_timer_slack, RealtimeStatus, FIFO_PRIORITY};
pub use reporting::StreamCounters;
pub use stats::PipelineStats;
pub use wait::WaitStrategy;

use core::fmt;
use engine_thread::EngineLoop;
use letdown_engine::Engine;
use ringbuf::traits::Split;
use stats::Counters;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::Duration;
use wait::Waiter;

/// Queue capacity of [`PipelineConfig::for_replay`], samples: 65 536 (2 048 slots,
/// 560 KiB, about 2 ms of the engine's work).
pub const REPLAY_CAPACITY: usize = 1 << 16;

/// Pipeline settings. Start from [`PipelineConfig::for_stream`] (a sensor) or
/// [`PipelineConfig::for_replay`] (a flat-out replay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Queue capacity, samples (≥ 2, ≤ 2³¹): the queue has `capacity / 32` slots
    /// (rounded up) of up to [`SLOT_SAMPLES`] samples, and a push takes
    /// `⌈n / 32⌉` of them, so pushes shorter than 32 samples hold fewer samples than
    /// this. Default ([`for_stream`](Self::for_stream)): room for 0.5 s of pushes of the
    /// given block size, at least 4096 samples of slots.
    pub capacity: usize,
    /// Hint channel capacity, messages (≥ 1). Default 64: events are a handful per
    /// session, so only a controller that stopped reading fills it.
    pub hint_capacity: usize,
    /// How the engine thread waits for data.
    pub wait: WaitStrategy,
    /// Expected time between pushes (block length / sample rate): the tick of
    /// [`WaitStrategy::Tick`], the prediction step of [`WaitStrategy::Predict`], the
    /// park timeout of [`WaitStrategy::Park`].
    pub period: Duration,
    /// How long before a block is due [`WaitStrategy::Predict`] starts spinning (and how
    /// long after it keeps spinning). Default 200 µs, above a virtual machine's usual
    /// wake-up lateness. Clamped to `period / 2`.
    pub guard: Duration,
    /// Real-time mode: lock memory and run the engine thread under `SCHED_FIFO` where the
    /// OS allows ([`RealtimeStatus`] in the report says what was obtained).
    pub realtime: bool,
}

impl PipelineConfig {
    /// Defaults for a stream at `rate_hz` pushed in blocks of `block` samples.
    pub fn for_stream(rate_hz: f32, block: usize) -> Self {
        let rate = f64::from(rate_hz).clamp(1.0, 1e6);
        let block = block.max(1);
        let period = Duration::from_secs_f64(block as f64 / rate);
        // 0.5 s of pushes, each taking ⌈block / 32⌉ slots.
        let pushes = (rate * 0.5 / block as f64).ceil() as usize;
        let slots = pushes.saturating_mul(block.div_ceil(SLOT_SAMPLES));
        Self {
            capacity: slots.saturating_mul(SLOT_SAMPLES).clamp(4096, 1 << 31),
            hint_capacity: 64,
            wait: WaitStrategy::default(),
            period,
            guard: Duration::from_micros(200),
            realtime: false,
        }
    }

    /// Defaults for a replay fed flat out (`letdown_io::feed::feed_unpaced`): those of
    /// [`for_stream`](Self::for_stream) with a queue of at least [`REPLAY_CAPACITY`]
    /// samples, so that a feed which sleeps while the queue is full (its `Backoff`)
    /// leaves the engine thread work for longer than it sleeps. `letdown latency
    /// --unpaced` gives the pipeline and the baseline this queue.
    pub fn for_replay(rate_hz: f32, block: usize) -> Self {
        let stream = Self::for_stream(rate_hz, block);
        stream.capacity(stream.capacity.max(REPLAY_CAPACITY))
    }

    /// Sets [`capacity`](Self::capacity).
    pub fn capacity(mut self, samples: usize) -> Self {
        self.capacity = samples;
        self
    }
    /// Sets [`hint_capacity`](Self::hint_capacity).
    pub fn hint_capacity(mut self, messages: usize) -> Self {
        self.hint_capacity = messages;
        self
    }
    /// Sets [`wait`](Self::wait).
    pub fn wait(mut self, wait: WaitStrategy) -> Self {
        self.wait = wait;
        self
    }
    /// Sets [`guard`](Self::guard).
    pub fn guard(mut self, guard: Duration) -> Self {
        self.guard = guard;
        self
    }
    /// Sets [`realtime`](Self::realtime).
    pub fn realtime(mut self, on: bool) -> Self {
        self.realtime = on;
        self
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if !(2..=1 << 31).contains(&self.capacity) {
            return Err(PipelineError::Capacity);
        }
        if self.hint_capacity == 0 {
            return Err(PipelineError::HintCapacity);
        }
        if self.period.is_zero() || self.period > Duration::from_secs(10) {
            return Err(PipelineError::Period);
        }
        Ok(())
    }
}

/// Why a pipeline could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineError {
    /// `capacity` outside 2 … 2³¹ samples.
    Capacity,
    /// `hint_capacity` is 0.
    HintCapacity,
    /// `period` is 0 or longer than 10 s.
    Period,
    /// The engine thread could not be spawned.
    Spawn(std::io::ErrorKind),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Capacity => f.write_str("pipeline capacity must be 2 … 2^31 samples"),
            PipelineError::HintCapacity => f.write_str("pipeline hint_capacity must be ≥ 1"),
            PipelineError::Period => f.write_str("pipeline period must be > 0 and ≤ 10 s"),
            PipelineError::Spawn(kind) => write!(f, "cannot spawn the engine thread: {kind}"),
        }
    }
}

impl std::error::Error for PipelineError {}

/// State both sides see.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    /// Set (Release) when the producer has closed; nothing is pushed after.
    pub(crate) closed: AtomicBool,
    /// Samples lost at the end of the stream that no slot announced (stored before
    /// `closed`): a gap after the last queued sample.
    pub(crate) trailing_missing: AtomicU64,
    /// Set by the engine thread while it parks (`WaitStrategy::Park`).
    pub(crate) sleeping: AtomicBool,
    /// The user's latest settings, from [`SensorProducer::set_user_settings`].
    pub(crate) settings: settings::SettingsMailbox,
}

/// A started pipeline's three ends, each to be moved to its own thread.
#[derive(Debug)]
pub struct Pipeline {
    /// The sensor side.
    pub producer: SensorProducer,
    /// The motor-controller side.
    pub hints: HintReceiver,
    /// The engine thread.
    pub engine: EngineHandle,
}

/// Starts the engine thread and returns the pipeline's ends. Everything the engine thread
/// needs (queue, channel, histograms) is allocated here, before it starts.
pub fn start(engine: Engine, config: PipelineConfig) -> Result<Pipeline, PipelineError> {
    config.validate()?;
    let realtime_memory = config.realtime.then(lock_memory);
    let (slot_prod, slot_cons) = ingest::ring(config.capacity).split();
    let (hint_tx, hint_rx) = crossbeam_channel::bounded(config.hint_capacity);
    let shared = Arc::new(Shared::default());
    let clock = Clock::new();
    let guard = config.guard.min(config.period / 2);
    let engine_loop = EngineLoop::new(
        engine,
        slot_cons,
        hint_tx,
        Arc::clone(&shared),
        clock,
        LatencyHistograms::new(),
        Waiter::new(config.wait, clock, config.period, guard),
    );
    let thread = std::thread::Builder::new()
        .name("letdown-engine".into())
        .spawn(move || {
            let mut engine_loop = engine_loop;
            tighten_timer_slack();
            if let Some(memory_locked) = realtime_memory {
                engine_loop.realtime = Some(RealtimeStatus {
                    memory_locked,
                    fifo: set_fifo(),
                });
            }
            engine_loop.run()
        })
        .map_err(|e| PipelineError::Spawn(e.kind()))?;
    let producer = SensorProducer::new(
        slot_prod,
        Arc::clone(&shared),
        clock,
        thread.thread().clone(),
        config.wait == WaitStrategy::Park,
    );
    Ok(Pipeline {
        producer,
        hints: hint_rx,
        engine: EngineHandle::new(thread, shared),
    })
}
