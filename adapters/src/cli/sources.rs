//! Which session files to replay: files and folders named on the command line, or the
//! bundled sessions in `datasets/sessions/` when none are.

use letdown_adapters::session_files::{
    is_companion_file_name, list_sessions, DETECTIONS_SUFFIX, LABELS_SUFFIX,
};
use std::path::{Path, PathBuf};

/// The bundled sessions' folder: `datasets/sessions/` of this workspace.
pub fn bundled_sessions_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("datasets")
        .join("sessions");
    dir.canonicalize().unwrap_or(dir)
}

/// The session files to replay, in order, and a message for each path that gave none.
///
/// A folder gives every `*.csv` and `*.csv.gz` directly inside it that is not a label or
/// detection file (`*.labels.csv[.gz]`, `*.detections.csv[.gz]`), sorted by name; a file
/// is taken as it is named, unless it is a label or detection file. No path means the
/// bundled sessions.
pub fn resolve(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let bundled;
    let paths = if paths.is_empty() {
        bundled = [bundled_sessions_dir()];
        &bundled[..]
    } else {
        paths
    };
    let mut sessions = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            match list_sessions(path) {
                Ok(found) if found.is_empty() => problems.push(format!(
                    "{}: no session files (*.csv or *.csv.gz, not *{LABELS_SUFFIX} nor \
                     *{DETECTIONS_SUFFIX}) in this folder",
                    path.display()
                )),
                Ok(found) => sessions.extend(found),
                Err(e) => problems.push(format!("{}: cannot list folder: {e}", path.display())),
            }
        } else if path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if is_companion_file_name(&name) {
                problems.push(format!(
                    "{}: a label or detection file, not a session (give the session's \
                     NAME.csv; its labels are found beside it)",
                    path.display()
                ));
            } else {
                // Any other name is read as a session file: its content decides.
                sessions.push(path.clone());
            }
        } else {
            problems.push(format!("{}: no such file or folder", path.display()));
        }
    }
    (sessions, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_give_sorted_sessions_without_companions() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "b.csv",
            "a.csv",
            "a.labels.csv",
            "a.detections.csv",
            "notes.txt",
            "c.csv.gz",
            "c.labels.csv.gz",
        ] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        let (sessions, problems) = resolve(&[dir.path().to_path_buf()]);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<_> = sessions
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect();
        assert_eq!(names, ["a.csv", "b.csv", "c.csv.gz"]);
        let (sessions, problems) = resolve(&[
            dir.path().join("c.labels.csv.gz"),
            dir.path().join("a.labels.csv"),
            dir.path().join("missing.csv"),
            dir.path().join("notes.txt"),
        ]);
        assert_eq!(sessions, [dir.path().join("notes.txt")]);
        assert_eq!(problems.len(), 3);
        assert!(problems[2].contains("no such file"), "{problems:?}");
    }
}
