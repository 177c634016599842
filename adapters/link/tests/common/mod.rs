//! Shared test support: frame builders and proptest strategies.
#![allow(dead_code)] // each test binary uses its own part

use letdown_engine::{ControlHint, Cue, EngineConfig, Mode, Reason, UserSettings};
use letdown_link::{
    encode, Ack, Frame, Heartbeat, Hello, Payload, RawSample, SampleBlock, StreamConfig,
    MAX_FRAME_LEN, MAX_SAMPLES_PER_BLOCK,
};
use proptest::prelude::*;

/// The recommended configuration: 1 kHz, 0.01 mmHg and 0.01 mL/min per count.
pub const CONFIG: StreamConfig = StreamConfig::new(1000, 0.01, 0.01);

/// A block of `n` distinct samples starting at `first`.
pub fn block(first: u64, n: usize) -> SampleBlock {
    let samples: Vec<RawSample> = (0..n)
        .map(|i| RawSample::new(-(i as i16) * 100, i as i16 * 3))
        .collect();
    SampleBlock::from_samples(CONFIG, first, &samples).unwrap()
}

/// A gentle user's settings.
pub fn settings() -> UserSettings {
    UserSettings {
        stimulation_vacuum_mmhg: -70.0,
        stimulation_rate_cpm: 105.0,
        expression_vacuum_mmhg: -140.0,
        expression_rate_cpm: 55.0,
        max_vacuum_mmhg: -160.0,
    }
}

pub fn hint() -> ControlHint {
    ControlHint {
        sample_index: 123_456,
        mode: Mode::Expression,
        target_vacuum_mmhg: -180.0,
        rate_cpm: 60.0,
        ramp_cycles: 2,
        reason: Reason::LetdownDetected,
        confidence: 0.8,
        cue: None,
    }
}

/// One frame of each type.
pub fn one_of_each() -> Vec<Payload> {
    vec![
        Payload::Hello(Hello {
            config: CONFIG,
            max_samples_per_block: 16,
            next_sample_index: 0,
        }),
        Payload::SampleBlock(block(0, 16)),
        Payload::Settings(settings()),
        Payload::Hint(hint()),
        Payload::Ack(Ack {
            last_seq: 9,
            frames_received: 10,
            frames_dropped: 1,
            samples_missing: 16,
            samples_overrun: 32,
            samples_discarded: 3,
            oversize_bytes: 300,
            next_sample_index: 1 << 40,
            spare_samples: 4096,
            dropped_by_reason: [1, 0, 0, 0, 0, 0, 0, 0],
        }),
        Payload::Heartbeat(Heartbeat { uptime_ms: 5000 }),
    ]
}

/// The wire bytes of a frame.
pub fn wire(seq: u16, payload: Payload) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = encode(&Frame { seq, payload }, &mut buf).unwrap();
    buf[..n].to_vec()
}

// ---- proptest strategies -------------------------------------------------------------

pub fn arb_config() -> impl Strategy<Value = StreamConfig> {
    (1u16.., 1e-4f32..10.0, 1e-4f32..10.0).prop_map(|(r, p, f)| StreamConfig::new(r, p, f))
}

pub fn arb_raw() -> impl Strategy<Value = RawSample> {
    (any::<i16>(), any::<i16>()).prop_map(|(p, f)| RawSample::new(p, f))
}

pub fn arb_block() -> impl Strategy<Value = SampleBlock> {
    (
        arb_config(),
        any::<u64>(),
        prop::collection::vec(arb_raw(), 1..=MAX_SAMPLES_PER_BLOCK),
    )
        .prop_map(|(c, first, s)| SampleBlock::from_samples(c, first, &s).unwrap())
}

fn arb_mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Stimulation),
        Just(Mode::Expression),
        Just(Mode::Pause)
    ]
}

fn arb_reason() -> impl Strategy<Value = Reason> {
    prop_oneof![
        Just(Reason::LetdownDetected),
        Just(Reason::FlowFaded),
        Just(Reason::FallbackTimer),
        Just(Reason::OverVacuum),
        Just(Reason::SensorFault),
        Just(Reason::StaleData),
        Just(Reason::SensorRecovered),
        Just(Reason::LateLetdownCue),
        Just(Reason::SessionEnd),
    ]
}

fn arb_cue() -> impl Strategy<Value = Option<Cue>> {
    prop_oneof![
        Just(None),
        Just(Some(Cue::Relax)),
        Just(Some(Cue::BabyPhoto)),
        Just(Some(Cue::Warmth)),
        Just(Some(Cue::Massage)),
    ]
}

pub fn arb_hint() -> impl Strategy<Value = ControlHint> {
    (
        any::<u64>(),
        arb_mode(),
        arb_reason(),
        arb_cue(),
        any::<u8>(),
        -300.0f32..=0.0,
        0.0f32..=130.0,
        0.0f32..=1.0,
    )
        .prop_map(
            |(sample_index, mode, reason, cue, ramp_cycles, v, r, c)| ControlHint {
                sample_index,
                mode,
                target_vacuum_mmhg: v,
                rate_cpm: r,
                ramp_cycles,
                reason,
                confidence: c,
                cue,
            },
        )
}

/// Settings the engine accepts: each field drawn within the range the others leave it.
pub fn arb_settings() -> impl Strategy<Value = UserSettings> {
    (
        -300.0f32..=-50.0,
        0.0f32..=1.0,
        0.0f32..=1.0,
        25.0f32..=130.0,
        0.0f32..1.0,
    )
        .prop_map(|(max, stim, expr, stim_rate, expr_rate)| {
            let stim_deepest = (-150.0f32).max(max);
            let s = UserSettings {
                max_vacuum_mmhg: max,
                stimulation_vacuum_mmhg: stim_deepest + stim * (-30.0 - stim_deepest),
                expression_vacuum_mmhg: max + expr * (-30.0 - max),
                stimulation_rate_cpm: stim_rate,
                expression_rate_cpm: 24.0 + expr_rate * (stim_rate - 24.0),
            };
            // Rounding can put a value a hair outside its range: fall back to the defaults.
            if s.validate().is_ok() {
                s
            } else {
                EngineConfig::new(1000.0).user_settings()
            }
        })
}

pub fn arb_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (arb_config(), 1u8..=64, any::<u64>()).prop_map(|(config, m, next)| {
            Payload::Hello(Hello {
                config,
                max_samples_per_block: m,
                next_sample_index: next,
            })
        }),
        arb_block().prop_map(Payload::SampleBlock),
        arb_settings().prop_map(Payload::Settings),
        arb_hint().prop_map(Payload::Hint),
        (
            (any::<u16>(), any::<u32>(), any::<u32>(), any::<u32>()),
            (any::<u32>(), any::<u32>(), any::<u32>(), any::<u64>()),
            (any::<u32>(), any::<[u32; 8]>()),
        )
            .prop_map(|((s, r, d, m), (o, x, b, i), (spare, by_reason))| {
                Payload::Ack(Ack {
                    last_seq: s,
                    frames_received: r,
                    frames_dropped: d,
                    samples_missing: m,
                    samples_overrun: o,
                    samples_discarded: x,
                    oversize_bytes: b,
                    next_sample_index: i,
                    spare_samples: spare,
                    dropped_by_reason: by_reason,
                })
            }),
        any::<u32>().prop_map(|uptime_ms| Payload::Heartbeat(Heartbeat { uptime_ms })),
    ]
}

pub fn arb_frame() -> impl Strategy<Value = Frame> {
    (any::<u16>(), arb_payload()).prop_map(|(seq, payload)| Frame { seq, payload })
}

/// Number of cases for the fuzz properties: `LETDOWN_FUZZ_CASES`, or `default` (small,
/// for CI).
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("LETDOWN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}
