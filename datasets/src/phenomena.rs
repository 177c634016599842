//! The everyday phenomena of real pumping sessions that are neither an ejection nor a
//! fault: what a detector must not mistake for a letdown. Each is a named option
//! ([`Phenomenon`]); a session spec carries a [`PhenomenonSet`] (by default all of them,
//! see [`SessionSpec::with_phenomena`](crate::SessionSpec::with_phenomena)).
//!
//! A phenomenon in the set does not happen in every session: each appears in a fraction
//! of sessions, drawn from the seed, at the rates below (unless the spec asks for every
//! session, as the stress table does). Where DESIGN §1/§2 give a fact it is cited; the
//! rest are design choices (no published counts of these events exist), low enough that
//! most sessions have only a few of them and high enough that a few hundred sessions
//! hold dozens of each.
//!
//! | name | what happens | sessions | where modelled, source |
//! |---|---|---|---|
//! | `duct-milk` | 0.3–2 mL already in the ducts flows out as pumping starts: a small flow (≲ 7 mL/min cycle-averaged; ≲ 15 where the session starts in expression) decaying over tens of seconds, before any ejection | 50 % | `milk.rs`, `mother.rs`; DESIGN §1 (Ramsay 2005: narrow ducts store little milk; pumping draws a brief, low flow that decays by itself) |
//! | `trickle` | from the first ejection on, a low continuing release of 0.3–2 mL/min, varying slowly (±20–50 % over 60–240 s) | 50 % | `flow_variation.rs`; DESIGN §1 ("between ejections a low trickle can continue"); level a choice: below Idei 2024's 0.1 g/s "high flow" and below a tenth of a typical peak |
//! | `wobble` | the release of milk (ejections and trickle) varies slowly, ×(1 ± 0.15–0.4), periods 20–120 s | 50 % | `flow_variation.rs`; a choice |
//! | `vacuum-changes` | the user turns the vacuum up or down by 10–40 mmHg, ~6/h | 40 % | `user.rs` |
//! | `pauses` | the user stops the pump for 5–30 s, once | 15 % | `user.rs` |
//! | `leaks` | the shield leaks for 5–40 s, losing 30–70 % of the depth, once | 15 % | `user.rs` |
//! | `restimulation` | back to stimulation for 50–70 s during expression (the let-down button pressed again), once | 20 % of open-loop sessions | `user.rs`; DESIGN §1 (pumps' manual "let-down" button) |
//! | `drift` | the flow sensor's offset drifts by up to ±1.5 mL/min over the session | 50 % | `sensor.rs` |
//! | `gain` | the flow sensor's gain steps to ×0.6–1.4 for part of the session (bottle tilted) | 10 % | `sensor.rs` |
//! | `spikes` | motion spikes, ~6/h | 30 % | `faults.rs` |
//! | `bubbles` | air bubbles, ~8/h | 20 % | `faults.rs` |
//! | `slow-sensor` | the flow sensor refreshes at 10–50 Hz (holding its value in between) in steps of 0.5 mL/min | 40 % | `sensor.rs`; DESIGN §2 (flow sensors refresh at 10–100 Hz) |
//! | `smoothed-sensor` | the flow sensor low-passes its reading (two poles of 0.4–1.2 s), hiding the per-cycle pulsation | 20 % | `sensor.rs`; a choice (sensors with built-in averaging) |
//!
//! `drift`, `gain`, `spikes` and `bubbles` also exist as faults ([`FaultKind`](crate::FaultKind)):
//! asked for as faults they are certain and frequent; as phenomena they keep their
//! everyday rates. None of the phenomena is an ejection: they get no label, and each
//! ejection's label still follows its own flow alone (`ground_truth.rs`).

use crate::kind_set::{set_kind, KindSet, ParseKindError};

/// One everyday phenomenon of real sessions (see the [module](self) for rates and sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phenomenon {
    /// Milk already in the ducts flows briefly as pumping starts.
    DuctMilk,
    /// A low continuing flow between ejections.
    Trickle,
    /// Slow variation of the milk flow (periods 20–120 s).
    Wobble,
    /// The user changes the vacuum.
    VacuumChanges,
    /// The user stops the pump for a moment.
    Pauses,
    /// The shield leaks for a while.
    Leaks,
    /// The pump returns to stimulation during expression (let-down button pressed again).
    Restimulation,
    /// The flow sensor's offset drifts.
    Drift,
    /// The flow sensor's gain steps (bottle tilted).
    Gain,
    /// Motion spikes on the flow (and sometimes the pressure) reading.
    Spikes,
    /// Air bubbles through the flow sensor.
    Bubbles,
    /// A flow sensor that refreshes at 10–50 Hz in 0.5 mL/min steps.
    SlowSensor,
    /// A flow sensor that smooths its reading, hiding the per-cycle pulsation.
    SmoothedSensor,
}

impl Phenomenon {
    /// Every phenomenon, in display order.
    pub const ALL: [Phenomenon; 13] = [
        Phenomenon::DuctMilk,
        Phenomenon::Trickle,
        Phenomenon::Wobble,
        Phenomenon::VacuumChanges,
        Phenomenon::Pauses,
        Phenomenon::Leaks,
        Phenomenon::Restimulation,
        Phenomenon::Drift,
        Phenomenon::Gain,
        Phenomenon::Spikes,
        Phenomenon::Bubbles,
        Phenomenon::SlowSensor,
        Phenomenon::SmoothedSensor,
    ];

    /// The name parsed and displayed.
    pub const fn name(self) -> &'static str {
        match self {
            Phenomenon::DuctMilk => "duct-milk",
            Phenomenon::Trickle => "trickle",
            Phenomenon::Wobble => "wobble",
            Phenomenon::VacuumChanges => "vacuum-changes",
            Phenomenon::Pauses => "pauses",
            Phenomenon::Leaks => "leaks",
            Phenomenon::Restimulation => "restimulation",
            Phenomenon::Drift => "drift",
            Phenomenon::Gain => "gain",
            Phenomenon::Spikes => "spikes",
            Phenomenon::Bubbles => "bubbles",
            Phenomenon::SlowSensor => "slow-sensor",
            Phenomenon::SmoothedSensor => "smoothed-sensor",
        }
    }

    /// The fraction of sessions it appears in by default (the table in the
    /// [module](self); restimulation: of open-loop sessions).
    pub const fn session_fraction(self) -> f64 {
        match self {
            Phenomenon::DuctMilk | Phenomenon::Trickle | Phenomenon::Wobble => 0.5,
            Phenomenon::VacuumChanges => 0.4,
            Phenomenon::Pauses | Phenomenon::Leaks => 0.15,
            Phenomenon::Restimulation => 0.2,
            Phenomenon::Drift => 0.5,
            Phenomenon::Gain => 0.1,
            Phenomenon::Spikes => 0.3,
            Phenomenon::Bubbles | Phenomenon::SmoothedSensor => 0.2,
            Phenomenon::SlowSensor => 0.4,
        }
    }
}

set_kind!(Phenomenon, "phenomenon");

/// A phenomenon name that is not one of [`Phenomenon::ALL`].
pub type ParsePhenomenonError = ParseKindError<Phenomenon>;

/// A set of [`Phenomenon`]s. Parses from a comma-separated list (`trickle,wobble`),
/// `all`, `none` or the empty string; displays the same way (`none` when empty).
pub type PhenomenonSet = KindSet<Phenomenon>;

/// Which phenomena a session may get and whether each is certain: the rule every part
/// of the simulator asks before it adds a phenomenon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Presence {
    /// The phenomena allowed.
    pub set: PhenomenonSet,
    /// Every allowed phenomenon happens in every session (not only in its fraction).
    pub every_session: bool,
}

impl Presence {
    /// Whether `p` happens in this session, given the session's own draw `drawn` (true in
    /// [`Phenomenon::session_fraction`] of sessions). The draw is made whether or not
    /// `p` is allowed, so the random sequence never depends on the set.
    pub fn occurs(self, p: Phenomenon, drawn: bool) -> bool {
        self.set.contains(p) && (drawn || self.every_session)
    }

    /// No phenomena at all.
    #[cfg(test)]
    pub const NONE: Presence = Presence {
        set: PhenomenonSet::NONE,
        every_session: false,
    };

    /// Every phenomenon at its default rate.
    #[cfg(test)]
    pub fn everyday() -> Self {
        Presence {
            set: PhenomenonSet::all(),
            every_session: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for p in Phenomenon::ALL {
            assert_eq!(p.to_string().parse::<Phenomenon>(), Ok(p));
            let one = PhenomenonSet::NONE.with(p);
            assert_eq!(one.to_string().parse::<PhenomenonSet>(), Ok(one));
        }
        let s: PhenomenonSet = " Wobble, trickle ,slow-sensor".parse().unwrap();
        assert_eq!(s.to_string(), "trickle,wobble,slow-sensor");
        assert_eq!(s.to_string().parse::<PhenomenonSet>(), Ok(s));
        assert_eq!(s.iter().count(), 3);
        assert_eq!("".parse::<PhenomenonSet>(), Ok(PhenomenonSet::NONE));
        assert_eq!("none".parse::<PhenomenonSet>(), Ok(PhenomenonSet::NONE));
        assert_eq!(PhenomenonSet::NONE.to_string(), "none");
        let all: PhenomenonSet = "all".parse().unwrap();
        assert_eq!(all, PhenomenonSet::all());
        assert_eq!(all.iter().collect::<Vec<_>>(), Phenomenon::ALL.to_vec());
        assert_eq!(all.to_string().parse::<PhenomenonSet>(), Ok(all));
        assert!(!all.without(Phenomenon::Gain).contains(Phenomenon::Gain));
        let e = "trickle,nan".parse::<PhenomenonSet>().unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("unknown phenomenon 'nan'") && msg.contains("smoothed-sensor"),
            "{msg}"
        );
    }

    #[test]
    fn presence_follows_the_set_and_the_draw() {
        let p = Presence {
            set: PhenomenonSet::NONE.with(Phenomenon::Trickle),
            every_session: false,
        };
        assert!(p.occurs(Phenomenon::Trickle, true));
        assert!(!p.occurs(Phenomenon::Trickle, false));
        assert!(!p.occurs(Phenomenon::Wobble, true));
        let always = Presence {
            every_session: true,
            ..p
        };
        assert!(always.occurs(Phenomenon::Trickle, false));
        assert!(!always.occurs(Phenomenon::Wobble, false));
        assert!(!Presence::NONE.occurs(Phenomenon::Pauses, true));
        assert!(Presence::everyday().occurs(Phenomenon::Pauses, true));
    }
}
