//! The same sessions through another flow sensor: copies every session of a folder (CSV,
//! `.csv.gz`) with each flow sample optionally smoothed, multiplied by a gain, seeded white
//! noise and optionally a drifting offset added, and its labels beside it, so a replay
//! shows what a noisier sensor, one reading more or less milk, one whose zero wanders or
//! one that averages its reading does to the detector (README, "Beyond the development
//! set"). Gaps stay gaps; pressure is untouched.
//!
//! `cargo run --release -p letdown-io --example sensor_variant -- IN_DIR OUT_DIR GAIN SIGMA
//! [DRIFT PERIOD [TAU]]` (flow smoothed by a first-order lag of TAU s, × GAIN, + white
//! noise of SIGMA mL/min per sample + an offset of DRIFT mL/min × sin(2π t / PERIOD s + φ);
//! session i's noise is seeded with i and its phase φ drawn from the same seed, so the
//! same arguments write the same files). A smoothing sensor shows each ejection's flow
//! later by its group delay TAU, so the labels' `visible_s` move by TAU with it.
mod copies;

use letdown_eval::labels::Ejection;
use letdown_io::{SessionItem, SessionReader, SessionWriter};
use std::error::Error;
use std::path::Path;

/// What the other sensor does to the flow.
#[derive(Clone, Copy)]
struct Variant {
    gain: f64,
    sigma_ml_min: f64,
    /// Amplitude of the offset's sinusoidal drift, mL/min, and its period, s.
    drift_ml_min: f64,
    drift_period_s: f64,
    /// Time constant of the sensor's first-order smoothing, s (0: none).
    smoothing_tau_s: f64,
}

const USAGE: &str =
    "usage: sensor_variant IN_DIR OUT_DIR GAIN SIGMA_ML_MIN [DRIFT_ML_MIN PERIOD_S [TAU_S]]";

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, variant) = match args.as_slice() {
        [input, output, gain, sigma, rest @ ..] => (input, output, variant(gain, sigma, rest)?),
        _ => return Err(USAGE.into()),
    };
    let paths = copies::copy_paths(Path::new(input), Path::new(output))?;
    for (seed, (session, out)) in paths.iter().enumerate() {
        copy_through(session, out, variant, Noise::new(seed as u64))?;
        copies::write_labels_beside(session, out, |labels| {
            delay_visibility(labels, variant.smoothing_tau_s)
        })?;
    }
    Ok(())
}

/// The variant from its command-line arguments (the drift's two and the smoothing's
/// time constant are optional).
fn variant(gain: &str, sigma: &str, rest: &[String]) -> Result<Variant, Box<dyn Error>> {
    let (drift_ml_min, drift_period_s, smoothing_tau_s) = match rest {
        [] => (0.0, 1.0, 0.0),
        [amplitude, period] => (amplitude.parse()?, period.parse()?, 0.0),
        [amplitude, period, tau] => (amplitude.parse()?, period.parse()?, tau.parse()?),
        _ => return Err(USAGE.into()),
    };
    Ok(Variant {
        gain: gain.parse()?,
        sigma_ml_min: sigma.parse()?,
        drift_ml_min,
        drift_period_s,
        smoothing_tau_s,
    })
}

/// The labels as a sensor with a first-order lag of `tau_s` s shows them: each ejection's
/// flow reaches the visibility threshold later by the lag's group delay.
fn delay_visibility(mut labels: Vec<Ejection>, tau_s: f64) -> Vec<Ejection> {
    for label in &mut labels {
        label.visible_s = label.visible_s.map(|t| t + tau_s);
    }
    labels
}

/// Writes `session` to `out` as `variant` would have measured its flow.
fn copy_through(
    session: &Path,
    out: &Path,
    variant: Variant,
    mut noise: Noise,
) -> Result<(), Box<dyn Error>> {
    // Drawn only for a drift, so the noise of the other variants stays as it was.
    let phase = if variant.drift_ml_min == 0.0 {
        0.0
    } else {
        std::f64::consts::TAU * noise.uniform()
    };
    let mut reader = SessionReader::open(session)?;
    let metadata = reader.metadata().entries.clone();
    let mut writer = SessionWriter::create(out, reader.sample_rate_hz(), &metadata)?;
    // Per-sample gain of the first-order lag (1: no smoothing).
    let alpha = if variant.smoothing_tau_s > 0.0 {
        1.0 - (-1.0 / (reader.sample_rate_hz() * variant.smoothing_tau_s)).exp()
    } else {
        1.0
    };
    let mut smoothed: Option<f64> = None;
    while let Some(item) = reader.next_item()? {
        match item {
            SessionItem::Row(row) => {
                let mut sample = row.sample;
                let measured = f64::from(sample.flow_ml_min);
                let lagged = smoothed.map_or(measured, |y| y + alpha * (measured - y));
                smoothed = Some(lagged);
                let angle = std::f64::consts::TAU * row.t_s / variant.drift_period_s + phase;
                let flow = variant.gain * lagged
                    + variant.sigma_ml_min * noise.gaussian()
                    + variant.drift_ml_min * angle.sin();
                sample.flow_ml_min = flow as f32;
                writer.write_sample(sample)?;
            }
            SessionItem::Gap(gap) => writer.skip(gap.missing),
        }
    }
    writer.finish()?;
    Ok(())
}

/// Seeded standard normal numbers: SplitMix64 (Steele, Lea & Flood 2014) for uniforms,
/// Box–Muller for the normal; enough for test noise, and no dependency.
struct Noise(u64);

impl Noise {
    fn new(seed: u64) -> Self {
        Noise(seed)
    }

    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits in (0, 1]: never 0, so the logarithm below is finite.
        ((z >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn gaussian(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}
