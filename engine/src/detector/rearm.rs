//! Onsets over a flow still running: the last ejection's decaying tail, or a trickle at
//! zero flow.
//!
//! An ejection's own flow wobbles slowly by some tenths of its level, and a trickle between
//! ejections wanders as much; a new ejection adds its own amplitude. So over a running flow
//! the shift an onset must show grows with the flow's level ([`REARM_LEVEL_SHARE`]), and on
//! a tail the rise must also be spread over cycles ([`MAX_STEP_SHARE`]): a bottle tilt
//! shifts the sensor's gain in one step, which becomes the new baseline.

use super::{EjectionDetector, Phase};
use crate::detector_tests::DetectorTest;

/// Largest share of a three-cycle rise that one cycle-to-cycle change may carry for the
/// rise to count as sustained (a step carries all of it).
pub const MAX_STEP_SHARE: f32 = 0.7;
/// Re-armed onsets on a flowing tail need a shift of at least this share of the flow
/// level the tail still has: an ejection's own flow wobbles slowly by some tenths of its
/// level (±15–40 % in the simulator's `wobble`, a modelling choice), a new ejection adds
/// its own amplitude. The share trades recall of ejections that start while the last
/// one still flows strongly against wobble read as ejections: 0.5 found more of the
/// former on the outside set's odd half and lost as many to the latter on our
/// simulator, 0.25–0.4 let wobble through on the even half, so it stays here. (Measuring
/// a tail's own wander to lower it fails: a new ejection's rise raises its own bar.)
/// The same share applies at zero flow over a trickle still running between ejections
/// (DESIGN §1; ±20–50 % in the simulator's `trickle`, a modelling choice), whose level
/// is the baseline's height above the cycles' lowest readings.
pub const REARM_LEVEL_SHARE: f32 = 0.8;

impl EjectionDetector {
    /// Whether the last three cycle-to-cycle changes form a rise spread over cycles (an
    /// ejection's flow rises over 10–30 s) rather than one step (a sensor gain shift when
    /// the bottle tilts, a surge): positive in sum, and no single change above
    /// [`MAX_STEP_SHARE`] of it.
    pub(super) fn sustained_rise(&self) -> bool {
        let total: f32 = self.m3_incs.iter().sum();
        let largest = self
            .m3_incs
            .iter()
            .fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        total > 0.0 && largest <= MAX_STEP_SHARE * total
    }

    /// Whether the baseline sits on a previous ejection's tail rather than at zero flow:
    /// above the level it rested at before that ejection, and above the zero-flow floor
    /// (which follows offset drift during a long ejection, but sits below the mean by the
    /// sampled noise, so it alone would take a noisy sensor at zero flow for a tail).
    /// On a sensor that strong flow has shown to smooth milk's pulsation away, the
    /// cycles' lowest readings ride on the flow (its stops between strokes are smoothed
    /// over), so the floor is no zero there and only the rest level counts: a tail it
    /// would take for zero flow is tested as one, on the three-cycle median for a
    /// sustained rise, not on the raw means a wobble's jitter carries. (The price: on such
    /// a sensor an offset that rose by more than twice the detectable flow during an
    /// ejection keeps the detector on a tail until the flow falls back below it.)
    pub(super) fn on_tail(&self) -> bool {
        let zero = if self.learnt_smoothing() {
            self.rest_level
        } else {
            self.rest_level.max(self.floor)
        };
        self.baseline - zero > 2.0 * self.delta
    }

    /// Whether the detector waits at zero flow: no ejection under way, and not on a
    /// previous one's tail.
    pub(super) fn at_zero_flow(&self) -> bool {
        self.phase == Phase::Idle && !self.on_tail()
    }

    /// The reference shift at zero flow: the detectable flow, or [`REARM_LEVEL_SHARE`] of
    /// a trickle still running there (the baseline's height above the sensor's zero, which
    /// the cycles' lowest readings show), whichever is larger. A trickle wanders by tenths
    /// of its level as an ejection's tail does; a new ejection adds its own amplitude.
    pub(super) fn zero_flow_delta(&self) -> f32 {
        if !self.tests.has(DetectorTest::TrickleLevel) || !self.floor.is_finite() {
            return self.delta;
        }
        self.level_shift(self.baseline - self.floor)
    }

    /// The reference shift of a re-armed onset on a tail: the detectable flow, or
    /// [`REARM_LEVEL_SHARE`] of the level the tail still has, whichever is larger.
    pub(super) fn rearm_delta(&self) -> f32 {
        self.level_shift(self.baseline - self.zero_level)
    }

    /// The reference shift over a flow still running at `level` mL/min above zero: the
    /// detectable flow, or [`REARM_LEVEL_SHARE`] of that level, whichever is larger.
    fn level_shift(&self, level: f32) -> f32 {
        self.delta.max(REARM_LEVEL_SHARE * level.max(0.0))
    }

    /// Whether an alarm on a tail is a sustained rise; a step is absorbed.
    pub(super) fn sustained_rise_or_absorb(&mut self, m3: f32) -> bool {
        if !self.sustained_rise() {
            self.absorb(m3);
            return false;
        }
        true
    }
}
