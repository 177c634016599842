//! Fuzzing of the engine on stable Rust, as proptest properties that check what must hold
//! for any input, not only that nothing panics. CI runs 3000, 3000 and 100 cases (about a
//! second in the test profile); set `LETDOWN_FUZZ_CASES` for a long run, in release:
//!
//! ```text
//! LETDOWN_FUZZ_CASES=10000000 cargo test --release -p letdown-engine --test fuzz_engine fuzz_configs -- --nocapture
//! LETDOWN_FUZZ_CASES=10000000 cargo test --release -p letdown-engine --test fuzz_engine fuzz_raw_samples -- --nocapture
//! LETDOWN_FUZZ_CASES=20000 cargo test --release -p letdown-engine --test fuzz_engine fuzz_streams -- --nocapture
//! ```
//!
//! Measured that way (release, 2 shared cores, one run per core): `fuzz_configs` 10 M
//! cases in 134 s (2.58 M configurations built, 7.42 M refused, each verdict the
//! documented one; 1.37 G samples through the built engines); `fuzz_raw_samples` 10 M
//! cases in 84 s (0.60 G raw bit-pattern samples, 6.0 M gaps); `fuzz_streams` 20 000
//! cases in 95 s (2.13 G samples through each of the two engines, 72 M `process_block`
//! calls, 11 039 onsets, 148 249 safety pauses). Zero panics, zero events dropped, zero
//! failed checks. A case is one fresh engine and its whole stream: 20 M cases, 4.1 G
//! samples in all.
//!
//! Inputs are samples (f32 pairs of every bit pattern: NaN payloads, ±∞, subnormals, ±0,
//! huge) in streams built from segments: a pump rhythm with or without a milk ejection,
//! raw bit patterns, special values, a sensor holding one value, and gaps of any size
//! (`process_gap`, up to 2^40 samples per call: 3.5 years at 10 kHz, which keeps this
//! file's own tallies from overflowing; a gap that takes the sample index to `u64::MAX`,
//! where it saturates, is tested in realtime.rs). Three
//! properties:
//! - `fuzz_configs`: every `EngineConfig` field an arbitrary f32 (or a valid value with a
//!   few fields broken); `build` agrees with the ranges the `ConfigError` variants
//!   document, field by field, and never panics; an engine that builds then runs a short
//!   arbitrary stream within its configured limits;
//! - `fuzz_raw_samples`: short streams of raw bit patterns at arbitrary rates;
//! - `fuzz_streams`: long pump-like streams at 100 … 10 000 Hz with faults and gaps, fed
//!   once sample by sample and once through an arbitrary interleaving of `process`,
//!   `process_block` (blocks of 0 … 3000) and `process_gap`: the events, counters and
//!   final state of both are identical. Then a clean tail: the state is finite again.
//!
//! Every event asserts: confidence finite in 0 … 1; sample indices in order and before
//! the engine's own; a pause hint is all-zero; any other hint's target vacuum is the
//! configured one for its mode (finite, within −300 … 0 and not beyond the configured
//! maximum) and its rate the configured one (finite, within the configured rates and
//! 24 … 130 cpm), ramped over ≥ 2 cycles. Safety within one sample: every impossible
//! reading, over-vacuum or gap falls in a safety pause, whose hint names the sample where
//! it began; over-vacuum is named as such. The counters add up (samples, missing samples,
//! rejected readings at least those that are impossible).

use letdown_engine::{
    ConfigError, ControlHint, Engine, EngineConfig, Event, EventKind, Mode, Reason, Sample,
};
use letdown_test_support::fuzz_config as config;
use proptest::prelude::*;
use std::cell::RefCell;

/// Physical limits of the sanitize stage (DESIGN §2: outside them a reading is a fault).
const PRESSURE_LIMITS: (f32, f32) = (-450.0, 150.0);
const FLOW_LIMITS: (f32, f32) = (-100.0, 250.0);

/// Counts of one property's run (each property runs on its own test thread).
#[derive(Default)]
struct Tally {
    cases: u64,
    builds_ok: u64,
    builds_refused: u64,
    samples: u64,
    non_finite: u64,
    gap_calls: u64,
    missing: u64,
    blocks: u64,
    events: u64,
    hints: u64,
    onsets: u64,
    safety_pauses: u64,
    events_dropped: u64,
}

thread_local! {
    static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
}

fn tally(f: impl FnOnce(&mut Tally)) {
    TALLY.with(|t| f(&mut t.borrow_mut()));
}

fn report(name: &str) {
    TALLY.with(|t| {
        let t = t.borrow();
        eprintln!(
            "fuzz {name}: {} cases, {} builds ok / {} refused, {} samples fed ({} with a \
             non-finite channel) in {} blocks, {} gaps ({} missing samples), {} events \
             ({} hints, {} onsets, {} safety pauses), {} events dropped, 0 panics",
            t.cases,
            t.builds_ok,
            t.builds_refused,
            t.samples,
            t.non_finite,
            t.blocks,
            t.gap_calls,
            t.missing,
            t.events,
            t.hints,
            t.onsets,
            t.safety_pauses,
            t.events_dropped,
        );
    });
}

// ---------------------------------------------------------------------------------------
// Inputs.

/// splitmix64: the sample generator's randomness (a proptest value seeds it, so a
/// failing case replays exactly).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in -1 … 1.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Values that break arithmetic: NaN with payloads and signs, ±∞, ±0, subnormals, the
/// extremes, and the edges of the physical limits.
const SPECIALS: [f32; 24] = [
    f32::NAN,
    -f32::NAN,
    f32::from_bits(0x7F80_0001), // signalling NaN
    f32::from_bits(0xFFC1_2345), // negative NaN with a payload
    f32::INFINITY,
    f32::NEG_INFINITY,
    0.0,
    -0.0,
    f32::MIN_POSITIVE,
    1.0e-45, // smallest subnormal
    -1.0e-45,
    f32::from_bits(0x007F_FFFF), // largest subnormal
    f32::MAX,
    f32::MIN,
    f32::EPSILON,
    1.0e30,
    -1.0e30,
    -450.0,
    150.0,
    -100.0,
    250.0,
    -450.000_03,
    250.000_02,
    -300.0,
];

/// Any f32: a raw bit pattern, a special value, or a plausible reading.
fn any_value(rng: &mut Rng, plausible: (f32, f32)) -> f32 {
    match rng.next() % 8 {
        0..=2 => f32::from_bits(rng.next() as u32),
        3 => SPECIALS[(rng.next() % SPECIALS.len() as u64) as usize],
        _ => {
            let (lo, hi) = plausible;
            lo + (hi - lo) * (rng.unit() * 0.5 + 0.5)
        }
    }
}

/// One piece of an input stream.
#[derive(Clone, Debug)]
enum Segment {
    /// A pump rhythm: sawtooth vacuum at `cpm` down to `depth`, flow at `flow` mL/min
    /// (rising like an ejection when `rising`), pulsing with the strokes, with noise.
    Pump {
        seconds: f32,
        cpm: f32,
        depth: f32,
        flow: f32,
        rising: bool,
        noise: f32,
        /// One sample in this many is replaced by an arbitrary value (0: none).
        glitch_every: u32,
        seed: u64,
    },
    /// A milk ejection as a pump sees it: pumping with no flow for `quiet_s`, flow
    /// rising to `peak` over about `rise_s`, holding for `hold_s`, then decaying.
    Ejection {
        quiet_s: f32,
        rise_s: f32,
        hold_s: f32,
        peak: f32,
        cpm: f32,
        depth: f32,
        seed: u64,
    },
    /// Arbitrary values on both channels.
    Junk { len: u32, seed: u64 },
    /// One channel or both holding a value (a stuck sensor, or a slow one).
    Hold {
        len: u32,
        pressure: f32,
        flow: f32,
        both: bool,
    },
    /// Samples that never arrived.
    Gap(u64),
}

fn arb_segment() -> impl Strategy<Value = Segment> {
    let pump = (
        0.0f32..20.0,
        prop_oneof![3 => 40.0f32..130.0, 1 => 0.0f32..300.0],
        prop_oneof![3 => -200.0f32..-30.0, 1 => -500.0f32..50.0],
        prop_oneof![2 => Just(0.0f32), 3 => 0.0f32..60.0, 1 => -20.0f32..300.0],
        any::<bool>(),
        prop_oneof![2 => 0.0f32..2.0, 1 => 0.0f32..50.0],
        prop_oneof![3 => Just(0u32), 1 => 1u32..200],
        any::<u64>(),
    )
        .prop_map(
            |(seconds, cpm, depth, flow, rising, noise, glitch_every, seed)| Segment::Pump {
                seconds,
                cpm,
                depth,
                flow,
                rising,
                noise,
                glitch_every,
                seed,
            },
        );
    let gap = prop_oneof![
        2 => 0u64..4,
        2 => 1u64..5_000,
        1 => 5_000u64..2_000_000,
        1 => 1u64..(1 << 40),
    ];
    let ejection = (
        5.0f32..40.0,
        3.0f32..30.0,
        5.0f32..60.0,
        prop_oneof![3 => 5.0f32..60.0, 1 => 0.5f32..5.0],
        prop_oneof![3 => 90.0f32..125.0, 1 => 45.0f32..80.0],
        -180.0f32..-60.0,
        any::<u64>(),
    )
        .prop_map(
            |(quiet_s, rise_s, hold_s, peak, cpm, depth, seed)| Segment::Ejection {
                quiet_s,
                rise_s,
                hold_s,
                peak,
                cpm,
                depth,
                seed,
            },
        );
    prop_oneof![
        4 => pump,
        3 => ejection,
        2 => (0u32..3000, any::<u64>()).prop_map(|(len, seed)| Segment::Junk { len, seed }),
        1 => (0u32..30_000, any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
            |(len, p, f, both)| Segment::Hold {
                len,
                pressure: if p % 3 == 0 { f32::from_bits(p) } else { -((p % 200) as f32) },
                flow: if f % 3 == 0 { f32::from_bits(f) } else { (f % 50) as f32 },
                both,
            }
        ),
        2 => gap.prop_map(Segment::Gap),
    ]
}

/// What to feed: runs of samples and gaps, in order.
#[derive(Clone, Debug)]
enum Op {
    Samples(Vec<Sample>),
    Gap(u64),
}

/// Turns segments into samples at `rate`, at most `max_samples` of them in all.
fn synthesize(segments: &[Segment], rate: f32, max_samples: usize) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut total = 0usize;
    let mut t_index = 0u64; // keeps the pump phase continuous across segments
    for seg in segments {
        let room = max_samples.saturating_sub(total);
        let mut out = Vec::new();
        match *seg {
            Segment::Gap(n) => {
                ops.push(Op::Gap(n));
                t_index = t_index.wrapping_add(n);
                continue;
            }
            Segment::Pump {
                seconds,
                cpm,
                depth,
                flow,
                rising,
                noise,
                glitch_every,
                seed,
            } => {
                let mut rng = Rng(seed);
                let n = ((seconds * rate) as usize).min(room);
                for k in 0..n {
                    let t = (t_index + k as u64) as f64 / f64::from(rate);
                    let phase = (t * f64::from(cpm) / 60.0).fract() as f32;
                    let p = if phase < 0.6 {
                        depth * phase / 0.6
                    } else {
                        depth * (1.0 - phase) / 0.4
                    };
                    let level = if rising {
                        flow * (1.0 - (-(k as f32) / rate / 8.0).exp())
                    } else {
                        flow
                    };
                    let f = level * (0.6 + 0.8 * phase);
                    let mut s = Sample::new(p + noise * rng.unit(), f + noise * 0.2 * rng.unit());
                    if glitch_every > 0 && rng.next() % u64::from(glitch_every) == 0 {
                        if rng.next() % 2 == 0 {
                            s.pressure_mmhg = any_value(&mut rng, PRESSURE_LIMITS);
                        } else {
                            s.flow_ml_min = any_value(&mut rng, FLOW_LIMITS);
                        }
                    }
                    out.push(s);
                }
            }
            Segment::Ejection {
                quiet_s,
                rise_s,
                hold_s,
                peak,
                cpm,
                depth,
                seed,
            } => {
                let mut rng = Rng(seed);
                let n = (((quiet_s + rise_s + hold_s + 30.0) * rate) as usize).min(room);
                for k in 0..n {
                    let t = (t_index + k as u64) as f64 / f64::from(rate);
                    let phase = (t * f64::from(cpm) / 60.0).fract() as f32;
                    let p = if phase < 0.6 {
                        depth * phase / 0.6
                    } else {
                        depth * (1.0 - phase) / 0.4
                    };
                    let s = k as f32 / rate - quiet_s;
                    let level = if s < 0.0 {
                        0.0
                    } else if s < rise_s + hold_s {
                        peak * (1.0 - (-3.0 * s / rise_s).exp())
                    } else {
                        peak * (-(s - rise_s - hold_s) / 8.0).exp()
                    };
                    // Milk moves with the suction strokes.
                    let f = level * (0.4 + 1.2 * phase) + 0.3 * rng.unit();
                    out.push(Sample::new(p + 0.5 * rng.unit(), f));
                }
            }
            Segment::Junk { len, seed } => {
                let mut rng = Rng(seed);
                for _ in 0..(len as usize).min(room) {
                    let p = any_value(&mut rng, (-320.0, 60.0));
                    let f = any_value(&mut rng, (-15.0, 130.0));
                    out.push(Sample::new(p, f));
                }
            }
            Segment::Hold {
                len,
                pressure,
                flow,
                both,
            } => {
                let mut rng = Rng(u64::from(len));
                for _ in 0..(len as usize).min(room) {
                    let f = if both { flow } else { flow + rng.unit() };
                    out.push(Sample::new(pressure, f));
                }
            }
        }
        total += out.len();
        t_index += out.len() as u64;
        ops.push(Op::Samples(out));
    }
    ops
}

/// A rate: the usual ones, the edges, or anything in 100 … 10 000 Hz.
fn arb_rate() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => prop::sample::select(vec![100.0f32, 250.0, 500.0, 1000.0, 2000.0, 10_000.0]),
        1 => prop::sample::select(vec![100.000_01f32, 9999.999, 101.0, 199.0, 201.0, 333.3]),
        2 => 100.0f32..=10_000.0,
    ]
}

/// Any f32 for a config field: raw bits mostly, specials, or near the valid ranges.
fn arb_field() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => any::<u32>().prop_map(f32::from_bits),
        1 => prop::sample::select(SPECIALS.to_vec()),
        2 => -4000.0f32..12_000.0,
        1 => -1.0f32..1.0,
    ]
}

/// A valid configuration, every field drawn within its documented range.
fn arb_valid_config() -> impl Strategy<Value = EngineConfig> {
    (
        arb_rate(),
        -300.0f32..=-50.0,
        (0.0f32..=1.0, 0.0f32..=1.0),
        (30.0f32..=130.0, 0.0f32..1.0),
        (30.0f32..=600.0, 0.0f32..=1.0),
        5.0f32..=300.0,
        60.0f32..=3600.0,
        0.001f32..=10.0,
        0.2f32..=20.0,
        1.0f32..=60.0,
    )
        .prop_map(
            |(
                rate,
                max,
                (sv, ev),
                (stim_rate, er),
                (fallback, cue),
                fade,
                end,
                far,
                flow,
                stuck,
            )| {
                let lerp = |lo: f32, hi: f32, x: f32| (lo + (hi - lo) * x).clamp(lo, hi);
                let stim_vacuum = lerp(max.max(-150.0), -30.0, sv);
                let expr_vacuum = lerp(max, -30.0, ev);
                // Strictly slower than stimulation, and at least 24 cpm.
                let expr_rate = lerp(24.0, stim_rate, er).min(stim_rate - 1.0).max(24.0);
                EngineConfig::new(rate)
                    .max_vacuum_mmhg(max)
                    .stimulation_vacuum_mmhg(stim_vacuum)
                    .expression_vacuum_mmhg(expr_vacuum)
                    .stimulation_rate_cpm(stim_rate)
                    .expression_rate_cpm(expr_rate)
                    .fallback_s(fallback)
                    .late_cue_s(lerp(10.0, fallback, cue))
                    .fade_s(fade)
                    // Longer than the fade, as validation asks.
                    .session_end_s(end.max(fade + 1.0))
                    .false_alarms_per_hour(far)
                    .min_flow_ml_min(flow)
                    .stuck_s(stuck)
            },
        )
}

/// A configuration with `edits` fields set to arbitrary f32 through the builder.
fn arb_config() -> impl Strategy<Value = EngineConfig> {
    (
        arb_valid_config(),
        prop_oneof![
            1 => Just(0usize),
            2 => 1usize..4,
            1 => 4usize..14,
        ]
        .prop_flat_map(|n| prop::collection::vec((0usize..13, arb_field()), n)),
    )
        .prop_map(|(c, edits)| {
            edits.into_iter().fold(c, |c, (field, v)| match field {
                0 => EngineConfig {
                    sample_rate_hz: v,
                    ..c
                },
                1 => c.max_vacuum_mmhg(v),
                2 => c.stimulation_vacuum_mmhg(v),
                3 => c.stimulation_rate_cpm(v),
                4 => c.expression_vacuum_mmhg(v),
                5 => c.expression_rate_cpm(v),
                6 => c.fallback_s(v),
                7 => c.late_cue_s(v),
                8 => c.fade_s(v),
                9 => c.session_end_s(v),
                10 => c.false_alarms_per_hour(v),
                11 => c.min_flow_ml_min(v),
                _ => c.stuck_s(v),
            })
        })
}

/// The verdict the `ConfigError` documentation gives, checked field by field in the
/// documented order (written from the docs, not from `validate`).
fn documented_verdict(c: &EngineConfig) -> Result<(), ConfigError> {
    let within = |v: f32, lo: f32, hi: f32| v >= lo && v <= hi; // false for NaN
    let checks = [
        (
            within(c.sample_rate_hz, 100.0, 10_000.0),
            ConfigError::SampleRate,
        ),
        (
            within(c.max_vacuum_mmhg, -300.0, -50.0),
            ConfigError::MaxVacuum,
        ),
        (
            within(c.stimulation_vacuum_mmhg, -150.0, -30.0)
                && c.stimulation_vacuum_mmhg >= c.max_vacuum_mmhg,
            ConfigError::StimulationVacuum,
        ),
        (
            within(c.expression_vacuum_mmhg, -300.0, -30.0)
                && c.expression_vacuum_mmhg >= c.max_vacuum_mmhg,
            ConfigError::ExpressionVacuum,
        ),
        (
            within(c.stimulation_rate_cpm, 24.0, 130.0),
            ConfigError::StimulationRate,
        ),
        (
            within(c.expression_rate_cpm, 24.0, 130.0)
                && c.expression_rate_cpm < c.stimulation_rate_cpm,
            ConfigError::ExpressionRate,
        ),
        (within(c.fallback_s, 30.0, 600.0), ConfigError::FallbackTime),
        (
            within(c.late_cue_s, 10.0, c.fallback_s),
            ConfigError::LateCueTime,
        ),
        (within(c.fade_s, 5.0, 300.0), ConfigError::FadeTime),
        (
            within(c.session_end_s, 60.0, 3600.0) && c.session_end_s > c.fade_s,
            ConfigError::SessionEndTime,
        ),
        (
            within(c.false_alarms_per_hour, 0.001, 10.0),
            ConfigError::FalseAlarmRate,
        ),
        (within(c.min_flow_ml_min, 0.2, 20.0), ConfigError::MinFlow),
        (within(c.stuck_s, 1.0, 60.0), ConfigError::StuckTime),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, e)) => Err(*e),
        None => Ok(()),
    }
}

fn field_name(e: ConfigError) -> &'static str {
    match e {
        ConfigError::SampleRate => "sample_rate_hz",
        ConfigError::MaxVacuum => "max_vacuum_mmhg",
        ConfigError::StimulationVacuum => "stimulation_vacuum_mmhg",
        ConfigError::ExpressionVacuum => "expression_vacuum_mmhg",
        ConfigError::StimulationRate => "stimulation_rate_cpm",
        ConfigError::ExpressionRate => "expression_rate_cpm",
        ConfigError::FallbackTime => "fallback_s",
        ConfigError::LateCueTime => "late_cue_s",
        ConfigError::FadeTime => "fade_s",
        ConfigError::SessionEndTime => "session_end_s",
        ConfigError::FalseAlarmRate => "false_alarms_per_hour",
        ConfigError::MinFlow => "min_flow_ml_min",
        ConfigError::StuckTime => "stuck_s",
    }
}

// ---------------------------------------------------------------------------------------
// Running and checking.

/// Everything fed and everything that came out, for the checks after a run.
#[derive(Default)]
struct Run {
    events: Vec<Event>,
    /// Sample index of each sample fed, with the sample.
    fed: Vec<(u64, Sample)>,
    /// First index and length of each gap.
    gaps: Vec<(u64, u64)>,
}

/// Checks one event as it comes out of the engine.
fn check_event(e: &Event, cfg: &EngineConfig, engine_index: u64, previous: Option<&Event>) {
    assert!(
        e.confidence.is_finite() && (0.0..=1.0).contains(&e.confidence),
        "{e:?}"
    );
    assert!(e.sample_index < engine_index, "{e:?} at {engine_index}");
    if let Some(p) = previous {
        // In sample order, but a safety pause leaves ahead of events still waiting from
        // earlier samples (DESIGN §5: within one sample), and those follow it without
        // their hints.
        let behind_a_pause = p.hint.is_some_and(|h| h.mode == Mode::Pause) && e.hint.is_none();
        assert!(
            p.sample_index <= e.sample_index || behind_a_pause,
            "out of order: {p:?} then {e:?}"
        );
    }
    match e.kind {
        EventKind::Onset => assert_eq!(e.reason, Reason::LetdownDetected, "{e:?}"),
        EventKind::End => assert_eq!(e.reason, Reason::FlowFaded, "{e:?}"),
        // (A plain hint carries no hint while a safety pause is in force.)
        EventKind::Hint => {}
    }
    if let Some(h) = &e.hint {
        check_hint(h, e, cfg);
    }
    tally(|t| {
        t.events += 1;
        t.hints += u64::from(e.hint.is_some());
        t.onsets += u64::from(e.kind == EventKind::Onset);
    });
}

fn check_hint(h: &ControlHint, e: &Event, cfg: &EngineConfig) {
    assert_eq!(h.sample_index, e.sample_index, "{e:?}");
    assert_eq!(h.reason, e.reason, "{e:?}");
    assert!(
        h.confidence.is_finite() && (0.0..=1.0).contains(&h.confidence),
        "{h:?}"
    );
    assert_eq!(h.cue.is_some(), h.reason == Reason::LateLetdownCue, "{h:?}");
    match h.mode {
        Mode::Pause => {
            assert_eq!(
                (h.target_vacuum_mmhg, h.rate_cpm, h.ramp_cycles),
                (0.0, 0.0, 0),
                "{h:?}"
            );
        }
        mode => {
            let v = h.target_vacuum_mmhg;
            let r = h.rate_cpm;
            assert!(v.is_finite() && (-300.0..=0.0).contains(&v), "{h:?}");
            assert!(
                v >= cfg.max_vacuum_mmhg,
                "beyond the configured maximum: {h:?}"
            );
            assert!(r.is_finite() && (24.0..=130.0).contains(&r), "{h:?}");
            assert!(
                (cfg.expression_rate_cpm..=cfg.stimulation_rate_cpm).contains(&r),
                "rate outside the configured ones: {h:?}"
            );
            let (want_v, want_r) = match mode {
                Mode::Stimulation => (cfg.stimulation_vacuum_mmhg, cfg.stimulation_rate_cpm),
                _ => (cfg.expression_vacuum_mmhg, cfg.expression_rate_cpm),
            };
            assert_eq!((v, r), (want_v, want_r), "{h:?}");
            assert!(h.ramp_cycles >= 2, "{h:?}");
        }
    }
}

fn is_safety_pause(e: &Event) -> bool {
    matches!(
        e.reason,
        Reason::OverVacuum | Reason::SensorFault | Reason::StaleData
    ) && e.hint.is_some_and(|h| h.mode == Mode::Pause)
}

fn impossible(v: f32, (lo, hi): (f32, f32)) -> bool {
    !(lo..=hi).contains(&v) // NaN included
}

/// The checks on a whole run: safety within one sample, counters that add up.
fn check_run(run: &Run, engine: &Engine) {
    let cfg = engine.config();
    let stats = engine.stats();
    let fed = run.fed.len() as u64;
    let missing: u64 = run.gaps.iter().map(|g| g.1).sum();
    assert_eq!(stats.samples, fed + missing);
    assert_eq!(engine.sample_index(), fed + missing);
    assert_eq!(stats.missing_samples, missing);
    let bad_p = run
        .fed
        .iter()
        .filter(|(_, s)| impossible(s.pressure_mmhg, PRESSURE_LIMITS))
        .count() as u64;
    let bad_f = run
        .fed
        .iter()
        .filter(|(_, s)| impossible(s.flow_ml_min, FLOW_LIMITS))
        .count() as u64;
    assert!(
        stats.pressure_faults >= bad_p && stats.pressure_faults <= fed,
        "{stats:?}"
    );
    assert!(
        stats.flow_faults >= bad_f && stats.flow_faults <= fed,
        "{stats:?}"
    );
    tally(|t| t.events_dropped += stats.events_dropped);
    if stats.events_dropped > 0 {
        // A dropped event could be a safety pause: the checks below would not hold.
        return;
    }
    // Safety events in index order (pause, or the recovery that ends it).
    let safety: Vec<&Event> = run
        .events
        .iter()
        .filter(|e| is_safety_pause(e) || e.reason == Reason::SensorRecovered)
        .collect();
    tally(|t| t.safety_pauses += safety.iter().filter(|e| is_safety_pause(e)).count() as u64);
    // The latest safety event at or before `index`.
    let state_at = |index: u64| -> Option<&Event> {
        let k = safety.partition_point(|e| e.sample_index <= index);
        k.checked_sub(1).map(|k| safety[k])
    };
    let mut previous_p: Option<u32> = None;
    let mut over_vacuum = 0u64;
    let mut last_fed: Option<u64> = None;
    for &(index, s) in &run.fed {
        let contiguous = last_fed.is_some_and(|l| l + 1 == index);
        let p_bad = impossible(s.pressure_mmhg, PRESSURE_LIMITS);
        let over = !p_bad && s.pressure_mmhg < cfg.max_vacuum_mmhg;
        if p_bad || over || impossible(s.flow_ml_min, FLOW_LIMITS) {
            let state = state_at(index);
            assert!(
                state.is_some_and(is_safety_pause),
                "sample {index} {s:?} is not in a safety pause (last safety event {state:?})"
            );
        }
        // A reading that differs from the one before cannot be a stuck sensor: over-vacuum
        // there is over-vacuum, and said so.
        let fresh = previous_p != Some(s.pressure_mmhg.to_bits()) || !contiguous;
        if over && fresh {
            over_vacuum += 1;
            let state = state_at(index);
            assert!(
                state.is_some_and(|e| e.reason == Reason::OverVacuum),
                "over-vacuum at sample {index} {s:?} not named (last safety event {state:?})"
            );
        }
        previous_p = Some(s.pressure_mmhg.to_bits());
        last_fed = Some(index);
    }
    assert!(stats.over_vacuum_samples >= over_vacuum, "{stats:?}");
    for &(start, n) in &run.gaps {
        if n > 0 {
            let state = state_at(start);
            assert!(
                state.is_some_and(is_safety_pause),
                "gap at {start} not in a safety pause ({state:?})"
            );
        }
    }
}

/// Feeds `ops` one sample at a time.
fn run_per_sample(engine: &mut Engine, ops: &[Op]) -> Run {
    let cfg = *engine.config();
    let mut run = Run::default();
    for op in ops {
        match op {
            Op::Samples(samples) => {
                for &s in samples {
                    let index = engine.sample_index();
                    run.fed.push((index, s));
                    if let Some(e) = engine.process(s) {
                        check_event(&e, &cfg, engine.sample_index(), run.events.last());
                        run.events.push(e);
                    }
                }
                tally(|t| {
                    t.samples += samples.len() as u64;
                    t.non_finite += samples
                        .iter()
                        .filter(|s| !s.pressure_mmhg.is_finite() || !s.flow_ml_min.is_finite())
                        .count() as u64;
                });
            }
            Op::Gap(n) => {
                run.gaps.push((engine.sample_index(), *n));
                if let Some(e) = engine.process_gap(*n) {
                    check_event(&e, &cfg, engine.sample_index(), run.events.last());
                    run.events.push(e);
                }
                tally(|t| {
                    t.gap_calls += 1;
                    t.missing += n;
                });
            }
        }
    }
    run
}

/// How the second engine takes the samples: blocks of these lengths (cycled), each fed
/// through `process_block` or sample by sample through `process`.
type Schedule = Vec<(usize, bool)>;

fn arb_schedule() -> impl Strategy<Value = Schedule> {
    prop::collection::vec(
        (
            prop_oneof![1 => Just(0usize), 3 => 1usize..64, 2 => 64usize..3000],
            prop_oneof![3 => Just(true), 1 => Just(false)],
        ),
        1..8,
    )
}

/// Feeds `ops` through the interleaving `schedule`; returns the events.
fn run_scheduled(engine: &mut Engine, ops: &[Op], schedule: &Schedule) -> Vec<Event> {
    let mut events = Vec::new();
    let mut k = 0usize;
    for op in ops {
        match op {
            Op::Samples(samples) => {
                let mut rest = &samples[..];
                loop {
                    let (mut len, as_block) = schedule[k % schedule.len()];
                    k += 1;
                    if len == 0 {
                        // An empty block changes nothing; then one sample, to move on.
                        engine.process_block(&[], |e| events.push(e));
                        len = 1;
                    }
                    let (chunk, tail) = rest.split_at(len.min(rest.len()));
                    if as_block {
                        engine.process_block(chunk, |e| events.push(e));
                        tally(|t| t.blocks += 1);
                    } else {
                        events.extend(chunk.iter().filter_map(|&s| engine.process(s)));
                    }
                    rest = tail;
                    if rest.is_empty() {
                        break;
                    }
                }
            }
            Op::Gap(n) => events.extend(engine.process_gap(*n)),
        }
    }
    events
}

/// A clean pump signal after whatever came before: afterwards the state is finite.
fn clean_tail(engine: &mut Engine, seconds: f32) {
    let rate = engine.config().sample_rate_hz;
    let cfg = *engine.config();
    let start = engine.sample_index();
    let mut rng = Rng(start);
    let mut previous = None;
    for k in 0..(seconds * rate) as u64 {
        let t = k as f32 / rate;
        let phase = (t * 100.0 / 60.0).fract();
        let p = -90.0
            * if phase < 0.6 {
                phase / 0.6
            } else {
                (1.0 - phase) / 0.4
            };
        let s = Sample::new(p + rng.unit(), 5.0 + 3.0 * phase + 0.2 * rng.unit());
        if let Some(e) = engine.process(s) {
            check_event(&e, &cfg, engine.sample_index(), previous.as_ref());
            previous = Some(e);
        }
    }
    let snap = engine.snapshot();
    for (name, v) in [
        ("baseline", snap.baseline_ml_min),
        ("sigma", snap.sigma_ml_min),
        ("cusum", snap.cusum.0),
        ("threshold", snap.cusum.1),
        ("volume", snap.volume_ml),
    ] {
        assert!(v.is_finite(), "{name} is {v} after a clean tail: {snap:?}");
    }
    assert!(snap.volume_ml >= 0.0 && snap.sigma_ml_min > 0.0, "{snap:?}");
    // NaN is the documented "not known yet"; never infinite.
    let sp = snap.spectral;
    for v in [
        snap.flow_ml_min,
        sp.pressure_rate_cpm,
        sp.pressure_amplitude_mmhg,
        sp.flow_pulsation_ml_min,
        sp.flow_harmonic_ratio,
    ] {
        assert!(!v.is_infinite(), "{snap:?}");
    }
    if let Some(c) = snap.last_cycle {
        assert!(c.rate_cpm.is_finite() && c.depth_mmhg.is_finite() && c.release_mmhg.is_finite());
    }
}

// ---------------------------------------------------------------------------------------
// Properties.

#[test]
fn fuzz_configs() {
    proptest!(config(3000), |(cfg in arb_config(), segments in prop::collection::vec(arb_segment(), 0..4),
                             seconds in 0.0f32..0.5)| {
        tally(|t| t.cases += 1);
        let verdict = documented_verdict(&cfg);
        prop_assert_eq!(cfg.validate(), verdict, "{:?}", cfg);
        match cfg.build() {
            Err(e) => {
                tally(|t| t.builds_refused += 1);
                prop_assert_eq!(Err(e), verdict);
                let text = e.to_string();
                prop_assert!(text.starts_with(&format!("invalid engine config: {} ", field_name(e))), "{}", text);
            }
            Ok(mut engine) => {
                tally(|t| t.builds_ok += 1);
                prop_assert!(verdict.is_ok());
                prop_assert_eq!(engine.config(), &cfg);
                // A short stream: up to half a second of arbitrary segments.
                let max = (seconds * cfg.sample_rate_hz) as usize;
                let ops = synthesize(&segments, cfg.sample_rate_hz, max);
                let run = run_per_sample(&mut engine, &ops);
                check_run(&run, &engine);
            }
        }
    });
    report("configs");
}

#[test]
fn fuzz_raw_samples() {
    proptest!(config(3000), |(rate in prop_oneof![arb_rate(), arb_field()],
                             pairs in prop::collection::vec((any::<u32>(), any::<u32>()), 0..200),
                             gap in prop_oneof![Just(0u64), 1u64..(1 << 40)])| {
        tally(|t| t.cases += 1);
        let Ok(mut engine) = EngineConfig::new(rate).build() else {
            prop_assert!(!(100.0..=10_000.0).contains(&rate));
            tally(|t| t.builds_refused += 1);
            return Ok(());
        };
        tally(|t| t.builds_ok += 1);
        let samples: Vec<Sample> = pairs
            .iter()
            .map(|&(p, f)| Sample::new(f32::from_bits(p), f32::from_bits(f)))
            .collect();
        let (head, tail) = samples.split_at(samples.len() / 2);
        let ops = [Op::Samples(head.to_vec()), Op::Gap(gap), Op::Samples(tail.to_vec())];
        let run = run_per_sample(&mut engine, &ops);
        check_run(&run, &engine);
    });
    report("raw_samples");
}

#[test]
fn fuzz_streams() {
    proptest!(config(100), |(cfg in arb_valid_config(),
                            segments in prop::collection::vec(arb_segment(), 1..12),
                            schedule in arb_schedule(),
                            seconds in 5.0f32..150.0)| {
        tally(|t| t.cases += 1);
        let rate = cfg.sample_rate_hz;
        // At most `seconds` of samples (at most 300 000) in this case.
        let max = ((seconds * rate) as usize).min(300_000);
        let ops = synthesize(&segments, rate, max);
        let mut a = cfg.build().expect("valid by construction");
        let mut b = a.clone();
        tally(|t| t.builds_ok += 1);
        let run = run_per_sample(&mut a, &ops);
        check_run(&run, &a);
        let events = run_scheduled(&mut b, &ops, &schedule);
        // Same input, any interleaving of process / process_block / process_gap: the
        // same events (compared as text: equal NaNs, were there any, compare equal too).
        prop_assert_eq!(format!("{:?}", events), format!("{:?}", run.events));
        prop_assert_eq!(a.stats(), b.stats());
        prop_assert_eq!(format!("{:?}", a.snapshot()), format!("{:?}", b.snapshot()));
        clean_tail(&mut a, 4.0);
    });
    report("streams");
}
