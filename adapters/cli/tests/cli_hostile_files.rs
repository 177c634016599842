//! Hostile files through the built binary under a hard memory limit: a multi-gigabyte
//! sparse session, a file without a single newline, a label file too long to keep. The
//! process runs with its address space capped at 64 MiB (`ulimit -v`, inherited through
//! `exec`), so a reader that held a line or a file whole would die of it; each file is
//! refused with its name, line and limit, exit status 2, and the run goes on to the next
//! file.

mod cli_run;
use cli_run::{session_text, show, text};
use flate2::write::GzEncoder;
use flate2::Compression;
use letdown_io::session_csv::SESSION_HEADER;
use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

/// The cap on the process's address space, KiB.
const ADDRESS_SPACE_KIB: u32 = 64 * 1024;
/// Size of the sparse files, bytes (3 GiB: more than the 64 MiB cap many times over).
const SPARSE_BYTES: u64 = 3 << 30;
/// The readers' line limit as printed.
const LIMIT: &str = "line longer than 65536 bytes";

/// Runs `letdown ARGS` with its address space capped.
fn letdown_capped(args: &[&OsStr]) -> Output {
    Command::new("sh")
        // One malloc arena for every thread: glibc reserves 64 MiB of address space for
        // each further arena, which would count against the cap without being used.
        .env("MALLOC_ARENA_MAX", "1")
        .arg("-c")
        .arg(format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_letdown"))
        .args(args)
        .output()
        .expect("sh runs")
}

/// `text` followed by zero bytes up to [`SPARSE_BYTES`] (a sparse file: no disk used).
fn sparse(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_len(SPARSE_BYTES))
        .expect("extend");
}

fn good_session(path: &Path) {
    std::fs::write(path, session_text(500)).expect("write");
}

#[test]
fn gigabyte_lines_are_refused_in_bounded_memory_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let after_header = dir.path().join("a_after_header.csv");
    sparse(
        &after_header,
        &format!("# sample_rate_hz: 100\n{SESSION_HEADER}\n0,-50,0\n"),
    );
    let no_newline = dir.path().join("b_no_newline.csv");
    sparse(&no_newline, "");
    let good = dir.path().join("c_good.csv");
    good_session(&good);

    let output = letdown_capped(&[
        "replay".as_ref(),
        after_header.as_ref(),
        no_newline.as_ref(),
        good.as_ref(),
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr.contains(&format!("a_after_header.csv: line 4: {LIMIT}")),
        "{}",
        show(&output)
    );
    assert!(
        stderr.contains(&format!("b_no_newline.csv: line 1: {LIMIT}")),
        "{}",
        show(&output)
    );
    assert!(!stderr.contains("panicked") && !stderr.contains("memory allocation"));
    let stdout = text(&output.stdout);
    let good_row = stdout
        .lines()
        .find(|l| l.starts_with("c_good "))
        .unwrap_or_default();
    assert!(
        good_row.contains("500") && good_row.ends_with("ok"),
        "{stdout}"
    );

    let evaluate = letdown_capped(&[
        "evaluate".as_ref(),
        "--threads".as_ref(),
        "1".as_ref(),
        after_header.as_ref(),
        no_newline.as_ref(),
    ]);
    assert_eq!(evaluate.status.code(), Some(2), "{}", show(&evaluate));
    let stderr = text(&evaluate.stderr);
    assert!(
        stderr.contains(&format!("a_after_header.csv: line 4: {LIMIT}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("b_no_newline.csv: line 1: {LIMIT}")),
        "{stderr}"
    );

    let plot = letdown_capped(&[
        "plot".as_ref(),
        after_header.as_ref(),
        "--out".as_ref(),
        dir.path().join("p.svg").as_ref(),
    ]);
    assert_eq!(plot.status.code(), Some(2), "{}", show(&plot));
    assert!(text(&plot.stderr).contains(&format!("a_after_header.csv: line 4: {LIMIT}")));
}

#[test]
fn a_gzip_bomb_without_newlines_is_refused_in_bounded_memory() {
    // 256 MiB of zero bytes compress to about 256 KiB; decompressed as it is read, the
    // stream is refused at its first line after 64 KiB.
    let dir = tempfile::tempdir().expect("temp dir");
    let bomb = dir.path().join("bomb.csv.gz");
    let mut gz = GzEncoder::new(File::create(&bomb).expect("create"), Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).expect("compress");
    }
    gz.finish().expect("finish");
    let output = letdown_capped(&["replay".as_ref(), bomb.as_ref()]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        text(&output.stderr).contains(&format!("bomb.csv.gz: line 1: {LIMIT}")),
        "{}",
        show(&output)
    );
}

#[test]
fn label_files_too_long_to_keep_are_refused_and_the_session_still_replays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = dir.path().join("s.csv");
    good_session(&session);
    sparse(&dir.path().join("s.labels.csv"), "onset_s,end_s\n1,2\n");
    let output = letdown_capped(&["replay".as_ref(), session.as_ref()]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(text(&output.stderr).contains(&format!("s.labels.csv: line 3: {LIMIT}")));
    assert!(text(&output.stdout).contains("labels error"));

    let mut rows = String::from("onset_s,end_s\n");
    for i in 0..=100_000u32 {
        rows.push_str(&format!("{i},{i}.5\n"));
    }
    std::fs::write(dir.path().join("s.labels.csv"), rows).expect("write");
    let output = letdown_capped(&["replay".as_ref(), session.as_ref()]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        text(&output.stderr).contains(
            "s.labels.csv: line 100002: more than 100000 labelled ejections, the most a file may hold"
        ),
        "{}",
        show(&output)
    );
}

#[test]
fn a_long_valid_session_is_plotted_in_bounded_memory() {
    // 200 minutes at 100 Hz: 1.2 M ten-millisecond buckets (38 MB, more with the vector's
    // growth) unless the recording coarsens them.
    let dir = tempfile::tempdir().expect("temp dir");
    let simulate = cli_run::letdown(&[
        "simulate",
        "--out",
        dir.path().to_str().expect("utf-8 path"),
        "--minutes",
        "200",
        "--rate",
        "100",
        "--profile",
        "typical",
    ]);
    assert_eq!(simulate.status.code(), Some(0), "{}", show(&simulate));
    let session = dir.path().join("sim-typical-s1-timer120-100hz-200min.csv");
    let picture = dir.path().join("long.png");
    let plot = letdown_capped(&[
        "plot".as_ref(),
        session.as_ref(),
        "--out".as_ref(),
        picture.as_ref(),
    ]);
    assert_eq!(plot.status.code(), Some(0), "{}", show(&plot));
    assert!(
        text(&plot.stdout).contains("0.0 … 12000.0 s"),
        "{}",
        show(&plot)
    );
    assert!(picture.metadata().expect("written").len() > 10_000);
}
