//! The per-tile masks of a [`ZoneSet`]: exact-area coverage and the conservative redaction
//! mask.
//!
//! Masks are computed in the world pixel grid of the zoom ([`WorldGrid`]), so a window of any
//! size and position gives the same bytes as the tiles it covers: [`ZoneSet::coverage_mask`]
//! is [`ZoneSet::coverage_mask_window`] on the tile's window.
//!
//! The redaction mask of a window is the *touched* mask of the grown zones (every pixel whose
//! square meets a zone grown by its `margin_m`) on the window grown by `resample_px`, dilated
//! by `resample_px` with a square structuring element, and cropped back: the pixels just
//! outside a tile are taken into account, so redaction masks stitch too.

use std::cell::RefCell;

use geo::{Coord, Polygon, Rect};

use super::{CoverageRasterizer, Mask, PixelWindow};
use crate::tile::{TileId, TileSize, WorldGrid};
use crate::zone::ZoneSet;

/// Options for the conservative redaction mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaskOptions {
    /// Dilation of the redaction mask in world pixels, for the resampling of the imagery
    /// (default 2). At most 64.
    ///
    /// With 0, the mask is exactly the pixels whose square meets a grown zone, up to the
    /// rasteriser's 1/4096 px vertex snapping: a zone that enters a pixel by less than
    /// 1/4096 px may leave it unmarked. Any value of 1 or more covers that.
    pub resample_px: u32,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions { resample_px: 2 }
    }
}

/// Largest `resample_px` accepted.
pub(crate) const MAX_RESAMPLE_PX: u32 = 64;

thread_local! {
    static RASTERIZER: RefCell<CoverageRasterizer> = RefCell::new(CoverageRasterizer::new());
}

fn tile_window(tile: TileId, size: TileSize) -> PixelWindow {
    let (x0, y0) = tile.world_px_origin(size);
    PixelWindow {
        x0: x0 as i64,
        y0: y0 as i64,
        width: size.px(),
        height: size.px(),
    }
}

/// The mercator rectangle of a pixel window grown by `pad` pixels.
fn window_rect_m(grid: &WorldGrid, w: PixelWindow, pad: f64) -> Rect<f64> {
    let (ax, ay) = grid.to_mercator(w.x0 as f64 - pad, w.y0 as f64 - pad);
    let (bx, by) = grid.to_mercator(
        (w.x0 + i64::from(w.width)) as f64 + pad,
        (w.y0 + i64::from(w.height)) as f64 + pad,
    );
    Rect::new(Coord { x: ax, y: by }, Coord { x: bx, y: ay })
}

fn add_polygon(
    r: &mut CoverageRasterizer,
    grid: &WorldGrid,
    poly: &Polygon<f64>,
    buf: &mut Vec<[f64; 2]>,
) {
    for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
        buf.clear();
        buf.extend(ring.0.iter().map(|c| {
            let (x, y) = grid.to_world_px(c.x, c.y);
            [x, y]
        }));
        // Zone coordinates are validated and clamped to the mercator square: in range.
        r.add_ring(buf)
            .expect("validated zone coordinates are finite and inside the world");
    }
}

impl ZoneSet {
    /// The exact-area coverage mask of `tile`: per pixel, `round(255 * area)` of the pixel
    /// square inside the union of the zones (not grown).
    pub fn coverage_mask(&self, tile: TileId, size: TileSize) -> Mask {
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        self.coverage_mask_window(&grid, tile_window(tile, size))
    }

    /// The coverage mask of any window of world pixels (see [`ZoneSet::coverage_mask`]).
    pub fn coverage_mask_window(&self, grid: &WorldGrid, window: PixelWindow) -> Mask {
        let mut out = Mask::new(window.width, window.height);
        let rect = window_rect_m(grid, window, 1.0);
        RASTERIZER.with_borrow_mut(|r| {
            r.reset();
            let mut buf = Vec::new();
            for part in self.coverage_parts_in(rect) {
                add_polygon(r, grid, part, &mut buf);
            }
            r.coverage(window, &mut out);
        });
        out
    }

    /// The conservative redaction mask of `tile`: 255 for every pixel within `resample_px`
    /// (square neighbourhood) of a pixel whose square meets a zone grown by its `margin_m`;
    /// 0 elsewhere. A zone smaller than a pixel still marks its pixel.
    ///
    /// `opts.resample_px` is capped at 64.
    pub fn redaction_mask(&self, tile: TileId, size: TileSize, opts: &MaskOptions) -> Mask {
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        self.redaction_mask_window(&grid, tile_window(tile, size), opts)
    }

    /// The redaction mask of any window of world pixels (see [`ZoneSet::redaction_mask`]).
    pub fn redaction_mask_window(
        &self,
        grid: &WorldGrid,
        window: PixelWindow,
        opts: &MaskOptions,
    ) -> Mask {
        let r_px = opts.resample_px.min(MAX_RESAMPLE_PX);
        let ext = window.grown(r_px);
        let mut touched = Mask::new(ext.width, ext.height);
        let rect = window_rect_m(grid, ext, 1.0);
        RASTERIZER.with_borrow_mut(|r| {
            r.reset();
            let mut buf = Vec::new();
            for (_, part) in self.grown_parts_in(rect) {
                add_polygon(r, grid, part, &mut buf);
            }
            r.touched(ext, &mut touched);
        });
        let dilated = dilate_square(&touched, r_px);
        dilated.crop(r_px, r_px, window.width, window.height)
    }
}

/// Square dilation of a 0/255 mask by `r` pixels (Chebyshev distance), in two separable
/// passes: nearest set pixel to the left/right, then above/below.
fn dilate_square(m: &Mask, r: u32) -> Mask {
    if r == 0 {
        return m.clone();
    }
    let (w, h) = (m.width() as usize, m.height() as usize);
    let r = r as usize;
    let src = m.as_bytes();
    let mut horiz = vec![0u8; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let out = &mut horiz[y * w..(y + 1) * w];
        let mut last: Option<usize> = None;
        for x in 0..w {
            if row[x] != 0 {
                last = Some(x);
            }
            if last.is_some_and(|l| x - l <= r) {
                out[x] = 255;
            }
        }
        let mut next: Option<usize> = None;
        for x in (0..w).rev() {
            if row[x] != 0 {
                next = Some(x);
            }
            if next.is_some_and(|n| n - x <= r) {
                out[x] = 255;
            }
        }
    }
    let mut out = Mask::new(m.width(), m.height());
    let dst = out.as_bytes_mut();
    for (y, line) in dst.chunks_exact_mut(w).enumerate() {
        let lo = y.saturating_sub(r);
        let hi = (y + r).min(h - 1);
        for yy in lo..=hi {
            let s = &horiz[yy * w..(yy + 1) * w];
            for (d, &v) in line.iter_mut().zip(s) {
                *d |= v;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dilation_is_square() {
        let mut m = Mask::new(9, 9);
        m.as_bytes_mut()[4 * 9 + 4] = 255;
        let d = dilate_square(&m, 2);
        assert_eq!(d.count_nonzero(), 25);
        assert_eq!(d.get(2, 2), 255);
        assert_eq!(d.get(6, 6), 255);
        assert_eq!(d.get(1, 4), 0);
        assert_eq!(dilate_square(&m, 0), m);
    }
}
