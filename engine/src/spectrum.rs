//! Magnitude spectra of a fixed-size real window, behind one small trait with two
//! back-ends, plus the helpers the feature stage needs (Hann window, tone amplitude at a
//! frequency in Hz, harmonic ratio of the pump-rate tone).
//!
//! * [`RealSpectrum`] — "give me `|X[k]|` for `k = 0 ..= N/2` of this real frame".
//! * [`MicroFft`] — `no_std`, allocation-free, built on the `microfft` crate; always
//!   available. Sizes 64, 128 and 256.
//! * `RustFft` — the reference back-end, only with feature `internals` (benches and
//!   tests); built on `realfft`/`rustfft`, planned and with every buffer allocated once
//!   in `RustFft::new`, so `magnitudes` never allocates. The engine itself always uses
//!   [`MicroFft`], so it is the same code, without a heap, with or without `std`; the
//!   tests in `engine/tests/spectrum_accuracy.rs` prove both back-ends give the same
//!   spectra as a naive f64 DFT.
//!
//! Both back-ends return the *unnormalised* DFT magnitude, the same numbers as
//! `|Σ x[n]·e^{-2πikn/N}|`; windowing is the caller's choice through [`HannWindow`], and
//! [`tone_amplitude`] / [`harmonics`] turn the magnitudes of a Hann-windowed frame back
//! into physical amplitudes (input units).
//!
//! Array lengths: stable Rust cannot write `[f32; N / 2 + 1]` for a generic `N`, so the
//! trait carries the bin count as a second const parameter `BINS`, which must equal
//! [`bin_count`]`(N)`; every implementation checks that at compile time. Users with a
//! concrete `N` write `[0.0; bin_count(256)]` or use [`SPECTRUM_LEN`] / `SPECTRUM_BINS`.
//!
//! ```
//! use letdown_engine::spectrum::{
//!     bin_count, harmonics, tone_amplitude, HannWindow, MicroFft, RealSpectrum,
//! };
//! const N: usize = 256;
//! let fs_hz = 100.0;
//! let frame: [f32; N] = core::array::from_fn(|n| {
//!     let t = n as f32 / fs_hz;
//!     20.0 + 2.0 * (2.0 * core::f32::consts::PI * 5.3 * t).sin()
//! });
//! let hann = HannWindow::<N>::new();
//! let mut fft = MicroFft::<N>::new();
//! let mut windowed = [0.0; N];
//! let mut mags = [0.0; bin_count(N)];
//! hann.apply_demeaned(&frame, &mut windowed); // drop the 20.0 offset first
//! fft.magnitudes(&windowed, &mut mags);
//! let a = tone_amplitude(&mags, 5.3, fs_hz).unwrap();
//! assert!((a - 2.0).abs() < 0.01);
//! let h = harmonics(&mags, 5.3, fs_hz).unwrap();
//! assert!(h.energy_ratio().unwrap() < 1e-3);
//! ```

use core::f64::consts::PI;

/// Window length (samples) the engine uses for its spectra: 256 samples of the spectral
/// monitor's ~25 Hz series (the decimated signals averaged down once more), i.e. a window
/// of about 10 s.
pub const SPECTRUM_LEN: usize = 256;

/// Number of magnitude bins for [`SPECTRUM_LEN`]: DC, 127 positive frequencies, Nyquist.
#[cfg(any(test, feature = "internals"))]
pub const SPECTRUM_BINS: usize = bin_count(SPECTRUM_LEN);

/// Number of non-redundant bins of an `n`-point real DFT: `n / 2 + 1` (DC ..= Nyquist).
pub const fn bin_count(n: usize) -> usize {
    n / 2 + 1
}

/// Magnitude spectrum of a real frame of `N` samples.
///
/// `BINS` must be [`bin_count`]`(N)` (checked at compile time by each implementation;
/// it is a separate parameter only because stable Rust cannot compute array lengths
/// from a generic parameter).
pub trait RealSpectrum<const N: usize, const BINS: usize> {
    /// Writes `out[k] = |Σₙ input[n]·e^{-2πi·k·n/N}|` for `k = 0 ..= N/2`: the
    /// unnormalised DFT magnitude, in input units × samples. Bin `k` is at
    /// `k · sample_rate / N` Hz; `out[0]` is DC and `out[N/2]` is Nyquist.
    ///
    /// Never allocates and never panics. Non-finite input gives non-finite bins for that
    /// call only (no state carries over between calls). Finite input with
    /// `|x| ≤ f32::MAX / (4·N)` gives finite output (magnitudes use `hypot`, so no
    /// intermediate squaring overflows).
    fn magnitudes(&mut self, input: &[f32; N], out: &mut [f32; BINS]);
}

// ---------------------------------------------------------------------------------------
// Hann window

/// Periodic ("DFT-even") Hann window `w[n] = 0.5 − 0.5·cos(2πn/N)`, coefficients computed
/// once (in f64, rounded to f32) at construction.
///
/// Why Hann: its sidelobes fall off at 18 dB/octave, so the large DC of the flow channel
/// and the strong fundamental do not leak into the harmonic bins the engine compares;
/// its scalloping between bins (up to 1.42 dB) is undone exactly by [`tone_amplitude`].
/// The periodic form (not the symmetric one) makes the window's DFT vanish exactly at
/// bin offsets ±2, ±3, … and sums to exactly `N/2`.
#[derive(Clone, Debug, PartialEq)]
pub struct HannWindow<const N: usize> {
    coeffs: [f32; N],
}

impl<const N: usize> HannWindow<N> {
    /// Computes the `N` coefficients. `N` must be even and at least 4 (compile-time check).
    pub fn new() -> Self {
        const { assert!(N >= 4 && N % 2 == 0, "HannWindow: N must be even and >= 4") };
        let mut coeffs = [0.0_f32; N];
        for (n, c) in coeffs.iter_mut().enumerate() {
            *c = (0.5 - 0.5 * libm::cos(2.0 * PI * n as f64 / N as f64)) as f32;
        }
        Self { coeffs }
    }

    /// The window coefficients (dimensionless, 0 … 1).
    #[cfg(any(test, feature = "internals"))]
    pub fn coefficients(&self) -> &[f32; N] {
        &self.coeffs
    }

    /// `out[n] = input[n] · w[n]`.
    #[cfg(any(test, feature = "internals"))]
    pub fn apply(&self, input: &[f32; N], out: &mut [f32; N]) {
        for ((o, x), w) in out.iter_mut().zip(input).zip(&self.coeffs) {
            *o = x * w;
        }
    }

    /// `out[n] = (input[n] − mean(input)) · w[n]`.
    ///
    /// Use this for signals with a large offset (the flow channel, the vacuum level):
    /// the window's main lobe spreads DC over bins 0 and ±1, which is where a slow pump
    /// fundamental sits when the window holds only a few cycles.
    pub fn apply_demeaned(&self, input: &[f32; N], out: &mut [f32; N]) {
        // Σ(x/N) rather than Σx/N: cannot overflow for finite input.
        let inv_n = 1.0 / N as f32;
        let mean: f32 = input.iter().map(|x| x * inv_n).sum();
        for ((o, x), w) in out.iter_mut().zip(input).zip(&self.coeffs) {
            *o = (x - mean) * w;
        }
    }
}

impl<const N: usize> Default for HannWindow<N> {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------
// microfft back-end (no_std)

/// `no_std`, allocation-free back-end on `microfft`'s in-place real FFT. Holds one
/// `N`-sample work buffer (`4·N` bytes); implements [`RealSpectrum`] for `N` = 64, 128
/// and 256 (the sizes enabled through microfft's `size-256` feature).
///
/// microfft packs the real Nyquist coefficient into the imaginary part of bin 0; this
/// type unpacks it into `out[N/2]`.
#[derive(Clone, Debug, PartialEq)]
pub struct MicroFft<const N: usize> {
    buf: [f32; N],
}

impl<const N: usize> MicroFft<N> {
    /// A back-end for `N`-point frames. `N` must be 64, 128 or 256 (compile-time check).
    pub fn new() -> Self {
        const {
            assert!(
                N == 64 || N == 128 || N == 256,
                "MicroFft: N must be 64, 128 or 256"
            )
        };
        Self { buf: [0.0; N] }
    }
}

impl<const N: usize> Default for MicroFft<N> {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! micro_fft_impl {
    ($($n:literal => $rfft:path),* $(,)?) => {$(
        impl RealSpectrum<$n, { bin_count($n) }> for MicroFft<$n> {
            fn magnitudes(&mut self, input: &[f32; $n], out: &mut [f32; bin_count($n)]) {
                self.buf = *input;
                let bins = $rfft(&mut self.buf);
                // bins[0] = (DC, Nyquist) packed; bins[k] = X[k] for 1 ≤ k < N/2.
                let [dc, nyquist] = [bins[0].re, bins[0].im];
                for (o, c) in out.iter_mut().zip(bins.iter()).skip(1) {
                    *o = libm::hypotf(c.re, c.im);
                }
                out[0] = libm::fabsf(dc);
                out[$n / 2] = libm::fabsf(nyquist);
            }
        }
    )*};
}

micro_fft_impl! {
    64 => microfft::real::rfft_64,
    128 => microfft::real::rfft_128,
    256 => microfft::real::rfft_256,
}

// ---------------------------------------------------------------------------------------
// realfft / rustfft back-end (reference, feature `internals`)

#[cfg(feature = "internals")]
pub use rust_fft::RustFft;

#[cfg(feature = "internals")]
mod rust_fft {
    use super::{bin_count, RealSpectrum};
    use realfft::num_complex::Complex;
    use realfft::{RealFftPlanner, RealToComplex};
    use std::sync::Arc;
    use std::vec::Vec;

    /// Reference back-end on `realfft` (which wraps `rustfft`, SIMD where available). Plans
    /// the transform and allocates the input copy, output and scratch buffers once in
    /// [`RustFft::new`]; [`magnitudes`](RealSpectrum::magnitudes) never allocates. Any
    /// even `N ≥ 2`.
    #[derive(Clone)]
    pub struct RustFft<const N: usize> {
        plan: Arc<dyn RealToComplex<f32>>,
        /// realfft uses its input as scratch, so the caller's frame is copied here.
        input: [f32; N],
        /// `N/2 + 1` complex bins.
        output: Vec<Complex<f32>>,
        scratch: Vec<Complex<f32>>,
    }

    impl<const N: usize> RustFft<N> {
        /// Plans an `N`-point forward real FFT and allocates its buffers. `N` must be
        /// even and at least 2 (compile-time check).
        pub fn new() -> Self {
            const { assert!(N >= 2 && N % 2 == 0, "RustFft: N must be even and >= 2") };
            let plan = RealFftPlanner::<f32>::new().plan_fft_forward(N);
            let output = plan.make_output_vec();
            let scratch = plan.make_scratch_vec();
            Self {
                plan,
                input: [0.0; N],
                output,
                scratch,
            }
        }
    }

    impl<const N: usize> Default for RustFft<N> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<const N: usize> core::fmt::Debug for RustFft<N> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("RustFft")
                .field("len", &N)
                .field("scratch_len", &self.scratch.len())
                .finish_non_exhaustive()
        }
    }

    impl<const N: usize, const BINS: usize> RealSpectrum<N, BINS> for RustFft<N> {
        fn magnitudes(&mut self, input: &[f32; N], out: &mut [f32; BINS]) {
            const { assert!(BINS == bin_count(N), "RustFft: BINS must be N / 2 + 1") };
            self.input = *input;
            let done = self.plan.process_with_scratch(
                &mut self.input,
                &mut self.output,
                &mut self.scratch,
            );
            if done.is_err() {
                // Unreachable: every length was fixed by `new`. Say so loudly in the
                // output rather than panicking in the hot path.
                out.fill(f32::NAN);
                return;
            }
            for (o, c) in out.iter_mut().zip(&self.output) {
                *o = libm::hypotf(c.re, c.im);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading a Hann spectrum in physical units

/// Amplitude (input units, peak) of a sinusoid at `freq_hz`, read from the magnitudes
/// of a frame windowed with [`HannWindow`] and sampled at `sample_rate_hz`.
///
/// The frequency usually falls between bins `k` and `k+1` (at fractional offset `δ`);
/// the estimate is `2·(|X[k]| + |X[k+1]|) / (|W(δ)| + |W(1−δ)|)`, where `W` is the exact
/// `N`-point transform of the periodic Hann window. For a single tone at `freq_hz` this
/// is exact up to the tone's own negative-frequency image, which sits `2·freq·N/fs` bins
/// away, so accuracy depends on how far the tone is from DC (and Nyquist). Measured on
/// N = 256 with [`HannWindow::apply_demeaned`] (`tests/spectrum_accuracy.rs`): ≤ 11 %
/// error with the tone 1–2 bins from DC, ≤ 0.1 % at 2–3 bins, ≤ 0.03 % at 3–4 bins,
/// ≤ 2e-5 at 6 bins, ≤ 3e-7 from 20 bins. So pick `N` and the sample rate to put the
/// fundamental at least 2–3 bins up (`freq_hz ≥ 2.5 · sample_rate_hz / N`), and remove
/// any offset with [`HannWindow::apply_demeaned`].
/// Summing two bins (not just the nearest) makes the estimate insensitive to a small
/// error in `freq_hz` (the kernel sum varies only between 1.5 and 1.70 across a bin).
///
/// `N` is `2·(BINS − 1)`. Returns `None` if `sample_rate_hz` is not finite and positive
/// or `freq_hz` is not within `(0, sample_rate_hz / 2]`. Non-finite magnitudes give a
/// non-finite amplitude. Never panics, never allocates.
pub fn tone_amplitude<const BINS: usize>(
    mags: &[f32; BINS],
    freq_hz: f32,
    sample_rate_hz: f32,
) -> Option<f32> {
    const { assert!(BINS >= 3, "tone_amplitude: need at least 3 bins (N >= 4)") };
    if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
        return None;
    }
    if !(freq_hz > 0.0 && freq_hz <= 0.5 * sample_rate_hz) {
        return None;
    }
    let n = 2.0 * (BINS - 1) as f64;
    // Fractional bin of the tone, in (0, N/2]; the lower bin is at most N/2 − 1 so that
    // k + 1 is a valid bin.
    let pos = f64::from(freq_hz) * n / f64::from(sample_rate_hz);
    let k = (libm::floor(pos) as usize).min(BINS - 2);
    let delta = pos - k as f64; // ∈ [0, 1]
    let lo = f64::from(*mags.get(k)?);
    let hi = f64::from(*mags.get(k + 1)?);
    let kernel = hann_kernel(delta, n) + hann_kernel(1.0 - delta, n);
    Some((2.0 * (lo + hi) / kernel) as f32)
}

/// `|W(x)|`: magnitude of the `n`-point DFT of the periodic Hann window at a frequency
/// `x` bins from the tone (`W(0) = n/2`, `W(±1) = n/4`, `W(±2) = 0`). Exact for finite
/// `n` (three Dirichlet kernels), not the large-`n` sinc approximation.
fn hann_kernel(x: f64, n: f64) -> f64 {
    // R(x) = sin(πx) / sin(πx/n), the Dirichlet kernel's magnitude part; R(0) = n.
    let r = |x: f64| {
        let den = libm::sin(PI * x / n);
        if libm::fabs(den) < 1e-12 {
            n
        } else {
            libm::sin(PI * x) / den
        }
    };
    // W(x) = e^{-iπx(n-1)/n} · [½R(x) + ¼e^{-iπ/n}R(x−1) + ¼e^{+iπ/n}R(x+1)]
    let (rm, r0, rp) = (r(x - 1.0), r(x), r(x + 1.0));
    let re = 0.5 * r0 + 0.25 * libm::cos(PI / n) * (rm + rp);
    let im = 0.25 * libm::sin(PI / n) * (rp - rm);
    libm::hypot(re, im)
}

/// Amplitudes (input units, peak) of the pump-rate tone and its 2nd and 3rd harmonics,
/// as read by [`tone_amplitude`] from one Hann spectrum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Harmonics {
    /// Amplitude at the fundamental `f`.
    pub fundamental: f32,
    /// Amplitude at `2f`.
    pub second: f32,
    /// Amplitude at `3f`.
    pub third: f32,
}

impl Harmonics {
    /// Energy in the 2nd and 3rd harmonics relative to the fundamental:
    /// `(a₂² + a₃²) / a₁²` (dimensionless; 0 for a pure sinusoid, larger for a peaky,
    /// pulsatile waveform). `None` if the fundamental is zero or the ratio is not finite.
    pub fn energy_ratio(&self) -> Option<f32> {
        let [a1, a2, a3] = [self.fundamental, self.second, self.third].map(f64::from);
        // f64: squares of any f32 are finite, so only the final ratio can overflow.
        let ratio = (a2 * a2 + a3 * a3) / (a1 * a1);
        let ratio = ratio as f32;
        (a1 > 0.0 && ratio.is_finite()).then_some(ratio)
    }
}

/// Amplitudes at `fundamental_hz`, `2·fundamental_hz` and `3·fundamental_hz` from the
/// magnitudes of a [`HannWindow`]-ed frame (see [`tone_amplitude`] for the method and
/// its accuracy). `None` if the sample rate is invalid or `3·fundamental_hz` is not
/// within `(0, sample_rate_hz / 2]`.
///
/// Ask it "how strong is the flow's pump-rate harmonic": `harmonics(..)?.energy_ratio()`
/// or `harmonic_ratio`.
pub fn harmonics<const BINS: usize>(
    mags: &[f32; BINS],
    fundamental_hz: f32,
    sample_rate_hz: f32,
) -> Option<Harmonics> {
    Some(Harmonics {
        fundamental: tone_amplitude(mags, fundamental_hz, sample_rate_hz)?,
        second: tone_amplitude(mags, 2.0 * fundamental_hz, sample_rate_hz)?,
        third: tone_amplitude(mags, 3.0 * fundamental_hz, sample_rate_hz)?,
    })
}

/// `harmonics(mags, fundamental_hz, sample_rate_hz)?.energy_ratio()`: energy at `2f` and
/// `3f` relative to `f` (dimensionless).
#[cfg(any(test, feature = "internals"))]
pub fn harmonic_ratio<const BINS: usize>(
    mags: &[f32; BINS],
    fundamental_hz: f32,
    sample_rate_hz: f32,
) -> Option<f32> {
    harmonics(mags, fundamental_hz, sample_rate_hz)?.energy_ratio()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_is_periodic_and_sums_to_half_n() {
        let w = HannWindow::<64>::new();
        let c = w.coefficients();
        assert_eq!(c[0], 0.0);
        assert!((c[32] - 1.0).abs() < 1e-7);
        assert!((c[16] - 0.5).abs() < 1e-7);
        assert!((c[1] - c[63]).abs() < 1e-7);
        let sum: f32 = c.iter().sum();
        assert!((sum - 32.0).abs() < 1e-4, "sum {sum}");
    }

    #[test]
    fn hann_kernel_known_values() {
        for n in [64.0, 256.0] {
            assert!((hann_kernel(0.0, n) - n / 2.0).abs() < 1e-9);
            assert!((hann_kernel(1.0, n) - n / 4.0).abs() < 1e-9);
            assert!((hann_kernel(-1.0, n) - n / 4.0).abs() < 1e-9);
            assert!(hann_kernel(2.0, n).abs() < 1e-9);
            assert!(hann_kernel(3.0, n).abs() < 1e-9);
            // Large-n limit at half a bin: sinc(½)/(1 − ¼) = 0.8488 (−1.42 dB).
            let half = hann_kernel(0.5, n) / (n / 2.0);
            assert!((half - 0.848_826).abs() < 1e-3, "{half}");
        }
    }

    /// The kernel against a brute-force DTFT of the window coefficients.
    #[test]
    fn hann_kernel_matches_brute_force_dtft() {
        const N: usize = 64;
        let w = HannWindow::<N>::new();
        for i in 0..=40 {
            let x = -2.0 + 0.1 * f64::from(i);
            let (mut re, mut im) = (0.0, 0.0);
            for (n, c) in w.coefficients().iter().enumerate() {
                let ph = -2.0 * PI * x * n as f64 / N as f64;
                re += f64::from(*c) * libm::cos(ph);
                im += f64::from(*c) * libm::sin(ph);
            }
            let brute = libm::hypot(re, im);
            assert!((brute - hann_kernel(x, N as f64)).abs() < 1e-5, "x {x}");
        }
    }

    #[test]
    fn micro_fft_unpacks_dc_and_nyquist() {
        let mut fft = MicroFft::<64>::new();
        let mut out = [0.0; bin_count(64)];
        let dc = [-2.0_f32; 64];
        fft.magnitudes(&dc, &mut out);
        assert_eq!(out[0], 128.0);
        assert!(out[1..].iter().all(|m| *m == 0.0));
        let nyq: [f32; 64] = core::array::from_fn(|n| if n % 2 == 0 { 3.0 } else { -3.0 });
        fft.magnitudes(&nyq, &mut out);
        assert_eq!(out[32], 192.0);
        assert!(out[..32].iter().all(|m| *m == 0.0));
    }

    #[test]
    fn tone_amplitude_rejects_bad_arguments() {
        let mags = [1.0_f32; bin_count(64)];
        assert_eq!(tone_amplitude(&mags, 0.0, 100.0), None);
        assert_eq!(tone_amplitude(&mags, -1.0, 100.0), None);
        assert_eq!(tone_amplitude(&mags, 50.1, 100.0), None);
        assert_eq!(tone_amplitude(&mags, f32::NAN, 100.0), None);
        assert_eq!(tone_amplitude(&mags, 1.0, f32::NAN), None);
        assert_eq!(tone_amplitude(&mags, 1.0, f32::INFINITY), None);
        assert_eq!(tone_amplitude(&mags, 1.0, 0.0), None);
        // Exactly Nyquist is allowed and reads the last two bins.
        assert!(tone_amplitude(&mags, 50.0, 100.0).is_some());
        assert_eq!(harmonics(&mags, 16.7, 100.0), None); // 3f above Nyquist
    }

    #[test]
    fn energy_ratio_edge_cases() {
        let h = |a, b, c| Harmonics {
            fundamental: a,
            second: b,
            third: c,
        };
        assert_eq!(h(2.0, 1.0, 0.0).energy_ratio(), Some(0.25));
        assert_eq!(h(0.0, 1.0, 1.0).energy_ratio(), None);
        assert_eq!(h(1e-30, 1e30, 0.0).energy_ratio(), None);
        assert_eq!(h(f32::NAN, 1.0, 0.0).energy_ratio(), None);
        assert_eq!(h(1.0, f32::NAN, 0.0).energy_ratio(), None);
        assert_eq!(h(f32::MAX, f32::MAX, f32::MAX).energy_ratio(), Some(2.0));
    }

    #[test]
    fn back_ends_carry_no_state_between_calls() {
        let mut fft = MicroFft::<128>::new();
        let x: [f32; 128] = core::array::from_fn(|n| libm::sinf(0.3 * n as f32));
        let mut fresh = [0.0; bin_count(128)];
        let mut after_nan = [0.0; bin_count(128)];
        MicroFft::<128>::new().magnitudes(&x, &mut fresh);
        fft.magnitudes(&[f32::NAN; 128], &mut after_nan);
        assert!(after_nan.iter().all(|m| m.is_nan()));
        fft.magnitudes(&x, &mut after_nan);
        assert_eq!(fresh, after_nan);
    }
}
