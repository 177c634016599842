//! Engine configuration in physical units, validated once by [`EngineConfig::build`].
//!
//! After a successful build nothing in the hot path returns an error: faults become
//! states and hints.

use crate::detector_tests::{DetectorTest, DetectorTests};
use crate::engine::Engine;
use core::fmt;
use core::ops::RangeInclusive;

/// Why a configuration was refused. Each variant names one field; `Display` gives the
/// allowed range and unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigError {
    /// `sample_rate_hz` outside 100 … 10 000 Hz (or not finite).
    SampleRate,
    /// `max_vacuum_mmhg` outside −300 … −50 mmHg: never beyond −300 (DESIGN §5).
    MaxVacuum,
    /// `stimulation_vacuum_mmhg` outside −150 … −30 mmHg, or deeper than `max_vacuum_mmhg`.
    StimulationVacuum,
    /// `expression_vacuum_mmhg` outside −300 … −30 mmHg, or deeper than `max_vacuum_mmhg`.
    ExpressionVacuum,
    /// `stimulation_rate_cpm` outside 24 … 130 cpm.
    StimulationRate,
    /// `expression_rate_cpm` outside 24 … 130 cpm, or not slower than stimulation.
    ExpressionRate,
    /// `fallback_s` outside 30 … 600 s.
    FallbackTime,
    /// `late_cue_s` outside 10 s … `fallback_s`.
    LateCueTime,
    /// `fade_s` outside 5 … 300 s.
    FadeTime,
    /// `session_end_s` outside 60 … 3600 s, or not longer than `fade_s` (the return to
    /// stimulation after the flow faded must come before the session's end is suggested).
    SessionEndTime,
    /// `false_alarms_per_hour` outside 0.001 … 10 per hour.
    FalseAlarmRate,
    /// `min_flow_ml_min` outside 0.2 … 20 mL/min.
    MinFlow,
    /// `stuck_s` outside 1 … 60 s.
    StuckTime,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, why) = match self {
            ConfigError::SampleRate => ("sample_rate_hz", "must be within 100 … 10000 Hz"),
            ConfigError::MaxVacuum => SettingsError::MaxVacuum.field_and_range(),
            ConfigError::StimulationVacuum => SettingsError::StimulationVacuum.field_and_range(),
            ConfigError::ExpressionVacuum => SettingsError::ExpressionVacuum.field_and_range(),
            ConfigError::StimulationRate => SettingsError::StimulationRate.field_and_range(),
            ConfigError::ExpressionRate => SettingsError::ExpressionRate.field_and_range(),
            ConfigError::FallbackTime => ("fallback_s", "must be within 30 … 600 s"),
            ConfigError::LateCueTime => ("late_cue_s", "must be within 10 s … fallback_s"),
            ConfigError::FadeTime => ("fade_s", "must be within 5 … 300 s"),
            ConfigError::SessionEndTime => (
                "session_end_s",
                "must be within 60 … 3600 s and longer than fade_s",
            ),
            ConfigError::FalseAlarmRate => (
                "false_alarms_per_hour",
                "must be within 0.001 … 10 per hour",
            ),
            ConfigError::MinFlow => ("min_flow_ml_min", "must be within 0.2 … 20 mL/min"),
            ConfigError::StuckTime => ("stuck_s", "must be within 1 … 60 s"),
        };
        write!(f, "invalid engine config: {field} {why}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// `Ok` when `v` lies in `r`, else `Err(e)`; NaN is never in a range, so it is refused.
fn check<E>(v: f32, r: RangeInclusive<f32>, e: E) -> Result<(), E> {
    if r.contains(&v) {
        Ok(())
    } else {
        Err(e)
    }
}

/// Deepest vacuum any hint may ask for, whatever the user's settings, mmHg (DESIGN §5:
/// never beyond −300).
pub const VACUUM_LIMIT_MMHG: f32 = -300.0;

/// The user's own pumping settings (DESIGN §5): the targets every hint asks for, and the
/// maximum vacuum beyond which the engine pauses the pump. The pump's firmware knows when
/// the mother changes them and passes them on with [`Engine::set_user_settings`] while the
/// engine runs; they start as the [`EngineConfig`]'s fields of the same names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UserSettings {
    /// Peak vacuum asked for in stimulation, mmHg (negative): −150 … −30, not deeper than
    /// `max_vacuum_mmhg`.
    pub stimulation_vacuum_mmhg: f32,
    /// Cycle rate asked for in stimulation, cpm: 24 … 130.
    pub stimulation_rate_cpm: f32,
    /// Peak vacuum asked for in expression, mmHg (negative): −300 … −30, not deeper than
    /// `max_vacuum_mmhg`.
    pub expression_vacuum_mmhg: f32,
    /// Cycle rate asked for in expression, cpm: 24 … 130 and slower than stimulation.
    pub expression_rate_cpm: f32,
    /// The user's maximum vacuum, mmHg (negative): −300 … −50. Measured vacuum beyond it
    /// pauses the pump at once, and no hint asks for more.
    pub max_vacuum_mmhg: f32,
}

impl UserSettings {
    /// Checks every field (in the order maximum, stimulation vacuum, expression vacuum,
    /// stimulation rate, expression rate); the first one out of range is returned.
    pub fn validate(&self) -> Result<(), SettingsError> {
        check(
            self.max_vacuum_mmhg,
            VACUUM_LIMIT_MMHG..=-50.0,
            SettingsError::MaxVacuum,
        )?;
        check(
            self.stimulation_vacuum_mmhg,
            (-150.0f32).max(self.max_vacuum_mmhg)..=-30.0,
            SettingsError::StimulationVacuum,
        )?;
        check(
            self.expression_vacuum_mmhg,
            self.max_vacuum_mmhg..=-30.0,
            SettingsError::ExpressionVacuum,
        )?;
        check(
            self.stimulation_rate_cpm,
            24.0..=130.0,
            SettingsError::StimulationRate,
        )?;
        check(
            self.expression_rate_cpm,
            24.0..=130.0,
            SettingsError::ExpressionRate,
        )?;
        if self.expression_rate_cpm >= self.stimulation_rate_cpm {
            return Err(SettingsError::ExpressionRate);
        }
        Ok(())
    }
}

/// Why a [`UserSettings`] change was refused (nothing was changed). Each variant names one
/// field; `Display` gives the allowed range and unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SettingsError {
    /// `max_vacuum_mmhg` outside −300 … −50 mmHg.
    MaxVacuum,
    /// `stimulation_vacuum_mmhg` outside −150 … −30 mmHg, or deeper than `max_vacuum_mmhg`.
    StimulationVacuum,
    /// `expression_vacuum_mmhg` outside −300 … −30 mmHg, or deeper than `max_vacuum_mmhg`.
    ExpressionVacuum,
    /// `stimulation_rate_cpm` outside 24 … 130 cpm.
    StimulationRate,
    /// `expression_rate_cpm` outside 24 … 130 cpm, or not slower than stimulation.
    ExpressionRate,
}

impl SettingsError {
    /// The field's name and what it must be, with the unit.
    pub const fn field_and_range(self) -> (&'static str, &'static str) {
        match self {
            SettingsError::MaxVacuum => ("max_vacuum_mmhg", "must be within -300 … -50 mmHg"),
            SettingsError::StimulationVacuum => (
                "stimulation_vacuum_mmhg",
                "must be within -150 … -30 mmHg and not deeper than max_vacuum_mmhg",
            ),
            SettingsError::ExpressionVacuum => (
                "expression_vacuum_mmhg",
                "must be within -300 … -30 mmHg and not deeper than max_vacuum_mmhg",
            ),
            SettingsError::StimulationRate => {
                ("stimulation_rate_cpm", "must be within 24 … 130 cpm")
            }
            SettingsError::ExpressionRate => (
                "expression_rate_cpm",
                "must be within 24 … 130 cpm and slower than stimulation_rate_cpm",
            ),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, why) = self.field_and_range();
        write!(f, "invalid user settings: {field} {why}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SettingsError {}

impl From<SettingsError> for ConfigError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::MaxVacuum => ConfigError::MaxVacuum,
            SettingsError::StimulationVacuum => ConfigError::StimulationVacuum,
            SettingsError::ExpressionVacuum => ConfigError::ExpressionVacuum,
            SettingsError::StimulationRate => ConfigError::StimulationRate,
            SettingsError::ExpressionRate => ConfigError::ExpressionRate,
        }
    }
}

/// Engine settings in physical units. Start from [`EngineConfig::new`] (defaults below),
/// change what you need, then [`build`](EngineConfig::build). The five user-settings
/// fields (vacuum and rate of each mode, maximum vacuum; [`UserSettings`]) are where a
/// session starts; the firmware changes them while the engine runs with
/// [`Engine::set_user_settings`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    /// Sample rate of both channels, Hz (100 … 10 000).
    pub sample_rate_hz: f32,
    /// The user's maximum vacuum, mmHg (negative). Measured vacuum beyond it pauses the
    /// pump at once. Default −250 (cleared devices allow −250 … −300, DESIGN §1).
    pub max_vacuum_mmhg: f32,
    /// Peak vacuum asked for in stimulation, mmHg. Default −100 (pumps: −50 … −150).
    pub stimulation_vacuum_mmhg: f32,
    /// Cycle rate asked for in stimulation, cpm. Default 110 (pumps: 100 … 120).
    pub stimulation_rate_cpm: f32,
    /// Peak vacuum asked for in expression, mmHg. Default −180 (max comfortable vacuum
    /// averages −190, Kent 2008).
    pub expression_vacuum_mmhg: f32,
    /// Cycle rate asked for in expression, cpm. Default 60 (pumps: 45 … 78).
    pub expression_rate_cpm: f32,
    /// Switch to expression after this long without a detected letdown, s. Default 120,
    /// like today's timer pumps.
    pub fallback_s: f32,
    /// Suggest a relaxation cue when no letdown has come after this long, s. Default 90
    /// (median first ejection ~90 s, DESIGN §1).
    pub late_cue_s: f32,
    /// Go back to stimulation after flow has stayed faded this long, s. Default 20.
    pub fade_s: f32,
    /// Suggest ending the session after this long without flow, s. Default 300: late
    /// ejections exist (median gap between ejections ~220 s, Idei 2024). Longer than
    /// `fade_s`, so that the pump goes back to stimulation to call the next ejection
    /// before the end is suggested (DESIGN §5).
    pub session_end_s: f32,
    /// Tolerated false onset detections per hour of pumping without ejections; sets the
    /// change detector's threshold. Default 0.05.
    pub false_alarms_per_hour: f32,
    /// Smallest rise in cycle-averaged flow the onset detector is built to see, mL/min.
    /// Default 1.0 (the physical visibility limit of DESIGN §3).
    pub min_flow_ml_min: f32,
    /// A channel repeating one exact value longer than this is stuck, s (but a flow
    /// sensor's steady reading of no flow, −10 mL/min up to `min_flow_ml_min`, never is).
    /// Default 2.0 (held values of a slow flow sensor last ≤ 0.1 s, DESIGN §2).
    pub stuck_s: f32,
    /// The detector's rules that are on (its tests against false onsets and its sources of
    /// onset evidence). Default: all of them; one is switched off only to measure what it
    /// earns (an ablation study).
    pub detector_tests: DetectorTests,
}

impl EngineConfig {
    /// Defaults for a stream at `sample_rate_hz` (validated only by [`build`](Self::build)).
    pub const fn new(sample_rate_hz: f32) -> Self {
        Self {
            sample_rate_hz,
            max_vacuum_mmhg: -250.0,
            stimulation_vacuum_mmhg: -100.0,
            stimulation_rate_cpm: 110.0,
            expression_vacuum_mmhg: -180.0,
            expression_rate_cpm: 60.0,
            fallback_s: 120.0,
            late_cue_s: 90.0,
            fade_s: 20.0,
            session_end_s: 300.0,
            false_alarms_per_hour: 0.05,
            min_flow_ml_min: 1.0,
            stuck_s: 2.0,
            detector_tests: DetectorTests::ALL,
        }
    }

    /// Sets [`max_vacuum_mmhg`](Self::max_vacuum_mmhg).
    pub const fn max_vacuum_mmhg(mut self, v: f32) -> Self {
        self.max_vacuum_mmhg = v;
        self
    }
    /// Sets [`stimulation_vacuum_mmhg`](Self::stimulation_vacuum_mmhg).
    pub const fn stimulation_vacuum_mmhg(mut self, v: f32) -> Self {
        self.stimulation_vacuum_mmhg = v;
        self
    }
    /// Sets [`stimulation_rate_cpm`](Self::stimulation_rate_cpm).
    pub const fn stimulation_rate_cpm(mut self, v: f32) -> Self {
        self.stimulation_rate_cpm = v;
        self
    }
    /// Sets [`expression_vacuum_mmhg`](Self::expression_vacuum_mmhg).
    pub const fn expression_vacuum_mmhg(mut self, v: f32) -> Self {
        self.expression_vacuum_mmhg = v;
        self
    }
    /// Sets [`expression_rate_cpm`](Self::expression_rate_cpm).
    pub const fn expression_rate_cpm(mut self, v: f32) -> Self {
        self.expression_rate_cpm = v;
        self
    }
    /// Sets [`fallback_s`](Self::fallback_s).
    pub const fn fallback_s(mut self, v: f32) -> Self {
        self.fallback_s = v;
        self
    }
    /// Sets [`late_cue_s`](Self::late_cue_s).
    pub const fn late_cue_s(mut self, v: f32) -> Self {
        self.late_cue_s = v;
        self
    }
    /// Sets [`fade_s`](Self::fade_s).
    pub const fn fade_s(mut self, v: f32) -> Self {
        self.fade_s = v;
        self
    }
    /// Sets [`session_end_s`](Self::session_end_s).
    pub const fn session_end_s(mut self, v: f32) -> Self {
        self.session_end_s = v;
        self
    }
    /// Sets [`false_alarms_per_hour`](Self::false_alarms_per_hour).
    pub const fn false_alarms_per_hour(mut self, v: f32) -> Self {
        self.false_alarms_per_hour = v;
        self
    }
    /// Sets [`min_flow_ml_min`](Self::min_flow_ml_min).
    pub const fn min_flow_ml_min(mut self, v: f32) -> Self {
        self.min_flow_ml_min = v;
        self
    }
    /// Switches one of the detector's tests off (see [`detector_tests`](Self::detector_tests)).
    pub const fn without(mut self, test: DetectorTest) -> Self {
        self.detector_tests = self.detector_tests.without(test);
        self
    }
    /// Sets [`stuck_s`](Self::stuck_s).
    pub const fn stuck_s(mut self, v: f32) -> Self {
        self.stuck_s = v;
        self
    }

    /// The user-settings part of this configuration.
    pub const fn user_settings(&self) -> UserSettings {
        UserSettings {
            stimulation_vacuum_mmhg: self.stimulation_vacuum_mmhg,
            stimulation_rate_cpm: self.stimulation_rate_cpm,
            expression_vacuum_mmhg: self.expression_vacuum_mmhg,
            expression_rate_cpm: self.expression_rate_cpm,
            max_vacuum_mmhg: self.max_vacuum_mmhg,
        }
    }

    /// Sets the user-settings fields from `s` (validated only by [`build`](Self::build)).
    pub const fn with_user_settings(mut self, s: UserSettings) -> Self {
        self.stimulation_vacuum_mmhg = s.stimulation_vacuum_mmhg;
        self.stimulation_rate_cpm = s.stimulation_rate_cpm;
        self.expression_vacuum_mmhg = s.expression_vacuum_mmhg;
        self.expression_rate_cpm = s.expression_rate_cpm;
        self.max_vacuum_mmhg = s.max_vacuum_mmhg;
        self
    }

    /// Checks every field; the first field out of range is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check(
            self.sample_rate_hz,
            100.0..=10_000.0,
            ConfigError::SampleRate,
        )?;
        self.user_settings().validate()?;
        check(self.fallback_s, 30.0..=600.0, ConfigError::FallbackTime)?;
        check(
            self.late_cue_s,
            10.0..=self.fallback_s,
            ConfigError::LateCueTime,
        )?;
        check(self.fade_s, 5.0..=300.0, ConfigError::FadeTime)?;
        check(
            self.session_end_s,
            60.0..=3600.0,
            ConfigError::SessionEndTime,
        )?;
        if self.session_end_s <= self.fade_s {
            return Err(ConfigError::SessionEndTime);
        }
        check(
            self.false_alarms_per_hour,
            0.001..=10.0,
            ConfigError::FalseAlarmRate,
        )?;
        check(self.min_flow_ml_min, 0.2..=20.0, ConfigError::MinFlow)?;
        check(self.stuck_s, 1.0..=60.0, ConfigError::StuckTime)?;
        Ok(())
    }

    /// Validates the configuration and builds an engine. All buffers are sized here;
    /// nothing allocates afterwards.
    ///
    /// Inlined into its caller, with the engine's constructor and the spectral stage's, so
    /// that the optimiser builds the engine where the caller puts it: the C library's
    /// `ld_engine_init` then needs under 2 KB of stack instead of a temporary engine
    /// (README, firmware section; CI holds the figure to a budget).
    #[inline(always)]
    pub fn build(&self) -> Result<Engine, ConfigError> {
        self.validate()?;
        Ok(Engine::from_valid(*self))
    }
}
