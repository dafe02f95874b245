//! Coordinates: WGS-84 / GCJ-02 / BD-09 transforms, single and in fast batches, and point
//! redaction against the zones.
//!
//! **GCJ-02 is not protection.** GCJ-02 ("Mars coordinates") is an obfuscation that the law of
//! one country requires for map display; BD-09 is Baidu's further offset on top of it. Both are
//! published formulas, fully invertible (the inverses here recover WGS-84 to about 1e-11
//! degrees), and hide nothing from anyone. This module implements them exactly so that maps
//! line up; to keep positions in restricted zones from being published, use point redaction
//! ([`PointRedactor`]).
//!
//! * [`Datum`], [`Region`], [`DatumTransform`]: transforms in every direction, on single
//!   points (the straightforward scalar reference) and on batches (`[lon, lat]` pairs or
//!   separate slices, a vectorised kernel equal to the reference within 1e-12 degrees).
//! * [`PointRedactor`]: per-zone policies ([`PointPolicy`]: keep, suppress, snap to a keyed
//!   grid, keyed planar-Laplace displacement, move outside), one [`PointAction`] per point.
//!
//! Not yet: the C ABI of issue 3 (`tileredact_coords_transform`, `tileredact_redact_points`)
//! waits for the C ABI module; [`Datum`] and [`Region`] are `#[repr(u32)]` and
//! [`PointAction`] is `#[repr(u8)]` with stable numbers for it.

mod batch;
mod bd09;
mod datum;
mod escape;
mod gcj02;
mod ground_grid;
mod kernel;
mod point_policy;
mod points;
mod region;
mod region_data;

pub use datum::{
    Datum, DatumTransform, bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84,
    wgs84_to_bd09, wgs84_to_gcj02,
};
pub use point_policy::{PointPolicy, PointRules};
pub use points::{PointAction, PointRedactor, PointSummary, RedactedPoint};
pub use region::Region;
