//! No allocation in steady state, with every wait strategy: a counting allocator counts
//! every allocation of the process, so this test sits alone in its binary. Beside other
//! tests, the harness's own thread allocates while they start and finish (a test thread
//! spawned, a result recorded), and on a loaded machine that can fall inside the window.

use letdown_engine::Sample;
use letdown_pipeline::{self as pipeline, PipelineConfig, WaitStrategy};
use letdown_test_support::alloc::{allocations, Counting};

mod common;
use common::{engine, eventful, wait_processed, RATE};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_allocation_in_steady_state_with_any_wait_strategy() {
    let input = eventful(40_000);
    let (warm_up, rest) = input.split_at(8_000);
    for wait in WaitStrategy::ALL {
        let config = PipelineConfig::for_stream(RATE, 32).wait(wait);
        let p = pipeline::start(engine(), config).unwrap();
        let mut producer = p.producer;
        let mut pushed = 0u64;
        let mut feed = |producer: &mut pipeline::SensorProducer, part: &[Sample]| {
            for block in part.chunks(32) {
                producer.warm();
                while producer.vacant_len() < block.len() {
                    std::thread::yield_now();
                }
                assert_eq!(producer.push(block).dropped, 0);
                pushed += block.len() as u64;
            }
            pushed
        };
        // Warm-up: every path once (events and hints, gaps, the first waits).
        let n = feed(&mut producer, warm_up);
        producer.report_missing(3);
        wait_processed(&p.engine, n);
        while p.hints.try_recv().is_ok() {}
        let before = allocations();
        let mut live = p.engine.stats();
        for part in rest.chunks(4_000) {
            let n = feed(&mut producer, part);
            // The motor controller reads; stats are read while it runs.
            while p.hints.try_recv().is_ok() {}
            live = p.engine.stats();
            wait_processed(&p.engine, n);
        }
        let after = allocations();
        assert_eq!(
            after - before,
            0,
            "wait {wait}: allocations in steady state"
        );
        assert!(live.events > 0 && live.latency.count > 0, "wait {wait}");
        producer.close();
        let report = p.engine.join().unwrap();
        assert_eq!(report.stats.processed, input.len() as u64, "wait {wait}");
        assert_eq!(report.engine.stats().missing_samples, 3, "wait {wait}");
    }
}
