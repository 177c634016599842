//! `letdown serve --port DEV | --stdio`: the engine on a live pump link.
//!
//! Three threads:
//! - the reading thread: bytes off the line, passed on as they come (`link::connect`);
//! - the link thread (this one): the receive path ([`LinkReceiver`]: frames checked and
//!   counted, lost frames turned into missing samples, the engine built from the stream's
//!   configuration), pushing samples into the lock-free pipeline; and the downstream
//!   side: every engine hint back to the pump as a Hint frame the moment it comes out of
//!   the pipeline, an Ack every `--ack-ms` while it has news (at once when a stream
//!   starts or the board has used half the room of the last one, so a board sending
//!   faster than real time never waits long), a Heartbeat when nothing else was sent for
//!   `--heartbeat-ms`; it waits on both at once (`select!`);
//! - the engine thread of `letdown_pipeline`.
//!
//! A link without samples for `--timeout-ms` — from the start, before any Hello, as
//! after samples — is silent: a pause hint (stale data, at the board's next sample index)
//! goes to the pump at once and the log says so. The engine is told only what the
//! board's indices later show was lost, so a silence that lost nothing costs it nothing;
//! then the link lifts its own pause with the engine's mode. When a new stream replaces a
//! running one, the pump is put in the new engine's starting mode (stimulation) if the
//! old engine left it expressing or paused. Every hint's `sample_index` is in the board's
//! numbering. A stream whose rate the engine does not accept is
//! refused: a Pause hint (sensor fault, at the stream's first sample index) goes to the
//! pump, the log says why, and serve exits with status 2. A Settings frame (the mother changed
//! her comfort settings on the pump) reaches the engine thread before the samples after
//! it: every later hint asks for her targets and never beyond her maximum; the log shows
//! each change and the summary counts them. End of file or a hang-up ends serve
//! cleanly (status 0) after everything queued was processed and its hints sent, with a
//! summary on standard error.

use super::console::report_error;
use super::link_commands::{
    connect, duration_from, hint_fields, Incoming, LinkArgs, LinkReader, Log,
};
use super::EXIT_BAD_INPUT;
use clap::Args;
use crossbeam_channel::{never, select, Receiver};
use letdown_engine::{ControlHint, EngineStats, Event, Mode};
use letdown_io::pump_link::{
    link_resume_hint, to_board, LinkReceiver, PipelineSink, PipelineSinkConfig, ReceiveStats,
    ReceiverConfig, ReceiverEvent,
};
use letdown_link::{DropReason, Encoder, Heartbeat, Payload, MAX_FRAME_LEN};
use letdown_pipeline::{HintMessage, Percentiles, PipelineStats, WaitStrategy};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Options of `letdown serve`.
#[derive(Debug, Args)]
#[command(after_help = "\
Protocol: letdown-link v2 (adapters/link; its crate docs are the specification): \
COBS-framed, CRC-32C-checked frames. Upstream (pump -> serve): Hello (stream \
configuration: rate in Hz, mmHg and mL/min per count), SampleBlock (1-64 samples, i16 \
pressure and flow, i16::MIN = no reading), Settings, Heartbeat. Downstream (serve -> \
pump): Hint (mode, target vacuum in mmHg, rate in cycles/min, ramp cycles, reason, \
confidence 0-1, cue, sample index in the board's numbering), Ack (last sequence number, \
frames received, dropped in all and by reason, samples missing, overrun and discarded, \
bytes without a frame, the next sample index expected, and the room for more samples: \
a board sending faster than real time sends no more than that room), Heartbeat. Frames \
of protocol version 1 are dropped and counted as version errors.

Log lines and statistics go to standard error, as `serve: ...`; the statistics as \
key=value pairs (frames_ok, frames_dropped and drops by reason, frames_lost, samples, \
samples_missing, gaps, overruns, hints_sent, hints_dropped, ...).

Exit status: 0 when the link ends (end of file, hang-up), 2 on bad options, a device that \
cannot be opened, or a stream the engine cannot run (rate outside 100-10000 Hz), 1 if \
the link fails otherwise.")]
pub struct ServeArgs {
    #[command(flatten)]
    link: LinkArgs,

    /// Baud rate of --port (8N1; a pseudo-terminal ignores it).
    #[arg(long, value_name = "B", default_value_t = super::link_commands::DEFAULT_BAUD)]
    baud: u32,

    /// No samples for this long (from the start on) makes the link silent: the pump is
    /// paused (stale data) and the log says so, ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500.0,
        allow_negative_numbers = true
    )]
    timeout_ms: f64,

    /// Send an Ack this often while it has news, ms (and at once when a stream starts or
    /// the board has used half the room of the last one).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 100.0,
        allow_negative_numbers = true
    )]
    ack_ms: f64,

    /// Send a Heartbeat when nothing else was sent for this long, ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 250.0,
        allow_negative_numbers = true
    )]
    heartbeat_ms: f64,

    /// Print the statistics every S seconds (besides at the end).
    #[arg(long, value_name = "S")]
    stats_every: Option<f64>,

    /// How the engine thread waits for blocks: spin, yield, park, tick or predict
    /// (sleeps until just before the next block is due, then spins).
    #[arg(long, value_name = "STRATEGY", default_value = "predict")]
    wait: WaitStrategy,

    /// Lock memory and run the engine thread under SCHED_FIFO where the OS allows.
    #[arg(long)]
    realtime: bool,

    /// Log no line per dropped frame, gap or engine event (statistics, silences and
    /// stream changes are still logged).
    #[arg(long, short)]
    quiet: bool,
}

/// serve's side of the link towards the pump: the frames it writes (hints, Acks, heartbeats).
struct ToPump {
    writer: Box<dyn Write + Send>,
    encoder: Encoder,
    buf: [u8; MAX_FRAME_LEN],
    started: Instant,
    last_write: Instant,
    last_ack: Instant,
    /// The last Ack sent.
    acked: Option<letdown_link::Ack>,
    /// The most room any Ack offered (the queue's size, for the stream's blocks).
    most_room: u32,
    /// The mode of the last hint the pump was sent.
    pump_mode: Option<Mode>,
    /// The pump's side is gone (broken pipe).
    closed: bool,
    hints_sent: u64,
    hints_failed: u64,
    acks: u64,
    heartbeats: u64,
    write_errors: u64,
}

impl ToPump {
    fn new(writer: Box<dyn Write + Send>, now: Instant) -> Self {
        Self {
            writer,
            encoder: Encoder::new(),
            buf: [0; MAX_FRAME_LEN],
            started: now,
            last_write: now,
            last_ack: now,
            acked: None,
            most_room: 0,
            pump_mode: None,
            closed: false,
            hints_sent: 0,
            hints_failed: 0,
            acks: 0,
            heartbeats: 0,
            write_errors: 0,
        }
    }

    /// Encodes and writes one frame; `false` if it did not go out.
    fn send(&mut self, payload: &Payload, log: &Log) -> bool {
        if self.closed {
            return false;
        }
        let n = match self.encoder.encode(payload, &mut self.buf) {
            Ok(n) => n,
            Err(e) => {
                log.line(format_args!("cannot encode {}: {e}", payload.frame_type()));
                return false;
            }
        };
        let bytes = self.buf.get(..n).unwrap_or(&[]);
        let result = self
            .writer
            .write_all(bytes)
            .and_then(|()| self.writer.flush());
        match result {
            Ok(()) => {
                self.last_write = Instant::now();
                true
            }
            Err(e) => {
                self.write_errors += 1;
                if matches!(
                    e.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    self.closed = true;
                    log.line("the pump's side of the link is closed: nothing more can be sent");
                } else {
                    log.line(format_args!("write to the pump failed: {e}"));
                }
                false
            }
        }
    }

    fn hint(&mut self, hint: ControlHint, log: &Log) {
        if self.send(&Payload::Hint(hint), log) {
            self.pump_mode = Some(hint.mode);
            self.hints_sent += 1;
        } else {
            self.hints_failed += 1;
        }
    }

    /// An Ack when it says something new and is due (every `every`, or `force`d at the
    /// end), or at once when the board needs it to pace itself: a stream's first room,
    /// or half the room of the last Ack used up.
    fn ack_if_due(
        &mut self,
        now: Instant,
        every: Duration,
        ack: letdown_link::Ack,
        force: bool,
        log: &Log,
    ) {
        if self.acked == Some(ack) {
            return;
        }
        let due = force || now.saturating_duration_since(self.last_ack) >= every;
        let urgent = match self.acked {
            None => ack.spare_samples > 0,
            Some(last) => {
                let taken = ack.next_sample_index.saturating_sub(last.next_sample_index);
                taken >= u64::from(last.spare_samples / 2)
                    || (self.room_is_short() && ack.spare_samples / 2 >= last.spare_samples)
            }
        };
        if due || urgent {
            self.most_room = self.most_room.max(ack.spare_samples);
            self.last_ack = now;
            self.acked = Some(ack);
            if self.send(&Payload::Ack(ack), log) {
                self.acks += 1;
            }
        }
    }

    /// Whether the last Ack offered less than half the queue: a board that sends faster
    /// than real time may be waiting for more room, so the queue is watched closely.
    fn room_is_short(&self) -> bool {
        self.acked
            .is_some_and(|a| a.spare_samples < self.most_room / 2)
    }

    fn heartbeat_if_idle(&mut self, now: Instant, every: Duration, log: &Log) {
        if now.saturating_duration_since(self.last_write) >= every {
            let uptime_ms = now.saturating_duration_since(self.started).as_millis() as u32;
            if self.send(&Payload::Heartbeat(Heartbeat { uptime_ms }), log) {
                self.heartbeats += 1;
            } else {
                // Not again before the next period.
                self.last_write = now;
            }
        }
    }
}

struct Options {
    timeout: Duration,
    ack_every: Duration,
    heartbeat_every: Duration,
    stats_every: Option<Duration>,
}

fn options(args: &ServeArgs) -> Result<Options, String> {
    Ok(Options {
        timeout: duration_from(args.timeout_ms, 1e-3, "--timeout-ms")?,
        ack_every: duration_from(args.ack_ms, 1e-3, "--ack-ms")?,
        heartbeat_every: duration_from(args.heartbeat_ms, 1e-3, "--heartbeat-ms")?,
        stats_every: args
            .stats_every
            .map(|s| duration_from(s, 1.0, "--stats-every"))
            .transpose()?,
    })
}

/// Runs `letdown serve`.
pub fn run(args: &ServeArgs) -> ExitCode {
    let opts = match options(args) {
        Ok(o) => o,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let spec = args.link.spec(args.baud);
    // Every line to standard error: with --stdio, standard output is the link.
    let log = Log::new("serve", true);
    let (reader, link_writer) = match connect(&spec, Duration::from_millis(500)) {
        Ok(link) => link,
        Err(status) => return status,
    };
    log.line(format_args!(
        "listening on {spec}; link timeout {:.0} ms",
        opts.timeout.as_secs_f64() * 1e3
    ));
    let started = Instant::now();
    let mut serve = Serve::new(args, opts, log, link_writer, started);
    // Silent from the first byte on: the clock starts now.
    serve.poll(started);
    let (rejected, status) = serve.serve(&reader);
    if !rejected {
        reader.stop();
        serve.final_ack();
    }
    serve.close(started);
    match (rejected, status) {
        (true, _) => ExitCode::from(EXIT_BAD_INPUT),
        (false, Ok(())) => ExitCode::SUCCESS,
        (false, Err(_)) => ExitCode::FAILURE,
    }
}

impl Serve {
    /// A serve over the link whose side towards the pump is `link_writer`, its engine on a
    /// pipeline waiting and scheduled as `args` asks, its clock started at `started`.
    fn new(
        args: &ServeArgs,
        opts: Options,
        log: Log,
        link_writer: Box<dyn Write + Send>,
        started: Instant,
    ) -> Self {
        let sink = PipelineSink::new(PipelineSinkConfig {
            wait: args.wait,
            realtime: args.realtime,
            ..PipelineSinkConfig::default()
        });
        Serve {
            receiver: LinkReceiver::new(sink, ReceiverConfig::new(opts.timeout)),
            down: ToPump::new(link_writer, started),
            hints: never(),
            generation: 0,
            next_stats: opts.stats_every.map(|d| started + d),
            counts: EventCounts::default(),
            pending: Pending::default(),
            log,
            quiet: args.quiet,
            opts,
        }
    }

    /// Acknowledges what was received, now, at the end of a link the pump closed.
    fn final_ack(&mut self) {
        let ack = self.receiver.ack();
        let ack_every = self.opts.ack_every;
        self.down
            .ack_if_due(Instant::now(), ack_every, ack, true, &self.log);
    }

    /// Stops the engine and reports what the serve did since `started`.
    fn close(self, started: Instant) {
        let Serve {
            receiver,
            mut down,
            mut counts,
            log,
            quiet,
            pending,
            ..
        } = self;
        let (sink, stats) = receiver.into_parts();
        let end = End {
            stats: &stats,
            refused: pending.refused.is_some(),
            quiet,
            started,
        };
        finish(sink, &end, &mut down, &mut counts, &log);
    }
}

/// A running serve: the link's receive path, its side towards the pump, and the engine's
/// hints in between.
struct Serve {
    receiver: LinkReceiver<PipelineSink>,
    down: ToPump,
    /// The running pipeline's hints (`never()` between streams).
    hints: Receiver<HintMessage>,
    /// The sink's stream generation `hints` belongs to.
    generation: u64,
    next_stats: Option<Instant>,
    counts: EventCounts,
    pending: Pending,
    log: Log,
    quiet: bool,
    opts: Options,
}

/// How one round of the loop ended.
enum Step {
    Continue,
    /// The engine refused the stream: the pump was told to pause; serve ends (status 2).
    Rejected,
    /// The link ended (`Ok`: the pump hung up; `Err`: a read failed), or the pump's side
    /// closed.
    Ended(Result<(), String>),
}

impl Serve {
    /// Serves until the link ends or a stream is refused; `(rejected, link status)`.
    fn serve(&mut self, reader: &LinkReader) -> (bool, Result<(), String>) {
        loop {
            self.catch_up();
            let ended = self.wait_and_take(reader, self.next_wake());
            match self.after_wait(ended) {
                Step::Continue => {}
                Step::Rejected => return (true, Ok(())),
                Step::Ended(status) => return (false, status),
            }
        }
    }

    /// Forwards what an ended stream left, restarts the pump after a new stream, and
    /// follows the current stream's hint channel.
    fn catch_up(&mut self) {
        while let Some(message) = self.receiver.sink_mut().take_leftover() {
            forward(
                &message,
                &mut self.down,
                &mut self.counts,
                &self.log,
                self.quiet,
            );
        }
        if let Some(first_sample_index) = self.pending.restarted.take() {
            restart_pump(
                first_sample_index,
                &self.receiver,
                &mut self.down,
                &self.log,
            );
        }
        if self.receiver.sink().generation() != self.generation {
            self.generation = self.receiver.sink().generation();
            self.hints = self.receiver.sink().hints().cloned().unwrap_or_else(never);
        }
    }

    /// How long to wait at most: the receiver's timeout, the next stats line, Ack or
    /// heartbeat, at most 100 ms; 1 ms while a board may be waiting for room.
    fn next_wake(&self) -> Duration {
        let now = Instant::now();
        let mut deadline = now + Duration::from_millis(100);
        for d in [self.receiver.next_deadline(), self.next_stats]
            .into_iter()
            .flatten()
        {
            deadline = deadline.min(d);
        }
        deadline = deadline
            .min(self.down.last_write + self.opts.heartbeat_every)
            .min(self.down.last_ack + self.opts.ack_every);
        if self.down.room_is_short() {
            // Tell a waiting board of new room within a millisecond.
            deadline = deadline.min(now + Duration::from_millis(1));
        }
        deadline.saturating_duration_since(now)
    }

    /// Waits up to `wait` for link bytes or an engine hint and handles it; `Some` when
    /// the link ended.
    fn wait_and_take(&mut self, reader: &LinkReader, wait: Duration) -> Option<Result<(), String>> {
        select! {
            recv(reader.incoming) -> message => match message {
                Ok(Incoming::Bytes(chunk)) => {
                    let (log, down, pending, quiet) =
                        (&self.log, &mut self.down, &mut self.pending, self.quiet);
                    self.receiver.feed(chunk.bytes(), chunk.at, &mut |e| {
                        on_link_event(log, down, pending, &e, quiet)
                    });
                    None
                }
                Ok(Incoming::End(result)) => {
                    if let Err(e) = &result {
                        self.log.line(format_args!("link failed: {e}"));
                    } else {
                        self.log.line("the pump hung up (end of the link)");
                    }
                    Some(result)
                }
                Err(_) => Some(Ok(())),
            },
            recv(self.hints) -> message => {
                match message {
                    Ok(message) => {
                        let message = to_board(message, self.receiver.board_index(0));
                        if let Some(hint) = &message.event.hint {
                            // The running engine's mode, for the end of a silence.
                            self.receiver.note_engine_hint(hint);
                        }
                        forward(&message, &mut self.down, &mut self.counts, &self.log, self.quiet)
                    }
                    Err(_) => self.hints = never(),
                }
                None
            },
            default(wait) => None,
        }
    }

    /// The receiver's clock, a refused stream, Acks, heartbeats and stats lines after a
    /// wait; `ended`: the link ended during it.
    fn after_wait(&mut self, ended: Option<Result<(), String>>) -> Step {
        let now = Instant::now();
        self.poll(now);
        let rx_stats = self.receiver.stats();
        if let Some(pause) = self.pending.refused {
            // The engine cannot run this stream: the pump was told to stop rather than
            // pump unsupervised; end.
            self.log.line(format_args!(
                "sent the pump a pause ({}); exiting: the stream cannot be served",
                hint_fields(&pause)
            ));
            return Step::Rejected;
        }
        let opts = &self.opts;
        let ack = self.receiver.ack();
        self.down
            .ack_if_due(now, opts.ack_every, ack, false, &self.log);
        self.down
            .heartbeat_if_idle(now, opts.heartbeat_every, &self.log);
        if let (Some(at), Some(every)) = (self.next_stats, opts.stats_every) {
            if now >= at {
                self.next_stats = Some(at + every);
                let so_far = counts_so_far(self.receiver.sink());
                print_stats(
                    &self.log,
                    "stats",
                    &rx_stats,
                    &self.down,
                    &self.counts,
                    &so_far,
                );
            }
        }
        match ended {
            Some(status) => Step::Ended(status),
            None if self.down.closed => Step::Ended(Ok(())),
            None => Step::Continue,
        }
    }

    /// The receiver watches the clock at `now`.
    fn poll(&mut self, now: Instant) {
        let (log, down, pending, quiet) =
            (&self.log, &mut self.down, &mut self.pending, self.quiet);
        self.receiver
            .poll(now, &mut |e| on_link_event(log, down, pending, &e, quiet));
    }
}

/// Events that came out of the engine.
#[derive(Debug, Default)]
struct EventCounts {
    events: u64,
    /// Events that carry no hint (a detection that changes nothing the pump does).
    without_hint: u64,
    /// Hints a closed engine left that were not sent because a refused stream's pause
    /// stands: the pump's last command must be that pause (logged, counted).
    withheld: u64,
}

/// A new engine starts in stimulation and says nothing until it changes its mind: if the
/// old one left the pump expressing or paused, the link puts the pump in the new engine's
/// mode (at the new stream's first sample; a new engine pauses again at its first unsafe
/// sample). A silent link keeps its pause until samples come back.
fn restart_pump(
    first_sample_index: u64,
    receiver: &LinkReceiver<PipelineSink>,
    down: &mut ToPump,
    log: &Log,
) {
    if receiver.is_silent() || matches!(down.pump_mode, None | Some(Mode::Stimulation)) {
        return;
    }
    let hint = link_resume_hint(
        first_sample_index,
        Mode::Stimulation,
        &receiver.user_settings(),
    );
    down.hint(hint, log);
    log.line(format_args!(
        "new stream: the pump follows the new engine ({})",
        hint_fields(&hint)
    ));
}

/// One engine event (indices already the board's) to the pump and the log.
fn forward(
    message: &HintMessage,
    down: &mut ToPump,
    counts: &mut EventCounts,
    log: &Log,
    quiet: bool,
) {
    counts.events += 1;
    let event = &message.event;
    match event.hint {
        Some(hint) => {
            down.hint(hint, log);
            if !quiet {
                log.line(format_args!(
                    "{} -> hint {} (sample {}, {:.3} ms after its block arrived)",
                    event_text(event),
                    hint_fields(&hint),
                    hint.sample_index,
                    message.sent_ns.saturating_sub(message.arrival_ns) as f64 / 1e6
                ));
            }
        }
        None => {
            counts.without_hint += 1;
            if !quiet {
                log.line(format_args!(
                    "{} (no change for the pump)",
                    event_text(event)
                ));
            }
        }
    }
}

fn event_text(e: &Event) -> String {
    format!(
        "event {} {} confidence={:.2}",
        e.kind, e.reason, e.confidence
    )
}

/// What a receiver event leaves for the link loop to do.
#[derive(Debug, Default)]
struct Pending {
    /// The link's own pause when the engine refused the stream: serve ends.
    refused: Option<ControlHint>,
    /// A new stream replaced a running one at this board index: once the old engine's
    /// last hints are out, the pump must follow the new engine.
    restarted: Option<u64>,
}

/// A receiver event to the log, and the link's own hints (a silence's pause and its end,
/// a refused stream's pause) to the pump.
fn on_link_event(
    log: &Log,
    down: &mut ToPump,
    pending: &mut Pending,
    e: &ReceiverEvent,
    quiet: bool,
) {
    log_event(log, e, quiet);
    let hint = match e {
        ReceiverEvent::Silent { pause, .. } => Some(*pause),
        ReceiverEvent::Resumed { resume, .. } => *resume,
        ReceiverEvent::StreamRejected { pause, .. } => {
            pending.refused = Some(*pause);
            Some(*pause)
        }
        ReceiverEvent::StreamStarted {
            info,
            restart: true,
        } => {
            pending.restarted = Some(info.first_sample_index);
            None
        }
        _ => None,
    };
    if let Some(hint) = hint {
        down.hint(hint, log);
    }
}

fn log_event(log: &Log, e: &ReceiverEvent, quiet: bool) {
    let always = matches!(
        e,
        ReceiverEvent::StreamStarted { .. }
            | ReceiverEvent::StreamRejected { .. }
            | ReceiverEvent::BoardRestarted { .. }
            | ReceiverEvent::Silent { .. }
            | ReceiverEvent::Resumed { .. }
            | ReceiverEvent::SettingsApplied { .. }
            | ReceiverEvent::SettingsRefused(_)
    );
    if always || !quiet {
        log.line(e);
    }
}

/// How a serve ended, for [`finish`].
struct End<'a> {
    stats: &'a ReceiveStats,
    /// A stream was refused: the link's pause was sent and must stay the pump's last
    /// command.
    refused: bool,
    quiet: bool,
    started: Instant,
}

/// Closes the pipeline (everything queued is processed), sends its last hints (in the
/// board's numbering; withheld after a refused stream's pause), prints the summary.
fn finish(
    mut sink: PipelineSink,
    end: &End,
    down: &mut ToPump,
    counts: &mut EventCounts,
    log: &Log,
) {
    sink.close();
    send_leftover_hints(&mut sink, end, down, counts, log);
    let totals = StreamTotals::of(&sink);
    print_stats(log, "summary", end.stats, down, counts, &totals.pipeline);
    totals.print(log, &sink);
    log.line(format_args!(
        "summary elapsed_s={:.3}",
        end.started.elapsed().as_secs_f64()
    ));
}

/// Sends the hints of the events the pipeline still held when it closed; after a refused
/// stream they came from samples before the link's pause and would lift it, so they are
/// only logged and counted.
fn send_leftover_hints(
    sink: &mut PipelineSink,
    end: &End,
    down: &mut ToPump,
    counts: &mut EventCounts,
    log: &Log,
) {
    while let Some(message) = sink.take_leftover() {
        counts.events += 1;
        match message.event.hint {
            Some(hint) if end.refused => {
                counts.withheld += 1;
                log.line(format_args!(
                    "{} -> hint {} (sample {}, at the end) not sent: the refused stream's \
                     pause stands",
                    event_text(&message.event),
                    hint_fields(&hint),
                    hint.sample_index
                ));
            }
            Some(hint) => {
                down.hint(hint, log);
                if !end.quiet {
                    log.line(format_args!(
                        "{} -> hint {} (sample {}, at the end)",
                        event_text(&message.event),
                        hint_fields(&hint),
                        hint.sample_index
                    ));
                }
            }
            None => counts.without_hint += 1,
        }
    }
}

/// Adds `p`'s counts (not its latencies) to `t`.
fn add_counts(t: &mut PipelineStats, p: &PipelineStats) {
    t.samples_in += p.samples_in;
    t.overruns += p.overruns;
    t.overrun_events += p.overrun_events;
    t.missing += p.missing;
    t.processed += p.processed;
    t.blocks += p.blocks;
    t.events += p.events;
    t.hints_sent += p.hints_sent;
    t.hints_dropped += p.hints_dropped;
}

/// The pipeline's counts over every stream so far (the closed ones' and the running
/// one's), with the running one's live latencies: the periodic stats line, which must
/// count as the summary does.
fn counts_so_far(sink: &PipelineSink) -> PipelineStats {
    let mut t = sink.live_stats().unwrap_or_default();
    for r in sink.reports() {
        add_counts(&mut t, &r.report.stats);
    }
    t
}

/// The pipeline's and the engine's figures summed over the streams served (one in all
/// but restarts of the board), and the last stream's latency percentiles.
struct StreamTotals {
    pipeline: PipelineStats,
    engine: EngineStats,
    latency: Percentiles,
    hint_latency: Percentiles,
}

impl StreamTotals {
    fn of(sink: &PipelineSink) -> Self {
        let mut t = Self {
            pipeline: PipelineStats::default(),
            engine: EngineStats::default(),
            latency: Percentiles::default(),
            hint_latency: Percentiles::default(),
        };
        for r in sink.reports() {
            add_counts(&mut t.pipeline, &r.report.stats);
            t.engine += r.report.engine.stats();
            t.latency = Percentiles::of(&r.report.histograms.sample);
            t.hint_latency = Percentiles::of(&r.report.histograms.hint);
        }
        t
    }

    /// The summary's engine and latency lines.
    fn print(&self, log: &Log, sink: &PipelineSink) {
        let engine = &self.engine;
        log.line(format_args!(
            "summary engine streams={} samples={} missing_samples={} pressure_faults={} \
             flow_faults={} over_vacuum_samples={} cycles={} artefact_cycles={} events_dropped={} \
             engine_panics={}",
            sink.reports().len(),
            engine.samples,
            engine.missing_samples,
            engine.pressure_faults,
            engine.flow_faults,
            engine.over_vacuum_samples,
            engine.cycles,
            engine.artefact_cycles,
            engine.events_dropped,
            sink.engine_panics()
        ));
        let us = |ns: u64| ns as f64 / 1e3;
        let (latency, hint_latency) = (&self.latency, &self.hint_latency);
        log.line(format_args!(
            "summary latency_us sample_p50={:.1} sample_p99={:.1} sample_max={:.1} \
             hint_n={} hint_p50={:.1} hint_max={:.1} (block arrival -> processed / hint sent)",
            us(latency.p50_ns),
            us(latency.p99_ns),
            us(latency.max_ns),
            hint_latency.count,
            us(hint_latency.p50_ns),
            us(hint_latency.max_ns)
        ));
    }
}

/// The statistics, one line each for the link, the samples and the hints, every line
/// starting with `label` (`stats` while serving, `summary` at the end).
fn print_stats(
    log: &Log,
    label: &str,
    rx: &ReceiveStats,
    down: &ToPump,
    counts: &EventCounts,
    pipeline: &PipelineStats,
) {
    print_link_stats(log, label, rx);
    print_sample_stats(log, label, rx);
    print_hint_stats(log, label, down, counts, pipeline);
}

/// The link line: bytes, frames decoded, dropped (in all and by reason) and lost, the
/// frames received by type, and the sequence numbers' duplicates and rewinds.
fn print_link_stats(log: &Log, label: &str, rx: &ReceiveStats) {
    let reasons: Vec<String> = DropReason::ALL
        .iter()
        .map(|r| format!("dropped_{r}={}", rx.decoder.dropped(*r)))
        .collect();
    log.line(format_args!(
        "{label} link bytes={} oversize_bytes={} frames_ok={} frames_dropped={} {} frames_lost={} \
         hellos={} blocks={} heartbeats={} settings={} settings_refused={} unexpected={} \
         duplicates={} rewinds={}",
        rx.decoder.bytes,
        rx.decoder.oversize_bytes,
        rx.decoder.frames,
        rx.frames_dropped(),
        reasons.join(" "),
        rx.sequence.lost_frames,
        rx.hellos,
        rx.blocks,
        rx.heartbeats,
        rx.settings,
        rx.settings_refused,
        rx.unexpected,
        rx.sequence.duplicates,
        rx.sequence.rewinds
    ));
}

/// The samples line: received and delivered, reported missing (in gaps), lost to
/// overruns, discarded (a rejected stream's, duplicates, repeats), silences and streams.
fn print_sample_stats(log: &Log, label: &str, rx: &ReceiveStats) {
    log.line(format_args!(
        "{label} samples received={} delivered={} missing={} gaps={} overruns={} \
         rejected={} duplicate={} repeated={} silences={} streams={} streams_rejected={}",
        rx.samples_received,
        rx.samples_delivered,
        rx.missing_reported,
        rx.gaps,
        rx.overruns,
        rx.samples_rejected,
        rx.samples_duplicate,
        rx.samples_repeated,
        rx.silences,
        rx.streams,
        rx.streams_rejected
    ));
}

/// The hints line: the engine's events, the hints sent and dropped (in the engine's
/// channel or by a failed write), the other frames written to the pump, and the samples
/// the engine processed.
fn print_hint_stats(
    log: &Log,
    label: &str,
    down: &ToPump,
    counts: &EventCounts,
    pipeline: &PipelineStats,
) {
    log.line(format_args!(
        "{label} hints events={} without_hint={} withheld={} sent={} dropped={} (engine \
         channel {} + write {}) acks={} heartbeats={} write_errors={} processed={}",
        counts.events,
        counts.without_hint,
        counts.withheld,
        down.hints_sent,
        pipeline.hints_dropped + down.hints_failed,
        pipeline.hints_dropped,
        down.hints_failed,
        down.acks,
        down.heartbeats,
        down.write_errors,
        pipeline.processed
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::{EngineConfig, Sample};
    use letdown_io::pump_link::{StreamInfo, StreamSink};
    use letdown_link::StreamConfig;

    /// The periodic stats line counts every stream so far, as the summary does: after a
    /// restart the first stream's processed samples are still in it.
    #[test]
    fn the_stats_line_counts_the_streams_a_restart_closed() {
        let mut sink = PipelineSink::new(PipelineSinkConfig::default());
        let info = StreamInfo {
            config: StreamConfig::new(1000, 0.01, 0.01),
            max_samples_per_block: 16,
            first_sample_index: 0,
        };
        let engine = || EngineConfig::new(1000.0).build().unwrap();
        sink.start(engine(), &info).unwrap();
        let samples = [Sample::new(-50.0, 0.0); 16];
        let mut pushed = 0;
        while pushed < 2_000 {
            if sink.spare_samples().is_some_and(|n| n < 16) {
                std::thread::yield_now();
                continue;
            }
            assert_eq!(sink.push(&samples), 0, "room was checked");
            pushed += 16;
        }
        // A restart: the first stream closes (every queued sample processed).
        sink.start(engine(), &info).unwrap();
        let so_far = counts_so_far(&sink);
        assert_eq!((so_far.samples_in, so_far.processed), (2_000, 2_000));
        // The running stream's own counts come on top.
        assert_eq!(sink.push(&samples), 0);
        assert_eq!(counts_so_far(&sink).samples_in, 2_016);
    }
}
