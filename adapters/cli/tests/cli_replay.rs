//! The `letdown replay` command, run as a built binary: a broken file is reported with
//! file, line, field and reason, the valid sessions are still replayed and reported, and
//! the exit status is 2; `--help` explains every option.

mod cli_run;
use cli_run::{letdown, text};
use letdown_datasets::labels::Ejection;
use letdown_engine::Sample;
use letdown_io::{write_labels, SessionWriter};
use std::path::Path;

/// A 30 s session at 1 kHz: 110 cpm pumping, flow rising after 12 s, a 0.2 s gap at 20 s.
fn write_session(path: &Path) {
    let rate = 1000.0;
    let mut w = SessionWriter::create(path, rate, &[("profile", "test")]).expect("create");
    for i in 0..30_000u32 {
        if (20_000..20_200).contains(&i) {
            w.skip(1);
            continue;
        }
        let t = f64::from(i) / rate;
        let pressure = -50.0 - 50.0 * (t * 110.0 / 60.0 * std::f64::consts::TAU).sin();
        let flow = if t > 12.0 {
            20.0 * (1.0 - (-(t - 12.0) / 5.0).exp())
        } else {
            0.0
        };
        let ripple = 0.2 * (t * 37.0).sin();
        w.write_sample(Sample::new(pressure as f32, (flow + ripple) as f32))
            .expect("write");
    }
    w.finish().expect("flush");
}

#[test]
fn a_broken_file_is_reported_and_the_valid_one_still_replayed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sessions = dir.path().join("sessions");
    std::fs::create_dir(&sessions).expect("mkdir");
    write_session(&sessions.join("good.csv"));
    let labels = [Ejection {
        onset_s: 12.0,
        end_s: 28.0,
        visible_s: Some(12.5),
    }];
    let labels_file = std::fs::File::create(sessions.join("good.labels.csv")).expect("create");
    write_labels(labels_file, &labels).expect("labels");
    std::fs::write(
        sessions.join("broken.csv"),
        "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n0,-10,0\n0.001,-10,0\n0.002,-10,abc\n",
    )
    .expect("write");
    let out_dir = dir.path().join("out");
    // In the folder `--detections-out` makes, as the README writes it: neither exists yet.
    let events = out_dir.join("events.jsonl");
    // A later run: an earlier one's detections of the session, broken since, are removed.
    let rerun = dir.path().join("rerun");
    std::fs::create_dir(&rerun).expect("mkdir");
    std::fs::write(rerun.join("broken.detections.csv"), "stale").expect("write");
    let output = letdown(&[
        "replay",
        "-q",
        sessions.to_str().expect("utf-8 path"),
        "--detections-out",
        rerun.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !rerun.join("broken.detections.csv").exists(),
        "stale detections left"
    );
    assert!(
        text(&output.stderr).contains("broken.detections.csv: removed: it held an earlier run's"),
        "{}",
        text(&output.stderr)
    );

    let output = letdown(&[
        "replay",
        sessions.to_str().expect("utf-8 path"),
        "--detections-out",
        out_dir.to_str().expect("utf-8 path"),
        "--events",
        events.to_str().expect("utf-8 path"),
    ]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stderr.contains("broken.csv: line 5: field flow_ml_min: not a number: \"abc\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Sorted by name: broken before good, and good is still reported.
    assert!(stdout.contains("== good"), "{stdout}");
    assert!(
        stdout.contains("good: 29800 samples, 30.000 s, 1 gap (200 samples missing)"),
        "{stdout}"
    );
    assert!(stdout.contains("   score: "), "{stdout}");
    let table_row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no table row for {name}:\n{stdout}"))
            .to_owned()
    };
    assert!(table_row("good").ends_with("ok"), "{stdout}");
    assert!(table_row("broken").ends_with("read error"), "{stdout}");
    assert!(
        stdout.contains("score over 1 labelled sessions"),
        "{stdout}"
    );
    // The valid session's detections are written, the broken one's are not.
    let detections = std::fs::read_to_string(out_dir.join("good.detections.csv")).expect("written");
    assert!(
        detections.starts_with("t_s,kind,reason,confidence\n"),
        "{detections}"
    );
    assert!(!out_dir.join("broken.detections.csv").exists());
    assert!(!out_dir.join("broken.detections.csv.tmp").exists());
    // Every event line is JSON with the session's name.
    let events = std::fs::read_to_string(&events).expect("events written");
    for line in events.lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
        assert!(line.contains("\"session\":\"good\"") || line.contains("\"session\":\"broken\""));
    }
}

#[test]
fn valid_sessions_exit_zero_and_quiet_prints_only_the_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("only.csv");
    write_session(&session);
    let output = letdown(&["replay", "--quiet", session.to_str().expect("utf-8 path")]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(!stdout.contains("== only"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("only ") && l.ends_with("ok")),
        "{stdout}"
    );
    assert!(
        stdout.contains("sessions: 1 (0 with problems); 29800 samples"),
        "{stdout}"
    );
    assert!(
        stdout.contains("score: no session with labels was replayed"),
        "{stdout}"
    );
}

#[test]
fn a_session_named_twice_is_replayed_and_evaluated_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sessions = dir.path().join("sessions");
    std::fs::create_dir(&sessions).expect("mkdir");
    write_session(&sessions.join("only.csv"));
    let labels = [Ejection {
        onset_s: 12.0,
        end_s: 25.0,
        visible_s: None,
    }];
    let file = std::fs::File::create(sessions.join("only.labels.csv")).expect("create");
    write_labels(file, &labels).expect("labels");
    let folder = sessions.to_str().expect("utf-8 path");
    let file = sessions.join("only.csv");
    let file = file.to_str().expect("utf-8 path");
    let note = format!("note: {file}: named more than once: taken once\n");

    let output = letdown(&["replay", "-q", folder, &format!("{folder}/"), file]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), note.repeat(2));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("sessions: 1 (0 with problems)"), "{stdout}");

    let output = letdown(&["evaluate", folder, folder]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), note);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("\n1 sessions, 1 runs"), "{stdout}");
}

#[test]
fn an_events_file_that_is_an_input_is_refused_before_it_empties_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("s.csv");
    write_session(&session);
    std::fs::write(dir.path().join("s.labels.csv"), "onset_s,end_s\n12,25\n").expect("labels");
    // A compressed copy beside it too (`gzip -k`): the session's labels are refused, and
    // neither name may be written over.
    std::fs::write(dir.path().join("s.labels.csv.gz"), "stale").expect("labels");
    let before = std::fs::read(&session).expect("read");
    for target in ["s.csv", "s.labels.csv", "s.labels.csv.gz"] {
        let events = dir.path().join(target);
        let output = letdown(&[
            "replay",
            "-q",
            session.to_str().expect("utf-8 path"),
            "--events",
            events.to_str().expect("utf-8 path"),
        ]);
        assert_eq!(output.status.code(), Some(2), "{target}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("--events names this input"), "{stderr}");
    }
    assert_eq!(
        std::fs::read(&session).expect("read"),
        before,
        "the session is untouched"
    );
    let labels = std::fs::read_to_string(dir.path().join("s.labels.csv")).expect("read");
    assert_eq!(labels, "onset_s,end_s\n12,25\n");
    let gz = std::fs::read_to_string(dir.path().join("s.labels.csv.gz")).expect("read");
    assert_eq!(gz, "stale");
}

#[test]
fn a_second_file_of_one_session_is_not_counted_twice() {
    // `gzip -k` leaves s.csv beside s.csv.gz: one recording, one label file.
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("s.csv");
    write_session(&session);
    let bytes = std::fs::read(&session).expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).expect("gzip");
    std::fs::write(dir.path().join("s.csv.gz"), gz.finish().expect("gzip")).expect("write");
    let output = letdown(&["replay", "-q", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("s.csv.gz: another file of session s in this folder came first"),
        "{stderr}"
    );
    assert!(
        text(&output.stdout).contains("sessions: 1 "),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn a_session_with_both_label_files_is_not_scored_against_a_guess() {
    // `gzip -k s.labels.csv` leaves both, and one may be edited after: which holds the
    // labels is not for the reader to guess.
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("s.csv");
    write_session(&session);
    let mut plain = Vec::new();
    let label = Ejection {
        onset_s: 12.0,
        end_s: 25.0,
        visible_s: None,
    };
    write_labels(&mut plain, &[label]).expect("labels");
    std::fs::write(dir.path().join("s.labels.csv"), &plain).expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, b"onset_s,end_s\n3,9\n").expect("gzip");
    std::fs::write(
        dir.path().join("s.labels.csv.gz"),
        gz.finish().expect("gzip"),
    )
    .expect("write");
    let output = letdown(&["replay", "-q", session.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("s.labels.csv: ") && stderr.contains("s.labels.csv.gz is there too"),
        "{stderr}"
    );
    let stdout = text(&output.stdout);
    assert!(!stdout.contains("score over 1 labelled"), "{stdout}");
}

#[test]
fn missing_paths_and_bad_options_exit_two() {
    let output = letdown(&["replay", "/nonexistent/letdown/session.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("/nonexistent/letdown/session.csv: no such file or folder")
    );
    let output = letdown(&["replay", "--no-such-option"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_rate_the_engine_refuses_names_the_metadata_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("slow.csv");
    std::fs::write(
        &session,
        "# profile: x\n# sample_rate_hz: 50\nt_s,pressure_mmhg,flow_ml_min\n0,0,0\n",
    )
    .expect("write");
    let output = letdown(&["replay", session.to_str().expect("utf-8 path")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("slow.csv: line 2: field sample_rate_hz:"),
        "{stderr}"
    );
    assert!(text(&output.stdout).contains("not replayed"));
}

#[test]
fn help_mentions_every_option_and_unit() {
    let output = letdown(&["replay", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for part in [
        "[PATH]...",
        "--detections-out <DIR>",
        "--events <FILE>",
        "--quiet",
        "--help",
        "datasets/sessions",
        "mmHg",
        "mL/min",
        "cycles/min",
        "Hz",
        "Exit status",
    ] {
        assert!(help.contains(part), "help lacks {part:?}:\n{help}");
    }
    let top = letdown(&["--help"]);
    assert!(text(&top.stdout).contains("replay"));
}

/// `letdown replay` without paths, with `LETDOWN_SESSIONS` set to `dir`.
fn replay_bundled(dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(["replay", "--quiet"])
        .env("LETDOWN_SESSIONS", dir)
        .output()
        .expect("the letdown binary runs")
}

#[test]
fn an_installed_binary_finds_the_bundled_sessions_where_letdown_sessions_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_session(&dir.path().join("only.csv"));
    let output = replay_bundled(dir.path());
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.contains("only "), "{stdout}");
    assert!(stdout.contains("sessions: 1 (0 with problems)"), "{stdout}");
}

#[test]
fn without_bundled_sessions_it_says_where_it_looked_and_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere");
    let output = replay_bundled(&missing);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no session files named and no bundled sessions found (looked in {})",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("set LETDOWN_SESSIONS to the folder"),
        "{stderr}"
    );
}
