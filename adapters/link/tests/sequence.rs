//! Sequence tracking: lost frames and missing samples, wrap-around, repeats and restarts,
//! and the gaps handed to the engine.

mod common;

use common::{block, CONFIG};
use letdown_engine::EngineConfig;
use letdown_link::{
    Continuity, Encoder, Frame, FrameDecoder, Heartbeat, Hello, Payload, SequenceTracker,
    MAX_FRAME_LEN,
};

fn gap(lost_frames: u16, missing_samples: u64) -> Continuity {
    Continuity::Gap {
        lost_frames,
        missing_samples,
    }
}

#[test]
fn contiguous_blocks_are_in_order() {
    let mut t = SequenceTracker::new();
    assert_eq!(t.observe_block(10, 0, 16), Continuity::Start);
    assert_eq!(t.observe_block(11, 16, 16), Continuity::InOrder);
    assert_eq!(t.observe_block(12, 32, 8), Continuity::InOrder);
    assert_eq!(t.observe_block(13, 40, 16), Continuity::InOrder);
    assert_eq!(t.stats().frames, 4);
    assert_eq!((t.stats().lost_frames, t.stats().missing_samples), (0, 0));
}

#[test]
fn lost_blocks_are_lost_frames_and_missing_samples() {
    let mut t = SequenceTracker::new();
    t.observe_block(0, 0, 16);
    // Blocks 1 and 2 (32 samples) lost.
    let c = t.observe_block(3, 48, 16);
    assert_eq!(c, gap(2, 32));
    assert_eq!(c.missing_samples(), 32);
    // Blocks of varying sizes: the samples come from the indices, not from a guess.
    t.observe_block(4, 64, 5);
    assert_eq!(t.observe_block(6, 69 + 7, 16), gap(1, 7));
    assert_eq!(t.stats().lost_frames, 3);
    assert_eq!(t.stats().missing_samples, 39);
}

#[test]
fn a_lost_heartbeat_loses_a_frame_but_no_sample() {
    let mut t = SequenceTracker::new();
    t.observe_block(0, 0, 16);
    assert_eq!(t.observe_seq(1), Continuity::InOrder);
    assert_eq!(t.observe_block(2, 16, 16), Continuity::InOrder);
    // Heartbeat 3 lost.
    assert_eq!(t.observe_block(4, 32, 16), gap(1, 0));
    assert_eq!(t.observe_seq(7), gap(2, 0));
}

#[test]
fn samples_the_board_skipped_show_without_a_lost_frame() {
    let mut t = SequenceTracker::new();
    t.observe_block(0, 0, 16);
    assert_eq!(t.observe_block(1, 20, 16), gap(0, 4));
}

#[test]
fn sequence_numbers_wrap_around() {
    let mut t = SequenceTracker::new();
    t.observe_block(65_534, 0, 16);
    assert_eq!(t.observe_block(65_535, 16, 16), Continuity::InOrder);
    assert_eq!(t.observe_block(0, 32, 16), Continuity::InOrder);
    assert_eq!(t.observe_block(1, 48, 16), Continuity::InOrder);
    // A gap across the wrap: 65 535 → (0, 1 lost) → 2.
    t.observe_block(65_535, 64, 16);
    assert_eq!(t.observe_block(2, 80 + 32, 16), gap(2, 32));
    assert_eq!(t.observe_seq(3), Continuity::InOrder);
    // Exactly 2^16 frames lost: the sequence number alone cannot tell, the indices can.
    assert_eq!(
        t.observe_block(3, 128 + 65_536 * 16, 16),
        gap(65_535, 65_536 * 16)
    );
}

#[test]
fn repeats_and_rewinds_are_reported_not_counted_as_gaps() {
    let mut t = SequenceTracker::new();
    t.observe_block(5, 100, 10);
    assert_eq!(t.observe_block(5, 100, 10), Continuity::Duplicate);
    assert_eq!(t.observe_seq(5), Continuity::Duplicate);
    assert_eq!(t.observe_block(6, 110, 10), Continuity::InOrder);
    // Samples sent again (a board that restarts its numbering sends a Hello first).
    assert_eq!(
        t.observe_block(7, 100, 10),
        Continuity::Rewind {
            expected_index: 120,
            first_sample_index: 100
        }
    );
    // Still expecting 120: the stream goes on where it was.
    assert_eq!(t.observe_block(8, 120, 10), Continuity::InOrder);
    // A repeat that reaches further moves the expected index to its end.
    assert_eq!(
        t.observe_block(9, 125, 10),
        Continuity::Rewind {
            expected_index: 130,
            first_sample_index: 125
        }
    );
    assert_eq!(t.observe_block(10, 135, 10), Continuity::InOrder);
    let s = t.stats();
    assert_eq!(
        (s.duplicates, s.rewinds, s.lost_frames, s.missing_samples),
        (2, 2, 0, 0)
    );
}

#[test]
fn a_board_that_restarted_without_its_hello_counts_no_lost_frames() {
    // The board rebooted (its numbering with it) and its Hello was lost: its first block
    // repeats indices already taken, a rewind. The sequence numbers' jump (1000 → 1) is
    // no count of lost frames, so none is reported.
    let mut t = SequenceTracker::new();
    t.observe_block(1000, 15_984, 16);
    assert_eq!(
        t.observe_block(1, 0, 16),
        Continuity::Rewind {
            expected_index: 16_000,
            first_sample_index: 0
        }
    );
    assert_eq!(t.stats().lost_frames, 0);
    // Likewise after heartbeats only: the first block starts the stream.
    let mut t = SequenceTracker::new();
    assert_eq!(t.observe_seq(1000), Continuity::Start);
    assert_eq!(t.observe_block(1, 500, 16), Continuity::Start);
    assert_eq!(t.stats().lost_frames, 0);
}

#[test]
fn missing_samples_saturate_however_far_the_indices_jump() {
    // Every frame valid: each Hello starts the stream anew at 0, and each block jumps to
    // the last index a block may start at.
    let mut t = SequenceTracker::new();
    let last = u64::MAX - 1;
    for round in 0..3u16 {
        let hello = Frame {
            seq: 2 * round,
            payload: Payload::Hello(Hello {
                config: CONFIG,
                max_samples_per_block: 16,
                next_sample_index: 0,
            }),
        };
        assert_eq!(t.observe(&hello), Continuity::Start);
        assert_eq!(t.observe_block(2 * round + 1, last, 1), gap(0, last));
    }
    assert_eq!(t.stats().missing_samples, u64::MAX);
}

#[test]
fn hello_restarts_the_stream() {
    let mut t = SequenceTracker::new();
    t.observe_block(40, 5000, 16);
    let hello = Frame {
        seq: 0,
        payload: Payload::Hello(Hello {
            config: CONFIG,
            max_samples_per_block: 16,
            next_sample_index: 0,
        }),
    };
    assert_eq!(t.observe(&hello), Continuity::Start);
    let first = Frame {
        seq: 1,
        payload: Payload::SampleBlock(block(0, 16)),
    };
    assert_eq!(t.observe(&first), Continuity::InOrder);
    // Hello says where samples start: a first block after it that starts later is a gap.
    t.observe(&Frame {
        seq: 9,
        payload: hello.payload,
    });
    let late = Frame {
        seq: 10,
        payload: Payload::SampleBlock(block(3, 16)),
    };
    assert_eq!(t.observe(&late), gap(0, 3));
    assert_eq!(t.stats().starts, 3);
    t.reset();
    assert_eq!(t.observe_seq(77), Continuity::Start);
}

#[test]
fn heartbeats_before_any_block_leave_the_first_block_a_start() {
    let mut t = SequenceTracker::new();
    let hb = Frame {
        seq: 0,
        payload: Payload::Heartbeat(Heartbeat { uptime_ms: 1 }),
    };
    assert_eq!(t.observe(&hb), Continuity::Start);
    assert_eq!(t.observe_block(1, 12_345, 16), Continuity::Start);
    assert_eq!(t.observe_block(2, 12_361, 16), Continuity::InOrder);
}

/// The whole receive path: frames lost on the wire become `Engine::process_gap` calls,
/// and the engine's count of missing samples equals the samples that were lost.
#[test]
fn lost_frames_reach_the_engine_as_gaps() {
    let mut encoder = Encoder::new();
    let mut wire_bytes = Vec::new();
    let mut lost_samples = 0u64;
    let mut first = 0u64;
    for i in 0..200u64 {
        let n = 1 + (i % 16) as usize;
        let payload = Payload::SampleBlock(block(first, n));
        first += n as u64;
        let mut buf = [0u8; MAX_FRAME_LEN];
        let len = encoder.encode(&payload, &mut buf).unwrap();
        if i % 17 == 5 || i % 23 == 9 {
            lost_samples += n as u64; // this frame never arrives
        } else if i % 29 == 3 {
            buf[len / 2] ^= 0x10; // arrives corrupt: dropped by the CRC, a gap all the same
            lost_samples += n as u64;
            wire_bytes.extend_from_slice(&buf[..len]);
        } else {
            wire_bytes.extend_from_slice(&buf[..len]);
        }
    }
    let mut engine = EngineConfig::new(1000.0).build().unwrap();
    let mut decoder = FrameDecoder::new();
    let mut tracker = SequenceTracker::new();
    let mut processed = 0u64;
    for frame in decoder.frames(&wire_bytes).filter_map(Result::ok) {
        let continuity = tracker.observe(&frame);
        if continuity.missing_samples() > 0 {
            let _ = engine.process_gap(continuity.missing_samples());
        }
        if let Payload::SampleBlock(b) = frame.payload {
            for s in b.engine_samples() {
                let _ = engine.process(s);
                processed += 1;
            }
        }
    }
    assert!(lost_samples > 0);
    assert_eq!(tracker.stats().missing_samples, lost_samples);
    assert_eq!(engine.stats().missing_samples, lost_samples);
    assert_eq!(processed + lost_samples, first);
    assert!(
        decoder.stats().crc + decoder.stats().cobs > 0,
        "the corrupt frames were counted"
    );
}
