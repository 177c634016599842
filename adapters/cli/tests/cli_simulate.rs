//! The `letdown simulate` command, run as a built binary: the same options write the same
//! bytes, a different seed different ones, the files read back as valid sessions with
//! labels, and bad options exit 2 with the reason.

mod cli_run;
use cli_run::{letdown, text};
use letdown_io::{read_labels, SessionItem, SessionReader};
use std::fs;
use std::path::{Path, PathBuf};

fn simulate(out: &Path, seed: &str) -> Vec<PathBuf> {
    let o = letdown(&[
        "simulate",
        "--out",
        out.to_str().unwrap(),
        "--n",
        "2",
        "--seed",
        seed,
        "--profile",
        "typical",
        "--rate",
        "200",
        "--minutes",
        "3",
        "--faults",
        "spikes,dropout",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut files: Vec<PathBuf> = fs::read_dir(out)
        .expect("out exists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn same_options_same_bytes_and_the_files_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = simulate(&dir.path().join("a"), "21");
    let b = simulate(&dir.path().join("b"), "21");
    let c = simulate(&dir.path().join("c"), "22");
    // Two sessions, each a NAME.csv and a NAME.labels.csv.
    assert_eq!(a.len(), 4, "{a:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.file_name(), y.file_name());
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{x:?} differs"
        );
    }
    let first_a = fs::read(a.iter().find(|p| !is_labels(p)).unwrap()).unwrap();
    let first_c = fs::read(c.iter().find(|p| !is_labels(p)).unwrap()).unwrap();
    assert!(first_a != first_c, "another seed gave the same session");

    for path in a.iter().filter(|p| !is_labels(p)) {
        let mut reader = SessionReader::open(path).expect("a valid session");
        assert_eq!(reader.sample_rate_hz(), 200.0);
        let mut rows = 0u64;
        while let Some(item) = reader.next_item().expect("valid rows") {
            if let SessionItem::Row(row) = item {
                assert!(row.t_s.is_finite());
                rows += 1;
            }
        }
        // Dropouts leave rows out, never add any: at most 3 min × 200 Hz.
        assert!((30_000..=36_000).contains(&rows), "{rows} rows");
        let labels = read_labels(path.with_extension("labels.csv")).expect("labels");
        for l in &labels {
            assert!(l.onset_s < l.end_s && l.end_s <= 180.0 + 1e-9, "{l:?}");
        }
    }
}

/// The file `letdown simulate` writes for seed 3, a typical mother, 100 Hz, one minute and
/// the `extra` options, which must be named `name`.
fn simulated(extra: &[&str], name: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "simulate",
        "--out",
        dir.path().to_str().unwrap(),
        "--seed",
        "3",
        "--profile",
        "typical",
        "--rate",
        "100",
        "--minutes",
        "1",
    ];
    args.extend_from_slice(extra);
    let o = letdown(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    fs::read_to_string(dir.path().join(format!("{name}.csv"))).expect("session")
}

#[test]
fn phenomena_are_chosen_by_name_and_listed_in_the_header() {
    let csv = simulated(
        &["--phenomena", "wobble, trickle"],
        "sim-typical-s3-timer120-100hz-1min-p-trickle+wobble",
    );
    assert!(
        csv.contains("# phenomena: trickle,wobble\n"),
        "{}",
        &csv[..800]
    );
    assert!(csv.contains("# phenomena_present: "));
    assert!(csv.contains("# user_events: none\n"));
}

#[test]
fn a_set_expression_rhythm_is_in_the_name_and_the_header() {
    let csv = simulated(
        &["--expression-rate", "30"],
        "sim-typical-s3-timer120-expr30cpm-100hz-1min",
    );
    assert!(
        csv.contains("# expression_rate_cpm: 30.0\n"),
        "{}",
        &csv[..800]
    );
}

fn is_labels(p: &Path) -> bool {
    p.to_string_lossy().ends_with(".labels.csv")
}

#[test]
fn bad_options_exit_two_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().unwrap();
    for (args, needle) in [
        (vec!["--rate", "50"], "rate"),
        (vec!["--faults", "gremlins"], "gremlins"),
        (vec!["--profile", "sleepy"], "sleepy"),
        (vec!["--phenomena", "trickle,gremlins"], "gremlins"),
        (vec!["--phenomena", "trickle", "--clean"], "--clean"),
        (vec!["--expression-rate", "fast"], "24 … 130 cycles/min"),
    ] {
        let mut all = vec!["simulate", "--out", out];
        all.extend(args.iter().copied());
        let o = letdown(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        let err = text(&o.stderr);
        assert!(err.contains(needle), "{all:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
