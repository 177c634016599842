//! Writes a folder of sessions as another flow sensor would have measured them
//! ([`letdown_io::sensor_variant`]: what each argument does, what stays as recorded).
//!
//! `cargo run --release -p letdown-io --example sensor_variant -- [--held-as-flow] IN_DIR
//! OUT_DIR GAIN SIGMA [DRIFT PERIOD [TAU]]`: flow smoothed by a first-order lag of TAU s,
//! × GAIN, + white noise of SIGMA mL/min per sample + an offset of DRIFT mL/min ×
//! sin(2π t / PERIOD s + φ); `--held-as-flow` transforms held readings like flow.
use letdown_io::sensor_variant::{write_folder, SensorVariant};
use std::error::Error;
use std::path::Path;

const USAGE: &str = "usage: sensor_variant [--held-as-flow] IN_DIR OUT_DIR GAIN SIGMA_ML_MIN \
     [DRIFT_ML_MIN PERIOD_S [TAU_S]]";

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let held_as_flow = args.first().is_some_and(|a| a == "--held-as-flow");
    if held_as_flow {
        args.remove(0);
    }
    let (input, output, variant) = match args.as_slice() {
        [input, output, gain, sigma, rest @ ..] => {
            (input, output, variant(gain, sigma, rest, held_as_flow)?)
        }
        _ => return Err(USAGE.into()),
    };
    write_folder(Path::new(input), Path::new(output), variant)?;
    Ok(())
}

/// The variant from its command-line arguments (the drift's two and the smoothing's
/// time constant are optional).
fn variant(
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
    })
}
