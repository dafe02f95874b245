//! The redaction operators: what the pixels inside a redaction mask become.
//!
//! [`Operator`] is the public choice (parsed from a policy, see `policy.rs`); the kernels in
//! this module's files do the work on an [`ImageViewMut`]. Every kernel has a scalar
//! reference (`*_ref`, plain loops, the definition) and a fast path run at the CPU level
//! [`crate::simd`] picks; tests check that each fast path equals its reference.
//!
//! # The contract every kernel keeps
//!
//! A kernel gets the image, a *target* mask (the pixels it writes: nonzero = write) and an
//! [`OpFrame`]: where the image sits in the world pixel grid, the key, and the *forbidden*
//! mask (the union of every redaction mask of the tile: nonzero = never read). It writes
//! only target pixels, all four channels. A secure operator (fill, texture, inpaint, blur)
//! reads only pixels where `forbidden` is 0, so its output inside the mask is a function of
//! (key, zoom, world position, pixels outside the mask, parameters) alone: the promise of
//! real redaction. `degrade` and the cosmetic operators also read their own target pixels
//! (never another operator's).
//!
//! Anchoring: keyed noise and cell grids are functions of world pixel coordinates, and
//! anything estimated from the pixels (texture tint, degrade cells) is estimated per
//! *domain*, the world-aligned square of [`OpFrame::tile_px`] pixels a tile of the grid
//! covers, so a 2x2 block of tiles redacted as one image equals its four tiles.

// The scalar references (`*_ref`) are the definitions the tests and benches check the fast
// paths against; production code calls the dispatched kernels only.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod blur;
mod blur_lanes;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod degrade;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod fill;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod inpaint;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod pixelate;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod texture;

use crate::image::{AlphaMode, ImageViewMut};
use crate::key::RedactionKey;

/// The colour of `fill` and the fallback of the other operators when a tile has no pixel
/// outside the mask to learn from: a neutral mid grey.
pub const DEFAULT_COLOR: [u8; 3] = [0x80, 0x80, 0x80];

/// What the pixels inside a zone's redaction mask become.
///
/// Secure operators ([`Operator::is_secure`]) never read the pixels inside any redaction
/// mask of the tile. Where the masks of zones with different operators overlap, a pixel gets
/// the operator that reveals least ([`Operator::reveal_rank`]): fill < texture < inpaint <
/// blur < degrade < cosmetic_pixelate < cosmetic_blur.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Operator {
    /// A constant colour (opaque).
    Fill {
        /// RGB colour.
        color: [u8; 3],
    },
    /// Keyed noise anchored to world pixels, tinted from the pixels just outside the mask
    /// (per tile-sized world domain); `color` where there are none.
    Texture {
        /// Fallback colour.
        color: [u8; 3],
    },
    /// A smooth fill interpolated from the pixels outside the mask (pull-push), plus keyed
    /// grain of amplitude `grain` (0 = none); `color` where there is no outside pixel.
    Inpaint {
        /// Grain amplitude in 8-bit levels (0..=32).
        grain: u8,
        /// Fallback colour.
        color: [u8; 3],
    },
    /// A Gaussian-like blur of the tile in which the inside was first inpainted: it looks
    /// blurred but reads only outside pixels. The radius (one standard deviation) is in
    /// ground metres, converted at the tile's zoom and the zone's poleward latitude.
    Blur {
        /// Standard deviation of the blur in ground metres.
        radius_m: f64,
        /// Fallback colour.
        color: [u8; 3],
    },
    /// Resolution cap: means over world-aligned cells of a power of two of world pixels, at
    /// least `gsd_m` ground metres everywhere in the zone, smoothly reconstructed. Reads the
    /// inside (that is its purpose): secure only as far as the cap is the rule.
    Degrade {
        /// Ground sample distance to keep at most, in metres.
        gsd_m: f64,
    },
    /// Blur of the original pixels. **Not a security boundary** (blurs can be inverted or
    /// matched); opt-in and flagged in reports.
    CosmeticBlur {
        /// Standard deviation in pixels.
        radius_px: u32,
    },
    /// Pixelation of the original pixels. **Not a security boundary**; opt-in and flagged.
    CosmeticPixelate {
        /// Block side in pixels (world-aligned blocks).
        block_px: u32,
    },
}

impl Default for Operator {
    /// `inpaint` without grain: secure, and looks like the surroundings.
    fn default() -> Self {
        Operator::Inpaint {
            grain: 0,
            color: DEFAULT_COLOR,
        }
    }
}

impl Operator {
    /// The snake-case name used in policies and reports.
    pub const fn name(&self) -> &'static str {
        match self {
            Operator::Fill { .. } => "fill",
            Operator::Texture { .. } => "texture",
            Operator::Inpaint { .. } => "inpaint",
            Operator::Blur { .. } => "blur",
            Operator::Degrade { .. } => "degrade",
            Operator::CosmeticBlur { .. } => "cosmetic_blur",
            Operator::CosmeticPixelate { .. } => "cosmetic_pixelate",
        }
    }

    /// Whether the output inside the mask depends only on pixels outside every mask (and the
    /// key, position and parameters). `degrade` is not: it keeps what the resolution cap
    /// allows of the inside.
    pub const fn is_secure(&self) -> bool {
        matches!(
            self,
            Operator::Fill { .. }
                | Operator::Texture { .. }
                | Operator::Inpaint { .. }
                | Operator::Blur { .. }
        )
    }

    /// Whether the operator is cosmetic (no security boundary; flagged in reports).
    pub const fn is_cosmetic(&self) -> bool {
        matches!(
            self,
            Operator::CosmeticBlur { .. } | Operator::CosmeticPixelate { .. }
        )
    }

    /// How much the operator reveals (lower reveals less); where masks overlap the lowest
    /// wins. Ties within a kind: a larger `radius_m`, `gsd_m`, `radius_px` or `block_px`
    /// reveals less.
    pub fn reveal_rank(&self) -> (u8, f64) {
        match *self {
            Operator::Fill { .. } => (0, 0.0),
            Operator::Texture { .. } => (1, 0.0),
            Operator::Inpaint { grain, .. } => (2, -f64::from(grain)),
            Operator::Blur { radius_m, .. } => (3, -radius_m),
            Operator::Degrade { gsd_m } => (4, -gsd_m),
            Operator::CosmeticPixelate { block_px } => (5, -f64::from(block_px)),
            Operator::CosmeticBlur { radius_px } => (6, -f64::from(radius_px)),
        }
    }

    /// The colour used where the operator has nothing to learn from (and by `fill`).
    pub fn fallback_color(&self) -> [u8; 3] {
        match *self {
            Operator::Fill { color }
            | Operator::Texture { color }
            | Operator::Inpaint { color, .. }
            | Operator::Blur { color, .. } => color,
            _ => DEFAULT_COLOR,
        }
    }
}

/// Where an image sits in the world and what its kernels may read.
pub(crate) struct OpFrame<'a> {
    /// World pixel (column, row) of the image's top-left pixel at this zoom.
    pub origin: (u64, u64),
    /// Zoom of the grid.
    pub z: u8,
    /// Tile size of the grid in pixels: the side of the world-aligned domains in which
    /// anything is estimated from pixels (see the module docs).
    pub tile_px: u32,
    /// The redaction key (keyed noise, grain).
    pub key: &'a RedactionKey,
    /// `width * height` bytes, row-major, no padding: nonzero = inside some redaction mask
    /// of the tile, never read by a secure operator.
    pub forbidden: &'a [u8],
}

/// An opaque straight-alpha colour as the pixel to store in an image of `mode`.
#[inline]
pub(crate) fn opaque(color: [u8; 3], _mode: AlphaMode) -> [u8; 4] {
    // Opaque: premultiplied and straight agree.
    [color[0], color[1], color[2], 255]
}

/// Clamps colour channels to alpha, as a premultiplied image requires, on target pixels.
pub(crate) fn clamp_premultiplied(img: &mut ImageViewMut<'_>, target: &[u8]) {
    if img.alpha() != AlphaMode::Premultiplied {
        return;
    }
    let w = img.width() as usize;
    for y in 0..img.height() {
        let t = &target[y as usize * w..(y as usize + 1) * w];
        for (p, &m) in img.pixels_mut(y).iter_mut().zip(t) {
            if m != 0 {
                let a = p[3];
                p[0] = p[0].min(a);
                p[1] = p[1].min(a);
                p[2] = p[2].min(a);
            }
        }
    }
}

/// Checks the buffer lengths of the kernel contract: `target` and the frame's forbidden mask
/// have one byte per pixel of `img`.
pub(crate) fn check_masks(img: &ImageViewMut<'_>, target: &[u8], frame: &OpFrame<'_>) {
    let n = img.width() as usize * img.height() as usize;
    assert_eq!(target.len(), n, "target mask of {n} bytes expected");
    assert_eq!(
        frame.forbidden.len(),
        n,
        "forbidden mask of {n} bytes expected"
    );
}

/// A box `[x0, x1) x [y0, y1)` of pixels (or of cells of a coarser level).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    /// First column.
    pub(crate) x0: usize,
    /// One past the last column.
    pub(crate) x1: usize,
    /// First row.
    pub(crate) y0: usize,
    /// One past the last row.
    pub(crate) y1: usize,
}

impl Rect {
    /// Width.
    #[inline(always)]
    pub(crate) fn w(&self) -> usize {
        self.x1 - self.x0
    }

    /// `self` grown by `m` each way, clipped to `w x h`.
    pub(crate) fn grow(self, m: usize, w: usize, h: usize) -> Rect {
        Rect {
            x0: self.x0.saturating_sub(m),
            x1: (self.x1 + m).min(w),
            y0: self.y0.saturating_sub(m),
            y1: (self.y1 + m).min(h),
        }
    }
}

/// The first `n` elements of `v`, grown (never shrunk, never cleared) to hold them: the
/// kernels' thread scratch only grows. The contents are unspecified (a previous call's);
/// each user writes the elements it later reads.
#[inline(always)]
pub(super) fn slot<T: Copy + Default>(v: &mut Vec<T>, n: usize) -> &mut [T] {
    if v.len() < n {
        v.resize(n, T::default());
    }
    &mut v[..n]
}

/// First and one-past-last nonzero index of `m` (`None` if all zero), scanning 64 bytes at a
/// time (one vector test each), then 8-byte words (the nonzero byte from the word's
/// trailing or leading zero bits), then the last bytes.
#[inline(always)]
pub(crate) fn nonzero_span(m: &[u8]) -> Option<(usize, usize)> {
    #[inline(always)]
    fn word(c: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*c)
    }
    #[inline(always)]
    fn any(c: &[u8; 64]) -> bool {
        let (w, _) = c.as_chunks::<8>();
        w.iter().fold(0, |a, c| a | word(c)) != 0
    }
    #[inline(always)]
    fn first_in(w: &[[u8; 8]]) -> Option<usize> {
        let i = w.iter().position(|c| word(c) != 0)?;
        Some(8 * i + (word(&w[i]).trailing_zeros() / 8) as usize)
    }
    #[inline(always)]
    fn last_in(w: &[[u8; 8]]) -> Option<usize> {
        let i = w.iter().rposition(|c| word(c) != 0)?;
        Some(8 * i + 7 - (word(&w[i]).leading_zeros() / 8) as usize)
    }
    // m = 64-byte chunks, then 8-byte words, then fewer than 8 bytes.
    let (c64, r64) = m.as_chunks::<64>();
    let (c8, r8) = r64.as_chunks::<8>();
    let (b64, b8) = (64 * c64.len(), 64 * c64.len() + 8 * c8.len());
    let first = match c64.iter().position(any) {
        Some(ci) => 64 * ci + first_in(c64[ci].as_chunks::<8>().0)?,
        None => match first_in(c8) {
            Some(i) => b64 + i,
            None => b8 + r8.iter().position(|&b| b != 0)?,
        },
    };
    let last = match r8.iter().rposition(|&b| b != 0) {
        Some(i) => b8 + i,
        None => match last_in(c8) {
            Some(i) => b64 + i,
            None => {
                let ci = c64.iter().rposition(any)?;
                64 * ci + last_in(c64[ci].as_chunks::<8>().0)?
            }
        },
    };
    Some((first, last + 1))
}

/// The bounding box of the nonzero bytes of a `w`-wide mask inside `region`.
pub(crate) fn mask_bbox_in(m: &[u8], w: usize, region: Rect) -> Option<Rect> {
    let mut bbox: Option<Rect> = None;
    for y in region.y0..region.y1 {
        if let Some((a, b)) = nonzero_span(&m[y * w + region.x0..y * w + region.x1]) {
            let (a, b) = (a + region.x0, b + region.x0);
            bbox = Some(match bbox {
                None => Rect {
                    x0: a,
                    x1: b,
                    y0: y,
                    y1: y + 1,
                },
                Some(r) => Rect {
                    x0: r.x0.min(a),
                    x1: r.x1.max(b),
                    y0: r.y0,
                    y1: y + 1,
                },
            });
        }
    }
    bbox
}

/// The bounding box of the nonzero bytes of a `w`-wide mask.
pub(crate) fn mask_bbox(m: &[u8], w: usize) -> Option<Rect> {
    let h = m.len().checked_div(w).unwrap_or(0);
    mask_bbox_in(
        m,
        w,
        Rect {
            x0: 0,
            x1: w,
            y0: 0,
            y1: h,
        },
    )
}

#[cfg(test)]
mod helper_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn nonzero_span_and_bbox_match_brute_force(
            w in 1usize..40,
            cells in proptest::collection::vec(prop_oneof![4 => Just(0u8), 1 => 1u8..=255], 1..1200),
        ) {
            let h = cells.len() / w;
            prop_assume!(h > 0);
            let m = &cells[..w * h];
            let mut want: Option<Rect> = None;
            for y in 0..h {
                let row = &m[y * w..(y + 1) * w];
                let xs: Vec<usize> = (0..w).filter(|&x| row[x] != 0).collect();
                let span = xs.first().map(|&a| (a, xs[xs.len() - 1] + 1));
                prop_assert_eq!(nonzero_span(row), span);
                if let Some((a, b)) = span {
                    let r = want.get_or_insert(Rect { x0: a, x1: b, y0: y, y1: y + 1 });
                    (r.x0, r.x1, r.y1) = (r.x0.min(a), r.x1.max(b), y + 1);
                }
            }
            prop_assert_eq!(mask_bbox(m, w), want);
        }

        /// Long, sparse rows: a few nonzero bytes anywhere in up to 300, so that every
        /// word and 64-byte chunk position is hit, and all-zero rows.
        #[test]
        fn nonzero_span_of_sparse_long_rows(
            n in 0usize..300,
            at in proptest::collection::vec((0usize..300, 1u8..=255), 0..4),
        ) {
            let mut row = vec![0u8; n];
            for &(i, v) in &at {
                if i < n {
                    row[i] = v;
                }
            }
            let xs: Vec<usize> = (0..n).filter(|&x| row[x] != 0).collect();
            let want = xs.first().map(|&a| (a, xs[xs.len() - 1] + 1));
            prop_assert_eq!(nonzero_span(&row), want);
        }
    }
}
