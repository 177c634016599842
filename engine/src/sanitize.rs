//! First stage: decide per channel and per sample whether a reading is usable.
//!
//! NaN, ±∞, physically impossible values and a stuck sensor (one exact value repeated for
//! longer than `stuck_s`) are reported as faults and replaced by the last good value, so
//! no bad value ever reaches filter state. Only another finite reading ends a run of
//! identical ones: a bad reading or a gap between them leaves the run where it stood, so a
//! frozen sensor that also glitches now and then is still found stuck. A flow sensor that
//! repeats a reading of no flow (its cutoff's zero, or a quantised offset on a quiet
//! sensor) reads what a working one does while no milk flows, not a stuck value
//! ([`ChannelLimits::hold_from`]).

/// Why a reading was not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelFault {
    /// NaN or ±∞.
    NonFinite,
    /// Outside the channel's physically possible range.
    OutOfRange,
    /// The same exact value (the same bits: −0.0 and +0.0 differ) for longer than the
    /// stuck limit.
    Stuck,
}

/// The physically possible range of one channel, in its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelLimits {
    /// Lowest possible reading.
    pub min: f32,
    /// Highest possible reading.
    pub max: f32,
    /// Readings from `hold_from` up to (not including) `hold_below` may repeat for any
    /// time without being stuck (they still count as repeats, [`Sanitizer::repeats`]).
    pub hold_from: f32,
    /// End of the band of readings that may repeat (`hold_from`); at or below
    /// `hold_from` the band is empty (pressure's).
    pub hold_below: f32,
}

impl ChannelLimits {
    /// Pressure, mmHg: −300 … +50 is plausible (DESIGN §2); beyond −450 or +150 no pump
    /// sensor reads, so the value is a fault. Vacuum beyond the user's maximum but inside
    /// these limits is real and handled as over-vacuum by the engine, not here.
    ///
    /// A pressure sensor frozen at any value, zero included, would hide over-vacuum, so
    /// every exact repeat counts towards stuck.
    pub const PRESSURE_MMHG: Self = Self {
        min: -450.0,
        max: 150.0,
        hold_from: 0.0,
        hold_below: 0.0,
    };
    /// Flow, mL/min: outside −100 … 250 is impossible, a fault (DESIGN §2).
    ///
    /// A flow sensor with a low-flow cutoff, or one that clamps negative readings, reads
    /// exactly 0 whenever no milk flows, for minutes before a late letdown; a quantised one
    /// whose noise is below its step reads its offset (−0.5 mL/min, say) as steadily. That
    /// is its reading of no flow, not a frozen sensor, and no fault, which would pause the
    /// pump, and paused, with no milk, its reading could never change to end the pause.
    /// One that drops out may read such a value too, and no check can tell the two apart;
    /// either reads as no flow, the vacuum limits, which the pressure channel guards, are
    /// untouched, and a run of them still counts as a held reading for detection
    /// (`SUSPECT_REPEAT_S`). No flow reads from −10 mL/min (offset, noise and bubbles, DESIGN
    /// §2) up to the smallest flow the detector is built to see, 1 mL/min (DESIGN §3; the
    /// engine sets its configured `min_flow_ml_min` there, [`Self::with_no_flow_below`]); a
    /// reading frozen above that would show milk that may not flow, and is a fault.
    pub const FLOW_ML_MIN: Self = Self {
        min: -100.0,
        max: 250.0,
        hold_from: -10.0,
        hold_below: 1.0,
    };

    /// These limits with steady readings of no flow up to (not including) `flow_ml_min`:
    /// the smallest flow the detector is built to see (`EngineConfig::min_flow_ml_min`).
    pub const fn with_no_flow_below(self, flow_ml_min: f32) -> Self {
        Self {
            hold_below: flow_ml_min,
            ..self
        }
    }

    /// The possible range, `(min, max)`.
    pub const fn range(&self) -> (f32, f32) {
        (self.min, self.max)
    }

    /// Whether `x` may repeat for any time without being stuck.
    #[inline]
    fn may_hold(&self, x: f32) -> bool {
        (self.hold_from..self.hold_below).contains(&x)
    }
}

/// A reading after the check: `value` is always finite and inside the limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Checked {
    /// The reading, or the last good one when `fault` is set.
    pub value: f32,
    /// Why the reading was replaced, if it was.
    pub fault: Option<ChannelFault>,
}

/// Per-channel sanitizer: limits and stuck detection.
#[derive(Clone, Copy, Debug)]
pub struct Sanitizer {
    limits: ChannelLimits,
    stuck_limit: u32,
    last_bits: u32,
    repeats: u32,
    held: f32,
}

impl Sanitizer {
    /// A sanitizer for a channel with `limits`, calling it stuck after more than
    /// `stuck_limit` identical consecutive readings (but not of one in the band that may
    /// hold, [`ChannelLimits::hold_from`]).
    pub fn new(limits: ChannelLimits, stuck_limit: u32) -> Self {
        Self {
            limits,
            stuck_limit,
            last_bits: f32::NAN.to_bits(),
            repeats: 0,
            held: 0.0,
        }
    }

    /// Checks one reading.
    #[inline]
    pub fn process(&mut self, x: f32) -> Checked {
        if !x.is_finite() {
            return self.reject(ChannelFault::NonFinite);
        }
        if !(self.limits.min..=self.limits.max).contains(&x) {
            return self.reject(ChannelFault::OutOfRange);
        }
        let bits = x.to_bits();
        if bits == self.last_bits {
            self.repeats = self.repeats.saturating_add(1);
            if self.repeats > self.stuck_limit && !self.limits.may_hold(x) {
                return Checked {
                    value: self.held,
                    fault: Some(ChannelFault::Stuck),
                };
            }
        } else {
            self.last_bits = bits;
            self.repeats = 0;
        }
        self.held = x;
        Checked {
            value: x,
            fault: None,
        }
    }

    /// How many times in a row the current value has repeated (0 = it just changed).
    #[inline]
    pub fn repeats(&self) -> u32 {
        self.repeats
    }

    /// A bad reading leaves the run of identical readings where it stood: a frozen
    /// pressure sensor hides over-vacuum whether or not a NaN comes now and then.
    #[inline]
    fn reject(&self, fault: ChannelFault) -> Checked {
        Checked {
            value: self.held,
            fault: Some(fault),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_and_out_of_range_are_replaced_by_last_good() {
        let mut s = Sanitizer::new(ChannelLimits::FLOW_ML_MIN, 100);
        assert_eq!(s.process(3.0).fault, None);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let c = s.process(bad);
            assert_eq!(c.fault, Some(ChannelFault::NonFinite));
            assert_eq!(c.value, 3.0);
        }
        let c = s.process(251.0);
        assert_eq!(c.fault, Some(ChannelFault::OutOfRange));
        assert_eq!(c.value, 3.0);
        let c = s.process(-100.0);
        assert_eq!(c.fault, None);
    }

    #[test]
    fn stuck_after_limit_repeats_and_clears_on_change() {
        let mut s = Sanitizer::new(ChannelLimits::PRESSURE_MMHG, 5);
        for i in 0..=5 {
            assert_eq!(s.process(-80.0).fault, None, "repeat {i}");
        }
        assert_eq!(s.process(-80.0).fault, Some(ChannelFault::Stuck));
        assert_eq!(s.process(-80.5).fault, None);
    }

    #[test]
    fn bad_readings_between_repeats_do_not_end_the_run() {
        let mut s = Sanitizer::new(ChannelLimits::PRESSURE_MMHG, 5);
        let mut faults = [None; 12];
        for (i, fault) in faults.iter_mut().enumerate() {
            let x = match i % 3 {
                0 => f32::NAN,
                1 => -80.0,
                _ => 900.0,
            };
            *fault = s.process(x).fault;
        }
        // Readings 1, 4, 7 and 10 are the run's -80.0: the sixth repeat of it is stuck.
        let at_the_value: [_; 4] = [faults[1], faults[4], faults[7], faults[10]];
        assert_eq!(at_the_value, [None, None, None, None]);
        for _ in 0..2 {
            assert_eq!(s.process(-80.0).fault, None);
        }
        assert_eq!(s.process(-80.0).fault, Some(ChannelFault::Stuck));
    }

    #[test]
    fn a_flow_sensor_may_read_no_flow_for_ever_but_a_pressure_sensor_may_not() {
        let mut flow = Sanitizer::new(ChannelLimits::FLOW_ML_MIN, 5);
        let mut pressure = Sanitizer::new(ChannelLimits::PRESSURE_MMHG, 5);
        for i in 0..100 {
            assert_eq!(
                flow.process(0.0),
                Checked {
                    value: 0.0,
                    fault: None
                },
                "{i}"
            );
            assert_eq!(flow.repeats(), i, "a zero still repeats");
        }
        let faults = (0..100).filter(|_| pressure.process(0.0).fault.is_some());
        assert_eq!(faults.count(), 94);
        // So may any other reading of no flow: a quantised offset, up to the detectable
        // flow (1 mL/min, excluded) and down to −10 mL/min.
        for x in [-0.5, 0.99, -10.0] {
            let held = (0..100).filter(|_| flow.process(x).fault.is_some());
            assert_eq!(held.count(), 0, "{x} mL/min");
        }
        // A reading of flow, or one below what no flow reads, still sticks.
        for x in [1.0, 15.0, -10.5] {
            for _ in 0..=5 {
                assert_eq!(flow.process(x).fault, None, "{x} mL/min");
            }
            assert_eq!(
                flow.process(x).fault,
                Some(ChannelFault::Stuck),
                "{x} mL/min"
            );
        }
    }
}
