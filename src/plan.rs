//! Tile planning: [`ZoneSet::plan`] says whether a tile is clear, fully redacted or needs its
//! masks, and [`ZoneSet::tile_cover`] lists the tiles of a zoom that are not clear.

use std::collections::BTreeMap;

use geo::{Coord, Rect};

use crate::geom::polygon_contains_rect;
use crate::raster::{MAX_RESAMPLE_PX, MaskOptions};
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
