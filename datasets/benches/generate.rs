//! Generation speed: one hour of a 1 kHz session (3.6 M samples) on one core.
//!
//! `cargo bench -p letdown-datasets --bench generate` prints the wall time per session
//! and per sample for a clean session, a messy one and one with every fault. A plain
//! timing harness (no criterion: the figure is a property of this crate, not a
//! comparison), reported, never asserted.

use letdown_datasets::{FaultSet, Generator, Profile, SessionSpec};
use std::hint::black_box;
use std::time::Instant;

fn run(label: &str, spec: SessionSpec) {
    let mut best = f64::MAX;
    let mut checksum = 0.0f64;
    for _ in 0..3 {
        let Ok(mut g) = Generator::new(spec) else {
            eprintln!("invalid spec");
            return;
        };
        let t0 = Instant::now();
        let mut acc = 0.0f32;
        while let Some(s) = g.next_sample() {
            acc += black_box(s.sample.flow_ml_min).max(0.0) * 1e-9 + s.sample.pressure_mmhg * 1e-12;
        }
        best = best.min(t0.elapsed().as_secs_f64());
        checksum += f64::from(acc) + g.labels().len() as f64;
    }
    let n = spec.sample_count() as f64;
    println!(
        "{label:<28} {} min at {} Hz: {:.3} s ({:.1} ns/sample, {:.0}× real time)  [{checksum:.3}]",
        spec.minutes,
        spec.rate_hz,
        best,
        best / n * 1e9,
        spec.duration_s() / best
    );
}

fn main() {
    let base = SessionSpec::new(1).with_minutes(60.0).with_rate_hz(1000.0);
    run("typical, clean", base.with_messy(false));
    run("typical, messy (default)", base);
    run(
        "mix, all faults",
        base.with_profile(Profile::Mix).with_faults(FaultSet::all()),
    );
    run(
        "typical, 10 kHz, 6 min",
        base.with_rate_hz(10_000.0).with_minutes(6.0),
    );
}
