//! The native half of the `letdown` Python package (`letdown._native`): the engine, the
//! session readers, the one replay loop and the scoring of the Rust crates, exposed to
//! Python with PyO3. The typed, numpy-facing API is `python/letdown/__init__.py`; this
//! module hands it plain columns (lists, or little-endian `f64` bytes for long signals) so
//! that it needs no numpy at build time.
//!
//! Every call that runs the engine or reads a file releases the GIL; no input panics
//! (bad input is a `ValueError` naming file, line, field and reason, or the config field
//! and its allowed range).
#![forbid(unsafe_code)]

mod config;
mod engine;
mod event_columns;
mod files;
mod labels;
mod samples;
mod scoring;
mod simulate;

use pyo3::prelude::*;

/// The module `letdown._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::PyEngine>()?;
    m.add_function(wrap_pyfunction!(engine::engine_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(files::read_session, m)?)?;
    m.add_function(wrap_pyfunction!(files::replay, m)?)?;
    m.add_function(wrap_pyfunction!(files::replay_columns, m)?)?;
    m.add_function(wrap_pyfunction!(labels::parse_labels, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::score_sessions, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    Ok(())
}
