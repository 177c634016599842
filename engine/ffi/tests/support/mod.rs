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
