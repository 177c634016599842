//! The session state machine: turns detections, timers and safety states into control
//! hints (DESIGN §5).
//!
//! Stimulation → expression on letdown, or after the fallback time with that reason;
//! expression → stimulation after flow has stayed faded for `fade_s`, to call the next
//! ejection; cues (relax, baby photo, warmth, massage) every minute while letdown is late;
//! session end only after minutes without flow (no ejection, and no flow the detector
//! found no onset in: [`SessionMachine::note_flow`]). Safety is handled first in the chain by
//! the engine, which calls [`SessionMachine::pause`] and [`SessionMachine::resume`]; while
//! paused, mode changes (a detection, the fallback timer, flow faded) still happen and are
//! carried by the resume hint, while user-facing suggestions (a cue, the session end) wait:
//! a cue due during a pause is given at the first tick after the resume, and the next one
//! [`CUE_INTERVAL_S`] after that, so no cue is lost to a pause.

use crate::config::{EngineConfig, UserSettings, VACUUM_LIMIT_MMHG};
use crate::detector::Detection;
use crate::event::{Event, EventKind};
use crate::hint::{ControlHint, Cue, Mode, Reason};

mod weak_flow;

// Published with feature `internals`, for the stage tests; the machine alone uses them
// otherwise.
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use weak_flow::{CycleFlow, WeakFlow, LONGEST_EJECTION_S, QUIET_POWER_GAIN};

/// Ramp for any change of vacuum or rate, pump cycles (DESIGN §5: at least 2).
pub const RAMP_CYCLES: u8 = 2;
/// Interval between repeated cues while letdown is late, s.
pub const CUE_INTERVAL_S: f32 = 60.0;
/// Cues in the order they are offered: relaxation first (largest effect: +63 % volume,
/// Feher 1989), then a photo of the baby, warmth (47 vs 33 mL), massage (51 → 79 g).
pub const CUE_ORDER: [Cue; 4] = [Cue::Relax, Cue::BabyPhoto, Cue::Warmth, Cue::Massage];

/// Hint state for one session. Times are sample indices.
#[derive(Clone, Copy, Debug)]
pub struct SessionMachine {
    settings: UserSettings,
    fallback_at: u64,
    fade_len: u64,
    end_len: u64,
    cue_interval: u64,
    mode: Mode,
    paused: bool,
    letdown_seen: bool,
    ejection_active: bool,
    faded_since: Option<u64>,
    last_flow_at: u64,
    /// Flow the detector found no onset in.
    weak_flow: WeakFlow,
    next_cue_at: u64,
    cue_index: usize,
    fallback_done: bool,
    ended: bool,
}

impl SessionMachine {
    /// A machine for a validated configuration; the pump starts in stimulation.
    pub fn new(cfg: &EngineConfig) -> Self {
        let samples = |s: f32| (s * cfg.sample_rate_hz) as u64;
        Self {
            settings: cfg.user_settings(),
            fallback_at: samples(cfg.fallback_s),
            fade_len: samples(cfg.fade_s),
            end_len: samples(cfg.session_end_s),
            cue_interval: samples(CUE_INTERVAL_S),
            mode: Mode::Stimulation,
            paused: false,
            letdown_seen: false,
            ejection_active: false,
            faded_since: None,
            last_flow_at: 0,
            weak_flow: WeakFlow::new(cfg.min_flow_ml_min, cfg.sample_rate_hz),
            next_cue_at: samples(cfg.late_cue_s),
            cue_index: 0,
            fallback_done: false,
            ended: false,
        }
    }

    /// The pumping mode the engine currently asks for (ignoring a safety pause).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether a safety pause is in force.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether any letdown has been detected in this session.
    #[cfg(any(test, feature = "internals"))]
    pub fn letdown_seen(&self) -> bool {
        self.letdown_seen
    }

    /// The user's settings every hint follows.
    pub fn user_settings(&self) -> UserSettings {
        self.settings
    }

    /// New user settings, already validated ([`UserSettings::validate`]): every hint from
    /// now on asks for them. No hint is issued for the change itself: the firmware that
    /// made it applies it.
    pub fn set_user_settings(&mut self, settings: UserSettings) {
        self.settings = settings;
    }

    /// The hint for `mode` with the user's current targets.
    pub fn hint(&self, index: u64, mode: Mode, reason: Reason, confidence: f32) -> ControlHint {
        let s = &self.settings;
        let (vacuum, rate, ramp) = match mode {
            Mode::Stimulation => (
                s.stimulation_vacuum_mmhg,
                s.stimulation_rate_cpm,
                RAMP_CYCLES,
            ),
            Mode::Expression => (s.expression_vacuum_mmhg, s.expression_rate_cpm, RAMP_CYCLES),
            Mode::Pause => (0.0, 0.0, 0),
        };
        ControlHint {
            sample_index: index,
            mode,
            // Clamp to the user's maximum and the absolute limit (validation already
            // guarantees both; this keeps the invariant local and visible).
            target_vacuum_mmhg: vacuum.max(s.max_vacuum_mmhg).max(VACUUM_LIMIT_MMHG),
            rate_cpm: rate,
            ramp_cycles: ramp,
            reason,
            confidence,
            cue: None,
        }
    }

    fn event(&self, index: u64, kind: EventKind, reason: Reason, conf: f32, hint: bool) -> Event {
        let h = if hint && !self.paused {
            Some(self.hint(index, self.mode, reason, conf))
        } else {
            None
        };
        Event {
            sample_index: index,
            kind,
            reason,
            confidence: conf,
            hint: h,
        }
    }

    /// Safety pause at `index` (over-vacuum, sensor fault, stale data): always a hint.
    pub fn pause(&mut self, index: u64, reason: Reason) -> Event {
        self.paused = true;
        Event {
            sample_index: index,
            kind: EventKind::Hint,
            reason,
            confidence: 1.0,
            hint: Some(self.hint(index, Mode::Pause, reason, 1.0)),
        }
    }

    /// The cause of a safety pause has cleared: resume the current mode.
    pub fn resume(&mut self, index: u64) -> Event {
        self.paused = false;
        self.event(index, EventKind::Hint, Reason::SensorRecovered, 1.0, true)
    }

    /// A detection from the ejection detector.
    pub fn on_detection(&mut self, index: u64, d: Detection) -> Event {
        match d {
            Detection::Onset { confidence } => {
                self.letdown_seen = true;
                self.ejection_active = true;
                self.faded_since = None;
                self.ended = false;
                self.last_flow_at = index;
                let switch = self.mode != Mode::Expression;
                self.mode = Mode::Expression;
                self.event(
                    index,
                    EventKind::Onset,
                    Reason::LetdownDetected,
                    confidence,
                    switch,
                )
            }
            Detection::End { confidence } => {
                self.ejection_active = false;
                self.faded_since = Some(index);
                self.last_flow_at = index;
                self.event(index, EventKind::End, Reason::FlowFaded, confidence, false)
            }
        }
    }

    /// The end of a pump cycle at `index`, and its flow as the detector saw it: the
    /// session's end waits for minutes without flow (DESIGN §5), and a weak ejection the
    /// detector found no onset in flows too ([`WeakFlow`]).
    pub fn note_flow(&mut self, index: u64, flow: &CycleFlow) {
        if let Some(at) = self.weak_flow.note(index, flow) {
            self.last_flow_at = self.last_flow_at.max(at);
        }
    }

    /// Timers; called once per decimated sample. At most one event per call.
    pub fn tick(&mut self, index: u64) -> Option<Event> {
        if !self.letdown_seen && !self.fallback_done && index >= self.fallback_at {
            self.fallback_done = true;
            if self.mode == Mode::Stimulation {
                self.mode = Mode::Expression;
                return Some(self.event(index, EventKind::Hint, Reason::FallbackTimer, 0.5, true));
            }
        }
        if let Some(since) = self.faded_since {
            if !self.ejection_active
                && self.mode == Mode::Expression
                && index.saturating_sub(since) >= self.fade_len
            {
                self.faded_since = None;
                self.mode = Mode::Stimulation;
                return Some(self.event(index, EventKind::Hint, Reason::FlowFaded, 0.8, true));
            }
        }
        // A cue or the session end is a suggestion to the user: while the pump is paused
        // for safety it would not reach her as a hint, so it waits for the resume.
        if self.paused {
            return None;
        }
        if !self.letdown_seen && !self.ended && index >= self.next_cue_at {
            self.next_cue_at = index.saturating_add(self.cue_interval);
            let cue = CUE_ORDER[self.cue_index % CUE_ORDER.len()];
            self.cue_index += 1;
            let mut e = self.event(index, EventKind::Hint, Reason::LateLetdownCue, 0.5, true);
            if let Some(h) = e.hint.as_mut() {
                h.cue = Some(cue);
            }
            return Some(e);
        }
        // Before any letdown the quiet time counts from the fallback switch at the earliest.
        let last_flow = self.last_flow_at.max(self.weak_flow.pending().unwrap_or(0));
        let quiet_from = if self.letdown_seen {
            last_flow
        } else {
            last_flow.max(self.fallback_at)
        };
        let quiet_for = index.saturating_sub(quiet_from);
        if !self.ended && !self.ejection_active && quiet_for >= self.end_len {
            self.ended = true;
            self.mode = Mode::Pause;
            return Some(self.event(index, EventKind::Hint, Reason::SessionEnd, 0.7, true));
        }
        None
    }
}
