//! Property: a session held as columns reads as the same rows written as a CSV file read
//! back: the same rows and gaps, or the same refusal (field and reason) at the same row;
//! and no columns, however broken, panic the reader.

use letdown_io::session_columns::ColumnsSessionReader;
use letdown_io::{SessionItem, SessionReader};
use proptest::prelude::*;

/// Cases per property (more with `LETDOWN_FUZZ_CASES`).
fn cases() -> u32 {
    std::env::var("LETDOWN_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500)
}

/// What a reader gave: every item, then the refusal's row (from 0), field and reason.
type Read = (
    Vec<SessionItem>,
    Option<(u64, Option<&'static str>, String)>,
);

fn read_all<R: std::io::Read>(
    mut reader: SessionReader<R>,
    row_of_line: impl Fn(u64) -> u64,
) -> Read {
    let mut items = Vec::new();
    loop {
        match reader.next_item() {
            Ok(Some(item)) => items.push(item),
            Ok(None) => return (items, None),
            Err(e) => {
                let at = e.line.map(&row_of_line).or(e.row.map(|r| u64::from(r.row)));
                return (
                    items,
                    Some((at.unwrap_or(u64::MAX), e.field, e.kind.to_string())),
                );
            }
        }
    }
}

fn read_columns(rate: f64, rows: &[(f64, f32, f32)]) -> Read {
    let columns = ColumnsSessionReader::new(
        "columns",
        rate,
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
    )
    .expect("columns of one length at a valid rate");
    let (items, error) = read_all(SessionReader::from_columns(columns), |_| u64::MAX);
    // Rows of columns count lines from 1 in the items, as a file's data lines would not:
    // compare the items without their line.
    (items.into_iter().map(without_line).collect(), error)
}

fn read_csv(rate: f64, rows: &[(f64, f32, f32)]) -> Read {
    // `{}` writes the shortest text that reads back to the same float.
    let mut text = format!("# sample_rate_hz: {rate}\nt_s,pressure_mmhg,flow_ml_min\n");
    for (t, p, f) in rows {
        text.push_str(&format!("{t},{p},{f}\n"));
    }
    let reader = SessionReader::new(text.as_bytes(), "s.csv").expect("a valid header");
    // Data starts on line 3.
    let (items, error) = read_all(reader, |line| line - 3);
    (items.into_iter().map(without_line).collect(), error)
}

fn without_line(item: SessionItem) -> SessionItem {
    match item {
        SessionItem::Row(mut row) => {
            row.line = 0;
            SessionItem::Row(row)
        }
        SessionItem::Gap(mut gap) => {
            gap.line = 0;
            SessionItem::Gap(gap)
        }
    }
}

/// Rows whose times step by whole periods, now and then with jitter, a gap, a stall, a
/// step back or a NaN, and channels now and then not finite.
fn rows() -> impl Strategy<Value = (f64, Vec<(f64, f32, f32)>)> {
    let step = prop_oneof![
        8 => Just(1.0),
        2 => -0.6f64..0.6,
        2 => (2u32..6).prop_map(f64::from),
        1 => Just(0.0),
        1 => Just(-1.0),
        1 => Just(f64::NAN),
        1 => 1.0f64..1e7,
    ];
    let value = prop_oneof![8 => -60.0f32..60.0, 1 => Just(f32::NAN), 1 => Just(f32::INFINITY)];
    let row = (step, value.clone(), value);
    (
        prop_oneof![Just(100.0), Just(1000.0), Just(333.3)],
        -2.0f64..12.0,
        proptest::collection::vec(row, 0..60),
    )
        .prop_map(|(rate, start, steps)| {
            let mut periods = start;
            let rows = steps
                .into_iter()
                .map(|(step, p, f)| {
                    // A step under a period is jitter around the next one.
                    periods += if step.abs() < 1.0 { 1.0 + step } else { step };
                    (periods / rate, p, f)
                })
                .collect();
            (rate, rows)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn columns_read_as_the_same_rows_in_a_csv_file((rate, rows) in rows()) {
        let columns = read_columns(rate, &rows);
        let csv = read_csv(rate, &rows);
        prop_assert_eq!(columns, csv);
    }

    #[test]
    fn any_columns_never_panic(
        rate in prop_oneof![Just(f64::NAN), Just(0.0), Just(-5.0), 1e-3f64..1e7],
        t_s in proptest::collection::vec(any::<f64>(), 0..40),
        values in proptest::collection::vec(any::<f32>(), 0..40),
    ) {
        let n = t_s.len().min(values.len());
        if let Ok(columns) =
            ColumnsSessionReader::new("c", rate, t_s[..n].to_vec(), values[..n].to_vec(), values[..n].to_vec())
        {
            let (items, _) = read_all(SessionReader::from_columns(columns), |_| 0);
            prop_assert!(items.len() <= 2 * n);
        }
    }
}
