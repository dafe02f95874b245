//! Thin public wrappers around the crate-private kernels and codecs, for the criterion
//! benches only (feature `bench`; not an API, hidden from the docs).
//!
//! Every kernel wrapper takes the CPU level by name: `"scalar"` (baseline), `"avx2"`
//! (x86-64-v3) or `"avx512"` (x86-64-v4), see `has_level`. The `fill`, `inpaint`, `blur`
//! wrappers (used by `benches/ops.rs`) take the image as `&mut [u8]` with its width, height
//! and stride (straight alpha), the masks as `width * height` bytes (nonzero = set), with
//! the image at world pixel (0, 0) of zoom 18 in 256-pixel tiles; `degrade`, `texture` and
//! `pixelate` (used by `benches/degrade.rs`) take a view and a `Frame`; `roundtrip` and
//! `decode_rgba` (used by `benches/redact.rs`) are the codec floor.

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

/// The frame of the operator benches: a z18 tile at the world origin.
fn frame_z18<'a>(key: &'a RedactionKey, forbidden: &'a [u8]) -> OpFrame<'a> {
    OpFrame {
        origin: (0, 0),
        z: 18,
        tile_px: 256,
        key,
        forbidden,
    }
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
    let frame = frame_z18(&key, forbidden);
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
    let frame = frame_z18(&key, forbidden);
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

// The `texture`, `degrade` and `cosmetic_pixelate` kernels.

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

// The codecs.

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

// The tile warp (used by `benches/warp.rs`).

/// `warp_tile` at CPU level `level`; `exact`: every pixel's source position by the exact
/// transform (no lattice), the per-pixel baseline.
pub fn warp(
    level: &str,
    target: crate::TileId,
    direction: crate::WarpDirection,
    sources: &[(crate::TileId, crate::ImageView<'_>)],
    out: &mut ImageViewMut<'_>,
    filter: crate::WarpFilter,
    exact: bool,
) -> crate::WarpReport {
    crate::warp::warp_tile_with(
        Some(arch(level)),
        target,
        direction,
        sources,
        out,
        filter,
        exact,
    )
    .expect("valid warp inputs")
}

/// The floor of a warp: the tight square `src` resampled into `out` at the constant
/// sub-pixel displacement `d` by the warp's kernel (no lattice, no mosaic).
pub fn resample_plain(
    level: &str,
    src: &[u8],
    out: &mut ImageViewMut<'_>,
    d: [f32; 2],
    filter: crate::WarpFilter,
) {
    crate::warp::resample_plain(arch(level), bytemuck::cast_slice(src), out, d, filter);
}
