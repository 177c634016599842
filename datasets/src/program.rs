//! Pump programs for open-loop sessions — what decides when the pump leaves stimulation —
//! and the closed-loop program that follows control hints.

use crate::mother::Mother;
use crate::random::{self, SimRng};
use core::fmt;
use core::str::FromStr;
use letdown_engine::Mode;

/// How the pump decides its phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PumpProgram {
    /// Stimulation, then expression after `switch_s` seconds (today's pumps: 120 s).
    Timer {
        /// When to switch to expression, s.
        switch_s: f64,
    },
    /// Stimulation until the mother presses the let-down button: 10–60 s after she feels
    /// her first letdown, or at 120–180 s if she has not felt one by then.
    Button,
    /// Expression from the start.
    ExpressionOnly,
    /// Stimulation at the start, then whatever the control hints ask
    /// ([`Generator::apply_hint`](crate::Generator::apply_hint)).
    FollowHints,
}

impl Default for PumpProgram {
    fn default() -> Self {
        PumpProgram::Timer { switch_s: 120.0 }
    }
}

impl fmt::Display for PumpProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PumpProgram::Timer { switch_s } => write!(f, "timer:{switch_s}"),
            PumpProgram::Button => f.write_str("button"),
            PumpProgram::ExpressionOnly => f.write_str("expression-only"),
            PumpProgram::FollowHints => f.write_str("hints"),
        }
    }
}

/// A program name that is none of `timer`, `timer:SECONDS`, `button`, `expression-only`,
/// `hints`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseProgramError(pub String);

impl fmt::Display for ParseProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown pump program '{}': expected timer, timer:SECONDS (0 … 3600), button, \
             expression-only or hints",
            self.0
        )
    }
}

impl std::error::Error for ParseProgramError {}

impl FromStr for PumpProgram {
    type Err = ParseProgramError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let err = || ParseProgramError(s.to_string());
        match t.as_str() {
            "timer" => Ok(PumpProgram::default()),
            "button" => Ok(PumpProgram::Button),
            "expression-only" | "expression_only" => Ok(PumpProgram::ExpressionOnly),
            "hints" | "follow-hints" => Ok(PumpProgram::FollowHints),
            _ => {
                let secs = t.strip_prefix("timer:").ok_or_else(err)?;
                let switch_s: f64 = secs.parse().map_err(|_| err())?;
                if (0.0..=3600.0).contains(&switch_s) {
                    Ok(PumpProgram::Timer { switch_s })
                } else {
                    Err(err())
                }
            }
        }
    }
}

/// The program's clock in one session.
#[derive(Clone, Debug)]
pub(crate) struct ProgramClock {
    program: PumpProgram,
    senses_letdown: bool,
    button_delay_s: f64,
    button_fallback_s: f64,
}

impl ProgramClock {
    pub fn new(program: PumpProgram, mother: &Mother, rng: &mut SimRng) -> Self {
        Self {
            program,
            senses_letdown: mother.senses_letdown,
            // The brief: she presses 10–60 s after she feels it, or at 120–180 s.
            button_delay_s: random::uniform(rng, 10.0, 60.0),
            button_fallback_s: random::uniform(rng, 120.0, 180.0),
        }
    }

    /// The phase the program wants at `t_s`, given the first ejection's onset so far;
    /// `None` for [`PumpProgram::FollowHints`] (the hints decide).
    pub fn scheduled_mode(&self, t_s: f64, first_onset_s: Option<f64>) -> Option<Mode> {
        let switch_s = match self.program {
            PumpProgram::Timer { switch_s } => switch_s,
            PumpProgram::ExpressionOnly => 0.0,
            PumpProgram::FollowHints => return None,
            PumpProgram::Button => match first_onset_s {
                Some(t1) if self.senses_letdown => {
                    (t1 + self.button_delay_s).min(self.button_fallback_s)
                }
                _ => self.button_fallback_s,
            },
        };
        Some(if t_s >= switch_s {
            Mode::Expression
        } else {
            Mode::Stimulation
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mother::MotherId;
    use crate::random::{stream, Stream};

    #[test]
    fn parse_and_display() {
        for p in [
            PumpProgram::Timer { switch_s: 120.0 },
            PumpProgram::Timer { switch_s: 90.5 },
            PumpProgram::Button,
            PumpProgram::ExpressionOnly,
            PumpProgram::FollowHints,
        ] {
            assert_eq!(p.to_string().parse::<PumpProgram>(), Ok(p));
        }
        assert_eq!("timer".parse(), Ok(PumpProgram::Timer { switch_s: 120.0 }));
        assert!("timer:-1".parse::<PumpProgram>().is_err());
        assert!("timer:NaN".parse::<PumpProgram>().is_err());
        assert!("manual".parse::<PumpProgram>().is_err());
    }

    #[test]
    fn button_switches_after_the_felt_letdown_or_at_the_fallback() {
        let mut rng = stream(2, Stream::User);
        let mut m = Mother::new(MotherId(1));
        m.senses_letdown = true;
        let c = ProgramClock::new(PumpProgram::Button, &m, &mut rng);
        let s = |t, o| c.scheduled_mode(t, o);
        assert_eq!(s(50.0, Some(40.0)), Some(Mode::Stimulation));
        assert_eq!(s(40.0 + 61.0, Some(40.0)), Some(Mode::Expression));
        assert_eq!(s(119.0, None), Some(Mode::Stimulation));
        assert_eq!(s(181.0, None), Some(Mode::Expression));
        m.senses_letdown = false;
        let c = ProgramClock::new(PumpProgram::Button, &m, &mut rng);
        assert_eq!(c.scheduled_mode(110.0, Some(40.0)), Some(Mode::Stimulation));
        let t = PumpProgram::Timer { switch_s: 120.0 };
        let c = ProgramClock::new(t, &m, &mut rng);
        assert_eq!(c.scheduled_mode(119.9, None), Some(Mode::Stimulation));
        assert_eq!(c.scheduled_mode(120.0, None), Some(Mode::Expression));
    }
}
