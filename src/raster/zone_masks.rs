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
use std::ops::ControlFlow;

use geo::{Coord, Polygon, Rect};

use super::{CoverageRasterizer, Mask, PixelWindow};
use crate::error::{Error, Result};
use crate::geom::EdgeIndex;
use crate::tile::{TileId, TileSize, WorldGrid};
use crate::zone::ZoneSet;

/// Options for the conservative redaction mask.
///
/// ```
/// use tileredact::MaskOptions;
/// assert_eq!(MaskOptions::default().resample_px(), MaskOptions::DEFAULT_RESAMPLE_PX);
/// assert_eq!(MaskOptions::DEFAULT_RESAMPLE_PX, 5);
/// assert_eq!(MaskOptions::new(3).unwrap().resample_px(), 3);
/// assert!(MaskOptions::new(65).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MaskOptions {
    resample_px: u32,
}

impl MaskOptions {
    /// Largest `resample_px` accepted.
    pub const MAX_RESAMPLE_PX: u32 = MAX_RESAMPLE_PX;

    /// The default `resample_px`: 5, what the usual imagery pyramids need (measured by
    /// `tests/pyramids.rs` on pyramids built level by level, each from the one above, and
    /// from the base directly):
    ///
    /// | filter of the pyramid | level by level | from the base |
    /// |---|---|---|
    /// | box (2x2 mean) | 0 | 0 |
    /// | bilinear (triangle) | 1 | 1 |
    /// | bicubic (Catmull-Rom) | 3 | 2 |
    /// | Lanczos-3 | 5 | 3 |
    ///
    /// A filter reaching `h` output pixels per 2x step reaches `h + e/2` pixels beyond the
    /// next zoom's mask when the zoom above differed `e` pixels beyond its own, so level by
    /// level the reach settles at `2h - 1` whole pixels.
    pub const DEFAULT_RESAMPLE_PX: u32 = 5;

    /// Options with a dilation of `resample_px` world pixels (see
    /// [`MaskOptions::resample_px`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `resample_px` is above
    /// [`MaskOptions::MAX_RESAMPLE_PX`] (64).
    pub fn new(resample_px: u32) -> Result<Self> {
        if resample_px > MAX_RESAMPLE_PX {
            return Err(Error::param(
                "resample_px",
                format!("is {resample_px}; expected 0..={MAX_RESAMPLE_PX} pixels"),
            ));
        }
        Ok(MaskOptions { resample_px })
    }

    /// Dilation of the redaction mask in world pixels, for the resampling of the imagery
    /// (default [`MaskOptions::DEFAULT_RESAMPLE_PX`]): a pixel is redacted when a pixel within this Chebyshev distance meets a
    /// grown zone. With 0, the mask is exactly the pixels whose square meets a grown zone.
    pub fn resample_px(&self) -> u32 {
        self.resample_px
    }
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            resample_px: Self::DEFAULT_RESAMPLE_PX,
        }
    }
}

/// Largest `resample_px` accepted.
pub(crate) const MAX_RESAMPLE_PX: u32 = 64;

/// Largest width or height of a pixel window whose mask is asked for (a mask of that size
/// takes 64 MiB).
pub const MAX_WINDOW_PX: u32 = 8192;

thread_local! {
    static RASTERIZER: RefCell<CoverageRasterizer> = RefCell::new(CoverageRasterizer::new());
}

pub(crate) fn tile_window(tile: TileId, size: TileSize) -> PixelWindow {
    let (x0, y0) = tile.world_px_origin(size);
    PixelWindow {
        x0: x0 as i64,
        y0: y0 as i64,
        width: size.px(),
        height: size.px(),
    }
}

/// The mercator rectangle of a pixel window grown by `pad` pixels.
pub(crate) fn window_rect_m(grid: &WorldGrid, w: PixelWindow, pad: f64) -> Rect<f64> {
    let (ax, ay) = grid.to_mercator(w.x0 as f64 - pad, w.y0 as f64 - pad);
    let (bx, by) = grid.to_mercator(
        (w.x0 + i64::from(w.width)) as f64 + pad,
        (w.y0 + i64::from(w.height)) as f64 + pad,
    );
    Rect::new(Coord { x: ax, y: by }, Coord { x: bx, y: ay })
}

fn check_window(window: PixelWindow) -> Result<()> {
    if window.width > MAX_WINDOW_PX || window.height > MAX_WINDOW_PX {
        return Err(Error::param(
            "window",
            format!(
                "is {}x{} pixels; expected at most {MAX_WINDOW_PX} on each side",
                window.width, window.height
            ),
        ));
    }
    Ok(())
}

/// Copies `mask` into a caller's buffer of rows `stride` bytes apart.
fn copy_into(mask: &Mask, out: &mut [u8], stride: usize) -> Result<()> {
    let (w, h) = (mask.width() as usize, mask.height() as usize);
    if stride < w {
        return Err(Error::param(
            "stride",
            format!("is {stride} bytes; expected at least the width, {w}"),
        ));
    }
    let need = stride * (h - 1) + w;
    if out.len() < need {
        return Err(Error::BufferSize {
            expected: need,
            actual: out.len(),
            what: "mask rows of the tile's width, `stride` bytes apart",
        });
    }
    for (y, row) in mask.as_bytes().chunks_exact(w).enumerate() {
        out[y * stride..y * stride + w].copy_from_slice(row);
    }
    Ok(())
}

/// Adds a polygon (mercator metres) to the rasteriser, moved `shift_px` pixels to the right,
/// limited to the edges that can change the window whose mercator rectangle (in the
/// polygon's own copy of the world) is `rect`.
fn add_part(
    r: &mut CoverageRasterizer,
    grid: &WorldGrid,
    poly: &Polygon<f64>,
    edges: &EdgeIndex,
    rect: Rect<f64>,
    shift_px: i64,
    buf: &mut Vec<[f64; 2]>,
) {
    let px = |x: f64, y: f64| {
        let (x, y) = grid.to_world_px(x, y);
        [x, y]
    };
    // Zone coordinates are validated and within the mercator square (grown ones a margin
    // beyond it): in range.
    const VALID: &str = "validated zone coordinates are finite and near the world";
    if edges.is_indexed() {
        // Edges in the window's rows, left of its right side: the others cannot change it.
        let lo = [f64::NEG_INFINITY, rect.min().y];
        let hi = [rect.max().x, rect.max().y];
        let _ = edges.for_each_near(poly, lo, hi, |e| {
            r.add_edge_shifted(px(e[0], e[1]), px(e[2], e[3]), shift_px)
                .expect(VALID);
            ControlFlow::Continue(())
        });
        return;
    }
    for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
        buf.clear();
        buf.extend(ring.0.iter().map(|c| px(c.x, c.y)));
        r.add_ring_shifted(buf, shift_px).expect(VALID);
    }
}

/// The world width of a grid in whole pixels.
fn world_px_i64(grid: &WorldGrid) -> i64 {
    i64::from(grid.tile_size().px()) << grid.z()
}

impl ZoneSet {
    /// The exact-area coverage mask of `tile`: per pixel, `round(255 * area)` of the pixel
    /// square inside the union of the zones (not grown).
    pub fn coverage_mask(&self, tile: TileId, size: TileSize) -> Mask {
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        self.coverage_mask_window(&grid, tile_window(tile, size))
            .expect("a tile is a valid window")
    }

    /// [`ZoneSet::coverage_mask`] written into a caller's buffer: row `y` of the mask at
    /// `out[y * stride..][..width]`; the bytes between rows are left as they are.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `stride` is less than the tile width,
    /// [`Error::BufferSize`] if `out` is too short; nothing is written then.
    pub fn coverage_mask_into(
        &self,
        tile: TileId,
        size: TileSize,
        out: &mut [u8],
        stride: usize,
    ) -> Result<()> {
        copy_into(&self.coverage_mask(tile, size), out, stride)
    }

    /// The coverage mask of any window of world pixels (see [`ZoneSet::coverage_mask`]).
    /// The world wraps: a window reaching beyond column 0 or the last column sees the zones
    /// on the other side of the antimeridian.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the window is wider or taller than
    /// [`MAX_WINDOW_PX`].
    pub fn coverage_mask_window(&self, grid: &WorldGrid, window: PixelWindow) -> Result<Mask> {
        check_window(window)?;
        let mut out = Mask::new(window.width, window.height);
        let rect = window_rect_m(grid, window, 1.0);
        let world = world_px_i64(grid);
        RASTERIZER.with_borrow_mut(|r| {
            r.reset();
            let mut buf = Vec::new();
            let _ = self
                .coverage
                .for_each_near(rect, |shift, poly, edges, frame| {
                    add_part(
                        r,
                        grid,
                        poly,
                        edges,
                        frame,
                        i64::from(shift) * world,
                        &mut buf,
                    );
                    ControlFlow::Continue(())
                });
            r.coverage(window, &mut out);
        });
        Ok(out)
    }

    /// The conservative redaction mask of `tile`: 255 for every pixel within `resample_px`
    /// (square neighbourhood) of a pixel whose square meets a zone grown by its `margin_m`;
    /// 0 elsewhere. A zone smaller than a pixel still marks its pixel. The world wraps at
    /// ±180°: zones on the other side of the antimeridian count.
    pub fn redaction_mask(&self, tile: TileId, size: TileSize, opts: &MaskOptions) -> Mask {
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        self.touched_dilated(&grid, tile_window(tile, size), opts.resample_px)
    }

    /// [`ZoneSet::redaction_mask`] written into a caller's buffer: row `y` of the mask at
    /// `out[y * stride..][..width]`; the bytes between rows are left as they are.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `stride` is less than the tile width,
    /// [`Error::BufferSize`] if `out` is too short; nothing is written then.
    pub fn redaction_mask_into(
        &self,
        tile: TileId,
        size: TileSize,
        opts: &MaskOptions,
        out: &mut [u8],
        stride: usize,
    ) -> Result<()> {
        copy_into(&self.redaction_mask(tile, size, opts), out, stride)
    }

    /// The redaction mask of any window of world pixels (see [`ZoneSet::redaction_mask`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the window is wider or taller than
    /// [`MAX_WINDOW_PX`].
    pub fn redaction_mask_window(
        &self,
        grid: &WorldGrid,
        window: PixelWindow,
        opts: &MaskOptions,
    ) -> Result<Mask> {
        check_window(window)?;
        Ok(self.touched_dilated(grid, window, opts.resample_px))
    }

    /// The touched mask of the grown zones on `window` grown by `r_px`, dilated by `r_px`
    /// and cropped back to `window`.
    pub(crate) fn touched_dilated(&self, grid: &WorldGrid, window: PixelWindow, r_px: u32) -> Mask {
        let ext = window.grown(r_px);
        let mut touched = Mask::new(ext.width, ext.height);
        let rect = window_rect_m(grid, ext, 1.0);
        let world = world_px_i64(grid);
        RASTERIZER.with_borrow_mut(|r| {
            r.reset();
            let mut buf = Vec::new();
            let _ = self.for_each_grown_part_near(rect, |part| {
                let frame = part.in_part_frame(rect);
                let shift = i64::from(part.shift) * world;
                add_part(r, grid, part.poly, part.edges, frame, shift, &mut buf);
                ControlFlow::Continue(())
            });
            r.touched(ext, &mut touched);
        });
        let dilated = dilate_square(&touched, r_px);
        dilated.crop(r_px, r_px, window.width, window.height)
    }
}

/// Square dilation of a 0/255 mask by `r` pixels (Chebyshev distance), in two separable
/// passes, each a running OR over a window of `2r + 1` computed by doubling (`log2(2r + 1)`
/// vectorisable passes over whole rows instead of a branch per pixel).
pub(crate) fn dilate_square(m: &Mask, r: u32) -> Mask {
    if r == 0 {
        return m.clone();
    }
    // Only the box of the set pixels grown by `r` can change: dilate that part alone (a
    // zone usually covers a corner of a tile). Outside it every pixel is 0 and stays 0.
    let Some(b) = crate::ops::mask_bbox(m.as_bytes(), m.width() as usize) else {
        return Mask::new(m.width(), m.height());
    };
    let b = b.grow(r as usize, m.width() as usize, m.height() as usize);
    if b.w() == m.width() as usize && b.y1 - b.y0 == m.height() as usize {
        return dilate_whole(m, r);
    }
    let part = dilate_whole(
        &m.crop(b.x0 as u32, b.y0 as u32, b.w() as u32, (b.y1 - b.y0) as u32),
        r,
    );
    let mut out = Mask::new(m.width(), m.height());
    let w = m.width() as usize;
    for (y, src) in part.as_bytes().chunks_exact(b.w()).enumerate() {
        let row = (b.y0 + y) * w;
        out.as_bytes_mut()[row + b.x0..row + b.x1].copy_from_slice(src);
    }
    out
}

/// [`dilate_square`] over the whole mask (`r` > 0).
fn dilate_whole(m: &Mask, r: u32) -> Mask {
    let (w, h) = (m.width() as usize, m.height() as usize);
    let r = r as usize;
    let len = 2 * r + 1;
    // Horizontal: row padded by r zeros on each side; out[x] = OR of padded[x..x + len].
    let mut horiz = vec![0u8; w * h];
    let mut buf = vec![0u8; w + 2 * r];
    let mut tmp = vec![0u8; w + 2 * r];
    for (src, out) in m.as_bytes().chunks_exact(w).zip(horiz.chunks_exact_mut(w)) {
        buf.fill(0);
        buf[r..r + w].copy_from_slice(src);
        window_or_in_place(&mut buf, &mut tmp, len);
        out.copy_from_slice(&buf[..w]);
    }
    // Vertical: the same over rows, as one flat pass per doubling (row y | row y + k is
    // byte i | byte i + k * w of the padded rows).
    let mut rows = vec![0u8; (h + 2 * r) * w];
    rows[r * w..(r + h) * w].copy_from_slice(&horiz);
    let mut tmp = vec![0u8; rows.len()];
    let mut covered = 1;
    while covered * 2 <= len {
        or_shifted(&mut rows, &mut tmp, covered * w);
        covered *= 2;
    }
    let mut out = Mask::new(m.width(), m.height());
    let rest = len - covered;
    for (y, line) in out.as_bytes_mut().chunks_exact_mut(w).enumerate() {
        let a = &rows[y * w..(y + 1) * w];
        let b = &rows[(y + rest) * w..(y + rest + 1) * w];
        for ((d, &p), &q) in line.iter_mut().zip(a).zip(b) {
            *d = p | q;
        }
    }
    out
}

/// `buf[x] = OR of buf[x..x + len]` (zeros past the end), by doubling; `tmp` is scratch of
/// the same length. Each pass reads one buffer and writes the other, so it vectorises.
/// `buf[i] |= buf[i + k]` for every `i` whose partner exists, through `tmp`.
fn or_shifted(buf: &mut Vec<u8>, tmp: &mut Vec<u8>, k: usize) {
    let m = buf.len().saturating_sub(k);
    for ((d, &a), &b) in tmp[..m].iter_mut().zip(&buf[..m]).zip(&buf[k..]) {
        *d = a | b;
    }
    tmp[m..].copy_from_slice(&buf[m..]);
    std::mem::swap(buf, tmp);
}

fn window_or_in_place(buf: &mut [u8], tmp: &mut [u8], len: usize) {
    let n = buf.len();
    let mut covered = 1;
    let step = |src: &[u8], dst: &mut [u8], k: usize| {
        let m = n.saturating_sub(k);
        for ((d, &a), &b) in dst[..m].iter_mut().zip(&src[..m]).zip(&src[k..]) {
            *d = a | b;
        }
        dst[m..].copy_from_slice(&src[m..]);
    };
    while covered * 2 <= len {
        step(buf, tmp, covered);
        buf.copy_from_slice(tmp);
        covered *= 2;
    }
    let rest = len - covered;
    if rest > 0 {
        step(buf, tmp, rest);
        buf.copy_from_slice(tmp);
    }
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

    /// The doubling dilation equals the definition (a set pixel within Chebyshev distance
    /// r), on random masks, sizes and radii, edges included.
    #[test]
    fn dilation_equals_its_definition() {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut checked = 0;
        for case in 0..200 {
            let (w, h) = (1 + next() % 40, 1 + next() % 40);
            let r = (next() % 9) as i64;
            let density = next() % 100;
            let mut m = Mask::new(w as u32, h as u32);
            if case % 3 == 0 {
                // A few pixels: the dilation works on their box alone.
                for _ in 0..next() % 4 {
                    let i = (next() % (w * h)) as usize;
                    m.as_bytes_mut()[i] = 255;
                }
            } else {
                for v in m.as_bytes_mut() {
                    *v = if next() % 1000 < density { 255 } else { 0 };
                }
            }
            let d = dilate_square(&m, r as u32);
            for y in 0..h as i64 {
                for x in 0..w as i64 {
                    let want = (-r..=r).any(|dy| {
                        (-r..=r).any(|dx| {
                            let (xx, yy) = (x + dx, y + dy);
                            xx >= 0
                                && yy >= 0
                                && xx < w as i64
                                && yy < h as i64
                                && m.get(xx as u32, yy as u32) != 0
                        })
                    });
                    assert_eq!(
                        d.get(x as u32, y as u32) != 0,
                        want,
                        "case {case} ({x}, {y}) r {r}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000);
    }
}
