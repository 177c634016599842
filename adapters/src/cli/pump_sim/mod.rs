//! `letdown pump-sim --port DEV | --stdio [--session FILE | --simulate …]`: plays a breast
//! pump's sensor board and motor controller on a link to `letdown serve` (issue 8).
//!
//! It sends a Hello, then SampleBlocks paced by the clock at the session's rate (`--speed`
//! times faster for tests), and reads what comes back: each Hint is printed (session time,
//! mode, vacuum, rate, reason, round trip from the block that carried the hint's sample)
//! and, with `--simulate`, applied to the physiological simulator between two blocks
//! (`Generator::apply_hint`: closed loop — the simulated pump follows the engine). Acks
//! tell what serve received. A simulated dropout is not sent: the next block's first
//! sample index shows the gap.
//!
//! Link faults for tests (`pump_link::inject`): garbage, truncated, corrupted and skipped
//! blocks, every N blocks, each counted in the summary; `--stall-after S` stops sending
//! for `--stall-ms` of wall time at session time S (paced, the board's clock goes on: the
//! samples of the stall are lost; `--unpaced`, it only waits and loses nothing), then
//! resumes or exits (`--after-stall`).
//!
//! After the last block it waits (up to `--linger-ms`) for serve's Ack of its last frame,
//! then prints a summary as `summary key=value …` lines.

mod replies;
mod session;
mod summary;

use super::console::report_error;
use super::link::{connect, duration_from, LinkArgs, Log};
use super::EXIT_BAD_INPUT;
use clap::{Args, ValueEnum};
use crossbeam_channel::RecvTimeoutError;
use letdown_adapters::labels_csv::read_labels;
use letdown_adapters::pump_link::{BoardEncoder, FaultInjector, LinkFaults};
use letdown_adapters::session_files::labels_path;
use letdown_adapters::SessionReader;
use letdown_datasets::{FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use letdown_link::{FrameDecoder, SequenceTracker};
use replies::{Downlink, Received, SentBlocks};
use session::{Session, Source};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use summary::summary;

/// What to do when a stall ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AfterStall {
    /// Send again (the stall's samples are lost: a gap).
    Resume,
    /// Stop sending and end the session there.
    Exit,
}

/// Options of `letdown pump-sim`.
#[derive(Debug, Args)]
#[command(after_help = "\
Sends protocol letdown-link v2 (see `letdown serve --help`): one Hello, then SampleBlocks \
of --block samples (pressure in mmHg and flow in mL/min, 0.01 per count), paced at the \
session's rate times --speed (or, with --unpaced, as fast as serve's Acks leave room), \
never more samples than the last Ack's room. Hints received are printed as `hint t=S ...` lines (session \
time in s; vacuum in mmHg; rate in cycles/min; round trip in ms from sending the block \
that held the hint's sample to receiving the hint). The summary lines `summary ...` hold \
key=value pairs: samples and frames sent, hints received, the first switch to expression \
(hint time and reason; the simulated pump's own switch) against the session's first \
labelled onset, round trips, what serve acknowledged, and the faults injected.

Lines go to standard output, or to standard error with --stdio. Exit status: 0 when the \
session was sent, 2 on bad options or input files, 1 if the link failed or serve hung up.")]
pub struct PumpSimArgs {
    #[command(flatten)]
    link: LinkArgs,

    /// Baud rate of --port (8N1; a pseudo-terminal ignores it).
    #[arg(long, allow_negative_numbers = true, value_name = "B", default_value_t = super::link::DEFAULT_BAUD)]
    baud: u32,

    /// Play a recorded session file (NAME.csv, DESIGN §3; labels from NAME.labels.csv
    /// beside it). Open loop: hints are printed, not applied.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "simulate",
        required_unless_present = "simulate"
    )]
    session: Option<PathBuf>,

    /// Play the physiological simulator, following the hints received (closed loop).
    #[arg(long)]
    simulate: bool,

    /// Simulated mother: relaxed, typical, stressed, no-letdown or mix.
    #[arg(long, value_name = "P", default_value = "typical")]
    profile: Profile,

    /// Seed of the simulated session.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 1
    )]
    seed: u64,

    /// Length of the simulated session, minutes.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "M",
        value_parser = super::options::minutes,
        default_value_t = 15.0
    )]
    minutes: f64,

    /// Sample rate of the simulated session, Hz (100 … 10000).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "HZ",
        value_parser = super::options::rate_hz,
        default_value_t = 1000.0
    )]
    rate: f64,

    /// Simulated sensor faults (comma-separated: dropout, nan, stuck, saturation, spikes,
    /// bubbles, overvacuum, drift, gain; all; none).
    #[arg(long, value_name = "LIST", default_value = "none")]
    faults: FaultSet,

    /// No everyday mess in the simulated session (spikes, bubbles, drift, user actions),
    /// apart from --faults.
    #[arg(long)]
    clean: bool,

    /// Play this many times faster than real time (e.g. 20 for tests).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "X",
        default_value_t = 1.0
    )]
    speed: f64,

    /// Send as fast as serve's Acks allow (no clock pacing; --speed is ignored).
    #[arg(long)]
    unpaced: bool,

    /// Give up when serve's Acks leave no room for the next block for this long, ms.
    #[arg(long, value_name = "MS", default_value_t = 5000.0)]
    room_wait_ms: f64,

    /// Samples per block (1 … 64).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        default_value_t = 16
    )]
    block: usize,

    /// Send 1-32 random non-zero bytes before every N-th block.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    garbage_every: Option<u64>,

    /// Cut every N-th block in half (its end and closing delimiter lost).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    truncate_every: Option<u64>,

    /// Flip one bit of every N-th block.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    corrupt_every: Option<u64>,

    /// Do not send every N-th block (a sequence gap).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    drop_every: Option<u64>,

    /// Do not send the first Hello (as if it were lost): serve runs no stream, and the
    /// Hello goes again after 500 ms without room.
    #[arg(long)]
    drop_hello: bool,

    /// Seed of the garbage bytes and flipped bits (default: --seed).
    #[arg(long, allow_negative_numbers = true, value_name = "S")]
    fault_seed: Option<u64>,

    /// Stop sending at this session time, s (see --stall-ms, --after-stall). Paced, the
    /// stall's samples are lost; with --unpaced, nothing is lost.
    #[arg(long, allow_negative_numbers = true, value_name = "S")]
    stall_after: Option<f64>,

    /// How long a stall lasts, ms of wall time (longer than serve's --timeout-ms to
    /// test it).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "MS",
        default_value_t = 1500.0
    )]
    stall_ms: f64,

    /// What to do when the stall ends.
    #[arg(long, value_name = "WHAT", default_value = "resume")]
    after_stall: AfterStall,

    /// After the last block, wait up to this long for serve's Ack of it (and the last
    /// hints), ms.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "MS",
        default_value_t = 2000.0
    )]
    linger_ms: f64,

    /// Print no line per hint (the summary still comes).
    #[arg(long, short)]
    quiet: bool,
}

struct Settings {
    /// `None`: unpaced.
    speed: Option<f64>,
    room_wait: Duration,
    stall_after: Option<f64>,
    stall: Duration,
    linger: Duration,
}

fn settings(args: &PumpSimArgs) -> Result<Settings, String> {
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= 10_000.0) {
        return Err(format!(
            "--speed must be > 0 and at most 10000, got {}",
            args.speed
        ));
    }
    if !(1..=letdown_link::MAX_SAMPLES_PER_BLOCK).contains(&args.block) {
        return Err(format!(
            "--block must be 1 … 64 samples, got {}",
            args.block
        ));
    }
    if let Some(s) = args.stall_after {
        if !(s.is_finite() && s >= 0.0) {
            return Err(format!("--stall-after must be a time ≥ 0 s, got {s}"));
        }
    }
    for (name, v) in [
        ("--garbage-every", args.garbage_every),
        ("--truncate-every", args.truncate_every),
        ("--corrupt-every", args.corrupt_every),
        ("--drop-every", args.drop_every),
    ] {
        if v == Some(0) {
            return Err(format!("{name} must be ≥ 1"));
        }
    }
    Ok(Settings {
        speed: (!args.unpaced).then_some(args.speed),
        room_wait: duration_from(args.room_wait_ms, 1e-3, "--room-wait-ms")?,
        stall_after: args.stall_after,
        stall: duration_from(args.stall_ms, 1e-3, "--stall-ms")?,
        linger: duration_from(args.linger_ms, 1e-3, "--linger-ms")?,
    })
}

fn source(args: &PumpSimArgs) -> Result<(Source, f64), String> {
    if let Some(path) = &args.session {
        let reader = SessionReader::open(path).map_err(|e| e.to_string())?;
        let rate = reader.sample_rate_hz();
        let labels_file = labels_path(path);
        let labels = if labels_file.exists() {
            read_labels(&labels_file).map_err(|e| e.to_string())?
        } else {
            Vec::new()
        };
        return Ok((
            Source::File {
                reader: Box::new(reader),
                peeked: None,
                labels,
                length: 0,
            },
            rate,
        ));
    }
    let spec = SessionSpec::new(args.seed)
        .with_profile(args.profile)
        .with_rate_hz(args.rate)
        .with_minutes(args.minutes)
        .with_faults(args.faults)
        .with_program(PumpProgram::FollowHints)
        .with_messy(!args.clean);
    let generator = Generator::new(spec).map_err(|e| format!("--simulate: {e}"))?;
    Ok((Source::Sim(Box::new(generator)), args.rate))
}

/// Runs `letdown pump-sim`.
pub fn run(args: &PumpSimArgs) -> ExitCode {
    let settings = match settings(args) {
        Ok(s) => s,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let (source, rate) = match source(args) {
        Ok(s) => s,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if !(rate.fract() == 0.0 && (1.0..=65_535.0).contains(&rate)) {
        report_error(format_args!(
            "the link carries a whole number of Hz (1 … 65535); the session's rate is {rate} Hz"
        ));
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let mut board = match BoardEncoder::new(rate as u16, args.block) {
        Ok(b) => b,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let spec = args.link.spec(args.baud);
    let log = Log::new("pump-sim", args.link.stdio);
    let (reader, mut writer) = match connect(&spec, Duration::from_secs(2)) {
        Ok(link) => link,
        Err(status) => return status,
    };
    let faults = LinkFaults {
        garbage_every: args.garbage_every.unwrap_or(0),
        truncate_every: args.truncate_every.unwrap_or(0),
        corrupt_every: args.corrupt_every.unwrap_or(0),
        drop_every: args.drop_every.unwrap_or(0),
    };
    let mut injector = FaultInjector::new(faults, args.fault_seed.unwrap_or(args.seed));
    let mut session = Session {
        rate,
        source,
        carry: None,
        pump_mode: None,
        pump_expression_s: None,
        next_index: 0,
        dropout_samples: 0,
    };
    let mut state = Downlink {
        hello: Vec::new(),
        room_wait: settings.room_wait,
        decoder: FrameDecoder::new(),
        tracker: SequenceTracker::new(),
        received: Received::default(),
        sent: SentBlocks {
            blocks: VecDeque::new(),
        },
    };
    log.line(format_args!(
        "playing {} at {rate} Hz, {} samples per block, {}, on {spec}",
        match &args.session {
            Some(p) => p.display().to_string(),
            None => format!(
                "a simulated {} session (seed {}, {} min, faults {})",
                args.profile, args.seed, args.minutes, args.faults
            ),
        },
        args.block,
        settings.speed.map_or(
            "unpaced (as fast as serve's room allows)".to_string(),
            |x| { format!("{x}x real time") }
        )
    ));

    let mut out = Vec::with_capacity(2 * letdown_link::MAX_FRAME_LEN);
    let mut samples = Vec::with_capacity(args.block);
    let mut sent = SentCounts::default();
    let mut failure: Option<String> = None;
    let started = Instant::now();
    let hello = board.hello(0).map(<[u8]>::to_vec);
    match hello {
        Ok(bytes) => {
            if args.drop_hello {
                log.line("hello not sent (--drop-hello)");
            } else if let Err(e) = write_frame(&mut writer, &bytes) {
                failure = Some(e);
            }
            sent.frames += 1;
            state.hello = bytes;
        }
        Err(e) => failure = Some(format!("cannot encode the Hello: {e}")),
    }
    let mut last_seq = board.next_seq().wrapping_sub(1);
    let period_s = settings.speed.map(|x| 1.0 / (rate * x));
    let mut stall: Option<Instant> = None;
    let mut stalled = false;
    let mut stopped_early = false;

    while failure.is_none() {
        state.drain(&reader, &mut session, &log, args.quiet);
        if let Some(result) = &state.received.hung_up {
            failure = Some(match result {
                Ok(()) => "serve hung up before the session ended".to_string(),
                Err(e) => e.clone(),
            });
            break;
        }
        let first = match session.next_block(args.block, &mut samples, &log, args.quiet) {
            Ok(Some(first)) => first,
            Ok(None) => break,
            Err(e) => {
                report_error(e);
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        };
        let end = first + samples.len() as u64;
        // Paced: a block goes out once its last sample has been measured.
        if let Some(period_s) = period_s {
            let due = started + Duration::from_secs_f64(end as f64 * period_s);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        if let (Some(after), false) = (settings.stall_after, stalled) {
            if first as f64 / rate >= after {
                stalled = true;
                // Paced, the board's clock runs on and the stall's samples are lost;
                // unpaced, the board has no clock to run on: it waits and loses nothing.
                let loses = period_s.is_some();
                log.line(format_args!(
                    "stall t={:.3}: sending nothing for {:.0} ms{}",
                    first as f64 / rate,
                    settings.stall.as_secs_f64() * 1e3,
                    if loses {
                        ""
                    } else {
                        " (unpaced: nothing lost)"
                    }
                ));
                if !loses {
                    std::thread::sleep(settings.stall);
                }
                stall = Some(
                    Instant::now()
                        + if loses {
                            settings.stall
                        } else {
                            Duration::ZERO
                        },
                );
            }
        }
        if let Some(until) = stall {
            if Instant::now() < until {
                sent.stall_samples += samples.len() as u64;
                continue;
            }
            stall = None;
            if args.after_stall == AfterStall::Exit {
                log.line(format_args!(
                    "stall over at t={:.3}: ending the session",
                    first as f64 / rate
                ));
                sent.stall_samples += samples.len() as u64;
                stopped_early = true;
                break;
            }
            log.line(format_args!(
                "stall over at t={:.3}: sending again",
                first as f64 / rate
            ));
        }
        let last = match session.source.has_more(session.carry.is_some()) {
            Ok(more) => !more,
            Err(e) => {
                report_error(e);
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        };
        if let Err(e) = state.wait_for_room(
            samples.len() as u64,
            &reader,
            &mut writer,
            &mut session,
            &log,
            args.quiet,
        ) {
            failure = Some(e);
            break;
        }
        out.clear();
        match board.block(first, &samples) {
            Ok(frame) => {
                injector.block(frame, samples.len(), last, &mut out);
            }
            Err(e) => {
                failure = Some(format!("cannot encode a block: {e}"));
                break;
            }
        }
        last_seq = board.next_seq().wrapping_sub(1);
        if let Err(e) = write_frame(&mut writer, &out) {
            failure = Some(e);
            break;
        }
        let at = Instant::now();
        state.sent.record(first, end, at);
        sent.frames += 1;
        sent.blocks += 1;
        sent.samples += samples.len() as u64;
    }
    let sending_s = started.elapsed().as_secs_f64();

    // Linger: serve's Ack of the last frame, and the last hints.
    if failure.is_none() {
        let until = Instant::now() + settings.linger;
        loop {
            let acked = state
                .received
                .last_ack
                .is_some_and(|a| a.last_seq == last_seq);
            if acked || state.received.hung_up.is_some() {
                break;
            }
            let now = Instant::now();
            if now >= until {
                log.line("no Ack of the last frame within --linger-ms");
                break;
            }
            match reader.incoming.recv_timeout(until - now) {
                Ok(message) => state.handle(message, &mut session, &log, args.quiet),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // Hints that were already on their way.
        state.drain(&reader, &mut session, &log, args.quiet);
    }
    reader.stop();
    summary(
        &log,
        &session,
        &state,
        &sent,
        &injector.counts(),
        started,
        sending_s,
        settings.speed,
        stopped_early,
    );
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => {
            log.warn(format_args!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct SentCounts {
    frames: u64,
    blocks: u64,
    samples: u64,
    stall_samples: u64,
}

fn write_frame(writer: &mut Box<dyn Write + Send>, bytes: &[u8]) -> Result<(), String> {
    writer
        .write_all(bytes)
        .and_then(|()| writer.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => "serve closed the link".to_string(),
            _ => format!("write to the link failed: {e}"),
        })
}
