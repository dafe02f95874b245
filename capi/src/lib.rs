//! The C ABI of tileredact: the only crate of the project with `unsafe` code outside `pulp`.
//!
//! Design: the core crate (`tileredact`) keeps `#![forbid(unsafe_code)]`; everything that
//! touches a C pointer lives here, behind the conventions of `../shared/DESIGN.md` (after
//! rustls-ffi): opaque handles, `tileredact_<type>_<verb>` names, `#[repr(u32)]` result codes,
//! a panic boundary around every exported body, NULL checks in one place, and a `// SAFETY:`
//! comment on every `unsafe` block. The header `include/tileredact.h` is generated from this
//! crate by cbindgen (`tests/header.rs`). This crate builds `libtileredact.so` and
//! `libtileredact.a`.
//!
//! Files: `result.rs` (result codes, messages, the thread-local last error), `boundary.rs`
//! (panic boundary, pointer and enum checks), `handles.rs` (zones, redactor, bytes and their
//! constructors and `_free`s), `tiles.rs` (tile status, masks, RGBA and encoded redaction),
//! `coords.rs` (datum transforms and point redaction), `warp.rs` (the tile warp between the
//! WGS-84 and GCJ-02 grids: required source tiles, one RGBA8 tile).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod boundary;
mod coords;
mod handles;
mod result;
mod tiles;
mod warp;

use std::ffi::c_char;

pub use coords::{
    TILEREDACT_DATUM_BD09, TILEREDACT_DATUM_GCJ02, TILEREDACT_DATUM_WGS84,
    TILEREDACT_POINT_DISPLACED, TILEREDACT_POINT_KEPT, TILEREDACT_POINT_MOVED,
    TILEREDACT_POINT_SNAPPED, TILEREDACT_POINT_SUPPRESSED, TILEREDACT_REGION_BBOX,
    TILEREDACT_REGION_EVERYWHERE, TILEREDACT_REGION_POLYGON, tileredact_coords_transform,
    tileredact_redact_points,
};
pub use handles::{
    tileredact_bytes, tileredact_bytes_data, tileredact_bytes_free, tileredact_bytes_len,
    tileredact_redactor, tileredact_redactor_free, tileredact_redactor_new, tileredact_zones,
    tileredact_zones_free, tileredact_zones_from_geojson, tileredact_zones_len,
};
pub use result::{tileredact_last_error_message, tileredact_result, tileredact_result_message};
pub use tiles::{
    TILEREDACT_MASK_COVERAGE, TILEREDACT_MASK_REDACTION, TILEREDACT_RGBA_PREMULTIPLIED,
    TILEREDACT_TILE_CLEAR, TILEREDACT_TILE_FULL, TILEREDACT_TILE_PARTIAL,
    tileredact_redact_encoded, tileredact_redact_rgba, tileredact_tile_mask,
    tileredact_tile_status,
};
pub use warp::{
    TILEREDACT_WARP_BICUBIC, TILEREDACT_WARP_BILINEAR, TILEREDACT_WARP_GCJ02_TO_WGS84,
    TILEREDACT_WARP_NEAREST, TILEREDACT_WARP_WGS84_TO_GCJ02, tileredact_tile_id,
    tileredact_warp_report, tileredact_warp_required_tiles, tileredact_warp_tile,
};

/// The version of the library as a NUL-terminated string, e.g. `"0.1.0"`: compare it with
/// `TILEREDACT_VERSION` to check that the header and the library match.
///
/// The string is static: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn tileredact_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}
