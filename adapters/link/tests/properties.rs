//! Properties over arbitrary frames and arbitrary bytes (proptest; CI runs the default
//! case count, `fuzz.rs` runs millions).

mod common;

use common::{arb_frame, wire};
use letdown_link::{
    parse_payload, write_payload, Frame, FrameDecoder, FrameError, SequenceTracker, MAX_PAYLOAD_LEN,
};
use proptest::prelude::*;

fn decode(bytes: &[u8]) -> (Vec<Result<Frame, FrameError>>, FrameDecoder) {
    let mut d = FrameDecoder::new();
    let out = d.frames(bytes).collect();
    (out, d)
}

/// What any byte stream must leave in the stats: every byte and every 0x00 counted, each
/// result counted once under its own counter.
fn check_accounting(bytes: &[u8], results: &[Result<Frame, FrameError>], d: &FrameDecoder) {
    let s = d.stats();
    assert_eq!(s.bytes, bytes.len() as u64);
    assert_eq!(
        s.delimiters(),
        bytes.iter().filter(|&&b| b == 0).count() as u64
    );
    assert_eq!(
        s.frames,
        results.iter().filter(|r| r.is_ok()).count() as u64
    );
    assert_eq!(
        s.dropped_total(),
        results.iter().filter(|r| r.is_err()).count() as u64
    );
    for reason in letdown_link::DropReason::ALL {
        let n = results
            .iter()
            .filter(|r| matches!(r, Err(e) if e.reason() == reason))
            .count() as u64;
        assert_eq!(s.dropped(reason), n, "{reason}");
    }
    let tail = bytes.iter().rev().take_while(|&&b| b != 0).count();
    assert!(d.pending() <= tail, "only the unfinished tail is held");
}

proptest! {
    #[test]
    fn arbitrary_frames_round_trip(frame in arb_frame()) {
        let bytes = wire(frame.seq, frame.payload);
        let (results, d) = decode(&bytes);
        prop_assert_eq!(results, vec![Ok(frame)]);
        prop_assert_eq!(d.stats().dropped_total(), 0);
        let mut raw = [0u8; MAX_PAYLOAD_LEN];
        let n = write_payload(&frame, &mut raw).unwrap();
        prop_assert_eq!(parse_payload(&raw[..n]), Ok(frame));
    }

    #[test]
    fn frames_split_at_every_byte_boundary_decode_the_same(
        frames in prop::collection::vec(arb_frame(), 1..4)
    ) {
        let bytes: Vec<u8> = frames.iter().flat_map(|f| wire(f.seq, f.payload)).collect();
        let expected: Vec<_> = frames.iter().copied().map(Ok).collect();
        for cut in 0..=bytes.len() {
            let mut d = FrameDecoder::new();
            let mut got: Vec<_> = d.frames(&bytes[..cut]).collect();
            got.extend(d.frames(&bytes[cut..]));
            prop_assert_eq!(&got, &expected, "cut at {}", cut);
        }
        // And one byte at a time.
        let mut d = FrameDecoder::new();
        let got: Vec<_> = bytes.iter().filter_map(|&b| d.push(b)).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_the_stats_add_up(
        bytes in prop::collection::vec(prop_oneof![3 => any::<u8>(), 1 => Just(0u8)], 0..1200)
    ) {
        let (results, d) = decode(&bytes);
        check_accounting(&bytes, &results, &d);
    }

    /// CRC-32C has Hamming distance 6 at these lengths: every 1- to 5-bit error in a
    /// payload is caught.
    #[test]
    fn up_to_five_flipped_payload_bits_are_always_caught(
        frame in arb_frame(),
        flips in prop::collection::vec(any::<prop::sample::Index>(), 1..=5),
    ) {
        let mut raw = [0u8; MAX_PAYLOAD_LEN];
        let n = write_payload(&frame, &mut raw).unwrap();
        let mut bits: Vec<usize> = flips.iter().map(|i| i.index(n * 8)).collect();
        bits.sort_unstable();
        bits.dedup();
        for bit in &bits {
            raw[bit / 8] ^= 1 << (bit % 8);
        }
        prop_assert!(
            matches!(parse_payload(&raw[..n]), Err(FrameError::Crc { .. })),
            "{} flipped bits not caught", bits.len()
        );
    }

    /// Damage confined to some frames of a stream costs those frames only.
    #[test]
    fn damaged_frames_cost_only_themselves(
        frames in prop::collection::vec((arb_frame(), any::<Option<(prop::sample::Index, u8, u8)>>()), 1..8)
    ) {
        let mut bytes = Vec::new();
        let mut sent = Vec::new(); // (frame, damaged)
        for (frame, damage) in &frames {
            let clean = wire(frame.seq, frame.payload);
            let mut w = clean.clone();
            if let Some((at, kind, value)) = damage {
                let i = at.index(w.len());
                match kind % 4 {
                    0 => w[i] ^= 1 << (value % 8),                 // flip a bit
                    1 => w[i] = w[i].wrapping_add(value | 1),      // change a byte
                    2 => { w.remove(i); }                          // lose a byte
                    _ => w.insert(i, *value),                      // gain a byte
                }
            }
            sent.push((*frame, w != clean));
            bytes.extend_from_slice(&w);
        }
        let (results, d) = decode(&bytes);
        check_accounting(&bytes, &results, &d);
        let good: Vec<Frame> = results.into_iter().filter_map(Result::ok).collect();
        // Every undamaged frame arrives, in order; a damaged one is dropped, or arrives
        // whole when only a delimiter was hit (its neighbour's delimiter stands in).
        let mut rest = sent.iter();
        for g in &good {
            let matched = rest.by_ref().find(|(f, damaged)| f == g || !damaged);
            prop_assert!(matches!(matched, Some((f, _)) if f == g), "unexpected frame {:?}", g);
        }
        prop_assert!(rest.all(|(_, damaged)| *damaged), "an undamaged frame was lost");
    }

    /// Whatever blocks are lost, the tracker's missing samples are exactly the samples of
    /// the lost blocks (those before the last block received).
    #[test]
    fn the_tracker_counts_exactly_the_lost_samples(
        blocks in prop::collection::vec((1u64..=64, any::<bool>()), 1..300),
        start_seq in any::<u16>(),
    ) {
        let mut t = SequenceTracker::new();
        let (mut first, mut seq) = (0u64, start_seq);
        let (mut lost, mut lost_frames, mut pending, mut pending_frames) = (0u64, 0u64, 0u64, 0u64);
        let mut seen_any = false;
        for (count, arrives) in blocks {
            if arrives {
                let c = t.observe_block(seq, first, count);
                if seen_any {
                    lost += pending;
                    lost_frames += pending_frames;
                    prop_assert_eq!(c.missing_samples(), pending);
                }
                seen_any = true;
                pending = 0;
                pending_frames = 0;
            } else {
                pending += count;
                pending_frames += 1;
            }
            first += count;
            seq = seq.wrapping_add(1);
        }
        prop_assert_eq!(t.stats().missing_samples, lost);
        prop_assert_eq!(t.stats().lost_frames, lost_frames);
    }
}
