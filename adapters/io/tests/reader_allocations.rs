//! Reading a session row by row allocates nothing once the reused record has grown to
//! the rows' size (a counting global allocator watches the whole test binary, which is
//! why this test lives alone in its own file).

use letdown_engine::Sample;
use letdown_io::{SessionItem, SessionReader, SessionWriter};
use letdown_test_support::alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn rows_and_gaps_are_read_without_allocating() {
    let mut writer =
        SessionWriter::new(Vec::new(), 1000.0, &[("profile", "typical")]).expect("header");
    for i in 0..50_000u32 {
        if i % 1000 == 999 {
            writer.skip(3);
        }
        let x = i as f32;
        let sample = Sample::new(-150.0 + (x * 0.01).sin(), 12.345 * (x * 0.001).cos());
        writer.write_sample(sample).expect("in memory");
    }
    let bytes = writer.finish().expect("in memory");
    let mut reader = SessionReader::new(&bytes[..], "alloc.csv").expect("valid");
    // Warm-up: the reused record grows to the widest row here.
    for _ in 0..1000 {
        assert!(matches!(reader.next_item(), Ok(Some(_))));
    }
    let before = allocations();
    let (mut rows, mut gaps) = (0u32, 0u32);
    while let Ok(Some(item)) = reader.next_item() {
        match item {
            SessionItem::Row(_) => rows += 1,
            SessionItem::Gap(_) => gaps += 1,
        }
    }
    let allocations = allocations() - before;
    assert!(rows > 45_000 && gaps > 40, "{rows} rows, {gaps} gaps");
    assert_eq!(
        allocations, 0,
        "{allocations} allocations while reading {rows} rows"
    );
}
