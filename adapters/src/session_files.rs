//! Where a session's files are: `NAME.csv` (samples), `NAME.labels.csv` (labelled
//! ejections) beside it, `NAME.detections.csv` (saved detections), and which files of a
//! folder are sessions.

use std::io;
use std::path::{Path, PathBuf};

/// File-name suffix of a label file.
pub const LABELS_SUFFIX: &str = ".labels.csv";
/// File-name suffix of a detection file.
pub const DETECTIONS_SUFFIX: &str = ".detections.csv";
/// File-name suffix of a session file.
pub const SESSION_SUFFIX: &str = ".csv";

/// The session's name: its file name without `.csv` (the whole file name when it has
/// another extension).
pub fn session_name(path: &Path) -> String {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    match file_name.strip_suffix(SESSION_SUFFIX) {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => file_name,
    }
}

/// The label file beside the session file at `session`: `NAME.labels.csv`.
pub fn labels_path(session: &Path) -> PathBuf {
    session.with_file_name(format!("{}{LABELS_SUFFIX}", session_name(session)))
}

/// The detection file of session `name` in folder `dir`: `DIR/NAME.detections.csv`.
pub fn detections_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{DETECTIONS_SUFFIX}"))
}

/// Whether a file name is a session file: `*.csv` but not `*.labels.csv` nor
/// `*.detections.csv`.
pub fn is_session_file_name(file_name: &str) -> bool {
    file_name.len() > SESSION_SUFFIX.len()
        && file_name.ends_with(SESSION_SUFFIX)
        && !file_name.ends_with(LABELS_SUFFIX)
        && !file_name.ends_with(DETECTIONS_SUFFIX)
}

/// The session files directly inside `dir` (not in sub-folders), sorted by file name.
pub fn list_sessions(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut sessions = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_session = entry.file_name().to_str().is_some_and(is_session_file_name);
        if is_session && entry.file_type()?.is_file() {
            sessions.push(entry.path());
        }
    }
    sessions.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_companions() {
        let p = Path::new("/s/typical_01.csv");
        assert_eq!(session_name(p), "typical_01");
        assert_eq!(labels_path(p), Path::new("/s/typical_01.labels.csv"));
        assert_eq!(
            detections_path(Path::new("out"), "typical_01"),
            Path::new("out/typical_01.detections.csv")
        );
        assert_eq!(session_name(Path::new("raw.txt")), "raw.txt");
        assert!(is_session_file_name("a.csv"));
        assert!(!is_session_file_name("a.labels.csv"));
        assert!(!is_session_file_name("a.detections.csv"));
        assert!(!is_session_file_name(".csv"));
        assert!(!is_session_file_name("a.csv.tmp"));
    }
}
