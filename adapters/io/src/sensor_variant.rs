//! The same sessions through other sensors: every session of a folder (CSV, `.csv.gz`,
//! Parquet) copied as CSV with each flow sample optionally smoothed, multiplied by a gain,
//! seeded white noise and optionally a drifting offset added, rounded to a step and
//! readings below a cutoff set to zero, each pressure sample optionally lagged, scaled,
//! offset and made noisy, and its labels beside it, so a replay shows what a noisier flow
//! sensor, one reading more or less milk, one whose zero wanders, one that averages its
//! reading, one that reads exactly zero at low flow or one at the end of longer tubing
//! does to the detector, and what a
//! pressure sensor with another span, zero, noise or tubing does (README, "Beyond the
//! development set"; the `sensor_variant` example writes such a folder, and
//! `tests/other_sensors.rs` holds the detector's figures on some of them).
//!
//! Gaps stay gaps, a flow reading the acquisition held while the sensor was out stays held
//! (longer than [`SUSPECT_REPEAT_S`]; with [`SensorVariant::held_as_flow`] it is
//! transformed like flow instead, as a sensor that reads its own dropouts would show
//! them). Session `i` of the folder (in name order) has its flow noise seeded with `i`,
//! its drift's phase drawn from the same seed and its pressure noise from a stream of its
//! own, so one variant writes the same files every time and a pressure variant leaves the
//! flow's noise as it was. A smoothing flow sensor shows each ejection's flow later by its
//! group delay, so the labels' `visible_s` move by its time constant, and longer tubing by
//! its extra transport delay (the onsets, at the breast, stay); the pressure moves no
//! label.

use crate::session_copies::{copy_paths, write_labels_beside};
use crate::{SessionItem, SessionReader, SessionWriter};
use letdown_engine::SUSPECT_REPEAT_S;
use letdown_eval::labels::Ejection;
use std::error::Error;
use std::path::Path;

/// What the other sensors do to the flow and the pressure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorVariant {
    /// Factor on the flow (1: the same milk read).
    pub gain: f64,
    /// White noise added to every sample, SD, mL/min.
    pub sigma_ml_min: f64,
    /// Amplitude of the offset's sinusoidal drift, mL/min.
    pub drift_ml_min: f64,
    /// Period of the drift, s.
    pub drift_period_s: f64,
    /// Time constant of the sensor's first-order smoothing, s (0: none).
    pub smoothing_tau_s: f64,
    /// Step of the reading, mL/min: each reading rounded to the nearest multiple, as a
    /// coarse sensor or converter reports it (0: none).
    pub quantum_ml_min: f64,
    /// How often the sensor refreshes its reading, Hz: between refreshes the copy repeats
    /// its last one, as a slow sample-and-hold sensor does (0: every sample).
    pub refresh_hz: f64,
    /// Readings below this, mL/min, read exactly 0: a low-flow cutoff, or with 0 a sensor
    /// that clamps its negative readings (`None`: the sensor reads what it measures).
    pub cutoff_ml_min: Option<f64>,
    /// Whether held readings are transformed like flow rather than held.
    pub held_as_flow: bool,
    /// Transport delay added to the flow behind the pressure, s: longer tubing between the
    /// breast shield and the flow sensor (milk takes 0.5–3 s to the sensor in both our
    /// simulator and the outside generator). The copy's flow at a row is the recording's
    /// that many rows earlier (its first reading before that), rows counted across a gap
    /// as if it were not there: for that many rows after one, the flow shown is from
    /// before it.
    pub transport_delay_s: f64,
    /// What the other pressure sensor does to the pressure.
    pub pressure: PressureVariant,
}

/// What another pressure sensor, or other tubing before it, does to the gauge pressure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PressureVariant {
    /// Factor on the pressure: a sensor's span error (a few per cent) or one calibrated in
    /// other units gone wrong.
    pub gain: f64,
    /// Added to the pressure, mmHg: a sensor's zero error.
    pub offset_mmhg: f64,
    /// White noise added to every sample, SD, mmHg.
    pub sigma_mmhg: f64,
    /// Time constant of a first-order lag, s (0: none): tubing and a restrictor between
    /// the breast shield and the sensor smooth the vacuum's waveform and delay it.
    pub lag_tau_s: f64,
}

impl PressureVariant {
    /// The pressure as recorded.
    pub const AS_RECORDED: Self = Self {
        gain: 1.0,
        offset_mmhg: 0.0,
        sigma_mmhg: 0.0,
        lag_tau_s: 0.0,
    };
}

/// A variant that describes no sensor: the field that is out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantError {
    /// A flow field (`gain`, `sigma_ml_min`, …) is not finite, or negative where it must
    /// not be (noise, smoothing, step), or the drift's period is not positive.
    Flow(&'static str),
    /// A pressure field is not finite, or negative where it must not be (noise, lag).
    Pressure(&'static str),
    /// `--pressure` wants four comma-separated numbers: GAIN,OFFSET,SIGMA,TAU.
    PressureFields,
}

impl std::fmt::Display for VariantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VariantError::Flow(field) => write!(f, "flow {field}: out of range"),
            VariantError::Pressure(field) => write!(f, "pressure {field}: out of range"),
            VariantError::PressureFields => {
                write!(f, "pressure: four numbers wanted, GAIN,OFFSET,SIGMA,TAU")
            }
        }
    }
}

impl Error for VariantError {}

/// The first of `fields` (name, value, whether it must not be negative) whose value is
/// not finite, or negative where it must not be.
fn out_of_range(fields: &[(&'static str, f64, bool)]) -> Option<&'static str> {
    fields
        .iter()
        .find(|&&(_, value, non_negative)| !value.is_finite() || (non_negative && value < 0.0))
        .map(|&(name, ..)| name)
}

impl PressureVariant {
    /// Whether every field describes a sensor.
    pub fn check(&self) -> Result<(), VariantError> {
        match out_of_range(&[
            ("gain", self.gain, false),
            ("offset_mmhg", self.offset_mmhg, false),
            ("sigma_mmhg", self.sigma_mmhg, true),
            ("lag_tau_s", self.lag_tau_s, true),
        ]) {
            Some(name) => Err(VariantError::Pressure(name)),
            None => Ok(()),
        }
    }
}

impl std::str::FromStr for PressureVariant {
    type Err = VariantError;

    /// `GAIN,OFFSET,SIGMA,TAU` (mmHg, mmHg, s), checked.
    fn from_str(text: &str) -> Result<Self, VariantError> {
        let fields: Vec<f64> = text
            .split(',')
            .map(|field| field.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| VariantError::PressureFields)?;
        let &[gain, offset_mmhg, sigma_mmhg, lag_tau_s] = fields.as_slice() else {
            return Err(VariantError::PressureFields);
        };
        let variant = PressureVariant {
            gain,
            offset_mmhg,
            sigma_mmhg,
            lag_tau_s,
        };
        variant.check()?;
        Ok(variant)
    }
}

impl SensorVariant {
    /// Whether every field describes a sensor (the pressure's included).
    pub fn check(&self) -> Result<(), VariantError> {
        if let Some(name) = out_of_range(&[
            ("gain", self.gain, false),
            ("sigma_ml_min", self.sigma_ml_min, true),
            ("drift_ml_min", self.drift_ml_min, false),
            ("smoothing_tau_s", self.smoothing_tau_s, true),
            ("quantum_ml_min", self.quantum_ml_min, true),
            ("refresh_hz", self.refresh_hz, true),
            ("cutoff_ml_min", self.cutoff_ml_min.unwrap_or(0.0), false),
            ("transport_delay_s", self.transport_delay_s, true),
        ]) {
            return Err(VariantError::Flow(name));
        }
        if !(self.drift_period_s.is_finite() && self.drift_period_s > 0.0) {
            return Err(VariantError::Flow("drift_period_s"));
        }
        self.pressure.check()
    }

    /// The sensor as recorded: gain 1, no noise, drift or smoothing, holds held.
    pub const AS_RECORDED: Self = Self {
        gain: 1.0,
        sigma_ml_min: 0.0,
        drift_ml_min: 0.0,
        drift_period_s: 1.0,
        smoothing_tau_s: 0.0,
        quantum_ml_min: 0.0,
        refresh_hz: 0.0,
        cutoff_ml_min: None,
        held_as_flow: false,
        transport_delay_s: 0.0,
        pressure: PressureVariant::AS_RECORDED,
    };
}

/// Writes every session of `input` as `variant` would have measured it into `output`
/// (created), each with its labels beside it; returns how many sessions were written. A
/// variant that fails [`SensorVariant::check`] writes nothing.
pub fn write_folder(
    input: &Path,
    output: &Path,
    variant: SensorVariant,
) -> Result<usize, Box<dyn Error>> {
    variant.check()?;
    let paths = copy_paths(input, output)?;
    for (seed, (session, out)) in paths.iter().enumerate() {
        copy_through(session, out, variant, seed as u64)?;
        write_labels_beside(session, out, |labels| {
            delay_visibility(labels, variant.smoothing_tau_s + variant.transport_delay_s)
        })?;
    }
    Ok(paths.len())
}

/// The labels as a sensor `delay_s` s later shows them (a first-order lag's group delay, its
/// time constant, and any extra transport delay): each ejection's flow reaches the
/// visibility threshold that much later.
fn delay_visibility(mut labels: Vec<Ejection>, delay_s: f64) -> Vec<Ejection> {
    for label in &mut labels {
        label.visible_s = label.visible_s.map(|t| t + delay_s);
    }
    labels
}

/// Seeds of the pressure noise are the flow's, offset by this, so that the two streams
/// differ and adding pressure noise leaves the flow's noise as it was.
const PRESSURE_STREAM: u64 = 0x5052_4553;

/// Writes `session` to `out` as `variant` would have measured it, its noise seeded with
/// `seed`.
fn copy_through(
    session: &Path,
    out: &Path,
    variant: SensorVariant,
    seed: u64,
) -> Result<(), Box<dyn Error>> {
    let mut reader = SessionReader::open(session)?;
    let rate_hz = reader.sample_rate_hz();
    let metadata = reader.metadata().entries.clone();
    let mut writer = SessionWriter::create(out, rate_hz, &metadata)?;
    let mut flow = FlowSensor::new(variant, rate_hz, Noise::new(seed));
    let mut pressure = PressureSensor::new(variant.pressure, rate_hz, seed);
    let items = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    let held = held_samples(&items, rate_hz);
    let recorded = recorded_rows(&items, &held);
    let shift = (variant.transport_delay_s * rate_hz).round() as usize;
    let mut rows = 0usize;
    for item in &items {
        match item {
            SessionItem::Row(row) => {
                // Longer tubing: the reading `shift` rows earlier, the first before that.
                let (measured, held) = recorded[rows.saturating_sub(shift)];
                rows += 1;
                let mut sample = row.sample;
                sample.flow_ml_min = flow.read(measured, row.t_s, held);
                sample.pressure_mmhg = pressure.read(sample.pressure_mmhg);
                writer.write_sample(sample)?;
            }
            SessionItem::Gap(gap) => writer.skip(gap.missing),
        }
    }
    writer.finish()?;
    Ok(())
}

/// Each row's recorded flow and whether the recording holds it there, gaps left out.
fn recorded_rows(items: &[SessionItem], held: &[bool]) -> Vec<(f32, bool)> {
    items
        .iter()
        .zip(held)
        .filter_map(|(item, &held)| match item {
            SessionItem::Row(row) => Some((row.sample.flow_ml_min, held)),
            SessionItem::Gap(_) => None,
        })
        .collect()
}

/// The other flow sensor, sample by sample. Its noise is drawn for every sample, even at
/// σ 0, so that every copy of one seed draws the same sequence (and copies written before
/// the other options existed stay byte-identical).
struct FlowSensor {
    variant: SensorVariant,
    lag: FirstOrderLag,
    noise: Noise,
    /// The drift's phase, rad.
    phase: f64,
    /// The copy's reading, held while the recording holds its own and between refreshes.
    held_value: f32,
    /// The refresh period the last reading was taken in (`t_s × refresh_hz`, floored).
    refresh_slot: i64,
}

impl FlowSensor {
    fn new(variant: SensorVariant, rate_hz: f64, mut noise: Noise) -> Self {
        // Drawn only for a drift, so the noise of the other variants stays as it was.
        let phase = if variant.drift_ml_min == 0.0 {
            0.0
        } else {
            std::f64::consts::TAU * noise.uniform()
        };
        Self {
            variant,
            lag: FirstOrderLag::new(variant.smoothing_tau_s, rate_hz),
            noise,
            phase,
            held_value: 0.0,
            refresh_slot: i64::MIN,
        }
    }

    /// The copy's reading of the recorded `measured` flow at `t_s`; `held` when the
    /// recording holds a reading there.
    fn read(&mut self, measured: f32, t_s: f64, held: bool) -> f32 {
        let v = self.variant;
        let lagged = self.lag.step(f64::from(measured));
        let angle = std::f64::consts::TAU * t_s / v.drift_period_s + self.phase;
        let read =
            v.gain * lagged + v.sigma_ml_min * self.noise.gaussian() + v.drift_ml_min * angle.sin();
        let stepped = if v.quantum_ml_min > 0.0 {
            (read / v.quantum_ml_min).round() * v.quantum_ml_min
        } else {
            read
        };
        let flow = match v.cutoff_ml_min {
            Some(cutoff) if stepped < cutoff => 0.0,
            _ => stepped,
        };
        if self.refreshes(t_s) && (!held || v.held_as_flow) {
            self.held_value = flow as f32;
        }
        self.held_value
    }

    /// Whether the sensor takes a new reading at `t_s`: at every sample, or once in each
    /// refresh period.
    fn refreshes(&mut self, t_s: f64) -> bool {
        if self.variant.refresh_hz <= 0.0 {
            return true;
        }
        // A microsecond's margin, so a time stamp written as 0.29999… s is in period 3.
        let slot = (t_s * self.variant.refresh_hz + 1e-6).floor() as i64;
        let new = slot != self.refresh_slot;
        self.refresh_slot = slot;
        new
    }
}

/// The other pressure sensor, sample by sample.
struct PressureSensor {
    variant: PressureVariant,
    lag: FirstOrderLag,
    noise: Noise,
}

impl PressureSensor {
    fn new(variant: PressureVariant, rate_hz: f64, seed: u64) -> Self {
        Self {
            variant,
            lag: FirstOrderLag::new(variant.lag_tau_s, rate_hz),
            noise: Noise::new(seed.wrapping_add(PRESSURE_STREAM)),
        }
    }

    /// The copy's reading of the recorded `measured` pressure, mmHg.
    fn read(&mut self, measured: f32) -> f32 {
        let v = self.variant;
        let lagged = self.lag.step(f64::from(measured));
        // Drawn only for noise, so a noiseless copy is exact.
        let noise = if v.sigma_mmhg == 0.0 {
            0.0
        } else {
            v.sigma_mmhg * self.noise.gaussian()
        };
        (v.gain * lagged + v.offset_mmhg + noise) as f32
    }
}

/// A first-order lag of time constant `tau_s` at `rate_hz`, starting at its first input
/// (a time constant of 0 passes the input through).
struct FirstOrderLag {
    /// Per-sample gain (1: no smoothing).
    alpha: f64,
    y: Option<f64>,
}

impl FirstOrderLag {
    fn new(tau_s: f64, rate_hz: f64) -> Self {
        let alpha = if tau_s > 0.0 {
            1.0 - (-1.0 / (rate_hz * tau_s)).exp()
        } else {
            1.0
        };
        Self { alpha, y: None }
    }

    fn step(&mut self, x: f64) -> f64 {
        if self.alpha == 1.0 {
            return x;
        }
        let y = self.y.map_or(x, |y| y + self.alpha * (x - y));
        self.y = Some(y);
        y
    }
}

/// Which items repeat a held flow reading. A recorded flow repeated exactly for longer
/// than [`SUSPECT_REPEAT_S`] (five refreshes of even a slow 10 Hz sensor, DESIGN §2) is
/// the acquisition holding its last value while the sensor is out: that happens after the
/// sensor, so another sensor's noise, gain, drift or smoothing would not move it either,
/// and the copy holds its own value from the run's first sample on. Shorter repeats are a
/// slow or coarsely quantised sensor's refreshes, which another sensor reads anew (and the
/// copy transforms like any sample). Every sample is still transformed, so the noise drawn
/// for the samples after a hold is the same as without it. A run of exact zeros is held
/// too (the outside recordings' dropouts read 0), at the copy's value for its first sample:
/// with noise or an offset that is no longer 0, so the engine may call the copy's hold a
/// stuck sensor where it reads the recording's zeros as no flow.
fn held_samples(items: &[SessionItem], rate_hz: f64) -> Vec<bool> {
    let longest_refresh = f64::from(SUSPECT_REPEAT_S) * rate_hz;
    let mut held = vec![false; items.len()];
    let mut start = 0;
    for end in 1..=items.len() {
        let same = match (items[end - 1], items.get(end)) {
            (SessionItem::Row(a), Some(SessionItem::Row(b))) => {
                a.sample.flow_ml_min.to_bits() == b.sample.flow_ml_min.to_bits()
            }
            _ => false,
        };
        if !same {
            if (end - start) as f64 > longest_refresh {
                held[start + 1..end].fill(true);
            }
            start = end;
        }
    }
    held
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

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::Sample;

    /// A 100 Hz session: flow 10 + i/100 mL/min, but 8.0 from sample 100 for `hold`
    /// samples (a held reading), then on as before.
    fn session(dir: &Path, hold: usize) -> std::path::PathBuf {
        let path = dir.join("s.csv");
        let mut w = SessionWriter::create(&path, 100.0, &[] as &[(&str, &str)]).unwrap();
        for i in 0..300 {
            let flow = if (100..100 + hold).contains(&i) {
                8.0
            } else {
                10.0 + i as f32 / 100.0
            };
            w.write_sample(Sample::new(-100.0, flow)).unwrap();
        }
        w.finish().unwrap();
        path
    }

    fn samples(path: &Path) -> Vec<Sample> {
        SessionReader::open(path)
            .unwrap()
            .map(|item| match item.unwrap() {
                SessionItem::Row(row) => row.sample,
                SessionItem::Gap(_) => panic!("no gaps written"),
            })
            .collect()
    }

    fn flows(path: &Path) -> Vec<f32> {
        samples(path).iter().map(|s| s.flow_ml_min).collect()
    }

    /// The flow of `variant`'s copy (noise seed 3) of `session(_, hold)`.
    fn copied_flows(variant: SensorVariant, hold: usize) -> Vec<f32> {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        copy_through(&session(dir.path(), hold), &out, variant, 3).unwrap();
        flows(&out)
    }

    fn pressures(path: &Path) -> Vec<f32> {
        samples(path).iter().map(|s| s.pressure_mmhg).collect()
    }

    /// Samples 0, 1 and 299 of `noisy(false)`'s copy of `session(_, 0)`, seed 3.
    const PINNED: [f32; 3] = [9.038, 11.341, 14.24];

    fn noisy(held_as_flow: bool) -> SensorVariant {
        SensorVariant {
            sigma_ml_min: 1.5,
            held_as_flow,
            ..SensorVariant::AS_RECORDED
        }
    }

    #[test]
    fn a_reading_held_longer_than_a_refresh_stays_held_in_the_copy() {
        let dir = tempfile::tempdir().unwrap();
        let input = session(dir.path(), 80);
        let out = dir.path().join("out.csv");
        copy_through(&input, &out, noisy(false), 3).unwrap();
        let copy = flows(&out);
        // The 0.8 s run keeps the copy's value for its first sample throughout …
        assert!(
            copy[100..180].iter().all(|&f| f == copy[100]),
            "{:?}",
            &copy[98..182]
        );
        assert!((copy[100] - 8.0).abs() < 10.0);
        // … and the samples around it carry noise, the same as without a hold.
        let plain = dir.path().join("plain.csv");
        copy_through(&session(dir.path(), 0), &plain, noisy(false), 3).unwrap();
        let without = flows(&plain);
        assert_eq!(copy[..100], without[..100]);
        assert_eq!(copy[180..], without[180..]);
        assert_ne!(copy[179], copy[180]);
    }

    #[test]
    fn longer_tubing_delays_the_flow_against_the_pressure_and_the_visibility() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("in"), dir.path().join("out"));
        std::fs::create_dir(&input).unwrap();
        // Pressure −i mmHg at sample i, so a shifted pressure would show.
        let mut w =
            SessionWriter::create(input.join("s.csv"), 100.0, &[] as &[(&str, &str)]).unwrap();
        for i in 0..300 {
            let flow = if (100..180).contains(&i) {
                8.0
            } else {
                10.0 + i as f32 / 100.0
            };
            w.write_sample(Sample::new(-(i as f32), flow)).unwrap();
        }
        w.finish().unwrap();
        std::fs::write(
            input.join("s.labels.csv"),
            "onset_s,end_s,visible_s\n10,60,15\n",
        )
        .unwrap();
        let delayed = SensorVariant {
            transport_delay_s: 0.5,
            ..SensorVariant::AS_RECORDED
        };
        write_folder(&input, &output, delayed).unwrap();
        let (recorded, copy) = (input.join("s.csv"), output.join("s.csv"));
        let (before, after) = (flows(&recorded), flows(&copy));
        assert_eq!(after[..50], vec![before[0]; 50][..]);
        assert_eq!(after[50..], before[..250]);
        // The held run moved with the flow, and stays held.
        assert!(after[150..230].iter().all(|&f| f == 8.0));
        assert_eq!(pressures(&copy), pressures(&recorded));
        let labels = crate::labels_csv::read_labels(output.join("s.labels.csv")).unwrap();
        assert_eq!((labels[0].onset_s, labels[0].visible_s), (10.0, Some(15.5)));
    }

    #[test]
    fn a_short_repeat_is_a_refresh_and_held_as_flow_transforms_every_reading() {
        // 0.3 s: a slow sensor's refreshes, which another sensor reads anew.
        let copy = copied_flows(noisy(false), 30);
        assert!(copy[100..130].windows(2).any(|w| w[0] != w[1]));
        // A sensor that reads its own dropouts puts its noise on a long hold too.
        let copy = copied_flows(noisy(true), 80);
        assert!(copy[100..180].windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn the_pressure_variant_leaves_the_flow_as_the_flow_variant_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let input = session(dir.path(), 0);
        let (flow_only, both) = (dir.path().join("flow.csv"), dir.path().join("both.csv"));
        copy_through(&input, &flow_only, noisy(false), 3).unwrap();
        let pressure = PressureVariant {
            gain: 1.5,
            offset_mmhg: 8.0,
            sigma_mmhg: 0.0,
            lag_tau_s: 0.0,
        };
        let variant = SensorVariant {
            pressure,
            ..noisy(false)
        };
        copy_through(&input, &both, variant, 3).unwrap();
        assert_eq!(flows(&flow_only), flows(&both));
        assert_eq!(pressures(&flow_only), vec![-100.0; 300]);
        assert_eq!(pressures(&both), vec![-142.0; 300]);
        // Noise moves the pressure, and the flow still not.
        let noisy_pressure = SensorVariant {
            pressure: PressureVariant {
                sigma_mmhg: 2.0,
                ..pressure
            },
            ..noisy(false)
        };
        copy_through(&input, &both, noisy_pressure, 3).unwrap();
        assert_eq!(flows(&flow_only), flows(&both));
        let p = pressures(&both);
        let mean = p.iter().sum::<f32>() / 300.0;
        let sd = (p.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 300.0).sqrt();
        assert!(
            (mean + 142.0).abs() < 0.5 && (sd - 2.0).abs() < 0.3,
            "{mean} {sd}"
        );
    }

    #[test]
    fn readings_below_the_cutoff_read_exactly_zero() {
        // Flow 1.0 … 1.299 mL/min (a tenth of the session's), cut off below 1.1525.
        let variant = SensorVariant {
            gain: 0.1,
            cutoff_ml_min: Some(1.1525),
            ..SensorVariant::AS_RECORDED
        };
        let copy = copied_flows(variant, 0);
        assert!(copy[..153].iter().all(|&f| f == 0.0), "{:?}", &copy[..153]);
        // The others as the gain makes them (the file keeps three decimals).
        for (i, &f) in copy.iter().enumerate().skip(153) {
            let want = 0.1 * f64::from(10.0 + i as f32 / 100.0);
            assert!((f64::from(f) - want).abs() < 6e-4, "{i}: {f} {want}");
        }
        // With 0 the sensor clamps its negative readings and leaves the others alone.
        let noisy = SensorVariant {
            sigma_ml_min: 20.0,
            ..SensorVariant::AS_RECORDED
        };
        let clamp = SensorVariant {
            cutoff_ml_min: Some(0.0),
            ..noisy
        };
        let (free, clamped) = (copied_flows(noisy, 0), copied_flows(clamp, 0));
        assert!(free.iter().any(|&f| f < 0.0));
        for (f, c) in free.iter().zip(&clamped) {
            assert_eq!(*c, f.max(0.0));
        }
    }

    #[test]
    fn a_slow_sensor_repeats_its_reading_between_refreshes() {
        let variant = SensorVariant {
            refresh_hz: 10.0,
            ..noisy(false)
        };
        // 100 Hz: a new reading every tenth sample, repeated nine times.
        let copy = copied_flows(variant, 0);
        let every = copied_flows(noisy(false), 0);
        for (i, chunk) in copy.chunks(10).enumerate() {
            assert!(chunk.iter().all(|&f| f == chunk[0]), "{i}: {chunk:?}");
            assert_eq!(chunk[0], every[10 * i]);
        }
    }

    #[test]
    fn readings_are_rounded_to_the_step() {
        let variant = SensorVariant {
            quantum_ml_min: 0.5,
            ..SensorVariant::AS_RECORDED
        };
        // 10.00 … 12.99 mL/min in 0.01 steps: 10.0 up to 10.24, 10.5 from 10.25 on.
        let copy = copied_flows(variant, 0);
        assert!(copy[..25].iter().all(|&f| f == 10.0), "{:?}", &copy[..25]);
        assert!(
            copy[25..75].iter().all(|&f| f == 10.5),
            "{:?}",
            &copy[25..75]
        );
        assert!(copy.iter().all(|&f| (f * 2.0).fract() == 0.0));
    }

    #[test]
    fn the_pressure_sensor_lags_then_scales_and_offsets() {
        let variant: PressureVariant = "2, 5, 0, 0.1".parse().unwrap();
        let mut sensor = PressureSensor::new(variant, 100.0, 0);
        assert_eq!(sensor.read(0.0), 5.0);
        let y = (0..10).map(|_| sensor.read(-100.0)).last().unwrap();
        let lagged = -100.0 * (1.0 - (-1.0f64).exp());
        assert!((f64::from(y) - (2.0 * lagged + 5.0)).abs() < 1e-4, "{y}");
    }

    #[test]
    fn a_variant_out_of_range_is_refused_and_writes_nothing() {
        let bad = |text: &str| text.parse::<PressureVariant>().unwrap_err();
        assert_eq!(bad("1,0,3"), VariantError::PressureFields);
        assert_eq!(bad("1,0,x,0"), VariantError::PressureFields);
        assert_eq!(bad("1,0,-3,0"), VariantError::Pressure("sigma_mmhg"));
        assert_eq!(bad("1,0,3,NaN"), VariantError::Pressure("lag_tau_s"));
        let coarse = SensorVariant {
            quantum_ml_min: -1.0,
            ..SensorVariant::AS_RECORDED
        };
        assert_eq!(coarse.check(), Err(VariantError::Flow("quantum_ml_min")));
        let dir = tempfile::tempdir().unwrap();
        session(dir.path(), 0);
        let out = dir.path().join("copies");
        assert!(write_folder(dir.path(), &out, coarse).is_err());
        assert!(!out.exists(), "nothing written");
    }

    #[test]
    fn a_noisy_copy_draws_the_noise_it_always_drew() {
        // Pinned when the pressure, step and cutoff options came: copies written before
        // them must stay byte-identical.
        let copy = copied_flows(noisy(false), 0);
        assert_eq!([copy[0], copy[1], copy[299]], PINNED);
    }

    #[test]
    fn a_lagged_pressure_steps_by_the_time_constant() {
        let mut lag = FirstOrderLag::new(0.1, 100.0);
        lag.step(0.0);
        // After one time constant (10 samples) a first-order lag stands at 1 − 1/e.
        let y = (0..10).map(|_| lag.step(-100.0)).last().unwrap();
        assert!((y + 100.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9, "{y}");
        let mut none = FirstOrderLag::new(0.0, 100.0);
        assert_eq!([none.step(3.0), none.step(-7.0)], [3.0, -7.0]);
    }

    #[test]
    fn only_runs_longer_than_a_refresh_are_held_and_a_gap_ends_a_run() {
        let row = |index: u64, flow: f32| {
            SessionItem::Row(crate::Row {
                index,
                t_s: index as f64 / 100.0,
                sample: Sample::new(0.0, flow),
                line: index + 3,
            })
        };
        let mut items: Vec<SessionItem> = (0..60).map(|i| row(i, 1.0)).collect();
        items.push(row(60, 2.0));
        let held = held_samples(&items, 100.0);
        // 60 samples of one value at 100 Hz (0.6 s): all but the first are held.
        assert!(!held[0] && held[1..60].iter().all(|&h| h) && !held[60]);
        // The same run split by a gap is two runs of 0.3 s: none held.
        let gap = SessionItem::Gap(crate::Gap {
            start_index: 30,
            missing: 1,
            start_s: 0.3,
            line: 33,
        });
        items.insert(30, gap);
        assert!(held_samples(&items, 100.0).iter().all(|&h| !h));
    }
}
