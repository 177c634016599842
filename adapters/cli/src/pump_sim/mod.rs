//! `letdown pump-sim --port DEV | --stdio [--session FILE | --simulate …]`: plays a breast
//! pump's sensor board and motor controller on a link to `letdown serve`.
//!
//! It sends a Hello, then SampleBlocks paced by the clock at the session's rate (`--speed`
//! times faster for tests), and reads what comes back: each Hint is printed (session time,
//! mode, vacuum, rate, reason, round trip from the block that carried the hint's sample)
//! and, with `--simulate`, applied to the physiological simulator between two blocks
//! (`Generator::apply_hint`: closed loop — the simulated pump follows the engine). Acks
//! tell what serve received. A simulated dropout is not sent: the next block's first
//! sample index shows the gap.
//!
//! The session comes from the simulator or a session file, each read as a
//! `SampleSource`; a gap (a simulated dropout, a file's missing rows) is not sent and ends
//! the block before it. Modules: `settings` (options checked), `session` (the samples,
//! cut into blocks), `pacing` (the clock and the stall), `sender` (frames out, through the
//! fault injector), `replies` (frames from serve, room to send), `sending` (the loop),
//! `summary` (the last lines).
//!
//! Link faults for tests (`pump_link::inject`): garbage, truncated, corrupted and skipped
//! blocks, every N blocks, each counted in the summary; `--stall-after S` stops sending
//! for `--stall-ms` of wall time at session time S (paced, the board's clock goes on: the
//! samples of the stall are lost; `--unpaced`, it only waits and loses nothing), then
//! resumes or exits (`--after-stall`).
//!
//! After the last block it waits (up to `--linger-ms`) for serve's Ack of its last frame,
//! then prints a summary as `summary key=value …` lines.

mod pacing;
mod replies;
mod sender;
mod sending;
mod session;
mod settings;
mod summary;

use super::console::report_error;
use super::link_commands::{connect, LinkArgs, Log};
use super::EXIT_BAD_INPUT;
use clap::{Args, ValueEnum};
use letdown_datasets::{FaultSet, Profile};
use letdown_io::pump_link::{BoardEncoder, FaultInjector, LinkSpec};
use pacing::Pacer;
use replies::FromServe;
use sender::Sender;
use sending::{Pump, Stop};
use session::{Session, Source};
use settings::{settings, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use summary::{summary, Timing};

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
    #[arg(long, allow_negative_numbers = true, value_name = "B", default_value_t = super::link_commands::DEFAULT_BAUD)]
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
        default_value_t = 1,
        value_parser = super::options::whole
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
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 5000.0,
        allow_negative_numbers = true
    )]
    room_wait_ms: f64,

    /// Samples per block (1 … 64).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        default_value_t = 16,
        value_parser = super::options::block
    )]
    block: usize,

    /// Send 1-32 random non-zero bytes before every N-th block.
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = super::options::whole)]
    garbage_every: Option<u64>,

    /// Cut every N-th block in half (its end and closing delimiter lost).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = super::options::whole)]
    truncate_every: Option<u64>,

    /// Flip one bit of every N-th block.
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = super::options::whole)]
    corrupt_every: Option<u64>,

    /// Do not send every N-th block (a sequence gap).
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = super::options::whole)]
    drop_every: Option<u64>,

    /// Do not send the first Hello (as if it were lost): serve runs no stream, and the
    /// Hello goes again after 500 ms without room.
    #[arg(long)]
    drop_hello: bool,

    /// Seed of the garbage bytes and flipped bits (default: --seed).
    #[arg(long, allow_negative_numbers = true, value_name = "S", value_parser = super::options::whole)]
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

/// Runs `letdown pump-sim`.
pub fn run(args: &PumpSimArgs) -> ExitCode {
    let (settings, session, board) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let spec = args.link.spec(args.baud);
    let log = Log::new("pump-sim", args.link.stdio);
    let (reader, writer) = match connect(&spec, Duration::from_secs(2)) {
        Ok(link) => link,
        Err(status) => return status,
    };
    let injector = FaultInjector::new(settings.faults, args.fault_seed.unwrap_or(args.seed));
    log.line(playing(args, session.rate, &settings, &spec));
    let mut pump = Pump {
        session,
        sender: Sender::new(board, injector, writer),
        from_serve: FromServe::new(settings.room_wait),
        reader,
        log,
        quiet: args.quiet,
    };
    let pacer = Pacer::start(pump.session.rate, settings.speed);
    let sent = pump.send_session(&settings, args.drop_hello, args.block, &pacer);
    let sending_s = pacer.started().elapsed().as_secs_f64();
    let (failure, stopped_early) = match sent {
        Ok(stopped_early) => (None, stopped_early),
        Err(Stop::Link(e)) => (Some(e), false),
        Err(Stop::BadInput(e)) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if failure.is_none() {
        pump.linger(settings.linger);
    }
    pump.reader.stop();
    let timing = Timing {
        started: pacer.started(),
        sending_s,
        speed: settings.speed,
        stopped_early,
    };
    summary(&pump, &timing);
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => {
            pump.log.warn(format_args!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// The checked options, the session to send, and the board encoding it; the error
/// names the option or file and what is wrong.
fn prepare(args: &PumpSimArgs) -> Result<(Settings, Session, BoardEncoder), String> {
    let settings = settings(args)?;
    let (source, rate) = Source::open(args)?;
    if !(rate.fract() == 0.0 && (1.0..=65_535.0).contains(&rate)) {
        return Err(format!(
            "the link carries a whole number of Hz (1 … 65535); the session's rate is {rate} Hz"
        ));
    }
    let board = BoardEncoder::new(rate as u16, args.block)?;
    Ok((settings, Session::new(source, rate), board))
}

/// The first line: what is played, how fast, on which link.
fn playing(args: &PumpSimArgs, rate: f64, settings: &Settings, spec: &LinkSpec) -> String {
    let what = match &args.session {
        Some(p) => p.display().to_string(),
        None => format!(
            "a simulated {} session (seed {}, {} min, faults {})",
            args.profile, args.seed, args.minutes, args.faults
        ),
    };
    let pace = settings.speed.map_or(
        "unpaced (as fast as serve's room allows)".to_string(),
        |x| format!("{x}x real time"),
    );
    format!(
        "playing {what} at {rate} Hz, {} samples per block, {pace}, on {spec}",
        args.block
    )
}
