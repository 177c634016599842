//! Inputs shared by the benches: realistic simulated sessions from letdown-datasets,
//! generated up front so no bench measures the simulator.
#![allow(dead_code)] // each bench uses a different part

use letdown_datasets::{Generator, Profile, SessionSpec};
use letdown_engine::decimate::{self, Decimator};
use letdown_engine::Sample;

/// Seed of every bench input: the same samples in every run.
pub const SEED: u64 = 11;

/// A typical-profile session at `rate_hz` (normal mess, no injected faults), `seconds`
/// long. Samples that the simulator marks as dropouts (none without faults) are left out.
pub fn simulated(rate_hz: f64, seconds: f64) -> Vec<Sample> {
    let spec = SessionSpec::new(SEED)
        .with_profile(Profile::Typical)
        .with_rate_hz(rate_hz)
        .with_minutes(seconds / 60.0);
    let gen = Generator::new(spec).expect("valid bench session spec");
    gen.filter(|s| s.present).map(|s| s.sample).collect()
}

/// The same session decimated as the engine does (boxcar to 100–200 Hz), for the stages
/// that run at the internal rate: `(fs, pressure, flow)`.
pub fn decimated(rate_hz: f64, seconds: f64) -> (f32, Vec<f32>, Vec<f32>) {
    let input = simulated(rate_hz, seconds);
    let factor = decimate::factor_for(rate_hz as f32);
    let mut d = Decimator::new(factor);
    let (mut p, mut f) = (Vec::new(), Vec::new());
    for s in input {
        if let Some(x) = d.process(s.pressure_mmhg, s.flow_ml_min, true, true) {
            p.push(x.pressure_mmhg);
            f.push(x.flow_ml_min);
        }
    }
    (rate_hz as f32 / factor as f32, p, f)
}

/// A label for a rate: "100Hz", "1kHz", "10kHz".
pub fn rate_label(rate_hz: f64) -> String {
    if rate_hz >= 1000.0 {
        format!("{}kHz", rate_hz / 1000.0)
    } else {
        format!("{rate_hz}Hz")
    }
}

/// Whether a bench's own summary (printed after criterion's groups) should run: not in
/// `--test` / `--list` mode, and only without a name filter or with one containing
/// "summary" (`cargo bench --bench pipeline -- summary` runs only the summary).
pub fn summary_wanted() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return false;
    }
    let mut filters = args.iter().filter(|a| !a.starts_with('-')).peekable();
    filters.peek().is_none() || filters.any(|f| f.contains("summary"))
}

/// Median of a few measurements (sorted in place).
pub fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}
