//! Every fault kind leaves its mark in the output; clean sessions carry none of them.

mod common;

use common::{collect, longest_identical_run};
use letdown_datasets::faults::{FLOW_FULL_SCALE_ML_MIN, PRESSURE_FULL_SCALE_MMHG};
use letdown_datasets::{FaultKind, FaultSet, Profile, SessionSpec, SimSample};

const RATE: f64 = 1000.0;

fn run(kind: Option<FaultKind>, seed: u64) -> Vec<SimSample> {
    let faults = kind.map_or(FaultSet::NONE, |k| FaultSet::NONE.with(k));
    let spec = SessionSpec::new(seed)
        .with_rate_hz(RATE)
        .with_minutes(5.0)
        .with_faults(faults)
        .with_messy(false);
    collect(spec).0
}

fn flows(v: &[SimSample]) -> impl Iterator<Item = f32> + '_ {
    v.iter().filter(|s| s.present).map(|s| s.sample.flow_ml_min)
}

fn pressures(v: &[SimSample]) -> impl Iterator<Item = f32> + '_ {
    v.iter()
        .filter(|s| s.present)
        .map(|s| s.sample.pressure_mmhg)
}

#[test]
fn clean_sessions_have_no_fault_marks() {
    for seed in 0..3 {
        let v = run(None, seed);
        assert!(v.iter().all(|s| s.present));
        assert!(v
            .iter()
            .all(|s| s.sample.flow_ml_min.is_finite() && s.sample.pressure_mmhg.is_finite()));
        assert!(pressures(&v).all(|p| p > -300.0 && p < 20.0));
        // Flow stays above −15 and below the sensor's full scale: only the saturation
        // fault reads it, so that no clean session shows its signature.
        assert!(flows(&v).all(|f| f > -15.0 && f < FLOW_FULL_SCALE_ML_MIN as f32));
        // No value repeats for even 1 s (a held flow reading lasts ≤ 0.1 s).
        assert!(longest_identical_run(flows(&v)) < RATE as usize);
        assert!(longest_identical_run(pressures(&v)) < RATE as usize);
    }
}

#[test]
fn a_strong_ejections_stroke_peaks_are_read_not_clipped() {
    // Seed 132's typical mother ejects strongly: at 100 Hz her suction strokes' peaks
    // reach 234 mL/min, above DESIGN §2's 120 mL/min of true flow, yet short of the
    // sensor's full scale, which only the saturation fault reads.
    let spec = SessionSpec::new(132)
        .with_profile(Profile::Typical)
        .with_rate_hz(100.0)
        .with_messy(false);
    let v = collect(spec).0;
    let highest = flows(&v).fold(f32::NEG_INFINITY, f32::max);
    assert!(
        (200.0..FLOW_FULL_SCALE_ML_MIN as f32).contains(&highest),
        "{highest}"
    );
}

#[test]
fn dropout_marks_samples_absent() {
    let v = run(Some(FaultKind::Dropout), 1);
    let absent: Vec<&SimSample> = v.iter().filter(|s| !s.present).collect();
    assert!(!absent.is_empty());
    assert!(absent
        .iter()
        .all(|s| s.sample.flow_ml_min.is_nan() && s.sample.pressure_mmhg.is_nan()));
}

#[test]
fn nan_bursts_appear_while_samples_stay_present() {
    let v = run(Some(FaultKind::Nan), 2);
    assert!(v.iter().all(|s| s.present));
    let nans = v
        .iter()
        .filter(|s| s.sample.flow_ml_min.is_nan() || s.sample.pressure_mmhg.is_nan())
        .count();
    assert!(nans >= 10, "{nans}");
}

#[test]
fn stuck_repeats_one_value_for_seconds() {
    let v = run(Some(FaultKind::Stuck), 3);
    let run_f = longest_identical_run(flows(&v));
    let run_p = longest_identical_run(pressures(&v));
    assert!(run_f.max(run_p) >= 3 * RATE as usize, "{run_f} {run_p}");
}

#[test]
fn saturation_reads_full_scale() {
    let v = run(Some(FaultKind::Saturation), 4);
    let fs_f = flows(&v)
        .filter(|f| *f == FLOW_FULL_SCALE_ML_MIN as f32)
        .count();
    let fs_p = pressures(&v)
        .filter(|p| *p == PRESSURE_FULL_SCALE_MMHG as f32)
        .count();
    assert!(fs_f + fs_p >= RATE as usize, "{fs_f} {fs_p}");
}

#[test]
fn spikes_leave_the_physiological_range() {
    let v = run(Some(FaultKind::Spikes), 5);
    // True flow ≥ 0; offset, noise and bubbles reach about −10 at most.
    let below = flows(&v).filter(|f| *f < -20.0).count();
    let excursion = v
        .iter()
        .filter(|s| (s.sample.flow_ml_min - s.truth.sensor_flow_ml_min).abs() > 30.0)
        .count();
    assert!(below > 0 && excursion > 50, "{below} {excursion}");
}

#[test]
fn bubbles_read_near_zero_while_milk_flows() {
    // Pick a session where a bubble crosses real flow.
    let found = (0..10).any(|seed| {
        let v = run(Some(FaultKind::Bubbles), seed);
        v.iter().any(|s| {
            s.truth.sensor_flow_ml_min > 8.0 && (-10.5..=0.5).contains(&s.sample.flow_ml_min)
        })
    });
    assert!(found);
}

#[test]
fn overvacuum_goes_beyond_minus_300() {
    let v = run(Some(FaultKind::Overvacuum), 6);
    assert!(pressures(&v).any(|p| p < -300.0));
    assert!(v.iter().any(|s| s.truth.pressure_mmhg < -300.0));
}

#[test]
fn drift_moves_the_flow_offset() {
    // Offset = reading − true flow, averaged over the first and the last minute.
    let v = run(Some(FaultKind::Drift), 7);
    let off = |a: f64, b: f64| {
        let xs: Vec<f64> = v
            .iter()
            .filter(|s| s.t_s >= a && s.t_s < b)
            .map(|s| f64::from(s.sample.flow_ml_min - s.truth.sensor_flow_ml_min))
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    let change = off(240.0, 300.0) - off(0.0, 60.0);
    assert!(change.abs() >= 0.8, "{change}");
}

#[test]
fn gain_shift_scales_the_flow() {
    let spec = SessionSpec::new(8)
        .with_rate_hz(RATE)
        .with_minutes(10.0)
        .with_faults(FaultSet::NONE.with(FaultKind::Gain))
        .with_messy(false);
    let (v, g) = collect(spec);
    let shift = g
        .sensor_params()
        .gain_shift
        .expect("a gain shift on demand");
    // Reading (less its offset) over truth where milk flows, inside and outside the shift
    // (ratio of sums: a held reading lags the truth but does not bias the sums).
    let slope = |inside: bool| {
        let (mut sy, mut sx) = (0.0f64, 0.0f64);
        let off = g.sensor_params().flow_offset_ml_min;
        for s in &v {
            let t = f64::from(s.truth.sensor_flow_ml_min);
            let in_shift = s.t_s >= shift.start_s && s.t_s < shift.end_s;
            if t > 3.0 && in_shift == inside {
                sy += f64::from(s.sample.flow_ml_min) - off;
                sx += t;
            }
        }
        sy / sx
    };
    let (a, b) = (slope(true), slope(false));
    assert!((a - shift.gain).abs() < 0.05, "{a} vs {}", shift.gain);
    assert!((b - 1.0).abs() < 0.05, "{b}");
}
