//! The `letdown latency` command, run as a built binary on short runs: the JSON has every
//! stable key with finite, non-negative numbers and the documented sample count; the
//! text report has its sections; bad options exit with status 2 and say why; `--help`
//! explains every option with its unit. Nothing here asserts on a timing.

mod cli_run;
use cli_run::{letdown, text};
use serde_json::Value;

/// Runs `letdown latency ARGS --json`, expecting success, and parses its output.
fn latency_json(args: &[&str]) -> Value {
    let mut all = vec!["latency"];
    all.extend_from_slice(args);
    all.push("--json");
    let output = letdown(&all);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

const PERCENTILE_KEYS: [&str; 5] = ["p50", "p99", "p999", "p9999", "max"];
const PERCENTILE_OBJECTS: [&str; 5] = [
    "latency_us",
    "baseline_latency_us",
    "push_us",
    "baseline_push_us",
    "host_wakeup_us",
];
const NUMBERS: [&str; 8] = [
    "rate_hz",
    "seconds",
    "rounds",
    "samples",
    "overruns",
    "hints_dropped",
    "throughput_samples_per_s",
    "baseline_throughput_samples_per_s",
];

fn number(v: &Value, key: &str) -> f64 {
    let x = v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number: {}", v[key]));
    assert!(x.is_finite() && x >= 0.0, "{key} = {x}");
    x
}

/// Every stable key (the README lists them) is there, each a finite, non-negative number, and each
/// percentile object has its five percentiles in order.
fn check_stable_keys(v: &Value) {
    for key in NUMBERS {
        number(v, key);
    }
    for object in PERCENTILE_OBJECTS {
        let p = &v[object];
        assert!(p.is_object(), "{object} is an object: {p}");
        let values: Vec<f64> = PERCENTILE_KEYS.iter().map(|k| number(p, k)).collect();
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "{object}: percentiles in order: {values:?}"
        );
    }
}

#[test]
fn a_paced_run_reports_every_stable_key_with_the_documented_sample_count() {
    let v = latency_json(&["--seconds", "1", "--rounds", "1"]);
    check_stable_keys(&v);
    assert_eq!(v["rate_hz"], 1000.0);
    assert_eq!(v["seconds"], 1.0);
    assert_eq!(v["rounds"], 1);
    assert_eq!(v["mode"], "paced");
    assert_eq!(v["feed"], "warm", "the paced default warms both queues");
    assert_eq!(v["wait"], "predict");
    // samples = rate × seconds × rounds, every one of them processed or counted as an
    // overrun; the baseline gets the same input and never drops.
    assert_eq!(v["samples"], 1000);
    assert_eq!(
        number(&v["pipeline"], "processed") + number(&v, "overruns"),
        number(&v, "samples")
    );
    assert_eq!(v["pipeline"]["samples"], 1000);
    assert_eq!(v["pipeline"]["wait"], "predict");
    assert_eq!(v["baseline"]["samples"], 1000);
    assert_eq!(v["baseline"]["processed"], 1000);
    assert!(v["baseline"]["wait"].is_null());
    assert_eq!(v["waits"].as_array().map(Vec::len), Some(1));
    assert!(v["realtime"].is_null());
}

#[test]
fn a_cold_paced_run_says_so_and_feeds_the_same_samples() {
    let v = latency_json(&["--cold", "--seconds", "1", "--rounds", "1"]);
    check_stable_keys(&v);
    assert_eq!(v["mode"], "paced");
    assert_eq!(v["feed"], "cold");
    assert_eq!(v["samples"], 1000);
    assert_eq!(v["baseline"]["processed"], 1000);
}

#[test]
fn an_unpaced_run_of_every_wait_strategy_counts_repeats_and_rounds() {
    let v = latency_json(&[
        "--unpaced",
        "--seconds",
        "0.5",
        "--repeat",
        "3",
        "--rounds",
        "2",
        "--wait",
        "all",
    ]);
    check_stable_keys(&v);
    assert_eq!(v["mode"], "unpaced");
    assert!(v["feed"].is_null(), "warm or cold is a paced feed's");
    assert_eq!(v["wait"], "spin", "the unpaced default");
    // rate × seconds × repeat × rounds; a flat-out feed waits rather than drops.
    assert_eq!(v["samples"], 1000.0 * 0.5 * 3.0 * 2.0);
    assert_eq!(v["overruns"], 0);
    assert_eq!(v["pipeline"]["processed"], v["samples"]);
    let waits = v["waits"].as_array().expect("waits");
    let names: Vec<&str> = waits.iter().filter_map(|w| w["wait"].as_str()).collect();
    assert_eq!(names, ["spin", "yield", "park", "tick", "predict"]);
    for w in waits {
        assert_eq!(w["processed"], v["samples"], "{}", w["wait"]);
        number(w, "throughput_samples_per_s");
    }
}

#[test]
fn the_text_report_has_a_table_per_pipeline_the_probe_and_the_targets() {
    let output = letdown(&[
        "latency",
        "--seconds",
        "0.5",
        "--rounds",
        "1",
        "--block",
        "50",
    ]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    for section in [
        "Lock-free pipeline, wait predict",
        "Baseline (Mutex<VecDeque>",
        "sample → processed",
        "push (sensor side)",
        "Host wake-up",
        "Real-time targets measured here",
    ] {
        assert!(stdout.contains(section), "{section:?} in:\n{stdout}");
    }
}

#[test]
fn bad_options_exit_2_and_say_which_option_and_why() {
    let cases: [(&[&str], &str); 9] = [
        (
            &["--rate", "50"],
            "--rate 50: must be within 100 … 10000 Hz",
        ),
        (&["--rate", "NaN"], "--rate NaN"),
        (&["--seconds", "0"], "--seconds 0: must be > 0"),
        (&["--block", "0"], "--block 0: must be 1 … 500 samples"),
        (
            &["--seconds", "0.01"],
            "do not fill one block of 32 samples",
        ),
        (
            &["--rounds", "0"],
            "invalid value '0' for '--rounds <R>': must be a whole number of rounds within 1 … 100",
        ),
        (&["--wait", "nap"], "unknown wait strategy \"nap\""),
        (&["--repeat", "3"], "--unpaced"),
        (&["--cold", "--unpaced"], "cannot be used with"),
    ];
    for (args, message) in cases {
        let mut all = vec!["latency"];
        all.extend_from_slice(args);
        let output = letdown(&all);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{args:?}: {message:?} in {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: nothing measured");
    }
}

#[test]
fn help_explains_every_option_with_its_unit() {
    let output = letdown(&["latency", "--help"]);
    let help = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    for expected in [
        "--rate <HZ>",
        "Hz (100 … 10000)",
        "--seconds <S>",
        "s of data",
        "--block <N>",
        "Samples per push",
        "--rounds <R>",
        "--json",
        "--unpaced",
        "--cold",
        "--repeat <N>",
        "--wait <WAIT>",
        "spin",
        "yield",
        "park",
        "tick",
        "predict",
        "--realtime",
        "SCHED_FIFO",
        "--seed",
        "--faults",
        "µs",
        "throughput_samples_per_s",
    ] {
        assert!(help.contains(expected), "{expected:?} in:\n{help}");
    }
}
