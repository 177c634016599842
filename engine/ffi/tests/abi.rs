//! The C ABI's contract, called from Rust: every bad pointer refused with its code and
//! nothing touched, every config and settings error the Rust engine's own with its text,
//! blocks of any size and any events array equal to one call per sample.

mod support;

use letdown_engine::{ConfigError, DetectorTest, EngineConfig, Event, EventKind, Reason, Sample};
use letdown_ffi::*;
use std::ffi::CStr;
use std::mem::size_of;
use std::ptr::{null, null_mut};

/// Memory for one engine, aligned for it.
fn memory() -> Vec<u64> {
    vec![0; ld_engine_size().div_ceil(8)]
}

fn init(mem: &mut [u64], config: &ld_config) -> Result<*mut ld_engine, ld_status> {
    let mut engine = null_mut();
    // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
    match unsafe { ld_engine_init(mem.as_mut_ptr().cast(), mem.len() * 8, config, &mut engine) } {
        ld_status::LD_OK => Ok(engine),
        e => Err(e),
    }
}

fn placeholder_event() -> ld_event {
    Event {
        sample_index: 0,
        kind: EventKind::Hint,
        reason: Reason::SessionEnd,
        confidence: 0.0,
        hint: None,
    }
    .into()
}

fn strerror(status: ld_status) -> String {
    // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
    unsafe { CStr::from_ptr(ld_strerror(status as i32)) }
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn bad_pointers_and_memory_are_refused_with_a_code_and_touch_nothing() {
    let config = ld_config_default(1000.0);
    let mut mem = memory();
    let len = mem.len() * 8;
    let base: *mut u8 = mem.as_mut_ptr().cast();
    let mut engine = null_mut();
    // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
    let init = |m: *mut u8, l: usize, c: *const ld_config, e: *mut *mut ld_engine| unsafe {
        ld_engine_init(m.cast(), l, c, e)
    };
    assert_eq!(
        init(null_mut(), len, &config, &mut engine),
        ld_status::LD_ERR_NULL
    );
    assert_eq!(init(base, len, null(), &mut engine), ld_status::LD_ERR_NULL);
    assert_eq!(init(base, len, &config, null_mut()), ld_status::LD_ERR_NULL);
    assert_eq!(
        init(base.wrapping_add(4), len - 8, &config, &mut engine),
        ld_status::LD_ERR_MISALIGNED
    );
    assert_eq!(
        init(base, ld_engine_size() - 1, &config, &mut engine),
        ld_status::LD_ERR_TOO_SMALL
    );
    assert!(
        engine.is_null() && mem.iter().all(|&w| w == 0),
        "a refused init wrote"
    );

    // Memory ld_engine_init never filled is not an engine.
    let mut event = placeholder_event();
    let zeroed: *mut ld_engine = mem.as_mut_ptr().cast();
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_process(zeroed, -50.0, 0.0, &mut event) },
        ld_status::LD_ERR_NOT_INITIALIZED
    );
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_process(null_mut(), -50.0, 0.0, &mut event) },
        ld_status::LD_ERR_NULL
    );

    let engine = init_ok(&mut mem, &config);
    let misaligned = engine.cast::<u8>().wrapping_add(1).cast::<ld_engine>();
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_process(misaligned, -50.0, 0.0, &mut event) },
        ld_status::LD_ERR_MISALIGNED
    );
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_process(engine, -50.0, 0.0, null_mut()) },
        ld_status::LD_ERR_NULL
    );
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_process_gap(engine, 5, null_mut()) },
        ld_status::LD_ERR_NULL
    );
    // Every call on an engine refuses a null, a misaligned and an uninitialised one.
    let mut blank = memory();
    let uninitialised: *mut ld_engine = blank.as_mut_ptr().cast();
    let settings = ld_user_settings::from(EngineConfig::new(1000.0).user_settings());
    for (bad, want) in [
        (null_mut(), ld_status::LD_ERR_NULL),
        (misaligned, ld_status::LD_ERR_MISALIGNED),
        (uninitialised, ld_status::LD_ERR_NOT_INITIALIZED),
    ] {
        let (mut processed, mut n_events) = (0, 0);
        let mut got_settings = settings;
        let mut stats = ld_stats::default();
        let mut snapshot = ld_snapshot::from(EngineConfig::new(1000.0).build().unwrap().snapshot());
        let sample = ld_sample::default();
        // SAFETY: a refused engine pointer (checked before anything is read but its mark),
        // and live out-parameters.
        let statuses = unsafe {
            [
                ld_process(bad, -50.0, 0.0, &mut event),
                ld_process_block(
                    bad,
                    &sample,
                    1,
                    &mut event,
                    1,
                    &mut processed,
                    &mut n_events,
                ),
                ld_process_gap(bad, 1, &mut event),
                ld_set_user_settings(bad, &settings),
                ld_user_settings_get(bad, &mut got_settings),
                ld_stats_get(bad, &mut stats),
                ld_snapshot_get(bad, &mut snapshot),
            ]
        };
        assert_eq!(statuses, [want; 7]);
    }
    assert!(blank.iter().all(|&w| w == 0), "a refused call wrote");
    let (mut processed, mut n_events) = (0, 0);
    let samples = [ld_sample::default(); 4];
    // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
    let block = |s: *const ld_sample, n, e: *mut ld_event, cap, p: *mut usize, ne: *mut usize| unsafe {
        ld_process_block(engine, s, n, e, cap, p, ne)
    };
    let (s, e, p, ne): (_, *mut ld_event, *mut usize, *mut usize) =
        (samples.as_ptr(), &mut event, &mut processed, &mut n_events);
    use ld_status::{LD_ERR_NO_EVENT_ROOM, LD_ERR_NULL};
    for (args, want) in [
        ((null(), 4, e, 1, p, ne), LD_ERR_NULL),
        ((s, 4, null_mut(), 1, p, ne), LD_ERR_NULL),
        ((s, 4, e, 1, null_mut(), ne), LD_ERR_NULL),
        ((s, 4, e, 1, p, null_mut()), LD_ERR_NULL),
        // Samples with no room for their events: refused, not a call that never moves on.
        ((s, 4, null_mut(), 0, p, ne), LD_ERR_NO_EVENT_ROOM),
    ] {
        let (s, n, e, cap, p, ne) = args;
        assert_eq!(block(s, n, e, cap, p, ne), want, "{args:?}");
    }
    // A gap count gone negative in the caller's arithmetic, and the longest taken.
    for missing in [u64::MAX, LD_MAX_GAP_SAMPLES + 1] {
        assert_eq!(
            // SAFETY: a live engine and event.
            unsafe { ld_process_gap(engine, missing, &mut event) },
            ld_status::LD_ERR_GAP_TOO_LONG
        );
    }
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_set_user_settings(engine, null()) },
        ld_status::LD_ERR_NULL
    );
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_stats_get(engine, null_mut()) },
        ld_status::LD_ERR_NULL
    );
    assert_eq!(
        // SAFETY: null on purpose (refused unwritten).
        unsafe { ld_user_settings_get(engine, null_mut()) },
        ld_status::LD_ERR_NULL
    );
    let mut stats = ld_stats::default();
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_stats_get(engine, &mut stats) },
        ld_status::LD_OK
    );
    assert_eq!(stats.samples, 0, "a refused call processed samples");
    // Empty arrays may be null.
    assert_eq!(
        block(null(), 0, null_mut(), 0, &mut processed, &mut n_events),
        ld_status::LD_OK
    );
    assert_eq!((processed, n_events), (0, 0));
}

fn init_ok(mem: &mut [u64], config: &ld_config) -> *mut ld_engine {
    init(mem, config).unwrap()
}

/// One config per field, each with only that field out of range.
fn bad_configs() -> Vec<ld_config> {
    let d = ld_config_default(1000.0);
    vec![
        ld_config {
            sample_rate_hz: 50.0,
            ..d
        },
        ld_config {
            sample_rate_hz: f32::NAN,
            ..d
        },
        ld_config {
            max_vacuum_mmhg: -400.0,
            ..d
        },
        ld_config {
            stimulation_vacuum_mmhg: -10.0,
            ..d
        },
        ld_config {
            expression_vacuum_mmhg: -260.0,
            max_vacuum_mmhg: -250.0,
            ..d
        },
        ld_config {
            stimulation_rate_cpm: 200.0,
            ..d
        },
        ld_config {
            expression_rate_cpm: 120.0,
            ..d
        },
        ld_config {
            fallback_s: 10.0,
            ..d
        },
        ld_config {
            late_cue_s: 130.0,
            ..d
        },
        ld_config { fade_s: 1.0, ..d },
        ld_config {
            session_end_s: 10.0,
            ..d
        },
        ld_config {
            false_alarms_per_hour: 100.0,
            ..d
        },
        ld_config {
            min_flow_ml_min: 0.0,
            ..d
        },
        ld_config { stuck_s: 0.1, ..d },
    ]
}

#[test]
fn config_errors_are_the_engines_own_with_its_text() {
    let mut seen = Vec::new();
    for config in bad_configs() {
        let rust: ConfigError = config.to_engine().unwrap().build().unwrap_err();
        let mut mem = memory();
        let status = init(&mut mem, &config).unwrap_err();
        assert_eq!(status, ld_status::from(rust), "{config:?}");
        assert_eq!(strerror(status), rust.to_string());
        seen.push(rust);
    }
    seen.dedup();
    assert_eq!(seen.len(), 13, "every ConfigError variant: {seen:?}");
    assert_eq!(
        ld_config_default(250.0).to_engine().unwrap(),
        EngineConfig::new(250.0)
    );
}

#[test]
fn settings_changes_follow_the_engine() {
    let mut mem = memory();
    let engine = init_ok(&mut mem, &ld_config_default(1000.0));
    let mut s = ld_user_settings::default();
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_user_settings_get(engine, &mut s) },
        ld_status::LD_OK
    );
    assert_eq!(s, EngineConfig::new(1000.0).user_settings().into());
    let gentle = ld_user_settings {
        expression_vacuum_mmhg: -140.0,
        max_vacuum_mmhg: -150.0,
        ..s
    };
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_set_user_settings(engine, &gentle) },
        ld_status::LD_OK
    );
    let refused = ld_user_settings {
        expression_rate_cpm: 130.0,
        ..gentle
    };
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_set_user_settings(engine, &refused) },
        ld_status::LD_ERR_EXPRESSION_RATE
    );
    assert_eq!(
        // SAFETY: null or misaligned on purpose (refused unread), or live values of their types.
        unsafe { ld_user_settings_get(engine, &mut s) },
        ld_status::LD_OK
    );
    assert_eq!(s, gentle, "a refused change changed the settings");
}

/// A pump-like stream with an ejection and a fault: pressure at 110 cycles/min, flow
/// rising from 60 s with the pump's pulsation, a NaN burst at 100 s.
fn stream(rate: f32, seconds: f32) -> Vec<Sample> {
    let n = (rate * seconds) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate;
            let phase = (2.0 * std::f32::consts::PI * 110.0 / 60.0 * t).sin();
            let milk = ((t - 60.0) / 10.0).clamp(0.0, 1.0) * 25.0 * (1.0 + 0.5 * phase);
            let noise = ((i * 7919) % 101) as f32 / 101.0 - 0.5;
            let flow = if (100.0..100.3).contains(&t) {
                f32::NAN
            } else {
                milk + noise
            };
            Sample::new(-60.0 + 50.0 * phase, flow)
        })
        .collect()
}

#[test]
fn blocks_of_any_size_with_any_events_array_equal_one_call_per_sample() {
    let rate = 500.0;
    let input = stream(rate, 240.0);
    let mut rust = EngineConfig::new(rate).build().unwrap();
    let want: Vec<ld_event> = input
        .iter()
        .filter_map(|&s| rust.process(s))
        .map(ld_event::from)
        .collect();
    assert!(want.len() >= 3, "{} events", want.len());
    let c_input: Vec<ld_sample> = input
        .iter()
        .map(|s| ld_sample {
            pressure_mmhg: s.pressure_mmhg,
            flow_ml_min: s.flow_ml_min,
        })
        .collect();
    for (block, capacity) in [(1, 1), (7, 1), (32, 2), (1000, 1), (100_000, 8)] {
        let mut mem = memory();
        let engine = init_ok(&mut mem, &ld_config_default(rate));
        let mut got = Vec::new();
        let mut events = vec![placeholder_event(); capacity];
        for chunk in c_input.chunks(block) {
            support::feed_block(engine, chunk, &mut events, |e| got.push(*e));
        }
        assert_eq!(got, want, "block {block}, events array {capacity}");
    }
}

#[test]
fn the_per_sample_calls_write_their_event_at_any_alignment() {
    let rate = 500.0;
    let input = stream(rate, 240.0);
    let mut rust = EngineConfig::new(rate).build().unwrap();
    let mut want: Vec<ld_event> = input
        .iter()
        .filter_map(|&s| rust.process(s))
        .map(ld_event::from)
        .collect();
    want.extend(rust.process_gap(1_000).map(ld_event::from));
    assert!(want.len() >= 4, "{} events", want.len());
    let mut mem = memory();
    let engine = init_ok(&mut mem, &ld_config_default(rate));
    // One byte past an aligned `ld_event`: misaligned for it (its alignment is 8).
    let mut bytes = [0u64; size_of::<ld_event>() / 8 + 1];
    let out = bytes
        .as_mut_ptr()
        .cast::<u8>()
        .wrapping_add(1)
        .cast::<ld_event>();
    assert!(!out.is_aligned());
    let mut got = Vec::new();
    let mut take = |status| {
        if status == ld_status::LD_EVENT {
            // SAFETY: `out` lies inside `bytes`, just written by the call.
            got.push(unsafe { out.read_unaligned() });
        }
    };
    for s in &input {
        // SAFETY: a live engine; `out` is writable for an `ld_event` (unaligned).
        take(unsafe { ld_process(engine, s.pressure_mmhg, s.flow_ml_min, out) });
    }
    // SAFETY: as above.
    take(unsafe { ld_process_gap(engine, 1_000, out) });
    assert_eq!(got, want);
}

#[test]
fn snapshot_and_counters_through_c_are_the_rust_engines() {
    let rate = 500.0;
    let input = stream(rate, 240.0);
    let mut rust = EngineConfig::new(rate).build().unwrap();
    let mut mem = memory();
    let engine = init_ok(&mut mem, &ld_config_default(rate));
    let mut event = placeholder_event();
    for &s in &input {
        rust.process(s);
        // SAFETY: a live engine and event.
        unsafe { ld_process(engine, s.pressure_mmhg, s.flow_ml_min, &mut event) };
    }
    let mut snapshot = ld_snapshot::from(EngineConfig::new(rate).build().unwrap().snapshot());
    let mut stats = ld_stats::default();
    // SAFETY: a live engine and out-parameters.
    let status = unsafe {
        (
            ld_snapshot_get(engine, &mut snapshot),
            ld_stats_get(engine, &mut stats),
        )
    };
    assert_eq!(status, (ld_status::LD_OK, ld_status::LD_OK));
    assert_eq!(snapshot, ld_snapshot::from(rust.snapshot()));
    assert_eq!(stats, ld_stats::from(rust.stats()));
    // The stream's own facts: 110 cycles/min pumping, an ejection's milk, a NaN burst.
    assert!(snapshot.has_cycle && snapshot.last_cycle.pumping);
    assert!(
        (snapshot.last_cycle.rate_cpm - 110.0).abs() < 5.0,
        "{snapshot:?}"
    );
    assert!(snapshot.volume_ml > 0.0 && snapshot.spectral.pressure_rate_cpm.is_finite());
    assert_eq!(stats.samples, input.len() as u64);
    assert_eq!(stats.flow_faults, 150, "0.3 s of NaN at 500 Hz");
    // SAFETY: null on purpose (refused unread).
    let refused = unsafe { ld_snapshot_get(engine, null_mut()) };
    assert_eq!(refused, ld_status::LD_ERR_NULL);
}

#[test]
fn detector_tests_off_switch_the_rust_configs_tests_off() {
    let mut config = ld_config_default(1000.0);
    assert_eq!(config.detector_tests_off, 0, "every test on by default");
    config.detector_tests_off = ld_detector_test::LD_DETECTOR_TEST_DUCTAL as u32
        | ld_detector_test::LD_DETECTOR_TEST_RISE_RATE as u32;
    let rust = config.to_engine().unwrap();
    for t in DetectorTest::ALL {
        let off = matches!(t, DetectorTest::Ductal | DetectorTest::RiseRate);
        assert_eq!(rust.detector_tests.has(t), !off, "{t}");
    }
    assert_eq!(ld_config::from_engine(&rust), config, "and back");
    let mut mem = memory();
    assert!(init(&mut mem, &config).is_ok());
    // A bit that is no test's is refused, the memory untouched.
    config.detector_tests_off = 1 << DetectorTest::ALL.len();
    let mut fresh = memory();
    assert_eq!(
        init(&mut fresh, &config),
        Err(ld_status::LD_ERR_DETECTOR_TESTS)
    );
    assert!(fresh.iter().all(|&w| w == 0));
    assert_eq!(
        strerror(ld_status::LD_ERR_DETECTOR_TESTS),
        "invalid engine config: detector_tests_off may only have the bits of ld_detector_test"
    );
}
