//! `letdown evaluate [PATH…] [--simulate N …]`: scores the engine with the measures of
//! DESIGN §6 on labelled sessions (files, or freshly simulated), side by side with two
//! baselines run on the same sessions — the fixed 2-minute timer and a flow threshold —
//! and, on simulated sessions, in closed loop (the simulated pump following each
//! strategy's hints). Prints aligned tables, or one JSON object with `--json`; `--plots
//! DIR` draws every session and a summary figure.
//!
//! Work is spread over the cores with rayon: one run per session in open loop, one per
//! session and strategy in closed loop; a progress bar shows on a terminal.

pub mod closed_loop;
pub mod grouping;
pub mod metrics;
pub mod open_loop;
mod progress;
mod report;
mod stress;
mod summary_figure;

use super::console::{report_error, report_lost_output, report_warning, Console};
use super::plot::canvas::{write_figure, ImageFormat};
use super::plot::session_figure::{self, SessionFigure};
use super::sources::{first_of_name, name_taken, resolve};
use super::workers::worker_pool;
use super::{options, EXIT_BAD_INPUT};
use clap::{Args, ValueEnum};
use closed_loop::LoopStrategy;
use grouping::DetectorGroups;
use letdown_datasets::profile::CONCRETE_PROFILES;
use letdown_datasets::score::score_session;
use letdown_datasets::{FaultSet, Outcome, Profile, PumpProgram, SessionSpec};
use letdown_io::session_groups::Grouping;
use metrics::{Input, Report, SessionInfo, SessionResult, SimulatedInput};
use open_loop::{run_open_loop, OpenLoopRun, Source, Span};
use progress::Progress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Options of `letdown evaluate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Detectors (open loop: the pump follows the session's own program while all three watch \
the same samples): engine = the letdown engine's onset events; flow-threshold = the \
2 s moving average of flow crossing 5 mL/min (re-armed below 2.5 mL/min, 30 s \
refractory); timer 120 s = one \"letdown\" at 120 s, what timer pumps assume.

Measures (DESIGN §6): an onset detection matches a labelled ejection within \
[onset - 1 s, onset + 20 s], each label at most once. First letdown: sessions whose \
earliest ejection was found, delay = detection - onset (median, p95, max, s), and the \
delay beyond the moment its flow became visible at the sensor. All ejections: \
precision, recall, F1; false alarms per hour of pumping; sessions without letdown that \
got any detection.

Closed loop (simulated sessions only; the pump follows each strategy's hints): milk \
removed (mL), time to 90 % of it (s), and mis-phase seconds per ejection: stimulating \
while some labelled ejection's milk flows at the breast (from its onset to its end), plus \
expressing while none does (before the first, between ejections, after the last); a pump \
that expresses through each ejection and stimulates between them scores 0. Also the \
first-switch mis-phase: stimulating from the first onset on, plus expressing before it \
(what a pump that switches once is judged by). Pauses count as neither. What detection \
buys is reported apart from what cues buy: a cue's effect on the reflex is a simulator \
assumption, so the engine also runs with it set to 0 ('engine, cue effect 0'), and the \
timer pump also runs with a relaxation prompt at 90 s ('timer + relax at 90 s').

Simulated session i (0-based) of every profile and rate uses seed SEED+i, so profiles and \
rates are compared on the same mothers; the same options give the same numbers. Files: \
NAME.csv with NAME.labels.csv beside it (sessions without labels are skipped with a \
warning); the profile comes from the `# profile:` line, else `unknown`.

Exit status: 0 on success, 1 when output could not be written (standard output or \
error, the summary picture), 2 on bad input or a session that could not be evaluated \
(each problem printed on standard error; the others are still evaluated).")]
pub struct EvaluateArgs {
    /// Labelled session files (NAME.csv, NAME.csv.gz or NAME.parquet), fleet session
    /// folders (session_id=ID) or folders of them (a fleet dataset included). Default,
    /// without --simulate: the bundled sessions in datasets/sessions/.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Simulate N sessions per profile (and per rate) and evaluate them too.
    #[arg(long, value_name = "N", value_parser = options::count, allow_negative_numbers = true)]
    simulate: Option<u32>,

    /// Simulate only this profile: relaxed, typical, stressed, no-letdown, or mix (each
    /// session's profile drawn from its seed). Default: the four profiles.
    #[arg(long, value_name = "P", requires = "simulate")]
    profile: Option<Profile>,

    /// Sample rate(s) of simulated sessions, Hz (100 … 10000), comma-separated for
    /// several: 100,500,1000,2000. Default 1000.
    #[arg(long, value_name = "HZ", value_delimiter = ',', requires = "simulate",
          value_parser = options::rate_hz, allow_negative_numbers = true)]
    rate: Vec<f64>,

    /// Length of each simulated session, minutes. Default 15.
    #[arg(long, value_name = "M", requires = "simulate", value_parser = options::minutes,
          allow_negative_numbers = true)]
    minutes: Option<f64>,

    /// Faults injected into simulated sessions, comma-separated: nan, dropout, stuck,
    /// saturation, spikes, bubbles, overvacuum, drift, gain, or all / none. Default none.
    #[arg(long, value_name = "LIST", requires = "simulate")]
    faults: Option<FaultSet>,

    /// Seed of simulated session 0 (session i uses SEED+i). Default 1.
    #[arg(
        long,
        value_name = "S",
        requires = "simulate",
        allow_negative_numbers = true,
        value_parser = super::options::whole
    )]
    seed: Option<u64>,

    /// The pump program of simulated sessions in open loop: timer (120 s), timer:S,
    /// button, or expression-only. Default timer.
    #[arg(long, value_name = "PROGRAM", requires = "simulate",
          value_parser = options::open_loop_program)]
    program: Option<PumpProgram>,

    /// Simulate clean sessions: none of the everyday mess (motion spikes, bubbles,
    /// drift, user actions), only the faults asked for.
    #[arg(long, requires = "simulate")]
    clean: bool,

    /// Print one JSON object instead of tables: schema letdown-evaluate/1, every key,
    /// unit and null documented in adapters/cli/EVALUATE.md.
    #[arg(long)]
    json: bool,

    /// Draw one picture per session (DIR/NAME.svg; only the first session of a name
    /// gets one) and a summary figure of the first-letdown delays
    /// (DIR/summary/first-letdown-delays.svg). DIR is created if missing.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,

    /// Format of the --plots pictures.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = PlotFormat::Svg)]
    plot_format: PlotFormat,

    /// Print the stress table instead: the engine's detection quality with each
    /// everyday phenomenon of the simulator alone (in every session), with none and with
    /// all of them, on the --simulate sessions (no faults). Uses --simulate, --seed,
    /// --rate, --minutes, --profile, --program, --json, --threads.
    #[arg(long, requires = "simulate",
          conflicts_with_all = ["faults", "clean", "plots", "paths", "group_by", "halves"])]
    stress: bool,

    /// Worker threads, 1 … 1024 (default: one per core).
    #[arg(long, visible_alias = "jobs", value_name = "N", value_parser = options::threads,
          allow_negative_numbers = true)]
    threads: Option<usize>,

    /// Scores per family and per half (see below).
    #[command(flatten)]
    groups: grouping::GroupArgs,
}

/// `--plot-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PlotFormat {
    /// Vector pictures.
    Svg,
    /// Bitmap pictures.
    Png,
}

impl From<PlotFormat> for ImageFormat {
    fn from(f: PlotFormat) -> Self {
        match f {
            PlotFormat::Svg => ImageFormat::Svg,
            PlotFormat::Png => ImageFormat::Png,
        }
    }
}

/// One unit of parallel work.
#[derive(Clone, Copy, Debug)]
enum Run {
    /// Session `i` in open loop (detection scores, picture).
    Open(usize),
    /// Session `i` in closed loop with strategy `LoopStrategy::ALL[k]`.
    Closed(usize, usize),
}

/// What a run gave.
enum RunResult {
    Open(usize, Result<Box<OpenLoopRun>, String>),
    Closed(usize, usize, Result<Outcome, String>),
}

/// Runs `letdown evaluate`.
pub fn run(args: &EvaluateArgs) -> ExitCode {
    if let Some(rate) =
        (args.rate.iter().enumerate()).find_map(|(i, r)| args.rate[..i].contains(r).then_some(r))
    {
        report_error(format!(
            "--rate: {rate} Hz is given twice: each rate simulates every session once, and a \
             repeat would count the same sessions twice"
        ));
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if args.stress {
        return stress::run(args);
    }
    let started = Instant::now();
    let mut problems: Vec<String> = Vec::new();
    let (sources, simulated) = match gather_sources(args, &mut problems) {
        Ok(found) => found,
        Err(status) => return status,
    };
    let plots = match plot_folder(args) {
        Ok(plots) => plots,
        Err(status) => return status,
    };
    let pictures = picture_paths(&sources, plots, &mut problems);
    let runs = plan_runs(&sources);
    let pool = match worker_pool(args.threads) {
        Ok(pool) => pool,
        Err(status) => return status,
    };
    let threads = pool.current_num_threads();
    let results = execute_all(&pool, &runs, &sources, &pictures);

    let (sessions, assembly_problems) = assemble(&sources, results);
    problems.extend(assembly_problems);
    if let Some((dir, format)) = plots {
        write_summary_figure(dir, format, &sessions);
    }

    let input = Input {
        paths: args.paths.iter().map(|p| p.display().to_string()).collect(),
        simulated,
    };
    let report = Report::new(input, &sessions);
    let groups = args
        .groups
        .grouping()
        .map(|g| (g, grouping::evaluated_groups(&sessions, g)));
    let mut console = Console::stdout();
    if args.json {
        if let Err(problem) = print_json(&mut console, &report, groups.as_ref()) {
            problems.push(problem);
        }
    } else {
        print_tables(&mut console, &report, groups.as_ref());
        console.line("");
        console.line(format!(
            "{} sessions, {} runs in {:.1} s on {threads} threads{}",
            sessions.len(),
            runs.len(),
            started.elapsed().as_secs_f64(),
            plots.map_or_else(String::new, |(dir, _)| format!(
                "; pictures in {}",
                dir.display()
            ))
        ));
    }
    console.flush();
    exit_status(problems, sessions.is_empty())
}

/// The sessions to evaluate: the files named (or the bundled ones when nothing is named and
/// nothing simulated), then the simulated ones; with the simulated input's description for
/// the report. Problems finding files are added to `problems`; an error status when the
/// simulation options are unusable or there is nothing to evaluate (reported here).
fn gather_sources(
    args: &EvaluateArgs,
    problems: &mut Vec<String>,
) -> Result<(Vec<Source>, Option<SimulatedInput>), ExitCode> {
    let (specs, simulated) = match simulated_specs(args) {
        Ok(s) => s,
        Err(e) => {
            report_error(e);
            return Err(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let mut sources: Vec<Source> = Vec::new();
    if !args.paths.is_empty() || specs.is_empty() {
        let (files, found_problems) = resolve(&args.paths);
        problems.extend(found_problems);
        sources.extend(files.into_iter().map(Source::File));
    }
    sources.extend(specs.into_iter().map(Source::Simulated));
    if sources.is_empty() {
        problems.drain(..).for_each(report_error);
        report_error("nothing to evaluate: give session files or --simulate N");
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    Ok((sources, simulated))
}

/// The folder `--plots` names, created, with the picture format; an error status (reported
/// here) when it cannot be created.
fn plot_folder(args: &EvaluateArgs) -> Result<Option<(&Path, ImageFormat)>, ExitCode> {
    match &args.plots {
        None => Ok(None),
        Some(dir) => match std::fs::create_dir_all(dir) {
            Ok(()) => Ok(Some((dir.as_path(), ImageFormat::from(args.plot_format)))),
            Err(e) => {
                report_error(format!("{}: cannot create folder: {e}", dir.display()));
                Err(ExitCode::from(EXIT_BAD_INPUT))
            }
        },
    }
}

/// Where each session's picture goes with `--plots`: `DIR/NAME.EXT`, for the first
/// session of each name only (a later one's problem is added to `problems`), and for no
/// session whose name is refused.
fn picture_paths(
    sources: &[Source],
    plots: Option<(&Path, ImageFormat)>,
    problems: &mut Vec<String>,
) -> Vec<Option<PathBuf>> {
    let Some((dir, format)) = plots else {
        return vec![None; sources.len()];
    };
    // A refused name gets no picture: its run fails with the reason.
    let names: Vec<Option<String>> = sources.iter().map(|s| s.name().ok()).collect();
    let first = first_of_name(names.iter().cloned());
    let picture = |name: &str| dir.join(format!("{name}.{}", format.extension()));
    (sources.iter().zip(&names).zip(first))
        .map(|((source, name), first)| {
            let name = name.as_deref()?;
            let path = picture(name);
            if first {
                return Some(path);
            }
            problems.push(match source {
                Source::File(file) => name_taken(file.display(), name, &path),
                Source::Simulated(_) => name_taken(name, name, &path),
            });
            None
        })
        .collect()
}

/// Every run to make: each session in open loop, and each simulated one in closed loop
/// with every strategy.
fn plan_runs(sources: &[Source]) -> Vec<Run> {
    sources
        .iter()
        .enumerate()
        .flat_map(|(i, source)| {
            let closed = match source {
                Source::Simulated(_) => LoopStrategy::ALL.len(),
                Source::File(_) => 0,
            };
            std::iter::once(Run::Open(i)).chain((0..closed).map(move |k| Run::Closed(i, k)))
        })
        .collect()
}

/// Makes every run on `pool`, with a progress bar on a terminal; results in `runs`' order.
fn execute_all(
    pool: &rayon::ThreadPool,
    runs: &[Run],
    sources: &[Source],
    pictures: &[Option<PathBuf>],
) -> Vec<RunResult> {
    let progress = Progress::new(runs.len() as u64, true);
    let results: Vec<RunResult> = pool.install(|| {
        runs.par_iter()
            .map(|run| {
                let result = execute(*run, sources, pictures);
                progress.inc();
                result
            })
            .collect()
    });
    progress.finish();
    results
}

/// The folder of `--plots DIR` the summary figure goes in. A session can have any name
/// (`summary.csv` is named `summary`), so no file name beside the sessions' `NAME.EXT`
/// pictures is safe from theirs; a folder is, as a session's picture is a file.
const SUMMARY_FOLDER: &str = "summary";

/// Draws `DIR/summary/first-letdown-delays.EXT`; a picture that cannot be written is lost
/// output.
fn write_summary_figure(dir: &Path, format: ImageFormat, sessions: &[SessionResult]) {
    let folder = dir.join(SUMMARY_FOLDER);
    let path = folder.join(format!("first-letdown-delays.{}", format.extension()));
    let written = std::fs::create_dir_all(&folder)
        .map_err(|e| format!("{}: cannot create folder: {e}", folder.display()))
        .and_then(|()| {
            let figure = summary_figure::SummaryFigure { results: sessions };
            write_figure(&figure, &path, summary_figure::SIZE)
        });
    if let Err(e) = written {
        report_lost_output(e);
    }
}

/// Prints the report as one JSON object (with `groups` when grouping was asked for); the
/// problem when it cannot be serialised.
fn print_json(
    console: &mut Console,
    report: &Report,
    groups: Option<&(Grouping, Vec<DetectorGroups>)>,
) -> Result<(), String> {
    let text = match groups {
        None => serde_json::to_string_pretty(report),
        Some((g, detectors)) => serde_json::to_string_pretty(&grouping::ReportWithGroups {
            report,
            groups: grouping::groups_json(detectors, *g),
        }),
    };
    match text {
        Ok(text) => {
            console.line(text);
            Ok(())
        }
        Err(e) => Err(format!("cannot write JSON: {e}")),
    }
}

/// Prints the report's tables, and the table per group when grouping was asked for.
fn print_tables(
    console: &mut Console,
    report: &Report,
    groups: Option<&(Grouping, Vec<DetectorGroups>)>,
) {
    for line in report::text_report(report) {
        console.line(line);
    }
    if let Some((_, detectors)) = groups {
        console.line("");
        for line in grouping::group_table(detectors) {
            console.line(line);
        }
    }
}

/// Reports every problem, and that no session could be evaluated when none was; the exit
/// status: bad input when there was any problem or no session.
fn exit_status(problems: Vec<String>, no_sessions: bool) -> ExitCode {
    let failed = !problems.is_empty() || no_sessions;
    problems.into_iter().for_each(report_error);
    if no_sessions {
        report_error("no session could be evaluated");
    }
    if failed {
        ExitCode::from(EXIT_BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// The simulated sessions asked for, validated, and their description for the report.
fn simulated_specs(
    args: &EvaluateArgs,
) -> Result<(Vec<SessionSpec>, Option<SimulatedInput>), String> {
    let Some(n) = args.simulate else {
        return Ok((Vec::new(), None));
    };
    let profiles: Vec<Profile> = match args.profile {
        Some(p) => vec![p],
        None => CONCRETE_PROFILES.to_vec(),
    };
    let rates = if args.rate.is_empty() {
        vec![1000.0]
    } else {
        args.rate.clone()
    };
    let minutes = args.minutes.unwrap_or(15.0);
    let faults = args.faults.unwrap_or(FaultSet::NONE);
    let seed = args.seed.unwrap_or(1);
    let program = args.program.unwrap_or_default();
    let mut specs = Vec::new();
    for profile in &profiles {
        for rate in &rates {
            for i in 0..n {
                let spec = SessionSpec::new(seed.wrapping_add(u64::from(i)))
                    .with_profile(*profile)
                    .with_rate_hz(*rate)
                    .with_minutes(minutes)
                    .with_faults(faults)
                    .with_program(program)
                    .with_messy(!args.clean);
                spec.validate().map_err(|e| {
                    format!("--simulate: {e} (rate {rate} Hz, {minutes} minutes, {program})")
                })?;
                specs.push(spec);
            }
        }
    }
    let input = SimulatedInput {
        sessions_per_profile: n,
        profiles: profiles.iter().map(|p| p.to_string()).collect(),
        rates_hz: rates,
        minutes,
        faults: faults.to_string(),
        seed,
        program: program.to_string(),
        clean: args.clean,
    };
    Ok((specs, Some(input)))
}

/// Does one run; an open-loop run also draws its session's picture at `pictures[i]`.
fn execute(run: Run, sources: &[Source], pictures: &[Option<PathBuf>]) -> RunResult {
    match run {
        Run::Open(i) => {
            let picture = pictures[i].as_deref();
            let span = picture.map(|_| Span {
                from_s: 0.0,
                to_s: None,
            });
            let result = run_open_loop(&sources[i], span).and_then(|mut r| {
                if let (Some(path), Some(trace)) = (picture, r.trace.take()) {
                    write_figure(&SessionFigure { trace: &trace }, path, session_figure::SIZE)?;
                }
                Ok(r)
            });
            RunResult::Open(i, result.map(Box::new))
        }
        Run::Closed(i, k) => {
            let result = match &sources[i] {
                Source::Simulated(spec) => LoopStrategy::ALL[k].run(*spec),
                Source::File(path) => Err(format!(
                    "{}: closed loop needs the simulator, not a file",
                    path.display()
                )),
            };
            RunResult::Closed(i, k, result)
        }
    }
}

/// Each session's result from its runs, and a message for every run that failed or
/// session that cannot be scored.
fn assemble(sources: &[Source], results: Vec<RunResult>) -> (Vec<SessionResult>, Vec<String>) {
    let mut problems = Vec::new();
    let mut open: Vec<Option<OpenLoopRun>> = vec![None; sources.len()];
    let mut closed: Vec<[Option<Outcome>; closed_loop::STRATEGIES]> =
        vec![Default::default(); sources.len()];
    for result in results {
        match result {
            RunResult::Open(i, Ok(run)) => open[i] = Some(*run),
            RunResult::Closed(i, k, Ok(outcome)) => closed[i][k] = Some(outcome),
            RunResult::Open(_, Err(e)) | RunResult::Closed(_, _, Err(e)) => problems.push(e),
        }
    }
    let mut sessions = Vec::new();
    for ((source, run), outcomes) in sources.iter().zip(open).zip(closed) {
        let Some(run) = run else { continue };
        let Some(labels) = &run.labels else {
            if let Source::File(path) = source {
                eprintln_warning(path);
            }
            continue;
        };
        let scores =
            std::array::from_fn(|i| score_session(labels, &run.onsets_s[i], run.duration_s));
        let closed_loop = match source {
            // A failed run was reported above: no closed loop for that session then.
            Source::Simulated(_) => outcomes
                .into_iter()
                .collect::<Option<Vec<Outcome>>>()
                .and_then(|v| v.try_into().ok()),
            Source::File(_) => None,
        };
        sessions.push(SessionResult {
            info: SessionInfo {
                name: run.name,
                source: match source {
                    Source::Simulated(_) => "simulated",
                    Source::File(_) => "file",
                },
                profile: run.profile,
                rate_hz: run.rate_hz,
                duration_s: run.duration_s,
                seed: match source {
                    Source::Simulated(spec) => Some(spec.seed),
                    Source::File(_) => None,
                },
                labels: labels.len(),
                first_onset_s: labels.iter().map(|l| l.onset_s).min_by(f64::total_cmp),
            },
            onsets_s: run.onsets_s,
            scores,
            closed_loop,
        });
    }
    (sessions, problems)
}

/// A session file without labels is skipped, with a warning (not an error: replay can
/// still use it).
fn eprintln_warning(path: &Path) {
    report_warning(format_args!(
        "{}: no labels (NAME.labels.csv beside it): not evaluated",
        path.display()
    ));
}
