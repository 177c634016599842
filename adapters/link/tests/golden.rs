//! Exact bytes on the wire, checked against vectors built independently of this crate by
//! `golden_vectors.py` (beside this file: its own bitwise CRC-32C and COBS, from the layout
//! tables in the crate docs), and the CRC's reference value.

mod common;

use common::{settings, wire};
use letdown_engine::{ControlHint, Mode, Reason};
use letdown_link::crc::crc32c;
use letdown_link::{
    encode, parse_payload, write_payload, Ack, Frame, FrameDecoder, Heartbeat, Hello, Payload,
    RawSample, SampleBlock, StreamConfig, MAX_PAYLOAD_LEN,
};

// Output of `python3 adapters/link/tests/golden_vectors.py`.
const BLOCK_PAYLOAD: [u8; 35] = [
    0x02, 0x02, 0x07, 0x00, 0xe8, 0x03, 0x0a, 0xd7, 0x23, 0x3c, 0x0a, 0xd7, 0x23, 0x3c, 0xe8, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc7, 0xcf, 0xfa, 0x00, 0x00, 0x80, 0x00, 0x00, 0x10,
    0xb3, 0x6b, 0x52,
];
const BLOCK_WIRE: [u8; 38] = [
    0x00, 0x04, 0x02, 0x02, 0x07, 0x0d, 0xe8, 0x03, 0x0a, 0xd7, 0x23, 0x3c, 0x0a, 0xd7, 0x23, 0x3c,
    0xe8, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x05, 0x02, 0xc7, 0xcf, 0xfa, 0x01, 0x02, 0x80, 0x01,
    0x05, 0x10, 0xb3, 0x6b, 0x52, 0x00,
];
const HINT_PAYLOAD: [u8; 32] = [
    0x02, 0x11, 0x00, 0x01, 0x90, 0x5f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x34, 0xc3, 0x00, 0x00, 0x70, 0x42, 0x00, 0x00, 0x40, 0x3f, 0x4d, 0xa0, 0xbe, 0xbb,
];
const HINT_WIRE: [u8; 35] = [
    0x00, 0x03, 0x02, 0x11, 0x05, 0x01, 0x90, 0x5f, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
    0x02, 0x02, 0x01, 0x03, 0x34, 0xc3, 0x01, 0x03, 0x70, 0x42, 0x01, 0x07, 0x40, 0x3f, 0x4d, 0xa0,
    0xbe, 0xbb, 0x00,
];

const SETTINGS_PAYLOAD: [u8; 28] = [
    0x02, 0x03, 0x03, 0x00, 0x00, 0x00, 0x8c, 0xc2, 0x00, 0x00, 0xd2, 0x42, 0x00, 0x00, 0x0c, 0xc3,
    0x00, 0x00, 0x5c, 0x42, 0x00, 0x00, 0x20, 0xc3, 0x3d, 0x7d, 0xf2, 0xa3,
];
const SETTINGS_WIRE: [u8; 31] = [
    0x00, 0x04, 0x02, 0x03, 0x03, 0x01, 0x01, 0x03, 0x8c, 0xc2, 0x01, 0x03, 0xd2, 0x42, 0x01, 0x03,
    0x0c, 0xc3, 0x01, 0x03, 0x5c, 0x42, 0x01, 0x07, 0x20, 0xc3, 0x3d, 0x7d, 0xf2, 0xa3, 0x00,
];

fn golden_block() -> Frame {
    let config = StreamConfig::new(1000, 0.01, 0.01);
    let samples = [
        RawSample::new(-12345, 250),
        RawSample::new(RawSample::MISSING, 0),
    ];
    Frame {
        seq: 7,
        payload: Payload::SampleBlock(SampleBlock::from_samples(config, 1000, &samples).unwrap()),
    }
}

fn golden_hint() -> Frame {
    Frame {
        seq: 0x0100,
        payload: Payload::Hint(ControlHint {
            sample_index: 90_000,
            mode: Mode::Expression,
            target_vacuum_mmhg: -180.0,
            rate_cpm: 60.0,
            ramp_cycles: 2,
            reason: Reason::LetdownDetected,
            confidence: 0.75,
            cue: None,
        }),
    }
}

#[test]
fn crc32c_reference_values() {
    // The catalogue's check value for CRC-32C (iSCSI, RFC 3720 B.4).
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    // RFC 3720 B.4: 32 bytes of zeros, of 0xFF, and an ascending 0..=31 run.
    assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
    assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
    let ascending: Vec<u8> = (0..32).collect();
    assert_eq!(crc32c(&ascending), 0x46DD_794E);
    assert_eq!(crc32c(&[]), 0);
}

#[test]
fn sample_block_bytes_match_the_spec() {
    let frame = golden_block();
    let mut raw = [0u8; MAX_PAYLOAD_LEN];
    let n = write_payload(&frame, &mut raw).unwrap();
    assert_eq!(raw[..n], BLOCK_PAYLOAD, "payload (before COBS)");
    assert_eq!(wire(frame.seq, frame.payload), BLOCK_WIRE, "wire bytes");
    // Field by field, against the crate docs' table.
    assert_eq!(BLOCK_PAYLOAD[0], 2, "version");
    assert_eq!(BLOCK_PAYLOAD[1], 0x02, "type SampleBlock");
    assert_eq!(BLOCK_PAYLOAD[2..4], 7u16.to_le_bytes(), "seq");
    assert_eq!(BLOCK_PAYLOAD[4..6], 1000u16.to_le_bytes(), "rate");
    assert_eq!(BLOCK_PAYLOAD[6..10], 0.01f32.to_le_bytes(), "pressure LSB");
    assert_eq!(BLOCK_PAYLOAD[10..14], 0.01f32.to_le_bytes(), "flow LSB");
    assert_eq!(
        BLOCK_PAYLOAD[14..22],
        1000u64.to_le_bytes(),
        "first sample index"
    );
    assert_eq!(BLOCK_PAYLOAD[22], 2, "count");
    assert_eq!(
        BLOCK_PAYLOAD[23..27],
        [0xc7, 0xcf, 0xfa, 0x00],
        "-12345, 250"
    );
    assert_eq!(
        BLOCK_PAYLOAD[27..31],
        [0x00, 0x80, 0x00, 0x00],
        "no reading, 0"
    );
    assert_eq!(
        BLOCK_PAYLOAD[31..35],
        crc32c(&BLOCK_PAYLOAD[..31]).to_le_bytes(),
        "CRC"
    );
}

#[test]
fn hint_bytes_match_the_spec() {
    let frame = golden_hint();
    let mut raw = [0u8; MAX_PAYLOAD_LEN];
    let n = write_payload(&frame, &mut raw).unwrap();
    assert_eq!(raw[..n], HINT_PAYLOAD, "payload (before COBS)");
    assert_eq!(wire(frame.seq, frame.payload), HINT_WIRE, "wire bytes");
    assert_eq!(
        HINT_PAYLOAD[12..16],
        [1, 0, 0, 2],
        "mode, reason, cue, ramp"
    );
    assert_eq!(
        HINT_PAYLOAD[16..20],
        (-180.0f32).to_le_bytes(),
        "target vacuum"
    );
}

#[test]
fn settings_bytes_match_the_spec() {
    let frame = Frame {
        seq: 3,
        payload: Payload::Settings(settings()),
    };
    let mut raw = [0u8; MAX_PAYLOAD_LEN];
    let n = write_payload(&frame, &mut raw).unwrap();
    assert_eq!(raw[..n], SETTINGS_PAYLOAD, "payload (before COBS)");
    assert_eq!(wire(frame.seq, frame.payload), SETTINGS_WIRE, "wire bytes");
    assert_eq!(parse_payload(&SETTINGS_PAYLOAD), Ok(frame));
}

#[test]
fn golden_vectors_decode() {
    assert_eq!(parse_payload(&BLOCK_PAYLOAD), Ok(golden_block()));
    assert_eq!(parse_payload(&HINT_PAYLOAD), Ok(golden_hint()));
    let mut stream = BLOCK_WIRE.to_vec();
    stream.extend_from_slice(&HINT_WIRE);
    let mut decoder = FrameDecoder::new();
    let frames: Vec<_> = decoder.frames(&stream).collect();
    assert_eq!(frames, vec![Ok(golden_block()), Ok(golden_hint())]);
}

/// The "Test vectors" of the crate docs: `name: hex …` lines.
fn doc_vectors() -> Vec<(String, Vec<u8>)> {
    let docs = include_str!("../src/lib.rs");
    let start = docs
        .find("//! ## Test vectors")
        .expect("a Test vectors section");
    docs[start..]
        .lines()
        .filter_map(|l| {
            let (name, hex) = l.strip_prefix("//! ")?.split_once(": ")?;
            let bytes: Option<Vec<u8>> = hex
                .split(' ')
                .map(|b| u8::from_str_radix(b, 16).ok().filter(|_| b.len() == 2))
                .collect();
            Some((name.to_string(), bytes?))
        })
        .collect()
}

/// The frames the docs describe for each vector.
fn described(name: &str) -> Frame {
    let config = StreamConfig::new(1000, 0.01, 0.01);
    match name {
        "hello" => Frame {
            seq: 0,
            payload: Payload::Hello(Hello {
                config,
                max_samples_per_block: 16,
                next_sample_index: 0,
            }),
        },
        "sample_block" => golden_block(),
        "settings" => Frame {
            seq: 3,
            payload: Payload::Settings(settings()),
        },
        "hint" => golden_hint(),
        "ack" => Frame {
            seq: 42,
            payload: Payload::Ack(Ack {
                last_seq: 7,
                frames_received: 8,
                frames_dropped: 1,
                samples_missing: 16,
                samples_overrun: 0,
                samples_discarded: 0,
                oversize_bytes: 0,
                next_sample_index: 1002,
                spare_samples: 4064,
                dropped_by_reason: [0, 0, 0, 1, 0, 0, 0, 0],
            }),
        },
        "heartbeat" => Frame {
            seq: 9,
            payload: Payload::Heartbeat(Heartbeat { uptime_ms: 123_456 }),
        },
        other => panic!("the docs describe no vector {other}"),
    }
}

#[test]
fn the_docs_test_vectors_decode_and_encode_byte_for_byte() {
    let vectors = doc_vectors();
    let names: Vec<&str> = vectors.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "hello",
            "sample_block",
            "settings",
            "hint",
            "ack",
            "heartbeat"
        ],
        "one vector per frame type"
    );
    for (name, bytes) in &vectors {
        let expected = described(name);
        let mut decoder = FrameDecoder::new();
        let frames: Vec<_> = decoder.frames(bytes).collect();
        assert_eq!(frames, vec![Ok(expected)], "{name} decodes");
        let mut buf = [0u8; letdown_link::MAX_FRAME_LEN];
        let n = encode(&expected, &mut buf).unwrap();
        assert_eq!(&buf[..n], bytes.as_slice(), "{name} encodes");
    }
    // The CRC's byte order, as the docs say: least significant byte first.
    assert_eq!(crc32c(b"123456789").to_le_bytes(), [0x83, 0x92, 0x06, 0xE3]);
}
