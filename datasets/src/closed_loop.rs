//! Closed-loop simulation: a strategy reads the sensor stream and steers the simulated pump
//! with control hints; the outcome is scored on volume, speed and phase (DESIGN §6).

use crate::generator::{Generator, SessionSpec, SpecError};
use crate::labels::Ejection;
use crate::program::PumpProgram;
use letdown_engine::{ConfigError, ControlHint, Engine, EngineConfig, Mode, Reason, Sample};

/// Something that watches the samples and may ask the pump for a change.
pub trait Strategy {
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// Called for every sample in order; `sample` is `None` for a dropout (the sample
    /// never arrived). The returned hint is applied before the next sample.
    fn on_sample(&mut self, index: u64, sample: Option<Sample>) -> Option<ControlHint>;
}

/// Today's pumps: stimulation, then expression after a fixed time.
#[derive(Clone, Debug)]
pub struct Timer {
    switch_index: u64,
    /// Expression vacuum asked for, mmHg. Default −180 (the engine's default).
    pub expression_vacuum_mmhg: f32,
    /// Expression rate asked for, cpm. Default 60 (the engine's default).
    pub expression_rate_cpm: f32,
}

impl Timer {
    /// Switches to expression `switch_s` seconds into a stream at `rate_hz` (120 s is
    /// today's pumps). Targets default to the engine's ([`EngineConfig::new`]).
    pub fn new(rate_hz: f64, switch_s: f64) -> Self {
        let d = EngineConfig::new(rate_hz as f32);
        Self {
            switch_index: (switch_s.max(0.0) * rate_hz).round() as u64,
            expression_vacuum_mmhg: d.expression_vacuum_mmhg,
            expression_rate_cpm: d.expression_rate_cpm,
        }
    }
}

impl Strategy for Timer {
    fn name(&self) -> &'static str {
        "timer"
    }

    fn on_sample(&mut self, index: u64, _sample: Option<Sample>) -> Option<ControlHint> {
        (index == self.switch_index).then(|| {
            expression_hint(
                index,
                self.expression_vacuum_mmhg,
                self.expression_rate_cpm,
                Reason::FallbackTimer,
            )
        })
    }
}

/// Expression from the first sample on.
#[derive(Clone, Debug)]
pub struct ExpressionOnly {
    /// Expression vacuum asked for, mmHg. Default −180.
    pub expression_vacuum_mmhg: f32,
    /// Expression rate asked for, cpm. Default 60.
    pub expression_rate_cpm: f32,
}

impl Default for ExpressionOnly {
    fn default() -> Self {
        let d = EngineConfig::new(1000.0);
        Self {
            expression_vacuum_mmhg: d.expression_vacuum_mmhg,
            expression_rate_cpm: d.expression_rate_cpm,
        }
    }
}

impl Strategy for ExpressionOnly {
    fn name(&self) -> &'static str {
        "expression-only"
    }

    fn on_sample(&mut self, index: u64, _sample: Option<Sample>) -> Option<ControlHint> {
        (index == 0).then(|| {
            expression_hint(
                index,
                self.expression_vacuum_mmhg,
                self.expression_rate_cpm,
                Reason::FallbackTimer,
            )
        })
    }
}

fn expression_hint(index: u64, vacuum: f32, rate: f32, reason: Reason) -> ControlHint {
    ControlHint {
        sample_index: index,
        mode: Mode::Expression,
        target_vacuum_mmhg: vacuum,
        rate_cpm: rate,
        ramp_cycles: 2,
        reason,
        confidence: 1.0,
        cue: None,
    }
}

/// The letdown engine as a strategy: every sample goes through
/// [`Engine::process`] (a dropout through [`Engine::process_gap`]), and an event's hint,
/// if any, goes to the pump.
#[derive(Clone, Debug)]
pub struct EngineStrategy {
    engine: Engine,
}

impl EngineStrategy {
    /// Wraps a built engine.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// Builds an engine from `config` and wraps it.
    pub fn from_config(config: &EngineConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(config.build()?))
    }

    /// The wrapped engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl Strategy for EngineStrategy {
    fn name(&self) -> &'static str {
        "engine"
    }

    fn on_sample(&mut self, _index: u64, sample: Option<Sample>) -> Option<ControlHint> {
        let event = match sample {
            Some(s) => self.engine.process(s),
            None => self.engine.process_gap(1),
        };
        event.and_then(|e| e.hint)
    }
}

/// The result of one closed-loop session.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The strategy's name.
    pub strategy: &'static str,
    /// Milk removed over the session (true volume), mL.
    pub volume_ml: f64,
    /// Milk released into the ducts (≥ `volume_ml`), mL.
    pub released_ml: f64,
    /// When the removed volume first reached 90 % of `volume_ml`, s (`None` if nothing
    /// was removed).
    pub time_to_90pct_s: Option<f64>,
    /// Seconds in stimulation after the first letdown began, plus seconds in expression
    /// before it began (all expression seconds when there was no letdown). Pauses count
    /// as neither.
    pub misphase_s: f64,
    /// Onset of the first ejection, s.
    pub first_onset_s: Option<f64>,
    /// The session's labels.
    pub labels: Vec<Ejection>,
    /// Hints the strategy issued.
    pub hints: u32,
}

/// Runs `spec` with the pump following `strategy`'s hints (the spec's program is replaced
/// by [`PumpProgram::FollowHints`]: the pump starts in stimulation).
pub fn run_closed_loop(
    spec: SessionSpec,
    strategy: &mut dyn Strategy,
) -> Result<Outcome, SpecError> {
    let spec = spec.with_program(PumpProgram::FollowHints);
    let mut gen = Generator::new(spec)?;
    let dt = 1.0 / spec.rate_hz;
    let mut hints = 0u32;
    // Removed volume at each whole second, for the time to 90 %.
    let mut volume_at_s: Vec<f64> = vec![0.0];
    let rate_per_s = spec.rate_hz.round().max(1.0) as u64;
    // Seconds in each mode before and after the first onset (known when it happens).
    let mut before = [0.0f64; 2]; // [stimulation, expression] before the first onset
    let mut after = [0.0f64; 2];
    while let Some(s) = gen.next_sample() {
        let onset = gen.first_onset_s();
        let slot = match s.truth.mode {
            Mode::Stimulation => Some(0),
            Mode::Expression => Some(1),
            Mode::Pause => None,
        };
        if let Some(i) = slot {
            match onset {
                Some(t1) if s.t_s >= t1 => after[i] += dt,
                _ => before[i] += dt,
            }
        }
        if (s.index + 1) % rate_per_s == 0 {
            volume_at_s.push(gen.removed_ml());
        }
        let reading = s.present.then_some(s.sample);
        if let Some(h) = strategy.on_sample(s.index, reading) {
            hints += 1;
            gen.apply_hint(&h);
        }
    }
    let volume_ml = gen.removed_ml();
    let first_onset_s = gen.first_onset_s();
    let misphase_s = after[0] + before[1];
    volume_at_s.push(volume_ml);
    let target = 0.9 * volume_ml;
    let time_to_90pct_s = if volume_ml > 0.0 {
        volume_at_s.windows(2).enumerate().find_map(|(i, w)| {
            (w[1] >= target).then(|| {
                let frac = if w[1] > w[0] {
                    ((target - w[0]) / (w[1] - w[0])).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (i as f64 + frac).min(gen.duration_s())
            })
        })
    } else {
        None
    };
    Ok(Outcome {
        strategy: strategy.name(),
        volume_ml,
        released_ml: gen.released_ml(),
        time_to_90pct_s,
        misphase_s,
        first_onset_s,
        labels: gen.labels(),
        hints,
    })
}
