//! Deterministic session names, safe as file names.

use crate::generator::SessionSpec;
use crate::phenomena::PhenomenonSet;
use crate::program::PumpProgram;

/// The name of the session `spec` describes, e.g.
/// `sim-typical-s42-timer120-1000hz-15min` or
/// `sim-stressed-s7-m3-hints-500hz-2.5min-f-nan+stuck-clean`.
///
/// The profile is the resolved one (a `mix` spec names the profile its seed picked);
/// the mother appears only when the spec names one, the expression rhythm only when it
/// sets one (`-expr30cpm`); faults only when present; the
/// phenomena only when not the default (all): `-clean` for none, else `-p-` and their
/// names, and `-every` when each is in every session. Same spec → same name; specs differing in any field → different
/// names.
pub fn session_name(spec: &SessionSpec) -> String {
    let mut s = format!("sim-{}-s{}", spec.profile.resolve(spec.seed), spec.seed);
    if let Some(m) = spec.mother {
        s.push_str(&format!("-m{m}"));
    }
    match spec.program {
        PumpProgram::Timer { switch_s } => s.push_str(&format!("-timer{switch_s}")),
        PumpProgram::Button => s.push_str("-button"),
        PumpProgram::ExpressionOnly => s.push_str("-expression-only"),
        PumpProgram::FollowHints => s.push_str("-hints"),
    }
    if let Some(rate_cpm) = spec.expression_rate_cpm {
        s.push_str(&format!("-expr{rate_cpm}cpm"));
    }
    s.push_str(&format!("-{}hz-{}min", spec.rate_hz, spec.minutes));
    if !spec.faults.is_empty() {
        let faults: Vec<&str> = spec.faults.iter().map(|k| k.name()).collect();
        s.push_str(&format!("-f-{}", faults.join("+")));
    }
    if spec.phenomena.is_empty() {
        s.push_str("-clean");
    } else if spec.phenomena != PhenomenonSet::all() {
        let names: Vec<&str> = spec.phenomena.iter().map(|p| p.name()).collect();
        s.push_str(&format!("-p-{}", names.join("+")));
    }
    if spec.phenomena_in_every_session && !spec.phenomena.is_empty() {
        s.push_str("-every");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{FaultKind, FaultSet};
    use crate::mother::MotherId;
    use crate::profile::Profile;

    #[test]
    fn names_are_stable_and_distinct() {
        let a = SessionSpec::new(42);
        assert_eq!(session_name(&a), "sim-typical-s42-timer120-1000hz-15min");
        let b = SessionSpec::new(7)
            .with_profile(Profile::Stressed)
            .with_mother(MotherId(3))
            .with_program(PumpProgram::FollowHints)
            .with_rate_hz(500.0)
            .with_minutes(2.5)
            .with_faults(FaultSet::NONE.with(FaultKind::Stuck).with(FaultKind::Nan))
            .with_messy(false);
        assert_eq!(
            session_name(&b),
            "sim-stressed-s7-m3-hints-500hz-2.5min-f-nan+stuck-clean"
        );
        let p = SessionSpec::new(7)
            .with_phenomena("wobble,trickle".parse().unwrap())
            .with_phenomena_in_every_session(true);
        assert_eq!(
            session_name(&p),
            "sim-typical-s7-timer120-1000hz-15min-p-trickle+wobble-every"
        );
        let e = SessionSpec::new(7).with_expression_rate_cpm(30.0);
        assert_eq!(
            session_name(&e),
            "sim-typical-s7-timer120-expr30cpm-1000hz-15min"
        );
        let m = SessionSpec::new(9).with_profile(Profile::Mix);
        let name = session_name(&m);
        assert!(!name.contains("mix"), "{name}");
        assert!(name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-+._".contains(c)));
    }
}
