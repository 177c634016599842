//! Per-cycle flow features: the cycle's mean flow (its milk volume per minute), how much
//! of it was rejected as artefact, and the flow's pulsation at the pump rate.
//!
//! Milk moves during each suction stroke, so real flow pulses at the pump rate while
//! sensor offset and drift do not: averaging over exactly one pump cycle removes the
//! pulsation from the level, and a single DFT bin at the cycle's own frequency measures it:
//! its amplitude, and its phase against the cycle's start, which milk keeps from cycle to
//! cycle (the suction stroke and the transport delay set it) and noise or a motion burst
//! does not. The bin also takes in the block's own trend (a ramp of r mL/min over the
//! block reads r/π, at a phase that repeats while the ramp lasts): on a sensor that smooths
//! the pulsation away, that is most of what it reads at an onset, and the detector's bars
//! were read with it in (removing it made every figure worse: detection log).
//!
//! Artefact rejection: each decimated flow sample must lie in a band around what the
//! previous cycles allow (set by the detector through [`FlowFeatures::set_band`]). Motion
//! spikes (−60 … +100 mL/min for a fraction of a second) and air bubbles (reads down to
//! about −10 mL/min) fall outside it and are left out of the cycle's mean and counted.
//!
//! Partial-cycle test: the detector may arm a test for the cycle in progress (see
//! [`FlowFeatures::arm`]). After each accepted sample it asks whether the cycle's excess over
//! the baseline so far — the accepted samples' excess summed and divided by the expected
//! cycle length, i.e. the cycle's mean excess if the samples still to come were at the
//! baseline — has already reached the level that completes the detector's evidence, so the
//! decision need not wait for the cycle's end. It also asks that some accepted reading of
//! the cycle has reached a given level (the last cycle's mean, see
//! [`PartialTest::reach_ml_min`]).

use crate::sanitize::ChannelLimits;

/// Features of one analysis block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockFeatures {
    /// Mean of the accepted flow samples, mL/min (NaN when none was accepted).
    pub mean_flow_ml_min: f32,
    /// Milk volume through the sensor in this block, mL (accepted mean × duration; NaN
    /// where the flow sensor failed in the block, whose readings are held values, not
    /// measurements).
    pub volume_ml: f32,
    /// Amplitude of the flow's component at the block's own frequency, mL/min.
    pub pulsation_ml_min: f32,
    /// That component as a complex amplitude (cosine, sine parts against the block's
    /// start), mL/min: its phase is where in the cycle the flow pulses.
    pub pulsation_phasor: [f32; 2],
    /// Highest accepted flow sample, mL/min.
    pub peak_flow_ml_min: f32,
    /// Lowest accepted flow sample, mL/min.
    pub min_flow_ml_min: f32,
    /// Fraction of samples rejected as artefact, 0 … 1.
    pub rejected_fraction: f32,
}

/// The partial-cycle test the detector arms for the block in progress
/// ([`FlowFeatures::arm`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartialTest {
    /// Baseline the excess is measured from, mL/min.
    pub baseline_ml_min: f32,
    /// The block's mean excess over the baseline that completes the evidence, counted over
    /// the expected block length (the samples still to come taken at the baseline), mL/min.
    pub excess_ml_min: f32,
    /// Largest share of the expected length that may have been rejected, 0 … 1.
    pub max_rejected_fraction: f32,
    /// An accepted reading the block must have reached before it may fire, mL/min (−∞:
    /// none; +∞ or NaN: it never fires, the block's end decides). The detector asks for
    /// the last cycle's mean: an ejection's flow is still climbing when its evidence
    /// completes, so the cycle in progress reads at or above the last one's mean somewhere
    /// (its pulses, or its level on a sensor that smooths them away); the decay of a
    /// motion burst that a lagging sensor spread across a cycle boundary stays below it,
    /// although its first readings still stand well above the baseline.
    pub reach_ml_min: f32,
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
    /// The flow sensor failed during the block: no volume is counted for it.
    unread: bool,
    /// Expected length of the block in progress, samples.
    expected: u32,
    /// Baseline of the partial-cycle test, mL/min.
    trig_base: f32,
    /// Excess sum (mL/min × samples) that fires it; +∞ while disarmed.
    trig_sum: f32,
    /// Most rejected samples with which it may still fire.
    trig_rejects: u32,
    /// A reading the block must have reached for the test to fire, mL/min (−∞: none).
    trig_reach: f32,
}

impl FlowFeatures {
    /// An accumulator for decimated flow at `fs` Hz, expecting cycles of `expected_len`
    /// samples at first.
    pub fn new(fs: f32, expected_len: u32) -> Self {
        let (lo, hi) = ChannelLimits::FLOW_ML_MIN.range();
        let mut f = Self::new_empty(fs, lo, hi);
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

    /// Marks the block in progress as one the flow sensor failed in (a reading that was
    /// NaN, impossible or stuck, replaced by the last good one): unusable, as a suspect
    /// block, and no volume is counted for it, since its held readings were not measured.
    pub fn mark_unread(&mut self) {
        self.suspect = true;
        self.unread = true;
    }

    /// Sets the expected length of the next block (the phasor's frequency).
    pub fn expect_len(&mut self, len: u32) {
        self.expected = len;
        let w = 2.0 * core::f32::consts::PI / len.max(2) as f32;
        self.rot_re = libm::cosf(w);
        self.rot_im = -libm::sinf(w);
    }

    /// Arms the partial-cycle test for the block in progress: it fires once the accepted
    /// samples' excess over `test.baseline_ml_min`, summed and divided by the expected
    /// block length, reaches `test.excess_ml_min` — within the expected length, with at
    /// most `test.max_rejected_fraction` of it rejected, once an accepted sample has reached
    /// `test.reach_ml_min`, and not in a suspect block. Disarmed by [`close`](Self::close)
    /// and when it fires.
    pub fn arm(&mut self, test: PartialTest) {
        self.trig_base = test.baseline_ml_min;
        self.trig_sum = test.excess_ml_min * self.expected as f32;
        self.trig_rejects = (test.max_rejected_fraction * self.expected as f32) as u32;
        self.trig_reach = test.reach_ml_min;
    }

    /// Disarms the partial-cycle test (the block in progress has a gap or invalid data).
    pub fn disarm(&mut self) {
        self.trig_sum = f32::INFINITY;
    }

    /// Adds one decimated flow sample (finite); true when this sample fires the armed
    /// partial-cycle test.
    #[inline]
    pub fn process(&mut self, flow: f32) -> bool {
        self.n += 1;
        let mut fired = false;
        if flow >= self.lo && flow <= self.hi {
            self.accepted += 1;
            self.sum += flow;
            // Only an accepted sample can raise the excess so far.
            if self.sum - self.accepted as f32 * self.trig_base >= self.trig_sum
                && self.n <= self.expected
                && self.n - self.accepted <= self.trig_rejects
                && self.peak.max(flow) >= self.trig_reach
                && !self.suspect
            {
                self.trig_sum = f32::INFINITY;
                fired = true;
            }
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
        fired
    }

    /// Closes the block and starts the next one.
    pub fn close(&mut self) -> BlockFeatures {
        let (mean, pulsation, phasor) = if self.accepted > 0 {
            let mean = self.sum / self.accepted as f32;
            // Remove the mean's own leakage into the bin (the block is rarely exactly one
            // period of the phasor).
            let re = self.acc_re - mean * self.ph_sum_re;
            let im = self.acc_im - mean * self.ph_sum_im;
            let scale = 2.0 / self.accepted as f32;
            (
                mean,
                scale * libm::sqrtf(re * re + im * im),
                [scale * re, scale * im],
            )
        } else {
            (f32::NAN, 0.0, [0.0; 2])
        };
        let out = BlockFeatures {
            mean_flow_ml_min: mean,
            volume_ml: if self.unread {
                f32::NAN
            } else if self.accepted > 0 {
                mean * self.n as f32 / self.fs / 60.0
            } else {
                0.0
            },
            pulsation_ml_min: pulsation,
            pulsation_phasor: phasor,
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
        let (rot_re, rot_im, expected) = (self.rot_re, self.rot_im, self.expected);
        *self = Self {
            rot_re,
            rot_im,
            expected,
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
            unread: false,
            expected: 0,
            trig_base: 0.0,
            trig_sum: f32::INFINITY,
            trig_rejects: 0,
            trig_reach: f32::NEG_INFINITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial-cycle test that asks no reading to be reached.
    fn partial(
        baseline_ml_min: f32,
        excess_ml_min: f32,
        max_rejected_fraction: f32,
    ) -> PartialTest {
        PartialTest {
            baseline_ml_min,
            excess_ml_min,
            max_rejected_fraction,
            reach_ml_min: f32::NEG_INFINITY,
        }
    }

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
        // The phasor holds where in the cycle the flow pulses: a cosine advanced by 0.7 rad
        // against the cycle's start.
        let [re, im] = b.pulsation_phasor;
        assert!((libm::atan2f(im, re) - 0.7).abs() < 0.01, "{b:?}");
        assert!((libm::sqrtf(re * re + im * im) - b.pulsation_ml_min).abs() < 1e-4);
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

    #[test]
    fn a_block_the_flow_sensor_failed_in_is_unusable_and_counts_no_volume() {
        let mut f = FlowFeatures::new(100.0, 50);
        f.set_band(-3.0, 50.0);
        // Half a second of 6 mL/min: 0.05 mL.
        let half_a_second_of_6 = |f: &mut FlowFeatures| {
            (0..50).for_each(|_| {
                f.process(6.0);
            });
            f.close()
        };
        let read = half_a_second_of_6(&mut f);
        assert_eq!((read.rejected_fraction, read.volume_ml), (0.0, 0.05));
        f.mark_unread();
        let held = half_a_second_of_6(&mut f);
        assert_eq!(held.rejected_fraction, 1.0);
        assert!(
            held.volume_ml.is_nan(),
            "held readings are no measured volume"
        );
        // A repeated reading only makes the block suspect: its volume still counts.
        f.mark_suspect();
        let suspect = half_a_second_of_6(&mut f);
        assert_eq!((suspect.rejected_fraction, suspect.volume_ml), (1.0, 0.05));
    }

    #[test]
    fn partial_test_fires_on_the_sample_that_completes_the_excess() {
        let mut f = FlowFeatures::new(100.0, 50);
        // 2 mL/min over a 50-sample cycle = 100 mL/min·samples above a baseline of 1.
        f.arm(partial(1.0, 2.0, 0.2));
        let fired: Vec<usize> = (0..50).filter(|_| f.process(11.0)).collect();
        // 10 samples of 10 mL/min excess: the tenth completes it, and it fires once.
        assert_eq!(fired, [9]);
        f.close();
        assert!((0..50).all(|_| !f.process(11.0)), "disarmed by close");
    }

    #[test]
    fn partial_test_holds_beyond_the_expected_length_with_rejections_or_suspect() {
        // Flow arrives only after the expected length: the cycle is longer than expected
        // (a change of rhythm), so its end decides.
        let mut f = FlowFeatures::new(100.0, 50);
        f.arm(partial(0.0, 2.0, 0.2));
        assert!((0..80).all(|i| !f.process(if i < 50 { 0.0 } else { 50.0 })));
        f.close();
        // More than a fifth of the expected length rejected: the cycle will not be used.
        f.set_band(-5.0, 20.0);
        f.arm(partial(0.0, 2.0, 0.2));
        assert!((0..11).all(|_| !f.process(90.0)));
        assert!((0..39).all(|_| !f.process(15.0)));
        f.close();
        f.arm(partial(0.0, 2.0, 0.2));
        f.mark_suspect();
        assert!((0..50).all(|_| !f.process(15.0)));
        f.close();
        f.arm(partial(0.0, 2.0, 0.2));
        f.disarm();
        assert!((0..50).all(|_| !f.process(15.0)));
    }

    #[test]
    fn partial_test_fires_only_once_a_reading_has_reached_the_level_asked() {
        // The decay of a smeared burst: readings of 6.5 falling to 5.52, well above the
        // baseline of 4.5 but below the last cycle's mean of 8.7.
        let decay = |i: usize| 6.5 - 0.02 * i as f32;
        let mut f = FlowFeatures::new(100.0, 50);
        let reaching = PartialTest {
            reach_ml_min: 8.7,
            ..partial(4.5, 0.5, 0.0)
        };
        f.arm(reaching);
        assert!((0..50).all(|i| !f.process(decay(i))), "never reached 8.7");
        f.close();
        // Without the level asked, the same decay fires within its first samples.
        f.arm(partial(4.5, 0.5, 0.0));
        let fired: Vec<usize> = (0..50).filter(|&i| f.process(decay(i))).collect();
        assert_eq!(fired, [13]);
        f.close();
        // A climbing flow fires on the sample that reaches the level (9.1 mL/min, the
        // twelfth), its excess having been complete since the seventh.
        f.arm(PartialTest {
            reach_ml_min: 9.05,
            ..reaching
        });
        let climb = |i: usize| 8.0 + 0.1 * i as f32;
        let fired: Vec<usize> = (0..50).filter(|&i| f.process(climb(i))).collect();
        assert_eq!(fired, [11]);
        f.close();
        // A reading exactly at the level reaches it: 8.0, 8.5 complete 0.3 mL/min over 50
        // samples (15) above a zero baseline, and 9.0 fires.
        f.arm(PartialTest {
            reach_ml_min: 9.0,
            ..partial(0.0, 0.3, 0.0)
        });
        let fired: Vec<usize> = (0..50)
            .filter(|&i| f.process(8.0 + 0.5 * i as f32))
            .collect();
        assert_eq!(fired, [2]);
    }
}
