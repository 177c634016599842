//! Sensor faults and artefacts: what can be injected on demand ([`FaultKind`]), and the
//! timeline of episodes one session gets.
//!
//! Hard faults (`dropout`, `nan`, `stuck`, `saturation`, `overvacuum`) happen only on
//! demand. Artefacts of normal use (`spikes`, `bubbles`, and the sensor's `drift` and
//! `gain` shift, see `sensor.rs`) are also phenomena ([`Phenomenon`]): as such they happen
//! at low rates in a fraction of sessions; asking for them as faults makes them certain
//! and frequent. Episode counts and
//! durations are design choices (no published figures); each is stated below.

use crate::kind_set::{set_kind, KindSet, ParseKindError};
use crate::phenomena::{Phenomenon, Presence};
use crate::random::{self, SimRng};

/// One kind of fault or artefact that can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// Missing samples: [`SimSample::present`](crate::SimSample::present) is false.
    Dropout,
    /// NaN bursts on one or both channels.
    Nan,
    /// A channel repeats one exact value for 3–10 s.
    Stuck,
    /// A channel reads its sensor's full scale (flow +250 mL/min, pressure −375 mmHg).
    Saturation,
    /// Motion spikes: flow swings −60 … +100 mL/min for 50–300 ms, sometimes with a
    /// pressure swing of ±5 … 20 mmHg.
    Spikes,
    /// Air bubbles: flow reads −10 … 0 mL/min for 0.1–1 s.
    Bubbles,
    /// The pump overshoots beyond −300 mmHg (to −310 … −360) for 0.3–2 s.
    Overvacuum,
    /// The flow sensor's offset drifts by 1–1.5 mL/min over the session.
    Drift,
    /// The flow sensor's gain shifts (bottle tilted, ×0.6 … 1.4) for part of the session.
    Gain,
}

impl FaultKind {
    /// Every kind, in display order.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Dropout,
        FaultKind::Nan,
        FaultKind::Stuck,
        FaultKind::Saturation,
        FaultKind::Spikes,
        FaultKind::Bubbles,
        FaultKind::Overvacuum,
        FaultKind::Drift,
        FaultKind::Gain,
    ];

    /// The name parsed and displayed.
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Dropout => "dropout",
            FaultKind::Nan => "nan",
            FaultKind::Stuck => "stuck",
            FaultKind::Saturation => "saturation",
            FaultKind::Spikes => "spikes",
            FaultKind::Bubbles => "bubbles",
            FaultKind::Overvacuum => "overvacuum",
            FaultKind::Drift => "drift",
            FaultKind::Gain => "gain",
        }
    }
}

set_kind!(FaultKind, "fault");

/// A fault name that is not one of [`FaultKind::ALL`].
pub type ParseFaultError = ParseKindError<FaultKind>;

/// A set of [`FaultKind`]s. Parses from a comma-separated list (`nan,stuck`), `all`,
/// `none` or the empty string; displays the same way (`none` when empty).
pub type FaultSet = KindSet<FaultKind>;

/// Which channel an episode hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Channel {
    Flow,
    Pressure,
    Both,
}

impl Channel {
    fn draw(rng: &mut SimRng) -> Self {
        let u = random::uniform(rng, 0.0, 1.0);
        if u < 0.4 {
            Channel::Flow
        } else if u < 0.7 {
            Channel::Pressure
        } else {
            Channel::Both
        }
    }
    fn flow(self) -> bool {
        matches!(self, Channel::Flow | Channel::Both)
    }
    fn pressure(self) -> bool {
        matches!(self, Channel::Pressure | Channel::Both)
    }
}

/// What an episode does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Effect {
    Dropout,
    Nan(Channel),
    Stuck(Channel),
    Saturation(Channel),
    /// Bipolar swing: flow peak (mL/min, sign = first lobe), pressure peak (mmHg).
    Spike {
        flow_ml_min: f64,
        pressure_mmhg: f64,
    },
    /// Flow reads this level while the bubble passes, mL/min.
    Bubble {
        level_ml_min: f64,
    },
    /// The pump overshoots to this pressure, mmHg.
    Overvacuum {
        pressure_mmhg: f64,
    },
}

/// One fault or artefact episode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Episode {
    pub start_s: f64,
    pub end_s: f64,
    pub effect: Effect,
}

/// Full scale of the flow sensor on the positive side, mL/min: readings clip to
/// [`FLOW_FULL_SCALE_NEGATIVE_ML_MIN`] … +250, the range DESIGN §2 calls possible. True flow reaches
/// 120 mL/min (DESIGN §2) and a strong ejection's suction strokes peak higher still
/// (234 mL/min in 40 clean typical sessions, seeds 100–139 at 100 Hz), so a full scale of
/// 100 clipped clean sessions' peaks and showed the saturation fault's signature there.
pub const FLOW_FULL_SCALE_ML_MIN: f64 = 250.0;
/// The flow sensor's full scale on the negative side, mL/min (DESIGN §2: below −100 no
/// reading is possible; bubbles read down to about −10 and motion spikes to −60).
pub const FLOW_FULL_SCALE_NEGATIVE_ML_MIN: f64 = -100.0;
/// Full scale of the pressure sensor on the vacuum side, mmHg: −375 (−50 kPa, a common
/// gauge range; deeper than the −300 safety limit so that over-vacuum can be seen).
pub const PRESSURE_FULL_SCALE_MMHG: f64 = -375.0;
/// Full scale of the pressure sensor on the positive side, mmHg.
pub const PRESSURE_FULL_SCALE_POSITIVE_MMHG: f64 = 75.0;

/// An everyday phenomenon's kind and its rate in the sessions that have it, per hour.
type Everyday = Option<(Phenomenon, f64)>;

/// What decides how many episodes of each kind a session gets.
struct EpisodeCounts {
    hours: f64,
    faults: FaultSet,
    presence: Presence,
}

/// How many episodes of one kind a session gets.
struct Counts {
    /// As an everyday phenomenon (0 where the session does not have it).
    everyday: u32,
    /// Asked for as a fault (0 where it is not).
    demanded: u32,
}

impl EpisodeCounts {
    /// Numbers of episodes of `kind`: on demand at least one, about `per_hour`; as an
    /// everyday phenomenon in its fraction of sessions at its own rate. All drawn
    /// unconditionally so that the sequence does not depend on the request.
    fn draw(&self, rng: &mut SimRng, kind: FaultKind, per_hour: f64, everyday: Everyday) -> Counts {
        let demanded = random::poisson(rng, per_hour * self.hours).max(1);
        let p = everyday.map_or(0.0, |(ph, _)| ph.session_fraction());
        let drawn = random::chance(rng, p);
        let rate = everyday.map_or(0.0, |(_, r)| r);
        let n_everyday = random::poisson(rng, rate * self.hours).max(1);
        let has = everyday.is_some_and(|(ph, _)| self.presence.occurs(ph, drawn));
        Counts {
            everyday: if has { n_everyday } else { 0 },
            demanded: if self.faults.contains(kind) {
                demanded
            } else {
                0
            },
        }
    }
}

/// A motion spike: the flow swings up (60 %) or down, the pressure half the time too.
fn draw_spike(r: &mut SimRng) -> Effect {
    let flow = if random::chance(r, 0.6) {
        random::uniform(r, 40.0, 100.0)
    } else {
        -random::uniform(r, 30.0, 60.0)
    };
    let pressure = if random::chance(r, 0.5) {
        random::uniform(r, 5.0, 20.0) * if random::chance(r, 0.5) { 1.0 } else { -1.0 }
    } else {
        0.0
    };
    Effect::Spike {
        flow_ml_min: flow,
        pressure_mmhg: pressure,
    }
}

/// One kind of episode as the schedule draws it.
struct EpisodeKind {
    kind: FaultKind,
    /// Rate when asked for as a fault, per hour.
    per_hour: f64,
    /// As an everyday phenomenon: which, and its rate per hour in the sessions it is in.
    everyday: Everyday,
    /// Shortest and longest episode, s.
    duration_s: (f64, f64),
    /// Draws what one episode does.
    effect: fn(&mut SimRng) -> Effect,
}

/// Every episode kind, in the order the schedule draws them (the order fixes which random
/// numbers each gets, so a seed keeps its session). Rates and durations are design
/// choices (module docs).
const EPISODE_KINDS: [EpisodeKind; 7] = [
    // Dropouts: ~16/h, 20 ms – 2 s each (a radio link or bus hiccup).
    EpisodeKind {
        kind: FaultKind::Dropout,
        per_hour: 16.0,
        everyday: None,
        duration_s: (0.02, 2.0),
        effect: |_| Effect::Dropout,
    },
    // NaN bursts: ~16/h, 10–500 ms, one channel or both.
    EpisodeKind {
        kind: FaultKind::Nan,
        per_hour: 16.0,
        everyday: None,
        duration_s: (0.01, 0.5),
        effect: |r| Effect::Nan(Channel::draw(r)),
    },
    // Stuck: ~8/h, 3–10 s.
    EpisodeKind {
        kind: FaultKind::Stuck,
        per_hour: 8.0,
        everyday: None,
        duration_s: (3.0, 10.0),
        effect: |r| Effect::Stuck(Channel::draw(r)),
    },
    // Saturation: ~8/h, 1–5 s at full scale.
    EpisodeKind {
        kind: FaultKind::Saturation,
        per_hour: 8.0,
        everyday: None,
        duration_s: (1.0, 5.0),
        effect: |r| Effect::Saturation(Channel::draw(r)),
    },
    // Motion spikes: on demand ~40/h; as a phenomenon in 30 % of sessions at ~6/h.
    EpisodeKind {
        kind: FaultKind::Spikes,
        per_hour: 40.0,
        everyday: Some((Phenomenon::Spikes, 6.0)),
        duration_s: (0.05, 0.3),
        effect: draw_spike,
    },
    // Air bubbles: on demand ~40/h; as a phenomenon in 20 % of sessions at ~8/h.
    EpisodeKind {
        kind: FaultKind::Bubbles,
        per_hour: 40.0,
        everyday: Some((Phenomenon::Bubbles, 8.0)),
        duration_s: (0.1, 1.0),
        effect: |r| Effect::Bubble {
            level_ml_min: random::uniform(r, -10.0, 0.0),
        },
    },
    // Over-vacuum: ~8/h, 0.3–2 s to −310 … −360 mmHg.
    EpisodeKind {
        kind: FaultKind::Overvacuum,
        per_hour: 8.0,
        everyday: None,
        duration_s: (0.3, 2.0),
        effect: |r| Effect::Overvacuum {
            pressure_mmhg: random::uniform(r, -360.0, -310.0),
        },
    },
];

/// Draws the session's episodes (sorted by start) for the requested `faults`, plus the
/// everyday artefacts (`spikes`, `bubbles`) that `presence` lets happen. The everyday
/// episodes come from `rng` and the requested ones from `demanded`, and a kind asked for
/// as a fault still draws (and drops) its everyday episodes from `rng`: asking for a
/// fault leaves every other episode of the seed's session as it was.
pub(crate) fn schedule(
    rng: &mut SimRng,
    demanded: &mut SimRng,
    duration_s: f64,
    faults: FaultSet,
    presence: Presence,
) -> Vec<Episode> {
    let mut out = Vec::new();
    // Episodes start between 2 s and 2 s before the end (or anywhere in a very short
    // session).
    let (lo, hi) = if duration_s > 8.0 {
        (2.0, duration_s - 2.0)
    } else {
        (0.0, duration_s)
    };
    let counts = EpisodeCounts {
        hours: duration_s / 3600.0,
        faults,
        presence,
    };
    for k in &EPISODE_KINDS {
        let n = counts.draw(rng, k.kind, k.per_hour, k.everyday);
        let everyday = episodes(rng, n.everyday, k, (lo, hi));
        if faults.contains(k.kind) {
            out.extend(episodes(demanded, n.demanded, k, (lo, hi)));
        } else {
            out.extend(everyday);
        }
    }
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    out
}

/// `n` episodes of `kind` drawn from `rng`, each starting within `starts` (s).
fn episodes(rng: &mut SimRng, n: u32, kind: &EpisodeKind, starts: (f64, f64)) -> Vec<Episode> {
    (0..n)
        .map(|_| {
            let start_s = random::uniform(rng, starts.0, starts.1);
            let d = random::uniform(rng, kind.duration_s.0, kind.duration_s.1);
            let effect = (kind.effect)(rng);
            Episode {
                start_s,
                end_s: start_s + d,
                effect,
            }
        })
        .collect()
}

/// An active episode and, for `stuck`, the values it holds.
#[derive(Clone, Copy, Debug)]
struct Active {
    episode: Episode,
    held: Option<(f32, f32)>,
}

/// Walks a session's episodes in time; cheap when none is active.
#[derive(Clone, Debug)]
pub(crate) struct FaultTimeline {
    episodes: Vec<Episode>,
    next: usize,
    active: Vec<Active>,
}

impl FaultTimeline {
    pub fn new(episodes: Vec<Episode>) -> Self {
        Self {
            episodes,
            next: 0,
            active: Vec::new(),
        }
    }

    /// All episodes of the session.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    /// Activates and retires episodes for time `t_s`.
    #[inline]
    pub fn advance(&mut self, t_s: f64) {
        while let Some(e) = self.episodes.get(self.next) {
            if e.start_s > t_s {
                break;
            }
            self.active.push(Active {
                episode: *e,
                held: None,
            });
            self.next += 1;
        }
        if !self.active.is_empty() {
            self.active.retain(|a| a.episode.end_s > t_s);
        }
    }

    /// Whether any episode is active.
    #[inline]
    pub fn any_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// The true pressure with any over-vacuum applied, mmHg.
    pub fn pump_pressure(&self, t_s: f64, p: f64) -> f64 {
        let mut p = p;
        for a in &self.active {
            if let Effect::Overvacuum { pressure_mmhg } = a.episode.effect {
                let u = progress(&a.episode, t_s);
                // Reaches the overshoot within the first sixth, leaves in the last sixth.
                let w = (3.0 * (core::f64::consts::PI * u).sin()).min(1.0);
                p = p * (1.0 - w) + pressure_mmhg * w;
            }
        }
        p
    }

    /// A flow reading with bubbles and motion spikes applied, mL/min.
    pub fn flow_artifacts(&self, t_s: f64, flow: f64) -> f64 {
        let mut f = flow;
        for a in &self.active {
            match a.episode.effect {
                Effect::Bubble { level_ml_min } => {
                    f = level_ml_min + 0.1 * (f - level_ml_min).clamp(-5.0, 5.0)
                }
                Effect::Spike { flow_ml_min, .. } => {
                    f += flow_ml_min * spike_shape(progress(&a.episode, t_s))
                }
                _ => {}
            }
        }
        f
    }

    /// A pressure reading with motion spikes applied, mmHg.
    pub fn pressure_artifacts(&self, t_s: f64, p: f64) -> f64 {
        let mut p = p;
        for a in &self.active {
            if let Effect::Spike { pressure_mmhg, .. } = a.episode.effect {
                p += pressure_mmhg * spike_shape(progress(&a.episode, t_s));
            }
        }
        p
    }

    /// Applies the hard faults to the readings; returns `false` for a dropped sample.
    pub fn hard(&mut self, pressure: &mut f32, flow: &mut f32) -> bool {
        let mut present = true;
        for a in &mut self.active {
            match a.episode.effect {
                Effect::Saturation(c) => {
                    if c.flow() {
                        *flow = FLOW_FULL_SCALE_ML_MIN as f32;
                    }
                    if c.pressure() {
                        *pressure = PRESSURE_FULL_SCALE_MMHG as f32;
                    }
                }
                Effect::Stuck(c) => {
                    let (hp, hf) = *a.held.get_or_insert((*pressure, *flow));
                    if c.flow() {
                        *flow = hf;
                    }
                    if c.pressure() {
                        *pressure = hp;
                    }
                }
                Effect::Nan(c) => {
                    if c.flow() {
                        *flow = f32::NAN;
                    }
                    if c.pressure() {
                        *pressure = f32::NAN;
                    }
                }
                Effect::Dropout => present = false,
                _ => {}
            }
        }
        present
    }
}

fn progress(e: &Episode, t_s: f64) -> f64 {
    ((t_s - e.start_s) / (e.end_s - e.start_s)).clamp(0.0, 1.0)
}

/// A damped bipolar swing over the episode: first lobe to ~1, second to ~−0.45.
fn spike_shape(u: f64) -> f64 {
    (2.0 * core::f64::consts::PI * u).sin() * (1.0 - 0.65 * u) * 1.15
}

/// A short text for the session header, e.g. `nan×3,stuck×1`.
pub(crate) fn describe(episodes: &[Episode]) -> String {
    let name = |e: &Effect| match e {
        Effect::Dropout => "dropout",
        Effect::Nan(_) => "nan",
        Effect::Stuck(_) => "stuck",
        Effect::Saturation(_) => "saturation",
        Effect::Spike { .. } => "spikes",
        Effect::Bubble { .. } => "bubbles",
        Effect::Overvacuum { .. } => "overvacuum",
    };
    let mut counts: Vec<(&str, u32)> = Vec::new();
    for e in episodes {
        let n = name(&e.effect);
        match counts.iter_mut().find(|(k, _)| *k == n) {
            Some((_, c)) => *c += 1,
            None => counts.push((n, 1)),
        }
    }
    if counts.is_empty() {
        return "none".to_string();
    }
    counts
        .iter()
        .map(|(k, c)| format!("{k}x{c}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    #[test]
    fn parse_and_display() {
        for k in FaultKind::ALL {
            assert_eq!(k.to_string().parse::<FaultKind>(), Ok(k));
        }
        let s: FaultSet = "nan, stuck,dropout".parse().unwrap();
        assert_eq!(s.to_string(), "dropout,nan,stuck");
        assert_eq!("".parse::<FaultSet>(), Ok(FaultSet::NONE));
        assert_eq!("none".parse::<FaultSet>(), Ok(FaultSet::NONE));
        assert_eq!("all".parse::<FaultSet>(), Ok(FaultSet::all()));
        assert_eq!(FaultSet::all().iter().count(), 9);
        let e = "nan,wobble".parse::<FaultSet>().unwrap_err();
        assert!(e.to_string().contains("'wobble'"), "{e}");
    }

    #[test]
    fn asking_for_a_fault_leaves_the_everyday_episodes_as_they_were() {
        let everyday = |faults: FaultSet, seed| {
            let mut rng = stream(seed, Stream::Faults);
            let mut demanded = stream(seed, Stream::DemandedFaults);
            let all = schedule(&mut rng, &mut demanded, 900.0, faults, Presence::everyday());
            let kept = all
                .into_iter()
                .filter(|e| matches!(e.effect, Effect::Bubble { .. }));
            kept.map(|e| (e.start_s, e.end_s)).collect::<Vec<_>>()
        };
        let mut compared = 0;
        for seed in 300..340 {
            let clean = everyday(FaultSet::NONE, seed);
            // Kinds drawn before and after the bubbles asked for as faults.
            let asked: FaultSet = "dropout,nan,spikes,overvacuum".parse().unwrap();
            assert_eq!(everyday(asked, seed), clean, "seed {seed}");
            compared += clean.len();
        }
        assert!(compared > 10, "{compared} everyday bubbles compared");
    }

    #[test]
    fn hard_faults_only_on_demand() {
        for seed in 0..200 {
            let schedule = |faults, presence, duration_s| {
                let mut rng = stream(seed, Stream::Faults);
                let mut demanded = stream(seed, Stream::DemandedFaults);
                schedule(&mut rng, &mut demanded, duration_s, faults, presence)
            };
            for e in schedule(FaultSet::NONE, Presence::everyday(), 900.0) {
                assert!(matches!(
                    e.effect,
                    Effect::Spike { .. } | Effect::Bubble { .. }
                ));
            }
            assert!(schedule(FaultSet::NONE, Presence::NONE, 900.0).is_empty());
            let all = schedule(FaultSet::all(), Presence::NONE, 60.0);
            for k in [
                "dropout",
                "nan",
                "stuck",
                "saturation",
                "spikes",
                "bubbles",
                "overvacuum",
            ] {
                assert!(describe(&all).contains(k), "{k} missing at seed {seed}");
            }
        }
    }

    #[test]
    fn spike_shape_is_bipolar() {
        let xs: Vec<f64> = (0..=100)
            .map(|i| spike_shape(f64::from(i) / 100.0))
            .collect();
        let hi = xs.iter().copied().fold(f64::MIN, f64::max);
        let lo = xs.iter().copied().fold(f64::MAX, f64::min);
        assert!(
            (0.9..1.1).contains(&hi) && (-0.62..-0.3).contains(&lo),
            "{hi} {lo}"
        );
        assert!(xs[0].abs() < 1e-12 && xs[100].abs() < 1e-9);
    }
}
