//! `Engine(sample_rate_hz=…, **config)`: Python keyword arguments onto an
//! [`EngineConfig`], each named as the Rust field (units in the name: `_mmhg`, `_cpm`, `_s`).

use letdown_engine::EngineConfig;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The settable fields, in the order `EngineConfig` documents them.
pub const FIELDS: [&str; 12] = [
    "max_vacuum_mmhg",
    "stimulation_vacuum_mmhg",
    "stimulation_rate_cpm",
    "expression_vacuum_mmhg",
    "expression_rate_cpm",
    "fallback_s",
    "late_cue_s",
    "fade_s",
    "session_end_s",
    "false_alarms_per_hour",
    "min_flow_ml_min",
    "stuck_s",
];

/// The field of `config` called `name`, if there is one.
fn field<'a>(config: &'a mut EngineConfig, name: &str) -> Option<&'a mut f32> {
    Some(match name {
        "max_vacuum_mmhg" => &mut config.max_vacuum_mmhg,
        "stimulation_vacuum_mmhg" => &mut config.stimulation_vacuum_mmhg,
        "stimulation_rate_cpm" => &mut config.stimulation_rate_cpm,
        "expression_vacuum_mmhg" => &mut config.expression_vacuum_mmhg,
        "expression_rate_cpm" => &mut config.expression_rate_cpm,
        "fallback_s" => &mut config.fallback_s,
        "late_cue_s" => &mut config.late_cue_s,
        "fade_s" => &mut config.fade_s,
        "session_end_s" => &mut config.session_end_s,
        "false_alarms_per_hour" => &mut config.false_alarms_per_hour,
        "min_flow_ml_min" => &mut config.min_flow_ml_min,
        "stuck_s" => &mut config.stuck_s,
        _ => return None,
    })
}

/// The defaults at `sample_rate_hz` (Hz) with `kwargs` applied. An unknown name is a
/// `TypeError` (as Python's own for an unexpected keyword), a value that is not a number a
/// `TypeError`; ranges are checked later, by `EngineConfig::build`.
pub fn from_kwargs(
    sample_rate_hz: f64,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<EngineConfig> {
    // The engine runs in f32; a rate beyond f32 becomes infinite and is refused by `build`.
    let mut config = EngineConfig::new(sample_rate_hz as f32);
    for (key, value) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let name: String = key.extract()?;
        let Some(slot) = field(&mut config, &name) else {
            return Err(PyTypeError::new_err(format!(
                "unexpected keyword argument '{name}'; the engine's settings are: {}",
                FIELDS.join(", ")
            )));
        };
        let v: f64 = value.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}: expected a number, got {}",
                value.get_type()
            ))
        })?;
        *slot = v as f32;
    }
    Ok(config)
}

/// `config` validated, or a `ValueError` with the engine's own message (field, range, unit).
pub fn validated(config: EngineConfig) -> PyResult<EngineConfig> {
    config
        .build()
        .map(|_| config)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}
