//! `letdown._native.Engine`: one engine, fed blocks of samples from Python buffers.

use crate::config;
use crate::event_columns::EventColumns;
use letdown_engine::{Engine, Event, Sample};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The engine at one sample rate. State lives here and nowhere else: two engines never
/// share anything, and a block split in two gives the events of the whole block.
#[pyclass(name = "Engine", module = "letdown._native")]
pub struct PyEngine {
    engine: Engine,
    sample_rate_hz: f64,
}

#[pymethods]
impl PyEngine {
    /// An engine for a stream at `sample_rate_hz` (Hz, 100 … 10 000) with the engine's
    /// defaults, changed by `config` (field names of `EngineConfig`).
    #[new]
    #[pyo3(signature = (sample_rate_hz, **config))]
    fn new(sample_rate_hz: f64, config: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config = config::from_kwargs(sample_rate_hz, config)?;
        let engine = config
            .build()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        // Event times divide by the rate as given, as `replay` divides by the file's: the
        // engine's own f32 copy of it differs at rates f32 cannot hold (333.3 Hz).
        Ok(Self {
            engine,
            sample_rate_hz,
        })
    }

    /// The sample rate the engine was built for, Hz.
    #[getter]
    fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Samples consumed so far, gaps included (the next sample's index).
    #[getter]
    fn samples(&self) -> u64 {
        self.engine.stats().samples
    }

    /// Runs `pressure` (mmHg) and `flow` (mL/min), two 1-D contiguous float32 buffers of
    /// one length, through the engine without the GIL; returns the events as columns.
    fn process(
        &mut self,
        py: Python<'_>,
        pressure: &Bound<'_, PyAny>,
        flow: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyDict>> {
        let (pressure, flow) = channels(py, pressure, flow)?;
        let engine = &mut self.engine;
        let events = py.detach(move || run(engine, &pressure, &flow));
        self.columns(py, &events)
    }

    /// Tells the engine that `missing` samples were lost (a gap in the stream); returns
    /// the events as columns (a stale-data pause, for one).
    fn gap(&mut self, py: Python<'_>, missing: u64) -> PyResult<Py<PyDict>> {
        let events: Vec<Event> = self.engine.process_gap(missing).into_iter().collect();
        self.columns(py, &events)
    }
}

impl PyEngine {
    fn columns(&self, py: Python<'_>, events: &[Event]) -> PyResult<Py<PyDict>> {
        let mut columns = EventColumns::default();
        events
            .iter()
            .for_each(|e| columns.push(e, self.sample_rate_hz));
        columns.into_dict(py)
    }
}

/// Seconds a bare Rust engine at `sample_rate_hz` (Hz) takes over `pressure` (mmHg) and
/// `flow` (mL/min), two float32 buffers of one length: `process`'s engine loop alone,
/// timed without the GIL after the samples are copied in (no call, copy or columns). It is the baseline that
/// `bench/process_blocks.py` holds `Engine.process` against in the same run, so the
/// ratio says what the Python call adds, whatever the machine's load.
#[pyfunction]
pub fn engine_seconds(
    py: Python<'_>,
    sample_rate_hz: f64,
    pressure: &Bound<'_, PyAny>,
    flow: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let mut engine = PyEngine::new(sample_rate_hz, None)?.engine;
    let (pressure, flow) = channels(py, pressure, flow)?;
    Ok(py.detach(move || {
        let start = std::time::Instant::now();
        std::hint::black_box(run(&mut engine, &pressure, &flow));
        start.elapsed().as_secs_f64()
    }))
}

/// The engine over the samples; its events. The one loop of `process` and of its
/// baseline [`engine_seconds`].
fn run(engine: &mut Engine, pressure: &[f32], flow: &[f32]) -> Vec<Event> {
    let mut events = Vec::new();
    for (&p, &f) in pressure.iter().zip(flow) {
        events.extend(engine.process(Sample::new(p, f)));
    }
    events
}

/// The samples of the `pressure` and `flow` buffers (see [`channel`]), which must be
/// of one length.
pub(crate) fn channels(
    py: Python<'_>,
    pressure: &Bound<'_, PyAny>,
    flow: &Bound<'_, PyAny>,
) -> PyResult<(Vec<f32>, Vec<f32>)> {
    let pressure = channel(py, pressure, "pressure")?;
    let flow = channel(py, flow, "flow")?;
    if pressure.len() != flow.len() {
        return Err(PyValueError::new_err(format!(
            "pressure and flow differ in length: {} and {} samples",
            pressure.len(),
            flow.len()
        )));
    }
    Ok((pressure, flow))
}

/// The samples of a 1-D C-contiguous float32 buffer (`numpy.float32` array), copied so
/// that the engine can run without the GIL; anything else is a `ValueError` naming it.
fn channel(py: Python<'_>, buffer: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f32>> {
    column(py, buffer, name, "float32")
}

/// The values of a 1-D C-contiguous buffer of `T` (`dtype` in words, for the error),
/// copied; anything else is a `ValueError` naming it.
pub(crate) fn column<T: pyo3::buffer::Element + Copy>(
    py: Python<'_>,
    buffer: &Bound<'_, PyAny>,
    name: &str,
    dtype: &str,
) -> PyResult<Vec<T>> {
    let buffer = PyBuffer::<T>::get(buffer)
        .map_err(|e| PyValueError::new_err(format!("{name}: expected a {dtype} array: {e}")))?;
    // PyO3 0.30 takes '>' (big-endian) for the native order on a little-endian host, so
    // a byte-swapped array's bytes would be read as other numbers: refused here.
    let foreign: &[u8] = if cfg!(target_endian = "little") {
        b">!"
    } else {
        b"<"
    };
    if buffer
        .format()
        .to_bytes()
        .first()
        .is_some_and(|c| foreign.contains(c))
    {
        return Err(PyValueError::new_err(format!(
            "{name}: expected a {dtype} array in the machine's byte order, got format {:?}",
            buffer.format()
        )));
    }
    if buffer.dimensions() != 1 {
        return Err(PyValueError::new_err(format!(
            "{name}: expected a 1-D array, got {} dimensions",
            buffer.dimensions()
        )));
    }
    buffer
        .to_vec(py)
        .map_err(|e| PyValueError::new_err(format!("{name}: {e}")))
}
