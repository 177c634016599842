//! Where a session's files are: `NAME.csv` or `NAME.csv.gz` (samples),
//! `NAME.labels.csv` or `NAME.labels.csv.gz` (labelled ejections) beside it,
//! `NAME.detections.csv` (saved detections), and which files of a folder are sessions.

use crate::input_file::GZIP_SUFFIX;
use std::io;
use std::path::{Path, PathBuf};

/// File-name suffix of a label file.
pub const LABELS_SUFFIX: &str = ".labels.csv";
/// File-name suffix of a detection file.
pub const DETECTIONS_SUFFIX: &str = ".detections.csv";
/// File-name suffix of a session file.
pub const SESSION_SUFFIX: &str = ".csv";
/// File-name suffix of a gzip-compressed session file.
pub const SESSION_GZ_SUFFIX: &str = ".csv.gz";

/// The session's name: its file name without `.csv` or `.csv.gz` (the whole file name
/// when it has another extension).
pub fn session_name(path: &Path) -> String {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    let stem = file_name
        .strip_suffix(SESSION_GZ_SUFFIX)
        .or_else(|| file_name.strip_suffix(SESSION_SUFFIX));
    match stem {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => file_name,
    }
}

/// The label file beside the session file at `session`: `NAME.labels.csv`, or
/// `NAME.labels.csv.gz` when only that one exists (the plain file wins when both do).
pub fn labels_path(session: &Path) -> PathBuf {
    let plain = session.with_file_name(format!("{}{LABELS_SUFFIX}", session_name(session)));
    let mut gzip = plain.clone().into_os_string();
    gzip.push(GZIP_SUFFIX);
    let gzip = PathBuf::from(gzip);
    if !plain.exists() && gzip.is_file() {
        gzip
    } else {
        plain
    }
}

/// The detection file of session `name` in folder `dir`: `DIR/NAME.detections.csv`.
pub fn detections_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{DETECTIONS_SUFFIX}"))
}

/// Whether a file name is a label or detection file, plain or gzip-compressed
/// (`*.labels.csv[.gz]`, `*.detections.csv[.gz]`): a companion, not a session.
pub fn is_companion_file_name(file_name: &str) -> bool {
    let name = file_name.strip_suffix(GZIP_SUFFIX).unwrap_or(file_name);
    name.ends_with(LABELS_SUFFIX) || name.ends_with(DETECTIONS_SUFFIX)
}

/// Whether a file name is a session file: `*.csv` or `*.csv.gz`, but not a label or
/// detection file (plain or compressed).
pub fn is_session_file_name(file_name: &str) -> bool {
    let name = file_name.strip_suffix(GZIP_SUFFIX).unwrap_or(file_name);
    name.len() > SESSION_SUFFIX.len()
        && name.ends_with(SESSION_SUFFIX)
        && !is_companion_file_name(file_name)
}

/// The session files directly inside `dir` (not in sub-folders), sorted by file name
/// (see [`list_folder`], whose skipped entries this leaves out).
pub fn list_sessions(dir: &Path) -> io::Result<Vec<PathBuf>> {
    list_folder(dir).map(|listing| listing.sessions)
}

/// What a folder holds for a replay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FolderListing {
    /// Session files (symbolic links to files included), sorted by file name.
    pub sessions: Vec<PathBuf>,
    /// Entries named like sessions that cannot be read as one, each with the reason
    /// (a named pipe, a device, a symbolic link loop or to nothing), sorted by name:
    /// skipped, but never without a word.
    pub skipped: Vec<(PathBuf, String)>,
}

/// The session files directly inside `dir` (not in sub-folders), and the entries with
/// session names that are not readable files.
pub fn list_folder(dir: &Path) -> io::Result<FolderListing> {
    let mut listing = FolderListing::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_name().to_str().is_some_and(is_session_file_name) {
            continue;
        }
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => listing.sessions.push(path),
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => {
                let reason = format!("{}, not a session file: skipped", file_kind(&meta));
                listing.skipped.push((path, reason));
            }
            Err(e) => {
                // The entry exists, so a missing file is the link's target.
                let why = match e.kind() {
                    io::ErrorKind::NotFound => "a symbolic link to a missing file".into(),
                    _ => unreadable_reason(&e),
                };
                listing.skipped.push((path, format!("{why}: skipped")));
            }
        }
    }
    listing
        .sessions
        .sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    listing.skipped.sort();
    Ok(listing)
}

/// What kind of special file `meta` describes, in words.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else if meta.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

/// Why a path cannot be opened, in words: a missing file, a symbolic link loop, a link
/// to nothing, or the system's own reason.
pub fn unreadable_reason(error: &io::Error) -> String {
    // ELOOP: too many levels of symbolic links (40 on Linux, 62 on the BSDs and macOS).
    let eloop = if cfg!(target_os = "linux") { 40 } else { 62 };
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or folder (or a symbolic link to one)".into(),
        _ if error.raw_os_error() == Some(eloop) => {
            format!("a symbolic link loop: the links never reach a file ({error})")
        }
        _ => format!("cannot read: {error}"),
    }
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

    #[test]
    fn compressed_sessions_and_labels() {
        let p = Path::new("/s/ext-std-03.csv.gz");
        assert_eq!(session_name(p), "ext-std-03");
        assert_eq!(session_name(Path::new(".csv.gz")), ".csv.gz");
        assert!(is_session_file_name("a.csv.gz"));
        assert!(!is_session_file_name("a.labels.csv.gz"));
        assert!(!is_session_file_name("a.detections.csv.gz"));
        assert!(!is_session_file_name(".csv.gz"));
        assert!(!is_session_file_name("a.gz"));
        assert!(is_companion_file_name("a.labels.csv.gz"));
        assert!(!is_companion_file_name("a.csv.gz"));

        let dir = tempfile::tempdir().expect("temp dir");
        let session = dir.path().join("a.csv.gz");
        let plain = dir.path().join("a.labels.csv");
        let gzip = dir.path().join("a.labels.csv.gz");
        assert_eq!(
            labels_path(&session),
            plain,
            "neither exists: the plain name"
        );
        std::fs::write(&gzip, "").expect("write");
        assert_eq!(
            labels_path(&session),
            gzip,
            "only the compressed one exists"
        );
        std::fs::write(&plain, "").expect("write");
        assert_eq!(labels_path(&session), plain, "both: the plain one");
    }
}
