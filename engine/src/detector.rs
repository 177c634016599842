//! Milk-ejection detector: turns per-cycle flow features into onset and end detections.
//!
//! Per pump cycle the detector takes the cycle's mean flow and compares it with a baseline
//! that follows the zero-flow level (and, after an ejection, its decaying tail): quickly
//! downward, slowly and boundedly upward, so a rising ejection cannot hide in it. The
//! excess over the baseline, standardized by the measured cycle-to-cycle noise, feeds a
//! one-sided CUSUM ([`crate::cusum`]) whose threshold comes from the configured
//! false-alarm rate. The reference shift is the smallest flow the detector is built to see
//! (`min_flow_ml_min`, the 1 mL/min physical visibility limit of DESIGN §3), so quiet
//! sensors detect at about that flow and noisy ones wait for more evidence.
//!
//! From zero flow (the first letdown, and any later one once the last tail is within twice
//! the detectable flow of the zero level) the CUSUM sees each cycle's raw mean, without the
//! smoothing that would cost a cycle: each standardized increment is winsorised at
//! `k + MAX_CYCLE_SHARE·h`, so a motion spike or bubble that survives artefact rejection
//! adds a bounded amount and never alarms on its own; nor does it complete evidence built
//! before a run of [`LOST_LEVEL_CYCLES`] unusable cycles, which is dropped. The test also
//! runs inside the cycle: once at least two previous cycles have brought the statistic
//! within reach of the threshold, the latest of them rising no faster than milk can climb
//! ([`MAX_ONSET_SLOPE_ML_MIN_S`]), the cycle in progress is watched sample by
//! sample ([`crate::features::FlowFeatures::arm`]), its excess so far counted as if the rest
//! of the cycle were at the baseline, and the onset is reported by the sample that
//! completes the evidence. Watching the partial sums can at most double the chance of a
//! crossing per cycle (Lévy's inequality for sums of independent terms symmetric about the
//! baseline), so this test's threshold is derived from twice the in-control run length.
//! Beside it, a second CUSUM runs on the cycles' pump-synchronous flow (their pulsation,
//! three-cycle median) against its own noise, with the same run length: at zero flow
//! the pulsation is the sensor's noise in one DFT bin, while the mean also carries every
//! slow wander of the level, so where the mean wanders milk's pulsation shows sooner
//! ([`DetectorTest::PulseCusum`]). And where the mean's evidence stands within one cycle's
//! reach of the threshold, two cycles pulsing in one phase, each clear of its own noise,
//! complete it ([`DetectorTest::PhaseAlarm`]). Every alarm passes the same tests below.
//!
//! Everything else (the baseline, the rise to the peak, the end, re-armed onsets on a
//! tail) works on the cycle means median-filtered over three cycles, where a cycle's delay
//! costs nothing and a spoiled cycle would. After an onset the detector follows the
//! ejection's rise to its peak, then re-arms on its decaying tail for the next ejection
//! (with a larger reference shift, and only for a rise sustained over several cycles, so a
//! bottle tilt's gain step is not an ejection), and reports the end when flow has fallen to
//! a fifth of the ejection's amplitude. Alarms are suppressed for a few seconds after the
//! pump changes rhythm or vacuum, or resumes after a stop: removal rate changes make flow
//! surge without any ejection.
//!
//! An alarm of the CUSUM is only a candidate. It becomes an onset when the flow also shows
//! what milk is ([`DetectorTests`], each switchable for an ablation study):
//! - **it moves with the pump**: the cycle's component at its own frequency (the per-cycle
//!   lock-in of [`crate::features`]) has risen with the mean ([`PULSATION_SHARE`],
//!   [`LOCK_NOISE_FACTOR`]); a rise of the mean alone is sensor drift, slow wobble or held
//!   values, and becomes the new baseline. A sensor too smooth to show the pulsation still
//!   detects a larger rise ([`UNLOCKED_FLOW_FACTOR`]);
//! - **it climbs as an ejection does** ([`MIN_ONSET_SLOPE_ML_MIN_S`]), faster than a
//!   trickle's or a tail's slow wander (an alarm that comes before the climb keeps its
//!   evidence for the next alarm, once, where the sensor is quiet enough for that second
//!   look); at zero flow, a flow that has carried more than the ducts store
//!   ([`DUCT_STORE_ML`]) need not climb: it is an ejection whose start the detector did
//!   not see, behind a stop or a change of the pump's settings;
//! - **it is not the milk already in the ducts** ([`DUCTAL_START_S`]): a rise that began in
//!   the first seconds of pumping is followed silently as a tail;
//! - **it does not pulse as a burst does** ([`DetectorTest::PhaseVeto`]): at zero flow, an
//!   alarm whose cycle and the last one pulse clear of their noise and more than a quarter
//!   period apart is a motion burst's (milk pulses at the same point of every cycle);
//! - **it is more than a trickle's wander** ([`REARM_LEVEL_SHARE`]): where a trickle still
//!   runs between ejections, the shift an onset must show grows with its level, as on a
//!   tail, so a noisier sensor or one reading more milk does not take its slow wander for
//!   a new ejection.
//!
//! One module per part: `pump_sync` (the pulsation's evidence and the learnt transfer),
//! `partial` (the from-zero-flow test inside the cycle, and its guards against artefacts),
//! `rearm` (onsets over a tail or a trickle), `end` (the end of an ejection) and
//! `pump_changes` (what is held back through changes of pump settings and stops). This file
//! keeps the state, the cycle's statistics, the decision of each phase and the onset.

use crate::cusum::{self, Cusum};
use crate::cycle_tracker::Cycle;
use crate::detector_tests::{DetectorTest, DetectorTests};
use crate::features::BlockFeatures;

mod end;
mod partial;
mod pump_changes;
mod pump_sync;
mod rearm;

use pump_changes::SettingTrack;

// The constants defined beside the code they tune, reachable as `crate::detector::NAME`:
// the module doc links them here, and feature `internals` publishes them. Without that
// feature most are read only where they are defined, so the re-export itself goes unused.
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use self::{
    end::{END_CYCLES, END_FRACTION, MIN_DECAY_TAU_S, MIN_RISE_S},
    partial::{FALL_NOISE_FACTOR, MAX_ONSET_SLOPE_ML_MIN_S},
    pump_changes::{
        CHANGE_NOISE_FACTOR, DEPTH_CHANGE, IDLE_SUPPRESS_CYCLES, RATE_CHANGE, RETURN_HOLD_S,
        SUPPRESS_S, ZERO_FLOW_WINDOW_S,
    },
    pump_sync::{
        LOCK_NOISE_FACTOR, MIN_TRANSFER, PULSATION_SHARE, PULSATION_TRANSFER_PRIOR,
        SMOOTHING_TRANSFER, STALL_SHARE, TRANSFER_GAIN, UNLOCKED_FLOW_FACTOR,
    },
    rearm::{MAX_STEP_SHARE, REARM_LEVEL_SHARE},
};

/// No onset during the first seconds of pumping: milk already in the ducts comes out in a
/// burst at the start, which is not an ejection (first ejections come after ≥ 40 s
/// typically, DESIGN §1).
pub const WARMUP_S: f32 = 12.0;
/// Upward time constant of the baseline, s.
pub const BASELINE_UP_TAU_S: f32 = 20.0;
/// Downward time constant of the baseline, s.
pub const BASELINE_DOWN_TAU_S: f32 = 5.0;
/// Nominal analysis block (one stimulation cycle at 110 cpm), s: converts the false-alarm
/// rate per hour into an in-control run length in blocks (conservative for the longer
/// expression cycles). The from-zero-flow test, watched within each cycle, uses twice it.
pub const NOMINAL_BLOCK_S: f32 = 60.0 / 110.0;
/// Floor of the noise estimate, mL/min: quantised sensors can repeat one value.
pub const SIGMA_FLOOR_ML_MIN: f32 = 0.05;
/// Gain of the noise estimate's exponential average, per cycle (≈ 20 cycles memory).
pub const SIGMA_GAIN: f32 = 0.05;
/// Gain of the zero-flow floor's exponential average, per cycle.
pub const FLOOR_GAIN: f32 = 0.1;
/// A cycle with more than this fraction of its flow samples outside the artefact band
/// is not used at all: its mean would be biased by what was left out.
pub const MAX_REJECTED_FRACTION: f32 = 0.2;
/// Unusable cycles in a row after which the sensor's level counts as lost: the band the
/// next cycle's samples must fall in opens wide, and the evidence and the milk counted
/// before the run no longer speak of the flow the sensor shows after it.
pub const LOST_LEVEL_CYCLES: u8 = 3;
/// Gain of the excess-spread estimate's exponential average, per cycle (≈ 30 cycles).
pub const SPREAD_GAIN: f32 = 0.03;
/// Largest share of the CUSUM threshold one cycle may add: increments are winsorised at
/// `k + MAX_CYCLE_SHARE·h`, so a spike or bubble that survives artefact rejection adds a
/// bounded amount and an alarm always takes at least two cycles of evidence. Clipping
/// only lowers the in-control statistic, so the threshold's run length stays a lower bound.
pub const MAX_CYCLE_SHARE: f32 = 0.7;
/// Share of the reference shift the excess must reach for an alarm.
pub const ALARM_SHARE: f32 = 0.5;
/// The rise is over (the decay and the re-armed onset tests begin) once the flow stays
/// below this share of its amplitude for [`PEAK_FALL_CYCLES`] cycles: an ejection's own flow
/// wobbles by some tenths around its peak, which is not yet its decay.
pub const PEAK_FALL_SHARE: f32 = 0.9;
/// Three-cycle medians below [`PEAK_FALL_SHARE`] that end the rise. A sensor artefact of up
/// to a second (a dropout, a held value, DESIGN §2) can spoil two consecutive cycles, and
/// with them two medians; an ejection's flow decays over tens of seconds (DESIGN §1), so
/// one more cycle costs nothing, while a rise ended by a dropout would take the flow's
/// return for a new ejection.
pub const PEAK_FALL_CYCLES: u8 = 3;
/// Longest rise before the detector treats the ejection as at its plateau, s.
pub const MAX_RISE_S: f32 = 60.0;
/// Ductal milk: a rise that began within this time of pumping, s, before any ejection, is
/// the milk already in the ducts (DESIGN §1; Ramsay 2005): drawn by the first strokes, it
/// reaches the sensor after the transport delay (≤ 3 s) and a few strokes, peaks and
/// decays by itself. First ejections begin 40–240 s into pumping (20 s at the earliest),
/// so nothing that starts this early is one. The detector follows such a rise silently
/// as the tail of an ejection that never was, and tests for a real one on it.
pub const DUCTAL_START_S: f32 = 20.0;
/// A rise taken for ductal milk that is still climbing this long after it began, s, is an
/// ejection after all: the small ductal store empties within a few removal time
/// constants (≈ 2 s each), while an ejection's flow rises for 10–30 s (DESIGN §1).
pub const DUCTAL_RISE_S: f32 = 10.0;
/// Slowest climb of an ejection's flow at its onset, mL/min per s: it rises from zero to
/// its peak (0.5 ± 0.2 g/s ≈ 29 ± 12 mL/min, a weak one ≥ 5 mL/min) in 10–30 s (DESIGN §1),
/// so even a weak one climbs ≥ 0.17 mL/min per second on average; half that at its start.
/// A trickle's or a tail's slow wander climbs slower, and is not an ejection.
pub const MIN_ONSET_SLOPE_ML_MIN_S: f32 = 0.12;
/// Time constant of the slow follower the climb is measured against, s: a ramp of slope
/// `r` stands `r·τ` above it.
pub const RISE_TAU_S: f32 = 4.0;
/// The climb an onset must show, mL/min: [`MIN_ONSET_SLOPE_ML_MIN_S`] over [`RISE_TAU_S`].
const CLIMB_ASKED_ML_MIN: f32 = MIN_ONSET_SLOPE_ML_MIN_S * RISE_TAU_S;
/// Noise deviations of the cycle means that the climb asked of an onset must stand clear
/// of for an alarm that came before the climb to keep its evidence for the next alarm
/// (for Gaussian noise a 2.3 % chance per look that noise alone carries the climb test).
pub const CLIMB_NOISE_FACTOR: f32 = 2.0;
/// Two cycles' pulsation agree in phase when the cosine of their phase difference is at
/// least this (30°). Milk's phase against the cycle's start is set by the suction stroke
/// and the transport delay, both constant within a rhythm: on the outside development
/// set's first letdowns 95 % of consecutive cycles agree within 30° (median 6°), at zero
/// flow a third, and a motion burst's cycles differ by 40–170° (detection log).
pub const PHASE_AGREEMENT: f32 = 0.866;
/// Milk the ducts can hold before an ejection, mL (DESIGN §1: the ducts are narrow and
/// store little milk, Ramsay 2005; a few mL at most). A flow at zero flow that has carried
/// this much above the baseline is an ejection, whether or not its start was seen climbing.
pub const DUCT_STORE_ML: f32 = 5.0;

/// What the detector found in a cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Detection {
    /// A new ejection's flow has become visible.
    Onset {
        /// 0 … 1.
        confidence: f32,
    },
    /// The current ejection's flow has faded.
    End {
        /// 0 … 1.
        confidence: f32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Rising,
    Decaying,
}

/// The detector's state. All fields are scalars: its size is fixed.
#[derive(Clone, Copy, Debug)]
pub struct EjectionDetector {
    delta: f32,
    arl_blocks: f32,
    phase: Phase,
    /// Three-cycle median of the cycle means.
    means: Median3,
    prev_mean: [f32; 2],
    m3_incs: [f32; 3],
    prev_m3: f32,
    baseline: f32,
    zero_level: f32,
    rest_level: f32,
    sigma: f32,
    spread: f32,
    spread_m3: f32,
    cusum: Cusum,
    threshold: f32,
    peak: f32,
    rise_s: f32,
    fall_count: u8,
    below_count: u8,
    /// Time the pump has run, s: every pumping cycle, usable or not (ductal milk and the
    /// warm-up are about the strokes, not about what the sensor showed of them).
    pumping_s: f32,
    suppress_s: f32,
    suppress_cycles: u32,
    window_raw_peak: f32,
    resume_pending: bool,
    /// The cycles' rate and vacuum depth: the last, the two before and their scatter.
    rate_track: SettingTrack,
    depth_track: SettingTrack,
    ref_peaks: [f32; 3],
    floor: f32,
    artefact_run: u8,
    partial_base: f32,
    partial_excess: f32,
    /// Three-cycle median of the cycles' pulsation.
    pulsations: Median3,
    puls_prev: f32,
    puls_base: f32,
    puls_zero: f32,
    /// Mean absolute deviation of the pulsation from its level at zero flow, mL/min.
    puls_dev: f32,
    /// The same of each cycle's own pulsation, not its three-cycle median, mL/min.
    puls_dev_raw: f32,
    /// Cycles the pulsation's zero-flow noise estimates have taken (saturating).
    zero_cycles: u16,
    lock_excess: f32,
    /// The latest cycle's own pulsation over the level `lock_excess` is measured from,
    /// mL/min.
    lock_this: f32,
    puls_last3: f32,
    /// The three-cycle median of the pulsation above its level at zero flow, mL/min.
    pulse_excess: f32,
    /// Its noise (σ) at zero flow, mL/min.
    pulse_sigma: f32,
    /// The pulsation's onset evidence at zero flow, beside the mean's.
    pulse_cusum: Cusum,
    /// The pulsation's slow level at zero flow, mL/min: a floor under its follower.
    pulse_floor: f32,
    transfer: f32,
    /// The pump rate the transfer was learnt at, cpm (NaN before any strong flow).
    transfer_rate: f32,
    /// Pumping time at which the CUSUM last stood at zero (its change-point estimate), s.
    rise_start_s: f32,
    /// The episode followed is ductal milk, not an ejection: no events.
    ductal: bool,
    /// Slow follower of the smoothed flow (time constant [`RISE_TAU_S`]), mL/min.
    rise_follower: f32,
    /// How far the latest smoothed flow stands above that follower, mL/min.
    climb: f32,
    /// The waits the evidence built since the statistic last stood at zero has had.
    waited: Waits,
    /// Milk carried above the baseline at zero flow since the flow last stood within the
    /// detectable shift of it, mL.
    carried_ml: f32,
    /// How far the latest cycle's own mean stands above the rise follower as it stood
    /// before that cycle, mL/min.
    climb_raw: f32,
    /// The last usable cycle's pulsation as a complex amplitude, mL/min (NaN: none).
    prev_phasor: [f32; 2],
    /// How the latest two usable cycles' pulsations stand to each other in phase.
    phase_pair: PhasePair,
    /// The smaller of the latest two usable cycles' pulsation magnitudes, mL/min.
    phase_low: f32,
    /// The baseline as followed without the offsets absorbed for want of pulsation,
    /// mL/min: what a rise seen only in the mean is measured from.
    slow_base: f32,
    /// Consecutive cycles that have raised the CUSUM.
    evidence_cycles: u32,
    /// The latest cycle had samples rejected as an artefact: it adds no evidence.
    spoiled: bool,
    /// The latest tested excess, mL/min.
    last_excess: f32,
    /// An onset has been reported this session.
    seen_onset: bool,
    /// The vacuum depth before the latest weakening, mmHg, and the smoothed flow then,
    /// mL/min (NaN when the vacuum has not weakened since it was last restored).
    held_depth: f32,
    held_level: f32,
    /// The flow level expected back after the vacuum's return or a dropout, mL/min, and
    /// how much longer the baseline is held at or above it, s.
    expect_level: f32,
    expect_s: f32,
    /// The last level the flow held for three cycles that milk's fastest decay from the
    /// one before could reach, mL/min (NaN: none since the pump started), and the pumping
    /// time it was held at, s ([`MIN_DECAY_TAU_S`]).
    fall_level: f32,
    fall_at_s: f32,
    tests: DetectorTests,
}

/// The waits one build of the evidence has had: each lets an alarm wait once, and
/// evidence built anew (or standing at zero again) may wait again.
#[derive(Clone, Copy, Debug)]
struct Waits {
    /// An alarm waited for the climb ([`EjectionDetector::may_wait_for_the_climb`]).
    climb: bool,
    /// An alarm waited for the pulsation ([`EjectionDetector::may_wait_for_the_pulsation`]).
    lock: bool,
    /// An alarm at zero flow waits for the next clean cycle to show its level held
    /// ([`EjectionDetector::waits_for_the_lag`]).
    lag: bool,
}

impl Waits {
    const NONE: Waits = Waits {
        climb: false,
        lock: false,
        lag: false,
    };
}

/// Which test's alarm [`EjectionDetector::confirm`] is asked to confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alarm {
    /// The zero-flow test's, on the raw cycle mean or its pulsation.
    RawMean,
    /// A test on the three-cycle median: on a tail or a decay, or at the end of the window
    /// after a change of pump settings (which tests the median against its own peak).
    Median,
}

/// One usable cycle as the decisions see it.
#[derive(Clone, Copy, Debug)]
struct CycleStats {
    /// The cycle's mean flow, mL/min.
    m: f32,
    /// Three-cycle median of the cycle means, mL/min.
    m3: f32,
    /// Three-cycle median of the cycles' pulsation, mL/min.
    p3: f32,
    /// Noise of the raw cycle means (tested at zero flow), mL/min.
    sigma_raw: f32,
    /// Noise of their three-cycle medians (tested elsewhere), mL/min.
    sigma: f32,
    /// The cycle's length, s.
    dt_s: f32,
}

impl EjectionDetector {
    /// A detector built to see a rise of `min_flow_ml_min` with `false_alarms_per_hour`.
    pub fn new(min_flow_ml_min: f32, false_alarms_per_hour: f32) -> Self {
        Self {
            delta: min_flow_ml_min,
            arl_blocks: 3600.0 / false_alarms_per_hour / NOMINAL_BLOCK_S,
            phase: Phase::Idle,
            means: Median3::EMPTY,
            prev_mean: [f32::NAN; 2],
            m3_incs: [0.0; 3],
            prev_m3: f32::NAN,
            baseline: 0.0,
            zero_level: 0.0,
            rest_level: 0.0,
            sigma: 0.5,
            spread: 0.5,
            spread_m3: 0.5,
            cusum: Cusum::default(),
            threshold: 0.0,
            peak: 0.0,
            rise_s: 0.0,
            fall_count: 0,
            below_count: 0,
            pumping_s: 0.0,
            suppress_s: 0.0,
            suppress_cycles: 0,
            window_raw_peak: f32::NEG_INFINITY,
            resume_pending: true,
            rate_track: SettingTrack::NEW,
            depth_track: SettingTrack::NEW,
            ref_peaks: [f32::NAN; 3],
            floor: f32::NAN,
            artefact_run: 0,
            partial_base: 0.0,
            partial_excess: f32::INFINITY,
            pulsations: Median3::EMPTY,
            puls_prev: f32::NAN,
            puls_base: f32::NAN,
            puls_zero: 0.0,
            puls_dev: f32::INFINITY,
            puls_dev_raw: f32::INFINITY,
            zero_cycles: 0,
            lock_excess: 0.0,
            lock_this: 0.0,
            puls_last3: 0.0,
            pulse_excess: 0.0,
            pulse_sigma: f32::INFINITY,
            pulse_cusum: Cusum::default(),
            pulse_floor: f32::NAN,
            rise_start_s: 0.0,
            ductal: false,
            rise_follower: f32::NAN,
            climb: 0.0,
            waited: Waits::NONE,
            carried_ml: 0.0,
            climb_raw: 0.0,
            prev_phasor: [f32::NAN; 2],
            phase_pair: PhasePair::Neither,
            phase_low: 0.0,
            slow_base: 0.0,
            evidence_cycles: 0,
            spoiled: false,
            last_excess: 0.0,
            seen_onset: false,
            held_depth: 0.0,
            held_level: f32::NAN,
            expect_level: 0.0,
            expect_s: 0.0,
            fall_level: f32::NAN,
            fall_at_s: 0.0,
            tests: DetectorTests::ALL,
            transfer: PULSATION_TRANSFER_PRIOR,
            transfer_rate: f32::NAN,
        }
    }

    /// The same detector with only `tests` on (an ablation study; all are on by default).
    pub fn with_tests(mut self, tests: DetectorTests) -> Self {
        self.tests = tests;
        self
    }

    /// Whether the smoothed flow is climbing as fast as an ejection's does at its onset
    /// ([`MIN_ONSET_SLOPE_ML_MIN_S`]).
    fn climbing(&self) -> bool {
        !self.tests.has(DetectorTest::RiseRate)
            || self.climb.max(self.phase_climb()) >= CLIMB_ASKED_ML_MIN
    }

    /// The climb read on the latest cycle's own mean, less [`CLIMB_NOISE_FACTOR`] times its
    /// noise, where that cycle's pulsation and the last one's agree in phase (mL/min; minus
    /// infinity elsewhere). The three-cycle median the climb is otherwise read on lags the
    /// rise by a cycle, a whole second in expression; it is there against a single cycle a
    /// motion burst lifts, whose pulsation lands at any phase, while milk reaches the
    /// sensor at the same point of every pump cycle.
    fn phase_climb(&self) -> f32 {
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
    fn phase_alarm(&self, excess: f32, delta: f32) -> bool {
        self.tests.has(DetectorTest::PhaseAlarm)
            && self.phase_agrees()
            && self.phase_low >= self.puls_base.max(0.0) + LOCK_NOISE_FACTOR * self.puls_dev_raw
            && self.within_a_cycle_of_alarm()
            && self.may_alarm(excess, delta)
    }

    /// Whether the latest two usable cycles pulse clear of the noise, without rejected
    /// samples, and in phase ([`PHASE_AGREEMENT`]).
    fn phase_agrees(&self) -> bool {
        self.phase_pair == PhasePair::Agree
    }

    /// Whether an alarm at zero flow (the mean's or the pulsation's, at a cycle's end) is a
    /// motion burst's: its cycle's pulsation and the last usable cycle's both stand clear
    /// of a single cycle's noise and point more than a quarter period apart (phase-veto).
    /// Milk reaches the sensor at the same point of every pump cycle (on the outside set's
    /// first letdowns consecutive cycles agree within 30° 95 % of the time, median 6°), a
    /// burst anywhere (40–170° apart), and two cycles each pulsing clear of the noise are
    /// not the noise's either. The burst's excess is no milk's evidence: it is built anew,
    /// as on an artefact's decay.
    fn phase_vetoes(&self) -> bool {
        self.tests.has(DetectorTest::PhaseVeto) && self.phase_pair == PhasePair::Oppose
    }

    /// Whether a cycle that the pulsation's agreement alone carries over the threshold
    /// ([`phase_alarm`](Self::phase_alarm)) shows what an alarm of the mean's must show to
    /// be an onset: climbing, no artefact's decay, higher than the last cycle and no faster
    /// a jump than milk climbs, and pump-synchronous flow backing its mean `excess`
    /// (mL/min). Where it does not, the cycle stands as if no alarm had come: the
    /// partial-cycle test is armed as for any cycle short of the threshold, and no
    /// evidence is built anew or taken as an offset.
    fn phase_onset_holds(&self, c: &CycleStats, excess: f32) -> bool {
        self.climbing()
            && !self.artefact_decay(c.m, c.sigma_raw)
            && !self.not_rising(c.m)
            && self.climbable(c.sigma_raw, c.dt_s)
            && self.pump_locked(excess)
    }

    /// Whether the mean's CUSUM stands within one cycle's largest increment
    /// ([`MAX_CYCLE_SHARE`] of its threshold) of an alarm.
    fn within_a_cycle_of_alarm(&self) -> bool {
        self.threshold - self.cusum.s < MAX_CYCLE_SHARE * self.threshold
    }

    /// Whether an alarm that came before the climb may keep its evidence for the next
    /// alarm: where the climb asked of an onset ([`MIN_ONSET_SLOPE_ML_MIN_S`] over
    /// [`RISE_TAU_S`], 0.48 mL/min) stands [`CLIMB_NOISE_FACTOR`] noise deviations of the
    /// cycle means or more (σ ≤ 0.24 mL/min), noise alone seldom carries the climb test, and
    /// a quiet sensor alarms on a few tenths of a mL/min while an ejection's start is still
    /// slow (DESIGN §1). On a noisier sensor a second look would be a second draw of the
    /// noise.
    fn may_wait_for_the_climb(&self) -> bool {
        CLIMB_NOISE_FACTOR * self.cycle_noise() <= CLIMB_ASKED_ML_MIN
    }

    /// The cycle means' noise the tests on the three-cycle median use, mL/min: the larger
    /// of the cycle-to-cycle noise and the median's own spread, never below the floor.
    fn cycle_noise(&self) -> f32 {
        self.sigma.max(self.spread_m3).max(SIGMA_FLOOR_ML_MIN)
    }

    /// The flow band, mL/min, that the next cycle's samples must fall in to count (see
    /// [`crate::features`]). Open until the first cycle has been seen.
    pub fn band(&self) -> (f32, f32) {
        let mut ref_peak = f32::NEG_INFINITY;
        for p in self.ref_peaks {
            if p.is_finite() {
                ref_peak = ref_peak.max(p);
            }
        }
        if !ref_peak.is_finite()
            || !self.floor.is_finite()
            || self.artefact_run >= LOST_LEVEL_CYCLES
        {
            return (-100.0, 250.0);
        }
        let widen = (1u32 << self.artefact_run.min(2)) as f32;
        let hi = self.floor + (2.0 * (ref_peak - self.floor).max(0.0) + 4.0) * widen;
        (self.floor - 4.0 * widen, hi)
    }

    /// Current baseline flow, mL/min.
    pub fn baseline_ml_min(&self) -> f32 {
        self.baseline
    }

    /// Latest cycle-mean flow after the three-cycle median, mL/min.
    pub fn flow_ml_min(&self) -> f32 {
        self.prev_m3
    }

    /// Current noise estimate of the raw cycle means, mL/min.
    pub fn sigma_ml_min(&self) -> f32 {
        self.sigma.max(self.spread).max(SIGMA_FLOOR_ML_MIN)
    }

    /// Current CUSUM statistic and its threshold, standardized.
    pub fn cusum(&self) -> (f32, f32) {
        (self.cusum.s, self.threshold)
    }

    /// Whether an ejection is in progress (detected and not yet ended).
    pub fn in_ejection(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// Processes one analysis block of `dt_s` seconds: the cycle's statistics first, then
    /// the decision of the stage the detector is in (held through a change of pump
    /// settings, or waiting at zero flow or on a tail, following a rise, or a decay).
    pub fn process(&mut self, cycle: &Cycle, f: &BlockFeatures, dt_s: f32) -> Option<Detection> {
        self.partial_excess = f32::INFINITY;
        if !cycle.pumping {
            self.pump_stopped();
            return None;
        }
        // The ducts empty with every stroke, read or not: the pumping clock runs through
        // every pumping cycle, usable or not.
        let cycle_start_s = self.pumping_s;
        self.pumping_s += dt_s;
        let m = f.mean_flow_ml_min;
        if !m.is_finite() || f.rejected_fraction > MAX_REJECTED_FRACTION {
            self.artefact_run = self.artefact_run.saturating_add(1);
            self.forget_phase();
            if self.artefact_run >= LOST_LEVEL_CYCLES {
                self.reset_evidence();
                self.carried_ml = 0.0;
            }
            return None;
        }
        self.artefact_run = 0;
        self.note_phase(f.pulsation_phasor, f.rejected_fraction == 0.0);
        self.note_levels(f);
        self.note_carried(m, dt_s);
        self.note_pump_change(cycle, dt_s);
        let (m3, p3) = self.push_cycle(m, f.pulsation_ml_min, cycle_start_s, dt_s);
        let settled = self.pumping_s >= WARMUP_S && self.suppress_s <= 0.0;
        // The level the flow has held for three whole cycles (none before three).
        self.note_fall(self.means.lowest(), m, self.sigma_ml_min(), settled);
        let (sigma_raw, sigma) = self.noise(m, m3, p3);
        let c = CycleStats {
            m,
            m3,
            p3,
            sigma_raw,
            sigma,
            dt_s,
        };

        // A surge after a change of pump settings is stored milk coming out faster; with
        // no ejection under way the ducts hold none, so at zero flow only the change's
        // own transient (two cycles) is held back, and the baseline keeps rising slowly
        // there, so an ejection starting at the switch is not absorbed.
        let at_zero_flow = self.at_zero_flow();
        if !(at_zero_flow && settled) {
            // The pulsation's evidence builds only at zero flow, away from pump changes
            // (idle, below).
            self.pulse_cusum.reset();
        }
        if !settled {
            if self.pumping_s >= WARMUP_S && at_zero_flow {
                return self.post_change_window(&c);
            }
            self.hold_through_change(m3, p3, dt_s);
            return None;
        }
        match self.phase {
            Phase::Idle => self.idle(&c),
            Phase::Rising => self.rising(m3, p3, dt_s),
            Phase::Decaying => self.decaying(&c),
        }
    }

    /// Takes this cycle's pulsation `z` (complex amplitude, mL/min): whether it and the last
    /// usable cycle's both stand [`LOCK_NOISE_FACTOR`] zero-flow deviations above the level
    /// the pulsation is followed at (zero flow's, or a tail's), and agree in phase
    /// ([`PHASE_AGREEMENT`]); whether both stand as far above it in deviations of a single
    /// cycle's pulsation and point more than a quarter period apart (phase-veto); and the
    /// smaller of the two magnitudes, which phase-alarm holds to each cycle's own noise. A
    /// cycle with rejected samples may hold the edge of an artefact: it takes part in no
    /// comparison.
    fn note_phase(&mut self, z: [f32; 2], clean: bool) {
        if !clean {
            self.forget_phase();
            return;
        }
        let [a, b] = self.prev_phasor;
        let bar = self.puls_base.max(0.0) + self.pulsation_noise_bar();
        let magnitude = |[x, y]: [f32; 2]| libm::sqrtf(x * x + y * y);
        let (last, this) = (magnitude([a, b]), magnitude(z));
        let dot = a * z[0] + b * z[1];
        self.phase_low = last.min(this);
        // A NaN last cycle, or the noise level's infinite start, compares false throughout.
        let own_bar = self.puls_base.max(0.0) + self.single_cycle_noise_bar();
        self.phase_pair = if last >= bar && this >= bar && dot >= PHASE_AGREEMENT * last * this {
            PhasePair::Agree
        } else if last >= own_bar && this >= own_bar && dot < 0.0 {
            PhasePair::Oppose
        } else {
            PhasePair::Neither
        };
        self.prev_phasor = z;
    }

    /// Adds what the cycle of mean flow `m` (mL/min, `dt_s` s) carried above the baseline
    /// at zero flow, or starts anew where the flow stands within the reference shift of it
    /// (the detectable flow, or more over a trickle). A cycle with rejected samples may
    /// hold the rest of an artefact: it neither adds nor starts anew.
    fn note_carried(&mut self, m: f32, dt_s: f32) {
        if self.spoiled {
            return;
        }
        let excess = m - self.baseline;
        let at_zero_flow = self.at_zero_flow();
        self.carried_ml = if at_zero_flow && excess >= self.zero_flow_delta() {
            self.carried_ml + excess * dt_s / 60.0
        } else {
            0.0
        };
    }

    /// Forgets the last cycle's pulsation (a cycle the sensor did not show, a stop).
    fn forget_phase(&mut self) {
        self.prev_phasor = [f32::NAN; 2];
        self.phase_pair = PhasePair::Neither;
    }

    /// The levels a usable cycle shows besides its mean: the zero-flow level, the peaks
    /// the artefact band is set from, and the cycles' lowest readings.
    fn note_levels(&mut self, f: &BlockFeatures) {
        // The zero-flow level follows the baseline while no ejection or tail is under way.
        if self.at_zero_flow() {
            self.rest_level = self.baseline;
        }
        // A cycle that had samples rejected may hold the rest of an artefact: its peak
        // does not widen the band (the last clean one stands in for it).
        let guarded = self.tests.has(DetectorTest::PartialGuard);
        self.spoiled = guarded && f.rejected_fraction > 0.0;
        let peak = if self.spoiled && self.ref_peaks[2].is_finite() {
            self.ref_peaks[2]
        } else {
            f.peak_flow_ml_min
        };
        self.ref_peaks = [self.ref_peaks[1], self.ref_peaks[2], peak];
        // Flow stops between suction strokes, so each cycle's lowest reading tracks the
        // sensor's zero-flow level even during an ejection.
        self.floor = if self.floor.is_finite() {
            self.floor + FLOOR_GAIN * (f.min_flow_ml_min - self.floor)
        } else {
            f.min_flow_ml_min
        };
    }

    /// Takes the cycle's mean `m` and pulsation `pulsation` (mL/min) into the smoothed
    /// series, the climb and the cycle-to-cycle noise; returns the three-cycle medians of
    /// the mean and of the pulsation. `start_s`: the pumping time the cycle began at.
    fn push_cycle(&mut self, m: f32, pulsation: f32, start_s: f32, dt_s: f32) -> (f32, f32) {
        if self.cusum.s <= 0.0 {
            self.rise_start_s = start_s;
            self.waited = Waits::NONE;
        }

        let m3 = self.means.push(m);
        let p3 = self.push_pulsation(pulsation);
        // The climb is measured against the follower as it stood before this cycle, so a
        // ramp of slope r stands r·τ above it whatever the cycle's length.
        (self.climb, self.climb_raw) = if self.rise_follower.is_finite() {
            (m3 - self.rise_follower, m - self.rise_follower)
        } else {
            (0.0, 0.0)
        };
        self.rise_follower = if self.rise_follower.is_finite() {
            self.rise_follower + (dt_s / RISE_TAU_S).min(1.0) * (m3 - self.rise_follower)
        } else {
            m3
        };
        self.puls_last3 = p3;
        if self.prev_mean[1].is_finite() {
            // Noise from second differences, which a linear trend (a rising or decaying
            // ejection) does not inflate: for white noise E|x₀ − 2x₁ + x₂| = √6·σ·√(2/π),
            // so σ = 0.512·E|d₂|. Clipped so one surviving artefact moves it little.
            let d2 = (m - 2.0 * self.prev_mean[0] + self.prev_mean[1]).abs() * 0.512;
            let cap = 10.0 * self.sigma.max(SIGMA_FLOOR_ML_MIN);
            self.sigma += SIGMA_GAIN * (d2.min(cap) - self.sigma);
        }
        self.prev_mean = [m, self.prev_mean[0]];
        if self.prev_m3.is_finite() {
            self.m3_incs = [self.m3_incs[1], self.m3_incs[2], m3 - self.prev_m3];
        }
        self.prev_m3 = m3;
        (m3, p3)
    }

    /// The noise the CUSUM standardizes by, mL/min: of the raw cycle means (tested at
    /// zero flow) and of their three-cycle medians (tested elsewhere).
    fn noise(&mut self, m: f32, m3: f32, p3: f32) -> (f32, f32) {
        // Cycle-to-cycle noise (above) misses slow wander — offset drift, a slow sensor's
        // held values — which the spread of the excess itself shows; standardize by the
        // larger of the two, with the spread of the series the test sees.
        // A level expected back is no noise: the baseline is held above the flow then.
        let idle_unheld = self.phase == Phase::Idle && !self.awaits_return(m.min(m3));
        if idle_unheld && self.suppress_s <= 0.0 && self.pumping_s >= WARMUP_S {
            // Mean absolute deviation → σ for Gaussian noise: E|X| = σ·√(2/π).
            let sigma_of = |deviation: f32| deviation.abs() * 1.2533;
            self.spread = track_spread(self.spread, sigma_of(m - self.baseline), SPREAD_GAIN);
            let m3_sigma = sigma_of(m3 - self.baseline);
            self.spread_m3 = track_spread(self.spread_m3, m3_sigma, SPREAD_GAIN);
            // The pulsation's estimates have no prior (a sensor's pulsation noise spans
            // two orders of magnitude): they start from their first cycle, and average
            // their first 1/SPREAD_GAIN cycles alike. With the gain alone that first cycle
            // would keep 0.97ⁿ of its weight (still 0.4 after 30 cycles), and one quiet
            // cycle would leave the noise bar of pump-sync at a fraction of the noise.
            self.zero_cycles = self.zero_cycles.saturating_add(1);
            let gain = (1.0 / f32::from(self.zero_cycles)).max(SPREAD_GAIN);
            self.puls_dev = track_spread(self.puls_dev, (p3 - self.puls_base).abs(), gain);
            // Each cycle's own pulsation over the same level: `lock_this`.
            self.puls_dev_raw = track_spread(self.puls_dev_raw, self.lock_this.abs(), gain);
            self.pulse_sigma = track_spread(self.pulse_sigma, sigma_of(self.pulse_excess), gain);
            // As slow as the spread (a time constant of 1/SPREAD_GAIN cycles): a dropout
            // of a few cycles barely moves it.
            self.pulse_floor = if self.pulse_floor.is_finite() {
                self.pulse_floor + SPREAD_GAIN * (p3 - self.pulse_floor)
            } else {
                p3
            };
        }
        (self.sigma_ml_min(), self.cycle_noise())
    }

    /// No ejection under way: at zero flow, or on the tail of the last one.
    fn idle(&mut self, c: &CycleStats) -> Option<Detection> {
        self.follow_baseline(c.m3, c.p3, c.dt_s);
        self.zero_level = self.baseline;
        if !self.on_tail() {
            // From zero flow any rise that moves with the pump is milk (a gain change of
            // the sensor shows nothing there): test the raw cycle mean, and within the
            // next cycle.
            let excess = c.m - self.baseline;
            let delta = self.zero_flow_delta();
            let mean_alarm = self.test(excess, delta, c.sigma_raw, 2.0 * self.arl_blocks);
            let pulse_alarm = self.pulse_test(excess, delta);
            if self.waited.lag {
                return self.after_the_lag(c, excess, delta);
            }
            if !(mean_alarm || pulse_alarm) {
                if self.phase_alarm(excess, delta) && self.phase_onset_holds(c, excess) {
                    return self.onset(c.m3, excess, delta);
                }
                self.arm_partial(c.sigma_raw, delta, c.dt_s);
                return None;
            }
            if mean_alarm && self.carried_ml >= DUCT_STORE_ML {
                return self.carried_onset(c.m3, excess, delta);
            }
            if !mean_alarm && !self.climbing() {
                // The pulsation's evidence alone, while the mean does not climb yet: only
                // the pulsation's is built anew, the mean's stands.
                self.pulse_cusum.reset();
                return None;
            }
            if self.artefact_decay(c.m, c.sigma_raw) || self.phase_vetoes() {
                // An artefact's decay, or a burst pulsing in phases milk does not keep.
                self.reset_evidence();
                return None;
            }
            if self.not_rising(c.m) || !self.climbable(c.sigma_raw, c.dt_s) {
                // No partial-cycle test is armed: the next cycle's end decides.
                return None;
            }
            return self.confirm(Alarm::RawMean, c.m3, excess, delta);
        }
        // On a previous ejection's tail it must be a sustained rise, not a step.
        let delta = self.rearm_delta();
        let excess = c.m3 - self.baseline;
        let alarm = self.test(excess, delta, c.sigma, self.arl_blocks);
        if !(alarm && self.sustained_rise_or_absorb(c.m3)) {
            return None;
        }
        self.confirm(Alarm::Median, c.m3, excess, delta)
    }

    /// Following an ejection's rise to its peak (or ductal milk's, until it proves an
    /// ejection by climbing on).
    fn rising(&mut self, m3: f32, p3: f32, dt_s: f32) -> Option<Detection> {
        let new_peak = m3 > self.peak + ALARM_SHARE * self.delta;
        self.peak = self.peak.max(m3);
        self.rise_s += dt_s;
        let excess = (m3 - self.zero_level).max(0.0);
        if self.ductal
            && new_peak
            && self.rise_s > DUCTAL_RISE_S
            && self.climbing()
            && self.pump_locked(excess)
        {
            // Still climbing long after ductal milk would have peaked: an ejection.
            self.ductal = false;
            self.seen_onset = true;
            return Some(Detection::Onset {
                confidence: (excess / (excess + 0.5 * self.delta)).clamp(0.0, 1.0),
            });
        }
        let amp = self.peak - self.zero_level;
        if m3 - self.zero_level < PEAK_FALL_SHARE * amp && !self.awaits_return(m3) {
            self.fall_count += 1;
        } else {
            self.fall_count = 0;
        }
        self.learn_transfer(m3, p3);
        if self.fall_count >= PEAK_FALL_CYCLES || self.rise_s > MAX_RISE_S {
            self.phase = Phase::Decaying;
            self.baseline = m3;
            self.slow_base = m3;
            self.puls_base = p3;
            self.reset_evidence();
        }
        self.check_end(m3)
    }

    /// After the peak: the end, or a new ejection re-armed on the decaying flow.
    fn decaying(&mut self, c: &CycleStats) -> Option<Detection> {
        self.rise_s += c.dt_s;
        self.learn_transfer(c.m3, c.p3);
        self.follow_baseline(c.m3, c.p3, c.dt_s);
        let delta = self.rearm_delta();
        let excess = c.m3 - self.baseline;
        let alarm = self.test(excess, delta, c.sigma, self.arl_blocks);
        if alarm && self.sustained_rise_or_absorb(c.m3) {
            if let Some(d) = self.confirm(Alarm::Median, c.m3, excess, delta) {
                return Some(d);
            }
        }
        self.check_end(c.m3)
    }

    /// An alarm on a flow that has carried as much as the ducts store ([`DUCT_STORE_ML`])
    /// since it last stood within the reference shift of the baseline: an ejection whose
    /// start the detector did not see climb (it began while the pump stood, or behind a
    /// change of its settings), now flowing or decaying. Neither a motion artefact's decay
    /// nor a surge of stored milk carries that much, so the guards against them and the
    /// climb are not asked; pump-sync still is (the pulsation, or on a sensor too smooth to
    /// show it, [`UNLOCKED_FLOW_FACTOR`] times the detectable flow).
    fn carried_onset(&mut self, m3: f32, excess: f32, delta: f32) -> Option<Detection> {
        if !self.pump_locked(excess) {
            self.absorb(m3);
            return None;
        }
        self.onset(m3, excess, delta)
    }

    /// Takes a level change that is not an ejection as the new baseline.
    fn absorb(&mut self, m3: f32) {
        self.baseline = m3;
        self.puls_base = self.puls_last3;
        self.reset_evidence();
    }

    /// An alarm becomes an onset only if the flow moves with the pump
    /// ([`pump_locked`](Self::pump_locked)); otherwise the mean's rise is an offset of the
    /// sensor or a slow wobble of the level, and becomes the new baseline, unless this
    /// cycle's own pulsation already backs it
    /// ([`may_wait_for_the_pulsation`](Self::may_wait_for_the_pulsation)). `alarm`: which
    /// test alarmed.
    fn confirm(&mut self, alarm: Alarm, m3: f32, excess: f32, delta: f32) -> Option<Detection> {
        if !self.pump_locked(excess) {
            if self.may_wait_for_the_pulsation(excess) {
                self.waited.lock = true;
            } else {
                self.absorb(m3);
            }
            return None;
        }
        if !self.climbing() {
            // Too slow for an ejection's start, so far: on a quiet sensor the evidence is
            // kept for the next alarm, once; otherwise, or after that, it is built anew.
            if self.waited.climb || !self.may_wait_for_the_climb() {
                self.reset_evidence();
            } else {
                self.waited.climb = true;
            }
            return None;
        }
        if self.waits_for_the_lag(alarm) {
            self.waited.lag = true;
            return None;
        }
        self.onset(m3, excess, delta)
    }

    fn follow_baseline(&mut self, m3: f32, p3: f32, dt_s: f32) {
        self.baseline = follow(self.baseline, m3, self.delta, dt_s);
        self.slow_base = follow(self.slow_base, m3, self.delta, dt_s);
        self.puls_base = follow(self.puls_base, p3, self.delta, dt_s);
        self.hold_expected_level();
    }

    /// Runs the CUSUM on `excess` for a shift of `delta` with in-control run length `arl`
    /// cycles; true on alarm. A cycle with rejected samples (`spoiled`) keeps the evidence
    /// where it stood and does not alarm: its increment is held at zero, so only a
    /// threshold that fell under the standing statistic could make it one (the threshold
    /// moves with the noise and the reference shift, and a motion burst's low readings
    /// raise a trickle's reference); the next clean cycle decides.
    fn test(&mut self, excess: f32, delta: f32, sigma: f32, arl: f32) -> bool {
        let k = 0.5 * delta / sigma;
        self.threshold = cusum::threshold_for_arl(k, arl);
        let before = self.cusum.s;
        let s = winsorised_step(
            &mut self.cusum,
            excess / sigma,
            k,
            self.threshold,
            self.spoiled,
        );
        // Evidence spread over cycles: how many in a row have added to it since the
        // statistic last stood at zero.
        self.evidence_cycles = if s <= before {
            0
        } else if before > 0.0 {
            self.evidence_cycles.saturating_add(1)
        } else {
            1
        };
        self.last_excess = excess;
        s > self.threshold && self.may_alarm(excess, delta)
    }

    /// Whether this cycle may turn evidence over its threshold into an alarm (the mean's
    /// test and the pulsation's): its mean `excess` stands at [`ALARM_SHARE`] of the
    /// reference shift `delta` (mL/min) or more, and it has no rejected samples.
    fn may_alarm(&self, excess: f32, delta: f32) -> bool {
        !self.spoiled && excess >= ALARM_SHARE * delta
    }

    /// Builds the evidence anew.
    fn reset_evidence(&mut self) {
        self.waited = Waits::NONE;
        self.cusum.reset();
        self.pulse_cusum.reset();
    }

    /// Starts following a rise to its peak; reports it unless it is ductal milk
    /// ([`DUCTAL_START_S`]).
    fn onset(&mut self, m3: f32, excess: f32, delta: f32) -> Option<Detection> {
        if !self.on_tail() {
            self.puls_zero = self.puls_base;
        }
        self.ductal = self.tests.has(DetectorTest::Ductal)
            && !self.seen_onset
            && self.rise_start_s < DUCTAL_START_S;
        self.phase = Phase::Rising;
        self.peak = m3;
        self.rise_s = if self.ductal {
            self.pumping_s - self.rise_start_s
        } else {
            0.0
        };
        self.fall_count = 0;
        self.below_count = 0;
        self.reset_evidence();
        if self.ductal {
            return None;
        }
        self.seen_onset = true;
        Some(Detection::Onset {
            confidence: (excess / (excess + 0.5 * delta)).clamp(0.0, 1.0),
        })
    }
}

/// One cycle's step of `cusum` with the standardized excess `z`, reference `k` and threshold
/// `h`; returns the statistic. The increment is winsorised at `k + MAX_CYCLE_SHARE·h`, so
/// one cycle (a spike that survived artefact rejection) never alarms on its own; and the
/// rest of a motion artefact's swing may sit inside the band in a cycle with rejected
/// samples (`spoiled`): such a cycle keeps the evidence where it stood.
fn winsorised_step(cusum: &mut Cusum, z: f32, k: f32, h: f32, spoiled: bool) -> f32 {
    let z = z.min(k + MAX_CYCLE_SHARE * h);
    let z = if spoiled { z.min(k) } else { z };
    cusum.process(z, k)
}

/// One step of a spread estimate (a mean absolute deviation) towards the deviation `dev`,
/// mL/min: clipped at four times the estimate so that one surviving artefact moves it
/// little, with gain `gain` ([`SPREAD_GAIN`], or 1/n over the pulsation's first n cycles).
/// An estimate not yet started (not finite) takes `dev`.
fn track_spread(spread: f32, dev: f32, gain: f32) -> f32 {
    if !spread.is_finite() {
        return dev;
    }
    let cap = 4.0 * spread.max(SIGMA_FLOOR_ML_MIN);
    spread + gain * (dev.min(cap) - spread)
}

/// How two consecutive usable cycles' pulsations stand to each other in phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PhasePair {
    /// Neither: no usable last cycle to compare with (the first, or after one with
    /// rejected samples, a stop or a change of the pump's settings), one of them within
    /// the noise each state below asks it to clear, or their phases between the two.
    Neither,
    /// Both clear of the noise of the three-cycle median's pulsation and within 30°
    /// ([`PHASE_AGREEMENT`]): milk (phase-climb, phase-alarm).
    Agree,
    /// Both clear of a single cycle's pulsation noise and more than a quarter period
    /// apart: a motion burst (phase-veto).
    Oppose,
}

/// The median of the last three values pushed (the latest value until three have come).
#[derive(Clone, Copy, Debug)]
struct Median3 {
    values: [f32; 3],
    filled: u8,
    next: u8,
}

impl Median3 {
    const EMPTY: Median3 = Median3 {
        values: [0.0; 3],
        filled: 0,
        next: 0,
    };

    /// The oldest of the last three values, once there are three.
    fn oldest(&self) -> Option<f32> {
        (self.filled == 3).then_some(self.values[self.next as usize])
    }

    /// The lowest of the last three values, once there are three.
    fn lowest(&self) -> Option<f32> {
        let [a, b, c] = self.values;
        (self.filled == 3).then_some(a.min(b).min(c))
    }

    /// Pushes `x` and returns the median of the last three.
    fn push(&mut self, x: f32) -> f32 {
        self.values[self.next as usize] = x;
        self.next = (self.next + 1) % 3;
        self.filled = (self.filled + 1).min(3);
        if self.filled < 3 {
            return x;
        }
        let [a, b, c] = self.values;
        a.max(b).min(a.min(b).max(c))
    }
}

/// Follows `level` towards `x`: quickly downward, slowly and boundedly (by `up_cap` per
/// cycle) upward, so that a rising ejection cannot hide in it.
fn follow(level: f32, x: f32, up_cap: f32, dt_s: f32) -> f32 {
    let d = x - level;
    if d > 0.0 {
        level + (dt_s / BASELINE_UP_TAU_S).min(1.0) * d.min(up_cap)
    } else {
        level + (dt_s / BASELINE_DOWN_TAU_S).min(1.0) * d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CYCLE: Cycle = Cycle {
        len: 100,
        rate_cpm: 60.0,
        depth_mmhg: -150.0,
        release_mmhg: 0.0,
        pumping: true,
    };

    /// Every test but phase-alarm: the tests' idealised milk pulses in one phase from its
    /// first cycle, which phase-alarm would take for an onset before the mechanism a test
    /// is about decides (it is tested on its own below).
    const BUT_PHASE_ALARM: DetectorTests = DetectorTests::ALL.without(DetectorTest::PhaseAlarm);

    fn block(mean: f32) -> BlockFeatures {
        // Milk moves with the pump: its fundamental is about its mean.
        pulsing_block(mean, mean)
    }

    /// A cycle of mean flow `mean` whose pulsation is `pulsation` (mL/min), at the same
    /// point of every cycle, as milk's.
    fn pulsing_block(mean: f32, pulsation: f32) -> BlockFeatures {
        BlockFeatures {
            mean_flow_ml_min: mean,
            volume_ml: mean / 60.0,
            pulsation_ml_min: pulsation,
            pulsation_phasor: [pulsation, 0.0],
            peak_flow_ml_min: mean + 0.5,
            min_flow_ml_min: mean - 0.5,
            rejected_fraction: 0.0,
        }
    }

    /// A detector that has seen a minute of zero flow whose cycle means alternate
    /// `0.2 ± scatter` mL/min.
    fn settled_at(scatter: f32) -> EjectionDetector {
        settled_in(&CYCLE, scatter)
    }

    /// A detector that has seen a minute of zero flow in cycles of the pump setting
    /// `cycle`, their means alternating `0.2 ± scatter` mL/min.
    fn settled_in(cycle: &Cycle, scatter: f32) -> EjectionDetector {
        let mut d = EjectionDetector::new(1.0, 0.05);
        for i in 0..60 {
            let m = if i % 2 == 0 {
                0.2 + scatter
            } else {
                0.2 - scatter
            };
            assert_eq!(d.process(cycle, &block(m), 1.0), None);
        }
        d
    }

    /// A detector that has seen a minute of quiet zero flow (±0.05 mL/min).
    fn settled() -> EjectionDetector {
        settled_at(0.05)
    }

    /// The pulsation's noise estimate at zero flow after warm-up: `quiet` cycles whose
    /// pulsation stays at 0.2 mL/min, then `scattered` in which it scatters by ±0.15 mL/min.
    fn pulsation_noise_after(quiet: usize, scattered: usize) -> f32 {
        let mut d = EjectionDetector::new(1.0, 0.05);
        let cycle = |p: f32| pulsing_block(0.2, p);
        let scatter = [0.05, 0.35, 0.2, 0.35, 0.05, 0.2];
        let warm_up = (WARMUP_S as usize) + 1;
        let scattered = scatter.iter().copied().cycle().take(scattered);
        let pulsations = core::iter::repeat_n(0.2, warm_up + quiet).chain(scattered);
        for p in pulsations {
            assert_eq!(d.process(&CYCLE, &cycle(p), 1.0), None);
        }
        d.puls_dev
    }

    #[test]
    fn pulsation_noise_estimate_does_not_hang_on_its_first_cycles() {
        // A sensor whose pulsation is quiet for the first cycles after warm-up (its noise
        // starts later, or the first cycles happen to agree) must not keep the noise bar
        // of pump-sync low for the next minute: 30 scattered cycles on, the estimate has
        // come 0.65 of the way to where it settles (a running mean over the first cycles;
        // the exponential average alone, with its first cycle's weight still 0.97³⁰ = 0.4,
        // came 0.48 of it).
        let settled = pulsation_noise_after(0, 300);
        let late = pulsation_noise_after(3, 30);
        assert!(settled > 0.05, "{settled}");
        assert!(late >= 0.6 * settled, "{late} vs {settled}");
    }

    /// A cycle whose flow has no component at the pump rate (offset, wobble, held values).
    fn unlocked(mean: f32) -> BlockFeatures {
        pulsing_block(mean, 0.1)
    }

    #[test]
    fn one_spike_cycle_at_zero_flow_does_not_alarm() {
        let mut d = settled();
        // A spike that survived artefact rejection: one cycle far above anything noise
        // gives. Its increment is winsorised below the threshold.
        assert_eq!(d.process(&CYCLE, &block(30.0), 1.0), None);
        let (s, h) = d.cusum();
        assert!(s > 0.0 && s < h, "{s} {h}");
        for _ in 0..5 {
            assert_eq!(d.process(&CYCLE, &block(0.2), 1.0), None);
        }
        assert!(!d.in_ejection());
        assert_eq!(d.cusum().0, 0.0);
    }

    /// A rise of the mean by 2.5 mL/min from zero flow, its pulsation at `pulsation` mL/min
    /// (0.2 at zero flow), on a sensor whose learnt transfer is `transfer`, with the
    /// pulsation's deviation at zero flow set to `dev`. Whether it is an onset.
    fn rise_is_onset(transfer: f32, dev: f32, pulsation: f32) -> bool {
        let mut d = settled();
        d.transfer = transfer;
        d.puls_dev = dev;
        let cycle = |mean: f32| pulsing_block(mean, pulsation);
        [2.7, 2.8, 2.9].iter().any(|&m| {
            matches!(
                d.process(&CYCLE, &cycle(m), 1.0),
                Some(Detection::Onset { .. })
            )
        })
    }

    #[test]
    fn a_pulsation_rise_within_its_own_noise_backs_no_onset() {
        // The pulsation rises by 0.2 mL/min on a sensor whose learnt transfer is low (0.4).
        assert!(
            rise_is_onset(0.4, 0.05, 0.4),
            "above a quiet pulsation's noise the share test backs it"
        );
        assert!(!rise_is_onset(0.4, 0.3, 0.4));
    }

    #[test]
    fn a_rise_must_show_half_the_pulsation_milk_shows_on_this_sensor() {
        // A transfer of 0.6: milk's pulsation would rise by 1.5 mL/min; the pulsation's
        // deviation at zero flow is 0.3 mL/min.
        assert!(
            rise_is_onset(0.6, 0.3, 1.2),
            "two-thirds of milk's pulsation"
        );
        assert!(
            !rise_is_onset(0.6, 0.3, 0.7),
            "a third of milk's pulsation, within 2 deviations of its noise, is an offset"
        );
    }

    /// A motion burst of a few seconds: its extreme samples rejected, the rest of its
    /// swing left inside the band in two cycles; then zero flow again. Whether it alarms.
    fn motion_burst_alarms(tests: DetectorTests) -> bool {
        let mut d = settled().with_tests(tests);
        let spoiled = |mean: f32, rejected: f32| BlockFeatures {
            rejected_fraction: rejected,
            ..block(mean)
        };
        let burst = [spoiled(3.0, 0.09), spoiled(8.0, 0.04)];
        let quiet = [block(0.2); 4];
        burst
            .iter()
            .chain(&quiet)
            .any(|f| matches!(d.process(&CYCLE, f, 1.0), Some(Detection::Onset { .. })))
    }

    #[test]
    fn a_motion_burst_with_rejected_samples_adds_no_evidence() {
        assert!(
            motion_burst_alarms(DetectorTests::ALL.without(DetectorTest::PartialGuard)),
            "the burst must be one the unguarded test takes for an onset"
        );
        assert!(!motion_burst_alarms(DetectorTests::ALL));
    }

    #[test]
    fn a_dropout_of_two_cycles_in_a_rise_is_no_second_onset() {
        let mut d = settled();
        let rise = [2.5, 2.6, 4.4, 6.8, 7.9, 9.2, 10.3, 11.2, 11.9];
        assert_eq!(events(&mut d, &rise).0, 1);
        // The sensor loses the flow for two cycles (a partial one, then none) and finds it
        // again, still rising (cycle means as a noisy sensor read a dropout): the same ejection.
        let after = [7.8, -0.5, 11.6, 14.3, 15.3, 16.0, 16.0, 17.2, 17.1];
        assert_eq!(events(&mut d, &after).0, 0);
        assert!(d.in_ejection());
    }

    /// An artefact's decay at zero flow (cycle means `bump`) that fools the detector without
    /// the partial-guard and lag-hold is no onset with either one, and an ejection's climb
    /// right after it is still found.
    fn assert_decay_is_no_onset(bump: &[f32]) {
        let neither = DetectorTests::ALL
            .without(DetectorTest::PartialGuard)
            .without(DetectorTest::LagHold);
        let mut d = settled().with_tests(neither);
        assert_eq!(events(&mut d, bump).0, 1, "the case must fool the detector");
        for test in [DetectorTest::PartialGuard, DetectorTest::LagHold] {
            let mut d = settled().with_tests(DetectorTests::ALL.without(test));
            assert_eq!(events(&mut d, bump), (0, 0), "without {test}");
        }
        let mut d = settled();
        assert_eq!(events(&mut d, bump), (0, 0));
        assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    }

    #[test]
    fn a_smeared_artefacts_decay_at_zero_flow_is_no_onset() {
        // A motion burst through a smoothing sensor: no sample leaves the band, and the
        // cycle means jump, then decay over the following cycles.
        assert_decay_is_no_onset(&[0.3, 4.0, 2.5, 1.5, 0.8, 0.5, 0.3, 0.2, 0.2, 0.2]);
    }

    #[test]
    fn a_spike_smeared_by_a_slow_sensor_is_no_onset() {
        // A motion spike through a sensor that smooths over seconds: the cycle means jump,
        // the first cycle of its decay stays within the noise of the jump (the spike came
        // late in its cycle), then they decay. That first cycle does not climb.
        assert_decay_is_no_onset(&[0.2, 1.3, 1.25, 0.85, 0.6, 0.4, 0.3, 0.2, 0.2, 0.2]);
    }

    /// A detector settled at zero flow (pulsation 0.2 ± 0.05 mL/min) on a sensor that
    /// strong flow has shown to pass a tenth of milk's pulsation, as through a lag of 2 s.
    fn on_a_lagging_sensor(tests: DetectorTests) -> EjectionDetector {
        let mut d = settled().with_tests(tests);
        d.transfer = MIN_TRANSFER;
        d.transfer_rate = CYCLE.rate_cpm;
        d
    }

    /// The cycle at which the detector takes its first onset from `cycles` (mean,
    /// pulsation; mL/min), if any.
    fn first_onset(d: &mut EjectionDetector, cycles: &[(f32, f32)]) -> Option<usize> {
        cycles.iter().position(|&(m, p)| {
            matches!(
                d.process(&CYCLE, &pulsing_block(m, p), 1.0),
                Some(Detection::Onset { .. })
            )
        })
    }

    /// Milk's climb through a lagging sensor, 0.8 mL/min per cycle, its pulsation at
    /// zero flow's 0.2 mL/min plus `leak` (a ramp of r mL/min over a cycle reads r/π in
    /// the pulsation's bin).
    fn lagged_climb(leak: f32) -> Vec<(f32, f32)> {
        (1..12)
            .map(|i| (0.2 + 0.8 * i as f32, 0.2 + leak))
            .collect()
    }

    const CLIMB_LEAK: f32 = 0.8 / core::f32::consts::PI;

    #[test]
    fn a_burst_a_lagging_sensor_spread_over_two_cycles_is_no_onset() {
        // A motion burst late in a cycle, through a sensor that smooths over 2 s: the
        // level jumps within that cycle (which pulses far above its noise), stands
        // higher still in the next (pulsing too, or not), then decays by the sensor's
        // time constant.
        for second_pulsation in [0.7, 0.2] {
            let burst = [
                (1.3, 1.3),
                (1.8, second_pulsation),
                (1.1, 0.3),
                (0.7, 0.2),
                (0.5, 0.2),
                (0.35, 0.2),
                (0.25, 0.2),
                (0.2, 0.2),
                (0.2, 0.2),
            ];
            let without = DetectorTests::ALL.without(DetectorTest::LagHold);
            let mut d = on_a_lagging_sensor(without);
            assert_eq!(
                first_onset(&mut d, &burst),
                Some(1),
                "the case must fool the detector ({second_pulsation})"
            );
            let mut d = on_a_lagging_sensor(DetectorTests::ALL);
            assert_eq!(first_onset(&mut d, &burst), None, "{second_pulsation}");
            assert!(!d.in_ejection());
            // The evidence was built anew: an ejection's climb right after is found as
            // from a settled zero flow.
            let fresh = first_onset(
                &mut on_a_lagging_sensor(DetectorTests::ALL),
                &lagged_climb(CLIMB_LEAK),
            );
            assert_eq!(first_onset(&mut d, &lagged_climb(CLIMB_LEAK)), fresh);
        }
    }

    #[test]
    fn an_ejection_through_a_lagging_sensor_waits_one_cycle_for_its_level_to_hold() {
        let without = DetectorTests::ALL.without(DetectorTest::LagHold);
        let climb = lagged_climb(CLIMB_LEAK);
        let at = first_onset(&mut on_a_lagging_sensor(without), &climb);
        assert_eq!(at, Some(1));
        let held = first_onset(&mut on_a_lagging_sensor(DetectorTests::ALL), &climb);
        assert_eq!(held, Some(2));
        // Nothing waits before strong flow has shown how the sensor smooths, on a sensor
        // that shows milk's pulsation, or where no cycle pulses clear of the noise.
        let mut d = on_a_lagging_sensor(DetectorTests::ALL);
        d.transfer = PULSATION_TRANSFER_PRIOR;
        d.transfer_rate = f32::NAN;
        assert_eq!(first_onset(&mut d, &climb), at, "before strong flow");
        let mut d = on_a_lagging_sensor(DetectorTests::ALL);
        d.transfer = 0.6;
        assert_eq!(
            first_onset(&mut d, &climb),
            at,
            "a sensor that does not smooth"
        );
        let quiet = lagged_climb(0.0);
        let unheld = first_onset(&mut on_a_lagging_sensor(without), &quiet);
        assert!(unheld.is_some());
        assert_eq!(
            first_onset(&mut on_a_lagging_sensor(DetectorTests::ALL), &quiet),
            unheld,
            "no cycle pulsing clear of the noise"
        );
    }

    #[test]
    fn a_burst_that_stands_still_after_its_jump_waits_on_an_unknown_sensor() {
        // A motion burst through a lagging sensor whose smoothing no strong flow has shown
        // yet (the prior transfer): the level jumps within one cycle, the next stands
        // barely higher, then it decays by the sensor's time constant.
        let burst = [
            (1.3, 1.3),
            (1.35, 0.7),
            (0.9, 0.3),
            (0.6, 0.2),
            (0.4, 0.2),
            (0.3, 0.2),
            (0.25, 0.2),
            (0.2, 0.2),
        ];
        let without = DetectorTests::ALL.without(DetectorTest::LagHold);
        let mut d = settled().with_tests(without);
        assert_eq!(
            first_onset(&mut d, &burst),
            Some(1),
            "the case must fool the detector"
        );
        let mut d = settled();
        assert_eq!(first_onset(&mut d, &burst), None);
        assert!(!d.in_ejection());
        // A flow that comes back high at once (behind unusable cycles) and falls no faster
        // than milk decays is an onset a cycle later: a fall of 0.5 mL/min, more than the
        // noise (0.26 by then) but less than milk may lose of its 4.9 mL/min in a cycle of
        // 1 s (0.7); the burst through the lag fell by 0.45 of 1.15.
        let held = [(5.0, 5.0), (5.1, 2.5), (4.6, 2.4), (4.6, 2.4), (4.7, 2.4)];
        assert_eq!(first_onset(&mut settled(), &held), Some(2));
    }

    #[test]
    fn a_climb_that_slows_after_a_jump_waits_one_cycle_and_a_steady_one_none() {
        // Milk's flow climbing 1 mL/min a cycle, pulsing with it: no cycle stands still,
        // nothing waits.
        let steady: Vec<(f32, f32)> = (1..10)
            .map(|i| (0.2 + i as f32, 0.2 + 0.5 * i as f32))
            .collect();
        let without = DetectorTests::ALL.without(DetectorTest::LagHold);
        let at = first_onset(&mut settled().with_tests(without), &steady);
        assert_eq!(at, Some(1));
        assert_eq!(first_onset(&mut settled(), &steady), at);
        // The same climb with its second cycle's rise under a quarter of the first's (noise
        // on a climb): found one cycle later, once the next cycle has climbed on.
        let mut slowed = steady.clone();
        slowed[1].0 = slowed[0].0 + 0.2;
        assert_eq!(
            first_onset(&mut settled().with_tests(without), &slowed),
            Some(1)
        );
        assert_eq!(first_onset(&mut settled(), &slowed), Some(2));
    }

    #[test]
    fn a_cycle_with_rejected_samples_does_not_end_the_lags_wait() {
        // The climb through a lagging sensor, its alarm waiting (cycle 1); the next cycle
        // had samples rejected, so the clean one after it decides.
        let mut d = on_a_lagging_sensor(DetectorTests::ALL);
        let onsets: Vec<bool> = lagged_climb(CLIMB_LEAK)[..4]
            .iter()
            .enumerate()
            .map(|(i, &(m, p))| {
                let f = BlockFeatures {
                    rejected_fraction: if i == 2 { 0.1 } else { 0.0 },
                    ..pulsing_block(m, p)
                };
                matches!(d.process(&CYCLE, &f, 1.0), Some(Detection::Onset { .. }))
            })
            .collect();
        assert_eq!(onsets, [false, false, false, true]);
    }

    /// Onsets while a settled detector takes `means` after the vacuum deepened (a switch
    /// to expression at zero flow), then the onsets and ends of an ejection's rise.
    fn after_a_deeper_vacuum(tests: DetectorTests, means: &[f32]) -> (usize, (usize, usize)) {
        let mut d = settled().with_tests(tests);
        let deep = Cycle {
            depth_mmhg: -200.0,
            ..CYCLE
        };
        let onsets = events_in(&mut d, &deep, means).0;
        let rise = [&[0.2; 10][..], &RISE_TO_20].concat();
        (onsets, events(&mut d, &rise))
    }

    /// The surge of stored milk `surge` (cycle means after the vacuum deepened) fools the
    /// detector without partial-guard, and with it is no onset while the ejection after
    /// it is still found.
    fn assert_surge_is_no_onset(surge: &[f32]) {
        let without = DetectorTests::ALL.without(DetectorTest::PartialGuard);
        let fooled = after_a_deeper_vacuum(without, surge);
        assert_eq!(fooled.0, 1, "the case must fool the detector");
        assert_eq!(
            after_a_deeper_vacuum(DetectorTests::ALL, surge),
            (0, (1, 0))
        );
    }

    #[test]
    fn a_surge_that_peaked_inside_the_post_change_window_is_no_onset() {
        // Stored milk after the switch peaks in the window's first cycles, which its
        // three-cycle median only shows at the end, when the cycle itself already fell.
        assert_surge_is_no_onset(&[
            1.0, 3.0, 2.6, 2.2, 1.8, 1.4, 1.0, 0.7, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2,
        ]);
    }

    #[test]
    fn a_surge_decaying_after_the_post_change_window_is_no_onset() {
        // A faster surge decays through the cycles after the window: each cycle falls by
        // less than the noise the surge itself raised, but the three-cycle median falls by more.
        assert_surge_is_no_onset(&[
            0.2, 3.5, 2.6, 1.8, 1.4, 1.1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2,
        ]);
    }

    /// Onsets while a settled detector sees the pump stop for ten cycles and resume with
    /// cycle means `after` (mL/min), 1 s each.
    fn onsets_after_a_stop(after: &[f32]) -> usize {
        let mut d = settled();
        let stopped = Cycle {
            pumping: false,
            ..CYCLE
        };
        for _ in 0..10 {
            assert_eq!(d.process(&stopped, &block(0.2), 1.0), None);
        }
        events(&mut d, after).0
    }

    #[test]
    fn a_flow_that_carried_more_than_the_ducts_store_is_an_ejection() {
        // An ejection began while the pump stood (a leak, a pause): the pump resumes on
        // its decaying flow, which never climbs; 5 mL come out in about 20 cycles.
        let tail: Vec<f32> = (0..40).map(|i| 18.0 - 0.2 * i as f32).collect();
        assert_eq!(onsets_after_a_stop(&tail), 1);
        // A decaying flow that carries nearly 4 mL, twice the most our simulator stores in
        // the ducts: no ejection.
        let store: Vec<f32> = (0..32).map(|i| 14.0 - 0.43 * i as f32).collect();
        let carried: f32 = store.iter().map(|m| (m - 0.2) / 60.0).sum();
        assert!(carried > 3.5 && carried < DUCT_STORE_ML, "{carried}");
        assert_eq!(onsets_after_a_stop(&store), 0);
    }

    #[test]
    fn a_cycle_with_rejected_samples_does_not_alarm_on_standing_evidence() {
        let mut d = settled();
        let (sigma, arl) = (0.5, 200.0);
        // An offset creeping up builds evidence for a reference shift of 1 mL/min.
        for _ in 0..2 {
            assert!(!d.test(0.9, 1.0, sigma, arl));
        }
        let (standing, h) = d.cusum();
        assert!(standing < h);
        // A motion burst: the cycle has rejected samples, and its low readings lifted the
        // trickle's reference shift to 2 mL/min, so the threshold for the same run length
        // falls below the statistic. Its increment is held at zero.
        d.spoiled = true;
        let alarm = d.test(1.5, 2.0, sigma, arl);
        assert!(!alarm);
        let (s, h) = d.cusum();
        assert!(s >= h && s <= standing, "{s} {h} {standing}");
    }

    /// Onsets while a detector settled on cycle means scattered by ±0.3 mL/min takes
    /// `cycles`: `Some(mean)` a usable cycle of that mean flow (mL/min), `None` one whose
    /// samples were all rejected.
    fn onsets_through(cycles: &[Option<f32>]) -> usize {
        let mut d = settled_at(0.3);
        let lost = BlockFeatures {
            rejected_fraction: 1.0,
            ..block(0.2)
        };
        let features = cycles.iter().map(|c| c.map_or(lost, block));
        features
            .filter(|f| matches!(d.process(&CYCLE, f, 1.0), Some(Detection::Onset { .. })))
            .count()
    }

    #[test]
    fn evidence_does_not_outlive_a_run_of_unusable_cycles() {
        // A flow sensor with a low-flow cutoff at zero flow: its zeros count as held
        // readings, so only the cycles a noise spike or a bubble lifts above the cutoff are
        // usable, with runs of unusable cycles between them (a 2 mL/min cutoff's copy of a
        // no-letdown session).
        let spikes = [
            &[Some(2.7), None, None, Some(3.0)][..],
            &[None; 7],
            &[Some(13.3)],
        ]
        .concat();
        assert_eq!(onsets_through(&spikes), 0);
        // Two unusable cycles amid an ejection's rise keep its evidence: the next cycle
        // completes it.
        let rise = [Some(2.5), Some(2.6), None, None, Some(5.0)];
        assert_eq!(onsets_through(&rise), 1);
    }

    /// The cycle (counted from the switch) at which an ejection rising from a switch to
    /// expression at zero flow is found, the switch ramped in over `ramp` intermediate
    /// cycles (rate 60 → 40 cycles/min, vacuum −100 → −200 mmHg). The rise is the cycle
    /// means of a simulated first ejection that became visible at the switch.
    fn onset_cycle_after_a_switch(ramp: &[Cycle], tests: DetectorTests) -> Option<usize> {
        let stimulation = Cycle {
            depth_mmhg: -100.0,
            ..CYCLE
        };
        let mut d = settled_in(&stimulation, 0.05).with_tests(tests);
        let expression = Cycle {
            rate_cpm: 40.0,
            depth_mmhg: -200.0,
            ..CYCLE
        };
        let settings = ramp.iter().chain(core::iter::repeat(&expression));
        let rise = [0.3, 1.6, 5.4, 8.6, 12.6, 17.6, 19.0, 20.0, 20.0, 20.0];
        settings.zip(rise).position(|(c, m)| {
            let dt_s = 60.0 / c.rate_cpm;
            matches!(d.process(c, &block(m), dt_s), Some(Detection::Onset { .. }))
        })
    }

    #[test]
    fn a_ramped_switch_at_zero_flow_holds_an_ejection_no_longer_than_a_step() {
        let halfway = Cycle {
            rate_cpm: 48.0,
            depth_mmhg: -150.0,
            ..CYCLE
        };
        for tests in [DetectorTests::ALL, BUT_PHASE_ALARM] {
            let step = onset_cycle_after_a_switch(&[], tests);
            assert!(step.is_some());
            assert_eq!(onset_cycle_after_a_switch(&[halfway], tests), step);
        }
        // A setting held for two cycles is no ramp: the change after it opens its own window
        // (the window's own hold, on the mean's evidence alone: phase-alarm's pair of cycles
        // does not span a change of rhythm).
        let step = onset_cycle_after_a_switch(&[], BUT_PHASE_ALARM);
        let three_steps = onset_cycle_after_a_switch(&[halfway, halfway], BUT_PHASE_ALARM);
        assert_eq!(three_steps, step.map(|i| i + 1));
    }

    /// Takes the cycle `c` at zero flow; whether it was counted as a change of the pump's
    /// settings (one that starts the count of cycles since a change anew: a first change,
    /// not a ramp's second step).
    fn counts_as_a_change(d: &mut EjectionDetector, c: &Cycle) -> bool {
        assert_eq!(d.process(c, &block(0.2), 60.0 / c.rate_cpm), None);
        d.suppress_cycles == 1
    }

    /// A minute at zero flow in cycles of 60 cycles/min at −150 mmHg whose rate and depth
    /// both jitter by `jitter` (a fraction) in the pattern +1, −1, +½, −½, as a noisy
    /// pressure sensor's boundaries and deepest readings do; then the cycles `after`.
    /// Returns the changes counted over the minute's last third (the scatter has been
    /// learnt by then), and which of `after` counted as a change.
    fn pump_changes_seen(jitter: f32, after: [&Cycle; 4]) -> (usize, [bool; 4]) {
        let mut d = EjectionDetector::new(1.0, 0.05);
        let pattern = [1.0, -1.0, 0.5, -0.5];
        let mut jittered = 0;
        for i in 0..60 {
            let wobble = 1.0 + jitter * pattern[i % 4];
            let cycle = Cycle {
                rate_cpm: CYCLE.rate_cpm * wobble,
                depth_mmhg: CYCLE.depth_mmhg * wobble,
                ..CYCLE
            };
            if counts_as_a_change(&mut d, &cycle) && i >= 40 {
                jittered += 1;
            }
        }
        (jittered, after.map(|c| counts_as_a_change(&mut d, c)))
    }

    #[test]
    fn a_pressure_sensors_jitter_is_no_pump_change_and_a_held_step_still_is() {
        // From the setting: 72 cycles/min is 20 % faster, 45 cycles/min 25 % slower,
        // −185 mmHg 23 % deeper; 40 cycles/min at −250 mmHg is a switch.
        let faster = Cycle {
            rate_cpm: 72.0,
            ..CYCLE
        };
        let slower = Cycle {
            rate_cpm: 45.0,
            ..CYCLE
        };
        let deeper = Cycle {
            depth_mmhg: -185.0,
            ..CYCLE
        };
        let switch = Cycle {
            rate_cpm: 40.0,
            depth_mmhg: -250.0,
            ..CYCLE
        };
        let at_once = [true, false, false, false];
        for step in [&faster, &slower, &deeper, &switch] {
            let seen = pump_changes_seen(0.0, [step; 4]);
            assert_eq!(seen, (0, at_once), "{step:?} on a steady pump");
        }
        // Steps of 4–8 % between cycles (6 % on average): a one-cycle step must pass 5 times
        // the scatter learnt so far (5.7 %), about 28 % (from the last jittered cycle, at 0.98
        // of the setting: 22, 23 and 26 %); a step the next cycle holds clear of the fixed
        // bar from the two cycles before it (at 0.98 and 1.02) counts then.
        for step in [&faster, &slower, &deeper] {
            let seen = pump_changes_seen(0.04, [step; 4]);
            assert_eq!(
                seen,
                (0, [false, true, false, false]),
                "{step:?} under jitter"
            );
        }
        assert_eq!(pump_changes_seen(0.04, [&switch; 4]), (0, at_once));
        // One cycle off the setting (−120 mmHg, 18 % from the last jittered cycle; its
        // return a step of 25 %): no step is held, before or after it.
        let shallow = Cycle {
            depth_mmhg: -120.0,
            ..CYCLE
        };
        let one_off = [&shallow, &CYCLE, &CYCLE, &CYCLE];
        assert_eq!(pump_changes_seen(0.04, one_off), (0, [false; 4]));
        // Steps of 10–18 %, some over the fixed 15 %, alternating: none holds.
        assert_eq!(pump_changes_seen(0.1, [&CYCLE; 4]), (0, [false; 4]));
    }

    /// Counts of (onsets, ends) while the detector takes the cycle means `means`.
    fn events(d: &mut EjectionDetector, means: &[f32]) -> (usize, usize) {
        events_in(d, &CYCLE, means)
    }

    /// Counts of (onsets, ends) while the detector takes the cycle means `means` in
    /// cycles of the pump setting `cycle`.
    fn events_in(d: &mut EjectionDetector, cycle: &Cycle, means: &[f32]) -> (usize, usize) {
        let mut counts = (0, 0);
        for &m in means {
            match d.process(cycle, &block(m), 1.0) {
                Some(Detection::Onset { .. }) => counts.0 += 1,
                Some(Detection::End { .. }) => counts.1 += 1,
                None => {}
            }
        }
        counts
    }

    /// Cycle means of an ejection's rise to 20 mL/min from a settled zero flow.
    const RISE_TO_20: [f32; 11] = [2.5, 2.6, 5.0, 8.0, 11.0, 14.0, 16.0, 18.0, 19.0, 20.0, 20.0];

    /// An ejection rises to 20 mL/min and decays to a 6 mL/min tail; the sensor then reads
    /// zero for four cycles and the tail again. The events after the rise.
    fn dropout_on_a_tail(tests: DetectorTests) -> (usize, usize) {
        let mut d = settled().with_tests(tests);
        assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
        let decay = [
            17.0, 15.0, 13.0, 11.0, 10.0, 9.0, 8.0, 7.5, 7.0, 6.5, 6.2, 6.0,
        ];
        let dropout = [0.1, 0.0, 0.1, 0.1];
        let back = [5.8, 6.1, 6.0, 5.9, 6.0, 6.1, 5.9, 6.0];
        let all: Vec<f32> = [&decay[..], &dropout, &back].concat();
        events(&mut d, &all)
    }

    #[test]
    fn a_dropout_on_a_tail_is_no_end_and_its_return_no_onset() {
        let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
        assert_eq!(
            dropout_on_a_tail(without),
            (1, 1),
            "the case must fool the detector"
        );
        assert_eq!(dropout_on_a_tail(DetectorTests::ALL), (0, 0));
    }

    #[test]
    fn a_tail_decaying_to_zero_still_ends_with_the_dropout_hold() {
        let mut d = settled();
        assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
        let decay = [
            17.0, 15.0, 13.0, 11.0, 9.5, 8.0, 6.8, 5.8, 4.9, 4.2, 3.6, 3.0, 2.6, 2.2, 1.9,
        ];
        assert_eq!(events(&mut d, &decay), (0, 1));
        assert!(!d.in_ejection());
    }

    /// A minute at a 4.7 mL/min level read through a smoothing sensor (its lowest readings
    /// near its mean), a dropout it spreads over five cycles, and the level back: onsets.
    fn dropout_through_a_smoothing_sensor(tests: DetectorTests) -> usize {
        let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
        let level: Vec<f32> = (0..60).map(|i| 4.7 + 0.05 * (i % 3) as f32).collect();
        let dropout = [3.0, 1.4, 1.1, 2.5, 4.0];
        let back = [
            4.8, 4.7, 4.5, 4.4, 4.7, 4.9, 4.7, 4.7, 4.9, 5.2, 5.3, 5.2, 5.3, 5.2, 5.3,
        ];
        let all: Vec<f32> = [&level[..], &dropout, &back].concat();
        events(&mut d, &all).0
    }

    #[test]
    fn a_dropout_a_smoothing_sensor_spreads_over_cycles_is_no_onset() {
        let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
        assert_eq!(
            dropout_through_a_smoothing_sensor(without),
            1,
            "the case must fool the detector"
        );
        assert_eq!(dropout_through_a_smoothing_sensor(DetectorTests::ALL), 0);
    }

    /// An ejection's rise to 20 mL/min, a dropout a smoothing sensor spreads over four
    /// cycles, and the flow back at its level: (onsets, ends) after the rise.
    fn dropout_in_a_rise(tests: DetectorTests) -> (usize, usize) {
        let mut d = settled().with_tests(tests);
        assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
        let dropout = [14.0, 8.0, 6.0, 6.5];
        let back = [12.0, 18.0, 20.0, 20.5, 21.0, 20.5, 21.0, 21.5, 21.0];
        let all: Vec<f32> = [&dropout[..], &back].concat();
        events(&mut d, &all)
    }

    #[test]
    fn a_dropout_spread_over_cycles_in_a_rise_is_no_second_onset() {
        let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
        assert_eq!(
            dropout_in_a_rise(without).0,
            1,
            "the case must fool the detector"
        );
        assert_eq!(dropout_in_a_rise(DetectorTests::ALL), (0, 0));
    }

    /// Whether a flow decaying from 20 mL/min with the time constant `tau_s` is taken
    /// for the sensor losing it at any cycle; and the ends reported.
    fn decay_held(tau_s: f32) -> (bool, usize) {
        let mut d = settled();
        assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
        let mut held = false;
        let mut ends = 0;
        for t in 1..60 {
            let m = 0.2 + 20.0 * libm::expf(-(t as f32) / tau_s);
            ends += events(&mut d, &[m]).1;
            held |= d.expect_s > 0.0;
        }
        (held, ends)
    }

    /// Cycles of a second during which a level is expected back after a fall from a
    /// minute at 100 mL/min to zero flow that lasts.
    fn cycles_held_after_a_lasting_fall() -> usize {
        let mut d = EjectionDetector::new(1.0, 0.05);
        events(&mut d, &[100.0; 60]);
        (0..60)
            .filter(|_| {
                events(&mut d, &[0.2]);
                d.expect_s > 0.0
            })
            .count()
    }

    #[test]
    fn a_fall_that_lasts_is_held_for_the_return_hold_only() {
        let held = cycles_held_after_a_lasting_fall();
        assert!((1..=RETURN_HOLD_S as usize).contains(&held), "{held}");
    }

    #[test]
    fn a_fall_faster_than_milk_decays_is_held_and_a_decay_is_not() {
        // Milk decays with a time constant of 6.5 s at the fastest: that is no dropout.
        assert_eq!(decay_held(MIN_DECAY_TAU_S + 0.5), (false, 1));
        assert_eq!(decay_held(20.0), (false, 1));
        // A sensor losing the flow through a 2 s smoothing falls faster; once its hold
        // has lapsed and the flow has not come back, the ejection still ends.
        assert_eq!(decay_held(2.0), (true, 1));
    }

    #[test]
    fn a_rise_alarms_at_the_second_cycle_without_smoothing_delay() {
        let mut d = settled();
        assert_eq!(d.process(&CYCLE, &block(2.5), 1.0), None);
        assert_eq!(d.partial_test(), None, "one cycle of evidence arms nothing");
        // Still climbing (a cycle standing still after the jump waits for the next: lag-hold).
        assert!(matches!(
            d.process(&CYCLE, &block(3.4), 1.0),
            Some(Detection::Onset { .. })
        ));
        // A step that stands still (2.5, then 2.6) waits a cycle for the next one.
        let mut d = settled();
        assert_eq!(d.process(&CYCLE, &block(2.5), 1.0), None);
        assert_eq!(d.process(&CYCLE, &block(2.6), 1.0), None);
        assert!(matches!(
            d.process(&CYCLE, &block(5.0), 1.0),
            Some(Detection::Onset { .. })
        ));
    }

    /// A detector after a minute of quieter zero flow (cycle means 0.2 ± 0.02 mL/min).
    fn quiet() -> EjectionDetector {
        settled_at(0.02)
    }

    /// A quiet detector fed a rise accelerating as an ejection's flow starts (cycle means
    /// `0.2 + 0.0095·i²` mL/min, 1 s cycles); with `noise`, the cycle means' noise
    /// estimate is set to it as the rise begins. Per cycle: the statistic, its threshold
    /// and the climb (mL/min); and the cycle of the onset.
    fn slow_start(noise: Option<f32>) -> ([(f32, f32, f32); 16], Option<usize>) {
        // The climb read on the median alone: the wait is what is tested here.
        let mut d = quiet().with_tests(BUT_PHASE_ALARM.without(DetectorTest::PhaseClimb));
        if let Some(sigma) = noise {
            d.spread_m3 = sigma;
        }
        let mut rows = [(0.0, 0.0, 0.0); 16];
        for (i, row) in rows.iter_mut().enumerate() {
            let n = (i + 1) as f32;
            let detection = d.process(&CYCLE, &block(0.2 + 0.0095 * n * n), 1.0);
            let (s, h) = d.cusum();
            *row = (s, h, d.climb);
            if let Some(Detection::Onset { .. }) = detection {
                return (rows, Some(i));
            }
        }
        (rows, None)
    }

    #[test]
    fn an_alarm_before_the_climb_waits_a_cycle_with_its_evidence_on_a_quiet_sensor() {
        // The cycle before the onset alarmed while the climb was still short of an
        // ejection's (0.44 against 0.48 mL/min): its evidence stood, and the next cycle,
        // climbing, completed the onset (built anew, the onset came a cycle later).
        let (rows, onset) = slow_start(None);
        let onset = onset.expect("found");
        let (s, h, climb) = rows[onset - 1];
        assert!(s > h && climb < CLIMB_ASKED_ML_MIN, "{rows:?}");
        assert!(
            rows[..onset - 1].iter().all(|&(s, h, _)| s <= h),
            "{rows:?}"
        );
    }

    #[test]
    fn an_alarm_before_the_climb_is_built_anew_where_noise_could_carry_the_climb() {
        // The same rise where the cycle means' noise (0.3 mL/min) could carry the climb
        // test: a second look would be a second draw of the noise, so the evidence is
        // built anew at the alarm, and the onset comes a cycle later than the quiet
        // sensor's.
        let (quiet_rows, quiet_onset) = slow_start(None);
        let alarm = quiet_onset.expect("found") - 1;
        let (rows, onset) = slow_start(Some(0.3));
        assert_eq!(rows[alarm].0, 0.0, "{rows:?} against {quiet_rows:?}");
        assert_eq!(onset, quiet_onset.map(|i| i + 1), "{rows:?}");
    }

    #[test]
    fn an_alarm_short_of_the_climb_keeps_its_evidence_once_per_build() {
        // Evidence over the threshold, the pulsation backing it, the climb still short.
        let refusal_keeps = |d: &mut EjectionDetector| {
            d.lock_excess = 10.0;
            d.climb = 0.5 * CLIMB_ASKED_ML_MIN;
            if d.cusum.s == 0.0 {
                d.cusum.s = 5.0;
            }
            assert_eq!(d.confirm(Alarm::RawMean, 3.0, 2.8, d.delta), None);
            d.cusum.s > 0.0
        };
        let mut d = quiet();
        // The first refusal keeps the evidence, the second builds it anew.
        assert!(refusal_keeps(&mut d));
        assert!(!refusal_keeps(&mut d));
        // Evidence built anew may wait once again.
        assert!(refusal_keeps(&mut d));
        // So may evidence that decayed to zero by itself after a refusal.
        for _ in 0..10 {
            assert_eq!(d.process(&CYCLE, &block(0.2), 1.0), None);
        }
        assert_eq!(d.cusum.s, 0.0);
        assert!(refusal_keeps(&mut d));
        // Where noise could carry the climb, not even the first refusal keeps it.
        let mut d = quiet();
        d.spread_m3 = 0.3;
        assert!(!refusal_keeps(&mut d));
    }

    #[test]
    fn the_pulsation_agrees_in_phase_when_both_cycles_pulse_clear_of_the_noise() {
        // Zero flow's pulsation stands at 0.2 ± 0.02 mL/min (`quiet`).
        let agrees = |last: [f32; 2], this: [f32; 2]| {
            let mut d = quiet();
            d.note_phase(last, true);
            d.note_phase(this, true);
            d.phase_agrees()
        };
        assert!(
            agrees(pulsing(1.0, -70.0), pulsing(1.5, -45.0)),
            "25° apart"
        );
        assert!(
            !agrees(pulsing(1.0, -70.0), pulsing(1.5, -30.0)),
            "40° apart"
        );
        assert!(
            !agrees(pulsing(1.0, 100.0), pulsing(1.5, -80.0)),
            "opposite"
        );
        assert!(
            !agrees(pulsing(0.22, 10.0), pulsing(1.5, 10.0)),
            "the last one at the noise"
        );
        assert!(
            !agrees(pulsing(1.5, 10.0), pulsing(0.22, 10.0)),
            "this one at the noise"
        );
        // A cycle the sensor did not show breaks the pair.
        let mut d = quiet();
        d.note_phase(pulsing(1.0, 10.0), true);
        d.forget_phase();
        d.note_phase(pulsing(1.5, 10.0), true);
        assert!(!d.phase_agrees());
    }

    #[test]
    fn the_phase_is_compared_over_clean_usable_cycles_of_one_rhythm() {
        let cycle = |degrees: f32, rejected: f32| BlockFeatures {
            pulsation_phasor: pulsing(1.5, degrees),
            pulsation_ml_min: 1.5,
            rejected_fraction: rejected,
            ..block(0.2)
        };
        let mut d = quiet();
        d.process(&CYCLE, &cycle(-60.0, 0.0), 1.0);
        d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
        assert!(d.phase_agrees(), "two clean cycles in phase");
        d.process(&CYCLE, &cycle(130.0, 0.0), 1.0);
        assert_eq!(d.phase_pair, PhasePair::Oppose, "180° apart");
        d.process(&CYCLE, &cycle(-55.0, 0.1), 1.0);
        assert!(!d.phase_agrees(), "a cycle with rejected samples");
        assert!(
            d.phase_pair != PhasePair::Oppose,
            "a cycle with rejected samples opposes nothing"
        );
        d.process(&CYCLE, &cycle(-55.0, 0.0), 1.0);
        assert!(!d.phase_agrees(), "nor the one after it");
        d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
        assert!(d.phase_agrees());
        d.process(&CYCLE, &cycle(-50.0, 0.5), 1.0);
        d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
        assert!(!d.phase_agrees(), "across a cycle the sensor did not show");
        let faster = Cycle {
            rate_cpm: 110.0,
            ..CYCLE
        };
        d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
        d.process(&faster, &cycle(-50.0, 0.0), 1.0);
        assert!(!d.phase_agrees(), "across a change of rhythm");
        // The changed cycle's own phase is not compared either: the lock-in turned at the
        // old rhythm's rate through it.
        d.process(&faster, &cycle(-50.0, 0.0), 1.0);
        assert!(
            !d.phase_agrees(),
            "the first cycle of the new rhythm has no partner"
        );
        d.process(&faster, &cycle(-50.0, 0.0), 1.0);
        assert!(d.phase_agrees(), "within the new rhythm");
    }

    #[test]
    fn a_rise_whose_cycles_pulse_in_opposite_phases_is_a_burst() {
        // From quiet zero flow the mean rises 2.7, 2.8, 2.9 … mL/min, each cycle pulsing at
        // 1.5 mL/min, far clear of the pulsation's noise: the first `turning` cycles
        // `step` degrees apart, the rest in phase. The cycle of the onset, if any.
        let onset_cycle = |step: f32, turning: usize, tests: DetectorTests| {
            let mut d = settled().with_tests(tests);
            (0..8).find(|&i| {
                let f = BlockFeatures {
                    pulsation_phasor: pulsing(1.5, step * i.min(turning) as f32),
                    ..pulsing_block(2.7 + 0.1 * i as f32, 1.5)
                };
                matches!(d.process(&CYCLE, &f, 1.0), Some(Detection::Onset { .. }))
            })
        };
        let in_phase = onset_cycle(10.0, 8, BUT_PHASE_ALARM).expect("milk keeps its phase");
        assert!(in_phase < 3, "{in_phase}");
        assert_eq!(onset_cycle(100.0, 8, BUT_PHASE_ALARM), None, "100° a cycle");
        assert_eq!(onset_cycle(180.0, 8, BUT_PHASE_ALARM), None, "opposite");
        assert_eq!(
            onset_cycle(80.0, 8, BUT_PHASE_ALARM),
            Some(in_phase),
            "within a quarter period the pulsation decides nothing here"
        );
        // The burst's evidence is built anew: a rise that keeps its phase after it (from
        // cycle 4 on) is found on evidence of its own, not on its first cycle.
        let after = onset_cycle(180.0, 3, BUT_PHASE_ALARM).expect("in phase after the burst");
        assert!(after > 4, "{after}");
        let without = BUT_PHASE_ALARM.without(DetectorTest::PhaseVeto);
        assert_eq!(
            onset_cycle(180.0, 8, without),
            Some(in_phase),
            "without the test"
        );
    }

    /// A pulsation of `amplitude` mL/min at `degrees` against the cycle's start.
    fn pulsing(amplitude: f32, degrees: f32) -> [f32; 2] {
        let r = degrees.to_radians();
        [amplitude * libm::cosf(r), amplitude * libm::sinf(r)]
    }

    #[test]
    fn the_climb_is_read_on_the_latest_cycle_only_where_its_pulsation_keeps_its_phase() {
        // The three-cycle median a cycle behind the rise, short of the climb asked; the
        // latest cycle's own mean well past it.
        let rising = |tests: DetectorTests| {
            let mut d = quiet().with_tests(tests);
            d.climb = 0.5 * CLIMB_ASKED_ML_MIN;
            d.climb_raw = 3.0 * CLIMB_ASKED_ML_MIN;
            d
        };
        let mut d = rising(DetectorTests::ALL);
        d.note_phase(pulsing(1.0, -60.0), true);
        d.note_phase(pulsing(1.2, -50.0), true);
        assert!(d.climbing(), "in phase: milk");
        d.note_phase(pulsing(1.4, 60.0), true);
        assert!(!d.climbing(), "110° off: a burst or noise");
        let mut d = rising(DetectorTests::ALL.without(DetectorTest::PhaseClimb));
        d.note_phase(pulsing(1.0, -60.0), true);
        d.note_phase(pulsing(1.2, -50.0), true);
        assert!(!d.climbing(), "without the test the median decides");
    }

    /// The slow start the partial-cycle tests begin from: cycles at 0.75, 1.0, 1.25 …
    /// mL/min that each add a little evidence, until the test is armed (at most 8); the
    /// detector and how many cycles it took.
    fn armed_by_a_slow_start(tests: DetectorTests) -> (EjectionDetector, usize) {
        let mut d = settled().with_tests(tests);
        assert_eq!(d.partial_test(), None, "no evidence yet: nothing armed");
        let mut fed = 0;
        while d.partial_test().is_none() && fed < 8 {
            fed += 1;
            assert_eq!(
                d.process(&CYCLE, &block(0.5 + 0.25 * fed as f32), 1.0),
                None
            );
        }
        (d, fed)
    }

    #[test]
    fn the_partial_test_completes_evidence_of_two_cycles_inside_the_third() {
        let (mut d, fed) = armed_by_a_slow_start(BUT_PHASE_ALARM);
        assert!(fed >= 2, "armed after {fed} cycle(s)");
        let test = d
            .partial_test()
            .expect("armed after two cycles of evidence");
        let base = test.baseline_ml_min;
        assert!((base - 0.2).abs() < 0.05, "{base}");
        // At least half the detectable flow from the cycle in progress.
        assert!(test.excess_ml_min >= 0.5, "{}", test.excess_ml_min);
        assert_eq!(
            test.max_rejected_fraction, 0.0,
            "no rejected sample inside the cycle"
        );
        // The cycle in progress must read at least the last cycle's mean.
        assert_eq!(test.reach_ml_min, 0.5 + 0.25 * fed as f32);
        assert!(matches!(d.partial_onset(), Some(Detection::Onset { .. })));
        assert!(d.in_ejection());
        assert_eq!(d.partial_onset(), None, "fires once");
        // The cycle it fired in closes without a second onset.
        assert_eq!(d.process(&CYCLE, &block(2.6), 1.0), None);
        assert_eq!(d.partial_test(), None, "not armed during an ejection");
    }

    #[test]
    fn without_the_guard_the_partial_test_asks_no_reading_to_be_reached() {
        let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
        let (d, _) = armed_by_a_slow_start(unguarded);
        let test = d.partial_test().expect("armed after a slow start");
        assert_eq!(test.reach_ml_min, f32::NEG_INFINITY);
        assert_eq!(test.max_rejected_fraction, MAX_REJECTED_FRACTION);
    }

    /// Zero flow (0.2 mL/min), a cycle at 0.75 mL/min, then one at `second` mL/min (cycles
    /// of 1 s): whether the partial-cycle test is armed for the next cycle (no onset yet).
    fn armed_after_a_jump_to(second: f32, tests: DetectorTests) -> bool {
        let mut d = settled().with_tests(tests);
        assert_eq!(d.process(&CYCLE, &block(0.75), 1.0), None);
        assert_eq!(d.process(&CYCLE, &block(second), 1.0), None);
        d.partial_test().is_some()
    }

    #[test]
    fn a_jump_faster_than_milk_climbs_arms_no_partial_test() {
        assert!(
            armed_after_a_jump_to(1.0, BUT_PHASE_ALARM),
            "a climb as milk's"
        );
        // 14 mL/min in one second: a motion burst, whose decay a smoothing sensor spreads
        // into the next cycle's first samples.
        assert!(!armed_after_a_jump_to(15.0, BUT_PHASE_ALARM));
        assert!(!armed_after_a_jump_to(15.0, DetectorTests::ALL));
        let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
        assert!(
            armed_after_a_jump_to(15.0, unguarded),
            "the case must arm the test"
        );
    }

    /// A slow start at zero flow (0.75, then 1.0 mL/min), a motion burst lifting one cycle
    /// to 15 mL/min, and its decay: the cycle of the first onset, if any.
    fn onset_on_a_burst_after_a_slow_start(tests: DetectorTests) -> Option<usize> {
        let mut d = settled().with_tests(tests);
        [0.75, 1.0, 15.0, 0.3, 0.25].iter().position(|&m| {
            matches!(
                d.process(&CYCLE, &block(m), 1.0),
                Some(Detection::Onset { .. })
            )
        })
    }

    #[test]
    fn a_cycle_that_jumped_faster_than_milk_climbs_completes_no_onset() {
        let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
        assert!(
            onset_on_a_burst_after_a_slow_start(unguarded) >= Some(2),
            "the case must fool it"
        );
        assert_eq!(onset_on_a_burst_after_a_slow_start(BUT_PHASE_ALARM), None);
        // With every test on, the slow start's second cycle, pulsing in phase with its
        // first as milk does, is the onset (phase-alarm); the burst and its decay add none.
        assert_eq!(
            onset_on_a_burst_after_a_slow_start(DetectorTests::ALL),
            Some(1)
        );
    }

    /// A transfer of 1.3 learnt at 60 cpm; twenty quiet cycles at `rate_cpm`; then a rise of
    /// 0.5 mL/min per cycle whose pulsation grows by 0.4 of it, the pulsation's deviation at
    /// zero flow 0.5 mL/min. Whether an onset came before the rise stood on its own.
    fn weak_pulsation_onset_at(rate_cpm: f32) -> bool {
        let mut d = settled();
        d.transfer = 1.3;
        d.transfer_rate = 60.0;
        let cycle = Cycle { rate_cpm, ..CYCLE };
        for i in 0..20 {
            let m = if i % 2 == 0 { 0.25 } else { 0.15 };
            d.process(&cycle, &block(m), 1.0);
        }
        d.puls_dev = 0.5;
        (1..=6).any(|i| {
            let m = 0.2 + 0.5 * i as f32;
            let f = pulsing_block(m, 0.2 + 0.4 * (m - 0.2));
            matches!(d.process(&cycle, &f, 1.0), Some(Detection::Onset { .. }))
        })
    }

    #[test]
    fn a_transfer_learnt_at_one_rhythm_is_not_asked_at_another() {
        assert!(
            !weak_pulsation_onset_at(60.0),
            "at its own rhythm it asks for 0.65 of the rise"
        );
        assert!(
            weak_pulsation_onset_at(110.0),
            "at another, no more than the prior"
        );
    }

    #[test]
    fn a_rise_without_pump_synchronous_flow_is_an_offset() {
        let mut d = settled();
        for i in 0..30 {
            let m = 0.2 + 2.0 * (i as f32 / 10.0).min(1.0);
            assert_eq!(d.process(&CYCLE, &unlocked(m), 1.0), None, "cycle {i}");
        }
        assert!(!d.in_ejection());
        assert!(d.baseline_ml_min() > 1.5, "{}", d.baseline_ml_min());
        // The same rise, pulsing with the pump, from the new level is an ejection.
        let onset = (1..10).find_map(|i| d.process(&CYCLE, &block(2.2 + 0.5 * i as f32), 1.0));
        assert!(matches!(onset, Some(Detection::Onset { .. })));
    }

    /// A detector settled at zero flow (0.2 mL/min, its pulsation there too), on a sensor
    /// whose learnt transfer is 0.6 and whose pulsation deviates by 0.5 mL/min at zero
    /// flow (an onset's pulsation must clear 0.3 of its mean excess, at most 1.5 mL/min),
    /// then `cycles` of (mean, pulsation), mL/min: the cycle of the first onset, if any,
    /// and the baseline after each cycle.
    fn onset_as_the_pulsation_comes(cycles: &[(f32, f32)]) -> (Option<usize>, Vec<f32>) {
        let mut d = settled();
        d.transfer = 0.6;
        d.puls_dev = 0.5;
        let mut onset = None;
        let mut baselines = Vec::new();
        for (i, &(mean, pulsation)) in cycles.iter().enumerate() {
            let found = d.process(&CYCLE, &pulsing_block(mean, pulsation), 1.0);
            if matches!(found, Some(Detection::Onset { .. })) && onset.is_none() {
                onset = Some(i);
            }
            baselines.push(d.baseline_ml_min());
        }
        (onset, baselines)
    }

    #[test]
    fn an_alarm_waits_a_cycle_for_the_pulsation_its_own_cycle_shows() {
        // The first cycle's flow came late in it and barely pulses: at the alarm (the
        // second cycle) the two-cycle pulsation (0.5 over its level) is below the bar
        // (0.78), what this cycle shows alone (1.0) above it.
        let climb = [(2.7, 0.2), (2.8, 1.2), (2.9, 1.2), (3.0, 1.2)];
        let (onset, baselines) = onset_as_the_pulsation_comes(&climb);
        assert_eq!(onset, Some(2), "the next cycle's two-cycle mean backs it");
        assert!(
            baselines[1] < 1.0,
            "not absorbed at the wait: {baselines:?}"
        );
        // No pulsation in any cycle: an offset, absorbed at the alarm.
        let offset = climb.map(|(m, _)| (m, 0.2));
        let (onset, baselines) = onset_as_the_pulsation_comes(&offset);
        assert_eq!(onset, None);
        assert!(baselines[1] > 2.0, "{baselines:?}");
        // Once per build: a steeper rise whose bar climbs (0.66 at the alarm, 1.14 a cycle
        // later) as its pulsation follows clear of it alone (0.8, then 1.35) but not in
        // the two-cycle mean (0.4, then 1.08) is absorbed at that second wait, not found a
        // cycle later (below 4 mL/min over the baseline, where size alone would do).
        let steep = [(2.2, 0.2), (2.4, 1.0), (4.0, 1.55), (4.3, 3.0)];
        let (onset, baselines) = onset_as_the_pulsation_comes(&steep);
        assert_eq!(onset, None);
        assert!(baselines[2] > 2.0, "{baselines:?}");
        // A build is once: evidence that decayed to zero after a wait may wait again.
        let rested = [(0.2, 0.2); 12];
        let again = [&climb[..2], &rested[..], &climb[..]].concat();
        let (onset, _) = onset_as_the_pulsation_comes(&again);
        assert_eq!(onset, Some(2 + 12 + 2), "{again:?}");
    }

    /// Two minutes of zero flow whose mean wanders by ±0.6 mL/min (a trickle's wobble, an
    /// offset's drift) while the pulsation stays at its noise (0.2 ± 0.02 mL/min), then an
    /// ejection whose mean climbs 0.4 mL/min per cycle and pulses with the pump (a transfer
    /// of 0.6). The cycle of its onset, counted from its start.
    fn onset_cycle_on_a_wandering_level(tests: DetectorTests) -> Option<usize> {
        let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
        let cycle = pulsing_block;
        for i in 0..120 {
            let wander = 0.6 * libm::sinf(0.7 * i as f32);
            let noise = if i % 2 == 0 { 0.22 } else { 0.18 };
            assert_eq!(
                d.process(&CYCLE, &cycle(wander, noise), 1.0),
                None,
                "cycle {i}"
            );
        }
        (1..20).find(|&i| {
            let rise = 0.4 * i as f32;
            let found = d.process(&CYCLE, &cycle(rise, 0.2 + 0.6 * rise), 1.0);
            matches!(found, Some(Detection::Onset { .. }))
        })
    }

    #[test]
    fn the_pulsation_finds_an_ejection_sooner_where_the_mean_wanders() {
        let with = onset_cycle_on_a_wandering_level(BUT_PHASE_ALARM).expect("found");
        let without = BUT_PHASE_ALARM.without(DetectorTest::PulseCusum);
        let without = onset_cycle_on_a_wandering_level(without).expect("found without");
        assert!(
            with < without,
            "cycle {with} with the pulsation's CUSUM, {without} without"
        );
    }

    /// A noisy zero flow (cycle means 0.2 ± 0.3 mL/min, their pulsation `zero` in turn), then
    /// cycles of the mean `rise(i)` mL/min above it whose pulsation (0.4 of it above
    /// 0.2 mL/min) lands `turn` degrees further round each cycle (0: at the same point of
    /// every cycle, as milk's). The cycle of the onset, counted from 1, if any in 30.
    fn onset_with_the_pulsation_turning(
        tests: DetectorTests,
        zero: &[f32],
        turn: f32,
        rise: impl Fn(f32) -> f32,
    ) -> Option<usize> {
        let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
        for i in 0..60 {
            let mean = if i % 2 == 0 { 0.5 } else { -0.1 };
            let quiet = pulsing_block(mean, zero[i % zero.len()]);
            assert_eq!(d.process(&CYCLE, &quiet, 1.0), None, "cycle {i}");
        }
        (1..=30).find(|&i| {
            let excess = rise(i as f32);
            let pulsation = 0.2 + 0.4 * excess;
            let cycle = BlockFeatures {
                pulsation_phasor: pulsing(pulsation, turn * i as f32),
                ..pulsing_block(0.2 + excess, pulsation)
            };
            matches!(
                d.process(&CYCLE, &cycle, 1.0),
                Some(Detection::Onset { .. })
            )
        })
    }

    #[test]
    fn two_cycles_pulsing_in_phase_complete_evidence_within_a_cycles_reach() {
        let without = DetectorTests::ALL.without(DetectorTest::PhaseAlarm);
        let onset = |tests, turn, rise: fn(f32) -> f32| {
            onset_with_the_pulsation_turning(tests, &[0.3, 0.1], turn, rise)
        };
        let climb = |i: f32| 0.3 * i;
        let with_at = onset(DetectorTests::ALL, 0.0, climb);
        let without_at = onset(without, 0.0, climb);
        assert!(
            with_at.expect("found") < without_at.expect("found without"),
            "in phase: cycle {with_at:?} with the test, {without_at:?} without"
        );
        // A pulsation that lands anywhere (a motion burst's, noise) completes nothing.
        let with_at = onset(DetectorTests::ALL, 100.0, climb);
        let without_at = onset(without, 100.0, climb);
        assert_eq!(with_at, without_at, "turning 100° a cycle");
        // Nor milk's phase alone, before the mean's evidence is within a cycle's reach: a
        // flow that steps to 0.8 mL/min and climbs on pulses in phase from its second
        // cycle, and is found at its third.
        let stepped = |i: f32| 0.5 + 0.3 * i;
        assert_eq!(onset(DetectorTests::ALL, 0.0, stepped), Some(3));
    }

    #[test]
    fn each_cycles_own_pulsation_noise_is_measured_beside_the_medians() {
        // Zero flow whose pulsation jumps to 1.1 mL/min every third cycle: its three-cycle
        // median never shows the jump, each cycle's own deviation from the level does.
        let mut d = EjectionDetector::new(1.0, 0.05);
        for i in 0..90 {
            let p = if i % 3 == 2 { 1.1 } else { 0.2 };
            assert_eq!(d.process(&CYCLE, &pulsing_block(0.2, p), 1.0), None);
        }
        assert!(d.puls_dev < 0.1, "the median's {}", d.puls_dev);
        assert!(d.puls_dev_raw > 0.25, "each cycle's {}", d.puls_dev_raw);
    }

    #[test]
    fn the_pulsation_completes_evidence_only_clear_of_each_cycles_own_noise() {
        // Zero flow's pulsation at 0.2 mL/min, its three-cycle median steady (0.05), the
        // mean's evidence within a cycle's reach, and two cycles of 1 mL/min in phase.
        let alarms = |dev_raw: f32| {
            let mut d = quiet();
            d.puls_base = 0.2;
            d.puls_dev = 0.05;
            d.puls_dev_raw = dev_raw;
            d.threshold = 5.0;
            d.cusum.s = 4.0;
            d.note_phase(pulsing(1.0, -50.0), true);
            d.note_phase(pulsing(1.0, -40.0), true);
            assert!(d.phase_agrees(), "clear of the median's noise");
            d.phase_alarm(1.0, 1.0)
        };
        assert!(alarms(0.1), "each cycle's own noise 0.1 mL/min");
        assert!(
            !alarms(0.4),
            "a pulsation that scatters 0.4 mL/min cycle by cycle"
        );
    }

    /// A low flow at full vacuum, a seal leak that halves the vacuum and the flow for
    /// 15 s, then the seal healed and the flow back where it was: whether an onset came.
    fn leak_healed(tests: DetectorTests) -> bool {
        let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
        let leak = Cycle {
            depth_mmhg: -60.0,
            ..CYCLE
        };
        let mut onset = false;
        let mut run = |d: &mut EjectionDetector, c: &Cycle, m: f32| {
            onset |= matches!(d.process(c, &block(m), 1.0), Some(Detection::Onset { .. }));
        };
        for i in 0..60 {
            run(&mut d, &CYCLE, if i % 2 == 0 { 3.05 } else { 2.95 });
        }
        for i in 0..15 {
            run(&mut d, &leak, 3.0 - 1.5 * (i as f32 / 3.0).min(1.0));
        }
        for i in 0..30 {
            run(&mut d, &CYCLE, 1.5 + 1.5 * (i as f32 / 5.0).min(1.0));
        }
        onset
    }

    /// A cycle of a trickle between ejections: `mean` mL/min, pump-locked, the flow
    /// stopping between strokes (its lowest reading at the sensor's zero).
    fn trickle(mean: f32) -> BlockFeatures {
        BlockFeatures {
            min_flow_ml_min: 0.0,
            ..block(mean)
        }
    }

    /// Seconds from the start of `rise` (mL/min per s, from a 3 mL/min trickle, up by
    /// `by` at most) to an onset, if any.
    fn onset_on_a_trickle(tests: DetectorTests, rise: f32, by: f32) -> Option<u32> {
        let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
        for i in 0..60 {
            let m = if i % 2 == 0 { 3.05 } else { 2.95 };
            assert_eq!(d.process(&CYCLE, &trickle(m), 1.0), None);
        }
        (1..40).find(|&s| {
            let m = 3.0 + (rise * s as f32).min(by);
            matches!(
                d.process(&CYCLE, &trickle(m), 1.0),
                Some(Detection::Onset { .. })
            )
        })
    }

    #[test]
    fn a_trickles_wander_is_no_onset_and_an_ejection_on_it_is_found() {
        // The trickle climbs by two fifths of its level as fast as an ejection starts: the
        // detectable flow alone would take it for one.
        let wander = |tests| onset_on_a_trickle(tests, 0.2, 1.2);
        assert_eq!(wander(DetectorTests::ALL), None);
        let without = DetectorTests::ALL.without(DetectorTest::TrickleLevel);
        assert!(wander(without).is_some());
        // An ejection on it (a weak one, 1 mL/min per s) stands out within seconds.
        let ejection = onset_on_a_trickle(DetectorTests::ALL, 1.0, 20.0);
        assert!(ejection.is_some_and(|s| s <= 4), "{ejection:?}");
        let earlier = onset_on_a_trickle(without, 1.0, 20.0);
        assert!(
            earlier.is_some_and(|s| s <= ejection.unwrap()),
            "{earlier:?}"
        );
    }

    #[test]
    fn the_flow_back_at_its_level_after_a_leak_heals_is_no_onset() {
        assert!(!leak_healed(DetectorTests::ALL));
        // Without the rule the same return reads as a letdown.
        assert!(leak_healed(
            DetectorTests::ALL.without(DetectorTest::VacuumReturn)
        ));
    }

    #[test]
    fn a_sensor_too_smooth_to_show_the_pulsation_still_detects_a_larger_rise() {
        let mut d = settled();
        let onset = (1..20).find_map(|i| {
            d.process(&CYCLE, &unlocked(0.2 + 0.8 * i as f32), 1.0)
                .map(|o| (i, o))
        });
        let (i, o) = onset.expect("found without pulsation");
        assert!(matches!(o, Detection::Onset { .. }));
        let excess = 0.8 * i as f32;
        assert!(excess >= UNLOCKED_FLOW_FACTOR, "{excess}");
        // Measured on the three-cycle median, and the evidence built anew after each
        // absorbed offset: up to three cycles' climb later.
        assert!(
            excess <= UNLOCKED_FLOW_FACTOR + 3.0 * 0.8 + 1e-3,
            "{excess}"
        );
    }

    #[test]
    fn ductal_milk_at_the_start_is_followed_silently_and_an_ejection_on_it_is_found() {
        // Without the ductal test the same flow gives an onset in the first 20 s.
        let mut ablated = EjectionDetector::new(1.0, 0.05)
            .with_tests(DetectorTests::ALL.without(DetectorTest::Ductal));
        let early = (0..20).any(|t| {
            let m = 0.2 + ductal_flow(t as f32);
            matches!(
                ablated.process(&CYCLE, &block(m), 1.0),
                Some(Detection::Onset { .. })
            )
        });
        assert!(early, "the ductal milk alone looks like an onset");
        let mut d = EjectionDetector::new(1.0, 0.05);
        let mut events = [0u32; 2];
        let mut first_onset_s = None;
        for t in 0..200 {
            let t = t as f32;
            let ductal = ductal_flow(t);
            // The first ejection: from 60 s, rising 1 mL/min per second to 20.
            let ejection = (t - 60.0).clamp(0.0, 20.0);
            let m = 0.2 + if (t as u32) % 2 == 0 { 0.05 } else { -0.05 } + ductal + ejection;
            match d.process(&CYCLE, &block(m), 1.0) {
                Some(Detection::Onset { .. }) => {
                    events[0] += 1;
                    first_onset_s.get_or_insert(t);
                }
                Some(Detection::End { .. }) => events[1] += 1,
                None => {}
            }
        }
        assert_eq!(
            events,
            [1, 0],
            "one onset, the ejection's, and no end of the ductal milk"
        );
        let t = first_onset_s.unwrap();
        assert!((61.0..=64.0).contains(&t), "found at {t} s");
    }

    /// Seconds of pumping at which an ejection rising 1 mL/min per second from `start_s`
    /// (s, at the sensor) is found, after `unread_s` seconds of cycles the sensor showed
    /// nothing usable of (held readings) and quiet zero flow up to the ejection.
    fn found_at(unread_s: u32, start_s: f32) -> Option<f32> {
        let mut d = EjectionDetector::new(1.0, 0.05);
        let unread = BlockFeatures {
            rejected_fraction: 1.0,
            ..block(0.0)
        };
        for _ in 0..unread_s {
            assert_eq!(d.process(&CYCLE, &unread, 1.0), None);
        }
        (unread_s..unread_s + 60).find_map(|t| {
            let t = t as f32;
            let wobble = if (t as u32) % 2 == 0 { 0.05 } else { -0.05 };
            let m = 0.2 + wobble + (t - start_s).clamp(0.0, 20.0);
            let onset = matches!(
                d.process(&CYCLE, &block(m), 1.0),
                Some(Detection::Onset { .. })
            );
            onset.then_some(t)
        })
    }

    #[test]
    fn the_earliest_first_ejection_is_found_at_once_not_taken_for_ductal_milk() {
        // First ejections begin 20 s into pumping at the earliest, and reach the sensor
        // after the transport delay (≥ 1 s): a rise from 21 s is found within a few
        // cycles, not after `DUCTAL_RISE_S` as ductal milk that kept climbing.
        let t = found_at(0, 21.0).expect("found");
        assert!(t <= 25.0, "found at {t} s");
    }

    #[test]
    fn ductal_milk_that_reaches_the_sensor_late_in_the_first_20_s_is_no_onset() {
        // The same ductal milk arriving at 17 s (a long transport delay and a slow first
        // flow): first ejections begin 20 s into pumping at the earliest, so a rise that
        // began before is ductal milk, followed silently.
        let mut d = EjectionDetector::new(1.0, 0.05);
        let onset = (0..80).find(|&t| {
            let wobble = if t % 2 == 0 { 0.05 } else { -0.05 };
            let m = 0.2 + wobble + ductal_flow(t as f32 - 9.0);
            matches!(
                d.process(&CYCLE, &block(m), 1.0),
                Some(Detection::Onset { .. })
            )
        });
        assert_eq!(onset, None);
    }

    #[test]
    fn the_pumping_clock_runs_through_cycles_the_sensor_did_not_show() {
        // A sensor that held its reading (or read an exact zero, its low-flow cutoff) for
        // the first 100 s of pumping: an ejection from 110 s is no ductal milk.
        let t = found_at(100, 110.0).expect("found");
        assert!(t <= 114.0, "found at {t} s");
    }

    /// Ductal milk: arrives at 8 s, peaks at 6 mL/min at 12 s, decays (τ 15 s), mL/min.
    fn ductal_flow(t: f32) -> f32 {
        if t < 8.0 {
            0.0
        } else if t < 12.0 {
            1.5 * (t - 8.0)
        } else {
            6.0 * libm::expf(-(t - 12.0) / 15.0)
        }
    }
}
