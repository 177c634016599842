//! Engine events as columns (one list per field), the shape pandas and numpy take in
//! one call. Field names and spellings are those of `letdown replay --events`.

use letdown_engine::Event;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Events, one entry per event in every column. Events without a hint carry `""` in the
/// text hint columns, NaN in the numeric ones and -1 in `ramp_cycles`.
#[derive(Default)]
pub struct EventColumns {
    sample_index: Vec<u64>,
    t_s: Vec<f64>,
    kind: Vec<String>,
    reason: Vec<String>,
    confidence: Vec<f32>,
    mode: Vec<String>,
    target_vacuum_mmhg: Vec<f32>,
    rate_cpm: Vec<f32>,
    ramp_cycles: Vec<i16>,
    cue: Vec<String>,
}

impl EventColumns {
    /// Appends `event` of a stream at `sample_rate_hz` (Hz).
    pub fn push(&mut self, event: &Event, sample_rate_hz: f64) {
        self.sample_index.push(event.sample_index);
        self.t_s.push(event.sample_index as f64 / sample_rate_hz);
        self.kind.push(event.kind.to_string());
        self.reason.push(event.reason.to_string());
        self.confidence.push(event.confidence);
        let hint = event.hint.as_ref();
        self.mode
            .push(hint.map_or_else(String::new, |h| h.mode.to_string()));
        self.target_vacuum_mmhg
            .push(hint.map_or(f32::NAN, |h| h.target_vacuum_mmhg));
        self.rate_cpm.push(hint.map_or(f32::NAN, |h| h.rate_cpm));
        self.ramp_cycles
            .push(hint.map_or(-1, |h| i16::from(h.ramp_cycles)));
        self.cue.push(
            hint.and_then(|h| h.cue)
                .map_or_else(String::new, |c| c.to_string()),
        );
    }

    /// The columns as a dict of lists, keyed by field name.
    pub fn into_dict(self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let d = PyDict::new(py);
        d.set_item("sample_index", self.sample_index)?;
        d.set_item("t_s", self.t_s)?;
        d.set_item("kind", self.kind)?;
        d.set_item("reason", self.reason)?;
        d.set_item("confidence", self.confidence)?;
        d.set_item("mode", self.mode)?;
        d.set_item("target_vacuum_mmhg", self.target_vacuum_mmhg)?;
        d.set_item("rate_cpm", self.rate_cpm)?;
        d.set_item("ramp_cycles", self.ramp_cycles)?;
        d.set_item("cue", self.cue)?;
        Ok(d.unbind())
    }
}
