//! A session held as columns in memory — each row's time (s since session start),
//! pressure (mmHg) and flow (mL/min), at a declared rate — read as a session file is read:
//! the readers' own timeline places the rows (the same gaps, the same refusals of times
//! that go backwards, start late, or contradict the rate), and a value that is not finite
//! is refused as the readers refuse it. For sessions that arrive as arrays (a numpy
//! caller, a table read by other means), so that they replay as the same session written
//! to a file would.
//!
//! An error names the columns' `name`, the row (from 0, as the arrays count it: "row group
//! 0, row N", the one row group the columns are), the column and the reason.

use crate::error::{ErrorKind, RowPosition, SessionFileError};
use crate::session_csv::{Metadata, SessionItem, SAMPLE_RATE_KEY, SESSION_COLUMNS};
use crate::session_timeline::{TimedRows, Timeline};
use letdown_engine::Sample;
use std::path::{Path, PathBuf};

/// A session's columns being read, through
/// [`SessionReader::from_columns`](crate::SessionReader::from_columns). After the first
/// error it yields nothing more.
#[derive(Debug)]
pub struct ColumnsSessionReader {
    name: PathBuf,
    metadata: Metadata,
    t_s: Vec<f64>,
    pressure: Vec<f32>,
    flow: Vec<f32>,
    next_row: usize,
    /// Read through [`SessionReader`](crate::SessionReader), which asks it for the
    /// rows, gaps and counts.
    pub(crate) timeline: Timeline,
}

impl ColumnsSessionReader {
    /// The session of rows `t_s`, `pressure` and `flow` (one length) at `sample_rate_hz`
    /// (Hz), called `name` in errors. A rate that is not a positive finite number, or
    /// columns of different lengths, is refused.
    pub fn new(
        name: impl Into<PathBuf>,
        sample_rate_hz: f64,
        t_s: Vec<f64>,
        pressure: Vec<f32>,
        flow: Vec<f32>,
    ) -> Result<Self, SessionFileError> {
        let name = name.into();
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
            let kind = ErrorKind::InvalidRate {
                text: sample_rate_hz.to_string(),
            };
            return Err(SessionFileError::new(
                name,
                None,
                Some(SAMPLE_RATE_KEY),
                kind,
            ));
        }
        if t_s.len() != pressure.len() || t_s.len() != flow.len() {
            let why = format!(
                "the columns differ in length: t_s {}, pressure_mmhg {}, flow_ml_min {}",
                t_s.len(),
                pressure.len(),
                flow.len()
            );
            let error = std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
            return Err(SessionFileError::io(name, error));
        }
        Ok(Self {
            name,
            metadata: Metadata {
                sample_rate_hz,
                rate_line: 0,
                entries: vec![(SAMPLE_RATE_KEY.to_string(), sample_rate_hz.to_string())],
            },
            t_s,
            pressure,
            flow,
            next_row: 0,
            timeline: Timeline::new(sample_rate_hz),
        })
    }

    /// The session's metadata: its rate.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The name the columns go by in errors.
    pub fn path(&self) -> &Path {
        &self.name
    }

    fn row_error(
        &self,
        i: usize,
        field: Option<&'static str>,
        kind: ErrorKind,
    ) -> SessionFileError {
        SessionFileError::at_row(&self.name, RowPosition::new(0, i as u64), field, kind)
    }
}

impl TimedRows for ColumnsSessionReader {
    fn timeline(&mut self) -> &mut Timeline {
        &mut self.timeline
    }

    fn read_row(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        let i = self.next_row;
        let Some(&t_s) = self.t_s.get(i) else {
            return Ok(None);
        };
        self.next_row += 1;
        let values = [
            (0, t_s),
            (1, self.pressure[i].into()),
            (2, self.flow[i].into()),
        ];
        if let Some((column, value)) = values.into_iter().find(|(_, v)| !v.is_finite()) {
            let kind = ErrorKind::NonFinite {
                text: value.to_string(),
            };
            return Err(self.row_error(i, Some(SESSION_COLUMNS[column]), kind));
        }
        let sample = Sample::new(self.pressure[i], self.flow[i]);
        match self.timeline.accept(t_s, sample, i as u64 + 1) {
            Ok(item) => Ok(Some(item)),
            Err((field, kind)) => Err(self.row_error(i, field, kind)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(t_s: &[f64], flow: f32) -> Result<Vec<SessionItem>, SessionFileError> {
        let n = t_s.len();
        let mut reader = ColumnsSessionReader::new(
            "arrays",
            100.0,
            t_s.to_vec(),
            vec![-50.0; n],
            vec![flow; n],
        )?;
        std::iter::from_fn(|| reader.next_timed_item().transpose()).collect()
    }

    #[test]
    fn rows_and_gaps_are_the_timelines() {
        let items = read(&[0.0, 0.01, 0.05, 0.06], 1.0).unwrap();
        let gaps: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                SessionItem::Gap(g) => Some((g.start_index, g.missing)),
                SessionItem::Row(_) => None,
            })
            .collect();
        assert_eq!((items.len(), gaps), (5, vec![(2, 3)]));
    }

    #[test]
    fn refusals_name_the_row_and_column() {
        let e = read(&[0.0, 0.01, 0.005], 1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "arrays: row group 0, row 2: field t_s: time goes backwards: 0.005 s after 0.01 s \
             on the previous row"
        );
        let e = read(&[0.0, 0.01], f32::NAN).unwrap_err();
        assert_eq!(e.field, Some("flow_ml_min"));
        assert!(e.to_string().contains("row 0:"), "{e}");
        let e = ColumnsSessionReader::new("arrays", 100.0, vec![0.0], vec![], vec![]).unwrap_err();
        assert!(e.to_string().contains("differ in length"), "{e}");
        let e = ColumnsSessionReader::new("arrays", f64::NAN, vec![], vec![], vec![]).unwrap_err();
        assert_eq!(e.field, Some("sample_rate_hz"));
    }
}
