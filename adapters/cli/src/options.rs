//! Option values shared by the subcommands, parsed and range-checked by clap: a refusal
//! reads `invalid value 'V' for '--FLAG <…>': REASON`, naming the flag, the value given
//! and the allowed range with its unit, and exits with status 2. Numeric options accept
//! a leading minus (`allow_negative_numbers`), so that `--n -1` is refused for its value
//! rather than taken for an unknown flag.

use letdown_datasets::generator::{MAX_MINUTES, RATE_RANGE_HZ};
use letdown_datasets::pump::RATE_LIMITS_CPM;
use letdown_datasets::PumpProgram;

/// Shortest simulated session, minutes (one second: `1e-9` would write an empty file).
pub const MIN_MINUTES: f64 = 1.0 / 60.0;

/// A sample rate within the simulator's range, Hz.
pub fn rate_hz(text: &str) -> Result<f64, String> {
    let (lo, hi) = RATE_RANGE_HZ;
    number(text)
        .filter(|r| (lo..=hi).contains(r))
        .ok_or_else(|| format!("must be a sample rate within {lo} … {hi} Hz"))
}

/// A pump rhythm within the range DESIGN §2 allows (24 … 130), cycles/min.
pub fn rhythm_cpm(text: &str) -> Result<f64, String> {
    let (lo, hi) = RATE_LIMITS_CPM;
    number(text)
        .filter(|r| (lo..=hi).contains(r))
        .ok_or_else(|| format!("must be a pump rhythm within {lo} … {hi} cycles/min"))
}

/// A session length within one second … [`MAX_MINUTES`], minutes.
pub fn minutes(text: &str) -> Result<f64, String> {
    number(text)
        .filter(|m| (MIN_MINUTES..=MAX_MINUTES).contains(m))
        .ok_or_else(|| {
            format!(
                "must be a session length within {MIN_MINUTES:.4} (one second) … \
                 {MAX_MINUTES} minutes"
            )
        })
}

/// An open-loop pump program. `hints` needs an engine in the loop, which `evaluate`'s
/// closed loop runs for every strategy already, so it is refused here with that said.
pub fn open_loop_program(text: &str) -> Result<PumpProgram, String> {
    const CHOICES: &str = "expected timer (switch at 120 s), timer:S (S within 0 … 3600 s), \
                           button or expression-only";
    match text.parse::<PumpProgram>() {
        Ok(PumpProgram::FollowHints) => Err(format!(
            "the pump follows an engine's hints only in closed loop, which `letdown \
             evaluate --simulate N` runs for every strategy; {CHOICES}"
        )),
        Ok(program) => Ok(program),
        Err(_) => Err(CHOICES.to_owned()),
    }
}

/// A whole number within 0 … 2^64 − 1 (a seed, an every-N count): clap's own refusal of
/// `-1` ("invalid digit found in string") names no range.
pub fn whole(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("must be a whole number within 0 … {}", u64::MAX))
}

/// A number of samples in a block (its range, 1 … half a second of samples, depends on
/// the rate and is checked with it; this refuses what is no whole number at all).
pub fn block(text: &str) -> Result<usize, String> {
    (text.trim().parse::<usize>())
        .map_err(|_| "must be a whole number of samples, 1 … half a second of them".to_owned())
}

/// Worker threads: 1 … 1024 (0 would not mean "one per core": leave the option out).
pub fn threads(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=1024).contains(n))
        .ok_or_else(|| "must be 1 … 1024 threads (leave it out for one per core)".to_owned())
}

/// A count of at least one (`0` would quietly do nothing), at most [`MAX_COUNT`].
pub fn count(text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_COUNT).contains(n))
        .ok_or_else(|| format!("must be a whole number within 1 … {MAX_COUNT}"))
}

/// Most sessions one count may ask for: 100 000 fifteen-minute sessions are three years of
/// pumping, and every session's plan is made before the first runs (more aborted the
/// process for want of memory instead of refusing the number).
const MAX_COUNT: u32 = 100_000;

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_the_range_and_unit() {
        assert_eq!(rate_hz("100"), Ok(100.0));
        assert_eq!(
            rate_hz("50"),
            Err("must be a sample rate within 100 … 10000 Hz".to_owned())
        );
        assert!(rate_hz("NaN").is_err() && rate_hz("1e400").is_err());
        assert_eq!(rhythm_cpm("24"), Ok(24.0));
        assert_eq!(
            rhythm_cpm("20"),
            Err("must be a pump rhythm within 24 … 130 cycles/min".to_owned())
        );
        assert!(rhythm_cpm("131").is_err() && rhythm_cpm("inf").is_err());
        assert_eq!(minutes("0.5"), Ok(0.5));
        assert!(minutes("1e-9").is_err() && minutes("1441").is_err());
        assert!(minutes("-1").unwrap_err().contains("one second"));
        assert_eq!(count("3"), Ok(3));
        assert!(count("0").is_err() && count("-1").is_err());
        assert_eq!(threads("2"), Ok(2));
        assert!(threads("0").unwrap_err().contains("one per core"));
        assert_eq!(open_loop_program("button"), Ok(PumpProgram::Button));
        assert!(open_loop_program("hints")
            .unwrap_err()
            .contains("closed loop"));
        assert!(!open_loop_program("gremlin").unwrap_err().contains("hints"));
    }
}
