//! The C mirrors of the engine's values, and their conversions. Everything C reads is
//! written by Rust; what C passes in is plain numbers (`float`, integers), so no C value
//! can be an invalid Rust enum.

use crate::detector_tests;
use crate::status::ld_status;
use letdown_engine::{
    ControlHint, Cue, EngineConfig, EngineStats, Event, EventKind, Mode, Reason, UserSettings,
};

/// Engine settings in physical units, field for field the Rust `EngineConfig`. Start
/// from `ld_config_default(rate)` and change what you need; `ld_engine_init` checks every
/// field.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ld_config {
    /// Sample rate of both channels, Hz (100 … 10 000).
    pub sample_rate_hz: f32,
    /// The user's maximum vacuum, mmHg (−300 … −50). Default −250.
    pub max_vacuum_mmhg: f32,
    /// Peak vacuum asked for in stimulation, mmHg (−150 … −30). Default −100.
    pub stimulation_vacuum_mmhg: f32,
    /// Cycle rate asked for in stimulation, cycles/min (24 … 130). Default 110.
    pub stimulation_rate_cpm: f32,
    /// Peak vacuum asked for in expression, mmHg (−300 … −30). Default −180.
    pub expression_vacuum_mmhg: f32,
    /// Cycle rate asked for in expression, cycles/min (24 … 130, slower than
    /// stimulation). Default 60.
    pub expression_rate_cpm: f32,
    /// Switch to expression after this long without a detected letdown, s. Default 120.
    pub fallback_s: f32,
    /// Suggest a relaxation cue when no letdown has come after this long, s. Default 90.
    pub late_cue_s: f32,
    /// Go back to stimulation after flow has stayed faded this long, s. Default 20.
    pub fade_s: f32,
    /// Suggest ending the session after this long without flow, s. Default 300.
    pub session_end_s: f32,
    /// Tolerated false onsets per hour without ejections (the change detector's
    /// threshold). Default 0.05.
    pub false_alarms_per_hour: f32,
    /// Smallest rise in cycle-averaged flow the detector is built to see, mL/min.
    /// Default 1.0.
    pub min_flow_ml_min: f32,
    /// A channel repeating one exact value longer than this is stuck, s (but a flow
    /// sensor's steady reading of no flow, −10 mL/min up to `min_flow_ml_min`, never
    /// is). Default 2.0.
    pub stuck_s: f32,
    /// The detector's tests switched off, one `ld_detector_test` bit each, for ablation
    /// studies only: a pump runs with every test on. Default 0.
    pub detector_tests_off: u32,
}

impl ld_config {
    /// The C mirror of a Rust configuration. Every Rust field is named (no `..`), so a
    /// field added to `EngineConfig` fails to compile here until C gets it too.
    pub fn from_engine(c: &EngineConfig) -> Self {
        let EngineConfig {
            sample_rate_hz,
            max_vacuum_mmhg,
            stimulation_vacuum_mmhg,
            stimulation_rate_cpm,
            expression_vacuum_mmhg,
            expression_rate_cpm,
            fallback_s,
            late_cue_s,
            fade_s,
            session_end_s,
            false_alarms_per_hour,
            min_flow_ml_min,
            stuck_s,
            detector_tests,
        } = *c;
        Self {
            sample_rate_hz,
            max_vacuum_mmhg,
            stimulation_vacuum_mmhg,
            stimulation_rate_cpm,
            expression_vacuum_mmhg,
            expression_rate_cpm,
            fallback_s,
            late_cue_s,
            fade_s,
            session_end_s,
            false_alarms_per_hour,
            min_flow_ml_min,
            stuck_s,
            detector_tests_off: detector_tests::off_mask(detector_tests),
        }
    }

    /// The Rust configuration with these fields (not yet validated), or
    /// `LD_ERR_DETECTOR_TESTS` for a bit of `detector_tests_off` that is no test's.
    pub fn to_engine(&self) -> Result<EngineConfig, ld_status> {
        Ok(EngineConfig {
            sample_rate_hz: self.sample_rate_hz,
            max_vacuum_mmhg: self.max_vacuum_mmhg,
            stimulation_vacuum_mmhg: self.stimulation_vacuum_mmhg,
            stimulation_rate_cpm: self.stimulation_rate_cpm,
            expression_vacuum_mmhg: self.expression_vacuum_mmhg,
            expression_rate_cpm: self.expression_rate_cpm,
            fallback_s: self.fallback_s,
            late_cue_s: self.late_cue_s,
            fade_s: self.fade_s,
            session_end_s: self.session_end_s,
            false_alarms_per_hour: self.false_alarms_per_hour,
            min_flow_ml_min: self.min_flow_ml_min,
            stuck_s: self.stuck_s,
            detector_tests: detector_tests::from_off_mask(self.detector_tests_off)?,
        })
    }
}

/// The user's own settings, changed while the engine runs (`ld_set_user_settings`); the
/// targets of every later hint.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ld_user_settings {
    /// Peak vacuum asked for in stimulation, mmHg (−150 … −30, not deeper than the maximum).
    pub stimulation_vacuum_mmhg: f32,
    /// Cycle rate asked for in stimulation, cycles/min (24 … 130).
    pub stimulation_rate_cpm: f32,
    /// Peak vacuum asked for in expression, mmHg (−300 … −30, not deeper than the maximum).
    pub expression_vacuum_mmhg: f32,
    /// Cycle rate asked for in expression, cycles/min (24 … 130, slower than stimulation).
    pub expression_rate_cpm: f32,
    /// The user's maximum vacuum, mmHg (−300 … −50): beyond it the pump is paused at once.
    pub max_vacuum_mmhg: f32,
}

impl From<ld_user_settings> for UserSettings {
    fn from(s: ld_user_settings) -> Self {
        UserSettings {
            stimulation_vacuum_mmhg: s.stimulation_vacuum_mmhg,
            stimulation_rate_cpm: s.stimulation_rate_cpm,
            expression_vacuum_mmhg: s.expression_vacuum_mmhg,
            expression_rate_cpm: s.expression_rate_cpm,
            max_vacuum_mmhg: s.max_vacuum_mmhg,
        }
    }
}

impl From<UserSettings> for ld_user_settings {
    fn from(s: UserSettings) -> Self {
        ld_user_settings {
            stimulation_vacuum_mmhg: s.stimulation_vacuum_mmhg,
            stimulation_rate_cpm: s.stimulation_rate_cpm,
            expression_vacuum_mmhg: s.expression_vacuum_mmhg,
            expression_rate_cpm: s.expression_rate_cpm,
            max_vacuum_mmhg: s.max_vacuum_mmhg,
        }
    }
}

/// One sample of both channels, for `ld_process_block`. Any `float` is accepted (NaN,
/// ±∞ included): the engine decides what is usable.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ld_sample {
    /// Gauge pressure at the breast shield, mmHg (negative = vacuum).
    pub pressure_mmhg: f32,
    /// Milk flow at the flow sensor, mL/min.
    pub flow_ml_min: f32,
}

/// What kind of thing happened.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_event_kind {
    /// A milk ejection's onset was detected in the flow.
    LD_EVENT_ONSET = 1,
    /// The current ejection's flow has decayed (its end).
    LD_EVENT_END = 2,
    /// A control hint without a detection (fallback timer, fault, recovery, cue, end).
    LD_EVENT_HINT = 3,
}

/// The pumping rhythm a hint asks for.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_mode {
    /// Fast, gentle rhythm that imitates a baby's suckling, to trigger letdown.
    LD_MODE_STIMULATION = 1,
    /// Slower, deeper rhythm that removes milk once it flows.
    LD_MODE_EXPRESSION = 2,
    /// Stop applying vacuum (vent to atmosphere) until a later hint.
    LD_MODE_PAUSE = 3,
}

/// Why an event or hint was issued.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_reason {
    /// A milk ejection was detected in the flow.
    LD_REASON_LETDOWN_DETECTED = 1,
    /// The current ejection's flow has decayed or stayed faded.
    LD_REASON_FLOW_FADED = 2,
    /// No letdown within the fallback time: switch anyway, like a timer pump.
    LD_REASON_FALLBACK_TIMER = 3,
    /// Measured vacuum is beyond the user's maximum.
    LD_REASON_OVER_VACUUM = 4,
    /// A sensor gives impossible values (NaN, ±∞, out of range) or is stuck (one exact
    /// value for longer than `stuck_s`; a flow sensor's steady reading of no flow, −10
    /// mL/min up to `min_flow_ml_min`, is not: paused, with no milk, it could not move
    /// again). A pressure sensor that fails often reads atmosphere, so a coarse, quiet
    /// sensor reading exactly atmosphere while the user has stopped the pump is taken as
    /// stuck too. The pause clears 0.5 s after the reading
    /// moves again (`LD_REASON_SENSOR_RECOVERED`), which needs the motor to pull: the
    /// firmware must let the user's own restart through this pause.
    LD_REASON_SENSOR_FAULT = 5,
    /// Samples are missing (`ld_process_gap`): the engine cannot see the pump.
    LD_REASON_STALE_DATA = 6,
    /// The fault that caused a pause has cleared; pumping may resume.
    LD_REASON_SENSOR_RECOVERED = 7,
    /// Letdown is late: a user-facing cue (see `ld_cue`).
    LD_REASON_LATE_LETDOWN_CUE = 8,
    /// Minutes without flow: the session may end.
    LD_REASON_SESSION_END = 9,
}

/// A user-facing cue for a late letdown; `LD_CUE_NONE` when a hint carries none.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_cue {
    /// No cue.
    LD_CUE_NONE = 0,
    /// Relax: slow breathing, a calm recording.
    LD_CUE_RELAX = 1,
    /// Look at a photo of the baby (or smell its clothes).
    LD_CUE_BABY_PHOTO = 2,
    /// Apply warmth to the breast.
    LD_CUE_WARMTH = 3,
    /// Massage the breast.
    LD_CUE_MASSAGE = 4,
}

/// A request to the motor controller (valid when `ld_event.has_hint`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ld_hint {
    /// Index of the sample this hint refers to (0 = the session's first sample).
    pub sample_index: u64,
    /// Requested peak vacuum per cycle, mmHg (negative); 0 in pause.
    pub target_vacuum_mmhg: f32,
    /// Requested cycle rate, cycles/min; 0 in pause.
    pub rate_cpm: f32,
    /// Confidence in the decision behind it, 0 … 1.
    pub confidence: f32,
    /// Requested mode.
    pub mode: ld_mode,
    /// Why it was issued.
    pub reason: ld_reason,
    /// Pump cycles over which to move to the new targets (≥ 2 for a change, 0 for a pause).
    pub ramp_cycles: u8,
    /// A user-facing cue, or `LD_CUE_NONE`.
    pub cue: ld_cue,
}

/// One engine output: the sample that completed its evidence, what, why, and the hint.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ld_event {
    /// Index of the sample whose processing produced the event (0 = the first sample).
    pub sample_index: u64,
    /// Confidence, 0 … 1.
    pub confidence: f32,
    /// Detection or plain hint.
    pub kind: ld_event_kind,
    /// Why.
    pub reason: ld_reason,
    /// Whether `hint` holds a hint (the event changes what the pump should do).
    pub has_hint: bool,
    /// The hint; placeholder values (zero numbers) when `has_hint` is false.
    pub hint: ld_hint,
}

/// Counters of everything the engine rejected or could not deliver.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ld_stats {
    /// Samples processed (reported missing ones included).
    pub samples: u64,
    /// Pressure readings rejected (NaN, ±∞, out of range, stuck).
    pub pressure_faults: u64,
    /// Flow readings rejected (NaN, ±∞, out of range, stuck).
    pub flow_faults: u64,
    /// Samples with vacuum beyond the user's maximum.
    pub over_vacuum_samples: u64,
    /// Samples reported missing through `ld_process_gap`.
    pub missing_samples: u64,
    /// Pump cycles whose flow was mostly artefact and so was not used.
    pub artefact_cycles: u64,
    /// Pump cycles analysed.
    pub cycles: u64,
    /// Events that could not be queued (more than the queue holds on one sample).
    pub events_dropped: u64,
}

/// Every Rust counter is named (no `..`), so a counter added to `EngineStats` fails to
/// compile here until C gets it too.
impl From<EngineStats> for ld_stats {
    fn from(s: EngineStats) -> Self {
        let EngineStats {
            samples,
            pressure_faults,
            flow_faults,
            over_vacuum_samples,
            missing_samples,
            artefact_cycles,
            cycles,
            events_dropped,
        } = s;
        ld_stats {
            samples,
            pressure_faults,
            flow_faults,
            over_vacuum_samples,
            missing_samples,
            artefact_cycles,
            cycles,
            events_dropped,
        }
    }
}

impl From<EventKind> for ld_event_kind {
    fn from(k: EventKind) -> Self {
        match k {
            EventKind::Onset => ld_event_kind::LD_EVENT_ONSET,
            EventKind::End => ld_event_kind::LD_EVENT_END,
            EventKind::Hint => ld_event_kind::LD_EVENT_HINT,
        }
    }
}

impl From<Mode> for ld_mode {
    fn from(m: Mode) -> Self {
        match m {
            Mode::Stimulation => ld_mode::LD_MODE_STIMULATION,
            Mode::Expression => ld_mode::LD_MODE_EXPRESSION,
            Mode::Pause => ld_mode::LD_MODE_PAUSE,
        }
    }
}

impl From<Reason> for ld_reason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::LetdownDetected => ld_reason::LD_REASON_LETDOWN_DETECTED,
            Reason::FlowFaded => ld_reason::LD_REASON_FLOW_FADED,
            Reason::FallbackTimer => ld_reason::LD_REASON_FALLBACK_TIMER,
            Reason::OverVacuum => ld_reason::LD_REASON_OVER_VACUUM,
            Reason::SensorFault => ld_reason::LD_REASON_SENSOR_FAULT,
            Reason::StaleData => ld_reason::LD_REASON_STALE_DATA,
            Reason::SensorRecovered => ld_reason::LD_REASON_SENSOR_RECOVERED,
            Reason::LateLetdownCue => ld_reason::LD_REASON_LATE_LETDOWN_CUE,
            Reason::SessionEnd => ld_reason::LD_REASON_SESSION_END,
        }
    }
}

impl From<Option<Cue>> for ld_cue {
    fn from(c: Option<Cue>) -> Self {
        match c {
            None => ld_cue::LD_CUE_NONE,
            Some(Cue::Relax) => ld_cue::LD_CUE_RELAX,
            Some(Cue::BabyPhoto) => ld_cue::LD_CUE_BABY_PHOTO,
            Some(Cue::Warmth) => ld_cue::LD_CUE_WARMTH,
            Some(Cue::Massage) => ld_cue::LD_CUE_MASSAGE,
        }
    }
}

impl From<ControlHint> for ld_hint {
    fn from(h: ControlHint) -> Self {
        ld_hint {
            sample_index: h.sample_index,
            target_vacuum_mmhg: h.target_vacuum_mmhg,
            rate_cpm: h.rate_cpm,
            confidence: h.confidence,
            mode: h.mode.into(),
            reason: h.reason.into(),
            ramp_cycles: h.ramp_cycles,
            cue: h.cue.into(),
        }
    }
}

/// The placeholder hint of an event without one: zero numbers, each enum at its first value.
const NO_HINT: ld_hint = ld_hint {
    sample_index: 0,
    target_vacuum_mmhg: 0.0,
    rate_cpm: 0.0,
    confidence: 0.0,
    mode: ld_mode::LD_MODE_STIMULATION,
    reason: ld_reason::LD_REASON_LETDOWN_DETECTED,
    ramp_cycles: 0,
    cue: ld_cue::LD_CUE_NONE,
};

impl From<Event> for ld_event {
    fn from(e: Event) -> Self {
        ld_event {
            sample_index: e.sample_index,
            confidence: e.confidence,
            kind: e.kind.into(),
            reason: e.reason.into(),
            has_hint: e.hint.is_some(),
            hint: e.hint.map_or(NO_HINT, ld_hint::from),
        }
    }
}
