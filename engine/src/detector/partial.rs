//! The from-zero-flow test completed inside the cycle in progress, and the guards that keep
//! artefacts out of it.
//!
//! At zero flow an onset need not wait for the cycle's end: once earlier cycles have brought
//! the CUSUM within reach of its threshold, the excess that would complete the evidence is
//! armed for [`crate::features::FlowFeatures::arm`] to watch sample by sample, and the sample
//! that reaches it reports the onset (the threshold allows for the watching: see the
//! detector's module doc), unless lag-hold makes it wait for the next cycle's level. A motion burst or the sensor's return after a dropout jumps
//! faster than milk climbs ([`MAX_ONSET_SLOPE_ML_MIN_S`]): such a cycle arms no
//! partial-cycle test, and an alarm on it waits for the next cycle. Its decay, spread over
//! the next cycles by a smoothing sensor, falls or stands still where an ejection's flow
//! still climbs: an alarm on a falling cycle ([`FALL_NOISE_FACTOR`]) is built anew, one on a
//! cycle no higher than the last waits for the next, and the partial-cycle test fires only
//! once the cycle in progress has read at or above the last cycle's mean
//! (`DetectorTest::PartialGuard`).

use super::{Detection, EjectionDetector, LagWait, Phase, ALARM_SHARE, MAX_REJECTED_FRACTION};
use crate::detector_tests::DetectorTest;
use crate::features::PartialTest;

/// A cycle's flow counts as fallen once it lies this many noise standard deviations below
/// where it stood (for Gaussian noise, a 2.3 % chance per cycle): used where a fall at
/// zero flow tells an artefact's or a surge's decay from an ejection's rise, which climbs
/// for 10–30 s (DESIGN §1). Lag-hold holds a jump to the same factor, on the deviation of a
/// change between two cycle means (√2 times the noise).
pub const FALL_NOISE_FACTOR: f32 = 2.0;
/// Fastest climb of an ejection's flow, mL/min per s: a peak two standard deviations high
/// (0.9 g/s ≈ 52 mL/min, DESIGN §1) reached in the shortest rise (10 s) climbs 5.2 mL/min
/// per second on average, and a smooth rise's steepest point is steeper than its average
/// (π/2 times for a raised cosine): twice the average bounds it. A cycle whose mean jumps
/// faster than this is a motion burst or the sensor's return after a dropout, not milk.
pub const MAX_ONSET_SLOPE_ML_MIN_S: f32 = 10.4;

impl EjectionDetector {
    /// Whether the cycle mean `m`, or the three-cycle median, fell below the last one's
    /// by more than [`FALL_NOISE_FACTOR`] times the noise `sigma` (mL/min). From zero
    /// flow an ejection's flow climbs for 10–30 s (DESIGN §1), so an alarm on a falling
    /// cycle is the decay of an artefact: a motion burst that a smoothing sensor spread
    /// over the following cycles, where no sample left the band, or a surge of stored milk
    /// after a pump change whose own rise raised the noise estimate above its
    /// cycle-to-cycle fall. The evidence is built anew.
    pub(super) fn artefact_decay(&self, m: f32, sigma: f32) -> bool {
        self.tests.has(DetectorTest::PartialGuard)
            && (m < self.means.recent()[1] - FALL_NOISE_FACTOR * sigma
                || self.m3_incs[2] < -FALL_NOISE_FACTOR * sigma)
    }

    /// Whether the cycle mean `m` (mL/min) stands no higher than the last cycle's. From zero
    /// flow an ejection's flow climbs for 10–30 s (DESIGN §1), so an alarm on such a cycle
    /// waits for the next, its evidence kept; the decay of an artefact (a motion spike that
    /// a smoothing sensor spread over the next cycles) never climbs again. A flat step
    /// (an offset) waits until noise lifts a cycle above the last, a cycle or two, and then
    /// meets the pump-synchronous test as before.
    pub(super) fn not_rising(&self, m: f32) -> bool {
        self.tests.has(DetectorTest::PartialGuard) && m <= self.means.recent()[1]
    }

    /// Arms the partial-cycle test for the next cycle: the excess that, as that cycle's
    /// increment, takes the CUSUM over its threshold (reachable only when the winsorised
    /// increment can still do it).
    pub(super) fn arm_partial(&mut self, sigma: f32, delta: f32, dt_s: f32) {
        let k = 0.5 * delta / sigma;
        let (s, h) = (self.cusum.s, self.threshold);
        // Only evidence from at least two cycles, the latest of them no steeper a jump than
        // milk climbs, is completed inside a cycle: a motion spike fills one cycle, and its
        // decay (spread over the next cycles by a smoothing sensor) would fire the test
        // within the first samples of the next.
        let guarded = self.tests.has(DetectorTest::PartialGuard);
        let spread = self.evidence_cycles >= 2 || !guarded;
        if self.within_a_cycle_of_alarm() && spread && self.climbable(sigma, dt_s) {
            self.partial_base = self.baseline;
            self.partial_excess = (sigma * (h + k - s)).max(ALARM_SHARE * delta);
        }
    }

    /// Whether the latest cycle's raw mean rose no faster than an ejection's flow climbs
    /// ([`MAX_ONSET_SLOPE_ML_MIN_S`] over the cycle's `dt_s` s, with [`FALL_NOISE_FACTOR`]
    /// times the noise `sigma` mL/min allowed for). A faster jump is a motion burst or the
    /// sensor's return after a dropout: an alarm on it waits for the next cycle (which an
    /// artefact's decay resets), and it arms no partial-cycle test (whose first samples
    /// would hold that decay).
    pub(super) fn climbable(&self, sigma: f32, dt_s: f32) -> bool {
        let [last, before] = self.means.recent();
        let jump = last - before;
        !self.tests.has(DetectorTest::PartialGuard)
            || jump <= MAX_ONSET_SLOPE_ML_MIN_S * dt_s + FALL_NOISE_FACTOR * sigma
    }

    /// The partial-cycle test armed for the cycle in progress, if any (see
    /// [`crate::features::FlowFeatures::arm`]). Inside a cycle, any rejected sample may be
    /// the edge of an artefact whose other half is still to come, so with the
    /// partial-guard on none is allowed and the cycle's end decides; and the cycle must
    /// read at or above the last cycle's mean somewhere before it fires: an ejection's
    /// flow still climbs then, the decay of a burst a lagging sensor spread over the
    /// cycle boundary stays below it.
    pub fn partial_test(&self) -> Option<PartialTest> {
        let guarded = self.tests.has(DetectorTest::PartialGuard);
        // Without a last cycle to reach (never, where a test is armed), the cycle's end
        // decides.
        let reach_ml_min = match self.means.recent()[0] {
            _ if !guarded => f32::NEG_INFINITY,
            m if m.is_finite() => m,
            _ => f32::INFINITY,
        };
        self.partial_excess.is_finite().then_some(PartialTest {
            baseline_ml_min: self.partial_base,
            excess_ml_min: self.partial_excess,
            max_rejected_fraction: if guarded { 0.0 } else { MAX_REJECTED_FRACTION },
            reach_ml_min,
        })
    }

    /// The armed partial-cycle test has fired: the cycle in progress has already brought
    /// the evidence over the threshold.
    pub fn partial_onset(&mut self) -> Option<Detection> {
        if self.phase != Phase::Idle || !self.partial_excess.is_finite() {
            return None;
        }
        let excess = self.partial_excess;
        self.partial_excess = f32::INFINITY;
        if !self.pump_locked(excess.max(self.last_excess)) || !self.climbing() {
            // The cycle's end decides, with this cycle's pulsation.
            return None;
        }
        if self.partial_waits_for_the_lag() {
            // The cycle in progress may hold a burst the sensor spreads: the next clean
            // cycle after it decides by its level, as lag-hold's do.
            self.waited.lag = LagWait::CycleEnd;
            return None;
        }
        // The rise to the peak is followed on the smoothed means: start it from the
        // latest one, as an onset at a cycle's end does.
        self.onset(self.prev_m3, excess, self.delta)
    }
}
