//! What every call returns: a status code, and `ld_strerror`'s text for each.

use core::ffi::c_char;
use letdown_engine::{ConfigError, SettingsError};

/// The result of a call. `LD_OK` (0) and `LD_EVENT` (1) are successes; every failure is
/// negative and changed nothing. `ld_strerror` names the field and its allowed range.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_status {
    /// Done; no event.
    LD_OK = 0,
    /// Done; the event out-parameter holds the event this sample completed.
    LD_EVENT = 1,
    /// A required pointer is null.
    LD_ERR_NULL = -1,
    /// The memory given to `ld_engine_init` is smaller than `ld_engine_size()` bytes.
    LD_ERR_TOO_SMALL = -2,
    /// A pointer is not aligned for its type (the engine memory: to `ld_engine_align()`).
    LD_ERR_MISALIGNED = -3,
    /// The engine pointer does not point to an engine `ld_engine_init` made (told by a
    /// 32-bit mark it writes: memory never initialised is refused all but surely, memory
    /// that held an engine and was reused without clearing may not be).
    LD_ERR_NOT_INITIALIZED = -4,
    /// `ld_process_block` was given samples but no room for an event (`capacity` 0).
    LD_ERR_NO_EVENT_ROOM = -5,
    /// `ld_process_gap`'s `missing` exceeds `LD_MAX_GAP_SAMPLES` (a negative count cast
    /// to `uint64_t`?).
    LD_ERR_GAP_TOO_LONG = -6,
    /// `sample_rate_hz` outside 100 … 10 000 Hz (or not finite).
    LD_ERR_SAMPLE_RATE = -10,
    /// `max_vacuum_mmhg` outside −300 … −50 mmHg.
    LD_ERR_MAX_VACUUM = -11,
    /// `stimulation_vacuum_mmhg` outside −150 … −30 mmHg, or deeper than the maximum.
    LD_ERR_STIMULATION_VACUUM = -12,
    /// `expression_vacuum_mmhg` outside −300 … −30 mmHg, or deeper than the maximum.
    LD_ERR_EXPRESSION_VACUUM = -13,
    /// `stimulation_rate_cpm` outside 24 … 130 cpm.
    LD_ERR_STIMULATION_RATE = -14,
    /// `expression_rate_cpm` outside 24 … 130 cpm, or not slower than stimulation.
    LD_ERR_EXPRESSION_RATE = -15,
    /// `fallback_s` outside 30 … 600 s.
    LD_ERR_FALLBACK_TIME = -16,
    /// `late_cue_s` outside 10 s … `fallback_s`.
    LD_ERR_LATE_CUE_TIME = -17,
    /// `fade_s` outside 5 … 300 s.
    LD_ERR_FADE_TIME = -18,
    /// `session_end_s` outside 60 … 3600 s, or not longer than `fade_s`.
    LD_ERR_SESSION_END_TIME = -19,
    /// `false_alarms_per_hour` outside 0.001 … 10 per hour.
    LD_ERR_FALSE_ALARM_RATE = -20,
    /// `min_flow_ml_min` outside 0.2 … 20 mL/min.
    LD_ERR_MIN_FLOW = -21,
    /// `stuck_s` outside 1 … 60 s.
    LD_ERR_STUCK_TIME = -22,
    /// `detector_tests_off` has a bit that is no `ld_detector_test`.
    LD_ERR_DETECTOR_TESTS = -23,
}

impl From<ConfigError> for ld_status {
    fn from(e: ConfigError) -> Self {
        match e {
            ConfigError::SampleRate => ld_status::LD_ERR_SAMPLE_RATE,
            ConfigError::MaxVacuum => ld_status::LD_ERR_MAX_VACUUM,
            ConfigError::StimulationVacuum => ld_status::LD_ERR_STIMULATION_VACUUM,
            ConfigError::ExpressionVacuum => ld_status::LD_ERR_EXPRESSION_VACUUM,
            ConfigError::StimulationRate => ld_status::LD_ERR_STIMULATION_RATE,
            ConfigError::ExpressionRate => ld_status::LD_ERR_EXPRESSION_RATE,
            ConfigError::FallbackTime => ld_status::LD_ERR_FALLBACK_TIME,
            ConfigError::LateCueTime => ld_status::LD_ERR_LATE_CUE_TIME,
            ConfigError::FadeTime => ld_status::LD_ERR_FADE_TIME,
            ConfigError::SessionEndTime => ld_status::LD_ERR_SESSION_END_TIME,
            ConfigError::FalseAlarmRate => ld_status::LD_ERR_FALSE_ALARM_RATE,
            ConfigError::MinFlow => ld_status::LD_ERR_MIN_FLOW,
            ConfigError::StuckTime => ld_status::LD_ERR_STUCK_TIME,
        }
    }
}

impl From<SettingsError> for ld_status {
    fn from(e: SettingsError) -> Self {
        ConfigError::from(e).into()
    }
}

/// A static, NUL-terminated English text for `status` (any `int32_t`; an unknown code
/// gets "unknown status"). For a config or settings code it is the Rust error's
/// `Display` text: the field, its allowed range and unit (a test checks each).
#[no_mangle]
pub extern "C" fn ld_strerror(status: i32) -> *const c_char {
    let text = match status {
        0 => c"ok",
        1 => c"ok: an event was returned",
        -1 => c"a required pointer is null",
        -2 => c"the engine memory is smaller than ld_engine_size() bytes",
        -3 => c"a pointer is not aligned for its type (engine memory: ld_engine_align())",
        -4 => c"not an engine made by ld_engine_init",
        -5 => c"ld_process_block was given samples but no room for an event (capacity 0)",
        -6 => c"ld_process_gap: missing exceeds LD_MAX_GAP_SAMPLES (a negative count cast to uint64_t?)",
        -10 => c"invalid engine config: sample_rate_hz must be within 100 … 10000 Hz",
        -11 => c"invalid engine config: max_vacuum_mmhg must be within -300 … -50 mmHg",
        -12 => c"invalid engine config: stimulation_vacuum_mmhg must be within -150 … -30 mmHg and not deeper than max_vacuum_mmhg",
        -13 => c"invalid engine config: expression_vacuum_mmhg must be within -300 … -30 mmHg and not deeper than max_vacuum_mmhg",
        -14 => c"invalid engine config: stimulation_rate_cpm must be within 24 … 130 cpm",
        -15 => c"invalid engine config: expression_rate_cpm must be within 24 … 130 cpm and slower than stimulation_rate_cpm",
        -16 => c"invalid engine config: fallback_s must be within 30 … 600 s",
        -17 => c"invalid engine config: late_cue_s must be within 10 s … fallback_s",
        -18 => c"invalid engine config: fade_s must be within 5 … 300 s",
        -19 => c"invalid engine config: session_end_s must be within 60 … 3600 s and longer than fade_s",
        -20 => c"invalid engine config: false_alarms_per_hour must be within 0.001 … 10 per hour",
        -21 => c"invalid engine config: min_flow_ml_min must be within 0.2 … 20 mL/min",
        -22 => c"invalid engine config: stuck_s must be within 1 … 60 s",
        -23 => c"invalid engine config: detector_tests_off may only have the bits of ld_detector_test",
        _ => c"unknown status",
    };
    text.as_ptr()
}
