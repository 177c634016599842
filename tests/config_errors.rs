//! Every invalid configuration field is refused with its own typed, printable error.

use letdown_engine::{ConfigError, EngineConfig};

#[test]
fn defaults_build_at_every_supported_rate() {
    for rate in [100.0, 500.0, 1000.0, 2000.0, 10_000.0] {
        assert!(EngineConfig::new(rate).build().is_ok(), "rate {rate}");
    }
}

#[test]
fn each_bad_field_names_itself() {
    let base = EngineConfig::new(1000.0);
    let cases: [(EngineConfig, ConfigError, &str); 15] = [
        (
            EngineConfig::new(99.0),
            ConfigError::SampleRate,
            "sample_rate_hz",
        ),
        (
            EngineConfig::new(f32::NAN),
            ConfigError::SampleRate,
            "sample_rate_hz",
        ),
        (
            base.max_vacuum_mmhg(-301.0),
            ConfigError::MaxVacuum,
            "max_vacuum_mmhg",
        ),
        (
            base.max_vacuum_mmhg(f32::NAN),
            ConfigError::MaxVacuum,
            "max_vacuum_mmhg",
        ),
        (
            base.stimulation_vacuum_mmhg(-200.0),
            ConfigError::StimulationVacuum,
            "stimulation_vacuum_mmhg",
        ),
        (
            base.max_vacuum_mmhg(-150.0),
            ConfigError::ExpressionVacuum,
            "expression_vacuum_mmhg",
        ),
        (
            base.stimulation_rate_cpm(140.0),
            ConfigError::StimulationRate,
            "stimulation_rate_cpm",
        ),
        (
            base.expression_rate_cpm(120.0),
            ConfigError::ExpressionRate,
            "expression_rate_cpm",
        ),
        (
            base.fallback_s(10.0),
            ConfigError::FallbackTime,
            "fallback_s",
        ),
        (
            base.late_cue_s(200.0),
            ConfigError::LateCueTime,
            "late_cue_s",
        ),
        (base.fade_s(1.0), ConfigError::FadeTime, "fade_s"),
        (
            base.session_end_s(f32::INFINITY),
            ConfigError::SessionEndTime,
            "session_end_s",
        ),
        (
            base.fade_s(120.0).session_end_s(120.0),
            ConfigError::SessionEndTime,
            "fade_s",
        ),
        (
            base.false_alarms_per_hour(0.0),
            ConfigError::FalseAlarmRate,
            "false_alarms_per_hour",
        ),
        (base.stuck_s(0.1), ConfigError::StuckTime, "stuck_s"),
    ];
    for (cfg, want, field) in cases {
        let err = cfg.build().map(|_| ()).unwrap_err();
        assert_eq!(err, want);
        let text = err.to_string();
        assert!(text.contains(field), "{text:?} should name {field}");
    }
}
