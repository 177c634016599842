//! `letdown replay --jobs N`: sessions replayed on N threads give the same standard
//! output (but for the measured speeds), the same problems on standard error in the same
//! order, the same exit status, events file and detection files as on one thread.

mod cli_run;
use cli_run::{letdown, session_text, show, text};
use std::fs;
use std::path::{Path, PathBuf};

/// A folder with the bundled sessions and their labels, a broken session (a bad row
/// after good ones) and, in a second folder, a session named like a bundled one.
fn sessions(root: &Path) -> (PathBuf, PathBuf) {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions");
    let (one, two) = (root.join("one"), root.join("two"));
    fs::create_dir_all(&one).expect("mkdir");
    fs::create_dir_all(&two).expect("mkdir");
    let mut copied = 0;
    for entry in fs::read_dir(&bundled).expect("bundled sessions") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "csv") {
            fs::copy(&path, one.join(path.file_name().expect("name"))).expect("copy");
            copied += 1;
        }
    }
    assert_eq!(copied, 12, "6 bundled sessions and their labels");
    let mut broken = session_text(500);
    broken.push_str("5.00,-60.5,not-a-number\n");
    fs::write(one.join("broken.csv"), broken).expect("write");
    fs::write(
        two.join("sim-no-letdown-s14-timer120-100hz-5min.csv"),
        session_text(3000),
    )
    .expect("write");
    (one, two)
}

/// `text` without the measured speeds (a number followed by a unit or `samples/s`, and
/// the `N× real time` part) and with runs of spaces as one (column widths follow them).
fn without_speeds(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let mut kept = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let next = tokens.get(i + 1).copied().unwrap_or("");
            let is_number = tokens[i].parse::<f64>().is_ok();
            if is_number && ["M", "k", "G"].contains(&next) {
                i += 2;
            } else if is_number && next == "samples/s" || tokens[i].contains('×') {
                i += 1;
            } else {
                kept.push(tokens[i]);
                i += 1;
            }
        }
        out.push_str(&kept.join(" "));
        out.push('\n');
    }
    out
}

#[test]
fn any_number_of_jobs_gives_the_same_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (one, two) = sessions(dir.path());
    let run = |jobs: &str| {
        let events = dir.path().join(format!("events-{jobs}.jsonl"));
        let detections = dir.path().join(format!("detections-{jobs}"));
        let output = letdown(&[
            "replay",
            "--jobs",
            jobs,
            "--events",
            events.to_str().expect("utf-8"),
            "--detections-out",
            detections.to_str().expect("utf-8"),
            one.to_str().expect("utf-8"),
            two.to_str().expect("utf-8"),
        ]);
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&detections)
            .expect("detections folder")
            .map(|e| {
                let path = e.expect("entry").path();
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                (name, fs::read(&path).expect("read"))
            })
            .collect();
        files.sort();
        (output, fs::read(&events).expect("events file"), files)
    };
    let (base, base_events, base_files) = run("1");
    assert_eq!(base.status.code(), Some(2), "{}", show(&base));
    let stderr = text(&base.stderr);
    assert!(stderr.contains("broken.csv: line 503"), "{stderr}");
    assert!(
        stderr.contains("another session named sim-no-letdown-s14"),
        "{stderr}"
    );
    assert!(base_events.len() > 1000, "events written");
    assert_eq!(base_files.len(), 6, "{base_files:?}");
    for jobs in ["2", "3", "8"] {
        let (output, events, files) = run(jobs);
        assert_eq!(output.status.code(), base.status.code(), "--jobs {jobs}");
        assert_eq!(text(&output.stderr), stderr, "--jobs {jobs}");
        assert_eq!(
            without_speeds(&text(&output.stdout)),
            without_speeds(&text(&base.stdout)),
            "--jobs {jobs}"
        );
        assert!(events == base_events, "--jobs {jobs}: events file differs");
        assert!(files == base_files, "--jobs {jobs}: detection files differ");
    }
}
