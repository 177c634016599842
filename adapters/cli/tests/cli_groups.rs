//! `--group-by family` and `--halves` of `letdown replay` and `letdown evaluate`: they only
//! add the per-group score after what the commands print without them (which stays
//! byte for byte as it was), in text and in `--json`.

mod cli_run;

use cli_run::{letdown, show, text};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn dev_set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/external-dev")
}

fn run(args: &[&str]) -> String {
    let output = letdown(args);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    text(&output.stdout)
}

/// Each line with the replay speed (samples/s, which changes from run to run) cut off:
/// the speed cell of the table's rows, the speed at the end of the `sessions:` line.
fn without_speed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            if let Some(i) = line.find(" samples/s") {
                return line[..line[..i].rfind(", ").unwrap_or(i)].to_owned();
            }
            let Some(row) = line.strip_suffix("  ok") else {
                return line.to_owned();
            };
            let row = row.trim_end();
            let row = [" k", " M", " G"]
                .iter()
                .find_map(|unit| row.strip_suffix(unit))
                .unwrap_or(row);
            row.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[test]
fn replay_grouping_only_adds_the_group_table() {
    let dir = dev_set();
    let dir = dir.to_str().expect("utf-8 path");
    let plain = without_speed(&run(&["replay", "--quiet", dir]));
    let grouped = without_speed(&run(&[
        "replay",
        "--quiet",
        dir,
        "--group-by",
        "family",
        "--halves",
    ]));
    assert_eq!(
        grouped[..plain.len()],
        plain[..],
        "the output without grouping comes first, unchanged"
    );
    let added = &grouped[plain.len()..];
    assert_eq!(added[0], "");
    assert_eq!(added[1], "score per group (DESIGN §6):");
    let titles: Vec<&str> = added[5..]
        .iter()
        .map(|l| l.split("  ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        [
            "ext-alt",
            "ext-alt even",
            "ext-alt odd",
            "ext-alt odd - even",
            "ext-hard",
            "ext-hard even",
            "ext-hard odd",
            "ext-hard odd - even",
            "ext-std",
            "ext-std even",
            "ext-std odd",
            "ext-std odd - even",
            "all",
            "all even",
            "all odd",
            "all odd - even",
        ]
    );
    // The overall row repeats the aggregate score above it (one scoring, two views).
    let all = added
        .iter()
        .find(|l| l.starts_with("all "))
        .expect("all row");
    let f1 = plain
        .iter()
        .find_map(|l| l.split("F1 ").nth(1))
        .expect("aggregate F1");
    assert!(all.contains(&format!(" {f1} ")), "{all} vs F1 {f1}");
    assert!(all.contains(" 36 "), "{all}");

    let halves_only = without_speed(&run(&["replay", "--quiet", dir, "--halves"]));
    let titles: Vec<&str> = halves_only[plain.len() + 5..]
        .iter()
        .map(|l| l.split("  ").next().unwrap_or(""))
        .collect();
    assert_eq!(titles, ["all", "all even", "all odd", "all odd - even"]);
}

#[test]
fn evaluate_grouping_only_adds_the_groups_key_and_table() {
    let dir = dev_set();
    let dir = dir.to_str().expect("utf-8 path");
    let plain = run(&["evaluate", "--json", dir]);
    let grouped = run(&[
        "evaluate",
        "--json",
        dir,
        "--group-by",
        "family",
        "--halves",
    ]);
    let plain: Value = serde_json::from_str(&plain).expect("JSON");
    let mut grouped: Value = serde_json::from_str(&grouped).expect("JSON");
    assert!(
        plain.get("groups").is_none(),
        "no groups key without grouping"
    );
    let groups = grouped
        .as_object_mut()
        .and_then(|o| o.remove("groups"))
        .expect("groups key");
    assert_eq!(grouped, plain, "everything else is as without grouping");
    assert_eq!(groups["by_family"], true);
    assert_eq!(groups["halves"], true);
    let rows = groups["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 12);
    for row in rows {
        check_group_row(row);
    }
    check_groups_keys_are_documented(&groups, rows);

    let overall = &rows[9];
    assert!(overall["family"].is_null() && overall["half"].is_null());
    assert_eq!(
        overall["detection"]["engine"],
        plain["detection"]["engine"]["all"]
    );

    check_text_grouping(dir);
}

/// One row of `groups.rows`: its sessions, each detector's, and the odd − even score of
/// a half.
fn check_group_row(row: &Value) {
    let sessions = row["sessions"].as_array().expect("sessions").len();
    let expected = match (row["family"].is_null(), row["half"].is_null()) {
        (true, true) => 36,  // all sessions
        (true, false) => 18, // one half of all
        (false, true) => 12, // one family
        (false, false) => 6, // one half of one family
    };
    assert_eq!(sessions, expected, "{row}");
    for detector in ["engine", "flow_threshold", "timer"] {
        assert_eq!(row["detection"][detector]["sessions"], sessions, "{row}");
    }
    let apart = &row["odd_minus_even"];
    assert_eq!(apart.is_null(), !row["half"].is_null(), "{row}");
    if !apart.is_null() {
        assert!(apart["engine"]["f1"].is_number(), "{row}");
    }
}

/// Every key of `groups` is documented in EVALUATE.md.
fn check_groups_keys_are_documented(groups: &Value, rows: &[Value]) {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("EVALUATE.md"))
        .expect("adapters/cli/EVALUATE.md");
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let documented = keys(groups)
        .into_iter()
        .chain(keys(&rows[0]))
        .chain(keys(&rows[0]["odd_minus_even"]["engine"]))
        .chain(["groups".to_owned()]);
    for key in documented {
        assert!(
            doc.contains(&format!("`{key}`")),
            "`{key}` is not in EVALUATE.md"
        );
    }
}

/// Text: the table after the usual report; the last line (timing) aside.
fn check_text_grouping(dir: &str) {
    let plain = run(&["evaluate", dir]);
    let grouped = run(&["evaluate", dir, "--group-by", "family"]);
    let plain: Vec<&str> = plain.lines().collect();
    let grouped: Vec<&str> = grouped.lines().collect();
    let body = plain.len() - 2; // the blank line and the timing line
    assert_eq!(grouped[..body], plain[..body]);
    assert_eq!(grouped[body + 1], "score per group (DESIGN §6):");
    assert!(grouped.iter().any(|l| l.starts_with("ext-hard ")));
    assert!(
        !grouped.iter().any(|l| l.starts_with("all even")),
        "no halves unless asked"
    );
}
