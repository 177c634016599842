//! `letdown simulate`: writes simulated, labelled pumping sessions (NAME.csv and
//! NAME.labels.csv, DESIGN §3) from the physiological simulator in `letdown-datasets`.
//!
//! The generator streams, so an hour at 10 kHz needs no more memory than a minute.

use super::console::{report_error, report_lost_output, Console};
use super::in_place::tmp_name;
use super::{options, EXIT_BAD_INPUT, EXIT_OUTPUT_LOST};
use clap::Args;
use letdown_datasets::{
    session_name, FaultKind, FaultSet, Generator, PhenomenonSet, Profile, PumpProgram, SessionSpec,
};
use letdown_io::labels_csv::write_labels;
use letdown_io::session_writer::SessionWriter;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Options of `letdown simulate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Each session is written as OUT/NAME.csv (`# key: value` metadata with the simulator's \
parameters, then t_s in s, pressure_mmhg in mmHg (negative = vacuum), flow_ml_min in \
mL/min) and OUT/NAME.labels.csv (onset_s, end_s, visible_s in s). NAME says profile, \
seed, pump program, rate, length and faults, e.g. sim-typical-s7-timer120-1000hz-15min.

Session i (0-based) uses seed SEED+i; the same options always write the same bytes.

Exit status: 0 on success, 1 when a file or standard output could not be written (a full \
disk), 2 on bad options (each refused with the flag and its allowed range).")]
pub struct SimulateArgs {
    /// Folder to write the sessions to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Number of sessions (≥ 1).
    #[arg(long, short = 'n', value_name = "N", default_value_t = 1,
          value_parser = options::count, allow_negative_numbers = true)]
    n: u32,

    /// Seed of the first session; session i uses SEED+i.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1,
        allow_negative_numbers = true,
        value_parser = super::options::whole
    )]
    seed: u64,

    /// The mother's state: relaxed, typical, stressed, no-letdown, or mix (a seeded
    /// mixture of the four).
    #[arg(long, value_name = "P", default_value = "mix")]
    profile: Profile,

    /// Sample rate of both channels, Hz (100 … 10000).
    #[arg(long, value_name = "HZ", default_value_t = 1000.0,
          value_parser = options::rate_hz, allow_negative_numbers = true)]
    rate: f64,

    /// Length of each session, minutes (one second … 1440).
    #[arg(long, value_name = "M", default_value_t = 15.0,
          value_parser = options::minutes, allow_negative_numbers = true)]
    minutes: f64,

    /// Comma-separated faults to inject: dropout, stuck, saturation, spikes, bubbles,
    /// overvacuum, drift, gain (or all; `nan` exists in the simulator but CSV v1 files
    /// carry finite values only, so it cannot be written).
    #[arg(long, value_name = "LIST", default_value = "none")]
    faults: FaultSet,

    /// How the pump picks its phase: timer (switch to expression at 120 s), timer:S
    /// (after S seconds), button (the mother presses let-down when she feels it), or
    /// expression-only.
    #[arg(long, value_name = "PROGRAM", default_value = "timer",
          value_parser = options::open_loop_program)]
    program: PumpProgram,

    /// No everyday mess (motion spikes, bubbles, drift, gain shifts, user vacuum
    /// changes, pauses, leaks): clean sessions, apart from the faults asked for. The same
    /// as --phenomena none.
    #[arg(long, conflicts_with = "phenomena")]
    clean: bool,

    /// Comma-separated everyday phenomena that may happen, each in its own fraction of
    /// sessions: duct-milk, trickle, wobble, vacuum-changes, pauses, leaks,
    /// restimulation, drift, gain, spikes, bubbles, slow-sensor, smoothed-sensor (or all,
    /// or none). Rates and sources: datasets/src/phenomena.rs. The session header lists
    /// those that happened (`# phenomena_present:`).
    #[arg(long, value_name = "LIST", default_value = "all")]
    phenomena: PhenomenonSet,

    /// The pump's expression rhythm, cycles/min (24 … 130), in every session; left out,
    /// each session draws its own within 45–78 (DESIGN §1). The other draws stay the
    /// seed's, so the same seeds with and without it differ in that rhythm alone.
    #[arg(long, value_name = "CPM", value_parser = options::rhythm_cpm,
          allow_negative_numbers = true)]
    expression_rate: Option<f64>,
}

/// Runs `letdown simulate`.
pub fn run(args: &SimulateArgs) -> ExitCode {
    let faults = match file_faults(args.faults) {
        Ok(faults) => faults,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Err(e) = fs::create_dir_all(&args.out) {
        report_error(format_args!("{}: {e}", args.out.display()));
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let mut console = Console::stdout();
    let started = Instant::now();
    let mut samples = 0u64;
    for i in 0..args.n {
        let spec = session_spec(args, i, faults);
        let name = session_name(&spec);
        match write_session(spec, &args.out, &name) {
            Ok(written) => {
                samples += written.samples;
                console.line(written.summary(&name));
            }
            Err(e) => {
                report_lost_output(e);
                return ExitCode::from(EXIT_OUTPUT_LOST);
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    console.line(format_args!(
        "wrote {} session(s), {samples} samples to {} in {secs:.2} s",
        args.n,
        args.out.display()
    ));
    console.flush();
    ExitCode::SUCCESS
}

/// The faults a session file can carry: `all` means every one but NaN bursts, which
/// CSV v1's finite values cannot hold; asking for them by name is an error.
fn file_faults(faults: FaultSet) -> Result<FaultSet, &'static str> {
    if !faults.contains(FaultKind::Nan) {
        return Ok(faults);
    }
    if faults.iter().count() != FaultKind::ALL.len() {
        return Err(
            "--faults nan: session files (CSV v1) carry finite values only; NaN bursts \
             are simulated in memory (closed loop, evaluate) but cannot be written",
        );
    }
    Ok(FaultKind::ALL
        .iter()
        .filter(|k| **k != FaultKind::Nan)
        .fold(FaultSet::NONE, |s, k| s.with(*k)))
}

/// The `i`-th session asked for (seeds count up from `--seed`).
fn session_spec(args: &SimulateArgs, i: u32, faults: FaultSet) -> SessionSpec {
    let spec = SessionSpec::new(args.seed.wrapping_add(u64::from(i)))
        .with_profile(args.profile)
        .with_rate_hz(args.rate)
        .with_minutes(args.minutes)
        .with_faults(faults)
        .with_program(args.program)
        .with_phenomena(if args.clean {
            PhenomenonSet::NONE
        } else {
            args.phenomena
        });
    match args.expression_rate {
        Some(rate_cpm) => spec.with_expression_rate_cpm(rate_cpm),
        None => spec,
    }
}

struct Written {
    samples: u64,
    ejections: usize,
    first_onset_s: Option<f64>,
    removed_ml: f64,
}

impl Written {
    /// The line printed for the session `name`.
    fn summary(&self, name: &str) -> String {
        let first = self
            .first_onset_s
            .map_or("none".to_string(), |t| format!("{t:.1} s"));
        format!(
            "{name}: {} ejections, first onset {first}, {:.0} mL removed",
            self.ejections, self.removed_ml
        )
    }
}

/// Writes session `name` into `out`: the session and its labels each under a temporary
/// name, renamed into place once both are complete, so that a failed write (a full disk)
/// leaves no half file, nor an earlier run's labels beside a new session.
fn write_session(spec: SessionSpec, out: &Path, name: &str) -> Result<Written, String> {
    let csv = out.join(format!("{name}.csv"));
    let labels_file = out.join(format!("{name}.labels.csv"));
    let (csv_tmp, labels_tmp) = (tmp_name(&csv), tmp_name(&labels_file));
    let written = write_files(spec, &csv_tmp, &labels_tmp).and_then(|written| {
        let io_err = |path: &Path, e: io::Error| format!("{}: {e}", path.display());
        std::fs::rename(&csv_tmp, &csv).map_err(|e| io_err(&csv, e))?;
        std::fs::rename(&labels_tmp, &labels_file).map_err(|e| {
            let _ = std::fs::remove_file(&csv);
            io_err(&labels_file, e)
        })?;
        Ok(written)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&csv_tmp);
        let _ = std::fs::remove_file(&labels_tmp);
    }
    written
}

/// The session of `spec` written to `csv`, its labels to `labels_file`.
fn write_files(spec: SessionSpec, csv: &Path, labels_file: &Path) -> Result<Written, String> {
    let mut generator = Generator::new(spec).map_err(|e| e.to_string())?;
    let io_err = |path: &Path, e: io::Error| format!("{}: {e}", path.display());
    let metadata = generator.metadata();
    let mut writer =
        SessionWriter::create(csv, spec.rate_hz, &metadata).map_err(|e| io_err(csv, e))?;
    let mut samples = 0u64;
    while let Some(s) = generator.next_sample() {
        if s.present {
            writer.write_sample(s.sample).map_err(|e| io_err(csv, e))?;
            samples += 1;
        } else {
            writer.skip(1);
        }
    }
    writer.finish().map_err(|e| io_err(csv, e))?;
    let labels = generator.labels();
    let file = File::create(labels_file).map_err(|e| io_err(labels_file, e))?;
    write_labels(BufWriter::new(file), &labels).map_err(|e| io_err(labels_file, e))?;
    Ok(Written {
        samples,
        ejections: labels.len(),
        first_onset_s: labels.first().map(|e| e.onset_s),
        removed_ml: generator.removed_ml(),
    })
}
