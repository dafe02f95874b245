//! # tileredact
//!
//! Redacts restricted zones (military sites, critical infrastructure) from web-map data at
//! tile level, so that tile servers, renderers and SDKs never show or leak them.
//!
//! ## Catalogue
//!
//! **Tiles**: [`TileId`] (XYZ, TMS flip, quadkeys, parent/children), [`TileSize`],
//! [`WorldGrid`] (the global world-pixel grid of a zoom), [`lnglat_to_mercator`].
//!
//! **Zones**: [`ZoneSet`] loads GeoJSON zones with precise validation errors, projects them to
//! Web Mercator, grows them by their `margin_m` and indexes them; [`Zone`] is one of them.
//!
//! **Masks**: [`Mask`] (8-bit, one byte per pixel); [`ZoneSet::coverage_mask`] gives the
//! exact-area coverage of a tile, [`ZoneSet::redaction_mask`] the conservative mask that a
//! redaction operator must fill ([`MaskOptions`]: the resampling allowance), also into a
//! caller's buffer with a stride (`*_into`) and for any window of world pixels (`*_window`,
//! up to [`MAX_WINDOW_PX`]); [`CoverageRasterizer`] is the low-level exact-area rasteriser.
//! The world wraps at ±180°: masks, plans and point tests continue across the antimeridian.
//!
//! **Planning**: [`ZoneSet::plan`] classifies a tile as [`TilePlan::Clear`],
//! [`TilePlan::Full`] or [`TilePlan::Partial`], exactly as its redaction mask would;
//! [`ZoneSet::tile_cover`] lists the tiles of a zoom that are not clear.
//!
//! **Tile redaction**: a [`Redactor`] is built once from zones, a [`Policy`] and a
//! [`RedactionKey`]; it plans tiles, gives their masks, and redacts RGBA8 tiles in place
//! ([`ImageViewMut`]: width, height, stride, straight or premultiplied [`AlphaMode`];
//! [`Redactor::redact_rgba`], [`Redactor::redact_window_rgba`] for any window of world pixels)
//! and encoded PNG, JPEG and WebP tiles ([`Redactor::redact_encoded`], [`TileFormat`]):
//! clear tiles come back as the same bytes, others are re-encoded into fresh buffers with no
//! metadata. Each zone's [`Operator`] (secure: `fill`, `texture`, `inpaint`, `blur`; the
//! resolution cap `degrade`; opt-in `cosmetic_blur` and `cosmetic_pixelate`, no security
//! boundary) comes from its own properties, its category's [`Rule`] or the default
//! ([`ZoneRule`]); a [`TileReport`] says what was done. Secure operators never read a pixel
//! inside any redaction mask of the tile.
//!
//! **Coordinates**: [`DatumTransform`] converts between [`Datum::Wgs84`], [`Datum::Gcj02`] and
//! [`Datum::Bd09`] on single points and fast batches, inside a [`Region`] (default: the
//! PRCoords polygon); [`wgs84_to_gcj02`] and friends are the one-point shortcuts. GCJ-02 is an
//! obfuscation required for display, fully invertible, and no protection. [`PointRedactor`]
//! redacts points inside zones by their [`PointPolicy`] (suppress, keyed snap, keyed
//! planar-Laplace displacement, move outside; defaults in [`PointRules`]), reporting one
//! [`PointAction`] per point; [`RedactionKey`] is the secret behind every keyed choice.
//!
//! **Tile warp**: [`warp_tile`] re-samples tile z/x/y of the GCJ-02 grid from WGS-84 tiles
//! or back ([`WarpDirection`], [`WarpFilter`]: nearest, bilinear, Catmull-Rom bicubic);
//! [`required_source_tiles`] lists the source tiles it reads; a [`WarpReport`] says which were
//! missing and whether the tile was outside the region (copied); [`outside_warp_region`]
//! tells that before decoding; [`warp_tile_ref`] is the scalar reference.
//!
//! **Tile codecs**: [`TileFormat`] (PNG, JPEG, WebP) detected from magic bytes; tiles are
//! decoded strictly and within size limits, and re-encoded clean (no metadata, nothing after
//! the image) close to their input's encoding; [`decode_rgba`] decodes one for comparison,
//! [`decode_rgba_with_encoding`] also gives its [`TileEncoding`] to encode new pixels alike.
//!
//! **Errors**: one [`Error`] type whose messages say what was wrong, where, and what was
//! expected, with a stable number per kind ([`Error::code`]).
//!
//! **Threads**: [`ZoneSet`], [`Redactor`], [`PointRedactor`] and [`RedactionKey`] are `Send + Sync` and
//! immutable once built: share them (`Arc`) between threads.
//!
//! **Oracles** (feature `bench` only): `oracle`, the slow exact references that the tests,
//! benches and fuzz targets check the rasteriser against. Not for production.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod codec;
mod datum;
mod error;
mod geom;
mod image;
mod key;
mod ops;
// Test oracles: slow, exact, not for production (feature `bench`; docs in the module).
#[cfg(feature = "bench")]
pub mod oracle;
mod plan;
mod points;
mod policy;
mod raster;
mod redactor;
mod simd;
mod tile;
mod warp;
mod zone;

pub use codec::{TileEncoding, TileFormat, decode_rgba, decode_rgba_with_encoding};
pub use datum::{
    Datum, DatumTransform, Region, bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84,
    wgs84_to_bd09, wgs84_to_gcj02,
};
pub use error::{Error, Result, ZoneLocation};
pub use image::{AlphaMode, ImageView, ImageViewMut};
pub use key::RedactionKey;
pub use ops::{DEFAULT_COLOR, Operator};
pub use plan::{TileCover, TilePlan};
pub use points::{PointAction, PointRedactor, PointSummary, RedactedPoint};
pub use policy::{MAX_FEATHER_PX, PointPolicy, PointRules, Policy, Rule, ZoneRule};
pub use raster::{CoverageRasterizer, MAX_WINDOW_PX, Mask, MaskOptions, PixelWindow};
pub use redactor::{EncodedTile, Redactor, TileReport};
pub use tile::{
    EARTH_RADIUS_M, LngLatBounds, MAX_ZOOM, MERCATOR_HALF_WORLD_M, MERCATOR_MAX_LAT,
    MercatorBounds, TileId, TileSize, WorldGrid, ground_scale, lnglat_to_mercator,
    mercator_to_lnglat,
};
pub use warp::{
    WarpDirection, WarpFilter, WarpReport, outside_warp_region, required_source_tiles, warp_tile,
    warp_tile_ref,
};
pub use zone::{Zone, ZoneSet};

/// Bench-only entry points (feature `bench`). Not an API.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
