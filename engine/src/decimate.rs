//! Early decimation: averages `factor` input samples into one, so the filters and
//! trackers run at 100–200 Hz whatever the input rate (100 Hz … 10 kHz).
//!
//! A boxcar average is enough here: the signals of interest (pump fundamental 0.4–2.2 Hz
//! and its first harmonics, the milk-flow envelope) lie far below the decimated Nyquist
//! frequency (≥ 50 Hz), and the boxcar's nulls fall on multiples of the output rate, where
//! mains hum and sensor refresh artefacts of the input would otherwise alias.

/// Target output rate: `factor = floor(rate / INTERNAL_RATE_MIN_HZ)`, so the output rate
/// lies in 100 … 200 Hz.
pub const INTERNAL_RATE_MIN_HZ: f32 = 100.0;

/// The decimation factor for an input rate, Hz (≥ 1).
pub fn factor_for(sample_rate_hz: f32) -> u32 {
    let f = libm::floorf(sample_rate_hz / INTERNAL_RATE_MIN_HZ);
    if f >= 1.0 {
        f as u32
    } else {
        1
    }
}

/// One decimated output: the mean of its inputs, and whether any input was unusable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decimated {
    /// Mean pressure, mmHg.
    pub pressure_mmhg: f32,
    /// Mean flow, mL/min.
    pub flow_ml_min: f32,
    /// False when at least one input sample was faulty or missing.
    pub valid: bool,
}

/// Boxcar decimator for both channels at once.
#[derive(Clone, Copy, Debug)]
pub struct Decimator {
    factor: u32,
    inv_factor: f32,
    count: u32,
    sum_p: f32,
    sum_f: f32,
    valid: bool,
}

impl Decimator {
    /// A decimator by `factor` (clamped to ≥ 1).
    pub fn new(factor: u32) -> Self {
        let factor = factor.max(1);
        Self {
            factor,
            inv_factor: 1.0 / factor as f32,
            count: 0,
            sum_p: 0.0,
            sum_f: 0.0,
            valid: true,
        }
    }

    /// The decimation factor.
    #[cfg(any(test, feature = "internals"))]
    pub fn factor(&self) -> u32 {
        self.factor
    }

    /// Adds one input sample (already sanitized: finite); returns an output every
    /// `factor` inputs.
    #[inline]
    pub fn process(&mut self, pressure: f32, flow: f32, valid: bool) -> Option<Decimated> {
        self.sum_p += pressure;
        self.sum_f += flow;
        self.valid &= valid;
        self.count += 1;
        if self.count < self.factor {
            return None;
        }
        let out = Decimated {
            pressure_mmhg: self.sum_p * self.inv_factor,
            flow_ml_min: self.sum_f * self.inv_factor,
            valid: self.valid,
        };
        self.count = 0;
        self.sum_p = 0.0;
        self.sum_f = 0.0;
        self.valid = true;
        Some(out)
    }

    /// Marks the block being accumulated as invalid (samples went missing).
    pub fn invalidate(&mut self) {
        self.valid = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_keep_internal_rate_in_100_to_200_hz() {
        for rate in [100.0, 199.0, 250.0, 500.0, 1000.0, 2000.0, 4410.0, 10_000.0] {
            let f = factor_for(rate);
            let out = rate / f as f32;
            assert!((100.0..200.0).contains(&out), "{rate} → {out}");
        }
    }

    #[test]
    fn averages_blocks_and_flags_invalid_ones() {
        let mut d = Decimator::new(4);
        let mut outs = [None; 8];
        for (i, o) in outs.iter_mut().enumerate() {
            *o = d.process(i as f32, 2.0 * i as f32, i != 5);
        }
        assert_eq!(outs[..3], [None, None, None]);
        let a = outs[3].unwrap();
        assert_eq!((a.pressure_mmhg, a.flow_ml_min, a.valid), (1.5, 3.0, true));
        let b = outs[7].unwrap();
        assert_eq!(
            (b.pressure_mmhg, b.flow_ml_min, b.valid),
            (5.5, 11.0, false)
        );
    }
}
