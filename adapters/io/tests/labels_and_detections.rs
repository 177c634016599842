//! Label files and detection files: round trips, and every broken kind refused with a
//! message naming the file, the line and the field.

use letdown_datasets::labels::Ejection;
use letdown_engine::{ControlHint, Event, EventKind, Mode, Reason};
use letdown_io::detections_csv::{
    parse_detections, read_detections, write_detections, Detection, DetectionKind,
};
use letdown_io::labels_csv::parse_labels;
use letdown_io::{read_labels, write_labels, ErrorKind, SessionFileError};
use std::path::Path;

const LABELS: &str = "s/a.labels.csv";
const DETECTIONS: &str = "s/a.detections.csv";

fn check(err: &SessionFileError, name: &str, line: u64, field: Option<&str>) {
    let message = err.to_string();
    assert!(message.starts_with(name), "{message}");
    assert_eq!(err.line, Some(line), "{message}");
    assert!(message.contains(&format!("line {line}:")), "{message}");
    if let Some(field) = field {
        assert_eq!(err.field, Some(field), "{message}");
        assert!(message.contains(&format!("field {field}:")), "{message}");
    }
}

fn refuse_labels(text: &str, line: u64, field: Option<&str>) -> SessionFileError {
    match parse_labels(text.as_bytes(), Path::new(LABELS)) {
        Ok(l) => panic!("accepted {text:?}: {l:?}"),
        Err(e) => {
            check(&e, LABELS, line, field);
            e
        }
    }
}

fn refuse_detections(text: &str, line: u64, field: Option<&str>) -> SessionFileError {
    match parse_detections(text.as_bytes(), Path::new(DETECTIONS)) {
        Ok(d) => panic!("accepted {text:?}: {d:?}"),
        Err(e) => {
            check(&e, DETECTIONS, line, field);
            e
        }
    }
}

fn ejection(onset_s: f64, end_s: f64, visible_s: Option<f64>) -> Ejection {
    Ejection {
        onset_s,
        end_s,
        visible_s,
    }
}

#[test]
fn labels_with_and_without_visible() {
    let two = parse_labels(
        &b"onset_s,end_s\n90.5,180\n300,400.25\n"[..],
        Path::new(LABELS),
    );
    assert_eq!(
        two.expect("valid"),
        [ejection(90.5, 180.0, None), ejection(300.0, 400.25, None)]
    );
    let three = parse_labels(
        &b"onset_s,end_s,visible_s\n90.5,180,96\n300,400.25,\n"[..],
        Path::new(LABELS),
    );
    assert_eq!(
        three.expect("valid"),
        [
            ejection(90.5, 180.0, Some(96.0)),
            ejection(300.0, 400.25, None)
        ]
    );
    let none = parse_labels(&b"onset_s,end_s\n"[..], Path::new(LABELS));
    assert_eq!(
        none.expect("header only is a session without ejections"),
        []
    );
}

#[test]
fn labels_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    for labels in [
        vec![],
        vec![ejection(1.25, 70.5, None), ejection(200.0, 260.125, None)],
        vec![
            ejection(95.123456, 180.0, Some(99.5)),
            ejection(400.0, 460.0, None),
        ],
    ] {
        let path = dir.path().join("r.labels.csv");
        let file = std::fs::File::create(&path).expect("create");
        write_labels(file, &labels).expect("write");
        assert_eq!(read_labels(&path).expect("read back"), labels);
    }
    let mut out = Vec::new();
    assert!(write_labels(&mut out, &[ejection(5.0, 4.0, None)]).is_err());
    assert!(write_labels(
        &mut out,
        &[ejection(5.0, 9.0, None), ejection(1.0, 9.0, None)]
    )
    .is_err());
    assert!(write_labels(&mut out, &[ejection(f64::NAN, 9.0, None)]).is_err());
}

#[test]
fn labels_broken_in_each_way() {
    let e = refuse_labels("", 1, None);
    assert!(matches!(e.kind, ErrorKind::Empty));
    let e = refuse_labels("90,180\n", 1, None);
    assert!(matches!(e.kind, ErrorKind::MissingHeader { .. }));
    refuse_labels("onset_s,stop_s\n", 1, Some("end_s"));
    refuse_labels("start,end_s\n90,180\n", 1, Some("onset_s"));
    refuse_labels("onset_s,end_s,visible_s,peak\n", 1, None);
    let e = refuse_labels("onset_s,end_s\n90,abc\n", 2, Some("end_s"));
    assert!(matches!(e.kind, ErrorKind::NotANumber { .. }));
    let e = refuse_labels("onset_s,end_s\n90,180\nNaN,400\n", 3, Some("onset_s"));
    assert!(matches!(e.kind, ErrorKind::NonFinite { .. }));
    refuse_labels(
        "onset_s,end_s,visible_s\n90,180,inf\n",
        2,
        Some("visible_s"),
    );
    let e = refuse_labels("onset_s,end_s\n190,180\n", 2, Some("end_s"));
    assert!(matches!(e.kind, ErrorKind::OnsetAfterEnd { .. }));
    assert!(
        e.to_string()
            .contains("end_s 180 s is not after onset_s 190 s"),
        "{e}"
    );
    let e = refuse_labels("onset_s,end_s\n300,400\n90,180\n", 3, Some("onset_s"));
    assert!(matches!(e.kind, ErrorKind::OutOfOrder { .. }));
    refuse_labels("onset_s,end_s\n90,180\n90,200\n", 3, Some("onset_s"));
    let e = refuse_labels("onset_s,end_s,visible_s\n90,180,80\n", 2, Some("visible_s"));
    assert!(matches!(e.kind, ErrorKind::VisibleBeforeOnset { .. }));
    refuse_labels("onset_s,end_s\n-5,180\n", 2, Some("onset_s"));
    let e = refuse_labels("onset_s,end_s\n90\n", 2, Some("end_s"));
    assert!(matches!(
        e.kind,
        ErrorKind::FieldCount {
            expected: 2,
            found: 1
        }
    ));
    refuse_labels("onset_s,end_s\n90,180,95\n", 2, None);
    // Truncated last line, no final newline.
    refuse_labels("onset_s,end_s\n90,180\n300", 3, Some("end_s"));
    // Binary garbage.
    let e = match parse_labels(&b"onset_s,end_s\n\xff\xfe,\x00\n"[..], Path::new(LABELS)) {
        Err(e) => e,
        Ok(_) => panic!("garbage accepted"),
    };
    check(&e, LABELS, 2, Some("onset_s"));
    let e = match read_labels("/nonexistent/x.labels.csv") {
        Err(e) => e,
        Ok(_) => panic!("missing file read"),
    };
    assert!(e
        .to_string()
        .starts_with("/nonexistent/x.labels.csv: cannot read"));
}

#[test]
fn detections_round_trip_and_from_events() {
    let hint = ControlHint {
        sample_index: 95_300,
        mode: Mode::Expression,
        target_vacuum_mmhg: -180.0,
        rate_cpm: 60.0,
        ramp_cycles: 2,
        reason: Reason::LetdownDetected,
        confidence: 0.9,
        cue: None,
    };
    let onset = Event {
        sample_index: 95_300,
        kind: EventKind::Onset,
        reason: Reason::LetdownDetected,
        confidence: 0.9,
        hint: Some(hint),
    };
    let end = Event {
        sample_index: 180_001,
        kind: EventKind::End,
        reason: Reason::FlowFaded,
        confidence: 0.75,
        hint: None,
    };
    let cue = Event {
        kind: EventKind::Hint,
        reason: Reason::LateLetdownCue,
        ..end
    };
    assert!(Detection::from_event(&cue, 1000.0).is_none());
    let detections: Vec<Detection> = [onset, end]
        .iter()
        .filter_map(|e| Detection::from_event(e, 1000.0))
        .collect();
    assert_eq!(detections[0].t_s, 95.3);
    assert_eq!(detections[1].kind, DetectionKind::End);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a.detections.csv");
    let file = std::fs::File::create(&path).expect("create");
    write_detections(file, 1000.0, &detections).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "t_s,kind,reason,confidence\n95.3,onset,letdown_detected,0.9\n\
         180.001,end,flow_faded,0.75\n"
    );
    assert_eq!(read_detections(&path).expect("read back"), detections);
}

#[test]
fn detections_broken_in_each_way() {
    const H: &str = "t_s,kind,reason,confidence\n";
    refuse_detections("", 1, None);
    refuse_detections("t_s,kind,why,confidence\n", 1, Some("reason"));
    let e = refuse_detections(
        &format!("{H}95,start,letdown_detected,0.9\n"),
        2,
        Some("kind"),
    );
    assert!(e.to_string().contains("\"start\""), "{e}");
    refuse_detections(&format!("{H}95,onset,magic,0.9\n"), 2, Some("reason"));
    refuse_detections(
        &format!("{H}95,onset,letdown_detected,1.5\n"),
        2,
        Some("confidence"),
    );
    refuse_detections(
        &format!("{H}95,onset,letdown_detected,NaN\n"),
        2,
        Some("confidence"),
    );
    refuse_detections(
        &format!("{H}x,onset,letdown_detected,0.5\n"),
        2,
        Some("t_s"),
    );
    refuse_detections(
        &format!("{H}95,onset,letdown_detected,0.5\n90,end,flow_faded,0.5\n"),
        3,
        Some("t_s"),
    );
    refuse_detections(
        &format!("{H}95,onset,letdown_detected\n"),
        2,
        Some("confidence"),
    );
}

/// Hands out a byte string `size` bytes per read, as a pipe or a serial line may.
struct Trickle<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// A byte order mark split over short reads is still a BOM, for labels and detections
/// as for sessions (found by the reader fuzzer: "wrong header" or "the file is empty").
#[test]
fn bare_cr_line_endings_are_named_in_labels_and_detections() {
    for (text, line) in [
        ("onset_s,end_s\r1,2\r3,4\r", 1),
        ("onset_s,end_s\n1,2\r3,4\r", 2),
    ] {
        let err = refuse_labels(text, line, None);
        assert!(matches!(err.kind, ErrorKind::BareCarriageReturn), "{err}");
    }
    let text = "t_s,kind,reason,confidence\n1,onset,letdown,0.9\r2,end,flow_faded,0.8\n";
    let err = refuse_detections(text, 2, None);
    assert!(matches!(err.kind, ErrorKind::BareCarriageReturn), "{err}");
    assert!(err.to_string().contains("bare CR line endings"), "{err}");
}

#[test]
fn bom_split_over_short_reads_is_dropped() {
    let labels = b"\xEF\xBB\xBFonset_s,end_s\n10,60\n";
    let detections = b"\xEF\xBB\xBFt_s,kind,reason,confidence\n12.5,onset,letdown_detected,0.9\n";
    for size in 1..=4 {
        let l = parse_labels(
            Trickle {
                bytes: labels,
                size,
            },
            Path::new(LABELS),
        )
        .unwrap_or_else(|e| panic!("reads of {size}: {e}"));
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].onset_s, l[0].end_s), (10.0, 60.0));
        let d = parse_detections(
            Trickle {
                bytes: detections,
                size,
            },
            Path::new(DETECTIONS),
        )
        .unwrap_or_else(|e| panic!("reads of {size}: {e}"));
        assert_eq!(d.len(), 1);
    }
}

/// Labels closer together than the file's 6 decimal places are refused by the writer
/// instead of written as a file its own reader then refuses (found by the reader fuzzer).
#[test]
fn labels_that_round_together_are_refused_by_the_writer() {
    let close = [
        Ejection {
            onset_s: 1.000_000_1,
            end_s: 50.0,
            visible_s: None,
        },
        Ejection {
            onset_s: 1.000_000_2,
            end_s: 60.0,
            visible_s: None,
        },
    ];
    let mut out = Vec::new();
    let e = write_labels(&mut out, &close).expect_err("refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    let apart = [
        close[0],
        Ejection {
            onset_s: 1.000_002,
            ..close[1]
        },
    ];
    let mut out = Vec::new();
    write_labels(&mut out, &apart).expect("written");
    let back = parse_labels(&out[..], Path::new(LABELS)).expect("read back");
    assert_eq!(back.len(), 2);
}

#[test]
fn files_holding_more_rows_than_kept_are_refused_at_the_first_too_many() {
    let mut labels = String::from("onset_s,end_s\n");
    let mut detections = String::from("t_s,kind,reason,confidence\n");
    for i in 0..=100_000u32 {
        labels.push_str(&format!("{i},{i}.5\n"));
        detections.push_str(&format!("{i},onset,letdown_detected,0.9\n"));
    }
    let err = refuse_labels(&labels, 100_002, None);
    assert!(
        err.to_string()
            .ends_with("more than 100000 labelled ejections, the most a file may hold"),
        "{err}"
    );
    let err = refuse_detections(&detections, 100_002, None);
    assert!(
        matches!(
            err.kind,
            ErrorKind::TooMany {
                max: 100_000,
                what: "detections"
            }
        ),
        "{err}"
    );
    // One row fewer is read whole.
    let cut = |text: &str| text[..text.trim_end().rfind('\n').expect("rows") + 1].to_owned();
    let labels = parse_labels(cut(&labels).as_bytes(), Path::new("l")).expect("accepted");
    assert_eq!(labels.len(), 100_000);
    let detections = parse_detections(cut(&detections).as_bytes(), Path::new("d"));
    assert_eq!(detections.expect("accepted").len(), 100_000);
}
