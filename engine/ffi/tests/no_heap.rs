//! Zero heap through the C ABI: building an engine in caller memory and running a whole
//! bundled session through every call (per sample, in blocks, gaps, settings, counters,
//! error texts) allocates nothing. A counting global allocator sees every allocation of
//! this test binary, which has this one test.

mod support;

use letdown_ffi::*;
use letdown_io::{SessionItem, SessionReader};
use letdown_test_support::alloc::{allocations, Counting};
use std::path::Path;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A session's samples, and its gaps as (before sample, missing).
enum Item {
    Sample(ld_sample),
    Gap(u64),
}

fn load(path: &Path) -> (f32, Vec<Item>) {
    let mut reader = SessionReader::open(path).unwrap();
    let rate = reader.metadata().sample_rate_hz as f32;
    let mut items = Vec::new();
    while let Some(item) = reader.next_item().unwrap() {
        items.push(match item {
            SessionItem::Row(r) => Item::Sample(ld_sample {
                pressure_mmhg: r.sample.pressure_mmhg,
                flow_ml_min: r.sample.flow_ml_min,
            }),
            SessionItem::Gap(g) => Item::Gap(g.missing),
        });
    }
    (rate, items)
}

/// Runs `items` through the C ABI: one call per sample for the first half, blocks of 32
/// (into an events array of 2) for the rest. Returns the events seen.
fn run(engine: *mut ld_engine, items: &[Item], events: &mut [ld_event; 2]) -> usize {
    let mut seen = 0;
    let mut block = [ld_sample::default(); 32];
    let mut queued = 0;
    let half = items.len() / 2;
    for (i, item) in items.iter().enumerate() {
        let status = match *item {
            // SAFETY: pointers to live locals and slices of their types and lengths.
            Item::Gap(missing) => unsafe { ld_process_gap(engine, missing, &mut events[0]) },
            // SAFETY: pointers to live locals and slices of their types and lengths.
            Item::Sample(s) if i < half => unsafe {
                ld_process(engine, s.pressure_mmhg, s.flow_ml_min, &mut events[0])
            },
            Item::Sample(s) => {
                block[queued] = s;
                queued += 1;
                if queued == block.len() {
                    seen += feed_block(engine, &block, events);
                    queued = 0;
                }
                ld_status::LD_OK
            }
        };
        assert!((status as i32) >= 0, "{status:?}");
        seen += usize::from(status == ld_status::LD_EVENT);
    }
    seen + feed_block(engine, &block[..queued], events)
}

fn feed_block(engine: *mut ld_engine, samples: &[ld_sample], events: &mut [ld_event; 2]) -> usize {
    let mut seen = 0;
    support::feed_block(engine, samples, events, |_| seen += 1);
    seen
}

#[test]
fn nothing_allocates_through_the_c_abi() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sessions");
    let session = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("s15") && !p.to_string_lossy().contains("labels"))
        .unwrap();
    let (rate, items) = load(&session);
    assert!(
        items.iter().any(|i| matches!(i, Item::Gap(_))),
        "the session has a gap"
    );
    let mut memory = vec![0u64; ld_engine_size().div_ceil(8)];
    let mut events = [ld_event::from(letdown_engine::Event {
        sample_index: 0,
        kind: letdown_engine::EventKind::Hint,
        reason: letdown_engine::Reason::SessionEnd,
        confidence: 0.0,
        hint: None,
    }); 2];
    let mut snapshot = ld_snapshot::from(
        letdown_engine::EngineConfig::new(rate)
            .build()
            .unwrap()
            .snapshot(),
    );

    let before = allocations();
    let config = ld_config_default(rate);
    let mut engine: *mut ld_engine = std::ptr::null_mut();
    // SAFETY: pointers to live locals and slices of their types and lengths.
    let status = unsafe {
        ld_engine_init(
            memory.as_mut_ptr().cast(),
            memory.len() * 8,
            &config,
            &mut engine,
        )
    };
    assert_eq!(status, ld_status::LD_OK);
    let seen = run(engine, &items, &mut events);
    let mut settings = ld_user_settings::default();
    assert_eq!(
        // SAFETY: pointers to live locals and slices of their types and lengths.
        unsafe { ld_user_settings_get(engine, &mut settings) },
        ld_status::LD_OK
    );
    settings.max_vacuum_mmhg = -400.0;
    assert_eq!(
        // SAFETY: pointers to live locals and slices of their types and lengths.
        unsafe { ld_set_user_settings(engine, &settings) },
        ld_status::LD_ERR_MAX_VACUUM
    );
    let mut stats = ld_stats::default();
    assert_eq!(
        // SAFETY: pointers to live locals and slices of their types and lengths.
        unsafe { ld_stats_get(engine, &mut stats) },
        ld_status::LD_OK
    );
    assert_eq!(
        // SAFETY: pointers to live locals and slices of their types and lengths.
        unsafe { ld_snapshot_get(engine, &mut snapshot) },
        ld_status::LD_OK
    );
    assert!(!ld_strerror(ld_status::LD_ERR_MAX_VACUUM as i32).is_null());
    let allocated = allocations() - before;

    assert!(
        seen >= 10,
        "{seen} events: the session exercised the detector"
    );
    assert!(
        stats.missing_samples > 0 && stats.samples > 50_000,
        "{stats:?}"
    );
    assert!(snapshot.has_cycle, "{snapshot:?}");
    assert_eq!(allocated, 0, "allocations through the C ABI");
    // The counter counts: this test binary does allocate where it means to.
    drop(std::hint::black_box(vec![0u8; 16]));
    assert!(allocations() > before);
}
