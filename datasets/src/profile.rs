//! The mother's state in a session — `relaxed`, `typical`, `stressed`, `no-letdown` — or a
//! seeded `mix` of them, and what each state does to the milk-ejection reflex.

use crate::random::{self, Stream};
use core::fmt;
use core::str::FromStr;

/// The mother's state during one session. Parse with [`FromStr`] (`relaxed`, `typical`,
/// `stressed`, `no-letdown`, `mix`); [`Display`](fmt::Display) gives the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Calm and comfortable: the reflex comes sooner and more often.
    Relaxed,
    /// The population average of DESIGN §1.
    Typical,
    /// Stressed (noise, worry, pain): fewer oxytocin pulses and a later first ejection
    /// (Ueda 1994).
    Stressed,
    /// No milk ejection at all in this session (the reflex is fully inhibited).
    NoLetdown,
    /// One of the four above, chosen from the session seed (see [`Profile::resolve`]).
    Mix,
}

/// The four concrete profiles, in the order of [`Profile::resolve`]'s weights.
pub const CONCRETE_PROFILES: [Profile; 4] = [
    Profile::Relaxed,
    Profile::Typical,
    Profile::Stressed,
    Profile::NoLetdown,
];

/// Weights of `mix`: relaxed 20 %, typical 50 %, stressed 20 %, no-letdown 10 %. A design
/// choice (no population figures exist): most sessions typical, enough of every other
/// kind that a scored set of a few hundred sessions holds dozens of each.
const MIX_WEIGHTS: [f64; 4] = [0.2, 0.5, 0.2, 0.1];

impl Profile {
    /// The concrete profile a session with this seed uses: `self` unless `self` is
    /// [`Profile::Mix`], which picks one from the seed: relaxed 20 %, typical 50 %,
    /// stressed 20 %, no-letdown 10 %.
    pub fn resolve(self, seed: u64) -> Profile {
        if self != Profile::Mix {
            return self;
        }
        let mut rng = random::stream(seed, Stream::Mix);
        let u = random::uniform(&mut rng, 0.0, 1.0);
        let mut acc = 0.0;
        for (p, w) in CONCRETE_PROFILES.iter().zip(MIX_WEIGHTS) {
            acc += w;
            if u < acc {
                return *p;
            }
        }
        Profile::Typical
    }

    /// The profile's name, as parsed and displayed.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Relaxed => "relaxed",
            Profile::Typical => "typical",
            Profile::Stressed => "stressed",
            Profile::NoLetdown => "no-letdown",
            Profile::Mix => "mix",
        }
    }

    /// What this state does to the reflex. `Mix` must be resolved first; unresolved it
    /// acts as `Typical`.
    pub(crate) const fn effect(self) -> ReflexEffect {
        match self {
            // Relaxation: Feher 1989 raised pumped volume by 63 % with a relaxation tape in
            // (stressed) mothers of preterm infants. A relaxed mother against the *typical*
            // one is a smaller step: we take roughly half of that effect on the reflex,
            // i.e. 1.3× the drive (first ejection at 90/1.3 ≈ 69 s median, 1.25× the later
            // pulse rate) and 1.1× the flow of each ejection.
            Profile::Relaxed => ReflexEffect {
                first_latency_factor: 1.0 / 1.3,
                interval_factor: 0.8,
                peak_factor: 1.1,
                inhibited: false,
            },
            Profile::Typical | Profile::Mix => ReflexEffect {
                first_latency_factor: 1.0,
                interval_factor: 1.0,
                peak_factor: 1.0,
                inhibited: false,
            },
            // Ueda 1994: oxytocin pulses fell from 2.25 to 1.28 (mental arithmetic) and 1.14
            // (noise) per session, i.e. ×0.57 and ×0.51. Later pulses come 1/0.55 ≈ 1.8×
            // further apart. The first needs 1.5× the stimulation (135 s instead of 90 s of
            // stimulation, median): with a 2-minute timer pump that puts it ~55 s later
            // than typical (the brief's 30–120 s). Volume per ejection is unchanged: the
            // smaller volume comes from fewer ejections.
            Profile::Stressed => ReflexEffect {
                first_latency_factor: 1.5,
                interval_factor: 1.0 / 0.55,
                peak_factor: 1.0,
                inhibited: false,
            },
            Profile::NoLetdown => ReflexEffect {
                first_latency_factor: 1.0,
                interval_factor: 1.0,
                peak_factor: 1.0,
                inhibited: true,
            },
        }
    }
}

/// How a profile changes the reflex relative to the typical mother.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ReflexEffect {
    /// Multiplies the stimulation needed for the first oxytocin pulse.
    pub first_latency_factor: f64,
    /// Multiplies the stimulation needed for each later pulse.
    pub interval_factor: f64,
    /// Multiplies each ejection's peak flow.
    pub peak_factor: f64,
    /// No pulse at all.
    pub inhibited: bool,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name that is none of `relaxed`, `typical`, `stressed`, `no-letdown`, `mix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseProfileError(pub String);

impl fmt::Display for ParseProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown profile '{}': expected relaxed, typical, stressed, no-letdown or mix",
            self.0
        )
    }
}

impl std::error::Error for ParseProfileError {}

impl FromStr for Profile {
    type Err = ParseProfileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        [
            Profile::Relaxed,
            Profile::Typical,
            Profile::Stressed,
            Profile::NoLetdown,
            Profile::Mix,
        ]
        .into_iter()
        .find(|p| p.name() == t || (t == "no_letdown" && *p == Profile::NoLetdown))
        .ok_or_else(|| ParseProfileError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in CONCRETE_PROFILES.into_iter().chain([Profile::Mix]) {
            assert_eq!(p.to_string().parse::<Profile>(), Ok(p));
        }
        assert_eq!(" Stressed ".parse::<Profile>(), Ok(Profile::Stressed));
        let e = "calm".parse::<Profile>().unwrap_err();
        assert!(e.to_string().contains("'calm'"));
    }

    #[test]
    fn mix_resolves_deterministically_to_every_profile() {
        let mut counts = [0u32; 4];
        for seed in 0..2000 {
            let p = Profile::Mix.resolve(seed);
            assert_eq!(p, Profile::Mix.resolve(seed));
            let i = CONCRETE_PROFILES.iter().position(|q| *q == p).unwrap();
            counts[i] += 1;
        }
        // Weights 20/50/20/10 %, within a few points.
        assert!((330..470).contains(&counts[0]), "{counts:?}");
        assert!((900..1100).contains(&counts[1]), "{counts:?}");
        assert!((330..470).contains(&counts[2]), "{counts:?}");
        assert!((140..260).contains(&counts[3]), "{counts:?}");
        assert_eq!(Profile::Stressed.resolve(5), Profile::Stressed);
    }
}
