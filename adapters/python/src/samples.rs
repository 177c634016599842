//! A session's samples as columns for numpy: what `read_session` reads from a file and
//! `simulate` generates, in one shape.

use letdown_engine::Sample;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::collections::TryReserveError;

/// Bytes a row takes in the columns: the sample index and time (8 each), pressure and
/// flow (4 each).
pub const ROW_BYTES: u64 = 24;
/// Fewest rows the columns grow by at a time (a second at 10 kHz).
const MIN_GROWTH_ROWS: u64 = 10_000;

/// Rows as little-endian bytes (numpy reads them without a per-value conversion), gaps
/// as lists.
#[derive(Default)]
pub struct Samples {
    sample_rate_hz: f64,
    metadata: Vec<(String, String)>,
    index: Vec<u8>,
    t_s: Vec<u8>,
    pressure: Vec<u8>,
    flow: Vec<u8>,
    rows: u64,
    gap_start_index: Vec<u64>,
    gap_missing: Vec<u64>,
    gap_start_s: Vec<f64>,
    gap_before_row: Vec<u64>,
}

impl Samples {
    /// No rows yet, at `sample_rate_hz` (Hz), with the `# key: value` metadata.
    pub fn new(sample_rate_hz: f64, metadata: Vec<(String, String)>) -> Self {
        Self {
            sample_rate_hz,
            metadata,
            ..Self::default()
        }
    }

    /// Makes room for `rows` more rows at once (a simulated session's length is known
    /// before it starts), or says that the machine cannot hold them: a `MemoryError` for
    /// Python instead of an abort when a vector cannot grow. ([`ROW_BYTES`] a row.)
    pub fn reserve_rows(&mut self, rows: u64) -> Result<(), TryReserveError> {
        // More rows than an address space holds fail as a reservation too large.
        let rows = usize::try_from(rows).unwrap_or(usize::MAX);
        let wide = rows.saturating_mul(8);
        let narrow = rows.saturating_mul(4);
        self.index.try_reserve_exact(wide)?;
        self.t_s.try_reserve_exact(wide)?;
        self.pressure.try_reserve_exact(narrow)?;
        self.flow.try_reserve_exact(narrow)
    }

    /// Makes room for the next row where a column is full, doubling the columns (at least
    /// [`MIN_GROWTH_ROWS`] rows) as a file of unknown length is read, or says that the
    /// machine cannot hold them: a `MemoryError` for Python instead of an abort.
    pub fn make_room(&mut self) -> Result<(), TryReserveError> {
        let full = |column: &Vec<u8>, width: usize| column.capacity() - column.len() < width;
        if full(&self.index, 8)
            || full(&self.t_s, 8)
            || full(&self.pressure, 4)
            || full(&self.flow, 4)
        {
            self.reserve_rows(self.rows.max(MIN_GROWTH_ROWS))?;
        }
        Ok(())
    }

    /// Makes room for one more gap in the gap columns (growing as vectors do), or says
    /// that the machine cannot hold it.
    pub fn make_gap_room(&mut self) -> Result<(), TryReserveError> {
        self.gap_start_index.try_reserve(1)?;
        self.gap_missing.try_reserve(1)?;
        self.gap_start_s.try_reserve(1)?;
        self.gap_before_row.try_reserve(1)
    }

    /// Rows the columns hold so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends the row of sample `index` at `t_s` (s).
    pub fn push_row(&mut self, index: u64, t_s: f64, sample: Sample) {
        self.index.extend(index.to_le_bytes());
        self.t_s.extend(t_s.to_le_bytes());
        self.pressure.extend(sample.pressure_mmhg.to_le_bytes());
        self.flow.extend(sample.flow_ml_min.to_le_bytes());
        self.rows += 1;
    }

    /// Appends a gap of `missing` samples from sample `start_index` at `start_s` (s); a
    /// gap right after another (no row between) lengthens it, as a file reader sees it.
    pub fn push_gap(&mut self, start_index: u64, missing: u64, start_s: f64) {
        let last = self.gap_missing.len().checked_sub(1);
        if let Some(last) = last.filter(|&i| self.gap_before_row[i] == self.rows) {
            self.gap_missing[last] += missing;
            return;
        }
        self.gap_start_index.push(start_index);
        self.gap_missing.push(missing);
        self.gap_start_s.push(start_s);
        self.gap_before_row.push(self.rows);
    }

    /// A dict: `sample_rate_hz` (Hz), `metadata` (the `# key: value` lines), the row
    /// columns as little-endian bytes (`index` u64 sample index, `t_s` f64 s,
    /// `pressure_mmhg` and `flow_ml_min` f32, the engine's precision) and `gaps` (columns
    /// `start_index`, `missing` samples, `start_s`, `before_row`: rows before the gap).
    pub fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("sample_rate_hz", self.sample_rate_hz)?;
        let metadata = PyDict::new(py);
        for (key, value) in self.metadata {
            metadata.set_item(key, value)?;
        }
        d.set_item("metadata", metadata)?;
        // One column at a time, each freed once copied: the rows are held twice for one
        // column's time, not for all four.
        d.set_item("index", column(py, self.index)?)?;
        d.set_item("t_s", column(py, self.t_s)?)?;
        d.set_item("pressure_mmhg", column(py, self.pressure)?)?;
        d.set_item("flow_ml_min", column(py, self.flow)?)?;
        let gaps = PyDict::new(py);
        gaps.set_item("start_index", self.gap_start_index)?;
        gaps.set_item("missing", self.gap_missing)?;
        gaps.set_item("start_s", self.gap_start_s)?;
        gaps.set_item("before_row", self.gap_before_row)?;
        d.set_item("gaps", gaps)?;
        Ok(d)
    }
}

/// `bytes` as a Python `bytes` object; a `MemoryError` when Python cannot allocate it
/// (`PyBytes::new` would panic there).
fn column(py: Python<'_>, bytes: Vec<u8>) -> PyResult<Bound<'_, PyBytes>> {
    PyBytes::new_with(py, bytes.len(), |out| {
        out.copy_from_slice(&bytes);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_reserved_at_once_or_refused() {
        let mut s = Samples::new(1000.0, Vec::new());
        s.reserve_rows(1000).expect("a thousand rows");
        assert!(s.index.capacity() >= 8000 && s.t_s.capacity() >= 8000);
        assert!(s.pressure.capacity() >= 4000 && s.flow.capacity() >= 4000);
        // More than any address space holds: an error to report, not an abort.
        assert!(Samples::new(1000.0, Vec::new())
            .reserve_rows(u64::MAX)
            .is_err());
        assert!(Samples::new(1000.0, Vec::new())
            .reserve_rows(u64::MAX / 16)
            .is_err());
    }

    #[test]
    fn columns_grow_by_doubling_as_rows_come() {
        let mut s = Samples::new(100.0, Vec::new());
        let sample = Sample::new(-50.0, 1.0);
        let mut grown = 0;
        for i in 0..100_000u64 {
            let before = s.flow.capacity();
            s.make_room().expect("room for a row");
            grown += usize::from(s.flow.capacity() != before);
            s.push_row(i, i as f64 / 100.0, sample);
        }
        assert_eq!(s.rows(), 100_000);
        // 10 000, 20 000, 40 000, 80 000, 160 000 rows: five reservations, not one a row.
        assert_eq!(grown, 5);
        assert!(s.flow.capacity() >= 160_000 * 4);
        assert_eq!(s.index.len(), 100_000 * 8);
    }
}
