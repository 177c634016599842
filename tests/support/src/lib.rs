//! What the tests of every letdown crate share, defined once:
//! - [`alloc`]: a counting global allocator (process-wide and per-thread counts, live and
//!   peak bytes) for the tests that prove no allocation happens after construction;
//! - [`fuzz_cases`] and [`fuzz_config`]: how many cases a property test runs, small by
//!   default and scaled by `LETDOWN_FUZZ_CASES` for long runs;
//! - [`isclose`]: float comparison with a relative and an absolute tolerance.
//!
//! Test code only (`publish = false`): nothing here is part of a released crate.
#![warn(missing_docs)]

pub mod alloc;

/// The environment variable that scales the fuzz properties: a case count, underscores
/// allowed (`LETDOWN_FUZZ_CASES=3_400_000`).
pub const FUZZ_CASES_VAR: &str = "LETDOWN_FUZZ_CASES";

/// Cases per fuzz property: `LETDOWN_FUZZ_CASES` (underscores allowed) when it holds a
/// number, else `default` (small, for CI). A value that is not a number is ignored.
pub fn fuzz_cases(default: u32) -> u32 {
    parse_cases(std::env::var(FUZZ_CASES_VAR).ok().as_deref()).unwrap_or(default)
}

fn parse_cases(value: Option<&str>) -> Option<u32> {
    value.and_then(|v| v.replace('_', "").parse().ok())
}

/// The proptest configuration of a fuzz property: [`fuzz_cases`]`(default)` cases, no
/// failure files (a long run should not fill the disk with them), and at most a minute
/// of shrinking (enough to make a large failing input readable).
pub fn fuzz_config(default: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: fuzz_cases(default),
        failure_persistence: None,
        max_shrink_time: 60_000,
        ..proptest::test_runner::Config::default()
    }
}

/// Whether `a` and `b` are equal within `atol + rtol · |b|` (NumPy's `isclose`: `b` is
/// the reference). NaN is close to nothing; equal infinities are close.
pub fn isclose(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    a == b || (a - b).abs() <= atol + rtol * b.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_come_from_the_variable_with_underscores() {
        assert_eq!(parse_cases(Some("3_400_000")), Some(3_400_000));
        assert_eq!(parse_cases(Some("12")), Some(12));
        assert_eq!(parse_cases(Some("many")), None);
        assert_eq!(parse_cases(None), None);
    }

    #[test]
    fn isclose_uses_both_tolerances() {
        assert!(isclose(1.0, 1.0, 0.0, 0.0));
        assert!(isclose(100.5, 100.0, 0.01, 0.0));
        assert!(!isclose(102.0, 100.0, 0.01, 0.0));
        assert!(isclose(1e-12, 0.0, 0.0, 1e-9));
        assert!(!isclose(f64::NAN, f64::NAN, 1.0, 1.0));
        assert!(isclose(f64::INFINITY, f64::INFINITY, 0.0, 0.0));
        assert!(!isclose(f64::INFINITY, 1.0, 0.5, 1.0));
    }
}
