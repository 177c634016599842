//! Session files (DESIGN §3): round trip through the writer and reader, gaps reported
//! with the right count, and every kind of broken file refused with a message that names
//! the file, the line and the field.

use letdown_engine::Sample;
use letdown_io::session_csv::{Gap, Row, SessionItem};
use letdown_io::SessionReader;
use letdown_io::{ErrorKind, SessionFileError, SessionWriter};
use std::path::Path;

const NAME: &str = "sessions/broken.csv";

fn read_all(text: &[u8]) -> Result<(SessionReader<&[u8]>, Vec<SessionItem>), SessionFileError> {
    let mut reader = SessionReader::new(text, NAME)?;
    let mut items = Vec::new();
    while let Some(item) = reader.next_item()? {
        items.push(item);
    }
    Ok((reader, items))
}

/// Reads `text`, expects an error, checks that its message names the file, the line and
/// (when given) the field, and returns it.
fn refuse(text: &str, line: u64, field: Option<&str>) -> SessionFileError {
    let err = match read_all(text.as_bytes()) {
        Ok((_, items)) => panic!("accepted {text:?}: {items:?}"),
        Err(e) => e,
    };
    let message = err.to_string();
    assert!(message.starts_with(NAME), "{message}");
    assert_eq!(err.line, Some(line), "{message}");
    assert!(message.contains(&format!("line {line}:")), "{message}");
    if let Some(field) = field {
        assert_eq!(err.field, Some(field), "{message}");
        assert!(message.contains(&format!("field {field}:")), "{message}");
    }
    err
}

fn rows(items: &[SessionItem]) -> Vec<Row> {
    items
        .iter()
        .filter_map(|i| match i {
            SessionItem::Row(r) => Some(*r),
            SessionItem::Gap(_) => None,
        })
        .collect()
}

fn gaps(items: &[SessionItem]) -> Vec<Gap> {
    items
        .iter()
        .filter_map(|i| match i {
            SessionItem::Gap(g) => Some(*g),
            SessionItem::Row(_) => None,
        })
        .collect()
}

const GOOD: &str = "# sample_rate_hz: 1000\n# profile: typical\nt_s,pressure_mmhg,flow_ml_min\n\
                    0,-10.5,0.25\n0.001,-11,0.5\n0.002,-12.25,1\n";

#[test]
fn reads_metadata_and_rows() {
    let (reader, items) = read_all(GOOD.as_bytes()).expect("valid file");
    let md = reader.metadata();
    assert_eq!(md.sample_rate_hz, 1000.0);
    assert_eq!(md.rate_line, 1);
    assert_eq!(md.get("profile"), Some("typical"));
    assert_eq!(md.get("sample_rate_hz"), Some("1000"));
    assert_eq!(reader.header_line(), 3);
    let rows = rows(&items);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].index, 1);
    assert_eq!(rows[1].line, 5);
    assert_eq!(rows[1].sample, Sample::new(-11.0, 0.5));
    assert_eq!(rows[2].t_s, 0.002);
    assert!(gaps(&items).is_empty());
    assert_eq!(reader.next_index(), 3);
}

#[test]
fn tolerates_crlf_bom_spaces_blank_lines_and_missing_final_newline() {
    let text = "\u{feff}# sample_rate_hz : 100 \r\n\r\n# note: a, b\r\nt_s, pressure_mmhg ,flow_ml_min\r\n\
                0 , -1, 2\r\n\r\n0.01,-1,2";
    let (reader, items) = read_all(text.as_bytes()).expect("valid file");
    assert_eq!(reader.sample_rate_hz(), 100.0);
    assert_eq!(reader.metadata().get("note"), Some("a, b"));
    let rows = rows(&items);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].line, rows[1].line), (5, 7));
}

#[test]
fn round_trip_through_writer_and_reader() {
    let rate = 1000.0;
    let metadata = [("profile", "stressed"), ("seed", "42")];
    let mut writer = SessionWriter::new(Vec::new(), rate, &metadata).expect("header");
    let mut written = Vec::new();
    for i in 0..5000u32 {
        if (1000..1250).contains(&i) || i == 3000 {
            writer.skip(1);
            continue;
        }
        let x = i as f32;
        let sample = Sample::new(-100.0 * (x * 0.011).sin() - 0.004, 30.0 * (x * 0.003).cos());
        writer.write_sample(sample).expect("in memory");
        written.push((u64::from(i), sample));
    }
    let bytes = writer.finish().expect("in memory");
    let (reader, items) = read_all(&bytes).expect("own output reads back");
    assert_eq!(reader.metadata().get("profile"), Some("stressed"));
    assert_eq!(reader.metadata().get("seed"), Some("42"));
    let got = rows(&items);
    assert_eq!(got.len(), written.len());
    for (row, (index, sample)) in got.iter().zip(&written) {
        assert_eq!(row.index, *index);
        assert!((row.t_s - *index as f64 / rate).abs() < 0.5e-4, "{row:?}");
        assert!((row.sample.pressure_mmhg - sample.pressure_mmhg).abs() <= 0.005 + 1e-4);
        assert!((row.sample.flow_ml_min - sample.flow_ml_min).abs() <= 0.0005 + 1e-5);
    }
    let gaps = gaps(&items);
    assert_eq!(gaps.len(), 2);
    assert_eq!((gaps[0].start_index, gaps[0].missing), (1000, 250));
    assert_eq!((gaps[1].start_index, gaps[1].missing), (3000, 1));
    assert_eq!(gaps[0].start_s, 1.0);
    assert_eq!(reader.stats().missing, 251);
    // Rereading the metadata and writing it again gives the same header lines.
    let md = reader.metadata();
    let again = SessionWriter::new(Vec::new(), md.sample_rate_hz, &md.entries)
        .and_then(|w| w.finish())
        .expect("same metadata");
    assert!(bytes.starts_with(&again));
    // Fixed precision keeps files small: no row longer than "0.9999,-100.00,-29.999".
    let text = String::from_utf8(bytes).expect("ascii");
    assert!(text.contains("\n0.001,"));
    let longest = text
        .lines()
        .skip(4)
        .max_by_key(|l| l.len())
        .unwrap_or_default();
    assert!(longest.len() <= 24, "{longest}");
}

#[test]
fn writer_time_precision_follows_the_rate() {
    for rate in [100.0, 1000.0, 3000.0, 7919.0, 10_000.0] {
        let mut w = SessionWriter::new(Vec::new(), rate, &[] as &[(&str, &str)]).expect("ok");
        for _ in 0..20_000 {
            w.write_sample(Sample::new(0.0, 0.0)).expect("in memory");
        }
        let bytes = w.finish().expect("in memory");
        let (_, items) = read_all(&bytes).unwrap_or_else(|e| panic!("rate {rate}: {e}"));
        assert_eq!(rows(&items).len(), 20_000, "rate {rate}");
        assert!(gaps(&items).is_empty(), "rate {rate}");
    }
}

#[test]
fn writer_refuses_what_the_format_cannot_carry() {
    let none: &[(&str, &str)] = &[];
    assert!(SessionWriter::new(Vec::new(), f64::NAN, none).is_err());
    assert!(SessionWriter::new(Vec::new(), 0.0, none).is_err());
    assert!(SessionWriter::new(Vec::new(), 1000.0, &[("bad key", "v")]).is_err());
    assert!(SessionWriter::new(Vec::new(), 1000.0, &[("k", "two\nlines")]).is_err());
    assert!(SessionWriter::new(Vec::new(), 1000.0, &[("sample_rate_hz", "500")]).is_err());
    let mut w = SessionWriter::new(Vec::new(), 1000.0, none).expect("ok");
    assert!(w.write_sample(Sample::new(f32::NAN, 0.0)).is_err());
    assert!(w.write_sample(Sample::new(0.0, f32::INFINITY)).is_err());
    assert_eq!(w.next_index(), 0);
}

#[test]
fn gaps_are_reported_with_their_count() {
    // 1000 Hz: 0.003 follows 0.001 (1 missing), 0.010 follows 0.003 (6 missing).
    let text = "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n\
                0,0,0\n0.001,0,0\n0.003,0,0\n0.01,0,0\n0.011,0,0\n";
    let (reader, items) = read_all(text.as_bytes()).expect("gaps are not errors");
    let gaps = gaps(&items);
    assert_eq!(gaps.len(), 2);
    assert_eq!(
        gaps[0],
        Gap {
            start_index: 2,
            missing: 1,
            start_s: 0.002,
            line: 5
        }
    );
    assert_eq!(
        (gaps[1].start_index, gaps[1].missing, gaps[1].line),
        (4, 6, 6)
    );
    // The gap comes right before the row that follows it.
    assert!(matches!(items[2], SessionItem::Gap(_)));
    assert!(matches!(items[3], SessionItem::Row(Row { index: 3, .. })));
    assert_eq!(rows(&items).last().map(|r| r.index), Some(11));
    assert_eq!(reader.next_index(), 12);
    let stats = reader.stats();
    assert_eq!((stats.rows, stats.gaps, stats.missing), (5, 2, 7));
}

#[test]
fn a_late_first_row_is_a_leading_gap() {
    let text = "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0.5,0,0\n0.51,0,0\n";
    let (_, items) = read_all(text.as_bytes()).expect("leading gap");
    assert_eq!(
        gaps(&items),
        vec![Gap {
            start_index: 0,
            missing: 50,
            start_s: 0.0,
            line: 3
        }]
    );
}

#[test]
fn jitter_within_half_a_sample_is_accepted() {
    let text = "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n\
                0.0004,0,0\n0.0009,0,0\n0.0024,0,0\n";
    let (_, items) = read_all(text.as_bytes()).expect("within half a sample");
    assert_eq!(
        rows(&items).iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
}

#[test]
fn empty_file() {
    let err = refuse("", 1, None);
    assert!(matches!(err.kind, ErrorKind::Empty));
    assert!(err.to_string().contains("empty"));
}

#[test]
fn missing_header_after_metadata() {
    let err = refuse("# sample_rate_hz: 1000\n", 2, None);
    assert!(matches!(
        err.kind,
        ErrorKind::MissingHeader {
            at_end_of_file: true,
            ..
        }
    ));
    assert!(err.to_string().contains("t_s,pressure_mmhg,flow_ml_min"));
}

#[test]
fn missing_header_before_data() {
    let err = refuse("# sample_rate_hz: 1000\n0,1,2\n", 2, None);
    assert!(matches!(
        err.kind,
        ErrorKind::MissingHeader {
            at_end_of_file: false,
            ..
        }
    ));
    assert!(err.to_string().contains("missing header"));
}

#[test]
fn wrong_header_names_the_column() {
    let err = refuse(
        "# sample_rate_hz: 1000\nt_s,pressure_kpa,flow_ml_min\n",
        2,
        Some("pressure_mmhg"),
    );
    assert!(err.to_string().contains("pressure_kpa"), "{err}");
    let err = refuse(
        "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min,temp_c\n",
        2,
        None,
    );
    assert!(matches!(err.kind, ErrorKind::WrongHeader { .. }));
}

#[test]
fn missing_rate() {
    let err = refuse(
        "# profile: typical\nt_s,pressure_mmhg,flow_ml_min\n0,0,0\n",
        2,
        Some("sample_rate_hz"),
    );
    assert!(matches!(err.kind, ErrorKind::MissingRate));
}

#[test]
fn bad_rates() {
    for value in ["fast", "0", "-1000", "NaN", "inf", ""] {
        let text =
            format!("# profile: x\n# sample_rate_hz: {value}\nt_s,pressure_mmhg,flow_ml_min\n");
        let err = refuse(&text, 2, Some("sample_rate_hz"));
        assert!(matches!(err.kind, ErrorKind::InvalidRate { .. }), "{err}");
    }
    let err = refuse(
        "# sample_rate_hz: 1000\n# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n",
        2,
        Some("sample_rate_hz"),
    );
    assert!(matches!(err.kind, ErrorKind::DuplicateMetadata { .. }));
}

#[test]
fn malformed_metadata() {
    let err = refuse("# just a comment\n# sample_rate_hz: 1000\n", 1, None);
    assert!(matches!(err.kind, ErrorKind::MalformedMetadata { .. }));
}

const HEAD: &str = "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n0,0,0\n";

#[test]
fn non_numeric_fields() {
    let err = refuse(&format!("{HEAD}0.001,abc,0\n"), 4, Some("pressure_mmhg"));
    assert!(err.to_string().contains("not a number: \"abc\""), "{err}");
    refuse(&format!("{HEAD}zero,0,0\n"), 4, Some("t_s"));
    let err = refuse(&format!("{HEAD}0.001,0,\n"), 4, Some("flow_ml_min"));
    assert!(err.to_string().contains("empty field"), "{err}");
}

#[test]
fn non_finite_fields() {
    for (row, field) in [
        ("0.001,NaN,0", "pressure_mmhg"),
        ("0.001,0,inf", "flow_ml_min"),
        ("0.001,-inf,0", "pressure_mmhg"),
        ("0.001,0,1e39", "flow_ml_min"),
        ("nan,0,0", "t_s"),
    ] {
        let err = refuse(&format!("{HEAD}{row}\n"), 4, Some(field));
        assert!(matches!(err.kind, ErrorKind::NonFinite { .. }), "{err}");
    }
}

#[test]
fn time_going_backwards_or_standing_still() {
    let err = refuse(&format!("{HEAD}0.001,0,0\n0.0005,0,0\n"), 5, Some("t_s"));
    assert!(err.to_string().contains("backwards"), "{err}");
    let err = refuse(&format!("{HEAD}0.001,0,0\n0.001,0,0\n"), 5, Some("t_s"));
    assert!(err.to_string().contains("does not advance"), "{err}");
    let err = refuse(
        "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n-1,0,0\n",
        3,
        Some("t_s"),
    );
    assert!(matches!(err.kind, ErrorKind::NegativeTime { .. }));
}

#[test]
fn rate_disagreeing_with_timestamps() {
    // Declared 1000 Hz, written at 900 Hz: each row 1.11 periods late, never a gap;
    // the fifth row is 0.56 samples behind schedule.
    let mut text = String::from("# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n");
    for i in 0..10 {
        text.push_str(&format!("{:.6},0,0\n", f64::from(i) / 900.0));
    }
    let err = refuse(&text, 8, Some("t_s"));
    assert!(matches!(err.kind, ErrorKind::RateMismatch { .. }), "{err}");
    assert!(err.to_string().contains("sample_rate_hz 1000"), "{err}");
    // Declared 1000 Hz, written at 1250 Hz: rows come early, the fourth 0.6 samples.
    let mut text = String::from("# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n");
    for i in 0..10 {
        text.push_str(&format!("{:.6},0,0\n", f64::from(i) / 1250.0));
    }
    let err = refuse(&text, 6, Some("t_s"));
    assert!(matches!(err.kind, ErrorKind::RateMismatch { .. }), "{err}");
    // Steps of 1.4 periods are no gap, but the second one leaves the row 0.8 behind.
    refuse(
        "# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n0,0,0\n0.0014,0,0\n0.0028,0,0\n",
        5,
        Some("t_s"),
    );
}

#[test]
fn wrong_field_count() {
    let err = refuse(&format!("{HEAD}0.001,0\n"), 4, Some("flow_ml_min"));
    assert!(
        err.to_string().contains("expected 3 fields, found 2"),
        "{err}"
    );
    let err = refuse(&format!("{HEAD}0.001,0,0,7\n"), 4, None);
    assert!(matches!(
        err.kind,
        ErrorKind::FieldCount {
            expected: 3,
            found: 4
        }
    ));
    refuse(&format!("{HEAD}0.001\n"), 4, Some("pressure_mmhg"));
}

#[test]
fn truncated_last_line() {
    let err = refuse(
        &format!("{HEAD}0.001,-12.5,0.3\n0.002,-1"),
        5,
        Some("flow_ml_min"),
    );
    assert!(matches!(
        err.kind,
        ErrorKind::FieldCount {
            expected: 3,
            found: 2
        }
    ));
}

#[test]
fn binary_garbage() {
    let mut bytes = b"# sample_rate_hz: 1000\nt_s,pressure_mmhg,flow_ml_min\n0,0,0\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0x00, b',', 0x9c, b',', 0x01, b'\n']);
    let err = match read_all(&bytes) {
        Err(e) => e,
        Ok(_) => panic!("garbage accepted"),
    };
    assert_eq!((err.line, err.field), (Some(4), Some("t_s")));
    assert!(err.to_string().starts_with(NAME));
    // Garbage instead of the whole file.
    let garbage: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let err = match read_all(&garbage) {
        Err(e) => e,
        Ok(_) => panic!("garbage accepted"),
    };
    assert!(err.line.is_some(), "{err}");
}

#[test]
fn the_iterator_stops_after_an_error() {
    let text = format!("{HEAD}0.001,x,0\n0.002,0,0\n");
    let mut reader = SessionReader::new(text.as_bytes(), NAME).expect("header is fine");
    assert!(matches!(reader.next(), Some(Ok(SessionItem::Row(_)))));
    assert!(matches!(reader.next(), Some(Err(_))));
    assert!(reader.next().is_none());
    assert!(reader.next().is_none());
}

#[test]
fn open_names_a_missing_file() {
    let path = Path::new("/nonexistent/dir/s.csv");
    let err = match SessionReader::open(path) {
        Err(e) => e,
        Ok(_) => panic!("opened a missing file"),
    };
    assert_eq!(err.line, None);
    assert!(
        err.to_string()
            .starts_with("/nonexistent/dir/s.csv: cannot read"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn files_on_disk_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("disk.csv");
    let mut w = SessionWriter::create(&path, 250.0, &[("profile", "relaxed")]).expect("create");
    for i in 0..100 {
        w.write_sample(Sample::new(-(i as f32), i as f32 / 10.0))
            .expect("write");
    }
    w.finish().expect("flush");
    let reader = SessionReader::open(&path).expect("open");
    assert_eq!(reader.sample_rate_hz(), 250.0);
    let items: Result<Vec<_>, _> = reader.collect();
    assert_eq!(items.expect("valid").len(), 100);
}

/// A session file at `declared_hz` whose rows sit at the times `times_s`.
fn rows_at(declared_hz: f64, times_s: impl IntoIterator<Item = f64>) -> String {
    let mut text = format!("# sample_rate_hz: {declared_hz}\nt_s,pressure_mmhg,flow_ml_min\n");
    for t in times_s {
        text.push_str(&format!("{t:.6},-50,0\n"));
    }
    text
}

#[test]
fn a_rate_the_timestamps_contradict_is_an_error_not_gaps() {
    // A 50 Hz recording labelled 100 Hz: each row after the first follows one missing
    // sample; the 16th such row (line 3 + 16) ends the read, naming both rates.
    let text = rows_at(100.0, (0..3000).map(|i| f64::from(i) / 50.0));
    let err = refuse(&text, 19, Some("t_s"));
    assert!(
        matches!(err.kind, ErrorKind::RateContradicted { rows: 16, .. }),
        "{err}"
    );
    let message = err.to_string();
    for words in ["sample_rate_hz 100 Hz", "0.02 s apart", "as at 50 Hz"] {
        assert!(message.contains(words), "{message}");
    }
    // 30 Hz labelled 100 Hz: gaps of 2 and 3 samples by turns; the mean spacing is told.
    let text = rows_at(100.0, (0..100).map(|i| f64::from(i) / 30.0));
    let err = refuse(&text, 19, Some("t_s"));
    assert!(err.to_string().contains("as at 30"), "{err}");
    // Rows closer than the declared period: the mismatch says the rate they come at.
    let text = rows_at(100.0, (0..10).map(|i| f64::from(i) / 200.0));
    let err = refuse(&text, 5, Some("t_s"));
    assert!(err.to_string().contains("as at 200 Hz"), "{err}");
}

#[test]
fn dropouts_between_long_runs_of_rows_stay_gaps() {
    // 15 rows in a row each after a gap (one short of the limit), then regular rows,
    // then 15 more: every gap is reported, nothing refused.
    let mut index = 0u32;
    let mut times = Vec::new();
    for burst in 0..2 {
        for _ in 0..15 {
            index += 2;
            times.push(f64::from(index) / 100.0);
        }
        for _ in 0..(10 * (burst + 1)) {
            index += 1;
            times.push(f64::from(index) / 100.0);
        }
    }
    let text = rows_at(100.0, std::iter::once(0.0).chain(times));
    let (reader, _) = read_all(text.as_bytes()).expect("accepted");
    assert_eq!((reader.stats().gaps, reader.stats().missing), (30, 30));
}

#[test]
fn a_session_starting_long_after_zero_is_refused() {
    let text = rows_at(100.0, (0..10).map(|i| 1e6 + f64::from(i) / 100.0));
    let err = refuse(&text, 3, Some("t_s"));
    assert!(matches!(err.kind, ErrorKind::LateStart { .. }), "{err}");
    assert!(
        err.to_string().contains(
            "the first row is at 1000000 s, but times are seconds since the session start"
        ),
        "{err}"
    );
    // Up to 10 s of start-up dropout is a gap.
    let text = rows_at(100.0, (0..10).map(|i| 10.0 + f64::from(i) / 100.0));
    let (reader, _) = read_all(text.as_bytes()).expect("accepted");
    assert_eq!(reader.stats().missing, 1000);
}

#[test]
fn a_gap_longer_than_a_dropout_is_refused() {
    // A far-off timestamp once read as one gap of 10^12 samples: hours of replay.
    let text = rows_at(1000.0, [0.0, 0.001, 1e9]);
    let err = refuse(&text, 5, Some("t_s"));
    assert!(
        matches!(
            err.kind,
            ErrorKind::GapTooLong {
                previous_s: 0.001,
                t_s: 1e9,
                periods: 999_999_999_999,
                max_s: 600.0,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("longer than the 600 s (10 min) a gap may last"),
        "{err}"
    );
    // Just over the bound is refused; ten minutes of dropout is still a gap.
    refuse(&rows_at(100.0, [0.0, 600.5]), 4, Some("t_s"));
    let ten_minutes = rows_at(100.0, [0.0, 600.0]);
    let (reader, items) = read_all(ten_minutes.as_bytes()).expect("a 600 s gap is accepted");
    assert_eq!(
        gaps(&items).iter().map(|g| g.missing).collect::<Vec<_>>(),
        [59_999]
    );
    assert_eq!(reader.next_index(), 60_001);
    // Counted on the sample clock: 600 000 periods at 1 kHz is ten minutes though the
    // times' difference rounds to 600.0000000000001 s (as the writer writes them back),
    // or is 599.9998 s (jitter within half a period); one period more is refused.
    for times in [[0.0, 598.544, 1198.544], [0.0, 598.5442, 1198.544]] {
        let text = rows_at(1000.0, times);
        let (reader, _) = read_all(text.as_bytes()).expect("600 000 periods are accepted");
        assert_eq!(reader.next_index(), 1_198_545);
    }
    let err = refuse(&rows_at(1000.0, [0.0, 598.5442, 1198.5448]), 5, Some("t_s"));
    assert!(
        err.to_string()
            .contains("600001 sample periods at 1000 Hz (600.001 s) later"),
        "{err}"
    );
}

#[test]
fn bare_cr_line_endings_are_named() {
    // Where the lines run together: the rows, from the header on, the whole file, and a
    // file too long for one line; `\r` before `\n` or at a row's end stays whitespace.
    let run_together = "0,-50,0\r0.01,-50,0\r0.02,-50,0\r";
    let long = rows_at(100.0, (0..5000).map(|i| f64::from(i) / 100.0));
    assert!(long.len() > 64 * 1024, "longer than a line may be");
    let cases = [
        (
            format!("# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n{run_together}"),
            3,
        ),
        (
            format!("# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\r{run_together}"),
            2,
        ),
        (
            format!("# sample_rate_hz: 100\rt_s,pressure_mmhg,flow_ml_min\r{run_together}"),
            1,
        ),
        (long.replace('\n', "\r"), 1),
        (long.replacen('\n', "\r", 5000).replacen('\r', "\n", 2), 3),
    ];
    for (text, line) in cases {
        let err = refuse(&text, line, None);
        assert!(matches!(err.kind, ErrorKind::BareCarriageReturn), "{err}");
        assert_eq!(err.field, None);
        assert!(
            err.to_string().contains(&format!(
                "line {line}: bare CR line endings: lines end in a carriage return (\\r) alone"
            )),
            "{err}"
        );
    }
    let text =
        "# sample_rate_hz: 100\r\nt_s,pressure_mmhg,flow_ml_min\r\n0,-50,0\r\r\n0.01\r,-50,0\r";
    let (_, items) = read_all(text.as_bytes()).expect("CR LF and stray CRs at the ends");
    assert_eq!(rows(&items).len(), 2);
    // A stray `\r` at a field's end does not hide the real fault.
    let text = "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0\r,-50,x\n";
    let err = refuse(text, 3, Some("flow_ml_min"));
    assert!(matches!(err.kind, ErrorKind::NotANumber { .. }), "{err}");
}

#[test]
fn more_metadata_lines_than_kept_are_refused() {
    let mut text = String::from("# sample_rate_hz: 100\n");
    for i in 1..256 {
        text.push_str(&format!("# key_{i}: value\n"));
    }
    let accepted = format!("{text}t_s,pressure_mmhg,flow_ml_min\n0,-50,0\n");
    assert!(
        read_all(accepted.as_bytes()).is_ok(),
        "256 entries are kept"
    );
    text.push_str("# one_more: value\nt_s,pressure_mmhg,flow_ml_min\n0,-50,0\n");
    let err = refuse(&text, 257, None);
    assert!(
        err.to_string()
            .ends_with("more than 256 `# key: value` metadata lines, the most a file may hold"),
        "{err}"
    );
}
