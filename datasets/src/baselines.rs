//! Baseline detectors the engine is compared with (DESIGN §6): what pumps do today (a
//! fixed 2-minute timer) and the simplest honest flow-based detector (a moving average of
//! flow crossing a fixed threshold).
//!
//! Both report onset detections sample by sample through [`OnsetDetector`], the same
//! shape as the engine's onset events (the sample whose processing completes the
//! evidence), so one scorer ([`crate::score`]) treats all three alike. Both also steer a
//! simulated pump as closed-loop [`Strategy`]s: the timer through the existing
//! [`Timer`], the threshold by switching to expression at its first onset. [`CuedTimer`]
//! is the timer pump with the cue a simple pumping app would send (a relaxation prompt at
//! [`RELAX_PROMPT_S`]), so that the closed loop compares cue with cue and detection with
//! a timer.

use crate::closed_loop::{Strategy, Timer};
use crate::generator::RATE_RANGE_HZ;
use letdown_engine::{ControlHint, Cue, EngineConfig, Mode, Reason, Sample};

/// Reports milk-ejection onsets as samples arrive.
pub trait OnsetDetector {
    /// A short name for reports (`timer`, `flow-threshold`).
    fn name(&self) -> &'static str;

    /// Feeds sample `index` (0 = first; `None` for a dropout, a sample that never
    /// arrived) and returns `true` when this sample completes an onset detection. The
    /// detection's time is `index / rate`, s.
    fn detect(&mut self, index: u64, sample: Option<Sample>) -> bool;
}

/// When today's timer pumps switch to expression, s: they assume letdown by then
/// (DESIGN §1, §5: "a fixed 2-minute timer").
pub const TIMER_SWITCH_S: f64 = 120.0;

/// Today's pumps as a detector: one "letdown" at [`TIMER_SWITCH_S`] in every session,
/// whatever the sensors say (none in a session shorter than that). Wraps the closed-loop
/// [`Timer`], so the detection is exactly the sample at which a timer pump switches.
#[derive(Clone, Debug)]
pub struct TimerBaseline {
    timer: Timer,
}

impl TimerBaseline {
    /// A 2-minute timer for a stream at `rate_hz`, Hz.
    pub fn new(rate_hz: f64) -> Self {
        Self::with_switch_s(rate_hz, TIMER_SWITCH_S)
    }

    /// A timer that switches `switch_s` seconds into a stream at `rate_hz`, Hz.
    pub fn with_switch_s(rate_hz: f64, switch_s: f64) -> Self {
        Self {
            timer: Timer::new(rate_hz, switch_s),
        }
    }
}

impl OnsetDetector for TimerBaseline {
    fn name(&self) -> &'static str {
        self.timer.name()
    }

    fn detect(&mut self, index: u64, sample: Option<Sample>) -> bool {
        self.timer.on_sample(index, sample).is_some()
    }
}

impl Strategy for TimerBaseline {
    fn name(&self) -> &'static str {
        self.timer.name()
    }

    fn on_sample(&mut self, index: u64, sample: Option<Sample>) -> Option<ControlHint> {
        self.timer.on_sample(index, sample)
    }
}

/// When a simple pumping app prompts the mother to relax, s: at the median first
/// ejection (~90 s, DESIGN §1), the same moment the engine's first cue is due when no
/// letdown has come (`EngineConfig::late_cue_s`).
pub const RELAX_PROMPT_S: f64 = 90.0;

/// The 2-minute timer pump with a fair cue: one relaxation prompt at [`RELAX_PROMPT_S`],
/// whatever the sensors say (an app cannot know whether letdown came), then expression at
/// [`TIMER_SWITCH_S`]. The prompt is a stimulation hint with the engine's default
/// stimulation targets (the pump's own) carrying [`Cue::Relax`]; it does not change the
/// rhythm.
#[derive(Clone, Debug)]
pub struct CuedTimer {
    timer: Timer,
    prompt_index: u64,
    stimulation_vacuum_mmhg: f32,
    stimulation_rate_cpm: f32,
}

impl CuedTimer {
    /// The timer pump with its prompt, for a stream at `rate_hz`, Hz.
    pub fn new(rate_hz: f64) -> Self {
        let d = EngineConfig::new(rate_hz as f32);
        Self {
            timer: Timer::new(rate_hz, TIMER_SWITCH_S),
            prompt_index: (RELAX_PROMPT_S * rate_hz).round() as u64,
            stimulation_vacuum_mmhg: d.stimulation_vacuum_mmhg,
            stimulation_rate_cpm: d.stimulation_rate_cpm,
        }
    }
}

impl Strategy for CuedTimer {
    fn name(&self) -> &'static str {
        "timer+relax-prompt"
    }

    fn on_sample(&mut self, index: u64, sample: Option<Sample>) -> Option<ControlHint> {
        if index == self.prompt_index {
            return Some(ControlHint {
                sample_index: index,
                mode: Mode::Stimulation,
                target_vacuum_mmhg: self.stimulation_vacuum_mmhg,
                rate_cpm: self.stimulation_rate_cpm,
                ramp_cycles: 2,
                reason: Reason::LateLetdownCue,
                confidence: 1.0,
                cue: Some(Cue::Relax),
            });
        }
        self.timer.on_sample(index, sample)
    }
}

/// Parameters of [`FlowThreshold`], in physical units.
///
/// Defaults and why:
/// - `window_s` = 2 s: the average ignores the pump's rhythm (it does not track cycles);
///   2 s spans 1.5 cycles at the slowest expression rhythm (45 cpm) and 4 at the
///   fastest stimulation (120 cpm), enough to smooth most of the pulsatile ripple
///   without delaying the rise (10–30 s, DESIGN §1) by more than about a second.
/// - `on_ml_min` = 5 mL/min: just under "high flow" ≥ 0.1 g/s ≈ 5.8 mL/min (Idei 2024,
///   1 g/s ≈ 58 mL/min) and a fifth of a typical ejection's peak (0.5 g/s ≈ 29 mL/min);
///   above the sensor's offset and noise (DESIGN §2: a few mL/min).
/// - `off_ml_min` = 2.5 mL/min: hysteresis; the average must fall to half the threshold
///   before another onset can be reported, so noise around 5 mL/min gives one onset.
/// - `refractory_s` = 30 s: no second onset within 30 s of one; an ejection lasts at least
///   45 s and its flow rises for up to 30 s (DESIGN §1), so an earlier one would be the
///   same ejection.
///
/// Readings outside −100 … 250 mL/min (impossible, DESIGN §2) or non-finite are left out
/// of the average, like dropouts; with less than half the window present no decision is
/// taken. There is no baseline tracking: a sensor offset shifts the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowThresholdConfig {
    /// Length of the moving average, s.
    pub window_s: f64,
    /// The average must reach this to report an onset, mL/min.
    pub on_ml_min: f64,
    /// The average must fall below this to re-arm, mL/min.
    pub off_ml_min: f64,
    /// Shortest time between two onsets, s.
    pub refractory_s: f64,
}

impl Default for FlowThresholdConfig {
    fn default() -> Self {
        Self {
            window_s: 2.0,
            on_ml_min: 5.0,
            off_ml_min: 2.5,
            refractory_s: 30.0,
        }
    }
}

/// Why a [`FlowThresholdConfig`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowThresholdError {
    /// The stream's rate is outside 100 … 10 000 Hz or not finite.
    RateHz,
    /// `window_s` not within 0.01 … 60 s.
    WindowS,
    /// `on_ml_min` or `off_ml_min` not finite, or `off_ml_min` > `on_ml_min`.
    Thresholds,
    /// `refractory_s` negative or not finite.
    RefractoryS,
}

impl core::fmt::Display for FlowThresholdError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FlowThresholdError::RateHz => "flow threshold: rate must be within 100 … 10000 Hz",
            FlowThresholdError::WindowS => "flow threshold: window_s must be within 0.01 … 60 s",
            FlowThresholdError::Thresholds => {
                "flow threshold: on_ml_min and off_ml_min must be finite, off ≤ on (mL/min)"
            }
            FlowThresholdError::RefractoryS => {
                "flow threshold: refractory_s must be finite and ≥ 0 s"
            }
        })
    }
}

impl std::error::Error for FlowThresholdError {}

impl FlowThresholdConfig {
    /// A detector for a stream at `rate_hz`, Hz, after checking every field.
    pub fn build(&self, rate_hz: f64) -> Result<FlowThreshold, FlowThresholdError> {
        if !(RATE_RANGE_HZ.0..=RATE_RANGE_HZ.1).contains(&rate_hz) {
            return Err(FlowThresholdError::RateHz);
        }
        if !(0.01..=60.0).contains(&self.window_s) {
            return Err(FlowThresholdError::WindowS);
        }
        if !(self.on_ml_min.is_finite()
            && self.off_ml_min.is_finite()
            && self.off_ml_min <= self.on_ml_min)
        {
            return Err(FlowThresholdError::Thresholds);
        }
        if !(self.refractory_s.is_finite() && self.refractory_s >= 0.0) {
            return Err(FlowThresholdError::RefractoryS);
        }
        // In range: at most 60 s × 10 kHz = 600 000 slots.
        let len = ((self.window_s * rate_hz).round() as usize).max(1);
        let engine = EngineConfig::new(rate_hz as f32);
        Ok(FlowThreshold {
            config: *self,
            window: vec![None; len],
            next: 0,
            sum: 0.0,
            present: 0,
            armed: true,
            last_onset: None,
            refractory_samples: (self.refractory_s * rate_hz).round() as u64,
            switched: false,
            expression_vacuum_mmhg: engine.expression_vacuum_mmhg,
            expression_rate_cpm: engine.expression_rate_cpm,
        })
    }
}

/// Lowest and highest possible flow readings, mL/min (DESIGN §2); others are faults.
const FLOW_LIMITS_ML_MIN: (f32, f32) = (-100.0, 250.0);

/// A flow-threshold detector: the moving average of flow over [`window_s`] crossing
/// [`on_ml_min`] reports an onset; it re-arms once the average falls below
/// [`off_ml_min`]. A crossing within [`refractory_s`] of the last onset is not reported
/// (and must also fall back below [`off_ml_min`] before the next can count). See [`FlowThresholdConfig`] for the
/// values and why.
///
/// As a closed-loop [`Strategy`] it is a flow-sensing pump: stimulation until its first
/// onset, then expression for the rest of the session (it never asks to stimulate again).
///
/// [`window_s`]: FlowThresholdConfig::window_s
/// [`on_ml_min`]: FlowThresholdConfig::on_ml_min
/// [`off_ml_min`]: FlowThresholdConfig::off_ml_min
/// [`refractory_s`]: FlowThresholdConfig::refractory_s
#[derive(Clone, Debug)]
pub struct FlowThreshold {
    config: FlowThresholdConfig,
    /// The last `window_s` of readings, mL/min; `None` for a missing or impossible one.
    window: Vec<Option<f32>>,
    next: usize,
    /// Sum of the present readings in `window`, mL/min.
    sum: f64,
    present: usize,
    armed: bool,
    last_onset: Option<u64>,
    refractory_samples: u64,
    switched: bool,
    expression_vacuum_mmhg: f32,
    expression_rate_cpm: f32,
}

impl FlowThreshold {
    /// The default detector ([`FlowThresholdConfig::default`]) for a stream at
    /// `rate_hz`, Hz (100 … 10 000).
    pub fn new(rate_hz: f64) -> Result<Self, FlowThresholdError> {
        FlowThresholdConfig::default().build(rate_hz)
    }

    /// The parameters it runs with.
    pub fn config(&self) -> &FlowThresholdConfig {
        &self.config
    }

    /// The current moving average, mL/min; `None` while less than half the window holds
    /// usable readings.
    pub fn average_ml_min(&self) -> Option<f64> {
        (2 * self.present >= self.window.len()).then(|| self.sum / self.present as f64)
    }

    /// Adds one reading to the window (dropping the oldest).
    fn push(&mut self, flow_ml_min: Option<f32>) {
        let usable =
            flow_ml_min.filter(|f| (FLOW_LIMITS_ML_MIN.0..=FLOW_LIMITS_ML_MIN.1).contains(f));
        if let Some(old) = self.window[self.next].take() {
            self.sum -= f64::from(old);
            self.present -= 1;
        }
        if let Some(new) = usable {
            self.sum += f64::from(new);
            self.present += 1;
        }
        self.window[self.next] = usable;
        self.next = (self.next + 1) % self.window.len();
        if self.present == 0 {
            // Rounding errors cannot outlive an empty window.
            self.sum = 0.0;
        }
    }
}

impl OnsetDetector for FlowThreshold {
    fn name(&self) -> &'static str {
        "flow-threshold"
    }

    fn detect(&mut self, index: u64, sample: Option<Sample>) -> bool {
        self.push(sample.map(|s| s.flow_ml_min));
        let Some(average) = self.average_ml_min() else {
            return false;
        };
        if !self.armed {
            if average < self.config.off_ml_min {
                self.armed = true;
            }
            return false;
        }
        if average < self.config.on_ml_min {
            return false;
        }
        // A crossing disarms even inside the refractory time: it belongs to the ejection
        // already reported, and must fall below `off_ml_min` before another can count.
        self.armed = false;
        let rested = self
            .last_onset
            .is_none_or(|last| index.saturating_sub(last) >= self.refractory_samples);
        if rested {
            self.last_onset = Some(index);
        }
        rested
    }
}

impl Strategy for FlowThreshold {
    fn name(&self) -> &'static str {
        "flow-threshold"
    }

    fn on_sample(&mut self, index: u64, sample: Option<Sample>) -> Option<ControlHint> {
        let onset = self.detect(index, sample);
        (onset && !self.switched).then(|| {
            self.switched = true;
            ControlHint {
                sample_index: index,
                mode: Mode::Expression,
                target_vacuum_mmhg: self.expression_vacuum_mmhg,
                rate_cpm: self.expression_rate_cpm,
                ramp_cycles: 2,
                reason: Reason::LetdownDetected,
                confidence: 1.0,
                cue: None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Onset indices of `detector` over `flows` (mL/min; `None` = dropout), pressure 0.
    fn onsets(detector: &mut dyn OnsetDetector, flows: &[Option<f32>]) -> Vec<u64> {
        flows
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let sample = f.map(|f| Sample::new(0.0, f));
                detector.detect(i as u64, sample).then_some(i as u64)
            })
            .collect()
    }

    #[test]
    fn the_cued_timer_prompts_once_at_90_s_then_switches_at_120_s() {
        let mut t = CuedTimer::new(100.0);
        let hints: Vec<(u64, Mode, Option<Cue>)> = (0..20_000)
            .filter_map(|i| t.on_sample(i, None).map(|h| (i, h.mode, h.cue)))
            .collect();
        assert_eq!(
            hints,
            [
                (9_000, Mode::Stimulation, Some(Cue::Relax)),
                (12_000, Mode::Expression, None)
            ]
        );
    }

    #[test]
    fn timer_reports_one_onset_at_two_minutes() {
        let flows = vec![Some(0.0); 200 * 100];
        let mut timer = TimerBaseline::new(100.0);
        assert_eq!(onsets(&mut timer, &flows), [12_000]);
        // A session shorter than the timer gets none.
        let mut timer = TimerBaseline::new(100.0);
        assert!(onsets(&mut timer, &flows[..11_999]).is_empty());
    }

    #[test]
    fn a_step_of_flow_is_found_when_the_average_crosses_the_threshold() {
        // 100 Hz, 2 s window (200 samples): a step from 0 to 10 mL/min at sample 1000
        // brings the average to 5 mL/min after 100 samples: at index 1099.
        let mut flows = vec![Some(0.0); 1000];
        flows.extend(vec![Some(10.0); 2000]);
        let mut d = FlowThreshold::new(100.0).expect("valid rate");
        assert_eq!(onsets(&mut d, &flows), [1099]);
    }

    #[test]
    fn hysteresis_and_refractory_time() {
        let rate = 100.0;
        let mut d = FlowThreshold::new(rate).expect("valid rate");
        // Flow at 10, then dipping to 4 (above the 2.5 re-arm level) and back: one onset.
        let mut flows = vec![Some(10.0); 1000];
        flows.extend(vec![Some(4.0); 1000]);
        flows.extend(vec![Some(10.0); 1000]);
        assert_eq!(onsets(&mut d, &flows), [99]);
        // Down to 0 for 5 s (re-armed) but within 30 s of the onset: still one onset;
        // a second rise after the refractory time is a second onset.
        let mut d = FlowThreshold::new(rate).expect("valid rate");
        let mut flows = vec![Some(10.0); 1000];
        flows.extend(vec![Some(0.0); 500]);
        flows.extend(vec![Some(10.0); 500]);
        flows.extend(vec![Some(0.0); 1500]);
        flows.extend(vec![Some(10.0); 500]);
        let found = onsets(&mut d, &flows);
        assert_eq!(found, [99, 3599], "{found:?}");
    }

    #[test]
    fn dropouts_and_impossible_readings_stay_out_of_the_average() {
        let mut d = FlowThreshold::new(100.0).expect("valid rate");
        // A window mostly missing: no decision, however high the few readings.
        let mut flows: Vec<Option<f32>> = (0..1000).map(|i| (i % 4 == 0).then_some(50.0)).collect();
        // Impossible readings (faults) never count as flow.
        flows.extend(vec![Some(400.0); 500]);
        flows.extend(vec![Some(f32::NAN); 500]);
        assert!(onsets(&mut d, &flows).is_empty());
        assert_eq!(d.average_ml_min(), None);
    }

    #[test]
    fn noise_below_the_threshold_and_a_negative_offset_give_nothing() {
        let flows: Vec<Option<f32>> = (0..60_000)
            .map(|i| Some(-3.0 + 4.0 * ((i as f32) * 0.37).sin()))
            .collect();
        let mut d = FlowThreshold::new(1000.0).expect("valid rate");
        assert!(onsets(&mut d, &flows).is_empty());
    }

    #[test]
    fn as_a_strategy_it_switches_to_expression_once() {
        let mut d = FlowThreshold::new(100.0).expect("valid rate");
        let mut hints = Vec::new();
        for i in 0..10_000u64 {
            // Two ejections, 60 s apart.
            let on = (1000..3000).contains(&i) || (7000..9000).contains(&i);
            let s = Sample::new(-100.0, if on { 20.0 } else { 0.0 });
            if let Some(h) = d.on_sample(i, Some(s)) {
                hints.push(h);
            }
        }
        assert_eq!(hints.len(), 1);
        assert_eq!(hints[0].mode, Mode::Expression);
        assert_eq!(hints[0].reason, Reason::LetdownDetected);
        assert!(hints[0].ramp_cycles >= 2);
    }

    #[test]
    fn parameters_are_checked() {
        let bad = |c: FlowThresholdConfig| c.build(1000.0).err();
        let d = FlowThresholdConfig::default();
        assert_eq!(d.build(50.0).err(), Some(FlowThresholdError::RateHz));
        assert_eq!(d.build(f64::NAN).err(), Some(FlowThresholdError::RateHz));
        assert_eq!(
            bad(FlowThresholdConfig {
                window_s: f64::NAN,
                ..d
            }),
            Some(FlowThresholdError::WindowS)
        );
        assert_eq!(
            bad(FlowThresholdConfig {
                off_ml_min: 6.0,
                ..d
            }),
            Some(FlowThresholdError::Thresholds)
        );
        assert_eq!(
            bad(FlowThresholdConfig {
                refractory_s: -1.0,
                ..d
            }),
            Some(FlowThresholdError::RefractoryS)
        );
    }
}
