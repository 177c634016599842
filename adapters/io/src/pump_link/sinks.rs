//! Where a [`LinkReceiver`](super::LinkReceiver) delivers a stream.
//!
//! - [`PipelineSink`]: the live path of `letdown serve` — the lock-free real-time pipeline
//!   of `letdown_pipeline` (a `ringbuf` SPSC queue into the engine thread, a
//!   bounded channel of hints out). A push never blocks: a full queue drops the newest
//!   samples, counts them as overruns and tells the engine of the gap.
//! - [`EngineSink`]: the engine called in place, its events collected in order; the same
//!   receive path, synchronously, for tests and tools.

use super::receive::{StreamInfo, StreamSink};
use letdown_engine::{Engine, Event, Sample, SettingsError, UserSettings};
use letdown_pipeline::{
    self as pipeline, EngineHandle, HintMessage, HintReceiver, PipelineConfig, PipelineReport,
    PipelineStats, SensorProducer, WaitStrategy, SLOT_SAMPLES,
};
use std::collections::VecDeque;

/// Settings of the pipelines a [`PipelineSink`] starts (default: the pipeline's own
/// defaults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipelineSinkConfig {
    /// How the engine thread waits for blocks.
    pub wait: WaitStrategy,
    /// Lock memory and ask for `SCHED_FIFO` where the OS allows.
    pub realtime: bool,
    /// Queue capacity, samples; `None`: the pipeline's default (0.5 s, at least 4096).
    pub capacity: Option<usize>,
    /// Hint channel capacity; `None`: the pipeline's default (64).
    pub hint_capacity: Option<usize>,
}

/// One finished stream's pipeline report.
#[derive(Clone, Debug)]
pub struct StreamReport {
    /// The stream's rate, Hz.
    pub rate_hz: u16,
    /// The engine (with its own counts), the pipeline's counts and histograms.
    pub report: PipelineReport,
}

#[derive(Debug)]
struct Running {
    producer: SensorProducer,
    hints: HintReceiver,
    engine: EngineHandle,
    rate_hz: u16,
    /// The board's index of the engine's sample 0.
    first_sample_index: u64,
    /// Samples one queue slot takes, in the stream's blocks.
    samples_per_slot: usize,
}

/// The real-time pipeline as a stream sink (module docs). One pipeline per stream; a new
/// stream closes the previous one (its queued samples are still processed, its last hints
/// kept for [`take_leftover`](Self::take_leftover)).
#[derive(Debug)]
pub struct PipelineSink {
    config: PipelineSinkConfig,
    running: Option<Running>,
    finished: Vec<StreamReport>,
    leftover: VecDeque<HintMessage>,
    generation: u64,
    engine_panics: u64,
}

impl PipelineSink {
    /// A sink that starts a pipeline with `config` for each stream.
    pub fn new(config: PipelineSinkConfig) -> Self {
        Self {
            config,
            running: None,
            finished: Vec::new(),
            leftover: VecDeque::new(),
            generation: 0,
            engine_panics: 0,
        }
    }

    /// The current stream's hint channel (engine → motor controller), if one runs.
    pub fn hints(&self) -> Option<&HintReceiver> {
        self.running.as_ref().map(|r| &r.hints)
    }

    /// +1 for every pipeline started: a new value means a new hint channel.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Hints a closed pipeline emitted but nobody read yet (in order), their sample
    /// indices already in the board's numbering of their own stream.
    pub fn take_leftover(&mut self) -> Option<HintMessage> {
        self.leftover.pop_front()
    }

    /// The running pipeline's live counts.
    pub fn live_stats(&self) -> Option<PipelineStats> {
        self.running.as_ref().map(|r| r.engine.stats())
    }

    /// Ends the running stream: the producer closes, the engine thread processes what is
    /// queued and stops; its unread hints go to the leftovers, its report to
    /// [`reports`](Self::reports).
    pub fn close(&mut self) {
        let Some(running) = self.running.take() else {
            return;
        };
        let Running {
            producer,
            hints,
            engine,
            rate_hz,
            first_sample_index,
            ..
        } = running;
        flush_before_close(producer);
        match engine.join() {
            Ok(report) => self.finished.push(StreamReport { rate_hz, report }),
            Err(_) => self.engine_panics += 1,
        }
        while let Ok(message) = hints.try_recv() {
            self.leftover
                .push_back(to_board(message, first_sample_index));
        }
    }

    /// Reports of the streams closed so far.
    pub fn reports(&self) -> &[StreamReport] {
        &self.finished
    }

    /// Engine threads that panicked (their report is lost); 0 unless the engine has a
    /// bug.
    pub fn engine_panics(&self) -> u64 {
        self.engine_panics
    }
}

/// `message` with its sample indices in the board's numbering: engine index +
/// `first_sample_index` of its stream.
pub fn to_board(mut message: HintMessage, first_sample_index: u64) -> HintMessage {
    let event = &mut message.event;
    event.sample_index = event.sample_index.wrapping_add(first_sample_index);
    if let Some(hint) = event.hint.as_mut() {
        hint.sample_index = hint.sample_index.wrapping_add(first_sample_index);
    }
    message
}

/// Closes `producer` once the gap it may still have to announce (samples dropped while
/// the queue was full) is queued: `SensorProducer`'s own close announces it only if the
/// queue has room at that moment, and the engine's count of missing samples would then
/// fall short of the overruns. Waits (at most 2 s) for the engine thread to make room, at
/// the end of a stream. On a restart that is the link's receive thread: the new stream's
/// first samples, and the silence check, wait behind it (and behind the old engine
/// thread's join), which is rare (a board restart) and bounded.
fn flush_before_close(mut producer: SensorProducer) {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while producer.vacant_len() == 0 && std::time::Instant::now() < give_up {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // An empty push publishes a pending gap (and does nothing without one).
    producer.push(&[]);
    producer.close();
}

impl StreamSink for PipelineSink {
    fn start(&mut self, engine: Engine, info: &StreamInfo) -> Result<(), String> {
        self.close();
        let rate = info.config.sample_rate_hz;
        let block = usize::from(info.max_samples_per_block.max(1));
        let mut config = PipelineConfig::for_stream(f32::from(rate), block)
            .wait(self.config.wait)
            .realtime(self.config.realtime);
        if let Some(capacity) = self.config.capacity {
            config = config.capacity(capacity);
        }
        if let Some(hint_capacity) = self.config.hint_capacity {
            config = config.hint_capacity(hint_capacity);
        }
        let p = pipeline::start(engine, config).map_err(|e| e.to_string())?;
        self.running = Some(Running {
            producer: p.producer,
            hints: p.hints,
            engine: p.engine,
            rate_hz: rate,
            first_sample_index: info.first_sample_index,
            // A push of up to SLOT_SAMPLES samples takes one slot, a longer one several.
            samples_per_slot: block / block.div_ceil(SLOT_SAMPLES),
        });
        self.generation += 1;
        Ok(())
    }

    fn push(&mut self, samples: &[Sample]) -> u64 {
        match self.running.as_mut() {
            Some(r) => r.producer.push(samples).dropped as u64,
            None => samples.len() as u64,
        }
    }

    fn report_missing(&mut self, n: u64) {
        if let Some(r) = self.running.as_mut() {
            r.producer.report_missing(n);
        }
    }

    fn flush(&mut self) {
        if let Some(r) = self.running.as_mut() {
            // An empty push publishes the pending gap at once.
            r.producer.push(&[]);
        }
    }

    fn set_user_settings(&mut self, settings: UserSettings) -> Result<(), SettingsError> {
        match self.running.as_mut() {
            Some(r) => r.producer.set_user_settings(settings),
            None => settings.validate(),
        }
    }

    fn spare_samples(&self) -> Option<u64> {
        Some(self.running.as_ref().map_or(0, |r| {
            (r.producer.vacant_len() / SLOT_SAMPLES * r.samples_per_slot) as u64
        }))
    }
}

impl Drop for PipelineSink {
    fn drop(&mut self) {
        self.close();
    }
}

/// The engine called in place (module docs): every event, in order, with nothing
/// between the receive path and `Engine::process` / `Engine::process_gap`.
#[derive(Debug, Default)]
pub struct EngineSink {
    engine: Option<Engine>,
    events: Vec<Event>,
    ended: Vec<Engine>,
}

impl EngineSink {
    /// A sink with no stream yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current stream's engine.
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// The engines of streams that were replaced by a new one.
    pub fn ended(&self) -> &[Engine] {
        &self.ended
    }

    /// Every event so far, in order (indices are the engine's: 0 at its stream's start).
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

impl StreamSink for EngineSink {
    fn start(&mut self, engine: Engine, _info: &StreamInfo) -> Result<(), String> {
        if let Some(previous) = self.engine.replace(engine) {
            self.ended.push(previous);
        }
        Ok(())
    }

    fn push(&mut self, samples: &[Sample]) -> u64 {
        let Some(engine) = self.engine.as_mut() else {
            return samples.len() as u64;
        };
        for &s in samples {
            if let Some(e) = engine.process(s) {
                self.events.push(e);
            }
        }
        0
    }

    fn report_missing(&mut self, n: u64) {
        if let Some(engine) = self.engine.as_mut() {
            if let Some(e) = engine.process_gap(n) {
                self.events.push(e);
            }
        }
    }

    fn flush(&mut self) {}

    fn set_user_settings(&mut self, settings: UserSettings) -> Result<(), SettingsError> {
        match self.engine.as_mut() {
            Some(engine) => engine.set_user_settings(settings),
            None => settings.validate(),
        }
    }

    /// The engine runs in place: no queue to overrun.
    fn spare_samples(&self) -> Option<u64> {
        None
    }
}
