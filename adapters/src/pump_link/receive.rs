//! The engine side's receive path: bytes from the sensor board → frames → samples and
//! gaps for the engine.
//!
//! [`LinkReceiver::feed`] takes bytes as they come off the line, in pieces of any size:
//!
//! 1. the [`FrameDecoder`] cuts them at every `0x00` and checks each frame (COBS, CRC-32C,
//!    version, type, length, fields); a bad frame is dropped, counted under its reason
//!    and reported as [`ReceiverEvent::FrameDropped`]; decoding resumes at the next frame;
//! 2. the [`SequenceTracker`] turns sequence numbers and first-sample indices into lost
//!    frames and missing samples;
//! 3. a Hello (or, if the Hello was lost, the first block, which repeats the stream
//!    configuration) builds the stream's engine at its sample rate: a rate the engine does
//!    not accept (outside 100 … 10 000 Hz) is [`ReceiverEvent::StreamRejected`] and no
//!    engine runs; a later block with another configuration restarts the stream;
//! 4. samples go to the [`StreamSink`]; missing samples go first, as a gap
//!    (`report_missing`), so the engine counts them and pauses on stale data;
//! 5. a Settings frame (the mother changed her comfort settings on the pump) goes to the
//!    running engine before the samples after it (`Engine::set_user_settings`), and is
//!    kept for every stream started later.
//!
//! [`LinkReceiver::poll`] watches the clock: no samples for longer than the timeout makes
//! the link [`ReceiverEvent::Silent`] — the engine is told at once of one missing sample,
//! so its safety logic issues its stale-data pause (it needs no new data to do so) and
//! later resumes by itself after good data, as after any gap. When the samples come back,
//! the gap the board's sample indices reveal is reported less that one sample already
//! reported, so the engine's count of missing samples stays exact.
//!
//! Times are passed in (`now`), never read here, so tests drive the clock.

use letdown_engine::{ConfigError, Engine, EngineConfig, Sample, SettingsError, UserSettings};
use letdown_link::{
    Ack, Continuity, DecoderStats, Frame, FrameDecoder, FrameError, FrameType, Payload,
    SampleBlock, SequenceStats, SequenceTracker, StreamConfig, MAX_SAMPLES_PER_BLOCK,
};
use std::fmt;
use std::time::{Duration, Instant};

/// What a stream is: its configuration and the block size its board announced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamInfo {
    /// Rate and channel scaling.
    pub config: StreamConfig,
    /// Most samples per block (from the Hello; the first block's length without one).
    pub max_samples_per_block: u8,
}

/// Where a receiver delivers a stream: the real-time pipeline in `serve`
/// ([`PipelineSink`](super::PipelineSink)), or the engine in place
/// ([`EngineSink`](super::EngineSink)).
pub trait StreamSink {
    /// A stream starts: `engine` is built for its rate. A sink that was running a stream
    /// ends it first (everything it queued is still processed).
    fn start(&mut self, engine: Engine, info: &StreamInfo) -> Result<(), String>;
    /// Consecutive samples; returns how many were dropped because the sink was full
    /// (overruns, which the sink reports to the engine as a gap). Never blocks.
    fn push(&mut self, samples: &[Sample]) -> u64;
    /// `n` samples that never arrived, before the next pushed sample.
    fn report_missing(&mut self, n: u64);
    /// Delivers a reported gap now, without waiting for the next samples.
    fn flush(&mut self);
    /// The user's new settings, for the engine from the next sample on. Refused (and
    /// nothing changed) if a field is out of range.
    fn set_user_settings(&mut self, settings: UserSettings) -> Result<(), SettingsError>;
}

/// Receiver settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReceiverConfig {
    /// No samples for this long (while a stream runs) makes the link silent.
    pub timeout: Duration,
    /// Engine settings for every stream; `sample_rate_hz` is replaced by the stream's.
    pub engine: EngineConfig,
}

impl ReceiverConfig {
    /// The engine's defaults and a link timeout.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            engine: EngineConfig::new(1000.0),
        }
    }
}

/// Something the receiver noticed, for the log. Everything here is also counted in
/// [`ReceiveStats`].
#[derive(Clone, Debug, PartialEq)]
pub enum ReceiverEvent {
    /// A stream started (its engine is built). `restart`: a previous stream ended.
    StreamStarted {
        /// The stream.
        info: StreamInfo,
        /// Whether it replaces a running stream.
        restart: bool,
    },
    /// The stream's configuration cannot run (the engine refused its rate, or the sink
    /// could not start): its samples are discarded and counted.
    StreamRejected {
        /// The stream configuration received.
        config: StreamConfig,
        /// Why.
        reason: String,
    },
    /// A Hello with the running stream's configuration: the board restarted its stream;
    /// the engine goes on.
    BoardRestarted {
        /// The index the board's next sample will have.
        next_sample_index: u64,
    },
    /// A frame failed a check and was dropped.
    FrameDropped(FrameError),
    /// Frames or samples are missing before a frame.
    Gap {
        /// Frames lost (any type), from the sequence numbers.
        lost_frames: u16,
        /// Samples missing, from the sample indices; reported to the engine.
        missing_samples: u64,
    },
    /// A repeated frame, ignored.
    Duplicate {
        /// Its sequence number.
        seq: u16,
    },
    /// A block starts before the end of the previous one; followed from here.
    Rewind {
        /// The first index expected.
        expected_index: u64,
        /// The block's first index.
        first_sample_index: u64,
    },
    /// The sink was full: samples dropped (and reported to the engine as a gap).
    Overrun {
        /// Samples dropped.
        dropped: u64,
    },
    /// The user's settings arrived and apply from the next sample (`running`: to the
    /// running stream's engine; otherwise to the next stream's).
    SettingsApplied {
        /// The settings.
        settings: UserSettings,
        /// Whether a stream's engine runs and took them.
        running: bool,
    },
    /// A Settings frame the engine refused (the link checks the same ranges, so only a
    /// sink that failed): counted, the old settings stay.
    SettingsRefused(SettingsError),
    /// A frame the board should not send (a hint or an ack), counted and ignored.
    Unexpected {
        /// Its type.
        frame_type: FrameType,
    },
    /// No samples for longer than the timeout: the engine was told of a gap, so it
    /// pauses the pump (stale data).
    Silent {
        /// Time since the last samples.
        since_last: Duration,
    },
    /// Samples again after a silence.
    Resumed {
        /// How long the link was without samples.
        after: Duration,
        /// Samples the board's indices say were missed meanwhile.
        missing_samples: u64,
    },
}

impl fmt::Display for ReceiverEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiverEvent::StreamStarted { info, restart } => write!(
                f,
                "{} stream: {} Hz, {} mmHg and {} mL/min per count, up to {} samples per block",
                if *restart { "new" } else { "start of" },
                info.config.sample_rate_hz,
                info.config.pressure_mmhg_per_lsb,
                info.config.flow_ml_min_per_lsb,
                info.max_samples_per_block
            ),
            ReceiverEvent::StreamRejected { config, reason } => write!(
                f,
                "stream rejected: {} Hz: {reason}; its samples are discarded",
                config.sample_rate_hz
            ),
            ReceiverEvent::BoardRestarted { next_sample_index } => write!(
                f,
                "the board restarted its stream (next sample index {next_sample_index}); \
                 the engine goes on"
            ),
            ReceiverEvent::FrameDropped(e) => write!(f, "{e}"),
            ReceiverEvent::Gap {
                lost_frames,
                missing_samples,
            } => write!(
                f,
                "gap: {lost_frames} frame(s) lost, {missing_samples} sample(s) missing \
                 (reported to the engine)"
            ),
            ReceiverEvent::Duplicate { seq } => write!(f, "duplicate frame {seq} ignored"),
            ReceiverEvent::Rewind {
                expected_index,
                first_sample_index,
            } => write!(
                f,
                "sample index went back from {expected_index} to {first_sample_index}; \
                 following the new indices"
            ),
            ReceiverEvent::Overrun { dropped } => write!(
                f,
                "engine queue full: {dropped} sample(s) dropped (overrun, reported as a gap)"
            ),
            ReceiverEvent::SettingsApplied {
                settings: u,
                running,
            } => write!(
                f,
                "user settings {}: stimulation {} mmHg at {} cpm, expression {} mmHg at {} \
                 cpm, maximum {} mmHg",
                if *running {
                    "applied"
                } else {
                    "kept for the next stream"
                },
                u.stimulation_vacuum_mmhg,
                u.stimulation_rate_cpm,
                u.expression_vacuum_mmhg,
                u.expression_rate_cpm,
                u.max_vacuum_mmhg
            ),
            ReceiverEvent::SettingsRefused(e) => write!(f, "{e}; the old settings stay"),
            ReceiverEvent::Unexpected { frame_type } => {
                write!(f, "unexpected {frame_type} frame from the board ignored")
            }
            ReceiverEvent::Silent { since_last } => write!(
                f,
                "link silent: no samples for {:.3} s: engine told of stale data, pump paused",
                since_last.as_secs_f64()
            ),
            ReceiverEvent::Resumed {
                after,
                missing_samples,
            } => write!(
                f,
                "link back after {:.3} s without samples ({missing_samples} sample(s) missed)",
                after.as_secs_f64()
            ),
        }
    }
}

/// Everything the receiver counted. Nothing is dropped silently: every dropped frame is
/// in `decoder` under its reason, every missing sample in `missing_reported` or
/// `overruns`, every discarded one in `samples_rejected` or `samples_duplicate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiveStats {
    /// The decoder's counts: bytes, good, empty and dropped frames by reason.
    pub decoder: DecoderStats,
    /// The sequence tracker's counts: lost frames, missing samples, duplicates, rewinds.
    pub sequence: SequenceStats,
    /// Hello frames received.
    pub hellos: u64,
    /// Sample blocks received (good frames).
    pub blocks: u64,
    /// Heartbeats received.
    pub heartbeats: u64,
    /// Settings frames received (each applied, or refused and counted below).
    pub settings: u64,
    /// Settings the sink refused.
    pub settings_refused: u64,
    /// Frames of a type the board should not send (hint, ack).
    pub unexpected: u64,
    /// Samples in the good blocks received.
    pub samples_received: u64,
    /// Samples handed to the sink (overruns included).
    pub samples_delivered: u64,
    /// Samples the sink dropped because it was full (overruns; reported as gaps).
    pub overruns: u64,
    /// Samples reported to the engine as missing (sequence gaps and silences).
    pub missing_reported: u64,
    /// Gaps reported (runs of missing samples).
    pub gaps: u64,
    /// Samples of duplicate blocks, ignored.
    pub samples_duplicate: u64,
    /// Streams started (engines built).
    pub streams: u64,
    /// Stream configurations rejected.
    pub streams_rejected: u64,
    /// Samples discarded because their stream was rejected.
    pub samples_rejected: u64,
    /// Times the link went silent beyond the timeout.
    pub silences: u64,
}

impl ReceiveStats {
    /// Frames dropped by the decoder, all reasons.
    pub fn frames_dropped(&self) -> u64 {
        self.decoder.dropped_total()
    }
}

#[derive(Clone, Copy, Debug)]
struct Stream {
    info: StreamInfo,
    /// Board index − engine index (wrapping): a board's sample index for an engine's.
    offset: u64,
}

/// The receive path of the engine side (module docs). Generic over where the stream
/// goes; `serve` uses the real-time pipeline.
#[derive(Debug)]
pub struct LinkReceiver<S> {
    decoder: FrameDecoder,
    tracker: SequenceTracker,
    sink: S,
    config: ReceiverConfig,
    stream: Option<Stream>,
    rejected: Option<StreamConfig>,
    /// The engine's index of the next sample delivered (current stream).
    engine_next: u64,
    last_samples_at: Option<Instant>,
    silent: bool,
    /// Samples already reported missing for the current silence.
    silence_credit: u64,
    last_seq: Option<u16>,
    stats: ReceiveStats,
}

impl<S: StreamSink> LinkReceiver<S> {
    /// A receiver that has seen nothing, delivering to `sink`.
    pub fn new(sink: S, config: ReceiverConfig) -> Self {
        Self {
            decoder: FrameDecoder::new(),
            tracker: SequenceTracker::new(),
            sink,
            config,
            stream: None,
            rejected: None,
            engine_next: 0,
            last_samples_at: None,
            silent: false,
            silence_credit: 0,
            last_seq: None,
            stats: ReceiveStats::default(),
        }
    }

    /// Feeds bytes received at `now`; `on_event` hears what happened, in order.
    pub fn feed(&mut self, bytes: &[u8], now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        for &byte in bytes {
            if let Some(result) = self.decoder.push(byte) {
                match result {
                    Ok(frame) => self.on_frame(frame, now, on_event),
                    Err(e) => on_event(ReceiverEvent::FrameDropped(e)),
                }
            }
        }
    }

    /// Looks at the clock: a running stream without samples for longer than the
    /// timeout becomes silent (once per silence), and the engine is told of stale data.
    pub fn poll(&mut self, now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        let Some(last) = self.last_samples_at else {
            return;
        };
        if self.silent || self.stream.is_none() {
            return;
        }
        let since_last = now.saturating_duration_since(last);
        if since_last >= self.config.timeout {
            self.silent = true;
            self.stats.silences += 1;
            self.report_missing(1);
            self.silence_credit = 1;
            self.sink.flush();
            on_event(ReceiverEvent::Silent { since_last });
        }
    }

    /// When [`poll`](Self::poll) next needs to look (the silence deadline), if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        match (self.stream, self.last_samples_at, self.silent) {
            (Some(_), Some(last), false) => Some(last + self.config.timeout),
            _ => None,
        }
    }

    /// The acknowledgement to send the board now.
    pub fn ack(&self) -> Ack {
        let d = self.decoder.stats();
        Ack {
            last_seq: self.last_seq.unwrap_or(0),
            frames_received: d.frames as u32,
            frames_dropped: d.dropped_total() as u32,
            samples_missing: self.tracker.stats().missing_samples as u32,
        }
    }

    /// What was counted so far.
    pub fn stats(&self) -> ReceiveStats {
        ReceiveStats {
            decoder: *self.decoder.stats(),
            sequence: *self.tracker.stats(),
            ..self.stats
        }
    }

    /// The board's sample index for an engine sample index of the current stream (the
    /// engine counts from 0 at the stream's start; the board from wherever it started).
    pub fn board_index(&self, engine_index: u64) -> u64 {
        engine_index.wrapping_add(self.stream.map_or(0, |s| s.offset))
    }

    /// The running stream, if any.
    pub fn stream(&self) -> Option<StreamInfo> {
        self.stream.map(|s| s.info)
    }

    /// The configuration of the last rejected stream, while no stream runs.
    pub fn rejected(&self) -> Option<StreamConfig> {
        self.rejected
    }

    /// Whether the link is silent now.
    pub fn is_silent(&self) -> bool {
        self.silent
    }

    /// The sink.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The sink, mutably.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Ends the receiver, handing back the sink (to close it) and the final counts.
    pub fn into_parts(self) -> (S, ReceiveStats) {
        let stats = self.stats();
        (self.sink, stats)
    }

    fn on_frame(&mut self, frame: Frame, now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        let continuity = self.tracker.observe(&frame);
        if continuity != Continuity::Duplicate {
            self.last_seq = Some(frame.seq);
        }
        match frame.payload {
            Payload::Hello(hello) => {
                self.stats.hellos += 1;
                let info = StreamInfo {
                    config: hello.config,
                    max_samples_per_block: hello.max_samples_per_block,
                };
                match self.stream {
                    Some(stream) if stream.info.config == hello.config => {
                        self.set_offset(hello.next_sample_index);
                        on_event(ReceiverEvent::BoardRestarted {
                            next_sample_index: hello.next_sample_index,
                        });
                    }
                    _ => self.start_stream(info, hello.next_sample_index, now, on_event),
                }
            }
            Payload::SampleBlock(block) => self.on_block(&block, continuity, now, on_event),
            Payload::Heartbeat(_) => {
                self.stats.heartbeats += 1;
                self.on_gap_frames(continuity, on_event);
            }
            Payload::Settings(settings) => {
                self.stats.settings += 1;
                self.on_gap_frames(continuity, on_event);
                self.on_settings(settings, on_event);
            }
            Payload::Hint(_) | Payload::Ack(_) => {
                self.stats.unexpected += 1;
                on_event(ReceiverEvent::Unexpected {
                    frame_type: frame.payload.frame_type(),
                });
                self.on_gap_frames(continuity, on_event);
            }
        }
    }

    /// The user's settings: to the running engine, and for every later stream.
    fn on_settings(&mut self, settings: UserSettings, on_event: &mut impl FnMut(ReceiverEvent)) {
        let running = self.stream.is_some();
        let applied = if running {
            self.sink.set_user_settings(settings)
        } else {
            settings.validate()
        };
        match applied {
            Ok(()) => {
                self.config.engine = self.config.engine.with_user_settings(settings);
                on_event(ReceiverEvent::SettingsApplied { settings, running });
            }
            Err(e) => {
                self.stats.settings_refused += 1;
                on_event(ReceiverEvent::SettingsRefused(e));
            }
        }
    }

    /// Lost frames seen on a frame without samples: logged; the samples they carried
    /// show up in the next block's index.
    fn on_gap_frames(&mut self, continuity: Continuity, on_event: &mut impl FnMut(ReceiverEvent)) {
        if let Continuity::Gap { lost_frames, .. } = continuity {
            on_event(ReceiverEvent::Gap {
                lost_frames,
                missing_samples: 0,
            });
        }
    }

    fn on_block(
        &mut self,
        block: &SampleBlock,
        continuity: Continuity,
        now: Instant,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) {
        self.stats.blocks += 1;
        let n = block.len() as u64;
        self.stats.samples_received += n;
        let running = self.stream.map(|s| s.info.config);
        if running != Some(block.config) {
            if self.rejected == Some(block.config) {
                self.stats.samples_rejected += n;
                return;
            }
            // The Hello was lost, or the board changed its configuration without one:
            // every block carries the configuration, so the stream starts here.
            let max = self
                .stream
                .map_or(block.len() as u8, |s| s.info.max_samples_per_block);
            let info = StreamInfo {
                config: block.config,
                max_samples_per_block: max,
            };
            self.start_stream(info, block.first_sample_index, now, on_event);
            if self.stream.is_none() {
                self.stats.samples_rejected += n;
                return;
            }
        } else {
            match continuity {
                Continuity::Duplicate => {
                    self.stats.samples_duplicate += n;
                    on_event(ReceiverEvent::Duplicate {
                        seq: self.last_seq.unwrap_or(0),
                    });
                    return;
                }
                Continuity::Gap {
                    lost_frames,
                    missing_samples,
                } => {
                    let to_report = missing_samples.saturating_sub(self.silence_credit);
                    self.silence_credit = 0;
                    if to_report > 0 {
                        self.stats.gaps += 1;
                        self.report_missing(to_report);
                    }
                    on_event(ReceiverEvent::Gap {
                        lost_frames,
                        missing_samples,
                    });
                }
                Continuity::Rewind {
                    expected_index,
                    first_sample_index,
                } => on_event(ReceiverEvent::Rewind {
                    expected_index,
                    first_sample_index,
                }),
                Continuity::Start | Continuity::InOrder => {}
            }
        }
        if self.silent {
            self.silent = false;
            let after = self
                .last_samples_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
            on_event(ReceiverEvent::Resumed {
                after,
                missing_samples: continuity.missing_samples(),
            });
        }
        self.silence_credit = 0;
        self.set_offset(block.first_sample_index);
        let mut samples = [Sample::new(0.0, 0.0); MAX_SAMPLES_PER_BLOCK];
        for (slot, s) in samples.iter_mut().zip(block.engine_samples()) {
            *slot = s;
        }
        let count = block.len().min(MAX_SAMPLES_PER_BLOCK);
        let dropped = self.sink.push(samples.get(..count).unwrap_or(&[]));
        self.engine_next += n;
        self.stats.samples_delivered += n;
        if dropped > 0 {
            self.stats.overruns += dropped;
            on_event(ReceiverEvent::Overrun { dropped });
        }
        self.last_samples_at = Some(now);
    }

    fn start_stream(
        &mut self,
        info: StreamInfo,
        first_board_index: u64,
        now: Instant,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) {
        let restart = self.stream.is_some();
        let engine_config = EngineConfig {
            sample_rate_hz: f32::from(info.config.sample_rate_hz),
            ..self.config.engine
        };
        let started = engine_config
            .build()
            .map_err(|e: ConfigError| e.to_string())
            .and_then(|engine| self.sink.start(engine, &info));
        match started {
            Ok(()) => {
                self.stats.streams += 1;
                self.stream = Some(Stream {
                    info,
                    offset: first_board_index,
                });
                self.rejected = None;
                self.engine_next = 0;
                self.last_samples_at = Some(now);
                self.silent = false;
                self.silence_credit = 0;
                on_event(ReceiverEvent::StreamStarted { info, restart });
            }
            Err(reason) => {
                self.stats.streams_rejected += 1;
                self.stream = None;
                self.rejected = Some(info.config);
                self.last_samples_at = None;
                on_event(ReceiverEvent::StreamRejected {
                    config: info.config,
                    reason,
                });
            }
        }
    }

    /// The board's next sample (index `board_index`) is the engine's `engine_next`.
    fn set_offset(&mut self, board_index: u64) {
        if let Some(stream) = self.stream.as_mut() {
            stream.offset = board_index.wrapping_sub(self.engine_next);
        }
    }

    fn report_missing(&mut self, n: u64) {
        self.sink.report_missing(n);
        self.engine_next += n;
        self.stats.missing_reported += n;
    }
}
