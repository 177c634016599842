//! Control hints: what the engine asks the motor controller to do (DESIGN §5).
//!
//! The controller stays in charge of its own limits; a hint is a request. Targets in a
//! hint are the user's current settings (`Engine::set_user_settings`), never beyond her
//! maximum vacuum nor −300 mmHg.

use core::fmt;

/// The pumping rhythm the engine asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Fast, gentle rhythm that imitates a baby's suckling to trigger letdown.
    Stimulation,
    /// Slower, deeper rhythm that removes milk once it flows.
    Expression,
    /// Stop applying vacuum (vent to atmosphere) until a later hint.
    Pause,
}

/// Why a hint or event was issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A milk ejection was detected in the flow.
    LetdownDetected,
    /// Flow of the current ejection has decayed (ejection end) or stayed faded.
    FlowFaded,
    /// No letdown was detected within the fallback time; switch anyway, like a timer pump.
    FallbackTimer,
    /// Measured vacuum is beyond the user's configured maximum.
    OverVacuum,
    /// A sensor delivers impossible values (NaN, ±∞, out of physical range) or is stuck.
    SensorFault,
    /// Samples are missing (a gap in the stream): the engine cannot see the pump.
    StaleData,
    /// The fault that caused a pause has cleared; pumping may resume.
    SensorRecovered,
    /// Letdown is late: a user-facing cue that the literature supports (see [`Cue`]).
    LateLetdownCue,
    /// Minutes without flow: the session may end.
    SessionEnd,
}

/// A user-facing cue for a late letdown. Stress inhibits the reflex (Ueda 1994); relaxation
/// raised pumped volume by 63 % (Feher 1989); massage and warmth also help (DESIGN §1).
/// The engine never deepens vacuum to force a late letdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cue {
    /// Relax: slow breathing, a calm recording.
    Relax,
    /// Look at a photo of the baby (or smell its clothes).
    BabyPhoto,
    /// Apply warmth to the breast.
    Warmth,
    /// Massage the breast.
    Massage,
}

/// A request to the motor controller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlHint {
    /// Index of the sample this hint refers to (0 = first sample of the session).
    pub sample_index: u64,
    /// Requested pumping mode.
    pub mode: Mode,
    /// Requested peak vacuum per cycle, mmHg (negative): the user's setting for `mode`,
    /// never beyond her maximum nor −300 mmHg. 0.0 in [`Mode::Pause`].
    pub target_vacuum_mmhg: f32,
    /// Requested cycle rate, cycles per minute; 0.0 in [`Mode::Pause`].
    pub rate_cpm: f32,
    /// Pump cycles over which the controller should move to the new targets. At least 2
    /// for any change of vacuum or rate (DESIGN §5), 0 for a pause (safety acts at once).
    pub ramp_cycles: u8,
    /// Why the hint was issued.
    pub reason: Reason,
    /// Confidence in the underlying decision, 0 … 1.
    pub confidence: f32,
    /// A user-facing cue, when the hint carries one.
    pub cue: Option<Cue>,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Stimulation => "stimulation",
            Mode::Expression => "expression",
            Mode::Pause => "pause",
        })
    }
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 9] = [
        Reason::LetdownDetected,
        Reason::FlowFaded,
        Reason::FallbackTimer,
        Reason::OverVacuum,
        Reason::SensorFault,
        Reason::StaleData,
        Reason::SensorRecovered,
        Reason::LateLetdownCue,
        Reason::SessionEnd,
    ];
}

/// Position of `reason` in [`Reason::ALL`]. Exhaustive on purpose: a new `Reason` breaks
/// the build here, so `ALL` (and every text or wire table built on it) gets it too.
const fn reason_slot(reason: Reason) -> usize {
    match reason {
        Reason::LetdownDetected => 0,
        Reason::FlowFaded => 1,
        Reason::FallbackTimer => 2,
        Reason::OverVacuum => 3,
        Reason::SensorFault => 4,
        Reason::StaleData => 5,
        Reason::SensorRecovered => 6,
        Reason::LateLetdownCue => 7,
        Reason::SessionEnd => 8,
    }
}

// Every slot of `Reason::ALL` holds its own variant (checked at compile time).
const _: () = {
    let mut i = 0;
    while i < Reason::ALL.len() {
        assert!(reason_slot(Reason::ALL[i]) == i);
        i += 1;
    }
};

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::LetdownDetected => "letdown_detected",
            Reason::FlowFaded => "flow_faded",
            Reason::FallbackTimer => "fallback_timer",
            Reason::OverVacuum => "over_vacuum",
            Reason::SensorFault => "sensor_fault",
            Reason::StaleData => "stale_data",
            Reason::SensorRecovered => "sensor_recovered",
            Reason::LateLetdownCue => "late_letdown_cue",
            Reason::SessionEnd => "session_end",
        })
    }
}

impl fmt::Display for Cue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cue::Relax => "relax",
            Cue::BabyPhoto => "baby_photo",
            Cue::Warmth => "warmth",
            Cue::Massage => "massage",
        })
    }
}
