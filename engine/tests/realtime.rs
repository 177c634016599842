//! Real-time guarantees: no heap allocation after construction, no panic for any input,
//! block processing equal to per-sample processing, deterministic output, bounded size.

use letdown_engine::{Engine, EngineConfig, Event, Sample};
use letdown_test_support::alloc::{thread_allocations as allocations, Counting};
use proptest::prelude::*;

// Counts allocations per thread (the test harness runs other tests on other threads).
#[global_allocator]
static GLOBAL: Counting = Counting;

/// A pump-like input with an ejection, noise, and every kind of bad value sprinkled in.
fn messy_sample(i: u64, rate: f32) -> Sample {
    let t = i as f32 / rate;
    let phase = (t * 110.0 / 60.0).fract();
    let p = if phase < 0.5 {
        -110.0 * phase * 2.0
    } else {
        0.0
    };
    let flow = if t > 60.0 {
        20.0 * (1.0 - (-(t - 60.0) / 10.0).exp())
    } else {
        0.0
    };
    let n = ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f32 / 500.0 - 1.0;
    match i % 7919 {
        0 => Sample::new(f32::NAN, flow),
        1 => Sample::new(p, f32::INFINITY),
        2 => Sample::new(-400.0, flow),
        3 => Sample::new(p, 1.0e30),
        _ => Sample::new(p + 2.0 * n, flow * (1.0 + phase) + n),
    }
}

#[test]
fn no_allocation_after_construction_over_ten_minutes_at_1_khz() {
    let rate = 1000.0;
    let mut engine = EngineConfig::new(rate).build().unwrap();
    let mut events = 0usize;
    let before = allocations();
    for i in 0..600_000u64 {
        if engine.process(messy_sample(i, rate)).is_some() {
            events += 1;
        }
        if i % 100_000 == 50_000 && engine.process_gap(250).is_some() {
            events += 1;
        }
        // The user changes her settings while the engine runs (one change refused).
        if i % 60_000 == 30_000 {
            let mut s = engine.user_settings();
            s.expression_vacuum_mmhg = if i % 120_000 == 30_000 {
                -150.0
            } else {
                -180.0
            };
            assert!(engine.set_user_settings(s).is_ok());
            s.max_vacuum_mmhg = -400.0;
            assert!(engine.set_user_settings(s).is_err());
        }
    }
    let mut block_events = 0usize;
    let block: Vec<Sample> = (0..1024).map(|i| messy_sample(i, rate)).collect();
    let before_block = allocations();
    engine.process_block(&block, |_| block_events += 1);
    let after = allocations();
    assert_eq!(after - before_block, 0, "process_block allocated");
    // Only the `block` Vec above allocated between `before` and `before_block`.
    assert_eq!(before_block - before, 1, "process allocated");
    assert!(events > 0, "the run produced events");
}

fn run_per_sample(engine: &mut Engine, input: &[Sample]) -> Vec<Event> {
    input.iter().filter_map(|&s| engine.process(s)).collect()
}

#[test]
fn block_processing_equals_per_sample_for_every_block_size() {
    let rate = 500.0;
    let input: Vec<Sample> = (0..150_000).map(|i| messy_sample(i, rate)).collect();
    let reference = run_per_sample(&mut EngineConfig::new(rate).build().unwrap(), &input);
    assert!(reference.len() > 3);
    for block in [1usize, 7, 32, 64, 1000] {
        let mut engine = EngineConfig::new(rate).build().unwrap();
        let mut got = Vec::new();
        for chunk in input.chunks(block) {
            engine.process_block(chunk, |e| got.push(e));
        }
        assert_eq!(got, reference, "block size {block}");
    }
}

#[test]
fn same_input_same_output_and_clone_continues_identically() {
    let rate = 1000.0;
    let input: Vec<Sample> = (0..200_000).map(|i| messy_sample(i, rate)).collect();
    let mut a = EngineConfig::new(rate).build().unwrap();
    let first = run_per_sample(&mut a, &input[..100_000]);
    let mut b = a.clone();
    let rest_a = run_per_sample(&mut a, &input[100_000..]);
    let rest_b = run_per_sample(&mut b, &input[100_000..]);
    assert_eq!(rest_a, rest_b);
    let mut fresh = EngineConfig::new(rate).build().unwrap();
    let mut all = run_per_sample(&mut fresh, &input);
    let mut expected = first;
    expected.extend(rest_a);
    assert_eq!(all.len(), expected.len());
    all.retain(|_| true);
    assert_eq!(all, expected);
}

#[test]
fn engine_state_is_small() {
    let size = std::mem::size_of::<Engine>();
    println!("size_of::<Engine>() = {size} bytes");
    assert!(size <= 16 * 1024, "{size} bytes");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any f32 — NaN, ±∞, subnormals, huge — never panics, and the engine keeps working:
    /// afterwards a clean signal is processed with finite state.
    #[test]
    fn any_f32_input_never_panics(
        values in prop::collection::vec((any::<f32>(), any::<f32>()), 1..3000),
        rate in prop::sample::select(vec![100.0f32, 250.0, 1000.0, 10_000.0]),
        gap in 0u64..5000,
    ) {
        let mut engine = EngineConfig::new(rate).build().unwrap();
        for &(p, f) in &values {
            if let Some(e) = engine.process(Sample::new(p, f)) {
                prop_assert!(e.confidence.is_finite());
                if let Some(h) = e.hint {
                    prop_assert!(h.target_vacuum_mmhg.is_finite() && h.target_vacuum_mmhg >= -300.0);
                }
            }
        }
        engine.process_gap(gap);
        for i in 0..(rate as u64 * 3) {
            engine.process(messy_sample(i + 1, rate));
        }
        let s = engine.snapshot();
        prop_assert!(s.baseline_ml_min.is_finite());
        prop_assert!(s.sigma_ml_min.is_finite());
        prop_assert!(s.cusum.0.is_finite() && s.cusum.1.is_finite());
        prop_assert!(s.volume_ml.is_finite());
    }
}

/// A gap so long that the sample index would pass `u64::MAX` counts as
/// `MAX_GAP_SAMPLES`, so the index never overflows nor saturates (found by the engine
/// fuzzer: `process_gap` panicked in debug builds and wrapped the index in release
/// builds; saturated, every timer fired on every tick).
#[test]
fn a_gap_past_the_index_range_counts_as_the_longest_gap() {
    use letdown_engine::MAX_GAP_SAMPLES;
    for rate in [100.0f32, 1000.0, 10_000.0] {
        let mut engine = EngineConfig::new(rate).build().unwrap();
        // Three seconds clear of the input's sprinkled faults (at i % 7919 < 4).
        let seconds = rate as u64 * 3;
        for i in 4..(seconds + 4) {
            engine.process(messy_sample(i, rate));
        }
        let gap = engine.process_gap(u64::MAX - 10);
        assert!(gap.is_some(), "a gap pauses the pump");
        for i in 0..seconds {
            engine.process(messy_sample(i, rate));
        }
        engine.process_gap(u64::MAX);
        engine.process(messy_sample(0, rate));
        let index = 2 * seconds + 2 * MAX_GAP_SAMPLES + 1;
        assert_eq!(engine.sample_index(), index);
        assert_eq!(engine.stats().samples, index);
        assert_eq!(engine.stats().missing_samples, 2 * MAX_GAP_SAMPLES);
        assert!(engine.snapshot().baseline_ml_min.is_finite());
    }
}
