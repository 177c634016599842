//! `score_by_group` over the bundled outside development set (`datasets/external-dev/`):
//! every session found, three families × two halves of the right size; and an error, not
//! an empty result, for a folder without sessions. (The detection targets on these
//! figures are asserted elsewhere; this checks the grouping.)

use letdown_io::session_groups::{score_by_group, GroupScoreError, Half, HalvesApart};
use std::path::Path;

const FAMILIES: [&str; 3] = ["ext-alt", "ext-hard", "ext-std"];

#[test]
fn the_outside_dev_set_has_36_sessions_in_3_families_by_2_halves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/external-dev");
    let groups = score_by_group(&dir).unwrap_or_else(|e| panic!("{e}"));
    let all = groups
        .iter()
        .find(|g| g.is(None, None))
        .expect("the overall group");
    assert_eq!(all.sessions.len(), 36);
    assert_eq!(all.score.sessions, 36);
    assert!(all.score.duration_s > 6.0 * 3600.0, "10-15 min each");
    // Every family and half, overall included: 4 × (both, even, odd).
    assert_eq!(
        groups.len(),
        12,
        "{:?}",
        groups.iter().map(|g| g.title()).collect::<Vec<_>>()
    );
    for family in FAMILIES.map(Some).into_iter().chain([None]) {
        let per_family = if family.is_some() { 12 } else { 36 };
        let both = groups
            .iter()
            .find(|g| g.is(family, None))
            .expect("both halves");
        assert_eq!(both.sessions.len(), per_family, "{}", both.title());
        for half in Half::BOTH {
            let group = groups
                .iter()
                .find(|g| g.is(family, Some(half)))
                .unwrap_or_else(|| panic!("{family:?} {half}"));
            assert_eq!(group.sessions.len(), per_family / 2, "{}", group.title());
            assert_eq!(group.score.sessions, per_family / 2);
            for name in &group.sessions {
                let number: u32 = name
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("-NN");
                assert_eq!(
                    number % 2 == 0,
                    half == Half::Even,
                    "{name} in {}",
                    group.title()
                );
                if let Some(family) = family {
                    assert!(name.starts_with(&format!("{family}-")), "{name}");
                }
            }
            // Every labelled first letdown is counted once, in its half.
            assert!(group.score.letdown_sessions <= group.sessions.len());
        }
        assert!(HalvesApart::of(&groups, family).is_some());
    }
}

#[test]
fn a_folder_without_sessions_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "no sessions here").expect("write");
    std::fs::write(dir.path().join("a.labels.csv"), "onset_s,end_s\n").expect("write");
    match score_by_group(dir.path()) {
        Err(e @ GroupScoreError::NoSessions { .. }) => {
            assert!(e.to_string().contains("no session files"), "{e}");
        }
        other => panic!("expected NoSessions, got {other:?}"),
    }
    let missing = dir.path().join("missing");
    assert!(matches!(
        score_by_group(&missing),
        Err(GroupScoreError::ListFolder { .. })
    ));
    // A session without labels cannot be scored: an error, not a silent gap.
    std::fs::write(
        dir.path().join("b-01.csv"),
        "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0,-10,0\n",
    )
    .expect("write");
    assert!(matches!(
        score_by_group(dir.path()),
        Err(GroupScoreError::NoLabels { .. })
    ));
}
