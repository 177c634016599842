//! The engine's filter designs against frequency responses computed independently by
//! scipy (`tests/reference/filters.py` made `filters.csv`), and against `biquad`'s own
//! designer.

use letdown_engine::filter::{self, Kind};

#[test]
fn responses_match_scipy_butterworth() {
    let table = include_str!("reference/filters.csv");
    let mut checked = 0;
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let kind = match f[0] {
            "lowpass" => Kind::LowPass,
            "highpass" => Kind::HighPass,
            other => panic!("unknown kind {other}"),
        };
        let [fs, fc, freq, want]: [f64; 4] =
            core::array::from_fn(|i| f[i + 1].parse().expect("number"));
        let c = filter::design(kind, fs as f32, fc as f32).expect("design");
        let got = filter::magnitude(&c, fs as f32, freq as f32);
        // f32 coefficients: relative error ≤ 3e-3 (the 0.2 Hz high-pass at ~200 Hz has
        // poles within 0.01 of z = 1, where f32 rounding moves the response by ~0.15 %),
        // or 1e-5 absolute deep in the stop band.
        let tol = (want * 3e-3).max(1e-5);
        assert!(
            (got - want).abs() <= tol,
            "{line}: got {got:.6e}, scipy {want:.6e}"
        );
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} reference points");
}

#[test]
fn design_matches_the_biquad_crate() {
    for (kind, fc) in [
        (Kind::LowPass, 8.0),
        (Kind::HighPass, 0.2),
        (Kind::LowPass, 10.0),
    ] {
        for fs in [100.0f32, 150.0, 199.0] {
            let ours = filter::design(kind, fs, fc).unwrap();
            let theirs = filter::design_with_biquad_crate(kind, fs, fc).unwrap();
            for f in [0.1f32, 1.0, 5.0, 20.0] {
                let (a, b) = (
                    filter::magnitude(&ours, fs, f),
                    filter::magnitude(&theirs, fs, f),
                );
                // `biquad` designs in f32 (sin/cos of a tiny angle), so near a 0.2 Hz
                // cutoff at ~200 Hz it is ~0.4 % off the exact response, which is why the
                // engine designs in f64; ours is checked to 0.3 % against scipy above.
                assert!(
                    (a - b).abs() <= 1e-2 * a.max(1e-3),
                    "{kind:?} {fc} Hz at {fs}: {a} vs {b}"
                );
            }
        }
    }
}
