//! What the mother does with the pump during a session: she turns the vacuum up or down
//! (`vacuum-changes`), stops the pump for a moment (`pauses`), presses the let-down
//! button again (`restimulation`), or shifts the shield so that it leaks (`leaks`). All
//! "messy but normal" phenomena (`phenomena.rs`), each drawn in a fraction of sessions.
//!
//! The rates are design choices (no published counts exist); they are low enough that
//! most sessions are clean and high enough that a few hundred sessions contain dozens of
//! each.

use crate::phenomena::{Phenomenon, Presence};
use crate::program::PumpProgram;
use crate::random::{self, SimRng};

/// One thing the user does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum UserAction {
    /// Changes the current phase's vacuum by `delta_mmhg` (negative = deeper).
    VacuumChange { delta_mmhg: f64 },
    /// Stops the pump (vents to ~0 mmHg) for `duration_s` (5–30 s).
    Pause { duration_s: f64 },
    /// Presses the let-down button: back to stimulation for `duration_s` (~60 s).
    LetdownButton { duration_s: f64 },
    /// The shield leaks for `duration_s`: depth drops by `depth_loss` (0.3–0.7).
    Leak { duration_s: f64, depth_loss: f64 },
}

/// A user action at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UserEvent {
    pub at_s: f64,
    pub action: UserAction,
}

/// Draws the session's user events, sorted by time: those of the phenomena `presence`
/// lets happen.
pub(crate) fn schedule(
    rng: &mut SimRng,
    duration_s: f64,
    program: PumpProgram,
    presence: Presence,
) -> Vec<UserEvent> {
    // Every phenomenon draws all its numbers whether or not it happens, in this order, so
    // that the sequence does not depend on `presence`.
    let draw = Draw {
        duration_s,
        open_loop: program != PumpProgram::FollowHints,
        presence,
    };
    let mut events = draw.vacuum_changes(rng);
    events.extend(draw.pause(rng));
    events.extend(draw.letdown_button(rng));
    events.extend(draw.leak(rng));
    events.retain(|e| e.at_s < duration_s);
    events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    events
}

/// What the draws of one session's user events depend on.
struct Draw {
    duration_s: f64,
    /// Not in closed loop: the controller owns the vacuum and the phase there.
    open_loop: bool,
    presence: Presence,
}

impl Draw {
    /// Whether `phenomenon` happens in this session (one draw).
    fn happens(&self, rng: &mut SimRng, phenomenon: Phenomenon) -> bool {
        let drawn = random::chance(rng, phenomenon.session_fraction());
        self.presence.occurs(phenomenon, drawn)
    }

    /// Vacuum changes: 40 % of sessions, ~6 per hour (the user seeks her comfort level,
    /// mostly in expression, after it starts); open loop only.
    fn vacuum_changes(&self, rng: &mut SimRng) -> Vec<UserEvent> {
        let has = self.happens(rng, Phenomenon::VacuumChanges);
        let n = random::poisson(rng, 6.0 * self.duration_s / 3600.0).max(1);
        let mut events = Vec::new();
        for _ in 0..n {
            let at_s = random::uniform(rng, 30.0, self.duration_s.max(31.0));
            let size = random::uniform(rng, 10.0, 40.0);
            let delta_mmhg = if random::chance(rng, 0.6) {
                -size
            } else {
                size
            };
            if has && self.open_loop {
                let action = UserAction::VacuumChange { delta_mmhg };
                events.push(UserEvent { at_s, action });
            }
        }
        events
    }

    /// Pauses: 15 % of sessions, one stop of 5–30 s (adjusting the shield, the phone).
    fn pause(&self, rng: &mut SimRng) -> Option<UserEvent> {
        let has = self.happens(rng, Phenomenon::Pauses);
        let at_s = random::uniform(rng, 20.0, self.duration_s.max(21.0));
        let duration_s = random::uniform(rng, 5.0, 30.0);
        let action = UserAction::Pause { duration_s };
        has.then_some(UserEvent { at_s, action })
    }

    /// Let-down button again: 20 % of open-loop sessions, back to stimulation for ~60 s
    /// (50–70 s). Only acts while the pump is in expression.
    fn letdown_button(&self, rng: &mut SimRng) -> Option<UserEvent> {
        let has = self.happens(rng, Phenomenon::Restimulation);
        let at_s = random::uniform(rng, 200.0, self.duration_s.max(201.0));
        let duration_s = random::uniform(rng, 50.0, 70.0);
        let action = UserAction::LetdownButton { duration_s };
        (has && self.open_loop).then_some(UserEvent { at_s, action })
    }

    /// Leaks: 15 % of sessions, one leak of 5–40 s losing 30–70 % of the depth.
    fn leak(&self, rng: &mut SimRng) -> Option<UserEvent> {
        let has = self.happens(rng, Phenomenon::Leaks);
        let at_s = random::uniform(rng, 10.0, self.duration_s.max(11.0));
        let duration_s = random::uniform(rng, 5.0, 40.0);
        let depth_loss = random::uniform(rng, 0.3, 0.7);
        let action = UserAction::Leak {
            duration_s,
            depth_loss,
        };
        has.then_some(UserEvent { at_s, action })
    }
}

/// A short text for the session header, e.g. `pause@312.4s/12.0s`.
pub(crate) fn describe(events: &[UserEvent]) -> String {
    if events.is_empty() {
        return "none".to_string();
    }
    events
        .iter()
        .map(|e| match e.action {
            UserAction::VacuumChange { delta_mmhg } => {
                format!("vacuum{delta_mmhg:+.0}mmHg@{:.1}s", e.at_s)
            }
            UserAction::Pause { duration_s } => format!("pause@{:.1}s/{duration_s:.1}s", e.at_s),
            UserAction::LetdownButton { duration_s } => {
                format!("button@{:.1}s/{duration_s:.1}s", e.at_s)
            }
            UserAction::Leak {
                duration_s,
                depth_loss,
            } => format!(
                "leak{:.0}%@{:.1}s/{duration_s:.1}s",
                depth_loss * 100.0,
                e.at_s
            ),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    #[test]
    fn rates_and_ranges() {
        let (mut pauses, mut leaks, mut sessions_with_any) = (0, 0, 0);
        for seed in 0..1000 {
            let mut rng = stream(seed, Stream::User);
            let ev = schedule(
                &mut rng,
                900.0,
                PumpProgram::default(),
                Presence::everyday(),
            );
            sessions_with_any += usize::from(!ev.is_empty());
            for w in ev.windows(2) {
                assert!(w[0].at_s <= w[1].at_s);
            }
            for e in &ev {
                assert!(e.at_s < 900.0);
                match e.action {
                    UserAction::Pause { duration_s } => {
                        pauses += 1;
                        assert!((5.0..=30.0).contains(&duration_s));
                    }
                    UserAction::Leak { depth_loss, .. } => {
                        leaks += 1;
                        assert!((0.3..=0.7).contains(&depth_loss));
                    }
                    _ => {}
                }
            }
            let mut rng = stream(seed, Stream::User);
            assert!(schedule(&mut rng, 900.0, PumpProgram::default(), Presence::NONE).is_empty());
        }
        assert!((100..200).contains(&pauses), "{pauses}");
        assert!((100..200).contains(&leaks), "{leaks}");
        assert!(
            (450..800).contains(&sessions_with_any),
            "{sessions_with_any}"
        );
    }
}
