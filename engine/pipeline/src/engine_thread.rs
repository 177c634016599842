//! The engine thread: takes slots from the queue, runs the engine over them, sends the
//! events to the motor controller and records latency.
//!
//! Each look at the queue loads its write index once and takes what is there in batches
//! of up to [`BATCH_SLOTS`] slots, read where they lie in the ring (no copy). Per slot
//! (one push of up to 32 samples): `Engine::process` over its samples (a plain slice
//! loop), one clock read at the end, one `record_n` of the slot's latency for all its
//! samples and one record of its processing time into the hdrhistograms, and the
//! latency again into the coarse live histogram that [`EngineHandle::stats`] reads (a
//! dozen instructions; readers compute the percentiles on their own thread, so the
//! engine thread never walks a histogram while running). Per batch: two single-writer
//! counter stores and one store of the read index that frees the batch's slots. Per
//! sample nothing but `Engine::process`: no allocation, no lock, no syscall.

use super::hints::HintMessage;
use super::ingest::Slot;
use super::latency::{Clock, LatencyHistograms, Percentiles};
use super::realtime::RealtimeStatus;
use super::stats::{bump, EngineCounters, PipelineStats};
use super::wait::Waiter;
use super::Shared;
use crossbeam_channel::{Sender, TrySendError};
use letdown_engine::Engine;
use letdown_engine::Event;
use ringbuf::traits::{Consumer, Observer};
use ringbuf::HeapCons;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Most slots processed before their room is handed back to the producer (16 slots = 512
/// samples at most): a flat-out producer facing a full queue gets room back every batch,
/// not only when the whole queue has been drained.
pub(crate) const BATCH_SLOTS: usize = 16;

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

    /// The counters and the latency percentiles; cheap, callable any time from any
    /// thread, never stops the engine thread. Everything is current; the percentiles are
    /// coarse (within 12.5 %) while running and exact once the engine thread has finished
    /// (see [`PipelineStats::latency`]).
    pub fn stats(&self) -> PipelineStats {
        self.shared.counters.snapshot()
    }

    /// Samples the engine thread has processed so far (one atomic load; the same as
    /// `stats().processed` without computing the rest).
    pub fn processed(&self) -> u64 {
        self.shared
            .counters
            .engine
            .0
            .processed
            .load(Ordering::Relaxed)
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

/// The engine thread's own running totals, stored into the shared counters (never read
/// back from them).
#[derive(Debug, Default)]
struct Totals {
    processed: u64,
    blocks: u64,
}

impl Totals {
    /// Counts a batch of `blocks` slots holding `samples` samples and publishes the totals.
    #[inline]
    fn add(&mut self, samples: u64, blocks: u64, counters: &EngineCounters) {
        self.processed += samples;
        self.blocks += blocks;
        counters.processed.store(self.processed, Ordering::Relaxed);
        counters.blocks.store(self.blocks, Ordering::Relaxed);
    }
}

/// The engine thread's state.
pub(crate) struct EngineLoop {
    pub(crate) engine: Engine,
    pub(crate) queue: HeapCons<Slot>,
    pub(crate) hints: Sender<HintMessage>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) clock: Clock,
    pub(crate) histograms: LatencyHistograms,
    pub(crate) waiter: Waiter,
    pub(crate) realtime: Option<RealtimeStatus>,
    totals: Totals,
    /// Number of the user-settings set last applied (see `settings::SettingsMailbox`).
    settings_seen: u64,
}

impl EngineLoop {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        engine: Engine,
        queue: HeapCons<Slot>,
        hints: Sender<HintMessage>,
        shared: Arc<Shared>,
        clock: Clock,
        histograms: LatencyHistograms,
        waiter: Waiter,
    ) -> Self {
        Self {
            engine,
            queue,
            hints,
            shared,
            clock,
            histograms,
            waiter,
            realtime: None,
            totals: Totals::default(),
            settings_seen: 0,
        }
    }

    /// Runs until the producer has closed and the queue is empty.
    #[inline(never)]
    pub(crate) fn run(mut self) -> PipelineReport {
        loop {
            // Acquire before looking: if the producer had closed, this look sees every
            // slot it ever pushed, and an empty queue means the stream is complete.
            let closed = self.shared.closed.load(Ordering::Acquire);
            if !self.queue.is_empty() {
                self.drain();
                continue;
            }
            if closed {
                break;
            }
            self.idle();
        }
        self.finish_gap();
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

    /// Waits (as the strategy says) until the queue has data or the producer has closed.
    #[inline(never)]
    fn idle(&mut self) {
        loop {
            let queue = &self.queue;
            self.waiter.wait(&self.shared, || !queue.is_empty());
            if !self.queue.is_empty() || self.shared.closed.load(Ordering::Acquire) {
                return;
            }
        }
    }

    /// The gap the producer still had to announce when it closed, after the last slot.
    fn finish_gap(&mut self) {
        let missing = self.shared.trailing_missing.load(Ordering::Relaxed);
        if missing > 0 {
            let arrival_ns = self.clock.now_ns();
            if let Some(e) = self.engine.process_gap(missing) {
                emit(
                    e,
                    arrival_ns,
                    &self.hints,
                    &self.clock,
                    &mut self.histograms,
                    &self.shared.counters.engine.0,
                );
            }
        }
    }

    /// Processes every slot in the queue; returns the number of slots.
    #[inline]
    pub(crate) fn drain(&mut self) -> u64 {
        let Self {
            engine,
            queue,
            hints,
            shared,
            clock,
            histograms,
            waiter,
            totals,
            settings_seen,
            ..
        } = self;
        let counters = &shared.counters.engine.0;
        let mut slots = 0;
        let mut start_ns = 0;
        loop {
            // One load of the write index; the slots up to it are complete (each was
            // published whole by one release store).
            let (first, second) = queue.as_slices();
            let batch = &first[..first.len().min(BATCH_SLOTS)];
            let Some(last) = batch.last() else { break };
            // After the look at the write index: settings published before these slots
            // were pushed are seen here and apply to their samples.
            if let Some(s) = shared.settings.take_newer(settings_seen) {
                // Validated by the producer; a refusal would leave the old settings.
                let _ = engine.set_user_settings(s);
            }
            let last_arrival_ns = last.arrival_ns;
            if slots == 0 {
                start_ns = clock.now_ns();
            }
            let mut samples = 0;
            for slot in batch {
                let (n, end_ns) =
                    process_slot(engine, slot, hints, clock, counters, histograms, start_ns);
                samples += n;
                start_ns = end_ns;
            }
            let taken = batch.len();
            totals.add(samples, taken as u64, counters);
            waiter.on_block(last_arrival_ns);
            let more = taken < first.len() || !second.is_empty();
            // Hands the slots back to the producer (one release store).
            queue.skip(taken);
            slots += taken as u64;
            if !more {
                // All that was there when we looked; the run loop looks again.
                break;
            }
        }
        slots
    }

    /// Publishes the exact percentiles for readers of [`EngineHandle::stats`], at the end.
    fn publish(&self) {
        let c = self.counters();
        c.latency.store(&Percentiles::of(&self.histograms.sample));
        c.block_time.store(&Percentiles::of(&self.histograms.block));
    }
}

/// Runs the engine over one slot (its announced gap, then its samples), emits the events
/// and records the slot's latency from arrival and its processing time since `start_ns`.
/// Returns the number of samples and the time the slot ended, ns.
#[inline]
fn process_slot(
    engine: &mut Engine,
    slot: &Slot,
    hints: &Sender<HintMessage>,
    clock: &Clock,
    counters: &EngineCounters,
    histograms: &mut LatencyHistograms,
    start_ns: u64,
) -> (u64, u64) {
    if slot.missing_before > 0 {
        if let Some(e) = engine.process_gap(slot.missing_before) {
            emit(e, slot.arrival_ns, hints, clock, histograms, counters);
        }
    }
    let block = slot.samples();
    for &s in block {
        if let Some(e) = engine.process(s) {
            emit(e, slot.arrival_ns, hints, clock, histograms, counters);
        }
    }
    let end_ns = clock.now_ns();
    let n = block.len() as u64;
    let latency_ns = end_ns.saturating_sub(slot.arrival_ns);
    if n > 0 {
        histograms.sample.saturating_record_n(latency_ns, n);
        counters.live_latency.record_n(latency_ns, n);
    }
    histograms
        .block
        .saturating_record(end_ns.saturating_sub(start_ns));
    (n, end_ns)
}

/// Sends an event to the motor controller (`try_send`: a full channel counts it as
/// dropped) and records its latency from the arrival of the sample that caused it.
#[cold]
#[inline(never)]
fn emit(
    event: Event,
    arrival_ns: u64,
    hints: &Sender<HintMessage>,
    clock: &Clock,
    histograms: &mut LatencyHistograms,
    counters: &EngineCounters,
) {
    let sent_ns = clock.now_ns();
    histograms
        .hint
        .saturating_record(sent_ns.saturating_sub(arrival_ns));
    bump(&counters.events, 1);
    let message = HintMessage {
        event,
        arrival_ns,
        sent_ns,
    };
    match hints.try_send(message) {
        Ok(()) => bump(&counters.hints_sent, 1),
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            bump(&counters.hints_dropped, 1)
        }
    }
}
