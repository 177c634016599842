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
use letdown_adapters::pump_link::{
    BoardEncoder, EngineSink, FaultInjector, InjectionCounts, LinkFaults, LinkReceiver,
    PipelineSink, PipelineSinkConfig, ReceiveStats, ReceiverConfig, ReceiverEvent, StreamSink,
};
use letdown_datasets::{FaultKind, FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use letdown_engine::{EngineConfig, Event, Mode, Reason, Sample};
use letdown_link::{
    DropReason, Encoder, FrameDecoder, Hello, Payload, StreamConfig, MAX_FRAME_LEN,
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
    let total = samples.len() as u64;
    let kinds = [
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
    ];
    for (name, faults) in kinds {
        let w = wire(&samples, faults, 5);
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
        let (direct, missing) = direct_events(&samples, &w);
        assert_eq!(missing, c.samples_lost, "{name}");
        assert_eq!(engine_events(&rx), direct, "{name}");
    }
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

#[test]
fn a_silent_link_pauses_at_the_timeout_and_the_gap_is_counted_once() {
    let timeout = Duration::from_millis(500);
    let samples: Vec<Sample> = session(FaultSet::NONE, 14, 0.5)
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let (before, after) = samples.split_at(10_000);
    let stall = 3_000u64; // samples the board measured but could not send
    for board_counts_the_stall in [true, false] {
        let mut rx = LinkReceiver::new(EngineSink::new(), ReceiverConfig::new(timeout));
        let mut board = BoardEncoder::new(RATE, BLOCK).unwrap();
        let mut log = Vec::new();
        let t0 = Instant::now();
        let hello = board.hello(0).unwrap().to_vec();
        rx.feed(&hello, t0, &mut |e| log.push(e));
        let last = feed_paced(&mut rx, &mut board, before, 0, t0, &mut log);
        let events_before = rx.sink().events().len();

        // Just under the timeout: nothing yet.
        rx.poll(last + timeout - Duration::from_millis(1), &mut |e| {
            log.push(e)
        });
        assert!(!rx.is_silent());
        assert_eq!(rx.sink().events().len(), events_before);
        assert_eq!(rx.next_deadline(), Some(last + timeout));
        // At the timeout: silent, and the engine's pause (stale data) at once.
        rx.poll(last + timeout, &mut |e| log.push(e));
        assert!(rx.is_silent());
        assert!(log.contains(&ReceiverEvent::Silent {
            since_last: timeout
        }));
        let new: Vec<&Event> = rx.sink().events()[events_before..].iter().collect();
        assert_eq!(new.len(), 1, "{new:?}");
        let hint = new[0].hint.expect("a pause hint");
        assert_eq!((hint.mode, hint.reason), (Mode::Pause, Reason::StaleData));
        assert_eq!(
            hint.sample_index,
            before.len() as u64,
            "right after the last sample"
        );
        assert_eq!(
            (hint.target_vacuum_mmhg, hint.rate_cpm, hint.ramp_cycles),
            (0.0, 0.0, 0)
        );
        // Said once per silence.
        rx.poll(last + 4 * timeout, &mut |e| log.push(e));
        assert_eq!(rx.stats().silences, 1);

        // The board comes back, its indices after the stall (or where it stopped).
        let resume_index = before.len() as u64 + if board_counts_the_stall { stall } else { 0 };
        let back = last + Duration::from_secs(2);
        feed_paced(&mut rx, &mut board, after, resume_index, back, &mut log);
        assert!(!rx.is_silent());
        let expected_missing = if board_counts_the_stall { stall } else { 1 };
        assert_eq!(rx.stats().missing_reported, expected_missing);
        let engine = rx.sink().engine().unwrap();
        assert_eq!(engine.stats().missing_samples, expected_missing);
        assert!(log
            .iter()
            .any(|e| matches!(e, ReceiverEvent::Resumed { .. })));
        // Pumping resumes after good data; its hint names the board's sample.
        let resume = rx
            .sink()
            .events()
            .iter()
            .find(|e| e.reason == Reason::SensorRecovered)
            .expect("recovery");
        assert_eq!(rx.board_index(resume.sample_index), resume_index + 499);
    }
}

/// The first sample the engine must pause at, and why: the engine's own rules, written
/// out (DESIGN §5: NaN or impossible values, a value repeated exactly for longer than
/// `stuck_s`, vacuum beyond the user's maximum).
fn first_unsafe(samples: &[Sample], config: &EngineConfig) -> Option<(usize, Reason)> {
    let stuck = (config.stuck_s * config.sample_rate_hz) as u32;
    let mut runs = [(u32::MAX, 0u32); 2];
    for (i, s) in samples.iter().enumerate() {
        let mut bad = false;
        for (c, (x, lo, hi)) in [
            (s.pressure_mmhg, -450.0, 150.0),
            (s.flow_ml_min, -100.0, 250.0),
        ]
        .into_iter()
        .enumerate()
        {
            if !x.is_finite() || !(lo..=hi).contains(&x) {
                runs[c] = (u32::MAX, 0);
                bad = true;
            } else if x.to_bits() == runs[c].0 {
                runs[c].1 += 1;
                bad |= runs[c].1 > stuck;
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

fn copy(
    mut from: impl Read + Send + 'static,
    mut to: impl Write + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
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
    let mut serve = spawn(&[&["serve", "--stdio"], serve_args].concat());
    let mut pump = spawn(&[&["pump-sim", "--stdio"], pump_args].concat());
    let up = copy(pump.stdout.take().unwrap(), serve.stdin.take().unwrap());
    let down = copy(serve.stdout.take().unwrap(), pump.stdin.take().unwrap());
    let serve_err = read_all(serve.stderr.take().unwrap());
    let pump_err = read_all(pump.stderr.take().unwrap());
    let pump_status = pump.wait().unwrap();
    up.join().unwrap();
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
    (s, p)
}

#[test]
fn serve_counts_exactly_what_pump_sim_injects() {
    let (s, p) = run_pair(
        &["--quiet"],
        &[
            "--simulate",
            "--seed",
            "3",
            "--minutes",
            "1",
            "--speed",
            "20",
            "--quiet",
            "--garbage-every",
            "40",
            "--truncate-every",
            "60",
            "--corrupt-every",
            "75",
            "--drop-every",
            "90",
        ],
    );
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
    let mut serve = spawn(&["serve", "--stdio"]);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let hello = Payload::Hello(Hello {
        config: StreamConfig::new(50, 0.01, 0.01),
        max_samples_per_block: 16,
        next_sample_index: 0,
    });
    let n = Encoder::new().encode(&hello, &mut buf).unwrap();
    let mut stdin = serve.stdin.take().unwrap();
    stdin.write_all(&buf[..n]).unwrap();
    stdin.flush().unwrap();
    let out = read_all_bytes(serve.stdout.take().unwrap());
    let err = read_all(serve.stderr.take().unwrap());
    let status = serve.wait().unwrap();
    drop(stdin);
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("stream rejected: 50 Hz"), "{err}");
    assert!(
        err.contains("sample_rate_hz"),
        "the engine's reason is given: {err}"
    );
    let mut decoder = FrameDecoder::new();
    let hints: Vec<_> = decoder
        .frames(&out)
        .filter_map(Result::ok)
        .filter_map(|f| match f.payload {
            Payload::Hint(h) => Some(h),
            _ => None,
        })
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(
        (hints[0].mode, hints[0].reason),
        (Mode::Pause, Reason::SensorFault)
    );
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
