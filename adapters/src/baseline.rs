//! The baseline the pipeline is measured against: the same three ends built the
//! ordinary way, from `Mutex<VecDeque>` + `Condvar` for the samples and an unbounded
//! `std::sync::mpsc` channel for the hints.
//!
//! A push locks the mutex, appends its samples one by one, unlocks, and notifies the
//! condition variable (std's futex condition variable makes a `futex_wake` syscall on
//! every notify, and wakes the engine thread when it sleeps, which it does whenever it
//! has caught up). The engine thread waits on the condition variable, moves everything
//! queued into a local `Vec` under the lock, and processes it outside the lock. It
//! records latency as the pipeline does (one `record_n` per run of samples that arrived
//! together), into the same [`PipelineReport`].
//!
//! [`start_baseline`] bounds the queue at the pipeline's `capacity` samples, with the
//! pipeline's policy (a push that does not fit keeps the oldest data, drops the rest,
//! counts it as overruns and hands the engine a gap), so both are compared holding the
//! same data. [`start_baseline_unbounded`] lets the queue grow without bound (the
//! textbook version): it never drops, but it hides what would have been overruns in
//! memory and queueing delay, and grows (allocates) when the engine falls behind.

use super::engine_thread::{EngineHandle, PipelineReport};
use super::hints::HintMessage;
use super::ingest::Pushed;
use super::latency::{Clock, LatencyHistograms, Percentiles};
use super::stats::{bump, EngineCounters};
use super::{PipelineConfig, PipelineError, Shared};
use letdown_engine::Engine;
use letdown_engine::Event;
use letdown_engine::Sample;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// One queued sample with what the pipeline keeps in its block header.
#[derive(Clone, Copy, Debug)]
struct Queued {
    arrival_ns: u64,
    missing_before: u64,
    sample: Sample,
}

#[derive(Debug, Default)]
struct State {
    items: VecDeque<Queued>,
    closed: bool,
}

#[derive(Debug)]
struct Queue {
    state: Mutex<State>,
    ready: Condvar,
    /// Most samples queued (`usize::MAX`: unbounded).
    capacity: usize,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the queue itself consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The baseline's sensor side.
#[derive(Debug)]
pub struct BaselineProducer {
    queue: Arc<Queue>,
    shared: Arc<Shared>,
    clock: Clock,
    pending_missing: u64,
}

impl BaselineProducer {
    /// Queues `samples` that arrived at `arrival_ns`. What does not fit a bounded queue is
    /// dropped, counted as overruns and reported to the engine as a gap, as the pipeline
    /// does.
    pub fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> Pushed {
        let accepted = self.enqueue(samples, arrival_ns);
        let dropped = samples.len() - accepted;
        if dropped > 0 {
            let c = &self.shared.counters.producer.0;
            bump(&c.overruns, dropped as u64);
            bump(&c.overrun_events, 1);
            self.pending_missing += dropped as u64;
        }
        Pushed { accepted, dropped }
    }

    /// Queues what fits and returns how many; the rest is the caller's to retry.
    pub fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        self.enqueue(samples, arrival_ns)
    }

    fn enqueue(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        let accepted = {
            let mut state = self.queue.lock();
            let room = self.queue.capacity.saturating_sub(state.items.len());
            let accepted = samples.len().min(room);
            append(
                &mut state.items,
                &samples[..accepted],
                arrival_ns,
                self.pending_missing,
            );
            accepted
        };
        self.queue.ready.notify_one();
        if accepted > 0 {
            self.pending_missing = 0;
            bump(&self.shared.counters.producer.0.samples_in, accepted as u64);
        }
        accepted
    }

    /// Brings what a push of `next` touches into this core's caches without queueing
    /// anything, as [`SensorProducer::warm`](super::SensorProducer::warm) does for the
    /// pipeline's ring: under the lock it appends `next` through the push's own code into
    /// the queue's spare room and takes it out again before unlocking, so the engine
    /// thread (which needs the lock to look) never sees it. What no warm-up can pay
    /// ahead is the push's condvar notify, a `futex_wake` syscall that wakes the engine
    /// thread. Never allocates: it uses only room already allocated.
    pub fn warm(&mut self, next: &[Sample]) {
        let mut state = self.queue.lock();
        let len = state.items.len();
        let spare = state.items.capacity() - len;
        let room = self.queue.capacity.saturating_sub(len).min(spare);
        append(&mut state.items, &next[..next.len().min(room)], 0, 0);
        state.items.truncate(len);
    }

    /// The clock arrival times are on (the one the engine thread measures latency with).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Reports `n` samples that never arrived.
    pub fn report_missing(&mut self, n: u64) {
        bump(&self.shared.counters.producer.0.missing, n);
        self.pending_missing += n;
    }

    /// Ends the stream (the same as dropping it).
    pub fn close(self) {}
}

impl Drop for BaselineProducer {
    fn drop(&mut self) {
        // A trailing gap has no sample to ride on; it is counted in `missing` only.
        self.queue.lock().closed = true;
        self.queue.ready.notify_one();
    }
}

/// A started baseline's three ends.
#[derive(Debug)]
pub struct Baseline {
    /// The sensor side.
    pub producer: BaselineProducer,
    /// The motor-controller side.
    pub hints: mpsc::Receiver<HintMessage>,
    /// The engine thread.
    pub engine: EngineHandle,
}

/// Appends `samples` to the queue, the first of them carrying the gap before them. One
/// function for the push and its warm-up, so a warm-up runs the push's code.
#[inline(never)]
fn append(items: &mut VecDeque<Queued>, samples: &[Sample], arrival_ns: u64, missing: u64) {
    let mut missing_before = missing;
    for &sample in samples {
        items.push_back(Queued {
            arrival_ns,
            missing_before,
            sample,
        });
        missing_before = 0;
    }
}

/// Starts the baseline's engine thread with a queue of `config.capacity` samples (its
/// memory reserved up front, as the pipeline's is). Nothing else of `config` applies (the
/// hint channel is unbounded and it has one way of waiting).
pub fn start_baseline(engine: Engine, config: PipelineConfig) -> Result<Baseline, PipelineError> {
    config.validate()?;
    start_with(engine, config.capacity)
}

/// As [`start_baseline`] with a queue that grows without bound: it never drops, so it
/// hides overruns (as memory growth and queueing delay) rather than counting them.
pub fn start_baseline_unbounded(
    engine: Engine,
    config: PipelineConfig,
) -> Result<Baseline, PipelineError> {
    config.validate()?;
    start_with(engine, usize::MAX)
}

fn start_with(engine: Engine, capacity: usize) -> Result<Baseline, PipelineError> {
    let reserve = if capacity == usize::MAX { 0 } else { capacity };
    let queue = Arc::new(Queue {
        state: Mutex::new(State {
            items: VecDeque::with_capacity(reserve),
            closed: false,
        }),
        ready: Condvar::new(),
        capacity,
    });
    let shared = Arc::new(Shared::default());
    let clock = Clock::new();
    let (tx, rx) = mpsc::channel();
    let mut run = BaselineLoop {
        engine,
        queue: Arc::clone(&queue),
        hints: tx,
        shared: Arc::clone(&shared),
        clock,
        histograms: LatencyHistograms::new(),
        reserve,
    };
    let thread = std::thread::Builder::new()
        .name("letdown-baseline".into())
        .spawn(move || run.run())
        .map_err(|e| PipelineError::Spawn(e.kind()))?;
    Ok(Baseline {
        producer: BaselineProducer {
            queue,
            shared: Arc::clone(&shared),
            clock,
            pending_missing: 0,
        },
        hints: rx,
        engine: EngineHandle::new(thread, shared),
    })
}

struct BaselineLoop {
    engine: Engine,
    queue: Arc<Queue>,
    hints: mpsc::Sender<HintMessage>,
    shared: Arc<Shared>,
    clock: Clock,
    histograms: LatencyHistograms,
    /// Samples the engine thread's local buffer reserves up front.
    reserve: usize,
}

impl BaselineLoop {
    fn run(&mut self) -> PipelineReport {
        let mut local: Vec<Queued> = Vec::with_capacity(self.reserve);
        loop {
            {
                let mut state = self.queue.lock();
                while state.items.is_empty() && !state.closed {
                    state = self
                        .queue
                        .ready
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if state.items.is_empty() {
                    break;
                }
                local.extend(state.items.drain(..));
            }
            self.process(&mut local);
        }
        self.publish();
        self.counters().finished.store(true, Ordering::Release);
        PipelineReport {
            engine: self.engine.clone(),
            stats: self.shared.counters.snapshot(),
            histograms: self.histograms.clone(),
            realtime: None,
        }
    }

    fn counters(&self) -> &EngineCounters {
        &self.shared.counters.engine.0
    }

    fn process(&mut self, local: &mut Vec<Queued>) {
        let start_ns = self.clock.now_ns();
        for q in local.iter() {
            if q.missing_before > 0 {
                if let Some(e) = self.engine.process_gap(q.missing_before) {
                    self.emit(e, q.arrival_ns);
                }
            }
            if let Some(e) = self.engine.process(q.sample) {
                self.emit(e, q.arrival_ns);
            }
        }
        let end_ns = self.clock.now_ns();
        // One record per run of samples that arrived together (one push), as the
        // pipeline records one per slot.
        let c = &self.shared.counters.engine.0;
        for run in local.chunk_by(|a, b| a.arrival_ns == b.arrival_ns) {
            let (latency_ns, n) = (end_ns.saturating_sub(run[0].arrival_ns), run.len() as u64);
            self.histograms.sample.saturating_record_n(latency_ns, n);
            c.live_latency.record_n(latency_ns, n);
        }
        let block_ns = end_ns.saturating_sub(start_ns);
        self.histograms.block.saturating_record(block_ns);
        bump(&c.processed, local.len() as u64);
        bump(&c.blocks, 1);
        local.clear();
    }

    fn emit(&mut self, event: Event, arrival_ns: u64) {
        let sent_ns = self.clock.now_ns();
        self.histograms
            .hint
            .saturating_record(sent_ns.saturating_sub(arrival_ns));
        let c = &self.shared.counters.engine.0;
        bump(&c.events, 1);
        let message = HintMessage {
            event,
            arrival_ns,
            sent_ns,
        };
        match self.hints.send(message) {
            Ok(()) => bump(&c.hints_sent, 1),
            Err(_) => bump(&c.hints_dropped, 1),
        }
    }

    fn publish(&self) {
        let c = self.counters();
        c.latency.store(&Percentiles::of(&self.histograms.sample));
        c.block_time.store(&Percentiles::of(&self.histograms.block));
    }
}
