//! The engine's session-end suggestion in closed loop (DESIGN §5: "only after minutes
//! without flow"): the simulated mother obeys it and stops, so one that comes while an
//! ejection's milk flows at the sensor loses that milk. Seeded 100 Hz sessions with every
//! everyday phenomenon (smoothing sensors among them, whose weak ejections the detector
//! may find no onset in), the cue effect at 0 so that the engine's hints alone decide.

use letdown_datasets::{
    run_closed_loop, CueEffect, Ejection, EngineStrategy, Profile, SessionSpec, Strategy,
};
use letdown_engine::{ControlHint, EngineConfig, Reason, Sample};

const RATE_HZ: f64 = 100.0;

/// The engine's hints (`EngineStrategy`, the closed loop's one way to drive it), with the
/// time of the first session-end suggestion, s.
struct EndWatch {
    engine: EngineStrategy,
    end_s: Option<f64>,
}

impl Strategy for EndWatch {
    fn name(&self) -> &'static str {
        self.engine.name()
    }

    fn on_sample(&mut self, index: u64, sample: Option<Sample>) -> Option<ControlHint> {
        let hint = self.engine.on_sample(index, sample)?;
        if hint.reason == Reason::SessionEnd && self.end_s.is_none() {
            self.end_s = Some(index as f64 / RATE_HZ);
        }
        Some(hint)
    }
}

/// The closed-loop session of `profile` and `seed`: its labels and the time of the
/// engine's first session-end suggestion, s.
fn run(profile: Profile, seed: u64) -> (Vec<Ejection>, Option<f64>) {
    let spec = SessionSpec::new(seed)
        .with_profile(profile)
        .with_rate_hz(RATE_HZ)
        .with_minutes(15.0)
        .with_cue_effect(CueEffect::NONE);
    let config = EngineConfig::new(RATE_HZ as f32);
    let engine = EngineStrategy::from_config(&config).expect("default");
    let mut watch = EndWatch {
        engine,
        end_s: None,
    };
    let outcome = run_closed_loop(spec, &mut watch).expect("valid spec");
    (outcome.labels, watch.end_s)
}

#[test]
fn a_session_without_letdown_is_told_to_end() {
    // No milk at all (sensor drift of the simulator's at most 1.5 mL/min, duct milk at
    // the start): the end comes 300 s after the fallback switch at 120 s, or a little
    // later where a pump change or drift raised the flow's level for a while.
    for seed in 1..=10 {
        let (_, end) = run(Profile::NoLetdown, seed);
        let end = end.unwrap_or_else(|| panic!("no-letdown seed {seed}: no session end"));
        assert!((420.0..=660.0).contains(&end), "seed {seed}: {end:.1} s");
    }
}

#[test]
fn the_session_end_never_comes_while_an_ejections_milk_shows_at_the_sensor() {
    let mut ends = 0;
    for profile in [Profile::Relaxed, Profile::Typical, Profile::Stressed] {
        for seed in 1..=10 {
            let (labels, end) = run(profile, seed);
            let Some(t) = end else { continue };
            ends += 1;
            // Flowing and visible at the sensor: from its visible moment to its end.
            let flowing = labels
                .iter()
                .find(|e| e.visible_s.is_some_and(|v| v <= t) && t < e.end_s);
            assert!(
                flowing.is_none(),
                "{profile:?} seed {seed}: session end at {t:.1} s while {flowing:?} flows"
            );
        }
    }
    // Not vacuous: long gaps without flow do end some of these sessions.
    assert!(ends > 0, "no session end suggested in any session");
}
