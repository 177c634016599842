//! How each ejection's label is derived from its own simulated flow (DESIGN §3).
//!
//! The duct store keeps each ejection's share apart, so its own removed volume is known
//! exactly. Its own *cycle-averaged* flow at the breast is the volume removed over the
//! last pump cycle divided by the cycle's length (a 1 s window while the pump is stopped),
//! evaluated every physiology tick (~10 ms). From it:
//! - `onset_s`: the ejection's release begins (milk starts to leave with the next suction
//!   stroke, within one cycle, while the pump runs);
//! - `visible_s`: the first time its own cycle-averaged flow reaches 1 mL/min at the
//!   sensor: the flow at the breast taken through the session's own tubing (its
//!   compliance's lag) and the sensor's smoothing ([`SensorPath`]), then the transport
//!   delay, and on a slow sensor until its next fresh reading. `None` if that is after
//!   the session ends (or never: a flow that barely reaches 1 mL/min at the breast may
//!   stay under it through a smoothing sensor);
//! - `end_s`: after its peak, the first time its own cycle-averaged flow is ≤ 10 % of that
//!   peak *and* its release from the alveoli is ≤ 10 % of the release peak. The second
//!   condition keeps a pause or a leak (which cut the flow, not the ejection) from ending
//!   it. Peak and end are only assessed once the pump has run a whole window. If the
//!   session ends first, `end_s` is the session's end.

use crate::labels::Ejection;
use crate::sensor::{refresh_samples, Lag, SensorParams, Smoother};

/// Longest averaging window, s (the slowest rhythm, 24 cpm, lasts 2.5 s).
pub(crate) const MAX_WINDOW_S: f64 = 2.5;
/// The visibility threshold at the sensor, mL/min (DESIGN §3).
pub const VISIBLE_ML_MIN: f64 = 1.0;
/// End of an ejection: its flow falls to this fraction of its peak (DESIGN §3).
const END_FRACTION: f64 = 0.1;

/// The way from the breast to the flow reading, for one ejection's own flow: the same
/// stages as the session's flow takes (`sensor.rs`: the transport delay, rounded to whole
/// samples as the tubing rounds it, the tubing's compliance and the sensor's smoothing),
/// the lags stepped once a label tick. Each of these is linear and time-invariant, so
/// averaging over a pump cycle before them gives what averaging after them would. A slow
/// sensor shows a crossing at its next fresh reading. The reading's gain, offset, noise and
/// quantum act on the whole reading, not on one ejection's flow, and are left out.
#[derive(Clone, Debug)]
pub(crate) struct SensorPath {
    delay_s: f64,
    compliance: Lag,
    smoother: Smoother,
    /// Time between a slow sensor's fresh readings, s (`None`: a fresh one every sample).
    refresh_s: Option<f64>,
}

impl SensorPath {
    /// The path of a session with sensor `params` sampled at `rate_hz`, stepped every
    /// `tick_s`.
    pub fn new(params: &SensorParams, rate_hz: f64, tick_s: f64) -> Self {
        Self {
            delay_s: params.transport_delay_samples(rate_hz) as f64 / rate_hz,
            compliance: Lag::new(params.compliance_tau_s, 1.0 / tick_s),
            smoother: Smoother::new(params.flow_smoothing_tau_s, 1.0 / tick_s),
            refresh_s: Some(refresh_samples(params.flow_refresh_hz, rate_hz))
                .filter(|&every| every > 1)
                .map(|every| every as f64 / rate_hz),
        }
    }

    /// When a crossing that reaches the sensing element at `t_s` shows in the reading: at
    /// the next fresh reading (taken every `refresh_s` from the session's start).
    fn shown_at(&self, t_s: f64) -> f64 {
        self.refresh_s
            .map_or(t_s, |period| (t_s / period - 1e-9).ceil() * period)
    }

    /// The flow at the sensor, one transport delay after the breast flow `x` left.
    fn step(&mut self, x: f64) -> f64 {
        self.smoother.step(self.compliance.step(x))
    }
}

/// One ejection's label tracker.
#[derive(Clone, Debug)]
pub(crate) struct OwnFlow {
    onset_s: f64,
    /// Cumulative removed volume at past ticks, newest at `head`.
    ring: Vec<f64>,
    head: usize,
    peak_ml_min: f64,
    path: SensorPath,
    visible_s: Option<f64>,
    end_s: Option<f64>,
}

impl OwnFlow {
    /// A tracker for an ejection starting at `onset_s`, ticked every `tick_s`, whose milk
    /// reaches the reading along `path`.
    pub fn new(onset_s: f64, tick_s: f64, path: SensorPath) -> Self {
        let cap = (MAX_WINDOW_S / tick_s).ceil() as usize + 2;
        Self {
            onset_s,
            ring: vec![0.0; cap],
            head: 0,
            peak_ml_min: 0.0,
            path,
            visible_s: None,
            end_s: None,
        }
    }

    /// Whether the tracker still needs ticks.
    pub fn done(&self) -> bool {
        self.end_s.is_some()
    }

    /// One tick at time `t_s` (end of the tick): the ejection's cumulative removed volume
    /// `removed_ml`, the averaging window `window_s`, whether the pump has run through the
    /// whole window, and the ejection's release relative to its peak.
    pub fn tick(
        &mut self,
        t_s: f64,
        tick_s: f64,
        removed_ml: f64,
        window_s: f64,
        running_whole_window: bool,
        release_fraction: f64,
    ) {
        self.head = (self.head + 1) % self.ring.len();
        self.ring[self.head] = removed_ml;
        let back = ((window_s / tick_s).round() as usize).clamp(1, self.ring.len() - 1);
        let old = self.ring[(self.head + self.ring.len() - back) % self.ring.len()];
        let avg_ml_min = (removed_ml - old) / (back as f64 * tick_s) * 60.0;
        let at_sensor = self.path.step(avg_ml_min);
        if self.visible_s.is_none() && at_sensor >= VISIBLE_ML_MIN {
            self.visible_s = Some(self.path.shown_at(t_s + self.path.delay_s));
        }
        if !running_whole_window {
            return;
        }
        if avg_ml_min > self.peak_ml_min {
            self.peak_ml_min = avg_ml_min;
        } else if self.end_s.is_none()
            && self.peak_ml_min > 0.0
            && avg_ml_min <= END_FRACTION * self.peak_ml_min
            && release_fraction <= END_FRACTION
        {
            self.end_s = Some(t_s);
        }
    }

    /// Its own peak cycle-averaged flow at the breast so far, mL/min.
    pub fn peak_ml_min(&self) -> f64 {
        self.peak_ml_min
    }

    /// The label, for a session lasting `duration_s`.
    pub fn label(&self, duration_s: f64) -> Ejection {
        Ejection {
            onset_s: self.onset_s,
            end_s: self.end_s.unwrap_or(duration_s).min(duration_s),
            visible_s: self.visible_s.filter(|t| *t < duration_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sensor(
        transport_delay_s: f64,
        compliance_tau_s: f64,
        smoothing: Option<f64>,
    ) -> SensorParams {
        SensorParams {
            transport_delay_s,
            compliance_tau_s,
            flow_noise_ml_min: 0.0,
            flow_quantum_ml_min: 0.0,
            flow_offset_ml_min: 0.0,
            flow_drift_ml_min: 0.0,
            flow_refresh_hz: None,
            gain_shift: None,
            flow_smoothing_tau_s: smoothing,
            pressure_noise_mmhg: 0.0,
            pressure_quantum_mmhg: 0.0,
            pressure_offset_mmhg: 0.0,
        }
    }

    /// Own flow rising 0 → 20 mL/min over 20 s from 10 s, then falling to 0 over 100 s.
    fn ramp(t: f64) -> f64 {
        let u = t - 10.0;
        if u < 0.0 {
            0.0
        } else if u < 20.0 {
            u
        } else {
            (20.0 - (u - 20.0) * 0.2).max(0.0)
        }
    }

    /// Runs the ramp through a tracker on a pump cycle of 1 s, ticked every 10 ms of a
    /// 100 Hz session.
    fn track(sensor: &SensorParams) -> OwnFlow {
        let tick = 0.01;
        let mut o = OwnFlow::new(10.0, tick, SensorPath::new(sensor, 100.0, tick));
        let mut removed = 0.0;
        let mut t = 10.0;
        while t < 200.0 {
            removed += ramp(t) / 60.0 * tick;
            t += tick;
            o.tick(t, tick, removed, 1.0, true, ramp(t) / 20.0);
        }
        o
    }

    #[test]
    fn visible_peak_and_end_from_a_ramp() {
        let o = track(&sensor(2.0, 0.05, None));
        let l = o.label(300.0);
        // 1 mL/min averaged over 1 s is reached at the breast 1.5 s after onset; the
        // tubing lags the ramp by nearly its 0.05 s; +2 s to the sensor.
        let v = l.visible_s.unwrap();
        assert!((v - 13.55).abs() < 0.03, "{v}");
        assert!((o.peak_ml_min() - 19.9).abs() < 0.2);
        // 10 % of the peak (~2 mL/min, averaged over 1 s) at u ≈ 110.5 s.
        assert!((l.end_s - 120.5).abs() < 0.3, "{}", l.end_s);
        // Cut by the session end.
        assert_eq!(o.label(100.0).end_s, 100.0);
        assert_eq!(o.label(13.0).visible_s, None);
    }

    /// The crossing at the sensor against the same path integrated independently: the
    /// ramp's 1 s average taken in closed form through the three lags as differential
    /// equations, stepped a hundred times finer than the label's ticks.
    #[test]
    fn visible_is_where_the_own_flow_crosses_at_the_sensor() {
        let (delay, compliance, smoothing) = (1.0, 0.15, 0.8);
        let label = track(&sensor(delay, compliance, Some(smoothing)))
            .label(300.0)
            .visible_s
            .unwrap();
        // The 1 s trailing mean of the ramp u (mL/min) u ≥ 0 s after its start.
        let average = |u: f64| if u < 1.0 { u * u / 2.0 } else { u - 0.5 };
        let dt = 1e-4;
        let (mut y, mut u) = ([0.0f64; 3], 0.0);
        while y[2] < VISIBLE_ML_MIN {
            u += dt;
            y[0] += dt / compliance * (average(u) - y[0]);
            y[1] += dt / smoothing * (y[0] - y[1]);
            y[2] += dt / smoothing * (y[1] - y[2]);
        }
        let reference = 10.0 + u + delay;
        assert!((label - reference).abs() < 0.02, "{label} vs {reference}");
        // The smoothing delays it, by less than its group delay on a ramp (2 × 0.8 s).
        let plain = track(&sensor(delay, compliance, None))
            .label(300.0)
            .visible_s
            .unwrap();
        assert!(
            label > plain + 0.5 && label < plain + 2.0 * smoothing,
            "{plain} {label}"
        );
    }

    #[test]
    fn a_slow_sensor_shows_the_crossing_at_its_next_fresh_reading() {
        let plain = sensor(2.0, 0.05, None);
        let slow = SensorParams {
            flow_refresh_hz: Some(10.0),
            ..plain
        };
        let v = track(&plain).label(300.0).visible_s.unwrap();
        let held = track(&slow).label(300.0).visible_s.unwrap();
        // Fresh readings every 10 samples of the 100 Hz session: at multiples of 0.1 s.
        assert!(held >= v && held < v + 0.1, "{v} → {held}");
        assert!((held * 10.0 - (held * 10.0).round()).abs() < 1e-6, "{held}");
    }
}
