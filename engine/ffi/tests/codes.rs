//! The C code tables of the engine's named values derive from the engine's own lists
//! (`ALL`, `NAMES`): each value's C constant is named after its Rust name and numbered by
//! its place in `ALL`, in the Rust enum and in the committed header, and maps back to it.
//! (A value added to the engine fails to compile in the conversions, which match without
//! a wildcard; these tests pin the names and numbers.)

use letdown_engine::{Cue, DetectorTest, Mode, Reason};
use letdown_ffi::{ld_cue, ld_detector_test, ld_mode, ld_reason, ld_strerror};
use std::collections::{HashMap, HashSet};
use std::ffi::CStr;
use std::fmt::Debug;

/// Every `NAME = value` enumerator of the committed header.
fn header_constants() -> HashMap<String, i64> {
    let header = include_str!("../include/letdown.h");
    header
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().trim_end_matches(',').split_once(" = ")?;
            let value = value.trim_start_matches('(').trim_end_matches(')');
            let value = match value.split_once(" << ") {
                Some((a, b)) => a.parse::<i64>().ok()? << b.parse::<i64>().ok()?,
                None => value.parse().ok()?,
            };
            Some((name.to_string(), value))
        })
        .collect()
}

/// Checks one table: the `i`-th engine value's C constant is `PREFIX_NAME` (its Rust name
/// upper-cased, `-` as `_`) with the value `code(i)`, in Rust and in the header, and the
/// constants are distinct, so each maps back to one engine value.
fn check_table<C: Debug>(
    prefix: &str,
    names: &[&str],
    c_of: impl Fn(usize) -> C,
    value_of: impl Fn(&C) -> i64,
    code: impl Fn(usize) -> i64,
) {
    let header = header_constants();
    let mut back = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let c = c_of(i);
        let want = format!("{prefix}{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(
            format!("{c:?}"),
            want,
            "the C name of the engine's {name:?}"
        );
        assert_eq!(value_of(&c), code(i), "{want}'s value");
        assert_eq!(header.get(&want), Some(&code(i)), "{want} in letdown.h");
        assert_eq!(
            back.insert(value_of(&c), i),
            None,
            "{want} maps back to one value"
        );
    }
}

#[test]
fn modes_reasons_and_cues_have_the_engines_names_and_order() {
    check_table(
        "LD_MODE_",
        &Mode::NAMES,
        |i| ld_mode::from(Mode::ALL[i]),
        |c| *c as i64,
        |i| i as i64 + 1,
    );
    check_table(
        "LD_REASON_",
        &Reason::NAMES,
        |i| ld_reason::from(Reason::ALL[i]),
        |c| *c as i64,
        |i| i as i64 + 1,
    );
    check_table(
        "LD_CUE_",
        &Cue::NAMES,
        |i| ld_cue::from(Some(Cue::ALL[i])),
        |c| *c as i64,
        |i| i as i64 + 1,
    );
    assert_eq!(ld_cue::from(None), ld_cue::LD_CUE_NONE);
    assert_eq!(header_constants().get("LD_CUE_NONE"), Some(&0));
}

#[test]
fn detector_test_bits_follow_the_engines_list() {
    let names = DetectorTest::ALL.map(DetectorTest::name);
    check_table(
        "LD_DETECTOR_TEST_",
        &names,
        |i| ld_detector_test::from(DetectorTest::ALL[i]),
        |c| *c as i64,
        |i| 1 << i,
    );
}

/// `ld_strerror`'s text for any `int32_t`.
fn strerror(code: i32) -> &'static str {
    // SAFETY: `ld_strerror` returns a static, NUL-terminated string for any code.
    unsafe { CStr::from_ptr(ld_strerror(code)) }
        .to_str()
        .unwrap()
}

#[test]
fn every_status_of_the_header_has_its_own_text_and_no_other_code_has_one() {
    let header = header_constants();
    let statuses: HashMap<i64, &str> = header
        .iter()
        .filter(|(name, _)| {
            name.starts_with("LD_ERR_") || ["LD_OK", "LD_EVENT"].contains(&name.as_str())
        })
        .map(|(name, &code)| (code, name.as_str()))
        .collect();
    assert!(statuses.len() > 20, "{statuses:?}");
    let mut texts = HashSet::new();
    for code in -100..=100 {
        let text = strerror(code);
        match statuses.get(&i64::from(code)) {
            Some(name) => {
                assert_ne!(text, "unknown status", "{name} has no text");
                assert!(
                    texts.insert(text),
                    "{name}'s text {text:?} is another's too"
                );
            }
            None => assert_eq!(text, "unknown status", "code {code} is no status"),
        }
    }
    assert_eq!(strerror(-1), "a required pointer is null");
}
