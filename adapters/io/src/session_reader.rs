//! The reader every replay opens sessions with: [`SessionReader::open`] picks the format
//! from the name, so the replay loop, `letdown evaluate` and the Python package read
//! CSV and Parquet sessions through one entry point.
//!
//! - `NAME.csv`, `NAME.csv.gz`, or any other file: CSV ([`CsvSessionReader`]);
//! - `NAME.parquet`: a Parquet session ([`ParquetSessionReader`]);
//! - a folder: one session of a fleet dataset, its `*.parquet` files read in turn
//!   ([`fleet_session_files`] says which, in what order).
//!
//! A session held as columns in memory reads through the same reader
//! ([`SessionReader::from_columns`], [`ColumnsSessionReader`]).

use crate::error::SessionFileError;
use crate::input_file::InputFile;
use crate::session_columns::ColumnsSessionReader;
use crate::session_csv::{CsvSessionReader, Metadata, ReadStats, SessionItem};
use crate::session_files::{fleet_session_files, fleet_session_id, is_parquet_name};
use crate::session_parquet::ParquetSessionReader;
use crate::session_timeline::TimedRows;
use letdown_engine::{SampleSource, SourceItem};
use std::io::Read;
use std::path::Path;

/// A session being read, from CSV bytes `R`, from Parquet files or from columns in
/// memory. Iterate it (or call [`next_item`](Self::next_item)) to get rows and gaps; after
/// the first error it yields nothing more.
pub struct SessionReader<R: Read = InputFile> {
    format: Format<R>,
}

/// Boxed: the readers are hundreds of bytes, and a reader is moved around whole.
enum Format<R: Read> {
    Csv(Box<CsvSessionReader<R>>),
    Parquet(Box<ParquetSessionReader>),
    Columns(Box<ColumnsSessionReader>),
}

impl SessionReader<InputFile> {
    /// Reads the session held as `columns` in memory.
    pub fn from_columns(columns: ColumnsSessionReader) -> Self {
        Self {
            format: Format::Columns(Box::new(columns)),
        }
    }

    /// Opens the session at `path`, in the format its name says (see the module).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SessionFileError> {
        let path = path.as_ref();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let format = if path.is_dir() {
            if fleet_session_id(name).is_none() {
                return Err(SessionFileError::io(path, not_a_session_folder()));
            }
            let files = fleet_session_files(path).map_err(|e| SessionFileError::io(path, e))?;
            Format::Parquet(Box::new(ParquetSessionReader::open_parts(path, files)?))
        } else if is_parquet_name(name) {
            Format::Parquet(Box::new(ParquetSessionReader::open(path)?))
        } else {
            Format::Csv(Box::new(CsvSessionReader::open(path)?))
        };
        Ok(Self { format })
    }
}

/// Why a folder not named as a fleet session's is not opened as one.
fn not_a_session_folder() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "a folder, not a session: name one session file (NAME.csv, NAME.csv.gz, \
         NAME.parquet) or a fleet session's folder (session_id=<ID>)",
    )
}

impl<R: Read> SessionReader<R> {
    /// Reads a CSV session from `inner`; `path` names the source in errors.
    pub fn new(inner: R, path: impl Into<std::path::PathBuf>) -> Result<Self, SessionFileError> {
        let format = Format::Csv(Box::new(CsvSessionReader::new(inner, path)?));
        Ok(Self { format })
    }

    /// The session's metadata.
    pub fn metadata(&self) -> &Metadata {
        match &self.format {
            Format::Csv(r) => r.metadata(),
            Format::Parquet(r) => r.metadata(),
            Format::Columns(r) => r.metadata(),
        }
    }

    /// The declared sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.metadata().sample_rate_hz
    }

    /// The file being read (a CSV file: the name given at construction).
    pub fn path(&self) -> &Path {
        match &self.format {
            Format::Csv(r) => r.path(),
            Format::Parquet(r) => r.path(),
            Format::Columns(r) => r.path(),
        }
    }

    /// Line of a CSV file's header (1-based); 0 for Parquet, which has none.
    pub fn header_line(&self) -> u64 {
        match &self.format {
            Format::Csv(r) => r.header_line(),
            Format::Parquet(_) | Format::Columns(_) => 0,
        }
    }

    /// Index the next sample will have: after the whole session, its length in samples,
    /// gaps included.
    pub fn next_index(&self) -> u64 {
        match &self.format {
            Format::Csv(r) => r.next_index(),
            Format::Parquet(r) => r.next_index(),
            Format::Columns(r) => r.timeline.next_index(),
        }
    }

    /// What has been read so far.
    pub fn stats(&self) -> ReadStats {
        match &self.format {
            Format::Csv(r) => r.stats(),
            Format::Parquet(r) => r.stats(),
            Format::Columns(r) => r.timeline.stats(),
        }
    }

    /// The next row or gap; `Ok(None)` at the end or after an error.
    pub fn next_item(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        match &mut self.format {
            Format::Csv(r) => r.next_item(),
            Format::Parquet(r) => r.next_item(),
            Format::Columns(r) => r.next_timed_item(),
        }
    }
}

impl<R: Read> Iterator for SessionReader<R> {
    type Item = Result<SessionItem, SessionFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

impl<R: Read> std::iter::FusedIterator for SessionReader<R> {}

/// A session file (CSV or Parquet) drives an engine like any session ([`letdown_engine::drive`]): rows
/// become samples, reported gaps one gap each; a malformed row ends it with its error.
impl<R: Read> SampleSource for SessionReader<R> {
    type Error = SessionFileError;

    fn next_item(&mut self) -> Result<Option<SourceItem>, SessionFileError> {
        Ok(SessionReader::next_item(self)?.map(SourceItem::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_a_session_only_when_named_as_a_fleet_sessions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = dir.path().join("sessions");
        std::fs::create_dir(&plain).expect("mkdir");
        let e = SessionReader::open(&plain).err().expect("refused");
        assert!(e.to_string().contains("a folder, not a session"), "{e}");
        // Named as a fleet session's, it is opened as one (and refused for holding no part).
        let fleet = dir.path().join("session_id=a");
        std::fs::create_dir(&fleet).expect("mkdir");
        let e = SessionReader::open(&fleet).err().expect("refused");
        assert!(e.to_string().contains("no *.parquet file"), "{e}");
    }
}
