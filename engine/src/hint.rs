//! Control hints: what the engine asks the motor controller to do (DESIGN §5).
//!
//! The controller stays in charge of its own limits; a hint is a request. Targets in a
//! hint are the user's current settings (`Engine::set_user_settings`), never beyond her
//! maximum vacuum nor −300 mmHg.

use core::fmt;
use core::str::FromStr;

/// Declares a fieldless enum together with [`ALL`](Reason::ALL) (every value, in
/// declaration order), `name()` (its snake_case text), `Display` (the name) and `FromStr`
/// (the name back, exactly). `ALL` is generated from the same list of variants as the
/// enum itself, so it cannot miss one; a compile-time check below each enum confirms that
/// `ALL[i]` is the `i`-th variant and that the names are distinct. Every text or wire
/// table of these values derives from `ALL` and `name()`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($name::$variant),+].len()] = [$($name::$variant),+];
            /// Every value's [`name`](Self::name), in the order of `ALL`.
            pub const NAMES: [&'static str; [$($name::$variant),+].len()] = [$($text),+];

            /// The value's snake_case name, as `Display` writes it and `FromStr` reads it.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        // `ALL[i]` is the `i`-th variant, and no two names are equal (compile time).
        const _: () = {
            let mut i = 0;
            while i < $name::ALL.len() {
                assert!($name::ALL[i] as usize == i);
                let mut j = 0;
                while j < i {
                    assert!(!str_eq($name::NAMES[i], $name::NAMES[j]));
                    j += 1;
                }
                i += 1;
            }
        };

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .ok_or(UnknownName { what: $what, names: &$name::NAMES })
            }
        }
    };
}

/// Byte-wise string equality usable in a constant.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A text that names no [`Mode`], [`Reason`] or [`Cue`]: says which kind was expected and
/// lists its names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What was expected: `"mode"`, `"reason"` or `"cue"`.
    pub what: &'static str,
    /// Every name of that kind.
    pub names: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a {} (", self.what)?;
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        f.write_str(")")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownName {}

named_enum! {
    /// The pumping rhythm the engine asks for.
    pub enum Mode ("mode") {
        /// Fast, gentle rhythm that imitates a baby's suckling to trigger letdown.
        Stimulation => "stimulation",
        /// Slower, deeper rhythm that removes milk once it flows.
        Expression => "expression",
        /// Stop applying vacuum (vent to atmosphere) until a later hint.
        Pause => "pause",
    }
}

named_enum! {
    /// Why a hint or event was issued.
    pub enum Reason ("reason") {
        /// A milk ejection was detected in the flow.
        LetdownDetected => "letdown_detected",
        /// Flow of the current ejection has decayed (ejection end) or stayed faded.
        FlowFaded => "flow_faded",
        /// No letdown was detected within the fallback time; switch anyway, like a timer pump.
        FallbackTimer => "fallback_timer",
        /// Measured vacuum is beyond the user's configured maximum.
        OverVacuum => "over_vacuum",
        /// A sensor delivers impossible values (NaN, ±∞, out of physical range) or is stuck
        /// (one exact value for longer than `stuck_s`; a flow sensor's steady reading of no
        /// flow, −10 mL/min up to `min_flow_ml_min`, is not: paused, with no milk, it could
        /// not move again). A pressure sensor that fails often reads atmosphere, so a
        /// coarse, quiet sensor reading exactly atmosphere while the user has stopped the
        /// pump is taken as stuck too; the pause clears
        /// [`FAULT_CLEAR_S`](crate::FAULT_CLEAR_S) after the reading moves again, which
        /// needs the motor to pull: the firmware lets the user's own restart through it.
        SensorFault => "sensor_fault",
        /// Samples are missing (a gap in the stream): the engine cannot see the pump.
        StaleData => "stale_data",
        /// The fault that caused a pause has cleared; pumping may resume.
        SensorRecovered => "sensor_recovered",
        /// Letdown is late: a user-facing cue that the literature supports (see [`Cue`]).
        LateLetdownCue => "late_letdown_cue",
        /// Minutes without flow: the session may end.
        SessionEnd => "session_end",
    }
}

named_enum! {
    /// A user-facing cue for a late letdown. Stress inhibits the reflex (Ueda 1994); relaxation
    /// raised pumped volume by 63 % (Feher 1989); massage and warmth also help (DESIGN §1).
    /// The engine never deepens vacuum to force a late letdown.
    pub enum Cue ("cue") {
        /// Relax: slow breathing, a calm recording.
        Relax => "relax",
        /// Look at a photo of the baby (or smell its clothes).
        BabyPhoto => "baby_photo",
        /// Apply warmth to the breast.
        Warmth => "warmth",
        /// Massage the breast.
        Massage => "massage",
    }
}

/// A request to the motor controller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlHint {
    /// Index of the sample this hint refers to (0 = first sample of the session).
    pub sample_index: u64,
    /// Requested pumping mode.
    pub mode: Mode,
    /// Requested peak vacuum per cycle, mmHg (negative): the user's setting for `mode`,
    /// never beyond her maximum nor −300 mmHg. 0.0 in [`Mode::Pause`].
    pub target_vacuum_mmhg: f32,
    /// Requested cycle rate, cycles per minute; 0.0 in [`Mode::Pause`].
    pub rate_cpm: f32,
    /// Pump cycles over which the controller should move to the new targets. At least 2
    /// for any change of vacuum or rate (DESIGN §5), 0 for a pause (safety acts at once).
    pub ramp_cycles: u8,
    /// Why the hint was issued.
    pub reason: Reason,
    /// Confidence in the underlying decision, 0 … 1.
    pub confidence: f32,
    /// A user-facing cue, when the hint carries one.
    pub cue: Option<Cue>,
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn every_name_parses_back_and_nothing_else_does() {
        for m in Mode::ALL {
            assert_eq!(m.name().parse::<Mode>(), Ok(m));
        }
        for r in Reason::ALL {
            assert_eq!(r.name().parse::<Reason>(), Ok(r));
        }
        for c in Cue::ALL {
            assert_eq!(c.name().parse::<Cue>(), Ok(c));
        }
        assert_eq!(
            (Mode::ALL.len(), Reason::ALL.len(), Cue::ALL.len()),
            (3, 9, 4)
        );
        assert!(" pause".parse::<Mode>().is_err());
        assert!("LetdownDetected".parse::<Reason>().is_err());
        assert!("".parse::<Cue>().is_err());
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = "massage".parse::<Mode>().unwrap_err();
        assert_eq!(e.what, "mode");
        assert_eq!(
            std::format!("{e}"),
            "not a mode (stimulation, expression, pause)"
        );
    }
}
