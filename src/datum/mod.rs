//! Datums: WGS-84 / GCJ-02 / BD-09 transforms, single and in fast batches. Pure maths: nothing
//! here knows about zones or keys, so the tile warp can use it alone.
//!
//! **GCJ-02 is not protection.** GCJ-02 ("Mars coordinates") is an obfuscation that the law of
//! one country requires for map display; BD-09 is Baidu's further offset on top of it. Both are
//! published formulas, fully invertible (the inverses here recover WGS-84 to about 1e-11
//! degrees), and hide nothing from anyone. This module implements them exactly so that maps
//! line up; to keep positions in restricted zones from being published, use point redaction
//! ([`crate::PointRedactor`]).
//!
//! * [`Datum`], [`Region`], [`DatumTransform`]: transforms in every direction, on single
//!   points (`transform.rs`, the straightforward scalar reference) and on batches (`batch.rs`,
//!   `[lon, lat]` pairs or separate slices, through the vectorised kernels of `kernel.rs`,
//!   equal to the reference within 1e-12 degrees; CPU level chosen by [`crate::simd`]).
//! * `gcj02.rs`, `bd09.rs`: the published formulas and their fixed-count inverses.
//! * `region.rs`, `region_data.rs`: where the offsets apply (the PRCoords polygon by default).
//!
//! [`Datum`] and [`Region`] are `#[repr(u32)]` with stable numbers for the C ABI.

mod batch;
mod bd09;
mod gcj02;
mod kernel;
mod region;
mod region_data;
mod transform;

pub(crate) use region::RectClass;
pub use region::Region;
pub use transform::{
    Datum, DatumTransform, bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84,
    wgs84_to_bd09, wgs84_to_gcj02,
};

/// The tile warp's view of GCJ-02 in [`Region::Polygon`] (the region of [`wgs84_to_gcj02`] and
/// [`gcj02_to_wgs84`]): the class of a WGS-84 rectangle, and the bare formulas without the
/// region test.
pub(crate) mod warp_support {
    use super::RectClass;
    use super::region::Region;

    /// The class of the WGS-84 rectangle for the GCJ-02 offset (conservative).
    pub(crate) fn gcj02_rect_class(west: f64, south: f64, east: f64, north: f64) -> RectClass {
        Region::Polygon
            .gcj_test()
            .classify_rect(west, south, east, north)
    }

    /// WGS-84 to GCJ-02 by the formula, no region test.
    pub(crate) fn gcj02_forward(lon: f64, lat: f64) -> (f64, f64) {
        super::gcj02::forward(lon, lat)
    }

    /// GCJ-02 to WGS-84 by the formula's fixed-count inverse, no region test.
    pub(crate) fn gcj02_inverse(lon: f64, lat: f64) -> (f64, f64) {
        super::gcj02::inverse(lon, lat)
    }
}
