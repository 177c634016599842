//! The pump link under faults (garbage, truncated and corrupt frames, lost frames,
//! silence, sensor faults, a producer faster than the engine), each with the behaviour it must have.
//!
//! Receive-path tests drive `serve`'s own receive path ([`LinkReceiver`]) as a library,
//! without processes: the engine in place ([`EngineSink`]) where the events must be
//! compared sample by sample with an engine fed directly, the real-time pipeline
//! ([`PipelineSink`]) for overruns. Process tests run the built `letdown serve --stdio`
//! and `letdown pump-sim --stdio` joined by pipes, and check that what serve counts is
//! what pump-sim injected. Every assertion is about counts and order, none about time.

mod link_log;
use letdown_datasets::{FaultKind, FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use letdown_engine::{ControlHint, EngineConfig, Event, Mode, Reason, Sample};
use letdown_io::pump_link::{
    link_pause_hint, link_resume_hint, BoardEncoder, EngineSink, FaultInjector, InjectionCounts,
    LinkFaults, LinkReceiver, PipelineSink, PipelineSinkConfig, ReceiveStats, ReceiverConfig,
    ReceiverEvent, StreamSink,
};
use letdown_link::{
    DropReason, Encoder, FrameDecoder, Hello, Payload, StreamConfig, DECODER_CAPACITY,
    MAX_FRAME_LEN,
};
use letdown_pipeline::WaitStrategy;
use link_log::{num, summary};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RATE: u16 = 1000;
const BLOCK: usize = 16;

/// A clean simulated session (no everyday mess) with `faults`, pump on the 2-minute timer.
/// `None` for samples the simulator dropped out.
fn session(faults: FaultSet, seed: u64, minutes: f64) -> Vec<Option<Sample>> {
    let spec = SessionSpec::new(seed)
        .with_profile(Profile::Typical)
        .with_rate_hz(f64::from(RATE))
        .with_minutes(minutes)
        .with_faults(faults)
        .with_program(PumpProgram::default())
        .with_messy(false);
    let mut generator = Generator::new(spec).expect("valid spec");
    let mut out = Vec::new();
    while let Some(s) = generator.next_sample() {
        out.push(s.present.then_some(s.sample));
    }
    out
}

/// What went on the wire, and which blocks arrived intact.
struct Wire {
    bytes: Vec<u8>,
    counts: InjectionCounts,
    /// Per block: first index, samples, delivered intact.
    blocks: Vec<(u64, usize, bool)>,
    board: BoardEncoder,
}

/// A Hello and the present samples in blocks (a dropout ends a block; the next block's
/// index shows the gap), damaged as `faults` say.
fn wire(samples: &[Option<Sample>], faults: LinkFaults, seed: u64) -> Wire {
    let mut board = BoardEncoder::new(RATE, BLOCK).expect("board");
    let mut injector = FaultInjector::new(faults, seed);
    let mut bytes = board.hello(0).expect("hello").to_vec();
    let mut runs: Vec<(u64, Vec<Sample>)> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let Some(s) = s else { continue };
        match runs.last_mut() {
            Some((first, v)) if *first + v.len() as u64 == i as u64 && v.len() < BLOCK => {
                v.push(*s)
            }
            _ => runs.push((i as u64, vec![*s])),
        }
    }
    let mut blocks = Vec::new();
    let n = runs.len();
    for (k, (first, v)) in runs.iter().enumerate() {
        let frame = board.block(*first, v).expect("block").to_vec();
        let intact = injector.block(&frame, v.len(), k + 1 == n, &mut bytes);
        blocks.push((*first, v.len(), intact));
    }
    Wire {
        bytes,
        counts: injector.counts(),
        blocks,
        board,
    }
}

/// Feeds `bytes` in pieces of 1 … 700 bytes (as reads return them), each at the time its
/// samples are due; returns the receiver and its log.
fn receive<S: StreamSink>(sink: S, bytes: &[u8]) -> (LinkReceiver<S>, Vec<ReceiverEvent>) {
    let mut rx = LinkReceiver::new(sink, ReceiverConfig::new(Duration::from_secs(3600)));
    let mut events = Vec::new();
    let t0 = Instant::now();
    let mut at = 0;
    let mut step = 1usize;
    while at < bytes.len() {
        step = (step * 7 + 13) % 700 + 1;
        let end = (at + step).min(bytes.len());
        rx.feed(&bytes[at..end], t0, &mut |e| events.push(e));
        at = end;
    }
    (rx, events)
}

/// The engine fed directly what the link delivers: the samples of intact blocks (as the
/// link quantizes them) and a gap for everything else.
fn direct_events(samples: &[Option<Sample>], w: &Wire) -> (Vec<Event>, u64) {
    let mut engine = EngineConfig::new(f32::from(RATE)).build().expect("engine");
    let mut events = Vec::new();
    let mut next = 0u64;
    let mut missing = 0;
    for &(first, n, intact) in &w.blocks {
        if !intact {
            continue;
        }
        if first > next {
            missing += first - next;
            events.extend(engine.process_gap(first - next));
        }
        for i in first..first + n as u64 {
            let s = samples[i as usize].expect("present");
            events.extend(engine.process(w.board.through_link(s)));
        }
        next = first + n as u64;
    }
    (events, missing)
}

fn engine_events(rx: &LinkReceiver<EngineSink>) -> Vec<Event> {
    rx.sink().events().to_vec()
}

fn assert_only_early_reasons(stats: &ReceiveStats) {
    // Damage is caught by COBS, the length floor or the CRC: never by a later check.
    for r in [
        DropReason::Oversize,
        DropReason::Version,
        DropReason::FrameType,
        DropReason::Length,
        DropReason::Field,
    ] {
        assert_eq!(stats.decoder.dropped(r), 0, "{r} drops: {stats:?}");
    }
}

#[test]
fn garbage_truncated_and_corrupt_frames_are_dropped_counted_and_the_decoder_resynchronises() {
    let samples = session(FaultSet::NONE, 11, 1.0);
    for (name, faults) in fault_kinds() {
        check_dropped_counted_and_resynchronised(name, &samples, faults);
    }
}

/// Each kind of damage alone, and all at once, by name.
fn fault_kinds() -> [(&'static str, LinkFaults); 5] {
    [
        (
            "garbage",
            LinkFaults {
                garbage_every: 7,
                ..LinkFaults::default()
            },
        ),
        (
            "truncate",
            LinkFaults {
                truncate_every: 11,
                ..LinkFaults::default()
            },
        ),
        (
            "corrupt",
            LinkFaults {
                corrupt_every: 13,
                ..LinkFaults::default()
            },
        ),
        (
            "drop",
            LinkFaults {
                drop_every: 17,
                ..LinkFaults::default()
            },
        ),
        (
            "all at once",
            LinkFaults {
                garbage_every: 5,
                truncate_every: 9,
                corrupt_every: 14,
                drop_every: 23,
            },
        ),
    ]
}

/// `samples` sent with `faults` (name: which, for the messages): every damaged frame
/// dropped and counted, the decoder back on the next frame, the engine's events those of
/// an engine fed the same gaps directly.
fn check_dropped_counted_and_resynchronised(
    name: &str,
    samples: &[Option<Sample>],
    faults: LinkFaults,
) {
    let total = samples.len() as u64;
    let w = wire(samples, faults, 5);
    let c = w.counts;
    let (rx, log) = receive(EngineSink::new(), &w.bytes);
    let stats = rx.stats();
    let engine = rx.sink().engine().expect("a stream").stats();
    let blocks = w.blocks.len() as u64;
    assert!(
        c.decoder_drops() + c.frames_lost() > 0,
        "{name}: nothing injected"
    );
    // Dropped and counted: one decoder drop per garbage burst, truncated or corrupt
    // block; one lost frame in the sequence per truncated, corrupt or skipped block.
    assert_eq!(
        stats.frames_dropped(),
        c.decoder_drops(),
        "{name}: {stats:?} vs {c:?}"
    );
    assert_eq!(stats.sequence.lost_frames, c.frames_lost(), "{name}");
    assert_only_early_reasons(&stats);
    let dropped_events = log
        .iter()
        .filter(|e| matches!(e, ReceiverEvent::FrameDropped(_)))
        .count() as u64;
    assert_eq!(
        dropped_events,
        c.decoder_drops(),
        "{name}: every drop is logged"
    );
    // Resynchronised: every block not damaged itself was decoded, the ones right
    // after a damaged frame included.
    assert_eq!(stats.blocks, blocks - c.frames_lost(), "{name}");
    assert_eq!(stats.decoder.frames, 1 + blocks - c.frames_lost(), "{name}");
    // The lost samples reach the engine as missing samples, exactly.
    assert_eq!(stats.missing_reported, c.samples_lost, "{name}");
    assert_eq!(engine.missing_samples, c.samples_lost, "{name}");
    assert_eq!(engine.samples, total, "{name}: every sample counted once");
    assert_eq!(stats.samples_received + c.samples_lost, total, "{name}");
    // And the engine sees exactly what a directly fed engine sees with those gaps.
    let (direct, missing) = direct_events(samples, &w);
    assert_eq!(missing, c.samples_lost, "{name}");
    assert_eq!(engine_events(&rx), direct, "{name}");
}

#[test]
fn garbage_alone_costs_no_sample() {
    let samples = session(FaultSet::NONE, 12, 0.5);
    let w = wire(
        &samples,
        LinkFaults {
            garbage_every: 1,
            ..LinkFaults::default()
        },
        9,
    );
    let (rx, _) = receive(EngineSink::new(), &w.bytes);
    let stats = rx.stats();
    // Garbage before every block but the last.
    assert_eq!(w.counts.garbage_bursts, w.blocks.len() as u64 - 1);
    assert_eq!(stats.frames_dropped(), w.counts.garbage_bursts);
    assert_eq!(stats.blocks, w.blocks.len() as u64);
    assert_eq!(stats.missing_reported, 0);
    assert_eq!(rx.sink().engine().unwrap().stats().missing_samples, 0);
}

#[test]
fn a_long_sequence_gap_is_missing_samples_a_stale_data_pause_and_a_recovery() {
    let mut samples = session(FaultSet::NONE, 13, 1.0);
    // Two seconds the board never sent (a radio link or bus hiccup).
    let (gap_start, gap_end) = (20_000usize, 22_000usize);
    for s in &mut samples[gap_start..gap_end] {
        *s = None;
    }
    let w = wire(&samples, LinkFaults::default(), 1);
    let (rx, log) = receive(EngineSink::new(), &w.bytes);
    let stats = rx.stats();
    let engine = rx.sink().engine().unwrap().stats();
    let missing = (gap_end - gap_start) as u64;
    assert_eq!(stats.sequence.missing_samples, missing);
    assert_eq!(stats.missing_reported, missing);
    assert_eq!(engine.missing_samples, missing);
    assert!(log.contains(&ReceiverEvent::Gap {
        lost_frames: 0,
        missing_samples: missing
    }));
    let events = engine_events(&rx);
    let pause = events
        .iter()
        .find(|e| e.hint.is_some_and(|h| h.mode == Mode::Pause))
        .expect("a pause");
    assert_eq!(pause.reason, Reason::StaleData);
    assert_eq!(
        pause.sample_index, gap_start as u64,
        "at the first missing sample"
    );
    let resume = events
        .iter()
        .find(|e| e.reason == Reason::SensorRecovered)
        .expect("pumping resumes after good data");
    assert!(resume.sample_index >= gap_end as u64 + 499, "{resume:?}");
    assert!(resume.hint.is_some_and(|h| h.mode != Mode::Pause));
    let (direct, _) = direct_events(&samples, &w);
    assert_eq!(events, direct);
}

/// Feeds a clean stream of `seconds` as if in real time from `t0`; returns the time of
/// the last bytes.
fn feed_paced(
    rx: &mut LinkReceiver<EngineSink>,
    board: &mut BoardEncoder,
    samples: &[Sample],
    first_index: u64,
    t0: Instant,
    log: &mut Vec<ReceiverEvent>,
) -> Instant {
    let mut at = t0;
    for (k, chunk) in samples.chunks(BLOCK).enumerate() {
        let first = first_index + (k * BLOCK) as u64;
        let bytes = board.block(first, chunk).unwrap().to_vec();
        at = t0 + Duration::from_millis((k * BLOCK + chunk.len()) as u64);
        rx.poll(at, &mut |e| log.push(e));
        rx.feed(&bytes, at, &mut |e| log.push(e));
    }
    at
}

/// Tells the receiver of the engine's hints so far, as `serve` does for each hint it
/// forwards.
fn note_hints(rx: &mut LinkReceiver<EngineSink>) {
    let hints: Vec<_> = rx.sink().events().iter().filter_map(|e| e.hint).collect();
    for h in hints {
        rx.note_engine_hint(&h);
    }
}

/// The link's silence timeout in the silence tests.
const SILENCE_TIMEOUT: Duration = Duration::from_millis(500);

/// A clean 14-minute session for the silence tests.
fn silence_session() -> Vec<Sample> {
    session(FaultSet::NONE, 14, 0.5)
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

/// A receiver that was fed `before` from a Hello at 0 and then fell silent.
struct Silenced {
    rx: LinkReceiver<EngineSink>,
    board: BoardEncoder,
    log: Vec<ReceiverEvent>,
    /// When the last bytes came.
    last: Instant,
}

/// Feeds `before` (from a Hello at 0), then checks the link falls silent at the timeout.
fn fall_silent(before: &[Sample]) -> Silenced {
    let mut rx = LinkReceiver::new(EngineSink::new(), ReceiverConfig::new(SILENCE_TIMEOUT));
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    let mut log = Vec::new();
    let t0 = Instant::now();
    let hello = board.hello(0).unwrap().to_vec();
    rx.feed(&hello, t0, &mut |e| log.push(e));
    let last = feed_paced(&mut rx, &mut board, before, 0, t0, &mut log);
    note_hints(&mut rx);
    let next = before.len() as u64;
    check_silent_at_the_timeout(&mut rx, &mut log, last, SILENCE_TIMEOUT, next);
    Silenced {
        rx,
        board,
        log,
        last,
    }
}

#[test]
fn a_silent_link_pauses_at_the_timeout_and_costs_the_engine_only_what_was_lost() {
    let samples = silence_session();
    let (before, after) = samples.split_at(10_000);
    let stall = 3_000u64; // samples the board measured but could not send
    for board_counts_the_stall in [true, false] {
        let Silenced {
            mut rx,
            mut board,
            mut log,
            last,
        } = fall_silent(before);

        // The board comes back, its indices after the stall (or where it stopped).
        let lost = if board_counts_the_stall { stall } else { 0 };
        let resume_index = before.len() as u64 + lost;
        let back = last + Duration::from_secs(2);
        feed_paced(&mut rx, &mut board, after, resume_index, back, &mut log);
        assert!(!rx.is_silent());
        let resumed = resumed_in(&log);
        let engine = rx.sink().engine().unwrap();
        // Sent + really lost, exactly.
        assert_eq!(
            engine.sample_index(),
            samples.len() as u64 + lost,
            "engine count = sent + lost"
        );
        assert_eq!(engine.stats().missing_samples, lost);
        assert_eq!(rx.stats().missing_reported, lost);
        if board_counts_the_stall {
            // The engine pauses at the first lost sample and recovers after good data;
            // the link leaves the resuming to it.
            assert_eq!(resumed, (stall, None));
            check_the_engine_pauses_and_recovers(&rx, before.len() as u64, resume_index);
        } else {
            check_the_link_lifts_its_pause(&rx, &board, &samples, resumed, resume_index);
        }
    }
}

/// A silence the board ends with a Hello ahead of the expected index (it counted the
/// stall), then blocks from there: the Hello's gap goes to the engine, which pauses and
/// recovers by itself, so the link must not lift its pause at the first block back as if
/// nothing were lost.
#[test]
fn a_hello_ahead_during_a_silence_leaves_the_resuming_to_the_engine() {
    let samples = silence_session();
    let (before, after) = samples.split_at(10_000);
    let stall = 1_000u64;
    let Silenced {
        mut rx,
        mut board,
        mut log,
        last,
    } = fall_silent(before);
    let resume_index = before.len() as u64 + stall;
    let back = last + Duration::from_secs(2);
    let hello = board.hello(resume_index).unwrap().to_vec();
    rx.feed(&hello, back, &mut |e| log.push(e));
    feed_paced(&mut rx, &mut board, after, resume_index, back, &mut log);
    assert_eq!(resumed_in(&log), (stall, None));
    assert_eq!(rx.sink().engine().unwrap().stats().missing_samples, stall);
    check_the_engine_pauses_and_recovers(&rx, before.len() as u64, resume_index);
}

/// From the last bytes at `last` (the board's next sample `next_index`): nothing just
/// under `timeout`, the link's own pause at the timeout, said once.
fn check_silent_at_the_timeout(
    rx: &mut LinkReceiver<EngineSink>,
    log: &mut Vec<ReceiverEvent>,
    last: Instant,
    timeout: Duration,
    next_index: u64,
) {
    let events_before = rx.sink().events().len();
    // Just under the timeout: nothing yet.
    rx.poll(last + timeout - Duration::from_millis(1), &mut |e| {
        log.push(e)
    });
    assert!(!rx.is_silent());
    assert_eq!(rx.next_deadline(), Some(last + timeout));
    // At the timeout: silent, and the link's own pause (stale data) at the board's
    // next sample, at once; the engine is not told (nothing is known lost yet).
    rx.poll(last + timeout, &mut |e| log.push(e));
    assert!(rx.is_silent());
    let pause = link_pause_hint(next_index, Reason::StaleData);
    assert!(log.contains(&ReceiverEvent::Silent {
        since_last: timeout,
        pause
    }));
    assert_eq!(
        (
            pause.mode,
            pause.target_vacuum_mmhg,
            pause.rate_cpm,
            pause.ramp_cycles
        ),
        (Mode::Pause, 0.0, 0.0, 0)
    );
    assert_eq!(rx.sink().events().len(), events_before);
    assert_eq!(rx.sink().engine().unwrap().sample_index(), next_index);
    // Said once per silence.
    rx.poll(last + 4 * timeout, &mut |e| log.push(e));
    assert_eq!(rx.stats().silences, 1);
}

/// The missing samples and the resuming hint of the first `Resumed` in `log`.
fn resumed_in(log: &[ReceiverEvent]) -> (u64, Option<ControlHint>) {
    log.iter()
        .find_map(|e| match e {
            ReceiverEvent::Resumed {
                missing_samples,
                resume,
                ..
            } => Some((*missing_samples, *resume)),
            _ => None,
        })
        .expect("resumed")
}

/// The engine's own pause at the first lost sample (board index `first_lost`) and its
/// recovery after 500 good samples from `resume_index`.
fn check_the_engine_pauses_and_recovers(
    rx: &LinkReceiver<EngineSink>,
    first_lost: u64,
    resume_index: u64,
) {
    let events = rx.sink().events();
    let stale = events
        .iter()
        .find(|e| e.reason == Reason::StaleData)
        .expect("the engine's own pause");
    assert_eq!(rx.board_index(stale.sample_index), first_lost);
    let recovery = events
        .iter()
        .find(|e| e.reason == Reason::SensorRecovered)
        .expect("recovery");
    assert_eq!(rx.board_index(recovery.sample_index), resume_index + 499);
}

/// Nothing lost: the engine saw one unbroken stream, and the link lifts its pause at the
/// first sample back, in the engine's mode.
fn check_the_link_lifts_its_pause(
    rx: &LinkReceiver<EngineSink>,
    board: &BoardEncoder,
    samples: &[Sample],
    resumed: (u64, Option<ControlHint>),
    resume_index: u64,
) {
    let settings = EngineConfig::new(f32::from(RATE)).user_settings();
    let resume = link_resume_hint(resume_index, Mode::Stimulation, &settings);
    assert_eq!(resumed, (0, Some(resume)));
    let mut direct = EngineConfig::new(f32::from(RATE)).build().unwrap();
    let mut expected = Vec::new();
    for &s in samples {
        expected.extend(direct.process(board.through_link(s)));
    }
    assert_eq!(rx.sink().events(), expected.as_slice());
}

/// Blocks of `BLOCK` samples of `samples`, the first at board index `first`.
fn blocks_from(board: &mut BoardEncoder, first: u64, samples: &[Sample]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, chunk) in samples.chunks(BLOCK).enumerate() {
        out.extend_from_slice(board.block(first + (k * BLOCK) as u64, chunk).unwrap());
    }
    out
}

/// The events of a fresh engine fed `samples` as the link delivers them.
fn fresh_engine_events(board: &BoardEncoder, samples: &[Sample]) -> Vec<Event> {
    let mut engine = EngineConfig::new(f32::from(RATE)).build().unwrap();
    let mut events = Vec::new();
    for &s in samples {
        events.extend(engine.process(board.through_link(s)));
    }
    events
}

#[test]
fn repeated_samples_are_dropped_and_a_hello_going_back_restarts_the_stream() {
    let samples: Vec<Sample> = session(FaultSet::NONE, 15, 0.5)
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    let mut bytes = board.hello(0).unwrap().to_vec();
    bytes.extend(blocks_from(&mut board, 0, &samples[..10_000]));
    // Samples sent again: 100 old ones, then a block half old, half new.
    bytes.extend(blocks_from(&mut board, 9_000, &samples[9_000..9_100]));
    bytes.extend_from_slice(board.block(9_994, &samples[9_994..10_010]).unwrap());
    bytes.extend(blocks_from(&mut board, 10_010, &samples[10_010..20_000]));
    let (rx, log) = receive(EngineSink::new(), &bytes);
    let engine = rx.sink().engine().unwrap();
    assert_eq!(engine.sample_index(), 20_000, "the board's clock, exactly");
    assert_eq!(engine.stats().missing_samples, 0);
    assert_eq!(rx.stats().samples_repeated, 106);
    assert!(log.contains(&ReceiverEvent::Rewind {
        expected_index: 10_000,
        first_sample_index: 9_994,
        repeated: 6
    }));
    assert_eq!(
        rx.sink().events(),
        fresh_engine_events(&board, &samples[..20_000]).as_slice()
    );

    // The board restarts its numbering at 500 with a Hello: a new stream, a new engine,
    // whose sample i is the board's 500 + i.
    let mut rx = rx;
    let mut log = Vec::new();
    let t = Instant::now();
    let mut more = board.hello(500).unwrap().to_vec();
    more.extend(blocks_from(&mut board, 500, &samples[..5_000]));
    rx.feed(&more, t, &mut |e| log.push(e));
    assert!(matches!(
        log[0],
        ReceiverEvent::StreamStarted { restart: true, .. }
    ));
    assert_eq!(rx.board_index(0), 500);
    assert_eq!(rx.sink().ended().len(), 1);
    assert_eq!(rx.sink().engine().unwrap().sample_index(), 5_000);
    // A Hello ahead of the expected index continues the stream; the samples between are
    // lost and reach the engine as a gap.
    let mut ahead = board.hello(6_000).unwrap().to_vec();
    ahead.extend(blocks_from(&mut board, 6_000, &samples[5_000..6_000]));
    rx.feed(&ahead, t, &mut |e| log.push(e));
    let engine = rx.sink().engine().unwrap();
    assert_eq!(engine.sample_index(), 6_500, "6 000 sent + 500 lost");
    assert_eq!(engine.stats().missing_samples, 500);
    assert_eq!(rx.board_index(engine.sample_index()), 7_000);
}

/// The first sample the engine must pause at, and why: the engine's own rules, written
/// out (DESIGN §5): NaN or impossible values; a value repeated exactly for longer than
/// `stuck_s`, unless it is a flow sensor's reading of no flow (−10 up to 1 mL/min, the
/// default `min_flow_ml_min`); vacuum beyond the user's maximum.
fn first_unsafe(samples: &[Sample], config: &EngineConfig) -> Option<(usize, Reason)> {
    let stuck = (config.stuck_s * config.sample_rate_hz) as u32;
    let mut runs = [(u32::MAX, 0u32); 2];
    for (i, s) in samples.iter().enumerate() {
        let mut bad = false;
        for (c, (x, lo, hi, holds)) in [
            (s.pressure_mmhg, -450.0, 150.0, 0.0..0.0),
            (s.flow_ml_min, -100.0, 250.0, -10.0..1.0),
        ]
        .into_iter()
        .enumerate()
        {
            if !x.is_finite() || !(lo..=hi).contains(&x) {
                // A bad reading leaves the run of identical ones where it stood.
                bad = true;
            } else if x.to_bits() == runs[c].0 {
                runs[c].1 += 1;
                bad |= runs[c].1 > stuck && !holds.contains(&x);
            } else {
                runs[c] = (x.to_bits(), 0);
            }
        }
        let pressure_ok = s.pressure_mmhg.is_finite() && s.pressure_mmhg >= -450.0;
        if pressure_ok && s.pressure_mmhg < config.max_vacuum_mmhg && runs[0].1 <= stuck {
            return Some((i, Reason::OverVacuum));
        }
        if bad {
            return Some((i, Reason::SensorFault));
        }
    }
    None
}

#[test]
fn simulated_sensor_faults_get_the_safe_hint_at_the_very_sample_with_the_right_reason() {
    let config = EngineConfig::new(f32::from(RATE));
    for (kind, seed) in [
        (FaultKind::Nan, 21),
        (FaultKind::Overvacuum, 22),
        (FaultKind::Stuck, 23),
        (FaultKind::Saturation, 24),
        (FaultKind::Saturation, 26),
    ] {
        let samples = session(FaultSet::NONE.with(kind), seed, 2.0);
        assert!(
            samples.iter().all(Option::is_some),
            "{kind}: no dropouts asked for"
        );
        let w = wire(&samples, LinkFaults::default(), 0);
        let (rx, _) = receive(EngineSink::new(), &w.bytes);
        let events = engine_events(&rx);
        let (direct, _) = direct_events(&samples, &w);
        assert_eq!(
            events, direct,
            "{kind}: the link changes nothing the engine sees"
        );

        let seen: Vec<Sample> = samples
            .iter()
            .map(|s| w.board.through_link(s.unwrap()))
            .collect();
        let (index, reason) = first_unsafe(&seen, &config).expect("the fault happens");
        let pause = events
            .iter()
            .find(|e| e.hint.is_some_and(|h| h.mode == Mode::Pause))
            .unwrap_or_else(|| panic!("{kind}: no pause"));
        assert_eq!(
            pause.sample_index, index as u64,
            "{kind}: within one sample"
        );
        assert_eq!(pause.reason, reason, "{kind}");
        let hint = pause.hint.unwrap();
        assert_eq!(
            (hint.target_vacuum_mmhg, hint.rate_cpm, hint.ramp_cycles),
            (0.0, 0.0, 0)
        );
        let expected = match kind {
            FaultKind::Overvacuum => Reason::OverVacuum,
            FaultKind::Saturation => reason, // pressure: over-vacuum; flow: stuck
            _ => Reason::SensorFault,
        };
        assert_eq!(pause.reason, expected, "{kind}");
        eprintln!("{kind} (seed {seed}): pause at sample {index}, {reason}");
    }
}

#[test]
fn a_producer_faster_than_the_engine_overruns_counted_never_blocked() {
    let samples = session(FaultSet::NONE, 15, 1.0);
    let total = samples.len() as u64;
    let w = wire(&samples, LinkFaults::default(), 0);
    // A queue of 256 samples and an engine thread that looks every 16 ms (one period):
    // a minute of data pushed at once cannot fit.
    let sink = PipelineSink::new(PipelineSinkConfig {
        wait: WaitStrategy::Tick,
        capacity: Some(256),
        ..PipelineSinkConfig::default()
    });
    let (rx, log) = receive(sink, &w.bytes);
    // The Ack tells the board what overran, and where the engine's clock is.
    let ack = rx.ack();
    assert_eq!(u64::from(ack.samples_overrun), rx.stats().overruns);
    assert_eq!(ack.next_sample_index, total);
    assert!(ack.spare_samples <= 256, "{ack:?}");
    let (mut sink, stats) = rx.into_parts();
    sink.close();
    let report = &sink.reports()[0].report;
    let p = report.stats;
    assert!(p.overruns > 0, "{p:?}");
    assert_eq!(stats.overruns, p.overruns);
    assert_eq!(stats.samples_delivered, total);
    assert_eq!(
        p.samples_in + p.overruns,
        total,
        "every sample queued or counted"
    );
    assert_eq!(p.processed, p.samples_in);
    let engine = report.engine.stats();
    assert_eq!(
        engine.missing_samples, p.overruns,
        "overruns reach the engine as gaps"
    );
    assert_eq!(engine.samples, total);
    let logged: u64 = log
        .iter()
        .filter_map(|e| match e {
            ReceiverEvent::Overrun { dropped } => Some(*dropped),
            _ => None,
        })
        .sum();
    assert_eq!(logged, p.overruns);
    eprintln!(
        "overruns: {} of {total} samples dropped in {} pushes",
        p.overruns, p.overrun_events
    );
}

// ---- the programs, joined by pipes ----

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the letdown binary runs")
}

/// Copies `from` to `to` until either ends; returns what went through.
fn copy(
    mut from: impl Read + Send + 'static,
    mut to: impl Write + Send + 'static,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    })
}

fn read_all(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = from.read_to_string(&mut s);
        s
    })
}

/// Runs serve and pump-sim over pipes; returns (serve's stderr, pump-sim's stderr) after
/// both exited 0.
fn run_pair(serve_args: &[&str], pump_args: &[&str]) -> (String, String) {
    let (s, p, _) = run_pair_upstream(serve_args, pump_args);
    (s, p)
}

/// [`run_pair`], and every byte pump-sim sent.
fn run_pair_upstream(serve_args: &[&str], pump_args: &[&str]) -> (String, String, Vec<u8>) {
    let mut serve = spawn(&[&["serve", "--stdio"], serve_args].concat());
    let mut pump = spawn(&[&["pump-sim", "--stdio"], pump_args].concat());
    let up = copy(pump.stdout.take().unwrap(), serve.stdin.take().unwrap());
    let down = copy(serve.stdout.take().unwrap(), pump.stdin.take().unwrap());
    let serve_err = read_all(serve.stderr.take().unwrap());
    let pump_err = read_all(pump.stderr.take().unwrap());
    let pump_status = pump.wait().unwrap();
    let upstream = up.join().unwrap();
    let serve_status = serve.wait().unwrap();
    down.join().unwrap();
    let (s, p) = (serve_err.join().unwrap(), pump_err.join().unwrap());
    assert!(
        pump_status.success(),
        "pump-sim: {pump_status}\n{p}\nserve:\n{s}"
    );
    assert!(
        serve_status.success(),
        "serve: {serve_status}\n{s}\npump-sim:\n{p}"
    );
    (s, p, upstream)
}

/// Every link fault pump-sim injects: garbage, truncated, corrupted and lost frames.
const LINK_FAULTS: &[&str] = &[
    "--garbage-every",
    "40",
    "--truncate-every",
    "60",
    "--corrupt-every",
    "75",
    "--drop-every",
    "90",
];

#[test]
fn serve_counts_exactly_what_pump_sim_injects() {
    let pump = [
        &[
            "--simulate",
            "--seed",
            "3",
            "--minutes",
            "1",
            "--unpaced",
            "--quiet",
        ],
        LINK_FAULTS,
    ]
    .concat();
    let (s, p) = run_pair(&["--quiet"], &pump);
    let injected = summary(&p, "pump-sim", "injected");
    let sent = summary(&p, "pump-sim", "sent");
    let link = summary(&s, "serve", "link");
    let samples = summary(&s, "serve", "samples");
    let engine = summary(&s, "serve", "engine");
    assert!(num(&injected, "garbage") > 0.0 && num(&injected, "dropped") > 0.0);
    assert_eq!(
        num(&link, "frames_dropped"),
        num(&injected, "decoder_drops_expected")
    );
    assert_eq!(
        num(&link, "frames_lost"),
        num(&injected, "frames_lost_expected")
    );
    assert_eq!(
        num(&link, "frames_ok"),
        num(&sent, "frames_sent") - num(&injected, "frames_lost_expected")
    );
    for r in ["oversize", "version", "frame_type", "length", "field"] {
        assert_eq!(num(&link, &format!("dropped_{r}")), 0.0, "{r}");
    }
    assert_eq!(num(&samples, "missing"), num(&injected, "samples_lost"));
    // The engine misses the lost samples, and any it could not keep up with (overruns:
    // none unless this machine starves the engine thread, but counted if so).
    assert_eq!(
        num(&engine, "missing_samples"),
        num(&injected, "samples_lost") + num(&samples, "overruns"),
        "{s}"
    );
    assert_eq!(
        num(&samples, "received") + num(&injected, "samples_lost"),
        num(&sent, "samples_sent")
    );
    assert_eq!(num(&engine, "samples"), num(&sent, "samples_sent"));
    eprintln!(
        "injected {injected:?}; serve dropped {} frames, lost {}, missing {} samples, overruns {}",
        link["frames_dropped"], link["frames_lost"], samples["missing"], samples["overruns"]
    );
    // What serve acknowledged to the pump says the same.
    let ack = summary(&p, "pump-sim", "serve_ack");
    assert_eq!(
        num(&ack, "frames_dropped"),
        num(&injected, "decoder_drops_expected")
    );
    assert_eq!(num(&ack, "samples_missing"), num(&injected, "samples_lost"));
    // Sent as fast as serve's Acks allowed: nothing overran.
    assert_eq!(num(&samples, "overruns"), 0.0, "{s}");
    assert_eq!(num(&ack, "samples_overrun"), 0.0);
    let by_reason: f64 = ack["dropped_by_reason"]
        .split(',')
        .map(|n| n.parse::<f64>().unwrap())
        .sum();
    assert_eq!(by_reason, num(&ack, "frames_dropped"));
    assert_eq!(num(&ack, "next_sample_index"), num(&engine, "samples"));
}

/// (sample index, mode, reason) of every hint `letdown replay` gives for `session`.
fn replay_hints(session: &std::path::Path) -> Vec<(u64, String, String)> {
    let events = std::env::temp_dir().join(format!(
        "letdown-link-replay-{}-{}.jsonl",
        std::process::id(),
        session.file_stem().unwrap().to_string_lossy().len()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(["replay", "--quiet", "--events"])
        .arg(&events)
        .arg(session)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::remove_file(&events).unwrap();
    text.lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let h = &v["hint"];
            (!h.is_null()).then(|| {
                (
                    h["sample_index"].as_u64().unwrap(),
                    h["mode"].as_str().unwrap().to_string(),
                    h["reason"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

/// The same from serve's log lines `… -> hint mode=M … reason=R … (sample N, …`.
fn served_hints(log: &str) -> Vec<(u64, String, String)> {
    log.lines()
        .filter_map(|l| {
            let rest = l.split_once("-> hint ")?.1;
            let field = |key: &str| {
                rest.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(key))
                    .map(str::to_string)
            };
            let sample = rest.split_once("(sample ")?.1;
            let digits: String = sample.chars().take_while(char::is_ascii_digit).collect();
            Some((digits.parse().ok()?, field("mode=")?, field("reason=")?))
        })
        .collect()
}

#[test]
fn unpaced_pump_sim_overruns_nothing_and_serve_gives_replays_hints_at_the_board_indices() {
    let session = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../datasets/sessions/sim-typical-s15-timer120-250hz-4min-f-dropout+stuck+saturation+\
         spikes+bubbles+overvacuum+drift+gain.csv",
    );
    let expected = replay_hints(&session);
    assert!(expected.len() >= 10, "{expected:?}");
    for block in ["1", "64"] {
        let path = session.to_str().unwrap();
        let (s, p) = run_pair(
            &[],
            &["--session", path, "--unpaced", "--block", block, "--quiet"],
        );
        assert_eq!(served_hints(&s), expected, "blocks of {block}:\n{s}");
        let samples = summary(&s, "serve", "samples");
        let engine = summary(&s, "serve", "engine");
        let sent = summary(&p, "pump-sim", "sent");
        assert_eq!(num(&samples, "overruns"), 0.0, "{s}");
        assert_eq!(num(&samples, "silences"), 0.0, "{s}");
        // The file's own gaps are the only samples lost: sent + lost = its length.
        assert_eq!(
            num(&engine, "samples"),
            num(&sent, "samples_sent") + num(&samples, "missing")
        );
        assert_eq!(
            num(&engine, "samples"),
            (num(&sent, "session_length_s") * 250.0).round()
        );
        let ack = summary(&p, "pump-sim", "serve_ack");
        eprintln!(
            "blocks of {block}: {} hints as replay's, {}x real time, waited for room {} \
             times ({} s), 0 overruns",
            expected.len(),
            sent["achieved_speed"],
            ack["room_waits"],
            ack["room_wait_s"]
        );
    }
}

#[test]
fn a_stalled_link_gives_a_pause_hint_and_a_log_line_then_recovers() {
    let (s, p) = run_pair(
        &["--timeout-ms", "300"],
        &[
            "--simulate",
            "--seed",
            "4",
            "--minutes",
            "1",
            "--speed",
            "10",
            "--stall-after",
            "20",
            "--stall-ms",
            "1500",
        ],
    );
    assert!(s.contains("serve: link silent: no samples for"), "{s}");
    assert!(s.contains("pump paused"), "{s}");
    assert!(s.contains("serve: link back after"), "{s}");
    let stale_pause = p
        .lines()
        .position(|l| l.contains("mode=pause") && l.contains("reason=stale_data"))
        .unwrap_or_else(|| panic!("no stale-data pause at the pump:\n{p}"));
    let recovered = p
        .lines()
        .position(|l| l.starts_with("pump-sim: hint") && l.contains("reason=sensor_recovered"))
        .unwrap_or_else(|| panic!("no recovery:\n{p}"));
    assert!(stale_pause < recovered);
    let stall_over = p.lines().position(|l| l.contains("stall over")).unwrap();
    assert!(
        stale_pause < stall_over,
        "the pause came while the link was silent:\n{p}"
    );
    // The stall's samples are missing for the engine, exactly (the silence's own report
    // included).
    let sent = summary(&p, "pump-sim", "sent");
    let engine = summary(&s, "serve", "engine");
    let samples = summary(&s, "serve", "samples");
    assert!(num(&sent, "stall_samples") > 0.0);
    assert_eq!(
        num(&engine, "missing_samples"),
        num(&sent, "stall_samples") + num(&samples, "overruns"),
        "{s}"
    );
    assert_eq!(num(&samples, "silences"), 1.0);
    // While no frame came to acknowledge, serve kept the link alive with heartbeats.
    let received = summary(&p, "pump-sim", "received");
    assert!(num(&received, "heartbeats") >= 1.0, "{p}");
}

#[test]
fn a_stall_that_ends_the_session_still_ends_serve_cleanly() {
    let (s, p) = run_pair(
        &["--timeout-ms", "200"],
        &[
            "--simulate",
            "--seed",
            "4",
            "--minutes",
            "1",
            "--speed",
            "10",
            "--quiet",
            "--stall-after",
            "10",
            "--stall-ms",
            "600",
            "--after-stall",
            "exit",
            "--linger-ms",
            "300",
        ],
    );
    assert!(s.contains("serve: link silent"), "{s}");
    assert!(s.contains("serve: the pump hung up"), "{s}");
    let received = summary(&p, "pump-sim", "received");
    assert!(num(&received, "pauses") >= 1.0, "{p}");
    assert!(p.contains("stopped_early=true"));
}

#[test]
fn simulated_faults_end_to_end_reach_the_pump_as_pauses_with_their_reasons() {
    let (_s, p) = run_pair(
        &["--quiet"],
        &[
            "--simulate",
            "--seed",
            "5",
            "--minutes",
            "2",
            "--speed",
            "20",
            "--clean",
            "--faults",
            "overvacuum,nan",
        ],
    );
    let pause_with = |reason: &str| {
        p.lines().any(|l| {
            l.starts_with("pump-sim: hint") && l.contains("mode=pause") && l.contains(reason)
        })
    };
    assert!(pause_with("reason=over_vacuum"), "{p}");
    assert!(pause_with("reason=sensor_fault"), "{p}");
}

#[test]
fn a_stream_rate_the_engine_refuses_is_answered_with_a_pause_and_exit_2() {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let hello = Payload::Hello(Hello {
        config: StreamConfig::new(50, 0.01, 0.01),
        max_samples_per_block: 16,
        next_sample_index: 12_345,
    });
    let n = Encoder::new().encode(&hello, &mut buf).unwrap();
    let (status, out, err) = serve_until_it_exits(&buf[..n]);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("stream rejected: 50 Hz"), "{err}");
    assert!(
        err.contains("sample_rate_hz"),
        "the engine's reason is given: {err}"
    );
    let hints = hints_in(&out);
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(
        (hints[0].mode, hints[0].reason),
        (Mode::Pause, Reason::SensorFault)
    );
    assert_eq!(
        hints[0].sample_index, 12_345,
        "at the stream's first sample, in the board's numbering"
    );
}

/// A stream the engine refuses, arriving while another runs (one write): the running
/// engine's last hints must not follow the link's pause, or the pump would be left
/// pumping with serve gone (its recovery after an over-vacuum pause, made from samples in
/// the same write, used to be sent after it).
#[test]
fn a_refused_stream_mid_link_leaves_the_pause_as_the_pumps_last_command() {
    let mut board = BoardEncoder::new(RATE, BLOCK).expect("board");
    let mut bytes = board.hello(0).unwrap().to_vec();
    // 0.32 s beyond the default maximum (−250 mmHg), then 0.64 s of gentle vacuum: the
    // engine pauses at once and recovers after 0.5 s of good samples.
    let samples: Vec<Sample> = (0..960)
        .map(|i| Sample::new(if i < 320 { -280.0 } else { -60.0 }, 0.0))
        .collect();
    bytes.extend(blocks_from(&mut board, 0, &samples));
    let mut refused = BoardEncoder::with_config(StreamConfig::new(50, 0.01, 0.01), BLOCK)
        .expect("board at 50 Hz");
    bytes.extend_from_slice(refused.hello(2_000).unwrap());
    let (status, out, err) = serve_until_it_exits(&bytes);
    assert_eq!(status.code(), Some(2), "{err}");
    let hints = hints_in(&out);
    let last = hints.last().expect("hints");
    assert_eq!(
        (last.mode, last.reason, last.sample_index),
        (Mode::Pause, Reason::SensorFault, 2_000),
        "{hints:?}\n{err}"
    );
    // The old engine's two hints (its over-vacuum pause and its recovery) were either
    // read before the Hello and sent before the link's pause, or left in its queue and
    // withheld (logged, counted): which depends on the engine thread's pace.
    let sent_before = &hints[..hints.len() - 1];
    let withheld: usize = err
        .lines()
        .find_map(|l| l.split_once("summary hints ").map(|(_, rest)| rest))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|f| f.strip_prefix("withheld="))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no withheld count\n{err}"));
    assert_eq!(sent_before.len() + withheld, 2, "{hints:?}\n{err}");
    assert_eq!(
        err.matches("not sent: the refused stream's pause stands")
            .count(),
        withheld,
        "{err}"
    );
    let reasons: Vec<Reason> = sent_before.iter().map(|h| h.reason).collect();
    assert!(
        [Reason::OverVacuum, Reason::SensorRecovered].starts_with(&reasons),
        "in the engine's order: {reasons:?}"
    );
}

/// Runs `serve --stdio`, writes `bytes` to it and keeps its input open until it exits by
/// itself; its status, the bytes it wrote and its log.
fn serve_until_it_exits(bytes: &[u8]) -> (std::process::ExitStatus, Vec<u8>, String) {
    let mut serve = spawn(&["serve", "--stdio"]);
    let mut stdin = serve.stdin.take().unwrap();
    stdin.write_all(bytes).unwrap();
    stdin.flush().unwrap();
    let out = read_all_bytes(serve.stdout.take().unwrap());
    let err = read_all(serve.stderr.take().unwrap());
    let status = serve.wait().unwrap();
    drop(stdin);
    (status, out.join().unwrap(), err.join().unwrap())
}

/// The Hint frames in bytes serve wrote.
fn hints_in(bytes: &[u8]) -> Vec<ControlHint> {
    FrameDecoder::new()
        .frames(bytes)
        .filter_map(Result::ok)
        .filter_map(|f| match f.payload {
            Payload::Hint(h) => Some(h),
            _ => None,
        })
        .collect()
}

fn read_all_bytes(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = from.read_to_end(&mut v);
        v
    })
}

#[test]
fn bad_options_exit_2() {
    for args in [
        vec!["serve"],
        vec!["serve", "--stdio", "--port", "/dev/null"],
        vec!["serve", "--port", "/nonexistent/tty"],
        vec!["serve", "--stdio", "--timeout-ms", "0"],
        vec!["pump-sim", "--stdio"],
        vec!["pump-sim", "--stdio", "--simulate", "--block", "65"],
        vec!["pump-sim", "--stdio", "--simulate", "--speed", "0"],
        vec!["pump-sim", "--stdio", "--simulate", "--rate", "50"],
        vec!["pump-sim", "--stdio", "--simulate", "--drop-every", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_letdown"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn serve_pauses_a_link_silent_from_the_first_byte_and_counts_bytes_that_never_form_a_frame() {
    let mut serve = spawn(&["serve", "--stdio", "--timeout-ms", "200"]);
    let mut stdin = serve.stdin.take().unwrap();
    let out = read_all_bytes(serve.stdout.take().unwrap());
    let err = read_all(serve.stderr.take().unwrap());
    // A megabyte without a frame delimiter (a wrong baud rate, a stuck line), then
    // nothing, for longer than the timeout.
    let junk = vec![0x55u8; 1 << 20];
    stdin.write_all(&junk).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    drop(stdin);
    let status = serve.wait().unwrap();
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "{err}");
    assert!(err.contains("serve: link silent: no samples for"), "{err}");
    let link = summary(&err, "serve", "link");
    assert_eq!(
        num(&link, "oversize_bytes"),
        ((1 << 20) - letdown_link::DECODER_CAPACITY) as f64,
        "{err}"
    );
    assert_eq!(num(&link, "bytes"), (1 << 20) as f64);
    let hints = hints_in(&out);
    assert_eq!(
        hints,
        vec![link_pause_hint(0, Reason::StaleData)],
        "one pause, before any sample"
    );
}

/// The samples of every intact block in `upstream` (what serve could take), written as a
/// session file at `rate`: the lost ones are its gaps.
fn write_received_session(upstream: &[u8], rate: u16, path: &std::path::Path) -> u64 {
    let mut decoder = FrameDecoder::new();
    let mut csv = format!("# sample_rate_hz: {rate}\nt_s,pressure_mmhg,flow_ml_min\n");
    let mut end = 0;
    for frame in decoder.frames(upstream).filter_map(Result::ok) {
        let Payload::SampleBlock(block) = frame.payload else {
            continue;
        };
        for (i, raw) in block.samples().iter().enumerate() {
            let index = block.first_sample_index + i as u64;
            if index < end {
                continue;
            }
            let s = block.config.to_sample(*raw);
            csv += &format!(
                "{:.4},{:.2},{:.2}\n",
                index as f64 / f64::from(rate),
                s.pressure_mmhg,
                s.flow_ml_min
            );
        }
        end = end.max(block.end_sample_index());
    }
    std::fs::write(path, csv).unwrap();
    end
}

#[test]
fn through_every_link_fault_serve_gives_replays_hints_on_the_samples_that_arrived() {
    let session = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/sessions/sim-typical-s11-timer120-100hz-8min.csv");
    let pump = [
        &[
            "--session",
            session.to_str().unwrap(),
            "--unpaced",
            "--quiet",
            "--stall-after",
            "200",
            "--stall-ms",
            "700",
        ],
        LINK_FAULTS,
    ]
    .concat();
    let (s, p, upstream) = run_pair_upstream(&["--timeout-ms", "300"], &pump);
    let arrived =
        std::env::temp_dir().join(format!("letdown-link-arrived-{}.csv", std::process::id()));
    let end = write_received_session(&upstream, 100, &arrived);
    let expected = replay_hints(&arrived);
    std::fs::remove_file(&arrived).unwrap();
    assert!(expected.len() >= 5, "{expected:?}");
    assert_eq!(served_hints(&s), expected, "{s}");
    // The engine counted every sample the board sent plus every one lost: its clock is
    // the board's.
    let engine = summary(&s, "serve", "engine");
    let samples = summary(&s, "serve", "samples");
    assert_eq!(num(&engine, "samples"), end as f64);
    assert_eq!(
        num(&engine, "samples"),
        num(&samples, "delivered") + num(&samples, "missing")
    );
    assert_eq!(num(&samples, "overruns"), 0.0, "{s}");
    // The stall lost nothing (unpaced): the link paused the pump and lifted its own pause,
    // and the engine never heard of it.
    assert_eq!(num(&samples, "silences"), 1.0, "the stall: {s}");
    assert!(s.contains("; pump resumes "), "{s}");
    let received = summary(&p, "pump-sim", "received");
    assert!(num(&received, "pauses") >= 1.0, "{p}");
    let injected = summary(&p, "pump-sim", "injected");
    let link = summary(&s, "serve", "link");
    assert_eq!(
        num(&link, "frames_dropped"),
        num(&injected, "decoder_drops_expected")
    );
}

#[test]
fn a_lost_hello_is_sent_again_and_the_stream_starts_with_nothing_lost() {
    let (s, p) = run_pair(
        &["--quiet"],
        &[
            "--simulate",
            "--seed",
            "6",
            "--minutes",
            "0.5",
            "--unpaced",
            "--quiet",
            "--drop-hello",
        ],
    );
    let ack = summary(&p, "pump-sim", "serve_ack");
    assert!(num(&ack, "hellos_again") >= 1.0, "{p}");
    let sent = summary(&p, "pump-sim", "sent");
    let engine = summary(&s, "serve", "engine");
    let samples = summary(&s, "serve", "samples");
    assert_eq!(num(&engine, "samples"), num(&sent, "samples_sent"), "{s}");
    assert_eq!(num(&samples, "missing"), 0.0);
    assert_eq!(num(&samples, "overruns"), 0.0);
    assert_eq!(num(&samples, "streams"), 1.0);
}

#[test]
fn the_ack_counts_every_loss_by_kind_and_offers_the_queue_s_room() {
    let samples = session(FaultSet::NONE, 16, 0.5);
    let faults = LinkFaults {
        garbage_every: 7,
        truncate_every: 11,
        corrupt_every: 13,
        drop_every: 17,
    };
    let w = wire(&samples, faults, 2);
    let mut bytes = w.bytes.clone();
    // A block sent twice, and a line that never sends a delimiter at the end.
    let mut board = w.board;
    let repeat = board
        .block(160, &[Sample::new(-100.0, 1.0); 16])
        .unwrap()
        .to_vec();
    bytes.extend_from_slice(&repeat);
    bytes.extend(std::iter::repeat_n(0x55u8, 1000));
    // Before a stream, no room; with a queue of 4096 samples in blocks of 16 (one slot
    // of 32 each), room for 128 blocks.
    let fresh = LinkReceiver::new(
        PipelineSink::new(PipelineSinkConfig::default()),
        ReceiverConfig::new(Duration::from_secs(3600)),
    );
    assert_eq!(fresh.ack().spare_samples, 0);
    let sink = PipelineSink::new(PipelineSinkConfig {
        capacity: Some(4096),
        ..PipelineSinkConfig::default()
    });
    let (rx, _) = receive(sink, &bytes);
    let stats = rx.stats();
    let ack = rx.ack();
    for (n, reason) in ack.dropped_by_reason.iter().zip(DropReason::ALL) {
        assert_eq!(u64::from(*n), stats.decoder.dropped(reason), "{reason}");
    }
    assert_eq!(u64::from(ack.frames_dropped), stats.frames_dropped());
    assert_eq!(u64::from(ack.samples_missing), w.counts.samples_lost);
    assert_eq!(ack.samples_discarded, 16, "the repeated block");
    assert_eq!(
        u64::from(ack.oversize_bytes),
        1000 - DECODER_CAPACITY as u64
    );
    assert_eq!(ack.next_sample_index, samples.len() as u64);
    // Fed flat out, the queue overran (counted above); once the engine thread has taken
    // it all, the whole queue is offered, in whole blocks.
    let give_up = Instant::now() + Duration::from_secs(10);
    while rx.ack().spare_samples < 128 * 16 && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(rx.ack().spare_samples, 128 * 16);
    // The engine in place has no queue: no limit.
    let (in_place, _) = receive(EngineSink::new(), &w.bytes);
    assert_eq!(in_place.ack().spare_samples, u32::MAX);
}

#[test]
fn after_a_restart_the_pump_follows_the_new_engine() {
    let mut serve = spawn(&["serve", "--stdio", "--quiet"]);
    let mut stdin = serve.stdin.take().unwrap();
    let out = read_all_bytes(serve.stdout.take().unwrap());
    let err = read_all(serve.stderr.take().unwrap());
    let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
    // Vacuum beyond the user's maximum (−250 mmHg): the engine pauses the pump.
    let mut bytes = board.hello(0).unwrap().to_vec();
    bytes.extend(blocks_from(&mut board, 0, &[Sample::new(-280.0, 0.0); 320]));
    // The board restarts its numbering: a new stream, a new engine that starts in
    // stimulation and sees gentle vacuum.
    bytes.extend_from_slice(board.hello(0).unwrap());
    bytes.extend(blocks_from(&mut board, 0, &[Sample::new(-60.0, 0.0); 320]));
    stdin.write_all(&bytes).unwrap();
    drop(stdin);
    let status = serve.wait().unwrap();
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "{err}");
    let hints = hints_in(&out);
    let settings = EngineConfig::new(f32::from(RATE)).user_settings();
    assert_eq!(hints.len(), 2, "{hints:?}\n{err}");
    assert_eq!(
        (hints[0].mode, hints[0].reason, hints[0].sample_index),
        (Mode::Pause, Reason::OverVacuum, 0)
    );
    assert_eq!(
        hints[1],
        link_resume_hint(0, Mode::Stimulation, &settings),
        "{err}"
    );
    assert!(
        err.contains("new stream: the pump follows the new engine"),
        "{err}"
    );
}
