//! Writing a folder of sessions anew, each as another sensor or rate would have recorded it
//! ([`crate::sensor_variant`], the `resample` example): where each copy goes, and the
//! labels beside it.
use crate::session_files::{labels_path, list_sessions, session_name};
use crate::{read_labels, write_labels};
use letdown_eval::labels::Ejection;
use std::collections::HashSet;
use std::error::Error;
use std::path::{Path, PathBuf};

/// Each session of `input` (whatever `replay` reads there: CSV, `.csv.gz`, Parquet) and
/// the plain CSV its copy is written to in `output`, which is created. Two sessions of one
/// name (`X.csv` beside `X.csv.gz`) would write one copy: refused before any is written.
pub fn copy_paths(input: &Path, output: &Path) -> Result<Vec<(PathBuf, PathBuf)>, Box<dyn Error>> {
    std::fs::create_dir_all(output)?;
    let mut names = HashSet::new();
    let mut paths = Vec::new();
    for session in list_sessions(input)? {
        let name = session_name(&session)?;
        if !names.insert(name.clone()) {
            return Err(format!("two sessions named {name} in {}", input.display()).into());
        }
        let out = output.join(format!("{name}.csv"));
        paths.push((session, out));
    }
    Ok(paths)
}

/// Writes the labels beside `session`, if it has any, beside its copy `out`, as `map`
/// turns them. Read and written rather than copied: a gzip label file beside a session is
/// written plain beside the plain copy, where the replay looks for it.
pub fn write_labels_beside(
    session: &Path,
    out: &Path,
    map: impl FnOnce(Vec<Ejection>) -> Vec<Ejection>,
) -> Result<(), Box<dyn Error>> {
    let labels = labels_path(session)?;
    if labels.exists() {
        let file = std::fs::File::create(labels_path(out)?)?;
        write_labels(file, &map(read_labels(&labels)?))?;
    }
    Ok(())
}
