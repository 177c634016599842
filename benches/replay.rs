//! Session CSV replay speed: letdown-adapters' streaming reader over bundled sessions
//! (datasets/sessions/), alone and with the engine behind it (what `letdown replay` does
//! per file).
//!
//! `cargo bench --bench replay`. The file is read into memory once so the figures are
//! the parser's and the engine's, not the disk's; one variant opens the file each time
//! to show the whole path. Throughput is in rows; after criterion's groups a summary
//! prints the replay speed as a multiple of the session's real time (`-- summary` prints
//! only that).

mod common;

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use letdown_adapters::{SessionItem, SessionReader};
use letdown_engine::EngineConfig;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// (label, file name in datasets/sessions/).
const SESSIONS: [(&str, &str); 2] = [
    ("typical_100Hz_8min", "sim-typical-s11-timer120-100hz-8min.csv"),
    (
        "faults_250Hz_4min",
        "sim-typical-s15-timer120-250hz-4min-f-dropout+stuck+saturation+spikes+bubbles+overvacuum+drift+gain.csv",
    ),
];

fn path_of(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/sessions")
        .join(file)
}

fn load(file: &str) -> (PathBuf, Vec<u8>) {
    let path = path_of(file);
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

/// Reads every item; returns (rows, missing samples).
fn read_all<R: Read>(reader: SessionReader<R>) -> (u64, u64) {
    let (mut rows, mut missing) = (0u64, 0u64);
    for item in reader {
        match item.expect("bundled session reads cleanly") {
            SessionItem::Row(row) => {
                black_box(row.sample);
                rows += 1;
            }
            SessionItem::Gap(gap) => missing += gap.missing,
        }
    }
    (rows, missing)
}

/// Reads every item into a fresh engine; returns the number of events.
fn replay<R: Read>(reader: SessionReader<R>) -> u32 {
    let rate = reader.sample_rate_hz() as f32;
    let mut engine = EngineConfig::new(rate)
        .build()
        .expect("session rate is valid");
    let mut events = 0u32;
    for item in reader {
        let event = match item.expect("bundled session reads cleanly") {
            SessionItem::Row(row) => engine.process(row.sample),
            SessionItem::Gap(gap) => engine.process_gap(gap.missing),
        };
        events += u32::from(event.is_some());
    }
    events
}

fn rows_of(path: &Path, bytes: &[u8]) -> u64 {
    read_all(SessionReader::new(bytes, path).expect("header")).0
}

fn reading(c: &mut Criterion) {
    let mut group = c.benchmark_group("replay");
    group.sampling_mode(SamplingMode::Flat);
    for (label, file) in SESSIONS {
        let (path, bytes) = load(file);
        group.throughput(Throughput::Elements(rows_of(&path, &bytes)));
        group.bench_function(BenchmarkId::new("read_csv_in_memory", label), |b| {
            b.iter(|| read_all(SessionReader::new(&bytes[..], path.clone()).expect("header")))
        });
        group.bench_function(BenchmarkId::new("read_csv_from_file", label), |b| {
            b.iter(|| read_all(SessionReader::open(&path).expect("open")))
        });
        group.bench_function(BenchmarkId::new("read_csv_plus_engine", label), |b| {
            b.iter(|| replay(SessionReader::new(&bytes[..], path.clone()).expect("header")))
        });
    }
    group.finish();
}

/// Whole-file passes timed directly (best of 5): rows/s and × the session's real time.
fn summary() {
    println!("\nreplay summary (in memory, best of 5, one core):");
    for (label, file) in SESSIONS {
        let (path, bytes) = load(file);
        let reader = SessionReader::new(&bytes[..], path.clone()).expect("header");
        let rate = reader.sample_rate_hz();
        let (rows, missing) = read_all(reader);
        let session_s = (rows + missing) as f64 / rate;
        let best = |f: &dyn Fn()| {
            (0..5)
                .map(|_| {
                    let t0 = Instant::now();
                    f();
                    t0.elapsed()
                })
                .min()
                .unwrap_or(Duration::MAX)
                .as_secs_f64()
        };
        let open = || SessionReader::new(&bytes[..], path.clone()).expect("header");
        let read_s = best(&|| {
            black_box(read_all(open()));
        });
        let replay_s = best(&|| {
            black_box(replay(open()));
        });
        println!(
            "  {label:<20} {rows} rows, {:.1} MB: read {:6.2} M rows/s ({:>7.0}x real time), \
             read+engine {:6.2} M rows/s ({:>7.0}x real time)",
            bytes.len() as f64 / 1e6,
            rows as f64 / read_s / 1e6,
            session_s / read_s,
            rows as f64 / replay_s / 1e6,
            session_s / replay_s,
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    targets = reading
}

fn main() {
    benches();
    if common::summary_wanted() {
        summary();
    }
    Criterion::default().configure_from_args().final_summary();
}
