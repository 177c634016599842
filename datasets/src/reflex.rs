//! The milk-ejection reflex as a latent oxytocin pulse train driven by stimulation.
//!
//! Nipple stimulation accumulates a "drive" (seconds of full stimulation). When the drive
//! reaches the current pulse's threshold, an oxytocin pulse fires, an ejection begins and
//! the drive starts again from zero against a new threshold. The first threshold comes
//! from the session physiology (median 90 s); later ones are drawn per pulse around the
//! session's median gap.

use crate::mother::{SessionPhysiology, INTERVAL_SIGMA_PULSE};
use crate::random::{self, SimRng};
use letdown_engine::{Cue, Mode};

/// Drive of the expression rhythm relative to stimulation. The slow, deep rhythm imitates
/// a baby's nutritive sucking, which still calls later ejections but less strongly than
/// the fast non-nutritive suckling that triggers the first; the brief asks for ~0.5–0.6×.
/// 0.55 also converts Idei 2024's 220 s median gap (mostly in expression) into 121 s of
/// full stimulation (see `mother::INTERVAL_MEDIAN_S`).
pub(crate) const EXPRESSION_DRIVE: f64 = 0.55;

/// Vacuum below which stimulation weakens, mmHg (magnitude). Pumps stimulate at −50 …
/// −150 mmHg (DESIGN §1) and an infant's suction is −77 … −93 mmHg; below 50 mmHg of
/// vacuum (e.g. a leaking shield) the drive falls in proportion.
const FULL_DRIVE_VACUUM_MMHG: f64 = 50.0;

/// How a user-facing cue (a hint's [`Cue`]) acts on the simulated reflex — a simulator
/// **assumption**, named here so that every closed-loop figure can say how much of it
/// comes from cueing rather than from detection.
///
/// While a cue acts (for [`duration_s`](Self::duration_s) after it is given), the reflex
/// drive is multiplied by `1 + fraction × (m − 1)`, where `m` is the cue's literature
/// ratio ([`cue_drive_multiplier`]). A stronger cue replaces a weaker one; cues do not
/// stack.
///
/// Evidence and its translation (DESIGN §1): the studies report *volume per session*, not
/// drive. Feher 1989: mothers of premature infants who listened to a relaxation tape
/// pumped 63 % more (one study, small, with the tape used around each session over
/// days, not one prompt); breast massage 51 → 79 g; warm compress 47 vs 33 mL; a photo of
/// the baby has no published effect size. We attribute the whole volume effect to the
/// reflex and set the drive multiplier equal to the volume ratio. This is generous: a
/// one-off prompt on a phone is weaker than a tape played through a session, and part of
/// the studies' gain may act on milk synthesis, not on the reflex. Uncertainty: anything
/// from about 0 (a prompt the mother ignores) to the cited ratios; how long one cue acts
/// (300 s) is a guess. [`CueEffect::AS_CITED`] (`fraction` 1) is the default,
/// [`CueEffect::NONE`] (0) removes cueing from the simulation, so detection's own part
/// can be measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CueEffect {
    /// Share of the literature effect applied, 0 … 2 (0: cues do nothing; 1: as cited).
    pub fraction: f64,
    /// How long one cue acts, s (> 0).
    pub duration_s: f64,
}

impl CueEffect {
    /// The literature effects as cited, for 300 s per cue (the default).
    pub const AS_CITED: Self = Self {
        fraction: 1.0,
        duration_s: CUE_DURATION_S,
    };
    /// Cues do nothing.
    pub const NONE: Self = Self {
        fraction: 0.0,
        duration_s: CUE_DURATION_S,
    };

    /// Whether the values are usable: `fraction` within 0 … 2, `duration_s` > 0 and ≤ 1 h.
    pub fn is_valid(&self) -> bool {
        (0.0..=2.0).contains(&self.fraction) && self.duration_s > 0.0 && self.duration_s <= 3600.0
    }

    /// The drive multiplier of `cue` while it acts.
    pub fn drive_multiplier(&self, cue: Cue) -> f64 {
        1.0 + self.fraction * (cue_drive_multiplier(cue) - 1.0)
    }
}

impl Default for CueEffect {
    fn default() -> Self {
        Self::AS_CITED
    }
}

/// How long one cue acts by default, s. Assumption: the studies applied relaxation,
/// warmth or massage around the session; a cue given once (a hint) helps for about 5
/// minutes.
pub(crate) const CUE_DURATION_S: f64 = 300.0;

/// The drive multiplier of a cue while it acts, as cited (see [`CueEffect`] for the
/// translation from volume to drive and its uncertainty).
pub fn cue_drive_multiplier(cue: Cue) -> f64 {
    match cue {
        // Feher 1989: relaxation tape +63 % volume.
        Cue::Relax => 1.63,
        // Breast massage 51 → 79 g (DESIGN §1): ×1.55.
        Cue::Massage => 79.0 / 51.0,
        // Warm compress 47 vs 33 mL (DESIGN §1): ×1.42.
        Cue::Warmth => 47.0 / 33.0,
        // A photo of the baby: "psychological cues help the reflex" (DESIGN §1), no effect
        // size published; assumption ×1.2, below the measured interventions.
        Cue::BabyPhoto => 1.2,
    }
}

/// The stimulation the pump gives right now, as a fraction of full stimulation.
pub(crate) fn stimulation_strength(mode: Mode, vacuum_mmhg: f64) -> f64 {
    let rhythm = match mode {
        Mode::Stimulation => 1.0,
        Mode::Expression => EXPRESSION_DRIVE,
        Mode::Pause => 0.0,
    };
    rhythm * (vacuum_mmhg.abs() / FULL_DRIVE_VACUUM_MMHG).min(1.0)
}

/// The reflex state of one session.
#[derive(Clone, Debug)]
pub(crate) struct Reflex {
    drive_s: f64,
    threshold_s: f64,
    interval_median_s: f64,
    cue_effect: CueEffect,
    cue_multiplier: f64,
    cue_until_s: f64,
}

impl Reflex {
    /// A reflex at rest, waiting for its first pulse, on which cues act as `cue_effect`
    /// says.
    pub fn new(physiology: &SessionPhysiology, cue_effect: CueEffect) -> Self {
        Self {
            cue_effect,
            drive_s: 0.0,
            threshold_s: physiology.first_threshold_s,
            interval_median_s: physiology.interval_median_s,
            cue_multiplier: 1.0,
            cue_until_s: f64::NEG_INFINITY,
        }
    }

    /// Advances by `dt_s` at time `t_s` under `strength` (0 … 1, see
    /// [`stimulation_strength`]); `true` when a pulse fires in this step.
    pub fn step(&mut self, t_s: f64, dt_s: f64, strength: f64, rng: &mut SimRng) -> bool {
        let cue = if t_s < self.cue_until_s {
            self.cue_multiplier
        } else {
            1.0
        };
        self.drive_s += strength * cue * dt_s;
        if self.drive_s < self.threshold_s {
            return false;
        }
        self.drive_s = 0.0;
        self.threshold_s =
            random::lognormal_median(rng, self.interval_median_s, INTERVAL_SIGMA_PULSE);
        true
    }

    /// A cue given at `t_s`: the drive is multiplied for the effect's duration. A stronger
    /// cue replaces a weaker one; cues do not stack.
    pub fn apply_cue(&mut self, cue: Cue, t_s: f64) {
        let m = self.cue_effect.drive_multiplier(cue);
        if t_s >= self.cue_until_s || m >= self.cue_multiplier {
            self.cue_multiplier = if t_s < self.cue_until_s {
                m.max(self.cue_multiplier)
            } else {
                m
            };
            self.cue_until_s = t_s + self.cue_effect.duration_s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, Stream};

    fn phys(first: f64) -> SessionPhysiology {
        SessionPhysiology {
            first_threshold_s: first,
            interval_median_s: 121.0,
            first_peak_ml_s: 0.5,
            decay_median_s: 45.0,
            removal_scale: 1.0,
            duct_milk_ml: 0.0,
        }
    }

    fn first_pulse(r: &mut Reflex, mode: Mode, cue: Option<Cue>) -> f64 {
        let mut rng = stream(0, Stream::Physiology);
        if let Some(c) = cue {
            r.apply_cue(c, 0.0);
        }
        let dt = 0.01;
        for i in 0..100_000 {
            let t = f64::from(i) * dt;
            if r.step(t, dt, stimulation_strength(mode, -100.0), &mut rng) {
                return t;
            }
        }
        f64::INFINITY
    }

    #[test]
    fn drive_depends_on_rhythm_and_cues() {
        let t_stim = first_pulse(
            &mut Reflex::new(&phys(90.0), CueEffect::AS_CITED),
            Mode::Stimulation,
            None,
        );
        assert!((t_stim - 90.0).abs() < 0.02, "{t_stim}");
        let t_expr = first_pulse(
            &mut Reflex::new(&phys(90.0), CueEffect::AS_CITED),
            Mode::Expression,
            None,
        );
        assert!((t_expr - 90.0 / EXPRESSION_DRIVE).abs() < 0.05, "{t_expr}");
        assert!(first_pulse(
            &mut Reflex::new(&phys(90.0), CueEffect::AS_CITED),
            Mode::Pause,
            None
        )
        .is_infinite());
        let t_relax = first_pulse(
            &mut Reflex::new(&phys(90.0), CueEffect::AS_CITED),
            Mode::Stimulation,
            Some(Cue::Relax),
        );
        assert!((t_relax - 90.0 / 1.63).abs() < 0.05, "{t_relax}");
        assert!(stimulation_strength(Mode::Stimulation, -25.0) < 0.51);
    }

    #[test]
    fn the_cue_effect_scales_and_can_be_switched_off() {
        let relax = |effect| {
            first_pulse(
                &mut Reflex::new(&phys(90.0), effect),
                Mode::Stimulation,
                Some(Cue::Relax),
            )
        };
        assert!((relax(CueEffect::NONE) - 90.0).abs() < 0.02);
        let half = CueEffect {
            fraction: 0.5,
            ..CueEffect::AS_CITED
        };
        assert!((relax(half) - 90.0 / 1.315).abs() < 0.05);
        assert_eq!(CueEffect::default(), CueEffect::AS_CITED);
        assert!(!CueEffect {
            fraction: f64::NAN,
            ..half
        }
        .is_valid());
        assert!(!CueEffect {
            duration_s: 0.0,
            ..half
        }
        .is_valid());
    }

    #[test]
    fn cues_take_the_stronger_and_expire() {
        let mut r = Reflex::new(&phys(f64::INFINITY), CueEffect::AS_CITED);
        r.apply_cue(Cue::Relax, 0.0);
        r.apply_cue(Cue::BabyPhoto, 10.0);
        assert_eq!(r.cue_multiplier, 1.63);
        r.apply_cue(Cue::BabyPhoto, 400.0);
        assert_eq!(r.cue_multiplier, 1.2);
    }
}
