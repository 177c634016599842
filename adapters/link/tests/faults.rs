//! Bad input on the link: each kind of damage drops the frame it hits, is counted under
//! its reason, and the decoder picks up the next good frame.

mod common;

use common::{block, hint, one_of_each, wire};
use letdown_engine::SettingsError;
use letdown_link::crc::crc32c;
use letdown_link::{
    Decoder, DecoderStats, DropReason, Field, Frame, FrameDecoder, FrameError, FrameType, Payload,
    DECODER_CAPACITY, PROTOCOL_VERSION,
};

/// Wire bytes of an arbitrary payload (header + body) with a correct CRC: for frames the
/// encoder would never write.
fn crafted(data: &[u8]) -> Vec<u8> {
    let mut raw = data.to_vec();
    raw.extend_from_slice(&crc32c(data).to_le_bytes());
    let mut out = vec![0u8; corncobs::max_encoded_len(raw.len()) + 1];
    let n = corncobs::encode_buf(&raw, &mut out[1..]);
    out.truncate(n + 1);
    out
}

/// Feeds `bytes`, returning the good frames and the errors in order.
fn feed(decoder: &mut FrameDecoder, bytes: &[u8]) -> (Vec<Frame>, Vec<FrameError>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for r in decoder.frames(bytes) {
        match r {
            Ok(f) => good.push(f),
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

fn good_frame(seq: u16) -> (Frame, Vec<u8>) {
    let payload = Payload::SampleBlock(block(u64::from(seq) * 16, 16));
    (Frame { seq, payload }, wire(seq, payload))
}

fn assert_adds_up(stats: &DecoderStats, bytes: &[u8]) {
    assert_eq!(stats.bytes, bytes.len() as u64);
    assert_eq!(
        stats.delimiters(),
        bytes.iter().filter(|&&b| b == 0).count() as u64
    );
}

#[test]
fn garbage_between_frames_is_dropped_and_counted() {
    let (f1, w1) = good_frame(1);
    let (f2, w2) = good_frame(2);
    // Line noise with and without zeros, and a run of 0xFF that COBS reads as a long run.
    let garbage: &[&[u8]] = &[
        b"\x13\x37\xde\xad\xbe\xef",
        &[0x55, 0x00, 0xAA, 0x00, 0x07, 0x03],
        &[0xFF; 40],
        &[0x00, 0x00, 0x00],
    ];
    for g in garbage {
        let mut stream = w1.clone();
        stream.extend_from_slice(g);
        stream.extend_from_slice(&w2);
        let mut d = FrameDecoder::new();
        let (good, bad) = feed(&mut d, &stream);
        assert_eq!(good, vec![f1, f2], "garbage {g:x?}");
        assert_eq!(bad.len() as u64, d.stats().dropped_total());
        assert_adds_up(d.stats(), &stream);
    }
}

#[test]
fn tuning_in_mid_frame_costs_only_that_frame() {
    let (f1, w1) = good_frame(1);
    let (f2, w2) = good_frame(2);
    for start in 0..w1.len() {
        let mut stream = w1[start..].to_vec();
        stream.extend_from_slice(&w2);
        let mut d = FrameDecoder::new();
        let (good, bad) = feed(&mut d, &stream);
        if start <= 1 {
            // Only the leading delimiter missed: the frame is whole.
            assert_eq!(good, vec![f1, f2]);
        } else {
            assert_eq!(good, vec![f2], "joined at byte {start}");
        }
        assert!(bad.len() <= 1, "at most the partial frame is dropped");
    }
}

#[test]
fn a_truncated_frame_is_dropped_and_the_next_one_decoded() {
    let (f0, w0) = good_frame(0);
    let (f2, w2) = good_frame(2);
    for payload in one_of_each() {
        let w1 = wire(1, payload);
        // Cut anywhere after the leading delimiter and before the closing one (which
        // is lost with the tail; without the closing 0x00 alone the frame is whole).
        for cut in 2..w1.len() - 1 {
            let mut stream = w0.clone();
            stream.extend_from_slice(&w1[..cut]);
            stream.extend_from_slice(&w2);
            let mut d = FrameDecoder::new();
            let (good, bad) = feed(&mut d, &stream);
            assert_eq!(good, vec![f0, f2], "{} cut at {cut}", payload.frame_type());
            assert_eq!(bad.len(), 1);
            let reason = bad[0].reason();
            assert!(
                matches!(
                    reason,
                    DropReason::Cobs | DropReason::TooShort | DropReason::Crc
                ),
                "{reason}"
            );
            assert_eq!(d.stats().dropped(reason), 1);
            assert_adds_up(d.stats(), &stream);
        }
    }
}

#[test]
fn every_single_bit_flip_is_caught_and_costs_one_frame_at_most() {
    let (f0, w0) = good_frame(0);
    let (f2, w2) = good_frame(2);
    let w1 = wire(1, Payload::Hint(hint()));
    for byte in 0..w1.len() {
        for bit in 0..8 {
            let mut hit = w1.clone();
            hit[byte] ^= 1 << bit;
            let mut stream = w0.clone();
            stream.extend_from_slice(&hit);
            stream.extend_from_slice(&w2);
            let mut d = FrameDecoder::new();
            let (good, bad) = feed(&mut d, &stream);
            assert_eq!(good, vec![f0, f2], "flip at byte {byte} bit {bit}");
            // A flip inside the frame drops it (a flip to 0x00 splits it in two bad
            // pieces); a flip of a delimiter makes noise of it that the next 0x00 ends.
            assert!(!bad.is_empty() || byte == 0 || byte == w1.len() - 1);
            assert!(bad.iter().all(|e| e.reason() != DropReason::Field));
            assert_adds_up(d.stats(), &stream);
        }
    }
}

#[test]
fn an_oversize_frame_is_discarded_up_to_its_delimiter() {
    let (f1, w1) = good_frame(1);
    let mut stream = vec![0x42u8; DECODER_CAPACITY + 100];
    stream.push(0);
    stream.extend_from_slice(&w1);
    let mut d = FrameDecoder::new();
    let (good, bad) = feed(&mut d, &stream);
    assert_eq!(good, vec![f1]);
    assert_eq!(
        bad,
        vec![FrameError::Oversize {
            capacity: DECODER_CAPACITY
        }]
    );
    assert_eq!(d.stats().oversize, 1);
    // The bytes beyond the buffer are counted as they come, before their `0x00`.
    assert_eq!(d.stats().oversize_bytes, 100);

    // A smaller decoder drops long frames but keeps short ones.
    let mut small = Decoder::<64>::new();
    let big = wire(5, Payload::SampleBlock(block(0, 64)));
    let short = wire(6, Payload::Hint(hint()));
    let mut stream = big;
    stream.extend_from_slice(&short);
    let results: Vec<_> = small.frames(&stream).collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0], Err(FrameError::Oversize { capacity: 64 }));
    assert_eq!(results[1].map(|f| f.seq), Ok(6));
}

/// A frame with the given header bytes (version, type code, sequence 9) and body, with a
/// correct CRC.
fn with(version: u8, code: u8, body: &[u8]) -> Vec<u8> {
    let mut data = vec![version, code, 9, 0];
    data.extend_from_slice(body);
    crafted(&data)
}

/// A well-formed heartbeat body.
fn hb_body() -> [u8; 4] {
    5000u32.to_le_bytes()
}

/// The fixed part of a sample block body: rate, two gains, first index (count and
/// samples follow).
fn block_body() -> Vec<u8> {
    let mut block_body = vec![0xe8, 0x03];
    block_body.extend_from_slice(&0.01f32.to_le_bytes());
    block_body.extend_from_slice(&0.01f32.to_le_bytes());
    block_body.extend_from_slice(&0u64.to_le_bytes());
    block_body
}

/// A block whose count byte says `count` but which carries `samples` samples (CRC
/// correct).
fn with_count(count: u8, samples: usize) -> Vec<u8> {
    let mut body = block_body();
    body.push(count);
    body.extend(std::iter::repeat_n(0x11u8, samples * 4));
    with(PROTOCOL_VERSION, 0x02, &body)
}

/// A well-formed hint with `bytes` written over its body at `offset`.
fn hint_with(offset: usize, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0u64.to_le_bytes());
    body.extend_from_slice(&[0, 0, 0, 2]);
    for v in [-150.0f32, 110.0, 0.5] {
        body.extend_from_slice(&v.to_le_bytes());
    }
    body[offset..offset + bytes.len()].copy_from_slice(bytes);
    with(PROTOCOL_VERSION, 0x11, &body)
}

/// Settings: stimulation −70 mmHg at 105 cpm, expression −140 at 55, maximum −160.
fn settings_body() -> Vec<u8> {
    [-70.0f32, 105.0, -140.0, 55.0, -160.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

/// The good settings with `value` written over the field at `offset`.
fn settings_with(offset: usize, value: f32) -> Vec<u8> {
    let mut body = settings_body();
    body[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    with(PROTOCOL_VERSION, 0x03, &body)
}

/// Unknown protocol versions and an unknown frame type.
fn header_cases() -> Vec<(Vec<u8>, FrameError)> {
    let hb_body = hb_body();
    vec![
        (
            with(1, 0x20, &hb_body),
            FrameError::UnknownVersion { version: 1 },
        ),
        (
            with(3, 0x20, &hb_body),
            FrameError::UnknownVersion { version: 3 },
        ),
        (
            with(0, 0x20, &hb_body),
            FrameError::UnknownVersion { version: 0 },
        ),
        (
            with(PROTOCOL_VERSION, 0x04, &hb_body),
            FrameError::UnknownType { code: 0x04 },
        ),
    ]
}

/// A short settings body and settings the engine rejects.
fn settings_cases() -> Vec<(Vec<u8>, FrameError)> {
    vec![
        (
            with(PROTOCOL_VERSION, 0x03, &settings_body()[..19]),
            FrameError::BadLength {
                frame_type: FrameType::Settings,
                expected: 20,
                actual: 19,
            },
        ),
        (
            settings_with(8, -170.0),
            FrameError::InvalidField(Field::Settings(SettingsError::ExpressionVacuum)),
        ),
        (
            settings_with(16, f32::NAN),
            FrameError::InvalidField(Field::Settings(SettingsError::MaxVacuum)),
        ),
        (
            settings_with(12, 105.0),
            FrameError::InvalidField(Field::Settings(SettingsError::ExpressionRate)),
        ),
    ]
}

/// Heartbeat and Ack bodies of the wrong length.
fn length_cases() -> Vec<(Vec<u8>, FrameError)> {
    vec![
        (
            with(PROTOCOL_VERSION, 0x20, &[1, 2, 3]),
            FrameError::BadLength {
                frame_type: FrameType::Heartbeat,
                expected: 4,
                actual: 3,
            },
        ),
        (
            // A version-1-sized Ack in a version-2 frame.
            with(PROTOCOL_VERSION, 0x12, &[0; 14]),
            FrameError::BadLength {
                frame_type: FrameType::Ack,
                expected: 70,
                actual: 14,
            },
        ),
    ]
}

/// Sample blocks too short for their header, or whose count disagrees with their
/// samples or the protocol's limits.
fn block_cases() -> Vec<(Vec<u8>, FrameError)> {
    vec![
        (
            with(PROTOCOL_VERSION, 0x02, &[0; 10]),
            FrameError::BadLength {
                frame_type: FrameType::SampleBlock,
                expected: 23,
                actual: 10,
            },
        ),
        (
            // A block whose count says 3 but carries 2 samples (CRC correct).
            with_count(3, 2),
            FrameError::BadLength {
                frame_type: FrameType::SampleBlock,
                expected: 31,
                actual: 27,
            },
        ),
        (
            with_count(0, 0),
            FrameError::InvalidField(Field::SampleCount),
        ),
        (
            with_count(65, 0),
            FrameError::InvalidField(Field::SampleCount),
        ),
        (
            with_count(255, 2),
            FrameError::InvalidField(Field::SampleCount),
        ),
    ]
}

/// Hints with a field out of its range.
fn hint_cases() -> Vec<(Vec<u8>, FrameError)> {
    vec![
        (hint_with(8, &[3]), FrameError::InvalidField(Field::Mode)),
        (hint_with(9, &[9]), FrameError::InvalidField(Field::Reason)),
        (hint_with(10, &[5]), FrameError::InvalidField(Field::Cue)),
        (
            hint_with(12, &f32::NAN.to_le_bytes()),
            FrameError::InvalidField(Field::TargetVacuum),
        ),
        (
            hint_with(12, &(-400f32).to_le_bytes()),
            FrameError::InvalidField(Field::TargetVacuum),
        ),
        (
            hint_with(16, &(-1f32).to_le_bytes()),
            FrameError::InvalidField(Field::Rate),
        ),
        (
            hint_with(20, &f32::INFINITY.to_le_bytes()),
            FrameError::InvalidField(Field::Confidence),
        ),
    ]
}

/// A block whose indices would wrap, then damage below the frame layer: bad COBS and
/// frames too short to hold a header and CRC.
fn index_and_framing_cases() -> Vec<(Vec<u8>, FrameError)> {
    vec![
        (
            // Indices never wrap: 16 samples from 2^64 - 10.
            {
                let mut body = block_body();
                body[10..18].copy_from_slice(&(u64::MAX - 9).to_le_bytes());
                body.push(16);
                body.extend(std::iter::repeat_n(0x11u8, 16 * 4));
                with(PROTOCOL_VERSION, 0x02, &body)
            },
            FrameError::InvalidField(Field::SampleIndex),
        ),
        (vec![0, 0x05, 0x01, 0x02], FrameError::Cobs),
        (vec![0, 0x02, 0x01], FrameError::TooShort { len: 1 }),
        (crafted(&[1, 0x20, 9]), FrameError::TooShort { len: 7 }),
    ]
}

#[test]
fn well_formed_frames_the_decoder_does_not_understand_are_counted_by_reason() {
    let good_hb = with(PROTOCOL_VERSION, 0x20, &hb_body());
    let cases: Vec<(Vec<u8>, FrameError)> = [
        header_cases(),
        settings_cases(),
        length_cases(),
        block_cases(),
        hint_cases(),
        index_and_framing_cases(),
    ]
    .concat();
    assert_eq!(cases.len(), 26, "every case is in the table");
    let mut expected_counts = [0u64; DropReason::ALL.len()];
    let mut d = FrameDecoder::new();
    for (bytes, error) in &cases {
        // Closing 0x00 added by the good heartbeat's leading one.
        let mut stream = bytes.clone();
        stream.extend_from_slice(&good_hb);
        let (good, bad) = feed(&mut d, &stream);
        assert_eq!(bad, vec![*error], "{error}");
        assert_eq!(good.len(), 1, "the next frame decodes after {error}");
        let i = DropReason::ALL
            .iter()
            .position(|&r| r == error.reason())
            .unwrap();
        expected_counts[i] += 1;
    }
    for (reason, expected) in DropReason::ALL.iter().zip(expected_counts) {
        assert_eq!(d.stats().dropped(*reason), expected, "{reason}");
    }
    assert_eq!(d.stats().frames, cases.len() as u64);
    assert_eq!(d.stats().dropped_total(), cases.len() as u64);
}
