//! What the examples that write a folder of sessions anew (`resample`, `sensor_variant`)
//! share: the labels beside each copy.
use letdown_eval::labels::Ejection;
use letdown_io::session_files::labels_path;
use letdown_io::{read_labels, write_labels};
use std::error::Error;
use std::path::Path;

/// Writes the labels beside `session`, if it has any, beside its copy `out`, as `map`
/// turns them. Read and written rather than copied: a gzip label file beside a session is
/// written plain beside the plain copy, where the replay looks for it.
pub fn write_labels_beside(
    session: &Path,
    out: &Path,
    map: impl FnOnce(Vec<Ejection>) -> Vec<Ejection>,
) -> Result<(), Box<dyn Error>> {
    let labels = labels_path(session);
    if labels.exists() {
        let file = std::fs::File::create(labels_path(out))?;
        write_labels(file, &map(read_labels(&labels)?))?;
    }
    Ok(())
}
