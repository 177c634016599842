//! Windowed spectra of pressure and flow: the pump's fundamental as the FFT sees it, and
//! the flow's pulsation and harmonic content at that frequency.
//!
//! The decimated signals (100–200 Hz) are averaged down once more to ~25 Hz and kept in
//! 256-sample rings (≈ 10 s), so the pump fundamental (0.4–2.2 Hz) sits 4–22 bins above
//! DC, where [`crate::spectrum::tone_amplitude`] is accurate to ≤ 0.03 %. Every 32 new
//! samples (≈ 1.3 s) one channel's spectrum is recomputed, alternating pressure and flow,
//! so each is refreshed every 64 samples (≈ 2.6 s) and no single sample pays for two FFTs.
//!
//! The engine always uses the allocation-free [`MicroFft`] back-end here, with or without
//! `std`: the engine must behave bit-for-bit the same in firmware and on a PC. The std
//! back-end (`RustFft`) serves the offline tools and is proven equal in the tests.

use crate::spectrum::{
    bin_count, harmonics, tone_amplitude, HannWindow, MicroFft, RealSpectrum, SPECTRUM_LEN,
};

/// Target rate of the spectral rings, Hz.
pub const SPECTRAL_RATE_HZ: f32 = 25.0;
/// New samples between two spectrum updates (per channel pair).
pub const HOP: usize = 64;
const BINS: usize = bin_count(SPECTRUM_LEN);
/// Lowest and highest pump fundamental searched in the pressure spectrum, Hz (24 … 130 cpm
/// with margin).
const PUMP_BAND_HZ: (f32, f32) = (0.35, 2.4);

/// Latest spectral features (NaN until the first window has filled).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpectralFeatures {
    /// Strongest pressure frequency in the pump band, cpm.
    pub pressure_rate_cpm: f32,
    /// Pressure amplitude at that frequency, mmHg.
    pub pressure_amplitude_mmhg: f32,
    /// Flow amplitude at the pump fundamental, mL/min: milk moves with each suction
    /// stroke, so real flow pulses at the pump rate while sensor drift does not.
    pub flow_pulsation_ml_min: f32,
    /// Energy of the flow's 2nd and 3rd harmonics relative to its fundamental.
    pub flow_harmonic_ratio: f32,
}

impl SpectralFeatures {
    const UNKNOWN: Self = Self {
        pressure_rate_cpm: f32::NAN,
        pressure_amplitude_mmhg: f32::NAN,
        flow_pulsation_ml_min: f32::NAN,
        flow_harmonic_ratio: f32::NAN,
    };
}

/// The spectral stage's state: two rings, the window, the FFT and its scratch.
#[derive(Clone, Debug)]
pub struct SpectralMonitor {
    factor: u32,
    fs: f32,
    count: u32,
    sum_p: f32,
    sum_f: f32,
    pressure: [f32; SPECTRUM_LEN],
    flow: [f32; SPECTRUM_LEN],
    pos: usize,
    filled: usize,
    since: usize,
    flow_next: bool,
    window: HannWindow<SPECTRUM_LEN>,
    fft: MicroFft<SPECTRUM_LEN>,
    frame: [f32; SPECTRUM_LEN],
    windowed: [f32; SPECTRUM_LEN],
    mags: [f32; BINS],
    latest: SpectralFeatures,
}

impl SpectralMonitor {
    /// A monitor fed at `input_rate_hz` (the engine's decimated rate).
    ///
    /// Inlined into the engine's constructor, so its 6 KB of buffers are written where the
    /// engine lives rather than on the stack first.
    #[inline(always)]
    pub fn new(input_rate_hz: f32) -> Self {
        let factor = libm::roundf(input_rate_hz / SPECTRAL_RATE_HZ).max(1.0) as u32;
        Self {
            factor,
            fs: input_rate_hz / factor as f32,
            count: 0,
            sum_p: 0.0,
            sum_f: 0.0,
            pressure: [0.0; SPECTRUM_LEN],
            flow: [0.0; SPECTRUM_LEN],
            pos: 0,
            filled: 0,
            since: 0,
            flow_next: false,
            window: HannWindow::new(),
            fft: MicroFft::new(),
            frame: [0.0; SPECTRUM_LEN],
            windowed: [0.0; SPECTRUM_LEN],
            mags: [0.0; BINS],
            latest: SpectralFeatures::UNKNOWN,
        }
    }

    /// The rings' sample rate, Hz.
    #[cfg(any(test, feature = "internals"))]
    pub fn sample_rate_hz(&self) -> f32 {
        self.fs
    }

    /// The latest features.
    pub fn latest(&self) -> SpectralFeatures {
        self.latest
    }

    /// Adds one decimated sample of both channels (finite values).
    #[inline]
    pub fn process(&mut self, pressure: f32, flow: f32) {
        self.sum_p += pressure;
        self.sum_f += flow;
        self.count += 1;
        if self.count < self.factor {
            return;
        }
        let inv = 1.0 / self.factor as f32;
        self.pressure[self.pos] = self.sum_p * inv;
        self.flow[self.pos] = self.sum_f * inv;
        self.sum_p = 0.0;
        self.sum_f = 0.0;
        self.count = 0;
        self.pos = (self.pos + 1) % SPECTRUM_LEN;
        self.filled = (self.filled + 1).min(SPECTRUM_LEN);
        self.since += 1;
        if self.filled == SPECTRUM_LEN && self.since >= HOP / 2 {
            // Alternate channels every half hop: each is refreshed once per hop.
            self.since = 0;
            if self.flow_next {
                self.update_flow();
            } else {
                self.update_pressure();
            }
            self.flow_next = !self.flow_next;
        }
    }

    fn spectrum_of(&mut self, flow: bool) {
        let ring = if flow { &self.flow } else { &self.pressure };
        // Oldest sample first.
        for (i, x) in self.frame.iter_mut().enumerate() {
            *x = ring[(self.pos + i) % SPECTRUM_LEN];
        }
        self.window.apply_demeaned(&self.frame, &mut self.windowed);
        self.fft.magnitudes(&self.windowed, &mut self.mags);
    }

    fn update_pressure(&mut self) {
        self.spectrum_of(false);
        let n = SPECTRUM_LEN as f32;
        let lo = (libm::ceilf(PUMP_BAND_HZ.0 * n / self.fs) as usize).max(1);
        let hi = (libm::floorf(PUMP_BAND_HZ.1 * n / self.fs) as usize).clamp(lo, BINS - 2);
        let mut best = lo;
        for k in lo..=hi {
            if self.mags[k] > self.mags[best] {
                best = k;
            }
        }
        // Parabolic interpolation of the peak on log magnitudes.
        let (a, b, c) = (
            libm::logf(self.mags[best - 1].max(1e-20)),
            libm::logf(self.mags[best].max(1e-20)),
            libm::logf(self.mags[best + 1].max(1e-20)),
        );
        let denom = a - 2.0 * b + c;
        let offset = if denom < 0.0 {
            (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let freq = (best as f32 + offset) * self.fs / n;
        self.latest.pressure_rate_cpm = freq * 60.0;
        self.latest.pressure_amplitude_mmhg =
            tone_amplitude(&self.mags, freq, self.fs).unwrap_or(f32::NAN);
    }

    fn update_flow(&mut self) {
        let freq = self.latest.pressure_rate_cpm / 60.0;
        if !freq.is_finite() {
            return;
        }
        self.spectrum_of(true);
        self.latest.flow_pulsation_ml_min =
            tone_amplitude(&self.mags, freq, self.fs).unwrap_or(f32::NAN);
        self.latest.flow_harmonic_ratio = harmonics(&self.mags, freq, self.fs)
            .and_then(|h| h.energy_ratio())
            .unwrap_or(f32::NAN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_pump_rate_and_flow_pulsation() {
        let fs = 100.0;
        let mut m = SpectralMonitor::new(fs);
        let f0 = 108.0 / 60.0;
        for i in 0..3000 {
            let w = 2.0 * core::f32::consts::PI * f0 * i as f32 / fs;
            let p = -60.0 + 50.0 * libm::sinf(w);
            let flow = 10.0 + 6.0 * libm::sinf(w - 1.0);
            m.process(p, flow);
        }
        let s = m.latest();
        assert!((s.pressure_rate_cpm - 108.0).abs() < 1.0, "{s:?}");
        assert!((s.pressure_amplitude_mmhg - 50.0).abs() < 1.0, "{s:?}");
        assert!((s.flow_pulsation_ml_min - 6.0).abs() < 0.2, "{s:?}");
        assert!(s.flow_harmonic_ratio < 0.01, "{s:?}");
    }
}
