//! The milk path at the breast: ejections release milk into the ducts; vacuum removes it.
//!
//! The duct store is linear: the pump removes milk at `k(p) · store`, where `k` grows with
//! the vacuum at the nipple and is zero without vacuum (between strokes and during a
//! pause, milk waits in the ducts). Because the model is linear, the store is kept as
//! separate shares — the milk present at the start (`duct-milk`), the trickle between
//! ejections (`trickle`) and one share per ejection — so each ejection's own removed flow
//! is known exactly for its labels. Every share is removed at the same fractional rate
//! except the milk present at the start, which leaves more slowly (see
//! [`DUCT_MILK_REMOVAL_FACTOR`]).

/// Vacuum at which the removal rate reaches `REMOVAL_RATE_PER_S`, mmHg (magnitude): the
/// average maximum comfortable vacuum (Kent 2008, −190 mmHg).
const REFERENCE_VACUUM_MMHG: f64 = 190.0;
/// Vacuum below which no milk leaves the nipple, mmHg (magnitude). Assumption: a small
/// opening pressure of the nipple ducts.
const OPENING_VACUUM_MMHG: f64 = 20.0;
/// Removal rate at the reference vacuum during the suction stroke, 1/s.
///
/// Assumption (no measurement of duct emptying per stroke exists), calibrated on the
/// waveform of `pump.rs` (see the test `cycle_average_removal_time_constants`): the cycle
/// average at −190 mmHg is ≈ 0.5/s (time constant ≈ 2 s, so in expression the pumped flow
/// follows the ejection within seconds) and at −100 mmHg (stimulation) ≈ 0.22/s (≈ 4.5 s).
/// Deeper vacuum removes milk faster (Kent 2008: higher vacuum, faster flow); milk released
/// during the slower stimulation waits in the ducts and comes out faster once expression
/// starts.
const REMOVAL_RATE_PER_S: f64 = 1.2;

/// How much slower the milk already in the ducts at the start leaves than released milk.
///
/// Before an ejection the ducts are narrow and store little (Ramsay 2005, J Anat 206:525;
/// their diameter grows at ejection, Ramsay 2004), so pumping draws only "a brief, low
/// flow in its first tens of seconds that decays by itself" (DESIGN §1). With a quarter of
/// the removal rate, the start's milk leaves with a time constant of ≈ 18 s in stimulation
/// (−100 mmHg) and ≈ 8 s in expression: 0.3–2 mL give a cycle-averaged flow of at most
/// ≈ 7 mL/min in stimulation (up to ≈ 15 mL/min where a session starts in expression,
/// e.g. the expression-only program) that decays over tens of seconds. Assumption: no measurement of the
/// pre-ejection flow's time course exists.
pub(crate) const DUCT_MILK_REMOVAL_FACTOR: f64 = 0.25;

/// Instantaneous removal rate, 1/s, at nipple pressure `pressure_mmhg` for a mother and
/// session whose removal multiplier is `scale`.
#[inline]
pub(crate) fn removal_rate_per_s(pressure_mmhg: f64, scale: f64) -> f64 {
    let depth = -pressure_mmhg - OPENING_VACUUM_MMHG;
    if depth > 0.0 {
        REMOVAL_RATE_PER_S * scale * depth / (REFERENCE_VACUUM_MMHG - OPENING_VACUUM_MMHG)
    } else {
        0.0
    }
}

/// The duct store, split into shares.
#[derive(Clone, Debug)]
pub(crate) struct DuctStore {
    store_ml: Vec<f64>,
    removed_ml: Vec<f64>,
    total_ml: f64,
    /// `Σ factor · store`: what the removal rate acts on, mL.
    weighted_ml: f64,
    k_dt: f64,
    released_total_ml: f64,
    removed_total_ml: f64,
}

/// Share 0: the milk already in the ducts at the start (not an ejection).
pub(crate) const START_SHARE: usize = 0;
/// Share 1: the trickle between ejections (not an ejection).
pub(crate) const TRICKLE_SHARE: usize = 1;

impl DuctStore {
    /// A store holding `initial_ml` (share 0, removed [`DUCT_MILK_REMOVAL_FACTOR`] times
    /// as fast as the rest) and an empty trickle share (1).
    pub fn new(initial_ml: f64) -> Self {
        let initial_ml = initial_ml.max(0.0);
        Self {
            store_ml: vec![initial_ml, 0.0],
            removed_ml: vec![0.0, 0.0],
            total_ml: initial_ml,
            weighted_ml: initial_ml * DUCT_MILK_REMOVAL_FACTOR,
            k_dt: 0.0,
            released_total_ml: initial_ml,
            removed_total_ml: 0.0,
        }
    }

    /// Opens a new, empty share (one per ejection); returns its index.
    pub fn add_share(&mut self) -> usize {
        self.store_ml.push(0.0);
        self.removed_ml.push(0.0);
        self.store_ml.len() - 1
    }

    /// Adds `ml` released into share `share`.
    pub fn release(&mut self, share: usize, ml: f64) {
        if let Some(s) = self.store_ml.get_mut(share) {
            let ml = ml.max(0.0);
            *s += ml;
            self.total_ml += ml;
            self.weighted_ml += ml * Self::factor(share);
            self.released_total_ml += ml;
        }
    }

    /// One sample of `dt_s` at removal rate `k_per_s`: the flow out of the nipple, mL/min.
    /// The store itself is settled in [`settle`](Self::settle) (every ~10 ms).
    #[inline]
    pub fn sample_flow_ml_min(&mut self, k_per_s: f64, dt_s: f64) -> f64 {
        self.k_dt += k_per_s * dt_s;
        k_per_s * self.weighted_ml * 60.0
    }

    /// How fast share `share` leaves relative to released milk.
    #[inline]
    fn factor(share: usize) -> f64 {
        if share == START_SHARE {
            DUCT_MILK_REMOVAL_FACTOR
        } else {
            1.0
        }
    }

    /// Removes what the samples since the last settle took: every share loses the
    /// fraction `factor · ∫k dt` (≤ 1), so the sum of the per-sample flows is exactly what
    /// leaves.
    pub fn settle(&mut self) {
        let f = self.k_dt.clamp(0.0, 1.0);
        self.k_dt = 0.0;
        if f == 0.0 {
            return;
        }
        let (mut total, mut weighted) = (0.0, 0.0);
        for (i, (s, r)) in self
            .store_ml
            .iter_mut()
            .zip(self.removed_ml.iter_mut())
            .enumerate()
        {
            let factor = Self::factor(i);
            let out = *s * f * factor;
            *s -= out;
            *r += out;
            total += *s;
            weighted += *s * factor;
        }
        self.removed_total_ml += self.total_ml - total;
        self.total_ml = total;
        self.weighted_ml = weighted;
    }

    /// Volume removed from share `share` so far (as of the last settle), mL.
    pub fn removed_ml(&self, share: usize) -> f64 {
        self.removed_ml.get(share).copied().unwrap_or(0.0)
    }

    /// Milk in share `share` now, mL.
    #[cfg(test)]
    pub fn store_ml(&self, share: usize) -> f64 {
        self.store_ml.get(share).copied().unwrap_or(0.0)
    }

    /// Milk in the ducts now, mL.
    #[cfg(test)]
    pub fn total_ml(&self) -> f64 {
        self.total_ml
    }

    /// Everything released into the ducts so far (including the milk there at the start), mL.
    pub fn released_total_ml(&self) -> f64 {
        self.released_total_ml
    }

    /// Everything removed so far, mL.
    pub fn removed_total_ml(&self) -> f64 {
        self.removed_total_ml
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_needs_vacuum_and_grows_with_depth() {
        assert_eq!(removal_rate_per_s(0.0, 1.0), 0.0);
        assert_eq!(removal_rate_per_s(-15.0, 1.0), 0.0);
        assert_eq!(removal_rate_per_s(10.0, 1.0), 0.0);
        assert!(removal_rate_per_s(-190.0, 1.0) > removal_rate_per_s(-100.0, 1.0));
        assert!((removal_rate_per_s(-190.0, 1.0) - REMOVAL_RATE_PER_S).abs() < 1e-12);
    }

    #[test]
    fn cycle_average_removal_time_constants() {
        use crate::pump::{Command, Pump, WaveShape};
        use crate::random::{stream, Stream};
        use letdown_engine::Mode;
        let tau = |mode, vac, rate, seed| {
            let mut rng = stream(seed, Stream::Pump);
            let shape = WaveShape::draw(&mut rng);
            let cmd = Command {
                mode,
                vacuum_mmhg: vac,
                rate_cpm: rate,
                ramp_cycles: 0,
            };
            let mut p = Pump::new(shape, cmd, rng);
            let dt = 0.001;
            let k: f64 = (0..60_000)
                .map(|_| removal_rate_per_s(p.step(dt), 1.0) * dt)
                .sum();
            60.0 / k
        };
        for seed in 0..5 {
            let e = tau(Mode::Expression, -190.0, 60.0, seed);
            let s = tau(Mode::Stimulation, -100.0, 110.0, seed);
            assert!((1.6..2.5).contains(&e), "expression τ {e}");
            assert!((3.5..5.5).contains(&s), "stimulation τ {s}");
        }
    }

    #[test]
    fn shares_are_removed_in_proportion_and_volume_is_conserved() {
        let mut d = DuctStore::new(2.0);
        let s = d.add_share();
        d.release(s, 6.0);
        d.release(TRICKLE_SHARE, 2.0);
        let dt = 0.001;
        let mut out = 0.0;
        for _ in 0..100 {
            for _ in 0..10 {
                out += d.sample_flow_ml_min(0.5, dt) / 60.0 * dt;
            }
            d.settle();
        }
        assert!((out - d.removed_total_ml()).abs() < 1e-9);
        // Released shares leave at the same rate; the start's milk more slowly.
        assert!((d.removed_ml(s) / d.removed_ml(TRICKLE_SHARE) - 3.0).abs() < 1e-9);
        let start_left = d.store_ml(START_SHARE) / 2.0;
        let released_left = d.store_ml(s) / 6.0;
        // ∫k dt = 0.5: a released share keeps e^(−0.5), the start's e^(−0.125), to first
        // order per 10 ms step.
        assert!(
            (released_left - (-0.5f64).exp()).abs() < 0.01,
            "{released_left}"
        );
        let slow = (-0.5 * DUCT_MILK_REMOVAL_FACTOR).exp();
        assert!((start_left - slow).abs() < 0.01, "{start_left}");
        let left = d.store_ml(s) + d.store_ml(START_SHARE) + d.store_ml(TRICKLE_SHARE);
        assert!((left - d.total_ml()).abs() < 1e-12);
        assert!((left + d.removed_total_ml() - d.released_total_ml()).abs() < 1e-9);
    }
}
