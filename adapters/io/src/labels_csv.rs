//! Label files `NAME.labels.csv` (DESIGN §3): one labelled milk ejection per row.
//!
//! ```text
//! onset_s,end_s,visible_s
//! 92.5,180.25,97.125
//! 301,390.5,
//! ```
//!
//! Header `onset_s,end_s`, or `onset_s,end_s,visible_s` (written by the simulator; an
//! empty `visible_s` cell means that ejection never becomes visible). Times in s since
//! session start. Rows are in strictly increasing onset order, each ending after its
//! onset and becoming visible no earlier than its onset. A session without ejections
//! has the header only.

use crate::csv_fields::{field, invalid_input, parse_f64, push_fixed};
use crate::csv_table::CsvTable;
use crate::error::{ErrorKind, SessionFileError};
use crate::input_file::InputFile;
use crate::session_files::{file_kind, labels_path, unreadable_reason};
use letdown_eval::labels::{Ejection, LabelFault};
use std::io::{self, Read, Write};
use std::path::Path;

/// Columns of a label file without `visible_s`.
pub const LABEL_COLUMNS: [&str; 2] = ["onset_s", "end_s"];
/// Columns of a label file with `visible_s`.
pub const LABEL_COLUMNS_VISIBLE: [&str; 3] = ["onset_s", "end_s", "visible_s"];
/// The header as described in errors.
const LABEL_HEADER: &str = "onset_s,end_s[,visible_s]";
/// Most labelled ejections a file may hold: a session has a few per 15 minutes, so this
/// covers weeks of pumping while bounding the reader's memory (24 bytes each).
pub const MAX_LABELS: usize = 100_000;
/// Decimal places of label times, s (1 µs).
pub const LABEL_DECIMALS: usize = 6;

/// Reads the label file at `path` (gzip-decompressed as it is read when the name ends in
/// `.gz`).
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<Ejection>, SessionFileError> {
    let path = path.as_ref();
    let file = InputFile::open(path).map_err(|e| SessionFileError::io(path, e))?;
    parse_labels(file, path)
}

/// Reads the label file beside the session file at `session` ([`labels_path`]): `None`
/// when there is none; an error when something by that name is there but cannot be read
/// as a file (a symbolic link loop or to nothing, a named pipe, a folder), so that a
/// session is never left unscored without a word; an error too when the session's name
/// is refused ([`labels_path`]).
pub fn read_labels_beside(session: &Path) -> Option<Result<Vec<Ejection>, SessionFileError>> {
    let path = match labels_path(session) {
        Ok(path) => path,
        Err(e) => return Some(Err(e)),
    };
    if path.symlink_metadata().is_err() {
        return None;
    }
    Some(match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => read_labels(&path),
        Ok(meta) => {
            let why = format!("{}, not a label file", file_kind(&meta));
            Err(SessionFileError::io(&path, io::Error::other(why)))
        }
        Err(e) => {
            let why = unreadable_reason(&e);
            Err(SessionFileError::io(&path, io::Error::new(e.kind(), why)))
        }
    })
}

/// Reads a label file from `inner`; `path` names the source in errors.
pub fn parse_labels<R: Read>(inner: R, path: &Path) -> Result<Vec<Ejection>, SessionFileError> {
    let mut table = CsvTable::open(inner, path)?;
    let columns: &[&'static str] = if table.record().len() == LABEL_COLUMNS_VISIBLE.len() {
        &LABEL_COLUMNS_VISIBLE
    } else {
        &LABEL_COLUMNS
    };
    table.check_header(columns, LABEL_HEADER)?;
    let mut labels: Vec<Ejection> = Vec::new();
    while let Some(line) = table.next_row()? {
        table.check_field_count(line, columns)?;
        let label = parse_row(&table, line, columns)?;
        if labels.len() == MAX_LABELS {
            return Err(table.too_many(line, MAX_LABELS, "labelled ejections"));
        }
        if let Some(fault) = label.fault(labels.last()) {
            let (field, kind) = label_fault_error(fault);
            return Err(table.error(line, Some(field), kind));
        }
        labels.push(label);
    }
    Ok(labels)
}

/// The label on the current row of `table` (at `line`), its fields named by `columns`.
fn parse_row<R: Read>(
    table: &CsvTable<'_, R>,
    line: u64,
    columns: &[&'static str],
) -> Result<Ejection, SessionFileError> {
    let err = |field: &'static str, kind: ErrorKind| table.error(line, Some(field), kind);
    let time = |i: usize| -> Result<f64, SessionFileError> {
        let t_s = parse_f64(field(table.record(), i)).map_err(|k| err(columns[i], k))?;
        if t_s < 0.0 {
            return Err(err(columns[i], ErrorKind::NegativeTime { t_s }));
        }
        Ok(t_s)
    };
    let onset_s = time(0)?;
    let end_s = time(1)?;
    let visible_s = match field(table.record(), 2) {
        b"" => None,
        _ => Some(time(2)?),
    };
    Ok(Ejection {
        onset_s,
        end_s,
        visible_s,
    })
}

/// The column and the reader's error kind of a label's `fault`: the reader's message for
/// a label that breaks the rules, wherever it came from.
pub fn label_fault_error(fault: LabelFault) -> (&'static str, ErrorKind) {
    match fault {
        LabelFault::NegativeTime { field, t_s } => (field, ErrorKind::NegativeTime { t_s }),
        LabelFault::EndNotAfterOnset { onset_s, end_s } => {
            ("end_s", ErrorKind::OnsetAfterEnd { onset_s, end_s })
        }
        LabelFault::VisibleBeforeOnset { onset_s, visible_s } => (
            "visible_s",
            ErrorKind::VisibleBeforeOnset { onset_s, visible_s },
        ),
        LabelFault::OnsetNotAfterPrevious {
            previous_s,
            onset_s,
        } => (
            "onset_s",
            ErrorKind::OutOfOrder {
                previous_s,
                t_s: onset_s,
            },
        ),
    }
}

/// Writes `labels` as a label file, times to [`LABEL_DECIMALS`] places. The `visible_s`
/// column is written when any label carries it (empty where one does not). Labels must
/// be finite and in the order the reader accepts; otherwise `InvalidInput`.
pub fn write_labels<W: Write>(mut out: W, labels: &[Ejection]) -> io::Result<()> {
    let with_visible = labels.iter().any(|l| l.visible_s.is_some());
    let columns: &[&str] = if with_visible {
        &LABEL_COLUMNS_VISIBLE
    } else {
        &LABEL_COLUMNS
    };
    let mut text = columns.join(",").into_bytes();
    text.push(b'\n');
    let mut previous_onset = f64::NEG_INFINITY;
    for (i, label) in labels.iter().enumerate() {
        let times = [
            label.onset_s,
            label.end_s,
            label.visible_s.unwrap_or(label.onset_s),
        ];
        // Checked as written (rounded to LABEL_DECIMALS places), so that the reader
        // accepts what the writer wrote: labels closer than the rounding would not be.
        let written = |t: f64| {
            let mut digits = Vec::new();
            push_fixed(&mut digits, t, LABEL_DECIMALS);
            std::str::from_utf8(&digits)
                .ok()
                .and_then(|d| d.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let (onset, end) = (written(label.onset_s), written(label.end_s));
        let valid = times.iter().all(|t| t.is_finite() && *t >= 0.0)
            && end > onset
            && label.visible_s.is_none_or(|v| written(v) >= onset)
            && onset > previous_onset;
        if !valid {
            return Err(invalid_input(format!(
                "label {i} ({label:?}) cannot be written: times must be finite, ≥ 0, \
                 onsets increasing, end after onset, visible not before onset, as written \
                 to {LABEL_DECIMALS} decimal places"
            )));
        }
        previous_onset = onset;
        push_fixed(&mut text, label.onset_s, LABEL_DECIMALS);
        text.push(b',');
        push_fixed(&mut text, label.end_s, LABEL_DECIMALS);
        if with_visible {
            text.push(b',');
            if let Some(v) = label.visible_s {
                push_fixed(&mut text, v, LABEL_DECIMALS);
            }
        }
        text.push(b'\n');
    }
    out.write_all(&text)?;
    out.flush()
}
