//! The user's settings over the pump link: a Settings frame reaches the engine before the
//! samples after it, in place ([`EngineSink`]) and through `serve`'s real-time pipeline
//! ([`PipelineSink`]); a frame before any stream is kept for the stream that starts.

use letdown_engine::{ControlHint, EngineConfig, Event, Mode, Reason, Sample, UserSettings};
use letdown_io::pump_link::{
    BoardEncoder, EngineSink, LinkReceiver, PipelineSink, PipelineSinkConfig, ReceiverConfig,
    ReceiverEvent, StreamSink,
};
use std::time::{Duration, Instant};

const RATE: u16 = 100;
const BLOCK: usize = 16;
/// The change falls between sample 9 999 and 10 000 (after the 90 s cue, before the
/// 120 s fallback).
const CHANGE_AT: usize = 10_000;
const SAMPLES: usize = 13_000;

/// A pump-like stream without milk: pressure 0 … −100 mmHg at 110 cycles/min, a little
/// flow noise.
fn pump(i: usize) -> Sample {
    let t = i as f32 / f32::from(RATE);
    let p = -50.0 + 50.0 * (2.0 * std::f32::consts::PI * (110.0 / 60.0) * t).cos();
    let noise = ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f32 / 2500.0 - 0.2;
    Sample::new(p, noise)
}

fn gentle() -> UserSettings {
    UserSettings {
        expression_vacuum_mmhg: -140.0,
        expression_rate_cpm: 55.0,
        max_vacuum_mmhg: -160.0,
        ..EngineConfig::new(f32::from(RATE)).user_settings()
    }
}

/// Hello and blocks of samples `from..to` on the wire.
fn blocks(board: &mut BoardEncoder, from: usize, to: usize, out: &mut Vec<u8>) {
    let samples: Vec<Sample> = (from..to).map(pump).collect();
    for (k, chunk) in samples.chunks(BLOCK).enumerate() {
        out.extend_from_slice(board.block((from + k * BLOCK) as u64, chunk).unwrap());
    }
}

fn targets(events: &[Event]) -> Vec<(u64, Reason, Mode, f32, f32)> {
    events
        .iter()
        .filter_map(|e| {
            e.hint.map(|h: ControlHint| {
                (
                    e.sample_index,
                    e.reason,
                    h.mode,
                    h.target_vacuum_mmhg,
                    h.rate_cpm,
                )
            })
        })
        .collect()
}

const WANT: [(u64, Reason, Mode, f32, f32); 2] = [
    (
        9_000,
        Reason::LateLetdownCue,
        Mode::Stimulation,
        -100.0,
        110.0,
    ),
    (
        12_000,
        Reason::FallbackTimer,
        Mode::Expression,
        -140.0,
        55.0,
    ),
];

#[test]
fn a_settings_frame_applies_from_the_next_sample_in_place() {
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    let mut first = board.hello(0).unwrap().to_vec();
    blocks(&mut board, 0, CHANGE_AT, &mut first);
    let mut second = board.settings(gentle()).unwrap().to_vec();
    blocks(&mut board, CHANGE_AT, SAMPLES, &mut second);
    let mut rx = LinkReceiver::new(
        EngineSink::new(),
        ReceiverConfig::new(Duration::from_secs(3600)),
    );
    let mut log = Vec::new();
    let now = Instant::now();
    rx.feed(&first, now, &mut |e| log.push(e));
    rx.feed(&second, now, &mut |e| log.push(e));
    assert!(log.contains(&ReceiverEvent::SettingsApplied {
        settings: gentle(),
        running: true
    }));
    assert_eq!(rx.stats().settings, 1);
    assert_eq!(targets(rx.sink().events()), WANT);

    // The same as the engine fed directly, with the change before sample 10 000.
    let mut engine = EngineConfig::new(f32::from(RATE)).build().unwrap();
    let mut direct = Vec::new();
    for i in 0..SAMPLES {
        if i == CHANGE_AT {
            engine.set_user_settings(gentle()).unwrap();
        }
        direct.extend(engine.process(board.through_link(pump(i))));
    }
    assert_eq!(rx.sink().events(), direct);
}

#[test]
fn settings_sent_before_the_stream_apply_to_it() {
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    let mut bytes = board.settings(gentle()).unwrap().to_vec();
    bytes.extend_from_slice(board.hello(0).unwrap());
    blocks(&mut board, 0, 12_100, &mut bytes);
    let mut rx = LinkReceiver::new(
        EngineSink::new(),
        ReceiverConfig::new(Duration::from_secs(3600)),
    );
    let mut log = Vec::new();
    rx.feed(&bytes, Instant::now(), &mut |e| log.push(e));
    assert_eq!(
        log.first(),
        Some(&ReceiverEvent::SettingsApplied {
            settings: gentle(),
            running: false
        })
    );
    assert_eq!(rx.sink().engine().unwrap().user_settings(), gentle());
    assert_eq!(
        targets(rx.sink().events()),
        [
            (
                9_000,
                Reason::LateLetdownCue,
                Mode::Stimulation,
                -100.0,
                110.0
            ),
            (
                12_000,
                Reason::FallbackTimer,
                Mode::Expression,
                -140.0,
                55.0
            ),
        ]
    );
}

#[test]
fn serve_pipeline_applies_a_settings_frame_to_the_samples_after_it() {
    let sink = PipelineSink::new(PipelineSinkConfig {
        capacity: Some(20_000),
        ..PipelineSinkConfig::default()
    });
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    let mut first = board.hello(0).unwrap().to_vec();
    blocks(&mut board, 0, CHANGE_AT, &mut first);
    let mut second = board.settings(gentle()).unwrap().to_vec();
    blocks(&mut board, CHANGE_AT, SAMPLES, &mut second);
    let mut rx = LinkReceiver::new(sink, ReceiverConfig::new(Duration::from_secs(3600)));
    let now = Instant::now();
    rx.feed(&first, now, &mut |_| {});
    // The engine thread takes every sample before the change first, so the change
    // cannot apply to any of them (it may apply up to a queue's worth early otherwise).
    let give_up = Instant::now() + Duration::from_secs(30);
    while rx.sink().live_stats().map_or(0, |s| s.processed) < CHANGE_AT as u64
        && Instant::now() < give_up
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    rx.feed(&second, now, &mut |_| {});
    let (mut sink, stats) = rx.into_parts();
    assert_eq!(stats.settings, 1);
    assert_eq!(stats.overruns, 0);
    let mut events: Vec<Event> = sink.hints().unwrap().try_iter().map(|m| m.event).collect();
    sink.close();
    while let Some(m) = sink.take_leftover() {
        events.push(m.event);
    }
    assert_eq!(targets(&events), WANT);
    assert_eq!(sink.reports()[0].report.engine.user_settings(), gentle());
}

#[test]
fn a_sink_without_a_stream_still_checks_settings() {
    let mut bad = gentle();
    bad.expression_vacuum_mmhg = -170.0;
    assert!(EngineSink::new().set_user_settings(bad).is_err());
    assert!(PipelineSink::new(PipelineSinkConfig::default())
        .set_user_settings(gentle())
        .is_ok());
}
