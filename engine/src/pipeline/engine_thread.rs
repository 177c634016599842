//! The engine thread: takes blocks from the queue, runs the engine over them, sends the
//! events to the motor controller and records latency.
//!
//! Per block (one push of the producer): read the header, run `Engine::process` over its
//! samples where they lie in the ring (no copy), free their slots, read the clock once,
//! record the block's latency (one `record_n` for all its samples) and processing time,
//! update four single-writer counters. Per sample nothing but `Engine::process`: no
//! allocation, no lock, no syscall. Every `publish_every` samples the percentiles are
//! published for [`EngineHandle::stats`] (a walk over the histograms' buckets, a few
//! microseconds, visible in the block-time maximum).

use super::hints::HintMessage;
use super::ingest::BlockHeader;
use super::latency::{Clock, LatencyHistograms, Percentiles};
use super::realtime::RealtimeStatus;
use super::stats::{bump, EngineCounters, PipelineStats};
use super::wait::Waiter;
use super::Shared;
use crate::engine::Engine;
use crate::event::Event;
use crate::sample::Sample;
use crossbeam_channel::{Sender, TrySendError};
use ringbuf::traits::{Consumer, Observer};
use ringbuf::HeapCons;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

/// What a pipeline hands back when it has finished.
#[derive(Clone, Debug)]
pub struct PipelineReport {
    /// The engine, with its state and its own [`stats`](Engine::stats) at the end.
    pub engine: Engine,
    /// The final counters and percentiles.
    pub stats: PipelineStats,
    /// The full latency histograms.
    pub histograms: LatencyHistograms,
    /// What the real-time mode obtained, when it was asked for.
    pub realtime: Option<RealtimeStatus>,
}

/// The running engine thread: its live statistics, and its report once the stream has
/// ended.
#[derive(Debug)]
pub struct EngineHandle {
    thread: JoinHandle<PipelineReport>,
    shared: Arc<Shared>,
}

impl EngineHandle {
    pub(crate) fn new(thread: JoinHandle<PipelineReport>, shared: Arc<Shared>) -> Self {
        Self { thread, shared }
    }

    /// The counters and the latest published percentiles; cheap, callable any time from
    /// any thread.
    pub fn stats(&self) -> PipelineStats {
        self.shared.counters.snapshot()
    }

    /// Whether the engine thread has finished.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the engine thread to process every queued sample after the producer was
    /// closed (or dropped), and returns its report. Blocks until then: close the
    /// producer first. `Err` only if the engine thread panicked.
    pub fn join(self) -> std::thread::Result<PipelineReport> {
        self.thread.join()
    }
}

/// The engine thread's state.
pub(crate) struct EngineLoop {
    pub(crate) engine: Engine,
    pub(crate) samples: HeapCons<Sample>,
    pub(crate) headers: HeapCons<BlockHeader>,
    pub(crate) hints: Sender<HintMessage>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) clock: Clock,
    pub(crate) histograms: LatencyHistograms,
    pub(crate) waiter: Waiter,
    pub(crate) publish_every: u64,
    pub(crate) realtime: Option<RealtimeStatus>,
}

impl EngineLoop {
    /// Runs until the producer has closed and the queue is empty.
    pub(crate) fn run(mut self) -> PipelineReport {
        let mut next_publish = self.publish_every;
        loop {
            // Acquire before draining: if the producer had closed, this drain sees every
            // sample it ever pushed, and an empty drain means the stream is complete.
            let closed = self.shared.closed.load(Ordering::Acquire);
            let processed = self.drain();
            if processed > 0 {
                let total = self.counters().processed.load(Ordering::Relaxed);
                if total >= next_publish {
                    self.publish();
                    next_publish = total + self.publish_every;
                }
                continue;
            }
            if closed {
                break;
            }
            let headers = &self.headers;
            self.waiter.wait(&self.shared, || !headers.is_empty());
        }
        self.publish();
        self.counters().finished.store(true, Ordering::Release);
        PipelineReport {
            stats: self.shared.counters.snapshot(),
            engine: self.engine,
            histograms: self.histograms,
            realtime: self.realtime,
        }
    }

    fn counters(&self) -> &EngineCounters {
        &self.shared.counters.engine.0
    }

    /// Processes every block in the queue; returns the number of blocks.
    #[inline(never)]
    pub(crate) fn drain(&mut self) -> u64 {
        let mut blocks = 0;
        let mut start_ns = 0;
        while let Some(header) = self.headers.try_pop() {
            if blocks == 0 {
                start_ns = self.clock.now_ns();
            }
            blocks += 1;
            let mut out = Outlet {
                hints: &self.hints,
                clock: &self.clock,
                histograms: &mut self.histograms,
                counters: &self.shared.counters.engine.0,
                arrival_ns: header.arrival_ns,
            };
            if header.missing_before > 0 {
                if let Some(e) = self.engine.process_gap(header.missing_before) {
                    out.emit(e);
                }
            }
            let n = header.count as usize;
            // The header was pushed after its samples, so all `n` are in the ring, in
            // these two slices (the second when they wrap around the end).
            let (first, second) = self.samples.as_slices();
            let in_first = n.min(first.len());
            for &s in first[..in_first].iter().chain(&second[..n - in_first]) {
                if let Some(e) = self.engine.process(s) {
                    out.emit(e);
                }
            }
            self.samples.skip(n);

            let end_ns = self.clock.now_ns();
            let h = &mut self.histograms;
            if n > 0 {
                h.sample
                    .saturating_record_n(end_ns.saturating_sub(header.arrival_ns), n as u64);
            }
            h.block.saturating_record(end_ns.saturating_sub(start_ns));
            start_ns = end_ns;
            let c = &self.shared.counters.engine.0;
            bump(&c.processed, n as u64);
            bump(&c.blocks, 1);
            self.waiter
                .on_block(self.clock.instant_at(header.arrival_ns));
        }
        blocks
    }

    /// Publishes the percentiles for readers of [`EngineHandle::stats`].
    fn publish(&self) {
        let c = self.counters();
        c.latency.store(&Percentiles::of(&self.histograms.sample));
        c.block_time.store(&Percentiles::of(&self.histograms.block));
    }
}

/// Where events go: the hint channel, and the hint-latency histogram.
struct Outlet<'a> {
    hints: &'a Sender<HintMessage>,
    clock: &'a Clock,
    histograms: &'a mut LatencyHistograms,
    counters: &'a EngineCounters,
    arrival_ns: u64,
}

impl Outlet<'_> {
    #[inline(never)]
    fn emit(&mut self, event: Event) {
        let sent_ns = self.clock.now_ns();
        self.histograms
            .hint
            .saturating_record(sent_ns.saturating_sub(self.arrival_ns));
        bump(&self.counters.events, 1);
        let message = HintMessage {
            event,
            arrival_ns: self.arrival_ns,
            sent_ns,
        };
        match self.hints.try_send(message) {
            Ok(()) => bump(&self.counters.hints_sent, 1),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                bump(&self.counters.hints_dropped, 1)
            }
        }
    }
}
