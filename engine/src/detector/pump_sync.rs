//! Pump-synchronous evidence: whether a rise of the flow moves with the pump, as milk does.
//!
//! Milk moves with each suction stroke, so its flow at the sensor pulses at the pump rate;
//! offset drift, slow wobble of the level and a sensor's held values raise the mean without
//! any component there. Here the cycles' pulsation (the per-cycle lock-in of
//! [`crate::features`]) is measured against its level at zero flow, and the sensor's
//! transfer (how much of milk's mean flow it shows at the pump rate, duty cycle and
//! smoothing in it) is learnt during strong flow, for the rhythm it was learnt at. From
//! them come the two answers the detector takes from the pulsation: whether it backs a
//! candidate onset's mean excess ([`PULSATION_SHARE`], [`LOCK_NOISE_FACTOR`],
//! [`UNLOCKED_FLOW_FACTOR`]; in the latest two cycles and over the run of cycles the
//! evidence was built on, [`RUN_MEMORY`]; where only the latest cycle's own pulsation does
//! yet, the alarm waits a cycle rather than be taken for an offset), and whether its own
//! CUSUM at zero flow has found a rise ([`DetectorTest::PulseCusum`]), sooner than the
//! mean's where the level wanders. Where the learnt transfer says the sensor smooths milk's pulsation
//! away, a cycle pulsing clear of its noise is the edge of an artefact the sensor spreads
//! over the next cycles, and an onset it backs waits a cycle for its level to hold (one
//! completed inside a cycle, for that cycle's end first: [`DetectorTest::LagHold`]); on
//! any sensor and at any time, so does an onset whose
//! cycle stood nearly still after a jump ([`STALL_SHARE`]), the shape such a burst shows
//! before strong flow has shown how the sensor smooths. Before that, the noise at zero
//! flow already tells: a sensor that smooths its reading passes less of its noise at the
//! pump rate than between cycles, where white noise passes more ([`SMOOTHED_NOISE_SHARE`]),
//! and on such a sensor a rise that climbs as milk does stands without the pulsation at a
//! lower excess ([`DetectorTest::NoiseShape`]); so it does, after strong flow, on a sensor
//! whose learnt transfer shows the smoothing.

use super::end::decayed;
use super::partial::FALL_NOISE_FACTOR;
use super::{
    winsorised_step, Alarm, CycleStats, Detection, EjectionDetector, LagWait, RATE_CHANGE,
    SIGMA_FLOOR_ML_MIN,
};
use crate::cusum;
use crate::detector_tests::DetectorTest;

/// Weight a cycle of the run keeps per cycle that follows it, where the pulsation is asked
/// to back the mean over the cycles its evidence was built on
/// ([`EjectionDetector::run_backed`]): its sums remember about five cycles (2.7 s at
/// 110 cpm, 6 s at 50), more than the latest two the pulsation is otherwise judged on,
/// less than an ejection's climb of 10–30 s (DESIGN §1), so that a creep of the level
/// that began the evidence before milk came weighs little once milk pulses. Summed over
/// the whole run without forgetting, that creep held back a weak ejection through the
/// lagging sensors (`ext-hard-05` at 698.7 s, found 10–15 s later in five of the outside
/// set's lag copies; detection log).
pub const RUN_MEMORY: f32 = 0.8;
/// Share of the pulsation milk would show that the pump-synchronous flow must show for an
/// onset: `PULSATION_SHARE × transfer × excess`, where the transfer is the sensor's
/// pump-synchronous amplitude of milk flow per mL/min of its mean, learnt during strong
/// flow ([`PULSATION_TRANSFER_PRIOR`] before any).
///
/// Milk moves with each suction stroke, so its flow at the sensor pulses at the pump rate:
/// a pulse train flowing for a share `d` of each cycle has a fundamental of
/// `2·sin(πd)/(πd)` times its mean (1.27 at d = ½, 0.74 at d = 0.7), less what tubing
/// compliance and the sensor smooth away (learnt: 0.5–0.7 on sensors that do not smooth,
/// a few hundredths on one that does). Offset drift, slow wobble of the level and a
/// sensor's held values raise the mean without any component at the pump rate. With the
/// transfer learnt, duty cycle and smoothing are in it, and the test asks for half of what
/// milk shows: midway between an offset's none and milk's all, where a noisy reading is as
/// likely to be either.
pub const PULSATION_SHARE: f32 = 0.5;
/// Mean excess, in multiples of the detectable flow, above which an onset stands without
/// pump-synchronous evidence: a flow sensor too slow or smoothed to show the pulsation
/// still detects, later (no drift or wobble builds such an excess within the baseline's
/// reach).
pub const UNLOCKED_FLOW_FACTOR: f32 = 4.0;
/// A pump-synchronous excess this many times the pulsation's mean absolute deviation at
/// zero flow backs an onset even when it is below the share milk would show: on a sensor
/// that smooths the pulsation away, the noise is smoothed too, and what is left of the
/// milk's pulsation still stands out of it (≈ 2.4 standard deviations of the two-cycle
/// mean), while a drifting offset has none.
pub const LOCK_NOISE_FACTOR: f32 = 3.0;
/// Smallest learnt pulsation transfer: below it the share test would ask for next to
/// nothing, and the noise test ([`LOCK_NOISE_FACTOR`]) and the large-excess fallback
/// ([`UNLOCKED_FLOW_FACTOR`]) carry the decision.
pub const MIN_TRANSFER: f32 = 0.1;
/// Learnt pulsation transfer below which the sensor smooths milk's pulsation away: 0.5–0.7
/// on sensors that do not smooth, a few hundredths on one that does ([`PULSATION_SHARE`]).
/// A first-order lag of τ s passes 1/√(1 + (2πfτ)²) of a pulsation of f Hz, so on a
/// sensor that would learn 0.6 without it, below 0.2 lies a lag of 0.45 s or more at
/// 60 cpm; 0.2 is near the geometric middle of the floor [`MIN_TRANSFER`] and 0.5.
pub const SMOOTHING_TRANSFER: f32 = 0.2;
/// Share of the last cycle's jump below which the next cycle's rise counts as standing
/// still after it (lag-hold): an ejection's flow climbs for 10–30 s (DESIGN §1) and its
/// climb does not slow fourfold within one pump cycle of its start, while a motion burst
/// through a lagging sensor jumps, then stands near its peak before it decays. Noise
/// alone puts milk's next rise there at times (climbing 3σ a cycle, about one time in
/// twelve): that costs one cycle's wait, not the onset.
pub const STALL_SHARE: f32 = 0.25;
/// Prior of the sensor's pulsation transfer (fundamental / mean of milk flow), before any
/// strong flow has been seen. Until then the sensor is unknown: from a few hundredths (one
/// that smooths its reading over a second) to 1.27 (none, duty ½). The prior sits near
/// the geometric middle of that range (0.25), so that the first letdown is asked for 0.15
/// of its mean excess: a sensor that smooths the pulsation away is not taken for an offset
/// at once, and the noise test and the large-excess fallback still decide there.
pub const PULSATION_TRANSFER_PRIOR: f32 = 0.3;
/// Gain of the pulsation transfer's exponential average, per cycle of strong flow.
pub const TRANSFER_GAIN: f32 = 0.05;
/// Strong-flow cycles after which the learnt transfer counts as measured, where the
/// session's end reads it ([`crate::session::WeakFlow`]): two time constants of
/// [`TRANSFER_GAIN`]'s average, when the prior keeps 0.95⁴⁰ ≈ 0.13 of its weight (about
/// 40 s of strong flow in expression).
pub const MEASURED_TRANSFER_CYCLES: u16 = 40;
/// Share of white noise's pulsation below which the sensor's zero-flow noise says it
/// smooths its reading ([`EjectionDetector::noise_smoothed`]). White noise of σ per cycle
/// mean has a mean step of 1.128σ between consecutive cycle means (√2·σ·√(2/π)) and a mean
/// pulsation of 1.772σ (a Rayleigh amplitude, each quadrature √2·σ): π/2 times the step.
/// A sensor that smooths over τ s passes 1/(1 + (2πfτ)²) of the noise's power at the pump
/// rate f and most of it below, where the cycle means step: half the amplitude (a quarter
/// of the power) is a first-order lag of τ ≥ 0.15 s at 110 cpm. Read on the outside
/// recordings' cycles before their first letdowns (per-cycle `trace_file` figures, medians
/// over each session, against white's 1.67 on that scale): as recorded and through every
/// copy that keeps the recorded noise's spectrum the sessions' median is 1.0–1.3 of white,
/// none below half; through the 0.5 and 2 s lag copies 0.51 and 0.29, and 16 and 25 of
/// their 36 sessions below half. The ranges overlap: a lagging sensor whose session
/// holds a slow rise of its zero, or little wander, is not told, and waits as before.
/// First differences, not second ones as the cycle means' noise uses: a smoothing sensor's
/// slow wander is what tells it, and second differences cancel much of it (the median
/// over the 2 s lag copy's sessions 0.93 against the recordings' 2.0 with them and the
/// pulsation's three-cycle medians, as the detector's other estimates take; 0.48 against
/// 1.88 as above).
pub const SMOOTHED_NOISE_SHARE: f32 = 0.5;
/// Zero-flow cycles (of the pulsation's noise estimates, which the shape's are taken
/// with) before the noise's shape is taken as known.
pub const NOISE_SHAPE_CYCLES: u16 = 12;
/// The large-excess fallback's factor ([`UNLOCKED_FLOW_FACTOR`]) on a sensor whose noise
/// shows it smooths, before strong flow has measured its transfer, or whose transfer
/// strong flow has measured below [`SMOOTHING_TRANSFER`]: there the missing pulsation is
/// the sensor's, not an offset's, and a rise of twice the detectable flow stands well
/// above its noise.
pub const SMOOTHED_UNLOCKED_FACTOR: f32 = 2.0;
/// The climb the smoothing sensor's lower fallback asks, in multiples of rise-rate's
/// ([`MIN_ONSET_SLOPE_ML_MIN_S`](super::MIN_ONSET_SLOPE_ML_MIN_S) over
/// [`RISE_TAU_S`](super::RISE_TAU_S)): 0.24 mL/min per second, twice the slowest onset
/// (DESIGN §1), as a second look at rise-rate's. It keeps out the slow creeps of a
/// smoothed zero (`ext-hard-03` at 160–168 s through the 0.5 s lag: about 0.15 mL/min per
/// second); faster creeps without pulsation exist (2–3 mL/min in 2–9 s on the gain-2 copy,
/// detection log), on clear sensors, which the noise's shape keeps out.
pub const SMOOTHED_CLIMB_FACTOR: f32 = 2.0;
/// Largest step between cycle means the noise's shape takes, in multiples of its mean
/// step so far: as the cycle means' own noise estimate clips (ten), so that one artefact
/// left in a cycle moves it little; a smoothing sensor's slow wander steps several times
/// its mean now and then (four clipped the 2 s lag copy's: its p95 3.08 / 2.81 → 3.55 /
/// 2.96 s).
pub const SHAPE_STEP_CAP: f32 = 10.0;
/// Mean pulsation per mean step of white noise's cycle means ([`SMOOTHED_NOISE_SHARE`]):
/// a Rayleigh amplitude's mean √π·σ over the mean step 2σ/√π, π/2.
const WHITE_PULSE_PER_STEP: f32 = core::f32::consts::FRAC_PI_2;

/// The run's sums (run-backing): over the cycles since the mean's statistic last stood at
/// zero, those without rejected samples, each weighted by [`RUN_MEMORY`] to the power of
/// its age.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RunSums {
    /// The cycles' mean excess over the baseline, summed, mL/min.
    excess: f32,
    /// Their own pulsation over its zero-flow level, summed, mL/min.
    lock: f32,
    /// The squared weights, summed: the weighted sum's variance in units of one cycle's.
    w2: f32,
    /// Cycles taken (saturating).
    cycles: u16,
}

impl RunSums {
    /// Takes one more cycle's mean `excess` and pulsation `lock` (mL/min), the older ones
    /// weighted down by [`RUN_MEMORY`].
    fn add(&mut self, excess: f32, lock: f32) {
        self.excess = RUN_MEMORY * self.excess + excess;
        self.lock = RUN_MEMORY * self.lock + lock;
        self.w2 = RUN_MEMORY * RUN_MEMORY * self.w2 + 1.0;
        self.cycles = self.cycles.saturating_add(1);
    }
}

impl EjectionDetector {
    /// Whether the pump-synchronous flow backs a mean excess of `excess` mL/min — by the
    /// share milk would show, or, on a sensor that smooths most of the pulsation away,
    /// clearly above the pulsation's own noise ([`LOCK_NOISE_FACTOR`]), in the latest two
    /// cycles and over the run ([`run_backed`](Self::run_backed)); or the
    /// flow has risen so far above the level followed without those absorbed offsets
    /// that it stands without it. The share is never less than the pulsation's own mean
    /// absolute deviation at zero flow: with a low learnt transfer it would otherwise ask
    /// for less than noise gives by itself.
    pub(super) fn pump_locked(&self, excess: f32) -> bool {
        let rise = excess.max(self.prev_m3 - self.slow_base);
        !self.tests.has(DetectorTest::PumpSync)
            || (self.lock_excess >= self.lock_bar(excess) && self.run_backed())
            || rise >= self.unlocked_factor() * self.delta
    }

    /// Whether the pulsation backs the mean over the cycles its evidence was built on, not
    /// only the latest two: summed over them ([`RUN_MEMORY`]), the share milk would show
    /// of the summed excess, never less than the sum's own deviation, never more than
    /// [`LOCK_NOISE_FACTOR`] of it, as the two cycles' test asks. A drift or a wobble that
    /// builds the mean's evidence over many cycles shows no pulsation in them, and two of
    /// its cycles pulse above their bar by chance (about one time in five at one
    /// deviation); milk pulses in each. Asked of runs of three cycles or more (shorter ones
    /// are the two cycles' test), and not on a sensor strong flow has shown to smooth
    /// (learnt transfer below [`SMOOTHING_TRANSFER`]): there milk's pulsation stands within
    /// its noise cycle after cycle, and the lucky cycles are what find later ejections in
    /// time (detection log).
    pub(super) fn run_backed(&self) -> bool {
        let run = &self.run;
        if run.cycles < 3 || self.learnt_smoothing() {
            return true;
        }
        let dev = self.puls_dev_raw.max(SIGMA_FLOOR_ML_MIN) * libm::sqrtf(run.w2);
        let share = PULSATION_SHARE * self.transfer_here() * run.excess;
        run.lock >= share.max(dev).min(LOCK_NOISE_FACTOR * dev)
    }

    /// Takes the tested cycle into the run's sums while the mean's evidence builds
    /// (`building`): its mean `excess` (mL/min) and its own pulsation over its level,
    /// unless it had samples rejected (it adds no evidence either, and its pulsation may
    /// be an artefact's); forgets the run once the evidence stands at zero.
    pub(super) fn note_run(&mut self, building: bool, excess: f32) {
        if !building {
            self.run = RunSums::default();
        } else if !self.spoiled {
            self.run.add(excess, self.lock_this);
        }
    }

    /// The sensor's pulsation transfer, where strong flow has learnt it at the rate the
    /// pump runs at now and shown it passes milk's
    /// pulsation: `None` before that, at another rate (a faster rhythm passes less of it
    /// through the tubing's compliance, [`transfer_here`](Self::transfer_here)), where it
    /// has shown the sensor smooths the pulsation away ([`SMOOTHING_TRANSFER`]), and with
    /// pump-sync off. The session's end tells a sensor's offset from a weak flow by it
    /// ([`crate::session::WeakFlow`]), where a transfer too high would take milk for an
    /// offset: so only one measured, never the prior.
    pub fn milk_transfer(&self) -> Option<f32> {
        let measured = self.transfer_rate.is_finite() && self.at_transfer_rate();
        let shown = self.tests.has(DetectorTest::PumpSync) && measured && !self.learnt_smoothing();
        shown.then_some(self.transfer)
    }

    /// Whether the latest cycle's flow taught the transfer: an ejection's, strong enough
    /// ([`strong_enough_to_learn`](Self::strong_enough_to_learn)).
    pub fn teaches_transfer(&self) -> bool {
        self.in_ejection() && self.strong_enough_to_learn(self.prev_m3)
    }

    /// Whether a three-cycle median flow `m3` (mL/min) is strong enough for the ratio of
    /// pulsation to flow to be well measured: [`UNLOCKED_FLOW_FACTOR`] times the detectable
    /// flow above zero.
    fn strong_enough_to_learn(&self, m3: f32) -> bool {
        m3 - self.zero_level >= UNLOCKED_FLOW_FACTOR * self.delta
    }

    /// Whether strong flow has shown that the sensor smooths milk's pulsation away: its
    /// learnt transfer, at the rate it is pumped at now, below [`SMOOTHING_TRANSFER`].
    pub(super) fn learnt_smoothing(&self) -> bool {
        self.transfer_rate.is_finite() && self.transfer_here() < SMOOTHING_TRANSFER
    }

    /// The large-excess fallback's factor: [`SMOOTHED_UNLOCKED_FACTOR`] where the noise
    /// says the sensor smooths and no strong flow has yet measured its transfer, or where
    /// strong flow has shown it smooths, else [`UNLOCKED_FLOW_FACTOR`].
    fn unlocked_factor(&self) -> f32 {
        let climbing = self.climb >= SMOOTHED_CLIMB_FACTOR * super::CLIMB_ASKED_ML_MIN;
        let unlearnt = !self.transfer_rate.is_finite();
        let shown = unlearnt && self.noise_smoothed() || self.learnt_smoothing();
        if climbing && self.tests.has(DetectorTest::NoiseShape) && shown {
            SMOOTHED_UNLOCKED_FACTOR
        } else {
            UNLOCKED_FLOW_FACTOR
        }
    }

    /// Takes one zero-flow cycle into the noise's shape: the step of its mean `m` from the
    /// last cycle mean and its raw `pulsation` (both mL/min), with the zero-flow noise
    /// estimates' `gain` (their first cycles alike, then an exponential average). A step
    /// is clipped at [`SHAPE_STEP_CAP`] times the average so far, so that one artefact left
    /// in a cycle moves it little.
    pub(super) fn note_noise_shape(&mut self, m: f32, pulsation: f32, gain: f32) {
        let step = (m - self.means.recent()[1]).abs();
        if !(step.is_finite() && pulsation.is_finite()) {
            return;
        }
        let step = if self.zero_step > 0.0 {
            step.min(SHAPE_STEP_CAP * self.zero_step.max(SIGMA_FLOOR_ML_MIN))
        } else {
            step
        };
        self.zero_step += gain * (step - self.zero_step);
        self.zero_pulse += gain * (pulsation - self.zero_pulse);
    }

    /// Whether the sensor's noise at zero flow says it smooths its reading: its pulsation
    /// at the pump rate below [`SMOOTHED_NOISE_SHARE`] of what white noise of the same
    /// cycle-to-cycle steps shows, after [`NOISE_SHAPE_CYCLES`] zero-flow cycles. A sensor
    /// that reads no noise at all (a cutoff's zeros) says nothing.
    pub(super) fn noise_smoothed(&self) -> bool {
        self.zero_cycles >= NOISE_SHAPE_CYCLES
            && self.zero_step > SIGMA_FLOOR_ML_MIN
            && self.zero_pulse < SMOOTHED_NOISE_SHARE * WHITE_PULSE_PER_STEP * self.zero_step
    }

    /// Whether an alarm that the pulsation does not back yet may keep its evidence for the
    /// next cycle (once per build) rather than be absorbed as an offset: this cycle's own
    /// pulsation, over the level the two-cycle mean is measured from, already stands at
    /// the bar for the `excess` (mL/min). The bar is met by a two-cycle mean, and a rising
    /// flow's pulsation rises with it, so at a climb's first alarm that mean still holds a
    /// lower cycle: on a sensor that smooths or holds its readings, one with less of the
    /// milk's pulsation, or none yet. An offset, a drift or a slow wobble shows no
    /// pulsation in any cycle and is absorbed at once, as before.
    pub(super) fn may_wait_for_the_pulsation(&self, excess: f32) -> bool {
        !self.waited.lock && self.lock_this >= self.lock_bar(excess)
    }

    /// The pump-synchronous excess (the two-cycle pulsation over its zero-flow level,
    /// mL/min) that backs a mean excess of `excess` mL/min: the share milk would show, but
    /// never less than the pulsation's own deviation at zero flow, and never more than
    /// [`LOCK_NOISE_FACTOR`] times it.
    fn lock_bar(&self, excess: f32) -> f32 {
        let share = PULSATION_SHARE * self.transfer_here() * excess;
        share.max(self.puls_dev).min(self.pulsation_noise_bar())
    }

    /// How far above its followed level a cycle's pulsation must stand to be clear of the
    /// pulsation's own noise at zero flow ([`LOCK_NOISE_FACTOR`] deviations), mL/min.
    pub(super) fn pulsation_noise_bar(&self) -> f32 {
        LOCK_NOISE_FACTOR * self.puls_dev.max(SIGMA_FLOOR_ML_MIN)
    }

    /// Pump-sync's figures after the latest cycle, for tracing why a rise was or was not
    /// taken for milk: the two-cycle pulsation excess, and the bar it must reach to back
    /// the three-cycle median's excess over the baseline, both mL/min (the decisions test
    /// the excess of their own phase), and the sensor's pulsation transfer at the current
    /// rate.
    #[cfg(feature = "internals")]
    pub fn pump_sync_trace(&self) -> (f32, f32, f32) {
        let bar = self.lock_bar(self.prev_m3 - self.baseline);
        (self.lock_excess, bar, self.transfer_here())
    }

    /// Takes this cycle's pulsation: the two-cycle mean excess over its zero-flow (or
    /// tail) level for the onset test, the three-cycle median for following that level.
    pub(super) fn push_pulsation(&mut self, p: f32) -> f32 {
        let p = if p.is_finite() { p } else { 0.0 };
        let p3 = self.pulsations.push(p);
        if !self.puls_base.is_finite() {
            self.puls_base = p3;
        }
        let prev = if self.puls_prev.is_finite() {
            self.puls_prev
        } else {
            p
        };
        self.lock_excess = 0.5 * (p + prev) - self.puls_base;
        self.lock_this = p - self.puls_base;
        // A sensor that drops out reads no pulsation at all, not even its noise's, and the
        // follower falls with it; measured from the slow floor as well, the flow's
        // return after the dropout is no rise.
        let level = if self.pulse_floor.is_finite() {
            self.puls_base.max(self.pulse_floor)
        } else {
            self.puls_base
        };
        self.pulse_excess = p3 - level;
        self.puls_prev = p;
        p3
    }

    /// Learns the sensor's pulsation transfer while the flow is strong enough for the
    /// ratio to be well measured, at the pump rate it is learnt at.
    pub(super) fn learn_transfer(&mut self, m3: f32, p3: f32) {
        let level = m3 - self.zero_level;
        if self.strong_enough_to_learn(m3) {
            if !self.at_transfer_rate() {
                self.transfer = self.transfer_here();
                self.transfer_rate = self.rate_track.last();
            }
            // Never below MIN_TRANSFER: a sensor that shows (almost) no pulsation must not
            // turn the check into one that any noise passes.
            let ratio = ((p3 - self.puls_zero) / level).clamp(MIN_TRANSFER, 2.0);
            self.transfer += TRANSFER_GAIN * (ratio - self.transfer);
            self.transfer_rate += TRANSFER_GAIN * (self.rate_track.last() - self.transfer_rate);
        }
    }

    /// The pulsation transfer at the current pump rate. The transfer depends on the
    /// rhythm: the share of each cycle milk flows in sets the pulse train's fundamental,
    /// and the tubing's compliance (a first-order lag, 50–200 ms in our simulator) passes
    /// less of a faster one (at 2 Hz 0.37–0.85 of it, at 0.8 Hz 0.71–0.97). Learnt in
    /// expression it overstates stimulation's (a return to stimulation after the switch);
    /// away from the rate it was learnt at (by more than [`RATE_CHANGE`]), no more than the
    /// prior is asked.
    fn transfer_here(&self) -> f32 {
        if self.at_transfer_rate() || !self.transfer_rate.is_finite() {
            self.transfer
        } else {
            self.transfer.min(PULSATION_TRANSFER_PRIOR)
        }
    }

    /// Whether an alarm at zero flow, about to become an onset, waits one cycle to see its
    /// level hold (lag-hold): on a sensor that strong flow has shown to smooth milk's
    /// pulsation away (its learnt transfer below [`SMOOTHING_TRANSFER`]), this cycle or the
    /// last pulsed clear of the pulsation's noise ([`LOCK_NOISE_FACTOR`]); on any sensor,
    /// this cycle stood nearly still after the last one jumped
    /// ([`stalled_after_a_jump`](Self::stalled_after_a_jump)), where the alarm is the
    /// zero-flow test's on the raw cycle mean or its pulsation ([`Alarm::RawMean`]; the
    /// window after a change of pump settings tests the three-cycle median against its own
    /// peak). Milk's own pulsation is smoothed away on the first; what such a sensor shows
    /// at the pump rate is a change of its level within the cycle: an ejection's climb, or
    /// the jump of a motion burst it spreads over the next cycles and which then decays
    /// with the sensor's time constant. Before strong flow has shown the sensor's smoothing (the
    /// case the second test is for, though it applies on any sensor), such a burst is a
    /// jump that fills a cycle, the next standing nearly as high. A cycle later they
    /// differ: an ejection's flow climbs for 10–30 s (DESIGN §1). The mean's alarm waits;
    /// an onset that two cycles pulsing in one phase complete (phase-alarm: a burst lands
    /// at any phase) or that carried what the ducts store (no burst carries that much)
    /// does not. So does an alarm on the first usable cycle after lost ones that jumped
    /// ([`jumped_after_loss`](Self::jumped_after_loss)). The within-cycle completion waits
    /// for the first reason alone
    /// ([`partial_waits_for_the_lag`](Self::partial_waits_for_the_lag)).
    pub(super) fn waits_for_the_lag(&self, alarm: Alarm) -> bool {
        self.tests.has(DetectorTest::LagHold)
            && self.at_zero_flow()
            && (alarm == Alarm::RawMean && self.stalled_after_a_jump()
                || alarm == Alarm::AfterLoss && self.jumped_after_loss()
                || self.smoothing_sensor_pulsed())
    }

    /// Whether a within-cycle completion at zero flow waits for its cycle to end and the
    /// next clean cycle to hold its level (lag-hold): on a sensor that strong flow has
    /// shown to smooth, after a cycle that pulsed clear of the pulsation's noise. A burst
    /// the sensor spreads rises inside the cycle as a climb does, and standing in the band
    /// it leaves no rejected sample to stop the completion; the cycle after it falls by
    /// the sensor's time constant, where milk still climbs. The cost: on such a sensor an
    /// ejection is found a cycle or two later (measured: the detection log, "A burst
    /// inside the band of a 1 s lag").
    pub(super) fn partial_waits_for_the_lag(&self) -> bool {
        self.tests.has(DetectorTest::LagHold)
            && self.at_zero_flow()
            && self.smoothing_sensor_pulsed()
    }

    /// Whether strong flow has shown that the sensor smooths milk's pulsation away (its
    /// learnt transfer below [`SMOOTHING_TRANSFER`]) and the latest usable cycle or the
    /// one before pulsed clear of the pulsation's noise: a change of level inside it.
    fn smoothing_sensor_pulsed(&self) -> bool {
        self.learnt_smoothing() && self.pulsed_lately()
    }

    /// Whether the cycle that alarms, the first usable one after lost cycles
    /// ([`Alarm::AfterLoss`]), jumped above the last usable one by more than
    /// [`FALL_NOISE_FACTOR`] deviations of a change between two cycle means. A motion
    /// burst that lost cycles often leaves its tail in the next one, which reads high and
    /// clean; the cycle after it falls back, where milk flows on (lag-hold's third reason;
    /// measured: the detection log, "A burst's tail after lost cycles").
    fn jumped_after_loss(&self) -> bool {
        let [this, last] = self.means.recent();
        self.is_jump(this - last)
    }

    /// Whether a rise of `rise` mL/min between two cycle means is a jump: more than
    /// [`FALL_NOISE_FACTOR`] deviations of a change between two cycle means (√2 times the
    /// noise).
    fn is_jump(&self, rise: f32) -> bool {
        rise > FALL_NOISE_FACTOR * core::f32::consts::SQRT_2 * self.sigma_ml_min()
    }

    /// Whether the cycle that alarms stood nearly still after a jump: the last usable
    /// cycle's mean rose more than [`FALL_NOISE_FACTOR`] deviations of a change between
    /// two cycle means (√2 times the noise) over the usable one before it (cycles with
    /// too many rejected samples between are skipped), and this one's rose less than
    /// [`STALL_SHARE`] of that. A motion burst that a lagging sensor spreads
    /// over the next cycles reads so before it decays, on a sensor whose smoothing no
    /// strong flow has shown yet; an ejection's flow climbs on.
    fn stalled_after_a_jump(&self) -> bool {
        let Some(before) = self.means.oldest() else {
            return false;
        };
        let [this, last] = self.means.recent();
        let jump = last - before;
        self.is_jump(jump) && this - last < STALL_SHARE * jump
    }

    /// Whether this cycle's or the last one's own pulsation stood [`LOCK_NOISE_FACTOR`]
    /// deviations of a single cycle's pulsation at zero flow above its level
    /// ([`single_cycle_noise_bar`](Self::single_cycle_noise_bar)).
    fn pulsed_lately(&self) -> bool {
        // `lock_excess` is the mean of the two cycles' excesses, `lock_this` this one's.
        let last = 2.0 * self.lock_excess - self.lock_this;
        self.lock_this.max(last) >= self.single_cycle_noise_bar()
    }

    /// How far above its followed level a single cycle's pulsation must stand to be clear
    /// of its own noise at zero flow ([`LOCK_NOISE_FACTOR`] deviations of a single cycle's
    /// pulsation, not of the three-cycle median's), mL/min: the bar lag-hold and
    /// phase-veto hold each cycle to.
    pub(super) fn single_cycle_noise_bar(&self) -> f32 {
        LOCK_NOISE_FACTOR * self.puls_dev_raw.max(SIGMA_FLOOR_ML_MIN)
    }

    /// The next clean cycle after an alarm that waited
    /// ([`waits_for_the_lag`](Self::waits_for_the_lag)): an onset if its mean `c.m` stands
    /// below the last usable cycle's (the alarm's) by no more than one noise deviation
    /// (`c.sigma_raw`, both mL/min) or than milk's fastest decay
    /// ([`MIN_DECAY_TAU_S`](super::MIN_DECAY_TAU_S)) takes off the last cycle's excess over
    /// the cycle's `c.dt_s`, whichever is more;
    /// otherwise an artefact's decay, and the evidence is built anew. Through a lag of τ s
    /// a burst's excess over the level before it falls to e^(−T/τ) over a cycle of T s
    /// (to 0.6 at T = 1 s and τ = 2 s), where an ejection's flow still climbs, or, where
    /// it came back already high behind a run of unusable cycles, decays no faster than
    /// milk does. The decay's allowance holds for both reasons to wait (a learnt smoothing
    /// sensor's pulsing cycle, a stall after a jump). A cycle with rejected samples may
    /// hold the rest of the burst: the wait goes on, and the next clean cycle is held to
    /// it.
    pub(super) fn after_the_lag(
        &mut self,
        c: &CycleStats,
        excess: f32,
        delta: f32,
    ) -> Option<Detection> {
        if self.spoiled {
            return None;
        }
        self.waited.lag = LagWait::No;
        // `push_cycle` has shifted this cycle's mean in: [1] is the last usable cycle's.
        let last = self.means.recent()[1];
        let excess_before = last - self.baseline;
        let milk_fall = excess_before - decayed(excess_before, c.dt_s);
        if c.m >= last - c.sigma_raw.max(milk_fall) {
            return self.onset(c.m3, excess, delta);
        }
        self.reset_evidence();
        None
    }

    /// Whether the pump runs within [`RATE_CHANGE`] of the rate the transfer was learnt at.
    fn at_transfer_rate(&self) -> bool {
        (self.rate_track.last() - self.transfer_rate).abs() <= RATE_CHANGE * self.transfer_rate
    }

    /// Runs the CUSUM on the pulsation's excess at zero flow, for the pulsation that milk
    /// at the reference shift `delta` (mL/min) shows on this sensor (its transfer); true
    /// on alarm where the cycle may alarm at all, as for the mean's test
    /// ([`may_alarm`](EjectionDetector::may_alarm): the mean `excess` at half of `delta` or
    /// more, no rejected samples).
    ///
    /// At zero flow the pulsation is the sensor's noise in one DFT bin, while the mean also
    /// carries every slow wander of the level (offset drift, a trickle's wobble): where the
    /// mean is noisy, milk's pulsation stands out of its own noise cycles sooner. Offsets and
    /// wander have no pump-synchronous part, so this evidence needs no new guard against them.
    pub(super) fn pulse_test(&mut self, excess: f32, delta: f32) -> bool {
        if !self.tests.has(DetectorTest::PulseCusum) || !self.pulse_sigma.is_finite() {
            return false;
        }
        let sigma = self.pulse_sigma.max(SIGMA_FLOOR_ML_MIN);
        let k = 0.5 * self.transfer_here() * delta / sigma;
        let h = cusum::threshold_for_arl(k, 2.0 * self.arl_blocks);
        let z = self.pulse_excess / sigma;
        winsorised_step(&mut self.pulse_cusum, z, k, h, self.spoiled) > h
            && self.may_alarm(excess, delta)
    }
}
