//! No silent loss of output: every command that writes, run with its output going to
//! `/dev/full` (every write fails with "No space left on device"), says so on standard
//! error and exits 1; a closed pipe (the reader went away, as with `| head`) stays a
//! quiet, successful exit.

mod cli_run;
use cli_run::{show, text};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `letdown ARGS` with standard output going to `/dev/full`.
fn letdown_into_full_disk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(args)
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("the letdown binary runs")
}

/// Asserts exit status 1 and the message saying what could not be written.
fn assert_lost(output: &Output, what: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", show(output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "error: {what}: cannot write: No space left on device"
        )),
        "{}",
        show(output)
    );
    assert!(!stderr.contains("panicked"), "{}", show(output));
}

#[test]
fn standard_output_on_a_full_disk_fails_every_command_loudly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("sim");
    let out = out.to_str().expect("utf-8 path");
    let cases: [&[&str]; 5] = [
        &["replay"],
        &["replay", "--quiet"],
        &[
            "simulate",
            "--out",
            out,
            "--minutes",
            "0.5",
            "--rate",
            "100",
        ],
        &["evaluate", "--json"],
        &["latency", "--json", "--seconds", "0.2", "--rounds", "1"],
    ];
    for args in cases {
        assert_lost(&letdown_into_full_disk(args), "standard output");
    }
    let plot_out = dir.path().join("p.svg");
    let session = dir.path().join("sim").read_dir().expect("simulated");
    let session = session
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| !p.to_string_lossy().ends_with(".labels.csv"))
        .expect("a session");
    let plot = letdown_into_full_disk(&[
        "plot",
        session.to_str().expect("utf-8 path"),
        "--out",
        plot_out.to_str().expect("utf-8 path"),
    ]);
    assert_lost(&plot, "standard output");
    assert!(plot_out.is_file(), "the picture itself was written");
}

#[test]
fn output_files_on_a_full_disk_fail_loudly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let replay = cli_run::letdown(&["replay", "--quiet", "--events", "/dev/full"]);
    assert_lost(&replay, "events file");
    detections_on_a_full_disk_fail_loudly(dir.path());
    let session = a_picture_on_a_full_disk_fails_loudly(dir.path());
    a_simulated_session_on_a_full_disk_fails_loudly(dir.path(), &session);
    a_converted_session_on_a_full_disk_fails_loudly(dir.path(), &session);
}

/// The converted session is written beside its final name first; that name points at
/// /dev/full: output lost (1), not bad input.
fn a_converted_session_on_a_full_disk_fails_loudly(dir: &Path, session: &Path) {
    let out = dir.join("converted.parquet");
    let tmp = dir.join("converted.parquet.tmp");
    std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
    let output = cli_run::letdown(&[
        "convert",
        session.to_str().expect("utf-8 path"),
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        text(&output.stderr).contains("No space left on device"),
        "{}",
        show(&output)
    );
    assert!(
        text(&output.stdout).contains("converted 0 of 1 sessions"),
        "{}",
        show(&output)
    );
}

/// `letdown simulate --out OUT` for half a minute at 100 Hz.
fn simulate(out: &Path) -> Output {
    cli_run::letdown(&[
        "simulate",
        "--out",
        out.to_str().expect("utf-8 path"),
        "--minutes",
        "0.5",
        "--rate",
        "100",
    ])
}

/// The detection file is written beside its final name first; that name points at
/// /dev/full.
fn detections_on_a_full_disk_fail_loudly(dir: &Path) {
    let detections = dir.join("detections");
    std::fs::create_dir(&detections).expect("mkdir");
    let name = "sim-typical-s11-timer120-100hz-8min";
    let tmp = detections.join(format!("{name}.detections.csv.tmp"));
    std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions");
    let replay = cli_run::letdown(&[
        "replay",
        "--quiet",
        bundled
            .join(format!("{name}.csv"))
            .to_str()
            .expect("utf-8 path"),
        "--detections-out",
        detections.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(replay.status.code(), Some(1), "{}", show(&replay));
    let said = format!("{name}.detections.csv: cannot write detections: No space left on device");
    assert!(text(&replay.stderr).contains(&said), "{}", show(&replay));
    assert!(
        text(&replay.stdout).contains("output error"),
        "{}",
        show(&replay)
    );
}

/// The picture's name points at /dev/full. Returns the session simulated to plot.
fn a_picture_on_a_full_disk_fails_loudly(dir: &Path) -> PathBuf {
    let sim = dir.join("sim");
    assert_eq!(simulate(&sim).status.code(), Some(0));
    let session = sim
        .read_dir()
        .expect("simulated")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| !p.to_string_lossy().ends_with(".labels.csv"))
        .expect("a session");
    let picture = dir.join("full.svg");
    std::os::unix::fs::symlink("/dev/full", &picture).expect("symlink");
    let plot = cli_run::letdown(&[
        "plot",
        session.to_str().expect("utf-8 path"),
        "--out",
        picture.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(plot.status.code(), Some(1), "{}", show(&plot));
    assert!(
        text(&plot.stderr).contains("No space left on device"),
        "{}",
        show(&plot)
    );
    session
}

/// The session file simulate writes (named as `session`, written beside its final name
/// first) points at /dev/full; an earlier run's labels stay as they were, not beside a
/// half session.
fn a_simulated_session_on_a_full_disk_fails_loudly(dir: &Path, session: &Path) {
    let full = dir.join("full");
    std::fs::create_dir(&full).expect("mkdir");
    let name = session
        .file_name()
        .expect("name")
        .to_str()
        .expect("utf-8 name");
    let tmp = full.join(format!("{name}.tmp"));
    std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
    let output = simulate(&full);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        text(&output.stderr).contains(&format!("{}: No space left on device", tmp.display())),
        "{}",
        show(&output)
    );
    assert!(!full.join(name).exists(), "no half session in place");
    assert!(!tmp.exists(), "the temporary name is cleaned up");
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    // Eight copies of the bundled sessions print about 128 KiB, twice what a pipe
    // holds: the writes after the reader left must fail. (Copies in eight folders, hard
    // links where the file system allows: the same folder named eight times is replayed
    // once.)
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions");
    let dir = tempfile::tempdir().expect("temp dir");
    let copies: Vec<PathBuf> = (0..8).map(|i| dir.path().join(i.to_string())).collect();
    for copy in &copies {
        std::fs::create_dir(copy).expect("mkdir");
        for entry in std::fs::read_dir(&bundled).expect("bundled sessions") {
            let from = entry.expect("entry").path();
            let to = copy.join(from.file_name().expect("name"));
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).expect("copy");
            }
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_letdown"))
        .arg("replay")
        .args(&copies)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the letdown binary runs");
    let mut first = [0u8; 16];
    let mut stdout = child.stdout.take().expect("stdout");
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("runs to the end");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn a_warning_lost_to_a_full_standard_error_fails_the_command() {
    // One labelled session and one without labels: evaluate warns about the second and
    // otherwise succeeds; with standard error on a full disk the warning is lost, so the
    // exit status says so.
    let dir = tempfile::tempdir().expect("temp dir");
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions");
    let name = "sim-typical-s11-timer120-100hz-8min";
    for file in [format!("{name}.csv"), format!("{name}.labels.csv")] {
        std::fs::copy(bundled.join(&file), dir.path().join(&file)).expect("copy");
    }
    std::fs::copy(
        bundled.join(format!("{name}.csv")),
        dir.path().join("unlabelled.csv"),
    )
    .expect("copy");
    let folder = dir.path().to_str().expect("utf-8 path");
    let ok = cli_run::letdown(&["evaluate", "--json", folder]);
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));
    assert!(text(&ok.stderr).contains("unlabelled.csv: no labels"));
    let lost = Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(["evaluate", "--json", folder])
        .stderr(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("the letdown binary runs");
    assert_eq!(lost.status.code(), Some(1), "{}", show(&lost));
    assert!(
        text(&lost.stdout).contains("\"schema\""),
        "the report itself is written"
    );
}
