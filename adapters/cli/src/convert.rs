//! `letdown convert INPUT OUTPUT`: session files from CSV to Parquet and back, labels
//! copied alongside.
//!
//! One session: the output's extension says the format (`.parquet` or `.csv`). A folder
//! of sessions: each is written into the output folder in the other format (CSV
//! sessions as `NAME.parquet`, Parquet sessions as `NAME.csv`), or with `--fleet`, every
//! session as a fleet dataset's `session_id=NAME/part-0.parquet`. Samples are
//! carried exactly into Parquet (f32, as read); into CSV they are rounded as the CSV
//! writer rounds them. The labels are read (and checked) before anything is written; the
//! session and its labels are each written under a temporary name and renamed into place
//! one after the other once both are complete, so a failed conversion leaves no half
//! file and no empty fleet session folder; should the labels' rename fail after the
//! session's, the new session is removed again, so none is left without its labels (an
//! earlier output of that name is then gone too: the conversion was to replace it). An
//! input without labels removes the label file an earlier conversion may have left beside
//! the output, which would otherwise be read as this session's. An output beside its
//! input under the same name shares the input's labels: they are left as they are.

use super::console::{report_error, report_lost_output, Console};
use super::in_place::{create_parent, tmp_name};
use super::sources::resolve;
use super::EXIT_BAD_INPUT;
use clap::Args;
use letdown_engine::Sample;
use letdown_eval::labels::Ejection;
use letdown_io::labels_csv::{read_labels_beside, write_labels};
use letdown_io::session_files::{
    fleet_session_folder_name, is_parquet_name, labels_path, remove_stale_labels, session_name,
    LabelsPaths, PARQUET_SUFFIX, SESSION_SUFFIX,
};
use letdown_io::session_parquet_writer::Codec;
use letdown_io::{ParquetSessionWriter, SessionItem, SessionReader, SessionWriter};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `letdown convert`.
#[derive(Debug, Args)]
#[command(after_help = "\
Parquet sessions: columns t_s (DOUBLE, s), pressure_mmhg and flow_ml_min (FLOAT, mmHg and \
mL/min); sample_rate_hz (Hz) and the other metadata in the file's key-value metadata. A \
fleet dataset: DIR/session_id=<ID>/part-0.parquet per session, labels in \
DIR/_labels/<ID>.labels.csv (as pyarrow.dataset.write_dataset writes with \
partitioning=[\"session_id\"], partitioning_flavor=\"hive\").

Exit status: 0 on success, 2 when an input could not be read, 1 when an output could not be \
written (each problem printed; the other sessions are still converted).")]
// The field docs are `--help` text, where `<ID>` is a placeholder, not an HTML tag.
#[allow(rustdoc::invalid_html_tags)]
pub struct ConvertArgs {
    /// A session (NAME.csv, NAME.csv.gz, NAME.parquet, a fleet session folder
    /// session_id=<ID>) or a folder of sessions.
    #[arg(value_name = "INPUT")]
    input: PathBuf,

    /// For one session: the file to write, NAME.parquet or NAME.csv. For a folder: the
    /// folder to write into (created if missing).
    #[arg(value_name = "OUTPUT")]
    output: PathBuf,

    /// Write a folder's sessions (CSV or Parquet) as one fleet dataset
    /// (OUTPUT/session_id=NAME/part-0.parquet, labels in OUTPUT/_labels/) instead of
    /// NAME.parquet and NAME.csv files. For a folder only.
    #[arg(long)]
    fleet: bool,

    /// Compression of the Parquet pages: none (16 bytes a sample, fastest to replay) or
    /// snappy (about half the size, pyarrow's default).
    #[arg(long, value_enum, default_value_t = Compression::None)]
    compression: Compression,
}

/// `--compression`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Compression {
    None,
    Snappy,
}

/// The format a session is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
}

/// One session to convert: from where, to where, in which format.
struct Job {
    input: PathBuf,
    output: PathBuf,
    format: Format,
    codec: Codec,
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs) -> ExitCode {
    let (jobs, refused) = match plan(args) {
        Ok(planned) => planned,
        Err(problems) => {
            problems.into_iter().for_each(report_error);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let mut console = Console::stdout();
    let sessions = jobs.len() + refused.len();
    let mut failed = refused.len();
    let mut lost = 0;
    refused.into_iter().for_each(report_error);
    for job in &jobs {
        match convert(job) {
            Ok((rows, labels)) => console.line(format!(
                "{} → {}: {rows} samples{}",
                job.input.display(),
                job.output.display(),
                if labels { ", labels copied" } else { "" }
            )),
            Err(Failed::BadInput(message)) => {
                report_error(message);
                failed += 1;
            }
            Err(Failed::LostOutput(message)) => {
                report_lost_output(message);
                lost += 1;
            }
        }
    }
    console.line(format!(
        "converted {} of {sessions} sessions",
        sessions - failed - lost
    ));
    console.flush();
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

/// The sessions to convert and the problem of each session of a folder whose name is
/// refused (the others are still converted); or every reason there are none.
fn plan(args: &ConvertArgs) -> Result<(Vec<Job>, Vec<String>), Vec<String>> {
    let (sessions, problems) = resolve(std::slice::from_ref(&args.input));
    if !problems.is_empty() {
        return Err(problems);
    }
    let one_session = sessions.len() == 1 && sessions[0] == args.input;
    if one_session && args.fleet {
        return Err(vec![format!(
            "{}: --fleet writes a folder of sessions: give a folder to convert, or leave \
             --fleet out to convert this one session by OUT's extension",
            args.input.display()
        )]);
    }
    if one_session {
        let format = output_format(&args.output)?;
        let input = args.input.clone();
        let output = args.output.clone();
        let job = Job {
            input,
            output,
            format,
            codec: codec(args),
        };
        return Ok((vec![job], Vec::new()));
    }
    let mut jobs = Vec::new();
    let mut refused = Vec::new();
    for input in sessions {
        match folder_job(input, &args.output, args.fleet, codec(args)) {
            Ok(job) => jobs.push(job),
            Err(problem) => refused.push(problem),
        }
    }
    std::fs::create_dir_all(&args.output).map_err(|e| {
        vec![format!(
            "{}: cannot create folder: {e}",
            args.output.display()
        )]
    })?;
    Ok((jobs, refused))
}

fn codec(args: &ConvertArgs) -> Codec {
    match args.compression {
        Compression::None => Codec::Uncompressed,
        Compression::Snappy => Codec::Snappy,
    }
}

/// The format of a single output, from its extension.
fn output_format(output: &Path) -> Result<Format, Vec<String>> {
    let name = output.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if is_parquet_name(name) {
        Ok(Format::Parquet)
    } else if name.len() > SESSION_SUFFIX.len() && name.ends_with(SESSION_SUFFIX) {
        Ok(Format::Csv)
    } else {
        Err(vec![format!(
            "{}: the output's name must end in {PARQUET_SUFFIX} or {SESSION_SUFFIX} (the \
             format to write)",
            output.display()
        )])
    }
}

/// Where a session of a folder goes: with `fleet`, a fleet session of `dir` whatever its
/// format; otherwise the other format, in `dir`, under the session's name. An error when
/// that name is refused.
fn folder_job(input: PathBuf, dir: &Path, fleet: bool, codec: Codec) -> Result<Job, String> {
    let name = session_name(&input).map_err(|e| e.to_string())?;
    let input_name = input.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let from_parquet = input.is_dir() || is_parquet_name(input_name);
    let (output, format) = match (fleet, from_parquet) {
        (true, _) => {
            let folder = dir.join(fleet_session_folder_name(&name));
            (folder.join("part-0.parquet"), Format::Parquet)
        }
        (false, true) => (dir.join(format!("{name}{SESSION_SUFFIX}")), Format::Csv),
        (false, false) => (dir.join(format!("{name}{PARQUET_SUFFIX}")), Format::Parquet),
    };
    Ok(Job {
        input,
        output,
        format,
        codec,
    })
}

/// A session writer of either format.
enum SessionOut {
    Csv(SessionWriter<BufWriter<File>>),
    Parquet(Box<ParquetSessionWriter<BufWriter<File>>>),
}

impl SessionOut {
    fn write_sample(&mut self, sample: Sample) -> io::Result<()> {
        match self {
            SessionOut::Csv(w) => w.write_sample(sample),
            SessionOut::Parquet(w) => w.write_sample(sample),
        }
    }

    fn skip(&mut self, missing: u64) {
        match self {
            SessionOut::Csv(w) => w.skip(missing),
            SessionOut::Parquet(w) => w.skip(missing),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            SessionOut::Csv(w) => w.finish().map(drop),
            SessionOut::Parquet(w) => w.finish().map(drop),
        }
    }
}

/// Why a session was not converted: its input (exit status 2), or an output that could
/// not be written (the exit status says output was lost).
enum Failed {
    BadInput(String),
    LostOutput(String),
}

/// Converts one session and its labels; the number of samples written and whether the
/// input had labels. Nothing is put in place unless both are written in full.
fn convert(job: &Job) -> Result<(u64, bool), Failed> {
    let labels = read_labels_beside(&job.input)
        .transpose()
        .map_err(|e| Failed::BadInput(e.to_string()))?;
    let labels_out = LabelsOut::of(job).map_err(Failed::BadInput)?;
    let tmp_session = tmp_name(&job.output);
    let tmp_labels = (labels.as_ref())
        .filter(|_| !labels_out.shared)
        .map(|_| tmp_name(&labels_out.plain));
    let converted = write_session(job, &tmp_session).and_then(|rows| {
        if let (Some(labels), Some(tmp)) = (&labels, &tmp_labels) {
            write_labels_file(tmp, labels).map_err(Failed::LostOutput)?;
        }
        put_in_place(
            &tmp_session,
            &job.output,
            tmp_labels.as_deref(),
            &labels_out,
        )
        .map_err(Failed::LostOutput)?;
        Ok(rows)
    });
    if converted.is_err() {
        for tmp in std::iter::once(&tmp_session).chain(&tmp_labels) {
            let _ = std::fs::remove_file(tmp);
        }
        remove_empty_fleet_folder(&job.output);
    }
    converted.map(|rows| (rows, labels.is_some()))
}

/// Writes the session of `job` into `tmp`; the number of samples written.
fn write_session(job: &Job, tmp: &Path) -> Result<u64, Failed> {
    let mut reader =
        SessionReader::open(&job.input).map_err(|e| Failed::BadInput(e.to_string()))?;
    let output = &job.output;
    let cannot_write =
        |e: io::Error| Failed::LostOutput(format!("{}: cannot write: {e}", output.display()));
    create_parent(output).map_err(cannot_write)?;
    let mut out = create(tmp, job, &reader).map_err(cannot_write)?;
    let rows = copy_samples(&mut reader, &mut out)?;
    out.finish().map_err(cannot_write)?;
    Ok(rows)
}

/// Where the output's labels go, and the compressed name a reader would also take them
/// from ([`LabelsPaths`]).
struct LabelsOut {
    /// `NAME.labels.csv` beside the output (a fleet session's in `_labels/`).
    plain: PathBuf,
    /// `NAME.labels.csv.gz` there.
    gzip: PathBuf,
    /// The output lies beside its input under the same name, so its labels are the
    /// input's own: neither written nor removed.
    shared: bool,
}

impl LabelsOut {
    /// Where `job`'s labels go; an error when the output's name is refused as a
    /// session's name.
    fn of(job: &Job) -> Result<Self, String> {
        let session = match job.format {
            // A fleet session's labels are found from its folder, not from its part file.
            Format::Parquet if output_is_fleet_part(&job.output) => {
                job.output.parent().unwrap_or(&job.output)
            }
            _ => &job.output,
        };
        let LabelsPaths { plain, gzip } = LabelsPaths::of(session).map_err(|e| e.to_string())?;
        let input_labels = labels_path(&job.input)
            .ok()
            .and_then(|p| p.canonicalize().ok());
        let shared = input_labels.is_some_and(|input| {
            [&plain, &gzip]
                .iter()
                .any(|out| out.canonicalize().is_ok_and(|out| out == input))
        });
        Ok(Self {
            plain,
            gzip,
            shared,
        })
    }
}

/// Writes `labels` as a label file at `path`.
fn write_labels_file(path: &Path, labels: &[Ejection]) -> Result<(), String> {
    let written = create_parent(path)
        .and_then(|()| File::create(path))
        .and_then(|file| {
            let mut out = BufWriter::new(file);
            write_labels(&mut out, labels)?;
            out.flush()
        });
    written.map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Renames the written session into place, then its labels (`tmp_labels`), or, when the
/// input has none, removes any label file already there: one left by an earlier
/// conversion would be read as this session's. When the labels cannot be put in place
/// the session is removed again, so that it is never read without them. Labels shared
/// with the input ([`LabelsOut::shared`]) are left as they are.
fn put_in_place(
    tmp_session: &Path,
    output: &Path,
    tmp_labels: Option<&Path>,
    labels_out: &LabelsOut,
) -> Result<(), String> {
    std::fs::rename(tmp_session, output)
        .map_err(|e| format!("{}: cannot write: {e}", output.display()))?;
    if labels_out.shared {
        return Ok(());
    }
    let placed = match tmp_labels {
        Some(tmp) => std::fs::rename(tmp, &labels_out.plain)
            .map_err(|e| format!("{}: cannot write: {e}", labels_out.plain.display()))
            .and_then(|()| remove_stale(&labels_out.gzip)),
        None => remove_stale(&labels_out.plain).and_then(|()| remove_stale(&labels_out.gzip)),
    };
    placed.map_err(|message| {
        let _ = std::fs::remove_file(output);
        format!(
            "{message} ({} removed again: a session is not left without its labels)",
            output.display()
        )
    })
}

/// Removes the stale label file at `path`, if there is one.
fn remove_stale(path: &Path) -> Result<(), String> {
    remove_stale_labels(path)
        .map_err(|e| format!("{}: cannot remove a stale label file: {e}", path.display()))
}

/// Opens the writer of `job`'s format at `path` with `reader`'s rate and metadata.
fn create(path: &Path, job: &Job, reader: &SessionReader) -> io::Result<SessionOut> {
    let (rate, entries) = (reader.sample_rate_hz(), &reader.metadata().entries);
    Ok(match job.format {
        Format::Csv => SessionOut::Csv(SessionWriter::create(path, rate, entries)?),
        Format::Parquet => {
            let writer = ParquetSessionWriter::create(path, rate, entries, job.codec)?;
            SessionOut::Parquet(Box::new(writer))
        }
    })
}

/// Copies every row and gap; the number of rows.
fn copy_samples(reader: &mut SessionReader, out: &mut SessionOut) -> Result<u64, Failed> {
    let mut rows = 0;
    while let Some(item) = (reader.next_item()).map_err(|e| Failed::BadInput(e.to_string()))? {
        match item {
            SessionItem::Row(row) => {
                (out.write_sample(row.sample)).map_err(|e| Failed::LostOutput(e.to_string()))?;
                rows += 1;
            }
            SessionItem::Gap(gap) => out.skip(gap.missing),
        }
    }
    Ok(rows)
}

/// Whether `output` is the part file of a fleet session folder.
fn output_is_fleet_part(output: &Path) -> bool {
    let folder = output
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    folder.is_some_and(|n| letdown_io::session_files::fleet_session_id(n).is_some())
}

/// After a failed conversion into a fleet dataset, the session's folder when nothing is
/// left in it: an empty `session_id=<ID>/` would be read as a broken fleet session. A
/// folder that holds anything else (an earlier conversion's part) stays.
fn remove_empty_fleet_folder(output: &Path) {
    if let Some(folder) = output.parent().filter(|_| output_is_fleet_part(output)) {
        // Fails, and so keeps the folder, unless the folder is empty.
        let _ = std::fs::remove_dir(folder);
    }
}
