//! Writes a folder of sessions as other sensors would have measured them
//! ([`letdown_io::sensor_variant`]: what each argument does, what stays as recorded).
//!
//! `cargo run --release -p letdown-io --example sensor_variant -- [OPTIONS] IN_DIR OUT_DIR
//! GAIN SIGMA [DRIFT PERIOD [TAU]]`.
//!
//! - Flow: smoothed by a first-order lag of TAU s, times GAIN, plus white noise of SIGMA
//!   mL/min per sample, plus an offset of DRIFT mL/min × sin(2π t / PERIOD s + φ).
//! - `--held-as-flow`: held readings are transformed like flow.
//! - `--quantum STEP`: flow readings rounded to the nearest multiple of STEP mL/min (after
//!   the above).
//! - `--cutoff CUTOFF`: flow readings below CUTOFF mL/min read exactly 0 (after the above).
//! - `--refresh HZ`: a new flow reading HZ times a second, the last one repeated between.
//! - `--delay S`: the flow S s later against the pressure (longer tubing to the sensor).
//! - `--pressure GAIN,OFFSET,SIGMA,TAU`: the pressure lagged by TAU s, times GAIN, plus
//!   OFFSET mmHg and white noise of SIGMA mmHg per sample.
use letdown_io::sensor_variant::{write_folder, SensorVariant};
use std::error::Error;
use std::path::Path;

const USAGE: &str = "usage: sensor_variant [--held-as-flow] [--quantum ML_MIN] [--cutoff \
     ML_MIN] [--refresh HZ] [--delay S] [--pressure GAIN,OFFSET_MMHG,SIGMA_MMHG,TAU_S] \
     IN_DIR OUT_DIR GAIN SIGMA_ML_MIN [DRIFT_ML_MIN PERIOD_S [TAU_S]]";

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let options = take_options(&mut args)?;
    if args.iter().any(|a| a.starts_with("--")) {
        return Err(format!("options go before IN_DIR; {USAGE}").into());
    }
    let (input, output, variant) = match args.as_slice() {
        [input, output, gain, sigma, rest @ ..] => {
            (input, output, flow_variant(options, gain, sigma, rest)?)
        }
        _ => return Err(USAGE.into()),
    };
    write_folder(Path::new(input), Path::new(output), variant)?;
    Ok(())
}

/// The variant the leading options describe, taken off the front of `args`; an unknown
/// option, one without its value or one given twice is refused.
fn take_options(args: &mut Vec<String>) -> Result<SensorVariant, Box<dyn Error>> {
    let mut variant = SensorVariant::AS_RECORDED;
    let mut seen = Vec::new();
    while let Some(option) = args.first().filter(|a| a.starts_with("--")).cloned() {
        if seen.contains(&option) {
            return Err(format!("{option} given twice; {USAGE}").into());
        }
        let value = args.get(1).map(String::as_str);
        let taken = match (option.as_str(), value) {
            ("--held-as-flow", _) => {
                variant.held_as_flow = true;
                1
            }
            ("--quantum", Some(step)) => {
                variant.quantum_ml_min = step.parse()?;
                2
            }
            ("--cutoff", Some(cutoff)) => {
                variant.cutoff_ml_min = Some(cutoff.parse()?);
                2
            }
            ("--refresh", Some(hz)) => {
                variant.refresh_hz = hz.parse()?;
                2
            }
            ("--delay", Some(s)) => {
                variant.transport_delay_s = s.parse()?;
                2
            }
            ("--pressure", Some(fields)) => {
                variant.pressure = fields.parse()?;
                2
            }
            _ => return Err(USAGE.into()),
        };
        args.drain(..taken);
        seen.push(option);
    }
    Ok(variant)
}

/// `options` with the flow's positional arguments (the drift's two and the smoothing's
/// time constant are optional).
fn flow_variant(
    options: SensorVariant,
    gain: &str,
    sigma: &str,
    rest: &[String],
) -> Result<SensorVariant, Box<dyn Error>> {
    let (drift_ml_min, drift_period_s, smoothing_tau_s) = match rest {
        [] => (0.0, 1.0, 0.0),
        [amplitude, period] => (amplitude.parse()?, period.parse()?, 0.0),
        [amplitude, period, tau] => (amplitude.parse()?, period.parse()?, tau.parse()?),
        _ => return Err(USAGE.into()),
    };
    Ok(SensorVariant {
        gain: gain.parse()?,
        sigma_ml_min: sigma.parse()?,
        drift_ml_min,
        drift_period_s,
        smoothing_tau_s,
        ..options
    })
}
