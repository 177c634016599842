//! The closed loop's mechanics: hints reach the pump, the pump's rhythm follows, volume is
//! conserved, outcomes add up. (Detection quality is the engine's business, not tested
//! here.)

mod common;

use common::median_cycle_cpm;
use letdown_datasets::{
    run_closed_loop, Ejection, EngineStrategy, ExpressionOnly, FaultKind, FaultSet, Generator,
    Profile, PumpProgram, SessionSpec, Strategy, Timer,
};
use letdown_engine::{ControlHint, EngineConfig, Mode, Reason, Sample};

const RATE: f64 = 1000.0;

fn hint(index: u64, mode: Mode, vacuum: f32, rate: f32, ramp: u8) -> ControlHint {
    ControlHint {
        sample_index: index,
        mode,
        target_vacuum_mmhg: vacuum,
        rate_cpm: rate,
        ramp_cycles: ramp,
        reason: Reason::LetdownDetected,
        confidence: 0.9,
        cue: None,
    }
}

/// Issues scripted hints at given sample indices.
struct Script(Vec<ControlHint>);

impl Strategy for Script {
    fn name(&self) -> &'static str {
        "script"
    }
    fn on_sample(&mut self, index: u64, _s: Option<Sample>) -> Option<ControlHint> {
        self.0.iter().find(|h| h.sample_index == index).copied()
    }
}

/// Runs a hand-made loop and returns the true and measured pressure traces.
fn drive(spec: SessionSpec, strategy: &mut dyn Strategy) -> (Vec<f32>, Vec<f32>, Vec<Mode>) {
    let mut g = Generator::new(spec.with_program(PumpProgram::FollowHints)).expect("spec");
    let (mut truth, mut meas, mut modes) = (vec![], vec![], vec![]);
    while let Some(s) = g.next_sample() {
        truth.push(s.truth.pressure_mmhg);
        meas.push(s.sample.pressure_mmhg);
        modes.push(s.truth.mode);
        if let Some(h) = strategy.on_sample(s.index, s.present.then_some(s.sample)) {
            g.apply_hint(&h);
        }
    }
    (truth, meas, modes)
}

fn clean(seed: u64, minutes: f64) -> SessionSpec {
    SessionSpec::new(seed)
        .with_rate_hz(RATE)
        .with_minutes(minutes)
        .with_messy(false)
}

#[test]
fn expression_hint_changes_the_pump_rhythm() {
    let at = (30.0 * RATE) as u64;
    let mut s = Script(vec![hint(at, Mode::Expression, -180.0, 60.0, 2)]);
    let (truth, meas, modes) = drive(clean(1, 1.0), &mut s);
    let seg = |a: f64, b: f64| &meas[(a * RATE) as usize..(b * RATE) as usize];
    let stim = median_cycle_cpm(seg(5.0, 28.0), -30.0, RATE);
    let expr = median_cycle_cpm(seg(40.0, 60.0), -30.0, RATE);
    assert!((100.0..=120.0).contains(&stim), "stimulation {stim} cpm");
    assert!((57.0..=63.0).contains(&expr), "expression {expr} cpm");
    // Deeper vacuum in expression: the hint's −180 mmHg (± jitter).
    let deepest = truth[(40.0 * RATE) as usize..]
        .iter()
        .copied()
        .fold(0.0f32, f32::min);
    assert!((-195.0..=-170.0).contains(&deepest), "{deepest}");
    assert_eq!(modes[at as usize - 1], Mode::Stimulation);
    assert_eq!(modes[at as usize + 1], Mode::Expression);
}

#[test]
fn pause_hint_vents_at_once_and_resume_restarts() {
    let (p, r) = ((20.0 * RATE) as u64, (30.0 * RATE) as u64);
    let mut s = Script(vec![
        hint(p, Mode::Pause, 0.0, 0.0, 0),
        hint(r, Mode::Expression, -150.0, 60.0, 2),
    ]);
    let (truth, meas, _) = drive(clean(2, 0.75), &mut s);
    // Within 0.3 s of the pause the shield is at ~0 mmHg and stays there.
    let paused = &truth[(20.3 * RATE) as usize..(30.0 * RATE) as usize];
    assert!(
        paused.iter().all(|x| x.abs() < 0.5),
        "{:?}",
        paused.iter().copied().fold(0.0f32, f32::min)
    );
    let m: f32 = meas[(20.3 * RATE) as usize..(30.0 * RATE) as usize]
        .iter()
        .sum::<f32>()
        / (9.7 * RATE) as f32;
    assert!(m.abs() < 2.0, "measured mean {m}");
    // After the resume, cycles again.
    let after = &truth[(31.0 * RATE) as usize..];
    assert!(after.iter().copied().fold(0.0f32, f32::min) < -100.0);
}

#[test]
fn volume_is_conserved_for_every_strategy() {
    for seed in 0..6 {
        let spec = SessionSpec::new(seed)
            .with_rate_hz(200.0)
            .with_profile(Profile::Mix)
            .with_faults(FaultSet::NONE.with(FaultKind::Dropout));
        let mut strategies: Vec<Box<dyn Strategy>> = vec![
            Box::new(Timer::new(200.0, 120.0)),
            Box::new(ExpressionOnly::default()),
            Box::new(EngineStrategy::from_config(&EngineConfig::new(200.0)).expect("config")),
        ];
        for st in &mut strategies {
            let o = run_closed_loop(spec, st.as_mut()).expect("spec");
            assert!(o.volume_ml >= 0.0 && o.volume_ml <= o.released_ml + 1e-9);
            assert!(
                (0.0..=900.0 + 1e-6).contains(&o.misphase_s),
                "{}",
                o.misphase_s
            );
            assert!(
                (0.0..=900.0 + 1e-6).contains(&o.first_switch_misphase_s),
                "{}",
                o.first_switch_misphase_s
            );
            if o.volume_ml > 0.0 {
                let t90 = o.time_to_90pct_s.expect("some volume");
                assert!((0.0..=900.0).contains(&t90));
            }
        }
    }
}

/// Seconds of `[a, b)` during which some label's milk flows (`onset_s ≤ t < end_s`),
/// computed from the labels alone: the union of their intervals clipped to `[a, b)`.
fn flowing_s(labels: &[Ejection], a: f64, b: f64) -> f64 {
    let mut spans: Vec<(f64, f64)> = labels
        .iter()
        .map(|l| (l.onset_s.max(a), l.end_s.min(b)))
        .filter(|(x, y)| x < y)
        .collect();
    spans.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut total, mut reach) = (0.0, f64::NEG_INFINITY);
    for (x, y) in spans {
        let x = x.max(reach);
        if y > x {
            total += y - x;
            reach = y;
        }
    }
    total
}

/// One sample period per label boundary and per switch: the measures count whole samples.
fn tolerance_s(labels: &[Ejection], switches: usize, rate_hz: f64) -> f64 {
    (2 * labels.len() + switches + 1) as f64 / rate_hz
}

#[test]
fn timer_and_expression_only_outcomes_add_up() {
    for seed in 0..5 {
        let spec = clean(seed, 6.0).with_rate_hz(200.0);
        let duration = spec.duration_s();
        let o = run_closed_loop(spec, &mut Timer::new(200.0, 120.0)).expect("spec");
        assert_eq!(o.strategy, "timer");
        assert_eq!(o.hints, 1);
        let t1 = o
            .first_onset_s
            .expect("a typical mother lets down within 6 min");
        // First switch: stimulating after the letdown until 120 s, or expressing from
        // 120 s before it.
        assert!(
            (o.first_switch_misphase_s - (120.0 - t1).abs()).abs() < 0.02,
            "{} vs {t1}",
            o.first_switch_misphase_s
        );
        // Per ejection: stimulating while milk flows before 120 s, expressing while none
        // flows from 120 s on.
        let want = flowing_s(&o.labels, 0.0, 120.0)
            + (duration - 120.0 - flowing_s(&o.labels, 120.0, duration));
        let tol = tolerance_s(&o.labels, 1, 200.0);
        assert!(
            (o.misphase_s - want).abs() <= tol,
            "{} vs {want} (± {tol})",
            o.misphase_s
        );
        assert_eq!(o.labels.first().map(|l| l.onset_s), Some(t1));
        let t90 = o.time_to_90pct_s.expect("volume");
        assert!(t90 > t1 && t90 <= 360.0);

        let e = run_closed_loop(spec, &mut ExpressionOnly::default()).expect("spec");
        assert_eq!(e.strategy, "expression-only");
        let t1 = e.first_onset_s.expect("letdown");
        assert!(
            (e.first_switch_misphase_s - t1).abs() < 0.02,
            "{} vs {t1}",
            e.first_switch_misphase_s
        );
        // Always expressing: mis-phased exactly while no ejection's milk flows.
        let want = duration - flowing_s(&e.labels, 0.0, duration);
        let tol = tolerance_s(&e.labels, 0, 200.0);
        assert!(
            (e.misphase_s - want).abs() <= tol,
            "{} vs {want} (± {tol})",
            e.misphase_s
        );
        assert!(e.misphase_s >= e.first_switch_misphase_s - tol);
    }
    // No letdown: all expression seconds are mis-phased, in both measures.
    let spec = clean(1, 4.0)
        .with_rate_hz(200.0)
        .with_profile(Profile::NoLetdown);
    let o = run_closed_loop(spec, &mut Timer::new(200.0, 120.0)).expect("spec");
    assert_eq!(o.first_onset_s, None);
    assert!(o.labels.is_empty());
    assert!((o.misphase_s - 120.0).abs() < 0.02, "{}", o.misphase_s);
    assert!(
        (o.first_switch_misphase_s - 120.0).abs() < 0.02,
        "{}",
        o.first_switch_misphase_s
    );
}

#[test]
fn a_pump_left_in_stimulation_is_mis_phased_while_milk_flows() {
    // No hints: the pump stays in stimulation for the whole session.
    for seed in 0..3 {
        let spec = clean(seed, 6.0).with_rate_hz(200.0);
        let duration = spec.duration_s();
        let o = run_closed_loop(spec, &mut Counter::default()).expect("spec");
        assert_eq!(o.hints, 0);
        let t1 = o.first_onset_s.expect("a typical mother lets down");
        let tol = tolerance_s(&o.labels, 0, 200.0);
        let want = flowing_s(&o.labels, 0.0, duration);
        assert!(want > 30.0, "{want}");
        assert!(
            (o.misphase_s - want).abs() <= tol,
            "{} vs {want} (± {tol})",
            o.misphase_s
        );
        assert!(
            (o.first_switch_misphase_s - (duration - t1)).abs() <= tol,
            "{} vs {}",
            o.first_switch_misphase_s,
            duration - t1
        );
    }
}

/// Expression while its own copy of the labels says milk flows, stimulation otherwise.
struct FollowLabels {
    /// (start, end) sample indices of expression.
    spans: Vec<(u64, u64)>,
}

impl Strategy for FollowLabels {
    fn name(&self) -> &'static str {
        "follow-labels"
    }
    fn on_sample(&mut self, index: u64, _s: Option<Sample>) -> Option<ControlHint> {
        self.spans.iter().find_map(|&(a, b)| {
            if index == a {
                Some(hint(index, Mode::Expression, -180.0, 60.0, 0))
            } else if index == b {
                Some(hint(index, Mode::Stimulation, -80.0, 110.0, 0))
            } else {
                None
            }
        })
    }
}

/// The sample indices at which to hint expression and stimulation so that the pump
/// expresses exactly while `labels` say milk flows (a hint applies from the next sample
/// on; overlapping ejections are one expression phase).
fn spans_of(labels: &[Ejection], rate_hz: f64) -> Vec<(u64, u64)> {
    let at = |t: f64| ((t * rate_hz).ceil() as u64).saturating_sub(1);
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for l in labels {
        let (a, b) = (at(l.onset_s), at(l.end_s));
        match spans.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => spans.push((a, b)),
        }
    }
    spans
}

/// The per-ejection mis-phase of a pump that stimulates, then alternates at `spans`
/// (expression from each span's start, stimulation from its end), on a session with
/// `labels`: computed from the labels' times alone.
fn expected_misphase_s(
    spans: &[(u64, u64)],
    labels: &[Ejection],
    rate_hz: f64,
    duration: f64,
) -> f64 {
    let mut edges: Vec<f64> = spans
        .iter()
        .flat_map(|&(a, b)| [(a + 1) as f64 / rate_hz, (b + 1) as f64 / rate_hz])
        .collect();
    edges.push(duration);
    let (mut want, mut t, mut expressing) = (0.0, 0.0, false);
    for edge in edges {
        let edge = edge.min(duration);
        let inside = flowing_s(labels, t, edge);
        want += if expressing {
            (edge - t) - inside
        } else {
            inside
        };
        expressing = !expressing;
        t = edge;
    }
    want
}

#[test]
fn expressing_exactly_through_each_ejection_scores_no_misphase() {
    // A script built from the previous run's labels, until the ejections come where the
    // script expects them (the pump's phases change the ejections, so it takes a few
    // runs): then every phase is right and the per-ejection mis-phase is zero, while the
    // first-switch measure counts every second of stimulation between ejections.
    let rate = 200.0;
    let mut converged = 0;
    for seed in 0..6 {
        let spec = clean(seed, 8.0).with_rate_hz(rate);
        let duration = spec.duration_s();
        let mut labels = run_closed_loop(spec, &mut Counter::default())
            .expect("spec")
            .labels;
        assert!(!labels.is_empty());
        for _ in 0..8 {
            let spans = spans_of(&labels, rate);
            let mut script = FollowLabels {
                spans: spans.clone(),
            };
            let o = run_closed_loop(spec, &mut script).expect("spec");
            assert_eq!(o.hints as usize, 2 * spans.len());
            let tol = tolerance_s(&o.labels, 2 * spans.len(), rate);
            let want = expected_misphase_s(&spans, &o.labels, rate, duration);
            assert!(
                (o.misphase_s - want).abs() <= tol,
                "seed {seed}: {} vs {want} (± {tol})",
                o.misphase_s
            );
            let same = o.labels.len() == labels.len()
                && o.labels.iter().zip(&labels).all(|(a, b)| {
                    (a.onset_s - b.onset_s).abs() < 1e-9 && (a.end_s - b.end_s).abs() < 1e-9
                });
            if same {
                assert!(o.misphase_s <= tol, "seed {seed}: {}", o.misphase_s);
                // Stimulating between ejections is what the first-switch measure counts.
                let t1 = o.first_onset_s.expect("letdown");
                let between = (duration - t1) - flowing_s(&o.labels, t1, duration);
                assert!(
                    (o.first_switch_misphase_s - between).abs() <= tol,
                    "seed {seed}: {} vs {between}",
                    o.first_switch_misphase_s
                );
                converged += 1;
                break;
            }
            labels = o.labels;
        }
    }
    assert!(converged >= 4, "{converged} of 6 seeds settled");
}

/// Counts what it is given.
#[derive(Default)]
struct Counter {
    present: u64,
    absent: u64,
}

impl Strategy for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn on_sample(&mut self, _i: u64, s: Option<Sample>) -> Option<ControlHint> {
        match s {
            Some(_) => self.present += 1,
            None => self.absent += 1,
        }
        None
    }
}

#[test]
fn dropouts_reach_the_strategy_as_none_and_the_engine_strategy_runs() {
    let spec = clean(3, 2.0).with_faults(FaultSet::NONE.with(FaultKind::Dropout));
    let mut c = Counter::default();
    let o = run_closed_loop(spec, &mut c).expect("spec");
    assert!(c.absent > 0);
    assert_eq!(c.present + c.absent, spec.sample_count());
    assert_eq!(o.hints, 0);
    let mut e = EngineStrategy::from_config(&EngineConfig::new(RATE as f32)).expect("config");
    let o = run_closed_loop(spec, &mut e).expect("spec");
    assert_eq!(o.strategy, "engine");
    assert!(o.volume_ml <= o.released_ml);
    assert!(EngineStrategy::from_config(&EngineConfig::new(5.0)).is_err());
}

#[test]
fn invalid_hint_targets_are_refused_by_the_controller() {
    let at = (10.0 * RATE) as u64;
    let mut s = Script(vec![hint(at, Mode::Expression, f32::NAN, 60.0, 2)]);
    let (truth, _, modes) = drive(clean(4, 0.5), &mut s);
    assert!(modes.iter().all(|m| *m == Mode::Stimulation));
    // Too deep a target is clamped to −300 mmHg (the controller's own limit).
    let mut s = Script(vec![hint(at, Mode::Expression, -900.0, 60.0, 0)]);
    let (truth2, _, _) = drive(clean(4, 0.5), &mut s);
    let deepest = truth2.iter().copied().fold(0.0f32, f32::min);
    assert!((-320.0..=-280.0).contains(&deepest), "{deepest}");
    assert!(truth.iter().all(|p| p.is_finite()));
}
