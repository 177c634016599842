//! What the engine reports: detections and the hints they cause.

use crate::hint::{ControlHint, Reason};
use core::fmt;

/// What kind of thing happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A milk ejection's onset was detected in the flow.
    Onset,
    /// The current ejection's flow has decayed (its end).
    End,
    /// A control hint without a detection (fallback timer, fault, recovery, cue, session end).
    Hint,
}

/// One engine output, emitted by the `process` call of the sample that completed the
/// evidence for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// Index of the sample whose processing produced the event (0 = first sample).
    pub sample_index: u64,
    /// Detection or plain hint.
    pub kind: EventKind,
    /// Why.
    pub reason: Reason,
    /// Confidence, 0 … 1.
    pub confidence: f32,
    /// The control hint the motor controller should act on, if the event changes one.
    pub hint: Option<ControlHint>,
}

impl Event {
    /// The event's time in seconds since session start, for a stream at `sample_rate_hz`.
    pub fn time_s(&self, sample_rate_hz: f32) -> f64 {
        self.sample_index as f64 / f64::from(sample_rate_hz)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::Onset => "onset",
            EventKind::End => "end",
            EventKind::Hint => "hint",
        })
    }
}
