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
//! **Tile codecs**: [`TileFormat`] (PNG, JPEG, WebP) detected from magic bytes; tiles are
//! decoded strictly and within size limits, and re-encoded clean (no metadata, nothing after
//! the image) close to their input's encoding; [`decode_rgba`] decodes one for comparison.
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
mod zone;

pub use codec::{TileFormat, decode_rgba};
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
pub use zone::{Zone, ZoneSet};

/// Bench-only entry points to the `texture`, `degrade` and `cosmetic_pixelate` kernels at a
/// chosen CPU level (feature `bench`; used by `benches/degrade.rs`). Not an API.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench_texture {
    use crate::ops::OpFrame;
    use crate::{ImageViewMut, RedactionKey};

    /// The kernel's frame, as the redactor will build it.
    pub struct Frame<'a> {
        /// World pixel of the image's top-left pixel.
        pub origin: (u64, u64),
        /// Zoom.
        pub z: u8,
        /// Domain side (tile size).
        pub tile_px: u32,
        /// The key.
        pub key: &'a RedactionKey,
        /// `width * height` bytes: inside any mask.
        pub forbidden: &'a [u8],
    }

    fn op<'a>(f: &Frame<'a>) -> OpFrame<'a> {
        OpFrame {
            origin: f.origin,
            z: f.z,
            tile_px: f.tile_px,
            key: f.key,
            forbidden: f.forbidden,
        }
    }

    /// `degrade` at CPU level `level` (`scalar`, `avx2`, `avx512`); false if this machine
    /// does not have it.
    pub fn degrade(
        level: &str,
        img: &mut ImageViewMut<'_>,
        target: &[u8],
        f: &Frame<'_>,
        cell_px: u32,
    ) -> bool {
        let Some(arch) = crate::simd::level(level) else {
            return false;
        };
        crate::ops::degrade::degrade_with(arch, img, target, &op(f), cell_px, crate::DEFAULT_COLOR);
        true
    }

    /// `texture` at CPU level `level`; false if this machine does not have it.
    pub fn texture(level: &str, img: &mut ImageViewMut<'_>, target: &[u8], f: &Frame<'_>) -> bool {
        let Some(arch) = crate::simd::level(level) else {
            return false;
        };
        crate::ops::texture::texture_with(arch, img, target, &op(f), crate::DEFAULT_COLOR);
        true
    }

    /// `cosmetic_pixelate` at CPU level `level`; false if this machine does not have it.
    pub fn pixelate(
        level: &str,
        img: &mut ImageViewMut<'_>,
        target: &[u8],
        f: &Frame<'_>,
        block_px: u32,
    ) -> bool {
        let Some(arch) = crate::simd::level(level) else {
            return false;
        };
        crate::ops::pixelate::pixelate_with(arch, img, target, &op(f), block_px);
        true
    }
}

/// Bench-only entry points to the codecs (feature `bench`; used by `benches/redact.rs`).
/// Not an API.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench_codec {
    /// Decodes and re-encodes a tile with the settings the redactor would use, nothing else:
    /// the floor of redacting an encoded tile.
    pub fn roundtrip(bytes: &[u8]) -> Vec<u8> {
        let d = crate::codec::decode(bytes).expect("a valid tile");
        crate::codec::encode(&d.rgba, d.width, d.height, &d.hints).expect("encodable")
    }

    /// The tile decoded to tight RGBA8.
    pub fn decode_rgba(bytes: &[u8]) -> Vec<u8> {
        crate::codec::decode(bytes).expect("a valid tile").rgba
    }
}

/// Thin public wrappers around the crate-private redaction kernels, for `benches/ops.rs`
/// only (feature `bench`; not an API, hidden from the docs).
///
/// Every wrapper takes the image as `&mut [u8]` with its width, height and stride (straight
/// alpha), the masks as `width * height` bytes (nonzero = set), and the CPU level by name:
/// `"scalar"` (baseline), `"avx2"` (x86-64-v3) or `"avx512"` (x86-64-v4), see `has_level`.
/// The image sits at world pixel (0, 0) of zoom 18, in 256-pixel tiles.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench {
    use crate::image::{AlphaMode, ImageViewMut};
    use crate::key::RedactionKey;
    use crate::ops::OpFrame;

    /// Whether this machine runs the CPU level `name`.
    pub fn has_level(name: &str) -> bool {
        crate::simd::level(name).is_some()
    }

    /// The level `name`, or a panic naming it.
    fn arch(name: &str) -> pulp::Arch {
        crate::simd::level(name).unwrap_or_else(|| panic!("CPU level {name:?} not available"))
    }

    /// The view of the arguments (panics on a bad geometry).
    fn view(px: &mut [u8], w: u32, h: u32, stride: usize) -> ImageViewMut<'_> {
        ImageViewMut::new(px, w, h, stride, AlphaMode::Straight).expect("a valid image")
    }

    /// `fill`: target pixels become `rgba`.
    pub fn fill(
        level: &str,
        px: &mut [u8],
        w: u32,
        h: u32,
        stride: usize,
        target: &[u8],
        rgba: [u8; 4],
    ) {
        crate::ops::fill::fill_with(arch(level), &mut view(px, w, h, stride), target, rgba);
    }

    /// `inpaint` (grain `grain`, fallback `color`) of the target pixels, reading only pixels
    /// where `forbidden` is 0.
    #[allow(clippy::too_many_arguments)]
    pub fn inpaint(
        level: &str,
        px: &mut [u8],
        (w, h, stride): (u32, u32, usize),
        target: &[u8],
        forbidden: &[u8],
        key: [u8; 32],
        grain: u8,
        color: [u8; 3],
    ) {
        let key = RedactionKey::from_bytes(key);
        let frame = OpFrame {
            origin: (0, 0),
            z: 18,
            tile_px: 256,
            key: &key,
            forbidden,
        };
        crate::ops::inpaint::inpaint_with(
            arch(level),
            &mut view(px, w, h, stride),
            target,
            &frame,
            grain,
            color,
        );
    }

    /// The secure `blur` operator (sigma `sigma_px`, fallback `color`) of the target pixels,
    /// reading only pixels where `forbidden` is 0.
    #[allow(clippy::too_many_arguments)]
    pub fn blur(
        level: &str,
        px: &mut [u8],
        (w, h, stride): (u32, u32, usize),
        target: &[u8],
        forbidden: &[u8],
        key: [u8; 32],
        sigma_px: f32,
        color: [u8; 3],
    ) {
        let key = RedactionKey::from_bytes(key);
        let frame = OpFrame {
            origin: (0, 0),
            z: 18,
            tile_px: 256,
            key: &key,
            forbidden,
        };
        crate::ops::blur::secure_blur_with(
            arch(level),
            &mut view(px, w, h, stride),
            target,
            &frame,
            sigma_px,
            color,
        );
    }

    /// The bare Gaussian-like blur of a tight RGBA8 buffer (`w * h * 4`), whole image.
    pub fn blur_image(level: &str, px: &mut [u8], w: u32, h: u32, sigma_px: f32) {
        crate::ops::blur::blur_with(arch(level), px, w, h, sigma_px);
    }
}

/// The README's examples, compiled and run as doc tests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
