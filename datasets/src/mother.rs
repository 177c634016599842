//! One mother's body: the parameters that stay with her from session to session, and the
//! session-level values drawn around them.
//!
//! A [`MotherId`] seeds the mother-level parameters; a session's seed then varies each of
//! them a little, so the sessions of one mother resemble each other more than those of two
//! mothers do (between-mother and within-mother variance are split below).

use crate::phenomena::{Phenomenon, Presence};
use crate::profile::Profile;
use crate::random::{self, SimRng, Stream};
use core::fmt;

/// Identifies one simulated mother. The same id always gives the same [`Mother`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MotherId(pub u32);

impl MotherId {
    /// The mother of a session that does not name one: derived from the session seed, so
    /// unrelated seeds give unrelated mothers.
    pub fn for_session(seed: u64) -> Self {
        let mut rng = random::stream(seed, Stream::MotherOfSession);
        MotherId(rand::Rng::random::<u32>(&mut rng))
    }
}

impl fmt::Display for MotherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

// ---- Population parameters (DESIGN §1), split into mother-level and session-level parts.

/// Median stimulation before the first oxytocin pulse, in seconds of full stimulation:
/// 90 s (DESIGN §1: first ejection typically 40–240 s after pumping starts, median ~90 s).
pub(crate) const FIRST_LATENCY_MEDIAN_S: f64 = 90.0;
/// Log-SD of the first latency between mothers. With the session part below the total is
/// √(0.35² + 0.35²) ≈ 0.5: the 5–95 % range is 90·e^(±1.645·0.5) = 40 … 205 s of full
/// stimulation (DESIGN §1: "typically 40–240 s").
const FIRST_LATENCY_SIGMA_MOTHER: f64 = 0.35;
/// Log-SD of the first latency between sessions of one mother (see above).
const FIRST_LATENCY_SIGMA_SESSION: f64 = 0.35;

/// Median stimulation between two pulses, seconds of full stimulation: 121 s.
///
/// Reconciling the sources: Idei 2024 found a median gap of ~220 s between ejections
/// while pumping, mostly in the expression phase, where the drive is 0.55× (see
/// `reflex::EXPRESSION_DRIVE`): 220 × 0.55 ≈ 121 s of full stimulation. With the first
/// ejection at ~90 s and gaps of median 220 s (mean ≈ 245 s, log-SD 0.45) a 15-minute
/// timer-pump session holds 1 + (900 − 90)/245 ≈ 4.3 ejections — Kent 2008's 4.3 per
/// 15 min. Prime 2011's 5.1 ± 2.0 (ultrasound, which also sees ejections too small for a
/// flow sensor) and Ramsay 2005's 3.3–3.7 in the first 10 min (the rate is highest early)
/// bracket it; the between-mother spread (log-SD 0.4 on the gap) gives the SD of ~1.5–2.
pub(crate) const INTERVAL_MEDIAN_S: f64 = 121.0;
/// Log-SD of one mother's typical gap against the population (see above).
const INTERVAL_SIGMA_MOTHER: f64 = 0.4;
/// Log-SD of each individual gap around the mother's typical gap.
pub(crate) const INTERVAL_SIGMA_PULSE: f64 = 0.45;

/// Peak milk flow of the first ejection, g/s: mean 0.5, SD 0.2 (Idei 2024: 0.5 ± 0.2 g/s).
/// Split: CV 0.33 between mothers, 0.15 between sessions (total CV ≈ 0.36 ≈ 0.2/0.5 +
/// the spread that later overlap and removal add).
const PEAK_FLOW_MEAN_G_S: f64 = 0.5;
const PEAK_FLOW_CV_MOTHER: f64 = 0.33;
const PEAK_FLOW_CV_SESSION: f64 = 0.15;
/// Milk density, g/mL (DESIGN §1: ≈ 1.03 g/mL, so 1 g/s ≈ 58 mL/min).
pub const MILK_DENSITY_G_ML: f64 = 1.03;

/// Median exponential decay time constant of one ejection's release, s. One ejection
/// lasts 45 s – 3.5 min (DESIGN §1): with a 10–30 s rise and decay to 10 % after
/// rise + τ·ln 10, τ = 45 s gives 20 + 104 ≈ 124 s. Together with the peak flow it sets
/// the volume of an ejection, ≈ peak × (rise/2 + τ) ≈ 0.49 mL/s × 55 s ≈ 27 mL for the
/// first, and ≈ 70 mL per breast in 15 min over ~4 ejections (Idei 2024: 70 ± 43 g).
const DECAY_MEDIAN_S: f64 = 45.0;
const DECAY_SIGMA_MOTHER: f64 = 0.25;
pub(crate) const DECAY_SIGMA_EJECTION: f64 = 0.2;

/// Mother's maximum comfortable vacuum, mmHg: mean −190 (Kent 2008); the SD of 35 mmHg
/// is our assumption (comfort varies widely), clamped to −120 … −250 (cleared devices
/// allow −250 … −300, DESIGN §1).
const MAX_COMFORT_MEAN_MMHG: f64 = -190.0;
const MAX_COMFORT_SD_MMHG: f64 = 35.0;

/// Fraction of mothers who sense the first ejection (tingling, fullness). Assumption: not
/// every mother feels it; we take 75 %. Only the `Button` program uses it.
const SENSES_LETDOWN_FRACTION: f64 = 0.75;

/// Mother-level parameters, fixed for a [`MotherId`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mother {
    /// Who she is.
    pub id: MotherId,
    /// Multiplies the stimulation her first ejection needs (1 = population median, 90 s
    /// of full stimulation).
    pub latency_scale: f64,
    /// Multiplies the stimulation between her later pulses (1 = population median).
    pub interval_scale: f64,
    /// Peak flow of her typical first ejection, g/s.
    pub peak_flow_g_s: f64,
    /// Multiplies the decay time of her ejections (1 = 45 s).
    pub decay_scale: f64,
    /// Multiplies how fast vacuum removes milk from her ducts (nipple and duct anatomy).
    pub removal_scale: f64,
    /// Her maximum comfortable vacuum, mmHg (negative).
    pub max_comfort_vacuum_mmhg: f64,
    /// Whether she senses her let-down (used by the `Button` program).
    pub senses_letdown: bool,
}

impl Mother {
    /// The mother with this id (pure function of the id).
    pub fn new(id: MotherId) -> Self {
        let mut rng = random::stream(u64::from(id.0), Stream::Mother);
        let r = &mut rng;
        Self {
            id,
            latency_scale: random::lognormal_median(r, 1.0, FIRST_LATENCY_SIGMA_MOTHER),
            interval_scale: random::lognormal_median(r, 1.0, INTERVAL_SIGMA_MOTHER),
            peak_flow_g_s: random::lognormal_mean_cv(r, PEAK_FLOW_MEAN_G_S, PEAK_FLOW_CV_MOTHER),
            decay_scale: random::lognormal_median(r, 1.0, DECAY_SIGMA_MOTHER),
            // Assumption: ±20 % (log-SD) between mothers in how easily milk leaves the ducts.
            removal_scale: random::lognormal_median(r, 1.0, 0.2),
            max_comfort_vacuum_mmhg: (MAX_COMFORT_MEAN_MMHG
                + MAX_COMFORT_SD_MMHG * random::normal(r))
            .clamp(-250.0, -120.0),
            senses_letdown: random::chance(r, SENSES_LETDOWN_FRACTION),
        }
    }
}

/// The physiology of one session: the mother's parameters varied for the day, with the
/// profile applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SessionPhysiology {
    /// Seconds of full stimulation the first pulse needs; `INFINITY` = never.
    pub first_threshold_s: f64,
    /// Median seconds of full stimulation between later pulses; `INFINITY` = never.
    pub interval_median_s: f64,
    /// Peak release of the first ejection, mL/s.
    pub first_peak_ml_s: f64,
    /// Median decay time constant of this session's ejections, s.
    pub decay_median_s: f64,
    /// Removal-rate multiplier for this session.
    pub removal_scale: f64,
    /// Milk already in the ducts when pumping starts, mL (comes out over the first tens of
    /// seconds; not an ejection); 0 without the `duct-milk` phenomenon.
    pub duct_milk_ml: f64,
}

impl SessionPhysiology {
    /// Draws the day's values around `mother` for a session in `profile` (resolved);
    /// `presence` says whether the `duct-milk` phenomenon may happen.
    pub fn draw(mother: &Mother, profile: Profile, presence: Presence, rng: &mut SimRng) -> Self {
        let effect = profile.effect();
        // Draw everything unconditionally so profiles share the same random sequence.
        let first = FIRST_LATENCY_MEDIAN_S
            * mother.latency_scale
            * random::lognormal_median(rng, 1.0, FIRST_LATENCY_SIGMA_SESSION)
            * effect.first_latency_factor;
        let interval = INTERVAL_MEDIAN_S * mother.interval_scale * effect.interval_factor;
        let peak_g_s = mother.peak_flow_g_s
            * random::lognormal_mean_cv(rng, 1.0, PEAK_FLOW_CV_SESSION)
            * effect.peak_factor;
        let decay = DECAY_MEDIAN_S * mother.decay_scale * random::lognormal_median(rng, 1.0, 0.1);
        let removal = mother.removal_scale * random::lognormal_median(rng, 1.0, 0.1);
        // Milk already in the ducts (`duct-milk`): assumption, 0.3–2 mL in half of the
        // sessions (DESIGN §1: the ducts are narrow and store little milk before an
        // ejection, Ramsay 2005; a few mL at most). How slowly it leaves: `milk.rs`.
        let has_duct_milk = random::chance(rng, Phenomenon::DuctMilk.session_fraction());
        let duct_ml = random::uniform(rng, 0.3, 2.0);
        Self {
            first_threshold_s: if effect.inhibited {
                f64::INFINITY
            } else {
                first
            },
            interval_median_s: if effect.inhibited {
                f64::INFINITY
            } else {
                interval
            },
            first_peak_ml_s: peak_g_s / MILK_DENSITY_G_ML,
            decay_median_s: decay,
            removal_scale: removal,
            duct_milk_ml: if presence.occurs(Phenomenon::DuctMilk, has_duct_milk) {
                duct_ml
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_id_same_mother_and_population_spread() {
        assert_eq!(Mother::new(MotherId(3)), Mother::new(MotherId(3)));
        assert_ne!(Mother::new(MotherId(3)), Mother::new(MotherId(4)));
        let n = 4000;
        let ms: Vec<Mother> = (0..n).map(|i| Mother::new(MotherId(i))).collect();
        let mean_peak = ms.iter().map(|m| m.peak_flow_g_s).sum::<f64>() / f64::from(n);
        assert!((0.47..0.53).contains(&mean_peak), "{mean_peak}");
        let mean_vac = ms.iter().map(|m| m.max_comfort_vacuum_mmhg).sum::<f64>() / f64::from(n);
        assert!((-195.0..-185.0).contains(&mean_vac), "{mean_vac}");
        let felt = ms.iter().filter(|m| m.senses_letdown).count() as f64 / f64::from(n);
        assert!((0.7..0.8).contains(&felt), "{felt}");
    }

    #[test]
    fn sessions_of_one_mother_vary_less_than_mothers() {
        // Log first-threshold variance within one mother ≈ 0.35², across mothers ≈ 0.5².
        let var = |xs: &[f64]| {
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64
        };
        let mother = Mother::new(MotherId(11));
        let within: Vec<f64> = (0..2000)
            .map(|s| {
                let mut rng = random::stream(s, Stream::Physiology);
                SessionPhysiology::draw(&mother, Profile::Typical, Presence::NONE, &mut rng)
                    .first_threshold_s
                    .ln()
            })
            .collect();
        let across: Vec<f64> = (0..2000u32)
            .map(|s| {
                let m = Mother::new(MotherId(s));
                let mut rng = random::stream(u64::from(s), Stream::Physiology);
                SessionPhysiology::draw(&m, Profile::Typical, Presence::NONE, &mut rng)
                    .first_threshold_s
                    .ln()
            })
            .collect();
        let (w, a) = (var(&within), var(&across));
        assert!((0.10..0.15).contains(&w), "within {w}");
        assert!((0.2..0.3).contains(&a), "across {a}");
    }

    #[test]
    fn no_letdown_never_fires() {
        let mut rng = random::stream(1, Stream::Physiology);
        let p = SessionPhysiology::draw(
            &Mother::new(MotherId(1)),
            Profile::NoLetdown,
            Presence::NONE,
            &mut rng,
        );
        assert!(p.first_threshold_s.is_infinite() && p.interval_median_s.is_infinite());
    }
}
