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

/// How long one cue acts, s. Assumption: the studies applied relaxation, warmth or
/// massage around the session; a cue given once (a hint) helps for about 5 minutes.
pub(crate) const CUE_DURATION_S: f64 = 300.0;

/// The drive multiplier of a cue while it acts.
///
/// Translation: the cited effects are on volume per session. In this model a session's
/// volume grows with the number of ejections, which grows in proportion to the drive; we
/// attribute the whole effect to the reflex and set multiplier = volume ratio. (The model
/// then gives a smaller volume gain than the study, because later ejections are smaller;
/// the drive effect — an earlier next pulse — is the part that matters for control.)
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
    cue_multiplier: f64,
    cue_until_s: f64,
}

impl Reflex {
    /// A reflex at rest, waiting for its first pulse.
    pub fn new(physiology: &SessionPhysiology) -> Self {
        Self {
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

    /// A cue given at `t_s`: the drive is multiplied for [`CUE_DURATION_S`]. A stronger
    /// cue replaces a weaker one; cues do not stack.
    pub fn apply_cue(&mut self, cue: Cue, t_s: f64) {
        let m = cue_drive_multiplier(cue);
        if t_s >= self.cue_until_s || m >= self.cue_multiplier {
            self.cue_multiplier = if t_s < self.cue_until_s {
                m.max(self.cue_multiplier)
            } else {
                m
            };
            self.cue_until_s = t_s + CUE_DURATION_S;
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
        let t_stim = first_pulse(&mut Reflex::new(&phys(90.0)), Mode::Stimulation, None);
        assert!((t_stim - 90.0).abs() < 0.02, "{t_stim}");
        let t_expr = first_pulse(&mut Reflex::new(&phys(90.0)), Mode::Expression, None);
        assert!((t_expr - 90.0 / EXPRESSION_DRIVE).abs() < 0.05, "{t_expr}");
        assert!(first_pulse(&mut Reflex::new(&phys(90.0)), Mode::Pause, None).is_infinite());
        let t_relax = first_pulse(
            &mut Reflex::new(&phys(90.0)),
            Mode::Stimulation,
            Some(Cue::Relax),
        );
        assert!((t_relax - 90.0 / 1.63).abs() < 0.05, "{t_relax}");
        assert!(stimulation_strength(Mode::Stimulation, -25.0) < 0.51);
    }

    #[test]
    fn cues_take_the_stronger_and_expire() {
        let mut r = Reflex::new(&phys(f64::INFINITY));
        r.apply_cue(Cue::Relax, 0.0);
        r.apply_cue(Cue::BabyPhoto, 10.0);
        assert_eq!(r.cue_multiplier, 1.63);
        r.apply_cue(Cue::BabyPhoto, 400.0);
        assert_eq!(r.cue_multiplier, 1.2);
    }
}
