//! The engine in memory the caller owns: how much, how aligned, building it there, and
//! checked access to it from a C pointer. Nothing here or anywhere in this crate
//! allocates.

use crate::status::ld_status;
use crate::types::ld_config;
use core::ffi::c_void;
use core::mem::{align_of, size_of};
use letdown_engine::{Engine, EngineConfig};

/// Marks memory that `ld_engine_init` filled ("ldn1" in ASCII). A buffer that was never
/// initialised, or zeroed since, fails the check with `LD_ERR_NOT_INITIALIZED`. 32 bits:
/// one compare with an immediate on x86_64, two instructions fewer than a 64-bit mark on a
/// 32-bit microcontroller, and still a 1 in 4 billion chance for stray memory to match.
const MARK: u32 = 0x6c64_6e31;

/// An engine in caller-provided memory (opaque to C): `ld_engine_size()` bytes aligned
/// to `ld_engine_align()`, made by `ld_engine_init`. It owns nothing outside itself, so
/// the caller may reuse or free the memory at any time after the last call.
#[derive(Debug)]
pub struct ld_engine {
    mark: u32,
    engine: Engine,
}

/// An upper bound of `ld_engine_size()`, bytes, for a static buffer:
/// `static _Alignas(LD_ENGINE_ALIGN_MAX) uint8_t mem[LD_ENGINE_SIZE_MAX];`. Checked when
/// this crate compiles; `ld_engine_size()` gives the exact figure.
pub const LD_ENGINE_SIZE_MAX: usize = 8192;
/// An upper bound of `ld_engine_align()`, bytes.
pub const LD_ENGINE_ALIGN_MAX: usize = 8;

const _: () = assert!(size_of::<ld_engine>() <= LD_ENGINE_SIZE_MAX);
const _: () = assert!(align_of::<ld_engine>() <= LD_ENGINE_ALIGN_MAX);

/// Bytes of memory an engine needs (the whole engine: it has no other state).
#[no_mangle]
pub extern "C" fn ld_engine_size() -> usize {
    size_of::<ld_engine>()
}

/// Alignment, bytes, the engine's memory must have.
#[no_mangle]
pub extern "C" fn ld_engine_align() -> usize {
    align_of::<ld_engine>()
}

/// The engine's default configuration for a stream at `sample_rate_hz` (checked only by
/// `ld_engine_init`).
#[no_mangle]
pub extern "C" fn ld_config_default(sample_rate_hz: f32) -> ld_config {
    ld_config::from_engine(&EngineConfig::new(sample_rate_hz))
}

/// Builds an engine from `*config` in the `len` bytes at `mem` and stores its handle
/// (`mem` itself) in `*engine`. Returns `LD_OK`, or without touching `mem` or `*engine`:
/// `LD_ERR_NULL` (a null pointer), `LD_ERR_MISALIGNED` (`mem` not aligned to
/// `ld_engine_align()`, or a misaligned `config` or `engine`), `LD_ERR_TOO_SMALL`
/// (`len < ld_engine_size()`), or the code of the first config field out of range.
/// Calling it again on the same memory starts a new session there.
///
/// # Safety
/// Non-null pointers must be valid: `mem` for writes of `len` bytes that nothing else
/// uses while the engine lives, `config` for a read of an `ld_config`, `engine` for a
/// write of a pointer.
#[no_mangle]
pub unsafe extern "C" fn ld_engine_init(
    mem: *mut c_void,
    len: usize,
    config: *const ld_config,
    engine: *mut *mut ld_engine,
) -> ld_status {
    if mem.is_null() || config.is_null() || engine.is_null() {
        return ld_status::LD_ERR_NULL;
    }
    let slot = mem.cast::<ld_engine>();
    if !slot.is_aligned() || !config.is_aligned() || !engine.is_aligned() {
        return ld_status::LD_ERR_MISALIGNED;
    }
    if len < size_of::<ld_engine>() {
        return ld_status::LD_ERR_TOO_SMALL;
    }
    // SAFETY: `config` is non-null and aligned (checked above) and the caller promises it
    // points to a readable `ld_config`; every bit pattern is a valid `ld_config` (floats).
    let config = unsafe { config.read() };
    let config = match config.to_engine() {
        Ok(config) => config,
        Err(status) => return status,
    };
    match config.build() {
        Ok(built) => {
            // SAFETY: `slot` is non-null, aligned for `ld_engine` and at least
            // `size_of::<ld_engine>()` bytes long (checked above), and the caller promises
            // those bytes are writable and not in use. The fields are written in place,
            // the mark last; `write` neither reads nor drops what was there. (`build` is
            // inlined here, so the optimiser builds `built` in `slot` rather than on the
            // stack: README, firmware figures; `measure.sh stack` holds it to a budget.)
            unsafe {
                core::ptr::addr_of_mut!((*slot).engine).write(built);
                core::ptr::addr_of_mut!((*slot).mark).write(MARK);
            }
            // SAFETY: `engine` is non-null and aligned (checked above) and the caller
            // promises it is writable.
            unsafe { engine.write(slot) };
            ld_status::LD_OK
        }
        Err(e) => e.into(),
    }
}

/// The engine behind a C handle, for a call that changes it.
///
/// # Safety
/// `engine` must be null or point to `ld_engine_size()` readable and writable bytes that
/// no other call uses at the same time.
pub(crate) unsafe fn engine_mut<'a>(engine: *mut ld_engine) -> Result<&'a mut Engine, ld_status> {
    // SAFETY: the caller's promise, passed on.
    unsafe { check(engine) }?;
    // SAFETY: `check` found a non-null, aligned pointer whose mark `ld_engine_init`
    // wrote, so it holds an initialised `ld_engine`; the caller promises exclusive use.
    Ok(unsafe { &mut (*engine).engine })
}

/// The engine behind a C handle, for a call that only reads it.
///
/// # Safety
/// As [`engine_mut`], readable only.
pub(crate) unsafe fn engine_ref<'a>(engine: *const ld_engine) -> Result<&'a Engine, ld_status> {
    // SAFETY: the caller's promise, passed on.
    unsafe { check(engine) }?;
    // SAFETY: as in `engine_mut`, for a shared reference.
    Ok(unsafe { &(*engine).engine })
}

/// The engine behind a C handle and a non-null out-parameter, for the calls made once per
/// sample: one combined test on the hot path (a handful of instructions); which refusal
/// it is gets worked out off it, in [`refusal`]. `out` may have any alignment: the calls
/// write it with `write_unaligned`, which spares the hot path an alignment test.
///
/// # Safety
/// As [`engine_mut`]; `out` must be null or valid for a write of a `T`.
#[inline(always)]
pub(crate) unsafe fn engine_and_out<'a, T>(
    engine: *mut ld_engine,
    out: *mut T,
) -> Result<&'a mut Engine, ld_status> {
    let pointers_ok = engine.is_aligned() && !engine.is_null() && !out.is_null();
    // SAFETY: the mark is read only when `engine` is non-null and aligned (`&&`
    // short-circuits); the caller promises the bytes are readable.
    if pointers_ok && unsafe { core::ptr::addr_of!((*engine).mark).read() } == MARK {
        // SAFETY: as in `engine_mut`: non-null, aligned, marked by `ld_engine_init`.
        Ok(unsafe { &mut (*engine).engine })
    } else {
        // SAFETY: the caller's promises, passed on.
        Err(unsafe { refusal(engine, out) })
    }
}

/// Why [`engine_and_out`] refused its pointers, in the order the other calls check them.
///
/// # Safety
/// As [`engine_and_out`].
#[cold]
#[inline(never)]
unsafe fn refusal<T>(engine: *mut ld_engine, out: *mut T) -> ld_status {
    // SAFETY: the caller's promise, passed on.
    match unsafe { check(engine) }.and_then(|()| non_null(out)) {
        Err(status) => status,
        // Not reached: the combined test fails only for one of these reasons.
        Ok(()) => ld_status::LD_ERR_NOT_INITIALIZED,
    }
}

/// Refuses a null or misaligned handle, and one whose memory `ld_engine_init` did not
/// fill (its mark is missing).
///
/// # Safety
/// `engine` must be null or point to `ld_engine_size()` readable bytes.
unsafe fn check(engine: *const ld_engine) -> Result<(), ld_status> {
    if engine.is_null() {
        return Err(ld_status::LD_ERR_NULL);
    }
    if !engine.is_aligned() {
        return Err(ld_status::LD_ERR_MISALIGNED);
    }
    // SAFETY: non-null and aligned (checked above); the caller promises the bytes are
    // readable. Only the plain `u32` mark is read, never the engine, until it matches.
    let mark = unsafe { core::ptr::addr_of!((*engine).mark).read() };
    if mark == MARK {
        Ok(())
    } else {
        Err(ld_status::LD_ERR_NOT_INITIALIZED)
    }
}

/// Refuses a null out-parameter that is written unaligned.
fn non_null<T>(out: *mut T) -> Result<(), ld_status> {
    if out.is_null() {
        Err(ld_status::LD_ERR_NULL)
    } else {
        Ok(())
    }
}

/// An out-parameter (or array) pointer that is non-null and aligned for `T`, or the code
/// that refuses it.
pub(crate) fn checked<T>(out: *mut T) -> Result<*mut T, ld_status> {
    if out.is_null() {
        Err(ld_status::LD_ERR_NULL)
    } else if !out.is_aligned() {
        Err(ld_status::LD_ERR_MISALIGNED)
    } else {
        Ok(out)
    }
}
