//! Which session files to replay: files and folders named on the command line, or the
//! bundled sessions when none are (see [`bundled_sessions_dir`] for where they are found).

use super::console::report_note;
use letdown_io::session_files::{
    file_kind, fleet_session_id, is_companion_file_name, list_folder, session_name,
    unreadable_reason, DETECTIONS_SUFFIX, LABELS_SUFFIX,
};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::path::{Path, PathBuf};

/// The variable naming the bundled sessions' folder, for a `letdown` installed away from
/// its source tree.
pub const SESSIONS_VAR: &str = "LETDOWN_SESSIONS";

/// The bundled sessions' folder. When `LETDOWN_SESSIONS` is set, the folder it names and
/// nothing else; otherwise the first folder that exists of `share/letdown/sessions` under
/// the installation prefix (`PREFIX/bin/letdown` → `PREFIX/share/letdown/sessions`) and
/// `datasets/sessions/` of the source tree this binary was built from. When none exists,
/// a message that names every place looked in and how to point at the sessions.
pub fn bundled_sessions_dir() -> Result<PathBuf, String> {
    let candidates = match std::env::var_os(SESSIONS_VAR) {
        Some(dir) => vec![PathBuf::from(dir)],
        None => {
            let installed = std::env::current_exe().ok().and_then(|exe| {
                let prefix = exe.parent()?.parent()?.to_path_buf();
                Some(prefix.join("share").join("letdown").join("sessions"))
            });
            let source = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("datasets")
                .join("sessions");
            installed.into_iter().chain([source]).collect()
        }
    };
    if let Some(dir) = candidates.iter().find(|dir| dir.is_dir()) {
        return Ok(dir.canonicalize().unwrap_or_else(|_| dir.clone()));
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|dir| dir.display().to_string())
        .collect();
    Err(format!(
        "no session files named and no bundled sessions found (looked in {}): name session files \
         or folders, or set {SESSIONS_VAR} to the folder holding the bundled sessions \
         (datasets/sessions/ in the source)",
        looked.join(", ")
    ))
}

/// The session files to replay, in order, and a message for each path that gave none.
///
/// A folder gives every `*.csv`, `*.csv.gz` and `*.parquet` directly inside it that is
/// not a label or detection file (`*.labels.csv[.gz]`, `*.detections.csv[.gz]`), and
/// every fleet session folder (`session_id=<ID>`) in it, sorted by name; a fleet session
/// folder named itself is one session; entries
/// so named that are not files (a named pipe, a symbolic link loop) are problems, never
/// skipped without a word. A path named on the command line is read as it is named,
/// unless it is a label or detection file: a named pipe or a device too, as a stream, on
/// purpose (`letdown replay <(zcat s.csv.gz)`). No path means the bundled sessions. A
/// session named more than once (`sim sim/`, or a file and its folder) is taken once,
/// where it first comes, with a note on standard error: scored twice, it would count
/// twice in every figure. Two files of one session in one folder are a problem
/// ([`one_file_per_session`]).
pub fn resolve(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let (sessions, mut problems) = resolve_all(paths);
    let (sessions, repeated) = once_each(sessions);
    let (sessions, clashes) = one_file_per_session(sessions);
    problems.extend(clashes);
    for (path, first) in repeated {
        let shown = path.display();
        report_note(if path == first {
            format!("{shown}: named more than once: taken once")
        } else {
            format!(
                "{shown}: the same session as {}, named before it: taken once",
                first.display()
            )
        });
    }
    (sessions, problems)
}

/// Each session once, by canonical path (a path that cannot be resolved, such as a
/// stream, stands for itself), in the order of first appearance; and each repeat with
/// the path it repeats.
fn once_each(sessions: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    first_by(sessions, |path| {
        Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    })
}

/// The sessions without a second file of one session in one folder (`X.csv` beside
/// `X.csv.gz` or `X.parquet`, as `gzip -k` or `letdown convert DIR DIR` leave them), and a
/// problem for each such file after the first: both would be scored against the one
/// `X.labels.csv` and count twice in every figure, and which one is the recording is not
/// ours to guess. (Sessions of one name in two folders are two sessions.)
fn one_file_per_session(sessions: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<String>) {
    let folder_and_name = |path: &Path| {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        session_name(path).ok().map(|name| (folder, name))
    };
    let (kept, clashes) = first_by(sessions, folder_and_name);
    let problems = clashes
        .into_iter()
        .map(|(path, earlier)| {
            format!(
                "{}: another file of session {} in this folder came first ({}); this one \
                 is not read: keep one of them (both would be scored against the session's \
                 one label file and count twice)",
                path.display(),
                session_name(&path).unwrap_or_default(),
                earlier.display()
            )
        })
        .collect();
    (kept, problems)
}

/// `sessions` in order, without each one whose `key` an earlier one has; and each one
/// left out, with the earlier one it repeats. A session without a key (`None`) is kept.
fn first_by<K: Eq + Hash>(
    sessions: Vec<PathBuf>,
    key: impl Fn(&Path) -> Option<K>,
) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    let mut first: HashMap<K, usize> = HashMap::new();
    let mut kept: Vec<PathBuf> = Vec::new();
    let mut repeats = Vec::new();
    for path in sessions {
        match key(&path) {
            Some(k) => match first.get(&k) {
                Some(&i) => repeats.push((path, kept[i].clone())),
                None => {
                    first.insert(k, kept.len());
                    kept.push(path);
                }
            },
            None => kept.push(path),
        }
    }
    (kept, repeats)
}

/// [`resolve`] before repeats are dropped.
fn resolve_all(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let bundled;
    let paths = if paths.is_empty() {
        match bundled_sessions_dir() {
            Ok(dir) => bundled = [dir],
            Err(message) => return (Vec::new(), vec![message]),
        }
        &bundled[..]
    } else {
        paths
    };
    let mut sessions = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let shown = path.display();
        let folder_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() && fleet_session_id(folder_name).is_some() => {
                sessions.push(path.clone())
            }
            Ok(meta) if meta.is_dir() => match list_folder(path) {
                Ok(found) => {
                    problems.extend(
                        (found.skipped.iter()).map(|(p, why)| format!("{}: {why}", p.display())),
                    );
                    if found.sessions.is_empty() {
                        problems.push(format!(
                            "{shown}: no session files (*.csv, *.csv.gz or *.parquet, \
                             not *{LABELS_SUFFIX} nor *{DETECTIONS_SUFFIX}) nor fleet \
                             session folders (session_id=<ID>) in this folder"
                        ));
                    }
                    sessions.extend(found.sessions);
                }
                Err(e) => problems.push(format!("{shown}: cannot list folder: {e}")),
            },
            Ok(meta) if meta.file_type().is_file() || is_stream(&meta) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if is_companion_file_name(&name) {
                    problems.push(format!(
                        "{shown}: a label or detection file, not a session (give the \
                         session's NAME.csv; its labels are found beside it)"
                    ));
                } else {
                    // Any other name is read as a session file: its content decides.
                    sessions.push(path.clone());
                }
            }
            Ok(meta) => problems.push(format!("{shown}: {}, not a session file", file_kind(&meta))),
            Err(e) => problems.push(format!("{shown}: {}", unreadable_reason(&e))),
        }
    }
    (sessions, problems)
}

/// For each session name in order, whether no session before it has that name. Only the
/// first session of a name writes the files named after it (`NAME.detections.csv`,
/// `NAME.svg`): two sessions of one name (`a.csv` beside `a.csv.gz`, or in two folders)
/// would otherwise write one file, from two threads at once. A session without a name
/// (`None`: its name was refused) writes nothing, so it is never first.
pub fn first_of_name(names: impl IntoIterator<Item = Option<String>>) -> Vec<bool> {
    let mut seen = HashSet::new();
    (names.into_iter())
        .map(|name| name.is_some_and(|name| seen.insert(name)))
        .collect()
}

/// The problem of a session (`shown`) that [`first_of_name`] keeps from writing
/// `target`, a file named after it (in the output folder the user named, so only the
/// file's name is told).
pub fn name_taken(shown: impl std::fmt::Display, name: &str, target: &Path) -> String {
    let file = target.file_name().unwrap_or(target.as_os_str());
    format!(
        "{shown}: another session named {name} came first and writes {}; this session's \
         is not written",
        Path::new(file).display()
    )
}

/// A named pipe or character device: read as a stream when named on purpose.
fn is_stream(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_fifo() || t.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_file_of_one_session_in_one_folder_is_a_problem() {
        let dir = tempfile::tempdir().expect("temp dir");
        let other = tempfile::tempdir().expect("temp dir");
        for name in ["a.csv", "a.csv.gz", "b.parquet", "b.csv", "c.csv"] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        std::fs::create_dir(dir.path().join("session_id=c")).expect("folder");
        std::fs::write(other.path().join("a.csv"), "").expect("write");
        let (sessions, problems) = resolve(&[dir.path().to_path_buf(), other.path().to_path_buf()]);
        let kept: Vec<_> = sessions
            .iter()
            .map(|p| p.strip_prefix(p.parent().unwrap()).unwrap())
            .collect();
        assert_eq!(
            kept,
            [
                Path::new("a.csv"),
                Path::new("b.csv"),
                Path::new("c.csv"),
                Path::new("a.csv")
            ]
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        let clashes = [
            ("a.csv.gz", "a", "a.csv"),
            ("b.parquet", "b", "b.csv"),
            ("session_id=c", "c", "c.csv"),
        ];
        for (problem, (file, name, first)) in problems.iter().zip(clashes) {
            let (file, first) = (dir.path().join(file), dir.path().join(first));
            assert_eq!(
                *problem,
                format!(
                    "{}: another file of session {name} in this folder came first ({}); \
                     this one is not read: keep one of them (both would be scored against \
                     the session's one label file and count twice)",
                    file.display(),
                    first.display()
                )
            );
        }
    }

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
            "d.parquet",
        ] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        for folder in ["session_id=e", "_labels", "other"] {
            std::fs::create_dir(dir.path().join(folder)).expect("folder");
        }
        let (sessions, problems) = resolve(&[dir.path().to_path_buf()]);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<_> = sessions
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect();
        assert_eq!(
            names,
            ["a.csv", "b.csv", "c.csv.gz", "d.parquet", "session_id=e"]
        );
        let fleet_session = dir.path().join("session_id=e");
        let (sessions, problems) = resolve(std::slice::from_ref(&fleet_session));
        assert_eq!((sessions, problems.len()), (vec![fleet_session], 0));
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

    #[test]
    fn a_session_named_twice_is_taken_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["a.csv", "b.csv"] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        let folder = dir.path().to_path_buf();
        let b = dir.path().join("b.csv");
        let b_again = dir.path().join(".").join("b.csv");
        let (sessions, repeated) = once_each(
            [
                b.clone(),
                folder.join("a.csv"),
                b_again.clone(),
                folder.join("b.csv"),
            ]
            .into(),
        );
        assert_eq!(sessions, [b.clone(), folder.join("a.csv")]);
        assert_eq!(repeated, [(b_again, b.clone()), (b.clone(), b.clone())]);
        // A folder and a file in it, the folder again with a trailing slash.
        let mut with_slash = folder.clone().into_os_string();
        with_slash.push("/");
        let (sessions, problems) = resolve(&[b.clone(), folder, with_slash.into()]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(sessions, [b, dir.path().join("a.csv")]);
    }
}
