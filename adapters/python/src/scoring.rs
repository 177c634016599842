//! DESIGN §6 scores from Python, computed by `letdown_datasets::score` (the scorer of
//! `letdown replay` and `letdown evaluate`), so Python and the CLI give the same figures.

use letdown_datasets::labels::Ejection;
use letdown_datasets::score::{score_session, Aggregate, Distribution, SessionScore};
use letdown_io::labels_csv::label_fault_error;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One session to score: its labels as `(onset_s, end_s)` or `(onset_s, end_s,
/// visible_s)` tuples, its onset detections (s) and its length (s).
type SessionInput = (Vec<Vec<f64>>, Vec<f64>, f64);

/// Scores each `(labels, onset_detections_s, duration_s)` session and all of them
/// together. Returns `{"sessions": [per-session dict], "aggregate": dict}` with the
/// figures `letdown replay` prints. A non-finite time, a label of other than 2 or 3
/// fields or one a label file could not hold, or a length that is not positive is a
/// `ValueError` naming the session (0 = first).
#[pyfunction]
pub fn score_sessions(py: Python<'_>, sessions: Vec<SessionInput>) -> PyResult<Py<PyDict>> {
    let mut scores = Vec::with_capacity(sessions.len());
    for (i, (labels, onsets, duration_s)) in sessions.into_iter().enumerate() {
        let labels = ejections(&labels).map_err(|e| session_error(i, &e))?;
        if let Some(t) = onsets.iter().find(|t| !t.is_finite()) {
            return Err(session_error(
                i,
                &format!("detection time {t} is not finite"),
            ));
        }
        if !(duration_s.is_finite() && duration_s > 0.0) {
            return Err(session_error(
                i,
                &format!("duration_s {duration_s} is not a positive number of seconds"),
            ));
        }
        scores.push(score_session(&labels, &onsets, duration_s));
    }
    let aggregate = Aggregate::from_sessions(&scores);
    let d = PyDict::new(py);
    let per_session = scores
        .iter()
        .map(|s| session_score_dict(py, s))
        .collect::<PyResult<Vec<_>>>()?;
    d.set_item("sessions", per_session)?;
    d.set_item("aggregate", aggregate_dict(py, &aggregate)?)?;
    Ok(d.unbind())
}

fn session_error(index: usize, reason: &str) -> PyErr {
    PyValueError::new_err(format!("session {index}: {reason}"))
}

/// Label tuples as ejections; label `i` of other than 2 or 3 finite fields is refused,
/// and so is one the label reader would refuse in a file (with its message: before the
/// session start, ending before its onset, visible before it, onsets out of order).
fn ejections(labels: &[Vec<f64>]) -> Result<Vec<Ejection>, String> {
    let labels = as_ejections(labels)?;
    for (i, label) in labels.iter().enumerate() {
        if let Some(fault) = label.fault(i.checked_sub(1).map(|p| &labels[p])) {
            let (field, kind) = label_fault_error(fault);
            return Err(format!("label {i}: field {field}: {kind}"));
        }
    }
    Ok(labels)
}

/// Label tuples as ejections, each of 2 or 3 finite fields.
fn as_ejections(labels: &[Vec<f64>]) -> Result<Vec<Ejection>, String> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if let Some(v) = l.iter().find(|v| !v.is_finite()) {
                return Err(format!("label {i}: time {v} is not finite"));
            }
            match l[..] {
                [onset_s, end_s] => Ok(Ejection {
                    onset_s,
                    end_s,
                    visible_s: None,
                }),
                [onset_s, end_s, visible_s] => Ok(Ejection {
                    onset_s,
                    end_s,
                    visible_s: Some(visible_s),
                }),
                _ => Err(format!(
                    "label {i}: expected (onset_s, end_s[, visible_s]), got {} fields",
                    l.len()
                )),
            }
        })
        .collect()
}

/// One session's score: counts, and the first letdown's delays (s) or `None`.
pub fn session_score_dict<'py>(py: Python<'py>, s: &SessionScore) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("duration_s", s.duration_s)?;
    d.set_item("labels", s.labels)?;
    d.set_item("onsets", s.onsets)?;
    d.set_item("true_positives", s.true_positives)?;
    d.set_item("false_positives", s.false_positives)?;
    d.set_item("false_negatives", s.false_negatives)?;
    d.set_item("duplicates", s.duplicates)?;
    d.set_item("unobservable", s.unobservable)?;
    d.set_item("overlapping", s.overlapping)?;
    d.set_item("overlapping_found", s.overlapping_found)?;
    d.set_item("first_detected", s.first_detected())?;
    d.set_item("first_delay_s", s.first.and_then(|f| f.delay_s()))?;
    d.set_item(
        "first_beyond_visible_s",
        s.first.and_then(|f| f.beyond_visible_s()),
    )?;
    Ok(d)
}

fn aggregate_dict<'py>(py: Python<'py>, a: &Aggregate) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("sessions", a.sessions)?;
    d.set_item("duration_s", a.duration_s)?;
    d.set_item("letdown_sessions", a.letdown_sessions)?;
    d.set_item("first_detected", a.first_detected)?;
    d.set_item("first_detection_rate", a.first_detection_rate)?;
    d.set_item("first_delay_s", distribution(py, a.first_delay_s)?)?;
    d.set_item("beyond_visible_s", distribution(py, a.beyond_visible_s)?)?;
    d.set_item("true_positives", a.true_positives)?;
    d.set_item("false_positives", a.false_positives)?;
    d.set_item("false_negatives", a.false_negatives)?;
    d.set_item("duplicates", a.duplicates)?;
    d.set_item("overlapping", a.overlapping)?;
    d.set_item("overlapping_found", a.overlapping_found)?;
    d.set_item("precision", a.precision)?;
    d.set_item("recall", a.recall)?;
    d.set_item("f1", a.f1)?;
    d.set_item("false_alarms_per_hour", a.false_alarms_per_hour)?;
    d.set_item("no_letdown_sessions", a.no_letdown_sessions)?;
    d.set_item("no_letdown_with_detection", a.no_letdown_with_detection)?;
    Ok(d)
}

/// `{count, median, p95, max}` in s, or `None`.
fn distribution(py: Python<'_>, dist: Option<Distribution>) -> PyResult<Option<Bound<'_, PyDict>>> {
    let Some(dist) = dist else { return Ok(None) };
    let d = PyDict::new(py);
    d.set_item("count", dist.count)?;
    d.set_item("median", dist.median)?;
    d.set_item("p95", dist.p95)?;
    d.set_item("max", dist.max)?;
    Ok(Some(d))
}
