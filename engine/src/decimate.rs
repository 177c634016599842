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

/// One decimated output: the mean of its inputs, and whether any input of each channel
/// was unusable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decimated {
    /// Mean pressure, mmHg.
    pub pressure_mmhg: f32,
    /// Mean flow, mL/min.
    pub flow_ml_min: f32,
    /// False when at least one input's pressure was faulty or missing: the pump's cycle
    /// cannot be followed through it.
    pub pressure_valid: bool,
    /// False when at least one input's flow was faulty or missing: the cycle's flow is
    /// unusable, while the pump's cycle, which the pressure shows, goes on.
    pub flow_valid: bool,
}

/// Boxcar decimator for both channels at once.
#[derive(Clone, Copy, Debug)]
pub struct Decimator {
    factor: u32,
    inv_factor: f32,
    count: u32,
    sum_p: f32,
    sum_f: f32,
    /// The channels with an unusable input in the block so far: bit 0 pressure, bit 1
    /// flow (one OR per sample, not one per channel).
    invalid: u8,
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
            invalid: 0,
        }
    }

    /// The decimation factor.
    #[cfg(any(test, feature = "internals"))]
    pub fn factor(&self) -> u32 {
        self.factor
    }

    /// Adds one input sample (already sanitized: finite), with whether each channel's
    /// reading was usable; returns an output every `factor` inputs.
    #[inline]
    pub fn process(
        &mut self,
        pressure: f32,
        flow: f32,
        pressure_valid: bool,
        flow_valid: bool,
    ) -> Option<Decimated> {
        self.sum_p += pressure;
        self.sum_f += flow;
        self.invalid |= u8::from(!pressure_valid) | (u8::from(!flow_valid) << 1);
        self.count += 1;
        if self.count < self.factor {
            return None;
        }
        let out = Decimated {
            pressure_mmhg: self.sum_p * self.inv_factor,
            flow_ml_min: self.sum_f * self.inv_factor,
            pressure_valid: self.invalid & 1 == 0,
            flow_valid: self.invalid & 2 == 0,
        };
        self.count = 0;
        self.sum_p = 0.0;
        self.sum_f = 0.0;
        self.invalid = 0;
        Some(out)
    }

    /// Marks the block being accumulated as invalid on both channels (samples went
    /// missing).
    pub fn invalidate(&mut self) {
        self.invalid = 3;
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
    fn averages_blocks_and_flags_each_channels_invalid_ones() {
        let mut d = Decimator::new(4);
        let mut outs = [None; 12];
        for (i, o) in outs.iter_mut().enumerate() {
            *o = d.process(i as f32, 2.0 * i as f32, i != 9, i != 5);
        }
        assert_eq!(outs[..3], [None, None, None]);
        let valid = |o: Option<Decimated>| {
            let o = o.unwrap();
            (
                o.pressure_mmhg,
                o.flow_ml_min,
                o.pressure_valid,
                o.flow_valid,
            )
        };
        assert_eq!(valid(outs[3]), (1.5, 3.0, true, true));
        assert_eq!(valid(outs[7]), (5.5, 11.0, true, false));
        assert_eq!(valid(outs[11]), (9.5, 19.0, false, true));
        d.invalidate();
        let gap = (0..4)
            .filter_map(|_| d.process(0.0, 0.0, true, true))
            .next();
        assert_eq!(valid(gap), (0.0, 0.0, false, false));
    }
}
