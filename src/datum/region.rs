//! Where the offsets apply: [`Region`], and its fast point-in-polygon test.
//!
//! The polygon test precomputes a grid of 0.25-degree cells over the polygon's bounding box,
//! each marked inside, outside or edge (an edge of the polygon touches it), and for each grid
//! row the polygon edges that reach into it. A point is classified by a bounding-box reject, a
//! table look-up, and only in edge cells by a ray cast over the few edges of its row, which
//! gives exactly the answer of a ray cast over the whole polygon.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use super::region_data::{BD09_RING, GCJ02_RING, SOUTH_CUTOFF_LAT};
use crate::error::{Error, Result};

/// The widely used bounding box: outside if `lon < 72.004`, `lon > 137.8347`, `lat < 0.8293`
/// or `lat > 55.8271`.
pub(crate) const BOX_MIN_LON: f64 = 72.004;
pub(crate) const BOX_MAX_LON: f64 = 137.8347;
pub(crate) const BOX_MIN_LAT: f64 = 0.8293;
pub(crate) const BOX_MAX_LAT: f64 = 55.8271;

/// Where the GCJ-02 and BD-09 offsets apply, always tested on the WGS-84 position.
///
/// Points outside the region pass every transform unchanged. The numbers are stable (for the
/// C ABI).
///
/// # Examples
///
/// ```
/// use tileredact::Region;
///
/// // Beijing is in every region; Hong Kong is in the box but not in the GCJ-02 polygon.
/// assert!(Region::Polygon.contains_gcj02(116.404, 39.915));
/// assert!(Region::BoundingBox.contains_gcj02(114.17, 22.32));
/// assert!(!Region::Polygon.contains_gcj02(114.17, 22.32));
/// assert!(Region::Polygon.contains_bd09(114.17, 22.32));
/// assert_eq!("bbox".parse::<Region>().unwrap(), Region::BoundingBox);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u32)]
pub enum Region {
    /// Offsets apply to every point (use only for data known to be in mainland China).
    Everywhere = 0,
    /// The widely used bounding box (lon 72.004..=137.8347, lat 0.8293..=55.8271). It wrongly
    /// includes Hong Kong, Macau, Taiwan and parts of neighbouring countries.
    BoundingBox = 1,
    /// The PRCoords polygon (public domain): Hong Kong and Macau carved out for GCJ-02 and
    /// included for BD-09; nothing at or south of latitude 17.75455.
    #[default]
    Polygon = 2,
}

impl Region {
    /// Every region, in number order.
    pub const ALL: [Region; 3] = [Region::Everywhere, Region::BoundingBox, Region::Polygon];

    /// The name used by [`FromStr`] and [`fmt::Display`]: `everywhere`, `bbox`, `polygon`.
    pub const fn name(self) -> &'static str {
        match self {
            Region::Everywhere => "everywhere",
            Region::BoundingBox => "bbox",
            Region::Polygon => "polygon",
        }
    }

    /// Whether GCJ-02 applies at this WGS-84 position. Non-finite input is outside (except
    /// for [`Region::Everywhere`]).
    pub fn contains_gcj02(self, lon: f64, lat: f64) -> bool {
        self.gcj_test().contains(lon, lat)
    }

    /// Whether BD-09 applies at this WGS-84 position. Non-finite input is outside (except for
    /// [`Region::Everywhere`]).
    pub fn contains_bd09(self, lon: f64, lat: f64) -> bool {
        self.bd_test().contains(lon, lat)
    }

    pub(crate) fn gcj_test(self) -> RegionTest {
        match self {
            Region::Everywhere => RegionTest::All,
            Region::BoundingBox => RegionTest::Box,
            Region::Polygon => RegionTest::Poly(&GCJ_POLYGON),
        }
    }

    pub(crate) fn bd_test(self) -> RegionTest {
        match self {
            Region::Everywhere => RegionTest::All,
            Region::BoundingBox => RegionTest::Box,
            Region::Polygon => RegionTest::Poly(&BD_POLYGON),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Parses `everywhere`, `bbox` (or `box`, `bounding-box`) or `polygon`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "everywhere" | "all" => Ok(Region::Everywhere),
            "bbox" | "box" | "bounding-box" | "boundingbox" => Ok(Region::BoundingBox),
            "polygon" => Ok(Region::Polygon),
            _ => Err(Error::param(
                "region",
                format!("{s:?}; expected everywhere, bbox or polygon"),
            )),
        }
    }
}

/// A region test with its polygon resolved once (for batches).
#[derive(Clone, Copy)]
pub(crate) enum RegionTest {
    All,
    Box,
    Poly(&'static PolygonRegion),
}

impl RegionTest {
    #[inline]
    pub(crate) fn contains(&self, lon: f64, lat: f64) -> bool {
        match self {
            RegionTest::All => true,
            RegionTest::Box => in_box(lon, lat),
            RegionTest::Poly(p) => p.contains(lon, lat),
        }
    }

    /// `false` only if no point within [`NEAR_DEG`] degrees of (lon, lat) is inside: a cheap,
    /// conservative pre-test for inverses, whose region test is on a result near the input.
    #[inline]
    pub(crate) fn may_contain_near(&self, lon: f64, lat: f64) -> bool {
        match self {
            RegionTest::All => true,
            RegionTest::Box => {
                (BOX_MIN_LON - NEAR_DEG..=BOX_MAX_LON + NEAR_DEG).contains(&lon)
                    && (BOX_MIN_LAT - NEAR_DEG..=BOX_MAX_LAT + NEAR_DEG).contains(&lat)
            }
            RegionTest::Poly(p) => p.near(lon, lat),
        }
    }
}

/// How a rectangle of lon/lat relates to a region: every point inside, every point outside,
/// or not known to be either (the tile warp evaluates such cells point by point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RectClass {
    Inside,
    Outside,
    Mixed,
}

impl RegionTest {
    /// The class of the closed rectangle `west..=east`, `south..=north` (degrees);
    /// conservative: `Inside` / `Outside` only when [`RegionTest::contains`] gives that answer
    /// at every point of it. Non-finite bounds are `Mixed`.
    pub(crate) fn classify_rect(&self, west: f64, south: f64, east: f64, north: f64) -> RectClass {
        if !(west.is_finite() && south.is_finite() && east.is_finite() && north.is_finite()) {
            return RectClass::Mixed;
        }
        match self {
            RegionTest::All => RectClass::Inside,
            RegionTest::Box => {
                if east < BOX_MIN_LON
                    || west > BOX_MAX_LON
                    || north < BOX_MIN_LAT
                    || south > BOX_MAX_LAT
                {
                    RectClass::Outside
                } else if in_box(west, south) && in_box(east, north) {
                    RectClass::Inside
                } else {
                    RectClass::Mixed
                }
            }
            RegionTest::Poly(p) => p.classify_rect(west, south, east, north),
        }
    }
}

/// The distance (degrees, in longitude and in latitude) that [`RegionTest::may_contain_near`]
/// covers: more than any GCJ-02 plus BD-09 shift (below 0.02 degrees in the region).
pub(crate) const NEAR_DEG: f64 = 0.1;

/// The bounding-box test (NaN is outside). `&` rather than `&&` and ranges: no branches.
#[inline(always)]
#[allow(clippy::manual_range_contains)]
pub(crate) fn in_box(lon: f64, lat: f64) -> bool {
    (lon >= BOX_MIN_LON) & (lon <= BOX_MAX_LON) & (lat >= BOX_MIN_LAT) & (lat <= BOX_MAX_LAT)
}

static GCJ_POLYGON: LazyLock<PolygonRegion> = LazyLock::new(|| PolygonRegion::new(&GCJ02_RING));
static BD_POLYGON: LazyLock<PolygonRegion> = LazyLock::new(|| PolygonRegion::new(&BD09_RING));

const CELL_DEG: f64 = 0.25;
const OUT: u8 = 0;
const IN: u8 = 1;
const EDGE: u8 = 2;

/// A polygon (one ring, any winding, even-odd rule) with its precomputed grid.
pub(crate) struct PolygonRegion {
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
    nx: usize,
    ny: usize,
    /// `OUT`, `IN` or `EDGE` per cell, row-major from the south-west.
    cells: Vec<u8>,
    /// Per cell: whether the cell or one of its 8 neighbours is not `OUT`.
    near: Vec<bool>,
    /// Edges of each row, row after row; `row_start[iy]..row_start[iy+1]`.
    row_edges: Vec<RayEdge>,
    row_start: Vec<usize>,
    /// All edges `[x1, y1, x2, y2]` (for tests).
    #[cfg_attr(not(test), allow(dead_code))]
    edges: Vec<[f64; 4]>,
    /// All edges for the ray cast (the reference test).
    #[cfg_attr(not(test), allow(dead_code))]
    ray_edges: Vec<RayEdge>,
}

impl PolygonRegion {
    pub(crate) fn new(ring: &[[f64; 2]]) -> Self {
        let mut edges: Vec<[f64; 4]> = ring
            .windows(2)
            .map(|w| [w[0][0], w[0][1], w[1][0], w[1][1]])
            .collect();
        if ring.first() != ring.last() {
            let (a, b) = (ring[ring.len() - 1], ring[0]);
            edges.push([a[0], a[1], b[0], b[1]]);
        }
        let fold =
            |f: fn(f64, f64) -> f64, i: usize, init: f64| ring.iter().map(|p| p[i]).fold(init, f);
        let (min_lon, max_lon) = (fold(f64::min, 0, f64::MAX), fold(f64::max, 0, f64::MIN));
        let (min_lat, max_lat) = (fold(f64::min, 1, f64::MAX), fold(f64::max, 1, f64::MIN));
        let nx = (((max_lon - min_lon) / CELL_DEG).ceil() as usize).max(1);
        let ny = (((max_lat - min_lat) / CELL_DEG).ceil() as usize).max(1);
        let slack = CELL_DEG * 1e-6;

        let mut row_edges = Vec::new();
        let mut row_start = Vec::with_capacity(ny + 1);
        let mut cells = vec![OUT; nx * ny];
        for iy in 0..ny {
            let y_lo = min_lat + iy as f64 * CELL_DEG - slack;
            let y_hi = min_lat + (iy + 1) as f64 * CELL_DEG + slack;
            let first = row_edges.len();
            row_start.push(first);
            let row: Vec<[f64; 4]> = edges
                .iter()
                .filter(|e| e[1].min(e[3]) <= y_hi && e[1].max(e[3]) >= y_lo)
                .copied()
                .collect();
            row_edges.extend(row.iter().map(RayEdge::new));
            for ix in 0..nx {
                let x_lo = min_lon + ix as f64 * CELL_DEG - slack;
                let x_hi = min_lon + (ix + 1) as f64 * CELL_DEG + slack;
                let touched = row.iter().any(|e| {
                    crate::geom::segment_meets_rect(
                        [e[0], e[1]],
                        [e[2], e[3]],
                        [x_lo, y_lo],
                        [x_hi, y_hi],
                    )
                });
                let row = &row_edges[first..];
                cells[iy * nx + ix] = if touched {
                    EDGE
                } else if crossings_odd(row, 0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi)) {
                    IN
                } else {
                    OUT
                };
            }
        }
        row_start.push(row_edges.len());
        let mut near = vec![false; nx * ny];
        for iy in 0..ny {
            for ix in 0..nx {
                near[iy * nx + ix] = (iy.saturating_sub(1)..(iy + 2).min(ny)).any(|jy| {
                    (ix.saturating_sub(1)..(ix + 2).min(nx)).any(|jx| cells[jy * nx + jx] != OUT)
                });
            }
        }
        PolygonRegion {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
            nx,
            ny,
            cells,
            near,
            row_edges,
            row_start,
            ray_edges: edges.iter().map(RayEdge::new).collect(),
            edges,
        }
    }

    /// Whether (lon, lat) is inside (even-odd rule) and north of the southern cut-off.
    ///
    /// Branch-free except for the rare edge cells (a few percent of the area), so that random
    /// input does not pay for mispredicted branches.
    #[inline(always)]
    pub(crate) fn contains(&self, lon: f64, lat: f64) -> bool {
        // `&` (not `&&`): evaluate everything, no branches. NaN compares false.
        let in_box = (lat > SOUTH_CUTOFF_LAT)
            & (lon >= self.min_lon)
            & (lon <= self.max_lon)
            & (lat >= self.min_lat)
            & (lat <= self.max_lat);
        let ix = cell_coord((lon - self.min_lon) * (1.0 / CELL_DEG), self.nx);
        let iy = cell_coord((lat - self.min_lat) * (1.0 / CELL_DEG), self.ny);
        let cell = self.cells[iy * self.nx + ix];
        if cell == EDGE && in_box {
            return self.edge_cell_contains(iy, lon, lat);
        }
        in_box & (cell == IN)
    }

    /// See [`RegionTest::classify_rect`]: from the grid cells the rectangle overlaps (any edge
    /// cell makes it `Mixed`), the bounding box and the southern cut-off.
    fn classify_rect(&self, west: f64, south: f64, east: f64, north: f64) -> RectClass {
        if east < self.min_lon
            || west > self.max_lon
            || north < self.min_lat
            || south > self.max_lat
            || north <= SOUTH_CUTOFF_LAT
        {
            return RectClass::Outside;
        }
        // Parts outside the bounding box or at/south of the cut-off are outside.
        let mut any_out = west < self.min_lon
            || east > self.max_lon
            || south < self.min_lat
            || north > self.max_lat
            || south <= SOUTH_CUTOFF_LAT;
        let mut any_in = false;
        let cell = |v: f64, lo: f64, n: usize| -> usize {
            (((v - lo) / CELL_DEG).floor().max(0.0) as usize).min(n - 1)
        };
        let (ix0, ix1) = (
            cell(west, self.min_lon, self.nx),
            cell(east, self.min_lon, self.nx),
        );
        let (iy0, iy1) = (
            cell(south, self.min_lat, self.ny),
            cell(north, self.min_lat, self.ny),
        );
        for iy in iy0..=iy1 {
            for ix in ix0..=ix1 {
                match self.cells[iy * self.nx + ix] {
                    IN => any_in = true,
                    OUT => any_out = true,
                    _ => return RectClass::Mixed,
                }
            }
        }
        match (any_in, any_out) {
            (true, false) => RectClass::Inside,
            (false, true) => RectClass::Outside,
            _ => RectClass::Mixed,
        }
    }

    /// The ray cast over the edges of row `iy`.
    #[inline(never)]
    fn edge_cell_contains(&self, iy: usize, lon: f64, lat: f64) -> bool {
        crossings_odd(
            &self.row_edges[self.row_start[iy]..self.row_start[iy + 1]],
            lon,
            lat,
        )
    }

    /// `false` only if no point within [`NEAR_DEG`] (less than one cell) of (lon, lat) is
    /// inside.
    #[inline]
    pub(crate) fn near(&self, lon: f64, lat: f64) -> bool {
        let fx = (lon - self.min_lon) * (1.0 / CELL_DEG);
        let fy = (lat - self.min_lat) * (1.0 / CELL_DEG);
        let (nx, ny) = (self.nx as f64, self.ny as f64);
        // Within one cell outside the grid: conservatively near. NaN: not near.
        let in_frame = (fx >= -1.0) & (fy >= -1.0) & (fx < nx + 1.0) & (fy < ny + 1.0);
        let in_grid = (fx >= 0.0) & (fy >= 0.0) & (fx < nx) & (fy < ny);
        let ix = cell_coord(fx, self.nx);
        let iy = cell_coord(fy, self.ny);
        in_frame & (!in_grid | self.near[iy * self.nx + ix])
    }

    /// The plain ray cast over every edge (the reference of [`PolygonRegion::contains`]).
    #[cfg(test)]
    pub(crate) fn contains_reference(&self, lon: f64, lat: f64) -> bool {
        lat > SOUTH_CUTOFF_LAT && crossings_odd(&self.ray_edges, lon, lat)
    }

    /// The edges of the polygon, `[x1, y1, x2, y2]`.
    #[cfg(test)]
    pub(crate) fn edges(&self) -> &[[f64; 4]] {
        &self.edges
    }
}

/// The cell of grid coordinate `f` (in cells), clamped to `0..n`; for `f` within the grid
/// this is `floor(f)`, or one less when `f` is an integer, i.e. on the boundary of two cells,
/// where both cells are right (their classification covers their boundary). Garbage (but in
/// range) for NaN and huge values, which the callers mask out. Plain arithmetic: Rust's
/// saturating float-to-int casts cost several extra instructions here.
#[inline(always)]
fn cell_coord(f: f64, n: usize) -> usize {
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    let k = ((f - 0.5) + ROUND_MAGIC).to_bits() as u32 as i32; // round(f - 0.5)
    (k.max(0) as usize).min(n - 1)
}

/// An edge prepared for the ray cast: start point, end latitude, and `dx/dy`.
#[derive(Clone, Copy)]
struct RayEdge {
    x1: f64,
    y1: f64,
    y2: f64,
    slope: f64,
}

impl RayEdge {
    fn new(e: &[f64; 4]) -> Self {
        RayEdge {
            x1: e[0],
            y1: e[1],
            y2: e[3],
            // Infinite or NaN for horizontal edges, which a ray never crosses.
            slope: (e[2] - e[0]) / (e[3] - e[1]),
        }
    }
}

/// Even-odd ray cast towards +x over `edges` (branch-free).
#[inline]
fn crossings_odd(edges: &[RayEdge], x: f64, y: f64) -> bool {
    let mut inside = false;
    for e in edges {
        let straddles = (e.y1 > y) != (e.y2 > y);
        let xc = e.x1 + (y - e.y1) * e.slope;
        inside ^= straddles & (x < xc);
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_test_equals_full_ray_cast() {
        for poly in [&*GCJ_POLYGON, &*BD_POLYGON] {
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            for _ in 0..200_000 {
                let lon = 70.0 + 70.0 * next();
                let lat = 15.0 + 42.0 * next();
                assert_eq!(
                    poly.contains(lon, lat),
                    poly.contains_reference(lon, lat),
                    "({lon}, {lat})"
                );
            }
            // Near every vertex and edge midpoint too.
            for e in poly.edges() {
                for (bx, by) in [(e[0], e[1]), (0.5 * (e[0] + e[2]), 0.5 * (e[1] + e[3]))] {
                    for k in 0..50 {
                        let lon = bx + (next() - 0.5) * 1e-3 * (k % 5) as f64;
                        let lat = by + (next() - 0.5) * 1e-3 * (k / 10) as f64;
                        assert_eq!(poly.contains(lon, lat), poly.contains_reference(lon, lat));
                    }
                }
            }
        }
    }

    #[test]
    fn known_places() {
        let p = Region::Polygon;
        for (lon, lat) in [(116.404, 39.915), (121.47, 31.23), (87.6168, 43.8256)] {
            assert!(p.contains_gcj02(lon, lat) && p.contains_bd09(lon, lat));
        }
        // Hong Kong, Macau: BD-09 only. Taipei, Seoul, Tokyo, Hanoi: neither.
        for (lon, lat) in [(114.17, 22.32), (113.54, 22.19)] {
            assert!(!p.contains_gcj02(lon, lat) && p.contains_bd09(lon, lat));
        }
        for (lon, lat) in [
            (121.56, 25.03),
            (126.98, 37.57),
            (139.69, 35.69),
            (105.85, 21.03),
        ] {
            assert!(!p.contains_gcj02(lon, lat) && !p.contains_bd09(lon, lat));
        }
        assert!(
            !p.contains_gcj02(f64::NAN, 30.0)
                && !Region::BoundingBox.contains_gcj02(f64::NAN, 30.0)
        );
        assert!(Region::BoundingBox.contains_gcj02(72.004, 0.8293));
        assert!(!Region::BoundingBox.contains_gcj02(72.0039, 30.0));
    }

    #[test]
    fn constants_equal_the_fixture() {
        let v: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/oracles/china-region-prcoords.geojson"
        ))
        .unwrap();
        let rings: Vec<Vec<[f64; 2]>> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| serde_json::from_value(f["geometry"]["coordinates"][0].clone()).unwrap())
            .collect();
        assert_eq!(rings[0], GCJ02_RING.to_vec());
        assert_eq!(rings[1], BD09_RING.to_vec());
        for f in v["features"].as_array().unwrap() {
            assert_eq!(
                f["properties"]["south_cutoff_lat"].as_f64(),
                Some(SOUTH_CUTOFF_LAT)
            );
        }
    }

    #[test]
    fn parse_names() {
        for r in Region::ALL {
            assert_eq!(r.name().parse::<Region>().unwrap(), r);
        }
        let e = "bogus".parse::<Region>().unwrap_err().to_string();
        assert!(e.contains("expected everywhere, bbox or polygon"), "{e}");
    }
}
