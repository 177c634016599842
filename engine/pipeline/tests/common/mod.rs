//! What the pipeline's test binaries share: the sample rate, an eventful input, an engine
//! and a wait for it.

use letdown_engine::{Engine, EngineConfig, Sample};

pub const RATE: f32 = 1000.0;

/// Pump-like input with faults that make the engine emit events: a sensor dropout of
/// 50 ms (NaN) every 2 s, so a pause and a recovery per 2 s, plus the pump rhythm.
pub fn eventful(n: usize) -> Vec<Sample> {
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE;
            let phase = (t * 110.0 / 60.0).fract();
            let p = if phase < 0.5 { -200.0 * phase } else { 0.0 };
            let jitter = ((i as u64).wrapping_mul(2_654_435_761) >> 9) % 1000;
            let flow = jitter as f32 / 1000.0;
            if i % 2000 < 50 {
                Sample::new(f32::NAN, flow)
            } else {
                Sample::new(p, flow)
            }
        })
        .collect()
}

pub fn engine() -> Engine {
    EngineConfig::new(RATE).build().unwrap()
}

/// Waits (yielding) until the engine thread has processed `n` samples.
pub fn wait_processed(engine: &letdown_pipeline::EngineHandle, n: u64) {
    while engine.processed() < n {
        std::thread::yield_now();
    }
}
