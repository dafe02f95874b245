//! Tile planning: [`ZoneSet::plan`] says whether a tile is clear, fully redacted or needs its
//! masks, and [`ZoneSet::tile_cover`] lists the tiles of a zoom that are not clear.

use std::collections::BTreeMap;

use std::ops::ControlFlow;

use geo::Rect;

use crate::raster::{Mask, MaskOptions, PixelWindow, tile_window, window_rect_m};
use crate::tile::{TileId, TileSize, WorldGrid};
use crate::zone::ZoneSet;

/// What a tile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TilePlan {
    /// No zone (grown by its margin and the resampling allowance) comes near the tile: its
    /// masks are all zero and an archive copies its bytes as they are.
    #[default]
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

/// Padding of the probe boxes of [`ZoneSet::plan_with_mask`] in pixels: far more than the
/// rasteriser's vertex snapping (1/4096 px) and the rounding between metres and pixels.
const PROBE_PAD_PX: f64 = 1.0 / 64.0;

impl ZoneSet {
    /// Plans `tile`: exactly what its redaction mask ([`ZoneSet::redaction_mask`]) holds.
    ///
    /// - [`TilePlan::Clear`] when no grown zone (zone grown by its `margin_m`, the world
    ///   wrapping at ±180°) meets the tile padded by `resample_px + 1` pixels: the masks are
    ///   all zero. The extra pixel absorbs the rounding between metres and pixels, so a
    ///   `Partial` tile can have an all-zero mask only because of a zone in that last pixel.
    /// - [`TilePlan::Full`] when the redaction mask is all 255: one grown zone contains the
    ///   tile, or the grown zones together (two touching zones, a zone whose edge runs
    ///   within `resample_px` outside the tile) leave no pixel out.
    /// - [`TilePlan::Partial`] otherwise: a grown zone really meets the padded tile.
    ///
    /// # Performance
    ///
    /// A clear tile costs a few tens of nanoseconds whatever the number of zones (bounding
    /// boxes, then an occupancy grid and an R*-tree); a tile near a zone costs the zone's
    /// edges near the tile. Only a tile that no single zone contains but whose corners and
    /// centre are all near zones is decided by computing its mask.
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
        self.plan_with_mask(tile, size, opts).0
    }

    /// [`ZoneSet::plan`], with the redaction mask when planning had to compute it.
    pub(crate) fn plan_with_mask(
        &self,
        tile: TileId,
        size: TileSize,
        opts: &MaskOptions,
    ) -> (TilePlan, Option<Mask>) {
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        let window = tile_window(tile, size);
        let r = opts.resample_px();
        let padded = window_rect_m(&grid, window, f64::from(r) + 1.0);
        // Bounding boxes first: the hot path of a clear tile.
        if !self.any_grown_part_near(padded) || !self.any_grown_part_meets(padded) {
            return (TilePlan::Clear, None);
        }
        let exact = window_rect_m(&grid, window, 0.0);
        let one_contains = self
            .for_each_grown_part_near(exact, |p| {
                if p.contains(exact) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .is_break();
        if one_contains {
            return (TilePlan::Full, None);
        }
        // A corner or the centre whose mask pixel is surely 0: no zone meets the pixels
        // within `r` of it.
        let (x0, y0) = (window.x0, window.y0);
        let (x1, y1) = (
            x0 + i64::from(window.width) - 1,
            y0 + i64::from(window.height) - 1,
        );
        let probes = [
            (x0, y0),
            (x1, y0),
            (x0, y1),
            (x1, y1),
            ((x0 + x1) / 2, (y0 + y1) / 2),
        ];
        for (px, py) in probes {
            let around = PixelWindow {
                x0: px,
                y0: py,
                width: 1,
                height: 1,
            }
            .grown(r);
            if !self.any_grown_part_meets(window_rect_m(&grid, around, PROBE_PAD_PX)) {
                return (TilePlan::Partial, None);
            }
        }
        let mask = self.touched_dilated(&grid, window, r);
        let plan = if mask.is_full() {
            TilePlan::Full
        } else {
            TilePlan::Partial
        };
        (plan, Some(mask))
    }

    /// Whether a grown zone (the world wrapping) meets the closed rectangle (exact).
    fn any_grown_part_meets(&self, rect: Rect<f64>) -> bool {
        self.for_each_grown_part_near(rect, |p| {
            if p.meets(rect) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_break()
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
        let pad = f64::from(opts.resample_px()) + 1.0;
        // Tile ranges (x0, x1, y0, y1 inclusive) of every grown part, padded. Columns wrap:
        // a part reaching past the antimeridian continues at the other side of the world.
        let mut ranges = Vec::new();
        for zone_parts in self.grown_part_bboxes() {
            let (ax, ay) = grid.to_world_px(zone_parts.min().x, zone_parts.max().y);
            let (bx, by) = grid.to_world_px(zone_parts.max().x, zone_parts.min().y);
            // Saturating float-to-int conversions keep huge values harmless.
            let to_tile = |p: f64| (p / t as f64).floor() as i64;
            let (x0, x1) = (to_tile(ax - pad), to_tile(bx + pad));
            let (y0, y1) = (to_tile(ay - pad).max(0), to_tile(by + pad).min(n - 1));
            if y0 > y1 {
                continue;
            }
            if x1 - x0 + 1 >= n {
                ranges.push((0, n - 1, y0, y1));
                continue;
            }
            let (a, b) = (x0.rem_euclid(n), x1.rem_euclid(n));
            if a <= b {
                ranges.push((a, b, y0, y1));
            } else {
                ranges.push((a, n - 1, y0, y1));
                ranges.push((0, b, y0, y1));
            }
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
