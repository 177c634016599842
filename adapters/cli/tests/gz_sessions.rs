//! Compressed sessions: `NAME.csv.gz` (and `NAME.labels.csv.gz`) read exactly as their
//! plain files do, by the library and by `letdown replay`, `evaluate` and `plot`; a
//! corrupt or truncated one is reported with its file name, exit status 2, and the other
//! sessions still run.

mod cli_run;

use cli_run::{letdown, show, text};
use flate2::write::GzEncoder;
use flate2::Compression;
use letdown_io::session_files::list_sessions;
use letdown_io::{read_labels, ErrorKind, SessionItem, SessionReader};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

const TYPICAL: &str = "sim-typical-s11-timer120-100hz-8min";
const FAULTY: &str =
    "sim-typical-s15-timer120-250hz-4min-f-dropout+stuck+saturation+spikes+bubbles+overvacuum+drift+gain";

fn bundled(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/sessions")
        .join(file)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// Writes bundled session `name` into `dir` gzip-compressed (labels too when
/// `labels_gz`, else plain); returns the `.csv.gz` path.
fn gzip_session(name: &str, dir: &Path, labels_gz: bool) -> PathBuf {
    let session = dir.join(format!("{name}.csv.gz"));
    let csv = std::fs::read(bundled(&format!("{name}.csv"))).expect("bundled session");
    std::fs::write(&session, gzip(&csv)).expect("write");
    let labels = std::fs::read(bundled(&format!("{name}.labels.csv"))).expect("labels");
    if labels_gz {
        std::fs::write(dir.join(format!("{name}.labels.csv.gz")), gzip(&labels)).expect("write");
    } else {
        std::fs::write(dir.join(format!("{name}.labels.csv")), labels).expect("write");
    }
    session
}

fn items(path: &Path) -> (letdown_io::Metadata, Vec<SessionItem>) {
    let reader = SessionReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    let metadata = reader.metadata().clone();
    let items = reader
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    (metadata, items)
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn a_gz_session_reads_identically_to_its_plain_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in [TYPICAL, FAULTY] {
        let gz = gzip_session(name, dir.path(), true);
        let (plain_metadata, plain_items) = items(&bundled(&format!("{name}.csv")));
        let (gz_metadata, gz_items) = items(&gz);
        assert_eq!(gz_metadata, plain_metadata, "{name}");
        assert!(!gz_items.is_empty());
        assert_eq!(gz_items, plain_items, "{name}: rows, gaps and line numbers");
        let labels_gz = dir.path().join(format!("{name}.labels.csv.gz"));
        assert_eq!(
            read_labels(&labels_gz).expect("gz labels"),
            read_labels(bundled(&format!("{name}.labels.csv"))).expect("labels"),
        );
    }
    // A folder scan finds the compressed sessions, not their compressed labels.
    let found = list_sessions(dir.path()).expect("list");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|p| utf8(p).ends_with(".csv.gz")));
}

#[test]
fn a_truncated_gz_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = std::fs::read(bundled(&format!("{TYPICAL}.csv"))).expect("bundled");
    let compressed = gzip(&csv);
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &compressed[..compressed.len() / 2]).expect("write");
    let reader = SessionReader::open(&cut).expect("the header is in the first half");
    let error = reader
        .filter_map(Result::err)
        .next()
        .expect("a truncated stream is an error, not a short session");
    assert_eq!(error.path, cut);
    assert!(error.line.is_some_and(|l| l > 5), "{error}");
    assert!(matches!(error.kind, ErrorKind::Io(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("cut.csv.gz: line "), "{message}");
    assert!(message.contains("gzip"), "{message}");

    let not_gzip = dir.path().join("plain-text.csv.gz");
    std::fs::write(&not_gzip, &csv).expect("write");
    let message = SessionReader::open(&not_gzip)
        .err()
        .expect("not gzip")
        .to_string();
    assert!(
        message.starts_with(&format!(
            "{}: line 1: cannot read: gzip",
            not_gzip.display()
        )),
        "{message}"
    );
}

#[test]
fn replay_evaluate_and_plot_read_gz_and_a_broken_gz_does_not_stop_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    gzip_session(TYPICAL, dir.path(), false);
    let plain = letdown(&[
        "replay",
        "--quiet",
        utf8(&bundled(&format!("{TYPICAL}.csv"))),
    ]);
    let compressed = letdown(&["replay", "--quiet", utf8(dir.path())]);
    assert_eq!(compressed.status.code(), Some(0), "{}", show(&compressed));
    // The score lines (after the table) are the same; the table's speed column is not.
    let score = |o: &Output| {
        text(&o.stdout)
            .lines()
            .skip_while(|l| !l.starts_with("score over"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(!score(&plain).is_empty(), "{}", show(&plain));
    assert_eq!(score(&compressed), score(&plain));

    let evaluated = letdown(&["evaluate", "--json", utf8(dir.path())]);
    assert_eq!(evaluated.status.code(), Some(0), "{}", show(&evaluated));
    assert!(text(&evaluated.stdout).contains(&format!("\"name\": \"{TYPICAL}\"")));

    let picture = dir.path().join("s11.svg");
    let session = dir.path().join(format!("{TYPICAL}.csv.gz"));
    let plotted = letdown(&["plot", utf8(&session), "--out", utf8(&picture)]);
    assert_eq!(plotted.status.code(), Some(0), "{}", show(&plotted));
    assert!(std::fs::metadata(&picture).expect("picture").len() > 1000);

    // Now a truncated session and a file that is not gzip at all beside the good one.
    let csv = std::fs::read(bundled(&format!("{TYPICAL}.csv"))).expect("bundled");
    let compressed_bytes = gzip(&csv);
    let cut = dir.path().join("b-cut.csv.gz");
    std::fs::write(&cut, &compressed_bytes[..compressed_bytes.len() / 3]).expect("write");
    let junk = dir.path().join("c-junk.csv.gz");
    std::fs::write(&junk, b"this is not gzip data at all\n").expect("write");
    let output = letdown(&["replay", "--quiet", utf8(dir.path())]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = text(&output.stderr);
    for broken in [&cut, &junk] {
        let named = format!("{}: line ", broken.display());
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&named) && l.contains("gzip")),
            "{broken:?} not named with its line: {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = text(&output.stdout);
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}: {stdout}"))
            .to_owned()
    };
    assert!(row(TYPICAL).ends_with(" ok"), "{stdout}");
    assert!(row("b-cut").ends_with("read error"), "{stdout}");
    assert!(row("c-junk").ends_with("not replayed"), "{stdout}");
    assert!(
        stdout.contains("score over 1 labelled sessions"),
        "{stdout}"
    );
}
