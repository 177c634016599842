//! A small headed CSV file of rows (labels, detections): the BOM dropped, the header read
//! and checked, each row read with its line number, and every error naming file, line,
//! field and reason. The formats parse their own fields.

use crate::csv_fields::{blame_line_endings, check_header};
use crate::csv_lines::CsvLines;
use crate::error::{ErrorKind, SessionFileError};
use crate::without_bom::WithoutBom;
use csv::ByteRecord;
use std::io::Read;
use std::path::Path;

/// Rows of a headed CSV file, one at a time.
pub(crate) struct CsvTable<'p, R: Read> {
    csv: CsvLines<WithoutBom<R>>,
    record: ByteRecord,
    header_line: u64,
    path: &'p Path,
}

impl<'p, R: Read> CsvTable<'p, R> {
    /// Reads the header row of `inner`; `path` names the source in errors. An empty file
    /// is an error.
    pub(crate) fn open(inner: R, path: &'p Path) -> Result<Self, SessionFileError> {
        // A BOM is dropped here rather than by the CSV parser, which misses one split over
        // short reads (a pipe, a serial line).
        let inner = WithoutBom::new(inner).map_err(|e| SessionFileError::io(path, e))?;
        let mut table = Self {
            csv: CsvLines::new(inner, 0),
            record: ByteRecord::new(),
            header_line: 0,
            path,
        };
        match table.next_row()? {
            Some(line) => table.header_line = line,
            None => return Err(table.error(1, None, ErrorKind::Empty)),
        }
        Ok(table)
    }

    /// The current row: the header until [`next_row`](Self::next_row) is called.
    pub(crate) fn record(&self) -> &ByteRecord {
        &self.record
    }

    /// The header must be `columns` (`expected`: the header as text, for the message).
    pub(crate) fn check_header(
        &self,
        columns: &[&'static str],
        expected: &'static str,
    ) -> Result<(), SessionFileError> {
        check_header(&self.record, columns, expected)
            .map_err(|(field, kind)| self.error(self.header_line, field, kind))
    }

    /// Reads the next row; its line, or `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<u64>, SessionFileError> {
        self.csv
            .read(&mut self.record)
            .map_err(|(line, kind)| self.error(line, None, kind))
    }

    /// The row at `line` must have as many fields as `columns`.
    pub(crate) fn check_field_count(
        &self,
        line: u64,
        columns: &[&'static str],
    ) -> Result<(), SessionFileError> {
        let found = self.record.len();
        if found == columns.len() {
            return Ok(());
        }
        let kind = ErrorKind::FieldCount {
            expected: columns.len(),
            found,
        };
        Err(self.error(line, columns.get(found).copied(), kind))
    }

    /// The row at `line` would be one more than `max` `what`s.
    pub(crate) fn too_many(&self, line: u64, max: usize, what: &'static str) -> SessionFileError {
        self.error(line, None, ErrorKind::TooMany { max, what })
    }

    /// An error at `line` of this file, about the row just read.
    pub(crate) fn error(
        &self,
        line: u64,
        field: Option<&'static str>,
        kind: ErrorKind,
    ) -> SessionFileError {
        let (field, kind) = blame_line_endings(&self.record, field, kind);
        SessionFileError::new(self.path, Some(line), field, kind)
    }
}
