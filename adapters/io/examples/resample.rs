//! The same sessions at a higher sample rate: copies every session of a folder (whatever
//! `replay` reads there: CSV, `.csv.gz`, Parquet) as CSV with FACTOR samples for each one,
//! linearly interpolated between neighbours,
//! and its labels beside it unchanged, so a replay shows whether the detector's figures
//! hold at another rate (README, "Beyond the development set"). Interpolation adds no new
//! information: what moves is only what the engine does differently per sample (its
//! filters, its cycle tracking, the sample counts behind its windows). A gap stays a gap
//! of FACTOR times as many samples, and the sample before it is held up to it.
//!
//! `cargo run --release -p letdown-io --example resample -- IN_DIR OUT_DIR FACTOR`
use letdown_engine::Sample;
use letdown_io::session_copies as copies;
use letdown_io::{SessionItem, SessionReader, SessionWriter};
use std::error::Error;
use std::io::Write;
use std::path::Path;

const USAGE: &str = "usage: resample IN_DIR OUT_DIR FACTOR (an integer, 2 … 100)";

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, factor] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let factor: u32 = factor.parse().map_err(|_| USAGE)?;
    if !(2..=100).contains(&factor) {
        return Err(USAGE.into());
    }
    for (session, out) in copies::copy_paths(Path::new(input), Path::new(output))? {
        resample(&session, &out, factor)?;
        copies::write_labels_beside(&session, &out, |labels| labels)?;
    }
    Ok(())
}

/// Writes `session` to `out` at `factor` times its rate. Each input sample starts a run of
/// `factor` output samples that moves linearly towards the next one, so the output lags
/// nothing: output sample `i·factor` is input sample `i`.
fn resample(session: &Path, out: &Path, factor: u32) -> Result<(), Box<dyn Error>> {
    let mut reader = SessionReader::open(session)?;
    let rate_hz = reader.sample_rate_hz() * f64::from(factor);
    // Every `# key: value` line but the rate, which the writer states anew.
    let metadata: Vec<(String, String)> = (reader.metadata().entries.iter())
        .filter(|(key, _)| key != "sample_rate_hz")
        .cloned()
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
