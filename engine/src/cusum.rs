//! One-sided CUSUM on standardized values, with its threshold derived from a target
//! in-control average run length (ARL₀) rather than tuned to a data set.
//!
//! Page's CUSUM `S ← max(0, S + z − k)`, alarm when `S > h`, is the optimal sequential test
//! for a step in the mean of `k·2` standard deviations (Moustakides 1986). For a given `k`,
//! `h` follows from ARL₀ by Siegmund's approximation (Siegmund 1985, eq. 2.55):
//! `ARL₀ ≈ (exp(2k·b) − 2k·b − 1) / (2k²)` with `b = h + 1.166`.

/// Siegmund's approximation of a one-sided CUSUM's in-control ARL, in observations.
#[cfg(any(test, feature = "internals"))]
pub fn arl0(k: f32, h: f32) -> f32 {
    let b = h + 1.166;
    let x = 2.0 * k * b;
    (libm::expf(x) - x - 1.0) / (2.0 * k * k)
}

/// The threshold `h` whose in-control ARL equals `arl` observations for reference `k`
/// (both standardized). `k` is clamped to 0.05 … 20, the result to `h ≥ 0.25`.
pub fn threshold_for_arl(k: f32, arl: f32) -> f32 {
    let k = k.clamp(0.05, 20.0);
    let arl = arl.clamp(10.0, 1.0e9);
    // Solve exp(x) − x − 1 = 2k²·ARL for x = 2k·b > 0 by Newton's method from above
    // (the function is convex and increasing for x > 0, so iterates decrease monotonically).
    let target = 2.0 * k * k * arl;
    let mut x = libm::logf(target + 1.0) + 1.0;
    for _ in 0..20 {
        let f = libm::expf(x) - x - 1.0 - target;
        let df = libm::expf(x) - 1.0;
        if df <= 0.0 {
            break;
        }
        let next = x - f / df;
        if (next - x).abs() < 1e-5 {
            x = next;
            break;
        }
        x = next;
    }
    (x / (2.0 * k) - 1.166).max(0.25)
}

/// An upward one-sided CUSUM over standardized observations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cusum {
    /// The cumulative statistic, in standard deviations.
    pub s: f32,
}

impl Cusum {
    /// Adds one standardized observation `z` with reference `k`; returns the statistic.
    #[inline]
    pub fn process(&mut self, z: f32, k: f32) -> f32 {
        let s = self.s + z - k;
        // A non-finite z leaves the statistic as it was.
        self.s = if s.is_finite() { s.max(0.0) } else { self.s };
        self.s
    }

    /// Re-arms the test.
    pub fn reset(&mut self) {
        self.s = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_inverts_siegmund() {
        for k in [0.25f32, 0.5, 1.0, 2.0, 5.0] {
            for arl in [100.0f32, 1.0e4, 1.0e6] {
                let h = threshold_for_arl(k, arl);
                if h > 0.25 {
                    let back = arl0(k, h);
                    assert!(
                        (back / arl - 1.0).abs() < 1e-2,
                        "k {k} arl {arl}: h {h} → {back}"
                    );
                }
            }
        }
        // The textbook design k = 0.5, h = 5 has ARL₀ ≈ 930 (Siegmund's formula: 938).
        assert!((threshold_for_arl(0.5, 938.2) - 5.0).abs() < 0.01);
    }

    #[test]
    fn cusum_alarms_on_a_shift_and_not_on_noise_free_zero() {
        let mut c = Cusum::default();
        for _ in 0..1000 {
            assert_eq!(c.process(0.0, 0.5), 0.0);
        }
        let mut n = 0;
        while c.process(1.5, 0.5) <= 5.0 {
            n += 1;
        }
        assert_eq!(n, 5);
        assert_eq!(c.process(f32::NAN, 0.5), c.s);
    }
}
