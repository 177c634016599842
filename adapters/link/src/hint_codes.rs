//! Wire codes of the engine's hint enums (crate docs, "Hint body"). A value's code is its
//! position in the engine's `ALL` (declaration order); a cue's is one more, 0 meaning no
//! cue. There is no second table to fall out of step with the engine: a new variant gets
//! the next code. The golden frames (`tests/golden.rs`, checked against an independent
//! Python encoder) pin every code, so reordering variants in the engine fails there.

use crate::error::Field;
use letdown_engine::{Cue, Mode, Reason};

pub(crate) const fn mode_code(mode: Mode) -> u8 {
    mode as u8
}

pub(crate) fn mode_from(code: u8) -> Result<Mode, Field> {
    match Mode::ALL.get(code as usize) {
        Some(&mode) => Ok(mode),
        None => Err(Field::Mode),
    }
}

pub(crate) const fn reason_code(reason: Reason) -> u8 {
    reason as u8
}

pub(crate) fn reason_from(code: u8) -> Result<Reason, Field> {
    match Reason::ALL.get(code as usize) {
        Some(&reason) => Ok(reason),
        None => Err(Field::Reason),
    }
}

pub(crate) const fn cue_code(cue: Option<Cue>) -> u8 {
    match cue {
        None => 0,
        Some(cue) => cue as u8 + 1,
    }
}

pub(crate) fn cue_from(code: u8) -> Result<Option<Cue>, Field> {
    if code == 0 {
        return Ok(None);
    }
    match Cue::ALL.get(code as usize - 1) {
        Some(&cue) => Ok(Some(cue)),
        None => Err(Field::Cue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes the protocol documents (crate docs, "Hint body"), written out once here
    /// so that a reordered engine enum fails a test of this crate as well.
    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(mode_code(Mode::Stimulation), 0);
        assert_eq!(mode_code(Mode::Pause), 2);
        assert_eq!(reason_code(Reason::LetdownDetected), 0);
        assert_eq!(reason_code(Reason::SensorRecovered), 6);
        assert_eq!(reason_code(Reason::SessionEnd), 8);
        assert_eq!(cue_code(None), 0);
        assert_eq!(cue_code(Some(Cue::Relax)), 1);
        assert_eq!(cue_code(Some(Cue::Massage)), 4);
    }

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
