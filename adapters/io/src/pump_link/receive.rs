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
//! [`LinkReceiver::poll`] watches the clock from the first poll on, before any frame as
//! after: no samples for longer than the timeout makes the link
//! [`ReceiverEvent::Silent`], which carries the link's own pause hint (stale data, at the
//! board's next sample index) for the pump. The engine is not told: a silence is not yet
//! a loss. When samples come back, the board's indices say what was lost: that many
//! samples reach the engine as a gap (and its own stale-data pause and recovery follow);
//! if nothing was lost the engine's clock never moved, and [`ReceiverEvent::Resumed`]
//! carries the hint that lifts the link's pause (the mode the engine last asked for, with
//! the user's current targets). So the engine counts exactly the samples the board sent
//! plus those really lost, and its sample `i` is the board's sample `i + offset` for
//! the whole stream.
//!
//! Sample indices are the board's: a block that starts before the expected index repeats
//! samples already taken (dropped and counted, the rest of the block goes on); a Hello
//! whose `next_sample_index` lies before the expected index restarts the stream (a new
//! engine), one at or after it continues the stream (what lies between is lost).
//!
//! Times are passed in (`now`), never read here, so tests drive the clock.

use super::{link_pause_hint, link_resume_hint};
use letdown_engine::{
    ConfigError, ControlHint, Engine, EngineConfig, Mode, Reason, Sample, SettingsError,
    UserSettings,
};
use letdown_link::{
    Ack, Continuity, DecoderStats, DropReason, Frame, FrameDecoder, FrameError, FrameType, Hello,
    Payload, SampleBlock, SequenceStats, SequenceTracker, StreamConfig, MAX_SAMPLES_PER_BLOCK,
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
    /// The board's index of the stream's first sample: the engine's sample `i` is the
    /// board's `i + first_sample_index`.
    pub first_sample_index: u64,
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
    /// Samples that can be pushed now, in blocks of the stream's size, without an
    /// overrun; `None`: no limit. 0 while no stream runs.
    fn spare_samples(&self) -> Option<u64>;
}

/// Receiver settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReceiverConfig {
    /// No samples for this long (from the first poll on) makes the link silent.
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
        /// The link's pause for the pump (sensor fault, at the stream's first sample
        /// index in the board's numbering): no engine watches this stream.
        pause: ControlHint,
    },
    /// A Hello with the running stream's configuration at or after the expected sample
    /// index: the stream and its engine go on (samples before that index are lost).
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
    /// A block starts before the expected index: its samples up to that index repeat
    /// samples already taken and are dropped (the engine's clock stays the board's).
    Rewind {
        /// The first index expected.
        expected_index: u64,
        /// The block's first index.
        first_sample_index: u64,
        /// Samples of the block dropped as repeats.
        repeated: u64,
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
    /// No samples for longer than the timeout (or since listening began): the pump must
    /// pause. The engine is not told (a silence is not a loss until the indices say so).
    Silent {
        /// Time since the last samples.
        since_last: Duration,
        /// The link's pause for the pump: stale data, at the board's next sample index
        /// (0 before any stream).
        pause: ControlHint,
    },
    /// Samples again after a silence.
    Resumed {
        /// How long the link was without samples.
        after: Duration,
        /// Samples the board's indices say were missed meanwhile, by this block and any
        /// Hello ahead of the expected index during the silence (reported to the running
        /// engine, which pauses and recovers by itself).
        missing_samples: u64,
        /// The hint that lifts the link's pause when the engine has no pause of its own to
        /// lift: nothing was lost (or a new stream began) and the engine's last hint was
        /// not a pause. At the first resumed sample's board index.
        resume: Option<ControlHint>,
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
            ReceiverEvent::StreamRejected { config, reason, .. } => write!(
                f,
                "stream rejected: {} Hz: {reason}; its samples are discarded",
                config.sample_rate_hz
            ),
            ReceiverEvent::BoardRestarted { next_sample_index } => write!(
                f,
                "hello: the board's next sample index is {next_sample_index}; the stream \
                 and its engine go on"
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
                repeated,
            } => write!(
                f,
                "block starts at sample {first_sample_index}, before the expected \
                 {expected_index}: {repeated} repeated sample(s) dropped"
            ),
            ReceiverEvent::Overrun { dropped } => write!(
                f,
                "engine queue full: {dropped} sample(s) dropped (overrun, reported as a gap)"
            ),
            ReceiverEvent::SettingsApplied { settings, running } => {
                fmt_settings(f, settings, *running)
            }
            ReceiverEvent::SettingsRefused(e) => write!(f, "{e}; the old settings stay"),
            ReceiverEvent::Unexpected { frame_type } => {
                write!(f, "unexpected {frame_type} frame from the board ignored")
            }
            ReceiverEvent::Silent { since_last, pause } => write!(
                f,
                "link silent: no samples for {:.3} s: pump paused (stale data) at sample {}",
                since_last.as_secs_f64(),
                pause.sample_index
            ),
            ReceiverEvent::Resumed {
                after,
                missing_samples,
                resume,
            } => fmt_resumed(f, *after, *missing_samples, resume.as_ref()),
        }
    }
}

/// The user's settings as a receiver event tells them; `running`: a stream's engine got
/// them (otherwise they wait for the next stream).
fn fmt_settings(f: &mut fmt::Formatter<'_>, u: &UserSettings, running: bool) -> fmt::Result {
    write!(
        f,
        "user settings {}: stimulation {} mmHg at {} cpm, expression {} mmHg at {} \
         cpm, maximum {} mmHg",
        if running {
            "applied"
        } else {
            "kept for the next stream"
        },
        u.stimulation_vacuum_mmhg,
        u.stimulation_rate_cpm,
        u.expression_vacuum_mmhg,
        u.expression_rate_cpm,
        u.max_vacuum_mmhg
    )
}

/// The link back after a silence of `after`, `missing_samples` lost, and what the pump
/// is told (`resume`).
fn fmt_resumed(
    f: &mut fmt::Formatter<'_>,
    after: Duration,
    missing_samples: u64,
    resume: Option<&ControlHint>,
) -> fmt::Result {
    write!(
        f,
        "link back after {:.3} s without samples ({missing_samples} sample(s) \
         missed",
        after.as_secs_f64()
    )?;
    match resume {
        Some(h) => write!(f, "; pump resumes {} at sample {})", h.mode, h.sample_index),
        None if missing_samples > 0 => f.write_str("; the engine resumes after good data)"),
        None => f.write_str("; the engine's own pause stays)"),
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
    /// Samples of blocks that started before the expected index, dropped as repeats.
    pub samples_repeated: u64,
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

/// The receive path of the engine side (module docs). Generic over where the stream
/// goes; `serve` uses the real-time pipeline.
#[derive(Debug)]
pub struct LinkReceiver<S> {
    decoder: FrameDecoder,
    tracker: SequenceTracker,
    sink: S,
    config: ReceiverConfig,
    stream: Option<StreamInfo>,
    rejected: Option<StreamConfig>,
    /// The engine's index of the next sample delivered (current stream).
    engine_next: u64,
    /// When samples last arrived (or listening began, or the stream started).
    last_samples_at: Option<Instant>,
    silent: bool,
    /// Samples the running engine was told are missing since the link fell silent: the
    /// engine pauses and recovers by itself for them, so the link does not lift its
    /// pause.
    missing_while_silent: u64,
    /// The mode of the engine's last hint in this stream (`None`: none yet, so the
    /// engine's starting mode, stimulation).
    engine_mode: Option<Mode>,
    last_seq: Option<u16>,
    stats: ReceiveStats,
}

impl<S: StreamSink> LinkReceiver<S> {
    /// A receiver that has seen nothing, delivering to `sink`. Its silence clock starts
    /// at the first [`poll`](Self::poll) or [`feed`](Self::feed).
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
            missing_while_silent: 0,
            engine_mode: None,
            last_seq: None,
            stats: ReceiveStats::default(),
        }
    }

    /// Feeds bytes received at `now`; `on_event` hears what happened, in order.
    pub fn feed(&mut self, bytes: &[u8], now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        self.last_samples_at.get_or_insert(now);
        for &byte in bytes {
            if let Some(result) = self.decoder.push(byte) {
                match result {
                    Ok(frame) => self.on_frame(frame, now, on_event),
                    Err(e) => on_event(ReceiverEvent::FrameDropped(e)),
                }
            }
        }
    }

    /// Looks at the clock: no samples for longer than the timeout — since the last
    /// samples, or since listening began — makes the link silent (once per silence), with
    /// the link's pause for the pump. The first call starts the clock.
    pub fn poll(&mut self, now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        let last = *self.last_samples_at.get_or_insert(now);
        if self.silent {
            return;
        }
        let since_last = now.saturating_duration_since(last);
        if since_last >= self.config.timeout {
            self.silent = true;
            self.missing_while_silent = 0;
            self.stats.silences += 1;
            let pause = link_pause_hint(self.next_board_index(), Reason::StaleData);
            on_event(ReceiverEvent::Silent { since_last, pause });
        }
    }

    /// When [`poll`](Self::poll) next needs to look (the silence deadline), if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        match (self.last_samples_at, self.silent) {
            (Some(last), false) => Some(last + self.config.timeout),
            _ => None,
        }
    }

    /// Tells the receiver of a hint the engine gave (board numbering), so that the end of
    /// a silence resumes the pump in the engine's mode.
    pub fn note_engine_hint(&mut self, hint: &ControlHint) {
        self.engine_mode = Some(hint.mode);
    }

    /// The acknowledgement to send the board now: what was received and lost, where
    /// the engine's clock is, and how many samples may come before the next Ack.
    pub fn ack(&self) -> Ack {
        let d = self.decoder.stats();
        let s = &self.stats;
        // Counts wrap at 2^32 on the wire (the crate docs say so).
        let wrap = |n: u64| n as u32;
        let mut dropped_by_reason = [0u32; 8];
        for (n, reason) in dropped_by_reason.iter_mut().zip(DropReason::ALL) {
            *n = wrap(d.dropped(reason));
        }
        Ack {
            last_seq: self.last_seq.unwrap_or(0),
            frames_received: wrap(d.frames),
            frames_dropped: wrap(d.dropped_total()),
            samples_missing: wrap(s.missing_reported),
            samples_overrun: wrap(s.overruns),
            samples_discarded: wrap(s.samples_duplicate + s.samples_repeated + s.samples_rejected),
            oversize_bytes: wrap(d.oversize_bytes),
            next_sample_index: self.next_board_index(),
            spare_samples: match self.stream {
                None => 0,
                Some(_) => self
                    .sink
                    .spare_samples()
                    .map_or(u32::MAX, |n| n.min(u64::from(u32::MAX - 1)) as u32),
            },
            dropped_by_reason,
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
        engine_index.wrapping_add(self.stream.map_or(0, |s| s.first_sample_index))
    }

    /// The board index the next sample must have to continue the stream (0 before any
    /// stream).
    pub fn next_board_index(&self) -> u64 {
        self.board_index(self.engine_next)
    }

    /// The user's current settings (from the last Settings frame, or the defaults).
    pub fn user_settings(&self) -> UserSettings {
        self.config.engine.user_settings()
    }

    /// The running stream, if any.
    pub fn stream(&self) -> Option<StreamInfo> {
        self.stream
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
            Payload::Hello(hello) => self.on_hello(hello, now, on_event),
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

    /// A Hello: a new stream, unless it continues the running one (same configuration,
    /// at or after the expected index; what lies between is lost).
    fn on_hello(&mut self, hello: Hello, now: Instant, on_event: &mut impl FnMut(ReceiverEvent)) {
        self.stats.hellos += 1;
        let next = hello.next_sample_index;
        match self.stream {
            Some(stream) if stream.config == hello.config && next >= self.next_board_index() => {
                self.report_gap(0, next - self.next_board_index(), on_event);
                on_event(ReceiverEvent::BoardRestarted {
                    next_sample_index: next,
                });
            }
            _ => {
                let info = StreamInfo {
                    config: hello.config,
                    max_samples_per_block: hello.max_samples_per_block,
                    first_sample_index: next,
                };
                self.start_stream(info, now, on_event);
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
        if !self.admit(block, continuity, now, on_event) {
            return;
        }
        let expected = self.next_board_index();
        let first = block.first_sample_index;
        let lost_frames = match continuity {
            Continuity::Gap { lost_frames, .. } => lost_frames,
            _ => 0,
        };
        let missing = first.saturating_sub(expected);
        self.report_gap(lost_frames, missing, on_event);
        let repeated = expected.saturating_sub(first).min(n);
        if repeated > 0 {
            self.stats.samples_repeated += repeated;
            on_event(ReceiverEvent::Rewind {
                expected_index: expected,
                first_sample_index: first,
                repeated,
            });
            if repeated == n {
                return;
            }
        }
        if self.silent {
            self.on_resumed(first + repeated, now, on_event);
        }
        self.deliver(block, repeated as usize, on_event);
        self.last_samples_at = Some(now);
    }

    /// Whether a block's samples go on to the engine: a block in a refused configuration
    /// or a duplicate does not (counted); one in a new configuration starts its stream.
    fn admit(
        &mut self,
        block: &SampleBlock,
        continuity: Continuity,
        now: Instant,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) -> bool {
        let n = block.len() as u64;
        if self.stream.map(|s| s.config) != Some(block.config) {
            if self.rejected == Some(block.config) {
                self.stats.samples_rejected += n;
                return false;
            }
            // The Hello was lost, or the board changed its configuration without one:
            // every block carries the configuration, so the stream starts here.
            let info = StreamInfo {
                config: block.config,
                max_samples_per_block: self
                    .stream
                    .map_or(block.len() as u8, |s| s.max_samples_per_block),
                first_sample_index: block.first_sample_index,
            };
            self.start_stream(info, now, on_event);
            if self.stream.is_none() {
                self.stats.samples_rejected += n;
                return false;
            }
        } else if continuity == Continuity::Duplicate {
            self.stats.samples_duplicate += n;
            on_event(ReceiverEvent::Duplicate {
                seq: self.last_seq.unwrap_or(0),
            });
            return false;
        }
        true
    }

    /// Samples again after a silence: says how long it lasted and, where the engine will
    /// not lift the link's pause itself, the hint that does.
    fn on_resumed(
        &mut self,
        board_index: u64,
        now: Instant,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) {
        self.silent = false;
        let after = self
            .last_samples_at
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        // Every gap the engine was told of while silent (a Hello ahead of the expected
        // index, or this block's own), not only this block's.
        let missing = self.missing_while_silent;
        let resume = self.resume_hint(missing, board_index);
        on_event(ReceiverEvent::Resumed {
            after,
            missing_samples: missing,
            resume,
        });
    }

    /// The hint that lifts the link's pause after a silence, if the engine will not: it
    /// pauses and recovers by itself after lost samples, and holds its own pause.
    fn resume_hint(&self, missing: u64, board_index: u64) -> Option<ControlHint> {
        if missing > 0 {
            return None;
        }
        let mode = match self.engine_mode {
            Some(Mode::Pause) => return None,
            Some(mode) => mode,
            None => Mode::Stimulation,
        };
        Some(link_resume_hint(board_index, mode, &self.user_settings()))
    }

    /// The block's samples from `skip` on, to the sink; overruns counted.
    fn deliver(
        &mut self,
        block: &SampleBlock,
        skip: usize,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) {
        let mut samples = [Sample::new(0.0, 0.0); MAX_SAMPLES_PER_BLOCK];
        for (slot, s) in samples.iter_mut().zip(block.engine_samples().skip(skip)) {
            *slot = s;
        }
        let count = block.len().min(MAX_SAMPLES_PER_BLOCK).saturating_sub(skip);
        let dropped = self.sink.push(samples.get(..count).unwrap_or(&[]));
        self.engine_next += count as u64;
        self.stats.samples_delivered += count as u64;
        if dropped > 0 {
            self.stats.overruns += dropped;
            on_event(ReceiverEvent::Overrun { dropped });
        }
    }

    /// Lost frames and samples before the next samples: the samples go to the engine as
    /// a gap.
    fn report_gap(
        &mut self,
        lost_frames: u16,
        missing_samples: u64,
        on_event: &mut impl FnMut(ReceiverEvent),
    ) {
        if missing_samples > 0 {
            self.stats.gaps += 1;
            self.report_missing(missing_samples);
        }
        if lost_frames > 0 || missing_samples > 0 {
            on_event(ReceiverEvent::Gap {
                lost_frames,
                missing_samples,
            });
        }
    }

    fn start_stream(
        &mut self,
        info: StreamInfo,
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
        self.engine_next = 0;
        self.engine_mode = None;
        // A new engine was told of no loss: the link lifts its pause itself.
        self.missing_while_silent = 0;
        match started {
            Ok(()) => {
                self.stats.streams += 1;
                self.stream = Some(info);
                self.rejected = None;
                if !self.silent {
                    self.last_samples_at = Some(now);
                }
                on_event(ReceiverEvent::StreamStarted { info, restart });
            }
            Err(reason) => {
                self.stats.streams_rejected += 1;
                self.stream = None;
                self.rejected = Some(info.config);
                on_event(ReceiverEvent::StreamRejected {
                    config: info.config,
                    reason,
                    pause: link_pause_hint(info.first_sample_index, Reason::SensorFault),
                });
            }
        }
    }

    fn report_missing(&mut self, n: u64) {
        self.sink.report_missing(n);
        self.engine_next += n;
        self.stats.missing_reported += n;
        if self.silent {
            self.missing_while_silent = self.missing_while_silent.saturating_add(n);
        }
    }
}
