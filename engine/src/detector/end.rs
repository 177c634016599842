//! The end of an ejection: its flow back below a fifth of its amplitude for a few cycles.
//!
//! The end is tested from the onset on, on the three-cycle medians. An onset whose flow
//! never rose is ended after the shortest rise ([`MIN_RISE_S`]), which re-arms the
//! detector; a fall faster than any ejection's decay is the sensor losing the flow, not an
//! end ([`MIN_DECAY_TAU_S`]); and ductal milk followed as a tail ends without an event.

use super::{
    Detection, EjectionDetector, Phase, DUCTAL_RISE_S, DUCTAL_START_S, FALL_NOISE_FACTOR,
    RETURN_HOLD_S,
};
use crate::detector_tests::DetectorTest;

/// The end of an ejection: flow back below this fraction of its amplitude…
pub const END_FRACTION: f32 = 0.2;
/// …for this many consecutive cycles.
pub const END_CYCLES: u8 = 3;
/// Shortest time constant of an ejection's decay, s: its flow falls to a tenth of its peak
/// no sooner than 15 s after its rise ends (DESIGN §1: 45 s – 3.5 min in all, 10–30 s of
/// rise), 15 s / ln 10. A trickle or an ejection's slow wobble moves slower still. A
/// faster fall of the flow with the pump's settings unchanged is the sensor losing it: a
/// dropout reading zero with noise on it (which the sanitizer cannot tell from zero flow),
/// or one a smoothing sensor spreads over several cycles, whose level comes back.
pub const MIN_DECAY_TAU_S: f32 = 6.5;

/// What is left of milk's flow `level` (mL/min above the sensor's zero) after `age_s` s of
/// its fastest decay ([`MIN_DECAY_TAU_S`]): no ejection's flow falls lower in that time.
pub(super) fn decayed(level: f32, age_s: f32) -> f32 {
    level * libm::expf(-age_s / MIN_DECAY_TAU_S)
}
/// Shortest rise of an ejection's flow, s (DESIGN §1: it rises over 10–30 s). An onset
/// whose flow is back below the detectable level this long after it was no ejection
/// (an ejection's flow is still rising then), and the detector re-arms.
pub const MIN_RISE_S: f32 = 10.0;

impl EjectionDetector {
    /// Takes the level the flow has held for three whole cycles (`held`, mL/min: a motion
    /// burst's or a surge's peak is no level the flow stood at) and the cycle's mean `m`
    /// (mL/min). From the last held level at or above it, milk can have decayed no lower
    /// than [`MIN_DECAY_TAU_S`] allows over the pumping time since, toward the sensor's zero
    /// (the cycles' lowest readings, or 0 mL/min if lower: either may stand above it). A
    /// mean below that by more than the detectable flow and [`FALL_NOISE_FACTOR`] noise
    /// deviations `sigma`, with the pump's settings unchanged (`settled`), fell faster than
    /// milk can: that held level is expected back for [`RETURN_HOLD_S`], so the flow's
    /// return is no rise, and the fall ends neither the rise nor the ejection. Ductal milk
    /// empties faster (within [`DUCTAL_START_S`] and [`DUCTAL_RISE_S`] of the start): its
    /// fall is no dropout.
    pub(super) fn note_fall(&mut self, held: Option<f32>, m: f32, sigma: f32, settled: bool) {
        let zero = self.floor.min(0.0);
        let age_s = self.pumping_s - self.fall_at_s;
        let bound = zero + decayed(self.fall_level - zero, age_s);
        // A NaN level (none yet, or after a stop or a change of the pump's settings)
        // compares false and gives way to `held`; no `held` (fewer than three cycles) sets
        // nothing.
        let fell = m < bound - (FALL_NOISE_FACTOR * sigma).max(self.delta);
        let ductal = self.ductal || self.pumping_s < DUCTAL_START_S + DUCTAL_RISE_S;
        let holds = self.tests.has(DetectorTest::DropoutHold) && self.expect_s <= 0.0;
        if fell && settled && !ductal && holds {
            self.expect_level = self.fall_level;
            self.expect_s = RETURN_HOLD_S;
            // The bound starts anew from the level the flow holds now: the hold lasts
            // `RETURN_HOLD_S`, not until the old level's bound has decayed to the flow.
            self.fall_level = f32::NAN;
        }
        if let Some(held) = held.filter(|&h| bound.is_nan() || h >= bound) {
            self.fall_level = held;
            self.fall_at_s = self.pumping_s;
        }
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
        if risen && level < (END_FRACTION * amp).max(self.delta) && !self.awaits_return(m3) {
            self.below_count += 1;
        } else {
            self.below_count = 0;
        }
        if self.below_count < END_CYCLES {
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
