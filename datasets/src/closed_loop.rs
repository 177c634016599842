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
    /// Mis-phase per ejection, s: seconds in stimulation while some ejection's milk flows
    /// at the breast (a sample at time t with `onset_s ≤ t < end_s` for some label), plus
    /// seconds in expression while none does (before the first onset, between
    /// ejections, after the last; the whole session when there was no letdown). Pauses
    /// count as neither. A pump that expresses through every ejection and stimulates
    /// in between (DESIGN §5: back to stimulation when flow has faded, to call the next
    /// ejection) scores 0.
    pub misphase_s: f64,
    /// Mis-phase against the first letdown only, s: seconds in stimulation from the first
    /// onset on, plus seconds in expression before it (all expression seconds when there
    /// was no letdown). Pauses count as neither. A pump that switches to expression once,
    /// exactly at the first onset, and never stimulates again scores 0 (the 2-minute
    /// timer scores |120 − first onset|).
    pub first_switch_misphase_s: f64,
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
    let run = follow_hints(&mut gen, strategy);
    let volume_ml = gen.removed_ml();
    let first_onset_s = gen.first_onset_s();
    let labels = gen.labels();
    let n = gen.samples_generated();
    let dt = 1.0 / spec.rate_hz;
    let flowing = flowing_samples(&labels, spec.rate_hz, n);
    let misphase_s = run.modes.misphase(&flowing, n) as f64 * dt;
    let after_first = from_first_onset(first_onset_s, spec.rate_hz, n);
    let first_switch_misphase_s = run.modes.misphase(&after_first, n) as f64 * dt;
    Ok(Outcome {
        strategy: strategy.name(),
        volume_ml,
        released_ml: gen.released_ml(),
        time_to_90pct_s: time_to_90pct_s(&run.volume_at_s, volume_ml, gen.duration_s()),
        misphase_s,
        first_switch_misphase_s,
        first_onset_s,
        labels,
        hints: run.hints,
    })
}

/// What a closed-loop run records as it goes, for scoring once the labels are complete.
struct Run {
    /// The pump's mode as runs (first sample, mode): the phase is scored against the
    /// labels after the last sample.
    modes: ModeRuns,
    /// Removed volume at each whole second, then at the session's end, mL: for the time
    /// to 90 %.
    volume_at_s: Vec<f64>,
    /// Hints the strategy issued.
    hints: u32,
}

/// Pulls every sample of `gen`, shows it to `strategy` (a dropout as `None`) and applies
/// each hint it returns before the next sample.
fn follow_hints(gen: &mut Generator, strategy: &mut dyn Strategy) -> Run {
    let mut hints = 0u32;
    let mut volume_at_s: Vec<f64> = vec![0.0];
    let rate_per_s = gen.spec().rate_hz.round().max(1.0) as u64;
    let mut modes = ModeRuns::default();
    while let Some(s) = gen.next_sample() {
        modes.push(s.index, s.truth.mode);
        if (s.index + 1) % rate_per_s == 0 {
            volume_at_s.push(gen.removed_ml());
        }
        let reading = s.present.then_some(s.sample);
        if let Some(h) = strategy.on_sample(s.index, reading) {
            hints += 1;
            gen.apply_hint(&h);
        }
    }
    volume_at_s.push(gen.removed_ml());
    Run {
        modes,
        volume_at_s,
        hints,
    }
}

/// When the removed volume first reached 90 % of `volume_ml` (the session's total, mL), s:
/// interpolated within the second from `volume_at_s` (the removed volume at each whole
/// second, then at the end, mL), at most `duration_s`. `None` if nothing was removed.
fn time_to_90pct_s(volume_at_s: &[f64], volume_ml: f64, duration_s: f64) -> Option<f64> {
    let target = 0.9 * volume_ml;
    if volume_ml > 0.0 {
        volume_at_s.windows(2).enumerate().find_map(|(i, w)| {
            (w[1] >= target).then(|| {
                let frac = if w[1] > w[0] {
                    ((target - w[0]) / (w[1] - w[0])).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (i as f64 + frac).min(duration_s)
            })
        })
    } else {
        None
    }
}

/// The samples from the first onset (`first_onset_s`, s) to the session's end, as one
/// index range `[start, n)` at `rate_hz`: where a pump that switches once should express.
/// Empty without a letdown or when the onset is past the last sample.
fn from_first_onset(first_onset_s: Option<f64>, rate_hz: f64, n: u64) -> Vec<(u64, u64)> {
    first_onset_s
        .map(|t1| (first_sample_at(t1, rate_hz, n), n))
        .filter(|(a, b)| a < b)
        .into_iter()
        .collect()
}

/// The pump's mode over a session as runs: `(first sample index, mode)`, in order, each
/// lasting until the next begins (the last until the session ends).
#[derive(Clone, Debug, Default)]
struct ModeRuns(Vec<(u64, Mode)>);

impl ModeRuns {
    /// Sample `index` (the next after the last pushed) is in `mode`.
    fn push(&mut self, index: u64, mode: Mode) {
        if self.0.last().is_none_or(|(_, m)| *m != mode) {
            self.0.push((index, mode));
        }
    }

    /// Samples in the wrong phase over a session of `n` samples, given the sample ranges
    /// `[start, end)` (sorted, disjoint) in which milk should be expressed: stimulation
    /// inside them plus expression outside them. Pauses count as neither.
    fn misphase(&self, expressing: &[(u64, u64)], n: u64) -> u64 {
        let mut wrong = 0u64;
        for (k, &(start, mode)) in self.0.iter().enumerate() {
            let end = self.0.get(k + 1).map_or(n, |r| r.0).min(n);
            if end <= start {
                continue;
            }
            let inside: u64 = expressing
                .iter()
                .map(|&(a, b)| b.min(end).saturating_sub(a.max(start)))
                .sum();
            wrong += match mode {
                Mode::Stimulation => inside,
                Mode::Expression => (end - start) - inside,
                Mode::Pause => 0,
            };
        }
        wrong
    }
}

/// The first sample index `i` (of `n`, at `rate_hz`) whose time `i / rate_hz` is at or
/// after `t_s` (`n` if none is).
fn first_sample_at(t_s: f64, rate_hz: f64, n: u64) -> u64 {
    // The same arithmetic as the generator's sample times, so a boundary sample is
    // placed exactly as a per-sample comparison would place it.
    let time = |i: u64| i as f64 / rate_hz;
    let mut i = (t_s * rate_hz).ceil().clamp(0.0, n as f64) as u64;
    while i > 0 && time(i - 1) >= t_s {
        i -= 1;
    }
    while i < n && time(i) < t_s {
        i += 1;
    }
    i
}

/// The samples during which some ejection's milk flows at the breast (a sample at `t`
/// with `onset_s ≤ t < end_s` for some label), as sorted, disjoint index ranges
/// `[start, end)`.
fn flowing_samples(labels: &[Ejection], rate_hz: f64, n: u64) -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> = labels
        .iter()
        .map(|l| {
            (
                first_sample_at(l.onset_s, rate_hz, n),
                first_sample_at(l.end_s, rate_hz, n),
            )
        })
        .filter(|(a, b)| a < b)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(onset_s: f64, end_s: f64) -> Ejection {
        Ejection {
            onset_s,
            end_s,
            visible_s: None,
        }
    }

    #[test]
    fn sample_boundaries_follow_the_sample_times() {
        // 10 Hz: sample i at i / 10 s.
        assert_eq!(first_sample_at(0.0, 10.0, 100), 0);
        assert_eq!(first_sample_at(0.3, 10.0, 100), 3);
        assert_eq!(first_sample_at(0.31, 10.0, 100), 4);
        assert_eq!(first_sample_at(-5.0, 10.0, 100), 0);
        assert_eq!(first_sample_at(50.0, 10.0, 100), 100);
        // Every sample's own time finds that sample, whatever the rounding of i / rate.
        for i in 0..1000u64 {
            let t = i as f64 / 1000.0;
            assert_eq!(first_sample_at(t, 1000.0, 1000), i);
        }
    }

    #[test]
    fn overlapping_ejections_merge() {
        let l = [
            label(1.0, 3.0),
            label(2.0, 5.0),
            label(7.0, 8.0),
            label(9.0, 9.0),
        ];
        assert_eq!(flowing_samples(&l, 10.0, 100), [(10, 50), (70, 80)]);
        assert_eq!(flowing_samples(&[], 10.0, 100), []);
    }

    #[test]
    fn misphase_counts_stimulation_inside_and_expression_outside() {
        // 100 samples: stimulation 0–20, expression 20–60, pause 60–70, stimulation
        // 70–80, expression 80–100; milk flows 15–50 and 75–90.
        let mut runs = ModeRuns::default();
        for i in 0..100 {
            let mode = match i {
                0..20 | 70..80 => Mode::Stimulation,
                20..60 | 80..100 => Mode::Expression,
                _ => Mode::Pause,
            };
            runs.push(i, mode);
        }
        assert_eq!(runs.0.len(), 5);
        let flowing = [(15, 50), (75, 90)];
        // Stimulation inside: 15–20, 75–80 = 10; expression outside: 50–60, 90–100 = 20.
        assert_eq!(runs.misphase(&flowing, 100), 30);
        // Against the first onset only (15 on): stimulation 15–20 and 70–80, expression
        // before 15: none.
        assert_eq!(runs.misphase(&[(15, 100)], 100), 15);
        // No letdown: every expression sample.
        assert_eq!(runs.misphase(&[], 100), 60);
    }
}
