//! Seeded random streams, one per concern, and the few distributions the model draws from.
//!
//! Every part of a session (mother, physiology, pump, user, sensor parameters, sensor
//! noise, faults) draws from its own stream derived from the session seed, so turning a
//! fault on does not change the physiology, and the same mother behaves the same way in
//! sessions that differ in every other respect.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

/// The generator used everywhere: small, fast, and reproducible across platforms.
pub(crate) type SimRng = Pcg64Mcg;

/// Which concern a random stream serves. The discriminant is mixed into the seed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Mother-level parameters (seeded by the mother id, not the session seed).
    Mother = 1,
    /// The choice of profile when the profile is `mix`.
    Mix = 2,
    /// Session physiology: thresholds, ejection envelopes, duct milk.
    Physiology = 3,
    /// Pump settings and per-cycle jitter.
    Pump = 4,
    /// What the user does: vacuum changes, pauses, button presses, leaks.
    User = 5,
    /// Sensor parameters (delay, noise level, drift, refresh rate, gain shift).
    Sensor = 6,
    /// Per-sample sensor noise.
    Noise = 7,
    /// Fault and artefact episodes.
    Faults = 8,
    /// The mother id of a session that does not name one.
    MotherOfSession = 9,
    /// Which of the newer phenomena a session gets and their parameters (duct milk's
    /// presence, trickle, wobble); its own stream so that they move no other draw.
    Phenomena = 10,
    /// The fault episodes asked for on demand (`--faults`), apart from the everyday ones,
    /// so that asking for a fault moves no other draw.
    DemandedFaults = 11,
}

/// SplitMix64 finaliser: a bijective, well-mixing map of 64-bit words.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream `stream` of `seed`.
pub(crate) fn stream(seed: u64, stream: Stream) -> SimRng {
    SimRng::seed_from_u64(mix64(seed ^ mix64(stream as u64)))
}

/// A standard normal deviate.
pub(crate) fn normal(rng: &mut SimRng) -> f64 {
    StandardNormal.sample(rng)
}

/// Uniform on `[lo, hi)`.
pub(crate) fn uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// `true` with probability `p` (any `p`; ≤ 0 never, ≥ 1 always).
pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Log-normal with the given median and log-standard deviation `sigma`.
pub(crate) fn lognormal_median(rng: &mut SimRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Log-normal with the given mean and coefficient of variation (SD / mean).
pub(crate) fn lognormal_mean_cv(rng: &mut SimRng, mean: f64, cv: f64) -> f64 {
    let s2 = (1.0 + cv * cv).ln();
    mean * (s2.sqrt() * normal(rng) - 0.5 * s2).exp()
}

/// Symmetric bell on `[lo, hi]` (Beta(2, 2) scaled): most values near the middle, none
/// outside.
pub(crate) fn bell(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    // The median of three uniforms has the Beta(2, 2) density 6x(1 − x).
    let (a, b, c) = (
        rng.random::<f64>(),
        rng.random::<f64>(),
        rng.random::<f64>(),
    );
    let m = a.max(b).min(a.min(b).max(c));
    lo + (hi - lo) * m
}

/// Largest mean drawn by inversion in one go: `exp(−mean)` underflows to 0 past about
/// 745, and the count would stop there.
const POISSON_CHUNK: f64 = 500.0;

/// A count with the given mean: Poisson by inversion (means here are mostly small, < 50);
/// a mean above [`POISSON_CHUNK`] (a day of everyday events asked for as faults) is drawn
/// as a sum of Poisson counts of at most that mean, which is Poisson with their total.
pub(crate) fn poisson(rng: &mut SimRng, mean: f64) -> u32 {
    if !(mean.is_finite() && mean > 0.0) {
        return 0;
    }
    if mean > POISSON_CHUNK {
        let chunks = (mean / POISSON_CHUNK).ceil();
        return (0..chunks as u32)
            .map(|_| poisson(rng, mean / chunks))
            .fold(0u32, u32::saturating_add);
    }
    let limit = (-mean).exp();
    let mut p = rng.random::<f64>();
    let mut k = 0u32;
    while p > limit && k < 1000 {
        p *= rng.random::<f64>();
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, Stream::Pump).random()).collect();
        let mut r1 = stream(7, Stream::Pump);
        let mut r2 = stream(7, Stream::Pump);
        let mut r3 = stream(7, Stream::Sensor);
        let x: u64 = r1.random();
        assert_eq!(x, r2.random::<u64>());
        assert_ne!(x, r3.random::<u64>());
        assert_eq!(a[0], a[1]);
    }

    #[test]
    fn poisson_mean_and_bell_range() {
        let mut r = stream(1, Stream::Faults);
        let n = 20_000;
        let mean = (0..n).map(|_| f64::from(poisson(&mut r, 3.0))).sum::<f64>() / n as f64;
        assert!((mean - 3.0).abs() < 0.1, "{mean}");
        for _ in 0..1000 {
            let b = bell(&mut r, 10.0, 30.0);
            assert!((10.0..=30.0).contains(&b));
        }
        assert_eq!(poisson(&mut r, f64::NAN), 0);
    }

    #[test]
    fn a_large_mean_does_not_stop_where_exp_underflows() {
        // A day of spikes asked for as a fault at 40/h: 960 (inversion alone stopped
        // near 745, where exp(−mean) underflows).
        let mut r = stream(2, Stream::Faults);
        let n = 400;
        let draws: Vec<f64> = (0..n).map(|_| f64::from(poisson(&mut r, 960.0))).collect();
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        // The mean of 400 draws has a standard error of √(960/400) ≈ 1.5.
        assert!((mean - 960.0).abs() < 8.0, "{mean}");
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
        assert!((var / 960.0 - 1.0).abs() < 0.25, "variance {var}");
    }
}
