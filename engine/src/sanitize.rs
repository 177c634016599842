//! First stage: decide per channel and per sample whether a reading is usable.
//!
//! NaN, ±∞, physically impossible values and a stuck sensor (one exact value repeated for
//! longer than `stuck_s`) are reported as faults and replaced by the last good value, so
//! no bad value ever reaches filter state.

/// Why a reading was not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelFault {
    /// NaN or ±∞.
    NonFinite,
    /// Outside the channel's physically possible range.
    OutOfRange,
    /// The same exact value for longer than the stuck limit.
    Stuck,
}

/// The physically possible range of one channel, in its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelLimits {
    /// Lowest possible reading.
    pub min: f32,
    /// Highest possible reading.
    pub max: f32,
}

impl ChannelLimits {
    /// Pressure, mmHg: −300 … +50 is plausible (DESIGN §2); beyond −450 or +150 no pump
    /// sensor reads, so the value is a fault. Vacuum beyond the user's maximum but inside
    /// these limits is real and handled as over-vacuum by the engine, not here.
    pub const PRESSURE_MMHG: Self = Self {
        min: -450.0,
        max: 150.0,
    };
    /// Flow, mL/min: outside −100 … 250 is impossible, a fault (DESIGN §2).
    pub const FLOW_ML_MIN: Self = Self {
        min: -100.0,
        max: 250.0,
    };
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
    /// `stuck_limit` identical consecutive readings.
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
            if self.repeats > self.stuck_limit {
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

    /// Forgets the repeat count (after a gap the next reading starts a new run).
    pub fn reset_run(&mut self) {
        self.last_bits = f32::NAN.to_bits();
        self.repeats = 0;
    }

    #[inline]
    fn reject(&mut self, fault: ChannelFault) -> Checked {
        // A bad reading breaks a run of identical ones.
        self.reset_run();
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
}
