//! Writer of Parquet sessions, the counterpart of
//! [`ParquetSessionReader`](crate::session_parquet::ParquetSessionReader).
//!
//! Columns `t_s` (DOUBLE, s), `pressure_mmhg` and `flow_ml_min` (FLOAT: the engine's f32,
//! stored exactly), all required; `sample_rate_hz` and the other metadata entries in the
//! file's key-value metadata. As the CSV writer does, each row's time is computed from
//! its sample index (`index / sample_rate_hz`), so a written file always agrees with its
//! rate, and absent samples are left out with [`ParquetSessionWriter::skip`].
//!
//! Rows go out in row groups of [`ROW_GROUP_ROWS`], plain-encoded (floats from sensors
//! hardly repeat, so a dictionary would only cost), uncompressed by default or
//! Snappy-compressed ([`Codec`]).

use crate::session_csv::{SAMPLE_RATE_KEY, SESSION_COLUMNS};
use crate::session_writer::{check_rate, repeats_rate};
use letdown_engine::Sample;
use parquet::basic::{Compression, Repetition, Type as PhysicalType};
use parquet::data_type::{DoubleType, FloatType};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Rows a row group holds: about two minutes at 1 kHz, 2 MiB of values in memory while
/// writing; large enough that each column chunk compresses well.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// How the column pages are compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Codec {
    /// Not at all: 16 bytes a sample (as much as the CSV text), read about 1.6× faster
    /// than Snappy (`cargo bench --bench replay -- replay_parquet`): replays are what
    /// these files are for.
    #[default]
    Uncompressed,
    /// Snappy, pyarrow's default: about 7 bytes a sample on simulated sessions, for
    /// storage.
    Snappy,
}

/// Streaming writer of one Parquet session; call [`finish`](Self::finish) to write the
/// last row group and the footer (a file not finished is not a Parquet file).
pub struct ParquetSessionWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    sample_rate_hz: f64,
    next_index: u64,
    t_s: Vec<f64>,
    pressure: Vec<f32>,
    flow: Vec<f32>,
}

impl ParquetSessionWriter<BufWriter<File>> {
    /// Creates (or truncates) `path`; see [`new`](ParquetSessionWriter::new).
    pub fn create<K: AsRef<str>, V: AsRef<str>>(
        path: impl AsRef<Path>,
        sample_rate_hz: f64,
        metadata: &[(K, V)],
        codec: Codec,
    ) -> io::Result<Self> {
        let out = BufWriter::new(File::create(path)?);
        Self::new(out, sample_rate_hz, metadata, codec)
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn io_error(e: ParquetError) -> io::Error {
    match e {
        ParquetError::External(inner) => match inner.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(other) => io::Error::other(other.to_string()),
        },
        other => io::Error::other(other.to_string()),
    }
}

/// The key-value metadata: `sample_rate_hz` first, then `metadata` in order (a
/// `sample_rate_hz` entry there is skipped when it equals the rate, refused otherwise).
fn key_values<K: AsRef<str>, V: AsRef<str>>(
    sample_rate_hz: f64,
    metadata: &[(K, V)],
) -> io::Result<Vec<KeyValue>> {
    check_rate(sample_rate_hz)?;
    let mut pairs = vec![KeyValue::new(
        SAMPLE_RATE_KEY.to_owned(),
        sample_rate_hz.to_string(),
    )];
    for (key, value) in metadata {
        let (key, value) = (key.as_ref(), value.as_ref());
        if repeats_rate(key, value, sample_rate_hz)? {
            continue;
        }
        pairs.push(KeyValue::new(key.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// The session schema: `t_s` DOUBLE, `pressure_mmhg` and `flow_ml_min` FLOAT, required.
fn schema() -> Result<Type, ParquetError> {
    let [t, p, f] = SESSION_COLUMNS;
    let column = |name: &str, physical| {
        Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::REQUIRED)
            .build()
            .map(Arc::new)
    };
    Type::group_type_builder("session")
        .with_fields(vec![
            column(t, PhysicalType::DOUBLE)?,
            column(p, PhysicalType::FLOAT)?,
            column(f, PhysicalType::FLOAT)?,
        ])
        .build()
}

impl<W: Write + Send> ParquetSessionWriter<W> {
    /// Starts a session at `sample_rate_hz` (finite, > 0) with the `metadata` entries
    /// (as a reader's [`Metadata::entries`](crate::session_csv::Metadata::entries) has
    /// them) into `out`, its pages compressed with `codec`.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(
        out: W,
        sample_rate_hz: f64,
        metadata: &[(K, V)],
        codec: Codec,
    ) -> io::Result<Self> {
        let compression = match codec {
            Codec::Uncompressed => Compression::UNCOMPRESSED,
            Codec::Snappy => Compression::SNAPPY,
        };
        let properties = WriterProperties::builder()
            .set_key_value_metadata(Some(key_values(sample_rate_hz, metadata)?))
            .set_compression(compression)
            .set_dictionary_enabled(false)
            .build();
        let schema = schema().map_err(io_error)?;
        let writer = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(properties))
            .map_err(io_error)?;
        Ok(Self {
            writer,
            sample_rate_hz,
            next_index: 0,
            t_s: Vec::with_capacity(ROW_GROUP_ROWS),
            pressure: Vec::with_capacity(ROW_GROUP_ROWS),
            flow: Vec::with_capacity(ROW_GROUP_ROWS),
        })
    }

    /// Writes the next sample, at time `next_index / sample_rate_hz`. Non-finite values
    /// are refused (`InvalidInput`): the format carries finite values only.
    pub fn write_sample(&mut self, sample: Sample) -> io::Result<()> {
        let [_, p_name, f_name] = SESSION_COLUMNS;
        for (name, value) in [(p_name, sample.pressure_mmhg), (f_name, sample.flow_ml_min)] {
            if !value.is_finite() {
                return Err(invalid_input(format!(
                    "{name} {value} at sample {} cannot be written: session files carry \
                     finite values only",
                    self.next_index
                )));
            }
        }
        self.t_s.push(self.next_index as f64 / self.sample_rate_hz);
        self.pressure.push(sample.pressure_mmhg);
        self.flow.push(sample.flow_ml_min);
        self.next_index = self.next_index.saturating_add(1);
        if self.t_s.len() == ROW_GROUP_ROWS {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Leaves `missing` samples out: the next sample is written `missing` periods later.
    pub fn skip(&mut self, missing: u64) {
        self.next_index = self.next_index.saturating_add(missing);
    }

    /// Index of the next sample to be written (samples written plus skipped).
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Writes the rows held as one row group.
    fn flush_group(&mut self) -> io::Result<()> {
        if self.t_s.is_empty() {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(io_error)?;
        for c in 0..SESSION_COLUMNS.len() {
            let Some(mut column) = group.next_column().map_err(io_error)? else {
                return Err(io::Error::other("the Parquet schema lost a column"));
            };
            match c {
                0 => column
                    .typed::<DoubleType>()
                    .write_batch(&self.t_s, None, None),
                1 => column
                    .typed::<FloatType>()
                    .write_batch(&self.pressure, None, None),
                _ => column
                    .typed::<FloatType>()
                    .write_batch(&self.flow, None, None),
            }
            .map_err(io_error)?;
            column.close().map_err(io_error)?;
        }
        group.close().map_err(io_error)?;
        self.t_s.clear();
        self.pressure.clear();
        self.flow.clear();
        Ok(())
    }

    /// Writes the last row group and the footer, flushes, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_group()?;
        let mut out = self.writer.into_inner().map_err(io_error)?;
        out.flush()?;
        Ok(out)
    }
}
