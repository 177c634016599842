//! Pump-cycle tracker: finds cycle boundaries, rate, vacuum depth and phase from the
//! pressure channel alone (decimated, 100–200 Hz).
//!
//! Pressure is low-passed (noise) and high-passed (DC and drift), then a boundary is the
//! moment the AC pressure falls through `−threshold` after having risen above
//! `+threshold`: the start of a suction stroke. The hysteresis threshold follows the
//! cycle amplitude, so deep expression cycles and shallow leaky ones are both tracked.
//! When no boundary comes for longer than the slowest pump cycle, the pump is stopped
//! (paused) and the tracker emits fixed one-second blocks flagged as not pumping, so the
//! rest of the chain still sees time pass.

use crate::filter::{self, Kind, Section};

/// Shortest accepted cycle, s (200 cpm: faster than any pump, DESIGN §1 gives ≤ 130).
pub const MIN_PERIOD_S: f32 = 0.3;
/// Longest accepted cycle, s (20 cpm: slower than any pump, DESIGN §1 gives ≥ 24).
pub const MAX_PERIOD_S: f32 = 3.0;
/// Block length while the pump is stopped, s.
pub const IDLE_BLOCK_S: f32 = 1.0;
/// Smallest hysteresis threshold, mmHg: above the few-mmHg noise of a pressure sensor
/// after the 8 Hz low-pass.
pub const MIN_THRESHOLD_MMHG: f32 = 3.0;
/// Hysteresis threshold as a fraction of the cycle's peak-to-peak amplitude.
pub const THRESHOLD_FRACTION: f32 = 0.15;
/// A cycle shallower than this peak-to-peak amplitude, mmHg, does not count as pumping.
pub const MIN_AMPLITUDE_MMHG: f32 = 10.0;
/// After the amplitude was lowered to a block's swing without a boundary, consecutive
/// cycles must keep their length within this share of each other to count as pumping: a
/// pump holds its rhythm (a noisy pressure sensor jitters a boundary by a few % of a
/// cycle), while a stopped pump's noise, crossing the lowered threshold, does not.
pub const STEADY_SHARE: f32 = 0.1;
/// …for this many cycles in a row, after which the rhythm is taken as the pump's again.
pub const STEADY_CYCLES: u8 = 3;
/// The fastest pump rhythm, cpm (DESIGN §2: 24 … 130). A steady rhythm is relearnt only
/// from cycles no faster, within [`STEADY_SHARE`] (a 130 cpm cycle is 46.2 samples at
/// 100 Hz, counted 46): noise that crosses the lowered threshold at every chance closes
/// its cycles as soon as [`MIN_PERIOD_S`] allows, which is steady too.
pub const FASTEST_PUMP_CPM: f32 = 130.0;

/// One analysis block: a pump cycle, or a stretch of time with the pump stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    /// Length in decimated samples.
    pub len: u32,
    /// Cycle rate, cpm (0 when not pumping).
    pub rate_cpm: f32,
    /// Deepest low-passed pressure in the block, mmHg (negative = vacuum).
    pub depth_mmhg: f32,
    /// Highest low-passed pressure in the block, mmHg.
    pub release_mmhg: f32,
    /// True for a complete pump cycle (boundary to boundary) of plausible length and
    /// amplitude; false for a stopped pump, a partial cycle after a gap, or a cycle too
    /// shallow to be pumping.
    pub pumping: bool,
}

/// The tracker's state.
#[derive(Clone, Copy, Debug)]
pub struct CycleTracker {
    fs: f32,
    lowpass: Section,
    highpass: Section,
    min_len: u32,
    max_len: u32,
    idle_len: u32,
    primed: bool,
    armed: bool,
    /// A boundary has been seen since the last gap, so the block in progress is a whole cycle.
    complete: bool,
    idle: bool,
    len: u32,
    min_p: f32,
    max_p: f32,
    amplitude: f32,
    /// Cycles since the amplitude was lowered without a boundary must show a pump's
    /// steady rhythm before they count ([`STEADY_SHARE`]): the last one's length
    /// (0: none yet) and how many in a row have kept it (`u8::MAX`: not relearning).
    relearn_len: u32,
    steady_run: u8,
    last_pressure: f32,
}

impl CycleTracker {
    /// A tracker for decimated pressure at `fs` Hz (100–200 Hz in the engine).
    pub fn new(fs: f32) -> Self {
        // The cutoffs are far inside Nyquist for any fs ≥ 100 Hz, so design cannot fail;
        // an all-pass fallback keeps this constructor panic-free anyway.
        let pass = biquad::Coefficients {
            a1: 0.0,
            a2: 0.0,
            b0: 1.0,
            b1: 0.0,
            b2: 0.0,
        };
        let lp = filter::design(Kind::LowPass, fs, filter::PRESSURE_LOWPASS_HZ).unwrap_or(pass);
        let hp = filter::design(Kind::HighPass, fs, filter::PRESSURE_HIGHPASS_HZ).unwrap_or(pass);
        Self {
            fs,
            lowpass: Section::new(lp),
            highpass: Section::new(hp),
            min_len: (MIN_PERIOD_S * fs) as u32,
            max_len: (MAX_PERIOD_S * fs) as u32,
            idle_len: (IDLE_BLOCK_S * fs) as u32,
            primed: false,
            armed: false,
            complete: false,
            idle: false,
            len: 0,
            min_p: f32::INFINITY,
            max_p: f32::NEG_INFINITY,
            amplitude: 0.0,
            relearn_len: 0,
            steady_run: u8::MAX,
            last_pressure: 0.0,
        }
    }

    /// The decimated rate, Hz.
    #[cfg(any(test, feature = "internals"))]
    pub fn sample_rate_hz(&self) -> f32 {
        self.fs
    }

    /// The latest low-passed pressure, mmHg.
    #[cfg(any(test, feature = "internals"))]
    pub fn pressure_mmhg(&self) -> f32 {
        self.last_pressure
    }

    /// Processes one decimated pressure sample (finite); returns a block when one closes.
    #[inline]
    pub fn process(&mut self, pressure_mmhg: f32) -> Option<Cycle> {
        if !self.primed {
            // Start the filters in steady state at the first reading: no start-up transient.
            self.lowpass.settle(pressure_mmhg);
            self.highpass.settle(pressure_mmhg);
            self.primed = true;
        }
        let lp = self.lowpass.process(pressure_mmhg);
        let ac = self.highpass.process(lp);
        self.last_pressure = lp;
        self.len += 1;
        self.min_p = self.min_p.min(lp);
        self.max_p = self.max_p.max(lp);

        let threshold = (THRESHOLD_FRACTION * self.amplitude).max(MIN_THRESHOLD_MMHG);
        if ac > threshold {
            self.armed = true;
        } else if self.armed && ac < -threshold && self.len >= self.min_len {
            self.armed = false;
            return Some(self.close_at_boundary());
        }
        if self.len >= self.max_len || (self.idle && self.len >= self.idle_len) {
            // No suction stroke for longer than any pump cycle: the pump is stopped, or
            // its swing no longer reaches the threshold set from deeper cycles.
            // The first such block still holds the last cycle's tail; a later one shows
            // only what the pressure does now.
            let stalled = self.idle;
            self.idle = true;
            self.complete = false;
            if stalled {
                self.lower_amplitude();
            }
            return Some(self.close(false));
        }
        None
    }

    /// A stretch of samples went missing, or the pressure was unusable: the block in
    /// progress is no longer a whole cycle.
    pub fn gap(&mut self) {
        self.complete = false;
        self.armed = false;
    }

    /// A block without a boundary whose pressure still swings as a pump's does
    /// ([`MIN_AMPLITUDE_MMHG`] or more), less than the amplitude: the threshold set from
    /// deeper cycles may be out of its reach (a return to stimulation at a gentle vacuum:
    /// −180 → −50 mmHg swings less than 15 % of the old amplitude either side of its mean;
    /// DESIGN §1: stimulation at −50 … −150 mmHg, expression deeper), so the amplitude
    /// follows the block's swing down and the rhythm is tracked again from the next block
    /// on. A stopped pump's noise on a sensor much noisier than [`MIN_THRESHOLD_MMHG`]
    /// assumes swings that much too, and then crosses the lowered threshold: so the cycles
    /// that follow count as pumping only once they keep a pump's steady rhythm
    /// ([`STEADY_SHARE`], [`STEADY_CYCLES`]).
    fn lower_amplitude(&mut self) {
        let swing = self.max_p - self.min_p;
        if swing >= MIN_AMPLITUDE_MMHG && swing < self.amplitude {
            self.amplitude = swing;
            self.relearn_len = 0;
            self.steady_run = 0;
        }
    }

    /// Whether a cycle of `len` samples may count as pumping while the rhythm is relearnt
    /// after a lowered amplitude: [`STEADY_CYCLES`] cycles in a row each within
    /// [`STEADY_SHARE`] of the one before. Always, when not relearning.
    fn steady(&mut self, len: u32) -> bool {
        if self.steady_run == u8::MAX {
            return true;
        }
        let (this, last) = (len as f32, self.relearn_len as f32);
        let kept = self.relearn_len > 0
            && this >= (1.0 - STEADY_SHARE) * self.fs * 60.0 / FASTEST_PUMP_CPM
            && (this - last).abs() <= STEADY_SHARE * last;
        self.steady_run = if kept { self.steady_run + 1 } else { 0 };
        self.relearn_len = len;
        if self.steady_run >= STEADY_CYCLES {
            self.steady_run = u8::MAX;
        }
        self.steady_run == u8::MAX
    }

    fn close_at_boundary(&mut self) -> Cycle {
        let amplitude = self.max_p - self.min_p;
        let pumping =
            self.complete && !self.idle && amplitude >= MIN_AMPLITUDE_MMHG && self.steady(self.len);
        if self.complete && amplitude.is_finite() {
            self.amplitude = if self.amplitude == 0.0 {
                amplitude
            } else {
                0.7 * self.amplitude + 0.3 * amplitude
            };
        }
        let cycle = self.close(pumping);
        self.complete = true;
        self.idle = false;
        cycle
    }

    fn close(&mut self, pumping: bool) -> Cycle {
        let cycle = Cycle {
            len: self.len,
            rate_cpm: if pumping {
                60.0 * self.fs / self.len as f32
            } else {
                0.0
            },
            depth_mmhg: self.min_p,
            release_mmhg: self.max_p,
            pumping,
        };
        self.len = 0;
        self.min_p = f32::INFINITY;
        self.max_p = f32::NEG_INFINITY;
        cycle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pump-like waveform: suction over 40 % of the cycle, a hold, fast release, rest.
    fn pump_wave(phase: f32, depth: f32) -> f32 {
        if phase < 0.4 {
            depth * (1.0 - libm::expf(-phase / 0.08))
        } else if phase < 0.55 {
            depth
        } else if phase < 0.65 {
            depth * (0.65 - phase) / 0.1
        } else {
            0.0
        }
    }

    /// Feeds a tracker at `fs` Hz for `seconds` with a pump running at `pump(time)` (rate
    /// in cpm and depth in mmHg; `None`: stopped, the pressure at 0) and uniform noise of
    /// ±`jitter` mmHg on every reading; `on_block` sees each block with its time, s.
    fn feed(
        fs: f32,
        seconds: f32,
        pump: impl Fn(f32) -> Option<(f32, f32)>,
        jitter: f32,
        mut on_block: impl FnMut(f32, Cycle),
    ) {
        let mut t = CycleTracker::new(fs);
        let (mut phase, mut noise) = (0.0, 0x1234_5678u32);
        for i in 0..(seconds * fs) as usize {
            let time = i as f32 / fs;
            let pressure = pump(time).map_or(0.0, |(rate, depth)| {
                phase = (phase + rate / 60.0 / fs) % 1.0;
                pump_wave(phase, depth)
            });
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let jitter = (noise as f32 / u32::MAX as f32 - 0.5) * 2.0 * jitter;
            if let Some(c) = t.process(pressure + jitter) {
                on_block(time, c);
            }
        }
    }

    fn run(rate_cpm: f32, depth: f32, fs: f32, seconds: f32) -> ([f32; 64], usize) {
        let mut rates = [0.0; 64];
        let mut n = 0;
        feed(
            fs,
            seconds,
            |_| Some((rate_cpm, depth)),
            2.0,
            |_, c| {
                if c.pumping && n < rates.len() {
                    rates[n] = c.rate_cpm;
                    n += 1;
                }
            },
        );
        (rates, n)
    }

    #[test]
    fn measures_stimulation_and_expression_rates() {
        for (rate, depth) in [
            (110.0, -100.0),
            (60.0, -190.0),
            (24.0, -150.0),
            (130.0, -50.0),
        ] {
            let (rates, n) = run(rate, depth, 100.0, 20.0);
            let expected = (20.0 * rate / 60.0) as usize;
            assert!(
                n + 3 >= expected,
                "{rate} cpm: {n} cycles, expected ~{expected}"
            );
            for r in &rates[2..n] {
                assert!((r - rate).abs() / rate < 0.05, "{rate} cpm measured {r}");
            }
        }
    }

    /// Cycles counted as pumping between `from_s` and `to_s` of a 100 Hz stream ([`feed`]).
    fn pumping_blocks(
        pump: impl Fn(f32) -> Option<(f32, f32)>,
        jitter: f32,
        (from_s, to_s): (f32, f32),
    ) -> usize {
        let mut n = 0;
        feed(100.0, to_s, pump, jitter, |time, c| {
            n += usize::from(c.pumping && time >= from_s);
        });
        n
    }

    #[test]
    fn a_shallower_rhythm_after_deep_cycles_is_tracked_again() {
        // 110 cpm over the last 20 s: 36 cycles (the first 3 relearn the rhythm).
        for shallow in [-50.0, -30.0, -100.0] {
            let pump = |t: f32| {
                Some(if t < 60.0 {
                    (60.0, -180.0)
                } else {
                    (110.0, shallow)
                })
            };
            let n = pumping_blocks(pump, 2.0, (70.0, 90.0));
            assert!(n >= 34, "{shallow} mmHg after −180: {n} cycles in 20 s");
        }
        // The fastest rhythm a pump runs (DESIGN §2: 130 cpm, 46.2 samples a cycle).
        let pump = |t: f32| {
            Some(if t < 60.0 {
                (60.0, -180.0)
            } else {
                (130.0, -50.0)
            })
        };
        let n = pumping_blocks(pump, 2.0, (70.0, 90.0));
        assert!(
            n >= 41,
            "130 cpm at −50 mmHg after −180: {n} of 43 cycles in 20 s"
        );
    }

    #[test]
    fn a_pump_restarting_after_a_stop_is_tracked_from_its_first_cycles() {
        // Stopped mid-stroke for 20 s, then the same rhythm: the first block without a
        // boundary holds the stroke's tail and lowers nothing, so nothing is relearnt
        // (60 cpm: 10 cycles in the 10 s from the restart; 6 when that block lowered it).
        let pump = |t: f32| (!(40.3..60.0).contains(&t)).then_some((60.0, -180.0));
        let n = pumping_blocks(pump, 2.0, (60.0, 70.0));
        assert!(n >= 9, "{n} cycles counted in the 10 s after the restart");
    }

    #[test]
    fn a_noisy_sensors_stop_is_no_rhythm() {
        // A minute at −180 mmHg, then 30 s stopped: the noise of a sensor far noisier than
        // the threshold's floor assumes (±28 and ±56 mmHg, σ 16 and 32) swings more than a
        // pump's least and lowers the amplitude, and crosses the lowered threshold as soon
        // as a cycle may close: faster than any pump (without the rhythm's test, 67 of
        // the stop's blocks at ±28 mmHg were taken for pumping).
        for jitter in [2.0, 28.0, 56.0] {
            let pump = |t: f32| (t < 60.0).then_some((60.0, -180.0));
            let n = pumping_blocks(pump, jitter, (62.0, 90.0));
            assert_eq!(
                n, 0,
                "±{jitter} mmHg: {n} blocks taken for pumping in the stop"
            );
        }
    }

    #[test]
    fn stopped_pump_gives_idle_blocks() {
        let mut t = CycleTracker::new(100.0);
        let mut idle = 0;
        for _ in 0..1000 {
            if let Some(c) = t.process(-2.0) {
                assert!(!c.pumping);
                idle += 1;
            }
        }
        assert!(idle >= 7, "{idle} idle blocks in 10 s");
    }
}
