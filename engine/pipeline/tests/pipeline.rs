//! The threaded pipeline: every sample delivered in order with the same events as
//! `Engine::process`, clean shutdown, overruns and dropped hints counted, the baseline
//! equivalent. No timed assertions: only counts and contents. (No allocation in steady
//! state: `steady_state.rs`, alone in its test binary.)

use letdown_engine::{Engine, Event, Sample};
use letdown_io::baseline::{start_baseline, start_baseline_unbounded};
use letdown_io::feed::{feed_unpaced, SampleSink};
use letdown_pipeline::{
    self as pipeline, HintMessage, PipelineConfig, PipelineReport, WaitStrategy, SLOT_SAMPLES,
};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

mod common;
use common::{engine, eventful, wait_processed, RATE};

/// Runs the tests of this file one at a time: each starts an engine thread that spins or
/// yields, and on two cores two of them at once would starve each other's threads.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The reference: the engine called directly, with a gap of `gap.1` samples before
/// sample `gap.0`.
fn direct(input: &[Sample], gap: Option<(usize, u64)>) -> (Vec<Event>, Engine) {
    let mut e = engine();
    let mut events = Vec::new();
    for (i, &s) in input.iter().enumerate() {
        if gap.is_some_and(|(at, _)| at == i) {
            events.extend(e.process_gap(gap.unwrap().1));
        }
        events.extend(e.process(s));
    }
    (events, e)
}

fn received(hints: impl Iterator<Item = HintMessage>) -> Vec<Event> {
    hints.map(|m| m.event).collect()
}

fn check_complete(report: &PipelineReport, n: usize) {
    let s = report.stats;
    assert!(s.finished);
    assert_eq!(s.samples_in, n as u64);
    assert_eq!(
        s.processed, n as u64,
        "every sample processed before shutdown"
    );
    assert_eq!(s.overruns, 0);
    assert_eq!(s.hints_dropped, 0);
    assert_eq!(s.hints_sent, s.events);
    assert_eq!(
        report.histograms.sample.len(),
        n as u64,
        "one latency per sample"
    );
}

#[test]
fn every_wait_strategy_delivers_every_sample_in_order_with_the_same_events() {
    let _serial = serial();
    let input = eventful(20_000);
    let (expected, reference) = direct(&input, None);
    assert!(expected.len() >= 10, "the input makes events");
    for wait in WaitStrategy::ALL {
        let config = PipelineConfig::for_stream(RATE, 32)
            .wait(wait)
            .hint_capacity(1024);
        let p = pipeline::start(engine(), config).unwrap();
        let mut producer = p.producer;
        // Blocks of every size from 1 to 40, so blocks wrap around the ring's end.
        let mut at = 0;
        let mut len = 1;
        while at < input.len() {
            let block = &input[at..(at + len).min(input.len())];
            let now = producer.clock().now_ns();
            let mut rest = block;
            while !rest.is_empty() {
                let n = producer.try_push_at(rest, now);
                rest = &rest[n..];
                std::thread::yield_now();
            }
            at += block.len();
            len = len % 40 + 1;
        }
        producer.close();
        let report = p.engine.join().unwrap();
        check_complete(&report, input.len());
        assert_eq!(received(p.hints.try_iter()), expected, "wait {wait}");
        assert_eq!(report.engine.stats(), reference.stats(), "wait {wait}");
        assert_eq!(report.engine.sample_index(), input.len() as u64);
    }
}

#[test]
fn warming_the_producer_queues_nothing_and_changes_no_result() {
    let _serial = serial();
    let input = eventful(20_000);
    let (expected, reference) = direct(&input, Some((9_000, 11)));
    // A small ring (8 slots) so warm-ups land on every place, wrap around, and meet a
    // full ring.
    let config = PipelineConfig::for_stream(RATE, 32)
        .capacity(8 * SLOT_SAMPLES)
        .hint_capacity(1024);
    let p = pipeline::start(engine(), config).unwrap();
    let mut producer = p.producer;
    let (mut at, mut len, mut pushes) = (0, 1, 0u64);
    while at < input.len() {
        if at == 9_000 {
            producer.report_missing(11);
            // A warm-up builds its unpublished slot behind the pending gap; the gap
            // must still go with the next real push.
            producer.warm();
        }
        // Blocks of 1 … 40 samples, cut at the gap.
        let mut end = (at + len).min(input.len());
        if at < 9_000 && end > 9_000 {
            end = 9_000;
        }
        let block = &input[at..end];
        producer.warm();
        while producer.vacant_len() < block.len() {
            producer.warm(); // no room for this block: returns at once, takes none
            std::thread::yield_now();
        }
        assert_eq!(producer.push(block).dropped, 0);
        pushes += block.len().div_ceil(SLOT_SAMPLES) as u64;
        at += block.len();
        len = len % 40 + 1;
    }
    producer.warm();
    producer.close();
    let report = p.engine.join().unwrap();
    check_complete(&report, input.len());
    assert_eq!(report.stats.blocks, pushes, "a warm-up published no slot");
    assert_eq!(report.engine.stats().missing_samples, 11);
    assert_eq!(report.engine.stats(), reference.stats());
    assert_eq!(received(p.hints.try_iter()), expected);
}

#[test]
fn a_reported_dropout_reaches_the_engine_as_a_gap_in_its_place() {
    let _serial = serial();
    let input = eventful(6_000);
    let (expected, reference) = direct(&input, Some((3_000, 25)));
    let p = pipeline::start(engine(), PipelineConfig::for_stream(RATE, 32)).unwrap();
    let mut producer = p.producer;
    for (k, block) in input.chunks(100).enumerate() {
        if k == 30 {
            producer.report_missing(25);
        }
        while producer.vacant_len() < block.len() {
            std::thread::yield_now();
        }
        assert_eq!(producer.push(block).dropped, 0);
    }
    drop(producer);
    let report = p.engine.join().unwrap();
    assert_eq!(report.stats.missing, 25);
    assert_eq!(report.engine.stats().missing_samples, 25);
    assert_eq!(report.engine.stats(), reference.stats());
    assert_eq!(received(p.hints.try_iter()), expected);
}

#[test]
fn dropouts_reported_past_the_counters_range_saturate() {
    // A link's sample indices may jump by up to 2⁶⁴ − 1 at every restart of the board:
    // the pipeline's count saturates, and the engine takes the one gap it is told of
    // (both reports, before the next block) as its longest.
    let _serial = serial();
    let p = pipeline::start(engine(), PipelineConfig::for_stream(RATE, 32)).unwrap();
    let mut producer = p.producer;
    producer.report_missing(u64::MAX - 1);
    producer.report_missing(u64::MAX - 1);
    assert_eq!(producer.push(&eventful(10)).dropped, 0);
    drop(producer);
    let report = p.engine.join().unwrap();
    assert_eq!(report.stats.missing, u64::MAX);
    assert_eq!(
        report.engine.stats().missing_samples,
        letdown_engine::MAX_GAP_SAMPLES
    );
}

#[test]
fn a_push_larger_than_the_queue_keeps_the_oldest_and_reports_the_rest_as_a_gap() {
    let _serial = serial();
    let capacity = 4096;
    let input = eventful(3 * capacity);
    let config = PipelineConfig::for_stream(RATE, 32).capacity(capacity);
    let p = pipeline::start(engine(), config).unwrap();
    let mut producer = p.producer;
    let pushed = producer.push(&input);
    // However much the engine thread drained meanwhile, one push can place at most
    // `capacity` samples: the rest is dropped at once, never waited for.
    assert!(pushed.accepted <= capacity);
    assert_eq!(pushed.accepted + pushed.dropped, input.len());
    drop(producer);
    let report = p.engine.join().unwrap();
    let s = report.stats;
    assert_eq!(s.overruns, pushed.dropped as u64);
    assert_eq!(s.overrun_events, 1);
    assert_eq!(s.processed, pushed.accepted as u64);
    // The dropped tail reaches the engine as missing samples, so its sample clock stays
    // right: the trailing gap was sent in a header of its own at close.
    assert_eq!(report.engine.stats().missing_samples, pushed.dropped as u64);
    assert_eq!(report.engine.sample_index(), input.len() as u64);
}

#[test]
fn a_stalled_engine_thread_makes_overruns_and_the_producer_never_blocks() {
    let _serial = serial();
    let capacity = 4096;
    // The engine thread sleeps on a 10 s tick: after at most one look at the queue it
    // stalls for far longer than the pushes below take.
    let mut config = PipelineConfig::for_stream(RATE, 32)
        .capacity(capacity)
        .wait(WaitStrategy::Tick);
    config.period = Duration::from_secs(10);
    let p = pipeline::start(engine(), config).unwrap();
    let mut producer = p.producer;
    let input = eventful(4 * capacity);
    let (mut accepted, mut dropped) = (0, 0);
    for block in input.chunks(32) {
        let pushed = producer.push(block); // returns at once, full queue or not
        accepted += pushed.accepted;
        dropped += pushed.dropped;
    }
    assert_eq!(accepted + dropped, input.len());
    // At most one drain before the stall (≤ capacity) plus one full queue were taken.
    assert!(dropped >= capacity, "dropped {dropped}");
    let live = p.engine.stats();
    assert_eq!(
        live.overruns, dropped as u64,
        "overruns are visible while running"
    );
    drop(producer); // unparks the engine thread: it drains and stops
    let report = p.engine.join().unwrap();
    assert_eq!(report.stats.processed, accepted as u64);
    assert_eq!(report.stats.overruns, dropped as u64);
    assert_eq!(report.engine.stats().missing_samples, dropped as u64);
    assert_eq!(report.engine.sample_index(), input.len() as u64);
}

#[test]
fn a_full_hint_channel_is_counted_as_dropped_and_does_not_stop_the_engine() {
    let _serial = serial();
    let input = eventful(20_000);
    let (expected, _) = direct(&input, None);
    let config = PipelineConfig::for_stream(RATE, 32).hint_capacity(1);
    let p = pipeline::start(engine(), config).unwrap();
    let mut producer = p.producer;
    let report = {
        feed_unpaced(&mut producer, &input, 32);
        drop(producer);
        p.engine.join().unwrap()
    };
    // Nobody read the channel: the first event filled it, every later one was dropped.
    let s = report.stats;
    assert_eq!(s.processed, input.len() as u64);
    assert_eq!(s.events, expected.len() as u64);
    assert_eq!(s.hints_sent, 1);
    assert_eq!(s.hints_dropped, expected.len() as u64 - 1);
    assert_eq!(received(p.hints.try_iter()), expected[..1]);
}

#[test]
fn stats_can_be_read_while_running_and_are_exact_at_the_end() {
    let _serial = serial();
    let input = eventful(10_000);
    let p = pipeline::start(engine(), PipelineConfig::for_stream(RATE, 32)).unwrap();
    let mut producer = p.producer;
    let mut last = p.engine.stats();
    for block in input.chunks(500) {
        feed_unpaced(&mut producer, block, 50);
        let now = p.engine.stats();
        assert!(now.samples_in >= last.samples_in && now.processed >= last.processed);
        assert!(now.processed <= now.samples_in);
        last = now;
    }
    drop(producer);
    let report = p.engine.join().unwrap();
    check_complete(&report, input.len());
    assert_eq!(report.stats.latency.count, input.len() as u64);
    assert!(report.stats.latency.p50_ns <= report.stats.latency.max_ns);
}

#[test]
fn the_baseline_gives_the_same_events_and_processes_every_sample() {
    let _serial = serial();
    let input = eventful(20_000);
    let (expected, reference) = direct(&input, None);
    let b = start_baseline(engine(), PipelineConfig::for_stream(RATE, 32)).unwrap();
    let mut producer = b.producer;
    feed_unpaced(&mut producer, &input, 32);
    drop(producer);
    let report = b.engine.join().unwrap();
    check_complete(&report, input.len());
    assert_eq!(received(b.hints.try_iter()), expected);
    assert_eq!(report.engine.stats(), reference.stats());
}

#[test]
fn warming_the_baseline_queues_nothing_and_changes_no_result() {
    let _serial = serial();
    let input = eventful(20_000);
    let (expected, reference) = direct(&input, None);
    // A queue of 256 samples, so warm-ups also meet a queue with little or no room.
    let config = PipelineConfig::for_stream(RATE, 32).capacity(256);
    let b = start_baseline(engine(), config).unwrap();
    let mut producer = b.producer;
    for block in input.chunks(40) {
        producer.warm(block);
        let mut rest = block;
        while !rest.is_empty() {
            producer.warm(rest);
            let now = SampleSink::clock(&producer).now_ns();
            let n = producer.try_push_at(rest, now);
            rest = &rest[n..];
            std::thread::yield_now();
        }
    }
    producer.warm(&input[..40]);
    drop(producer);
    let report = b.engine.join().unwrap();
    check_complete(&report, input.len());
    assert_eq!(received(b.hints.try_iter()), expected);
    assert_eq!(report.engine.stats(), reference.stats());
}

#[test]
fn a_bad_config_is_refused() {
    let _serial = serial();
    let ok = PipelineConfig::for_stream(RATE, 32);
    assert!(ok.validate().is_ok());
    for bad in [ok.capacity(1), ok.hint_capacity(0)] {
        assert!(pipeline::start(engine(), bad).is_err());
    }
    let mut zero = ok;
    zero.period = Duration::ZERO;
    assert_eq!(
        zero.validate().unwrap_err().to_string(),
        "pipeline period must be > 0 and ≤ 10 s"
    );
}

#[test]
fn live_latency_percentiles_are_coarse_while_running_and_exact_at_the_end() {
    let _serial = serial();
    let input = eventful(20_000);
    let p = pipeline::start(engine(), PipelineConfig::for_stream(RATE, 32)).unwrap();
    let mut producer = p.producer;
    feed_unpaced(&mut producer, &input, 32);
    wait_processed(&p.engine, input.len() as u64);
    let live = p.engine.stats();
    assert!(!live.finished);
    assert_eq!(
        live.latency.count,
        input.len() as u64,
        "live count is exact"
    );
    drop(producer);
    let report = p.engine.join().unwrap();
    let exact = report.stats.latency;
    assert!(report.stats.finished);
    assert_eq!(exact.count, input.len() as u64);
    // The live maximum is the true one; hdrhistogram's the top of its bucket (0.1 %).
    let max = live.latency.max_ns;
    assert!(exact.max_ns >= max && exact.max_ns as f64 <= max as f64 * 1.001);
    for (l, e) in live.latency.values_ns().into_iter().zip(exact.values_ns()) {
        // The live value is the top of its bucket (8 per power of two); the exact one is
        // hdrhistogram's, within 0.1 %.
        assert!(
            l as f64 >= e as f64 * 0.99 && l as f64 <= e as f64 * 1.126 + 8.0,
            "live {l} ns vs exact {e} ns"
        );
    }
    assert!(report.stats.block_time.count > 0);
}

#[test]
fn a_short_push_takes_a_whole_slot_and_room_is_counted_in_slots() {
    let _serial = serial();
    // The engine thread sleeps on a 10 s tick after its first look: the queue fills.
    let mut config = PipelineConfig::for_stream(RATE, 32)
        .capacity(4 * SLOT_SAMPLES)
        .wait(WaitStrategy::Tick);
    config.period = Duration::from_secs(10);
    let p = pipeline::start(engine(), config).unwrap();
    let mut producer = p.producer;
    std::thread::sleep(Duration::from_millis(20)); // let it take its first look
    assert_eq!(producer.vacant_len(), 4 * SLOT_SAMPLES);
    let block = eventful(SLOT_SAMPLES);
    for k in 0..4 {
        assert_eq!(producer.push(&block[..5]).accepted, 5, "push {k}");
    }
    assert_eq!(
        producer.vacant_len(),
        0,
        "four short pushes filled four slots"
    );
    producer.warm(); // a full ring: nothing to warm, nothing taken
    assert_eq!(producer.vacant_len(), 0);
    let refused = producer.push(&block);
    assert_eq!((refused.accepted, refused.dropped), (0, SLOT_SAMPLES));
    drop(producer);
    let report = p.engine.join().unwrap();
    assert_eq!(report.stats.processed, 20);
    assert_eq!(report.stats.blocks, 4);
    assert_eq!(report.stats.overruns, SLOT_SAMPLES as u64);
    // The trailing gap had no slot; it was handed over at close.
    assert_eq!(report.engine.stats().missing_samples, SLOT_SAMPLES as u64);
    assert_eq!(report.engine.sample_index(), 20 + SLOT_SAMPLES as u64);
}

#[test]
fn the_bounded_baseline_keeps_the_oldest_and_counts_overruns_the_unbounded_one_hides_them() {
    let _serial = serial();
    let input = eventful(3 * 4096);
    let config = PipelineConfig::for_stream(RATE, 32).capacity(4096);
    let b = start_baseline(engine(), config).unwrap();
    let mut producer = b.producer;
    let pushed = producer.push_at(&input, 0);
    assert!(pushed.accepted <= 4096);
    assert_eq!(pushed.accepted + pushed.dropped, input.len());
    drop(producer);
    let report = b.engine.join().unwrap();
    assert_eq!(report.stats.overruns, pushed.dropped as u64);
    assert_eq!(report.stats.processed, pushed.accepted as u64);

    let u = start_baseline_unbounded(engine(), config).unwrap();
    let mut producer = u.producer;
    assert_eq!(producer.push_at(&input, 0).dropped, 0);
    drop(producer);
    let report = u.engine.join().unwrap();
    assert_eq!(report.stats.overruns, 0);
    assert_eq!(report.stats.processed, input.len() as u64);
}
