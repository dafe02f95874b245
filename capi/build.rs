//! Gives `libtileredact.so` its soname (`libtileredact.so.MAJOR`) on Linux, so a plain
//! `cargo build --release -p tileredact-capi` makes a library that can be installed with the
//! usual symlinks (`scripts/c-package.sh`). cargo-c sets the soname itself (it builds with
//! `--cfg cargo_c`), so this does nothing then.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let cargo_c = std::env::var_os("CARGO_CFG_CARGO_C").is_some();
    if os == "linux" && !cargo_c {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtileredact.so.{major}");
    }
}
