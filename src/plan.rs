//! Tile planning and the per-tile masks of a [`ZoneSet`].
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
use std::collections::BTreeMap;

use geo::{Coord, LineString, Polygon, Rect};

use crate::raster::{CoverageRasterizer, Mask, PixelWindow};
use crate::tile::{TileId, TileSize, WorldGrid};
use crate::zone::ZoneSet;

/// What a tile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePlan {
    /// No zone (grown by its margin and the resampling allowance) comes near the tile: its
    /// masks are all zero and an archive copies its bytes as they are.
    Clear,
    /// The whole tile lies inside the redaction mask (its redaction mask is all 255).
    Full,
    /// Some pixels may need redaction: compute the masks.
    Partial,
}

impl TilePlan {
    /// `"clear"`, `"full"` or `"partial"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TilePlan::Clear => "clear",
            TilePlan::Full => "full",
            TilePlan::Partial => "partial",
        }
    }
}

impl std::fmt::Display for TilePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
const MAX_RESAMPLE_PX: u32 = 64;

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
    /// Plans `tile`: [`TilePlan::Clear`] when no grown zone comes within the resampling
    /// allowance of the tile, [`TilePlan::Full`] when one grown zone part contains the whole
    /// tile, else [`TilePlan::Partial`].
    ///
    /// A `Clear` tile has all-zero coverage and redaction masks; a `Full` tile an all-255
    /// redaction mask. `Partial` is the safe answer when the exact tests cannot decide cheaply.
    ///
    /// ```
    /// use tileredact::{MaskOptions, TileId, TilePlan, TileSize, ZoneSet};
    /// let zones = ZoneSet::from_geojson_str(r#"{"type":"Polygon","coordinates":
    ///     [[[10,10],[11,10],[11,11],[10,11],[10,10]]]}"#).unwrap();
    /// let opts = MaskOptions::default();
    /// let far = TileId::containing(-40.0, -40.0, 8).unwrap();
    /// assert_eq!(zones.plan(far, TileSize::S256, &opts), TilePlan::Clear);
    /// let inside = TileId::containing(10.5, 10.5, 12).unwrap();
    /// assert_eq!(zones.plan(inside, TileSize::S256, &opts), TilePlan::Full);
    /// let edge = TileId::containing(10.0, 10.5, 12).unwrap();
    /// assert_eq!(zones.plan(edge, TileSize::S256, &opts), TilePlan::Partial);
    /// ```
    pub fn plan(&self, tile: TileId, size: TileSize, opts: &MaskOptions) -> TilePlan {
        // Pad by the resampling allowance plus one whole pixel, so rounding between metres
        // and world pixels can never make a tile with redacted pixels look clear.
        let b = tile.bounds_m();
        let m_per_px = (b.max_x - b.min_x) / f64::from(size.px());
        let pad_m = (f64::from(opts.resample_px.min(MAX_RESAMPLE_PX)) + 1.0) * m_per_px;
        let near = Rect::new(
            Coord {
                x: b.min_x - pad_m,
                y: b.min_y - pad_m,
            },
            Coord {
                x: b.max_x + pad_m,
                y: b.max_y + pad_m,
            },
        );
        if !self.any_grown_part_in(near) {
            return TilePlan::Clear;
        }
        let exact = Rect::new(
            Coord {
                x: b.min_x,
                y: b.min_y,
            },
            Coord {
                x: b.max_x,
                y: b.max_y,
            },
        );
        for (_, part) in self.grown_parts_in(exact) {
            if polygon_contains_rect(part, exact) {
                return TilePlan::Full;
            }
        }
        TilePlan::Partial
    }

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

    /// The tiles of zoom `z` that are not [`TilePlan::Clear`], with their plan, in row-major
    /// order (by `y`, then `x`). Lazy: tiles are planned as the iterator advances.
    ///
    /// # Errors
    /// [`crate::Error::InvalidTile`] if `z > 30`.
    pub fn tile_cover(
        &self,
        z: u8,
        size: TileSize,
        opts: MaskOptions,
    ) -> crate::Result<TileCover<'_>> {
        let grid = WorldGrid::new(z, size)?;
        let n = 1i64 << z;
        let t = i64::from(size.px());
        let pad = f64::from(opts.resample_px.min(MAX_RESAMPLE_PX)) + 1.0;
        // Tile ranges (x0, x1, y0, y1 inclusive) of every grown part, padded.
        let mut ranges = Vec::new();
        for zone_parts in self.grown_part_bboxes() {
            let (ax, ay) = grid.to_world_px(zone_parts.min().x, zone_parts.max().y);
            let (bx, by) = grid.to_world_px(zone_parts.max().x, zone_parts.min().y);
            let to_tile = |p: f64| ((p / t as f64).floor() as i64).clamp(0, n - 1);
            ranges.push((
                to_tile(ax - pad),
                to_tile(bx + pad),
                to_tile(ay - pad),
                to_tile(by + pad),
            ));
        }
        let mut rows: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        for &(x0, x1, y0, y1) in &ranges {
            for y in y0..=y1 {
                rows.entry(y).or_default().push((x0, x1));
            }
        }
        Ok(TileCover {
            zones: self,
            z,
            size,
            opts,
            rows: rows.into_iter().collect::<Vec<_>>().into_iter(),
            current: None,
        })
    }
}

/// The row being walked: (y, merged x intervals, index of the interval, next x).
type CoverRow = (i64, Vec<(i64, i64)>, usize, i64);

/// Iterator over the tiles of a zoom that are not clear; see [`ZoneSet::tile_cover`].
#[derive(Debug)]
pub struct TileCover<'a> {
    zones: &'a ZoneSet,
    z: u8,
    size: TileSize,
    opts: MaskOptions,
    rows: std::vec::IntoIter<(i64, Vec<(i64, i64)>)>,
    current: Option<CoverRow>,
}

impl Iterator for TileCover<'_> {
    type Item = (TileId, TilePlan);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((y, ivs, i, x)) = &mut self.current {
                while *i < ivs.len() {
                    let (_, hi) = ivs[*i];
                    if *x > hi {
                        *i += 1;
                        if *i < ivs.len() {
                            *x = ivs[*i].0;
                        }
                        continue;
                    }
                    let tile = TileId::new(self.z, *x as u32, *y as u32).expect("in range");
                    *x += 1;
                    let plan = self.zones.plan(tile, self.size, &self.opts);
                    if plan != TilePlan::Clear {
                        return Some((tile, plan));
                    }
                }
                self.current = None;
            }
            let (y, mut ivs) = self.rows.next()?;
            ivs.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ivs.len());
            for (a, b) in ivs {
                match merged.last_mut() {
                    Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            let x = merged[0].0;
            self.current = Some((y, merged, 0, x));
        }
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

/// True when the closed rectangle lies inside the polygon and no edge of the polygon meets
/// it (touching counts as meeting, which only makes the answer more cautious).
fn polygon_contains_rect(poly: &Polygon<f64>, rect: Rect<f64>) -> bool {
    let pr = match geo::BoundingRect::bounding_rect(poly) {
        Some(b) => b,
        None => return false,
    };
    if pr.min().x > rect.min().x
        || pr.min().y > rect.min().y
        || pr.max().x < rect.max().x
        || pr.max().y < rect.max().y
    {
        return false;
    }
    let rings = || std::iter::once(poly.exterior()).chain(poly.interiors());
    if rings().any(|ring| ring_meets_rect(ring, rect)) {
        return false;
    }
    // No edge meets the rectangle: it is wholly inside or wholly outside each ring.
    let c = rect.min();
    let inside_ring =
        |ring: &LineString<f64>| crate::zone::locate(c, &ring.0) == crate::zone::Loc::Inside;
    inside_ring(poly.exterior()) && !poly.interiors().iter().any(inside_ring)
}

fn ring_meets_rect(ring: &LineString<f64>, rect: Rect<f64>) -> bool {
    ring.lines().any(|l| {
        crate::geom::segment_meets_rect(
            [l.start.x, l.start.y],
            [l.end.x, l.end.y],
            [rect.min().x, rect.min().y],
            [rect.max().x, rect.max().y],
        )
    })
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

    #[test]
    fn rect_containment() {
        let sq: Polygon<f64> = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (4.0, 4.0),
                (4.0, 6.0),
                (6.0, 6.0),
                (6.0, 4.0),
                (4.0, 4.0),
            ])],
        );
        let r =
            |a: f64, b: f64, c: f64, d: f64| Rect::new(Coord { x: a, y: b }, Coord { x: c, y: d });
        assert!(polygon_contains_rect(&sq, r(1.0, 1.0, 3.0, 3.0)));
        assert!(
            !polygon_contains_rect(&sq, r(1.0, 1.0, 5.0, 5.0)),
            "meets the hole"
        );
        assert!(
            !polygon_contains_rect(&sq, r(4.5, 4.5, 5.5, 5.5)),
            "inside the hole"
        );
        assert!(
            !polygon_contains_rect(&sq, r(-1.0, 1.0, 3.0, 3.0)),
            "crosses the shell"
        );
        assert!(!polygon_contains_rect(&sq, r(11.0, 11.0, 12.0, 12.0)));
    }
}
