//! Slow variations of the milk released into the ducts that are not ejections: the
//! `trickle` between ejections and the `wobble` of the flow (see `phenomena.rs` for the
//! rates). Both are smooth functions of time (sums of sinusoids with drawn periods and
//! phases), so the generator stays streaming and deterministic.

use crate::random::{self, SimRng};
use core::f64::consts::TAU;

/// Trickle level, mL/min, drawn log-uniformly: the brief's 0.3–2 mL/min (DESIGN §1 says
/// only that "a low trickle can continue"). The top is a third of Idei 2024's 0.1 g/s
/// "high flow" mark and below a tenth of a typical ejection's peak (0.5 g/s ≈ 29 mL/min).
const TRICKLE_RANGE_ML_MIN: (f64, f64) = (0.3, 2.0);
/// Period of the trickle's slow variation, s (a choice: slower than the wobble).
const TRICKLE_PERIOD_RANGE_S: (f64, f64) = (60.0, 240.0);
/// Relative depth of the trickle's variation (a choice).
const TRICKLE_DEPTH_RANGE: (f64, f64) = (0.2, 0.5);
/// The trickle builds up over this long after the first ejection's onset, s (a choice: a
/// raised-cosine ramp, so it adds no step to the flow).
const TRICKLE_RAMP_S: f64 = 60.0;

/// A low, slowly varying release between ejections, from the first ejection on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Trickle {
    /// Mean release, mL/min.
    pub level_ml_min: f64,
    /// Relative depth of its slow variation (0.2–0.5).
    pub depth: f64,
    /// Period of the variation, s.
    pub period_s: f64,
    phase: f64,
}

impl Trickle {
    /// Draws a session's trickle.
    pub fn draw(rng: &mut SimRng) -> Self {
        let (lo, hi) = TRICKLE_RANGE_ML_MIN;
        Self {
            level_ml_min: random::uniform(rng, lo.ln(), hi.ln()).exp(),
            depth: random::uniform(rng, TRICKLE_DEPTH_RANGE.0, TRICKLE_DEPTH_RANGE.1),
            period_s: random::uniform(rng, TRICKLE_PERIOD_RANGE_S.0, TRICKLE_PERIOD_RANGE_S.1),
            phase: random::uniform(rng, 0.0, TAU),
        }
    }

    /// Release at `t_s`, mL/s, when the first ejection began at `since_s` (`None`: no
    /// ejection yet, no trickle).
    pub fn release_ml_s(&self, t_s: f64, since_s: Option<f64>) -> f64 {
        let Some(since_s) = since_s else { return 0.0 };
        let u = t_s - since_s;
        if u <= 0.0 {
            return 0.0;
        }
        let ramp = if u < TRICKLE_RAMP_S {
            0.5 * (1.0 - (core::f64::consts::PI * u / TRICKLE_RAMP_S).cos())
        } else {
            1.0
        };
        let slow = 1.0 + self.depth * (TAU * t_s / self.period_s + self.phase).sin();
        self.level_ml_min / 60.0 * ramp * slow
    }
}

/// Periods of the wobble, s: "slow (periods ~20–120 s)" (the brief; a choice).
const WOBBLE_PERIOD_RANGE_S: (f64, f64) = (20.0, 120.0);
/// Relative depth of the wobble (a choice): the release stays within ×0.6 … ×1.4.
const WOBBLE_DEPTH_RANGE: (f64, f64) = (0.15, 0.4);

/// A slow multiplicative variation of the milk released: two sinusoids (weights 0.6 and
/// 0.4) with their own periods, so it does not look like a pure tone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Wobble {
    /// Largest relative change (0.15–0.4).
    pub depth: f64,
    /// The two periods, s (20–120).
    pub periods_s: [f64; 2],
    phases: [f64; 2],
}

impl Wobble {
    /// Draws a session's wobble.
    pub fn draw(rng: &mut SimRng) -> Self {
        let (lo, hi) = WOBBLE_PERIOD_RANGE_S;
        Self {
            depth: random::uniform(rng, WOBBLE_DEPTH_RANGE.0, WOBBLE_DEPTH_RANGE.1),
            periods_s: [random::uniform(rng, lo, hi), random::uniform(rng, lo, hi)],
            phases: [
                random::uniform(rng, 0.0, TAU),
                random::uniform(rng, 0.0, TAU),
            ],
        }
    }

    /// The factor on the release at `t_s` (1 − depth … 1 + depth, always > 0).
    pub fn factor(&self, t_s: f64) -> f64 {
        let s = 0.6 * (TAU * t_s / self.periods_s[0] + self.phases[0]).sin()
            + 0.4 * (TAU * t_s / self.periods_s[1] + self.phases[1]).sin();
        1.0 + self.depth * s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    #[test]
    fn trickle_starts_with_the_first_ejection_and_stays_low() {
        let mut rng = stream(1, Stream::Phenomena);
        for _ in 0..200 {
            let t = Trickle::draw(&mut rng);
            assert!((0.3..=2.0).contains(&t.level_ml_min));
            assert_eq!(t.release_ml_s(500.0, None), 0.0);
            assert_eq!(t.release_ml_s(99.0, Some(100.0)), 0.0);
            // Smooth start: tiny just after the onset.
            assert!(t.release_ml_s(101.0, Some(100.0)) * 60.0 < 0.01);
            let mean: f64 = (0..2400)
                .map(|i| t.release_ml_s(200.0 + f64::from(i) * 0.1, Some(100.0)) * 60.0)
                .sum::<f64>()
                / 2400.0;
            assert!((mean / t.level_ml_min - 1.0).abs() < 0.5, "{mean}");
            for i in 0..1000 {
                let r = t.release_ml_s(160.0 + f64::from(i), Some(100.0)) * 60.0;
                assert!(r > 0.0 && r <= 1.5 * 2.0, "{r}");
            }
        }
    }

    #[test]
    fn wobble_stays_positive_and_slow() {
        let mut rng = stream(2, Stream::Phenomena);
        for _ in 0..200 {
            let w = Wobble::draw(&mut rng);
            let xs: Vec<f64> = (0..6000).map(|i| w.factor(f64::from(i) * 0.1)).collect();
            assert!(xs.iter().all(|x| (0.6..=1.4).contains(x)));
            // Slow: changes by well under 1 % per 0.1 s.
            assert!(xs.windows(2).all(|p| (p[1] - p[0]).abs() < 0.01));
            let (lo, hi) = xs
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            assert!(hi - lo > 0.1, "{lo} {hi}");
        }
    }
}
