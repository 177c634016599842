//! Streaming reader for Parquet sessions: `NAME.parquet`, or a session of a fleet
//! dataset stored as several Parquet files read one after the other (see
//! [`session_files`](crate::session_files) for the fleet layout).
//!
//! The columns are the CSV format's (DESIGN §3), found by name, in any order, beside any
//! others (which are ignored): `t_s` (s since session start), `pressure_mmhg` (gauge,
//! mmHg) and `flow_ml_min` (mL/min), each `DOUBLE` (f64) or `FLOAT` (f32), required or
//! nullable (but holding no null). The engine computes in f32, so the channels are
//! narrowed to f32 as the CSV reader parses them; `t_s` is kept as f64, whose 2^53
//! exact steps place any sample of any session. Our own writer
//! ([`session_parquet_writer`](crate::session_parquet_writer)) writes `t_s` as DOUBLE and
//! the channels as FLOAT: the values the engine sees, exactly, in 16 bytes a sample.
//!
//! The session's metadata is in the file's key-value metadata: `sample_rate_hz` (Hz,
//! required) and any other entries (`profile`, …) a CSV file carries as `# key: value`
//! lines. Entries that describe the file's encoding rather than the session (`ARROW:*`,
//! `pandas`, which pyarrow adds) are left out.
//!
//! Rows are placed in time by the same timeline as CSV rows (the private `Timeline`): the
//! same gaps and the same errors. An error names the file, the row group and the row within
//! it ([`RowPosition`]), the column and the reason. A [`Row::line`](crate::Row::line) read
//! from Parquet is the row's number in its file counted from 1. Rows are read in batches
//! of [`BATCH_ROWS`] into buffers reused for the whole session: reading a row allocates
//! nothing.

use crate::error::{ErrorKind, RowPosition, SessionFileError};
use crate::session_csv::{Metadata, ReadStats, SessionItem, SAMPLE_RATE_KEY, SESSION_COLUMNS};
use crate::session_timeline::{TimedRows, Timeline};
use letdown_engine::Sample;
use parquet::basic::Type as PhysicalType;
use parquet::column::reader::ColumnReaderImpl;
use parquet::data_type::{DoubleType, FloatType};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader, RowGroupMetaData};
use parquet::file::serialized_reader::SerializedPageReader;
use parquet::schema::types::ColumnDescPtr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows decoded at a time from each column: large enough that the per-call cost of the
/// Parquet decoder vanishes, small enough to stay in the L2 cache (3 × 32 KiB).
pub const BATCH_ROWS: usize = 4096;

/// The physical types a session column may have, in words.
const COLUMN_TYPES: &str = "DOUBLE or FLOAT (f64 or f32)";

/// Streaming reader of a Parquet session (one file, or the files of one fleet session in
/// turn). After the first error it yields nothing more.
pub struct ParquetSessionReader {
    /// The files after the current one.
    later_files: std::vec::IntoIter<PathBuf>,
    part: Part,
    metadata: Metadata,
    timeline: Timeline,
    batch: Batch,
}

/// One column's decoder over the current row group.
enum ColumnDecoder {
    F64(ColumnReaderImpl<DoubleType>),
    F32(ColumnReaderImpl<FloatType>),
}

/// The file being read.
struct Part {
    path: PathBuf,
    file: Arc<File>,
    meta: ParquetMetaData,
    /// The three session columns' descriptors and their index in the file's columns.
    columns: [(usize, ColumnDescPtr); 3],
    /// The row group to open next.
    next_group: usize,
    /// The three columns' decoders over the current row group, if one is open.
    decoders: Option<[ColumnDecoder; 3]>,
    /// The current row group, rows of it decoded so far, rows of the file before it.
    group: usize,
    group_rows_read: u64,
    rows_before_group: u64,
}

/// Decoded rows waiting to be placed, in the types the engine takes, with scratch
/// buffers reused across batches.
#[derive(Default)]
struct Batch {
    t_s: Vec<f64>,
    /// Pressure (mmHg) and flow (mL/min).
    channels: [Vec<f32>; 2],
    scratch_f64: Vec<f64>,
    scratch_f32: Vec<f32>,
    levels: Vec<i16>,
    /// Next row of the batch to place, and rows in the batch.
    next: usize,
    len: usize,
    /// Position of the batch's first row in its row group.
    first_row: u64,
    /// The first row holding a value that is not finite (as f32 for the channels), its
    /// column and the value; `usize::MAX` when none does.
    bad_row: usize,
    bad_value: (usize, f64),
    /// Per channel stored as DOUBLE: the first row whose value is beyond f32, and the
    /// value (the error shows it rather than the infinity it narrows to).
    too_large: [Option<(usize, f64)>; 2],
}

impl ParquetSessionReader {
    /// Opens the Parquet file at `path` and reads its metadata and schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SessionFileError> {
        let path = path.as_ref();
        Self::open_parts(path, vec![path.to_path_buf()])
    }

    /// Opens a session stored as `files` (the Parquet files of the fleet session folder
    /// `folder`), read in that order as one session: the first file's metadata is the
    /// session's, and every file must declare the same rate.
    pub fn open_parts(folder: &Path, files: Vec<PathBuf>) -> Result<Self, SessionFileError> {
        let mut files = files.into_iter();
        let Some(first) = files.next() else {
            let kind = ErrorKind::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no *.parquet file in this fleet session's folder",
            ));
            return Err(SessionFileError::new(folder, None, None, kind));
        };
        let (part, metadata) = Part::open(first)?;
        Ok(Self {
            later_files: files,
            part,
            timeline: Timeline::new(metadata.sample_rate_hz),
            metadata,
            batch: Batch::default(),
        })
    }

    /// The session's metadata (its first file's).
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.part.path
    }

    /// Index the next sample will have: after the whole session, its length in samples,
    /// gaps included.
    pub fn next_index(&self) -> u64 {
        self.timeline.next_index()
    }

    /// What has been read so far.
    pub fn stats(&self) -> ReadStats {
        self.timeline.stats()
    }

    /// The next row or gap; `Ok(None)` at the end of the session or after an error.
    pub fn next_item(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        self.next_timed_item()
    }

    /// An error at row `i` of the batch.
    fn row_error(
        &self,
        i: usize,
        field: Option<&'static str>,
        kind: ErrorKind,
    ) -> SessionFileError {
        let position = RowPosition::new(self.part.group, self.batch.first_row + i as u64);
        SessionFileError::at_row(&self.part.path, position, field, kind)
    }

    /// Decodes the next batch of rows, moving on to the next row group or file when the
    /// current one is done; `false` at the end of the session.
    fn refill(&mut self) -> Result<bool, SessionFileError> {
        loop {
            if self.part.decoders.is_some() {
                let rows = self.part.decode(&mut self.batch)?;
                if rows > 0 {
                    return Ok(true);
                }
                self.part.close_group();
            }
            if self.part.open_next_group()? {
                continue;
            }
            let Some(next) = self.later_files.next() else {
                return Ok(false);
            };
            let (part, metadata) = Part::open(next)?;
            if metadata.sample_rate_hz != self.metadata.sample_rate_hz {
                let kind = ErrorKind::RateDiffers {
                    first_hz: self.metadata.sample_rate_hz,
                    rate_hz: metadata.sample_rate_hz,
                };
                return Err(SessionFileError::new(
                    &part.path,
                    None,
                    Some(SAMPLE_RATE_KEY),
                    kind,
                ));
            }
            self.part = part;
        }
    }
}

impl TimedRows for ParquetSessionReader {
    fn timeline(&mut self) -> &mut Timeline {
        &mut self.timeline
    }

    fn read_row(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        if self.batch.next == self.batch.len && !self.refill()? {
            return Ok(None);
        }
        let i = self.batch.next;
        self.batch.next += 1;
        if i == self.batch.bad_row {
            let (column, value) = self.batch.bad_value;
            let kind = ErrorKind::NonFinite {
                text: value.to_string(),
            };
            return Err(self.row_error(i, Some(SESSION_COLUMNS[column]), kind));
        }
        let b = &self.batch;
        let sample = Sample::new(b.channels[0][i], b.channels[1][i]);
        let line = self.part.rows_before_group + b.first_row + i as u64 + 1;
        match self.timeline.accept(b.t_s[i], sample, line) {
            Ok(item) => Ok(Some(item)),
            Err((field, kind)) => Err(self.row_error(i, field, kind)),
        }
    }
}

impl Iterator for ParquetSessionReader {
    type Item = Result<SessionItem, SessionFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

impl std::iter::FusedIterator for ParquetSessionReader {}

fn parquet_error(path: &Path, e: ParquetError) -> SessionFileError {
    let kind = match e {
        ParquetError::External(inner) => match inner.downcast::<std::io::Error>() {
            Ok(io) => ErrorKind::Io(*io),
            Err(other) => ErrorKind::Parquet(other.to_string()),
        },
        other => ErrorKind::Parquet(other.to_string()),
    };
    SessionFileError::new(path, None, None, kind)
}

impl Part {
    /// Opens the file at `path`: its footer, its three session columns and its metadata.
    fn open(path: PathBuf) -> Result<(Self, Metadata), SessionFileError> {
        let file = File::open(&path).map_err(|e| SessionFileError::io(&path, e))?;
        let meta = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .map_err(|e| parquet_error(&path, e))?;
        let columns = session_columns(&path, &meta)?;
        let metadata = session_metadata(&path, &meta)?;
        let part = Self {
            path,
            file: Arc::new(file),
            meta,
            columns,
            next_group: 0,
            decoders: None,
            group: 0,
            group_rows_read: 0,
            rows_before_group: 0,
        };
        Ok((part, metadata))
    }

    /// Opens the decoders of the next row group; `false` when the file has no more.
    fn open_next_group(&mut self) -> Result<bool, SessionFileError> {
        let group = self.next_group;
        if group >= self.meta.num_row_groups() {
            return Ok(false);
        }
        let group_meta = self.meta.row_group(group);
        let position = RowPosition::new(group, 0);
        let length = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        check_group(group_meta, &self.columns, length).map_err(|reason| {
            let kind = ErrorKind::Parquet(reason);
            SessionFileError::at_row(&self.path, position, None, kind)
        })?;
        let rows = usize::try_from(group_meta.num_rows()).unwrap_or(0);
        let decoder = |column| column_decoder(&self.file, group_meta, rows, column);
        let [t, p, f] = &self.columns;
        let opened = (|| Ok::<_, ParquetError>([decoder(t)?, decoder(p)?, decoder(f)?]))();
        let decoders = opened.map_err(|e| at_group(&self.path, position, e))?;
        self.decoders = Some(decoders);
        self.group = group;
        self.group_rows_read = 0;
        self.next_group += 1;
        Ok(true)
    }

    fn close_group(&mut self) {
        self.decoders = None;
        self.rows_before_group += self.group_rows_read;
        self.group_rows_read = 0;
    }

    /// Decodes up to [`BATCH_ROWS`] rows of each column into `batch`; the number of rows
    /// (0 at the end of the row group).
    fn decode(&mut self, batch: &mut Batch) -> Result<usize, SessionFileError> {
        let Some(decoders) = self.decoders.as_mut() else {
            return Ok(0);
        };
        let first_row = self.group_rows_read;
        let mut rows = [0usize; 3];
        for (c, decoder) in decoders.iter_mut().enumerate() {
            let descr = &self.columns[c].1;
            let read = read_column(c, decoder, descr, batch);
            let position = RowPosition::new(self.group, first_row);
            let (records, null_at) = read.map_err(|e| at_group(&self.path, position, e))?;
            if let Some(offset) = null_at {
                let position = RowPosition::new(self.group, first_row + offset as u64);
                let field = Some(SESSION_COLUMNS[c]);
                return Err(SessionFileError::at_row(
                    &self.path,
                    position,
                    field,
                    ErrorKind::Null,
                ));
            }
            rows[c] = records;
        }
        if rows[0] != rows[1] || rows[0] != rows[2] {
            let position = RowPosition::new(self.group, first_row);
            let kind = ErrorKind::Parquet(format!(
                "the columns hold different numbers of rows ({}, {}, {} from here)",
                rows[0], rows[1], rows[2]
            ));
            return Err(SessionFileError::at_row(&self.path, position, None, kind));
        }
        self.group_rows_read += rows[0] as u64;
        batch.find_bad_value();
        batch.next = 0;
        batch.len = rows[0];
        batch.first_row = first_row;
        Ok(rows[0])
    }
}

/// Why a row group's metadata cannot be trusted, if it cannot: the Parquet library
/// asserts (panics) on negative offsets and sizes, and indexes columns unchecked.
fn check_group(
    group: &RowGroupMetaData,
    columns: &[(usize, ColumnDescPtr); 3],
    file_length: u64,
) -> Result<(), String> {
    if group.num_rows() < 0 {
        return Err(format!("row group of {} rows", group.num_rows()));
    }
    for (index, descr) in columns {
        let Some(chunk) = group.columns().get(*index) else {
            return Err(format!("row group without column {}", descr.name()));
        };
        let start = chunk
            .dictionary_page_offset()
            .unwrap_or(chunk.data_page_offset());
        let length = chunk.compressed_size();
        let end = start.checked_add(length);
        let inside = start >= 0 && length >= 0 && end.is_some_and(|e| e as u64 <= file_length);
        if !inside {
            return Err(format!(
                "column {} is said to lie at bytes {start} … {start}+{length}, outside the \
                 file's {file_length} bytes",
                descr.name()
            ));
        }
        if chunk.column_type() != descr.physical_type() {
            return Err(format!(
                "column {} changes type in this row group",
                descr.name()
            ));
        }
    }
    Ok(())
}

/// The decoder of one session column over a row group of `rows` rows.
fn column_decoder(
    file: &Arc<File>,
    group: &RowGroupMetaData,
    rows: usize,
    (index, descr): &(usize, ColumnDescPtr),
) -> Result<ColumnDecoder, ParquetError> {
    let chunk = group.column(*index);
    let pages = Box::new(SerializedPageReader::new(
        Arc::clone(file),
        chunk,
        rows,
        None,
    )?);
    Ok(match descr.physical_type() {
        PhysicalType::DOUBLE => ColumnDecoder::F64(ColumnReaderImpl::new(descr.clone(), pages)),
        _ => ColumnDecoder::F32(ColumnReaderImpl::new(descr.clone(), pages)),
    })
}

fn at_group(path: &Path, position: RowPosition, e: ParquetError) -> SessionFileError {
    SessionFileError {
        row: Some(position),
        ..parquet_error(path, e)
    }
}

/// Reads up to [`BATCH_ROWS`] values of column `column` (0: `t_s`, 1: pressure, 2:
/// flow) into `batch`; the number of rows read and, if one of them is null, its offset
/// in the batch. Values are decoded into the scratch buffer of their stored type, which
/// is swapped in when it is the batch's type and converted otherwise.
fn read_column(
    column: usize,
    decoder: &mut ColumnDecoder,
    descr: &ColumnDescPtr,
    batch: &mut Batch,
) -> Result<(usize, Option<usize>), ParquetError> {
    let Batch {
        scratch_f64,
        scratch_f32,
        levels,
        ..
    } = batch;
    scratch_f64.clear();
    scratch_f32.clear();
    levels.clear();
    let levels_out = (descr.max_def_level() > 0).then_some(&mut *levels);
    let (records, values, _) = match decoder {
        ColumnDecoder::F64(r) => r.read_records(BATCH_ROWS, levels_out, None, scratch_f64)?,
        ColumnDecoder::F32(r) => r.read_records(BATCH_ROWS, levels_out, None, scratch_f32)?,
    };
    let from_f64 = matches!(decoder, ColumnDecoder::F64(_));
    match (column, from_f64) {
        (0, true) => std::mem::swap(&mut batch.t_s, &mut batch.scratch_f64),
        (0, false) => {
            batch.t_s.clear();
            batch
                .t_s
                .extend(batch.scratch_f32.iter().map(|&v| f64::from(v)));
        }
        (c, false) => {
            std::mem::swap(&mut batch.channels[c - 1], &mut batch.scratch_f32);
            batch.too_large[c - 1] = None;
        }
        (c, true) => {
            let out = &mut batch.channels[c - 1];
            out.clear();
            // Narrowed as the CSV reader parses a channel: to the nearest f32.
            out.extend(batch.scratch_f64.iter().map(|&v| v as f32));
            let too_large = out.iter().position(|v| v.is_infinite());
            batch.too_large[c - 1] = too_large.map(|row| (row, batch.scratch_f64[row]));
        }
    }
    if values == records {
        return Ok((records, None));
    }
    let max = descr.max_def_level();
    let null_at = batch.levels.iter().position(|&level| level < max);
    Ok((records, Some(null_at.unwrap_or(values))))
}

impl Batch {
    /// Finds the first row with a value that is not finite (NaN, infinite, or a double
    /// too large for the engine's f32), in one pass over each column.
    fn find_bad_value(&mut self) {
        let t = self.t_s.iter().position(|v| !v.is_finite());
        let [p, f] = self
            .channels
            .each_ref()
            .map(|c| c.iter().position(|v| !v.is_finite()));
        let first = [t, p, f]
            .into_iter()
            .enumerate()
            .filter_map(|(column, row)| Some((row?, column)))
            .min();
        let Some((row, column)) = first else {
            self.bad_row = usize::MAX;
            return;
        };
        self.bad_row = row;
        let value = match column {
            0 => self.t_s[row],
            c => match self.too_large[c - 1] {
                Some((at, value)) if at == row => value,
                _ => f64::from(self.channels[c - 1][row]),
            },
        };
        self.bad_value = (column, value);
    }
}

/// The three session columns of the file at `path`: each present, top-level, not
/// repeated, DOUBLE or FLOAT.
fn session_columns(
    path: &Path,
    meta: &ParquetMetaData,
) -> Result<[(usize, ColumnDescPtr); 3], SessionFileError> {
    let schema = meta.file_metadata().schema_descr();
    let find = |name: &'static str| {
        let found = schema.columns().iter().enumerate().find(|(_, c)| {
            let parts = c.path().parts();
            parts.len() == 1 && parts[0] == name
        });
        let Some((index, descr)) = found else {
            let names: Vec<String> = schema.columns().iter().map(|c| c.path().string()).collect();
            let all = names.join(", ");
            let mut found: String = all.chars().take(200).collect();
            if found.len() < all.len() {
                found.push('…');
            }
            let kind = ErrorKind::MissingColumn {
                column: name,
                found,
            };
            return Err(SessionFileError::new(path, None, Some(name), kind));
        };
        let physical = descr.physical_type();
        let allowed = matches!(physical, PhysicalType::DOUBLE | PhysicalType::FLOAT);
        if !allowed || descr.max_rep_level() > 0 {
            let repeated = if descr.max_rep_level() > 0 {
                "repeated "
            } else {
                ""
            };
            let kind = ErrorKind::WrongType {
                expected: COLUMN_TYPES,
                found: format!("{repeated}{physical}"),
            };
            return Err(SessionFileError::new(path, None, Some(name), kind));
        }
        Ok((index, descr.clone()))
    };
    let [t, p, f] = SESSION_COLUMNS;
    Ok([find(t)?, find(p)?, find(f)?])
}

/// Keys of the key-value metadata that describe the file's encoding, not the session:
/// left out of [`Metadata::entries`].
fn is_encoding_key(key: &str) -> bool {
    key.starts_with("ARROW:") || key == "pandas"
}

/// The session's metadata from the file's key-value metadata: `sample_rate_hz` (required,
/// finite, > 0) and the other entries, in file order.
fn session_metadata(path: &Path, meta: &ParquetMetaData) -> Result<Metadata, SessionFileError> {
    let pairs = meta.file_metadata().key_value_metadata();
    let entries: Vec<(String, String)> = (pairs.into_iter().flatten())
        .filter(|kv| !is_encoding_key(&kv.key))
        .map(|kv| {
            (
                kv.key.trim().to_owned(),
                kv.value.as_deref().unwrap_or("").trim().to_owned(),
            )
        })
        .collect();
    let field = Some(SAMPLE_RATE_KEY);
    let rate = entries.iter().find(|(k, _)| k == SAMPLE_RATE_KEY);
    let Some((_, text)) = rate else {
        let kind = ErrorKind::MissingMetadata {
            key: SAMPLE_RATE_KEY,
        };
        return Err(SessionFileError::new(path, None, field, kind));
    };
    let sample_rate_hz = (text.parse::<f64>().ok())
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| {
            let kind = ErrorKind::InvalidRate { text: text.clone() };
            SessionFileError::new(path, None, field, kind)
        })?;
    Ok(Metadata {
        sample_rate_hz,
        rate_line: 0,
        entries,
    })
}
