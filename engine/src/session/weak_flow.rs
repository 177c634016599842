//! Whether milk flows that the detector found no onset in: the session's end waits for
//! minutes without flow (DESIGN §5), and a weak ejection flows too.
//!
//! Through a sensor that smooths its pulsation away an onset asks four times the
//! detectable flow, so a mother whose ejections flow at 3 mL/min would be told to stop
//! while milk flows. The detector's baseline follows such a flow up: a baseline more than
//! twice the detectable flow above the lowest it stood at since the last ejection found
//! ([`tail_height`]; a trickle wanders by tenths of its level, below that) is an episode
//! of flow, for as long as an ejection flows at most ([`LONGEST_EJECTION_S`]): a level held
//! longer is the sensor's offset, a step or a drift, and becomes the lowest the next rise
//! is measured from.
//!
//! A sensor's zero can wander by that much within minutes (the outside set's `ext-std-05`
//! reads 2–3.8 mL/min for the last six minutes without milk), and then the session would
//! not end. Milk moves with the pump's vacuum: on a sensor whose pulsation strong flow has
//! measured at the pump's present rhythm (the detector's learnt transfer, after
//! [`MEASURED_TRANSFER_CYCLES`](crate::detector::MEASURED_TRANSFER_CYCLES)), an episode
//! whose pulsation stays clearly below half of what milk of its rise would show is the
//! sensor's offset too ([`WeakFlow::offset_shown`]), and is dropped as soon as that is
//! clear. Until it is, the session's end waits for it ([`WeakFlow::pending`]); on a sensor
//! that smooths the pulsation away, before strong flow has measured it, at another rhythm,
//! or before the quiet level's pulsation is known, every episode is flow. A dropped
//! episode is not taken back: the rest of its level is measured from itself.

use crate::detector::{tail_height, LOCK_NOISE_FACTOR, MEASURED_TRANSFER_CYCLES, PULSATION_SHARE};

/// The longest an ejection's milk flows, s: from its onset to its decay to a tenth of its
/// peak, 45 s – 3.5 min (DESIGN §1). A raised flow level that stands longer than this is
/// no weak ejection's but the sensor's own (an offset step, a drift).
pub const LONGEST_EJECTION_S: f32 = 210.0;
/// Gain of the pulsation power's average at zero flow, per cycle after its first ten
/// (alike until then): about ten cycles, 5–12 s at 50–110 cpm, long enough that the
/// average's own noise adds under a quarter of one cycle's to the test
/// ([`WeakFlow::offset_shown`]), which waits for those ten.
pub const QUIET_POWER_GAIN: f32 = 0.1;
/// A cycle's pulsation power enters that average at most this many times the average:
/// noise's power is exponential, above five times its mean one cycle in 150, so the
/// clip moves the mean by under 4 %; a motion burst's cycle would move it by far more.
pub const QUIET_POWER_CLIP: f32 = 5.0;

/// What the engine knows of one pump cycle's flow at the cycle's end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CycleFlow {
    /// The detector's baseline, mL/min.
    pub baseline_ml_min: f32,
    /// The cycle's own flow (the detector's three-cycle median), mL/min: the level milk's
    /// pulsation goes with, where the baseline lags it.
    pub flow_ml_min: f32,
    /// Whether an ejection the detector found is under way.
    pub in_ejection: bool,
    /// Whether the detector waits at zero flow, off any tail: the pulsation is the
    /// sensor's own.
    pub at_zero_flow: bool,
    /// Whether the detector holds its decisions after a change of the pump's settings:
    /// the sensor's pulsation at zero flow may have changed with them.
    pub pump_changed: bool,
    /// The cycle's pulsation, the amplitude of its flow at the pump rate, mL/min (NaN: a
    /// cycle with samples rejected, whose pulsation may be an artefact's).
    pub pulsation_ml_min: f32,
    /// The sensor's pulsation transfer at this rate (pump-synchronous amplitude per mL/min
    /// of milk's mean flow), where strong flow has shown the sensor passes milk's
    /// pulsation at the present rhythm; `None` before that, or where it smooths it away.
    pub transfer: Option<f32>,
    /// Whether the cycle's flow was strong enough to teach the detector that transfer.
    pub teaches_transfer: bool,
}

/// A raised level under way: since when, and its sums over the cycles whose pulsation
/// counts.
#[derive(Clone, Copy, Debug)]
struct Episode {
    /// Its first and latest cycles (sample indices).
    since: u64,
    last: u64,
    /// Cycles summed (saturating).
    cycles: u16,
    /// Their own flow over the quiet level, summed, mL/min.
    rise: f32,
    /// Their pulsation power over the quiet level's, summed, (mL/min)².
    power: f32,
}

/// Episodes of flow without an onset, for the session's end. Times are sample indices.
#[derive(Clone, Copy, Debug)]
pub struct WeakFlow {
    /// A rise above `quiet_low` that is an episode, mL/min.
    rise_bar: f32,
    /// [`LONGEST_EJECTION_S`] in samples.
    longest: u64,
    /// The lowest level the baseline has stood at since the last ejection found, mL/min
    /// (NaN during one, and before the first cycle).
    quiet_low: f32,
    /// The cycles' pulsation power at zero flow, (mL/min)² (NaN: none yet).
    quiet_power: f32,
    /// Cycles that average has taken (saturating).
    quiet_cycles: u16,
    /// Strong-flow cycles the transfer has been taught by at the present rhythm
    /// (saturating; anew where the detector has none for it).
    transfer_cycles: u16,
    episode: Option<Episode>,
}

impl WeakFlow {
    /// A watch for a detectable flow of `min_flow_ml_min` at `rate_hz` samples per second.
    pub fn new(min_flow_ml_min: f32, rate_hz: f32) -> Self {
        Self {
            rise_bar: tail_height(min_flow_ml_min),
            longest: (LONGEST_EJECTION_S * rate_hz) as u64,
            quiet_low: f32::NAN,
            quiet_power: f32::NAN,
            quiet_cycles: 0,
            transfer_cycles: 0,
            episode: None,
        }
    }

    /// Takes the cycle ending at `index`. Returns the latest cycle of an episode of flow
    /// that has just closed (the level back down, or held past [`LONGEST_EJECTION_S`]),
    /// which the session's end counts from.
    pub fn note(&mut self, index: u64, c: &CycleFlow) -> Option<u64> {
        let taught = u16::from(c.teaches_transfer);
        self.transfer_cycles = match c.transfer {
            Some(_) => self.transfer_cycles.saturating_add(taught),
            None => 0,
        };
        if c.in_ejection {
            self.quiet_low = f32::NAN;
            self.forget_quiet_power();
            return self.episode.take().map(|e| e.last);
        }
        if c.pump_changed {
            self.forget_quiet_power();
        }
        self.quiet_low = self.quiet_low.min(c.baseline_ml_min);
        if c.baseline_ml_min - self.quiet_low <= self.rise_bar {
            // Never learnt within an episode, whose pulsation may be milk's.
            if c.at_zero_flow && !c.pump_changed {
                self.follow_quiet_power(c.pulsation_ml_min);
            }
            return self.episode.take().map(|e| e.last);
        }
        let rise = c.flow_ml_min - self.quiet_low;
        let power = c.pulsation_ml_min * c.pulsation_ml_min - self.quiet_power;
        let e = self.episode.get_or_insert(Episode {
            since: index,
            last: index,
            cycles: 0,
            rise: 0.0,
            power: 0.0,
        });
        if index.saturating_sub(e.since) > self.longest {
            let last = e.last;
            self.restart_at(c.baseline_ml_min);
            return Some(last);
        }
        e.last = index;
        if c.pump_changed {
            // Its sums were measured against the zero-flow pulsation of other settings.
            *e = Episode {
                cycles: 0,
                rise: 0.0,
                power: 0.0,
                ..*e
            };
        } else if power.is_finite() && rise.is_finite() && e.cycles < u16::MAX {
            e.cycles += 1;
            e.rise += rise;
            e.power += power;
        }
        if self.offset_shown(c.transfer) {
            self.restart_at(c.baseline_ml_min);
        }
        None
    }

    /// The latest cycle of an episode under way (not yet shown to be the sensor's
    /// offset): the session's end waits for it as for flow.
    pub fn pending(&self) -> Option<u64> {
        self.episode.map(|e| e.last)
    }

    /// A raised level without flow: it becomes the lowest the next rise is measured from.
    fn restart_at(&mut self, level: f32) {
        self.quiet_low = level;
        self.episode = None;
    }

    /// The zero-flow pulsation is to be learnt anew: after an ejection, whose tail pulses
    /// with milk, and after a change of the pump's settings.
    fn forget_quiet_power(&mut self) {
        self.quiet_power = f32::NAN;
        self.quiet_cycles = 0;
    }

    /// Averages the pulsation's power at zero flow: its first cycles alike, then with
    /// [`QUIET_POWER_GAIN`], each clipped at [`QUIET_POWER_CLIP`] times the average. A
    /// cycle with samples rejected is left out.
    fn follow_quiet_power(&mut self, pulsation: f32) {
        let mut power = pulsation * pulsation;
        if !power.is_finite() {
            return;
        }
        if self.quiet_power.is_finite() {
            power = power.min(QUIET_POWER_CLIP * self.quiet_power);
        }
        self.quiet_cycles = self.quiet_cycles.saturating_add(1);
        let gain = (1.0 / f32::from(self.quiet_cycles)).max(QUIET_POWER_GAIN);
        self.quiet_power = if self.quiet_power.is_finite() {
            self.quiet_power + gain * (power - self.quiet_power)
        } else {
            power
        };
    }

    /// Whether the episode under way is clearly the sensor's offset: on a sensor of
    /// pulsation `transfer`, its mean pulsation power over the zero-flow level's, with
    /// [`LOCK_NOISE_FACTOR`] deviations of its noise added, stays below the power of half
    /// the pulsation milk of its mean flow over the quiet level would show
    /// ([`PULSATION_SHARE`], as pump-sync asks of an onset). Asked once the zero-flow
    /// average holds its ten cycles ([`QUIET_POWER_GAIN`]).
    ///
    /// Power, not amplitude: noise adds to milk's pulsation in quadrature, so the
    /// amplitude's excess of a weak flow on a noisy sensor falls short of what milk shows,
    /// while the power's is milk's own. At the pump rate the noise is two Gaussian
    /// components, so one cycle's power scatters by its own mean, the quiet level's; the
    /// mean of the episode's cycles by that over √n, and the quiet average by that times
    /// √(its weight's variance). That is the scatter of an offset; milk's pulsation adds
    /// its own (its power's cross term with the noise), so at the half share the test is
    /// looser than three deviations, while milk at its full share stands at four times
    /// the bar. The zero-flow level's power is subtracted as noise: a pulsation the
    /// pressure itself puts on the reading, in a phase of its own, would add to milk's or
    /// take from it (not modelled). An offset on a quiet sensor is shown within a few
    /// cycles; on one whose noise at the pump rate outweighs milk's pulsation, never.
    fn offset_shown(&self, transfer: Option<f32>) -> bool {
        let measured = self.transfer_cycles >= MEASURED_TRANSFER_CYCLES;
        let (Some(t), Some(e), true) = (transfer, self.episode, measured) else {
            return false;
        };
        let quiet_known = f32::from(self.quiet_cycles) * QUIET_POWER_GAIN >= 1.0;
        if e.cycles == 0 || !quiet_known || !self.quiet_power.is_finite() {
            return false;
        }
        let n = f32::from(e.cycles);
        let half_milk = PULSATION_SHARE * t * e.rise / n;
        let quiet_var =
            (1.0 / f32::from(self.quiet_cycles)).max(QUIET_POWER_GAIN / (2.0 - QUIET_POWER_GAIN));
        let noise = LOCK_NOISE_FACTOR * self.quiet_power * libm::sqrtf(1.0 / n + quiet_var);
        e.power / n + noise < half_milk * half_milk
    }
}
