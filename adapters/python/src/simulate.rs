//! `simulate(...)`: one session of the project's simulator (the generator `letdown
//! simulate` writes to files), in memory, with its labels.

use crate::samples::{Samples, ROW_BYTES};
use letdown_datasets::{session_name, FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::str::FromStr;

/// `text` parsed as a `T`, or a `ValueError` naming the argument and the parser's reason.
fn parse<T: FromStr>(name: &str, text: &str) -> PyResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| PyValueError::new_err(format!("{name}: {e}")))
}

/// The `MemoryError` for a session of `rows` samples whose columns could not be reserved.
fn too_large(rows: u64, e: &std::collections::TryReserveError) -> PyErr {
    let gb = (rows * ROW_BYTES) as f64 / 1e9;
    PyMemoryError::new_err(format!(
        "a session of {rows} samples needs {gb:.1} GB for its columns ({e}); simulate a \
         shorter or slower one, or write it to a file with `letdown simulate` and `replay` \
         the file, which streams it"
    ))
}

/// Simulates the session `letdown simulate --seed SEED --n 1 --profile PROFILE --rate
/// RATE_HZ --minutes MINUTES --program PROGRAM --faults FAULTS` writes, without the GIL.
/// Returns the dict of `read_session` (samples as the file holds them, dropouts as
/// gaps) with `name` (the file name it would get) and `labels` (columns `onset_s`,
/// `end_s`, `visible_s`, s). Arguments out of range are a `ValueError` saying why.
#[pyfunction]
#[pyo3(signature = (seed=0, profile="typical", rate_hz=1000.0, minutes=15.0, program="timer", faults="none"))]
pub fn simulate(
    py: Python<'_>,
    seed: u64,
    profile: &str,
    rate_hz: f64,
    minutes: f64,
    program: &str,
    faults: &str,
) -> PyResult<Py<PyDict>> {
    let spec = SessionSpec::new(seed)
        .with_profile(parse::<Profile>("profile", profile)?)
        .with_rate_hz(rate_hz)
        .with_minutes(minutes)
        .with_faults(parse::<FaultSet>("faults", faults)?)
        .with_program(parse::<PumpProgram>("program", program)?);
    let name = session_name(&spec);
    let (samples, labels) = py.detach(|| {
        let mut generator =
            Generator::new(spec).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut samples = Samples::new(spec.rate_hz, generator.metadata());
        let rows = spec.sample_count();
        samples
            .reserve_rows(rows)
            .map_err(|e| too_large(rows, &e))?;
        while let Some(s) = generator.next_sample() {
            if s.present {
                samples.push_row(s.index, s.t_s, s.sample);
            } else {
                samples.push_gap(s.index, 1, s.t_s);
            }
        }
        Ok::<_, PyErr>((samples, generator.labels()))
    })?;
    let d = samples.into_dict(py)?;
    d.set_item("name", name)?;
    let columns = PyDict::new(py);
    columns.set_item(
        "onset_s",
        labels.iter().map(|l| l.onset_s).collect::<Vec<_>>(),
    )?;
    columns.set_item("end_s", labels.iter().map(|l| l.end_s).collect::<Vec<_>>())?;
    let visible: Vec<Option<f64>> = labels.iter().map(|l| l.visible_s).collect();
    columns.set_item("visible_s", visible)?;
    d.set_item("labels", columns)?;
    Ok(d.unbind())
}
