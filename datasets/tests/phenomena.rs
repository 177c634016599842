//! Each everyday phenomenon shows in the generated data when it is on and is absent when
//! it is off; none of them adds or moves a label; the session header names them.

mod common;

use common::{collect, mean, session_hash};
use letdown_datasets::{
    Generator, Phenomenon, PhenomenonSet, Profile, PumpProgram, SessionSpec, SimSample,
};

const RATE: f64 = 200.0;

/// A session with no phenomenon.
fn off(seed: u64) -> SessionSpec {
    SessionSpec::new(seed)
        .with_profile(Profile::Typical)
        .with_rate_hz(RATE)
        .with_minutes(10.0)
        .with_phenomena(PhenomenonSet::NONE)
}

/// The same session with `p` alone, certain.
fn on(seed: u64, p: Phenomenon) -> SessionSpec {
    off(seed)
        .with_phenomena(PhenomenonSet::NONE.with(p))
        .with_phenomena_in_every_session(true)
}

fn meta(g: &Generator, key: &str) -> String {
    g.metadata()
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// Mean true flow at the breast over the samples in `[a, b)` s, mL/min.
fn mean_breast(v: &[SimSample], a: f64, b: f64) -> f64 {
    let (i, j) = ((a * RATE) as usize, ((b * RATE) as usize).min(v.len()));
    let xs: Vec<f64> = v[i..j]
        .iter()
        .map(|s| f64::from(s.truth.breast_flow_ml_min))
        .collect();
    mean(&xs)
}

#[test]
fn each_phenomenon_alone_is_present_and_named_in_the_header() {
    for p in Phenomenon::ALL {
        for seed in 0..3 {
            let g = Generator::new(on(seed, p)).expect("spec");
            let want = PhenomenonSet::NONE.with(p);
            assert_eq!(g.phenomena_present(), want, "{p} seed {seed}");
            assert_eq!(meta(&g, "phenomena"), p.name());
            assert_eq!(meta(&g, "phenomena_in_every_session"), "true");
            assert_eq!(meta(&g, "phenomena_present"), p.name());
            let none = Generator::new(off(seed)).expect("spec");
            assert!(none.phenomena_present().is_empty());
            assert_eq!(meta(&none, "phenomena_present"), "none");
            assert_eq!(meta(&none, "user_events"), "none");
            assert_eq!(meta(&none, "fault_episodes"), "none");
        }
    }
}

#[test]
fn by_default_each_phenomenon_appears_in_its_fraction_of_sessions() {
    let n = 300u64;
    let mut counts = [0usize; Phenomenon::ALL.len()];
    for seed in 0..n {
        // The `mix` profile's sessions get the default set too.
        let spec = SessionSpec::new(seed)
            .with_profile(Profile::Mix)
            .with_minutes(15.0);
        let present = Generator::new(spec).expect("spec").phenomena_present();
        for (i, p) in Phenomenon::ALL.iter().enumerate() {
            counts[i] += usize::from(present.contains(*p));
        }
    }
    for (p, c) in Phenomenon::ALL.iter().zip(counts) {
        let want = p.session_fraction() * n as f64;
        // Within ±40 % of the fraction, or 12 sessions (a binomial at n = 300, plus
        // events scheduled past a session's end).
        let slack = (0.4 * want).max(12.0);
        assert!(
            (c as f64 - want).abs() <= slack,
            "{p}: {c} of {n} (want {want})"
        );
    }
}

#[test]
fn trickle_raises_the_flow_between_ejections_and_adds_no_label() {
    let mut seen = 0;
    for seed in 0..8 {
        let (a, ga) = collect(off(seed));
        let (b, gb) = collect(on(seed, Phenomenon::Trickle));
        assert_eq!(ga.labels(), gb.labels(), "seed {seed}");
        let labels = ga.labels();
        let Some(first) = labels.first() else {
            assert_eq!(ga.removed_ml(), gb.removed_ml());
            continue;
        };
        // Before the first ejection: no trickle.
        assert_eq!(
            mean_breast(&a, 0.0, first.onset_s),
            mean_breast(&b, 0.0, first.onset_s)
        );
        // Between ejections (from one's end to the next's onset, or the session's end),
        // once the trickle has built up.
        let mut gaps = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            let next = labels.get(i + 1).map_or(600.0, |n| n.onset_s);
            let from = l.end_s.max(first.onset_s + 60.0);
            if next - from > 20.0 {
                gaps.push((from, next));
            }
        }
        for (from, to) in gaps {
            let extra = mean_breast(&b, from, to) - mean_breast(&a, from, to);
            assert!(
                (0.1..=3.2).contains(&extra),
                "seed {seed}: {extra} mL/min more in {from:.0}-{to:.0} s"
            );
            seen += 1;
        }
        assert!(gb.removed_ml() > ga.removed_ml());
    }
    assert!(seen >= 3, "{seen}");
}

#[test]
fn wobble_varies_the_flow_slowly_and_keeps_the_labels() {
    let mut seen = 0;
    for seed in 0..6 {
        let (a, ga) = collect(off(seed).with_program(PumpProgram::ExpressionOnly));
        let (b, gb) =
            collect(on(seed, Phenomenon::Wobble).with_program(PumpProgram::ExpressionOnly));
        let (la, lb) = (ga.labels(), gb.labels());
        assert_eq!(la.len(), lb.len());
        for (x, y) in la.iter().zip(&lb) {
            assert_eq!(x.onset_s, y.onset_s);
        }
        // The ratio of 5-s mean flows (on / off) while milk flows: it moves by more than
        // 15 %, slowly (neighbouring windows differ by much less than the whole range).
        let ratios: Vec<(u32, f64)> = (0..120)
            .filter_map(|i| {
                let (t0, t1) = (5.0 * f64::from(i), 5.0 * f64::from(i + 1));
                let base = mean_breast(&a, t0, t1);
                (base > 3.0).then(|| (i, mean_breast(&b, t0, t1) / base))
            })
            .collect();
        if ratios.len() < 12 {
            continue;
        }
        seen += 1;
        let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(l, h), (_, r)| {
            (l.min(*r), h.max(*r))
        });
        assert!(
            hi - lo > 0.15 && lo > 0.5 && hi < 1.5,
            "seed {seed}: {lo} … {hi}"
        );
        let step = ratios
            .windows(2)
            .filter(|w| w[1].0 == w[0].0 + 1)
            .map(|w| (w[1].1 - w[0].1).abs())
            .fold(0.0, f64::max);
        assert!(
            step < 0.6 * (hi - lo),
            "seed {seed}: step {step} of {}",
            hi - lo
        );
    }
    assert!(seen >= 4, "{seen}");
}

#[test]
fn a_smoothing_sensor_hides_the_pump_pulsation() {
    // In expression with milk flowing, the reading's swing within each pump cycle (the
    // reading minus its 2-s mean) is far smaller with the smoothing sensor.
    let swing = |spec: SessionSpec| {
        let (v, g) = collect(spec.with_program(PumpProgram::ExpressionOnly));
        let first = g.labels().first().map(|l| l.onset_s)?;
        let from = ((first + 30.0) * RATE) as usize;
        let w = (2.0 * RATE) as usize;
        let xs: Vec<f64> = v[from..from + 30 * w]
            .iter()
            .map(|s| f64::from(s.sample.flow_ml_min))
            .collect();
        let mut dev = 0.0;
        for c in xs.chunks(w) {
            let m = mean(c);
            dev += c.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        }
        Some((dev / xs.len() as f64).sqrt())
    };
    let mut seen = 0;
    for seed in 0..6 {
        let (Some(a), Some(b)) = (
            swing(off(seed)),
            swing(on(seed, Phenomenon::SmoothedSensor)),
        ) else {
            continue;
        };
        assert!(b < 0.35 * a, "seed {seed}: {b} vs {a}");
        seen += 1;
    }
    assert!(seen >= 4, "{seen}");
}

#[test]
fn a_smoothing_sensor_delays_visibility_by_up_to_about_its_group_delay() {
    // The same sessions with and without the sensor's two lags of τ: each ejection's own
    // flow crosses 1 mL/min later through them, and on a climbing flow by less than their
    // group delay 2τ (a flow that barely reaches 1 mL/min may take longer, or never).
    let mut lags = Vec::new();
    for seed in 0..4 {
        let (_, ga) = collect(off(seed));
        let (_, gb) = collect(on(seed, Phenomenon::SmoothedSensor));
        let tau = gb.sensor_params().flow_smoothing_tau_s.expect("smoothing");
        for (x, y) in ga.labels().iter().zip(gb.labels()) {
            assert_eq!(x.onset_s, y.onset_s);
            if let (Some(vx), Some(vy)) = (x.visible_s, y.visible_s) {
                assert!(vy > vx, "seed {seed}: {vx} → {vy}");
                lags.push((vy - vx) / (2.0 * tau));
            }
        }
    }
    assert!(
        lags.len() >= 8,
        "{} ejections visible both ways",
        lags.len()
    );
    lags.sort_by(f64::total_cmp);
    let median = lags[lags.len() / 2];
    assert!(median > 0.2 && median < 1.0, "{lags:?}");
}

#[test]
fn sensor_and_user_phenomena_show_in_their_parameters() {
    for seed in 0..5 {
        let g = |p| Generator::new(on(seed, p)).expect("spec");
        let o = Generator::new(off(seed)).expect("spec");
        assert_ne!(g(Phenomenon::Drift).sensor_params().flow_drift_ml_min, 0.0);
        assert_eq!(o.sensor_params().flow_drift_ml_min, 0.0);
        assert!(g(Phenomenon::Gain).sensor_params().gain_shift.is_some());
        assert!(o.sensor_params().gain_shift.is_none());
        assert!(g(Phenomenon::SlowSensor)
            .sensor_params()
            .flow_refresh_hz
            .is_some());
        assert!(o.sensor_params().flow_refresh_hz.is_none());
        assert!(o.sensor_params().flow_smoothing_tau_s.is_none());
        assert!(g(Phenomenon::DuctMilk).initial_duct_milk_ml() >= 0.3);
        assert_eq!(o.initial_duct_milk_ml(), 0.0);
        for (p, key, word) in [
            (Phenomenon::VacuumChanges, "user_events", "vacuum"),
            (Phenomenon::Pauses, "user_events", "pause"),
            (Phenomenon::Leaks, "user_events", "leak"),
            (Phenomenon::Restimulation, "user_events", "button"),
            (Phenomenon::Spikes, "fault_episodes", "spikes"),
            (Phenomenon::Bubbles, "fault_episodes", "bubbles"),
        ] {
            assert!(meta(&g(p), key).contains(word), "{p}");
        }
        assert_ne!(meta(&g(Phenomenon::Trickle), "trickle"), "none");
        assert_ne!(meta(&g(Phenomenon::Wobble), "wobble"), "none");
        assert_eq!(meta(&o, "trickle"), "none");
        assert_eq!(meta(&o, "wobble"), "none");
    }
}

#[test]
fn phenomena_are_deterministic_and_move_nothing_else() {
    let all = SessionSpec::new(4)
        .with_rate_hz(500.0)
        .with_minutes(4.0)
        .with_phenomena_in_every_session(true);
    assert_eq!(session_hash(all), session_hash(all));
    assert_ne!(session_hash(all), session_hash(off(4)));
    // Turning a phenomenon on leaves the mother's ejections where they were.
    let (_, a) = collect(off(9));
    for p in Phenomenon::ALL {
        let (_, b) = collect(on(9, p));
        let onsets = |g: &Generator| g.labels().iter().map(|l| l.onset_s).collect::<Vec<_>>();
        if matches!(
            p,
            Phenomenon::Pauses
                | Phenomenon::Leaks
                | Phenomenon::VacuumChanges
                | Phenomenon::Restimulation
        ) {
            // These change the stimulation the reflex gets, so later ejections may move.
            continue;
        }
        assert_eq!(onsets(&a), onsets(&b), "{p}");
    }
}
