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
//! together), through the pipeline's own counters ([`StreamCounters`]) into the same
//! [`PipelineReport`], so `letdown latency` reads and compares both alike.
//!
//! [`start_baseline`] bounds the queue at the pipeline's `capacity` samples, with the
//! pipeline's policy (a push that does not fit keeps the oldest data, drops the rest,
//! counts it as overruns and hands the engine a gap), so both are compared holding the
//! same data. [`start_baseline_unbounded`] lets the queue grow without bound (the
//! textbook version): it never drops, but it hides what would have been overruns in
//! memory and queueing delay, and grows (allocates) when the engine falls behind.

use letdown_engine::{Engine, Event, Sample};
use letdown_pipeline::{
    Clock, EngineHandle, HintMessage, LatencyHistograms, PipelineConfig, PipelineError,
    PipelineReport, Pushed, StreamCounters,
};
use std::collections::VecDeque;
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
    counters: StreamCounters,
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
        self.counters.count_overrun(dropped as u64);
        self.pending_missing += dropped as u64;
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
            self.counters.count_accepted(accepted as u64);
        }
        accepted
    }

    /// Brings what a push of `next` touches into this core's caches without queueing
    /// anything, as [`SensorProducer::warm`](letdown_pipeline::SensorProducer::warm) does for the
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
        self.counters.count_missing(n);
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
    let counters = StreamCounters::new();
    let clock = Clock::new();
    let (tx, rx) = mpsc::channel();
    let run = BaselineLoop {
        engine,
        queue: Arc::clone(&queue),
        hints: tx,
        counters: counters.clone(),
        clock,
        histograms: LatencyHistograms::new(),
        reserve,
    };
    let thread = std::thread::Builder::new()
        .name("letdown-baseline".into())
        .spawn(move || run.run())
        .map_err(|e| PipelineError::Spawn(e.kind()))?;
    Ok(Baseline {
        engine: counters.handle(thread),
        producer: BaselineProducer {
            queue,
            counters,
            clock,
            pending_missing: 0,
        },
        hints: rx,
    })
}

struct BaselineLoop {
    engine: Engine,
    queue: Arc<Queue>,
    hints: mpsc::Sender<HintMessage>,
    counters: StreamCounters,
    clock: Clock,
    histograms: LatencyHistograms,
    /// Samples the engine thread's local buffer reserves up front.
    reserve: usize,
}

impl BaselineLoop {
    fn run(mut self) -> PipelineReport {
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
        self.counters.finish(self.engine, self.histograms)
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
        for run in local.chunk_by(|a, b| a.arrival_ns == b.arrival_ns) {
            let (latency_ns, n) = (end_ns.saturating_sub(run[0].arrival_ns), run.len() as u64);
            self.histograms.sample.saturating_record_n(latency_ns, n);
            self.counters.record_latency(latency_ns, n);
        }
        let block_ns = end_ns.saturating_sub(start_ns);
        self.histograms.block.saturating_record(block_ns);
        self.counters.count_block(local.len() as u64);
        local.clear();
    }

    fn emit(&mut self, event: Event, arrival_ns: u64) {
        let sent_ns = self.clock.now_ns();
        self.histograms
            .hint
            .saturating_record(sent_ns.saturating_sub(arrival_ns));
        let message = HintMessage {
            event,
            arrival_ns,
            sent_ns,
        };
        self.counters.count_event(self.hints.send(message).is_ok());
    }
}
