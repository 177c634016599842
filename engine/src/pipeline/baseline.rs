//! The baseline the pipeline is measured against: the same three ends built the
//! ordinary way, from `Mutex<VecDeque>` + `Condvar` for the samples and an unbounded
//! `std::sync::mpsc` channel for the hints.
//!
//! A push locks the mutex, appends its samples one by one, unlocks, and notifies the
//! condition variable (a futex wake when the engine thread sleeps, which it does whenever
//! it has caught up). The engine thread waits on the condition variable, moves everything
//! queued into a local `Vec` under the lock, and processes it outside the lock. Nothing
//! is ever dropped (the queue grows without bound), and it records latency exactly as
//! the pipeline does, into the same [`PipelineReport`].

use super::engine_thread::{EngineHandle, PipelineReport};
use super::feed::SampleSink;
use super::hints::HintMessage;
use super::latency::{Clock, LatencyHistograms, Percentiles};
use super::stats::{bump, EngineCounters};
use super::{PipelineConfig, PipelineError, Shared};
use crate::engine::Engine;
use crate::event::Event;
use crate::sample::Sample;
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

#[derive(Debug, Default)]
struct Queue {
    state: Mutex<State>,
    ready: Condvar,
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
    /// Queues `samples` that arrived at `arrival_ns` (never drops).
    pub fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) {
        let mut missing_before = std::mem::take(&mut self.pending_missing);
        {
            let mut state = self.queue.lock();
            for &sample in samples {
                state.items.push_back(Queued {
                    arrival_ns,
                    missing_before,
                    sample,
                });
                missing_before = 0;
            }
        }
        self.queue.ready.notify_one();
        bump(
            &self.shared.counters.producer.0.samples_in,
            samples.len() as u64,
        );
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

impl SampleSink for BaselineProducer {
    fn clock(&self) -> Clock {
        self.clock
    }
    fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        BaselineProducer::push_at(self, samples, arrival_ns);
        0
    }
    fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        BaselineProducer::push_at(self, samples, arrival_ns);
        samples.len()
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

/// Starts the baseline's engine thread. Of `config`, only `publish_every` applies (the
/// baseline has no capacity, no hint bound and one way of waiting).
pub fn start_baseline(engine: Engine, config: PipelineConfig) -> Result<Baseline, PipelineError> {
    config.validate()?;
    let queue = Arc::new(Queue::default());
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
        publish_every: config.publish_every,
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
    publish_every: u64,
}

impl BaselineLoop {
    fn run(&mut self) -> PipelineReport {
        let mut local: Vec<Queued> = Vec::new();
        let mut next_publish = self.publish_every;
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
            let total = self.counters().processed.load(Ordering::Relaxed);
            if total >= next_publish {
                self.publish();
                next_publish = total + self.publish_every;
            }
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
        for q in local.iter() {
            self.histograms
                .sample
                .saturating_record(end_ns.saturating_sub(q.arrival_ns));
        }
        self.histograms
            .block
            .saturating_record(end_ns.saturating_sub(start_ns));
        let c = &self.shared.counters.engine.0;
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
