//! Milk-ejection detector: turns per-cycle flow features into onset and end detections.
//!
//! Per pump cycle the detector takes the cycle's mean flow, median-filters it over three
//! cycles (a motion spike or bubble that survives artefact rejection spoils one cycle, not
//! the decision), and compares it with a baseline that follows the zero-flow level (and,
//! after an ejection, its decaying tail): quickly downward, slowly and boundedly upward, so
//! a rising ejection cannot hide in it. The excess over the baseline, standardized by the
//! measured cycle-to-cycle noise, feeds a one-sided CUSUM ([`crate::cusum`]) whose
//! threshold comes from the configured false-alarm rate. The reference shift is the
//! smallest flow the detector is built to see (`min_flow_ml_min`, the 1 mL/min physical
//! visibility limit of DESIGN §3), so quiet sensors detect at about that flow and noisy ones
//! wait for more evidence.
//!
//! After an onset the detector follows the ejection's rise to its peak, then re-arms on its
//! decaying tail for the next ejection (with a larger reference shift, and only for a
//! rise sustained over several cycles, so a bottle tilt's gain step is not an ejection),
//! and reports the end when flow has fallen to a fifth of the ejection's amplitude.
//! Alarms are suppressed for a few seconds after the pump changes rhythm or vacuum, or
//! resumes after a stop: removal rate changes make flow surge without any ejection.

use crate::cusum::{self, Cusum};
use crate::cycle_tracker::Cycle;
use crate::features::BlockFeatures;

/// No onset during the first seconds of pumping: milk already in the ducts comes out in a
/// burst at the start, which is not an ejection (first ejections come after ≥ 40 s
/// typically, DESIGN §1).
pub const WARMUP_S: f32 = 12.0;
/// Alarm suppression after the pump changes rhythm, vacuum or resumes, s.
pub const SUPPRESS_S: f32 = 6.0;
/// Cycles held back after a change of pump settings at zero flow (no ejection under way
/// and no tail of one).
pub const IDLE_SUPPRESS_CYCLES: u32 = 2;
/// Post-change window at zero flow, s: a surge of stored milk peaks within about one
/// removal time constant (≈ 2 s in expression) and is falling by then.
pub const ZERO_FLOW_WINDOW_S: f32 = 3.0;
/// At the end of a post-change window at zero flow, an alarm needs the excess to be at
/// least this share of the window's highest excess (still rising, not a fading surge).
pub const WINDOW_PEAK_SHARE: f32 = 0.9;
/// Relative change of cycle rate that counts as a rhythm change.
pub const RATE_CHANGE: f32 = 0.15;
/// Relative change of vacuum depth that counts as a vacuum change.
pub const DEPTH_CHANGE: f32 = 0.2;
/// Upward time constant of the baseline, s.
pub const BASELINE_UP_TAU_S: f32 = 20.0;
/// Downward time constant of the baseline, s.
pub const BASELINE_DOWN_TAU_S: f32 = 5.0;
/// Nominal analysis block (one stimulation cycle at 110 cpm), s: converts the false-alarm
/// rate per hour into an in-control run length in blocks.
pub const NOMINAL_BLOCK_S: f32 = 60.0 / 110.0;
/// The end of an ejection: flow back below this fraction of its amplitude…
pub const END_FRACTION: f32 = 0.2;
/// …for this many consecutive cycles.
pub const END_CYCLES: u8 = 3;
/// Re-armed (later) onsets need a shift of at least this fraction of the last amplitude.
pub const REARM_FRACTION: f32 = 0.1;
/// Floor of the noise estimate, mL/min: quantised sensors can repeat one value.
pub const SIGMA_FLOOR_ML_MIN: f32 = 0.05;
/// Gain of the noise estimate's exponential average, per cycle (≈ 20 cycles memory).
pub const SIGMA_GAIN: f32 = 0.05;
/// Gain of the zero-flow floor's exponential average, per cycle.
pub const FLOOR_GAIN: f32 = 0.1;
/// A cycle with more than this fraction of its flow samples outside the artefact band
/// is not used at all: its mean would be biased by what was left out.
pub const MAX_REJECTED_FRACTION: f32 = 0.2;
/// Largest share of a three-cycle rise that one cycle-to-cycle change may carry for the
/// rise to count as sustained (a step carries all of it).
pub const MAX_STEP_SHARE: f32 = 0.7;
/// Gain of the excess-spread estimate's exponential average, per cycle (≈ 30 cycles).
pub const SPREAD_GAIN: f32 = 0.03;
/// Longest rise before the detector treats the ejection as at its plateau, s.
pub const MAX_RISE_S: f32 = 60.0;

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
    window: [f32; 3],
    filled: u8,
    next: u8,
    prev_mean: [f32; 2],
    m3_incs: [f32; 3],
    prev_m3: f32,
    baseline: f32,
    zero_level: f32,
    sigma: f32,
    spread: f32,
    cusum: Cusum,
    threshold: f32,
    peak: f32,
    rise_s: f32,
    fall_count: u8,
    below_count: u8,
    pumping_s: f32,
    suppress_s: f32,
    suppress_cycles: u32,
    window_peak: f32,
    resume_pending: bool,
    last_rate: f32,
    last_depth: f32,
    ref_peaks: [f32; 3],
    floor: f32,
    artefact_run: u8,
}

impl EjectionDetector {
    /// A detector built to see a rise of `min_flow_ml_min` with `false_alarms_per_hour`.
    pub fn new(min_flow_ml_min: f32, false_alarms_per_hour: f32) -> Self {
        Self {
            delta: min_flow_ml_min,
            arl_blocks: 3600.0 / false_alarms_per_hour / NOMINAL_BLOCK_S,
            phase: Phase::Idle,
            window: [0.0; 3],
            filled: 0,
            next: 0,
            prev_mean: [f32::NAN; 2],
            m3_incs: [0.0; 3],
            prev_m3: f32::NAN,
            baseline: 0.0,
            zero_level: 0.0,
            sigma: 0.5,
            spread: 0.5,
            cusum: Cusum::default(),
            threshold: 0.0,
            peak: 0.0,
            rise_s: 0.0,
            fall_count: 0,
            below_count: 0,
            pumping_s: 0.0,
            suppress_s: 0.0,
            suppress_cycles: 0,
            window_peak: f32::NEG_INFINITY,
            resume_pending: true,
            last_rate: 0.0,
            last_depth: 0.0,
            ref_peaks: [f32::NAN; 3],
            floor: f32::NAN,
            artefact_run: 0,
        }
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
        if !ref_peak.is_finite() || !self.floor.is_finite() || self.artefact_run >= 3 {
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

    /// Current cycle-to-cycle noise estimate, mL/min.
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

    /// Processes one analysis block of `dt_s` seconds.
    pub fn process(&mut self, cycle: &Cycle, f: &BlockFeatures, dt_s: f32) -> Option<Detection> {
        if !cycle.pumping {
            // Pump stopped (or a partial cycle after a gap): no removal, nothing to learn.
            // Milk waits in the ducts meanwhile and comes out in a burst on restart, so the
            // artefact band opens until the flow level is learnt again.
            self.resume_pending = true;
            self.ref_peaks = [f32::NAN; 3];
            return None;
        }
        let m = f.mean_flow_ml_min;
        if !m.is_finite() || f.rejected_fraction > MAX_REJECTED_FRACTION {
            self.artefact_run = self.artefact_run.saturating_add(1);
            return None;
        }
        self.artefact_run = 0;
        self.ref_peaks = [self.ref_peaks[1], self.ref_peaks[2], f.peak_flow_ml_min];
        // Flow stops between suction strokes, so each cycle's lowest reading tracks the
        // sensor's zero-flow level even during an ejection.
        self.floor = if self.floor.is_finite() {
            self.floor + FLOOR_GAIN * (f.min_flow_ml_min - self.floor)
        } else {
            f.min_flow_ml_min
        };

        // A change of rhythm or vacuum, or a restart, changes the removal rate: suppress.
        let rate_changed = (cycle.rate_cpm - self.last_rate).abs() > RATE_CHANGE * self.last_rate;
        let depth_changed =
            (cycle.depth_mmhg - self.last_depth).abs() > DEPTH_CHANGE * self.last_depth.abs();
        if self.resume_pending || rate_changed || depth_changed {
            self.suppress_s = SUPPRESS_S;
            self.suppress_cycles = 0;
            self.resume_pending = false;
        }
        self.suppress_cycles = self.suppress_cycles.saturating_add(1);
        self.last_rate = cycle.rate_cpm;
        self.last_depth = cycle.depth_mmhg;
        self.pumping_s += dt_s;

        let m3 = self.push(m);
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
        // The CUSUM sees the excess over the baseline. Cycle-to-cycle noise (above) misses
        // slow wander — offset drift, a slow sensor's held values — which the spread of
        // the excess itself shows; standardize by the larger of the two.
        if self.phase == Phase::Idle && self.suppress_s <= 0.0 && self.pumping_s >= WARMUP_S {
            // Mean absolute deviation → σ for Gaussian noise: E|X| = σ·√(2/π).
            let dev = (m3 - self.baseline).abs() * 1.2533;
            let cap = 4.0 * self.spread.max(SIGMA_FLOOR_ML_MIN);
            self.spread += SPREAD_GAIN * (dev.min(cap) - self.spread);
        }
        let sigma = self.sigma.max(self.spread).max(SIGMA_FLOOR_ML_MIN);

        // A surge after a change of pump settings is stored milk coming out faster; with
        // no ejection under way the ducts hold none, so at zero flow only the change's
        // own transient (two cycles) is held back, and the baseline keeps rising slowly
        // there, so an ejection starting at the switch is not absorbed.
        let at_zero_flow = self.phase == Phase::Idle && !self.on_tail();
        let idle_settled = at_zero_flow && self.suppress_cycles > IDLE_SUPPRESS_CYCLES;
        if self.pumping_s >= WARMUP_S && self.suppress_s > 0.0 && at_zero_flow {
            // The evidence keeps accumulating through the window, but an alarm may only
            // come at its end and only if the excess is still at its highest: a surge of
            // stored milk has peaked and fallen by then, an ejection is still rising.
            self.suppress_s -= dt_s;
            self.follow_baseline(m3, dt_s);
            self.zero_level = self.baseline;
            let excess = m3 - self.baseline;
            if !idle_settled {
                self.cusum.reset();
                self.window_peak = f32::NEG_INFINITY;
                return None;
            }
            self.window_peak = self.window_peak.max(excess);
            let alarm = self.test(excess, self.delta, sigma);
            if self.suppress_s > SUPPRESS_S - ZERO_FLOW_WINDOW_S {
                return None;
            }
            self.suppress_s = 0.0;
            if excess < WINDOW_PEAK_SHARE * self.window_peak {
                self.cusum.reset();
                return None;
            }
            return alarm.then(|| self.onset(m3, excess, self.delta));
        } else if self.pumping_s < WARMUP_S || self.suppress_s > 0.0 {
            self.suppress_s -= dt_s;
            self.baseline += 0.3 * (m3 - self.baseline);
            if self.phase == Phase::Idle {
                self.zero_level = self.baseline;
            }
            // A surge after a restart or a change of vacuum is stored milk coming out
            // faster, not the ejection's own level: it does not raise the peak; and a
            // drop after a change to a gentler setting is slower removal, not the end.
            self.cusum.reset();
            return None;
        }

        match self.phase {
            Phase::Idle => {
                self.follow_baseline(m3, dt_s);
                self.zero_level = self.baseline;
                let excess = m3 - self.baseline;
                if self.test(excess, self.delta, sigma) {
                    // From zero flow any rise is milk (a gain change of the sensor shows
                    // nothing at zero flow); on a previous ejection's tail it must be a
                    // sustained rise, not a step.
                    if !self.on_tail() || self.sustained_rise() {
                        return Some(self.onset(m3, excess, self.delta));
                    }
                    self.absorb(m3);
                }
                None
            }
            Phase::Rising => {
                self.peak = self.peak.max(m3);
                self.rise_s += dt_s;
                let amp = self.peak - self.zero_level;
                if m3 - self.zero_level < 0.9 * amp {
                    self.fall_count += 1;
                } else {
                    self.fall_count = 0;
                }
                if self.fall_count >= 2 || self.rise_s > MAX_RISE_S {
                    self.phase = Phase::Decaying;
                    self.baseline = m3;
                    self.cusum.reset();
                }
                self.check_end(m3)
            }
            Phase::Decaying => {
                self.follow_baseline(m3, dt_s);
                let amp = (self.peak - self.zero_level).max(0.0);
                let delta = self.delta.max(REARM_FRACTION * amp);
                let excess = m3 - self.baseline;
                if self.test(excess, delta, sigma) {
                    if self.sustained_rise() {
                        return Some(self.onset(m3, excess, delta));
                    }
                    self.absorb(m3);
                }
                self.check_end(m3)
            }
        }
    }

    /// Pushes a cycle mean into the three-cycle window and returns the window's median.
    fn push(&mut self, m: f32) -> f32 {
        self.window[self.next as usize % 3] = m;
        self.next = (self.next + 1) % 3;
        self.filled = (self.filled + 1).min(3);
        if self.filled < 3 {
            return m;
        }
        let [a, b, c] = self.window;
        a.max(b).min(a.min(b).max(c))
    }

    /// Whether the last three cycle-to-cycle changes form a rise spread over cycles (an
    /// ejection's flow rises over 10–30 s) rather than one step (a sensor gain shift when
    /// the bottle tilts, a surge): positive in sum, and no single change above
    /// [`MAX_STEP_SHARE`] of it.
    fn sustained_rise(&self) -> bool {
        let total: f32 = self.m3_incs.iter().sum();
        let largest = self
            .m3_incs
            .iter()
            .fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        total > 0.0 && largest <= MAX_STEP_SHARE * total
    }

    /// Whether the baseline sits on a previous ejection's tail rather than at zero flow.
    fn on_tail(&self) -> bool {
        self.baseline - self.floor > 2.0 * self.delta
    }

    /// Takes a level change that is not an ejection as the new baseline.
    fn absorb(&mut self, m3: f32) {
        self.baseline = m3;
        self.cusum.reset();
    }

    fn follow_baseline(&mut self, m3: f32, dt_s: f32) {
        let d = m3 - self.baseline;
        if d > 0.0 {
            let a = (dt_s / BASELINE_UP_TAU_S).min(1.0);
            self.baseline += a * d.min(self.delta);
        } else {
            let a = (dt_s / BASELINE_DOWN_TAU_S).min(1.0);
            self.baseline += a * d;
        }
    }

    /// Runs the CUSUM on `excess` for a shift of `delta`; true on alarm.
    fn test(&mut self, excess: f32, delta: f32, sigma: f32) -> bool {
        let k = 0.5 * delta / sigma;
        self.threshold = cusum::threshold_for_arl(k, self.arl_blocks);
        let s = self.cusum.process(excess / sigma, k);
        s > self.threshold && excess >= 0.5 * delta
    }

    fn onset(&mut self, m3: f32, excess: f32, delta: f32) -> Detection {
        self.phase = Phase::Rising;
        self.peak = m3;
        self.rise_s = 0.0;
        self.fall_count = 0;
        self.below_count = 0;
        self.cusum.reset();
        Detection::Onset {
            confidence: (excess / (excess + 0.5 * delta)).clamp(0.0, 1.0),
        }
    }

    fn check_end(&mut self, m3: f32) -> Option<Detection> {
        if self.phase == Phase::Idle {
            return None;
        }
        let amp = (self.peak - self.zero_level).max(0.0);
        let level = m3 - self.zero_level;
        // An ejection in its first seconds is still below the end level: it may end only
        // once it has risen to twice the detectable flow, or after a whole rise time
        // without doing so (a false onset then re-arms the detector).
        let risen = amp >= 2.0 * self.delta || self.rise_s > MAX_RISE_S / 2.0;
        if risen && level < (END_FRACTION * amp).max(self.delta) {
            self.below_count += 1;
        } else {
            self.below_count = 0;
        }
        if self.below_count < END_CYCLES {
            return None;
        }
        self.phase = Phase::Idle;
        self.baseline = m3;
        self.cusum.reset();
        Some(Detection::End {
            confidence: if amp > 0.0 {
                (1.0 - level / amp).clamp(0.0, 1.0)
            } else {
                0.5
            },
        })
    }
}
