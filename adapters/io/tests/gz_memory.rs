//! A gzip-compressed session is streamed: reading one whose text is tens of megabytes
//! keeps well under a megabyte alive at any moment, and reading a row allocates nothing
//! (a global allocator watching live bytes covers the whole test binary, which is why
//! this test lives alone in its own file).

use flate2::write::GzEncoder;
use flate2::Compression;
use letdown_engine::Sample;
use letdown_io::{SessionItem, SessionReader, SessionWriter};
use letdown_test_support::alloc::{allocations, peak_bytes, reset_peak, Counting};
use std::io::BufWriter;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_gz_session_is_streamed_not_held_in_memory() {
    const ROWS: u32 = 1_000_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.csv.gz");
    let file = std::fs::File::create(&path).expect("create");
    let encoder = GzEncoder::new(BufWriter::new(file), Compression::fast());
    let mut writer =
        SessionWriter::new(encoder, 1000.0, &[("profile", "typical")]).expect("header");
    for i in 0..ROWS {
        let x = i as f32;
        let sample = Sample::new(-150.0 + (x * 0.01).sin(), 12.345 * (x * 0.001).cos());
        writer.write_sample(sample).expect("write");
    }
    writer
        .finish()
        .and_then(|encoder| encoder.finish())
        .and_then(|mut out| std::io::Write::flush(&mut out))
        .expect("finish");

    let text_bytes = std::io::copy(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).expect("open")),
        &mut std::io::sink(),
    )
    .expect("decompress");

    let live_before = reset_peak();
    let mut reader = SessionReader::open(&path).expect("valid");
    for _ in 0..1000 {
        assert!(matches!(reader.next_item(), Ok(Some(_))));
    }
    let allocations_before = allocations();
    let mut rows = 1000u32;
    while let Some(item) = reader.next_item().expect("valid") {
        if let SessionItem::Row(_) = item {
            rows += 1;
        }
    }
    let allocations = allocations() - allocations_before;
    let peak = peak_bytes() - live_before;
    drop(reader);
    assert_eq!(rows, ROWS);
    assert!(text_bytes > 20_000_000, "{text_bytes} bytes of text");
    assert!(
        peak < 1 << 20,
        "{peak} bytes alive at the peak while reading {text_bytes} bytes of text"
    );
    assert_eq!(
        allocations, 0,
        "{allocations} allocations while reading {rows} rows"
    );
    println!("{rows} rows, {text_bytes} bytes of text, peak {peak} bytes alive while reading");
}
