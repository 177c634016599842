//! Label files from Python: `parse_labels`, the labels format of `NAME.labels.csv`
//! (DESIGN §3) read by the Rust reader, so that Python code that fetches a label file by
//! other means (a fleet job reading `_labels/<ID>.labels.csv` from object storage) parses
//! it by the same rules and with the same errors as `letdown replay`.

use letdown_io::labels_csv::parse_labels as parse;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::Path;

/// One row per labelled ejection: `(onset_s, end_s, visible_s)` in s, `visible_s` `None`
/// where the file has no such column.
type LabelRow = (f64, f64, Option<f64>);

/// Parses the bytes of a label file named `name` (the name is only for the errors). A
/// malformed file is a `ValueError` naming file, line, field and reason.
#[pyfunction]
pub fn parse_labels(py: Python<'_>, data: Vec<u8>, name: String) -> PyResult<Vec<LabelRow>> {
    let path = Path::new(&name);
    let labels = py.detach(|| parse(&data[..], path));
    let labels = labels.map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(labels
        .iter()
        .map(|l| (l.onset_s, l.end_s, l.visible_s))
        .collect())
}
