//! Every message says what is wrong and what to do: special files and symbolic link
//! loops named for what they are, odd option values refused with the flag and the
//! allowed range, the tool's own description under `-h`, a contradicted rate and a late
//! start refused with both figures, and the summary counting paths that gave nothing.
//! Each case asserts the exit status and the words of the message.

mod cli_run;
use cli_run::{letdown, session_text, show, text};
use letdown_io::session_csv::SESSION_HEADER;
use std::path::Path;
use std::process::{Command, Output};

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

/// Asserts the exit status and that standard error holds every one of `words`.
fn assert_says(output: &Output, code: i32, words: &[&str]) {
    assert_eq!(output.status.code(), Some(code), "{}", show(output));
    let stderr = text(&output.stderr);
    for w in words {
        assert!(stderr.contains(w), "missing {w:?}\n{}", show(output));
    }
    assert!(!stderr.contains("panicked"), "{}", show(output));
}

#[test]
fn special_files_and_link_loops_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("sessions");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("good.csv"), session_text(300)).expect("write");
    mkfifo(&folder.join("pipe.csv"));
    std::os::unix::fs::symlink("loop.csv", folder.join("loop.csv")).expect("symlink");
    // A link to a session outside the folder (one to good.csv would be good.csv again,
    // replayed once).
    std::fs::write(dir.path().join("elsewhere.csv"), session_text(200)).expect("write");
    std::os::unix::fs::symlink("../elsewhere.csv", folder.join("linked.csv")).expect("symlink");
    std::os::unix::fs::symlink("gone.csv", folder.join("dangling.csv")).expect("symlink");

    // In a folder: skipped, each with its reason; the linked session is replayed.
    let output = letdown(&["replay", "--quiet", path_str(&folder)]);
    assert_says(
        &output,
        2,
        &[
            "pipe.csv: a named pipe (FIFO), not a session file: skipped",
            "loop.csv: a symbolic link loop",
            "dangling.csv: a symbolic link to a missing file: skipped",
        ],
    );
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("linked ") && stdout.contains("good "),
        "{stdout}"
    );
    assert!(
        stdout.contains("sessions: 2 (0 with problems, and 3 paths that gave no session)"),
        "{stdout}"
    );

    // Named on the command line: the loop and a missing file are told apart.
    let missing = dir.path().join("missing.csv");
    let output = letdown(&[
        "replay",
        "--quiet",
        path_str(&folder.join("loop.csv")),
        path_str(&missing),
    ]);
    assert_says(
        &output,
        2,
        &[
            "loop.csv: a symbolic link loop",
            "missing.csv: no such file or folder",
        ],
    );
    assert!(text(&output.stdout).contains("and 2 paths that gave no session"));

    // A named pipe named on purpose is read as a stream.
    let fifo = folder.join("pipe.csv");
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::write(fifo, session_text(300))
    });
    let output = letdown(&["replay", "--quiet", path_str(&fifo)]);
    writer.join().expect("writer").expect("written");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(text(&output.stdout).contains("300"), "{}", show(&output));

    // A label file that is a link loop leaves the session unscored with a word.
    std::os::unix::fs::symlink("good.labels.csv", folder.join("good.labels.csv")).expect("symlink");
    let output = letdown(&["replay", "--quiet", path_str(&folder.join("good.csv"))]);
    assert_says(
        &output,
        2,
        &["good.labels.csv: cannot read: a symbolic link loop"],
    );
    assert!(text(&output.stdout).contains("labels error"));
}

#[test]
fn plot_says_what_is_wrong_with_the_file_and_the_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let header_only = dir.path().join("h.csv");
    std::fs::write(
        &header_only,
        format!("# sample_rate_hz: 100\n{SESSION_HEADER}\n"),
    )
    .expect("write");
    let out = dir.path().join("p.svg");
    let output = letdown(&["plot", path_str(&header_only), "--out", path_str(&out)]);
    assert_says(&output, 2, &["h.csv: no sample rows after the header"]);
    assert!(
        !text(&output.stderr).contains("--from"),
        "{}",
        show(&output)
    );

    let good = dir.path().join("g.csv");
    std::fs::write(&good, session_text(300)).expect("write");
    let nowhere = dir.path().join("no-such-folder").join("p.png");
    let output = letdown(&["plot", path_str(&good), "--out", path_str(&nowhere)]);
    assert_says(
        &output,
        2,
        &["no-such-folder does not exist; create it first"],
    );
    assert!(!text(&output.stderr).contains("ImageError"));
}

#[test]
fn odd_option_values_are_refused_with_the_flag_and_the_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = path_str(dir.path());
    let cases: [(&[&str], &[&str]); 18] = [
        (
            &["simulate", "--out", out, "--seed", "-1"],
            &["'--seed <S>'", "0 … 18446744073709551615"],
        ),
        (
            &["latency", "--rounds", "-1"],
            &["'--rounds <R>'", "1 … 100"],
        ),
        (
            &["pump-sim", "--stdio", "--simulate", "--room-wait-ms", "-1"],
            &["--room-wait-ms must be > 0"],
        ),
        (
            &["simulate", "--out", out, "--n", "0"],
            &["'--n <N>'", "1 … 100000"],
        ),
        (
            &["evaluate", "--simulate", "4294967295"],
            &["'--simulate <N>'", "1 … 100000"],
        ),
        (
            &["evaluate", "--simulate", "1", "--rate", "100,500,100"],
            &["--rate: 100 Hz is given twice"],
        ),
        (
            &["evaluate", "--simulate", "1", "--stress", "--halves"],
            &["'--stress' cannot be used with '--halves'"],
        ),
        (
            &["simulate", "--out", out, "--n", "-1"],
            &["invalid value '-1' for '--n <N>'"],
        ),
        (
            &["simulate", "--out", out, "--minutes", "1e-9"],
            &["'--minutes <M>'", "one second", "1440 minutes"],
        ),
        (
            &["simulate", "--out", out, "--rate", "50"],
            &["'--rate <HZ>'", "100 … 10000 Hz"],
        ),
        (
            &["simulate", "--out", out, "--expression-rate", "20"],
            &["'--expression-rate <CPM>'", "24 … 130 cycles/min"],
        ),
        (
            &["simulate", "--out", out, "--program", "hints"],
            &["'--program <PROGRAM>'", "closed loop", "expression-only"],
        ),
        (&["evaluate", "--simulate", "0"], &["'--simulate <N>'"]),
        (
            &["evaluate", "--threads", "0"],
            &["'--threads <N>'", "1 … 1024"],
        ),
        (
            &["evaluate", "--simulate", "1", "--program", "hints"],
            &["'--program <PROGRAM>'", "closed loop"],
        ),
        (&["plot", "s.csv", "--from", "-1"], &["--from -1: must be"]),
        (
            &["pump-sim", "--stdio", "--simulate", "--rate", "50"],
            &["'--rate <HZ>'", "100 … 10000 Hz"],
        ),
        (
            &["pump-sim", "--stdio", "--simulate", "--minutes", "1e-9"],
            &["'--minutes <M>'", "one second"],
        ),
    ];
    for (args, words) in cases {
        assert_says(&letdown(args), 2, words);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "nothing written"
    );
}

#[test]
fn help_shows_the_tools_own_description() {
    let output = letdown(&["-h"]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    assert!(
        help.starts_with("letdown: detects the milk-ejection reflex"),
        "{help}"
    );
    assert!(!help.contains("I/O at the edges"), "{help}");
}

#[test]
fn a_contradicted_rate_and_a_late_start_are_refused_with_both_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut halved = String::from("# sample_rate_hz: 100\n");
    halved.push_str(&format!("{SESSION_HEADER}\n"));
    for i in 0..3000 {
        halved.push_str(&format!("{},-50,0\n", f64::from(i) / 50.0));
    }
    let halved_path = dir.path().join("halved.csv");
    std::fs::write(&halved_path, halved).expect("write");
    let mut late = String::from("# sample_rate_hz: 100\n");
    late.push_str(&format!("{SESSION_HEADER}\n"));
    for i in 0..300 {
        late.push_str(&format!("{},-50,0\n", 1e6 + f64::from(i) / 100.0));
    }
    let late_path = dir.path().join("late.csv");
    std::fs::write(&late_path, late).expect("write");
    let output = letdown(&[
        "replay",
        "--quiet",
        path_str(&halved_path),
        path_str(&late_path),
    ]);
    assert_says(
        &output,
        2,
        &[
            "halved.csv: line 19: field t_s: the timestamps contradict sample_rate_hz 100 Hz",
            "as at 50 Hz",
            "late.csv: line 3: field t_s: the first row is at 1000000 s",
        ],
    );
}
