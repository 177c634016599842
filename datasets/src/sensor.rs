//! From the milk leaving the nipple to the numbers the sensors report.
//!
//! Flow: transport delay along the tubing (0.5–3 s, constant per session), tubing
//! compliance (a first-order smoothing of 50–200 ms), then the sensor: its own smoothing
//! (`smoothed-sensor`), gain (with a possible mid-session step when the bottle tilts,
//! `gain`), offset with slow drift (`drift`), white noise, motion spikes and air bubbles,
//! sample-and-hold at the sensor's own refresh rate (`slow-sensor`), quantisation and
//! clipping at full scale. Pressure: offset, noise, motion spikes, quantisation,
//! clipping. The named phenomena and their rates: `phenomena.rs`.

use crate::faults::{
    FaultKind, FaultSet, FLOW_FULL_SCALE_ML_MIN, FLOW_FULL_SCALE_NEGATIVE_ML_MIN,
    PRESSURE_FULL_SCALE_MMHG, PRESSURE_FULL_SCALE_POSITIVE_MMHG,
};
use crate::phenomena::{Phenomenon, Presence};
use crate::random::{self, SimRng};

/// The flow sensor's gain for a while: the bottle tilted, a bubble stuck on the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GainShift {
    /// When it starts, s.
    pub start_s: f64,
    /// When it ends, s (may be past the session's end).
    pub end_s: f64,
    /// The gain while it lasts (0.6 … 1.4).
    pub gain: f64,
}

/// One session's sensor and tubing parameters (all reported in the session header).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorParams {
    /// Transport delay from the breast to the flow sensor, s (0.5–3).
    pub transport_delay_s: f64,
    /// Time constant of the tubing compliance smoothing, s (0.05–0.2).
    pub compliance_tau_s: f64,
    /// White noise on the flow reading, SD, mL/min (0.2–1.5).
    pub flow_noise_ml_min: f64,
    /// Flow quantisation step, mL/min.
    pub flow_quantum_ml_min: f64,
    /// Flow offset at the start, mL/min (−2 … +1).
    pub flow_offset_ml_min: f64,
    /// Change of the flow offset over the whole session, mL/min (±1.5 at most).
    pub flow_drift_ml_min: f64,
    /// The flow sensor's own refresh rate when it is slower than the sample rate, Hz; it
    /// holds its last value in between.
    pub flow_refresh_hz: Option<f64>,
    /// A flow gain shift, if any.
    pub gain_shift: Option<GainShift>,
    /// Time constant of each of the two first-order stages of the flow sensor's own
    /// smoothing, s (0.4–1.2), if it smooths (`smoothed-sensor`).
    pub flow_smoothing_tau_s: Option<f64>,
    /// White noise on the pressure reading, SD, mmHg (0.5–3).
    pub pressure_noise_mmhg: f64,
    /// Pressure quantisation step, mmHg.
    pub pressure_quantum_mmhg: f64,
    /// Pressure offset, mmHg (−1 … +1).
    pub pressure_offset_mmhg: f64,
}

impl SensorParams {
    /// Draws a session's sensors. `faults` forces drift and gain shifts; `presence` lets
    /// them, slow and smoothing sensors happen at their everyday rates.
    pub(crate) fn draw(
        rng: &mut SimRng,
        rate_hz: f64,
        duration_s: f64,
        faults: FaultSet,
        presence: Presence,
    ) -> Self {
        // Transport delay 0.5–3 s (the brief; tubing length and milk speed).
        let transport_delay_s = random::uniform(rng, 0.5, 3.0);
        // Compliance 50–200 ms (the brief).
        let compliance_tau_s = random::uniform(rng, 0.05, 0.2);
        // Flow noise: a few tenths to ~1.5 mL/min (the brief); log-uniform.
        let flow_noise_ml_min = (random::uniform(rng, 0.2f64.ln(), 1.5f64.ln())).exp();
        // Quantisation: typical digital flow sensors resolve 0.01–0.1 mL/min (a slow
        // sensor's coarser steps are set below).
        let fine_quantum_ml_min = [0.01, 0.02, 0.05, 0.1][rand::Rng::random_range(rng, 0..4)];
        // Offset −2 … +1 mL/min (the brief).
        let flow_offset_ml_min = random::uniform(rng, -2.0, 1.0);
        let flow_drift_ml_min = draw_drift(rng, faults, presence);
        let (flow_refresh_hz, flow_quantum_ml_min) =
            draw_slow_sensor(rng, rate_hz, presence, fine_quantum_ml_min);
        let gain_shift = draw_gain_shift(rng, duration_s, faults, presence);
        // Pressure: noise "a few mmHg" (the brief), offset ±1, quantisation 0.1–0.5 mmHg.
        let pressure_noise_mmhg = random::uniform(rng, 0.5, 3.0);
        let pressure_quantum_mmhg = [0.1, 0.25, 0.5][rand::Rng::random_range(rng, 0..3)];
        let pressure_offset_mmhg = random::uniform(rng, -1.0, 1.0);
        let flow_smoothing_tau_s = draw_smoothing(rng, presence);
        Self {
            transport_delay_s,
            compliance_tau_s,
            flow_noise_ml_min,
            flow_quantum_ml_min,
            flow_offset_ml_min,
            flow_drift_ml_min,
            flow_refresh_hz,
            gain_shift,
            flow_smoothing_tau_s,
            pressure_noise_mmhg,
            pressure_quantum_mmhg,
            pressure_offset_mmhg,
        }
    }

    /// The flow sensor's offset at `t_s` of a session lasting `duration_s`, mL/min: the
    /// starting offset plus a smooth drift (smoothstep over the session).
    pub fn flow_offset_at(&self, t_s: f64, duration_s: f64) -> f64 {
        let u = if duration_s > 0.0 {
            (t_s / duration_s).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.flow_offset_ml_min + self.flow_drift_ml_min * u * u * (3.0 - 2.0 * u)
    }

    /// The flow sensor's gain at `t_s`.
    pub fn flow_gain_at(&self, t_s: f64) -> f64 {
        match self.gain_shift {
            Some(g) if t_s >= g.start_s && t_s < g.end_s => g.gain,
            _ => 1.0,
        }
    }
}

/// A slow sensor's quantisation step, mL/min (the brief).
pub const SLOW_SENSOR_QUANTUM_ML_MIN: f64 = 0.5;

impl SensorParams {
    /// The transport delay in whole samples at `rate_hz`, as the tubing applies it:
    /// rounded, at least one (never shortened by more than half a sample).
    pub fn transport_delay_samples(&self, rate_hz: f64) -> usize {
        (self.transport_delay_s * rate_hz).round().max(1.0) as usize
    }
}

/// A first-order lag of time constant `tau_s`, stepped at `rate_hz`: the tubing's
/// compliance and each stage of a smoothing sensor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lag {
    alpha: f64,
    y: f64,
}

impl Lag {
    pub fn new(tau_s: f64, rate_hz: f64) -> Self {
        Self {
            alpha: 1.0 - (-1.0 / (tau_s * rate_hz)).exp(),
            y: 0.0,
        }
    }

    /// The lagged value after input `x`.
    #[inline]
    pub fn step(&mut self, x: f64) -> f64 {
        self.y += self.alpha * (x - self.y);
        self.y
    }
}

/// The flow sensor's own smoothing: two first-order stages (`smoothed-sensor`), or none.
#[derive(Clone, Debug)]
pub(crate) struct Smoother {
    /// The two stages; `None` = no smoothing.
    stages: Option<[Lag; 2]>,
}

impl Smoother {
    pub fn new(tau_s: Option<f64>, rate_hz: f64) -> Self {
        Self {
            stages: tau_s.map(|t| [Lag::new(t, rate_hz); 2]),
        }
    }

    /// The smoothed flow, mL/min (the input itself without smoothing).
    #[inline]
    pub fn step(&mut self, x: f64) -> f64 {
        match &mut self.stages {
            Some([first, second]) => second.step(first.step(x)),
            None => x,
        }
    }
}

/// The tubing between breast and flow sensor: a pure delay then a first-order smoothing.
#[derive(Clone, Debug)]
pub(crate) struct Tubing {
    line: Vec<f32>,
    head: usize,
    compliance: Lag,
}

impl Tubing {
    pub fn new(params: &SensorParams, rate_hz: f64) -> Self {
        Self {
            line: vec![0.0; params.transport_delay_samples(rate_hz)],
            head: 0,
            compliance: Lag::new(params.compliance_tau_s, rate_hz),
        }
    }

    /// Pushes the flow leaving the breast now; returns the flow through the sensor now,
    /// mL/min.
    #[inline]
    pub fn step(&mut self, breast_ml_min: f64) -> f64 {
        let delayed = f64::from(self.line[self.head]);
        self.line[self.head] = breast_ml_min as f32;
        self.head += 1;
        if self.head == self.line.len() {
            self.head = 0;
        }
        self.compliance.step(delayed)
    }
}

/// Rounds `x` to a multiple of `q`.
#[inline]
pub(crate) fn quantise(x: f64, q: f64) -> f64 {
    (x / q).round() * q
}

/// Clips a flow reading to the sensor's full scale.
#[inline]
pub(crate) fn clip_flow(x: f64) -> f64 {
    x.clamp(FLOW_FULL_SCALE_NEGATIVE_ML_MIN, FLOW_FULL_SCALE_ML_MIN)
}

/// Clips a pressure reading to the sensor's full scale.
#[inline]
pub(crate) fn clip_pressure(x: f64) -> f64 {
    x.clamp(PRESSURE_FULL_SCALE_MMHG, PRESSURE_FULL_SCALE_POSITIVE_MMHG)
}

/// Sample-and-hold at the flow sensor's refresh rate.
#[derive(Clone, Debug)]
pub(crate) struct Hold {
    every: u64,
    countdown: u64,
    value: f32,
}

/// Samples between a slow sensor's fresh readings at `rate_hz` (1: every sample).
pub(crate) fn refresh_samples(refresh_hz: Option<f64>, rate_hz: f64) -> u64 {
    refresh_hz.map_or(1, |r| (rate_hz / r).round().max(1.0) as u64)
}

impl Hold {
    pub fn new(refresh_hz: Option<f64>, rate_hz: f64) -> Self {
        Self {
            every: refresh_samples(refresh_hz, rate_hz),
            countdown: 0,
            value: 0.0,
        }
    }

    /// Whether the sensor takes a fresh reading at this sample.
    #[inline]
    pub fn due(&mut self) -> bool {
        if self.countdown == 0 {
            self.countdown = self.every - 1;
            true
        } else {
            self.countdown -= 1;
            false
        }
    }

    /// Stores a fresh reading.
    #[inline]
    pub fn set(&mut self, v: f32) {
        self.value = v;
    }

    /// The value the sensor shows.
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }
}

/// The flow sensor's offset drift over the session, mL/min (drawn in every session so
/// that the sequence does not depend on the request).
fn draw_drift(rng: &mut SimRng, faults: FaultSet, presence: Presence) -> f64 {
    // Drift: as a phenomenon in half of the sessions, up to ±1.5 mL/min over the
    // session (the brief); on demand 1–1.5 mL/min of either sign.
    let has_drift = random::chance(rng, Phenomenon::Drift.session_fraction());
    let normal_drift = random::uniform(rng, -1.5, 1.5);
    let forced_drift =
        random::uniform(rng, 1.0, 1.5) * if random::chance(rng, 0.5) { 1.0 } else { -1.0 };
    if faults.contains(FaultKind::Drift) {
        forced_drift
    } else if presence.occurs(Phenomenon::Drift, has_drift) {
        normal_drift
    } else {
        0.0
    }
}

/// The flow sensor's refresh rate if it holds its value between readings, Hz, and its
/// quantisation step, mL/min: a slow sensor's, or none and `fine_quantum_ml_min` (drawn
/// in every session so that the sequence does not depend on the request).
fn draw_slow_sensor(
    rng: &mut SimRng,
    rate_hz: f64,
    presence: Presence,
    fine_quantum_ml_min: f64,
) -> (Option<f64>, f64) {
    // Slow sensor: in 40 % of sessions the flow sensor refreshes at 10–50 Hz (DESIGN
    // §2: many refresh at 10–100 Hz; the slower half of that range), holding its value
    // in between (when that is slower than the session's rate), and reports in
    // 0.5 mL/min steps (the brief: a coarse low-cost sensor).
    let has_hold = random::chance(rng, Phenomenon::SlowSensor.session_fraction());
    let slow = presence.occurs(Phenomenon::SlowSensor, has_hold);
    let refresh = [10.0, 20.0, 25.0, 50.0][rand::Rng::random_range(rng, 0..4)];
    let flow_refresh_hz = (slow && refresh < rate_hz).then_some(refresh);
    let flow_quantum_ml_min = if slow {
        SLOW_SENSOR_QUANTUM_ML_MIN
    } else {
        fine_quantum_ml_min
    };
    (flow_refresh_hz, flow_quantum_ml_min)
}

/// The flow sensor's gain shift, if the session has one (drawn in every session so that
/// the sequence does not depend on the request).
fn draw_gain_shift(
    rng: &mut SimRng,
    duration_s: f64,
    faults: FaultSet,
    presence: Presence,
) -> Option<GainShift> {
    // Gain shift: as a phenomenon in 10 % of sessions; on demand always and at least
    // 15 % away from 1 (×0.6–0.85 or ×1.15–1.4).
    let has_gain = random::chance(rng, Phenomenon::Gain.session_fraction());
    let start_s = random::uniform(rng, 0.15, 0.6) * duration_s;
    let end_s = start_s + random::uniform(rng, 30.0, duration_s.max(31.0));
    let gain = random::uniform(rng, 0.6, 1.4);
    let forced_gain = if random::chance(rng, 0.5) {
        random::uniform(rng, 0.6, 0.85)
    } else {
        random::uniform(rng, 1.15, 1.4)
    };
    if faults.contains(FaultKind::Gain) {
        Some(GainShift {
            start_s,
            end_s,
            gain: forced_gain,
        })
    } else if presence.occurs(Phenomenon::Gain, has_gain) {
        Some(GainShift {
            start_s,
            end_s,
            gain,
        })
    } else {
        None
    }
}

/// The time constant of each of the flow sensor's two smoothing stages, s, if it smooths
/// (drawn in every session so that the sequence does not depend on the request).
fn draw_smoothing(rng: &mut SimRng, presence: Presence) -> Option<f64> {
    // Smoothing sensor: in 20 % of sessions the flow sensor averages its reading
    // internally, two first-order stages of 0.4–1.2 s each (a choice: enough to take
    // the per-cycle pulsation of 45–120 cpm down to 3–30 % of its size).
    let has_smoothing = random::chance(rng, Phenomenon::SmoothedSensor.session_fraction());
    let smoothing_tau_s = random::uniform(rng, 0.4, 1.2);
    presence
        .occurs(Phenomenon::SmoothedSensor, has_smoothing)
        .then_some(smoothing_tau_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    #[test]
    fn tubing_delays_and_smooths() {
        let p = SensorParams {
            transport_delay_s: 1.5,
            compliance_tau_s: 0.1,
            ..SensorParams::draw(
                &mut stream(1, Stream::Sensor),
                1000.0,
                900.0,
                FaultSet::NONE,
                Presence::NONE,
            )
        };
        let mut t = Tubing::new(&p, 1000.0);
        let ys: Vec<f64> = (0..3000).map(|_| t.step(10.0)).collect();
        assert_eq!(ys[1499], 0.0);
        assert!(ys[1500] > 0.0);
        // One time constant after arrival: 63 %.
        assert!((ys[1600] - 6.32).abs() < 0.1, "{}", ys[1600]);
        assert!((ys[2999] - 10.0).abs() < 1e-3);
    }

    #[test]
    fn drawn_parameters_stay_in_their_ranges() {
        for seed in 0..500 {
            let p = SensorParams::draw(
                &mut stream(seed, Stream::Sensor),
                1000.0,
                900.0,
                FaultSet::NONE,
                Presence::everyday(),
            );
            assert!((0.5..=3.0).contains(&p.transport_delay_s));
            assert!((0.05..=0.2).contains(&p.compliance_tau_s));
            assert!((0.2..=1.5).contains(&p.flow_noise_ml_min));
            assert!((-2.0..=1.0).contains(&p.flow_offset_ml_min));
            assert!(p.flow_drift_ml_min.abs() <= 1.5);
            let end = p.flow_offset_at(900.0, 900.0);
            assert!((end - p.flow_offset_ml_min - p.flow_drift_ml_min).abs() < 1e-12);
            if let Some(g) = p.gain_shift {
                assert!((0.6..=1.4).contains(&g.gain));
                assert_eq!(p.flow_gain_at(g.start_s), g.gain);
            }
            let q = SensorParams::draw(
                &mut stream(seed, Stream::Sensor),
                1000.0,
                900.0,
                FaultSet::all(),
                Presence::NONE,
            );
            assert!((1.0..=1.5).contains(&q.flow_drift_ml_min.abs()));
            let g = q.gain_shift.map(|g| g.gain).unwrap_or(1.0);
            assert!((g - 1.0).abs() >= 0.15, "{g}");
            // Requesting faults does not change the other parameters.
            assert_eq!(q.transport_delay_s, p.transport_delay_s);
        }
    }

    #[test]
    fn hold_refreshes_at_its_rate() {
        let mut h = Hold::new(Some(20.0), 1000.0);
        let n = (0..1000).filter(|_| h.due()).count();
        assert_eq!(n, 20);
        let mut h = Hold::new(None, 1000.0);
        assert!((0..10).all(|_| h.due()));
    }
}
