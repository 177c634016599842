//! The pipeline's counters, readable from any thread while it runs.
//!
//! Each counter has a single writer (the producer's on one cache line, the engine
//! thread's on another, so neither side's writes evict the other's), which keeps its own
//! running total and stores it (the busiest counters), or updates it with a plain load
//! and store (the rare ones): no read-modify-write, no lock. Readers see each counter
//! grow monotonically; a [`PipelineStats`] read while running is a consistent-enough
//! view for telemetry, and exact once the pipeline has finished.

use super::latency::{AtomicPercentiles, LiveHistogram, Percentiles};
use std::sync::atomic::{
    AtomicBool, AtomicU64,
    Ordering::{Acquire, Relaxed},
};

/// A snapshot of the pipeline's counters and latency percentiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Samples the producer accepted into the queue.
    pub samples_in: u64,
    /// Samples the producer had to drop because the queue was full (overruns). The
    /// engine is told of each run of them as a gap (`Engine::process_gap`).
    pub overruns: u64,
    /// Pushes that dropped at least one sample.
    pub overrun_events: u64,
    /// Samples the sensor side reported missing (dropouts), passed on as gaps.
    pub missing: u64,
    /// Samples the engine thread has processed.
    pub processed: u64,
    /// Blocks the engine thread has taken from the queue.
    pub blocks: u64,
    /// Events the engine emitted.
    pub events: u64,
    /// Events delivered into the hint channel.
    pub hints_sent: u64,
    /// Events dropped because the hint channel was full or its receiver gone.
    pub hints_dropped: u64,
    /// Sample arrival → end of processing, ns. While the pipeline runs: from a coarse
    /// live histogram the engine thread keeps beside its hdrhistogram (each percentile
    /// the top of its bucket, at most 12.5 % above the true value and never above the
    /// maximum; count and maximum exact), always up to date. Once `finished`: the exact
    /// figures of the hdrhistogram.
    pub latency: Percentiles,
    /// Processing time per slot taken from the queue (one push of up to 32 samples), ns,
    /// exact; only once `finished` (all zero while running: the engine thread keeps no
    /// live copy of it, to spare the per-block record).
    pub block_time: Percentiles,
    /// Whether the engine thread has finished (the producer closed and every sample was
    /// processed).
    pub finished: bool,
}

/// Counters written by the producer only.
#[derive(Debug, Default)]
pub(crate) struct ProducerCounters {
    pub(crate) samples_in: AtomicU64,
    pub(crate) overruns: AtomicU64,
    pub(crate) overrun_events: AtomicU64,
    pub(crate) missing: AtomicU64,
}

/// Counters written by the engine thread only.
#[derive(Debug, Default)]
pub(crate) struct EngineCounters {
    pub(crate) processed: AtomicU64,
    pub(crate) blocks: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) hints_sent: AtomicU64,
    pub(crate) hints_dropped: AtomicU64,
    /// Exact percentiles, stored once at the end (before `finished`).
    pub(crate) latency: AtomicPercentiles,
    pub(crate) block_time: AtomicPercentiles,
    /// The live view of `latency` while running.
    pub(crate) live_latency: LiveHistogram,
    pub(crate) finished: AtomicBool,
}

/// Keeps what it holds on cache lines of its own (128 bytes: two 64-byte lines, as the
/// adjacent-line prefetcher of x86 pulls pairs).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CacheLine<T>(pub(crate) T);

/// Adds `n` to a counter that only the calling thread writes.
#[inline]
pub(crate) fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

/// Both sides' counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) producer: CacheLine<ProducerCounters>,
    pub(crate) engine: CacheLine<EngineCounters>,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> PipelineStats {
        let p = &self.producer.0;
        let e = &self.engine.0;
        // Read first: once it is true (stored with Release after the engine's last
        // counter update), every engine counter below is final.
        let finished = e.finished.load(Acquire);
        PipelineStats {
            samples_in: p.samples_in.load(Relaxed),
            overruns: p.overruns.load(Relaxed),
            overrun_events: p.overrun_events.load(Relaxed),
            missing: p.missing.load(Relaxed),
            processed: e.processed.load(Relaxed),
            blocks: e.blocks.load(Relaxed),
            events: e.events.load(Relaxed),
            hints_sent: e.hints_sent.load(Relaxed),
            hints_dropped: e.hints_dropped.load(Relaxed),
            latency: if finished {
                e.latency.load()
            } else {
                e.live_latency.percentiles()
            },
            block_time: if finished {
                e.block_time.load()
            } else {
                Percentiles::default()
            },
            finished,
        }
    }
}
