//! Changes of the pump's settings, and stops: what the detector holds back while removal,
//! not milk, moves the flow.
//!
//! A change of rhythm or vacuum is a step of the cycle's rate or depth from the cycle before
//! by more than [`RATE_CHANGE`] or [`DEPTH_CHANGE`] that also passes the setting's own
//! cycle-to-cycle scatter ([`CHANGE_NOISE_FACTOR`]), or such a step held over two cycles: a
//! noisy pressure sensor jitters each cycle's boundaries and deepest reading, and the
//! pump's settings do not move with it.
//!
//! A change of rhythm or vacuum, or a restart after a stop, changes the removal rate, and
//! stored milk surges out without any ejection. Alarms are suppressed for [`SUPPRESS_S`]
//! after it: on an ejection or its tail the levels only follow the flow, as through the
//! first seconds of pumping ([`WARMUP_S`](super::WARMUP_S)); at zero flow, where the ducts
//! hold no stored milk, only the change's own transient is held back
//! ([`IDLE_SUPPRESS_CYCLES`]), and an alarm may come at the end of a short window
//! ([`ZERO_FLOW_WINDOW_S`], from the first step of a two-step change) if the flow still
//! stands at its highest there. A vacuum returned to the depth it had before a weakening
//! (or a restart at the settings the pump stopped at) brings the flow back to the level it
//! had then, and the baseline is held there ([`RETURN_HOLD_S`]).

use super::{Alarm, CycleStats, Detection, EjectionDetector, Phase, FALL_NOISE_FACTOR};
use crate::cycle_tracker::Cycle;
use crate::detector_tests::DetectorTest;

/// Alarm suppression after the pump changes rhythm, vacuum or resumes, s.
pub const SUPPRESS_S: f32 = 6.0;
/// Cycles held back after a change of pump settings at zero flow (no ejection under way
/// and no tail of one).
pub const IDLE_SUPPRESS_CYCLES: u32 = 2;
/// Post-change window at zero flow, s: a surge of stored milk peaks within about one
/// removal time constant (≈ 2 s in expression) and is falling by then.
pub const ZERO_FLOW_WINDOW_S: f32 = 3.0;
/// After the vacuum returns to a depth it had before a weakening (a seal leak healed, a
/// user undoing a change, a restart after a pause), the flow is expected back at the level
/// it had at that depth: for this long of pumping (usable cycles or not: a sensor that
/// shows few must not hold it for minutes) the baseline does not sit below it, s. The flow
/// needs the transport delay (up to 3 s) and a few cycles to return, the post-change
/// suppression covers the first [`SUPPRESS_S`]. The same hold follows a sensor dropout
/// ([`MIN_DECAY_TAU_S`](super::MIN_DECAY_TAU_S)).
pub const RETURN_HOLD_S: f32 = 2.0 * SUPPRESS_S;
/// Relative change of cycle rate that counts as a rhythm change.
pub const RATE_CHANGE: f32 = 0.15;
/// Relative change of vacuum depth that counts as a vacuum change.
pub const DEPTH_CHANGE: f32 = 0.2;
/// A one-cycle step of rate or depth must also exceed this many times the setting's mean
/// absolute cycle-to-cycle step at a stationary setting: a pump holds its settings, and
/// what moves them from cycle to cycle is the pressure sensor's noise jittering the
/// cycle's boundaries and its deepest reading. For Gaussian steps E|Δ| = σ·√(2/π), so 5.0
/// is 4σ (a cycle in some 16 000); a noisy sensor's steps are heavier-tailed than that.
/// On a quiet sensor (about 2 % between cycles; a 10 ms step of a boundary is 1.8 % of a
/// 0.55 s cycle) [`RATE_CHANGE`] and [`DEPTH_CHANGE`] stand above it; on a noisy one the
/// bar rises with the scatter, and a step it hides is still taken once it holds a second
/// cycle.
pub const CHANGE_NOISE_FACTOR: f32 = 5.0;
/// Gain of the settings' scatter estimates per cycle (a time constant of 20 cycles).
const SCATTER_GAIN: f32 = 0.05;

impl EjectionDetector {
    /// Pump stopped (or a partial cycle after a gap): no removal, nothing to learn. Milk
    /// waits in the ducts meanwhile and comes out in a burst on restart, so the artefact
    /// band opens until the flow level is learnt again.
    pub(super) fn pump_stopped(&mut self) {
        self.resume_pending = true;
        // What flows after the restart was not seen to start: it is counted anew.
        self.carried_ml = 0.0;
        self.puls_prev = f32::NAN;
        self.forget_phase();
        self.ref_peaks = [f32::NAN; 3];
        self.rate_track.forget();
        self.depth_track.forget();
    }

    /// A change of rhythm or vacuum, or a restart, changes the removal rate: suppress.
    pub(super) fn note_pump_change(&mut self, cycle: &Cycle) {
        let (rate, depth) = (cycle.rate_cpm, cycle.depth_mmhg);
        let rate_from = self.rate_track.change_from(rate, RATE_CHANGE);
        let depth_from = self.depth_track.change_from(depth, DEPTH_CHANGE);
        let (rate_changed, depth_changed) = (rate_from.is_some(), depth_from.is_some());
        let settled = !(rate_changed || depth_changed || self.resume_pending);
        self.rate_track.take(rate, RATE_CHANGE, settled);
        self.depth_track.take(depth, DEPTH_CHANGE, settled);
        self.note_vacuum_change(depth, depth_from);
        if self.resume_pending && !(rate_changed || depth_changed) {
            self.expect_back_after_stop();
        }
        if self.resume_pending || rate_changed || depth_changed {
            // A restart, a new rhythm or a new depth moves where in the cycle milk arrives,
            // and moves the flow itself: a fall from the level before is no dropout.
            self.forget_phase();
            self.fall_level = f32::NAN;
            self.wander.drop_excursion();
            if !self.continues_a_ramp() {
                self.suppress_s = SUPPRESS_S;
                self.suppress_cycles = 0;
                self.window_raw_peak = f32::NEG_INFINITY;
            }
            self.resume_pending = false;
        }
        self.suppress_cycles = self.suppress_cycles.saturating_add(1);
    }

    /// Whether a change of settings at zero flow is the second step of one the last usable
    /// cycle began: a pump ramps a new vacuum or rate in over two cycles or more (DESIGN
    /// §5), and the window then runs from the first step, where the change began, rather
    /// than starting again and holding an ejection that starts at the switch a cycle
    /// longer; the second step's own transient is held back for one cycle. A third step
    /// opens a window of its own. On an ejection or its tail the hold runs from the last
    /// step: stored milk surges out at the deepest setting a transport delay later, and
    /// the levels must follow it.
    fn continues_a_ramp(&self) -> bool {
        !self.resume_pending
            && self.suppress_cycles == 1
            && self.suppress_s > 0.0
            && self.at_zero_flow()
    }

    /// The window after a change of pump settings at zero flow. The evidence keeps
    /// accumulating through it, but an alarm may only come at its end and only if the
    /// excess is still at its highest: a surge of stored milk has peaked and fallen by
    /// then, an ejection is still rising.
    pub(super) fn post_change_window(&mut self, c: &CycleStats) -> Option<Detection> {
        self.suppress_s -= c.dt_s;
        self.follow_baseline(c.m3, c.p3, c.dt_s);
        self.zero_level = self.baseline;
        let excess = c.m3 - self.baseline;
        self.window_raw_peak = self.window_raw_peak.max(c.m - self.baseline);
        if self.suppress_cycles <= IDLE_SUPPRESS_CYCLES {
            self.reset_evidence();
            return None;
        }
        let alarm = self.test(excess, self.delta, c.sigma, self.arl_blocks);
        if self.suppress_s > SUPPRESS_S - ZERO_FLOW_WINDOW_S {
            return None;
        }
        self.suppress_s = 0.0;
        // A surge reaches the sensor a transport delay (up to 3 s) after the change
        // and may peak just now; it comes as one step, an ejection as a rise spread
        // over cycles.
        if !self.sustained_rise() || self.past_window_peak(c.m, c.sigma_raw) {
            self.reset_evidence();
            return None;
        }
        if !alarm {
            return None;
        }
        self.confirm(Alarm::Median, c.m3, excess, self.delta)
    }

    /// Through the first seconds of pumping and the suppression after a change of pump
    /// settings on an ejection or its tail: the levels follow the flow quickly, and no
    /// evidence builds up.
    pub(super) fn hold_through_change(&mut self, m3: f32, p3: f32, dt_s: f32) {
        self.suppress_s -= dt_s;
        self.baseline += 0.3 * (m3 - self.baseline);
        self.hold_expected_level();
        self.slow_base = self.baseline;
        self.puls_base += 0.3 * (p3 - self.puls_base);
        if self.phase == Phase::Idle {
            self.zero_level = self.baseline;
        }
        // A surge after a restart or a change of vacuum is stored milk coming out
        // faster, not the ejection's own level: it does not raise the peak; and a
        // drop after a change to a gentler setting is slower removal, not the end.
        self.reset_evidence();
    }

    /// Whether the cycle mean `m` (mL/min) at the end of a post-change window at zero flow
    /// has fallen ([`FALL_NOISE_FACTOR`] times the noise `sigma`) below the highest cycle
    /// mean of the window: the three-cycle median the window's test sees lags a surge's
    /// peak by a cycle, and at a high sample rate the surge of stored milk can peak within
    /// its first cycles and be falling at the end while the median still stands at its
    /// top. An ejection's flow is still climbing then (DESIGN §1: it rises for 10–30 s).
    fn past_window_peak(&self, m: f32, sigma: f32) -> bool {
        self.tests.has(DetectorTest::PartialGuard)
            && m - self.baseline < self.window_raw_peak - FALL_NOISE_FACTOR * sigma
    }

    /// Remembers the flow at the depth the vacuum had before it weakened, and expects it
    /// back when the vacuum returns to that depth ([`RETURN_HOLD_S`]): the pump's own
    /// change, undone, is no letdown. `changed_from`: the depth a change of it was measured
    /// from (the last cycle's, or for a step held over two cycles the one before), if any.
    fn note_vacuum_change(&mut self, depth_mmhg: f32, changed_from: Option<f32>) {
        let Some(from) = changed_from.filter(|_| self.prev_m3.is_finite()) else {
            return;
        };
        if depth_mmhg.abs() < from.abs() {
            if !self.held_level.is_finite() {
                self.held_depth = from;
                self.held_level = self.prev_m3;
            }
        } else if self.held_level.is_finite() {
            let back = (depth_mmhg - self.held_depth).abs() <= DEPTH_CHANGE * self.held_depth.abs();
            if back && self.tests.has(DetectorTest::VacuumReturn) {
                self.expect_level = self.held_level;
                self.expect_s = RETURN_HOLD_S;
            }
            self.held_level = f32::NAN;
        }
    }

    /// A restart at the settings the pump stopped at is the vacuum's return to the depth it
    /// had: the level the flow held before the stop is expected back ([`RETURN_HOLD_S`]).
    /// An ejection flows on through a pause (milk waits in the ducts and surges out on the
    /// restart), and the flow needs the transport delay to reach the sensor again, so the
    /// first cycles read less than the flow; the baseline that follows them down must not
    /// take the flow's return, or the surge's decay to it, for a rise.
    fn expect_back_after_stop(&mut self) {
        if self.fall_level.is_finite() && self.tests.has(DetectorTest::VacuumReturn) {
            self.expect_level = self.fall_level;
            self.expect_s = RETURN_HOLD_S;
        }
    }

    /// Holds the baseline at or above the flow expected back after the vacuum's return or a
    /// dropout.
    pub(super) fn hold_expected_level(&mut self) {
        if self.expect_s > 0.0 {
            self.baseline = self.baseline.max(self.expect_level);
            self.slow_base = self.slow_base.max(self.expect_level);
        }
    }

    /// Whether the flow at `level` (mL/min) stands below a level expected back.
    pub(super) fn awaits_return(&self, level: f32) -> bool {
        self.expect_s > 0.0 && level < self.expect_level
    }
}

/// One pump setting (the cycle's rate or its vacuum depth) as the search for changes
/// follows it: its last value, its values two and three cycles back while the cycles since
/// were no change, and its scatter from cycle to cycle at a stationary setting (a mean
/// absolute relative step).
#[derive(Clone, Copy, Debug)]
pub(super) struct SettingTrack {
    /// 0 before any cycle: the first cycle's step from it is infinite, a change.
    last: f32,
    /// NaN after a change, a restart, a stop or before any cycle.
    before: [f32; 2],
    scatter: f32,
}

impl SettingTrack {
    pub(super) const NEW: SettingTrack = SettingTrack {
        last: 0.0,
        before: [f32::NAN; 2],
        scatter: 0.0,
    };

    /// The last cycle's value.
    pub(super) fn last(&self) -> f32 {
        self.last
    }

    /// Whether this cycle's value `x` is a change from the last cycle's, and the value it
    /// is measured from: the last cycle's, for a step of more than `least` (a fraction)
    /// that also passes the setting's own scatter ([`CHANGE_NOISE_FACTOR`]); or the value
    /// two cycles back, for a step of more than `least` that the last cycle took and this
    /// one holds, from both values before it (two and three cycles back) and on one side. A
    /// step a scattered setting hid for a cycle is so seen a cycle late where the next cycle
    /// holds it clear of the fixed bar (not in the first cycle after a change, a restart or
    /// a stop, whose cycles before are not known yet); a noisy sensor's jitter does not hold
    /// (a late boundary makes one cycle long and the next short, the deepest reading's noise
    /// is drawn anew each cycle), and a single cycle off the setting, before or after, makes
    /// no step held.
    fn change_from(&self, x: f32, least: f32) -> Option<f32> {
        let last = self.last;
        // A first cycle's step (from nothing) is infinite; NaN compares false throughout.
        if relative_step(x, last).abs() > least.max(CHANGE_NOISE_FACTOR * self.scatter) {
            return Some(last);
        }
        let [two_back, three_back] = self.before;
        let held_from = |from: f32| {
            let (began, held) = (relative_step(last, from), relative_step(x, from));
            began.abs() > least && held.abs() > least && began * held > 0.0
        };
        let one_side = relative_step(last, two_back) * relative_step(last, three_back) > 0.0;
        (held_from(two_back) && held_from(three_back) && one_side).then_some(two_back)
    }

    /// Takes this cycle's value `x` as the last: its step into the scatter where it was no
    /// change of either setting nor a restart (`settled`), else the values before are
    /// forgotten. A step beyond the fixed bar `least` that was no change may be one the
    /// scatter's bar hid: it counts as `least` at most, so it cannot raise that bar for
    /// long. A step from a value of 0 is not finite and is skipped.
    fn take(&mut self, x: f32, least: f32, settled: bool) {
        let step = relative_step(x, self.last).abs();
        if settled && step.is_finite() {
            self.scatter += SCATTER_GAIN * (step.min(least) - self.scatter);
        }
        self.before = if settled {
            [self.last, self.before[0]]
        } else {
            [f32::NAN; 2]
        };
        self.last = x;
    }

    /// Forgets the values before (a stop: what the pump does after it is measured anew).
    pub(super) fn forget(&mut self) {
        self.before = [f32::NAN; 2];
    }
}

/// The step from `from` to `to`, relative to `from` (signed).
fn relative_step(to: f32, from: f32) -> f32 {
    (to - from) / from.abs()
}
