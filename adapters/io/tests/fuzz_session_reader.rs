//! Fuzzing of the session CSV reader and the labels reader on stable Rust, as proptest
//! properties that check far more than "no panic". CI runs 3000 cases of each (about a
//! second in the test profile); set `LETDOWN_FUZZ_CASES` for a long run, in release:
//!
//! ```text
//! LETDOWN_FUZZ_CASES=3400000 cargo test --release -p letdown-io --test fuzz_session_reader -- --nocapture --test-threads 2
//! ```
//!
//! Measured that way (release, 2 shared cores; `fuzz_mutated_sessions` as two processes of
//! 1.7 M cases side by side, 408 s; the other two about 15 min on two threads of a loaded
//! machine): 10.2 M files, 6.8 M of them sessions, read 28.8 M times in all (21.2 M
//! session reads, 7.6 M labels reads), 19.8 GB; 133 M rows and 25 M gaps yielded, 1.6 M
//! accepted files written back and read again; zero panics, zero failed checks. (The
//! first such run found the writer's trimming of metadata values: see
//! `round_trip_session`.)
//!
//! One input is one whole file (bytes). A session file is read whole, in small pieces and
//! cut by an I/O error part-way; a labels file whole and in pieces; either is written back
//! when accepted. Three families, each property running that many cases:
//! - `fuzz_arbitrary_bytes`: junk made of CSV-ish bytes, two thirds of it behind a valid
//!   metadata block and header so the row parser is reached;
//! - `fuzz_mutated_sessions`: a valid session (metadata in any order and spelling, rows
//!   with gaps, time jitter within the rate's tolerance, numbers in every notation) with
//!   line-level damage (duplicated, swapped, dropped, inserted, truncated lines; fields
//!   replaced by strings such as `1e400`, `nan`, `-0`, `+.5`; fields added or removed; CRLF,
//!   blank lines) and byte-level damage (flips, insertions, deletions, BOM, quotes);
//! - `fuzz_mutated_labels`: the same for `NAME.labels.csv`, with and without `visible_s`.
//!
//! Every case asserts: no panic; each error names the file and its line and, in its
//! `Display`, the field; the line named really holds what the error quotes (the field
//! text, the time, the field count, the header found); after an error the reader yields
//! nothing more and its counts stay put; every row yielded has finite values, a finite
//! time that increases, an index within half a sample of `t_s × rate`, and is the very
//! line it names; every gap is followed by its row; `stats()` adds up to what was yielded;
//! reading the same bytes through 1-to-16-byte reads gives the same result; an I/O error
//! part-way is reported as an error (nothing is cut off silently), after a prefix of the
//! items of the whole file; an undamaged file yields exactly what was written, and what
//! the reader accepts the writers write back identically (within their precision).

use letdown_datasets::labels::Ejection;
use letdown_io::labels_csv::{parse_labels, write_labels};
use letdown_io::session_csv::{ReadStats, MAX_GAP_S, SAMPLE_RATE_KEY, SESSION_COLUMNS};
use letdown_io::{
    ErrorKind, Gap, Metadata, Row, SessionFileError, SessionItem, SessionReader, SessionWriter,
};
use letdown_test_support::fuzz_config as config;
use proptest::prelude::*;
use std::cell::RefCell;
use std::io::{self, Read};
use std::path::Path;

const PATH: &str = "fuzz/session.csv";
const LABELS_PATH: &str = "fuzz/session.labels.csv";
const BOM: &[u8] = b"\xEF\xBB\xBF";
const HEADER: &str = "t_s,pressure_mmhg,flow_ml_min";
const LABEL_NAMES: [&str; 3] = ["onset_s", "end_s", "visible_s"];

/// Counts of one property's run (each property runs on its own test thread).
#[derive(Default)]
struct Tally {
    /// Files generated (each is read whole, in pieces and cut by an I/O error).
    files: u64,
    /// Reads of a file (whole, in pieces, cut, written back).
    reads: u64,
    bytes: u64,
    accepted: u64,
    rows: u64,
    gaps: u64,
    labels: u64,
    round_trips: u64,
    /// Errors by kind (shows which checks the inputs reached).
    errors: Vec<(&'static str, u64)>,
}

thread_local! {
    static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
}

fn tally(f: impl FnOnce(&mut Tally)) {
    TALLY.with(|t| f(&mut t.borrow_mut()));
}

fn report(name: &str) {
    TALLY.with(|t| {
        let t = t.borrow();
        let errors: Vec<String> = t.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!(
            "fuzz {name}: {} files ({} reads, {} bytes read), {} reads accepted, {} rows and \
             {} gaps yielded, {} labels, {} writer round trips, 0 panics; errors: {}",
            t.files,
            t.reads,
            t.bytes,
            t.accepted,
            t.rows,
            t.gaps,
            t.labels,
            t.round_trips,
            errors.join(", ")
        );
    });
}

fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io(_) => "io",
        ErrorKind::Csv(_) => "csv",
        ErrorKind::Empty => "empty",
        ErrorKind::LineTooLong { .. } => "line_too_long",
        ErrorKind::MalformedMetadata { .. } => "malformed_metadata",
        ErrorKind::DuplicateMetadata { .. } => "duplicate_metadata",
        ErrorKind::MissingRate => "missing_rate",
        ErrorKind::InvalidRate { .. } => "invalid_rate",
        ErrorKind::MissingHeader { .. } => "missing_header",
        ErrorKind::WrongHeader { .. } => "wrong_header",
        ErrorKind::FieldCount { .. } => "field_count",
        ErrorKind::NotANumber { .. } => "not_a_number",
        ErrorKind::NonFinite { .. } => "non_finite",
        ErrorKind::NegativeTime { .. } => "negative_time",
        ErrorKind::TimeOutOfRange { .. } => "time_out_of_range",
        ErrorKind::TimeNotAdvancing { .. } => "time_not_advancing",
        ErrorKind::RateMismatch { .. } => "rate_mismatch",
        ErrorKind::OutOfOrder { .. } => "out_of_order",
        ErrorKind::OnsetAfterEnd { .. } => "onset_after_end",
        ErrorKind::VisibleBeforeOnset { .. } => "visible_before_onset",
        ErrorKind::UnknownValue { .. } => "unknown_value",
        ErrorKind::OutOfRange { .. } => "out_of_range",
        _ => "other",
    }
}

fn count_error(kind: &ErrorKind) {
    let name = kind_name(kind);
    tally(|t| match t.errors.iter_mut().find(|(k, _)| *k == name) {
        Some((_, n)) => *n += 1,
        None => t.errors.push((name, 1)),
    });
}

// ---------------------------------------------------------------------------------------
// Readers that deliver the bytes in small pieces, or fail part-way.

/// Gives `data` in reads of the sizes in `sizes` (cycled), then fails with an I/O error
/// at `fail_at` if given.
struct Pieces<'a> {
    data: &'a [u8],
    pos: usize,
    sizes: &'a [usize],
    k: usize,
    fail_at: Option<usize>,
}

impl<'a> Pieces<'a> {
    fn new(data: &'a [u8], sizes: &'a [usize], fail_at: Option<usize>) -> Self {
        Self {
            data,
            pos: 0,
            sizes,
            k: 0,
            fail_at,
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let end = self.fail_at.unwrap_or(self.data.len()).min(self.data.len());
        if self.pos >= end && self.fail_at.is_some() {
            return Err(io::Error::other("injected read failure"));
        }
        let size = self.sizes.get(self.k % self.sizes.len().max(1)).copied();
        self.k += 1;
        let n = size
            .unwrap_or(usize::MAX)
            .max(1)
            .min(buf.len())
            .min(end - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------
// The file as lines, to check what the reader says about them.

/// The file's lines as the readers number them: the leading BOMs dropped, split at `\n`
/// (so line `n` is `lines[n - 1]`). Only used when the file has no `"`: without quotes a
/// CSV record is exactly its line split at commas.
struct Lines<'a> {
    lines: Vec<&'a [u8]>,
    plain: bool,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8], strip_bom: bool) -> Self {
        let body = if strip_bom {
            without_leading_boms(bytes)
        } else {
            bytes
        };
        Self {
            lines: body.split(|&b| b == b'\n').collect(),
            plain: !bytes.contains(&b'"'),
        }
    }

    fn line(&self, n: u64) -> Option<&'a [u8]> {
        let i = usize::try_from(n.checked_sub(1)?).ok()?;
        self.lines.get(i).copied()
    }

    /// Trimmed fields of line `n`.
    fn fields(&self, n: u64) -> Vec<&'a [u8]> {
        self.line(n)
            .map(|l| l.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect())
            .unwrap_or_default()
    }
}

/// Offending text as the readers quote it: lossily decoded, cut at 60 characters.
fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= 60 {
        text.into_owned()
    } else {
        let mut short: String = text.chars().take(60).collect();
        short.push('…');
        short
    }
}

fn parse<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

fn same_f64(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| a.to_bits() == b.to_bits())
}

/// Checks what every error must say: the file, a line (in-memory input has no error
/// without one), the field, and the reason last.
fn check_error_text(e: &SessionFileError, path: &str, line_count: usize) -> u64 {
    count_error(&e.kind);
    let message = e.to_string();
    assert_eq!(e.path, Path::new(path), "{message}");
    assert!(message.starts_with(&format!("{path}: ")), "{message}");
    let line = e
        .line
        .unwrap_or_else(|| panic!("error without a line: {message}"));
    assert!(
        line >= 1 && line <= line_count as u64 + 1,
        "line {line} of {line_count}: {message}"
    );
    assert!(message.contains(&format!(": line {line}")), "{message}");
    if let Some(field) = e.field {
        assert!(message.contains(&format!(": field {field}: ")), "{message}");
    }
    assert!(message.ends_with(&e.kind.to_string()), "{message}");
    assert!(
        !matches!(e.kind, ErrorKind::Csv(_)),
        "the CSV layer cannot fail on in-memory bytes: {message}"
    );
    line
}

/// Checks, against the line it names, an error a reader gave for `bytes`.
/// `columns` are the file's columns; `last_time` the previous row's time when known.
fn check_error_against_text(
    e: &SessionFileError,
    text: &Lines,
    columns: &[&str],
    last_time: Option<f64>,
    rate: Option<f64>,
) {
    let Some(n) = e.line else { return };
    let fields = text.fields(n);
    match &e.kind {
        ErrorKind::NotANumber { .. }
        | ErrorKind::NonFinite { .. }
        | ErrorKind::FieldCount { .. } => check_field_error(e, &fields, columns),
        ErrorKind::NegativeTime { .. }
        | ErrorKind::TimeOutOfRange { .. }
        | ErrorKind::RateMismatch { .. }
        | ErrorKind::TimeNotAdvancing { .. } => {
            check_time_error(e, &fields, columns, last_time, rate)
        }
        ErrorKind::OutOfOrder { .. }
        | ErrorKind::OnsetAfterEnd { .. }
        | ErrorKind::VisibleBeforeOnset { .. } => check_label_order_error(e, &fields),
        ErrorKind::WrongHeader { .. }
        | ErrorKind::MissingHeader { .. }
        | ErrorKind::Empty
        | ErrorKind::MissingRate => check_header_error(e, text, n, &fields),
        ErrorKind::MalformedMetadata { .. }
        | ErrorKind::DuplicateMetadata { .. }
        | ErrorKind::InvalidRate { .. }
        | ErrorKind::LineTooLong { .. } => check_line_error(e, text, n),
        _ => {}
    }
}

/// The index of the error's field among `columns`.
fn column_of(e: &SessionFileError, columns: &[&str]) -> Option<usize> {
    columns.iter().position(|c| Some(*c) == e.field)
}

/// A field that is not a number or not finite, or a line with the wrong field count.
fn check_field_error(e: &SessionFileError, fields: &[&[u8]], columns: &[&str]) {
    let message = e.to_string();
    match &e.kind {
        ErrorKind::NotANumber { text: t } | ErrorKind::NonFinite { text: t } => {
            let i = column_of(e, columns).unwrap_or_else(|| panic!("no column: {message}"));
            assert_eq!(
                fields.get(i).map(|f| quote(f)).as_ref(),
                Some(t),
                "{message}"
            );
        }
        ErrorKind::FieldCount { expected, found } => {
            assert_eq!(*expected, columns.len(), "{message}");
            assert_eq!(fields.len(), *found, "{message}");
            assert_eq!(e.field, columns.get(*found).copied(), "{message}");
        }
        other => unreachable!("not a field error: {other:?}"),
    }
}

/// A time that is negative, out of range, off the rate or not advancing.
fn check_time_error(
    e: &SessionFileError,
    fields: &[&[u8]],
    columns: &[&str],
    last_time: Option<f64>,
    rate: Option<f64>,
) {
    let message = e.to_string();
    let (ErrorKind::NegativeTime { t_s }
    | ErrorKind::TimeOutOfRange { t_s }
    | ErrorKind::RateMismatch { t_s, .. }
    | ErrorKind::TimeNotAdvancing { t_s, .. }) = &e.kind
    else {
        unreachable!("not a time error: {:?}", e.kind)
    };
    let i = column_of(e, columns).unwrap_or(0);
    let found = fields.get(i).and_then(|f| parse::<f64>(f));
    assert!(same_f64(found, *t_s), "{message}: line has {fields:?}");
    match &e.kind {
        ErrorKind::TimeNotAdvancing { previous_s, .. } => {
            assert!(t_s <= previous_s, "{message}");
            assert_eq!(last_time, Some(*previous_s), "{message}");
        }
        ErrorKind::RateMismatch { rate_hz, .. } => {
            assert_eq!(rate, Some(*rate_hz), "{message}")
        }
        ErrorKind::NegativeTime { .. } => assert!(*t_s < 0.0, "{message}"),
        _ => {}
    }
}

/// Labels out of order, or whose end or visible time comes before their onset.
fn check_label_order_error(e: &SessionFileError, fields: &[&[u8]]) {
    let message = e.to_string();
    match &e.kind {
        ErrorKind::OutOfOrder { t_s, previous_s } => {
            assert!(same_f64(fields.first().and_then(|f| parse(f)), *t_s));
            assert!(t_s <= previous_s, "{message}");
        }
        ErrorKind::OnsetAfterEnd { onset_s, end_s } => {
            assert!(same_f64(fields.first().and_then(|f| parse(f)), *onset_s));
            assert!(same_f64(fields.get(1).and_then(|f| parse(f)), *end_s));
            assert!(end_s <= onset_s, "{message}");
        }
        ErrorKind::VisibleBeforeOnset { onset_s, visible_s } => {
            assert!(same_f64(fields.first().and_then(|f| parse(f)), *onset_s));
            assert!(same_f64(fields.get(2).and_then(|f| parse(f)), *visible_s));
            assert!(visible_s < onset_s, "{message}");
        }
        other => unreachable!("not a label order error: {other:?}"),
    }
}

/// A wrong or missing header, an empty file, or a header before any rate.
fn check_header_error(e: &SessionFileError, text: &Lines, n: u64, fields: &[&[u8]]) {
    let message = e.to_string();
    match &e.kind {
        ErrorKind::WrongHeader { found, .. } => {
            let joined = fields.join(&b","[..]);
            assert_eq!(&quote(&joined), found, "{message}");
        }
        ErrorKind::MissingHeader {
            at_end_of_file: false,
            ..
        } => {
            assert!(
                fields.first().and_then(|f| parse::<f64>(f)).is_some(),
                "{message}"
            );
        }
        ErrorKind::MissingHeader {
            at_end_of_file: true,
            ..
        }
        | ErrorKind::Empty => {
            // Nothing but blank lines from that line on.
            let rest = usize::try_from(n - 1).unwrap_or(usize::MAX);
            for l in text.lines.iter().skip(rest) {
                assert!(l.trim_ascii().is_empty(), "{message}: {:?}", quote(l));
            }
        }
        ErrorKind::MissingRate => {
            assert_eq!(fields.join(&b","[..]), HEADER.as_bytes(), "{message}");
        }
        other => unreachable!("not a header error: {other:?}"),
    }
}

/// Bad metadata lines, and lines too long to read.
fn check_line_error(e: &SessionFileError, text: &Lines, n: u64) {
    let message = e.to_string();
    match &e.kind {
        ErrorKind::MalformedMetadata { text: t } => {
            let line = text.line(n).unwrap_or_default().trim_ascii();
            assert!(line.starts_with(b"#"), "{message}");
            assert_eq!(&quote(line), t, "{message}");
        }
        ErrorKind::DuplicateMetadata { key } => {
            let line = text.line(n).unwrap_or_default();
            assert!(line.windows(key.len()).any(|w| w == key.as_bytes()));
        }
        ErrorKind::InvalidRate { text: t } => {
            let line = text.line(n).unwrap_or_default();
            assert!(line.windows(14).any(|w| w == SAMPLE_RATE_KEY.as_bytes()));
            assert!(
                String::from_utf8_lossy(line).contains(t.as_str()),
                "{message}"
            );
        }
        ErrorKind::LineTooLong { max_bytes } => {
            assert!(
                text.line(n).unwrap_or_default().len() >= *max_bytes,
                "{message}"
            );
        }
        other => unreachable!("not a line error: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Reading a session file with every check.

/// Metadata as read: the rate's line, the entries, the header's line.
type MetadataRead = (u64, Vec<(String, String)>, u64);

/// What reading a session gave: metadata, items, and the error that ended it.
#[derive(Debug, PartialEq)]
struct Outcome {
    metadata: Option<MetadataRead>,
    items: Vec<SessionItem>,
    error: Option<String>,
    stats: Option<ReadStats>,
}

/// Reads a whole session from `source` (holding `bytes`, or a prefix of them before an
/// I/O error when `io_failure`), checking every invariant on the way.
fn read_session(bytes: &[u8], source: impl Read, io_failure: bool) -> Outcome {
    let text = Lines::new(bytes, true);
    // Lines are checked one by one unless an I/O failure cut the file, or a second BOM
    // stands where csv-core may drop it (see `check_session`).
    let cross = text.plain && !io_failure && !inner_bom(bytes);
    tally(|t| {
        t.reads += 1;
        t.bytes += bytes.len() as u64;
    });
    let mut reader = match SessionReader::new(source, PATH) {
        Ok(r) => r,
        Err(e) => {
            check_error_text(&e, PATH, text.lines.len());
            if cross {
                check_error_against_text(&e, &text, &SESSION_COLUMNS, None, None);
            }
            return Outcome {
                metadata: None,
                items: Vec::new(),
                error: Some(e.to_string()),
                stats: None,
            };
        }
    };
    let md = reader.metadata().clone();
    let rate = md.sample_rate_hz;
    let header_line = check_metadata(&reader, &md, &text, cross);
    let mut walk = Walk::new(&text, cross, rate, header_line);
    let error = loop {
        let item = reader.next_item();
        let stats = reader.stats();
        match item {
            Ok(Some(SessionItem::Row(r))) => walk.row(r, &stats),
            Ok(Some(SessionItem::Gap(g))) => walk.gap(g, &stats),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
        assert_eq!((stats.gaps, stats.missing), (walk.gaps, walk.missing));
    };
    let stats = check_counts(&reader, &walk);
    if let Some(e) = &error {
        check_error_text(e, PATH, text.lines.len());
        if cross {
            let last_time = walk.last.map(|(t, _)| t);
            check_error_against_text(e, &text, &SESSION_COLUMNS, last_time, Some(rate));
        }
    }
    check_nothing_more(&mut reader, stats, walk.next);
    tally(|t| {
        t.rows += walk.rows;
        t.gaps += walk.gaps;
        t.accepted += u64::from(error.is_none());
    });
    Outcome {
        metadata: Some((md.rate_line, md.entries, header_line)),
        items: walk.items,
        error: error.map(|e| e.to_string()),
        stats: Some(stats),
    }
}

/// Checks the metadata `md` that `reader` opened with (against the text when `cross`);
/// returns the header's line.
fn check_metadata<R: Read>(
    reader: &SessionReader<R>,
    md: &Metadata,
    text: &Lines,
    cross: bool,
) -> u64 {
    let rate = md.sample_rate_hz;
    assert!(rate.is_finite() && rate > 0.0, "{md:?}");
    assert_eq!(reader.sample_rate_hz(), rate);
    assert_eq!(reader.path(), Path::new(PATH));
    let header_line = reader.header_line();
    assert!(md.rate_line >= 1 && md.rate_line < header_line, "{md:?}");
    assert_eq!(
        md.get(SAMPLE_RATE_KEY).and_then(|v| v.parse().ok()),
        Some(rate)
    );
    for (i, (k, _)) in md.entries.iter().enumerate() {
        assert!(!k.is_empty() && md.entries[..i].iter().all(|(k2, _)| k2 != k));
    }
    if cross {
        assert_eq!(text.fields(header_line).join(&b","[..]), HEADER.as_bytes());
        let rate_text = text.line(md.rate_line).unwrap_or_default().trim_ascii();
        assert!(rate_text.starts_with(b"#"), "{:?}", quote(rate_text));
        // Every line before the header is metadata or blank.
        for n in 1..header_line {
            let l = text.line(n).unwrap_or_default().trim_ascii();
            assert!(
                l.is_empty() || l.starts_with(b"#"),
                "line {n} before the header is neither metadata nor blank: {:?}",
                quote(l)
            );
        }
    }
    header_line
}

/// The items read so far and what they add up to, each checked as it comes.
struct Walk<'t, 'a> {
    text: &'t Lines<'a>,
    /// Whether rows are checked against their lines.
    cross: bool,
    rate: f64,
    header_line: u64,
    items: Vec<SessionItem>,
    rows: u64,
    gaps: u64,
    missing: u64,
    /// Index the next row must have (when no gap comes first).
    next: u64,
    /// Time and line of the previous row.
    last: Option<(f64, u64)>,
    pending_gap: Option<Gap>,
}

impl<'t, 'a> Walk<'t, 'a> {
    fn new(text: &'t Lines<'a>, cross: bool, rate: f64, header_line: u64) -> Self {
        Self {
            text,
            cross,
            rate,
            header_line,
            items: Vec::new(),
            rows: 0,
            gaps: 0,
            missing: 0,
            next: 0,
            last: None,
            pending_gap: None,
        }
    }

    /// A row: finite, later than the one before, at its index, and the line it names.
    fn row(&mut self, r: Row, stats: &ReadStats) {
        let rate = self.rate;
        self.rows += 1;
        assert!(r.t_s.is_finite() && r.t_s >= 0.0, "{r:?}");
        assert!(r.sample.pressure_mmhg.is_finite() && r.sample.flow_ml_min.is_finite());
        match self.pending_gap.take() {
            Some(g) => {
                assert_eq!(r.index, g.start_index + g.missing, "{g:?} {r:?}");
                assert_eq!(r.line, g.line);
            }
            None => assert_eq!(r.index, self.next, "{r:?}"),
        }
        let previous_t = self.last.map(|(t, _)| t);
        if let Some((t, line)) = self.last {
            assert!(r.t_s > t, "time does not increase: {r:?} after {t}");
            assert!(r.line > line);
        } else {
            assert!(r.line > self.header_line);
        }
        if r.index > self.next {
            // A gap is only opened by a row ≥ 1.5 periods after the previous one.
            let step = match previous_t {
                Some(t) => (r.t_s - t) * rate,
                None => r.t_s * rate + 1.0,
            };
            assert!(step >= 1.5 - 1e-9, "gap after a step of {step} periods");
        }
        let drift = r.t_s * rate - r.index as f64;
        assert!(
            drift.abs() <= 0.5 + 1e-9 * (r.index as f64).max(1.0),
            "row {r:?} is {drift} samples off at {rate} Hz"
        );
        if self.cross {
            let f = self.text.fields(r.line);
            assert_eq!(f.len(), 3, "{r:?}: {f:?}");
            assert!(same_f64(parse(f[0]), r.t_s), "{r:?}: {f:?}");
            let p: Option<f32> = parse(f[1]);
            let q: Option<f32> = parse(f[2]);
            assert_eq!(p.map(f32::to_bits), Some(r.sample.pressure_mmhg.to_bits()));
            assert_eq!(q.map(f32::to_bits), Some(r.sample.flow_ml_min.to_bits()));
        }
        assert_eq!(stats.rows, self.rows);
        self.next = r.index + 1;
        self.last = Some((r.t_s, r.line));
        self.items.push(SessionItem::Row(r));
    }

    /// A gap: one at a time, from the next index, its row already counted.
    fn gap(&mut self, g: Gap, stats: &ReadStats) {
        assert!(self.pending_gap.is_none(), "two gaps in a row");
        assert!(g.missing >= 1);
        assert_eq!(g.start_index, self.next, "{g:?}");
        assert_eq!(g.start_s, g.start_index as f64 / self.rate);
        self.gaps += 1;
        self.missing += g.missing;
        // The row after the gap is already counted: it is read, and held back.
        assert_eq!(stats.rows, self.rows + 1);
        self.pending_gap = Some(g);
        self.items.push(SessionItem::Gap(g));
    }
}

/// At the end or an error: no gap without its row, and the counts add up to what was
/// yielded. Returns the reader's counts.
fn check_counts<R: Read>(reader: &SessionReader<R>, walk: &Walk) -> ReadStats {
    assert!(walk.pending_gap.is_none(), "a gap without its row");
    let stats = reader.stats();
    assert_eq!(
        stats,
        ReadStats {
            rows: walk.rows,
            gaps: walk.gaps,
            missing: walk.missing
        },
        "the counts add up"
    );
    assert_eq!(reader.next_index(), walk.next);
    stats
}

/// After the end or an error: nothing more, ever, and the counts stay put.
fn check_nothing_more<R: Read>(reader: &mut SessionReader<R>, stats: ReadStats, next: u64) {
    for _ in 0..2 {
        assert!(matches!(reader.next_item(), Ok(None)));
        assert!(reader.next().is_none());
    }
    assert_eq!(reader.stats(), stats);
    assert_eq!(reader.next_index(), next);
}

/// `bytes` without the BOMs it starts with (the readers drop them all).
fn without_leading_boms(mut bytes: &[u8]) -> &[u8] {
    while let Some(rest) = bytes.strip_prefix(BOM) {
        bytes = rest;
    }
    bytes
}

/// Whether a BOM stands anywhere but among the leading ones.
fn inner_bom(bytes: &[u8]) -> bool {
    without_leading_boms(bytes)
        .get(1..)
        .is_some_and(|b| b.windows(3).any(|w| w == BOM))
}

/// The whole check of one session input: read from memory, read in small pieces (the
/// same outcome), read with an I/O failure part-way (an error, never a silent cut, after
/// a prefix of the items), and written back if accepted.
fn check_session(bytes: &[u8], sizes: &[usize], fail_at: prop::sample::Index) -> Outcome {
    tally(|t| t.files += 1);
    let whole = read_session(bytes, bytes, false);
    let pieces = read_session(bytes, Pieces::new(bytes, sizes, None), false);
    // A second BOM where the CSV part starts (after the metadata) is dropped by csv-core
    // only when its first read holds all three bytes (its documented limitation): the one
    // case where the outcome may depend on how the bytes arrive.
    let inner_bom = inner_bom(bytes);
    if !inner_bom {
        assert_eq!(
            pieces, whole,
            "reading in pieces of {sizes:?} changed the outcome"
        );
    }
    if !bytes.is_empty() {
        let at = fail_at.index(bytes.len());
        let cut = read_session(bytes, Pieces::new(bytes, sizes, Some(at)), true);
        let message = cut.error.as_deref().unwrap_or_else(|| {
            panic!(
                "an I/O error after {at} of {} bytes went unreported",
                bytes.len()
            )
        });
        assert!(
            whole.items.starts_with(&cut.items),
            "items before an I/O error are not those of the file"
        );
        if !message.contains("cannot read: injected read failure") && !inner_bom {
            // A format error found before the failure is the one the whole file has.
            assert_eq!(whole.error.as_deref(), Some(message), "after {at} bytes");
            assert_eq!(whole.items, cut.items);
        }
    }
    if whole.error.is_none() {
        round_trip_session(bytes, &whole);
    }
    whole
}

/// What the reader accepted, the writer writes back; read again it gives the same
/// indices, gaps, metadata and (to the writer's precision) values.
fn round_trip_session(bytes: &[u8], outcome: &Outcome) {
    let Ok(reader) = SessionReader::new(bytes, PATH) else {
        panic!("accepted once, refused the second time");
    };
    let md = reader.metadata().clone();
    let rate = md.sample_rate_hz;
    // The writer promises times within 1/20 of a period only up to its 9 decimals.
    if !(0.01..=1e6).contains(&rate) {
        return;
    }
    let Ok(mut w) = SessionWriter::new(Vec::new(), rate, &md.entries) else {
        // It refuses metadata values with a line break inside (documented).
        assert!(md.entries.iter().any(|(_, v)| v.contains('\r')), "{md:?}");
        return;
    };
    for item in &outcome.items {
        match item {
            SessionItem::Gap(g) => w.skip(g.missing),
            SessionItem::Row(r) => w.write_sample(r.sample).expect("finite samples"),
        }
    }
    let written = w.finish().expect("in memory");
    let again = read_session(&written, &written[..], false);
    assert!(
        again.error.is_none(),
        "written back, refused: {:?}",
        again.error
    );
    // The writer puts the rate first, then the other entries in order (documented). It
    // trims values as Unicode text (`str::trim`) where the reader trims ASCII whitespace
    // only: a value ending in, say, a vertical tab or a no-break space comes back without
    // it (reported), so values are compared trimmed.
    let entries = |o: &Outcome| {
        let mut e = o.metadata.as_ref().map(|m| m.1.clone()).unwrap_or_default();
        e.retain(|(k, _)| k != SAMPLE_RATE_KEY);
        e.into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(entries(&again), entries(outcome));
    assert_eq!(again.items.len(), outcome.items.len());
    for (a, b) in again.items.iter().zip(&outcome.items) {
        match (a, b) {
            (SessionItem::Gap(a), SessionItem::Gap(b)) => {
                assert_eq!((a.start_index, a.missing), (b.start_index, b.missing))
            }
            (SessionItem::Row(a), SessionItem::Row(b)) => {
                assert_eq!(a.index, b.index);
                let close = |x: f32, y: f32, step: f64| {
                    let (x, y) = (f64::from(x), f64::from(y));
                    (x - y).abs() <= step + 1e-6 * y.abs()
                };
                assert!(close(a.sample.pressure_mmhg, b.sample.pressure_mmhg, 0.005));
                assert!(close(a.sample.flow_ml_min, b.sample.flow_ml_min, 0.0005));
            }
            _ => panic!("item kinds differ: {a:?} vs {b:?}"),
        }
    }
    tally(|t| t.round_trips += 1);
}

// ---------------------------------------------------------------------------------------
// Strategies.

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![4 => 1usize..4, 1 => 1usize..17], 1..6)
}

/// Numbers as text in every notation, valid or not.
fn number_text() -> impl Strategy<Value = String> {
    let pool = prop::sample::select(vec![
        "1e400",
        "-1e400",
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-0",
        "+0",
        "-0.0",
        "+.5",
        ".5",
        "5.",
        "-.5e-3",
        "1e-400",
        "1e-46",
        "1e-45",
        "3.4028235e38",
        "3.4028236e38",
        "-3.4028235e38",
        "1e39",
        "1.7976931348623157e308",
        "1.8e308",
        "4.9e-324",
        "2.2250738585072014e-308",
        "0x1p3",
        "1_000",
        "١",
        "",
        " ",
        "1,5",
        " 1 ",
        "9007199254740993",
        "9.007199254740992e15",
        "1e15",
        "1e16",
        "1e300",
        "-1",
        "e5",
        "1e",
        "--1",
        "+-1",
        "0.0000000001",
        "1e-9",
        "00001",
        "1.",
        "1e+3",
        "1E3",
        "+",
        "-",
        ".",
        "1.5\t",
        "\t2",
        "\u{a0}3",
    ]);
    prop_oneof![
        4 => pool.prop_map(str::to_owned),
        2 => any::<f64>().prop_map(|v| v.to_string()),
        2 => any::<f32>().prop_map(|v| format!("{v:e}")),
        1 => "[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{1,4})?",
    ]
}

/// A valid finite `f32` field, written in one of several notations.
fn value_text(lo: f32, hi: f32) -> impl Strategy<Value = String> {
    (lo..hi, 0u8..6).prop_map(|(v, style)| match style {
        0 => format!("{v}"),
        1 => format!("{v:.2}"),
        2 => format!("{v:e}"),
        3 => format!(" {v:.3} "),
        4 if v >= 0.0 => format!("+{v}"),
        _ => format!("{}", v.round()),
    })
}

/// A valid session: lines (without terminators) and what the reader must yield.
#[derive(Clone, Debug)]
struct ValidSession {
    lines: Vec<String>,
    /// Index and line (1-based) of each row.
    rows: Vec<(u64, u64)>,
}

fn arb_rate() -> impl Strategy<Value = (f64, String)> {
    let rate = prop_oneof![
        4 => prop::sample::select(vec![100.0, 250.0, 500.0, 1000.0, 2000.0, 10_000.0]),
        1 => prop::sample::select(vec![0.5, 1.0, 44_100.0, 1e6]),
        1 => 1.0f64..20_000.0,
    ];
    (rate, 0u8..5).prop_map(|(rate, style)| {
        let text = match style {
            0 => format!("# sample_rate_hz: {rate}"),
            1 => format!("#sample_rate_hz:{rate}"),
            2 => format!("#  sample_rate_hz :  {rate:e}  "),
            3 => format!("# sample_rate_hz: {rate}\t"),
            _ => format!(
                "# sample_rate_hz: {}",
                rate.to_string().trim_end_matches(".0")
            ),
        };
        (rate, text)
    })
}

fn arb_valid_session() -> impl Strategy<Value = ValidSession> {
    let entry = ("[a-z][a-z0-9_.-]{0,8}", "[ -~]{0,20}").prop_map(|(k, v)| (k, v));
    let row = (
        prop_oneof![12 => Just(1u64), 2 => 2u64..40, 1 => 1000u64..1_000_000],
        -0.2f64..0.2,
        0u8..4,
        value_text(-300.0, 50.0),
        value_text(-10.0, 120.0),
    );
    (
        arb_rate(),
        prop::collection::vec(entry, 0..4),
        any::<prop::sample::Index>(),
        prop::collection::vec(row, 0..60),
        prop::collection::vec(any::<bool>(), 0..6),
    )
        .prop_map(|((rate, rate_line), entries, rate_at, rows, blanks)| {
            let mut meta: Vec<String> = Vec::new();
            let mut keys: Vec<String> = vec![SAMPLE_RATE_KEY.into()];
            for (k, v) in entries {
                if !keys.contains(&k) {
                    meta.push(format!("# {k}: {v}"));
                    keys.push(k);
                }
            }
            meta.insert(rate_at.index(meta.len() + 1), rate_line);
            for (i, crlf) in blanks.iter().enumerate() {
                let at = (i * 7) % (meta.len() + 1);
                meta.insert(at, if *crlf { "\r".into() } else { "  ".into() });
            }
            let mut lines = meta;
            lines.push(match rows.len() % 3 {
                0 => HEADER.into(),
                1 => " t_s , pressure_mmhg,flow_ml_min \r".into(),
                _ => "t_s,pressure_mmhg,\tflow_ml_min".into(),
            });
            let mut out_rows = Vec::new();
            let mut index = 0u64;
            // Gaps reach the longest the readers accept (counted on the sample clock, so
            // jitter does not matter) and stop there.
            let max_step = (MAX_GAP_S * rate).floor() as u64;
            for (k, (step, jitter, style, p, f)) in rows.into_iter().enumerate() {
                if k > 0 {
                    index += step.min(max_step);
                }
                // The first row cannot start before 0.
                let jitter = if index == 0 { jitter.abs() } else { jitter };
                let t = (index as f64 + jitter) / rate;
                let t_text = match style {
                    0 => format!("{t}"),
                    1 => format!("{t:e}"),
                    2 => format!(" {t} "),
                    _ => format!("{t}\r"),
                };
                lines.push(format!("{t_text},{p},{f}"));
                out_rows.push((index, lines.len() as u64));
            }
            ValidSession {
                lines,
                rows: out_rows,
            }
        })
}

/// A line-level edit: (kind, where, where else, replacement text).
type LineEdit = (u8, prop::sample::Index, prop::sample::Index, String);
/// A byte-level edit: (kind, where, value).
type ByteEdit = (u8, prop::sample::Index, u8);

fn line_edits() -> impl Strategy<Value = Vec<LineEdit>> {
    let text = prop_oneof![
        3 => number_text(),
        1 => prop::sample::select(vec![
            "#", "# key: v", "# sample_rate_hz: 1000", "# sample_rate_hz: 0",
            "# sample_rate_hz: -5", "# sample_rate_hz: nan", "# bad key: v", "#:",
            HEADER, "t_s,pressure_mmhg", "0,0,0", "0,0", "\"0\",1,2", "\"", "\r", "",
        ])
        .prop_map(str::to_owned),
        1 => "[ -~]{0,30}",
    ];
    prop::collection::vec(
        (
            0u8..12,
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            text,
        ),
        0..5,
    )
}

fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    let edit = (0u8..8, any::<prop::sample::Index>(), any::<u8>());
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(edit, 1..5),
    ]
}

/// Applies line edits to `lines` (kept non-empty where an index is needed).
fn edit_lines(lines: &mut Vec<String>, edits: &[LineEdit]) {
    for (kind, a, b, text) in edits {
        if lines.is_empty() {
            lines.push(text.clone());
            continue;
        }
        let i = a.index(lines.len());
        let j = b.index(lines.len());
        match kind {
            0 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            1 => lines.swap(i, j),
            2 => {
                lines.remove(i);
            }
            3 => lines.insert(
                i,
                if j % 2 == 0 {
                    String::new()
                } else {
                    " \r".into()
                },
            ),
            4..=6 => {
                // Replace one field.
                let mut fields: Vec<String> = lines[i].split(',').map(str::to_owned).collect();
                let k = b.index(fields.len());
                fields[k] = text.clone();
                lines[i] = fields.join(",");
            }
            7 => lines[i] = format!("{},{text}", lines[i]),
            8 => {
                let mut fields: Vec<&str> = lines[i].split(',').collect();
                fields.remove(b.index(fields.len()));
                lines[i] = fields.join(",");
            }
            9 => lines[i].push('\r'),
            10 => lines.insert(i, text.clone()),
            _ => {
                let cut = b.index(lines[i].len() + 1);
                if lines[i].is_char_boundary(cut) {
                    lines[i].truncate(cut);
                }
            }
        }
    }
}

fn edit_bytes(bytes: &mut Vec<u8>, edits: &[ByteEdit]) {
    for (kind, at, value) in edits {
        let i = at.index(bytes.len().max(1));
        match kind {
            0 if !bytes.is_empty() => bytes[i] ^= 1 << (value % 8),
            1 if !bytes.is_empty() => bytes[i] = *value,
            2 if !bytes.is_empty() => {
                bytes.remove(i);
            }
            3 => bytes.insert(i.min(bytes.len()), *value),
            4 => bytes.truncate(i),
            5 => bytes.splice(0..0, BOM.iter().copied()).for_each(drop),
            6 => bytes.insert(i.min(bytes.len()), b'"'),
            _ => bytes.insert(i.min(bytes.len()), b'\n'),
        }
    }
}

fn join(lines: &[String], final_newline: bool) -> Vec<u8> {
    let mut text = lines.join("\n");
    if final_newline && !lines.is_empty() {
        text.push('\n');
    }
    text.into_bytes()
}

/// Bytes biased towards what CSV files are made of.
fn csvish_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            6 => any::<u8>(),
            4 => prop::sample::select(b"0123456789.,-+eE\n\r \t#:\"".to_vec()),
        ],
        0..max,
    )
}

// ---------------------------------------------------------------------------------------
// Session properties.

#[test]
fn fuzz_arbitrary_bytes() {
    let prefix = prop_oneof![
        1 => Just(Vec::new()),
        1 => Just(b"# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n".to_vec()),
        1 => Just(b"\xEF\xBB\xBF# sample_rate_hz: 100\r\n# a: b\r\nt_s,pressure_mmhg,flow_ml_min\r\n0,1,2\r\n".to_vec()),
    ];
    proptest!(config(3000), |(prefix in prefix, tail in csvish_bytes(600),
                             sizes in sizes(), fail_at in any::<prop::sample::Index>())| {
        let mut bytes = prefix;
        bytes.extend_from_slice(&tail);
        check_session(&bytes, &sizes, fail_at);
    });
    report("arbitrary_bytes");
}

#[test]
fn fuzz_mutated_sessions() {
    proptest!(config(3000), |(session in arb_valid_session(), edits in line_edits(),
                             bytes_edits in byte_edits(), final_newline in any::<bool>(),
                             bom in any::<bool>(), sizes in sizes(),
                             fail_at in any::<prop::sample::Index>())| {
        let mut lines = session.lines.clone();
        edit_lines(&mut lines, &edits);
        let mut bytes = join(&lines, final_newline);
        if bom {
            bytes.splice(0..0, BOM.iter().copied());
        }
        edit_bytes(&mut bytes, &bytes_edits);
        let outcome = check_session(&bytes, &sizes, fail_at);
        if edits.is_empty() && bytes_edits.is_empty() {
            // Undamaged: exactly the rows written, with their gaps.
            prop_assert_eq!(&outcome.error, &None);
            let got: Vec<(u64, u64)> = outcome.items.iter().filter_map(|i| match i {
                SessionItem::Row(r) => Some((r.index, r.line)),
                SessionItem::Gap(_) => None,
            }).collect();
            prop_assert_eq!(&got, &session.rows);
            let mut next = 0;
            for item in &outcome.items {
                if let SessionItem::Gap(g) = item {
                    prop_assert_eq!(g.start_index, next);
                    next = g.start_index + g.missing;
                } else if let SessionItem::Row(r) = item {
                    next = r.index + 1;
                }
            }
            let gaps = outcome.items.iter().filter(|i| matches!(i, SessionItem::Gap(_))).count();
            let expected_gaps = session.rows.windows(2).filter(|w| w[1].0 > w[0].0 + 1).count()
                + usize::from(session.rows.first().is_some_and(|r| r.0 > 0));
            prop_assert_eq!(gaps, expected_gaps);
            prop_assert!(outcome.metadata.as_ref().is_some());
        }
    });
    report("mutated_sessions");
}

/// The readers' longest accepted line, bytes.
const MAX_LINE_BYTES: usize = 64 * 1024;

#[test]
fn fuzz_long_lines() {
    // A valid session with its header or one of its rows padded with blanks to about the
    // line limit: accepted exactly when no line is longer than the limit, otherwise
    // refused at that line, whatever the pieces the bytes arrive in.
    proptest!(config(60), |(session in arb_valid_session(), at in any::<prop::sample::Index>(),
                           over in -3i64..=3, sizes in sizes(),
                           fail_at in any::<prop::sample::Index>())| {
        let mut lines = session.lines.clone();
        let header = lines.len() - session.rows.len() - 1;
        let i = header + at.index(lines.len() - header);
        let len = (MAX_LINE_BYTES as i64 + over) as usize;
        let pad = len.saturating_sub(lines[i].len());
        lines[i].push_str(&" ".repeat(pad));
        let outcome = check_session(&join(&lines, true), &sizes, fail_at);
        if lines[i].len() <= MAX_LINE_BYTES {
            prop_assert_eq!(&outcome.error, &None);
        } else {
            let error = outcome.error.clone().unwrap_or_default();
            let expected = format!("line {}: line longer than {MAX_LINE_BYTES} bytes", i + 1);
            prop_assert!(error.contains(&expected), "{}", error);
        }
    });
    report("long_lines");
}

// ---------------------------------------------------------------------------------------
// Labels.

/// Reads a labels file with every check; returns the labels or the error text.
fn read_labels_checked(bytes: &[u8], source: impl Read) -> Result<Vec<Ejection>, String> {
    // The reader drops the leading BOMs, however the bytes arrive.
    let text = Lines::new(bytes, true);
    tally(|t| {
        t.reads += 1;
        t.bytes += bytes.len() as u64;
    });
    match parse_labels(source, Path::new(LABELS_PATH)) {
        Err(e) => {
            check_error_text(&e, LABELS_PATH, text.lines.len());
            if text.plain {
                let header = text
                    .lines
                    .iter()
                    .find(|l| !l.trim_ascii().is_empty())
                    .map(|l| l.split(|&b| b == b',').count())
                    .unwrap_or(2);
                let columns = &LABEL_NAMES[..header.clamp(2, 3)];
                check_error_against_text(&e, &text, columns, None, None);
            }
            Err(e.to_string())
        }
        Ok(labels) => {
            tally(|t| {
                t.accepted += 1;
                t.labels += labels.len() as u64;
            });
            for (i, l) in labels.iter().enumerate() {
                assert!(l.onset_s.is_finite() && l.onset_s >= 0.0, "{l:?}");
                assert!(l.end_s.is_finite() && l.end_s > l.onset_s, "{l:?}");
                if let Some(v) = l.visible_s {
                    assert!(v.is_finite() && v >= l.onset_s, "{l:?}");
                }
                if i > 0 {
                    assert!(l.onset_s > labels[i - 1].onset_s, "{labels:?}");
                }
            }
            if text.plain {
                // One label per non-blank line after the header, each that line's values.
                let data: Vec<&[u8]> = text
                    .lines
                    .iter()
                    .copied()
                    .filter(|l| !l.trim_ascii().is_empty())
                    .skip(1)
                    .collect();
                assert_eq!(data.len(), labels.len());
                for (line, l) in data.iter().zip(&labels) {
                    let f: Vec<&[u8]> =
                        line.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect();
                    assert!(same_f64(parse(f[0]), l.onset_s));
                    assert!(same_f64(parse(f[1]), l.end_s));
                    match l.visible_s {
                        Some(v) => assert!(same_f64(parse(f[2]), v)),
                        None => assert!(f.get(2).is_none_or(|v| v.is_empty())),
                    }
                }
            }
            Ok(labels)
        }
    }
}

fn check_labels(bytes: &[u8], sizes: &[usize]) -> Result<Vec<Ejection>, String> {
    tally(|t| t.files += 1);
    let whole = read_labels_checked(bytes, bytes);
    let pieces = read_labels_checked(bytes, Pieces::new(bytes, sizes, None));
    assert_eq!(
        pieces, whole,
        "reading in pieces of {sizes:?} changed the outcome"
    );
    if let Ok(labels) = &whole {
        // Written back and read again: the same labels to the writer's 1 µs. (Labels
        // closer than 1 µs to each other can be written but not read back: see the
        // report of this file's author; they are left out here.)
        let apart = labels.iter().enumerate().all(|(i, l)| {
            l.end_s - l.onset_s > 2e-6
                && l.visible_s
                    .is_none_or(|v| v - l.onset_s > 2e-6 || v == l.onset_s)
                && (i == 0 || l.onset_s - labels[i - 1].onset_s > 2e-6)
        });
        if apart {
            let mut out = Vec::new();
            write_labels(&mut out, labels).expect("valid labels are written");
            let again = read_labels_checked(&out, &out[..]).expect("written labels read back");
            assert_eq!(again.len(), labels.len());
            for (a, b) in again.iter().zip(labels) {
                let close = |x: f64, y: f64| (x - y).abs() <= 5e-7 + 1e-15 * y.abs();
                assert!(
                    close(a.onset_s, b.onset_s) && close(a.end_s, b.end_s),
                    "{a:?} {b:?}"
                );
                assert_eq!(a.visible_s.is_some(), b.visible_s.is_some());
            }
            tally(|t| t.round_trips += 1);
        }
    }
    whole
}

/// Valid labels (lines without terminators) and the values written.
fn arb_valid_labels() -> impl Strategy<Value = (Vec<String>, Vec<Ejection>)> {
    let label = (
        prop_oneof![4 => 0.001f64..500.0, 1 => 1e-6f64..1e-3],
        prop_oneof![4 => 0.01f64..300.0, 1 => 1e-6f64..1e-3],
        prop::option::of(0.0f64..60.0),
        0u8..4,
    );
    (any::<bool>(), prop::collection::vec(label, 0..25)).prop_map(|(visible_column, labels)| {
        let mut lines = vec![if visible_column {
            "onset_s,end_s,visible_s".to_owned()
        } else {
            " onset_s , end_s\r".to_owned()
        }];
        let mut out = Vec::new();
        let mut onset = 0.0f64;
        for (k, (step, length, visible, style)) in labels.into_iter().enumerate() {
            if k > 0 {
                onset += step;
            }
            let end = onset + length;
            let visible = visible.filter(|_| visible_column).map(|v| onset + v);
            let f = |t: f64| match style {
                0 => format!("{t}"),
                1 => format!("{t:e}"),
                2 => format!(" {t} "),
                _ => format!("{t}\r"),
            };
            let mut line = format!("{},{}", f(onset), f(end));
            if visible_column {
                line.push(',');
                if let Some(v) = visible {
                    line.push_str(&f(v));
                }
            }
            lines.push(line);
            out.push(Ejection {
                onset_s: onset,
                end_s: end,
                visible_s: visible,
            });
        }
        (lines, out)
    })
}

#[test]
fn fuzz_mutated_labels() {
    proptest!(config(3000), |((lines, labels) in arb_valid_labels(), edits in line_edits(),
                             bytes_edits in byte_edits(), junk in csvish_bytes(64),
                             final_newline in any::<bool>(), sizes in sizes())| {
        let mut lines = lines;
        edit_lines(&mut lines, &edits);
        let mut bytes = join(&lines, final_newline);
        edit_bytes(&mut bytes, &bytes_edits);
        if bytes_edits.len() == 4 {
            bytes.extend_from_slice(&junk);
        }
        let read = check_labels(&bytes, &sizes);
        if edits.is_empty() && bytes_edits.is_empty() {
            let read = read.map_err(TestCaseError::fail)?;
            prop_assert_eq!(read, labels);
        }
    });
    report("mutated_labels");
}

// ---------------------------------------------------------------------------------------
// Found by these properties; kept as plain regression tests.

/// A BOM split over the first reads (a pipe, a serial line, a decoder handing out a few
/// bytes at a time) is still a BOM: the same file read whole and in 1-byte pieces gives
/// the same rows.
#[test]
fn bom_split_over_reads_is_still_a_bom() {
    let text =
        b"\xEF\xBB\xBF# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0,-1,2\n0.01,-1,3\n";
    for size in [1usize, 2, 3, 4] {
        let sizes = [size];
        let got = read_session(text, Pieces::new(text, &sizes, None), false);
        assert_eq!(got.error, None, "pieces of {size}");
        assert_eq!(got.items.len(), 2);
    }
}

/// A file cut off by an I/O error is an error, not a shorter file.
#[test]
fn io_error_is_reported_not_a_short_file() {
    let text = b"# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0,-1,2\n0.01,-1,3\n";
    for at in 0..text.len() {
        let sizes = [7usize];
        let got = read_session(text, Pieces::new(text, &sizes, Some(at)), true);
        let e = got.error.expect("an error");
        assert!(e.starts_with(PATH) && e.contains("line"), "{e}");
    }
}

/// Blank lines are blank whatever whitespace they hold, among the metadata as after it;
/// and a line that only starts with whitespace is not blank: it is not skipped silently.
#[test]
fn whitespace_lines_before_the_header() {
    let text = b" \n# sample_rate_hz: 100\n\t \r\n# a: b\nt_s,pressure_mmhg,flow_ml_min\n0,-1,2\n";
    let got = read_session(text, &text[..], false);
    assert_eq!(got.error, None);
    assert_eq!(got.items.len(), 1);
    let text = b"# sample_rate_hz: 100\n\rjunk\nt_s,pressure_mmhg,flow_ml_min\n0,-1,2\n";
    let got = read_session(text, &text[..], false);
    let e = got.error.expect("junk before the header is refused");
    assert!(
        e.starts_with(&format!("{PATH}: line 2: ")) && e.contains("junk"),
        "{e}"
    );
}
