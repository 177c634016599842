//! Output files put in place whole: written under a temporary name beside the final one
//! and renamed once complete, so that a failed write (a full disk, a broken input) leaves
//! no half file where a reader would take it for a whole one.

use std::path::{Path, PathBuf};

/// `PATH.tmp`, beside `target`: where `target` is written before it is renamed into place.
pub fn tmp_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Creates the folder `path` is to be written in, if it names one.
pub fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}
