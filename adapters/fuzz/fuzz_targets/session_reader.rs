//! libFuzzer target: the session CSV reader on any bytes.
//!
//! The first input byte says how the file arrives (reads of 1 … 16 bytes); the rest is
//! the file. It is read whole and in those pieces. Asserts: no panic; every error names
//! the file and a line; rows have finite values, increasing finite times, indices within
//! half a sample of `t_s × rate`, each gap is followed by its row; the counts add up;
//! nothing comes after the end or an error; both ways of reading give the same outcome.
#![no_main]

use letdown_io::{SessionItem, SessionReader};
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};

const PATH: &str = "fuzz/session.csv";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Hands out `data` `size` bytes at a time.
struct Pieces<'a> {
    data: &'a [u8],
    size: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[derive(Debug, PartialEq)]
struct Outcome {
    items: Vec<SessionItem>,
    error: Option<String>,
}

fn check_error(e: &letdown_io::SessionFileError) -> String {
    let message = e.to_string();
    assert!(message.starts_with(&format!("{PATH}: ")), "{message}");
    let line = e.line.expect("in-memory input: every error has a line");
    assert!(
        line >= 1 && message.contains(&format!(": line {line}")),
        "{message}"
    );
    if let Some(field) = e.field {
        assert!(message.contains(&format!(": field {field}: ")), "{message}");
    }
    message
}

fn read(source: impl Read) -> Outcome {
    let mut reader = match SessionReader::new(source, PATH) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                items: Vec::new(),
                error: Some(check_error(&e)),
            }
        }
    };
    let rate = reader.sample_rate_hz();
    assert!(rate.is_finite() && rate > 0.0);
    let mut items = Vec::new();
    let (mut rows, mut gaps, mut missing, mut next) = (0u64, 0u64, 0u64, 0u64);
    let mut last_t: Option<f64> = None;
    let mut pending: Option<letdown_io::Gap> = None;
    let error = loop {
        match reader.next_item() {
            Ok(Some(SessionItem::Row(r))) => {
                rows += 1;
                assert!(r.t_s.is_finite() && r.t_s >= 0.0);
                assert!(r.sample.pressure_mmhg.is_finite() && r.sample.flow_ml_min.is_finite());
                match pending.take() {
                    Some(g) => assert_eq!(r.index, g.start_index + g.missing),
                    None => assert_eq!(r.index, next),
                }
                if let Some(t) = last_t {
                    assert!(r.t_s > t);
                }
                let drift = r.t_s * rate - r.index as f64;
                assert!(drift.abs() <= 0.5 + 1e-9 * (r.index as f64).max(1.0));
                assert_eq!(reader.stats().rows, rows);
                next = r.index + 1;
                last_t = Some(r.t_s);
                items.push(SessionItem::Row(r));
            }
            Ok(Some(SessionItem::Gap(g))) => {
                assert!(pending.is_none() && g.missing >= 1 && g.start_index == next);
                gaps += 1;
                missing += g.missing;
                pending = Some(g);
                items.push(SessionItem::Gap(g));
            }
            Ok(None) => break None,
            Err(e) => break Some(check_error(&e)),
        }
    };
    assert!(pending.is_none());
    let stats = reader.stats();
    assert_eq!(
        (stats.rows, stats.gaps, stats.missing),
        (rows, gaps, missing)
    );
    assert_eq!(reader.next_index(), next);
    assert!(matches!(reader.next_item(), Ok(None)));
    assert!(reader.next().is_none());
    assert_eq!(reader.stats(), stats);
    Outcome { items, error }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let whole = read(bytes);
    let pieces = read(Pieces {
        data: bytes,
        size: usize::from(mode % 16) + 1,
    });
    // A BOM after the start may be dropped by csv-core only when its first read holds it.
    let inner_bom = bytes
        .get(1..)
        .is_some_and(|b| b.windows(3).any(|w| w == BOM));
    if !inner_bom {
        assert_eq!(whole, pieces);
    }
});
