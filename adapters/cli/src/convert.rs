//! `letdown convert INPUT OUTPUT`: session files from CSV to Parquet and back, labels
//! copied alongside.
//!
//! One session: the output's extension says the format (`.parquet` or `.csv`). A folder
//! of sessions: each is written into the output folder in the other format (CSV
//! sessions as `NAME.parquet`, or with `--fleet` as a fleet dataset,
//! `session_id=NAME/part-0.parquet`; Parquet sessions as `NAME.csv`). Samples are
//! carried exactly into Parquet (f32, as read); into CSV they are rounded as the CSV
//! writer rounds them. Each file is written under a temporary name and renamed once
//! complete, so a failed conversion leaves no half file that reads as a session.

use super::console::{report_error, Console};
use super::sources::resolve;
use super::EXIT_BAD_INPUT;
use clap::Args;
use letdown_engine::Sample;
use letdown_io::labels_csv::{read_labels_beside, write_labels};
use letdown_io::session_files::{
    fleet_session_folder_name, is_parquet_name, labels_path, session_name, PARQUET_SUFFIX,
    SESSION_SUFFIX,
};
use letdown_io::session_parquet_writer::Codec;
use letdown_io::{ParquetSessionWriter, SessionItem, SessionReader, SessionWriter};
use std::fs::File;
use std::io::{self, BufWriter};
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

Exit status: 0 on success, 2 when an input could not be read or an output written (each \
problem printed; the other sessions are still converted).")]
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

    /// Write a folder's CSV sessions as one fleet dataset (OUTPUT/session_id=NAME/
    /// part-0.parquet, labels in OUTPUT/_labels/) instead of NAME.parquet files.
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
    let jobs = match plan(args) {
        Ok(jobs) => jobs,
        Err(problems) => {
            problems.into_iter().for_each(report_error);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let mut console = Console::stdout();
    let mut failed = 0;
    for job in &jobs {
        match convert_session(job).and_then(|rows| copy_labels(job).map(|l| (rows, l))) {
            Ok((rows, labels)) => console.line(format!(
                "{} → {}: {rows} samples{}",
                job.input.display(),
                job.output.display(),
                if labels { ", labels copied" } else { "" }
            )),
            Err(message) => {
                report_error(message);
                failed += 1;
            }
        }
    }
    console.line(format!(
        "converted {} of {} sessions",
        jobs.len() - failed,
        jobs.len()
    ));
    console.flush();
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

/// The sessions to convert, or every reason there are none.
fn plan(args: &ConvertArgs) -> Result<Vec<Job>, Vec<String>> {
    let (sessions, problems) = resolve(std::slice::from_ref(&args.input));
    if !problems.is_empty() {
        return Err(problems);
    }
    let one_session = sessions.len() == 1 && sessions[0] == args.input;
    if one_session {
        let format = output_format(&args.output)?;
        let input = args.input.clone();
        let output = args.output.clone();
        return Ok(vec![Job {
            input,
            output,
            format,
            codec: codec(args),
        }]);
    }
    std::fs::create_dir_all(&args.output).map_err(|e| {
        vec![format!(
            "{}: cannot create folder: {e}",
            args.output.display()
        )]
    })?;
    let job = |input| folder_job(input, &args.output, args.fleet, codec(args));
    Ok(sessions.into_iter().map(job).collect())
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

/// Where a session of a folder goes: the other format, in `dir`.
fn folder_job(input: PathBuf, dir: &Path, fleet: bool, codec: Codec) -> Job {
    let name = session_name(&input);
    let input_name = input.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let from_parquet = input.is_dir() || is_parquet_name(input_name);
    let (output, format) = match (from_parquet, fleet) {
        (true, _) => (dir.join(format!("{name}{SESSION_SUFFIX}")), Format::Csv),
        (false, true) => {
            let folder = dir.join(fleet_session_folder_name(&name));
            (folder.join("part-0.parquet"), Format::Parquet)
        }
        (false, false) => (dir.join(format!("{name}{PARQUET_SUFFIX}")), Format::Parquet),
    };
    Job {
        input,
        output,
        format,
        codec,
    }
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

/// Converts one session into a temporary file renamed to the output once complete;
/// the number of samples written.
fn convert_session(job: &Job) -> Result<u64, String> {
    let mut reader = SessionReader::open(&job.input).map_err(|e| e.to_string())?;
    let output = &job.output;
    let tmp = tmp_name(output);
    let cannot_write = |e: io::Error| format!("{}: cannot write: {e}", output.display());
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(cannot_write)?;
    }
    let copied = create(&tmp, job, &reader)
        .map_err(cannot_write)
        .and_then(|mut out| copy_samples(&mut reader, &mut out).map(|rows| (rows, out)))
        .and_then(|(rows, out)| out.finish().map(|()| rows).map_err(cannot_write))
        .and_then(|rows| {
            std::fs::rename(&tmp, output)
                .map(|()| rows)
                .map_err(cannot_write)
        });
    if copied.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    copied
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
fn copy_samples(reader: &mut SessionReader, out: &mut SessionOut) -> Result<u64, String> {
    let mut rows = 0;
    while let Some(item) = reader.next_item().map_err(|e| e.to_string())? {
        match item {
            SessionItem::Row(row) => {
                out.write_sample(row.sample).map_err(|e| e.to_string())?;
                rows += 1;
            }
            SessionItem::Gap(gap) => out.skip(gap.missing),
        }
    }
    Ok(rows)
}

/// Writes the input's labels beside the output, when it has any; whether it had.
fn copy_labels(job: &Job) -> Result<bool, String> {
    let Some(labels) = read_labels_beside(&job.input) else {
        return Ok(false);
    };
    let labels = labels.map_err(|e| e.to_string())?;
    let target = match job.format {
        // A fleet session's labels are found from its folder, not from its part file.
        Format::Parquet if output_is_fleet_part(&job.output) => {
            labels_path(job.output.parent().unwrap_or(&job.output))
        }
        _ => labels_path(&job.output),
    };
    let written = (target.parent().map_or(Ok(()), std::fs::create_dir_all))
        .and_then(|()| File::create(&target))
        .and_then(|file| write_labels(BufWriter::new(file), &labels));
    written
        .map(|()| true)
        .map_err(|e| format!("{}: cannot write: {e}", target.display()))
}

/// Whether `output` is the part file of a fleet session folder.
fn output_is_fleet_part(output: &Path) -> bool {
    let folder = output
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    folder.is_some_and(|n| letdown_io::session_files::fleet_session_id(n).is_some())
}

/// `NAME.tmp` beside `target`.
fn tmp_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}
