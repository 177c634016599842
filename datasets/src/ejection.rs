//! The shape of one milk ejection: how fast milk is released from the alveoli into the
//! ducts over time.

use crate::mother::{SessionPhysiology, DECAY_SIGMA_EJECTION, MILK_DENSITY_G_ML};
use crate::random::{self, SimRng};

/// Rise time of the release, s: 10–30 s (DESIGN §1: "flow rises over 10–30 s").
const RISE_RANGE_S: (f64, f64) = (10.0, 30.0);
/// Total duration, from onset to the release's decay to 10 % of its peak, s: 45 s – 3.5 min
/// (DESIGN §1).
const DURATION_RANGE_S: (f64, f64) = (45.0, 210.0);
/// Each ejection's peak relative to the one before.
///
/// Later ejections are weaker as the alveoli empty. With ratio 0.7, five ejections give
/// 1/(1 + .7 + .49 + .34 + .24) = 36 % of the volume in the first and 61 % in the first
/// two (Prime 2011: first two give 62 % of 5.1 ejections); four give 39 % and 67 %
/// (Ramsay 2005: 41–47 % in the first of 3.3–3.7).
const LATER_EJECTION_RATIO: f64 = 0.7;
/// Log-SD of one ejection's peak around that trend.
const PEAK_SIGMA_EJECTION: f64 = 0.2;
/// Smallest peak release, g/s. A choice: half of Idei 2024's "high flow" mark (0.1 g/s),
/// i.e. 2.9 mL/min, so that every ejection's own flow reaches the 1 mL/min visibility
/// limit at the sensor (unless the session ends or the pump stops first). Weaker
/// ejections exist (ultrasound sees some that flow does not, Prime 2009) but could not be
/// labelled honestly from flow, so this simulator does not make them.
const MIN_PEAK_G_S: f64 = 0.05;

/// One ejection's release into the ducts: a raised-cosine rise from zero to `peak_ml_s`
/// over `rise_s`, then an exponential decay with time constant `decay_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Envelope {
    /// When the release begins, s since session start.
    pub onset_s: f64,
    /// Rise time, s.
    pub rise_s: f64,
    /// Decay time constant, s.
    pub decay_s: f64,
    /// Peak release, mL/s.
    pub peak_ml_s: f64,
}

impl Envelope {
    /// The `index`-th ejection (0 = first) of a session, starting at `onset_s`.
    pub fn draw(onset_s: f64, index: u32, phys: &SessionPhysiology, rng: &mut SimRng) -> Self {
        let rise_s = random::bell(rng, RISE_RANGE_S.0, RISE_RANGE_S.1);
        let ln10 = core::f64::consts::LN_10;
        let decay_s = random::lognormal_median(rng, phys.decay_median_s, DECAY_SIGMA_EJECTION)
            .clamp(
                (DURATION_RANGE_S.0 - rise_s) / ln10,
                (DURATION_RANGE_S.1 - rise_s) / ln10,
            );
        let trend = LATER_EJECTION_RATIO.powi(index.min(64) as i32);
        let peak_ml_s = (phys.first_peak_ml_s
            * trend
            * random::lognormal_median(rng, 1.0, PEAK_SIGMA_EJECTION))
        .max(MIN_PEAK_G_S / MILK_DENSITY_G_ML);
        Self {
            onset_s,
            rise_s,
            decay_s,
            peak_ml_s,
        }
    }

    /// Release rate at time `t_s`, mL/s (0 before the onset).
    pub fn release_ml_s(&self, t_s: f64) -> f64 {
        let u = t_s - self.onset_s;
        if u <= 0.0 {
            0.0
        } else if u < self.rise_s {
            let x = core::f64::consts::PI * u / self.rise_s;
            self.peak_ml_s * 0.5 * (1.0 - x.cos())
        } else {
            self.peak_ml_s * (-(u - self.rise_s) / self.decay_s).exp()
        }
    }

    /// Volume released from `onset_s` to `t_s`, mL (closed form).
    pub fn released_ml(&self, t_s: f64) -> f64 {
        let u = t_s - self.onset_s;
        if u <= 0.0 {
            return 0.0;
        }
        let pi = core::f64::consts::PI;
        let r = u.min(self.rise_s);
        let rise = self.peak_ml_s * 0.5 * (r - self.rise_s / pi * (pi * r / self.rise_s).sin());
        let decay = if u > self.rise_s {
            self.peak_ml_s * self.decay_s * (1.0 - (-(u - self.rise_s) / self.decay_s).exp())
        } else {
            0.0
        };
        rise + decay
    }

    /// Total volume of the ejection, mL: what it releases until
    /// [`release_over_s`](Self::release_over_s) (the exponential tail beyond, 0.1 % of the
    /// decay's volume, is never released).
    pub fn volume_ml(&self) -> f64 {
        self.released_ml(self.release_over_s())
    }

    /// After this time the release is below 0.1 % of its peak and is treated as over, s.
    pub fn release_over_s(&self) -> f64 {
        self.onset_s + self.rise_s + self.decay_s * 1000f64.ln()
    }

    /// When the release has decayed to 10 % of its peak, s.
    #[cfg(test)]
    pub fn release_tenth_s(&self) -> f64 {
        self.onset_s + self.rise_s + self.decay_s * core::f64::consts::LN_10
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    fn phys() -> SessionPhysiology {
        SessionPhysiology {
            first_threshold_s: 90.0,
            interval_median_s: 121.0,
            first_peak_ml_s: 0.5,
            decay_median_s: 45.0,
            removal_scale: 1.0,
            duct_milk_ml: 0.0,
        }
    }

    #[test]
    fn shape_starts_at_zero_rises_smoothly_and_integrates() {
        let mut rng = stream(3, Stream::Physiology);
        for i in 0..200 {
            let e = Envelope::draw(100.0, i % 6, &phys(), &mut rng);
            assert!((10.0..=30.0).contains(&e.rise_s));
            let d = e.release_tenth_s() - e.onset_s;
            assert!((45.0 - 1e-9..=210.0 + 1e-9).contains(&d), "{d}");
            assert_eq!(e.release_ml_s(100.0), 0.0);
            // Smooth start (zero slope): after 1 s the release is below 3 % of the peak.
            assert!(e.release_ml_s(101.0) < 0.03 * e.peak_ml_s);
            assert!((e.release_ml_s(100.0 + e.rise_s) - e.peak_ml_s).abs() < 1e-12);
            assert!(e.peak_ml_s * MILK_DENSITY_G_ML >= MIN_PEAK_G_S - 1e-12);
            // Numerical integral matches the closed forms.
            let dt = 0.01;
            let mut v = 0.0;
            let mut t = e.onset_s;
            while t < e.release_over_s() {
                v += e.release_ml_s(t + 0.5 * dt) * dt;
                t += dt;
            }
            assert!((v - e.released_ml(t)).abs() < 1e-3 * e.volume_ml(), "{v}");
            assert!((v - e.volume_ml()).abs() < 2e-3 * e.volume_ml());
        }
    }

    #[test]
    fn later_ejections_are_weaker() {
        let mut rng = stream(4, Stream::Physiology);
        let mean = |i: u32, rng: &mut SimRng| {
            (0..2000)
                .map(|_| Envelope::draw(0.0, i, &phys(), rng).volume_ml())
                .sum::<f64>()
                / 2000.0
        };
        let v: Vec<f64> = (0..5).map(|i| mean(i, &mut rng)).collect();
        let first_two = (v[0] + v[1]) / v.iter().sum::<f64>();
        // Prime 2011: the first two give 62 % of the volume.
        assert!((0.56..0.68).contains(&first_two), "{v:?}");
    }
}
