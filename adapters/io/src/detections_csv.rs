//! Detection files `NAME.detections.csv`: the onsets and ends a detector reported for
//! one session, saved so they can be scored later (DESIGN §6).
//!
//! ```text
//! t_s,kind,reason,confidence
//! 95.321,onset,letdown_detected,0.93
//! 180.5,end,flow_faded,0.8
//! ```
//!
//! Time in s since session start, kind `onset` or `end`, the engine's reason in
//! snake_case (as [`Reason`]'s `Display` writes it), confidence 0 … 1. Rows in
//! non-decreasing time order.

use crate::csv_fields::{field, invalid_input, parse_f32, parse_f64, push_fixed, quote};
use crate::csv_table::CsvTable;
use crate::error::{ErrorKind, SessionFileError};
use crate::input_file::InputFile;
use crate::session_writer::time_decimals;
use letdown_engine::{Event, EventKind, Reason};
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;

/// The header of a detection file.
pub const DETECTIONS_HEADER: &str = "t_s,kind,reason,confidence";
/// Its columns, in order.
pub const DETECTIONS_COLUMNS: [&str; 4] = ["t_s", "kind", "reason", "confidence"];
/// Most detections a file may hold: an ejection gives two, a session a few per 15
/// minutes, so this covers weeks of pumping while bounding the reader's memory (24 bytes
/// each).
pub const MAX_DETECTIONS: usize = 100_000;
/// Decimal places of confidence.
pub const CONFIDENCE_DECIMALS: usize = 3;

/// Whether a detection is an ejection's onset or its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetectionKind {
    /// An ejection's onset.
    Onset,
    /// An ejection's end (its flow has decayed).
    End,
}

/// One detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// When it was detected, s since session start.
    pub t_s: f64,
    /// Onset or end.
    pub kind: DetectionKind,
    /// The engine's reason.
    pub reason: Reason,
    /// The engine's confidence, 0 … 1.
    pub confidence: f32,
}

impl Detection {
    /// The detection an engine event carries, at `sample_index / sample_rate_hz`;
    /// `None` for plain hints.
    pub fn from_event(event: &Event, sample_rate_hz: f64) -> Option<Self> {
        let kind = match event.kind {
            EventKind::Onset => DetectionKind::Onset,
            EventKind::End => DetectionKind::End,
            EventKind::Hint => return None,
        };
        Some(Self {
            t_s: event.sample_index as f64 / sample_rate_hz,
            kind,
            reason: event.reason,
            confidence: event.confidence,
        })
    }
}

impl fmt::Display for DetectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DetectionKind::Onset => "onset",
            DetectionKind::End => "end",
        })
    }
}

/// The [`Reason`] whose `Display` text is `text` (the engine's `Reason::from_str`).
pub fn parse_reason(text: &str) -> Option<Reason> {
    text.parse().ok()
}

/// Reads the detection file at `path` (gzip-decompressed as it is read when the name
/// ends in `.gz`).
pub fn read_detections(path: impl AsRef<Path>) -> Result<Vec<Detection>, SessionFileError> {
    let path = path.as_ref();
    let file = InputFile::open(path).map_err(|e| SessionFileError::io(path, e))?;
    parse_detections(file, path)
}

/// Reads a detection file from `inner`; `path` names the source in errors.
pub fn parse_detections<R: Read>(
    inner: R,
    path: &Path,
) -> Result<Vec<Detection>, SessionFileError> {
    let mut table = CsvTable::open(inner, path)?;
    table.check_header(&DETECTIONS_COLUMNS, DETECTIONS_HEADER)?;
    let mut detections: Vec<Detection> = Vec::new();
    while let Some(line) = table.next_row()? {
        if detections.len() == MAX_DETECTIONS {
            return Err(table.too_many(line, MAX_DETECTIONS, "detections"));
        }
        table.check_field_count(line, &DETECTIONS_COLUMNS)?;
        let detection = parse_row(&table, line, detections.last())?;
        detections.push(detection);
    }
    Ok(detections)
}

/// The detection on the current row of `table` (at `line`), after `previous`.
fn parse_row<R: Read>(
    table: &CsvTable<'_, R>,
    line: u64,
    previous: Option<&Detection>,
) -> Result<Detection, SessionFileError> {
    let [t_name, kind_name, reason_name, confidence_name] = DETECTIONS_COLUMNS;
    let err = |field: &'static str, kind: ErrorKind| table.error(line, Some(field), kind);
    let text = |i: usize| field(table.record(), i);
    let t_s = parse_f64(text(0)).map_err(|k| err(t_name, k))?;
    if t_s < 0.0 {
        return Err(err(t_name, ErrorKind::NegativeTime { t_s }));
    }
    if let Some(previous) = previous.filter(|d| d.t_s > t_s) {
        let previous_s = previous.t_s;
        return Err(err(t_name, ErrorKind::OutOfOrder { previous_s, t_s }));
    }
    let kind = match text(1) {
        b"onset" => DetectionKind::Onset,
        b"end" => DetectionKind::End,
        other => {
            let text = quote(other);
            let expected = "`onset` or `end`";
            return Err(err(kind_name, ErrorKind::UnknownValue { text, expected }));
        }
    };
    let reason = std::str::from_utf8(text(2))
        .ok()
        .and_then(parse_reason)
        .ok_or_else(|| {
            let text = quote(text(2));
            let expected = "an engine reason such as `letdown_detected`";
            err(reason_name, ErrorKind::UnknownValue { text, expected })
        })?;
    let confidence = parse_f32(text(3)).map_err(|k| err(confidence_name, k))?;
    if !(0.0..=1.0).contains(&confidence) {
        let value = f64::from(confidence);
        let range = "0 … 1";
        return Err(err(confidence_name, ErrorKind::OutOfRange { value, range }));
    }
    Ok(Detection {
        t_s,
        kind,
        reason,
        confidence,
    })
}

/// Streaming writer of one detection file. Call [`finish`](Self::finish) to flush.
pub struct DetectionsWriter<W: Write> {
    out: W,
    time_decimals: usize,
    previous_t_s: f64,
    line: Vec<u8>,
}

impl<W: Write> DetectionsWriter<W> {
    /// Writes the header. Times are written with the precision a session at
    /// `sample_rate_hz` needs (see [`time_decimals`]).
    pub fn new(mut out: W, sample_rate_hz: f64) -> io::Result<Self> {
        out.write_all(DETECTIONS_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(Self {
            out,
            time_decimals: time_decimals(sample_rate_hz),
            previous_t_s: 0.0,
            line: Vec::with_capacity(64),
        })
    }

    /// Writes one detection. Times must be finite, ≥ 0 and non-decreasing, confidence
    /// within 0 … 1 (NaN is refused); otherwise `InvalidInput`.
    pub fn write(&mut self, detection: &Detection) -> io::Result<()> {
        let ok = detection.t_s.is_finite()
            && detection.t_s >= self.previous_t_s
            && (0.0..=1.0).contains(&detection.confidence);
        if !ok {
            return Err(invalid_input(format!(
                "detection {detection:?} cannot be written: time must be finite and not \
                 before {} s, confidence within 0 … 1",
                self.previous_t_s
            )));
        }
        self.previous_t_s = detection.t_s;
        self.line.clear();
        push_fixed(&mut self.line, detection.t_s, self.time_decimals);
        // Writing into a Vec cannot fail.
        let _ = write!(self.line, ",{},{},", detection.kind, detection.reason);
        push_fixed(
            &mut self.line,
            f64::from(detection.confidence),
            CONFIDENCE_DECIMALS,
        );
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes `detections` as a detection file (see [`DetectionsWriter`]).
pub fn write_detections<W: Write>(
    out: W,
    sample_rate_hz: f64,
    detections: &[Detection],
) -> io::Result<W> {
    let mut writer = DetectionsWriter::new(out, sample_rate_hz)?;
    for d in detections {
        writer.write(d)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_parses_back() {
        for r in Reason::ALL {
            assert_eq!(parse_reason(&r.to_string()), Some(r));
        }
        assert_eq!(parse_reason("letdown"), None);
    }
}
