//! Writing a folder of sessions anew, each as another sensor or rate would have recorded it
//! ([`crate::sensor_variant`], the `resample` example): where each copy goes, and the
//! labels beside it.
use crate::session_files::{
    labels_path, list_sessions, remove_stale_labels, session_name, LabelsPaths,
};
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
        // Written plain, under the plain name, whatever an earlier run left there: a
        // compressed label file beside the copy would be a second one ([`LabelsPaths`]).
        let LabelsPaths { plain, gzip } = LabelsPaths::of(out)?;
        let file = std::fs::File::create(plain)?;
        write_labels(file, &map(read_labels(&labels)?))?;
        remove_stale_labels(&gzip)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copys_labels_are_written_plain_and_replace_a_compressed_file_left_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = dir.path().join("s.csv");
        std::fs::write(dir.path().join("s.labels.csv"), "onset_s,end_s\n12,25\n").expect("write");
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).expect("mkdir");
        // An earlier run's compressed labels beside the copy (their bytes do not matter).
        std::fs::write(out_dir.join("s.labels.csv.gz"), "stale").expect("write");
        let out = out_dir.join("s.csv");
        write_labels_beside(&session, &out, |mut labels| {
            labels[0].onset_s += 1.0;
            labels
        })
        .expect("written");
        assert!(!out_dir.join("s.labels.csv.gz").exists());
        let written = read_labels(labels_path(&out).expect("one label file")).expect("read");
        let expected = Ejection {
            onset_s: 13.0,
            end_s: 25.0,
            visible_s: None,
        };
        assert_eq!(written, vec![expected]);
    }
}
