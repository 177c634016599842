//! Field-level parsing and formatting shared by the CSV file formats: numbers parsed
//! straight from a record's bytes (no allocation unless the field is bad), fixed-precision
//! numbers written without trailing zeros, header checks, and the CSV reader settings.

use crate::error::ErrorKind;
use std::io::{self, Write};

/// Longest piece of offending text quoted in an error message, characters.
const QUOTE_MAX_CHARS: usize = 60;

/// Text of a bad field for an error message: lossily decoded and shortened.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= QUOTE_MAX_CHARS {
        text.into_owned()
    } else {
        let mut short: String = text.chars().take(QUOTE_MAX_CHARS).collect();
        short.push('…');
        short
    }
}

/// Parses a finite `f64`; empty, non-numeric and non-finite fields are errors.
pub(crate) fn parse_f64(bytes: &[u8]) -> Result<f64, ErrorKind> {
    parse_finite(bytes, f64::is_finite)
}

/// Parses a finite `f32` (a value beyond the `f32` range counts as non-finite).
pub(crate) fn parse_f32(bytes: &[u8]) -> Result<f32, ErrorKind> {
    parse_finite(bytes, f32::is_finite)
}

/// Parses a number that `is_finite` accepts; the error quotes the field.
fn parse_finite<T: std::str::FromStr + Copy>(
    bytes: &[u8],
    is_finite: fn(T) -> bool,
) -> Result<T, ErrorKind> {
    let not_a_number = || ErrorKind::NotANumber { text: quote(bytes) };
    let value: T = std::str::from_utf8(bytes)
        .map_err(|_| not_a_number())?
        .parse()
        .map_err(|_| not_a_number())?;
    if is_finite(value) {
        Ok(value)
    } else {
        Err(ErrorKind::NonFinite { text: quote(bytes) })
    }
}

/// Field `i` of `record` without surrounding ASCII whitespace (a `\r` of a CRLF line
/// included); empty when the record is shorter. Trimming here, by slicing, allocates
/// nothing (the `csv` crate's own trimming rebuilds the record for every row).
pub(crate) fn field(record: &csv::ByteRecord, i: usize) -> &[u8] {
    record.get(i).unwrap_or_default().trim_ascii()
}

/// Whether `text` (a field, or a line without fields) holds a bare `\r`: one inside it,
/// with text on both sides, as when `\r` alone ends lines (classic Mac OS line endings)
/// and what the reader takes for one line is several run together (`1\r0.01`). A `\r`
/// at either end, as before the `\n` of a CR LF line, is whitespace.
pub(crate) fn has_bare_cr(text: &[u8]) -> bool {
    text.trim_ascii().contains(&b'\r')
}

/// Why `record` is refused: its bare `\r` line endings when it has any (whatever broke
/// first, it broke because lines ran together), else `field` and `kind` as found. Called
/// only on the way out with an error, so an accepted row costs nothing more.
pub(crate) fn blame_line_endings(
    record: &csv::ByteRecord,
    field: Option<&'static str>,
    kind: ErrorKind,
) -> (Option<&'static str>, ErrorKind) {
    if record.iter().any(has_bare_cr) {
        (None, ErrorKind::BareCarriageReturn)
    } else {
        (field, kind)
    }
}

/// Whether `bytes` parses as a number (used to tell a missing header from a wrong one).
pub(crate) fn looks_numeric(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| t.parse::<f64>().is_ok())
}

/// Appends `value` rounded to `decimals` places, without trailing zeros or a trailing
/// point, and without a minus sign on zero (`-0.001` at 2 places is written `0`).
pub(crate) fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: usize) {
    let start = out.len();
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{value:.decimals$}");
    if out[start..].contains(&b'.') {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
    }
    if &out[start..] == b"-0" {
        out.truncate(start);
        out.push(b'0');
    }
}

/// Checks a header record against the required column names. On a mismatch returns the
/// first column at fault (`None` when only the count differs) and the error kind.
pub(crate) fn check_header(
    record: &csv::ByteRecord,
    columns: &[&'static str],
    expected: &'static str,
) -> Result<(), (Option<&'static str>, ErrorKind)> {
    header_as_expected(record, columns, expected)
        .map_err(|(field, kind)| blame_line_endings(record, field, kind))
}

/// [`check_header`] before the line endings are blamed.
fn header_as_expected(
    record: &csv::ByteRecord,
    columns: &[&'static str],
    expected: &'static str,
) -> Result<(), (Option<&'static str>, ErrorKind)> {
    if looks_numeric(field(record, 0)) {
        return Err((
            None,
            ErrorKind::MissingHeader {
                expected,
                at_end_of_file: false,
            },
        ));
    }
    let field = columns
        .iter()
        .enumerate()
        .find(|&(i, name)| field(record, i) != name.as_bytes())
        .map(|(_, name)| *name);
    if field.is_none() && record.len() == columns.len() {
        return Ok(());
    }
    Err((
        field,
        ErrorKind::WrongHeader {
            expected,
            found: quote(&join_record(record)),
        },
    ))
}

/// A record's fields joined with commas again (for quoting a wrong header).
fn join_record(record: &csv::ByteRecord) -> Vec<u8> {
    let mut joined = Vec::with_capacity(record.as_slice().len() + record.len());
    for (i, text) in record.iter().enumerate() {
        if i > 0 {
            joined.push(b',');
        }
        joined.extend_from_slice(text.trim_ascii());
    }
    joined
}

/// Converts a CSV-layer error into an error kind.
pub(crate) fn csv_error_kind(error: csv::Error) -> ErrorKind {
    let text = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(e) => ErrorKind::Io(e),
        _ => ErrorKind::Csv(text),
    }
}

/// An `InvalidInput` I/O error for writers handed values the format cannot carry.
pub(crate) fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(v: f64, d: usize) -> String {
        let mut out = Vec::new();
        push_fixed(&mut out, v, d);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn fixed_trims_zeros_and_negative_zero() {
        assert_eq!(fixed(1.5, 4), "1.5");
        assert_eq!(fixed(2.0, 4), "2");
        assert_eq!(fixed(-0.001, 2), "0");
        assert_eq!(fixed(-12.345, 2), "-12.35");
        assert_eq!(fixed(0.0001, 4), "0.0001");
        assert_eq!(fixed(100.0, 0), "100");
    }

    #[test]
    fn a_bare_cr_is_one_inside_the_text() {
        for text in [&b"1\r0.01"[..], b"a\rb", b" x\r\ry ", b"100\rt_s,p,f\r"] {
            assert!(has_bare_cr(text), "{text:?}");
        }
        for text in [&b"1\r\n"[..], b"1\r\r", b"\r1", b" \t\r", b"", b"a"] {
            assert!(!has_bare_cr(text), "{text:?}");
        }
    }

    #[test]
    fn numbers_parse_or_say_why() {
        let not_a_number =
            |r: Result<f64, ErrorKind>| matches!(r, Err(ErrorKind::NotANumber { .. }));
        let non_finite = |r: Result<f64, ErrorKind>| matches!(r, Err(ErrorKind::NonFinite { .. }));
        assert_eq!(parse_f64(b"1.25").ok(), Some(1.25));
        for text in [&b""[..], b"abc"] {
            assert!(not_a_number(parse_f64(text)), "{text:?}");
        }
        for text in [&b"NaN"[..], b"-inf"] {
            assert!(non_finite(parse_f64(text)), "{text:?}");
        }
        assert!(non_finite(parse_f32(b"1e39").map(f64::from)));
        assert!(not_a_number(parse_f32(b"\xff\xfe").map(f64::from)));
    }
}
