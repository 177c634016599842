//! Every frame type survives encode → decode unchanged; the encoder refuses what the
//! protocol forbids.

mod common;

use common::{block, hint, one_of_each, settings, wire, CONFIG};
use letdown_engine::{ControlHint, Mode, Reason, Sample, SettingsError, UserSettings};
use letdown_link::{
    encode, parse_payload, write_payload, EncodeError, Encoder, Field, Frame, FrameDecoder,
    FrameType, Payload, RawSample, SampleBlock, StreamConfig, MAX_FRAME_LEN, MAX_PAYLOAD_LEN,
    MAX_SAMPLES_PER_BLOCK,
};

fn decode_all(bytes: &[u8]) -> (Vec<Frame>, FrameDecoder) {
    let mut decoder = FrameDecoder::new();
    let frames = decoder.frames(bytes).map(|r| r.unwrap()).collect();
    (frames, decoder)
}

#[test]
fn every_frame_type_round_trips() {
    let payloads = one_of_each();
    let types: Vec<FrameType> = payloads.iter().map(Payload::frame_type).collect();
    assert_eq!(types, FrameType::ALL, "one_of_each covers every type");
    for (i, payload) in payloads.into_iter().enumerate() {
        let seq = 1000 + i as u16;
        let bytes = wire(seq, payload);
        assert_eq!(
            (bytes[0], bytes[bytes.len() - 1]),
            (0, 0),
            "a delimiter on both sides"
        );
        assert!(
            !bytes[1..bytes.len() - 1].contains(&0),
            "COBS leaves no 0x00 inside"
        );
        let (frames, decoder) = decode_all(&bytes);
        assert_eq!(
            frames,
            vec![Frame { seq, payload }],
            "{}",
            payload.frame_type()
        );
        assert_eq!(decoder.stats().frames, 1);
        assert_eq!(decoder.stats().empty, 1, "the leading delimiter");
        assert_eq!(decoder.stats().dropped_total(), 0);
        assert_eq!(decoder.pending(), 0);
    }
}

#[test]
fn a_stream_of_frames_round_trips_in_order() {
    let mut encoder = Encoder::starting_at(65_533);
    let mut bytes = Vec::new();
    let mut sent = Vec::new();
    for payload in one_of_each().into_iter().cycle().take(20) {
        let mut buf = [0u8; MAX_FRAME_LEN];
        let seq = encoder.next_seq();
        let n = encoder.encode(&payload, &mut buf).unwrap();
        bytes.extend_from_slice(&buf[..n]);
        sent.push(Frame { seq, payload });
    }
    assert_eq!(sent[3].seq, 0, "sequence numbers wrap");
    let (frames, decoder) = decode_all(&bytes);
    assert_eq!(frames, sent);
    // The first frame's leading 0x00 ends an empty frame, and so does each later one
    // right after the previous frame's closing 0x00.
    assert_eq!(decoder.stats().empty, 20);
    assert_eq!(decoder.stats().delimiters(), 40);
    assert_eq!(decoder.stats().bytes, bytes.len() as u64);
}

#[test]
fn a_full_block_is_the_largest_frame() {
    let full = block(0, MAX_SAMPLES_PER_BLOCK);
    assert!(full.is_full());
    let mut raw = [0u8; MAX_PAYLOAD_LEN];
    let len = write_payload(
        &Frame {
            seq: 0,
            payload: Payload::SampleBlock(full),
        },
        &mut raw,
    )
    .unwrap();
    assert_eq!(len, MAX_PAYLOAD_LEN);
    assert_eq!(
        (MAX_PAYLOAD_LEN, MAX_FRAME_LEN),
        (283, 287),
        "crate docs' bandwidth table"
    );
    // Worst case for COBS: no zero byte at all in 283 bytes.
    let mut no_zero = SampleBlock::new(StreamConfig::new(0x0101, 1.0, 1.0), 0x0101_0101_0101_0101);
    while no_zero.push(RawSample::new(-1, -1)).is_ok() {}
    let bytes = wire(0x0101, Payload::SampleBlock(no_zero));
    assert!(bytes.len() <= MAX_FRAME_LEN);
    let (frames, _) = decode_all(&bytes);
    assert_eq!(frames[0].payload, Payload::SampleBlock(no_zero));
    assert_eq!(
        parse_payload(&raw[..len]).unwrap().payload,
        Payload::SampleBlock(full)
    );
}

#[test]
fn engine_hints_cross_the_link_unchanged() {
    // The hint frame carries the engine's own ControlHint: every field, every variant.
    let mut h = hint();
    for (mode, reason) in [
        (Mode::Pause, Reason::OverVacuum),
        (Mode::Pause, Reason::SensorFault),
        (Mode::Pause, Reason::StaleData),
        (Mode::Stimulation, Reason::SensorRecovered),
        (Mode::Stimulation, Reason::FlowFaded),
        (Mode::Expression, Reason::FallbackTimer),
        (Mode::Stimulation, Reason::LateLetdownCue),
        (Mode::Pause, Reason::SessionEnd),
    ] {
        h.mode = mode;
        h.reason = reason;
        h.cue = (reason == Reason::LateLetdownCue).then_some(letdown_engine::Cue::Warmth);
        let (frames, _) = decode_all(&wire(3, Payload::Hint(h)));
        assert_eq!(frames[0].payload, Payload::Hint(h));
    }
}

#[test]
fn samples_convert_to_engine_units_and_back() {
    let cases = [
        (Sample::new(-150.0, 12.5), RawSample::new(-15000, 1250)),
        (Sample::new(-300.0, 250.0), RawSample::new(-30000, 25000)),
        (Sample::new(0.004, -0.005), RawSample::new(0, -1)), // rounds half away from 0
        (
            Sample::new(f32::NAN, 1.0),
            RawSample::new(RawSample::MISSING, 100),
        ),
        (
            Sample::new(-1e9, f32::INFINITY),
            RawSample::new(-32767, 32767),
        ), // saturated
        (
            Sample::new(f32::NEG_INFINITY, 0.0),
            RawSample::new(-32767, 0),
        ),
    ];
    for (sample, raw) in cases {
        assert_eq!(CONFIG.quantize(sample), raw, "{sample:?}");
    }
    // The tie rule's examples in the crate docs (exact in f32): ties go away from zero.
    let halves = StreamConfig::new(1000, 0.5, 1.0);
    for (sample, raw) in [
        (Sample::new(1.25, 2.5), RawSample::new(3, 3)),
        (Sample::new(-1.25, -2.5), RawSample::new(-3, -3)),
        (Sample::new(0.75, 0.49), RawSample::new(2, 0)),
    ] {
        assert_eq!(halves.quantize(sample), raw, "{sample:?}");
    }
    let back = CONFIG.to_sample(RawSample::new(-15000, RawSample::MISSING));
    assert!((back.pressure_mmhg + 150.0).abs() < 1e-3);
    assert!(
        back.flow_ml_min.is_nan(),
        "no reading becomes NaN for the engine"
    );
    let b = SampleBlock::from_samples(CONFIG, 0, &[RawSample::new(100, 200)]).unwrap();
    let s: Vec<Sample> = b.engine_samples().collect();
    assert_eq!(s.len(), 1);
    assert!((s[0].pressure_mmhg - 1.0).abs() < 1e-6 && (s[0].flow_ml_min - 2.0).abs() < 1e-6);
}

/// Asserts the encoder refuses `payload` for `field` and writes nothing.
fn refuse(payload: Payload, field: Field) {
    let mut out = [0xAAu8; MAX_FRAME_LEN];
    let frame = Frame { seq: 0, payload };
    assert_eq!(
        encode(&frame, &mut out),
        Err(EncodeError::InvalidField(field))
    );
    assert!(out.iter().all(|&b| b == 0xAA), "nothing written");
}

/// An empty block, and blocks with a zero rate or a bad scale.
fn refuse_bad_blocks() {
    refuse(
        Payload::SampleBlock(SampleBlock::new(CONFIG, 0)),
        Field::SampleCount,
    );
    let mut b = block(0, 4);
    b.config.sample_rate_hz = 0;
    refuse(Payload::SampleBlock(b), Field::SampleRate);
    b.config = StreamConfig::new(1000, f32::NAN, 0.01);
    refuse(Payload::SampleBlock(b), Field::PressureScale);
    b.config = StreamConfig::new(1000, 0.01, -0.01);
    refuse(Payload::SampleBlock(b), Field::FlowScale);
}

/// Hints with a field out of its range.
fn refuse_bad_hints() {
    type Spoil = fn(&mut ControlHint);
    let bad_hints: [(Spoil, Field); 6] = [
        (|h| h.target_vacuum_mmhg = f32::NAN, Field::TargetVacuum),
        (|h| h.target_vacuum_mmhg = -301.0, Field::TargetVacuum),
        (|h| h.target_vacuum_mmhg = 10.0, Field::TargetVacuum),
        (|h| h.rate_cpm = f32::INFINITY, Field::Rate),
        (|h| h.confidence = 1.5, Field::Confidence),
        (|h| h.confidence = f32::NAN, Field::Confidence),
    ];
    for (spoil, field) in bad_hints {
        let mut h = hint();
        spoil(&mut h);
        refuse(Payload::Hint(h), field);
    }
}

/// Settings the engine rejects.
fn refuse_bad_settings() {
    type SpoilSettings = fn(&mut UserSettings);
    let bad_settings: [(SpoilSettings, SettingsError); 6] = [
        (|s| s.max_vacuum_mmhg = -320.0, SettingsError::MaxVacuum),
        (|s| s.max_vacuum_mmhg = f32::NAN, SettingsError::MaxVacuum),
        (
            |s| s.stimulation_vacuum_mmhg = -155.0,
            SettingsError::StimulationVacuum,
        ),
        (
            |s| s.expression_vacuum_mmhg = -170.0,
            SettingsError::ExpressionVacuum,
        ),
        (
            |s| s.stimulation_rate_cpm = 131.0,
            SettingsError::StimulationRate,
        ),
        (
            |s| s.expression_rate_cpm = f32::INFINITY,
            SettingsError::ExpressionRate,
        ),
    ];
    for (spoil, error) in bad_settings {
        let mut s = settings();
        spoil(&mut s);
        refuse(Payload::Settings(s), Field::Settings(error));
    }
}

/// A buffer too small for the frame is refused, and the refusal takes no sequence number.
fn refuse_a_short_buffer() {
    let mut out = [0u8; MAX_FRAME_LEN];
    let small = encode(
        &Frame {
            seq: 0,
            payload: Payload::Hint(hint()),
        },
        &mut out[..10],
    );
    assert_eq!(
        small,
        Err(EncodeError::BufferTooSmall {
            needed: 35,
            available: 10
        })
    );
    let mut encoder = Encoder::new();
    assert!(encoder
        .encode(&Payload::Hint(hint()), &mut out[..10])
        .is_err());
    assert_eq!(
        encoder.next_seq(),
        0,
        "a refused frame takes no sequence number"
    );
    assert!(encoder.encode(&Payload::Hint(hint()), &mut out).is_ok());
    assert_eq!(encoder.next_seq(), 1);
}

#[test]
fn the_encoder_refuses_what_the_protocol_forbids() {
    refuse_bad_blocks();
    refuse_bad_hints();
    refuse_bad_settings();
    refuse_a_short_buffer();
}

#[test]
fn block_capacity_is_enforced() {
    let mut b = SampleBlock::new(CONFIG, 0);
    for _ in 0..MAX_SAMPLES_PER_BLOCK {
        b.push(RawSample::default()).unwrap();
    }
    assert_eq!(b.push(RawSample::default()), Err(letdown_link::BlockFull));
    assert!(SampleBlock::from_samples(CONFIG, 0, &[RawSample::default(); 65]).is_none());
    assert_eq!(block(10, 5).end_sample_index(), 15);
}

#[test]
fn errors_display_what_and_why() {
    let e = EncodeError::InvalidField(Field::TargetVacuum);
    assert_eq!(
        e.to_string(),
        "cannot encode: target_vacuum_mmhg must be within -300 … 0 mmHg"
    );
    let e = letdown_link::FrameError::Crc {
        received: 1,
        computed: 0xE3069283,
    };
    assert_eq!(
        e.to_string(),
        "frame dropped: CRC mismatch (received 0x00000001, computed 0xe3069283)"
    );
    let _: &dyn std::error::Error = &e;
}

#[test]
fn sizes_are_fixed_and_small() {
    // No heap: the firmware keeps these on the stack or in a static.
    let sizes = [
        ("FrameDecoder", std::mem::size_of::<FrameDecoder>()),
        ("Frame", std::mem::size_of::<Frame>()),
        (
            "SequenceTracker",
            std::mem::size_of::<letdown_link::SequenceTracker>(),
        ),
    ];
    for (name, size) in sizes {
        println!("size_of::<{name}>() = {size} bytes");
    }
    assert!(sizes[0].1 < 512 && sizes[1].1 < 400 && sizes[2].1 < 128);
    assert_eq!(letdown_link::DECODER_CAPACITY, 285);
}
