//! The pulsation's phase: milk reaches the sensor at the same point of every pump cycle.
//!
//! Its phase against the cycle's start is set by the suction stroke and the transport
//! delay, both constant within a rhythm; noise, motion bursts and dropouts land anywhere.
//! Two consecutive usable cycles' pulsations (the per-cycle lock-in of
//! [`crate::features`]) are compared: pulsing clear of the noise in one phase they let
//! the climb be read on the latest cycle's own mean (phase-climb) and complete evidence
//! within a cycle's reach of the threshold (phase-alarm); pulsing clear of a single
//! cycle's noise more than a quarter period apart at zero flow, they mark a motion burst
//! (phase-veto).

use super::{CycleStats, EjectionDetector, CLIMB_NOISE_FACTOR, LOCK_NOISE_FACTOR};
use crate::detector_tests::DetectorTest;

/// Two cycles' pulsation agree in phase when the cosine of their phase difference is at
/// least this (30°). Milk's phase against the cycle's start is set by the suction stroke
/// and the transport delay, both constant within a rhythm: on the outside development
/// set's first letdowns 95 % of consecutive cycles agree within 30° (median 6°), at zero
/// flow a third, and a motion burst's cycles differ by 40–170° (detection log).
pub const PHASE_AGREEMENT: f32 = 0.866;

/// How the latest usable cycle's pulsation stands in phase to the last clean cycle's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PhasePair {
    /// Neither: no clean last cycle to compare with (the first, after two cycles that did
    /// not show the pulsation cleanly, a stop or a change of the pump's settings; for
    /// agreement, after any such cycle), one of them within the noise each state below
    /// asks it to clear, or their phases between the two.
    Neither,
    /// Consecutive, both clear of the noise of the three-cycle median's pulsation and
    /// within 30° ([`PHASE_AGREEMENT`]): milk (phase-climb, phase-alarm).
    Agree,
    /// Both clear of a single cycle's pulsation noise and more than a quarter period
    /// apart, consecutive or across one cycle that did not show the pulsation cleanly (a
    /// burst often spoils the cycle between its halves): a motion burst (phase-veto).
    Oppose,
    /// The latest cycle did not show the pulsation cleanly (rejected samples, or none
    /// usable); the last clean cycle's is kept across it for phase-veto alone.
    Bridged,
}

impl EjectionDetector {
    /// Takes this cycle's pulsation `z` (complex amplitude, mL/min): whether it and the last
    /// usable cycle's both stand [`LOCK_NOISE_FACTOR`] zero-flow deviations above the level
    /// the pulsation is followed at (zero flow's, or a tail's), and agree in phase
    /// ([`PHASE_AGREEMENT`]); whether both stand as far above it in deviations of a single
    /// cycle's pulsation and point more than a quarter period apart (phase-veto); and the
    /// smaller of the two magnitudes, which phase-alarm holds to each cycle's own noise. A
    /// cycle with rejected samples may hold the edge of an artefact: it takes part in no
    /// comparison, and agreement is not looked for across it; phase-veto looks across one
    /// such cycle ([`bridge_phase`](Self::bridge_phase)).
    pub(super) fn note_phase(&mut self, z: [f32; 2], clean: bool) {
        if !clean {
            self.bridge_phase();
            return;
        }
        let bridged = self.phase_pair == PhasePair::Bridged;
        let [a, b] = self.prev_phasor;
        let bar = self.puls_base.max(0.0) + self.pulsation_noise_bar();
        let magnitude = |[x, y]: [f32; 2]| libm::sqrtf(x * x + y * y);
        let (last, this) = (magnitude([a, b]), magnitude(z));
        let dot = a * z[0] + b * z[1];
        self.phase_low = last.min(this);
        // A NaN last cycle, or the noise level's infinite start, compares false throughout.
        let own_bar = self.puls_base.max(0.0) + self.single_cycle_noise_bar();
        let agree = last >= bar && this >= bar && dot >= PHASE_AGREEMENT * last * this;
        self.phase_pair = if agree && !bridged {
            PhasePair::Agree
        } else if last >= own_bar && this >= own_bar && dot < 0.0 {
            PhasePair::Oppose
        } else {
            PhasePair::Neither
        };
        self.prev_phasor = z;
    }

    /// A cycle that did not show the pulsation cleanly (rejected samples, or none usable):
    /// the last clean cycle's pulsation is kept across one such cycle, for phase-veto
    /// only, and forgotten at a second. A burst's cycles pulse strongly at any phase and
    /// its middle often spoils a cycle; milk, at one phase, never opposes itself across it.
    pub(super) fn bridge_phase(&mut self) {
        if self.phase_pair == PhasePair::Bridged {
            self.forget_phase();
        } else {
            self.phase_pair = PhasePair::Bridged;
        }
    }

    /// Forgets the last cycle's pulsation (a cycle the sensor did not show, a stop).
    pub(super) fn forget_phase(&mut self) {
        self.prev_phasor = [f32::NAN; 2];
        self.phase_pair = PhasePair::Neither;
    }

    /// The climb read on the latest cycle's own mean, less [`CLIMB_NOISE_FACTOR`] times its
    /// noise, where that cycle's pulsation and the last one's agree in phase (mL/min; minus
    /// infinity elsewhere). The three-cycle median the climb is otherwise read on lags the
    /// rise by a cycle, a whole second in expression; it is there against a single cycle a
    /// motion burst lifts, whose pulsation lands at any phase, while milk reaches the
    /// sensor at the same point of every pump cycle.
    pub(super) fn phase_climb(&self) -> f32 {
        if self.tests.has(DetectorTest::PhaseClimb) && self.phase_agrees() {
            self.climb_raw - CLIMB_NOISE_FACTOR * self.sigma_ml_min()
        } else {
            f32::NEG_INFINITY
        }
    }

    /// Whether the pulsation completes the mean's evidence at zero flow: the latest two
    /// cycles agree in phase and each stands [`LOCK_NOISE_FACTOR`] deviations of a single
    /// cycle's pulsation above its zero-flow level (not the three-cycle median's smaller
    /// deviations phase-climb's agreement is measured against: a pulsation that jumps now
    /// and then must not agree by chance), as milk does and noise, a motion burst or a
    /// dropout's edge seldom do; while the mean's CUSUM stands within one cycle's largest
    /// increment of its threshold (the reach in which the partial-cycle test may be armed)
    /// and this cycle's mean `excess` may alarm at all for the reference shift `delta`
    /// (both mL/min; [`may_alarm`](Self::may_alarm)). The mean and the pulsation are two
    /// views of one rise; each alone must carry all of the evidence, together the
    /// pulsation's agreement over two cycles stands for the rest of the mean's (a spike
    /// fills one cycle, and its pulsation lands at any phase).
    pub(super) fn phase_alarm(&self, excess: f32, delta: f32) -> bool {
        self.tests.has(DetectorTest::PhaseAlarm)
            && self.phase_agrees()
            && self.phase_low >= self.puls_base.max(0.0) + LOCK_NOISE_FACTOR * self.puls_dev_raw
            && self.within_a_cycle_of_alarm()
            && self.may_alarm(excess, delta)
    }

    /// Whether the latest two usable cycles pulse clear of the noise, without rejected
    /// samples, and in phase ([`PHASE_AGREEMENT`]).
    pub(super) fn phase_agrees(&self) -> bool {
        self.phase_pair == PhasePair::Agree
    }

    /// Whether an alarm at zero flow (the mean's or the pulsation's, at a cycle's end) is a
    /// motion burst's: its cycle's pulsation and the last clean cycle's (across at most one
    /// cycle that did not show the pulsation cleanly) both stand clear of a single
    /// cycle's noise and point more than a quarter period apart (phase-veto).
    /// Milk reaches the sensor at the same point of every pump cycle (on the outside set's
    /// first letdowns consecutive cycles agree within 30° 95 % of the time, median 6°), a
    /// burst anywhere (40–170° apart), and two cycles each pulsing clear of the noise are
    /// not the noise's either. The burst's excess is no milk's evidence: it is built anew,
    /// as on an artefact's decay.
    pub(super) fn phase_vetoes(&self) -> bool {
        self.tests.has(DetectorTest::PhaseVeto) && self.phase_pair == PhasePair::Oppose
    }

    /// Whether a cycle that the pulsation's agreement alone carries over the threshold
    /// ([`phase_alarm`](Self::phase_alarm)) shows what an alarm of the mean's must show to
    /// be an onset: climbing, no artefact's decay, higher than the last cycle and no faster
    /// a jump than milk climbs, and pump-synchronous flow backing its mean `excess`
    /// (mL/min). Where it does not, the cycle stands as if no alarm had come: the
    /// partial-cycle test is armed as for any cycle short of the threshold, and no
    /// evidence is built anew or taken as an offset.
    pub(super) fn phase_onset_holds(&self, c: &CycleStats, excess: f32) -> bool {
        self.climbing()
            && !self.artefact_decay(c.m, c.sigma_raw)
            && !self.not_rising(c.m)
            && self.climbable(c.sigma_raw, c.dt_s)
            && self.pump_locked(excess)
    }
}
