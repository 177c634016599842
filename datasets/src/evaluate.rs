//! Open-loop evaluation: run a detector over a simulated session as it streams and score
//! its onset detections against the session's labels (DESIGN §6).
//!
//! Open loop means the pump follows the session's own program (timer, button…), not the
//! detector's hints; [`crate::closed_loop`] covers the other case.

use crate::generator::{Generator, SessionSpec, SpecError};
use crate::labels::Ejection;
use crate::score::{score_session, SessionScore};
use letdown_engine::{drive, Engine, EngineConfig, Event, EventKind};

/// What one open-loop run produced.
#[derive(Clone, Debug)]
pub struct OpenLoopRun {
    /// The session's labels.
    pub labels: Vec<Ejection>,
    /// Every engine event, in order.
    pub events: Vec<Event>,
    /// Onset detection times, s.
    pub onsets_s: Vec<f64>,
    /// The DESIGN §6 score of the onsets against the labels.
    pub score: SessionScore,
}

/// Streams the session `spec` through a fresh engine built from `config` (its sample
/// rate is replaced by the session's) and scores the onsets.
pub fn run_engine(spec: SessionSpec, config: &EngineConfig) -> Result<OpenLoopRun, SpecError> {
    let mut generator = Generator::new(spec)?;
    let mut cfg = *config;
    cfg.sample_rate_hz = spec.rate_hz as f32;
    // The spec is validated, and a valid spec's rate is a valid engine rate; fall back to
    // the given config's rate only if the caller's other fields are refused.
    let mut engine: Engine = cfg
        .build()
        .or_else(|_| config.build())
        .map_err(|_| SpecError::RateHz)?;
    let mut events = Vec::new();
    let Ok(()) = drive(&mut engine, &mut generator, |event| events.push(event));
    let labels = generator.labels();
    let onsets_s: Vec<f64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Onset)
        .map(|e| e.time_s(cfg.sample_rate_hz))
        .collect();
    let score = score_session(&labels, &onsets_s, generator.duration_s());
    Ok(OpenLoopRun {
        labels,
        events,
        onsets_s,
        score,
    })
}
