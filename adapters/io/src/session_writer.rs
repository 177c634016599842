//! Writer of session files `NAME.csv` (DESIGN §3, format v1), the counterpart of
//! [`CsvSessionReader`](crate::session_csv::CsvSessionReader).
//!
//! Each row's time is computed from its sample index (`index / sample_rate_hz`), so a
//! written file always agrees with its declared rate. Fixed precision keeps files small:
//! time to 1e-4 s or finer (a tenth of a sample period or better), pressure to 0.01 mmHg,
//! flow to 0.001 mL/min, without trailing zeros. Samples that are absent are left out
//! with [`SessionWriter::skip`]; the reader reports them as a gap.

use crate::csv_fields::{invalid_input, push_fixed};
use crate::session_csv::{SAMPLE_RATE_KEY, SESSION_HEADER};
use letdown_engine::Sample;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Decimal places of pressure, mmHg (0.01 mmHg).
pub const PRESSURE_DECIMALS: usize = 2;
/// Decimal places of flow, mL/min (0.001 mL/min).
pub const FLOW_DECIMALS: usize = 3;
/// Fewest decimal places of time, s (1e-4 s).
pub const MIN_TIME_DECIMALS: usize = 4;
/// Most decimal places of time, s.
const MAX_TIME_DECIMALS: usize = 9;

/// Decimal places of time for `sample_rate_hz`: at least [`MIN_TIME_DECIMALS`], and
/// enough that rounding moves a time by at most 1/20 of a sample period.
pub fn time_decimals(sample_rate_hz: f64) -> usize {
    let mut decimals = MIN_TIME_DECIMALS;
    while decimals < MAX_TIME_DECIMALS && 10f64.powi(decimals as i32) < 10.0 * sample_rate_hz {
        decimals += 1;
    }
    decimals
}

/// Refuses (`InvalidInput`) a rate that is not a finite number of Hz above 0; the CSV
/// and the Parquet writer take the same rates.
pub(crate) fn check_rate(sample_rate_hz: f64) -> io::Result<()> {
    if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
        return Ok(());
    }
    Err(invalid_input(format!(
        "sample_rate_hz must be a finite number of Hz above 0, got {sample_rate_hz}"
    )))
}

/// Whether the metadata entry `key: value` repeats the rate, which both writers write
/// themselves: `true` for a `sample_rate_hz` entry equal to it (to be skipped), an
/// error (`InvalidInput`) for one that disagrees, `false` for any other key.
pub(crate) fn repeats_rate(key: &str, value: &str, sample_rate_hz: f64) -> io::Result<bool> {
    if key != SAMPLE_RATE_KEY {
        return Ok(false);
    }
    if value.trim().parse::<f64>().ok() == Some(sample_rate_hz) {
        return Ok(true);
    }
    Err(invalid_input(format!(
        "metadata {SAMPLE_RATE_KEY} {value:?} disagrees with the rate {sample_rate_hz}"
    )))
}

/// Streaming writer of one session file. Give it a buffered writer (or use
/// [`create`](SessionWriter::create)); call [`finish`](Self::finish) to flush.
pub struct SessionWriter<W: Write> {
    out: W,
    sample_rate_hz: f64,
    time_decimals: usize,
    next_index: u64,
    line: Vec<u8>,
}

impl SessionWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the metadata and header.
    pub fn create<K: AsRef<str>, V: AsRef<str>>(
        path: impl AsRef<Path>,
        sample_rate_hz: f64,
        metadata: &[(K, V)],
    ) -> io::Result<Self> {
        let file = File::create(path)?;
        Self::new(BufWriter::new(file), sample_rate_hz, metadata)
    }
}

impl<W: Write> SessionWriter<W> {
    /// Writes `# sample_rate_hz: RATE`, then each `# key: value` of `metadata` in order,
    /// then the header.
    ///
    /// `sample_rate_hz` must be finite and above 0 Hz. Keys are ASCII letters, digits,
    /// `_`, `-`, `.`; values hold no line break. A `sample_rate_hz` entry in `metadata`
    /// (as a reader's [`Metadata::entries`](crate::session_csv::Metadata::entries) has)
    /// is skipped when it equals the rate and refused otherwise.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(
        mut out: W,
        sample_rate_hz: f64,
        metadata: &[(K, V)],
    ) -> io::Result<Self> {
        check_rate(sample_rate_hz)?;
        let mut head = format!("# {SAMPLE_RATE_KEY}: {sample_rate_hz}\n");
        for (key, value) in metadata {
            let (key, value) = (key.as_ref(), value.as_ref());
            if repeats_rate(key, value, sample_rate_hz)? {
                continue;
            }
            let key_ok = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !key_ok || value.contains(['\n', '\r']) {
                return Err(invalid_input(format!(
                    "metadata {key:?}: {value:?} cannot be written as a `# key: value` line"
                )));
            }
            head.push_str(&format!("# {key}: {}\n", value.trim()));
        }
        head.push_str(SESSION_HEADER);
        head.push('\n');
        out.write_all(head.as_bytes())?;
        Ok(Self {
            out,
            sample_rate_hz,
            time_decimals: time_decimals(sample_rate_hz),
            next_index: 0,
            line: Vec::with_capacity(64),
        })
    }

    /// Writes the next sample, at time `next_index / sample_rate_hz`. Non-finite values
    /// are refused (`InvalidInput`): the format cannot carry them.
    pub fn write_sample(&mut self, sample: Sample) -> io::Result<()> {
        for (name, value) in [
            ("pressure_mmhg", sample.pressure_mmhg),
            ("flow_ml_min", sample.flow_ml_min),
        ] {
            if !value.is_finite() {
                return Err(invalid_input(format!(
                    "{name} {value} at sample {} cannot be written: session files carry \
                     finite values only",
                    self.next_index
                )));
            }
        }
        self.line.clear();
        let t_s = self.next_index as f64 / self.sample_rate_hz;
        push_fixed(&mut self.line, t_s, self.time_decimals);
        self.line.push(b',');
        push_fixed(
            &mut self.line,
            f64::from(sample.pressure_mmhg),
            PRESSURE_DECIMALS,
        );
        self.line.push(b',');
        push_fixed(&mut self.line, f64::from(sample.flow_ml_min), FLOW_DECIMALS);
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.next_index = self.next_index.saturating_add(1);
        Ok(())
    }

    /// Leaves `missing` samples out: the next sample is written `missing` periods later.
    pub fn skip(&mut self, missing: u64) {
        self.next_index = self.next_index.saturating_add(missing);
    }

    /// Index of the next sample to be written (samples written plus skipped).
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// The declared sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
