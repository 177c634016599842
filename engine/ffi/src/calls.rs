//! The calls on a running engine: one per sample, one per block, one per gap, the user's
//! settings, the counters. Each checks its pointers first and changes nothing when it
//! refuses them.

use crate::memory::{checked, engine_and_out, engine_mut, engine_ref, ld_engine};
use crate::snapshot::ld_snapshot;
use crate::status::ld_status;
use crate::types::{ld_event, ld_sample, ld_stats, ld_user_settings};
use letdown_engine::{Engine, Event, Sample, MAX_GAP_SAMPLES};

/// The longest gap `ld_process_gap` takes, samples (2^40: 3.5 years at 10 kHz); a longer
/// one is refused with `LD_ERR_GAP_TOO_LONG`, as a count that went negative in the
/// caller's arithmetic (cast to `uint64_t`, nearly 2^64) would be.
pub const LD_MAX_GAP_SAMPLES: u64 = 1_099_511_627_776;
const _: () = assert!(LD_MAX_GAP_SAMPLES == MAX_GAP_SAMPLES);

/// Returns early with the refusal's code.
macro_rules! try_status {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(status) => return status,
        }
    };
}

/// Processes one sample: `LD_EVENT` with its event written to `out`, or `LD_OK` with
/// `out` untouched. The one place the C layer calls `Engine::process`, so that in the
/// firmware build (LTO) the engine has a single call site and is inlined here: the engine's
/// own stack frame then serves the C call too, its event is tested in registers rather
/// than through memory, and `ld_process` reaches it with a jump after its pointer checks.
///
/// # Safety
/// `out` must be valid for a write of an `ld_event` (non-null: checked; any alignment)
/// when the sample completes an event.
#[inline(never)]
unsafe fn step(engine: &mut Engine, sample: Sample, out: *mut ld_event) -> ld_status {
    // SAFETY: the caller's promise about `out`, passed on.
    unsafe { deliver(engine.process(sample), out) }
}

/// `LD_EVENT` with the event written to `out`, or `LD_OK` with `out` untouched.
///
/// # Safety
/// `out` must be valid for a write of an `ld_event` (non-null: checked; any alignment)
/// when `event` is one.
#[inline(always)]
unsafe fn deliver(event: Option<Event>, out: *mut ld_event) -> ld_status {
    match event {
        None => ld_status::LD_OK,
        Some(e) => {
            // SAFETY: the caller checked that `out` is non-null and promises it is
            // writable; `write_unaligned` needs no alignment.
            unsafe { out.write_unaligned(e.into()) };
            ld_status::LD_EVENT
        }
    }
}

/// Processes one sample (gauge pressure, mmHg; flow, mL/min; any `float`). Returns
/// `LD_EVENT` with the event this sample completes in `*event`, `LD_OK` when there is
/// none (`*event` untouched), or an error code (nothing processed).
///
/// # Safety
/// `engine` must be a handle from `ld_engine_init` (or null) not used by another call at
/// the same time; `event` must be null or valid for a write of an `ld_event` (at any alignment).
#[no_mangle]
pub unsafe extern "C" fn ld_process(
    engine: *mut ld_engine,
    pressure_mmhg: f32,
    flow_ml_min: f32,
    event: *mut ld_event,
) -> ld_status {
    // SAFETY: the caller's promises about `engine` and `event`.
    let engine = try_status!(unsafe { engine_and_out(engine, event) });
    // SAFETY: `event` was checked and the caller promises it is writable.
    unsafe { step(engine, Sample::new(pressure_mmhg, flow_ml_min), event) }
}

/// Processes `n` samples in order, the same events as `ld_process` on each, written to
/// `events[0 .. *n_events]`. Stops early only when `capacity` events are written and
/// samples remain: `*processed` says how many samples were consumed (`n` otherwise), so
/// a caller with a smaller array calls again with the rest; no event is ever lost.
/// Returns `LD_OK`, or an error code with nothing processed (`samples` or `events` may
/// be null only when `n` or `capacity` is 0; `capacity` 0 with samples to process is
/// `LD_ERR_NO_EVENT_ROOM`, as no event they complete could be delivered).
///
/// # Safety
/// As `ld_process`; `samples` valid for reads of `n` `ld_sample`s, `events` for writes
/// of `capacity` `ld_event`s, `processed` and `n_events` for a write of a `size_t`, and
/// none of them overlapping.
#[no_mangle]
pub unsafe extern "C" fn ld_process_block(
    engine: *mut ld_engine,
    samples: *const ld_sample,
    n: usize,
    events: *mut ld_event,
    capacity: usize,
    processed: *mut usize,
    n_events: *mut usize,
) -> ld_status {
    // SAFETY: the caller's promise about `engine`.
    let engine = try_status!(unsafe { engine_mut(engine) });
    let processed = try_status!(checked(processed));
    let n_events = try_status!(checked(n_events));
    let samples = try_status!(slice_or_empty(samples.cast_mut(), n));
    let events = try_status!(slice_or_empty(events, capacity));
    if capacity == 0 && n > 0 {
        return ld_status::LD_ERR_NO_EVENT_ROOM;
    }
    // SAFETY: non-null and aligned (checked), or dangling-but-aligned for length 0; the
    // caller promises `n` readable samples that nothing writes during the call. Any bit
    // pattern is a valid `ld_sample` (floats).
    let samples = unsafe { core::slice::from_raw_parts(samples, n) };
    let mut rest = samples.iter();
    let mut written = 0;
    // Few values live across the engine call, so the loop keeps them in registers.
    for s in rest.by_ref() {
        // SAFETY: `written < capacity` (`capacity` > 0 whenever there is a sample, and the
        // loop stops when they meet), and the caller promises `capacity` writable events
        // at the checked (non-null, aligned) `events`; written through the pointer, never
        // read, as C may pass uninitialised memory.
        let status = unsafe {
            step(
                engine,
                Sample::new(s.pressure_mmhg, s.flow_ml_min),
                events.add(written),
            )
        };
        if status == ld_status::LD_EVENT {
            written += 1;
            if written == capacity {
                break;
            }
        }
    }
    let done = n - rest.len();
    // SAFETY: both checked (non-null, aligned); the caller promises they are writable.
    unsafe {
        processed.write(done);
        n_events.write(written);
    }
    ld_status::LD_OK
}

/// The pointer of a C array of `len` elements, checked; a dangling aligned pointer for an
/// empty array that C may pass as null.
fn slice_or_empty<T>(ptr: *mut T, len: usize) -> Result<*mut T, ld_status> {
    if len == 0 {
        Ok(core::ptr::NonNull::dangling().as_ptr())
    } else {
        checked(ptr)
    }
}

/// Reports `missing` samples that never arrived (a gap in the stream): the first one
/// raises a stale-data pause. Returns as `ld_process`, or `LD_ERR_GAP_TOO_LONG` with
/// nothing changed when `missing` exceeds `LD_MAX_GAP_SAMPLES`. With `missing` 0 nothing
/// is processed and the next event still waiting, if any, is returned (`LD_EVENT`): how
/// to take the events a stream's last samples left behind.
///
/// # Safety
/// As `ld_process`.
#[no_mangle]
pub unsafe extern "C" fn ld_process_gap(
    engine: *mut ld_engine,
    missing: u64,
    event: *mut ld_event,
) -> ld_status {
    // SAFETY: the caller's promises about `engine` and `event`.
    let engine = try_status!(unsafe { engine_and_out(engine, event) });
    if missing > LD_MAX_GAP_SAMPLES {
        return ld_status::LD_ERR_GAP_TOO_LONG;
    }
    let e = engine.process_gap(missing);
    // SAFETY: `event` was checked and the caller promises it is writable.
    unsafe { deliver(e, event) }
}

/// Changes the user's settings from the next sample on (every later hint asks for her
/// targets; vacuum beyond her new maximum pauses the pump). Returns `LD_OK`, or the code
/// of the first field out of range with nothing changed.
///
/// # Safety
/// As `ld_process`; `settings` null or valid for a read of an `ld_user_settings`.
#[no_mangle]
pub unsafe extern "C" fn ld_set_user_settings(
    engine: *mut ld_engine,
    settings: *const ld_user_settings,
) -> ld_status {
    // SAFETY: the caller's promise about `engine`.
    let engine = try_status!(unsafe { engine_mut(engine) });
    let settings = try_status!(checked(settings.cast_mut()));
    // SAFETY: checked (non-null, aligned); the caller promises it is readable; any bit
    // pattern is a valid `ld_user_settings` (floats).
    let settings = unsafe { settings.read() };
    match engine.set_user_settings(settings.into()) {
        Ok(()) => ld_status::LD_OK,
        Err(e) => e.into(),
    }
}

/// Writes `read(engine)` to `*out`: every getter's body. Returns `LD_OK` or an error code
/// with `*out` untouched.
///
/// # Safety
/// `engine` a handle from `ld_engine_init` (or null) that no call changes at the same
/// time; `out` null or valid for a write of a `T`.
unsafe fn get<T>(
    engine: *const ld_engine,
    out: *mut T,
    read: impl FnOnce(&Engine) -> T,
) -> ld_status {
    // SAFETY: the caller's promise about `engine`.
    let engine = try_status!(unsafe { engine_ref(engine) });
    let out = try_status!(checked(out));
    // SAFETY: checked (non-null, aligned); the caller promises it is writable.
    unsafe { out.write(read(engine)) };
    ld_status::LD_OK
}

/// Writes the user's current settings to `*settings`. Returns `LD_OK` or an error code.
///
/// # Safety
/// `engine` a handle from `ld_engine_init` (or null) that no call changes at the same
/// time (a snapshot read from a task while an interrupt runs `ld_process` on the same
/// engine is undefined: call both from one context, or guard the engine with the
/// firmware's own lock); `settings` null or valid for a write of an `ld_user_settings`.
#[no_mangle]
pub unsafe extern "C" fn ld_user_settings_get(
    engine: *const ld_engine,
    settings: *mut ld_user_settings,
) -> ld_status {
    // SAFETY: the caller's promises, passed on.
    unsafe { get(engine, settings, |e| e.user_settings().into()) }
}

/// Writes the engine's counters to `*stats`. Returns `LD_OK` or an error code.
///
/// # Safety
/// As `ld_user_settings_get`, for an `ld_stats`.
#[no_mangle]
pub unsafe extern "C" fn ld_stats_get(engine: *const ld_engine, stats: *mut ld_stats) -> ld_status {
    // SAFETY: the caller's promises, passed on.
    unsafe { get(engine, stats, |e| e.stats().into()) }
}

/// Writes what the engine currently sees to `*snapshot` (mode, latest cycle and block,
/// flow against its baseline, the change detector's statistic, volume, spectra). Returns
/// `LD_OK` or an error code.
///
/// # Safety
/// As `ld_user_settings_get`, for an `ld_snapshot`.
#[no_mangle]
pub unsafe extern "C" fn ld_snapshot_get(
    engine: *const ld_engine,
    snapshot: *mut ld_snapshot,
) -> ld_status {
    // SAFETY: the caller's promises, passed on.
    unsafe { get(engine, snapshot, |e| e.snapshot().into()) }
}
