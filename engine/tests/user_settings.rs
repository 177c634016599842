//! Hints follow the user's own settings, changed while the engine runs (DESIGN §5):
//! `Engine::set_user_settings` validates, takes effect from the next sample, and a refused
//! change leaves everything as it was.

mod support;

use letdown_engine::{
    ConfigError, ControlHint, EngineConfig, Event, Mode, Reason, Sample, SettingsError,
    UserSettings,
};
use support::{run_engine, RATE_HZ};

fn hints(events: &[Event]) -> Vec<(u64, Reason, ControlHint)> {
    events
        .iter()
        .filter_map(|e| e.hint.map(|h| (e.sample_index, e.reason, h)))
        .collect()
}

/// Each hint's sample, reason, mode, vacuum and rate.
fn targets_of<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<(u64, Reason, (Mode, f32, f32))> {
    events
        .into_iter()
        .filter_map(|e| e.hint.map(|h| (e.sample_index, e.reason, targets(&h))))
        .collect()
}

/// A user who likes it gentle: shallow vacuum, a low maximum.
const SHALLOW: UserSettings = UserSettings {
    stimulation_vacuum_mmhg: -60.0,
    stimulation_rate_cpm: 100.0,
    expression_vacuum_mmhg: -110.0,
    expression_rate_cpm: 50.0,
    max_vacuum_mmhg: -120.0,
};

fn targets(h: &ControlHint) -> (Mode, f32, f32) {
    (h.mode, h.target_vacuum_mmhg, h.rate_cpm)
}

#[test]
fn a_shallow_vacuum_user_gets_her_own_targets_and_her_own_maximum() {
    let mut engine = EngineConfig::new(RATE_HZ).build().unwrap();
    assert_eq!(engine.set_user_settings(SHALLOW), Ok(()));
    assert_eq!(engine.user_settings(), SHALLOW);
    assert_eq!(engine.config().user_settings(), SHALLOW);
    // −125 mmHg is within the default maximum (−250) but beyond hers.
    let events = run_engine(&mut engine, 13_000, |i, s| {
        Some(if i == 5_000 {
            Sample::new(-125.0, s.flow_ml_min)
        } else {
            s
        })
    });
    let got = targets_of(&events);
    assert_eq!(
        got,
        [
            (5_000, Reason::OverVacuum, (Mode::Pause, 0.0, 0.0)),
            (
                5_050,
                Reason::SensorRecovered,
                (Mode::Stimulation, -60.0, 100.0)
            ),
            (
                9_000,
                Reason::LateLetdownCue,
                (Mode::Stimulation, -60.0, 100.0)
            ),
            (
                12_000,
                Reason::FallbackTimer,
                (Mode::Expression, -110.0, 50.0)
            ),
        ]
    );
    for (_, _, h) in hints(&events) {
        assert!(h.target_vacuum_mmhg >= SHALLOW.max_vacuum_mmhg);
        if h.mode != Mode::Pause {
            assert!(h.ramp_cycles >= 2, "{h:?}");
        }
    }
}

#[test]
fn a_change_mid_session_applies_from_the_next_sample() {
    let mut engine = EngineConfig::new(RATE_HZ).build().unwrap();
    let mut events = run_engine(&mut engine, 10_000, |_, s| Some(s));
    // She deepens expression a little and lowers her maximum at 100 s.
    let new = UserSettings {
        expression_vacuum_mmhg: -160.0,
        max_vacuum_mmhg: -200.0,
        ..engine.user_settings()
    };
    assert_eq!(engine.set_user_settings(new), Ok(()));
    events.extend(run_engine(&mut engine, 13_000, |i, s| {
        // −210 mmHg: fine before the change, beyond the new maximum after it.
        Some(if i == 10_000 {
            Sample::new(-210.0, s.flow_ml_min)
        } else {
            s
        })
    }));
    let got = targets_of(&events);
    assert_eq!(
        got,
        [
            (
                9_000,
                Reason::LateLetdownCue,
                (Mode::Stimulation, -100.0, 110.0)
            ),
            (10_000, Reason::OverVacuum, (Mode::Pause, 0.0, 0.0)),
            (
                10_050,
                Reason::SensorRecovered,
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

#[test]
fn an_event_still_waiting_leaves_with_the_new_settings() {
    // A NaN at 119.5 s puts the resume on sample 12 000, the fallback's: two events on one
    // sample, the fallback's still waiting when she lowers her maximum below the
    // expression vacuum it was made with.
    let mut engine = EngineConfig::new(RATE_HZ).build().unwrap();
    let events = run_engine(&mut engine, 12_001, |i, s| {
        Some(if i == 11_950 {
            Sample::new(s.pressure_mmhg, f32::NAN)
        } else {
            s
        })
    });
    let last = targets_of(&events).pop();
    assert_eq!(
        last,
        Some((
            12_000,
            Reason::SensorRecovered,
            (Mode::Stimulation, -100.0, 110.0)
        ))
    );
    let new = UserSettings {
        expression_vacuum_mmhg: -140.0,
        expression_rate_cpm: 55.0,
        max_vacuum_mmhg: -150.0,
        ..engine.user_settings()
    };
    assert_eq!(engine.set_user_settings(new), Ok(()));
    let waiting = engine.process(support::pump(12_001));
    assert_eq!(
        targets_of(&waiting),
        [(
            12_000,
            Reason::FallbackTimer,
            (Mode::Expression, -140.0, 55.0)
        )],
        "made with −180 mmHg before the change, beyond her new −150"
    );
}

#[test]
fn a_refused_change_changes_nothing() {
    let cfg = EngineConfig::new(RATE_HZ);
    let mut untouched = cfg.build().unwrap();
    let mut engine = cfg.build().unwrap();
    let before = engine.user_settings();
    let d = cfg.user_settings();
    let refused: [(UserSettings, SettingsError); 9] = [
        // Expression deeper than her maximum: refused, the maximum is not raised.
        (
            UserSettings {
                expression_vacuum_mmhg: -260.0,
                ..d
            },
            SettingsError::ExpressionVacuum,
        ),
        (
            UserSettings {
                max_vacuum_mmhg: -150.0,
                ..d
            },
            SettingsError::ExpressionVacuum,
        ),
        (
            UserSettings {
                max_vacuum_mmhg: -301.0,
                expression_vacuum_mmhg: -301.0,
                ..d
            },
            SettingsError::MaxVacuum,
        ),
        (
            UserSettings {
                max_vacuum_mmhg: f32::NAN,
                ..d
            },
            SettingsError::MaxVacuum,
        ),
        (
            UserSettings {
                stimulation_vacuum_mmhg: -160.0,
                ..d
            },
            SettingsError::StimulationVacuum,
        ),
        (
            UserSettings {
                stimulation_vacuum_mmhg: -10.0,
                ..d
            },
            SettingsError::StimulationVacuum,
        ),
        (
            UserSettings {
                stimulation_rate_cpm: f32::INFINITY,
                ..d
            },
            SettingsError::StimulationRate,
        ),
        (
            UserSettings {
                expression_rate_cpm: 20.0,
                ..d
            },
            SettingsError::ExpressionRate,
        ),
        (
            UserSettings {
                expression_rate_cpm: 110.0,
                ..d
            },
            SettingsError::ExpressionRate,
        ),
    ];
    let mut a = run_engine(&mut engine, 5_000, |_, s| Some(s));
    let b0 = run_engine(&mut untouched, 5_000, |_, s| Some(s));
    for (settings, want) in refused {
        assert_eq!(
            engine.set_user_settings(settings),
            Err(want),
            "{settings:?}"
        );
        let (field, _) = want.field_and_range();
        let text = want.to_string();
        assert!(text.contains(field), "{text}");
        assert!(text.contains("mmHg") || text.contains("cpm"), "{text}");
        // The same rule as the configuration's, with the same message.
        assert_eq!(
            cfg.with_user_settings(settings).validate(),
            Err(ConfigError::from(want))
        );
        assert!(ConfigError::from(want)
            .to_string()
            .ends_with(&text[text.find(field).unwrap()..]));
    }
    assert_eq!(engine.user_settings(), before);
    assert_eq!(*engine.config(), cfg);
    a.extend(run_engine(&mut engine, 20_000, |i, s| {
        Some(if i == 15_000 {
            Sample::new(-240.0, s.flow_ml_min)
        } else {
            s
        })
    }));
    let mut b = b0;
    b.extend(run_engine(&mut untouched, 20_000, |i, s| {
        Some(if i == 15_000 {
            Sample::new(-240.0, s.flow_ml_min)
        } else {
            s
        })
    }));
    assert_eq!(a, b, "a refused change altered the engine's output");
}
