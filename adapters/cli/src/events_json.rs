//! `--events FILE`: every engine event of every session as one JSON object per line.
//!
//! ```text
//! {"session":"typical_01","t_s":95.321,"sample_index":95321,"kind":"onset",
//!  "reason":"letdown_detected","confidence":0.93,"hint":{"sample_index":95321,
//!  "mode":"expression","target_vacuum_mmhg":-180.0,"rate_cpm":60.0,"ramp_cycles":2,
//!  "reason":"letdown_detected","confidence":0.93,"cue":null}}
//! ```
//! (one line per event; `hint` is `null` when the event carries none). Units: `t_s` in
//! s since session start, vacuum in mmHg, rate in cycles per minute.

use letdown_engine::{ControlHint, Event};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// One event, as written.
#[derive(Serialize)]
struct EventLine<'a> {
    session: &'a str,
    t_s: f64,
    sample_index: u64,
    kind: String,
    reason: String,
    confidence: f32,
    hint: Option<HintLine>,
}

/// The control hint an event carries, as written.
#[derive(Serialize)]
struct HintLine {
    sample_index: u64,
    mode: String,
    target_vacuum_mmhg: f32,
    rate_cpm: f32,
    ramp_cycles: u8,
    reason: String,
    confidence: f32,
    cue: Option<String>,
}

impl From<&ControlHint> for HintLine {
    fn from(h: &ControlHint) -> Self {
        Self {
            sample_index: h.sample_index,
            mode: h.mode.to_string(),
            target_vacuum_mmhg: h.target_vacuum_mmhg,
            rate_cpm: h.rate_cpm,
            ramp_cycles: h.ramp_cycles,
            reason: h.reason.to_string(),
            confidence: h.confidence,
            cue: h.cue.map(|c| c.to_string()),
        }
    }
}

/// The event as one JSON line (without the line break).
pub fn event_json(session: &str, event: &Event, sample_rate_hz: f64) -> serde_json::Result<String> {
    serde_json::to_string(&EventLine {
        session,
        t_s: event.sample_index as f64 / sample_rate_hz,
        sample_index: event.sample_index,
        kind: event.kind.to_string(),
        reason: event.reason.to_string(),
        confidence: event.confidence,
        hint: event.hint.as_ref().map(HintLine::from),
    })
}

/// A JSON-lines event file.
pub struct EventsFile {
    out: BufWriter<File>,
}

impl EventsFile {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(Self {
            out: BufWriter::new(File::create(path)?),
        })
    }

    /// Appends one event's line, made by [`event_json`].
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// Flushes the file.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::{Cue, EventKind, Mode, Reason};

    #[test]
    fn event_lines_carry_every_field() {
        let hint = ControlHint {
            sample_index: 95_321,
            mode: Mode::Expression,
            target_vacuum_mmhg: -180.0,
            rate_cpm: 60.0,
            ramp_cycles: 2,
            reason: Reason::LetdownDetected,
            confidence: 0.5,
            cue: Some(Cue::Relax),
        };
        let event = Event {
            sample_index: 95_321,
            kind: EventKind::Onset,
            reason: Reason::LetdownDetected,
            confidence: 0.5,
            hint: Some(hint),
        };
        let line = event_json("typical_01", &event, 1000.0).expect("serializable");
        assert_eq!(
            line,
            r#"{"session":"typical_01","t_s":95.321,"sample_index":95321,"kind":"onset","reason":"letdown_detected","confidence":0.5,"hint":{"sample_index":95321,"mode":"expression","target_vacuum_mmhg":-180.0,"rate_cpm":60.0,"ramp_cycles":2,"reason":"letdown_detected","confidence":0.5,"cue":"relax"}}"#
        );
        let bare = Event {
            hint: None,
            ..event
        };
        let line = event_json("s", &bare, 1000.0).expect("serializable");
        assert!(line.ends_with(r#""hint":null}"#), "{line}");
    }
}
