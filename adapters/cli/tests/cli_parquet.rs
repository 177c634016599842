//! `letdown convert` and Parquet replay: a CSV → Parquet → CSV round trip keeps every
//! sample exactly, and every bundled session gives the same detections, events and
//! scores read as CSV, as Parquet files and as a fleet dataset, on one thread or two.

mod cli_run;
use cli_run::{letdown, session_text, show, text};
use letdown_io::{read_labels, SessionItem, SessionReader};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `data` gzip-compressed.
fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).expect("compress");
    gz.finish().expect("compress")
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions")
}

fn str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Every item of a session: (index, pressure bits, flow bits) of rows, and gaps.
fn items(path: &Path) -> Vec<(u64, u32, u32)> {
    let reader = SessionReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    reader
        .map(|item| match item.unwrap_or_else(|e| panic!("{e}")) {
            SessionItem::Row(r) => (
                r.index,
                r.sample.pressure_mmhg.to_bits(),
                r.sample.flow_ml_min.to_bits(),
            ),
            SessionItem::Gap(g) => (g.start_index, u32::MAX, g.missing as u32),
        })
        .collect()
}

#[test]
fn a_csv_to_parquet_to_csv_round_trip_keeps_every_sample_and_the_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The bundled session with a dropout gap, 250 Hz.
    let name = "sim-typical-s15-timer120-250hz-4min-f-dropout+stuck+saturation+spikes+bubbles+overvacuum+drift+gain";
    let csv = bundled().join(format!("{name}.csv"));
    let parquet = dir.path().join("s.parquet");
    let back = dir.path().join("s.csv");
    let out = letdown(&["convert", str(&csv), str(&parquet)]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("59610 samples, labels copied"),
        "{}",
        show(&out)
    );
    let out = letdown(&["convert", str(&parquet), str(&back)]);
    assert!(out.status.success(), "{}", show(&out));

    let snappy = dir.path().join("z.parquet");
    let out = letdown(&[
        "convert",
        str(&csv),
        str(&snappy),
        "--compression",
        "snappy",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let size = |p: &Path| fs::metadata(p).expect("size").len();
    assert!(
        size(&snappy) * 3 < size(&parquet) * 2,
        "Snappy saves a third or more"
    );

    let original = items(&csv);
    assert_eq!(items(&snappy), original);
    assert!(
        original.iter().any(|i| i.1 == u32::MAX),
        "the session has a gap"
    );
    assert_eq!(items(&parquet), original);
    assert_eq!(items(&back), original);
    let labels = read_labels(bundled().join(format!("{name}.labels.csv"))).expect("labels");
    assert!(!labels.is_empty());
    assert_eq!(
        read_labels(dir.path().join("s.labels.csv")).expect("copied"),
        labels
    );
    // The metadata survives both ways.
    let meta = |p: &Path| {
        SessionReader::open(p)
            .expect("open")
            .metadata()
            .entries
            .clone()
    };
    assert_eq!(meta(&parquet), meta(&csv));
    assert_eq!(meta(&back), meta(&csv));
}

#[test]
fn a_bad_output_name_or_input_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = bundled().join("sim-relaxed-s12-button-100hz-6min.csv");
    let out = letdown(&["convert", str(&csv), str(&dir.path().join("s.txt"))]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("must end in .parquet or .csv"),
        "{}",
        show(&out)
    );
    let broken = dir.path().join("broken.csv");
    fs::write(
        &broken,
        "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0,1,x\n",
    )
    .expect("write");
    let target = dir.path().join("broken.parquet");
    let out = letdown(&["convert", str(&broken), str(&target)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("line 3: field flow_ml_min"),
        "{}",
        show(&out)
    );
    assert!(!target.exists(), "no half file left");
    assert!(!dir.path().join("broken.parquet.tmp").exists());
}

#[test]
fn an_output_beside_its_input_under_its_name_keeps_the_inputs_labels() {
    // The output's labels would be the input's own file: neither rewritten nor removed
    // (a compressed one used to be rewritten plain and the input's deleted).
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    fs::write(path("a.csv"), session_text(500)).expect("write");
    let labels = gzip_bytes(b"onset_s,end_s\n1,2\n");
    fs::write(path("a.labels.csv.gz"), &labels).expect("write");
    let out = letdown(&["convert", str(&path("a.csv")), str(&path("a.parquet"))]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(fs::read(path("a.labels.csv.gz")).expect("kept"), labels);
    assert!(!path("a.labels.csv").exists(), "no plain copy beside it");
    assert_eq!(read_labels(path("a.labels.csv.gz")).expect("read").len(), 1);
}

#[test]
fn a_session_and_its_labels_are_converted_together_or_not_at_all() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    fs::write(path("a.csv"), session_text(500)).expect("write");
    fs::write(path("a.labels.csv"), "onset_s,end_s\n1,2\n").expect("write");
    fs::write(path("b.csv"), session_text(400)).expect("write");
    let out = letdown(&["convert", str(&path("a.csv")), str(&path("s.parquet"))]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(read_labels(path("s.labels.csv")).expect("copied").len(), 1);

    // An input without labels: the earlier output's labels (and a compressed copy) go.
    fs::write(path("s.labels.csv.gz"), "stale").expect("write");
    let out = letdown(&["convert", str(&path("b.csv")), str(&path("s.parquet"))]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("400 samples\n"),
        "{}",
        show(&out)
    );
    assert!(!path("s.labels.csv").exists() && !path("s.labels.csv.gz").exists());

    // Labels out of order: refused before anything is written, the earlier output kept.
    fs::write(path("b.labels.csv"), "onset_s,end_s\n5,6\n1,2\n").expect("write");
    let before = fs::read(path("s.parquet")).expect("read");
    for target in ["s.parquet", "new.csv"] {
        let out = letdown(&["convert", str(&path("b.csv")), str(&path(target))]);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(
            text(&out.stderr)
                .contains("b.labels.csv: line 3: field onset_s: rows out of time order"),
            "{}",
            show(&out)
        );
    }
    assert_eq!(fs::read(path("s.parquet")).expect("read"), before);
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.csv",
            "a.labels.csv",
            "b.csv",
            "b.labels.csv",
            "s.parquet"
        ],
        "no new.csv, no label file, no temporary file"
    );
}

/// `replay` of `input` on `jobs` threads: standard output without the speed column,
/// and the detection files written.
fn replay(input: &Path, jobs: &str, out: &Path) -> (String, Vec<(String, String)>) {
    fs::create_dir_all(out).expect("folder");
    let events = out.join("events.jsonl");
    let detections = out.join("detections");
    let run = letdown(&[
        "replay",
        str(input),
        "--jobs",
        jobs,
        "--events",
        str(&events),
        "--detections-out",
        str(&detections),
    ]);
    assert!(run.status.success(), "{}", show(&run));
    let mut paths: Vec<PathBuf> = (fs::read_dir(&detections).expect("detections"))
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut files: Vec<(String, String)> = (paths.iter())
        .map(|p| (name(p).expect("name"), fs::read_to_string(p).expect("read")))
        .collect();
    files.push((
        "events".into(),
        fs::read_to_string(&events).expect("events"),
    ));
    // The scores, per session and over all (the events file holds every detection; the
    // other lines name the file or carry the measured speed).
    let stdout = text(&run.stdout);
    let scores = [
        "score",
        "first letdown:",
        "all ejections:",
        "of them,",
        "false alarms:",
    ];
    let kept: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| scores.iter().any(|s| l.starts_with(s)))
        .collect();
    (kept.join("\n"), files)
}

#[test]
fn bundled_sessions_give_the_same_detections_from_csv_parquet_and_a_fleet_dataset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = dir.path().join("files");
    let fleet = dir.path().join("fleet");
    let from_parquet = dir.path().join("fleet-from-parquet");
    let bundled = bundled();
    let converts = [
        (&bundled, &files, None),
        (&bundled, &fleet, Some("--fleet")),
        // Parquet files into a fleet dataset too.
        (&files, &from_parquet, Some("--fleet")),
    ];
    for (source, target, extra) in converts {
        let mut args = vec!["convert", str(source), str(target)];
        args.extend(extra);
        let out = letdown(&args);
        assert!(out.status.success(), "{}", show(&out));
        assert!(
            text(&out.stdout).contains("converted 6 of 6 sessions"),
            "{}",
            show(&out)
        );
    }
    assert!(fleet.join("_labels").is_dir());
    let reference = replay(&bundled, "1", &dir.path().join("r-csv"));
    assert!(
        reference.0.contains("all ejections: TP 10 FP 0 FN 0"),
        "{}",
        reference.0
    );
    assert_eq!(
        reference
            .0
            .lines()
            .filter(|l| l.starts_with("score: "))
            .count(),
        6
    );
    assert_eq!(reference.1.len(), 7, "6 detection files and the events");
    assert!(from_parquet.join("_labels").is_dir());
    // One session and --fleet: refused, not converted as if --fleet were not there.
    let one = files.join("sim-typical-s11-timer120-100hz-8min.parquet");
    let out = letdown(&[
        "convert",
        str(&one),
        str(&dir.path().join("x.csv")),
        "--fleet",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("--fleet writes a folder"),
        "{}",
        show(&out)
    );
    let replays = [
        (&files, "1", "r-files"),
        (&fleet, "2", "r-fleet"),
        (&from_parquet, "2", "r-from-parquet"),
    ];
    for (input, jobs, tag) in replays {
        let replayed = replay(input, jobs, &dir.path().join(tag));
        assert_eq!(replayed.1, reference.1, "{tag}: detections and events");
        assert_eq!(replayed.0, reference.0, "{tag}: summary and scores");
    }
}

#[test]
fn evaluate_scores_a_fleet_dataset_as_it_scores_the_csv_sessions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = dir.path().join("fleet");
    let bundled = bundled();
    let out = letdown(&["convert", str(&bundled), str(&fleet), "--fleet"]);
    assert!(out.status.success(), "{}", show(&out));
    let scores = |input: &Path| {
        let out = letdown(&["evaluate", str(input), "--threads", "2"]);
        assert!(out.status.success(), "{}", show(&out));
        let stdout = text(&out.stdout);
        // All but the line with the wall-clock time.
        let kept: Vec<&str> = stdout
            .lines()
            .filter(|l| !l.contains(" runs in "))
            .collect();
        kept.join("\n")
    };
    let reference = scores(&bundled);
    assert!(reference.contains("6 sessions"), "{reference}");
    assert_eq!(scores(&fleet), reference);
}

/// A fleet dataset in `dir/fleet` with the same short session in each of `folders`.
fn fleet_of(dir: &Path, folders: &[&str]) -> PathBuf {
    let csv = dir.join("csv");
    fs::create_dir_all(&csv).expect("folder");
    fs::write(csv.join("a.csv"), session_text(500)).expect("write");
    let made = dir.join("made");
    let out = letdown(&["convert", str(&csv), str(&made), "--fleet"]);
    assert!(out.status.success(), "{}", show(&out));
    let fleet = dir.join("fleet");
    for folder in folders {
        fs::create_dir_all(fleet.join(folder)).expect("folder");
        let part = |root: &Path, folder: &str| root.join(folder).join("part-0.parquet");
        fs::copy(part(&made, "session_id=a"), part(&fleet, folder)).expect("copy");
    }
    fleet
}

#[test]
fn a_fleet_session_whose_name_leads_out_of_the_output_folder_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fleet = fleet_of(dir.path(), &["session_id=..%2Fescaped", "session_id=a%20b"]);
    let refused = format!(
        "{}: field session_id: session name \"../escaped\" refused: it contains `/`",
        fleet.join("session_id=..%2Fescaped").display()
    );
    let escaped = dir.path().join("out").join("escaped");
    let out_dir = dir.path().join("out");

    let det = out_dir.join("det");
    let out = letdown(&["replay", str(&fleet), "--detections-out", str(&det)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains(&refused), "{}", show(&out));
    assert!(det.join("a b.detections.csv").is_file(), "{}", show(&out));
    assert!(!escaped.with_extension("detections.csv").exists());

    let plots = out_dir.join("plots");
    let out = letdown(&["evaluate", str(&fleet), "--plots", str(&plots)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains(&refused), "{}", show(&out));
    assert!(!escaped.with_extension("svg").exists());

    let csv = out_dir.join("csv");
    let out = letdown(&["convert", str(&fleet), str(&csv)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains(&refused), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("converted 1 of 2 sessions"),
        "{}",
        show(&out)
    );
    assert!(csv.join("a b.csv").is_file());
    assert!(!escaped.with_extension("csv").exists());
}

#[test]
fn a_failed_fleet_conversion_leaves_no_empty_session_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("csv");
    fs::create_dir_all(&csv).expect("folder");
    fs::write(csv.join("good.csv"), session_text(500)).expect("write");
    // The reader stops at the last row, after the session's folder was made.
    let bad = session_text(500) + "5,-60.5,x\n";
    fs::write(csv.join("bad.csv"), bad).expect("write");
    let fleet = dir.path().join("fleet");
    let out = letdown(&["convert", str(&csv), str(&fleet), "--fleet"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("line 503: field flow_ml_min"),
        "{}",
        show(&out)
    );
    let good = fleet.join("session_id=good").join("part-0.parquet");
    assert!(good.is_file(), "{}", show(&out));
    assert!(!fleet.join("session_id=bad").exists(), "{}", show(&out));
    let out = letdown(&["replay", str(&fleet)]);
    assert!(out.status.success(), "{}", show(&out));
}
