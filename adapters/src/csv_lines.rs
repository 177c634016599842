//! CSV records with exact line numbers.
//!
//! The `csv` crate skips blank lines and, with its default terminator, ends a record at
//! `\r`; its record positions then point before the skipped lines, so they cannot name
//! the line a bad row stands on. Here `\n` alone ends a record (a `\r` before it is
//! trimmed as whitespace), the stream is made to end with `\n`, and a record's line is
//! the line count after its terminator minus one. Blank and whitespace-only lines are
//! skipped, whatever their line ending.

use crate::csv_fields::{csv_error_kind, field};
use crate::error::ErrorKind;
use std::io::{self, Read};

/// Reads CSV records and tells the line each stands on.
pub(crate) struct CsvLines<R: Read> {
    csv: csv::Reader<EndsWithNewline<R>>,
    /// Lines before the CSV part of the file (consumed by the caller).
    line_offset: u64,
}

impl<R: Read> CsvLines<R> {
    /// Records from `inner`, whose first line is line `line_offset + 1` of the file.
    /// Fields are left untrimmed (read them with [`field`]); records may have any length (the
    /// formats count fields themselves, for better errors); no header handling.
    pub(crate) fn new(inner: R, line_offset: u64) -> Self {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(64 * 1024)
            .from_reader(EndsWithNewline::new(inner));
        Self { csv, line_offset }
    }

    /// Reads the next non-blank record into `record` (reusing its storage) and returns
    /// its 1-based line; `Ok(None)` at the end. An error comes with the line it was met.
    pub(crate) fn read(
        &mut self,
        record: &mut csv::ByteRecord,
    ) -> Result<Option<u64>, (u64, ErrorKind)> {
        loop {
            match self.csv.read_byte_record(record) {
                Ok(false) => return Ok(None),
                Ok(true) if record.len() == 1 && field(record, 0).is_empty() => continue,
                Ok(true) => {
                    let end_line = self.csv.position().line();
                    return Ok(Some(self.line_offset + end_line.saturating_sub(1)));
                }
                Err(e) => {
                    return Err((
                        self.line_offset + self.csv.position().line(),
                        csv_error_kind(e),
                    ))
                }
            }
        }
    }
}

/// Passes a stream through and adds a final `\n` when it does not end with one, so that
/// every record, the last included, ends with a line terminator.
struct EndsWithNewline<R> {
    inner: R,
    /// Last byte passed on; `None` before the first.
    last: Option<u8>,
    done: bool,
}

impl<R> EndsWithNewline<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            last: None,
            done: false,
        }
    }
}

impl<R: Read> Read for EndsWithNewline<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if let Some(&last) = buf[..n].last() {
            self.last = Some(last);
            return Ok(n);
        }
        self.done = true;
        match self.last {
            Some(b'\n') | None => Ok(0),
            Some(_) => {
                buf[0] = b'\n';
                Ok(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u64, usize)> {
        let mut reader = CsvLines::new(text.as_bytes(), 10);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Ok(Some(line)) = reader.read(&mut record) {
            out.push((line, record.len()));
        }
        out
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_a_missing_final_newline() {
        assert_eq!(lines("a,b\n1,2\n3,4\n"), [(11, 2), (12, 2), (13, 2)]);
        assert_eq!(
            lines("a,b\r\n\r\n1,2\r\n  \r\n3"),
            [(11, 2), (13, 2), (15, 1)]
        );
        assert_eq!(lines("\n\na\n\n"), [(13, 1)]);
        assert_eq!(lines(""), []);
    }
}
