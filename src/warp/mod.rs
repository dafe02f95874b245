//! Tile warp between the WGS-84 and GCJ-02 grids: [`warp_tile`] produces tile z/x/y of the
//! target frame from the source frame's tiles; [`required_source_tiles`] says which.
//!
//! **Map.** A target pixel centre at lon/lat `p` is sampled from the source at `M(p)`:
//! `M = gcj02_to_wgs84` for [`WarpDirection::Wgs84ToGcj02`] (the output is in the GCJ-02 grid,
//! the source in WGS-84), `M = wgs84_to_gcj02` for [`WarpDirection::Gcj02ToWgs84`]; both in
//! [`crate::Region::Polygon`], exactly as the free functions of `datum/`. Outside the region
//! `M` is the identity.
//!
//! **Lattice.** The displacement `M(p) - p` (in world pixels) is smooth inside the region, so it
//! is evaluated exactly on a lattice of nodes every `L` world pixels (`L` = 16 below zoom 10,
//! 32 below zoom 14, 64 from zoom 14; the far edge of a tile is a node) and interpolated
//! bilinearly in `f32`. The lattice is anchored in world pixels, not in the tile, and every
//! per-pixel quantity is a function of the world pixel alone, so adjacent tiles agree exactly.
//! Measured interpolation error (unit tests `lattice_matches_exact_map_at_z18`, 30 000 random
//! pixels of 100 random tiles, and `lattice_error_below_a_tenth_of_a_pixel_at_every_zoom`):
//! at most 3.5e-4 px at z18 (asserted below 2e-3) and at most 1.9e-2 px at any zoom 5..=20
//! (asserted below 0.1), mostly the `f32` rounding at high zoom. Lattice cells whose
//! neighbourhood (0.1 degree margin, more than any GCJ-02 shift) is not wholly inside or
//! wholly outside the region are evaluated exactly at every pixel, since `M` jumps at the
//! region edge.
//!
//! **Sampling.** Rows of `f32` displacements, split into integer source pixels and fractions,
//! then gathered from a mosaic of the needed source pixels and filtered ([`WarpFilter`]); the
//! kernel runs at the CPU level `simd/` picks and equals the scalar reference
//! [`warp_tile_ref`] byte for byte. Filters work in straight alpha on the RGBA8 channels as
//! given, which is right for opaque imagery; at the edge of a missing source tile (transparent)
//! colours blend with transparent black.

use pulp::{Arch, WithSimd};

use crate::datum::RectClass;
use crate::datum::warp_support::{gcj02_forward, gcj02_inverse, gcj02_rect_class};
use crate::error::{Error, Result};
use crate::image::{ImageView, ImageViewMut};
use crate::tile::{TileId, TileSize, WorldGrid, lnglat_to_mercator, mercator_to_lnglat};

/// Which way a tile is warped: the frame of the source tiles to the frame of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarpDirection {
    /// Sources in the WGS-84 grid, output in the GCJ-02 grid (imagery for a GCJ-02 map).
    Wgs84ToGcj02,
    /// Sources in the GCJ-02 grid, output in the WGS-84 grid.
    Gcj02ToWgs84,
}

/// The resampling filter of [`warp_tile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WarpFilter {
    /// The nearest source pixel.
    Nearest,
    /// Bilinear interpolation of the 2x2 nearest source pixels.
    #[default]
    Bilinear,
    /// Catmull-Rom bicubic (a = -0.5) over 4x4 source pixels, clamped to 0..=255.
    Bicubic,
}

/// What [`warp_tile`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WarpReport {
    /// Source tiles whose pixels the warp needed that were not given (always among
    /// [`required_source_tiles`]): their pixels read as transparent (0, 0, 0, 0). Sorted.
    pub missing: Vec<TileId>,
    /// The target tile is wholly outside the region (no offset applies there): the output is
    /// a copy of the source tile with the same address.
    pub outside_region: bool,
    /// Output pixels whose source position was computed exactly rather than from the lattice
    /// (lattice cells near the region edge).
    pub exact_pixels: usize,
    /// The lattice step in pixels (0 when the tile was copied).
    pub lattice_step: u32,
}

/// Margin (degrees) around a cell for its region class: more than any GCJ-02 shift (below
/// 0.02 degrees in the region), as `datum/region.rs`'s `NEAR_DEG`.
const REGION_MARGIN_DEG: f64 = 0.1;

/// Source pixels beyond the bilinear pair that a filter reads: bicubic reads one before and
/// two after the pixel at or left of the sample.
const TAPS_BEFORE: i64 = 1;
const TAPS_AFTER: i64 = 2;

/// The lattice step of zoom `z` in pixels: the interpolation error grows with `L^2` and with
/// the ground size of a pixel, so coarse zooms get a finer lattice.
fn lattice_step(z: u8) -> usize {
    match z {
        0..10 => 16,
        10..14 => 32,
        _ => 64,
    }
}

impl WarpDirection {
    /// `M`, with the region test (the exact map).
    fn map(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            WarpDirection::Wgs84ToGcj02 => crate::datum::gcj02_to_wgs84(lon, lat),
            WarpDirection::Gcj02ToWgs84 => crate::datum::wgs84_to_gcj02(lon, lat),
        }
    }

    /// `M` by the formula alone (as if the whole world were in the region).
    fn formula(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            WarpDirection::Wgs84ToGcj02 => gcj02_inverse(lon, lat),
            WarpDirection::Gcj02ToWgs84 => gcj02_forward(lon, lat),
        }
    }
}

/// World pixel position to lon/lat.
fn px_to_lnglat(grid: &WorldGrid, x: f64, y: f64) -> (f64, f64) {
    let (mx, my) = grid.to_mercator(x, y);
    mercator_to_lnglat(mx, my)
}

/// The displacement (source minus target, world pixels) at the world pixel position (x, y)
/// by `map`; exactly zero where `map` leaves the point unchanged.
fn displacement(
    grid: &WorldGrid,
    map: impl Fn(f64, f64) -> (f64, f64),
    x: f64,
    y: f64,
) -> (f64, f64) {
    let (lon, lat) = px_to_lnglat(grid, x, y);
    let (slon, slat) = map(lon, lat);
    if slon == lon && slat == lat {
        return (0.0, 0.0);
    }
    let (mx, my) = lnglat_to_mercator(slon, slat);
    let (sx, sy) = grid.to_world_px(mx, my);
    (sx - x, sy - y)
}

/// The exact displacement of the target pixel centre of world pixel (x, y), in `f32`: what
/// the lattice approximates.
fn exact_pixel_displacement(grid: &WorldGrid, dir: WarpDirection, x: u64, y: u64) -> [f32; 2] {
    let (dx, dy) = displacement(grid, |a, b| dir.map(a, b), x as f64 + 0.5, y as f64 + 0.5);
    [dx as f32, dy as f32]
}

/// Region class of the world-pixel rectangle `[x0, x1] x [y0, y1]` grown by the margin.
fn rect_class(grid: &WorldGrid, x0: f64, y0: f64, x1: f64, y1: f64) -> RectClass {
    let (west, north) = px_to_lnglat(grid, x0, y0);
    let (east, south) = px_to_lnglat(grid, x1, y1);
    let m = REGION_MARGIN_DEG;
    gcj02_rect_class(west - m, south - m, east + m, north + m)
}

/// The region class of a whole tile.
fn tile_class(grid: &WorldGrid, target: TileId) -> RectClass {
    let s = grid.tile_size().px() as f64;
    let (ox, oy) = (target.x() as f64 * s, target.y() as f64 * s);
    rect_class(grid, ox, oy, ox + s, oy + s)
}

/// Whether tile `target` is wholly outside the GCJ-02 region (with a margin of 0.1 degree,
/// more than any offset): then [`warp_tile`] in either direction returns the source tile with
/// the same address (`outside_region` in its report), so a tool can copy it without decoding.
///
/// ```
/// use tileredact::{TileId, outside_warp_region};
///
/// assert!(!outside_warp_region(TileId::containing(116.404, 39.915, 12).unwrap())); // Beijing
/// assert!(outside_warp_region(TileId::containing(-77.3, 25.0, 12).unwrap())); // Bahamas
/// ```
pub fn outside_warp_region(target: TileId) -> bool {
    let grid = WorldGrid::new(target.z(), TileSize::S256).expect("a valid tile's zoom");
    tile_class(&grid, target) == RectClass::Outside
}

/// The source tiles whose pixels the target tile needs, with the support of every filter
/// (bicubic: 2 pixels), sorted, without duplicates; the world wraps in x. The same set for
/// 256- and 512-pixel tiles (computed at 256 with the margins of both).
///
/// ```
/// use tileredact::{TileId, WarpDirection, required_source_tiles};
///
/// let t = TileId::containing(116.404, 39.915, 18).unwrap(); // Beijing
/// let need = required_source_tiles(t, WarpDirection::Wgs84ToGcj02);
/// assert!(need.len() >= 2 && need.len() <= 9);
/// assert!(!need.contains(&t)); // ~600 m is several tiles at z18
/// ```
pub fn required_source_tiles(target: TileId, direction: WarpDirection) -> Vec<TileId> {
    let grid = WorldGrid::new(target.z(), TileSize::S256).expect("a valid tile's zoom");
    let s = 256.0;
    let (ox, oy) = (target.x() as f64 * s, target.y() as f64 * s);
    let class = tile_class(&grid, target);
    if class == RectClass::Outside {
        // No offset anywhere near: the warp copies the tile with the same address.
        return vec![target];
    }
    // Range of the displacement over the tile: the identity where the region may end, the
    // formula on nodes every 16 px (it varies by far less than a pixel between them; the
    // guard covers that, the lattice's own error and f32 rounding).
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    let mut add = |d: (f64, f64)| {
        lo = [lo[0].min(d.0), lo[1].min(d.1)];
        hi = [hi[0].max(d.0), hi[1].max(d.1)];
    };
    if class != RectClass::Inside {
        add((0.0, 0.0));
    }
    if class != RectClass::Outside {
        for j in 0..=16 {
            for i in 0..=16 {
                let (x, y) = (ox + 16.0 * i as f64, oy + 16.0 * j as f64);
                add(displacement(&grid, |a, b| direction.formula(a, b), x, y));
            }
        }
    }
    const GUARD_PX: f64 = 2.0;
    let margin = (TAPS_AFTER + 1) as f64 + GUARD_PX;
    let x0 = ox + lo[0] - margin;
    let x1 = ox + s + hi[0] + margin;
    let y0 = oy + lo[1] - margin;
    let y1 = oy + s + hi[1] + margin;
    let n = target.tiles_per_axis() as i64;
    let tx0 = (x0 / s).floor() as i64;
    let tx1 = (x1 / s).floor() as i64;
    let ty0 = ((y0 / s).floor() as i64).max(0);
    let ty1 = ((y1 / s).floor() as i64).min(n - 1);
    let mut out = Vec::new();
    for ty in ty0..=ty1 {
        for tx in tx0..=tx1 {
            let x = tx.rem_euclid(n) as u32;
            out.push(TileId::new(target.z(), x, ty as u32).expect("in range"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The displacement field of one target tile.
struct Field {
    /// Tile side.
    s: usize,
    /// Lattice step.
    l: usize,
    /// Cells per side (`s / l`).
    nc: usize,
    /// Node displacements, `(nc + 1)^2`, row-major.
    nodes: Vec<[f32; 2]>,
    /// Per cell: `Some(k)` for a cell evaluated exactly, its pixels at `exact[k * l * l..]`.
    cells: Vec<Option<usize>>,
    exact: Vec<[f32; 2]>,
    /// `floor` of the smallest and largest displacement, x and y.
    lo: [i64; 2],
    hi: [i64; 2],
    /// `1 / l` (exact: `l` is a power of two).
    inv_l: f32,
}

impl Field {
    /// The field of `target` at side `s`; `all_exact` evaluates every pixel exactly (the
    /// bench's per-pixel transform).
    fn new(target: TileId, dir: WarpDirection, size: TileSize, all_exact: bool) -> Field {
        let s = size.px() as usize;
        let l = lattice_step(target.z());
        let nc = s / l;
        let grid = WorldGrid::new(target.z(), size).expect("a valid tile's zoom");
        let (ox, oy) = target.world_px_origin(size);
        let class = if all_exact {
            RectClass::Mixed
        } else {
            tile_class(&grid, target)
        };
        let mut cells = vec![None; nc * nc];
        let mut exact = Vec::new();
        let mut need_node = vec![!all_exact; (nc + 1) * (nc + 1)];
        if class == RectClass::Mixed {
            need_node.fill(false);
            for cy in 0..nc {
                for cx in 0..nc {
                    let (x0, y0) = ((ox + (cx * l) as u64) as f64, (oy + (cy * l) as u64) as f64);
                    let mixed = all_exact
                        || rect_class(&grid, x0, y0, x0 + l as f64, y0 + l as f64)
                            == RectClass::Mixed;
                    if mixed {
                        let k = exact.len() / (l * l);
                        for y in 0..l {
                            for x in 0..l {
                                let (wx, wy) = (ox + (cx * l + x) as u64, oy + (cy * l + y) as u64);
                                exact.push(exact_pixel_displacement(&grid, dir, wx, wy));
                            }
                        }
                        cells[cy * nc + cx] = Some(k);
                    } else {
                        for (jy, jx) in [(cy, cx), (cy, cx + 1), (cy + 1, cx), (cy + 1, cx + 1)] {
                            need_node[jy * (nc + 1) + jx] = true;
                        }
                    }
                }
            }
        }
        let mut nodes = vec![[0.0f32; 2]; (nc + 1) * (nc + 1)];
        let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        let mut add = |d: [f32; 2]| {
            lo = [lo[0].min(d[0]), lo[1].min(d[1])];
            hi = [hi[0].max(d[0]), hi[1].max(d[1])];
        };
        for j in 0..=nc {
            for i in 0..=nc {
                if need_node[j * (nc + 1) + i] {
                    let d = exact_pixel_displacement(
                        &grid,
                        dir,
                        ox + (i * l) as u64,
                        oy + (j * l) as u64,
                    );
                    nodes[j * (nc + 1) + i] = d;
                    add(d);
                }
            }
        }
        for &d in &exact {
            add(d);
        }
        // Interpolated values lie between their nodes up to f32 rounding: one pixel of guard.
        Field {
            s,
            l,
            nc,
            nodes,
            cells,
            exact,
            lo: [lo[0].floor() as i64 - 1, lo[1].floor() as i64 - 1],
            hi: [hi[0].floor() as i64 + 1, hi[1].floor() as i64 + 1],
            inv_l: 1.0 / l as f32,
        }
    }

    fn exact_pixels(&self) -> usize {
        self.exact.len()
    }

    /// Node displacements interpolated to row `y` of the tile (one per node column).
    #[inline(always)]
    fn row_nodes(&self, y: usize, out: &mut [[f32; 2]]) {
        let j = y / self.l;
        let ty = (y % self.l) as f32 * self.inv_l;
        let w = self.nc + 1;
        let (a, b) = (
            &self.nodes[j * w..(j + 1) * w],
            &self.nodes[(j + 1) * w..(j + 2) * w],
        );
        for ((o, p), q) in out.iter_mut().zip(a).zip(b) {
            *o = [lerp(p[0], q[0], ty), lerp(p[1], q[1], ty)];
        }
    }

    /// The displacement of pixel (x, y) of the tile (the reference: one pixel at a time).
    fn at(&self, x: usize, y: usize) -> [f32; 2] {
        let (cx, cy) = (x / self.l, y / self.l);
        if let Some(k) = self.cells[cy * self.nc + cx] {
            return self.exact[k * self.l * self.l + (y % self.l) * self.l + x % self.l];
        }
        let mut r = [[0.0f32; 2]; 2];
        let j = y / self.l;
        let ty = (y % self.l) as f32 * self.inv_l;
        let w = self.nc + 1;
        for (i, ri) in r.iter_mut().enumerate() {
            let (p, q) = (self.nodes[j * w + cx + i], self.nodes[(j + 1) * w + cx + i]);
            *ri = [lerp(p[0], q[0], ty), lerp(p[1], q[1], ty)];
        }
        let tx = (x % self.l) as f32 * self.inv_l;
        [lerp(r[0][0], r[1][0], tx), lerp(r[0][1], r[1][1], tx)]
    }

    /// Row `y` of the field (the fast path: node rows, then runs of `l` pixels per cell).
    #[inline(always)]
    fn row(&self, y: usize, rn: &mut [[f32; 2]], dx: &mut [f32], dy: &mut [f32]) {
        self.row_nodes(y, rn);
        let (l, inv_l) = (self.l, self.inv_l);
        let cy = y / l;
        for cx in 0..self.nc {
            let (px, py) = (&mut dx[cx * l..(cx + 1) * l], &mut dy[cx * l..(cx + 1) * l]);
            if let Some(k) = self.cells[cy * self.nc + cx] {
                let e = &self.exact[k * l * l + (y % l) * l..][..l];
                for ((a, b), d) in px.iter_mut().zip(py.iter_mut()).zip(e) {
                    *a = d[0];
                    *b = d[1];
                }
                continue;
            }
            let (p, q) = (rn[cx], rn[cx + 1]);
            for (t, (a, b)) in px.iter_mut().zip(py.iter_mut()).enumerate() {
                let tx = t as f32 * inv_l;
                *a = lerp(p[0], q[0], tx);
                *b = lerp(p[1], q[1], tx);
            }
        }
        debug_assert_eq!(self.nc * l, self.s);
    }
}

#[inline(always)]
fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// The source pixels of a target tile, one RGBA8 pixel per element, row-major; world pixel
/// (`x0`, `y0`) at index 0. Missing tiles and rows beyond the world are transparent.
struct Mosaic<'a> {
    px: std::borrow::Cow<'a, [[u8; 4]]>,
    w: usize,
    h: usize,
}

/// Integer source position and fraction of a displacement `d` at tile pixel `x`, relative to
/// the mosaic (`off` = mosaic origin minus tile origin); clamped to the mosaic so that every
/// tap is in bounds (with the field's bounds the clamp never engages in a warp).
#[inline(always)]
fn split(d: f32, x: usize, off: i64, n: usize) -> (usize, f32) {
    let fl = d.floor();
    let i = (x as i64 + fl as i64 - off).clamp(TAPS_BEFORE, n as i64 - 1 - TAPS_AFTER);
    (i as usize, d - fl)
}

#[inline(always)]
fn to_u8(v: f32) -> u8 {
    (v + 0.5).clamp(0.0, 255.0) as u8
}

/// Bilinear blend of `p = [p00, p10, p01, p11]`.
#[inline(always)]
fn bilinear(p: [[u8; 4]; 4], fx: f32, fy: f32) -> [u8; 4] {
    let mut o = [0u8; 4];
    for c in 0..4 {
        let top = f32::from(p[0][c]) * (1.0 - fx) + f32::from(p[1][c]) * fx;
        let bot = f32::from(p[2][c]) * (1.0 - fx) + f32::from(p[3][c]) * fx;
        o[c] = to_u8(top * (1.0 - fy) + bot * fy);
    }
    o
}

/// Catmull-Rom (a = -0.5) weights of taps -1, 0, 1, 2 at fraction `t`.
#[inline(always)]
fn cubic_weights(t: f32) -> [f32; 4] {
    let t2 = t * t;
    let t3 = t2 * t;
    [
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    ]
}

/// Bicubic blend of the 4x4 taps `p` (row-major, rows -1..=2).
#[inline(always)]
fn bicubic(p: &[[u8; 4]; 16], fx: f32, fy: f32) -> [u8; 4] {
    let (wx, wy) = (cubic_weights(fx), cubic_weights(fy));
    let mut o = [0u8; 4];
    for c in 0..4 {
        let mut v = 0.0f32;
        for j in 0..4 {
            let r = &p[4 * j..4 * j + 4];
            let h = wx[0] * f32::from(r[0][c])
                + wx[1] * f32::from(r[1][c])
                + wx[2] * f32::from(r[2][c])
                + wx[3] * f32::from(r[3][c]);
            v += wy[j] * h;
        }
        o[c] = to_u8(v);
    }
    o
}

/// One output pixel from its displacement (the shared per-pixel step of both paths).
#[inline(always)]
fn sample(
    m: &Mosaic<'_>,
    off: [i64; 2],
    x: usize,
    y: usize,
    d: [f32; 2],
    f: WarpFilter,
) -> [u8; 4] {
    let (ix, fx) = split(d[0], x, off[0], m.w);
    let (iy, fy) = split(d[1], y, off[1], m.h);
    let px = &m.px[..];
    let w = m.w;
    match f {
        WarpFilter::Nearest => {
            let i = ix + usize::from(fx >= 0.5);
            let j = iy + usize::from(fy >= 0.5);
            px[j * w + i]
        }
        WarpFilter::Bilinear => {
            let i = iy * w + ix;
            bilinear([px[i], px[i + 1], px[i + w], px[i + w + 1]], fx, fy)
        }
        WarpFilter::Bicubic => {
            let mut t = [[0u8; 4]; 16];
            for (j, row) in t.chunks_exact_mut(4).enumerate() {
                let s = (iy + j - 1) * w + ix - 1;
                row.copy_from_slice(&px[s..s + 4]);
            }
            bicubic(&t, fx, fy)
        }
    }
}

/// Source of the displacement rows of a kernel run.
trait Rows {
    fn row(&self, y: usize, rn: &mut [[f32; 2]], dx: &mut [f32], dy: &mut [f32]);
    fn nodes_per_row(&self) -> usize;
}

impl Rows for Field {
    #[inline(always)]
    fn row(&self, y: usize, rn: &mut [[f32; 2]], dx: &mut [f32], dy: &mut [f32]) {
        Field::row(self, y, rn, dx, dy);
    }
    fn nodes_per_row(&self) -> usize {
        self.nc + 1
    }
}

/// A constant displacement (the bench's plain resample).
#[cfg(feature = "bench")]
struct Constant([f32; 2]);

#[cfg(feature = "bench")]
impl Rows for Constant {
    #[inline(always)]
    fn row(&self, _y: usize, _rn: &mut [[f32; 2]], dx: &mut [f32], dy: &mut [f32]) {
        dx.fill(self.0[0]);
        dy.fill(self.0[1]);
    }
    fn nodes_per_row(&self) -> usize {
        0
    }
}

/// The fast kernel at CPU level `arch`: per row, the displacements (SIMD-friendly runs), then
/// integer positions and fractions, then the gather and the filter.
fn kernel_with<R: Rows>(
    arch: Arch,
    rows: &R,
    m: &Mosaic<'_>,
    off: [i64; 2],
    out: &mut ImageViewMut<'_>,
    filter: WarpFilter,
) {
    struct Run<'a, 'b, 'c, R> {
        rows: &'a R,
        m: &'a Mosaic<'c>,
        off: [i64; 2],
        out: &'a mut ImageViewMut<'b>,
        filter: WarpFilter,
    }
    impl<R: Rows> WithSimd for Run<'_, '_, '_, R> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let s = self.out.width() as usize;
            let (w, h) = (self.m.w, self.m.h);
            let px = &self.m.px[..];
            let mut rn = vec![[0.0f32; 2]; self.rows.nodes_per_row()];
            let (mut dx, mut dy) = (vec![0.0f32; s], vec![0.0f32; s]);
            let (mut fx, mut fy) = (vec![0.0f32; s], vec![0.0f32; s]);
            let mut idx = vec![0usize; s];
            for y in 0..s {
                self.rows.row(y, &mut rn, &mut dx, &mut dy);
                // Integer positions and fractions, a whole row at a time.
                for (x, ((((a, b), u), v), k)) in dx
                    .iter()
                    .zip(&dy)
                    .zip(fx.iter_mut())
                    .zip(fy.iter_mut())
                    .zip(idx.iter_mut())
                    .enumerate()
                {
                    let (ix, tx) = split(*a, x, self.off[0], w);
                    let (iy, ty) = split(*b, y, self.off[1], h);
                    *u = tx;
                    *v = ty;
                    *k = iy * w + ix;
                }
                let o = self.out.pixels_mut(y as u32);
                match self.filter {
                    WarpFilter::Nearest => {
                        for (((q, &k), &u), &v) in o.iter_mut().zip(&idx).zip(&fx).zip(&fy) {
                            let k = k + usize::from(u >= 0.5) + w * usize::from(v >= 0.5);
                            *q = px[k];
                        }
                    }
                    WarpFilter::Bilinear => {
                        for (((q, &k), &u), &v) in o.iter_mut().zip(&idx).zip(&fx).zip(&fy) {
                            let t = [px[k], px[k + 1], px[k + w], px[k + w + 1]];
                            *q = bilinear(t, u, v);
                        }
                    }
                    WarpFilter::Bicubic => {
                        for (((q, &k), &u), &v) in o.iter_mut().zip(&idx).zip(&fx).zip(&fy) {
                            let mut t = [[0u8; 4]; 16];
                            for (j, row) in t.chunks_exact_mut(4).enumerate() {
                                let s = k + j * w - w - 1;
                                row.copy_from_slice(&px[s..s + 4]);
                            }
                            *q = bicubic(&t, u, v);
                        }
                    }
                }
            }
        }
    }
    arch.dispatch(Run {
        rows,
        m,
        off,
        out,
        filter,
    });
}

/// The checked inputs of a warp.
struct Checked<'s, 'a> {
    size: TileSize,
    sources: Vec<(TileId, &'s ImageView<'a>)>,
}

fn check<'s, 'a>(
    target: TileId,
    sources: &'s [(TileId, ImageView<'a>)],
    out: &ImageViewMut<'_>,
) -> Result<Checked<'s, 'a>> {
    let (w, h) = (out.width(), out.height());
    if w != h || !(w == 256 || w == 512) {
        return Err(Error::param(
            "output tile",
            format!("is {w}x{h} pixels; expected a square tile of 256 or 512 pixels"),
        ));
    }
    let size = TileSize::from_px(w)?;
    let mut list: Vec<(TileId, &ImageView<'a>)> = Vec::with_capacity(sources.len());
    for (id, v) in sources {
        if id.z() != target.z() {
            return Err(Error::param(
                "source tile",
                format!(
                    "{id} is at zoom {}; expected the target's zoom {} ({target})",
                    id.z(),
                    target.z()
                ),
            ));
        }
        if v.width() != w || v.height() != h {
            return Err(Error::param(
                "source tile",
                format!(
                    "{id} is {}x{} pixels; expected {w}x{w} like the output tile",
                    v.width(),
                    v.height()
                ),
            ));
        }
        list.push((*id, v));
    }
    list.sort_by_key(|e| e.0);
    if let Some(p) = list.windows(2).find(|p| p[0].0 == p[1].0) {
        return Err(Error::param(
            "source tiles",
            format!(
                "tile {} is given twice; expected each tile at most once",
                p[0].0
            ),
        ));
    }
    Ok(Checked {
        size,
        sources: list,
    })
}

impl Checked<'_, '_> {
    fn find(&self, id: TileId) -> Option<&ImageView<'_>> {
        self.sources
            .binary_search_by_key(&id, |e| e.0)
            .ok()
            .map(|i| self.sources[i].1)
    }

    /// The mosaic of world pixels `x0..x0 + w`, `y0..y0 + h` at zoom `z`, and the tiles it
    /// needed that were not given (sorted).
    fn mosaic(
        &self,
        z: u8,
        x0: i64,
        y0: i64,
        w: usize,
        h: usize,
    ) -> (Mosaic<'static>, Vec<TileId>) {
        let s = self.size.px() as i64;
        let n = 1i64 << z;
        let world = s * n;
        let mut px = vec![[0u8; 4]; w * h];
        let mut missing = Vec::new();
        for (r, row) in px.chunks_exact_mut(w).enumerate() {
            let wy = y0 + r as i64;
            if !(0..world).contains(&wy) {
                continue;
            }
            let (ty, sy) = (wy / s, (wy % s) as u32);
            let mut c = 0usize;
            while c < w {
                let wx = (x0 + c as i64).rem_euclid(world);
                let (tx, sx) = (wx / s, (wx % s) as usize);
                let run = (s as usize - sx).min(w - c);
                let id = TileId::new(z, tx as u32, ty as u32).expect("in range");
                match self.find(id) {
                    Some(v) => row[c..c + run].copy_from_slice(&v.pixels(sy)[sx..sx + run]),
                    None => {
                        if missing.last() != Some(&id) {
                            missing.push(id);
                        }
                    }
                }
                c += run;
            }
        }
        missing.sort();
        missing.dedup();
        let m = Mosaic {
            px: std::borrow::Cow::Owned(px),
            w,
            h,
        };
        (m, missing)
    }
}

/// The plan of one warp: the field, the mosaic and its offset; or a copied tile.
// One per call, never stored: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Plan {
    Copy,
    Warp(Field, Mosaic<'static>, [i64; 2], Vec<TileId>),
}

fn plan(target: TileId, direction: WarpDirection, c: &Checked<'_, '_>, all_exact: bool) -> Plan {
    if !all_exact
        && tile_class(&WorldGrid::new(target.z(), c.size).expect("zoom"), target)
            == RectClass::Outside
    {
        return Plan::Copy;
    }
    let field = Field::new(target, direction, c.size, all_exact);
    let s = field.s as i64;
    let (ox, oy) = target.world_px_origin(c.size);
    let off = [field.lo[0] - TAPS_BEFORE - 1, field.lo[1] - TAPS_BEFORE - 1];
    let w = (s + field.hi[0] - field.lo[0] + TAPS_BEFORE + TAPS_AFTER + 3) as usize;
    let h = (s + field.hi[1] - field.lo[1] + TAPS_BEFORE + TAPS_AFTER + 3) as usize;
    let (m, missing) = c.mosaic(target.z(), ox as i64 + off[0], oy as i64 + off[1], w, h);
    Plan::Warp(field, m, off, missing)
}

fn report(target: TileId, c: &Checked<'_, '_>, p: Plan) -> WarpReport {
    match p {
        Plan::Copy => WarpReport {
            missing: if c.find(target).is_some() {
                vec![]
            } else {
                vec![target]
            },
            outside_region: true,
            exact_pixels: 0,
            lattice_step: 0,
        },
        Plan::Warp(f, _, _, missing) => WarpReport {
            missing,
            outside_region: false,
            exact_pixels: f.exact_pixels(),
            lattice_step: f.l as u32,
        },
    }
}

fn copy_tile(target: TileId, c: &Checked<'_, '_>, out: &mut ImageViewMut<'_>) {
    let src = c.find(target);
    for y in 0..out.height() {
        let o = out.pixels_mut(y);
        match src {
            Some(v) => o.copy_from_slice(v.pixels(y)),
            None => o.fill([0; 4]),
        }
    }
}

fn warp_impl(
    arch: Option<Arch>,
    target: TileId,
    direction: WarpDirection,
    sources: &[(TileId, ImageView<'_>)],
    out: &mut ImageViewMut<'_>,
    filter: WarpFilter,
    all_exact: bool,
) -> Result<WarpReport> {
    let c = check(target, sources, out)?;
    let p = plan(target, direction, &c, all_exact);
    match &p {
        Plan::Copy => copy_tile(target, &c, out),
        Plan::Warp(field, m, off, _) => match arch {
            Some(arch) => kernel_with(arch, field, m, *off, out, filter),
            None => {
                for y in 0..field.s {
                    let o = out.pixels_mut(y as u32);
                    for (x, q) in o.iter_mut().enumerate() {
                        *q = sample(m, *off, x, y, field.at(x, y), filter);
                    }
                }
            }
        },
    }
    Ok(report(target, &c, p))
}

/// Warps tile `target` of the output frame from the source frame's tiles.
///
/// `sources` are `(tile, pixels)` of the source frame at the target's zoom, each RGBA8 of the
/// output's size; extra tiles are ignored, missing ones read as transparent and are listed in
/// the report. A tile wholly outside the region is a copy of the source tile with the same
/// address (`outside_region`). See the module docs for the map, the lattice and its error.
///
/// # Errors
/// [`Error::InvalidParameter`] when the output is not a square of 256 or 512 pixels, a source
/// has another size or zoom, or a tile is given twice.
///
/// ```
/// use tileredact::{AlphaMode, ImageView, ImageViewMut, TileId, WarpDirection, WarpFilter, warp_tile};
///
/// let target = TileId::containing(116.404, 39.915, 16).unwrap();
/// let dir = WarpDirection::Wgs84ToGcj02;
/// let grey = vec![128u8; 256 * 256 * 4];
/// let need = tileredact::required_source_tiles(target, dir);
/// let sources: Vec<_> = need
///     .iter()
///     .map(|&t| (t, ImageView::new(&grey, 256, 256, 1024, AlphaMode::Straight).unwrap()))
///     .collect();
/// let mut px = vec![0u8; 256 * 256 * 4];
/// let mut out = ImageViewMut::new(&mut px, 256, 256, 1024, AlphaMode::Straight).unwrap();
/// let report = warp_tile(target, dir, &sources, &mut out, WarpFilter::Bilinear).unwrap();
/// assert!(report.missing.is_empty() && !report.outside_region);
/// assert!(px.iter().all(|&b| b == 128));
/// ```
pub fn warp_tile(
    target: TileId,
    direction: WarpDirection,
    sources: &[(TileId, ImageView<'_>)],
    out: &mut ImageViewMut<'_>,
    filter: WarpFilter,
) -> Result<WarpReport> {
    warp_impl(
        Some(crate::simd::arch()),
        target,
        direction,
        sources,
        out,
        filter,
        false,
    )
}

/// The scalar reference of [`warp_tile`]: one pixel at a time, the field at each pixel from
/// its lattice cell; equal to [`warp_tile`] byte for byte (tested at every CPU level).
///
/// # Errors
/// As [`warp_tile`].
pub fn warp_tile_ref(
    target: TileId,
    direction: WarpDirection,
    sources: &[(TileId, ImageView<'_>)],
    out: &mut ImageViewMut<'_>,
    filter: WarpFilter,
) -> Result<WarpReport> {
    warp_impl(None, target, direction, sources, out, filter, false)
}

/// [`warp_tile`] at CPU level `arch` (`None`: the reference), optionally with every pixel's
/// source position computed exactly (no lattice). For tests and benches.
#[cfg(any(test, feature = "bench"))]
pub(crate) fn warp_tile_with(
    arch: Option<Arch>,
    target: TileId,
    direction: WarpDirection,
    sources: &[(TileId, ImageView<'_>)],
    out: &mut ImageViewMut<'_>,
    filter: WarpFilter,
    all_exact: bool,
) -> Result<WarpReport> {
    warp_impl(arch, target, direction, sources, out, filter, all_exact)
}

/// The floor of a warp: the tight `s` x `s` RGBA8 pixels `src` resampled into `out` (same
/// size) at a constant sub-pixel displacement `d`, by the same kernel, with no lattice and no
/// mosaic (edges clamped).
#[cfg(feature = "bench")]
pub(crate) fn resample_plain(
    arch: Arch,
    src: &[[u8; 4]],
    out: &mut ImageViewMut<'_>,
    d: [f32; 2],
    filter: WarpFilter,
) {
    let s = out.width() as usize;
    assert_eq!(
        src.len(),
        s * s,
        "a tight square source of the output's size"
    );
    let m = Mosaic {
        px: std::borrow::Cow::Borrowed(src),
        w: s,
        h: s,
    };
    kernel_with(arch, &Constant(d), &m, [0, 0], out, filter);
}

#[cfg(test)]
mod tests;
