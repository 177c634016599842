//! The pump: its settings, its command interface (what a hint or a program asks), and the
//! vacuum waveform it produces cycle by cycle.
//!
//! One cycle (not a sine): a suction stroke approaching the target vacuum over 35–45 % of
//! the cycle, a short hold with a slight droop, a fast release to about 0 mmHg with a
//! small positive overshoot as the valve opens, and a rest near 0. Rate and amplitude
//! jitter by a few percent per cycle. New targets are reached over `ramp_cycles` cycles;
//! a pause vents at once.

use crate::random::{self, SimRng};
use letdown_engine::Mode;

/// Fastest and slowest rhythm the simulated controller accepts, cpm (DESIGN §2: 24 … 130).
pub const RATE_LIMITS_CPM: (f64, f64) = (24.0, 130.0);
/// Deepest vacuum the simulated controller accepts, mmHg (DESIGN §5: never beyond −300).
pub const VACUUM_LIMIT_MMHG: f64 = -300.0;
/// Shallowest vacuum the controller runs at, mmHg.
const VACUUM_MIN_MMHG: f64 = -30.0;
/// Time constant of the vent when the pump stops, s (assumption: a vented shield reaches
/// ~0 mmHg within ~0.1 s).
const VENT_TAU_S: f64 = 0.03;
/// Per-cycle jitter (SD, relative) of the rate and the amplitude: "a few %".
const RATE_JITTER: f64 = 0.015;
const AMPLITUDE_JITTER: f64 = 0.02;

/// The pump's settings for one session: the rhythm of each phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PumpSettings {
    /// Peak vacuum in stimulation, mmHg (negative).
    pub stimulation_vacuum_mmhg: f64,
    /// Cycle rate in stimulation, cpm.
    pub stimulation_rate_cpm: f64,
    /// Peak vacuum in expression, mmHg (negative).
    pub expression_vacuum_mmhg: f64,
    /// Cycle rate in expression, cpm.
    pub expression_rate_cpm: f64,
}

impl PumpSettings {
    /// Draws a session's settings for a mother whose maximum comfortable vacuum is
    /// `max_comfort_mmhg`.
    pub(crate) fn draw(max_comfort_mmhg: f64, rng: &mut SimRng) -> Self {
        Self {
            // Stimulation ≈ 100–120 cpm at −50 … −150 mmHg (DESIGN §1); most pumps sit
            // near the middle, so N(−100, 15) clamped.
            stimulation_vacuum_mmhg: (-100.0 + 15.0 * random::normal(rng)).clamp(-150.0, -50.0),
            stimulation_rate_cpm: random::uniform(rng, 100.0, 120.0),
            // Expression at the mother's maximum comfortable vacuum or a little below it
            // (Kent 2008: pumping at max comfortable vacuum, avg −190 mmHg).
            expression_vacuum_mmhg: (max_comfort_mmhg * random::uniform(rng, 0.85, 1.0))
                .clamp(-250.0, -90.0),
            // Expression ≈ 45–78 cpm (DESIGN §1).
            expression_rate_cpm: random::uniform(rng, 45.0, 78.0),
        }
    }

    /// The (vacuum, rate) of `mode`; a pause is (0, 0).
    pub fn targets(&self, mode: Mode) -> (f64, f64) {
        match mode {
            Mode::Stimulation => (self.stimulation_vacuum_mmhg, self.stimulation_rate_cpm),
            Mode::Expression => (self.expression_vacuum_mmhg, self.expression_rate_cpm),
            Mode::Pause => (0.0, 0.0),
        }
    }
}

/// What the pump is asked to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Command {
    pub mode: Mode,
    pub vacuum_mmhg: f64,
    pub rate_cpm: f64,
    pub ramp_cycles: u8,
}

/// The shape of one cycle, as fractions of the period. Drawn per session (pump model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct WaveShape {
    /// Suction stroke, 0.35–0.45 of the cycle.
    pub suction: f64,
    /// Hold at the target, 0.08–0.15.
    pub hold: f64,
    /// Release, 0.06–0.10.
    pub release: f64,
    /// Droop of the vacuum during the hold (fraction of the target).
    pub droop: f64,
    /// Positive overshoot as the valve opens, mmHg.
    pub overshoot_mmhg: f64,
}

impl WaveShape {
    pub(crate) fn draw(rng: &mut SimRng) -> Self {
        Self {
            suction: random::uniform(rng, 0.35, 0.45),
            hold: random::uniform(rng, 0.08, 0.15),
            release: random::uniform(rng, 0.06, 0.10),
            droop: random::uniform(rng, 0.01, 0.04),
            overshoot_mmhg: random::uniform(rng, 0.0, 3.0),
        }
    }
}

/// The running pump.
#[derive(Clone, Debug)]
pub(crate) struct Pump {
    shape: WaveShape,
    mode: Mode,
    paused: bool,
    // Set-points the ramp moves (what a cycle starting now would use).
    vacuum_mmhg: f64,
    rate_cpm: f64,
    target_vacuum_mmhg: f64,
    target_rate_cpm: f64,
    ramp_left: u32,
    // The current cycle.
    phase: f64,
    cycle_period_s: f64,
    cycle_amplitude_mmhg: f64,
    build: f64,
    droop: f64,
    // Leak: fraction of depth lost while the shield leaks (0 = sealed).
    leak_loss: f64,
    pressure_mmhg: f64,
    rng: SimRng,
}

impl Pump {
    /// A pump starting a cycle in `mode` at `vacuum_mmhg`, `rate_cpm`.
    pub fn new(shape: WaveShape, start: Command, rng: SimRng) -> Self {
        let mut p = Self {
            shape,
            mode: start.mode,
            paused: start.mode == Mode::Pause,
            vacuum_mmhg: clamp_vacuum(start.vacuum_mmhg),
            rate_cpm: clamp_rate(start.rate_cpm),
            target_vacuum_mmhg: clamp_vacuum(start.vacuum_mmhg),
            target_rate_cpm: clamp_rate(start.rate_cpm),
            ramp_left: 0,
            phase: 0.0,
            cycle_period_s: 1.0,
            cycle_amplitude_mmhg: 0.0,
            build: 1.0,
            droop: 0.0,
            leak_loss: 0.0,
            pressure_mmhg: 0.0,
            rng,
        };
        p.start_cycle();
        p
    }

    /// Follows a command. A pause acts at once (the pump vents); other changes move the
    /// set-points over `ramp_cycles` cycles, starting with the next cycle (0 = the next
    /// cycle runs at the new targets). Resuming from a pause starts a new cycle at once.
    pub fn command(&mut self, cmd: Command) {
        if cmd.mode == Mode::Pause {
            self.mode = Mode::Pause;
            self.paused = true;
            return;
        }
        self.mode = cmd.mode;
        self.target_vacuum_mmhg = clamp_vacuum(cmd.vacuum_mmhg);
        self.target_rate_cpm = clamp_rate(cmd.rate_cpm);
        self.ramp_left = u32::from(cmd.ramp_cycles);
        if self.ramp_left == 0 {
            self.vacuum_mmhg = self.target_vacuum_mmhg;
            self.rate_cpm = self.target_rate_cpm;
        }
        if self.paused {
            self.paused = false;
            self.phase = 0.0;
            self.start_cycle();
        }
    }

    /// Sets the leak: `loss` is the fraction of vacuum depth lost (0 = sealed).
    /// Takes effect from the next cycle.
    pub fn set_leak(&mut self, loss: f64) {
        self.leak_loss = loss.clamp(0.0, 0.95);
    }

    /// Advances by `dt_s`; returns the pressure at the breast shield, mmHg.
    #[inline]
    pub fn step(&mut self, dt_s: f64) -> f64 {
        if self.paused {
            self.pressure_mmhg *= (-dt_s / VENT_TAU_S).exp();
            return self.pressure_mmhg;
        }
        self.phase += dt_s / self.cycle_period_s;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            self.start_cycle();
        }
        self.pressure_mmhg = self.waveform(self.phase);
        self.pressure_mmhg
    }

    fn start_cycle(&mut self) {
        if self.ramp_left > 0 {
            let n = f64::from(self.ramp_left);
            self.vacuum_mmhg += (self.target_vacuum_mmhg - self.vacuum_mmhg) / n;
            self.rate_cpm += (self.target_rate_cpm - self.rate_cpm) / n;
            self.ramp_left -= 1;
        }
        let jr = 1.0 + RATE_JITTER * random::normal(&mut self.rng).clamp(-3.0, 3.0);
        let ja = 1.0 + AMPLITUDE_JITTER * random::normal(&mut self.rng).clamp(-3.0, 3.0);
        self.cycle_period_s = 60.0 / (self.rate_cpm * jr);
        self.cycle_amplitude_mmhg = self.vacuum_mmhg * ja * (1.0 - self.leak_loss);
        // A leak also slows the build-up: the stroke approaches its (shallower) target
        // almost linearly instead of with the sealed pump's fast exponential-like rise, and
        // the vacuum sags more during the hold.
        self.build = if self.leak_loss > 0.0 { 0.25 } else { 1.0 };
        self.droop = self.shape.droop + 0.4 * self.leak_loss;
    }

    #[inline]
    fn waveform(&self, u: f64) -> f64 {
        let s = &self.shape;
        let a = self.cycle_amplitude_mmhg;
        let hold_end = s.suction + s.hold;
        let release_end = hold_end + s.release;
        if u < s.suction {
            let x = u / s.suction;
            let y = 1.0 - x;
            let fast = 1.0 - y * y * y;
            a * (self.build * fast + (1.0 - self.build) * x)
        } else if u < hold_end {
            a * (1.0 - self.droop * (u - s.suction) / s.hold)
        } else if u < release_end {
            let y = (u - hold_end) / s.release;
            let z = 1.0 - y;
            a * (1.0 - self.droop) * z * z + s.overshoot_mmhg * y * y
        } else {
            let z = 1.0 - (u - release_end) / (1.0 - release_end);
            s.overshoot_mmhg * z * z * z
        }
    }

    /// The mode the pump runs in (the latest command's).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Peak vacuum of the current cycle, mmHg (0 while paused).
    pub fn cycle_vacuum_mmhg(&self) -> f64 {
        if self.paused {
            0.0
        } else {
            self.cycle_amplitude_mmhg
        }
    }

    /// Period of the current cycle, s (`None` while paused).
    pub fn cycle_period_s(&self) -> Option<f64> {
        (!self.paused).then_some(self.cycle_period_s)
    }

    /// Whether the pump is stopped.
    pub fn is_paused(&self) -> bool {
        self.paused
    }
}

fn clamp_vacuum(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(VACUUM_LIMIT_MMHG, VACUUM_MIN_MMHG)
    } else {
        VACUUM_MIN_MMHG
    }
}

fn clamp_rate(r: f64) -> f64 {
    if r.is_finite() {
        r.clamp(RATE_LIMITS_CPM.0, RATE_LIMITS_CPM.1)
    } else {
        RATE_LIMITS_CPM.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    fn pump(mode: Mode, vac: f64, rate: f64) -> Pump {
        let mut rng = stream(1, Stream::Pump);
        let shape = WaveShape::draw(&mut rng);
        Pump::new(
            shape,
            Command {
                mode,
                vacuum_mmhg: vac,
                rate_cpm: rate,
                ramp_cycles: 0,
            },
            rng,
        )
    }

    /// (min, max, upward zero-crossings of −20 mmHg per minute) over `secs`.
    fn stats(p: &mut Pump, secs: f64) -> (f64, f64, f64) {
        let dt = 0.001;
        let n = (secs / dt) as usize;
        let (mut lo, mut hi, mut cycles) = (f64::MAX, f64::MIN, 0u32);
        let mut prev = 0.0;
        for _ in 0..n {
            let x = p.step(dt);
            lo = lo.min(x);
            hi = hi.max(x);
            if prev > -20.0 && x <= -20.0 {
                cycles += 1;
            }
            prev = x;
        }
        (lo, hi, f64::from(cycles) / secs * 60.0)
    }

    #[test]
    fn waveform_reaches_target_releases_to_zero_at_the_set_rate() {
        let mut p = pump(Mode::Expression, -190.0, 60.0);
        let (lo, hi, cpm) = stats(&mut p, 30.0);
        assert!((-205.0..-175.0).contains(&lo), "{lo}");
        assert!((0.0..=3.0).contains(&hi), "{hi}");
        assert!((58.0..62.5).contains(&cpm), "{cpm}");
        let mut p = pump(Mode::Stimulation, -100.0, 110.0);
        let (lo, _, cpm) = stats(&mut p, 30.0);
        assert!((-110.0..-92.0).contains(&lo), "{lo}");
        assert!((106.0..114.0).contains(&cpm), "{cpm}");
    }

    #[test]
    fn waveform_is_not_a_sine_time_near_zero_and_near_peak() {
        let mut p = pump(Mode::Expression, -200.0, 60.0);
        let dt = 0.001;
        let xs: Vec<f64> = (0..10_000).map(|_| p.step(dt)).collect();
        let near_zero = xs.iter().filter(|x| **x > -10.0).count() as f64 / 1e4;
        let near_peak = xs.iter().filter(|x| **x < -180.0).count() as f64 / 1e4;
        // Rest + release ≈ 45 % near 0; hold + end of the stroke ≥ 15 % near the peak.
        assert!(near_zero > 0.35, "{near_zero}");
        assert!(near_peak > 0.15, "{near_peak}");
    }

    #[test]
    fn ramps_pauses_and_leaks() {
        let mut p = pump(Mode::Stimulation, -100.0, 110.0);
        stats(&mut p, 2.0);
        p.command(Command {
            mode: Mode::Expression,
            vacuum_mmhg: -200.0,
            rate_cpm: 60.0,
            ramp_cycles: 4,
        });
        // Cycle vacuums move monotonically towards −200 over 4 cycles.
        let mut seen = vec![p.cycle_vacuum_mmhg()];
        for _ in 0..6000 {
            p.step(0.001);
            if seen.last().copied() != Some(p.cycle_vacuum_mmhg()) {
                seen.push(p.cycle_vacuum_mmhg());
            }
        }
        assert!(seen.len() >= 5, "{seen:?}");
        assert!(seen[1] < -110.0 && seen[1] > -150.0, "{seen:?}");
        p.command(Command {
            mode: Mode::Pause,
            vacuum_mmhg: 0.0,
            rate_cpm: 0.0,
            ramp_cycles: 0,
        });
        let (lo, hi, _) = {
            stats(&mut p, 0.2);
            stats(&mut p, 5.0)
        };
        assert!(lo > -1.0 && hi < 1.0, "{lo} {hi}");
        p.set_leak(0.5);
        p.command(Command {
            mode: Mode::Expression,
            vacuum_mmhg: -200.0,
            rate_cpm: 60.0,
            ramp_cycles: 0,
        });
        let (lo, _, _) = stats(&mut p, 10.0);
        assert!((-115.0..-85.0).contains(&lo), "{lo}");
        // NaN targets are refused (clamped to the shallowest setting).
        p.command(Command {
            mode: Mode::Expression,
            vacuum_mmhg: f64::NAN,
            rate_cpm: f64::NAN,
            ramp_cycles: 0,
        });
        p.set_leak(0.0);
        let (lo, _, _) = stats(&mut p, 5.0);
        assert!(lo > -35.0 && lo.is_finite(), "{lo}");
    }
}
