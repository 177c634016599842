//! The same sessions at a higher sample rate: copies every session of a folder (whatever
//! `replay` reads there: CSV, `.csv.gz`, Parquet) as CSV with FACTOR samples for each one,
//! linearly interpolated between neighbours,
//! and its labels beside it unchanged, so a replay shows whether the detector's figures
//! hold at another rate (README, "Beyond the development set"). Interpolation adds no new
//! information: what moves is only what the engine does differently per sample (its
//! filters, its cycle tracking, the sample counts behind its windows). A gap stays a gap
//! of FACTOR times as many samples, and the sample before it is held up to it.
//!
//! `--slower W` states the copy's rate as FACTOR × rate / W, so it plays W times slower
//! (W < 1: faster): the pump's rhythm, the ejections' rise and every other time scale
//! together, and the labels (and `# duration_s`) are scaled by W. It is no model of
//! anything physical, but a pump with another rhythm (DESIGN §2: 24 … 130 cpm) shows
//! whether the detector's constants, some counted in cycles and some in seconds, hold
//! there.
//!
//! `cargo run --release -p letdown-io --example resample -- [--slower W] IN_DIR OUT_DIR FACTOR`
use letdown_engine::Sample;
use letdown_eval::labels::Ejection;
use letdown_io::session_copies as copies;
use letdown_io::{SessionItem, SessionReader, SessionWriter};
use std::error::Error;
use std::io::Write;
use std::path::Path;

const USAGE: &str =
    "usage: resample [--slower W (0.5 … 2)] IN_DIR OUT_DIR FACTOR (an integer, 2 … 100)";

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let slower = slower(&mut args)?;
    let [input, output, factor] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let factor: u32 = factor.parse().map_err(|_| USAGE)?;
    if !(2..=100).contains(&factor) {
        return Err(USAGE.into());
    }
    for (session, out) in copies::copy_paths(Path::new(input), Path::new(output))? {
        resample(&session, &out, factor, slower)?;
        copies::write_labels_beside(&session, &out, |labels| stretched(labels, slower))?;
    }
    Ok(())
}

/// The `--slower W` option taken off the front of `args` (1 without it).
fn slower(args: &mut Vec<String>) -> Result<f64, Box<dyn Error>> {
    if args.first().map(String::as_str) != Some("--slower") {
        return Ok(1.0);
    }
    let w: f64 = args.get(1).ok_or(USAGE)?.parse().map_err(|_| USAGE)?;
    if !(0.5..=2.0).contains(&w) {
        return Err(USAGE.into());
    }
    args.drain(..2);
    Ok(w)
}

/// The labels of a session played `w` times slower.
fn stretched(mut labels: Vec<Ejection>, w: f64) -> Vec<Ejection> {
    for label in &mut labels {
        label.onset_s *= w;
        label.end_s *= w;
        label.visible_s = label.visible_s.map(|t| t * w);
    }
    labels
}

/// Writes `session` to `out` at `factor` times its rate, played `slower` times slower.
/// Each input sample starts a run of `factor` output samples that moves linearly towards
/// the next one, so the output lags nothing: output sample `i·factor` is input sample `i`.
fn resample(session: &Path, out: &Path, factor: u32, slower: f64) -> Result<(), Box<dyn Error>> {
    let mut reader = SessionReader::open(session)?;
    let rate_hz = reader.sample_rate_hz() * f64::from(factor) / slower;
    // Every `# key: value` line but the rate, which the writer states anew, and the
    // duration, stretched with the session.
    let metadata: Vec<(String, String)> = (reader.metadata().entries.iter())
        .filter(|(key, _)| key != "sample_rate_hz")
        .map(|(key, value)| match (key.as_str(), value.parse::<f64>()) {
            ("duration_s", Ok(d)) if slower != 1.0 => (key.clone(), format!("{:.3}", d * slower)),
            _ => (key.clone(), value.clone()),
        })
        .collect();
    let mut writer = SessionWriter::create(out, rate_hz, &metadata)?;
    let mut previous: Option<Sample> = None;
    while let Some(item) = reader.next_item()? {
        match item {
            SessionItem::Row(row) => {
                if let Some(from) = previous {
                    write_run(&mut writer, from, row.sample, factor)?;
                }
                previous = Some(row.sample);
            }
            SessionItem::Gap(gap) => {
                if let Some(from) = previous.take() {
                    write_run(&mut writer, from, from, factor)?;
                }
                writer.skip(gap.missing * u64::from(factor));
            }
        }
    }
    if let Some(last) = previous {
        write_run(&mut writer, last, last, factor)?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes `factor` samples from `from` towards `to` (not reaching it).
fn write_run<W: Write>(
    writer: &mut SessionWriter<W>,
    from: Sample,
    to: Sample,
    factor: u32,
) -> Result<(), Box<dyn Error>> {
    for j in 0..factor {
        let w = j as f32 / factor as f32;
        writer.write_sample(Sample::new(
            from.pressure_mmhg + w * (to.pressure_mmhg - from.pressure_mmhg),
            from.flow_ml_min + w * (to.flow_ml_min - from.flow_ml_min),
        ))?;
    }
    Ok(())
}
