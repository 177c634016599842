//! How each ejection's label is derived from its own simulated flow (DESIGN §3).
//!
//! The duct store keeps each ejection's share apart, so its own removed volume is known
//! exactly. Its own *cycle-averaged* flow at the breast is the volume removed over the
//! last pump cycle divided by the cycle's length (a 1 s window while the pump is stopped),
//! evaluated every physiology tick (~10 ms). From it:
//! - `onset_s`: the ejection's release begins (milk starts to leave with the next suction
//!   stroke, within one cycle, while the pump runs);
//! - `visible_s`: the first time its own cycle-averaged flow reaches 1 mL/min, plus the
//!   transport delay and the tubing's smoothing time constant (its group delay) — when
//!   the same flow reaches 1 mL/min at the sensor. `None` if that is after the session
//!   ends;
//! - `end_s`: after its peak, the first time its own cycle-averaged flow is ≤ 10 % of that
//!   peak *and* its release from the alveoli is ≤ 10 % of the release peak. The second
//!   condition keeps a pause or a leak (which cut the flow, not the ejection) from ending
//!   it. Peak and end are only assessed once the pump has run a whole window. If the
//!   session ends first, `end_s` is the session's end.

use crate::labels::Ejection;

/// Longest averaging window, s (the slowest rhythm, 24 cpm, lasts 2.5 s).
pub(crate) const MAX_WINDOW_S: f64 = 2.5;
/// The visibility threshold at the sensor, mL/min (DESIGN §3).
pub const VISIBLE_ML_MIN: f64 = 1.0;
/// End of an ejection: its flow falls to this fraction of its peak (DESIGN §3).
const END_FRACTION: f64 = 0.1;

/// One ejection's label tracker.
#[derive(Clone, Debug)]
pub(crate) struct OwnFlow {
    onset_s: f64,
    /// Cumulative removed volume at past ticks, newest at `head`.
    ring: Vec<f64>,
    head: usize,
    peak_ml_min: f64,
    visible_breast_s: Option<f64>,
    end_s: Option<f64>,
}

impl OwnFlow {
    /// A tracker for an ejection starting at `onset_s`, ticked every `tick_s`.
    pub fn new(onset_s: f64, tick_s: f64) -> Self {
        let cap = (MAX_WINDOW_S / tick_s).ceil() as usize + 2;
        Self {
            onset_s,
            ring: vec![0.0; cap],
            head: 0,
            peak_ml_min: 0.0,
            visible_breast_s: None,
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
        if self.visible_breast_s.is_none() && avg_ml_min >= VISIBLE_ML_MIN {
            self.visible_breast_s = Some(t_s);
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

    /// The label, for a session lasting `duration_s` whose flow reaches the sensor
    /// `sensor_delay_s` after leaving the breast.
    pub fn label(&self, duration_s: f64, sensor_delay_s: f64) -> Ejection {
        Ejection {
            onset_s: self.onset_s,
            end_s: self.end_s.unwrap_or(duration_s).min(duration_s),
            visible_s: self
                .visible_breast_s
                .map(|t| t + sensor_delay_s)
                .filter(|t| *t < duration_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_peak_and_end_from_a_ramp() {
        // Own flow rising 0 → 20 mL/min over 20 s, then falling to 0 over 100 s.
        let tick = 0.01;
        let mut o = OwnFlow::new(10.0, tick);
        let mut removed = 0.0;
        let flow = |t: f64| {
            let u = t - 10.0;
            if u < 0.0 {
                0.0
            } else if u < 20.0 {
                u
            } else {
                (20.0 - (u - 20.0) * 0.2).max(0.0)
            }
        };
        let mut t = 10.0;
        while t < 200.0 {
            removed += flow(t) / 60.0 * tick;
            t += tick;
            let release = flow(t) / 20.0;
            o.tick(t, tick, removed, 1.0, true, release);
        }
        let l = o.label(300.0, 2.0);
        // 1 mL/min averaged over 1 s is reached 1.5 s after onset; +2 s to the sensor.
        let v = l.visible_s.unwrap();
        assert!((v - 13.5).abs() < 0.05, "{v}");
        assert!((o.peak_ml_min() - 19.9).abs() < 0.2);
        // 10 % of the peak (~2 mL/min, averaged over 1 s) at u ≈ 110.5 s.
        assert!((l.end_s - 120.5).abs() < 0.3, "{}", l.end_s);
        // Cut by the session end.
        let l = o.label(100.0, 2.0);
        assert_eq!(l.end_s, 100.0);
        let l = o.label(13.0, 2.0);
        assert_eq!(l.visible_s, None);
    }
}
