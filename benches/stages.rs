//! Each stage of the engine alone, on a typical simulated session (letdown-datasets,
//! fixed seed) at 1 kHz, decimated to the engine's 100 Hz internal rate for the stages
//! that run there.
//!
//! `cargo bench --bench stages`. Throughput is in the stage's own elements: input
//! samples for sanitize and decimate, decimated samples for the filters, tracker,
//! features and spectral monitor, cycles for the detector, frames for the FFTs
//! (both back-ends of `spectrum::RealSpectrum` on the same 256-sample frames).

mod common;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use letdown_engine::cusum::{self, Cusum};
use letdown_engine::cycle_tracker::{Cycle, CycleTracker};
use letdown_engine::decimate::{self, Decimator};
use letdown_engine::detector::EjectionDetector;
use letdown_engine::features::{BlockFeatures, FlowFeatures};
use letdown_engine::filter::{self, Kind, Section};
use letdown_engine::sanitize::{ChannelLimits, Sanitizer};
use letdown_engine::spectral_monitor::SpectralMonitor;
use letdown_engine::spectrum::{
    bin_count, HannWindow, MicroFft, RealSpectrum, RustFft, SPECTRUM_LEN,
};
use letdown_engine::{EngineConfig, Sample};
use std::hint::black_box;
use std::time::Duration;

const RATE_HZ: f64 = 1000.0;
const SESSION_S: f64 = 300.0;
/// Input samples per iteration of the per-sample stages (1 s at 1 kHz).
const RAW_CHUNK: usize = 1000;
/// Decimated samples per iteration (10 s at 100 Hz: several pump cycles).
const DEC_CHUNK: usize = 1000;

/// Cycles through `xs` in chunks of `n`.
fn chunks<'a, T>(xs: &'a [T], n: usize) -> impl FnMut() -> &'a [T] + 'a {
    let count = (xs.len() / n).max(1);
    let mut k = 0;
    move || {
        let i = k % count;
        k += 1;
        &xs[i * n..((i + 1) * n).min(xs.len())]
    }
}

fn raw_stages(c: &mut Criterion) {
    let input: Vec<Sample> = common::simulated(RATE_HZ, SESSION_S);
    let config = EngineConfig::new(RATE_HZ as f32);
    let stuck = (config.stuck_s * config.sample_rate_hz) as u32;
    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Elements(RAW_CHUNK as u64));

    let mut next = chunks(&input, RAW_CHUNK);
    let mut p = Sanitizer::new(ChannelLimits::PRESSURE_MMHG, stuck);
    let mut f = Sanitizer::new(ChannelLimits::FLOW_ML_MIN, stuck);
    group.bench_function("sanitize_both_channels_1kHz", |b| {
        b.iter(|| {
            let mut faults = 0u32;
            for s in next() {
                let cp = p.process(black_box(s.pressure_mmhg));
                let cf = f.process(black_box(s.flow_ml_min));
                faults += u32::from(cp.fault.is_some()) + u32::from(cf.fault.is_some());
            }
            faults
        })
    });

    let mut next = chunks(&input, RAW_CHUNK);
    let mut d = Decimator::new(decimate::factor_for(RATE_HZ as f32));
    group.bench_function("decimate_1kHz_to_100Hz", |b| {
        b.iter(|| {
            let mut acc = 0.0f32;
            for s in next() {
                if let Some(x) = d.process(black_box(s.pressure_mmhg), s.flow_ml_min, true, true) {
                    acc += x.flow_ml_min;
                }
            }
            acc
        })
    });
    group.finish();
}

fn decimated_stages(c: &mut Criterion) {
    let (fs, pressure, flow) = common::decimated(RATE_HZ, SESSION_S);
    let config = EngineConfig::new(RATE_HZ as f32);
    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Elements(DEC_CHUNK as u64));
    biquad_section(&mut group, fs, &flow);
    cycle_tracker(&mut group, fs, &pressure);
    // A cycle at the stimulation rate, decimated samples.
    let expected_len = (fs * 60.0 / config.stimulation_rate_cpm) as u32;
    flow_features(&mut group, fs, &pressure, &flow, expected_len);
    spectral_monitor(&mut group, fs, &pressure, &flow);
    cusum_standardized(&mut group, &flow);
    group.finish();

    detector(c, fs, &pressure, &flow, &config, expected_len);
}

/// The flow low-pass section, sample by sample then in blocks (the same section: the
/// block bench starts from the state the per-sample one left).
fn biquad_section(group: &mut BenchmarkGroup<WallTime>, fs: f32, flow: &[f32]) {
    let coeffs = filter::design(Kind::LowPass, fs, filter::FLOW_LOWPASS_HZ).expect("cutoff");
    let mut section = Section::settled(coeffs, flow[0]);
    let mut next = chunks(flow, DEC_CHUNK);
    group.bench_function("biquad_section_100Hz", |b| {
        b.iter(|| {
            let mut acc = 0.0f32;
            for &x in next() {
                acc += section.process(black_box(x));
            }
            acc
        })
    });

    let mut block = vec![0.0f32; DEC_CHUNK];
    let mut next = chunks(flow, DEC_CHUNK);
    group.bench_function("biquad_section_block_100Hz", |b| {
        b.iter(|| {
            let src = next();
            block[..src.len()].copy_from_slice(src);
            section.process_block(black_box(&mut block[..src.len()]));
            block[0]
        })
    });
}

/// The cycle tracker on the decimated pressure; it holds the pressure low-pass and
/// high-pass sections.
fn cycle_tracker(group: &mut BenchmarkGroup<WallTime>, fs: f32, pressure: &[f32]) {
    let mut tracker = CycleTracker::new(fs);
    let mut next = chunks(pressure, DEC_CHUNK);
    group.bench_function("cycle_tracker_100Hz", |b| {
        b.iter(|| {
            let mut cycles = 0u32;
            for &x in next() {
                cycles += u32::from(tracker.process(black_box(x)).is_some());
            }
            cycles
        })
    });
}

/// Flow features, closed at the cycle boundaries the tracker finds in `pressure`
/// (precomputed, so only the features are timed); `expected_len` in decimated samples.
fn flow_features(
    group: &mut BenchmarkGroup<WallTime>,
    fs: f32,
    pressure: &[f32],
    flow: &[f32],
    expected_len: u32,
) {
    let boundaries: Vec<bool> = {
        let mut t = CycleTracker::new(fs);
        pressure.iter().map(|&x| t.process(x).is_some()).collect()
    };
    let pairs: Vec<(f32, bool)> = flow.iter().copied().zip(boundaries).collect();
    let mut features = FlowFeatures::new(fs, expected_len);
    let mut next = chunks(&pairs, DEC_CHUNK);
    group.bench_function("flow_features_100Hz", |b| {
        b.iter(|| {
            let mut volume = 0.0f32;
            for &(x, boundary) in next() {
                features.process(black_box(x));
                if boundary {
                    volume += features.close().volume_ml;
                }
            }
            volume
        })
    });
}

/// The spectral monitor on both channels together.
fn spectral_monitor(group: &mut BenchmarkGroup<WallTime>, fs: f32, pressure: &[f32], flow: &[f32]) {
    let mut monitor = SpectralMonitor::new(fs);
    let pf: Vec<(f32, f32)> = pressure.iter().copied().zip(flow.iter().copied()).collect();
    let mut next_pf = chunks(&pf, DEC_CHUNK);
    group.bench_function("spectral_monitor_100Hz", |b| {
        b.iter(|| {
            for &(p, f) in next_pf() {
                monitor.process(black_box(p), black_box(f));
            }
            monitor.latest().pressure_rate_cpm
        })
    });
}

/// CUSUM on the standardized flow (what the detector feeds it, once per cycle; here per
/// sample for a measurable loop).
fn cusum_standardized(group: &mut BenchmarkGroup<WallTime>, flow: &[f32]) {
    let mean = flow.iter().sum::<f32>() / flow.len() as f32;
    let sd = (flow.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / flow.len() as f32)
        .sqrt()
        .max(1e-3);
    let z: Vec<f32> = flow.iter().map(|x| (x - mean) / sd).collect();
    let h = cusum::threshold_for_arl(0.5, 1000.0);
    let mut cusum = Cusum::default();
    let mut next = chunks(&z, DEC_CHUNK);
    group.bench_function("cusum_standardized", |b| {
        b.iter(|| {
            let mut alarms = 0u32;
            for &x in next() {
                if cusum.process(black_box(x), 0.5) > h {
                    alarms += 1;
                    cusum.reset();
                }
            }
            alarms
        })
    });
}

/// The ejection detector over the session's cycles: the (cycle, features, duration)
/// sequence the engine would give it, precomputed with the same stages and band updates.
fn detector(
    c: &mut Criterion,
    fs: f32,
    pressure: &[f32],
    flow: &[f32],
    config: &EngineConfig,
    expected_len: u32,
) {
    let fresh = EjectionDetector::new(config.min_flow_ml_min, config.false_alarms_per_hour);
    let mut cycles: Vec<(Cycle, BlockFeatures, f32)> = Vec::new();
    {
        let coeffs = filter::design(Kind::LowPass, fs, filter::FLOW_LOWPASS_HZ).expect("cutoff");
        let mut lowpass = Section::settled(coeffs, flow[0]);
        let mut tracker = CycleTracker::new(fs);
        let mut features = FlowFeatures::new(fs, expected_len);
        let mut det = fresh;
        for (&p, &f) in pressure.iter().zip(flow) {
            features.process(lowpass.process(f));
            if let Some(cycle) = tracker.process(p) {
                let feats = features.close();
                if cycle.pumping {
                    features.expect_len(cycle.len);
                }
                let dt = cycle.len as f32 / fs;
                det.process(&cycle, &feats, dt);
                let (lo, hi) = det.band();
                features.set_band(lo, hi);
                cycles.push((cycle, feats, dt));
            }
        }
    }
    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Elements(cycles.len() as u64));
    group.bench_function(
        BenchmarkId::new(
            "ejection_detector_per_cycle",
            format!("{}_cycles", cycles.len()),
        ),
        |b| {
            b.iter(|| {
                let mut det = fresh;
                let mut detections = 0u32;
                for (cycle, feats, dt) in &cycles {
                    detections += u32::from(det.process(black_box(cycle), feats, *dt).is_some());
                }
                detections
            })
        },
    );
    group.finish();
}

const BINS: usize = bin_count(SPECTRUM_LEN);

/// Both FFT back-ends on the same Hann-windowed 256-sample frames of decimated flow.
fn spectra(c: &mut Criterion) {
    let (_, _, flow) = common::decimated(RATE_HZ, SESSION_S);
    let hann = HannWindow::<SPECTRUM_LEN>::new();
    let frames: Vec<[f32; SPECTRUM_LEN]> = flow
        .chunks_exact(SPECTRUM_LEN)
        .map(|w| {
            let mut frame = [0.0; SPECTRUM_LEN];
            frame.copy_from_slice(w);
            let mut out = [0.0; SPECTRUM_LEN];
            hann.apply_demeaned(&frame, &mut out);
            out
        })
        .collect();
    let mut group = c.benchmark_group("spectrum_256");
    group.throughput(Throughput::Elements(1));
    let mut mags = [0.0f32; BINS];

    let mut next = chunks(&frames, 1);
    let mut window_out = [0.0f32; SPECTRUM_LEN];
    group.bench_function("hann_demeaned", |b| {
        b.iter(|| {
            hann.apply_demeaned(black_box(&next()[0]), &mut window_out);
            window_out[1]
        })
    });

    let mut micro = MicroFft::<SPECTRUM_LEN>::new();
    let mut next = chunks(&frames, 1);
    group.bench_function("microfft", |b| {
        b.iter(|| {
            micro.magnitudes(black_box(&next()[0]), &mut mags);
            mags[5]
        })
    });

    let mut rust = RustFft::<SPECTRUM_LEN>::new();
    let mut next = chunks(&frames, 1);
    group.bench_function("rustfft", |b| {
        b.iter(|| {
            RealSpectrum::<SPECTRUM_LEN, BINS>::magnitudes(
                &mut rust,
                black_box(&next()[0]),
                &mut mags,
            );
            mags[5]
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = raw_stages, decimated_stages, spectra
}
criterion_main!(benches);
