//! Where each sample row of a session sits in time, whatever the file format: the rules
//! of DESIGN §3 that turn rows' times into sample indices and reported gaps.
//!
//! Row `i` (counting the samples of reported gaps) must sit at `i / sample_rate_hz`
//! within half a sample. A row ≥ [`GAP_THRESHOLD_PERIODS`] sample periods after the
//! previous one (or, for the first row, ≥ half a period after 0) follows missing samples:
//! a [`Gap`] is reported before it. [`RATE_CHECK_ROWS`] rows in a row that each follow a
//! gap contradict the declared rate; a first row after [`MAX_START_S`] is refused, and so
//! is a row more than [`MAX_GAP_S`] of sample periods after the previous one (counted on
//! the sample clock, so a file the writer wrote back reads the same). The CSV and
//! Parquet readers feed their rows through one [`Timeline`], so both give the same gaps
//! and the same errors.

use crate::error::{ErrorKind, SessionFileError};
use crate::session_csv::{Gap, ReadStats, Row, SessionItem, SESSION_COLUMNS};
use letdown_engine::Sample;

/// A row this many sample periods (or more) after the previous one opens a gap.
const GAP_THRESHOLD_PERIODS: f64 = 1.5;
/// Rows in a row that may each follow a gap before the declared rate is taken to be
/// wrong (a recording at half the declared rate would otherwise read as one gap per
/// row). Real dropouts are bursts: a few sensor hiccups per hour, each followed by many
/// rows.
pub const RATE_CHECK_ROWS: u64 = 16;
/// Latest time the first row may have, s: times count from the session start, and a
/// session's sensors start with it (a few seconds of start-up dropout are gaps).
pub const MAX_START_S: f64 = 10.0;
/// Longest time accepted between two rows, s. A pumping session lasts 10–30 min (DESIGN
/// §1 counts ejections over 10–15 min of pumping) and a sensor or link dropout lasts
/// seconds; even a pause to change sides or settle the baby stays within a few minutes.
/// Ten minutes without a sample is more than half a session: the timestamp is broken
/// (milliseconds written as seconds, a clock that jumped) or the file joins two
/// sessions. Taken as one gap it would make the session that much longer (a row at
/// 10^9 s once read as 277 777 h of pumping) and anything that steps through the
/// missing samples would run for as long.
pub const MAX_GAP_S: f64 = 600.0;
/// Largest sample index a row may have: 2^53, where f64 stops counting exactly.
const MAX_INDEX: f64 = 9_007_199_254_740_992.0;

/// Why a row is refused: the column at fault (always `t_s` here) and the reason.
pub(crate) type Refusal = (Option<&'static str>, ErrorKind);

/// A session reader whose rows the timeline places: the one way every reader (CSV,
/// Parquet, columns in memory) turns reading a row into the next row or gap.
pub(crate) trait TimedRows {
    /// The reader's timeline.
    fn timeline(&mut self) -> &mut Timeline;

    /// Reads the next row and places it ([`Timeline::accept`]); `Ok(None)` at the end.
    fn read_row(&mut self) -> Result<Option<SessionItem>, SessionFileError>;

    /// The next row or gap; `Ok(None)` at the end or after an error.
    fn next_timed_item(&mut self) -> Result<Option<SessionItem>, SessionFileError> {
        if let Some(item) = self.timeline().before_read() {
            return Ok(item);
        }
        let item = self.read_row();
        self.timeline().after_read(&item);
        item
    }
}

/// The sample clock of one session being read.
#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    /// The declared rate, Hz.
    rate_hz: f64,
    /// Index the next row has if no sample is missing.
    next_index: u64,
    previous_t_s: Option<f64>,
    /// Rows in a row that each followed a gap, and the time of the row before the first.
    gap_run: (u64, f64),
    /// A row held back while the gap before it is reported.
    pending: Option<Row>,
    /// Set once the reader met the end or an error: nothing more is read.
    done: bool,
    stats: ReadStats,
}

impl Timeline {
    /// A session at `rate_hz` (finite, > 0), before its first row.
    pub(crate) fn new(rate_hz: f64) -> Self {
        Self {
            rate_hz,
            next_index: 0,
            previous_t_s: None,
            gap_run: (0, 0.0),
            pending: None,
            done: false,
            stats: ReadStats::default(),
        }
    }

    /// Index the next sample will have.
    pub(crate) fn next_index(&self) -> u64 {
        self.next_index
    }

    /// What has been accepted so far.
    pub(crate) fn stats(&self) -> ReadStats {
        self.stats
    }

    /// What a reader yields without reading: the row held back behind a reported gap
    /// (yielded once), or the end (`Some(None)`) once the reader met the end or an error;
    /// `None` when the next row is to be read.
    pub(crate) fn before_read(&mut self) -> Option<Option<SessionItem>> {
        if let Some(row) = self.pending.take() {
            return Some(Some(SessionItem::Row(row)));
        }
        self.done.then_some(None)
    }

    /// Notes how a read went: after the end or an error, nothing more is read.
    pub(crate) fn after_read<E>(&mut self, read: &Result<Option<SessionItem>, E>) {
        if !matches!(read, Ok(Some(_))) {
            self.done = true;
        }
    }

    /// Places the row at `t_s` (`line`: its position in the file, for [`Row::line`]):
    /// the row itself, or the gap before it (the row is then held for
    /// [`take_pending`](Self::take_pending)).
    pub(crate) fn accept(
        &mut self,
        t_s: f64,
        sample: Sample,
        line: u64,
    ) -> Result<SessionItem, Refusal> {
        let index = self.place(t_s)?;
        if index == self.next_index {
            self.gap_run.0 = 0;
        } else {
            self.check_gap_run(t_s)?;
        }
        let row = Row {
            index,
            t_s,
            sample,
            line,
        };
        self.stats.rows += 1;
        let missing = index - self.next_index;
        let gap_start = self.next_index;
        self.next_index = index + 1;
        self.previous_t_s = Some(t_s);
        if missing == 0 {
            return Ok(SessionItem::Row(row));
        }
        self.stats.gaps += 1;
        self.stats.missing += missing;
        self.pending = Some(row);
        Ok(SessionItem::Gap(Gap {
            start_index: gap_start,
            missing,
            start_s: gap_start as f64 / self.rate_hz,
            line,
        }))
    }

    /// The sample index of a row at `t_s`, or why the time is refused.
    fn place(&self, t_s: f64) -> Result<u64, Refusal> {
        let rate = self.rate_hz;
        let t_field = Some(SESSION_COLUMNS[0]);
        if t_s < 0.0 {
            return Err((t_field, ErrorKind::NegativeTime { t_s }));
        }
        let position = t_s * rate;
        if !(0.0..MAX_INDEX).contains(&position) {
            return Err((t_field, ErrorKind::TimeOutOfRange { t_s }));
        }
        // Periods since the previous row; the first row counts from one period before 0.
        let step = match self.previous_t_s {
            Some(previous_s) if t_s <= previous_s => {
                return Err((t_field, ErrorKind::TimeNotAdvancing { previous_s, t_s }));
            }
            Some(previous_s) => (t_s - previous_s) * rate,
            None if t_s > MAX_START_S => {
                let kind = ErrorKind::LateStart {
                    t_s,
                    max_s: MAX_START_S,
                };
                return Err((t_field, kind));
            }
            None => position + 1.0,
        };
        // Samples behind schedule: the fraction is drift, whole samples may be a gap.
        let behind = position - self.next_index as f64;
        let missing = if step >= GAP_THRESHOLD_PERIODS {
            behind.round().max(0.0)
        } else {
            0.0
        };
        let residual = behind - missing;
        if residual.abs() > 0.5 {
            let expected_s = (self.next_index as f64 + missing) / rate;
            let kind = ErrorKind::RateMismatch {
                t_s,
                expected_s,
                rate_hz: rate,
                spacing_s: self.previous_t_s.map(|p| t_s - p),
            };
            return Err((t_field, kind));
        }
        // `missing` is a whole number in 0 … 2^53 (position < 2^53), exact as u64.
        let index = self.next_index + missing as u64;
        // Counted on the sample clock, not in seconds: the writer puts a row at its
        // index's time, and a gap read once must read the same when written back.
        let periods = index + 1 - self.next_index;
        match self.previous_t_s {
            Some(previous_s) if periods as f64 > MAX_GAP_S * rate => {
                let kind = ErrorKind::GapTooLong {
                    previous_s,
                    t_s,
                    periods,
                    rate_hz: rate,
                    max_s: MAX_GAP_S,
                };
                Err((t_field, kind))
            }
            _ => Ok(index),
        }
    }

    /// Counts rows that follow a gap (the row at `t_s` does); [`RATE_CHECK_ROWS`] of
    /// them in a row mean the declared rate is wrong. (A row without a gap before it
    /// resets the count, in `accept`.)
    fn check_gap_run(&mut self, t_s: f64) -> Result<(), Refusal> {
        let Some(previous_s) = self.previous_t_s else {
            return Ok(());
        };
        if self.gap_run.0 == 0 {
            self.gap_run.1 = previous_s;
        }
        self.gap_run.0 += 1;
        let (rows, since_s) = self.gap_run;
        if rows < RATE_CHECK_ROWS {
            return Ok(());
        }
        let kind = ErrorKind::RateContradicted {
            rate_hz: self.rate_hz,
            spacing_s: (t_s - since_s) / rows as f64,
            rows,
        };
        Err((Some(SESSION_COLUMNS[0]), kind))
    }
}
