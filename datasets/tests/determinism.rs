//! Same spec and seed → the same bits; anything else → a different session.

mod common;

use common::{collect, session_hash};
use letdown_datasets::{FaultKind, FaultSet, Generator, Profile, SessionSpec, SpecError};

fn spec(seed: u64) -> SessionSpec {
    SessionSpec::new(seed)
        .with_profile(Profile::Mix)
        .with_rate_hz(1000.0)
        .with_minutes(4.0)
        .with_faults(FaultSet::all())
}

#[test]
fn same_seed_same_bits_different_seed_different_bits() {
    let a = session_hash(spec(5));
    assert_eq!(a, session_hash(spec(5)));
    assert_ne!(a, session_hash(spec(6)));
    assert_ne!(a, session_hash(spec(5).with_rate_hz(999.0)));
    let clean = SessionSpec::new(5).with_minutes(3.0).with_messy(false);
    assert_eq!(session_hash(clean), session_hash(clean));
}

#[test]
fn iterator_and_next_sample_agree_and_stop() {
    let s = SessionSpec::new(3).with_rate_hz(250.0).with_minutes(0.5);
    let (by_next, mut g) = collect(s);
    assert_eq!(by_next.len() as u64, s.sample_count());
    assert_eq!(by_next.len(), 7500);
    assert!(g.next_sample().is_none() && g.next_sample().is_none());
    assert!(g.is_finished());
    let by_iter: Vec<_> = Generator::new(s).expect("spec").collect();
    assert_eq!(by_iter, by_next);
    for (i, x) in by_next.iter().enumerate() {
        assert_eq!(x.index, i as u64);
        assert_eq!(x.t_s, i as f64 / 250.0);
    }
}

#[test]
fn faults_and_rate_do_not_change_the_mother() {
    // Faults, mess and sample rate draw from their own streams: the ejections start at
    // the same times (to within one physiology tick of 10 ms).
    let base = SessionSpec::new(11)
        .with_minutes(10.0)
        .with_rate_hz(1000.0)
        .with_messy(false);
    let onsets = |s: SessionSpec| {
        let (_, g) = collect(s);
        g.labels().iter().map(|e| e.onset_s).collect::<Vec<_>>()
    };
    let a = onsets(base);
    assert!(!a.is_empty());
    let faulty = base.with_faults(
        FaultSet::NONE
            .with(FaultKind::Nan)
            .with(FaultKind::Dropout)
            .with(FaultKind::Spikes)
            .with(FaultKind::Stuck),
    );
    assert_eq!(a, onsets(faulty));
    let slow = onsets(base.with_rate_hz(100.0));
    assert_eq!(a.len(), slow.len());
    for (x, y) in a.iter().zip(&slow) {
        assert!((x - y).abs() <= 0.0100001, "{x} vs {y}");
    }
}

#[test]
fn invalid_specs_are_refused() {
    let s = SessionSpec::new(1);
    assert_eq!(
        Generator::new(s.with_rate_hz(50.0)).err(),
        Some(SpecError::RateHz)
    );
    assert_eq!(
        Generator::new(s.with_rate_hz(f64::NAN)).err(),
        Some(SpecError::RateHz)
    );
    assert_eq!(
        Generator::new(s.with_minutes(0.0)).err(),
        Some(SpecError::Minutes)
    );
    assert_eq!(
        Generator::new(s.with_minutes(-1.0)).err(),
        Some(SpecError::Minutes)
    );
    assert_eq!(
        Generator::new(s.with_program(letdown_datasets::PumpProgram::Timer {
            switch_s: f64::INFINITY
        }))
        .err(),
        Some(SpecError::TimerSwitch)
    );
    for rate_cpm in [20.0, 131.0, f64::NAN] {
        assert_eq!(
            Generator::new(s.with_expression_rate_cpm(rate_cpm)).err(),
            Some(SpecError::ExpressionRate)
        );
    }
    assert!(SpecError::RateHz.to_string().contains("100 … 10000 Hz"));
    assert!(SpecError::ExpressionRate.to_string().contains("24 … 130"));
}

/// Pump cycles begun between `from_s` and `to_s`: downward crossings of the pressure at
/// the breast through the middle of its range there.
fn cycles_between(samples: &[letdown_datasets::SimSample], from_s: f64, to_s: f64) -> usize {
    let p: Vec<f32> = samples
        .iter()
        .filter(|x| (from_s..to_s).contains(&x.t_s))
        .map(|x| x.truth.pressure_mmhg)
        .collect();
    let mid = 0.5
        * (p.iter().cloned().fold(f32::MAX, f32::min) + p.iter().cloned().fold(f32::MIN, f32::max));
    p.windows(2).filter(|w| w[0] > mid && w[1] <= mid).count()
}

#[test]
fn a_set_expression_rate_changes_that_rhythm_alone() {
    // Clean sessions: the user changes no setting. The pump switches at 120 s.
    let base = SessionSpec::new(11)
        .with_minutes(4.0)
        .with_rate_hz(100.0)
        .with_messy(false);
    let slow = base.with_expression_rate_cpm(30.0);
    let (a, ga) = collect(base);
    let (b, gb) = collect(slow);
    let rate = |g: &Generator| {
        let md = g.metadata();
        md.iter()
            .find(|(k, _)| k == "expression_rate_cpm")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(rate(&gb).as_deref(), Some("30.0"));
    assert_ne!(rate(&ga), rate(&gb));
    // The same session up to the switch, with the same mother and ejections.
    let before = |v: &[letdown_datasets::SimSample]| {
        v.iter()
            .take_while(|x| x.t_s < 120.0)
            .map(|x| x.sample)
            .collect::<Vec<_>>()
    };
    assert_eq!(before(&a), before(&b));
    let onsets = |g: &Generator| g.labels().iter().map(|e| e.onset_s).collect::<Vec<_>>();
    assert!(!onsets(&ga).is_empty());
    assert_eq!(onsets(&ga), onsets(&gb));
    // Thirty cycles a minute after the switch's ramp (the pump's rate jitters 1.5 %).
    let n = cycles_between(&b, 150.0, 210.0);
    assert!((29..=31).contains(&n), "{n} cycles in 60 s at 30 cpm");
    assert!(
        cycles_between(&a, 150.0, 210.0) >= 44,
        "drawn within 45–78 cpm"
    );
}

#[test]
fn metadata_describes_the_session() {
    let g = Generator::new(spec(9)).expect("spec");
    let md = g.metadata();
    assert_eq!(md[0], ("sample_rate_hz".to_string(), "1000".to_string()));
    let get = |k: &str| {
        md.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("missing {k}"))
    };
    assert_eq!(get("profile"), g.profile().to_string());
    assert_eq!(get("profile_requested"), "mix");
    assert_eq!(get("seed"), "9");
    assert_eq!(get("program"), "timer:120");
    assert_eq!(get("faults"), FaultSet::all().to_string());
    assert_eq!(get("mother"), g.mother().id.to_string());
    let delay: f64 = get("transport_delay_s").parse().expect("number");
    assert!((0.5..=3.0).contains(&delay));
    for k in [
        "fault_episodes",
        "user_events",
        "flow_noise_ml_min",
        "expression_rate_cpm",
    ] {
        get(k);
    }
    // Keys and values fit a `# key: value` line.
    for (k, v) in &md {
        assert!(!k.is_empty() && !k.contains(':') && !k.contains('\n') && !v.contains('\n'));
    }
}
