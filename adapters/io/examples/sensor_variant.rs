//! Writes a folder of sessions as other sensors would have measured them
//! ([`letdown_io::sensor_variant`]: what each argument does, what stays as recorded).
//!
//! `cargo run --release -p letdown-io --example sensor_variant -- [--held-as-flow]
//! [--cutoff CUTOFF] [--pressure GAIN,OFFSET,SIGMA,TAU] IN_DIR OUT_DIR GAIN SIGMA [DRIFT PERIOD [TAU]]`.
//!
//! - Flow: smoothed by a first-order lag of TAU s, times GAIN, plus white noise of SIGMA
//!   mL/min per sample, plus an offset of DRIFT mL/min × sin(2π t / PERIOD s + φ).
//! - `--held-as-flow`: held readings are transformed like flow.
//! - `--cutoff`: flow readings below CUTOFF mL/min read exactly 0 (after the above).
//! - `--pressure`: the pressure lagged by TAU s, times GAIN, plus OFFSET mmHg and white
//!   noise of SIGMA mmHg per sample.
use letdown_io::sensor_variant::{write_folder, PressureVariant, SensorVariant};
use std::error::Error;
use std::path::Path;

const USAGE: &str =
    "usage: sensor_variant [--held-as-flow] [--cutoff ML_MIN] [--pressure GAIN,OFFSET_MMHG,\
     SIGMA_MMHG,TAU_S] IN_DIR OUT_DIR GAIN SIGMA_ML_MIN [DRIFT_ML_MIN PERIOD_S [TAU_S]]";

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut held_as_flow = false;
    let mut cutoff_ml_min = None;
    let mut pressure = PressureVariant::AS_RECORDED;
    loop {
        let taken = match args.first().map(String::as_str) {
            Some("--held-as-flow") => {
                held_as_flow = true;
                1
            }
            Some("--cutoff") if args.len() > 1 => {
                cutoff_ml_min = Some(args[1].parse()?);
                2
            }
            Some("--pressure") if args.len() > 1 => {
                pressure = pressure_variant(&args[1])?;
                2
            }
            _ => break,
        };
        args.drain(..taken);
    }
    let (input, output, variant) = match args.as_slice() {
        [input, output, gain, sigma, rest @ ..] => (
            input,
            output,
            SensorVariant {
                cutoff_ml_min,
                pressure,
                ..flow_variant(gain, sigma, rest, held_as_flow)?
            },
        ),
        _ => return Err(USAGE.into()),
    };
    write_folder(Path::new(input), Path::new(output), variant)?;
    Ok(())
}

/// The flow's variant from its command-line arguments (the drift's two and the
/// smoothing's time constant are optional).
fn flow_variant(
    gain: &str,
    sigma: &str,
    rest: &[String],
    held_as_flow: bool,
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
        held_as_flow,
        ..SensorVariant::AS_RECORDED
    })
}

/// The pressure's variant from `GAIN,OFFSET,SIGMA,TAU`.
fn pressure_variant(arg: &str) -> Result<PressureVariant, Box<dyn Error>> {
    let fields = arg
        .split(',')
        .map(str::parse)
        .collect::<Result<Vec<f64>, _>>()?;
    match fields.as_slice() {
        &[gain, offset_mmhg, sigma_mmhg, lag_tau_s] => Ok(PressureVariant {
            gain,
            offset_mmhg,
            sigma_mmhg,
            lag_tau_s,
        }),
        _ => Err(USAGE.into()),
    }
}
