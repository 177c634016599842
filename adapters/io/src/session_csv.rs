//! Streaming reader for session files `NAME.csv` (DESIGN §3, format v1), or
//! `NAME.csv.gz`, the same gzip-compressed ([`CsvSessionReader::open`] decompresses as it
//! reads).
//!
//! ```text
//! # sample_rate_hz: 1000
//! # profile: typical
//! t_s,pressure_mmhg,flow_ml_min
//! 0,-12.5,0.3
//! 0.001,-13.1,0.28
//! ```
//!
//! Leading `# key: value` lines are metadata (`sample_rate_hz` is required, in Hz); then
//! the header; then one row per sample: time in s since session start, gauge pressure in
//! mmHg, flow in mL/min. Rows are read one at a time into a reused record: reading a
//! row allocates nothing.
//!
//! Row `i` (counting the samples of reported gaps) must sit at `i / sample_rate_hz`
//! within half a sample. When a row's time is ≥ 1.5 sample periods after the previous
//! row (or, for the first row, ≥ half a period after 0), the samples in between are
//! missing: the reader yields a [`Gap`] before the row, never hides it. But when
//! [`RATE_CHECK_ROWS`] rows in a row each follow a gap, the timestamps contradict the
//! declared rate (a 50 Hz recording labelled 100 Hz): that is an error naming both rates,
//! not thousands of gaps. The first row may be at most [`MAX_START_S`] after 0: a file
//! that starts later is refused rather than counted as that much pumping, and a row more
//! than [`MAX_GAP_S`] of sample periods after the previous one is refused rather than
//! read as one gap of that length (a broken timestamp, not a dropout). Anything else
//! that breaks the format is a [`SessionFileError`] naming the file, the line, the field
//! and the reason; nothing panics on any input.

use crate::csv_fields::{
    blame_line_endings, check_header, field, has_bare_cr, parse_f32, parse_f64, quote,
};
use crate::csv_lines::{CsvLines, MAX_LINE_BYTES};
use crate::error::{ErrorKind, SessionFileError};
use crate::input_file::InputFile;
use crate::session_timeline::{TimedRows, Timeline};
pub use crate::session_timeline::{MAX_GAP_S, MAX_START_S, RATE_CHECK_ROWS};
use crate::without_bom::WithoutBom;
use letdown_engine::{Sample, SourceItem};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The header line of a session file.
pub const SESSION_HEADER: &str = "t_s,pressure_mmhg,flow_ml_min";
/// The session file's columns, in order.
pub const SESSION_COLUMNS: [&str; 3] = ["t_s", "pressure_mmhg", "flow_ml_min"];
/// The metadata key of the sample rate, Hz.
pub const SAMPLE_RATE_KEY: &str = "sample_rate_hz";

/// Longest accepted line before the header, bytes.
const MAX_METADATA_LINE_BYTES: usize = 4096;
/// Most `# key: value` lines a file may have (they are kept in memory).
const MAX_METADATA_ENTRIES: usize = 256;

/// The `# key: value` lines of a session file.
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    /// Sample rate of both channels, Hz (finite, > 0; the engine narrows the range).
    pub sample_rate_hz: f64,
    /// Line of the `sample_rate_hz` entry (1-based); 0 for a Parquet session, whose
    /// metadata has no lines.
    pub rate_line: u64,
    /// Every `key: value` pair in file order, `sample_rate_hz` included, trimmed.
    pub entries: Vec<(String, String)>,
}

impl Metadata {
    /// The value of `key`, if the file gives it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One sample row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Sample index: 0 for the session's first sample; samples of reported gaps count.
    pub index: u64,
    /// Time as written in the file, s since session start.
    pub t_s: f64,
    /// Both channels (pressure mmHg, flow mL/min).
    pub sample: Sample,
    /// Line of the row in the file (1-based).
    pub line: u64,
}

/// Samples missing from the file, reported before the row that follows them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gap {
    /// Index of the first missing sample.
    pub start_index: u64,
    /// How many samples are missing (≥ 1).
    pub missing: u64,
    /// Time of the first missing sample, s (`start_index / sample_rate_hz`).
    pub start_s: f64,
    /// Line of the row after the gap (1-based).
    pub line: u64,
}

/// What a session file yields, in order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SessionItem {
    /// A sample row.
    Row(Row),
    /// Missing samples, before the row that follows them.
    Gap(Gap),
}

/// Counts of what has been read so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Sample rows read.
    pub rows: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Samples missing in those gaps.
    pub missing: u64,
}

/// Streaming reader of a session file. Iterate it (or call
/// [`next_item`](Self::next_item)) to get rows and gaps; after the first error it yields
/// nothing more.
pub struct CsvSessionReader<R: Read> {
    path: PathBuf,
    csv: CsvLines<BufReader<WithoutBom<R>>>,
    record: csv::ByteRecord,
    metadata: Metadata,
    header_line: u64,
    timeline: Timeline,
}

impl CsvSessionReader<InputFile> {
    /// Opens `path` and reads its metadata and header. A name ending in `.gz` is
    /// gzip-decompressed as it is read (streamed: never whole in memory); a corrupt or
    /// truncated stream is an I/O error at the line reached.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SessionFileError> {
        let path = path.as_ref();
        let file = InputFile::open(path).map_err(|e| SessionFileError::io(path, e))?;
        Self::new(file, path)
    }
}

impl<R: Read> CsvSessionReader<R> {
    /// Reads the metadata and header from `inner`; `path` names the source in errors.
    pub fn new(inner: R, path: impl Into<PathBuf>) -> Result<Self, SessionFileError> {
        let path = path.into();
        let inner = WithoutBom::new(inner)
            .map_err(|e| SessionFileError::new(&path, Some(1), None, ErrorKind::Io(e)))?;
        let mut buffered = BufReader::with_capacity(8 * 1024, inner);
        let (entries, rate, line_offset, leading) = read_metadata(&mut buffered, &path)?;
        let mut csv = CsvLines::continuing(buffered, line_offset, leading);
        let mut record = csv::ByteRecord::new();
        let header_line = csv
            .read(&mut record)
            .map_err(|(line, kind)| SessionFileError::new(&path, Some(line), None, kind))?;
        let Some(header_line) = header_line else {
            let kind = if line_offset == 0 {
                ErrorKind::Empty
            } else {
                ErrorKind::MissingHeader {
                    expected: SESSION_HEADER,
                    at_end_of_file: true,
                }
            };
            return Err(SessionFileError::new(
                &path,
                Some(line_offset + 1),
                None,
                kind,
            ));
        };
        check_header(&record, &SESSION_COLUMNS, SESSION_HEADER).map_err(|(field, kind)| {
            SessionFileError::new(&path, Some(header_line), field, kind)
        })?;
        let (sample_rate_hz, rate_line) = rate.ok_or_else(|| {
            SessionFileError::new(
                &path,
                Some(header_line),
                Some(SAMPLE_RATE_KEY),
                ErrorKind::MissingRate,
            )
        })?;
        Ok(Self {
            path,
            csv,
            record,
            metadata: Metadata {
                sample_rate_hz,
                rate_line,
                entries,
            },
            header_line,
            timeline: Timeline::new(sample_rate_hz),
        })
    }

    /// The file's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The declared sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.metadata.sample_rate_hz
    }

    /// The file name given at construction.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Line of the header (1-based).
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// Index the next sample will have: after the whole file, the session length in
    /// samples, gaps included.
    pub fn next_index(&self) -> u64 {
        self.timeline.next_index()
    }

    /// What has been read so far.
    pub fn stats(&self) -> ReadStats {
        self.timeline.stats()
    }

    /// The next row or gap; `Ok(None)` at the end of the file or after an error.
    pub fn next_item(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        self.next_timed_item()
    }

    /// An error at `line`, about the row just read.
    fn error(&self, line: u64, field: Option<&'static str>, kind: ErrorKind) -> SessionFileError {
        let (field, kind) = blame_line_endings(&self.record, field, kind);
        SessionFileError::new(&self.path, Some(line), field, kind)
    }
}

impl<R: Read> TimedRows for CsvSessionReader<R> {
    fn timeline(&mut self) -> &mut Timeline {
        &mut self.timeline
    }

    fn read_row(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        let line = match self.csv.read(&mut self.record) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(None),
            Err((line, kind)) => return Err(self.error(line, None, kind)),
        };
        if self.record.len() != SESSION_COLUMNS.len() {
            return Err(self.error(
                line,
                SESSION_COLUMNS.get(self.record.len()).copied(),
                ErrorKind::FieldCount {
                    expected: SESSION_COLUMNS.len(),
                    found: self.record.len(),
                },
            ));
        }
        let [t_name, p_name, f_name] = SESSION_COLUMNS;
        let text = |i: usize| field(&self.record, i);
        let t_s = parse_f64(text(0)).map_err(|k| self.error(line, Some(t_name), k))?;
        let pressure = parse_f32(text(1)).map_err(|k| self.error(line, Some(p_name), k))?;
        let flow = parse_f32(text(2)).map_err(|k| self.error(line, Some(f_name), k))?;
        let sample = Sample::new(pressure, flow);
        let item = (self.timeline.accept(t_s, sample, line))
            .map_err(|(field, kind)| self.error(line, field, kind))?;
        Ok(Some(item))
    }
}

impl<R: Read> Iterator for CsvSessionReader<R> {
    type Item = Result<SessionItem, SessionFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

impl<R: Read> std::iter::FusedIterator for CsvSessionReader<R> {}

/// Any reader of sessions (CSV or another format) that yields [`SessionItem`]s gives
/// the engine's input through this.
impl From<SessionItem> for SourceItem {
    fn from(item: SessionItem) -> Self {
        match item {
            SessionItem::Row(row) => SourceItem::Sample {
                index: row.index,
                sample: row.sample,
            },
            SessionItem::Gap(gap) => SourceItem::Gap {
                start_index: gap.start_index,
                missing: gap.missing,
            },
        }
    }
}

/// The metadata pairs, the rate with its line, the number of lines consumed, and the
/// bytes of the header's line consumed with them (its leading blanks).
type MetadataLines = (Vec<(String, String)>, Option<(f64, u64)>, u64, usize);

/// Reads the `# key: value` lines (and blank lines) before the header, leaving the reader
/// at the header's first byte.
fn read_metadata<R: Read>(
    reader: &mut BufReader<R>,
    path: &Path,
) -> Result<MetadataLines, SessionFileError> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut rate = None;
    let mut lines = 0u64;
    let mut line = Vec::new();
    // Leading blanks skipped on the current line: they count towards its length.
    let mut leading = 0usize;
    loop {
        if !skip_leading_blanks(reader, &mut leading, lines + 1, path)? {
            return Ok((entries, rate, lines, leading));
        }
        lines += 1;
        read_metadata_line(reader, &mut line, std::mem::take(&mut leading), lines, path)?;
        let text = line.trim_ascii();
        let Some(body) = text.strip_prefix(b"#") else {
            continue; // a blank line
        };
        add_metadata(&mut entries, &mut rate, body, text, lines, path)?;
    }
}

/// Skips the leading blanks of line `line` (1-based), adding their count to `leading`,
/// and tells whether a metadata or blank line follows them (rather than the header).
fn skip_leading_blanks<R: Read>(
    reader: &mut BufReader<R>,
    leading: &mut usize,
    line: u64,
    path: &Path,
) -> Result<bool, SessionFileError> {
    loop {
        let buffer = reader
            .fill_buf()
            .map_err(|e| SessionFileError::new(path, Some(line), None, ErrorKind::Io(e)))?;
        // Leading spaces, tabs and stray `\r`s of a line are skipped before telling a
        // metadata or blank line from the header (whose fields are trimmed anyway), so
        // that `  \n` is blank like `\r\n` and `\rjunk` is not mistaken for one.
        let spaces = buffer
            .iter()
            .take_while(|&&b| b.is_ascii_whitespace() && b != b'\n')
            .count();
        if spaces == 0 {
            return Ok(matches!(buffer.first(), Some(b'#' | b'\n')));
        }
        reader.consume(spaces);
        *leading += spaces;
        if *leading > MAX_LINE_BYTES {
            let kind = ErrorKind::LineTooLong {
                max_bytes: MAX_LINE_BYTES,
            };
            return Err(SessionFileError::new(path, Some(line), None, kind));
        }
    }
}

/// Reads the metadata or blank line `number` (1-based) into `line`, `\n` included; an
/// error if it holds a bare `\r` (lines run together), or if, with the `leading` blanks
/// already skipped, it is longer than [`MAX_METADATA_LINE_BYTES`] (read no further than
/// that, so memory stays bounded).
fn read_metadata_line<R: Read>(
    reader: &mut BufReader<R>,
    line: &mut Vec<u8>,
    leading: usize,
    number: u64,
    path: &Path,
) -> Result<(), SessionFileError> {
    line.clear();
    let read = reader
        .by_ref()
        .take(MAX_METADATA_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|e| SessionFileError::new(path, Some(number), None, ErrorKind::Io(e)))?;
    if has_bare_cr(line) {
        let kind = ErrorKind::BareCarriageReturn;
        return Err(SessionFileError::new(path, Some(number), None, kind));
    }
    if read + leading > MAX_METADATA_LINE_BYTES {
        return Err(SessionFileError::new(
            path,
            Some(number),
            None,
            ErrorKind::LineTooLong {
                max_bytes: MAX_METADATA_LINE_BYTES,
            },
        ));
    }
    Ok(())
}

/// The metadata line `line` (`text` trimmed, `body` after its `#`) added to `entries`;
/// the sample rate, with its line, kept in `rate`.
fn add_metadata(
    entries: &mut Vec<(String, String)>,
    rate: &mut Option<(f64, u64)>,
    body: &[u8],
    text: &[u8],
    line: u64,
    path: &Path,
) -> Result<(), SessionFileError> {
    let err = |field, kind| SessionFileError::new(path, Some(line), field, kind);
    let (key, value) = split_metadata(body)
        .ok_or_else(|| err(None, ErrorKind::MalformedMetadata { text: quote(text) }))?;
    if entries.len() == MAX_METADATA_ENTRIES {
        let kind = ErrorKind::TooMany {
            max: MAX_METADATA_ENTRIES,
            what: "`# key: value` metadata lines",
        };
        return Err(err(None, kind));
    }
    if entries.iter().any(|(k, _)| *k == key) {
        let field = (key == SAMPLE_RATE_KEY).then_some(SAMPLE_RATE_KEY);
        return Err(err(field, ErrorKind::DuplicateMetadata { key }));
    }
    if key == SAMPLE_RATE_KEY {
        let rate_hz = value
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0)
            .ok_or_else(|| {
                let kind = ErrorKind::InvalidRate {
                    text: value.clone(),
                };
                err(Some(SAMPLE_RATE_KEY), kind)
            })?;
        *rate = Some((rate_hz, line));
    }
    entries.push((key, value));
    Ok(())
}

/// `key: value` from the text after `#`: the key is non-empty and made of ASCII letters,
/// digits, `_`, `-` and `.`; the value is valid UTF-8. Both are trimmed.
fn split_metadata(body: &[u8]) -> Option<(String, String)> {
    let colon = body.iter().position(|&b| b == b':')?;
    let key = body[..colon].trim_ascii();
    let value = body[colon + 1..].trim_ascii();
    let key_ok = !key.is_empty()
        && key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !key_ok {
        return None;
    }
    let key = std::str::from_utf8(key).ok()?;
    let value = std::str::from_utf8(value).ok()?;
    Some((key.to_owned(), value.to_owned()))
}
