//! `letdown replay [PATH…]`: runs the engine sample by sample over session files,
//! prints its events and a summary per session, scores sessions that have labels, and
//! ends with a table over all sessions.
//!
//! A bad file is reported (file, line, field, reason) and the others still run; the exit
//! status is then 2.
//!
//! Sessions replay on `--jobs` threads (default one per core). Each session's output is
//! kept in a [`Transcript`] and written in the sessions' order, so the output is the same
//! whatever the number of threads (but for the measured speeds).

use super::console::{report_error, report_lost_output, report_note, Console};
use super::evaluate::grouping::{group_table, DetectorGroups, GroupArgs};
use super::events_json::event_json;
use super::events_json::EventsFile;
use super::in_place::{create_parent, tmp_name};
use super::options;
use super::output::{
    aggregate_lines, event_line, score_line, session_heading, session_summary, summary_table,
    SessionResult, Status,
};
use super::session_run::{replay_session, Outcome, Replay, ReplayObserver};
use super::sources::{first_of_name, name_taken, resolve};
use super::workers::worker_pool;
use super::EXIT_BAD_INPUT;
use clap::Args;
use letdown_datasets::labels::Ejection;
use letdown_datasets::score::{score_session, SessionScore};
use letdown_engine::Event;
use letdown_io::detections_csv::{Detection, DetectionsWriter};
use letdown_io::labels_csv::read_labels_beside;
use letdown_io::session_csv::Metadata;
use letdown_io::session_files::{detections_path, session_name, LabelsPaths};
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `letdown replay`.
#[derive(Debug, Args)]
#[command(after_help = "\
Session files (DESIGN §3): `# sample_rate_hz: N` (Hz) and other `# key: value` lines, \
then the header `t_s,pressure_mmhg,flow_ml_min` and one row per sample: time in s since \
session start, gauge pressure in mmHg (negative = vacuum), flow in mL/min. Labels \
(NAME.labels.csv beside NAME.csv): `onset_s,end_s[,visible_s]`, in s. Either may be \
gzip-compressed (NAME.csv.gz, NAME.labels.csv.gz). Parquet sessions (NAME.parquet): \
the same columns, DOUBLE or FLOAT, sample_rate_hz in the key-value metadata; a fleet \
dataset: DIR/session_id=ID/part-N.parquet, labels in DIR/_labels/ID.labels.csv (see \
`letdown convert --help`). Errors in a Parquet file name its row group and row.

Score (DESIGN §6): an onset detection matches a labelled ejection within [onset - 1 s, \
onset + 20 s]; first-letdown delay = detection - onset, in s; false alarms per hour of \
pumping.

Exit status: 0 on success, 1 when output could not be written (standard output, the \
events or a detection file), 2 on bad input (each problem printed as \
`file: line N: field NAME: reason`; the other sessions still run).")]
pub struct ReplayArgs {
    /// Session files (NAME.csv, NAME.csv.gz: gzip, decompressed as read, NAME.parquet),
    /// fleet session folders (session_id=ID) or folders of them (every *.csv, *.csv.gz,
    /// *.parquet directly inside that is not a label or detection file, and every
    /// session_id=ID folder: a fleet dataset; sorted by name). Default: the bundled
    /// sessions in datasets/sessions/.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Write each session's onset and end detections to DIR/NAME.detections.csv
    /// (columns t_s in s, kind onset|end, reason, confidence 0…1). DIR is created if
    /// missing.
    #[arg(long, value_name = "DIR")]
    detections_out: Option<PathBuf>,

    /// Write every engine event of every session to FILE as JSON lines:
    /// {"session", "t_s" (s), "sample_index", "kind", "reason", "confidence" (0…1),
    /// "hint": {"mode", "target_vacuum_mmhg" (mmHg), "rate_cpm" (cycles/min),
    /// "ramp_cycles", …} or null}.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,

    /// Print only the final summary table and aggregate score (problems are still
    /// reported on standard error).
    #[arg(long, short)]
    quiet: bool,

    /// Sessions replayed at once, 1 … 1024 threads (default: one per core). The output
    /// is the same for any number.
    #[arg(long, visible_alias = "threads", value_name = "N", value_parser = options::threads,
          allow_negative_numbers = true)]
    jobs: Option<usize>,

    /// Scores per family and per half, after the aggregate score.
    #[command(flatten)]
    groups: GroupArgs,
}

/// A problem met while replaying one session, said on standard error in its turn.
enum Problem {
    /// Bad input: the exit status becomes 2.
    BadInput(String),
    /// An output that could not be written: the exit status becomes 1.
    LostOutput(String),
    /// Something done that the user may not expect, and that is no problem.
    Note(String),
}

/// What one session's replay has to say, in the order it said it: kept until the
/// sessions before it have been written, so parallel replays print in order.
#[derive(Default)]
struct Transcript {
    /// Lines for standard output.
    lines: Vec<String>,
    /// JSON lines for the `--events` file (when one is written).
    events: Vec<String>,
    /// Problems for standard error.
    problems: Vec<Problem>,
}

impl Transcript {
    fn fail(&mut self, message: String) {
        self.problems.push(Problem::BadInput(message));
    }
}

/// Runs `replay`.
pub fn run(args: &ReplayArgs) -> ExitCode {
    let mut console = Console::stdout();
    let mut ok = true;
    let mut fail = |message: String| {
        report_error(message);
        ok = false;
    };

    let (sessions, problems) = resolve(&args.paths);
    let mut events = match open_outputs(args, &sessions) {
        Ok(events) => events,
        Err(status) => return status,
    };

    let unread_paths = problems.len();
    problems.into_iter().for_each(&mut fail);

    let pool = match worker_pool(args.jobs) {
        Ok(pool) => pool,
        Err(status) => return status,
    };
    let results = replay_all(&pool, &sessions, args, &mut console, &mut events, &mut fail);

    if let Some(file) = events.take() {
        if let Err(e) = file.finish() {
            report_lost_output(format!("events file: cannot write: {e}"));
        }
    }
    print_summary(&mut console, args, &results, unread_paths);
    console.flush();
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

/// Creates the `--events` file (and its folder) and the `--detections-out` folder; an
/// error status (reported here) when either cannot be, or when the events file is one of
/// the `sessions` to read or their label files (creating it would empty it).
fn open_outputs(args: &ReplayArgs, sessions: &[PathBuf]) -> Result<Option<EventsFile>, ExitCode> {
    if let Some(input) = args.events.as_deref().and_then(|e| input_at(e, sessions)) {
        report_error(format!(
            "{}: --events names this input, which writing the events would empty: give \
             the events file a name of its own",
            input.display()
        ));
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let events = match &args.events {
        None => None,
        Some(path) => match create_parent(path).and_then(|()| EventsFile::create(path)) {
            Ok(file) => Some(file),
            Err(e) => {
                report_error(format!(
                    "{}: cannot create events file: {e}",
                    path.display()
                ));
                return Err(ExitCode::from(EXIT_BAD_INPUT));
            }
        },
    };
    if let Some(dir) = &args.detections_out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            report_error(format!("{}: cannot create folder: {e}", dir.display()));
            return Err(ExitCode::from(EXIT_BAD_INPUT));
        }
    }
    Ok(events)
}

/// The session file, or label file of one, of `sessions` that `path` names, if any.
fn input_at(path: &Path, sessions: &[PathBuf]) -> Option<PathBuf> {
    let target = std::fs::canonicalize(path).ok()?;
    let inputs = sessions.iter().flat_map(|s| {
        let labels = LabelsPaths::of(s).ok();
        let (plain, gzip) = labels.map(|l| (l.plain, l.gzip)).unzip();
        [Some(s.clone()), plain, gzip]
    });
    inputs
        .flatten()
        .find(|p| std::fs::canonicalize(p).is_ok_and(|p| p == target))
}

/// Replays every session on `pool`, writing each one's transcript in the sessions' order
/// as soon as the sessions before it are written; their results, in that order.
fn replay_all(
    pool: &rayon::ThreadPool,
    sessions: &[PathBuf],
    args: &ReplayArgs,
    console: &mut Console,
    events: &mut Option<EventsFile>,
    fail: &mut impl FnMut(String),
) -> Vec<SessionResult> {
    let first = first_of_name(sessions.iter().map(|p| session_name(p).ok()));
    let mut results = Vec::with_capacity(sessions.len());
    // A few sessions per thread at a time: output keeps coming, memory stays bounded.
    let batch = pool.current_num_threads() * 4;
    for (paths, first) in sessions.chunks(batch).zip(first.chunks(batch)) {
        let replayed: Vec<(SessionResult, Transcript)> = pool.install(|| {
            paths
                .par_iter()
                .zip(first)
                .map(|(path, &first)| replay_one(path, args, first))
                .collect()
        });
        for (result, transcript) in replayed {
            write_transcript(transcript, console, events, fail);
            results.push(result);
        }
    }
    results
}

/// The end of the output: the table of sessions, the aggregate lines and, with
/// `--group-by`/`--halves`, the engine's scores per group.
fn print_summary(
    console: &mut Console,
    args: &ReplayArgs,
    results: &[SessionResult],
    unread_paths: usize,
) {
    if !args.quiet {
        console.line("");
    }
    if !results.is_empty() {
        for line in summary_table(results) {
            console.line(line);
        }
        console.line("");
    }
    for line in aggregate_lines(results, unread_paths) {
        console.line(line);
    }
    if let Some(grouping) = args.groups.grouping() {
        let scored: Vec<(String, SessionScore)> = results
            .iter()
            .filter_map(|r| Some((r.name.clone(), r.score.clone()?)))
            .collect();
        console.line("");
        let engine = DetectorGroups::new("engine", "engine", &scored, grouping);
        for line in group_table(&[engine]) {
            console.line(line);
        }
    }
}

/// Writes one session's transcript: its lines to standard output, its events to the
/// events file (until that fails), its problems to standard error.
fn write_transcript(
    transcript: Transcript,
    console: &mut Console,
    events: &mut Option<EventsFile>,
    fail: &mut impl FnMut(String),
) {
    let Transcript {
        lines,
        events: event_lines,
        problems,
    } = transcript;
    for problem in problems {
        match problem {
            Problem::BadInput(message) => fail(message),
            Problem::LostOutput(message) => report_lost_output(message),
            Problem::Note(message) => report_note(message),
        }
    }
    if let Some(file) = events.as_mut() {
        if let Err(e) = event_lines
            .iter()
            .try_for_each(|line| file.write_line(line))
        {
            report_lost_output(format!(
                "events file: cannot write: {e}; no more events are written"
            ));
            *events = None;
        }
    }
    for line in lines {
        console.line(line);
    }
}

/// Where one session's events go while it replays.
struct Sinks<'a> {
    name: &'a str,
    console: Option<&'a mut Vec<String>>,
    events: Option<&'a mut Vec<String>>,
    events_error: Option<serde_json::Error>,
    /// Where detections go while the session replays (opened at `begin`, when the
    /// rate is known).
    detections_tmp: Option<&'a Path>,
    detections: Option<DetectionsWriter<BufWriter<File>>>,
    detections_error: Option<io::Error>,
    /// Path of the session file, for the heading.
    path: &'a Path,
}

impl ReplayObserver for Sinks<'_> {
    fn begin(&mut self, metadata: &Metadata) {
        if let Some(tmp) = self.detections_tmp {
            let opened = File::create(tmp)
                .and_then(|f| DetectionsWriter::new(BufWriter::new(f), metadata.sample_rate_hz));
            match opened {
                Ok(writer) => self.detections = Some(writer),
                Err(e) => self.detections_error = Some(e),
            }
        }
        if let Some(console) = self.console.as_deref_mut() {
            console.push(session_heading(self.name, self.path, metadata));
        }
    }

    fn event(&mut self, event: &Event, sample_rate_hz: f64) {
        if let Some(console) = self.console.as_deref_mut() {
            console.push(event_line(event, sample_rate_hz));
        }
        if self.events_error.is_none() {
            if let Some(lines) = self.events.as_deref_mut() {
                match event_json(self.name, event, sample_rate_hz) {
                    Ok(line) => lines.push(line),
                    Err(e) => self.events_error = Some(e),
                }
            }
        }
        if let (Some(writer), None) = (self.detections.as_mut(), &self.detections_error) {
            if let Some(d) = Detection::from_event(event, sample_rate_hz) {
                if let Err(e) = writer.write(&d) {
                    self.detections_error = Some(e);
                }
            }
        }
    }
}

/// Replays one session; returns its row and what it has to say. `first_of_name`: no
/// session before it has its name (only the first writes its detections).
fn replay_one(path: &Path, args: &ReplayArgs, first_of_name: bool) -> (SessionResult, Transcript) {
    let mut status = Status::Ok;
    let mut transcript = Transcript::default();
    let name = match session_name(path) {
        Ok(name) => name,
        Err(e) => {
            transcript.fail(e.to_string());
            return (not_started(shown_name(path), None), transcript);
        }
    };

    let labels = labels_beside(path, &mut transcript, &mut status);
    let (detections_target, tmp_path) = detections_files(
        path,
        args,
        &name,
        first_of_name,
        &mut transcript,
        &mut status,
    );

    let (outcome, written) =
        replay_to_sinks(path, args, &name, tmp_path.as_deref(), &mut transcript);
    let (replay, complete) = match outcome {
        Outcome::NotStarted(message) => {
            transcript.fail(message);
            if let (Some(tmp), Some(target)) = (&tmp_path, &detections_target) {
                let _ = std::fs::remove_file(tmp);
                remove_stale(target, &mut transcript);
            }
            return (not_started(name, labels.as_deref()), transcript);
        }
        Outcome::Stopped(replay, e) => {
            transcript.fail(e.to_string());
            status = Status::ReadError;
            (replay, false)
        }
        Outcome::Complete(replay) => (replay, true),
    };

    if let (Some(tmp), Some(target)) = (&tmp_path, &detections_target) {
        finish_detections(tmp, target, written, complete, &mut transcript, &mut status);
    }
    let score = labels
        .as_ref()
        .filter(|_| complete)
        .map(|labels| score_session(labels, &replay.onsets_s, replay.duration_s()));
    if !args.quiet {
        summarize(&name, &replay, score.as_ref(), &mut transcript);
    }
    let result = SessionResult {
        name,
        labels: labels.as_ref().map(Vec::len),
        replay: Some(replay),
        score,
        status,
    };
    (result, transcript)
}

/// The row of a session whose replay could not start.
fn not_started(name: String, labels: Option<&[Ejection]>) -> SessionResult {
    SessionResult {
        name,
        replay: None,
        labels: labels.map(<[Ejection]>::len),
        score: None,
        status: Status::NotStarted,
    }
}

/// What the table calls a session whose name is refused: its file or folder name as it is.
fn shown_name(path: &Path) -> String {
    let name = path.file_name().unwrap_or(path.as_os_str());
    name.to_string_lossy().into_owned()
}

/// The session's summary line and, when it was scored, its score line.
fn summarize(
    name: &str,
    replay: &Replay,
    score: Option<&SessionScore>,
    transcript: &mut Transcript,
) {
    transcript.lines.push(session_summary(name, replay));
    if let Some(score) = score {
        transcript.lines.push(score_line(score));
    }
}

/// The labels beside the session, if any. A broken label file does not stop the replay,
/// only its scoring: it is a problem in `transcript` and the session's `status`.
fn labels_beside(
    path: &Path,
    transcript: &mut Transcript,
    status: &mut Status,
) -> Option<Vec<Ejection>> {
    match read_labels_beside(path) {
        None => None,
        Some(Ok(labels)) => Some(labels),
        Some(Err(e)) => {
            transcript.fail(e.to_string());
            *status = Status::LabelsError;
            None
        }
    }
}

/// Replays the session into `transcript` (its lines and events, as `args` asks) and the
/// detections file `tmp_path`; the outcome, and whether every detection was written. An
/// events line that cannot be made is lost output in `transcript`.
fn replay_to_sinks(
    path: &Path,
    args: &ReplayArgs,
    name: &str,
    tmp_path: Option<&Path>,
    transcript: &mut Transcript,
) -> (Outcome, io::Result<()>) {
    let mut sinks = Sinks {
        name,
        console: (!args.quiet).then_some(&mut transcript.lines),
        events: args.events.is_some().then_some(&mut transcript.events),
        events_error: None,
        detections_tmp: tmp_path,
        detections: None,
        detections_error: None,
        path,
    };
    let outcome = replay_session(path, &mut sinks);
    let Sinks {
        events_error,
        detections,
        detections_error,
        ..
    } = sinks;
    if let Some(e) = events_error {
        transcript.problems.push(Problem::LostOutput(format!(
            "events file: cannot write: {e}; no more events are written"
        )));
    }
    let written = match (detections, detections_error) {
        (_, Some(e)) => Err(e),
        (Some(writer), None) => writer.finish().map(drop),
        (None, None) => Ok(()),
    };
    (outcome, written)
}

/// With `--detections-out DIR`: the session's `DIR/NAME.detections.csv` and the `.tmp` file
/// its detections go to while it replays (renamed once it is complete). Only the first
/// session of a name gets a `.tmp` file; a later one is a problem in `transcript` and
/// `status`.
fn detections_files(
    path: &Path,
    args: &ReplayArgs,
    name: &str,
    first_of_name: bool,
    transcript: &mut Transcript,
    status: &mut Status,
) -> (Option<PathBuf>, Option<PathBuf>) {
    let target = args
        .detections_out
        .as_deref()
        .map(|dir| detections_path(dir, name));
    let mut tmp_path = None;
    if let Some(target) = &target {
        if !first_of_name {
            transcript.fail(name_taken(path.display(), name, target));
            *status = Status::OutputError;
        } else {
            tmp_path = Some(tmp_name(target));
        }
    }
    (target, tmp_path)
}

/// Finishes the detection file: `tmp` becomes `target` only for a complete replay whose
/// detections were all `written`; otherwise `tmp` is removed, and a write that failed is
/// lost output in `transcript` and `status`.
fn finish_detections(
    tmp: &Path,
    target: &Path,
    written: io::Result<()>,
    complete: bool,
    transcript: &mut Transcript,
    status: &mut Status,
) {
    if !complete {
        let _ = std::fs::remove_file(tmp);
        remove_stale(target, transcript);
    } else if let Err(e) = written.and_then(|()| std::fs::rename(tmp, target)) {
        let _ = std::fs::remove_file(tmp);
        transcript.problems.push(Problem::LostOutput(format!(
            "{}: cannot write detections: {e}",
            target.display()
        )));
        *status = Status::OutputError;
    }
}

/// Removes `target`, an earlier run's detections of a session this run could not replay
/// in full, so that they are not read as this run's; says so in `transcript`.
fn remove_stale(target: &Path, transcript: &mut Transcript) {
    if std::fs::remove_file(target).is_ok() {
        transcript.problems.push(Problem::Note(format!(
            "{}: removed: it held an earlier run's detections, not this one's",
            target.display()
        )));
    }
}
