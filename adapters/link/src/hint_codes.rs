//! Wire codes of the engine's hint enums (crate docs, "Hint body"). The matches are
//! exhaustive: a new engine variant fails to compile here until the protocol gives it a
//! code.

use crate::error::Field;
use letdown_engine::{Cue, Mode, Reason};

pub(crate) const fn mode_code(mode: Mode) -> u8 {
    match mode {
        Mode::Stimulation => 0,
        Mode::Expression => 1,
        Mode::Pause => 2,
    }
}

pub(crate) const fn mode_from(code: u8) -> Result<Mode, Field> {
    Ok(match code {
        0 => Mode::Stimulation,
        1 => Mode::Expression,
        2 => Mode::Pause,
        _ => return Err(Field::Mode),
    })
}

pub(crate) const fn reason_code(reason: Reason) -> u8 {
    match reason {
        Reason::LetdownDetected => 0,
        Reason::FlowFaded => 1,
        Reason::FallbackTimer => 2,
        Reason::OverVacuum => 3,
        Reason::SensorFault => 4,
        Reason::StaleData => 5,
        Reason::SensorRecovered => 6,
        Reason::LateLetdownCue => 7,
        Reason::SessionEnd => 8,
    }
}

pub(crate) const fn reason_from(code: u8) -> Result<Reason, Field> {
    Ok(match code {
        0 => Reason::LetdownDetected,
        1 => Reason::FlowFaded,
        2 => Reason::FallbackTimer,
        3 => Reason::OverVacuum,
        4 => Reason::SensorFault,
        5 => Reason::StaleData,
        6 => Reason::SensorRecovered,
        7 => Reason::LateLetdownCue,
        8 => Reason::SessionEnd,
        _ => return Err(Field::Reason),
    })
}

pub(crate) const fn cue_code(cue: Option<Cue>) -> u8 {
    match cue {
        None => 0,
        Some(Cue::Relax) => 1,
        Some(Cue::BabyPhoto) => 2,
        Some(Cue::Warmth) => 3,
        Some(Cue::Massage) => 4,
    }
}

pub(crate) const fn cue_from(code: u8) -> Result<Option<Cue>, Field> {
    Ok(match code {
        0 => None,
        1 => Some(Cue::Relax),
        2 => Some(Cue::BabyPhoto),
        3 => Some(Cue::Warmth),
        4 => Some(Cue::Massage),
        _ => return Err(Field::Cue),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for code in 0..=u8::MAX {
            match mode_from(code) {
                Ok(m) => assert_eq!(mode_code(m), code),
                Err(f) => assert!(code > 2 && f == Field::Mode),
            }
            match reason_from(code) {
                Ok(r) => assert_eq!(reason_code(r), code),
                Err(f) => assert!(code > 8 && f == Field::Reason),
            }
            match cue_from(code) {
                Ok(c) => assert_eq!(cue_code(c), code),
                Err(f) => assert!(code > 4 && f == Field::Cue),
            }
        }
    }
}
