//! Property: no input, however broken, panics a reader; each returns rows or a typed
//! error naming the file.

use letdown_io::detections_csv::parse_detections;
use letdown_io::labels_csv::parse_labels;
use letdown_io::SessionReader;
use proptest::prelude::*;
use std::path::Path;

/// Reads a whole session file, returning the number of items read or the error text.
fn read_session(bytes: &[u8]) -> Result<usize, String> {
    let mut reader = SessionReader::new(bytes, "fuzz.csv").map_err(|e| e.to_string())?;
    let mut n = 0;
    loop {
        match reader.next_item() {
            Ok(Some(_)) => n += 1,
            Ok(None) => return Ok(n),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Bytes biased towards what session files are made of, so the fuzzing gets past the
/// header now and then.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"# sample_rate_hz: 1000\n".to_vec()),
        Just(b"t_s,pressure_mmhg,flow_ml_min\n".to_vec()),
        Just(b"0.001,".to_vec()),
        Just(b"-12.5,".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"1e308".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"#".to_vec()),
        Just(b":".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
        "[0-9.eE+-]{1,12}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = read_session(&bytes) {
            prop_assert!(e.starts_with("fuzz.csv"));
        }
        let _ = parse_labels(&bytes[..], Path::new("fuzz.labels.csv"));
        let _ = parse_detections(&bytes[..], Path::new("fuzz.detections.csv"));
    }

    #[test]
    fn csv_like_bytes_never_panic(bytes in csvish()) {
        if let Err(e) = read_session(&bytes) {
            prop_assert!(e.starts_with("fuzz.csv"));
        }
        let _ = parse_labels(&bytes[..], Path::new("fuzz.labels.csv"));
        let _ = parse_detections(&bytes[..], Path::new("fuzz.detections.csv"));
    }

    #[test]
    fn any_times_never_panic(times in proptest::collection::vec(any::<f64>(), 0..20), rate in any::<f64>()) {
        let mut text = format!("# sample_rate_hz: {rate}\nt_s,pressure_mmhg,flow_ml_min\n");
        for t in times {
            text.push_str(&format!("{t},0,0\n"));
        }
        let _ = read_session(text.as_bytes());
    }
}
