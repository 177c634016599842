//! The one error type of every session-file reader: which file, which line (in a Parquet
//! file: which row group and row), which field, and why (DESIGN §3: "readers reject, with
//! file, line and reason").

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A file that could not be read, or that breaks its format.
///
/// `Display` prints `PATH: line N: field NAME: reason` (a Parquet file: `PATH: row group
/// G, row R: field NAME: reason`), leaving out the parts that do not apply (an unreadable
/// file has no line; a missing header has no field).
#[derive(Debug)]
pub struct SessionFileError {
    /// The file, as given to the reader.
    pub path: PathBuf,
    /// 1-based line number where the problem was found; `None` when the file as a whole
    /// is at fault (it cannot be opened or read).
    pub line: Option<u64>,
    /// Where in a Parquet file the problem was found (`line` is then `None`); `None` for
    /// a CSV file, or when the Parquet file as a whole is at fault.
    pub row: Option<RowPosition>,
    /// The column or metadata key at fault (`"t_s"`, `"flow_ml_min"`, `"sample_rate_hz"`,
    /// …), when one is.
    pub field: Option<&'static str>,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// A row of a Parquet file: its row group and its row within that group, both counted
/// from 0 as Parquet tools count them (pyarrow: `ParquetFile(path).read_row_group(g)`,
/// then row `r` of that table). 32 bits each keep the error small (it is returned on
/// every read); Parquet writers cut row groups far below 2^32 rows, and a larger
/// position would be shown as 4294967295.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowPosition {
    /// The row group, from 0.
    pub row_group: u32,
    /// The row within the row group, from 0.
    pub row: u32,
}

impl RowPosition {
    /// Row `row` of row group `row_group` (each saturated at `u32::MAX`).
    pub fn new(row_group: usize, row: u64) -> Self {
        Self {
            row_group: u32::try_from(row_group).unwrap_or(u32::MAX),
            row: u32::try_from(row).unwrap_or(u32::MAX),
        }
    }
}

/// What is wrong with a file. `Display` gives the reason in words, with the offending
/// text or values.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or read.
    Io(io::Error),
    /// The CSV layer failed for a reason other than I/O.
    Csv(String),
    /// The file has no content at all.
    Empty,
    /// A line is longer than the reader accepts (reading stops there: memory stays
    /// bounded whatever the file holds), bytes.
    LineTooLong {
        /// The longest accepted line, bytes.
        max_bytes: usize,
    },
    /// A file holds more records of a kind than the reader keeps in memory (the cap
    /// bounds the reader's memory; real files hold far fewer).
    TooMany {
        /// The most accepted.
        max: usize,
        /// What is counted, plural (`"labelled ejections"`).
        what: &'static str,
    },
    /// A `#` line before the header is not `# key: value`.
    MalformedMetadata {
        /// The line as found (lossily decoded, shortened).
        text: String,
    },
    /// A metadata key appears twice.
    DuplicateMetadata {
        /// The repeated key.
        key: String,
    },
    /// No `# sample_rate_hz: N` line before the header.
    MissingRate,
    /// `sample_rate_hz` is not a finite number above 0 Hz.
    InvalidRate {
        /// The value as found.
        text: String,
    },
    /// The file has no header line (it ends first, or data comes where the header
    /// should be).
    MissingHeader {
        /// The header the format requires.
        expected: &'static str,
        /// `true` when the file ended before any header; `false` when a data row stands
        /// in its place.
        at_end_of_file: bool,
    },
    /// The header line is not the one the format requires.
    WrongHeader {
        /// The header the format requires.
        expected: &'static str,
        /// The header as found (lossily decoded, shortened).
        found: String,
    },
    /// Lines end in a bare `\r` (classic Mac OS line endings) rather than `\n` or
    /// `\r\n`, so the reader sees several lines run together as one.
    BareCarriageReturn,
    /// A row has the wrong number of fields.
    FieldCount {
        /// Fields the header declares.
        expected: usize,
        /// Fields found on the line.
        found: usize,
    },
    /// A field that must be a number is empty or not a number.
    NotANumber {
        /// The field as found (lossily decoded, shortened).
        text: String,
    },
    /// A number is NaN or infinite (or too large for its type).
    NonFinite {
        /// The field as found.
        text: String,
    },
    /// A time before the session start, s.
    NegativeTime {
        /// The time found, s.
        t_s: f64,
    },
    /// A time so far from the session start that sample indices cannot represent it, s.
    TimeOutOfRange {
        /// The time found, s.
        t_s: f64,
    },
    /// Time goes backwards or does not advance from one sample row to the next, s.
    TimeNotAdvancing {
        /// Time of the previous row, s.
        previous_s: f64,
        /// Time of this row, s.
        t_s: f64,
    },
    /// A row's time disagrees with `sample_index / sample_rate_hz` by more than half a
    /// sample, after accounting for reported gaps.
    RateMismatch {
        /// Time found, s.
        t_s: f64,
        /// Time the declared rate gives this row, s.
        expected_s: f64,
        /// The declared rate, Hz.
        rate_hz: f64,
        /// Time since the previous row, s (`None` on the first row).
        spacing_s: Option<f64>,
    },
    /// Rows keep coming further apart than the declared rate allows: every one of
    /// [`RATE_CHECK_ROWS`](crate::session_csv::RATE_CHECK_ROWS) rows in a row follows a
    /// gap, so the declared rate is wrong rather than the samples missing.
    RateContradicted {
        /// The declared rate, Hz.
        rate_hz: f64,
        /// Mean time between those rows, s.
        spacing_s: f64,
        /// How many rows in a row followed a gap.
        rows: u64,
    },
    /// The first row comes long after the session start: times are seconds since the
    /// session start, so the file is probably cut from a longer recording or uses
    /// another clock, s.
    LateStart {
        /// The first row's time, s.
        t_s: f64,
        /// The latest accepted first time, s.
        max_s: f64,
    },
    /// A row comes so long after the previous one that the time between them cannot be
    /// a dropout inside one pumping session: a broken timestamp, or two sessions in one
    /// file, s.
    GapTooLong {
        /// The previous row's time, s.
        previous_s: f64,
        /// This row's time, s.
        t_s: f64,
        /// Sample periods from the previous row to this one, on the sample clock.
        periods: u64,
        /// The declared sample rate, Hz.
        rate_hz: f64,
        /// The longest accepted time between two rows, s.
        max_s: f64,
    },
    /// Rows that must be in time order are not, s.
    OutOfOrder {
        /// The previous row's time, s.
        previous_s: f64,
        /// This row's time, s.
        t_s: f64,
    },
    /// A labelled ejection ends before (or when) it starts, s.
    OnsetAfterEnd {
        /// Its onset, s.
        onset_s: f64,
        /// Its end, s.
        end_s: f64,
    },
    /// A labelled ejection becomes visible before its onset, s.
    VisibleBeforeOnset {
        /// Its onset, s.
        onset_s: f64,
        /// When it becomes visible, s.
        visible_s: f64,
    },
    /// A text field holds a value outside its vocabulary.
    UnknownValue {
        /// The field as found (lossily decoded, shortened).
        text: String,
        /// The accepted values, in words.
        expected: &'static str,
    },
    /// A Parquet file that the Parquet library cannot decode (a damaged footer or page,
    /// a compression codec this build does not read).
    Parquet(String),
    /// A Parquet file lacks a column the format requires.
    MissingColumn {
        /// The column required.
        column: &'static str,
        /// The file's columns, comma-separated (shortened).
        found: String,
    },
    /// A Parquet column holds values of a type the format does not allow.
    WrongType {
        /// The types allowed, in words.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// A Parquet value is null (a missing sample is a missing row, not a null).
    Null,
    /// A Parquet file's key-value metadata lacks a required entry.
    MissingMetadata {
        /// The key required.
        key: &'static str,
    },
    /// A session stored as several Parquet files declares another rate in this file
    /// than in the first, Hz.
    RateDiffers {
        /// The rate of the session's first file, Hz.
        first_hz: f64,
        /// The rate this file declares, Hz.
        rate_hz: f64,
    },
    /// A session's name (a fleet folder's `<ID>`, a file's name without its extension)
    /// that could lead out of the folder the files named after it are written in.
    UnsafeSessionName {
        /// The name as formed (percent-decoded).
        name: String,
        /// Why it is refused, in words
        /// ([`check_session_name`](crate::session_files::check_session_name)).
        reason: &'static str,
    },
    /// A session has both label files, `NAME.labels.csv` (the error's path) and this
    /// compressed one: which holds its labels is not for a reader to guess.
    TwoLabelFiles {
        /// `NAME.labels.csv.gz`.
        gzip: PathBuf,
    },
    /// A number outside its allowed range.
    OutOfRange {
        /// The value found.
        value: f64,
        /// The allowed range, in words with unit.
        range: &'static str,
    },
}

impl SessionFileError {
    /// An error at `line` (1-based), about `field` when given.
    pub fn new(
        path: impl Into<PathBuf>,
        line: Option<u64>,
        field: Option<&'static str>,
        kind: ErrorKind,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            row: None,
            field,
            kind,
        }
    }

    /// An error at `row` of a Parquet file, about `field` when given.
    pub fn at_row(
        path: impl Into<PathBuf>,
        row: RowPosition,
        field: Option<&'static str>,
        kind: ErrorKind,
    ) -> Self {
        Self {
            row: Some(row),
            ..Self::new(path, None, field, kind)
        }
    }

    /// The file could not be opened or read as a whole.
    pub fn io(path: impl Into<PathBuf>, error: io::Error) -> Self {
        Self::new(path, None, None, ErrorKind::Io(error))
    }
}

impl fmt::Display for SessionFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ": line {line}")?;
        }
        if let Some(RowPosition { row_group, row }) = self.row {
            write!(f, ": row group {row_group}, row {row}")?;
        }
        if let Some(field) = self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for SessionFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io(e) => write!(f, "cannot read: {e}"),
            ErrorKind::Csv(e) => write!(f, "malformed CSV: {e}"),
            ErrorKind::Empty => f.write_str("the file is empty"),
            ErrorKind::LineTooLong { .. }
            | ErrorKind::TooMany { .. }
            | ErrorKind::MalformedMetadata { .. }
            | ErrorKind::DuplicateMetadata { .. }
            | ErrorKind::MissingRate
            | ErrorKind::InvalidRate { .. }
            | ErrorKind::MissingHeader { .. }
            | ErrorKind::WrongHeader { .. }
            | ErrorKind::BareCarriageReturn
            | ErrorKind::FieldCount { .. } => self.fmt_layout(f),
            ErrorKind::NotANumber { text } if text.is_empty() => {
                f.write_str("empty field, expected a number")
            }
            ErrorKind::NotANumber { text } => write!(f, "not a number: {text:?}"),
            ErrorKind::NonFinite { text } => {
                write!(
                    f,
                    "non-finite number {text:?} (NaN and infinities are refused)"
                )
            }
            ErrorKind::NegativeTime { .. }
            | ErrorKind::TimeOutOfRange { .. }
            | ErrorKind::TimeNotAdvancing { .. }
            | ErrorKind::RateMismatch { .. }
            | ErrorKind::RateContradicted { .. }
            | ErrorKind::LateStart { .. }
            | ErrorKind::GapTooLong { .. }
            | ErrorKind::OutOfOrder { .. } => self.fmt_time(f),
            ErrorKind::OnsetAfterEnd { onset_s, end_s } => {
                write!(f, "end_s {end_s} s is not after onset_s {onset_s} s")
            }
            ErrorKind::VisibleBeforeOnset { onset_s, visible_s } => {
                write!(f, "visible_s {visible_s} s is before onset_s {onset_s} s")
            }
            ErrorKind::UnknownValue { text, expected } => {
                write!(f, "unknown value {text:?}, expected {expected}")
            }
            ErrorKind::Parquet(_)
            | ErrorKind::MissingColumn { .. }
            | ErrorKind::WrongType { .. }
            | ErrorKind::Null
            | ErrorKind::MissingMetadata { .. }
            | ErrorKind::RateDiffers { .. } => self.fmt_parquet(f),
            ErrorKind::OutOfRange { value, range } => {
                write!(f, "value {value} is outside {range}")
            }
            ErrorKind::TwoLabelFiles { gzip } => write!(
                f,
                "{} is there too: two label files for one session, and which one holds its \
                 labels is not for the reader to guess; keep one",
                gzip.display()
            ),
            ErrorKind::UnsafeSessionName { name, reason } => write!(
                f,
                "session name {name:?} refused: {reason}; files are named after the \
                 session (NAME.detections.csv, NAME.svg, …) and must stay in the output \
                 folder"
            ),
        }
    }
}

impl ErrorKind {
    /// The messages about a CSV file's layout: its lines, metadata, sample rate, header and
    /// field counts, and the limits on what it may hold.
    fn fmt_layout(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::LineTooLong { max_bytes } => {
                write!(
                    f,
                    "line longer than {max_bytes} bytes, the longest accepted here \
                     (the file is refused unread beyond it)"
                )
            }
            ErrorKind::TooMany { max, what } => {
                write!(f, "more than {max} {what}, the most a file may hold")
            }
            ErrorKind::MalformedMetadata { text } => {
                write!(f, "expected a `# key: value` metadata line, found {text:?}")
            }
            ErrorKind::DuplicateMetadata { key } => {
                write!(f, "metadata key {key:?} is given more than once")
            }
            ErrorKind::MissingRate => {
                f.write_str("missing `# sample_rate_hz: N` line before the header")
            }
            ErrorKind::InvalidRate { text } => write!(
                f,
                "sample rate must be a finite number of Hz above 0, found {text:?}"
            ),
            ErrorKind::MissingHeader {
                expected,
                at_end_of_file: true,
            } => write!(f, "missing header: the file ends before `{expected}`"),
            ErrorKind::MissingHeader {
                expected,
                at_end_of_file: false,
            } => write!(f, "missing header: expected `{expected}`, found a data row"),
            ErrorKind::WrongHeader { expected, found } => {
                write!(f, "wrong header: expected `{expected}`, found {found:?}")
            }
            ErrorKind::BareCarriageReturn => f.write_str(
                "bare CR line endings: lines end in a carriage return (\\r) alone (classic \
                 Mac OS), so this line is several run together; they must end in LF (\\n) or \
                 CR LF (\\r\\n): convert the file, e.g. with `tr '\\r' '\\n'`",
            ),
            ErrorKind::FieldCount { expected, found } => {
                write!(
                    f,
                    "wrong field count: expected {expected} fields, found {found}"
                )
            }
            // Every other kind has its message in `Display::fmt`.
            _ => fmt::Display::fmt(self, f),
        }
    }

    /// The messages only a Parquet file can give: its own format, its columns' names and
    /// types, nulls, and the sample rate in its key-value metadata.
    fn fmt_parquet(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Parquet(e) => write!(f, "malformed Parquet: {e}"),
            ErrorKind::MissingColumn { column, found } => {
                write!(f, "missing column {column} (the file has: {found})")
            }
            ErrorKind::WrongType { expected, found } => {
                write!(f, "values of type {found}, expected {expected}")
            }
            ErrorKind::Null => f.write_str(
                "null value (a missing sample is a missing row, reported as a gap; \
                 a row carries all three values)",
            ),
            ErrorKind::MissingMetadata { key } => {
                write!(f, "no `{key}` entry in the file's key-value metadata")
            }
            ErrorKind::RateDiffers { first_hz, rate_hz } => write!(
                f,
                "sample_rate_hz {rate_hz} Hz differs from the {first_hz} Hz of the \
                 session's first file"
            ),
            // Every other kind has its message in `Display::fmt`.
            _ => fmt::Display::fmt(self, f),
        }
    }

    /// The messages about a row's time: before the start, too far, not advancing, out of
    /// order, or disagreeing with the sample rate.
    fn fmt_time(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NegativeTime { t_s } => {
                write!(f, "time {t_s} s is before the session start")
            }
            ErrorKind::TimeOutOfRange { t_s } => {
                write!(f, "time {t_s} s is too far from the session start")
            }
            ErrorKind::TimeNotAdvancing { previous_s, t_s } if t_s < previous_s => write!(
                f,
                "time goes backwards: {t_s} s after {previous_s} s on the previous row"
            ),
            ErrorKind::TimeNotAdvancing { previous_s, t_s } => write!(
                f,
                "time does not advance: {t_s} s after {previous_s} s on the previous row"
            ),
            ErrorKind::RateMismatch {
                t_s,
                expected_s,
                rate_hz,
                spacing_s,
            } => {
                write!(
                    f,
                    "time {t_s} s disagrees with sample_rate_hz {rate_hz} Hz by more than \
                 half a sample (expected {expected_s} s)"
                )?;
                match spacing_s {
                    Some(dt) => write!(
                        f,
                        "; this row comes {dt} s after the previous one, as at {} Hz",
                        1.0 / dt
                    ),
                    None => Ok(()),
                }
            }
            ErrorKind::RateContradicted {
                rate_hz,
                spacing_s,
                rows,
            } => write!(
                f,
                "the timestamps contradict sample_rate_hz {rate_hz} Hz: {rows} rows in a \
             row are each {spacing_s} s apart on average, as at {} Hz, so every one \
             would follow missing samples; fix the `# sample_rate_hz:` line",
                1.0 / spacing_s
            ),
            ErrorKind::LateStart { t_s, max_s } => write!(
                f,
                "the first row is at {t_s} s, but times are seconds since the session \
             start and the first may be at most {max_s} s; subtract {t_s} s from \
             every t_s (a recording cut from a longer one, or another clock?)"
            ),
            ErrorKind::GapTooLong {
                previous_s,
                t_s,
                periods,
                rate_hz,
                max_s,
            } => write!(
                f,
                "time jumps from {previous_s} s on the previous row to {t_s} s, \
             {periods} sample periods at {rate_hz} Hz ({} s) later: longer than the \
             {max_s} s ({} min) a gap may last (a sensor dropout inside a pumping session \
             lasts seconds); a broken timestamp, or two sessions in one file?",
                *periods as f64 / rate_hz,
                max_s / 60.0
            ),
            ErrorKind::OutOfOrder { previous_s, t_s } => write!(
                f,
                "rows out of time order: {t_s} s after {previous_s} s on the previous row"
            ),
            // Every other kind has its message in `Display::fmt`.
            _ => fmt::Display::fmt(self, f),
        }
    }
}
