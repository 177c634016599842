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
//! completes the evidence (on a sensor known to smooth, after a pulsing cycle, the cycle's
//! end and the next cycle's level decide instead: lag-hold). Watching the partial sums can at most double the chance of a
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
//! (with a larger reference shift, a share of the tail's level that the wander the tails
//! have shown sets ([`DetectorTest::TailWander`]), and only for a rise sustained over
//! several cycles, so a bottle tilt's gain step is not an ejection), and reports the end
//! when flow has fallen to
//! a fifth of the ejection's amplitude. Alarms are suppressed for a few seconds after the
//! pump changes rhythm or vacuum, or resumes after a stop: removal rate changes make flow
//! surge without any ejection.
//!
//! An alarm of the CUSUM is only a candidate. It becomes an onset when the flow also shows
//! what milk is ([`DetectorTests`], each switchable for an ablation study):
//! - **it moves with the pump**: the cycle's component at its own frequency (the per-cycle
//!   lock-in of [`crate::features`]) has risen with the mean ([`PULSATION_SHARE`],
//!   [`LOCK_NOISE_FACTOR`]), in the latest two cycles and over the cycles the evidence
//!   was built on ([`RUN_MEMORY`]); a rise of the mean alone is sensor drift, slow wobble
//!   or held values, and becomes the new baseline. A sensor too smooth to show the
//!   pulsation still detects a larger rise ([`UNLOCKED_FLOW_FACTOR`]); one whose noise at
//!   zero flow shows it smooths, before any strong flow, or whose smoothing strong flow
//!   has measured, a smaller one that climbs as milk does ([`DetectorTest::NoiseShape`]);
//! - **it climbs as an ejection does** ([`MIN_ONSET_SLOPE_ML_MIN_S`]), faster than a
//!   trickle's or a tail's slow wander (an alarm that comes before the climb keeps its
//!   evidence for the next alarm, once, where the sensor is quiet enough for that second
//!   look); at zero flow, a flow that has carried more than the ducts store
//!   ([`DUCT_STORE_ML`]) need not climb: it is an ejection whose start the detector did
//!   not see, behind a stop or a change of the pump's settings;
//! - **it is not the milk already in the ducts** ([`DUCTAL_START_S`]): a rise that began in
//!   the first seconds of pumping is followed silently as a tail;
//! - **it does not pulse as a burst does** ([`DetectorTest::PhaseVeto`]): at zero flow, an
//!   alarm whose cycle and the last clean one (across at most one spoiled cycle) pulse
//!   clear of their noise and more than a quarter period apart is a motion burst's (milk
//!   pulses at the same point of every cycle);
//! - **it is more than a trickle's wander** ([`REARM_LEVEL_SHARE`]): where a trickle still
//!   runs between ejections, the shift an onset must show grows with its level, as on a
//!   tail, so a noisier sensor or one reading more milk does not take its slow wander for
//!   a new ejection.
//!
//! One module per part: `pump_sync` (the pulsation's evidence and the learnt transfer),
//! `phase` (the pulsation's phase: phase-climb, phase-alarm and phase-veto), `partial`
//! (the from-zero-flow test inside the cycle, and its guards against artefacts), `rearm`
//! (onsets over a tail or a trickle), `end` (the end of an ejection) and `pump_changes`
//! (what is held back through changes of pump settings and stops). This file keeps the
//! state, the cycle's statistics, the decision of each phase and the onset; its tests are
//! in `tests`.

use crate::cusum::{self, Cusum};
use crate::cycle_tracker::Cycle;
use crate::detector_tests::{DetectorTest, DetectorTests};
use crate::features::BlockFeatures;
use crate::sanitize::ChannelLimits;

mod end;
mod partial;
mod phase;
mod pump_changes;
mod pump_sync;
mod rearm;

use phase::PhasePair;
use pump_changes::SettingTrack;
use pump_sync::RunSums;
use rearm::TailWander;

// Twice the detectable flow: where a tail begins, and what the session's end takes for flow.
pub(crate) use rearm::tail_height;

// The constants defined beside the code they tune, reachable as `crate::detector::NAME`:
// the module doc links them here, and feature `internals` publishes them. Without that
// feature most are read only where they are defined, so the re-export itself goes unused.
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use self::{
    end::{END_CYCLES, END_FRACTION, MIN_DECAY_TAU_S, MIN_RISE_S},
    partial::{FALL_NOISE_FACTOR, MAX_ONSET_SLOPE_ML_MIN_S},
    phase::PHASE_AGREEMENT,
    pump_changes::{
        CHANGE_NOISE_FACTOR, DEPTH_CHANGE, IDLE_SUPPRESS_CYCLES, RATE_CHANGE, RETURN_HOLD_S,
        SUPPRESS_S, ZERO_FLOW_WINDOW_S,
    },
    pump_sync::{
        LOCK_NOISE_FACTOR, MEASURED_TRANSFER_CYCLES, MIN_TRANSFER, NOISE_SHAPE_CYCLES,
        PULSATION_SHARE, PULSATION_TRANSFER_PRIOR, RUN_MEMORY, SHAPE_STEP_CAP,
        SMOOTHED_CLIMB_FACTOR, SMOOTHED_NOISE_SHARE, SMOOTHED_UNLOCKED_FACTOR, SMOOTHING_TRANSFER,
        STALL_SHARE, TRANSFER_GAIN, UNLOCKED_FLOW_FACTOR,
    },
    rearm::{
        MAX_STEP_SHARE, REARM_LEVEL_SHARE, WANDER_FLOOR_SHARE, WANDER_LEARN_S, WANDER_MARGIN,
        WANDER_TAIL_S,
    },
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
    /// Mean absolute step between consecutive raw cycle means at zero flow, mL/min: with
    /// `zero_pulse`, the noise's shape ([`Self::noise_smoothed`]).
    zero_step: f32,
    /// Mean raw pulsation (the pump-rate bin's amplitude) at zero flow, mL/min.
    zero_pulse: f32,
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
    /// What the decaying tails have shown of the flow's own wander.
    wander: TailWander,
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
    /// The mean's and the pulsation's sums over the cycles the evidence was built on.
    run: RunSums,
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
    /// Lag-hold's wait, if any.
    lag: LagWait,
}

impl Waits {
    const NONE: Waits = Waits {
        climb: false,
        lock: false,
        lag: LagWait::No,
    };
}

/// What an onset at zero flow waits for before the level decides (lag-hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LagWait {
    /// Nothing.
    No,
    /// The cycle in progress to end (a within-cycle completion waited in it,
    /// [`EjectionDetector::partial_waits_for_the_lag`]), then the next clean cycle.
    CycleEnd,
    /// The next clean cycle to show its level held
    /// ([`EjectionDetector::waits_for_the_lag`]).
    NextCycle,
}

/// Which test's alarm [`EjectionDetector::confirm`] is asked to confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alarm {
    /// The zero-flow test's, on the raw cycle mean or its pulsation.
    RawMean,
    /// The same, on the first usable cycle after one or more lost ones (an artefact's, or
    /// none of their samples usable).
    AfterLoss,
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
    /// Whether the cycle before it was lost (an artefact's, or no usable sample).
    after_loss: bool,
}

impl EjectionDetector {
    /// A detector built to see a rise of `min_flow_ml_min` with `false_alarms_per_hour`.
    pub fn new(min_flow_ml_min: f32, false_alarms_per_hour: f32) -> Self {
        Self {
            delta: min_flow_ml_min,
            arl_blocks: 3600.0 / false_alarms_per_hour / NOMINAL_BLOCK_S,
            phase: Phase::Idle,
            means: Median3::EMPTY,
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
            zero_step: 0.0,
            zero_pulse: 0.0,
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
            wander: TailWander::NEW,
            prev_phasor: [f32::NAN; 2],
            phase_pair: PhasePair::Neither,
            phase_low: 0.0,
            slow_base: 0.0,
            evidence_cycles: 0,
            run: RunSums::default(),
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
            return ChannelLimits::FLOW_ML_MIN.range();
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

    /// Whether the detector holds its decisions after a change of the pump's settings
    /// ([`SUPPRESS_S`]): the sensor's pulsation at zero flow may change with the vacuum
    /// and rhythm.
    pub fn holds_for_pump_change(&self) -> bool {
        self.suppress_s > 0.0
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
        // So does a level expected back (`RETURN_HOLD_S`): a sensor that shows few
        // usable cycles must not hold it for minutes.
        self.expect_s = (self.expect_s - dt_s).max(0.0);
        let m = f.mean_flow_ml_min;
        if !m.is_finite() || f.rejected_fraction > MAX_REJECTED_FRACTION {
            self.lost_cycle();
            return None;
        }
        let after_loss = self.artefact_run > 0;
        self.artefact_run = 0;
        self.note_phase(f.pulsation_phasor, f.rejected_fraction == 0.0);
        self.note_levels(f);
        self.note_carried(m, dt_s);
        self.note_pump_change(cycle);
        let (m3, p3) = self.push_cycle(m, f.pulsation_ml_min, cycle_start_s, dt_s);
        let settled = self.pumping_s >= WARMUP_S && self.suppress_s <= 0.0;
        // The level the flow has held for three whole cycles (none before three).
        self.note_fall(self.means.lowest(), m, self.sigma_ml_min(), settled);
        let (sigma_raw, sigma) = self.noise(m, f.pulsation_ml_min, m3, p3);
        let c = CycleStats {
            m,
            m3,
            p3,
            sigma_raw,
            sigma,
            dt_s,
            after_loss,
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

    /// A cycle with no usable level (an artefact's, or no usable sample): it adds no
    /// evidence, and a run of [`LOST_LEVEL_CYCLES`] of them loses the level the evidence
    /// was built on.
    fn lost_cycle(&mut self) {
        self.artefact_run = self.artefact_run.saturating_add(1);
        self.bridge_phase();
        if self.waited.lag == LagWait::CycleEnd {
            // The completion fired inside an artefact's cycle.
            self.reset_evidence();
        }
        if self.artefact_run >= LOST_LEVEL_CYCLES {
            self.reset_evidence();
            self.carried_ml = 0.0;
        }
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
        // sensor's zero-flow level even during an ejection (on a sensor that shows the
        // pulsation: `on_tail` does not trust it on one that smooths).
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
        if let Some(oldest) = self.means.oldest() {
            // Noise from second differences, which a linear trend (a rising or decaying
            // ejection) does not inflate: for white noise E|x₀ − 2x₁ + x₂| = √6·σ·√(2/π),
            // so σ = 0.512·E|d₂|. Clipped so one surviving artefact moves it little.
            let d2 = (m - 2.0 * self.means.recent()[1] + oldest).abs() * 0.512;
            let cap = 10.0 * self.sigma.max(SIGMA_FLOOR_ML_MIN);
            self.sigma += SIGMA_GAIN * (d2.min(cap) - self.sigma);
        }
        if self.prev_m3.is_finite() {
            self.m3_incs = [self.m3_incs[1], self.m3_incs[2], m3 - self.prev_m3];
        }
        self.prev_m3 = m3;
        (m3, p3)
    }

    /// The noise the CUSUM standardizes by, mL/min: of the raw cycle means (tested at
    /// zero flow) and of their three-cycle medians (tested elsewhere).
    fn noise(&mut self, m: f32, pulsation: f32, m3: f32, p3: f32) -> (f32, f32) {
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
            if self.at_zero_flow() {
                self.note_noise_shape(m, pulsation, gain);
            }
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
        if self.on_tail() {
            self.idle_on_tail(c)
        } else {
            self.idle_at_zero_flow(c)
        }
    }

    /// From zero flow any rise that moves with the pump is milk (a gain change of the
    /// sensor shows nothing there): test the raw cycle mean, and within the next cycle.
    fn idle_at_zero_flow(&mut self, c: &CycleStats) -> Option<Detection> {
        let excess = c.m - self.baseline;
        let delta = self.zero_flow_delta();
        let mean_alarm = self.test(excess, delta, c.sigma_raw, 2.0 * self.arl_blocks);
        let pulse_alarm = self.pulse_test(excess, delta);
        match self.waited.lag {
            LagWait::CycleEnd => {
                // The cycle a within-cycle completion waited in has ended: pump-sync
                // backed it there, the next clean cycle's level decides; unless the
                // cycle lost samples after the completion, the edge of an artefact.
                if self.spoiled {
                    self.reset_evidence();
                } else {
                    self.waited.lag = LagWait::NextCycle;
                }
                return None;
            }
            LagWait::NextCycle => return self.after_the_lag(c, excess, delta),
            LagWait::No => {}
        }
        if !(mean_alarm || pulse_alarm) {
            if self.phase_alarm(excess, delta) && self.phase_onset_holds(c, excess) {
                return self.onset(c.m3, excess, delta);
            }
            self.arm_partial(c.sigma_raw, delta, c.dt_s);
            return None;
        }
        self.zero_flow_alarm(c, mean_alarm, excess, delta)
    }

    /// An alarm at zero flow, of the mean (`mean_alarm`) or of the pulsation alone: an
    /// onset if it survives the tests below, which either build its evidence anew or let
    /// the next cycle decide.
    fn zero_flow_alarm(
        &mut self,
        c: &CycleStats,
        mean_alarm: bool,
        excess: f32,
        delta: f32,
    ) -> Option<Detection> {
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
        let alarm = if c.after_loss {
            Alarm::AfterLoss
        } else {
            Alarm::RawMean
        };
        self.confirm(alarm, c.m3, excess, delta)
    }

    /// On a previous ejection's tail a new one must be a sustained rise, not a step. The
    /// zero level is the baseline here (the next ejection's base), so the reference shift
    /// is the detectable flow: asking the tail's level share instead, as on a decaying
    /// tail, was measured to find ejections begun on it later (detection log, "The tail
    /// an end leaves").
    fn idle_on_tail(&mut self, c: &CycleStats) -> Option<Detection> {
        let delta = self.rearm_delta();
        let excess = c.m3 - self.baseline;
        let alarm = self.test(excess, delta, c.sigma, self.arl_blocks);
        if !(alarm && self.sustained_rise_or_absorb(c.m3, excess)) {
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
            self.wander.restart();
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
        if !self.awaits_return(c.m3) {
            // A level expected back (a dropout, a weakened vacuum) is no wander of milk.
            let tail_height = self.tail_height();
            self.wander.note(c.m3, self.zero_level, tail_height, c.dt_s);
        }
        self.learn_transfer(c.m3, c.p3);
        self.follow_baseline(c.m3, c.p3, c.dt_s);
        let delta = self.rearm_delta();
        let excess = c.m3 - self.baseline;
        let alarm = self.test(excess, delta, c.sigma, self.arl_blocks);
        if alarm && self.sustained_rise_or_absorb(c.m3, excess) {
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
            self.waited.lag = LagWait::NextCycle;
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
        self.note_run(s > 0.0, excess);
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
        self.run = RunSums::default();
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

    /// The latest value and the one before it, NaN where there is none yet.
    fn recent(&self) -> [f32; 2] {
        let at = |back: u8| {
            (self.filled > back).then(|| self.values[usize::from((self.next + 2 - back) % 3)])
        };
        [at(0).unwrap_or(f32::NAN), at(1).unwrap_or(f32::NAN)]
    }

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
mod tests;
