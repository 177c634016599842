//! `letdown evaluate --stress`, run as a built binary: one row per phenomenon alone, plus
//! none and all, as a table and as JSON with the detection keys of `letdown evaluate`.

mod cli_run;
use cli_run::{letdown, text};
use letdown_datasets::Phenomenon;
use serde_json::Value;

const SMALL: [&str; 10] = [
    "evaluate",
    "--stress",
    "--simulate",
    "1",
    "--profile",
    "typical",
    "--rate",
    "100",
    "--minutes",
    "2",
];

#[test]
fn stress_json_has_a_row_per_case_with_the_detection_keys() {
    let mut args = SMALL.to_vec();
    args.push("--json");
    let o = letdown(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema"], "letdown-evaluate-stress/1");
    assert_eq!(v["sessions_per_row"], 1);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), Phenomenon::ALL.len() + 3);
    assert_eq!(rows[0]["case"], "none");
    assert_eq!(rows[0]["phenomena"], "none");
    for (row, p) in rows[1..].iter().zip(Phenomenon::ALL) {
        assert_eq!(row["case"], p.name());
        assert_eq!(row["phenomena"], p.name());
        assert_eq!(row["every_session"], true);
    }
    for row in rows {
        let e = &row["engine"];
        for key in [
            "sessions",
            "first_detected",
            "first_delay_s",
            "beyond_visible_s",
            "f1",
            "false_alarms_per_hour",
            "no_letdown_with_detection",
        ] {
            assert!(e.get(key).is_some(), "{key} in {row}");
        }
        assert_eq!(e["sessions"], 1);
    }
}

#[test]
fn stress_table_and_conflicting_options() {
    let o = letdown(&SMALL);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for p in Phenomenon::ALL {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{} ", p.name()))),
            "{p}: {out}"
        );
    }
    assert!(out.contains("beyond visible p95 s") && out.contains("all (every session)"));
    let mut faulty = SMALL.to_vec();
    faulty.extend(["--faults", "spikes"]);
    let o = letdown(&faulty);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--faults"));
    let o = letdown(&["evaluate", "--stress"]);
    assert_eq!(o.status.code(), Some(2));
}
