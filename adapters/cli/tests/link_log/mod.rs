//! Reading the summary lines that `letdown serve` and `letdown pump-sim` log at the end
//! (`PROGRAM: summary LABEL key=value …`), shared by the link test files.

use std::collections::HashMap;

/// `key=value` pairs of the lines that start with `PREFIX: summary LABEL`.
pub fn summary(text: &str, prefix: &str, label: &str) -> HashMap<String, String> {
    let head = format!("{prefix}: summary {label} ");
    text.lines()
        .filter_map(|l| l.strip_prefix(&head))
        .flat_map(|rest| rest.split_whitespace())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `key`, a number (the test fails if it is missing or not a number).
pub fn num(map: &HashMap<String, String>, key: &str) -> f64 {
    map.get(key)
        .unwrap_or_else(|| panic!("no {key} in {map:?}"))
        .parse()
        .unwrap_or_else(|_| panic!("{key}={} is not a number", map[key]))
}
