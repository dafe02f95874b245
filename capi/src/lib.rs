//! The C ABI of tileredact: the only crate of the project with `unsafe` code outside `pulp`.
//!
//! Design: the core crate (`tileredact`) keeps `#![forbid(unsafe_code)]`; everything that
//! touches a C pointer lives here, behind the conventions of `../shared/DESIGN.md` (after
//! rustls-ffi): opaque handles, `tileredact_<type>_<verb>` names, `#[repr(u32)]` result codes,
//! a panic boundary around every exported body, NULL checks in one place, and a `// SAFETY:`
//! comment on every `unsafe` block. The header `include/tileredact.h` is generated from this
//! crate by cbindgen. This crate builds `libtileredact.so` and `libtileredact.a`.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

use std::ffi::c_char;

/// NUL-terminated version of the library, e.g. `"0.1.0"`. The string is static: never free it.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn tileredact_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_nul_terminated() {
        let p = super::tileredact_version();
        // SAFETY: the pointer is to a static, NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(p) };
        assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let _ = tileredact_core::MAX_ZOOM;
    }
}
