//! The pipeline hands the user's settings, changed while it runs, to the engine thread
//! between two samples (DESIGN §5): a refused change is refused at the producer, an
//! accepted one shapes every later hint.

#[path = "../../tests/support/mod.rs"]
mod support;

use letdown_engine::{
    ControlHint, EngineConfig, Event, Mode, Reason, Sample, SettingsError, UserSettings,
};
use letdown_pipeline::{self as pipeline, PipelineConfig};
use support::RATE_HZ;

fn targets(h: &ControlHint) -> (Mode, f32, f32) {
    (h.mode, h.target_vacuum_mmhg, h.rate_cpm)
}

#[test]
fn the_pipeline_hands_a_change_to_the_engine_thread() {
    let engine = EngineConfig::new(RATE_HZ).build().unwrap();
    let config = PipelineConfig::for_stream(RATE_HZ, 32).capacity(20_000);
    let mut p = pipeline::start(engine, config).unwrap();
    let input: Vec<Sample> = (0..13_000).map(support::pump).collect();
    p.producer.push(&input[..10_000]);
    // Wait until the engine thread has taken every sample so far, so the change falls
    // exactly between sample 9 999 and 10 000.
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while p.engine.processed() < 10_000 && std::time::Instant::now() < give_up {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let new = UserSettings {
        expression_vacuum_mmhg: -160.0,
        ..EngineConfig::new(RATE_HZ).user_settings()
    };
    let refused = UserSettings {
        expression_vacuum_mmhg: -260.0,
        ..new
    };
    assert_eq!(
        p.producer.set_user_settings(refused),
        Err(SettingsError::ExpressionVacuum)
    );
    assert_eq!(p.producer.set_user_settings(new), Ok(()));
    p.producer.push(&input[10_000..]);
    p.producer.close();
    let report = p.engine.join().unwrap();
    assert_eq!(report.engine.user_settings(), new);
    let events: Vec<Event> = p.hints.try_iter().map(|m| m.event).collect();
    let got: Vec<_> = events
        .iter()
        .filter_map(|e| e.hint.map(|h| (e.sample_index, e.reason, targets(&h))))
        .collect();
    assert_eq!(
        got,
        [
            (
                9_000,
                Reason::LateLetdownCue,
                (Mode::Stimulation, -100.0, 110.0)
            ),
            (
                12_000,
                Reason::FallbackTimer,
                (Mode::Expression, -160.0, 60.0)
            ),
        ]
    );
}
