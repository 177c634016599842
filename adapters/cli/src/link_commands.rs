//! What `letdown serve` and `letdown pump-sim` share: the link options, the thread that
//! reads the link, hint formatting and log lines.

use super::console::report_error;
use super::EXIT_BAD_INPUT;
use clap::Args;
use crossbeam_channel::{bounded, Receiver};
use letdown_engine::ControlHint;
use letdown_io::pump_link::port::{self, read_some, Link, LinkSpec, ReadError};
use std::fmt::Display;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Default baud rate: 921 600 (8N1), the rate the protocol's bandwidth table assumes.
pub const DEFAULT_BAUD: u32 = 921_600;

/// How long one read of a serial device waits before the reading thread looks again.
const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// Where the link is: `--port DEV [--baud B]` or `--stdio`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "link")]
pub struct LinkArgs {
    /// Serial device of the link: a UART, a USB-CDC port or a pseudo-terminal
    /// (e.g. /dev/ttyUSB0, /dev/ttyACM0, /dev/pts/3). Raw 8N1, no flow control.
    #[arg(long, value_name = "DEV")]
    pub port: Option<String>,

    /// The link on standard input (from the peer) and standard output (to the peer);
    /// every log line then goes to standard error.
    #[arg(long)]
    pub stdio: bool,
}

impl LinkArgs {
    /// The link to open, at `baud` for a device.
    pub fn spec(&self, baud: u32) -> LinkSpec {
        match &self.port {
            Some(path) => LinkSpec::Port {
                path: path.clone(),
                baud,
            },
            None => LinkSpec::Stdio,
        }
    }
}

/// Opens the link and starts the thread that reads it (named `link-reader`). On failure
/// prints why and gives the exit status: 2 for a link that cannot be opened, 1 for a
/// thread that cannot start.
pub fn connect(
    spec: &LinkSpec,
    write_timeout: Duration,
) -> Result<(LinkReader, Box<dyn Write + Send>), ExitCode> {
    let Link { reader, writer } = port::open(spec, READ_TIMEOUT, write_timeout).map_err(|e| {
        report_error(format_args!("cannot open {spec}: {e}"));
        ExitCode::from(EXIT_BAD_INPUT)
    })?;
    let reader = spawn_reader(reader, "link-reader").map_err(|e| {
        report_error(format_args!("cannot start the reading thread: {e}"));
        ExitCode::FAILURE
    })?;
    Ok((reader, writer))
}

/// Bytes read from the link, with when they arrived.
#[derive(Clone, Copy)]
pub struct Chunk {
    /// When the read returned.
    pub at: Instant,
    len: usize,
    bytes: [u8; 1024],
}

impl Chunk {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

/// What the reading thread passes on.
pub enum Incoming {
    /// Bytes.
    Bytes(Box<Chunk>),
    /// The link ended: the peer hung up (or end of file), or a read failed.
    End(Result<(), String>),
}

/// The reading thread's handle: its channel, and a flag that asks it to stop (it does at
/// its next read timeout; a blocked read of standard input ends with the process).
pub struct LinkReader {
    /// What was read, in order.
    pub incoming: Receiver<Incoming>,
    stop: Arc<AtomicBool>,
}

impl LinkReader {
    /// Asks the thread to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for LinkReader {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a thread that reads `reader` until the link ends, passing the bytes on as they
/// come. A full channel makes it wait (the bytes stay in the OS buffer: back-pressure,
/// not loss).
fn spawn_reader(mut reader: Box<dyn Read + Send>, name: &str) -> io::Result<LinkReader> {
    let (tx, rx) = bounded::<Incoming>(256);
    let stop = Arc::new(AtomicBool::new(false));
    let stop_thread = Arc::clone(&stop);
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let mut chunk = Box::new(Chunk {
                at: Instant::now(),
                len: 0,
                bytes: [0; 1024],
            });
            loop {
                if stop_thread.load(Ordering::Relaxed) {
                    return;
                }
                match read_some(&mut *reader, &mut chunk.bytes) {
                    Ok(n) => {
                        chunk.len = n;
                        chunk.at = Instant::now();
                        if tx.send(Incoming::Bytes(chunk.clone())).is_err() {
                            return;
                        }
                    }
                    Err(ReadError::Timeout) => {}
                    Err(ReadError::HangUp) => {
                        let _ = tx.send(Incoming::End(Ok(())));
                        return;
                    }
                    Err(ReadError::Other(e)) => {
                        let _ = tx.send(Incoming::End(Err(format!("read failed: {e}"))));
                        return;
                    }
                }
            }
        })?;
    Ok(LinkReader { incoming: rx, stop })
}

/// Log lines, prefixed with the program's name: to standard output, or to standard error
/// when standard output is the link. Write failures are ignored (never a panic).
pub struct Log {
    prefix: &'static str,
    to_stderr: bool,
}

impl Log {
    /// A log for `prefix`; `to_stderr` when standard output carries the link.
    pub fn new(prefix: &'static str, to_stderr: bool) -> Self {
        Self { prefix, to_stderr }
    }

    /// One line.
    pub fn line(&self, text: impl Display) {
        if self.to_stderr {
            let _ = writeln!(io::stderr().lock(), "{}: {text}", self.prefix);
        } else {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{}: {text}", self.prefix);
            let _ = out.flush();
        }
    }

    /// One line to standard error, whatever standard output is.
    pub fn warn(&self, text: impl Display) {
        let _ = writeln!(io::stderr().lock(), "{}: {text}", self.prefix);
    }
}

/// A hint as `mode=… vacuum_mmhg=… rate_cpm=… ramp_cycles=… reason=… confidence=… cue=…`.
pub fn hint_fields(h: &ControlHint) -> String {
    format!(
        "mode={} vacuum_mmhg={:.1} rate_cpm={:.1} ramp_cycles={} reason={} confidence={:.2} cue={}",
        h.mode,
        h.target_vacuum_mmhg,
        h.rate_cpm,
        h.ramp_cycles,
        h.reason,
        h.confidence,
        h.cue.map_or("none".to_string(), |c| c.to_string())
    )
}

/// `Some(x)` as `x` with `decimals`, `None` as `none`.
pub fn fixed_or_none(value: Option<f64>, decimals: usize) -> String {
    value.map_or("none".to_string(), |v| format!("{v:.decimals$}"))
}

/// A positive, finite number of seconds (or milliseconds) as a duration.
pub fn duration_from(value: f64, unit_s: f64, name: &str) -> Result<Duration, String> {
    if value.is_finite() && value > 0.0 && value * unit_s <= 86_400.0 {
        Ok(Duration::from_secs_f64(value * unit_s))
    } else {
        Err(format!("{name} must be > 0 and at most a day, got {value}"))
    }
}
