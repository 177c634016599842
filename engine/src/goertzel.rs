//! Streaming single-frequency tone detector (Goertzel, block form) for the pump-rate
//! tone and its harmonics, where a full FFT would be wasteful and its bins would not
//! land on the (changing) pump rate.
//!
//! [`GoertzelCoeffs`] (frequency, sample rate, block length — validated once, `Copy`,
//! shareable between channels) is kept apart from the running state in [`Goertzel`].
//! [`Goertzel::process`] takes one sample and, every `block_len` samples, returns the
//! amplitude of the component at the frequency over that block, then starts afresh.
//!
//! # Why block Goertzel and not a sliding DFT
//! A sliding DFT gives an output every sample, but
//! * it needs a delay line of `block_len` samples (a compile-time array), while the
//!   block that suits the pump is a run-time quantity (a whole number of pump cycles);
//! * its resonator sits on the unit circle forever: f32 rounding error accumulates
//!   without bound (the usual cure, damping `r < 1`, biases the result), and one NaN
//!   poisons it for good;
//! * retuning to a new pump rate means recomputing the bin from the delay line.
//!
//! The block form restarts every block, so rounding error and any NaN/∞ are confined to
//! one block; retuning ([`Goertzel::retune`]) simply takes effect at the next block; it
//! needs no buffer at all (a few `f32`s of state). The engine's features are per pump
//! cycle anyway, so "one result per block" is the natural cadence. For twice the update
//! rate, run two instances offset by half a block.
//!
//! # Numerics
//! The pump rate is 0.4–2.2 Hz at a 100–200 Hz internal rate, i.e. ω = 2πf/fs ≈
//! 0.01–0.14 rad. The textbook recursion `s[n] = x[n] + 2cos(ω)·s[n−1] − s[n−2]` is
//! ill-conditioned there in f32 (`2cos ω` differs from 2 by only ω², and the state
//! grows as 1/ω²). This implementation uses Reinsch's modification, which carries
//! `s[n]` and its first difference and uses `−4sin²(ω/2)` (for ω > π/2 the mirrored form
//! with `4cos²(ω/2)`), keeping the error roughly independent of ω; a unit test measures
//! both forms against an f64 DFT.
//!
//! # DC rejection
//! A rectangular block leaks a signal's mean into every frequency that is not a whole
//! number of cycles per block. With [`GoertzelCoeffs::with_dc_removed`], the block's mean
//! is subtracted exactly after the fact (`X(ω) − mean·Σₙe^{−iωn}`, the sum precomputed in
//! f64), which costs one addition per sample. Harmonics still leak unless the block holds
//! a whole number of cycles: choose `block_len ≈ cycles · sample_rate_hz / freq_hz`.

use core::f64::consts::PI;
use core::fmt;

/// Largest accepted block, in samples (2²⁰ ≈ 87 min at 200 Hz): beyond this, f32
/// accumulation over one block loses too many digits to be meaningful.
pub const MAX_BLOCK_LEN: usize = 1 << 20;

/// Why [`GoertzelCoeffs::new`] refused its arguments. Each variant names one argument;
/// `Display` gives the allowed range and unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoertzelError {
    /// `sample_rate_hz` not finite and positive.
    SampleRate,
    /// `freq_hz` not strictly between 0 and `sample_rate_hz / 2`.
    Frequency,
    /// `block_len` outside 1 ..= [`MAX_BLOCK_LEN`].
    BlockLen,
}

impl fmt::Display for GoertzelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, why) = match self {
            GoertzelError::SampleRate => ("sample_rate_hz", "must be finite and > 0 Hz"),
            GoertzelError::Frequency => ("freq_hz", "must be within (0, sample_rate_hz / 2) Hz"),
            GoertzelError::BlockLen => ("block_len", "must be within 1 ..= 1048576 samples"),
        };
        write!(f, "invalid Goertzel coefficients: {field} {why}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for GoertzelError {}

/// Validated, precomputed coefficients of one Goertzel detector: which frequency, at
/// which sample rate, over how many samples. `Copy`; one set can drive any number of
/// [`Goertzel`] states (e.g. the flow and the pressure channel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoertzelCoeffs {
    freq_hz: f32,
    sample_rate_hz: f32,
    block_len: usize,
    /// Reinsch branch: `false` for ω ≤ π/2 (differences), `true` above (sums).
    high: bool,
    /// Recursion gain: `−4sin²(ω/2)` (low) or `4cos²(ω/2)` (high).
    gain: f32,
    /// Multiplier of the state in the real part of the result: `2sin²(ω/2)` (low) or
    /// `2cos²(ω/2)` (high).
    out_gain: f32,
    cos_w: f32,
    sin_w: f32,
    /// `Σ_{j<L} e^{iωj}`: the response to a unit constant, in the recursion's phase frame.
    dc_re: f32,
    dc_im: f32,
    remove_dc: bool,
    /// `2 / block_len`: DFT magnitude → sinusoid amplitude.
    amp_scale: f32,
}

impl GoertzelCoeffs {
    /// Coefficients for the tone at `freq_hz` (Hz, any real value strictly between 0 and
    /// Nyquist — it need not fall on a DFT bin), sampled at `sample_rate_hz` (Hz), over
    /// blocks of `block_len` samples (latency and frequency resolution: the detector's
    /// bandwidth is about `sample_rate_hz / block_len` Hz).
    pub fn new(freq_hz: f32, sample_rate_hz: f32, block_len: usize) -> Result<Self, GoertzelError> {
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
            return Err(GoertzelError::SampleRate);
        }
        if !(freq_hz > 0.0 && freq_hz < 0.5 * sample_rate_hz) {
            return Err(GoertzelError::Frequency);
        }
        if !(1..=MAX_BLOCK_LEN).contains(&block_len) {
            return Err(GoertzelError::BlockLen);
        }
        let w = 2.0 * PI * f64::from(freq_hz) / f64::from(sample_rate_hz); // (0, π)
        let high = w > 0.5 * PI;
        let (half_sin, half_cos) = (libm::sin(0.5 * w), libm::cos(0.5 * w));
        let (gain, out_gain) = if high {
            (4.0 * half_cos * half_cos, 2.0 * half_cos * half_cos)
        } else {
            (-4.0 * half_sin * half_sin, 2.0 * half_sin * half_sin)
        };
        // Σ_{j<L} e^{iωj} = e^{iω(L−1)/2} · sin(ωL/2) / sin(ω/2); sin(ω/2) > 0 on (0, π).
        let l = block_len as f64;
        let dirichlet = libm::sin(0.5 * w * l) / half_sin;
        let mid = 0.5 * w * (l - 1.0);
        Ok(Self {
            freq_hz,
            sample_rate_hz,
            block_len,
            high,
            gain: gain as f32,
            out_gain: out_gain as f32,
            cos_w: libm::cos(w) as f32,
            sin_w: libm::sin(w) as f32,
            dc_re: (dirichlet * libm::cos(mid)) as f32,
            dc_im: (dirichlet * libm::sin(mid)) as f32,
            remove_dc: false,
            amp_scale: (2.0 / l) as f32,
        })
    }

    /// Same coefficients, but each block's mean is removed exactly before the amplitude
    /// is taken (see the module docs): use it on signals with a large offset (flow).
    #[must_use]
    pub fn with_dc_removed(mut self) -> Self {
        self.remove_dc = true;
        self
    }

    /// The detector's frequency, Hz.
    pub fn freq_hz(&self) -> f32 {
        self.freq_hz
    }

    /// The sample rate the coefficients were made for, Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }

    /// Samples per block (one result per block).
    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// Whether each block's mean is removed ([`with_dc_removed`](Self::with_dc_removed)).
    pub fn removes_dc(&self) -> bool {
        self.remove_dc
    }
}

/// Running state of one Goertzel detector plus its coefficients.
///
/// No allocation, no panics; besides the coefficients (current and pending) the state is
/// two f32 recursion values, the block sum and a sample counter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goertzel {
    coeffs: GoertzelCoeffs,
    /// Coefficients to switch to at the next block boundary.
    pending: Option<GoertzelCoeffs>,
    /// Reinsch state: `s[n]` and its first difference (low) or sum (high).
    s: f32,
    d: f32,
    /// Σx over the block (for DC removal).
    sum: f32,
    /// Samples taken into the current block, `0 .. block_len`.
    count: usize,
}

impl Goertzel {
    /// A detector at the start of a block.
    pub fn new(coeffs: GoertzelCoeffs) -> Self {
        Self {
            coeffs,
            pending: None,
            s: 0.0,
            d: 0.0,
            sum: 0.0,
            count: 0,
        }
    }

    /// The coefficients of the block in progress.
    pub fn coeffs(&self) -> &GoertzelCoeffs {
        &self.coeffs
    }

    /// Samples taken into the block in progress (`0 .. block_len`).
    pub fn samples_in_block(&self) -> usize {
        self.count
    }

    /// Switches to new coefficients (a new pump rate, block length, …) at the next block
    /// boundary, so no block mixes two frequencies and no samples are thrown away. At a
    /// boundary (no samples taken yet) it applies at once. A later call before the
    /// boundary replaces an earlier one.
    pub fn retune(&mut self, coeffs: GoertzelCoeffs) {
        if self.count == 0 {
            self.coeffs = coeffs;
            self.pending = None;
        } else {
            self.pending = Some(coeffs);
        }
    }

    /// Discards the block in progress; pending coefficients from [`retune`](Self::retune)
    /// take effect now. Afterwards the detector behaves exactly like a new one.
    pub fn reset(&mut self) {
        if let Some(c) = self.pending.take() {
            self.coeffs = c;
        }
        self.s = 0.0;
        self.d = 0.0;
        self.sum = 0.0;
        self.count = 0;
    }

    /// Takes one sample. When it completes a block, returns the amplitude (input units,
    /// peak) of the sinusoid at the detector's frequency over that block,
    /// `2·|Σₙ x[n]·e^{−2πi·f·n/fs}| / block_len` (after removing the block's mean if
    /// configured), and starts the next block; otherwise `None`. The block's mean power
    /// at `f` is `amplitude² / 2`; the DFT magnitude is `amplitude · block_len / 2`.
    ///
    /// Non-finite input makes that one block's result non-finite; the next block starts
    /// clean. Finite input gives a finite result while `|x|·block_len²` stays well below
    /// `f32::MAX` (e.g. `|x| ≤ 1e25` for blocks up to 4096 samples).
    pub fn process(&mut self, x: f32) -> Option<f32> {
        let c = &self.coeffs;
        if c.high {
            self.d = x + c.gain * self.s - self.d;
            self.s = self.d - self.s;
        } else {
            self.d += x + c.gain * self.s;
            self.s += self.d;
        }
        self.sum += x;
        self.count += 1;
        if self.count < c.block_len {
            return None;
        }
        // y = e^{iω(L−1)}·X(ω) = s[L−1] − e^{−iω}·s[L−2], with s[L−2] = s − d (low) or
        // d − s (high).
        let (mut re, mut im) = if c.high {
            (
                c.out_gain * self.s - c.cos_w * self.d,
                c.sin_w * (self.d - self.s),
            )
        } else {
            (
                c.out_gain * self.s + c.cos_w * self.d,
                c.sin_w * (self.s - self.d),
            )
        };
        if c.remove_dc {
            let mean = self.sum * (c.amp_scale * 0.5); // amp_scale / 2 = 1 / L
            re -= mean * c.dc_re;
            im -= mean * c.dc_im;
        }
        let amplitude = c.amp_scale * libm::hypotf(re, im);
        self.reset();
        Some(amplitude)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, println};

    /// Amplitude of the f64 DTFT of `xs` at `freq_hz` (the reference).
    fn dtft_amplitude(xs: &[f32], freq_hz: f64, fs_hz: f64, remove_mean: bool) -> f64 {
        let mean = if remove_mean {
            xs.iter().map(|x| f64::from(*x)).sum::<f64>() / xs.len() as f64
        } else {
            0.0
        };
        let (mut re, mut im) = (0.0, 0.0);
        for (n, x) in xs.iter().enumerate() {
            let ph = -2.0 * PI * freq_hz * n as f64 / fs_hz;
            re += (f64::from(*x) - mean) * libm::cos(ph);
            im += (f64::from(*x) - mean) * libm::sin(ph);
        }
        2.0 * libm::hypot(re, im) / xs.len() as f64
    }

    /// The textbook recursion in f32, only to show why Reinsch's form is used.
    fn textbook_amplitude(xs: &[f32], freq_hz: f64, fs_hz: f64) -> f64 {
        let w = 2.0 * PI * freq_hz / fs_hz;
        let coeff = (2.0 * libm::cos(w)) as f32;
        let (mut s1, mut s2) = (0.0_f32, 0.0_f32);
        for x in xs {
            let s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        2.0 * libm::sqrt(f64::from(power.max(0.0))) / xs.len() as f64
    }

    fn run_block(g: &mut Goertzel, xs: &[f32]) -> Option<f32> {
        let mut last = None;
        for (i, x) in xs.iter().enumerate() {
            let r = g.process(*x);
            assert_eq!(r.is_some(), i + 1 == xs.len(), "result only at block end");
            last = r;
        }
        last
    }

    fn pump_like(len: usize, f: f64, fs: f64) -> [f32; 400] {
        core::array::from_fn(|n| {
            if n >= len {
                return 0.0;
            }
            let t = n as f64 / fs;
            (12.0 + 1.5 * libm::sin(2.0 * PI * f * t + 0.3) + 0.4 * libm::sin(4.0 * PI * f * t))
                as f32
        })
    }

    #[test]
    fn validation_names_the_argument() {
        use GoertzelError::*;
        assert_eq!(GoertzelCoeffs::new(1.0, 0.0, 10), Err(SampleRate));
        assert_eq!(GoertzelCoeffs::new(1.0, f32::NAN, 10), Err(SampleRate));
        assert_eq!(GoertzelCoeffs::new(1.0, f32::INFINITY, 10), Err(SampleRate));
        assert_eq!(GoertzelCoeffs::new(0.0, 100.0, 10), Err(Frequency));
        assert_eq!(GoertzelCoeffs::new(50.0, 100.0, 10), Err(Frequency));
        assert_eq!(GoertzelCoeffs::new(f32::NAN, 100.0, 10), Err(Frequency));
        assert_eq!(GoertzelCoeffs::new(1.0, 100.0, 0), Err(BlockLen));
        assert_eq!(
            GoertzelCoeffs::new(1.0, 100.0, MAX_BLOCK_LEN + 1),
            Err(BlockLen)
        );
        assert!(GoertzelCoeffs::new(1.0, 100.0, MAX_BLOCK_LEN).is_ok());
        let msg = format!("{}", GoertzelError::Frequency);
        assert!(msg.contains("freq_hz") && msg.contains("Hz"), "{msg}");
    }

    /// Reinsch's form vs the textbook recursion at the engine's ω ≈ 0.01–0.14 rad, both
    /// in f32 against an f64 DTFT, on a pump-like signal with a large offset.
    #[test]
    fn reinsch_beats_textbook_at_low_frequency() {
        let fs = 100.0;
        let (mut worst_reinsch, mut worst_textbook) = (0.0_f64, 0.0_f64);
        for f in [0.4, 0.7, 1.0, 1.6, 2.2] {
            let len = 400;
            let xs = pump_like(len, f, fs);
            let c = GoertzelCoeffs::new(f as f32, fs as f32, len).unwrap();
            let got = f64::from(run_block(&mut Goertzel::new(c), &xs).unwrap());
            let want = dtft_amplitude(&xs, f, fs, false);
            worst_reinsch = worst_reinsch.max((got - want).abs() / want);
            worst_textbook =
                worst_textbook.max((textbook_amplitude(&xs, f, fs) - want).abs() / want);
        }
        println!(
            "rel. error vs f64 DTFT: reinsch {worst_reinsch:.2e}, textbook {worst_textbook:.2e}"
        );
        assert!(worst_reinsch < 2e-5, "reinsch rel. error {worst_reinsch:e}");
        assert!(
            worst_reinsch < worst_textbook,
            "textbook {worst_textbook:e}"
        );
    }

    #[test]
    fn both_branches_match_dtft_with_and_without_dc_removal() {
        let fs = 200.0;
        let len = 333;
        let xs = pump_like(len, 1.3, fs as f64);
        for f in [0.37_f32, 1.3, 2.6, 17.0, 49.9, 50.1, 73.3, 99.0] {
            for remove in [false, true] {
                let mut c = GoertzelCoeffs::new(f, fs, len).unwrap();
                if remove {
                    c = c.with_dc_removed();
                }
                let got = f64::from(run_block(&mut Goertzel::new(c), &xs[..len]).unwrap());
                let want = dtft_amplitude(&xs[..len], f64::from(f), f64::from(fs), remove);
                // Absolute tolerance against the signal's scale (offset 12, tones ≤ 1.5).
                assert!(
                    (got - want).abs() < 2e-5 * 12.0,
                    "f {f} dc {remove}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn dc_removal_recovers_tone_under_large_offset() {
        // 2.5 cycles per block: the 12.0 offset leaks badly without DC removal.
        let (f, fs, len) = (1.0, 100.0, 250);
        let xs: [f32; 250] =
            core::array::from_fn(|n| (12.0 + 1.5 * libm::sin(2.0 * PI * f * n as f64 / fs)) as f32);
        let c = GoertzelCoeffs::new(f as f32, fs as f32, len).unwrap();
        let plain = run_block(&mut Goertzel::new(c), &xs).unwrap();
        let clean = run_block(&mut Goertzel::new(c.with_dc_removed()), &xs).unwrap();
        assert!((plain - 1.5).abs() > 0.5, "offset should leak: {plain}");
        // What remains is the tone's own negative-frequency image (2.5 cycles: ~2 %).
        assert!((clean - 1.5).abs() < 0.05, "{clean}");
    }

    #[test]
    fn retune_applies_at_next_block_and_reset_is_deterministic() {
        let fs = 100.0;
        let a = GoertzelCoeffs::new(1.0, fs, 100).unwrap();
        let b = GoertzelCoeffs::new(2.0, fs, 50).unwrap();
        let xs: [f32; 100] =
            core::array::from_fn(|n| libm::sinf(2.0 * core::f32::consts::PI * 2.0 * n as f32 / fs));
        let mut g = Goertzel::new(a);
        let _ = g.process(1.0);
        g.retune(b);
        assert_eq!(g.coeffs(), &a, "not before the boundary");
        for _ in 1..99 {
            assert_eq!(g.process(0.0), None);
        }
        assert!(g.process(0.0).is_some());
        assert_eq!(g.coeffs(), &b);
        let first = run_block(&mut g, &xs[..50]).unwrap();
        assert!((first - 1.0).abs() < 1e-4, "{first}");

        // NaN confines itself to one block, and reset gives a fresh detector.
        let mut g2 = Goertzel::new(b);
        assert!(run_block(&mut g2, &[f32::NAN; 50]).unwrap().is_nan());
        assert_eq!(run_block(&mut g2, &xs[..50]), Some(first));
        let _ = g2.process(f32::INFINITY);
        g2.reset();
        assert_eq!(g2, Goertzel::new(b));
        assert_eq!(run_block(&mut g2, &xs[..50]), Some(first));
    }

    #[test]
    fn block_of_one_sample() {
        let c = GoertzelCoeffs::new(10.0, 100.0, 1).unwrap();
        let mut g = Goertzel::new(c);
        assert_eq!(g.process(3.0), Some(6.0)); // 2·|3| / 1
    }
}
