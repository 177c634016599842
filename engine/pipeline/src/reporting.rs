//! The pipeline's counters and handle for an engine loop built outside this crate: the
//! `Mutex<VecDeque>` + `mpsc` baseline that `letdown latency` measures the pipeline
//! against (`letdown_io::baseline`) reports through them, so that both are read
//! through the same [`EngineHandle`] and [`PipelineStats`](super::PipelineStats) and
//! compared alike.

use super::engine_thread::{EngineHandle, PipelineReport};
use super::latency::{LatencyHistograms, Percentiles};
use super::stats::{bump, EngineCounters, ProducerCounters};
use super::Shared;
use letdown_engine::Engine;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

/// The counters of one stream. Each counter has one writer, as in the pipeline: call the
/// producer's methods (`count_accepted`, `count_overrun`, `count_missing`) from one
/// thread and the engine's (`count_block`, `record_latency`, `count_event`, `finish`)
/// from one other.
#[derive(Clone, Debug, Default)]
pub struct StreamCounters(Arc<Shared>);

impl StreamCounters {
    /// Counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    fn producer(&self) -> &ProducerCounters {
        &self.0.counters.producer.0
    }

    fn engine(&self) -> &EngineCounters {
        &self.0.counters.engine.0
    }

    /// Producer: `n` samples accepted into the queue.
    pub fn count_accepted(&self, n: u64) {
        bump(&self.producer().samples_in, n);
    }

    /// Producer: one push dropped `n` samples (overruns; the engine is told of them as a
    /// gap). Nothing is counted for `n` = 0.
    pub fn count_overrun(&self, n: u64) {
        if n > 0 {
            bump(&self.producer().overruns, n);
            bump(&self.producer().overrun_events, 1);
        }
    }

    /// Producer: `n` samples the sensor side reported missing.
    pub fn count_missing(&self, n: u64) {
        bump(&self.producer().missing, n);
    }

    /// Engine thread: one block of `samples` taken from the queue and processed.
    pub fn count_block(&self, samples: u64) {
        bump(&self.engine().processed, samples);
        bump(&self.engine().blocks, 1);
    }

    /// Engine thread: `n` samples whose latency (arrival → end of processing) was
    /// `latency_ns`, into the live percentiles that [`EngineHandle::stats`] reads.
    pub fn record_latency(&self, latency_ns: u64, n: u64) {
        self.engine().live_latency.record_n(latency_ns, n);
    }

    /// Engine thread: an event emitted, and whether it reached the hint channel.
    pub fn count_event(&self, delivered: bool) {
        bump(&self.engine().events, 1);
        let c = &self.engine();
        bump(
            if delivered {
                &c.hints_sent
            } else {
                &c.hints_dropped
            },
            1,
        );
    }

    /// Engine thread, once every sample is processed: stores the exact percentiles of
    /// `histograms`, marks the stream finished and returns the report
    /// [`EngineHandle::join`] hands back.
    pub fn finish(&self, engine: Engine, histograms: LatencyHistograms) -> PipelineReport {
        let c = self.engine();
        c.latency.store(&Percentiles::of(&histograms.sample));
        c.block_time.store(&Percentiles::of(&histograms.block));
        c.finished.store(true, Ordering::Release);
        PipelineReport {
            engine,
            stats: self.0.counters.snapshot(),
            histograms,
            realtime: None,
        }
    }

    /// The handle of the engine thread `thread`, which reports through these counters.
    pub fn handle(&self, thread: JoinHandle<PipelineReport>) -> EngineHandle {
        EngineHandle::new(thread, Arc::clone(&self.0))
    }
}
