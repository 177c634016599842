//! Helpers shared by the integration tests.
#![allow(dead_code)]

use letdown_datasets::{Generator, SessionSpec, SimSample};

/// Every sample of a session, with the finished generator.
pub fn collect(spec: SessionSpec) -> (Vec<SimSample>, Generator) {
    let mut g = Generator::new(spec).expect("valid spec");
    let mut v = Vec::with_capacity(spec.sample_count() as usize);
    while let Some(s) = g.next_sample() {
        v.push(s);
    }
    (v, g)
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

/// The median (the scorer's `percentile` 50); NaN when `xs` is empty.
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    letdown_datasets::score::percentile(&v, 50.0).unwrap_or(f64::NAN)
}

/// FNV-1a over 64-bit words.
pub fn fnv(hash: &mut u64, word: u64) {
    for b in word.to_le_bytes() {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
}

/// A hash of every sample's bits (both channels, presence) and of the labels.
pub fn session_hash(spec: SessionSpec) -> u64 {
    let mut g = Generator::new(spec).expect("valid spec");
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    while let Some(s) = g.next_sample() {
        fnv(&mut h, u64::from(s.sample.pressure_mmhg.to_bits()));
        fnv(&mut h, u64::from(s.sample.flow_ml_min.to_bits()));
        fnv(&mut h, u64::from(s.present));
    }
    for e in g.labels() {
        fnv(&mut h, e.onset_s.to_bits());
        fnv(&mut h, e.end_s.to_bits());
        fnv(&mut h, e.visible_s.map_or(u64::MAX, f64::to_bits));
    }
    h
}

/// Longest run of bit-identical consecutive values, in samples.
pub fn longest_identical_run(xs: impl Iterator<Item = f32>) -> usize {
    let (mut best, mut run, mut prev) = (0usize, 0usize, None::<u32>);
    for x in xs {
        let b = x.to_bits();
        run = if prev == Some(b) { run + 1 } else { 1 };
        prev = Some(b);
        best = best.max(run);
    }
    best
}

/// Upward crossings of `level` per minute in a pressure trace sampled at `rate_hz`.
pub fn cycles_per_min(p: &[f32], level: f32, rate_hz: f64) -> f64 {
    let n = p
        .windows(2)
        .filter(|w| w[0] > level && w[1] <= level)
        .count();
    n as f64 / (p.len() as f64 / rate_hz) * 60.0
}

/// Cycle rate measured from the median interval between crossings of `level`
/// (robust to a few noise-induced double crossings).
pub fn median_cycle_cpm(p: &[f32], level: f32, rate_hz: f64) -> f64 {
    // Smooth lightly (10 ms) so noise does not create double crossings.
    let k = ((rate_hz * 0.01) as usize).max(1);
    let sm: Vec<f32> = p
        .windows(k)
        .map(|w| w.iter().sum::<f32>() / k as f32)
        .collect();
    let idx: Vec<usize> = sm
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] > level && w[1] <= level)
        .map(|(i, _)| i)
        .collect();
    let gaps: Vec<f64> = idx.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    60.0 * rate_hz / median(&gaps)
}
