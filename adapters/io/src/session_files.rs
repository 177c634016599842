//! Where a session's files are: `NAME.csv`, `NAME.csv.gz` or `NAME.parquet` (samples),
//! `NAME.labels.csv` or `NAME.labels.csv.gz` (labelled ejections) beside it,
//! `NAME.detections.csv` (saved detections), and which files of a folder are sessions.
//!
//! A fleet dataset is a folder of sessions partitioned by session, as
//! `pyarrow.dataset.write_dataset(table, DIR, format="parquet",
//! partitioning=["session_id"], partitioning_flavor="hive")` writes it:
//!
//! ```text
//! DIR/session_id=<ID>/part-0.parquet     one session (more parts: part-1, part-2, …)
//! DIR/_labels/<ID>.labels.csv            its labels, if any (the CSV labels format)
//! ```
//!
//! The partition column is not stored in the files: a session's name is its folder's
//! `<ID>` (percent-decoded, as pyarrow encodes it). Its parts are read in turn as one
//! session, in the order pyarrow numbers them. Labels sit in `_labels/`, which pyarrow's
//! dataset discovery skips (it ignores names starting with `_` or `.`), in the format of
//! `NAME.labels.csv`.

use crate::error::{ErrorKind, SessionFileError};
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
/// File-name suffix of a Parquet session file.
pub const PARQUET_SUFFIX: &str = ".parquet";
/// Prefix of a fleet dataset's session folder names (`session_id=<ID>`).
pub const FLEET_SESSION_PREFIX: &str = "session_id=";
/// The partition column of a fleet dataset, the field named when its folder name is refused.
const FLEET_SESSION_KEY: &str = "session_id";
/// The folder of a fleet dataset's label files, in the dataset's folder.
pub const FLEET_LABELS_DIR: &str = "_labels";

/// Whether `file_name` names a Parquet file (`*.parquet`).
pub fn is_parquet_name(file_name: &str) -> bool {
    file_name.len() > PARQUET_SUFFIX.len() && file_name.ends_with(PARQUET_SUFFIX)
}

/// The session id of a fleet session folder named `session_id=<ID>` (percent-decoded),
/// or `None` for another name.
pub fn fleet_session_id(folder_name: &str) -> Option<String> {
    let id = folder_name.strip_prefix(FLEET_SESSION_PREFIX)?;
    (!id.is_empty()).then(|| percent_decode(id))
}

/// The folder name of fleet session `id`: `session_id=<ID>`, with every byte but ASCII
/// letters, digits, `-`, `.`, `_` and `~` percent-encoded, as pyarrow encodes it.
pub fn fleet_session_folder_name(id: &str) -> String {
    let mut name = String::from(FLEET_SESSION_PREFIX);
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// `%XX` sequences decoded (pyarrow's `segment_encoding="uri"`); malformed ones kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The Parquet files of one fleet session's folder, in the order they are read: by
/// length of name, then name (`part-2` before `part-10`). Names starting with `.` or `_`
/// are skipped, as pyarrow skips them. A folder without one is an error.
pub fn fleet_session_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_parquet_name(name) && !name.starts_with(['.', '_']) {
            files.push(entry.path());
        }
    }
    files.sort_by_key(|p| {
        let name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        (name.len(), name)
    });
    if files.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no *.parquet file in this fleet session's folder",
        ));
    }
    Ok(files)
}

/// The session's name: its file name without `.csv`, `.csv.gz` or `.parquet` (the whole
/// file name when it has another extension); a fleet session folder's `<ID>`. A name
/// [`check_session_name`] refuses is an error naming the file or folder (and, for a
/// fleet folder, the `session_id` field): files are written under this name.
pub fn session_name(path: &Path) -> Result<String, SessionFileError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    let (name, field) = match fleet_session_id(&file_name) {
        Some(id) => (id, Some(FLEET_SESSION_KEY)),
        None => (file_stem(file_name), None),
    };
    match check_session_name(&name) {
        Ok(()) => Ok(name),
        Err(reason) => {
            let kind = ErrorKind::UnsafeSessionName { name, reason };
            Err(SessionFileError::new(path, None, field, kind))
        }
    }
}

/// `file_name` without `.csv`, `.csv.gz` or `.parquet`; the whole of it when it has
/// another extension or nothing before one.
fn file_stem(file_name: String) -> String {
    let stem = file_name
        .strip_suffix(SESSION_GZ_SUFFIX)
        .or_else(|| file_name.strip_suffix(SESSION_SUFFIX))
        .or_else(|| file_name.strip_suffix(PARQUET_SUFFIX));
    match stem {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => file_name,
    }
}

/// Whether `name` can be a session's name, or why not, in words. The name is joined to
/// an output folder the user chose (`DIR/NAME.detections.csv`, `DIR/NAME.svg`,
/// `DIR/NAME.csv`), and it comes from outside (a fleet folder's percent-decoded `<ID>`
/// can hold any byte), so it must be one plain piece of a file name that cannot lead
/// out of that folder. `\` is refused everywhere: it separates folders on Windows, and
/// a dataset made on one system is read on another; so is a Windows drive prefix (`C:`
/// at the start: joined to a folder there, it replaces the folder), while a `:` further
/// in (a timestamp's `10:00`) is an ordinary character.
pub fn check_session_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    match name {
        "" => Err("it is empty"),
        "." | ".." => Err("it is `.` or `..`, a folder, not a name"),
        _ if name.contains('/') => Err("it contains `/`, a folder separator"),
        _ if name.contains('\\') => Err("it contains `\\`, a folder separator on Windows"),
        _ if name.contains('\0') => Err("it contains a NUL byte"),
        _ if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' => {
            Err("it starts with a Windows drive (`C:`), which would replace the folder")
        }
        _ => Ok(()),
    }
}

/// The two names a session's label file may have: `NAME.labels.csv` beside the session
/// file at `session`, and the same name compressed (`NAME.labels.csv.gz`). For a fleet
/// session folder `DIR/session_id=<ID>` both lie in `DIR/_labels/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelsPaths {
    /// `NAME.labels.csv`.
    pub plain: PathBuf,
    /// `NAME.labels.csv.gz`.
    pub gzip: PathBuf,
}

impl LabelsPaths {
    /// Both label-file names of the session at `session`; an error when the session's
    /// name is refused ([`session_name`]).
    pub fn of(session: &Path) -> Result<Self, SessionFileError> {
        let name = session_name(session)?;
        let labels_file = format!("{name}{LABELS_SUFFIX}");
        let is_fleet = (session.file_name().and_then(|n| n.to_str()))
            .is_some_and(|n| fleet_session_id(n).is_some());
        let plain = if is_fleet {
            session.with_file_name(FLEET_LABELS_DIR).join(labels_file)
        } else {
            session.with_file_name(labels_file)
        };
        let mut gzip = plain.clone().into_os_string();
        gzip.push(GZIP_SUFFIX);
        Ok(Self {
            plain,
            gzip: PathBuf::from(gzip),
        })
    }

    /// The one a reader takes: the plain file, or the compressed one when only that one
    /// exists (a folder under the plain name is no label file); an error when both do
    /// (`gzip -k` leaves both, and they may differ).
    pub fn existing(self) -> Result<PathBuf, SessionFileError> {
        let plain = self.plain.exists() && !self.plain.is_dir();
        match (plain, self.gzip.is_file()) {
            (true, true) => {
                let kind = ErrorKind::TwoLabelFiles { gzip: self.gzip };
                Err(SessionFileError::new(self.plain, None, None, kind))
            }
            (false, true) => Ok(self.gzip),
            _ => Ok(self.plain),
        }
    }
}

/// The label file beside the session file at `session`: `NAME.labels.csv`, or
/// `NAME.labels.csv.gz` when only that one is a label file ([`LabelsPaths::existing`]).
/// An error when the session's name is refused ([`session_name`]) or when both are.
pub fn labels_path(session: &Path) -> Result<PathBuf, SessionFileError> {
    LabelsPaths::of(session)?.existing()
}

/// Removes the stale label file at `path` (one of [`LabelsPaths`]), if there is one: a
/// writer that puts a session's labels under one name leaves none under the other.
pub fn remove_stale_labels(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
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

/// Whether a file name is a session file: `*.csv`, `*.csv.gz` or `*.parquet`, but not a
/// label or detection file (plain or compressed).
pub fn is_session_file_name(file_name: &str) -> bool {
    if is_parquet_name(file_name) {
        return true;
    }
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
    /// Session files (symbolic links to files included) and fleet session folders
    /// (`session_id=<ID>`), sorted by file name.
    pub sessions: Vec<PathBuf>,
    /// Entries named like sessions that cannot be read as one, each with the reason
    /// (a named pipe, a device, a symbolic link loop or to nothing), sorted by name:
    /// skipped, but never without a word.
    pub skipped: Vec<(PathBuf, String)>,
}

/// The session files directly inside `dir` (not in sub-folders) and its fleet session
/// folders, and the entries with session names that are not readable files.
pub fn list_folder(dir: &Path) -> io::Result<FolderListing> {
    let mut listing = FolderListing::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(text) = name.to_str() else {
            // Named like a session, but not in UTF-8: say so rather than pass it over.
            let lossy = name.to_string_lossy();
            if is_session_file_name(&lossy) || fleet_session_id(&lossy).is_some() {
                let why = "a name that is not UTF-8 text: skipped (rename it)".to_string();
                listing.skipped.push((entry.path(), why));
            }
            continue;
        };
        let fleet = fleet_session_id(text).is_some();
        if !fleet && !is_session_file_name(text) {
            continue;
        }
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() && !fleet => listing.sessions.push(path),
            Ok(meta) if meta.is_dir() && fleet => listing.sessions.push(path),
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
        assert_eq!(session_name(p).expect("name"), "typical_01");
        assert_eq!(
            labels_path(p).expect("labels path"),
            Path::new("/s/typical_01.labels.csv")
        );
        assert_eq!(
            detections_path(Path::new("out"), "typical_01"),
            Path::new("out/typical_01.detections.csv")
        );
        assert_eq!(session_name(Path::new("raw.txt")).expect("name"), "raw.txt");
        assert!(is_session_file_name("a.csv"));
        assert!(!is_session_file_name("a.labels.csv"));
        assert!(!is_session_file_name("a.detections.csv"));
        assert!(!is_session_file_name(".csv"));
        assert!(!is_session_file_name("a.csv.tmp"));
    }

    #[test]
    fn parquet_sessions_and_fleet_folders() {
        assert!(is_session_file_name("a.parquet"));
        assert!(!is_session_file_name(".parquet"));
        assert_eq!(
            session_name(Path::new("/s/a.b.parquet")).expect("name"),
            "a.b"
        );
        assert_eq!(
            labels_path(Path::new("/s/a.parquet")).expect("labels path"),
            Path::new("/s/a.labels.csv")
        );
        let id = "sim-typical+drift 1%";
        let folder = fleet_session_folder_name(id);
        assert_eq!(folder, "session_id=sim-typical%2Bdrift%201%25");
        assert_eq!(fleet_session_id(&folder).as_deref(), Some(id));
        assert_eq!(fleet_session_id("session_id=a%zz%4"), Some("a%zz%4".into()));
        assert_eq!(fleet_session_id("session_id="), None);
        let session = Path::new("/fleet").join(&folder);
        assert_eq!(session_name(&session).expect("name"), id);
        assert_eq!(
            labels_path(&session).expect("labels path"),
            Path::new("/fleet/_labels").join(format!("{id}.labels.csv"))
        );

        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "part-10.parquet",
            "part-2.parquet",
            "_meta.parquet",
            "x.csv",
        ] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        let files = fleet_session_files(dir.path()).expect("parts");
        let names: Vec<_> = files
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect();
        assert_eq!(names, ["part-2.parquet", "part-10.parquet"]);
        let empty = tempfile::tempdir().expect("temp dir");
        assert!(fleet_session_files(empty.path()).is_err());
    }

    #[test]
    fn a_name_that_could_leave_the_output_folder_is_refused() {
        for (folder, name, reason) in [
            ("session_id=..%2Fescaped", "../escaped", "contains `/`"),
            ("session_id=..", "..", "is `.` or `..`"),
            ("session_id=.", ".", "is `.` or `..`"),
            ("session_id=%2E%2E", "..", "is `.` or `..`"),
            ("session_id=a%5Cb", "a\\b", "contains `\\`"),
            ("session_id=a%00b", "a\0b", "NUL"),
        ] {
            let session = Path::new("/fleet").join(folder);
            let e = session_name(&session).expect_err(folder);
            assert!(
                matches!(&e.kind, ErrorKind::UnsafeSessionName { name: n, .. } if n == name),
                "{folder}: {e:?}"
            );
            let message = e.to_string();
            let expected = format!("/fleet/{folder}: field session_id: session name {name:?}");
            assert!(message.starts_with(&expected), "{message}");
            assert!(message.contains(reason), "{message}");
            assert!(labels_path(&session).is_err(), "{folder}");
        }
        let e = session_name(Path::new("/s/..csv")).expect_err("a file named `..csv`");
        assert_eq!(e.field, None);
        assert!(e
            .to_string()
            .starts_with("/s/..csv: session name \".\" refused"));
        assert!(session_name(Path::new("..")).is_err());
        assert_eq!(check_session_name(""), Err("it is empty"));
        assert_eq!(check_session_name("..a"), Ok(()));
        assert!(check_session_name("C:x").is_err(), "a drive prefix");
        assert_eq!(
            check_session_name("2026-12-07T10:00"),
            Ok(()),
            "a timestamp"
        );
    }

    #[test]
    fn a_harmless_escaped_name_is_decoded() {
        let session = Path::new("/fleet/session_id=a%20b");
        assert_eq!(session_name(session).expect("name"), "a b");
        assert_eq!(
            labels_path(session).expect("labels path"),
            Path::new("/fleet/_labels/a b.labels.csv")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_session_name_that_is_not_utf8_is_skipped_with_a_word() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"n\xffx.csv"));
        std::fs::write(&odd, "").expect("write");
        std::fs::write(
            dir.path().join(std::ffi::OsStr::from_bytes(b"\xff.txt")),
            "",
        )
        .expect("write");
        std::fs::write(dir.path().join("a.csv"), "").expect("write");
        let listing = list_folder(dir.path()).expect("list");
        assert_eq!(listing.sessions, [dir.path().join("a.csv")]);
        assert_eq!(listing.skipped.len(), 1, "{:?}", listing.skipped);
        assert_eq!(listing.skipped[0].0, odd);
        assert!(listing.skipped[0].1.contains("not UTF-8"));
    }

    #[test]
    fn compressed_sessions_and_labels() {
        let p = Path::new("/s/ext-std-03.csv.gz");
        assert_eq!(session_name(p).expect("name"), "ext-std-03");
        assert_eq!(session_name(Path::new(".csv.gz")).expect("name"), ".csv.gz");
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
            labels_path(&session).expect("labels path"),
            plain,
            "neither exists: the plain name"
        );
        std::fs::write(&gzip, "").expect("write");
        assert_eq!(
            labels_path(&session).expect("labels path"),
            gzip,
            "only the compressed one exists"
        );
        // Both (`gzip -k` leaves both, and they may differ): neither is taken.
        std::fs::write(&plain, "").expect("write");
        let e = labels_path(&session).expect_err("both");
        assert_eq!(e.path, plain);
        assert!(matches!(&e.kind, ErrorKind::TwoLabelFiles { gzip: g } if *g == gzip));
        let text = e.to_string();
        assert!(
            text.contains("a.labels.csv.gz is there too") && text.contains("keep one"),
            "{text}"
        );
        // A folder under the plain name is no label file: the compressed one is read.
        std::fs::remove_file(&plain).expect("remove");
        std::fs::create_dir(&plain).expect("folder");
        assert_eq!(labels_path(&session).expect("labels path"), gzip);
    }
}
