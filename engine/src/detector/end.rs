//! The end of an ejection: its flow back below a fifth of its amplitude for a few cycles.
//!
//! The end is tested from the onset on, on the three-cycle medians. An onset whose flow
//! never rose is ended after the shortest rise ([`MIN_RISE_S`]), which re-arms the
//! detector; a fall faster than any ejection's decay is the sensor losing the flow, not an
//! end ([`DROPOUT_FALL`]); and ductal milk followed as a tail ends without an event.

use super::{Detection, EjectionDetector, Phase, RETURN_HOLD_S};
use crate::detector_tests::DetectorTest;

/// The end of an ejection: flow back below this fraction of its amplitude…
pub const END_FRACTION: f32 = 0.2;
/// …for this many consecutive cycles.
pub const END_CYCLES: u8 = 3;
/// Largest fall of the flow over the [`END_CYCLES`] that end an ejection, as a ratio of the
/// level before to the level after, that its decay can make. An ejection's flow decays to
/// a tenth of its peak 15–200 s after its rise ends (DESIGN §1: 45 s – 3.5 min in all,
/// 10–30 s of rise), a time constant of at least 6.5 s; three cycles last at most 7.5 s
/// (24 cpm), in which such a decay keeps above 0.32 of its level. A faster fall with the
/// pump running is the sensor losing the flow (a dropout reading zero with noise on it,
/// which the sanitizer cannot tell from zero flow).
pub const DROPOUT_FALL: f32 = 3.0;
/// Shortest rise of an ejection's flow, s (DESIGN §1: it rises over 10–30 s). An onset
/// whose flow is back below the detectable level this long after it was no ejection
/// (an ejection's flow is still rising then), and the detector re-arms.
pub const MIN_RISE_S: f32 = 10.0;

impl EjectionDetector {
    /// Whether a fall to the end level at `m3` (`level` above zero) is the sensor losing the
    /// flow rather than the ejection's decay: the smoothed flow of the cycle before the
    /// fall stood more than [`DROPOUT_FALL`] times higher. Then no end: that level is
    /// expected back for [`RETURN_HOLD_S`] (a held baseline), so its return is no rise.
    fn dropped_out(&mut self, m3: f32, level: f32) -> bool {
        let before = m3 - self.m3_incs.iter().sum::<f32>();
        let fell = before - self.zero_level > DROPOUT_FALL * level.max(self.delta);
        if !fell || !self.tests.has(DetectorTest::DropoutHold) {
            return false;
        }
        self.below_count = 0;
        self.expect_level = before;
        self.expect_s = RETURN_HOLD_S;
        true
    }

    pub(super) fn check_end(&mut self, m3: f32) -> Option<Detection> {
        if self.phase == Phase::Idle {
            return None;
        }
        let amp = (self.peak - self.zero_level).max(0.0);
        let level = m3 - self.zero_level;
        // An ejection in its first seconds is still below the end level: it may end only
        // once it has risen to twice the detectable flow, or after the shortest rise time
        // without doing so (a false onset then re-arms the detector).
        let risen = amp >= 2.0 * self.delta || self.rise_s > MIN_RISE_S;
        if risen && level < (END_FRACTION * amp).max(self.delta) {
            self.below_count += 1;
        } else {
            self.below_count = 0;
        }
        if self.below_count < END_CYCLES {
            return None;
        }
        if self.dropped_out(m3, level) {
            return None;
        }
        self.phase = Phase::Idle;
        self.baseline = m3;
        self.slow_base = m3;
        self.puls_base = self.puls_last3;
        self.reset_evidence();
        if core::mem::take(&mut self.ductal) {
            return None;
        }
        Some(Detection::End {
            confidence: if amp > 0.0 {
                (1.0 - level / amp).clamp(0.0, 1.0)
            } else {
                0.5
            },
        })
    }
}
