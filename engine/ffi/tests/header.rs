//! include/letdown.h is what cbindgen makes of this crate today: regenerated here and
//! compared byte for byte.

use std::path::Path;

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let committed_path = dir.join("include/letdown.h");
    let committed = std::fs::read(&committed_path).unwrap_or_default();
    if committed != fresh {
        let new_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("letdown.h");
        std::fs::write(&new_path, &fresh).unwrap();
        panic!(
            "{} is not what cbindgen generates from the source; the fresh header is in {} \
             (review it, then copy it over the committed one)",
            committed_path.display(),
            new_path.display()
        );
    }
}
