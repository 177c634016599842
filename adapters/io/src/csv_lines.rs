//! CSV records with exact line numbers.
//!
//! The `csv` crate skips blank lines and, with its default terminator, ends a record at
//! `\r`; its record positions then point before the skipped lines, so they cannot name
//! the line a bad row stands on. Here `\n` alone ends a record (a `\r` before it is
//! trimmed as whitespace), the stream is made to end with `\n`, and a record's line is
//! the line count after its terminator minus one. Blank and whitespace-only lines are
//! skipped, whatever their line ending. A file whose lines end in `\r` alone reads as
//! lines run together; whatever error such a line gives is reported as its line endings
//! ([`ErrorKind::BareCarriageReturn`]), here for a line too long and by the formats for
//! their fields.
//!
//! Quotes are plain characters (none of the formats quotes a field), so a record is
//! exactly one line; and no line may be longer than [`MAX_LINE_BYTES`]: the reader's
//! memory stays bounded whatever the input (a file without a single newline included),
//! and an over-long line is refused with its line number.

use crate::csv_fields::{csv_error_kind, field, has_bare_cr};
use crate::error::ErrorKind;
use std::io::{self, Read};

/// Longest line any CSV file format accepts, bytes (without its `\n`). A session row is a
/// few dozen bytes; the limit bounds what one record may cost in memory (the parsed record
/// takes about twice its line).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads CSV records and tells the line each stands on.
pub(crate) struct CsvLines<R: Read> {
    csv: csv::Reader<LineLimit<EndsWithNewline<R>>>,
    /// Lines before the CSV part of the file (consumed by the caller).
    line_offset: u64,
}

impl<R: Read> CsvLines<R> {
    /// Records from `inner`, whose first line is line `line_offset + 1` of the file.
    /// Fields are left untrimmed (read them with [`field`]); records may have any length (the
    /// formats count fields themselves, for better errors); no header handling.
    pub(crate) fn new(inner: R, line_offset: u64) -> Self {
        Self::continuing(inner, line_offset, 0)
    }

    /// Records from `inner`, which starts `consumed` bytes into line `line_offset + 1`
    /// (the caller has read that much of it): those bytes count towards its length.
    pub(crate) fn continuing(inner: R, line_offset: u64, consumed: usize) -> Self {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .quoting(false)
            .buffer_capacity(MAX_LINE_BYTES)
            .from_reader(LineLimit::new(
                EndsWithNewline::new(inner),
                line_offset,
                consumed,
            ));
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
                    let limit = self.csv.get_ref();
                    if limit.too_long {
                        let kind = if limit.bare_cr {
                            ErrorKind::BareCarriageReturn
                        } else {
                            ErrorKind::LineTooLong {
                                max_bytes: MAX_LINE_BYTES,
                            }
                        };
                        return Err((limit.line(), kind));
                    }
                    return Err((
                        self.line_offset + self.csv.position().line(),
                        csv_error_kind(e),
                    ));
                }
            }
        }
    }
}

/// Passes a stream through, counting lines, and fails once a line grows longer than
/// [`MAX_LINE_BYTES`] (reads are cut to that size, so only the first line of a read can
/// cross the limit).
struct LineLimit<R> {
    inner: R,
    /// Lines fully passed on, the lines before the CSV part included.
    lines: u64,
    /// Bytes of the current line passed on so far.
    current: usize,
    /// Set when the limit was crossed; every later read fails too.
    too_long: bool,
    /// Set with `too_long` when the over-long line holds a bare `\r` (in the part read
    /// last): lines ending in `\r` alone run together into one, the likeliest cause.
    bare_cr: bool,
}

impl<R> LineLimit<R> {
    fn new(inner: R, line_offset: u64, consumed: usize) -> Self {
        Self {
            inner,
            lines: line_offset,
            current: consumed,
            too_long: false,
            bare_cr: false,
        }
    }

    /// The 1-based line being read.
    fn line(&self) -> u64 {
        self.lines + 1
    }

    fn refuse() -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("line longer than {MAX_LINE_BYTES} bytes"),
        )
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.too_long {
            return Err(Self::refuse());
        }
        let len = buf.len().min(MAX_LINE_BYTES);
        let n = self.inner.read(&mut buf[..len])?;
        let read = &buf[..n];
        let first = read.iter().position(|&b| b == b'\n').unwrap_or(n);
        if self.current + first > MAX_LINE_BYTES {
            self.too_long = true;
            self.bare_cr = read[..first].split(|&b| b == b',').any(has_bare_cr);
            return Err(Self::refuse());
        }
        match read.iter().rposition(|&b| b == b'\n') {
            None => self.current += n,
            Some(last) => {
                self.lines += count_newlines(read);
                self.current = n - last - 1;
            }
        }
        Ok(n)
    }
}

/// The `\n` bytes in `bytes`, counted in runs of up to 255 into a byte-wide sum, which
/// the compiler turns into wide vector compares (a plain `filter().count()` stays a loop
/// of one byte per step, a few instructions for every byte a replay reads).
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|run| run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))
        .map(u64::from)
        .sum()
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

    #[test]
    fn a_line_beyond_the_limit_is_refused_with_its_number() {
        let longest = "9".repeat(MAX_LINE_BYTES);
        let text = format!("a,b\n\n{longest}\n{longest}9\n1,2\n");
        let mut reader = CsvLines::new(text.as_bytes(), 10);
        let mut record = csv::ByteRecord::new();
        assert!(matches!(reader.read(&mut record), Ok(Some(11))));
        assert!(matches!(reader.read(&mut record), Ok(Some(13))));
        assert_eq!(field(&record, 0).len(), MAX_LINE_BYTES);
        match reader.read(&mut record) {
            Err((14, ErrorKind::LineTooLong { max_bytes })) => {
                assert_eq!(max_bytes, MAX_LINE_BYTES)
            }
            other => panic!("expected line 14 too long, got {other:?}"),
        }
    }

    #[test]
    fn newlines_are_counted_across_runs() {
        let mut bytes = vec![b'\n'; 1000];
        bytes.extend_from_slice(b"a\nb\r\n");
        assert_eq!(count_newlines(&bytes), 1002);
        assert_eq!(count_newlines(b""), 0);
    }

    #[test]
    fn quotes_are_plain_characters() {
        let mut reader = CsvLines::new(&b"\"a,b\n1\",2\n"[..], 0);
        let mut record = csv::ByteRecord::new();
        assert!(matches!(reader.read(&mut record), Ok(Some(1))));
        assert_eq!(record.len(), 2);
        assert_eq!(field(&record, 0), b"\"a");
    }
}
