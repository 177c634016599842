//! Per-cycle flow features: the cycle's mean flow (its milk volume per minute), how much
//! of it was rejected as artefact, and the flow's pulsation at the pump rate.
//!
//! Milk moves during each suction stroke, so real flow pulses at the pump rate while
//! sensor offset and drift do not: averaging over exactly one pump cycle removes the
//! pulsation from the level, and a single DFT bin at the cycle's own frequency measures it.
//!
//! Artefact rejection: each decimated flow sample must lie in a band around what the
//! previous cycles allow (set by the detector through [`FlowFeatures::set_band`]). Motion
//! spikes (−60 … +100 mL/min for a fraction of a second) and air bubbles (reads down to
//! about −10 mL/min) fall outside it and are left out of the cycle's mean and counted.

/// Features of one analysis block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockFeatures {
    /// Mean of the accepted flow samples, mL/min (NaN when none was accepted).
    pub mean_flow_ml_min: f32,
    /// Milk volume through the sensor in this block, mL (accepted mean × duration).
    pub volume_ml: f32,
    /// Amplitude of the flow's component at the block's own frequency, mL/min.
    pub pulsation_ml_min: f32,
    /// Highest accepted flow sample, mL/min.
    pub peak_flow_ml_min: f32,
    /// Lowest accepted flow sample, mL/min.
    pub min_flow_ml_min: f32,
    /// Fraction of samples rejected as artefact, 0 … 1.
    pub rejected_fraction: f32,
}

/// Accumulates one block's flow samples.
#[derive(Clone, Copy, Debug)]
pub struct FlowFeatures {
    fs: f32,
    lo: f32,
    hi: f32,
    n: u32,
    accepted: u32,
    sum: f32,
    peak: f32,
    low: f32,
    // Rotating phasor at the expected cycle frequency (from the previous cycle's length).
    rot_re: f32,
    rot_im: f32,
    ph_re: f32,
    ph_im: f32,
    acc_re: f32,
    acc_im: f32,
    ph_sum_re: f32,
    ph_sum_im: f32,
    suspect: bool,
}

impl FlowFeatures {
    /// An accumulator for decimated flow at `fs` Hz, expecting cycles of `expected_len`
    /// samples at first.
    pub fn new(fs: f32, expected_len: u32) -> Self {
        let mut f = Self {
            fs,
            lo: -100.0,
            hi: 250.0,
            n: 0,
            accepted: 0,
            sum: 0.0,
            peak: f32::NEG_INFINITY,
            low: f32::INFINITY,
            rot_re: 1.0,
            rot_im: 0.0,
            ph_re: 1.0,
            ph_im: 0.0,
            acc_re: 0.0,
            acc_im: 0.0,
            ph_sum_re: 0.0,
            ph_sum_im: 0.0,
            suspect: false,
        };
        f.expect_len(expected_len);
        f
    }

    /// Sets the band of plausible flow for the next samples, mL/min.
    pub fn set_band(&mut self, lo: f32, hi: f32) {
        self.lo = lo;
        self.hi = hi;
    }

    /// Marks the block in progress as unusable (e.g. a channel is repeating one value and
    /// may be stuck): it closes with every sample counted as rejected.
    pub fn mark_suspect(&mut self) {
        self.suspect = true;
    }

    /// Sets the expected length of the next block (the phasor's frequency).
    pub fn expect_len(&mut self, len: u32) {
        let w = 2.0 * core::f32::consts::PI / len.max(2) as f32;
        self.rot_re = libm::cosf(w);
        self.rot_im = -libm::sinf(w);
    }

    /// Adds one decimated flow sample (finite).
    #[inline]
    pub fn process(&mut self, flow: f32) {
        self.n += 1;
        if flow >= self.lo && flow <= self.hi {
            self.accepted += 1;
            self.sum += flow;
            self.peak = self.peak.max(flow);
            self.low = self.low.min(flow);
            self.acc_re += flow * self.ph_re;
            self.acc_im += flow * self.ph_im;
            self.ph_sum_re += self.ph_re;
            self.ph_sum_im += self.ph_im;
        }
        let re = self.ph_re * self.rot_re - self.ph_im * self.rot_im;
        let im = self.ph_re * self.rot_im + self.ph_im * self.rot_re;
        self.ph_re = re;
        self.ph_im = im;
    }

    /// Closes the block and starts the next one.
    pub fn close(&mut self) -> BlockFeatures {
        let (mean, pulsation) = if self.accepted > 0 {
            let mean = self.sum / self.accepted as f32;
            // Remove the mean's own leakage into the bin (the block is rarely exactly one
            // period of the phasor).
            let re = self.acc_re - mean * self.ph_sum_re;
            let im = self.acc_im - mean * self.ph_sum_im;
            (
                mean,
                2.0 * libm::sqrtf(re * re + im * im) / self.accepted as f32,
            )
        } else {
            (f32::NAN, 0.0)
        };
        let out = BlockFeatures {
            mean_flow_ml_min: mean,
            volume_ml: if self.accepted > 0 {
                mean * self.n as f32 / self.fs / 60.0
            } else {
                0.0
            },
            pulsation_ml_min: pulsation,
            peak_flow_ml_min: self.peak,
            min_flow_ml_min: self.low,
            rejected_fraction: if self.suspect {
                1.0
            } else if self.n > 0 {
                1.0 - self.accepted as f32 / self.n as f32
            } else {
                0.0
            },
        };
        let (rot_re, rot_im) = (self.rot_re, self.rot_im);
        *self = Self {
            rot_re,
            rot_im,
            ..Self::new_empty(self.fs, self.lo, self.hi)
        };
        out
    }

    fn new_empty(fs: f32, lo: f32, hi: f32) -> Self {
        Self {
            fs,
            lo,
            hi,
            n: 0,
            accepted: 0,
            sum: 0.0,
            peak: f32::NEG_INFINITY,
            low: f32::INFINITY,
            rot_re: 1.0,
            rot_im: 0.0,
            ph_re: 1.0,
            ph_im: 0.0,
            acc_re: 0.0,
            acc_im: 0.0,
            ph_sum_re: 0.0,
            ph_sum_im: 0.0,
            suspect: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_pulsation_of_a_pulsing_flow() {
        let len = 55u32; // 109 cpm at 100 Hz
        let mut f = FlowFeatures::new(100.0, len);
        for i in 0..len {
            let w = 2.0 * core::f32::consts::PI * i as f32 / len as f32;
            f.process(12.0 + 8.0 * libm::cosf(w + 0.7));
        }
        let b = f.close();
        assert!((b.mean_flow_ml_min - 12.0).abs() < 1e-3, "{b:?}");
        assert!((b.pulsation_ml_min - 8.0).abs() < 0.05, "{b:?}");
        assert_eq!(b.rejected_fraction, 0.0);
    }

    #[test]
    fn samples_outside_the_band_are_left_out_and_counted() {
        let mut f = FlowFeatures::new(100.0, 50);
        f.set_band(-3.0, 5.0);
        for i in 0..50 {
            f.process(if (10..20).contains(&i) { 90.0 } else { 1.0 });
        }
        let b = f.close();
        assert_eq!(b.mean_flow_ml_min, 1.0);
        assert!((b.rejected_fraction - 0.2).abs() < 1e-6);
    }
}
