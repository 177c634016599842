//! Second-order IIR sections (crate `biquad`) designed from the internal sample rate.
//!
//! Three filters run after decimation:
//! - pressure low-pass (8 Hz): keeps the pump waveform (fundamental ≤ 2.2 Hz and its
//!   first harmonics) and removes sensor noise;
//! - pressure high-pass (0.2 Hz): removes the waveform's DC level and slow drift, so the
//!   cycle tracker can find cycles by zero crossings whatever the vacuum setting;
//! - flow low-pass (10 Hz): smooths sensor noise and quantisation while keeping the
//!   pulsation at the pump rate that per-cycle features measure.
//!
//! Coefficients are computed in f64 from the RBJ audio-EQ cookbook (what `biquad` uses),
//! then rounded to f32, so a low cutoff at a high rate keeps its accuracy.

use biquad::{Biquad, Coefficients, DirectForm2Transposed};

/// Butterworth quality factor (maximally flat pass band).
pub const Q_BUTTERWORTH: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// Pressure low-pass cutoff, Hz.
pub const PRESSURE_LOWPASS_HZ: f32 = 8.0;
/// Pressure DC-removal high-pass cutoff, Hz: a decade below the slowest pump (24 cpm = 0.4 Hz)
/// would be 0.04 Hz, but that settles too slowly after a vacuum change; at 0.2 Hz the
/// phase lead at 0.4 Hz is 27°, harmless for finding cycle boundaries.
pub const PRESSURE_HIGHPASS_HZ: f32 = 0.2;
/// Flow smoothing low-pass cutoff, Hz.
pub const FLOW_LOWPASS_HZ: f32 = 10.0;

/// The kind of section to design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Second-order Butterworth low-pass.
    LowPass,
    /// Second-order Butterworth high-pass.
    HighPass,
}

/// Designs a Butterworth section at `cutoff_hz` for a stream at `sample_rate_hz`.
/// Returns `None` when the cutoff is not strictly between 0 and Nyquist.
pub fn design(kind: Kind, sample_rate_hz: f32, cutoff_hz: f32) -> Option<Coefficients<f32>> {
    let fs = f64::from(sample_rate_hz);
    let f0 = f64::from(cutoff_hz);
    if !(f0 > 0.0 && f0 < fs / 2.0) {
        return None;
    }
    let w0 = 2.0 * core::f64::consts::PI * f0 / fs;
    let (sin, cos) = (libm::sin(w0), libm::cos(w0));
    let alpha = sin / (2.0 * Q_BUTTERWORTH);
    let a0 = 1.0 + alpha;
    let (b0, b1, b2) = match kind {
        Kind::LowPass => ((1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0),
        Kind::HighPass => ((1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0),
    };
    Some(Coefficients {
        a1: (-2.0 * cos / a0) as f32,
        a2: ((1.0 - alpha) / a0) as f32,
        b0: (b0 / a0) as f32,
        b1: (b1 / a0) as f32,
        b2: (b2 / a0) as f32,
    })
}

/// One section: `biquad`'s transposed direct form II, which holds its coefficients and
/// two state variables.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    df2t: DirectForm2Transposed<f32>,
}

impl Section {
    /// A section with zero state.
    pub fn new(coeffs: Coefficients<f32>) -> Self {
        Self {
            df2t: DirectForm2Transposed::<f32>::new(coeffs),
        }
    }

    /// A section that starts in steady state for a constant input `x0`, so the first
    /// outputs carry no start-up transient.
    #[cfg(any(test, feature = "internals"))]
    pub fn settled(coeffs: Coefficients<f32>, x0: f32) -> Self {
        let mut s = Self::new(coeffs);
        s.settle(x0);
        s
    }

    /// Sets the state to the steady state for a constant input `x0`.
    pub fn settle(&mut self, x0: f32) {
        let c = self.coeffs();
        let dc_gain = (c.b0 + c.b1 + c.b2) / (1.0 + c.a1 + c.a2);
        let y = dc_gain * x0;
        // Steady state of y = s1 + b0·x, s1 = s2 + b1·x − a1·y, s2 = b2·x − a2·y.
        self.df2t.s2 = c.b2 * x0 - c.a2 * y;
        self.df2t.s1 = y - c.b0 * x0;
    }

    /// The section's coefficients.
    pub fn coeffs(&self) -> Coefficients<f32> {
        let mut copy = self.df2t;
        // `biquad` keeps coefficients private; replacing on a copy reads them out.
        copy.replace_coefficients(Coefficients {
            a1: 0.0,
            a2: 0.0,
            b0: 0.0,
            b1: 0.0,
            b2: 0.0,
        })
    }

    /// Filters one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        self.df2t.run(x)
    }

    /// Filters a block in place; identical to calling [`process`](Self::process) per sample.
    #[cfg(any(test, feature = "internals"))]
    pub fn process_block(&mut self, xs: &mut [f32]) {
        for x in xs {
            *x = self.process(*x);
        }
    }
}

/// Magnitude of a section's frequency response at `freq_hz` for `sample_rate_hz`
/// (evaluates H(e^jω) directly; used by tests and for documentation of the design).
#[cfg(any(test, feature = "internals"))]
pub fn magnitude(c: &Coefficients<f32>, sample_rate_hz: f32, freq_hz: f32) -> f64 {
    let w = 2.0 * core::f64::consts::PI * f64::from(freq_hz) / f64::from(sample_rate_hz);
    let (c1, s1) = (libm::cos(w), -libm::sin(w));
    let (c2, s2) = (libm::cos(2.0 * w), -libm::sin(2.0 * w));
    let (b0, b1, b2) = (f64::from(c.b0), f64::from(c.b1), f64::from(c.b2));
    let (a1, a2) = (f64::from(c.a1), f64::from(c.a2));
    let num_re = b0 + b1 * c1 + b2 * c2;
    let num_im = b1 * s1 + b2 * s2;
    let den_re = 1.0 + a1 * c1 + a2 * c2;
    let den_im = a1 * s1 + a2 * s2;
    libm::sqrt((num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im))
}

/// `biquad`'s own designer, exposed so tests can check ours against it.
#[cfg(any(test, feature = "internals"))]
pub fn design_with_biquad_crate(
    kind: Kind,
    sample_rate_hz: f32,
    cutoff_hz: f32,
) -> Option<Coefficients<f32>> {
    use biquad::{ToHertz, Type};
    let t = match kind {
        Kind::LowPass => Type::LowPass,
        Kind::HighPass => Type::HighPass,
    };
    Coefficients::<f32>::from_params(
        t,
        sample_rate_hz.hz(),
        cutoff_hz.hz(),
        biquad::Q_BUTTERWORTH_F32,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_section_outputs_its_dc_gain_at_once() {
        let c = design(Kind::LowPass, 100.0, 8.0).unwrap();
        let mut s = Section::settled(c, -120.0);
        for _ in 0..10 {
            assert!((s.process(-120.0) + 120.0).abs() < 1e-3);
        }
        let h = design(Kind::HighPass, 100.0, 0.2).unwrap();
        let mut s = Section::settled(h, -120.0);
        assert!(s.process(-120.0).abs() < 1e-3);
    }

    #[test]
    fn block_equals_per_sample() {
        let c = design(Kind::LowPass, 1000.0, 10.0).unwrap();
        let (mut a, mut b) = (Section::new(c), Section::new(c));
        let mut xs: [f32; 64] = core::array::from_fn(|i| ((i * 37) % 11) as f32 - 5.0);
        let ys: [f32; 64] = core::array::from_fn(|i| a.process(xs[i]));
        b.process_block(&mut xs);
        assert_eq!(xs, ys);
    }

    #[test]
    fn cutoffs_outside_nyquist_are_refused() {
        assert!(design(Kind::LowPass, 100.0, 50.0).is_none());
        assert!(design(Kind::LowPass, 100.0, 0.0).is_none());
        assert!(design(Kind::HighPass, 100.0, f32::NAN).is_none());
    }
}
