//! The sample-level signals: pump waveform and programs, milk path, tubing, sensors, and
//! the normal mess of real sessions.

mod common;

use common::{collect, median_cycle_cpm};
use letdown_datasets::{
    Generator, Phenomenon, PhenomenonSet, Profile, PumpProgram, SessionSpec, SimSample,
};
use letdown_engine::Mode;

const RATE: f64 = 1000.0;

fn clean(seed: u64) -> SessionSpec {
    SessionSpec::new(seed)
        .with_rate_hz(RATE)
        .with_minutes(4.0)
        .with_messy(false)
}

/// A clean session with the phenomenon `p` alone, certain.
fn with_only(seed: u64, p: Phenomenon) -> SessionSpec {
    clean(seed)
        .with_phenomena(PhenomenonSet::NONE.with(p))
        .with_phenomena_in_every_session(true)
}

fn slice(v: &[SimSample], a: f64, b: f64) -> &[SimSample] {
    &v[(a * RATE) as usize..((b * RATE) as usize).min(v.len())]
}

#[test]
fn timer_program_stimulates_then_expresses_within_the_pump_ranges() {
    for seed in 0..4 {
        let (v, g) = collect(clean(seed));
        let p = |a, b| -> Vec<f32> {
            slice(&v, a, b)
                .iter()
                .map(|s| s.sample.pressure_mmhg)
                .collect()
        };
        let stim = median_cycle_cpm(&p(5.0, 115.0), -30.0, RATE);
        let expr = median_cycle_cpm(&p(130.0, 240.0), -30.0, RATE);
        assert!((98.0..=122.0).contains(&stim), "stimulation {stim} cpm");
        assert!((44.0..=80.0).contains(&expr), "expression {expr} cpm");
        let settings = g.pump_settings();
        assert!((expr - settings.expression_rate_cpm).abs() < 3.0);
        let depth = |a, b| {
            slice(&v, a, b)
                .iter()
                .map(|s| s.truth.pressure_mmhg)
                .fold(0.0f32, f32::min)
        };
        let (ds, de) = (depth(5.0, 115.0), depth(130.0, 240.0));
        assert!((-160.0..=-45.0).contains(&ds), "stimulation depth {ds}");
        assert!(de < ds && de >= -260.0, "expression depth {de}");
        assert_eq!(v[(119.0 * RATE) as usize].truth.mode, Mode::Stimulation);
        assert_eq!(v[(121.0 * RATE) as usize].truth.mode, Mode::Expression);
    }
}

#[test]
fn expression_only_and_button_programs() {
    let (v, _) = collect(clean(1).with_program(PumpProgram::ExpressionOnly));
    assert!(v.iter().all(|s| s.truth.mode == Mode::Expression));
    // Button: she switches 10–60 s after her first letdown if she senses it, else at
    // 120–180 s.
    for seed in 0..8 {
        let (v, g) = collect(clean(seed).with_program(PumpProgram::Button));
        let switch = v
            .iter()
            .find(|s| s.truth.mode == Mode::Expression)
            .map(|s| s.t_s)
            .expect("switches within 4 min");
        let felt = g.mother().senses_letdown;
        match g.first_onset_s() {
            Some(t1) if felt && t1 + 60.0 < 120.0 => {
                assert!(
                    switch >= t1 + 10.0 && switch <= t1 + 60.0,
                    "{switch} vs {t1}"
                )
            }
            _ => assert!((0.0..=180.01).contains(&switch), "{switch}"),
        }
    }
}

#[test]
fn milk_moves_during_the_suction_stroke_only() {
    let (v, _) = collect(clean(2).with_program(PumpProgram::ExpressionOnly));
    let flowing: Vec<&SimSample> = v
        .iter()
        .filter(|s| s.truth.breast_flow_ml_min > 0.0)
        .collect();
    assert!(!flowing.is_empty());
    // Milk leaves only under more than ~20 mmHg of vacuum.
    assert!(flowing.iter().all(|s| s.truth.pressure_mmhg < -19.0));
    // A large part of every cycle (release and rest) moves nothing.
    let during = slice(&v, 150.0, 200.0);
    let idle = during
        .iter()
        .filter(|s| s.truth.breast_flow_ml_min == 0.0)
        .count();
    assert!(idle as f64 > 0.3 * during.len() as f64, "{idle}");
}

#[test]
fn transport_delay_and_tubing_are_as_reported() {
    for seed in 0..4 {
        // Duct milk makes sure some milk flows even before a late first ejection.
        let spec = with_only(seed, Phenomenon::DuctMilk).with_program(PumpProgram::ExpressionOnly);
        let (v, g) = collect(spec);
        let delay = g.sensor_params().transport_delay_s;
        let tau = g.sensor_params().compliance_tau_s;
        // Over 10-s windows, the sensor sees what left the breast one delay earlier (up to
        // the tubing's smoothing).
        let lag = (delay * RATE).round() as usize;
        let win = 10 * RATE as usize;
        let (mut err, mut total) = (0.0f64, 0.0f64);
        for start in (lag..v.len() - win).step_by(win) {
            let at_breast: f64 = v[start - lag..start - lag + win]
                .iter()
                .map(|s| f64::from(s.truth.breast_flow_ml_min))
                .sum();
            let at_sensor: f64 = v[start..start + win]
                .iter()
                .map(|s| f64::from(s.truth.sensor_flow_ml_min))
                .sum();
            err += (at_sensor - at_breast).abs();
            total += at_breast;
        }
        assert!(err < 0.06 * total, "{err} of {total} (tau {tau})");
        // Nothing reaches the sensor before the delay.
        let first_breast = v.iter().position(|s| s.truth.breast_flow_ml_min > 0.0);
        let first_sensor = v.iter().position(|s| s.truth.sensor_flow_ml_min > 0.0);
        let (a, c) = (first_breast.expect("milk"), first_sensor.expect("milk"));
        assert_eq!(c - a, (delay * RATE).round() as usize);
    }
}

#[test]
fn slow_flow_sensors_hold_their_value_between_refreshes() {
    let mut seen = 0;
    for seed in 0..40 {
        let spec = with_only(seed, Phenomenon::SlowSensor).with_minutes(1.0);
        let g = Generator::new(spec).expect("spec");
        let Some(hz) = g.sensor_params().flow_refresh_hz else {
            continue;
        };
        assert!((10.0..=50.0).contains(&hz), "{hz}");
        assert_eq!(g.sensor_params().flow_quantum_ml_min, 0.5);
        let (v, _) = collect(spec);
        // Steps of 0.5 mL/min.
        assert!(v
            .iter()
            .all(|s| (f64::from(s.sample.flow_ml_min) * 2.0).fract() == 0.0));
        let per = (RATE / hz).round() as usize;
        // Runs of identical readings.
        let mut runs = vec![];
        let mut run = 1usize;
        for w in v.windows(2) {
            let (a, b) = (w[0].sample.flow_ml_min, w[1].sample.flow_ml_min);
            if a.to_bits() == b.to_bits() {
                run += 1;
            } else {
                runs.push(run);
                run = 1;
            }
        }
        // Every run is a whole number of refresh periods (the first may be cut); with
        // 0.5 mL/min steps, equal consecutive refreshes are common while little flows,
        // so runs of several periods are too.
        assert!(runs[1..].iter().all(|r| r % per == 0), "{per}: {runs:?}");
        assert!(runs.contains(&per), "{per}: {runs:?}");
        seen += 1;
    }
    assert!(seen >= 30, "{seen}");
}

#[test]
fn duct_milk_comes_out_first_and_is_not_an_ejection() {
    let mut seen = 0;
    for seed in 0..20 {
        let spec = with_only(seed, Phenomenon::DuctMilk)
            .with_profile(Profile::NoLetdown)
            .with_minutes(3.0);
        let (v, g) = collect(spec);
        assert!(g.labels().is_empty());
        let ml = g.initial_duct_milk_ml();
        assert!((0.3..=2.0).contains(&ml), "{ml}");
        if ml < 0.5 {
            assert!(g.removed_ml() <= ml + 1e-12);
            continue;
        }
        seen += 1;
        // DESIGN §1: a brief, low flow in the first tens of seconds that decays by itself.
        // Cycle-averaged flow over 5 s windows: low (≤ 8 mL/min), highest in the first
        // half minute, decaying, and most of the milk out within the first two minutes.
        let ml_in = |a: f64, b: f64| -> f64 {
            slice(&v, a, b)
                .iter()
                .map(|s| f64::from(s.truth.breast_flow_ml_min) / 60.0 / RATE)
                .sum()
        };
        let flows: Vec<f64> = (0..36)
            .map(|i| ml_in(5.0 * f64::from(i), 5.0 * f64::from(i + 1)) / 5.0 * 60.0)
            .collect();
        let peak = flows.iter().copied().fold(0.0, f64::max);
        let at = flows.iter().position(|f| *f == peak).unwrap();
        assert!(peak <= 8.0, "{peak} mL/min");
        assert!(at < 6, "peak in window {at}: {flows:?}");
        assert!(flows[17] < 0.5 * peak, "{flows:?}");
        assert!(
            ml_in(0.0, 120.0) > 0.7 * ml,
            "{} of {ml}",
            ml_in(0.0, 120.0)
        );
        assert!((g.initial_duct_milk_removed_ml() - g.removed_ml()).abs() < 1e-9);
        // Off, no milk at all.
        let (_, off) = collect(
            clean(seed)
                .with_profile(Profile::NoLetdown)
                .with_minutes(3.0),
        );
        assert_eq!(off.removed_ml(), 0.0);
    }
    assert!(seen >= 10, "{seen}");
}

#[test]
fn normal_mess_happens_in_some_sessions_and_not_in_clean_ones() {
    let (mut pauses, mut leaks, mut buttons, mut vacuum, mut spikes, mut bubbles) =
        (0, 0, 0, 0, 0, 0);
    let n = 100;
    for seed in 0..n {
        let g = Generator::new(SessionSpec::new(seed)).expect("spec");
        let md = g.metadata();
        let get = |k: &str| {
            md.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let ev = get("user_events");
        pauses += usize::from(ev.contains("pause"));
        leaks += usize::from(ev.contains("leak"));
        buttons += usize::from(ev.contains("button"));
        vacuum += usize::from(ev.contains("vacuum"));
        let fe = get("fault_episodes");
        spikes += usize::from(fe.contains("spikes"));
        bubbles += usize::from(fe.contains("bubbles"));
        for hard in ["dropout", "nan", "stuck", "saturation", "overvacuum"] {
            assert!(!fe.contains(hard), "{hard} by default");
        }
        let c = Generator::new(SessionSpec::new(seed).with_messy(false)).expect("spec");
        let cmd = c.metadata();
        let cget = |k: &str| {
            cmd.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(cget("user_events"), "none");
        assert_eq!(cget("fault_episodes"), "none");
        assert_eq!(cget("flow_drift_ml_min"), "0.000");
    }
    for (what, k, lo, hi) in [
        ("pauses", pauses, 5, 30),
        ("leaks", leaks, 5, 30),
        ("buttons", buttons, 5, 35),
        ("vacuum changes", vacuum, 25, 60),
        ("spikes", spikes, 15, 45),
        ("bubbles", bubbles, 10, 35),
    ] {
        assert!((lo..=hi).contains(&k), "{what}: {k} of {n}");
    }
}

#[test]
fn a_user_pause_stops_the_pump_and_milk_waits() {
    // Find a session with a pause, read its time from the header, check the shield vents.
    for seed in 0..200 {
        let spec = SessionSpec::new(seed).with_rate_hz(200.0);
        let g = Generator::new(spec).expect("spec");
        let md = g.metadata();
        let ev = md
            .iter()
            .find(|(k, _)| k == "user_events")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let Some(rest) = ev.split(',').find_map(|e| e.strip_prefix("pause@")) else {
            continue;
        };
        let mut it = rest.split('/');
        let at: f64 = it
            .next()
            .and_then(|x| x.trim_end_matches('s').parse().ok())
            .expect("time");
        let dur: f64 = it
            .next()
            .and_then(|x| x.trim_end_matches('s').parse().ok())
            .expect("duration");
        let (v, _) = collect(spec);
        let inside: Vec<&SimSample> = v
            .iter()
            .filter(|s| s.t_s > at + 0.3 && s.t_s < at + dur - 0.1)
            .collect();
        assert!(!inside.is_empty());
        assert!(inside
            .iter()
            .all(|s| s.truth.pressure_mmhg.abs() < 1.0 && s.truth.breast_flow_ml_min == 0.0));
        assert!(inside.iter().all(|s| s.truth.mode == Mode::Pause));
        return;
    }
    panic!("no session with a pause in 200 seeds");
}
