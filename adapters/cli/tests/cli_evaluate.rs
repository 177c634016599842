//! `letdown evaluate` and `letdown plot`, run as the built binary on small inputs: the
//! JSON schema `letdown-evaluate/1` has exactly the keys adapters/cli/EVALUATE.md documents,
//! a folder of session files gives a table, a broken file is reported with its name and
//! line (exit 2), and the pictures are well-formed SVG and PNG files.

mod cli_run;
use cli_run::{letdown, show, text};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The bundled session used here: 6 min at 100 Hz, profile `relaxed`, three labels.
const SESSION: &str = "sim-relaxed-s12-button-100hz-6min";
/// A second one: 5 min at 100 Hz, profile `no-letdown`.
const NO_LETDOWN: &str = "sim-no-letdown-s14-timer120-100hz-5min";

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/sessions")
        .join(name)
}

/// Copies bundled session `name` (NAME.csv and NAME.labels.csv) into `dir`; returns the
/// copy of NAME.csv.
fn copy_session(name: &str, dir: &Path) -> PathBuf {
    for file in [format!("{name}.csv"), format!("{name}.labels.csv")] {
        std::fs::copy(bundled(&file), dir.join(&file)).expect("copy a bundled session");
    }
    dir.join(format!("{name}.csv"))
}

// ---------------------------------------------------------------------------------------
// (a) The JSON schema.

const TOP: &[&str] = &[
    "schema",
    "match_window",
    "input",
    "sessions",
    "detection",
    "closed_loop",
    "per_session",
];
const MATCH_WINDOW: &[&str] = &["before_s", "after_s"];
const INPUT: &[&str] = &["paths", "simulated"];
const SIMULATED: &[&str] = &[
    "sessions_per_profile",
    "profiles",
    "rates_hz",
    "minutes",
    "faults",
    "seed",
    "program",
    "clean",
];
const DETECTORS: &[&str] = &["engine", "flow_threshold", "timer"];
const STRATEGIES: &[&str] = &[
    "engine",
    "engine_no_cue_effect",
    "timer",
    "timer_relax_prompt",
    "expression_only",
    "flow_threshold",
];
const BREAKDOWN: &[&str] = &["all", "profiles", "rates_hz"];
const PROFILES: &[&str] = &["relaxed", "typical", "stressed", "no-letdown"];
const DETECTION_METRICS: &[&str] = &[
    "sessions",
    "hours",
    "letdown_sessions",
    "first_detected",
    "first_detection_rate",
    "first_delay_s",
    "beyond_visible_s",
    "true_positives",
    "false_positives",
    "false_negatives",
    "duplicates",
    "unobservable",
    "overlapping",
    "overlapping_found",
    "precision",
    "recall",
    "f1",
    "false_alarms_per_hour",
    "no_letdown_sessions",
    "no_letdown_with_detection",
];
const QUANTILES: &[&str] = &["count", "median", "p95", "max"];
const CLOSED_LOOP_METRICS: &[&str] = &[
    "sessions",
    "volume_ml",
    "time_to_90pct_s",
    "misphase_s",
    "first_switch_misphase_s",
];
const SUMMARY: &[&str] = &["count", "mean", "median", "p95", "min", "max"];
const SESSION_ENTRY: &[&str] = &[
    "name",
    "source",
    "profile",
    "rate_hz",
    "duration_s",
    "seed",
    "labels",
    "first_onset_s",
    "detection",
    "closed_loop",
];
const SESSION_DETECTION: &[&str] = &[
    "onsets_s",
    "first_delay_s",
    "true_positives",
    "false_positives",
    "false_negatives",
];
const SESSION_LOOP: &[&str] = &[
    "volume_ml",
    "time_to_90pct_s",
    "misphase_s",
    "first_switch_misphase_s",
    "hints",
];

/// `value` as an object whose key set is exactly `keys` (what: where, for the message).
fn object<'a>(value: &'a Value, keys: &[&str], what: &str) -> &'a Map<String, Value> {
    let map = value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {value}"));
    let got: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(got, want, "{what}: keys");
    map
}

fn count(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{what}: not a count: {value}"))
}

fn number(value: &Value, what: &str) -> f64 {
    let x = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {value}"));
    assert!(x.is_finite(), "{what}: {x}");
    x
}

/// A ratio in 0 … 1, or `null` exactly when `defined` is false.
fn ratio(value: &Value, defined: bool, what: &str) {
    if defined {
        let x = number(value, what);
        assert!((0.0..=1.0).contains(&x), "{what}: {x}");
    } else {
        assert!(value.is_null(), "{what}: {value} should be null");
    }
}

/// An ordered set of statistics (quantiles or a summary) with `count` values, or `null`
/// exactly when there are none.
fn stats(value: &Value, keys: &[&str], values: u64, what: &str) {
    if values == 0 {
        assert!(value.is_null(), "{what}: {value} should be null");
        return;
    }
    let m = object(value, keys, what);
    assert_eq!(count(&m["count"], what), values, "{what}: count");
    let get = |k: &str| number(&m[k], &format!("{what}.{k}"));
    let (median, p95, max) = (get("median"), get("p95"), get("max"));
    assert!(median <= p95 + 1e-9 && p95 <= max + 1e-9, "{what}: {value}");
    if keys.contains(&"min") {
        let (min, mean) = (get("min"), get("mean"));
        assert!(min <= median + 1e-9 && min <= mean + 1e-9 && mean <= max + 1e-9);
    }
}

/// DESIGN §6 detection metrics, with their `null` rules (adapters/cli/EVALUATE.md).
fn check_detection(value: &Value, what: &str) -> u64 {
    let m = object(value, DETECTION_METRICS, what);
    let c = |k: &str| count(&m[k], &format!("{what}.{k}"));
    let sessions = c("sessions");
    assert!(sessions > 0, "{what}: an empty group");
    let hours = number(&m["hours"], what);
    assert!(hours > 0.0, "{what}: hours {hours}");
    let (letdown, first) = (c("letdown_sessions"), c("first_detected"));
    assert!(first <= letdown && letdown <= sessions, "{what}");
    ratio(&m["first_detection_rate"], letdown > 0, what);
    stats(
        &m["first_delay_s"],
        QUANTILES,
        first,
        &format!("{what}.first_delay_s"),
    );
    if !m["beyond_visible_s"].is_null() {
        stats(
            &m["beyond_visible_s"],
            QUANTILES,
            count(&m["beyond_visible_s"]["count"], what),
            what,
        );
        assert!(count(&m["beyond_visible_s"]["count"], what) <= first);
    }
    let (tp, fp, fn_) = (
        c("true_positives"),
        c("false_positives"),
        c("false_negatives"),
    );
    assert!(c("duplicates") <= fp, "{what}");
    let _ = c("unobservable");
    let (over, over_found) = (c("overlapping"), c("overlapping_found"));
    assert!(over_found <= over && over <= tp + fn_, "{what}");
    assert!(over_found <= tp && over - over_found <= fn_, "{what}");
    ratio(&m["precision"], tp + fp > 0, &format!("{what}.precision"));
    ratio(&m["recall"], tp + fn_ > 0, &format!("{what}.recall"));
    ratio(&m["f1"], 2 * tp + fp + fn_ > 0, &format!("{what}.f1"));
    let fah = number(&m["false_alarms_per_hour"], what);
    assert!((fah - fp as f64 / hours).abs() < 1e-6, "{what}: {fah}");
    let no_letdown = c("no_letdown_sessions");
    assert_eq!(no_letdown + letdown, sessions, "{what}");
    assert!(c("no_letdown_with_detection") <= no_letdown, "{what}");
    sessions
}

/// Closed-loop metrics of one group.
fn check_closed_loop(value: &Value, duration_s: f64, what: &str) -> u64 {
    let m = object(value, CLOSED_LOOP_METRICS, what);
    let sessions = count(&m["sessions"], what);
    assert!(sessions > 0, "{what}: an empty group");
    stats(
        &m["volume_ml"],
        SUMMARY,
        sessions,
        &format!("{what}.volume_ml"),
    );
    assert!(number(&m["volume_ml"]["min"], what) >= 0.0);
    if !m["time_to_90pct_s"].is_null() {
        let n = count(&m["time_to_90pct_s"]["count"], what);
        assert!(n <= sessions);
        stats(&m["time_to_90pct_s"], SUMMARY, n, what);
    }
    for key in ["misphase_s", "first_switch_misphase_s"] {
        let what = format!("{what}.{key}");
        stats(&m[key], SUMMARY, sessions, &what);
        let (min, max) = (number(&m[key]["min"], &what), number(&m[key]["max"], &what));
        assert!(
            min >= 0.0 && max <= duration_s + 1e-6,
            "{what}: {min} … {max}"
        );
    }
    sessions
}

#[test]
fn every_key_is_documented_in_evaluate_md() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("EVALUATE.md"))
        .expect("adapters/cli/EVALUATE.md");
    assert!(doc.contains("`letdown-evaluate/1`"));
    let lists = [
        TOP,
        MATCH_WINDOW,
        INPUT,
        SIMULATED,
        DETECTORS,
        STRATEGIES,
        BREAKDOWN,
        PROFILES,
        DETECTION_METRICS,
        QUANTILES,
        CLOSED_LOOP_METRICS,
        SUMMARY,
        SESSION_ENTRY,
        SESSION_DETECTION,
        SESSION_LOOP,
    ];
    for key in lists.iter().flat_map(|l| l.iter()) {
        assert!(
            doc.contains(&format!("`{key}`")),
            "`{key}` is not in EVALUATE.md"
        );
    }
}

#[test]
fn json_has_the_documented_schema() {
    let output = letdown(&[
        "evaluate",
        "--simulate",
        "1",
        "--minutes",
        "4",
        "--seed",
        "5",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", show(&output)));
    let top = object(&json, TOP, "top level");
    assert_eq!(top["schema"], "letdown-evaluate/1");
    check_match_window_and_input(top);

    let sessions = count(&top["sessions"], "sessions");
    assert_eq!(sessions, 4, "one session per profile");
    let duration_s = 240.0;

    check_detection_breakdowns(top, sessions);
    check_closed_loop_breakdowns(top, sessions, duration_s);
    check_per_session(top, sessions, duration_s);
}

/// `match_window` and `input` of the top level: the DESIGN §6 window and the simulated
/// input `evaluate --simulate 1 --minutes 4 --seed 5` asked for.
fn check_match_window_and_input(top: &Map<String, Value>) {
    let window = object(&top["match_window"], MATCH_WINDOW, "match_window");
    assert_eq!(number(&window["before_s"], "before_s"), 1.0);
    assert_eq!(number(&window["after_s"], "after_s"), 20.0);

    let input = object(&top["input"], INPUT, "input");
    assert_eq!(input["paths"], Value::Array(vec![]));
    let sim = object(&input["simulated"], SIMULATED, "input.simulated");
    assert_eq!(count(&sim["sessions_per_profile"], "n"), 1);
    assert_eq!(count(&sim["seed"], "seed"), 5);
    assert_eq!(number(&sim["minutes"], "minutes"), 4.0);
    assert_eq!(sim["rates_hz"], serde_json::json!([1000.0]));
    assert_eq!(sim["faults"], "none");
    assert_eq!(sim["clean"], false);
    let profiles: BTreeSet<&str> = sim["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| p.as_str().expect("a name"))
        .collect();
    assert_eq!(profiles, PROFILES.iter().copied().collect());
}

/// `detection`: every detector's breakdown (all, per profile, per rate) over `sessions`.
fn check_detection_breakdowns(top: &Map<String, Value>, sessions: u64) {
    let detection = object(&top["detection"], DETECTORS, "detection");
    for (key, breakdown) in detection {
        let b = object(breakdown, BREAKDOWN, key);
        assert_eq!(check_detection(&b["all"], &format!("{key}.all")), sessions);
        let per_profile = object(&b["profiles"], PROFILES, &format!("{key}.profiles"));
        let mut total = 0;
        for (p, m) in per_profile {
            total += check_detection(m, &format!("{key}.profiles.{p}"));
        }
        assert_eq!(total, sessions);
        let per_rate = object(&b["rates_hz"], &["1000"], &format!("{key}.rates_hz"));
        assert_eq!(per_rate["1000"], b["all"], "one rate: the same as all");
    }
    // The engine found something on the letdown profiles and nothing on no-letdown.
    let engine = &detection["engine"]["all"];
    assert!(count(&engine["true_positives"], "tp") >= 1);
    assert_eq!(count(&engine["letdown_sessions"], "letdown"), 3);
    let no_letdown = &detection["engine"]["profiles"]["no-letdown"];
    assert!(no_letdown["first_detection_rate"].is_null());
    assert!(no_letdown["first_delay_s"].is_null());
    assert!(no_letdown["recall"].is_null());
}

/// `closed_loop`: every strategy's breakdown (all, one session per profile, per rate).
fn check_closed_loop_breakdowns(top: &Map<String, Value>, sessions: u64, duration_s: f64) {
    let closed = object(&top["closed_loop"], STRATEGIES, "closed_loop");
    for (key, breakdown) in closed {
        let b = object(breakdown, BREAKDOWN, key);
        assert_eq!(
            check_closed_loop(&b["all"], duration_s, &format!("{key}.all")),
            sessions
        );
        let per_profile = object(&b["profiles"], PROFILES, &format!("{key}.profiles"));
        for (p, m) in per_profile {
            assert_eq!(
                check_closed_loop(m, duration_s, &format!("{key}.profiles.{p}")),
                1
            );
        }
        object(&b["rates_hz"], &["1000"], &format!("{key}.rates_hz"));
    }
}

/// `per_session`: one entry per session; on the no-letdown session, expression from the
/// first sample is mis-phased the whole session long.
fn check_per_session(top: &Map<String, Value>, sessions: u64, duration_s: f64) {
    let per_session = top["per_session"].as_array().expect("per_session");
    assert_eq!(per_session.len() as u64, sessions);
    for (i, s) in per_session.iter().enumerate() {
        check_session_entry(s, &format!("per_session[{i}]"), duration_s);
    }
    let no_letdown = per_session
        .iter()
        .find(|s| s["profile"] == "no-letdown")
        .expect("a no-letdown session");
    let expression_only = &no_letdown["closed_loop"]["expression_only"];
    for k in ["misphase_s", "first_switch_misphase_s"] {
        let x = number(&expression_only[k], k);
        assert!((x - duration_s).abs() < 0.01, "{k}: {x}");
    }
}

/// One `per_session` entry (what: where, for the messages).
fn check_session_entry(s: &Value, what: &str, duration_s: f64) {
    let e = object(s, SESSION_ENTRY, what);
    assert!(e["name"].as_str().is_some_and(|n| n.starts_with("sim-")));
    assert_eq!(e["source"], "simulated");
    assert!(PROFILES.contains(&e["profile"].as_str().expect("profile")));
    assert_eq!(number(&e["rate_hz"], what), 1000.0);
    assert_eq!(number(&e["duration_s"], what), duration_s);
    assert_eq!(count(&e["seed"], what), 5);
    let labels = count(&e["labels"], what);
    assert_eq!(e["first_onset_s"].is_null(), labels == 0, "{what}");
    check_session_detection(e, labels, what, duration_s);
    check_session_closed_loop(e, what, duration_s);
}

/// A session entry's `detection`: each detector's onsets and matches against `labels`.
fn check_session_detection(e: &Map<String, Value>, labels: u64, what: &str, duration_s: f64) {
    let detection = object(&e["detection"], DETECTORS, &format!("{what}.detection"));
    for (key, d) in detection {
        let what = format!("{what}.detection.{key}");
        let d = object(d, SESSION_DETECTION, &what);
        let onsets = d["onsets_s"].as_array().expect("onsets_s");
        for t in onsets {
            let t = number(t, &what);
            assert!((0.0..=duration_s).contains(&t), "{what}: {t}");
        }
        let (tp, fp, fn_) = (
            count(&d["true_positives"], &what),
            count(&d["false_positives"], &what),
            count(&d["false_negatives"], &what),
        );
        assert_eq!(tp + fp, onsets.len() as u64, "{what}");
        assert!(tp + fn_ <= labels, "{what}");
        if labels == 0 {
            assert!(d["first_delay_s"].is_null(), "{what}");
        }
    }
}

/// A session entry's `closed_loop`: each strategy's volume, mis-phase and hints.
fn check_session_closed_loop(e: &Map<String, Value>, what: &str, duration_s: f64) {
    let loops = object(
        &e["closed_loop"],
        STRATEGIES,
        &format!("{what}.closed_loop"),
    );
    for (key, l) in loops {
        let what = format!("{what}.closed_loop.{key}");
        let l = object(l, SESSION_LOOP, &what);
        let volume = number(&l["volume_ml"], &what);
        assert!(volume >= 0.0);
        assert_eq!(l["time_to_90pct_s"].is_null(), volume == 0.0, "{what}");
        for k in ["misphase_s", "first_switch_misphase_s"] {
            let x = number(&l[k], &what);
            assert!((0.0..=duration_s + 1e-6).contains(&x), "{what}.{k}: {x}");
        }
        let _ = count(&l["hints"], &what);
    }
    // Expression from the first sample: one hint; without a letdown, every second
    // is mis-phased in both measures.
    assert_eq!(count(&loops["expression_only"]["hints"], what), 1);
}

#[test]
fn the_closed_loop_table_shows_both_mis_phase_measures() {
    let output = letdown(&[
        "evaluate",
        "--simulate",
        "1",
        "--minutes",
        "4",
        "--seed",
        "5",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let stdout = text(&output.stdout);
    let header = stdout
        .lines()
        .find(|l| l.starts_with("group") && l.contains("pump follows"))
        .unwrap_or_else(|| panic!("no closed-loop table: {stdout}"));
    assert!(header.contains("mis-phase per ejection s mean"), "{header}");
    assert!(header.contains("1st-switch mis-phase s mean"), "{header}");
    for strategy in [
        "engine",
        "engine, cue effect 0",
        "timer 120 s",
        "timer + relax at 90 s",
        "expression-only",
        "flow-threshold",
    ] {
        assert!(stdout.contains(strategy), "{strategy}: {stdout}");
    }
    // What detection buys apart from what cues buy (DESIGN §6).
    let split = stdout
        .lines()
        .find(|l| l.starts_with("group") && l.contains("detection alone"))
        .unwrap_or_else(|| panic!("no split table: {stdout}"));
    for column in ["engine's cues", "timer's 90 s prompt", "both with cues"] {
        assert!(split.contains(column), "{column}: {split}");
    }
    let help = text(&letdown(&["evaluate", "--help"]).stdout);
    assert!(help.contains("adapters/cli/EVALUATE.md"), "{help}");
    assert!(help.contains("mis-phase seconds per ejection"), "{help}");
}

#[test]
fn the_header_gives_the_rates_in_numeric_order() {
    let output = letdown(&[
        "evaluate",
        "--simulate",
        "1",
        "--minutes",
        "1",
        "--rate",
        "1000,250",
        "--profile",
        "typical",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("h of pumping at 250, 1000 Hz."), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// (b), (c), (e): session files.

#[test]
fn a_folder_of_files_gives_a_table_naming_the_profile() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_session(SESSION, dir.path());
    let output = letdown(&["evaluate", utf8(dir.path())]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Detection, open loop"), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("relaxed"))
        .collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert!(rows[0].contains("engine"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("all")), "{stdout}");
    // Files are not simulated: no closed loop.
    assert!(!stdout.contains("Closed loop"), "{stdout}");
    assert!(stdout.contains("1 sessions"), "{stdout}");
}

#[test]
fn a_broken_file_is_named_with_its_line_and_the_exit_status_is_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_session(SESSION, dir.path());
    std::fs::write(
        dir.path().join("broken.csv"),
        "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0,-10,0\n0.01,-10,0\n0.02,-10,abc\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("broken.labels.csv"),
        "onset_s,end_s,visible_s\n",
    )
    .expect("write");
    let output = letdown(&["evaluate", utf8(dir.path())]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = text(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("broken.csv"))
        .unwrap_or_else(|| panic!("no message names the file: {}", show(&output)));
    assert!(line.contains("line 5"), "{line}");
    // The valid session is still evaluated and reported.
    let stdout = text(&output.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("relaxed")), "{stdout}");
}

#[test]
fn evaluate_plots_draws_every_session_and_a_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sessions = dir.path().join("sessions");
    std::fs::create_dir(&sessions).expect("mkdir");
    copy_session(SESSION, &sessions);
    copy_session(NO_LETDOWN, &sessions);
    let plots = dir.path().join("plots");
    let output = letdown(&["evaluate", utf8(&sessions), "--plots", utf8(&plots)]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let written: BTreeSet<String> = std::fs::read_dir(&plots)
        .expect("the plots folder exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let want: BTreeSet<String> = [
        format!("{SESSION}.svg"),
        format!("{NO_LETDOWN}.svg"),
        "summary".to_owned(),
    ]
    .into_iter()
    .collect();
    assert_eq!(written, want);
    for name in [
        format!("{SESSION}.svg"),
        format!("{NO_LETDOWN}.svg"),
        "summary/first-letdown-delays.svg".to_owned(),
    ] {
        assert_svg(&plots.join(name));
    }
}

#[test]
fn evaluate_plots_draws_one_picture_per_name_and_the_summary_apart() {
    // A session named `summary`, and two sessions of one name in two folders.
    let dir = tempfile::tempdir().expect("temp dir");
    let folders = [dir.path().join("one"), dir.path().join("two")];
    for folder in &folders {
        std::fs::create_dir(folder).expect("mkdir");
        copy_session(SESSION, folder);
    }
    for ext in ["csv", "labels.csv"] {
        let from = bundled(&format!("{NO_LETDOWN}.{ext}"));
        std::fs::copy(from, folders[0].join(format!("summary.{ext}"))).expect("copy");
    }
    let plots = dir.path().join("plots");
    let output = letdown(&[
        "evaluate",
        utf8(&folders[0]),
        utf8(&folders[1]),
        "--plots",
        utf8(&plots),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = text(&output.stderr);
    let second = folders[1].join(format!("{SESSION}.csv"));
    let expected = format!(
        "{}: another session named {SESSION} came first and writes {SESSION}.svg; this \
         session's is not written",
        second.display(),
    );
    assert!(stderr.contains(&expected), "{}", show(&output));
    // Both sessions are still scored.
    assert!(
        text(&output.stdout).contains("3 sessions"),
        "{}",
        show(&output)
    );
    let written: BTreeSet<String> = std::fs::read_dir(&plots)
        .expect("the plots folder exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let want = [
        format!("{SESSION}.svg"),
        "summary.svg".into(),
        "summary".into(),
    ];
    assert_eq!(written, want.into_iter().collect());
    let session_picture = std::fs::read_to_string(plots.join("summary.svg")).expect("read");
    assert!(
        session_picture.contains("summary.csv"),
        "the session's own picture"
    );
    assert_svg(&plots.join("summary/first-letdown-delays.svg"));
}

// ---------------------------------------------------------------------------------------
// (d) `letdown plot`.

fn assert_svg(path: &Path) {
    let svg = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let body = svg.trim_start();
    let body = body
        .strip_prefix("<?xml")
        .map_or(body, |rest| rest.split_once("?>").map_or(rest, |r| r.1))
        .trim_start();
    assert!(
        body.starts_with("<svg"),
        "{}: {}",
        path.display(),
        &svg[..svg.len().min(200)]
    );
    assert!(
        svg.trim_end().ends_with("</svg>"),
        "{}: no closing tag",
        path.display()
    );
    assert!(svg.len() > 1000, "{}: {} bytes", path.display(), svg.len());
}

/// The PNG signature and the IHDR chunk's width and height.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("read");
    assert!(bytes.len() > 24, "{} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Runs `letdown plot SESSION ARGS --out OUT`, expecting exit status `status`; what it
/// printed.
fn plot(session: &str, args: &[&str], out: &Path, status: i32) -> Output {
    let mut all = vec!["plot", session];
    all.extend_from_slice(args);
    all.extend(["--out", utf8(out)]);
    let output = letdown(&all);
    assert_eq!(output.status.code(), Some(status), "{}", show(&output));
    output
}

#[test]
fn plot_writes_svg_and_png_and_checks_the_span() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = copy_session(SESSION, dir.path());
    let session = utf8(&session);

    let svg = dir.path().join("x.svg");
    let output = plot(session, &[], &svg, 0);
    assert_svg(&svg);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("3 labelled ejections"), "{stdout}");

    let png = dir.path().join("x.png");
    plot(session, &[], &png, 0);
    let (w, h) = png_size(&png);
    assert!(w > 0 && h > 0, "{w} × {h}");

    let zoom = dir.path().join("zoom.svg");
    let output = plot(session, &["--from", "90", "--to", "100"], &zoom, 0);
    assert_svg(&zoom);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("90.0 … 100.0 s"), "{stdout}");

    let backwards = dir.path().join("backwards.svg");
    let output = plot(session, &["--from", "100", "--to", "90"], &backwards, 2);
    assert!(text(&output.stderr).contains("--to"), "{}", show(&output));
    assert!(!backwards.exists());
}
