//! libFuzzer target: the labels reader on any bytes.
//!
//! The first input byte says how the file arrives (reads of 1 … 16 bytes; at least 4
//! when the file starts with a BOM, which csv-core only drops when its first read holds
//! it and more); the rest is the file. Asserts: no panic; every error names the file and a
//! line; accepted labels are finite, ≥ 0, in increasing onset order, each ending after its
//! onset and visible no earlier than it; both ways of reading agree.
#![no_main]

use letdown_io::labels_csv::parse_labels;
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};
use std::path::Path;

const PATH: &str = "fuzz/session.labels.csv";

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

fn read(source: impl Read) -> Result<Vec<(f64, f64, Option<f64>)>, String> {
    match parse_labels(source, Path::new(PATH)) {
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with(&format!("{PATH}: ")), "{message}");
            let line = e.line.expect("in-memory input: every error has a line");
            assert!(message.contains(&format!(": line {line}")), "{message}");
            Err(message)
        }
        Ok(labels) => {
            for (i, l) in labels.iter().enumerate() {
                assert!(l.onset_s.is_finite() && l.onset_s >= 0.0);
                assert!(l.end_s.is_finite() && l.end_s > l.onset_s);
                assert!(l.visible_s.is_none_or(|v| v.is_finite() && v >= l.onset_s));
                assert!(i == 0 || l.onset_s > labels[i - 1].onset_s);
            }
            Ok(labels
                .iter()
                .map(|l| (l.onset_s, l.end_s, l.visible_s))
                .collect())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let mut size = usize::from(mode % 16) + 1;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        size = size.max(4);
    }
    assert_eq!(read(bytes), read(Pieces { data: bytes, size }));
});
