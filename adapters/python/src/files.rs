//! Session files from Python: `read_session` (the samples, for numpy), `replay` (the
//! file through the one replay loop of `letdown replay`, scored against its labels) and
//! `replay_columns` (a session held as columns, read and replayed as the file would be).

use crate::config;
use crate::engine::{channels, column};
use crate::event_columns::EventColumns;
use crate::samples::{Samples, ROW_BYTES};
use crate::scoring::session_score_dict;
use letdown_datasets::score::score_session;
use letdown_engine::Event;
use letdown_io::labels_csv::read_labels_beside;
use letdown_io::session_columns::ColumnsSessionReader;
use letdown_io::session_csv::Metadata;
use letdown_io::session_run::{
    replay_reader_with, replay_session_with, Outcome, Replay, ReplayObserver,
};
use letdown_io::{SessionFileError, SessionItem, SessionReader};
use pyo3::exceptions::{PyFileNotFoundError, PyMemoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::TryReserveError;
use std::path::{Path, PathBuf};

/// Reads the session file at `path` (`NAME.csv` or `NAME.csv.gz`, DESIGN §3) without the
/// GIL. Returns the dict of [`Samples::into_dict`]. A missing file is a
/// `FileNotFoundError`; a malformed one a `ValueError` naming file, line, field and reason.
#[pyfunction]
pub fn read_session(py: Python<'_>, path: PathBuf) -> PyResult<Py<PyDict>> {
    check_exists(&path)?;
    let samples = py
        .detach(|| read_samples(&path))
        .map_err(|e| e.into_py_err(&path))?;
    Ok(samples.into_dict(py)?.unbind())
}

/// Why a session file could not be read into columns.
enum ReadError {
    /// The file is missing or malformed: the reader's message.
    File(String),
    /// The columns could not grow past `rows` rows (or the gaps' past theirs).
    Memory { rows: u64, reason: TryReserveError },
}

impl ReadError {
    /// A `ValueError` naming file, line, field and reason, or a `MemoryError` naming the
    /// rows read.
    fn into_py_err(self, path: &Path) -> PyErr {
        match self {
            Self::File(message) => PyValueError::new_err(message),
            Self::Memory { rows, reason } => PyMemoryError::new_err(format!(
                "{}: {rows} samples read ({:.1} MB of columns), and the columns could not \
                 grow to hold more ({reason}); `replay` the file, which streams it",
                path.display(),
                (rows * ROW_BYTES) as f64 / 1e6
            )),
        }
    }
}

/// A `FileNotFoundError` (the reader's message) when nothing is at `path`, so that
/// Python code can tell a wrong path from a malformed file.
fn check_exists(path: &Path) -> PyResult<()> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(PyFileNotFoundError::new_err(
            SessionFileError::io(path, e).to_string(),
        )),
        _ => Ok(()),
    }
}

/// The error for columns that could not grow past what `s` holds.
fn out_of_memory(s: &Samples, reason: TryReserveError) -> ReadError {
    ReadError::Memory {
        rows: s.rows(),
        reason,
    }
}

fn read_samples(path: &Path) -> Result<Samples, ReadError> {
    let file_error = |e: SessionFileError| ReadError::File(e.to_string());
    let mut reader = SessionReader::open(path).map_err(file_error)?;
    let mut s = Samples::new(reader.sample_rate_hz(), reader.metadata().entries.clone());
    while let Some(item) = reader.next_item().map_err(file_error)? {
        match item {
            SessionItem::Row(row) => {
                s.make_room().map_err(|reason| out_of_memory(&s, reason))?;
                s.push_row(row.index, row.t_s, row.sample)
            }
            SessionItem::Gap(gap) => {
                s.make_gap_room()
                    .map_err(|reason| out_of_memory(&s, reason))?;
                s.push_gap(gap.start_index, gap.missing, gap.start_s)
            }
        }
    }
    Ok(s)
}

/// Collects every event of a replay.
#[derive(Default)]
struct Collect {
    events: Vec<Event>,
}

impl ReplayObserver for Collect {
    fn begin(&mut self, _metadata: &Metadata) {}
    fn event(&mut self, event: &Event, _sample_rate_hz: f64) {
        self.events.push(*event);
    }
}

/// Replays the session file at `path` through an engine built from `config` at the
/// file's rate, the loop `letdown replay` runs, without the GIL. Returns a dict:
/// `sample_rate_hz`, `rows`, `gaps`, `missing` (samples), `duration_s`, `onsets_s`,
/// `events` (columns) and `score` (the session's DESIGN §6 score against
/// `NAME.labels.csv` beside it, or `None` without one). A missing session file is a
/// `FileNotFoundError`; other bad input — a malformed session or label file, a config
/// out of range — a `ValueError` naming file, line, field.
#[pyfunction]
#[pyo3(signature = (path, **config))]
pub fn replay(
    py: Python<'_>,
    path: PathBuf,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyDict>> {
    // Settings are checked at a valid rate first, so that a bad setting is not reported
    // as the file's rate.
    let config = config::validated(config::from_kwargs(1000.0, config)?)?;
    check_exists(&path)?;
    let (replay, events, labels) = py
        .detach(|| {
            let labels = read_labels_beside(&path)
                .transpose()
                .map_err(|e| e.to_string())?;
            let (replay, events) =
                collected(|collect| replay_session_with(&path, &config, collect))?;
            Ok::<_, String>((replay, events, labels))
        })
        .map_err(PyValueError::new_err)?;
    let d = replay_dict(py, &replay, &events)?;
    let score = labels.map(|l| score_session(&l, &replay.onsets_s, replay.duration_s()));
    match score {
        Some(score) => d.set_item("score", session_score_dict(py, &score)?)?,
        None => d.set_item("score", py.None())?,
    }
    Ok(d.unbind())
}

/// Replays a session held as columns — `t_s` (float64, s since session start),
/// `pressure` (mmHg) and `flow` (mL/min) (float32), 1-D buffers of one length, at
/// `sample_rate_hz` (Hz) — read as the same session in a file is read (the readers'
/// timeline: the same gaps and refusals, `letdown_io::session_columns`) and run through
/// `replay`'s loop, without the GIL. Returns `replay`'s dict without `score`. Bad input
/// is a `ValueError` naming the row (from 0) and column.
#[pyfunction]
#[pyo3(signature = (t_s, pressure, flow, sample_rate_hz, **config))]
pub fn replay_columns(
    py: Python<'_>,
    t_s: &Bound<'_, PyAny>,
    pressure: &Bound<'_, PyAny>,
    flow: &Bound<'_, PyAny>,
    sample_rate_hz: f64,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyDict>> {
    let config = config::validated(config::from_kwargs(1000.0, config)?)?;
    let t_s = column::<f64>(py, t_s, "t_s", "float64")?;
    let (pressure, flow) = channels(py, pressure, flow)?;
    let (replay, events) = py
        .detach(|| {
            let columns = ColumnsSessionReader::new("columns", sample_rate_hz, t_s, pressure, flow)
                .map_err(|e| e.to_string())?;
            let session = SessionReader::from_columns(columns);
            collected(|collect| replay_reader_with(session, &config, collect))
        })
        .map_err(PyValueError::new_err)?;
    Ok(replay_dict(py, &replay, &events)?.unbind())
}

/// The replay `run` makes with a collector, and every event it collected; the message of
/// what stopped it, or kept it from starting, as the error.
fn collected(run: impl FnOnce(&mut Collect) -> Outcome) -> Result<(Replay, Vec<Event>), String> {
    let mut collect = Collect::default();
    match run(&mut collect) {
        Outcome::Complete(replay) => Ok((replay, collect.events)),
        Outcome::Stopped(_, e) => Err(e.to_string()),
        Outcome::NotStarted(message) => Err(message),
    }
}

/// A replay's counts and events as `replay` returns them (without `score`).
fn replay_dict<'py>(
    py: Python<'py>,
    replay: &Replay,
    events: &[Event],
) -> PyResult<Bound<'py, PyDict>> {
    let mut columns = EventColumns::default();
    events
        .iter()
        .for_each(|e| columns.push(e, replay.sample_rate_hz));
    let d = PyDict::new(py);
    d.set_item("sample_rate_hz", replay.sample_rate_hz)?;
    d.set_item("rows", replay.rows)?;
    d.set_item("gaps", replay.gaps)?;
    d.set_item("missing", replay.missing)?;
    d.set_item("duration_s", replay.duration_s())?;
    d.set_item("onsets_s", replay.onsets_s.clone())?;
    d.set_item("events", columns.into_dict(py)?)?;
    Ok(d)
}
