//! A synthetic pump stream for the session tests: no milk, no faults unless a test adds
//! them.
#![allow(dead_code)] // each test binary uses its own part

use letdown_engine::{Engine, Event, Sample};

/// The stream's rate, Hz.
pub const RATE_HZ: f32 = 100.0;

/// Sample `i` of a pump-like stream at 100 Hz: pressure swinging 0 … −100 mmHg at 110
/// cycles/min, flow a small noise around zero (no milk; no channel repeats one exact
/// value, so nothing looks stuck).
pub fn pump(i: u64) -> Sample {
    let t = i as f32 / RATE_HZ;
    let phase = 2.0 * core::f32::consts::PI * (110.0 / 60.0) * t;
    let pressure = -50.0 + 50.0 * phase.cos();
    // A small deterministic noise (an LCG).
    let x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let noise = ((x >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.4;
    Sample::new(pressure, noise)
}

/// Runs `engine` on [`pump`] up to sample `n`; `tweak` may replace a sample, or return
/// `None` for a sample that never arrived. Every event, in order.
pub fn run_engine(
    engine: &mut Engine,
    n: u64,
    mut tweak: impl FnMut(u64, Sample) -> Option<Sample>,
) -> Vec<Event> {
    let mut events = Vec::new();
    let mut i = engine.sample_index();
    while i < n {
        let e = match tweak(i, pump(i)) {
            Some(s) => engine.process(s),
            None => engine.process_gap(1),
        };
        events.extend(e);
        i = engine.sample_index();
    }
    events
}
