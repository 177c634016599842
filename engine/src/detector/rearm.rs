//! Onsets over a flow still running: the last ejection's decaying tail, or a trickle at
//! zero flow.
//!
//! An ejection's own flow wobbles slowly by some tenths of its level, and a trickle between
//! ejections wanders as much; a new ejection adds its own amplitude. So over a running flow
//! the shift an onset must show grows with the flow's level ([`REARM_LEVEL_SHARE`]); on a
//! decaying tail, once the session's tails have shown how far the flow wanders, that share
//! follows what they showed ([`TailWander`]): where they decayed smoothly, an ejection that
//! adds more than a fifth of the level is one. On a tail the rise must also be spread over
//! cycles ([`MAX_STEP_SHARE`]): a bottle tilt shifts the sensor's gain in one step, which
//! becomes the new baseline.

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
/// simulator, 0.25–0.4 let wobble through on the even half, so it stays here until the
/// tails have shown their wander ([`TailWander`]).
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
        self.baseline - zero > self.tail_height()
    }

    /// How far above zero flow a flow still running counts as a tail, mL/min
    /// ([`tail_height`]).
    pub(super) fn tail_height(&self) -> f32 {
        tail_height(self.delta)
    }

    /// Whether the detector waits at zero flow: no ejection under way, and not on a
    /// previous one's tail (where a cycle's pulsation is the sensor's own, without milk's:
    /// the session's end learns its zero-flow level there, [`crate::session::WeakFlow`]).
    pub fn at_zero_flow(&self) -> bool {
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
        self.level_shift(REARM_LEVEL_SHARE, self.baseline - self.floor)
    }

    /// The reference shift of a re-armed onset on a tail: the detectable flow, or the
    /// share of the level the tail still has that the tails' wander asks
    /// ([`TailWander::share`]; [`REARM_LEVEL_SHARE`] without tail-wander), whichever is
    /// larger.
    pub(super) fn rearm_delta(&self) -> f32 {
        self.level_shift(self.tail_share(), self.baseline - self.zero_level)
    }

    /// The share of a decaying tail's level a re-armed onset must add:
    /// [`TailWander::share`], or [`REARM_LEVEL_SHARE`] without tail-wander.
    fn tail_share(&self) -> f32 {
        if self.tests.has(DetectorTest::TailWander) {
            self.wander.share()
        } else {
            REARM_LEVEL_SHARE
        }
    }

    /// The reference shift over a flow still running at `level` mL/min above zero: the
    /// detectable flow, or `share` of that level, whichever is larger.
    fn level_shift(&self, share: f32, level: f32) -> f32 {
        self.delta.max(share * level.max(0.0))
    }

    /// Whether an alarm on a tail, `excess` (mL/min) above the baseline, is a sustained
    /// rise. A step is absorbed as the new baseline (a gain shift moves the level at once
    /// and for good), unless it stands below [`REARM_LEVEL_SHARE`] of the tail's level and
    /// only the tails' wander let it alarm ([`TailWander`]): there the alarm comes early in
    /// an ejection's climb as often as on a step, and absorbing it would hide the rest of
    /// the climb, so the evidence is built anew and the baseline goes on following.
    pub(super) fn sustained_rise_or_absorb(&mut self, m3: f32, excess: f32) -> bool {
        if self.sustained_rise() {
            return true;
        }
        let level = self.baseline - self.zero_level;
        if self.tail_share() < REARM_LEVEL_SHARE && excess < REARM_LEVEL_SHARE * level {
            self.reset_evidence();
        } else {
            self.absorb(m3);
        }
        false
    }
}

/// How far above zero flow a flow still running is flow, not the sensor's noise or a
/// trickle's wander, mL/min: twice the detectable flow `min_flow_ml_min`. Where an
/// ejection's tail begins, and the rise the session's end takes for a weak ejection no
/// onset was found in ([`crate::session::WeakFlow`]).
pub(crate) const fn tail_height(min_flow_ml_min: f32) -> f32 {
    2.0 * min_flow_ml_min
}

/// Decaying time the session's tails must have shown before their wander may lower the
/// re-arm's share, s: half the period of the slowest wobble of the flow (periods 20–120 s
/// in the simulator's `wobble`, a modelling choice), so that it has shown a rise or a fall.
pub const WANDER_LEARN_S: f32 = 60.0;
/// Decaying time the current tail must have shown of its own before the learnt wander
/// applies to it, s: an ejection's crest after its peak may hold or surge again for tens of
/// seconds (the outside generator's plateaus), which is no tail's wander yet.
pub const WANDER_TAIL_S: f32 = 30.0;
/// A re-armed onset must add this many times the largest wander (a share of the level)
/// the tails have shown: a wobble's excursion on a decaying tail shows only part of its
/// swing, the decay hides the rest.
pub const WANDER_MARGIN: f32 = 4.0;
/// The lowest share of a tail's level a learnt wander lowers the re-arm's to: a wobble
/// slower than the tails have shown may still come.
pub const WANDER_FLOOR_SHARE: f32 = 0.2;

/// What the decaying tails have shown of the flow's own slow wander. An excursion is the
/// rise of the three-cycle median above the lowest level the tail had reached, as a share
/// of that level above zero flow (at least twice the detectable flow, where a tail begins);
/// it counts once the flow has come back down to that level. One that became an onset
/// never comes back down before the decay after its peak starts a tail anew and drops it,
/// so a new ejection's rise never raises its own bar (measuring a tail's wander as it
/// stands would).
#[derive(Clone, Copy, Debug)]
pub(super) struct TailWander {
    /// The lowest three-cycle median of the excursion under way, mL/min.
    low: f32,
    /// Its height above zero flow, mL/min.
    low_level: f32,
    /// The excursion's highest rise above `low`, mL/min.
    rise: f32,
    /// The largest share of the level an excursion that came back down has shown.
    share: f32,
    /// Decaying time the session's tails have shown, s.
    seen_s: f32,
    /// Decaying time the current tail has shown, s.
    tail_s: f32,
}

impl TailWander {
    pub(super) const NEW: TailWander = TailWander {
        low: f32::INFINITY,
        low_level: 0.0,
        rise: 0.0,
        share: 0.0,
        seen_s: 0.0,
        tail_s: 0.0,
    };

    /// Drops the excursion under way and starts a tail anew: where a decay begins after a
    /// peak (after every onset; nothing is noted while the flow rises).
    pub(super) fn restart(&mut self) {
        self.drop_excursion();
        self.tail_s = 0.0;
    }

    /// Drops the excursion under way: the pump changed its settings or restarted, which
    /// moves the flow's level by itself.
    pub(super) fn drop_excursion(&mut self) {
        self.low = f32::INFINITY;
        self.rise = 0.0;
    }

    /// Notes a decaying cycle of `dt_s` seconds whose three-cycle median is `m3`, over the
    /// zero-flow level `zero` (mL/min). An excursion is a share of the level it rose from,
    /// or of `floor` (mL/min) where that is higher: near a tail's end the noise alone
    /// would make it a large share of a small level.
    pub(super) fn note(&mut self, m3: f32, zero: f32, floor: f32, dt_s: f32) {
        self.seen_s += dt_s;
        self.tail_s += dt_s;
        if m3 > self.low {
            self.rise = self.rise.max(m3 - self.low);
            return;
        }
        if self.low_level > 0.0 {
            self.share = self.share.max(self.rise / self.low_level.max(floor));
        }
        self.low = m3;
        self.low_level = m3 - zero;
        self.rise = 0.0;
    }

    /// The share of a tail's level a re-armed onset must add: [`WANDER_MARGIN`] times the
    /// largest wander shown, within [`WANDER_FLOOR_SHARE`] … [`REARM_LEVEL_SHARE`], once the
    /// tails have shown [`WANDER_LEARN_S`] and this one [`WANDER_TAIL_S`];
    /// [`REARM_LEVEL_SHARE`] before.
    pub(super) fn share(&self) -> f32 {
        if self.seen_s < WANDER_LEARN_S || self.tail_s < WANDER_TAIL_S {
            return REARM_LEVEL_SHARE;
        }
        (WANDER_MARGIN * self.share).clamp(WANDER_FLOOR_SHARE, REARM_LEVEL_SHARE)
    }
}
