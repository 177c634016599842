//! Session replay speed: letdown-io's streaming readers over bundled sessions
//! (datasets/sessions/, CSV) and a simulated 15-minute 1 kHz session (CSV and Parquet),
//! alone and with the engine behind them (what `letdown replay` does per file).
//!
//! `cargo bench --bench replay`. CSV files are read into memory once so the figures are
//! the parser's and the engine's, not the disk's; one variant opens the file each time
//! to show the whole path. Parquet files are read from a temporary file (in the page
//! cache after the first pass). Throughput is in rows; after criterion's groups a
//! summary prints the replay speed as a multiple of the session's real time, and the
//! rows per second of replays (reader + engine) of 8 files on 1 and on 2 threads
//! (`-- summary` prints only that).

mod common;

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use letdown_engine::EngineConfig;
use letdown_io::session_parquet_writer::Codec;
use letdown_io::{ParquetSessionWriter, SessionItem, SessionReader, SessionWriter};
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

/// The simulated session of the Parquet comparison: 1 kHz (the engine's default rate),
/// 15 minutes, typical profile.
const FLEET_RATE_HZ: f64 = 1000.0;
const FLEET_SECONDS: f64 = 900.0;

/// The simulated session written as CSV (in memory) and as Parquet (files in `dir`,
/// uncompressed and Snappy-compressed).
struct Copies {
    csv: Vec<u8>,
    parquet: PathBuf,
    snappy: PathBuf,
    rows: u64,
}

fn copies(dir: &Path) -> Copies {
    let samples = common::simulated(FLEET_RATE_HZ, FLEET_SECONDS);
    let meta = [("profile", "typical")];
    let mut csv = SessionWriter::new(Vec::new(), FLEET_RATE_HZ, &meta).expect("csv");
    for &s in &samples {
        csv.write_sample(s).expect("csv row");
    }
    let write = |name: &str, codec| {
        let path = dir.join(name);
        let mut pq =
            ParquetSessionWriter::create(&path, FLEET_RATE_HZ, &meta, codec).expect("parquet");
        for &s in &samples {
            pq.write_sample(s).expect("parquet row");
        }
        pq.finish().expect("parquet footer");
        path
    };
    Copies {
        csv: csv.finish().expect("csv"),
        parquet: write("typical_1kHz_15min.parquet", Codec::Uncompressed),
        snappy: write("typical_1kHz_15min.snappy.parquet", Codec::Snappy),
        rows: samples.len() as u64,
    }
}

/// A temporary folder for the Parquet copies, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("letdown-bench-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn parquet_vs_csv(c: &mut Criterion) {
    let dir = TempDir::new();
    let copies = copies(&dir.0);
    let csv_path = PathBuf::from("typical_1kHz_15min.csv");
    let label = "typical_1kHz_15min";
    let mut group = c.benchmark_group("replay_parquet");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(copies.rows));
    group.bench_function(BenchmarkId::new("read_parquet_from_file", label), |b| {
        b.iter(|| read_all(SessionReader::open(&copies.parquet).expect("open")))
    });
    group.bench_function(BenchmarkId::new("read_parquet_plus_engine", label), |b| {
        b.iter(|| replay(SessionReader::open(&copies.parquet).expect("open")))
    });
    group.bench_function(
        BenchmarkId::new("read_snappy_parquet_plus_engine", label),
        |b| b.iter(|| replay(SessionReader::open(&copies.snappy).expect("open"))),
    );
    group.bench_function(BenchmarkId::new("read_csv_plus_engine", label), |b| {
        b.iter(|| replay(SessionReader::new(&copies.csv[..], csv_path.clone()).expect("header")))
    });
    group.finish();
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

/// Rows per second of `files` replays spread over `threads` threads (best of 3).
fn parallel_rows_per_s(
    threads: usize,
    files: usize,
    rows: u64,
    open: &(dyn Fn() -> u32 + Sync),
) -> f64 {
    let pass = || {
        let t0 = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..threads {
                scope.spawn(move || {
                    for _ in (t..files).step_by(threads) {
                        black_box(open());
                    }
                });
            }
        });
        t0.elapsed().as_secs_f64()
    };
    let best = (0..3).map(|_| pass()).fold(f64::INFINITY, f64::min);
    (rows * files as u64) as f64 / best
}

/// Replays (reader + engine) of 8 copies of the simulated 1 kHz session, CSV and
/// Parquet, on 1 and 2 threads.
fn threads_summary() {
    let dir = TempDir::new();
    let copies = copies(&dir.0);
    let csv_path = PathBuf::from("typical_1kHz_15min.csv");
    let csv = || replay(SessionReader::new(&copies.csv[..], csv_path.clone()).expect("header"));
    let parquet = || replay(SessionReader::open(&copies.parquet).expect("open"));
    let snappy = || replay(SessionReader::open(&copies.snappy).expect("open"));
    println!(
        "\nreplay of 8 x {} rows (1 kHz, 15 min), reader + engine, best of 3:",
        copies.rows
    );
    for (label, open) in [
        ("csv (in memory)", &csv as &(dyn Fn() -> u32 + Sync)),
        ("parquet (file)", &parquet),
        ("snappy parquet", &snappy),
    ] {
        let one = parallel_rows_per_s(1, 8, copies.rows, open);
        let two = parallel_rows_per_s(2, 8, copies.rows, open);
        println!(
            "  {label:<16} 1 thread {:6.2} M rows/s, 2 threads {:6.2} M rows/s ({:.2}x)",
            one / 1e6,
            two / 1e6,
            two / one
        );
    }
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
    targets = reading, parquet_vs_csv
}

fn main() {
    benches();
    if common::summary_wanted() {
        summary();
        threads_summary();
    }
    Criterion::default().configure_from_args().final_summary();
}
