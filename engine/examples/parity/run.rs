//! The parity program shared by the std build (`examples/parity/main.rs`) and the
//! build without std (`no-std-parity/`): every event of the engine on the parity input,
//! with exact bits, and the final state. CI diffs the two outputs.
use crate::input;
use letdown_engine::{EngineConfig, Event, Sample};

fn print(rate: f32, e: &Event) {
    let h = e.hint.map(|h| {
        (
            h.mode,
            h.target_vacuum_mmhg.to_bits(),
            h.rate_cpm.to_bits(),
            h.cue,
        )
    });
    println!(
        "{rate} {} {:?} {:?} {:08x} {:?}",
        e.sample_index,
        e.kind,
        e.reason,
        e.confidence.to_bits(),
        h
    );
}

/// Runs the engine at every parity rate and prints what it did.
pub fn run() {
    for rate in input::RATES {
        let mut engine = EngineConfig::new(rate).build().expect("config");
        for i in 0..(rate as u64 * 360) {
            let event = match input::sample(i, rate) {
                Some((p, f)) => engine.process(Sample::new(p, f)),
                None => engine.process_gap(1),
            };
            if let Some(e) = event {
                print(rate, &e);
            }
        }
        let s = engine.snapshot();
        println!(
            "{rate} end {:08x} {:08x} {:?}",
            s.baseline_ml_min.to_bits(),
            s.volume_ml.to_bits(),
            engine.stats()
        );
    }
}
