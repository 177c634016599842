//! Parquet sessions: what the writer writes the reader gives back exactly, with the same
//! rows and gaps as CSV; every malformed file is refused with file, row group, row,
//! column and reason; no file, however damaged, panics the reader.

use letdown_engine::Sample;
use letdown_io::session_parquet_writer::Codec;
use letdown_io::{
    ErrorKind, ParquetSessionWriter, RowPosition, SessionFileError, SessionItem, SessionReader,
    SessionWriter,
};
use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::data_type::{DoubleType, FloatType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use proptest::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A session with a 3-sample gap at index 5 and odd values (subnormal, huge, negative).
fn samples() -> Vec<Option<Sample>> {
    (0..40)
        .map(|i| match i {
            5..=7 => None,
            9 => Some(Sample::new(f32::MIN_POSITIVE / 2.0, 3.0e38)),
            _ => Some(Sample::new(-100.0 - i as f32 * 0.37, 0.001 * i as f32)),
        })
        .collect()
}

fn read_all(path: &Path) -> Result<Vec<SessionItem>, SessionFileError> {
    SessionReader::open(path)?.collect()
}

#[test]
fn written_sessions_read_back_exactly_with_the_same_items_as_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let meta = [("profile", "typical"), ("seed", "7")];
    let parquet = dir.path().join("s.parquet");
    let csv = dir.path().join("s.csv");
    let mut pw =
        ParquetSessionWriter::create(&parquet, 250.0, &meta, Codec::Snappy).expect("create");
    let mut cw = SessionWriter::create(&csv, 250.0, &meta).expect("create");
    for s in samples() {
        match s {
            Some(s) => {
                pw.write_sample(s).expect("write");
                cw.write_sample(s).expect("write");
            }
            None => {
                pw.skip(1);
                cw.skip(1);
            }
        }
    }
    pw.finish().expect("finish");
    cw.finish().expect("finish");

    let reader = SessionReader::open(&parquet).expect("open");
    assert_eq!(reader.sample_rate_hz(), 250.0);
    let entries = &reader.metadata().entries;
    assert_eq!(entries[0], ("sample_rate_hz".into(), "250".into()));
    assert_eq!(
        entries[1..],
        [
            ("profile".into(), "typical".into()),
            ("seed".into(), "7".into())
        ]
    );
    let items = read_all(&parquet).expect("valid");
    let rows: Vec<Sample> = (items.iter())
        .filter_map(|i| match i {
            SessionItem::Row(r) => Some(r.sample),
            SessionItem::Gap(_) => None,
        })
        .collect();
    let written: Vec<Sample> = samples().into_iter().flatten().collect();
    assert_eq!(rows, written, "samples exact, bit for bit");
    let gaps: Vec<(u64, u64)> = (items.iter())
        .filter_map(|i| match i {
            SessionItem::Gap(g) => Some((g.start_index, g.missing)),
            SessionItem::Row(_) => None,
        })
        .collect();
    assert_eq!(gaps, [(5, 3)]);
    // The CSV copy rounds the values; the indices and gaps are the same.
    let csv_items = read_all(&csv).expect("valid");
    let index = |items: &[SessionItem]| -> Vec<u64> {
        (items.iter())
            .map(|i| match i {
                SessionItem::Row(r) => r.index,
                SessionItem::Gap(g) => g.start_index + 1_000_000,
            })
            .collect()
    };
    assert_eq!(index(&items), index(&csv_items));
}

#[test]
fn row_groups_are_crossed_and_rows_numbered_over_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.parquet");
    let rows = letdown_io::session_parquet_writer::ROW_GROUP_ROWS + 10;
    let codec = Codec::Uncompressed;
    let mut w = ParquetSessionWriter::create(&path, 1000.0, &[("k", "v")], codec).expect("create");
    for i in 0..rows {
        w.write_sample(Sample::new(i as f32, 1.0)).expect("write");
    }
    w.finish().expect("finish");
    let items = read_all(&path).expect("valid");
    assert_eq!(items.len(), rows);
    let SessionItem::Row(last) = items[rows - 1] else {
        panic!("a row")
    };
    assert_eq!((last.index, last.line), (rows as u64 - 1, rows as u64));
    assert_eq!(last.sample.pressure_mmhg, (rows - 1) as f32);
}

/// One column of a hand-made file.
enum Column {
    F64(&'static str, Vec<f64>),
    F32(&'static str, Vec<f32>),
    I64(&'static str, Vec<i64>),
    /// Nullable doubles (`None`: null).
    Nullable(&'static str, Vec<Option<f64>>),
}

/// Writes `groups` (each a list of columns) as row groups of a file with `meta`.
fn write_file(path: &Path, meta: &[(&str, &str)], groups: &[Vec<Column>]) {
    let fields = groups[0]
        .iter()
        .map(|c| {
            let (name, physical, repetition) = match c {
                Column::F64(n, _) => (n, PhysicalType::DOUBLE, Repetition::REQUIRED),
                Column::F32(n, _) => (n, PhysicalType::FLOAT, Repetition::REQUIRED),
                Column::I64(n, _) => (n, PhysicalType::INT64, Repetition::REQUIRED),
                Column::Nullable(n, _) => (n, PhysicalType::DOUBLE, Repetition::OPTIONAL),
            };
            let t = Type::primitive_type_builder(name, physical).with_repetition(repetition);
            Arc::new(t.build().expect("column"))
        })
        .collect();
    let schema = Type::group_type_builder("s")
        .with_fields(fields)
        .build()
        .expect("schema");
    let kv = meta
        .iter()
        .map(|(k, v)| KeyValue::new(k.to_string(), v.to_string()))
        .collect();
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(kv))
        .build();
    let file = File::create(path).expect("create");
    let mut w = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).expect("writer");
    for group in groups {
        let mut g = w.next_row_group().expect("group");
        for column in group {
            let mut c = g.next_column().expect("column").expect("column");
            match column {
                Column::F64(_, v) => c.typed::<DoubleType>().write_batch(v, None, None),
                Column::F32(_, v) => c.typed::<FloatType>().write_batch(v, None, None),
                Column::I64(_, v) => c.typed::<Int64Type>().write_batch(v, None, None),
                Column::Nullable(_, v) => {
                    let values: Vec<f64> = v.iter().flatten().copied().collect();
                    let levels: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    c.typed::<DoubleType>()
                        .write_batch(&values, Some(&levels), None)
                }
            }
            .expect("write");
            c.close().expect("close");
        }
        g.close().expect("close group");
    }
    w.close().expect("close");
}

const RATE: [(&str, &str); 1] = [("sample_rate_hz", "100")];

fn times(n: usize, from: usize) -> Vec<f64> {
    (from..from + n).map(|i| i as f64 / 100.0).collect()
}

fn good_group(n: usize, from: usize) -> Vec<Column> {
    vec![
        Column::F64("t_s", times(n, from)),
        Column::F64("pressure_mmhg", vec![-80.0; n]),
        Column::F64("flow_ml_min", vec![2.0; n]),
    ]
}

/// Reads the file made of `groups` and returns the error it must give.
fn refuse(meta: &[(&str, &str)], groups: &[Vec<Column>]) -> (PathBuf, SessionFileError) {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    let path = dir.join("bad.parquet");
    write_file(&path, meta, groups);
    let error = read_all(&path).expect_err("refused");
    assert_eq!(error.path, path);
    (path, error)
}

#[test]
fn pyarrow_style_files_with_doubles_nullable_columns_and_extra_columns_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("py.parquet");
    let meta = [
        ("ARROW:schema", "xyz"),
        ("sample_rate_hz", "100"),
        ("pandas", "{}"),
        ("profile", "relaxed"),
    ];
    let mut first = good_group(50, 0);
    first.insert(0, Column::I64("other", vec![1; 50]));
    first[2] = Column::Nullable("pressure_mmhg", vec![Some(-1.5); 50]);
    write_file(&path, &meta, &[first]);
    let reader = SessionReader::open(&path).expect("open");
    let keys: Vec<&str> = reader
        .metadata()
        .entries
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        keys,
        ["sample_rate_hz", "profile"],
        "encoding entries left out"
    );
    let items: Vec<SessionItem> = reader.collect::<Result<_, _>>().expect("valid");
    assert_eq!(items.len(), 50);
    assert!(matches!(items[3], SessionItem::Row(r) if r.sample == Sample::new(-1.5, 2.0)));
}

#[test]
fn a_missing_column_is_named_with_the_columns_found() {
    let mut group = good_group(5, 0);
    group.remove(2);
    let (_, e) = refuse(&RATE, &[group]);
    assert_eq!((e.field, e.row), (Some("flow_ml_min"), None));
    let message = e.to_string();
    assert!(
        message.contains("missing column flow_ml_min (the file has: t_s, pressure_mmhg)"),
        "{message}"
    );
}

#[test]
fn a_wrong_type_is_named() {
    let mut group = good_group(5, 0);
    group[1] = Column::I64("pressure_mmhg", vec![1; 5]);
    let (_, e) = refuse(&RATE, &[group]);
    assert_eq!(e.field, Some("pressure_mmhg"));
    assert!(
        matches!(&e.kind, ErrorKind::WrongType { found, .. } if found == "INT64"),
        "{e}"
    );
}

#[test]
fn a_missing_or_bad_rate_is_refused() {
    let (_, e) = refuse(&[("profile", "x")], &[good_group(5, 0)]);
    assert!(
        matches!(
            e.kind,
            ErrorKind::MissingMetadata {
                key: "sample_rate_hz"
            }
        ),
        "{e}"
    );
    assert!(e
        .to_string()
        .contains("no `sample_rate_hz` entry in the file's key-value metadata"));
    let (_, e) = refuse(&[("sample_rate_hz", "-3")], &[good_group(5, 0)]);
    assert!(matches!(e.kind, ErrorKind::InvalidRate { .. }), "{e}");
}

#[test]
fn a_non_finite_value_is_refused_at_its_row_group_and_row() {
    let mut second = good_group(10, 10);
    second[2] = Column::F64(
        "flow_ml_min",
        [vec![1.0; 7], vec![f64::NAN], vec![1.0; 2]].concat(),
    );
    let (path, e) = refuse(&RATE, &[good_group(10, 0), second]);
    assert_eq!(
        e.row,
        Some(RowPosition {
            row_group: 1,
            row: 7
        })
    );
    assert_eq!(e.field, Some("flow_ml_min"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: row group 1, row 7: field flow_ml_min: non-finite number \"NaN\" (NaN and \
             infinities are refused)",
            path.display()
        )
    );
    // A double too large for the engine's f32 is refused like CSV's "1e39".
    let mut group = good_group(4, 0);
    group[1] = Column::F64("pressure_mmhg", vec![-80.0, 1e39, -80.0, -80.0]);
    let (_, e) = refuse(&RATE, &[group]);
    assert_eq!(
        (e.row, e.field),
        (
            Some(RowPosition {
                row_group: 0,
                row: 1
            }),
            Some("pressure_mmhg")
        )
    );
    let text = "non-finite number \"1000000000000000000000000000000000000000\"";
    assert!(e.to_string().contains(text), "{e}");
}

#[test]
fn time_going_backwards_is_refused_across_row_groups() {
    let (_, e) = refuse(&RATE, &[good_group(10, 0), good_group(10, 5)]);
    assert_eq!(
        e.row,
        Some(RowPosition {
            row_group: 1,
            row: 0
        })
    );
    assert!(matches!(e.kind, ErrorKind::TimeNotAdvancing { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("row group 1, row 0: field t_s: time goes backwards"),
        "{e}"
    );
}

#[test]
fn a_null_is_refused_at_its_row() {
    let mut group = good_group(6, 0);
    group[0] = Column::Nullable(
        "t_s",
        vec![
            Some(0.0),
            Some(0.01),
            None,
            Some(0.03),
            Some(0.04),
            Some(0.05),
        ],
    );
    let (_, e) = refuse(&RATE, &[group]);
    assert_eq!(
        (e.row, e.field),
        (
            Some(RowPosition {
                row_group: 0,
                row: 2
            }),
            Some("t_s")
        )
    );
    assert!(matches!(e.kind, ErrorKind::Null), "{e}");
}

#[test]
fn gaps_and_rate_errors_match_the_csv_readers() {
    // Float times with a gap of 4 samples after row 3, then a rate contradiction.
    let t: Vec<f32> = [0.0, 0.01, 0.02, 0.07, 0.08].to_vec();
    let group = vec![
        Column::F32("t_s", t),
        Column::F32("pressure_mmhg", vec![-1.0; 5]),
        Column::F32("flow_ml_min", vec![0.0; 5]),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gap.parquet");
    write_file(&path, &RATE, &[group]);
    let items = read_all(&path).expect("valid");
    let gap = items.iter().find_map(|i| match i {
        SessionItem::Gap(g) => Some((g.start_index, g.missing, g.line)),
        SessionItem::Row(_) => None,
    });
    assert_eq!(gap, Some((3, 4, 4)));

    let every_other: Vec<f64> = (0..40).map(|i| i as f64 * 0.02).collect();
    let group = vec![
        Column::F64("t_s", every_other),
        Column::F64("pressure_mmhg", vec![-1.0; 40]),
        Column::F64("flow_ml_min", vec![0.0; 40]),
    ];
    let (_, e) = refuse(&RATE, &[group]);
    assert!(matches!(e.kind, ErrorKind::RateContradicted { .. }), "{e}");
}

#[test]
fn a_file_that_is_not_parquet_is_refused_with_its_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("text.parquet");
    std::fs::write(&path, "t_s,pressure_mmhg,flow_ml_min\n").expect("write");
    let e = SessionReader::open(&path).err().expect("refused");
    assert!(matches!(e.kind, ErrorKind::Parquet(_)), "{e}");
    assert!(e
        .to_string()
        .starts_with(&format!("{}: malformed Parquet: ", path.display())));
}

/// A small valid file, as bytes.
fn valid_bytes(codec: Codec) -> Vec<u8> {
    let mut w =
        ParquetSessionWriter::new(Vec::new(), 100.0, &[("profile", "x")], codec).expect("new");
    for s in samples().into_iter().flatten() {
        w.write_sample(s).expect("write");
    }
    w.finish().expect("finish")
}

/// Reads `bytes` as a Parquet session to its end or first error.
fn read_bytes(dir: &Path, bytes: &[u8]) -> Result<usize, String> {
    let path = dir.join("fuzz.parquet");
    std::fs::write(&path, bytes).expect("write");
    let reader = SessionReader::open(&path).map_err(|e| e.to_string())?;
    reader.count_ok()
}

trait CountOk {
    fn count_ok(self) -> Result<usize, String>;
}

impl<I: Iterator<Item = Result<SessionItem, SessionFileError>>> CountOk for I {
    fn count_ok(self) -> Result<usize, String> {
        let mut n = 0;
        for item in self {
            item.map_err(|e| e.to_string())?;
            n += 1;
        }
        Ok(n)
    }
}

proptest! {
    #![proptest_config(letdown_test_support::fuzz_config(300))]

    /// Truncated files, flipped bytes and random bytes are refused with the file's name
    /// or read; nothing panics.
    #[test]
    fn damaged_files_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        noise in prop::collection::vec(any::<u8>(), 0..300),
        kind in 0u8..4,
        snappy in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let valid = valid_bytes(if snappy { Codec::Snappy } else { Codec::Uncompressed });
        let bytes = match kind {
            0 => valid[..cut.index(valid.len())].to_vec(),
            1 => {
                let mut b = valid.clone();
                for (at, byte) in &flips {
                    let i = at.index(b.len());
                    b[i] ^= byte | 1;
                }
                b
            }
            2 => {
                // The footer (schema, row groups, offsets) is the last few hundred bytes.
                let mut b = valid.clone();
                let footer = b.len() - b.len().min(400);
                for (at, byte) in &flips {
                    let i = footer + at.index(b.len() - footer);
                    b[i] ^= byte | 1;
                }
                b
            }
            _ => [&b"PAR1"[..], &noise, b"PAR1"].concat(),
        };
        if let Err(e) = read_bytes(dir.path(), &bytes) {
            prop_assert!(e.contains("fuzz.parquet"), "{}", e);
        }
    }
}
