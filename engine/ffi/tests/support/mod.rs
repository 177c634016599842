//! Building C programs against this crate's static library, with the system C compiler
//! (`$CC`, else `cc`; `$CXX`, else `c++`).
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// This crate's folder.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `libletdown_ffi.a`, which cargo builds (with every crate type of the library) before
/// any test of this crate, beside the test executables in `target/<profile>/deps/`.
pub fn static_lib() -> PathBuf {
    let lib = std::env::current_exe()
        .unwrap()
        .with_file_name("libletdown_ffi.a");
    assert!(lib.is_file(), "{} not built", lib.display());
    lib
}

/// What Rust's standard library needs from the system when linked into a C program on
/// Linux (`rustc --print native-static-libs`).
const NATIVE_LIBS: [&str; 6] = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

/// Where test programs are written.
pub fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("letdown-ffi")
}

/// Runs `cmd`, failing the test with its output when it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Compiles `source` (C11, every warning an error) and links it with the static library;
/// returns the executable.
pub fn build_c_program(source: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(out_dir()).unwrap();
    let exe = out_dir().join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    run_ok(
        Command::new(cc)
            .args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I"])
            .arg(crate_dir().join("include"))
            .arg(source)
            .arg(static_lib())
            .args(NATIVE_LIBS)
            .arg("-o")
            .arg(&exe),
    );
    exe
}

/// Feeds `samples` through `ld_process_block` with `events` as its events array, calling
/// again with the rest until every sample is consumed; `on_event` gets each event in
/// order. Allocates nothing.
pub fn feed_block(
    engine: *mut letdown_ffi::ld_engine,
    mut samples: &[letdown_ffi::ld_sample],
    events: &mut [letdown_ffi::ld_event],
    mut on_event: impl FnMut(&letdown_ffi::ld_event),
) {
    while !samples.is_empty() {
        let (mut processed, mut n_events) = (0, 0);
        // SAFETY: every pointer comes from a live slice or local of the right type.
        let status = unsafe {
            letdown_ffi::ld_process_block(
                engine,
                samples.as_ptr(),
                samples.len(),
                events.as_mut_ptr(),
                events.len(),
                &mut processed,
                &mut n_events,
            )
        };
        assert_eq!(status, letdown_ffi::ld_status::LD_OK);
        assert!(processed > 0 && n_events <= events.len());
        events[..n_events].iter().for_each(&mut on_event);
        samples = &samples[processed..];
    }
}
