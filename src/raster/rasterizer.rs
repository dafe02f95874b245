//! The exact-area coverage rasteriser.
//!
//! # Design
//!
//! A sparse cell rasteriser in the family of FreeType's "gray" raster and font-rs: every edge
//! is walked over the pixel cells it crosses; each cell receives an *area* term (the part of the
//! edge's winding integral that falls inside the cell) and a *cover* term (what the edge adds
//! to every cell to its right in the row). A row is then finished left to right: runs of cells
//! that no edge touched get one constant value, written with `fill` (a memset), so the cost is
//! proportional to the perimeter in pixels plus one memset per run of untouched cells, not to
//! the area.
//!
//! **Fixed-point input.** `add_ring` snaps every vertex *down* to the 1/4096 px grid (`i64`,
//! `FRAC` = 12 fractional bits; coordinates are limited to ±2^50 px, so they fit). Snapping
//! down keeps each vertex in its pixel, so a ring that collapses to a point still touches the
//! right pixel (it is kept as a point). Edges are stored oriented top to bottom; their slopes
//! `dx/dy` and `dy/dx` (`f64`) are computed from the stored edge when a run needs them.
//!
//! **Bands.** A run buckets the edges that reach the window by band of `BAND` (32) rows (an edge is
//! in every band it crosses; edges entirely left of the window only add their cover to a
//! per-row `left` sum, without any cell work). Each band has its own cell buffers (`cover`,
//! `area`, and one bit per cell reached), small enough to stay in cache; every edge of the band
//! is walked over its rows there, then the band's rows are finished. The buffers are cleared
//! by the finishing pass, cell by cell, so they stay zero between runs.
//!
//! **Short edges.** An edge that lies inside the window horizontally and spans at most two
//! rows by two columns, or one column and any number of rows (the common cases for detailed
//! outlines: edges shorter than a pixel, steep edges), is not bucketed or walked: its cell
//! terms (one per row, two for a row where it crosses a column line) are computed on the
//! spot, with the very expressions the walk uses (so the same bits), and appended to its
//! band's cell list, which the band pass adds to the buffers before finishing the rows. This
//! only happens for windows within ±2^39 px, where every conversion and difference involved
//! is exact.
//!
//! Two choices make the masks of adjacent tiles stitch *byte for byte*:
//!
//! 1. **World coordinates only.** Every quantity is computed from the edge in fixed-point
//!    world coordinates and the integer cell address, never from the window: the x where an
//!    edge crosses the row line `Y` is `xt + round((Y - yt) * dxdy)`, the row-local y where it
//!    crosses the column line `X` is `round((X - xt) * dydx + (yt - Y))` (clamped to the
//!    piece of the edge inside the row); both are the same bits whichever window asks. (The
//!    differences are exact in `f64` for coordinates below 2^41 px; beyond, they are rounded,
//!    but still the same for every window.)
//! 2. **Integer accumulation.** Positions are integers (1/4096 px) *before* differences are
//!    taken, so the cover of an edge in a row is a telescoping sum of integers. The part of a
//!    row left of the window is summed in one step (`Y(x0) - Y(left end)`), which is exactly
//!    the sum of the per-cell covers that a larger window would have walked. The area term of
//!    a piece, `cover * (fx1 + fx2)` with the piece's x offsets in its cell, is an exact
//!    integer too (in `i64`). Integer addition is associative, so the order in which edges and
//!    cells are added does not matter either.
//!
//! Edges right of the window, and rows outside it, are never walked: a polygon much larger
//! than the tile costs its vertex count plus the rows of the window it crosses.
//!
//! The value of a pixel is `round(255 * min(1, |∫ winding|))` over its square; with rings that
//! do not overlap and share one orientation (the winding number is 0 or 1 everywhere), that is
//! the area of the pixel inside the polygon, up to the snapping of the vertices (at most
//! 1/4096 px in x and y) and the rounding of each crossing to 1/4096 px: the boundary moves by
//! less than 1/2000 px, far inside the 2/255 per pixel that the tests allow, even with several
//! edges in one pixel. [`ZoneSet`](crate::ZoneSet) unions
//! overlapping zones before rasterising, so its masks always meet that condition.
//!
//! The *touched* mask marks every cell that an edge (horizontal ones included) passes through,
//! every cell whose closed square grown by one snap unit (1/4096 px) on every side meets an
//! edge (computed exactly, in integers, from world coordinates: see `touch_spans`), and every
//! other cell whose winding integral is not zero. Snapping moves each vertex by less than one
//! unit, so that is at least every pixel whose closed square `[x, x+1] x [y, y+1]` meets the
//! closed polygon as given, however little (a polygon smaller than a pixel, a vertex a hair past
//! a pixel line, a vertex on a pixel corner), and at most the pixels within a few snap units of
//! it.

use super::Mask;
use crate::error::{Error, Result};

/// A rectangle of world pixels: columns `x0..x0 + width`, rows `y0..y0 + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PixelWindow {
    /// First column (world pixels).
    pub x0: i64,
    /// First row (world pixels).
    pub y0: i64,
    /// Number of columns.
    pub width: u32,
    /// Number of rows.
    pub height: u32,
}

impl PixelWindow {
    /// The window grown by `px` pixels on every side.
    pub fn grown(self, px: u32) -> PixelWindow {
        PixelWindow {
            x0: self.x0 - i64::from(px),
            y0: self.y0 - i64::from(px),
            width: self.width + 2 * px,
            height: self.height + 2 * px,
        }
    }
}

/// Fractional bits of the fixed-point coordinates: positions are multiples of 1/4096 px.
const FRAC: u32 = 12;
/// One pixel in fixed point.
const ONE: i64 = 1 << FRAC;
const ONE_F: f64 = ONE as f64;
/// A full pixel of area in the units of a cell value (`2^-(2 FRAC + 1)` px²).
const FULL: i64 = 1 << (2 * FRAC + 1);
/// Largest coordinate magnitude accepted (pixels): `2^50 * 2^FRAC` fits an `i64`.
const MAX_COORD: f64 = (1u64 << 50) as f64;
/// Adding 1.5 * 2^52 rounds an f64 of magnitude below 2^51 to an integer (ties to even), which
/// then sits in the low bits of the sum: a rounding without a libm call.
const MAGIC: f64 = 6_755_399_441_055_744.0;
/// Rows rasterised together: the band's cell buffers stay in cache.
const BAND: usize = 32;

/// A non-horizontal edge in fixed-point world coordinates, oriented top to bottom (`yt < yb`),
/// as `add_ring` stores it.
#[derive(Debug, Clone, Copy)]
struct Seg {
    xt: i64,
    yt: i64,
    xb: i64,
    yb: i64,
    /// +1 if the ring runs downwards along this edge, -1 if upwards.
    dir: i32,
}

impl Seg {
    /// `dx / dy`, and `dy / dx` (0 for a vertical edge): functions of the edge only.
    #[inline(always)]
    fn slopes(&self) -> (f64, f64) {
        let dy = self.yb as f64 - self.yt as f64;
        let dx = self.xb as f64 - self.xt as f64;
        let dydx = dy / dx;
        (dx / dy, if dx != 0.0 { dydx } else { 0.0 })
    }

    /// The edge with its slopes, for the walk.
    #[inline(always)]
    fn edge(&self) -> Edge {
        let (dxdy, dydx) = self.slopes();
        Edge {
            xt: self.xt,
            yt: self.yt,
            xb: self.xb,
            yb: self.yb,
            dxdy,
            dydx,
            dir: self.dir,
        }
    }
}

/// A [`Seg`] with its slopes `dx / dy` and `dy / dx` (0 for a vertical edge).
#[derive(Debug, Clone, Copy)]
struct Edge {
    xt: i64,
    yt: i64,
    xb: i64,
    yb: i64,
    dxdy: f64,
    dydx: f64,
    dir: i32,
}

/// Exact-area rasteriser of polygon rings in world pixel coordinates.
///
/// # Usage
///
/// ```
/// use tileredact::{CoverageRasterizer, Mask, PixelWindow};
///
/// let mut r = CoverageRasterizer::new();
/// // A 2.5 x 1 px rectangle starting half-way into pixel 1.
/// r.add_ring(&[[1.5, 0.0], [4.0, 0.0], [4.0, 1.0], [1.5, 1.0]]).unwrap();
/// let window = PixelWindow { x0: 0, y0: 0, width: 5, height: 1 };
/// let mut mask = Mask::new(5, 1);
/// r.coverage(window, &mut mask);
/// assert_eq!(mask.as_bytes(), &[0, 128, 255, 255, 0]);
/// r.touched(window, &mut mask);
/// assert_eq!(mask.as_bytes(), &[0, 255, 255, 255, 255]);
/// ```
///
/// The right edge at x = 4 lies on the closed square of pixel 4, so pixel 4 is touched but
/// has no area.
///
/// # Fill rule
///
/// Non-zero, with the value `min(1, |∫ winding|)`: exact for rings that do not overlap and
/// share one orientation (holes the other way). See the module docs.
///
/// # Performance
///
/// Cost is about the number of cells the edges cross inside the window, plus one `fill` per
/// run of untouched cells. Scratch buffers are kept between calls: reuse one rasteriser.
#[derive(Debug, Default, Clone)]
pub struct CoverageRasterizer {
    edges: Vec<Seg>,
    /// Horizontal edges (and edges that snapped to a point): (y, x_min, x_max), fixed point.
    /// They add no cover but touch cells.
    flats: Vec<[i64; 3]>,
    scratch: Scratch,
    /// Tests: walk every edge, short ones included.
    #[cfg(test)]
    no_short: bool,
}

#[derive(Debug, Default, Clone)]
struct Scratch {
    /// Cell buffers of one band of rows: cover and area terms, and one bit per cell that an
    /// edge reached.
    area: Vec<i64>,
    cover: Vec<i32>,
    seen: Vec<u64>,
    /// Per window row: the cover of the edges left of the window.
    left: Vec<i32>,
    /// Edges that reach the window.
    live: Vec<Live>,
    /// `live` indices bucketed by band (CSR layout); an edge is in every band it crosses.
    band_start: Vec<u32>,
    band_edges: Vec<u32>,
    /// Per band: the cells of the short edges (see `short_edge`). Emptied by the band pass.
    direct: Vec<Vec<Cell>>,
    /// Touched mode, per band: the cells within one snap unit of an edge, as (window row,
    /// first column, last column) (see `touch_spans`). Emptied by the band pass.
    touch: Vec<Vec<(u32, u32, u32)>>,
}

/// Adds the edge from `a` to `b` (fixed point) to `edges`, or to `flats` if it is horizontal.
#[inline(always)]
fn push_edge(edges: &mut Vec<Seg>, flats: &mut Vec<[i64; 3]>, a: [i64; 2], b: [i64; 2]) {
    if a[1] == b[1] {
        // Horizontal, or a point (kept, so a ring that snapped to a point still touches
        // its pixel).
        flats.push([a[1], a[0].min(b[0]), a[0].max(b[0])]);
        return;
    }
    // Branch-free orientation: rings turn both ways at random.
    let down = a[1] < b[1];
    let (xt, yt) = (if down { a[0] } else { b[0] }, a[1].min(b[1]));
    let (xb, yb) = (if down { b[0] } else { a[0] }, a[1].max(b[1]));
    edges.push(Seg {
        xt,
        yt,
        xb,
        yb,
        dir: 2 * i32::from(down) - 1,
    });
}

/// The area and cover terms of a short edge in one cell: column in the window, row in the
/// band.
#[derive(Debug, Clone, Copy)]
struct Cell {
    c: u32,
    lr: u32,
    cover: i32,
    /// At most `ONE * 2 ONE` in magnitude: fits.
    area: i32,
}

/// An edge that reaches the window: its first and last window rows, and whether it leaves
/// the window horizontally (so its pieces need clipping).
#[derive(Debug, Clone, Copy)]
struct Live {
    e: Edge,
    r0: u32,
    r1: u32,
    clip: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Coverage,
    Touched,
}

/// The window in the fixed-point world frame.
#[derive(Clone, Copy)]
struct Frame {
    /// First column (cells) and its left line (fixed point); right line of the last column.
    cx0: i64,
    fx0: i64,
    fx1: i64,
    cx1: i64,
    w: usize,
}

/// `floor(v)` as an integer, for finite `v` (saturating beyond the `i64` range).
#[inline(always)]
fn floor_i64(v: f64) -> i64 {
    if v.abs() < SMALL {
        floor_small(v)
    } else {
        let t = v as i64;
        t.saturating_sub(i64::from((t as f64) > v))
    }
}

/// Magnitude below which [`floor_small`] applies: 2^51.
const SMALL: f64 = (1u64 << 51) as f64;

/// `floor(v)` as an integer, for `|v| < 2^51`: rounded to the nearest integer with `MAGIC`
/// (exact), then stepped down if that went up, without any conversion between integers and
/// floats.
#[inline(always)]
fn floor_small(v: f64) -> i64 {
    let big = v + MAGIC;
    let r = (big.to_bits() as i64) - (MAGIC.to_bits() as i64);
    r - i64::from(big - MAGIC > v)
}

/// `v` rounded to an integer (ties to even while `|v| < 2^51`; beyond that, truncated:
/// deterministic either way).
#[inline(always)]
fn round_i64(v: f64) -> i64 {
    if v.abs() < (1u64 << 51) as f64 {
        ((v + MAGIC).to_bits() as i64) - (MAGIC.to_bits() as i64)
    } else {
        v as i64
    }
}

impl CoverageRasterizer {
    /// An empty rasteriser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes all rings (keeps the scratch memory).
    pub fn reset(&mut self) {
        self.edges.clear();
        self.flats.clear();
    }

    /// Number of edges added so far (horizontal ones included).
    pub fn edge_count(&self) -> usize {
        self.edges.len() + self.flats.len()
    }

    /// Adds a ring in world pixel coordinates. The ring is closed implicitly (a closing
    /// position equal to the first one is fine too).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if a coordinate is not finite or its magnitude is above
    /// 2^50; nothing is added then.
    pub fn add_ring(&mut self, ring: &[[f64; 2]]) -> Result<()> {
        self.add_ring_shifted(ring, 0)
    }

    /// [`CoverageRasterizer::add_ring`], with the snapped ring moved `shift_px` whole pixels
    /// to the right (in fixed point, so exactly): the copy of a zone one world width away,
    /// where the world wraps at ±180°, has the very same cells as the zone.
    pub(crate) fn add_ring_shifted(&mut self, ring: &[[f64; 2]], shift_px: i64) -> Result<()> {
        let sx = shift_px << FRAC;
        let valid = |p: &[f64; 2]| p[0].abs() <= MAX_COORD && p[1].abs() <= MAX_COORD;
        let Some(&last) = ring.last() else {
            return Ok(());
        };
        if ring.len() < 2 {
            return if valid(&last) {
                Ok(())
            } else {
                Err(Self::invalid(ring))
            };
        }
        // One pass: positions are checked as they are snapped, and whatever the ring added is
        // taken back if one was invalid.
        // The vectors are taken out of `self` for the loop, so their lengths stay in registers.
        let (mut edges, mut flats) = (
            std::mem::take(&mut self.edges),
            std::mem::take(&mut self.flats),
        );
        let (n_edges, n_flats) = (edges.len(), flats.len());
        edges.reserve(ring.len());
        // Snap down to the 1/4096 px grid: a vertex stays in its pixel.
        // An invalid position becomes (0, 0) until the ring is taken back: no arithmetic on
        // huge or non-finite values.
        let fix = |p: [f64; 2]| {
            if valid(&p) {
                [floor_i64(p[0] * ONE_F) + sx, floor_i64(p[1] * ONE_F)]
            } else {
                [0, 0]
            }
        };
        let mut ok = true;
        let mut prev = fix(last);
        for &p in ring {
            let v = [p[0] * ONE_F, p[1] * ONE_F];
            let p = if v[0].abs() < SMALL && v[1].abs() < SMALL {
                // Valid (within ±2^39 px), and the quick floor applies.
                [floor_small(v[0]) + sx, floor_small(v[1])]
            } else if valid(&p) {
                [floor_i64(v[0]) + sx, floor_i64(v[1])]
            } else {
                ok = false;
                [0, 0]
            };
            push_edge(&mut edges, &mut flats, prev, p);
            prev = p;
        }
        if !ok {
            edges.truncate(n_edges);
            flats.truncate(n_flats);
        }
        (self.edges, self.flats) = (edges, flats);
        if ok { Ok(()) } else { Err(Self::invalid(ring)) }
    }

    /// The error for a ring with an invalid position (the first one).
    #[cold]
    fn invalid(ring: &[[f64; 2]]) -> Error {
        let (i, p) = ring
            .iter()
            .enumerate()
            .find(|(_, p)| !(p[0].abs() <= MAX_COORD && p[1].abs() <= MAX_COORD))
            .expect("a position is invalid");
        Error::param(
            "ring",
            format!(
                "position {i} is ({}, {}); pixel coordinates must be finite and within ±2^50",
                p[0], p[1]
            ),
        )
    }

    /// Adds one edge from `a` to `b` (world pixels), moved `shift_px` whole pixels to the
    /// right, snapped exactly as [`CoverageRasterizer::add_ring`] snaps the same positions.
    ///
    /// A window only depends on the edges that reach its rows left of its right side, so
    /// adding just those edges of a ring (from an [`crate::geom::EdgeIndex`]) gives the same
    /// bytes as adding the whole ring.
    ///
    /// # Errors
    /// As [`CoverageRasterizer::add_ring`]; nothing is added then.
    pub(crate) fn add_edge_shifted(
        &mut self,
        a: [f64; 2],
        b: [f64; 2],
        shift_px: i64,
    ) -> Result<()> {
        let valid = |p: &[f64; 2]| p[0].abs() <= MAX_COORD && p[1].abs() <= MAX_COORD;
        if !valid(&a) || !valid(&b) {
            return Err(Self::invalid(&[a, b]));
        }
        let sx = shift_px << FRAC;
        let fix = |p: [f64; 2]| [floor_i64(p[0] * ONE_F) + sx, floor_i64(p[1] * ONE_F)];
        push_edge(&mut self.edges, &mut self.flats, fix(a), fix(b));
        Ok(())
    }

    /// Writes the exact-area coverage of the rings inside `window` into `out`
    /// (`round(255 * area)` per pixel).
    ///
    /// # Panics
    /// If `out` is not `window.width` x `window.height`.
    pub fn coverage(&mut self, window: PixelWindow, out: &mut Mask) {
        self.run(window, out, Output::Coverage);
    }

    /// Writes 255 for every pixel of `window` whose closed square meets the closed polygon (an
    /// edge meets it, or it lies inside), else 0. Conservative: a pixel that the polygon only
    /// comes within 1/4096 px of (the vertex snapping) counts as met, so no pixel the polygon
    /// enters is ever left out.
    ///
    /// # Panics
    /// If `out` is not `window.width` x `window.height`.
    pub fn touched(&mut self, window: PixelWindow, out: &mut Mask) {
        self.run(window, out, Output::Touched);
    }

    fn run(&mut self, window: PixelWindow, out: &mut Mask, mode: Output) {
        assert!(
            out.width() == window.width && out.height() == window.height,
            "mask is {}x{} but the window is {}x{}",
            out.width(),
            out.height(),
            window.width,
            window.height
        );
        let w = window.width as usize;
        let h = window.height as usize;
        if w == 0 || h == 0 {
            return;
        }
        let bytes = out.as_bytes_mut();
        // Every coordinate is within ±2^50: a window beyond that is empty, and one that is not
        // has fixed-point bounds that fit an i64.
        let lim = 1i64 << 50;
        let (wx0, wy0) = (window.x0, window.y0);
        if wx0 > lim || wy0 > lim || wx0 + w as i64 <= -lim || wy0 + h as i64 <= -lim {
            bytes.fill(0);
            return;
        }
        let frame = Frame {
            cx0: wx0,
            fx0: wx0 << FRAC,
            fx1: (wx0 + w as i64) << FRAC,
            cx1: wx0 + w as i64,
            w,
        };
        let fy0 = wy0 << FRAC;
        let fy1 = (wy0 + h as i64) << FRAC;
        let words = w.div_ceil(64);
        let s = &mut self.scratch;
        // The band buffers are all zero between runs (`finish_row` clears what it reads),
        // whatever the window's width: they only ever grow.
        if s.area.len() < BAND * w {
            s.area.resize(BAND * w, 0);
            s.cover.resize(BAND * w, 0);
        }
        if s.seen.len() < BAND * words {
            s.seen.resize(BAND * words, 0);
        }
        s.left.clear();
        s.left.resize(h, 0);

        // Edges that reach the window. Those entirely left of it only add cover to `left`.
        s.live.clear();
        // Short edges near a window within ±2^51 (fixed point) have coordinates below 2^52:
        // every conversion and difference in `short_edge` is exact.
        let short_ok = [frame.fx0, frame.fx1, fy0, fy1]
            .iter()
            .all(|v| v.unsigned_abs() < 1 << 51);
        #[cfg(test)]
        let short_ok = short_ok && !self.no_short;
        let nb = h.div_ceil(BAND);
        if s.direct.len() < nb {
            s.direct.resize_with(nb, Vec::new);
        }
        sort_edges(
            &self.edges,
            &frame,
            fy0,
            fy1,
            wy0,
            h,
            short_ok,
            &mut s.left,
            &mut s.live,
            &mut s.direct,
        );
        // Bucket the live edges by band (counting sort).
        s.band_start.clear();
        s.band_start.resize(nb + 1, 0);
        for &Live { r0, r1, .. } in &s.live {
            for b in r0 as usize / BAND..=r1 as usize / BAND {
                s.band_start[b + 1] += 1;
            }
        }
        for b in 0..nb {
            s.band_start[b + 1] += s.band_start[b];
        }
        s.band_edges.clear();
        s.band_edges.resize(s.band_start[nb] as usize, 0);
        {
            // Fill from the back with the end cursors, so `band_start` ends up as the starts.
            let mut cursor = std::mem::take(&mut s.band_start);
            cursor.copy_within(1..=nb, 0);
            for (k, &Live { r0, r1, .. }) in s.live.iter().enumerate().rev() {
                for c in &mut cursor[r0 as usize / BAND..=r1 as usize / BAND] {
                    *c -= 1;
                    s.band_edges[*c as usize] = k as u32;
                }
            }
            // `cursor[b]` is now the start of band b; restore the end sentinel.
            cursor[nb] = s.band_edges.len() as u32;
            s.band_start = cursor;
        }
        // The touched mask also marks every cell within one snap unit of an edge (flat ones
        // included): see `touch_spans`.
        if s.touch.len() < nb {
            s.touch.resize_with(nb, Vec::new);
        }
        if mode == Output::Touched {
            touch_spans(&self.edges, &self.flats, &frame, wy0, h, &mut s.touch);
        }

        // Plain slices from here on: their pointers and lengths stay in registers.
        let area: &mut [i64] = &mut s.area;
        let cover: &mut [i32] = &mut s.cover;
        let seen: &mut [u64] = &mut s.seen;
        let left: &mut [i32] = &mut s.left;
        let live: &[Live] = &s.live;
        let band_start: &[u32] = &s.band_start;
        let band_edges: &[u32] = &s.band_edges;
        let touch: &mut [Vec<(u32, u32, u32)>] = &mut s.touch;
        let direct: &mut [Vec<Cell>] = &mut s.direct;
        for b in 0..nb {
            let rb0 = b * BAND;
            let rb1 = (rb0 + BAND).min(h);
            walk_band(
                live,
                &band_edges[band_start[b] as usize..band_start[b + 1] as usize],
                &frame,
                fy0,
                rb0,
                rb1,
                words,
                area,
                cover,
                seen,
                left,
            );
            for d in &direct[b] {
                let (c, lr) = (d.c as usize, d.lr as usize);
                let i = lr * w + c;
                cover[i] = cover[i].wrapping_add(d.cover);
                area[i] += i64::from(d.area);
                seen[lr * words + (c >> 6)] |= 1 << (c & 63);
            }
            direct[b].clear();
            for &(r, c0, c1) in &touch[b] {
                let lr = r as usize - rb0;
                set_bits(
                    &mut seen[lr * words..(lr + 1) * words],
                    c0 as usize,
                    c1 as usize + 1,
                );
            }
            touch[b].clear();
            for row in rb0..rb1 {
                let lr = row - rb0;
                finish_row(
                    &mut bytes[row * w..(row + 1) * w],
                    left[row],
                    &mut area[lr * w..(lr + 1) * w],
                    &mut cover[lr * w..(lr + 1) * w],
                    &mut seen[lr * words..(lr + 1) * words],
                    mode,
                );
            }
        }
    }
}

/// Adds a short edge (inside the window horizontally, so never clipped; at most two rows by
/// two columns, or one column by `rows + 1` rows) to the cell lists of its bands: the same pieces, crossings and terms as
/// [`walk_rows`] and [`row_segment`] compute, bit for bit, without the walk's bookkeeping.
///
/// An edge of one row ends at `(xb, yb)` even if `yb` is on the next row line: the walk then
/// ends it where it crosses that line, which is `xb` exactly (the edge is less than two pixels
/// wide and every step is exact).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn short_edge(
    e: &Seg,
    f: &Frame,
    wy0: i64,
    h: usize,
    rows: i64,
    two_cols: bool,
    direct: &mut [Vec<Cell>],
) {
    let rt = e.yt >> FRAC;
    let yrow = rt << FRAC;
    let ynext = yrow + ONE;
    let ya = (e.yt - yrow) as i32;
    match (rows, two_cols) {
        (0, false) => {
            one_cell(
                f,
                wy0,
                direct,
                rt,
                e.xt,
                e.xb,
                e.dir * ((e.yb - yrow) as i32 - ya),
            );
            return;
        }
        (0, true) => {
            let (_, dydx) = e.slopes();
            let yb = (e.yb - yrow) as i32;
            let row = (rt - wy0) as usize;
            short_piece(e, f, dydx, yrow, e.xt, ya, e.xb, yb, row, direct);
            return;
        }
        (1, false) => {
            // Both pieces lie in one column (the crossing is between the ends).
            let (dxdy, _) = e.slopes();
            let xm =
                e.xt.wrapping_add(round_i64((ynext as f64 - e.yt as f64) * dxdy));
            if rt >= wy0 {
                one_cell(f, wy0, direct, rt, e.xt, xm, e.dir * (ONE as i32 - ya));
            }
            if rt + 1 < wy0 + h as i64 {
                one_cell(
                    f,
                    wy0,
                    direct,
                    rt + 1,
                    xm,
                    e.xb,
                    e.dir * (e.yb - ynext) as i32,
                );
            }
            return;
        }
        (1, true) => {}
        _ => {
            // One column, more rows: the walk's pieces, one cell each.
            let (dxdy, _) = e.slopes();
            let x_at_row = |yrow: i64| {
                e.xt.wrapping_add(round_i64((yrow as f64 - e.yt as f64) * dxdy))
            };
            let (ra, rb) = (rt.max(wy0), ((e.yb - 1) >> FRAC).min(wy0 + h as i64 - 1));
            let mut yrow = ra << FRAC;
            let mut xa = if e.yt >= yrow { e.xt } else { x_at_row(yrow) };
            for row in ra..=rb {
                let ya = if e.yt > yrow { e.yt - yrow } else { 0 };
                let ynext = yrow + ONE;
                let (yb, xb) = if e.yb < ynext {
                    (e.yb - yrow, e.xb)
                } else {
                    (ONE, x_at_row(ynext))
                };
                one_cell(f, wy0, direct, row, xa, xb, e.dir * (yb - ya) as i32);
                xa = xb;
                yrow = ynext;
            }
            return;
        }
    }
    let (dxdy, dydx) = e.slopes();
    let xm =
        e.xt.wrapping_add(round_i64((ynext as f64 - e.yt as f64) * dxdy));
    if rt >= wy0 {
        short_piece(
            e,
            f,
            dydx,
            yrow,
            e.xt,
            ya,
            xm,
            ONE as i32,
            (rt - wy0) as usize,
            direct,
        );
    }
    if e.yb > ynext && rt + 1 < wy0 + h as i64 {
        let yb = (e.yb - ynext) as i32;
        short_piece(
            e,
            f,
            dydx,
            ynext,
            xm,
            0,
            e.xb,
            yb,
            (rt + 1 - wy0) as usize,
            direct,
        );
    }
}

/// A piece of a short edge inside one cell of world row `row` (the cell of its left end, as
/// in [`row_segment`]), from `xa` to `xb`, with cover `cov`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn one_cell(f: &Frame, wy0: i64, direct: &mut [Vec<Cell>], row: i64, xa: i64, xb: i64, cov: i32) {
    let row = (row - wy0) as usize;
    let cl = xa.min(xb) >> FRAC;
    direct[row / BAND].push(Cell {
        c: (cl - f.cx0) as u32,
        lr: (row % BAND) as u32,
        cover: cov,
        area: cov * (xa + xb - 2 * (cl << FRAC)) as i32,
    });
}

/// One row's piece of a short edge, from `(xa, ya)` to `(xb, yb)` (as in [`row_segment`],
/// without clipping; one or two cells), pushed to the cell list of window row `row`'s band.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn short_piece(
    e: &Seg,
    f: &Frame,
    dydx: f64,
    yrow: i64,
    xa: i64,
    ya: i32,
    xb: i64,
    yb: i32,
    row: usize,
    direct: &mut [Vec<Cell>],
) {
    let (xl, xr) = if xa <= xb { (xa, xb) } else { (xb, xa) };
    let cl = xl >> FRAC;
    let cr = if xr > xl { (xr - 1) >> FRAC } else { cl };
    let list = &mut direct[row / BAND];
    let lr = (row % BAND) as u32;
    let c = (cl - f.cx0) as u32;
    if cl == cr {
        let cov = e.dir * (yb - ya);
        list.push(Cell {
            c,
            lr,
            cover: cov,
            area: cov * (xa + xb - 2 * (cl << FRAC)) as i32,
        });
        return;
    }
    // Two cells: the crossing of the column line between them, as `row_segment` finds it.
    let (s, yl, yr) = if xa <= xb {
        (e.dir, ya, yb)
    } else {
        (-e.dir, yb, ya)
    };
    let off = e.yt as f64 - yrow as f64;
    let x = (cl + 1) << FRAC;
    let v = (x as f64 - e.xt as f64) * dydx + off;
    let ym = ((v + MAGIC).to_bits() as i32).max(ya).min(yb);
    let cov0 = s * (ym - yl);
    let cov1 = s * (yr - ym);
    list.push(Cell {
        c,
        lr,
        cover: cov0,
        area: cov0 * (xl - (cl << FRAC) + ONE) as i32,
    });
    list.push(Cell {
        c: c + 1,
        lr,
        cover: cov1,
        area: cov1 * (xr - (cr << FRAC)) as i32,
    });
}

/// The cells (rows or columns) whose closed interval grown by one unit, `[c ONE - 1,
/// (c + 1) ONE + 1]`, meets `[lo, hi]` (fixed point), clipped to `c0..=c1`.
#[inline(always)]
fn grown_cells(lo: i64, hi: i64, c0: i64, c1: i64) -> (i64, i64) {
    // c ONE - 1 <= hi and (c + 1) ONE + 1 >= lo.
    (((lo - 2) >> FRAC).max(c0), ((hi + 1) >> FRAC).min(c1))
}

/// The touched mask's closed contact, for every edge (`edges`) and flat edge (`flats`): the
/// cells whose closed square grown by one snap unit on every side, `[c ONE - 1, (c + 1) ONE + 1]`
/// in x and the same in y, meets the edge, pushed to the list of their band in `spans` as
/// (window row, first column, last column), clipped to the window.
///
/// Snapping moves a vertex down by less than one unit in x and y, so a point of an edge before
/// snapping lies less than one unit (in x and y) from the same point of the snapped edge: every
/// cell whose closed square meets the polygon's boundary before snapping is in a span. (Cells
/// wholly inside keep their non-zero winding: the boundary stays more than half a pixel away.)
///
/// Exact integer arithmetic on world coordinates only (`i64`, or `i128` for edges longer than
/// 2^19 px), so the spans of two windows agree on the cells they share: masks still stitch
/// byte for byte.
fn touch_spans(
    edges: &[Seg],
    flats: &[[i64; 3]],
    f: &Frame,
    wy0: i64,
    h: usize,
    spans: &mut [Vec<(u32, u32, u32)>],
) {
    // Coordinates are within ±2^62 (fixed point): a few units more still fit an i64.
    let (wx0, wx1) = (f.cx0, f.cx1 - 1);
    let (wr0, wr1) = (wy0, wy0 + h as i64 - 1);
    let mut push = |r: i64, x_lo: i64, x_hi: i64| {
        let (c0, c1) = grown_cells(x_lo, x_hi, wx0, wx1);
        if c0 <= c1 {
            let row = (r - wr0) as usize;
            spans[row / BAND].push((row as u32, (c0 - wx0) as u32, (c1 - wx0) as u32));
        }
    };
    for fl in flats {
        let (r0, r1) = grown_cells(fl[0], fl[0], wr0, wr1);
        for r in r0..=r1 {
            push(r, fl[1], fl[2]);
        }
    }
    for e in edges {
        let (r0, r1) = grown_cells(e.yt, e.yb, wr0, wr1);
        if r0 > r1 || e.xt.max(e.xb) < f.fx0 - 1 || e.xt.min(e.xb) > f.fx1 + 1 {
            continue;
        }
        // The edge's x at height y (`yt <= y <= yb`), rounded down (`up` false) or up: the x
        // range of its piece in a band of rows is between the values at the band's ends.
        let (dx, dy) = (e.xb - e.xt, e.yb - e.yt);
        let small = dx.unsigned_abs() < 1 << 31 && dy < 1 << 31;
        let x_at = |y: i64, up: bool| -> i64 {
            if y == e.yt {
                e.xt
            } else if y == e.yb {
                e.xb
            } else if small {
                // |(y - yt) dx| < 2^62.
                let n = (y - e.yt) * dx;
                e.xt + if up {
                    -(-n).div_euclid(dy)
                } else {
                    n.div_euclid(dy)
                }
            } else {
                let (n, d) = (i128::from(y - e.yt) * i128::from(dx), i128::from(dy));
                let q = if up {
                    -(-n).div_euclid(d)
                } else {
                    n.div_euclid(d)
                };
                e.xt + q as i64
            }
        };
        for r in r0..=r1 {
            let y_lo = ((r << FRAC) - 1).max(e.yt);
            let y_hi = (((r + 1) << FRAC) + 1).min(e.yb);
            let (x_lo, x_hi) = if dx >= 0 {
                (x_at(y_lo, false), x_at(y_hi, true))
            } else {
                (x_at(y_hi, false), x_at(y_lo, true))
            };
            push(r, x_lo, x_hi);
        }
    }
}

/// Sorts the edges that reach the window (rows `fy0..fy1`, fixed point): those left of it add
/// their cover to `left`, short ones (if `short_ok`) their cells to `direct`, the others go
/// to `live`.
// Not inlined: the loop gets its own register allocation, apart from `run`'s state.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn sort_edges(
    edges: &[Seg],
    frame: &Frame,
    fy0: i64,
    fy1: i64,
    wy0: i64,
    h: usize,
    short_ok: bool,
    left: &mut [i32],
    live: &mut Vec<Live>,
    direct: &mut [Vec<Cell>],
) {
    for e in edges {
        if e.yb <= fy0 || e.yt >= fy1 {
            continue;
        }
        let (xmin, xmax) = if e.xt <= e.xb {
            (e.xt, e.xb)
        } else {
            (e.xb, e.xt)
        };
        if xmin >= frame.fx1 {
            continue;
        }
        // First and last rows, first and last columns (world).
        let (rt, rl) = (e.yt >> FRAC, (e.yb - 1) >> FRAC);
        let r0 = (rt.max(wy0) - wy0) as usize;
        let r1 = (rl.min(wy0 + h as i64 - 1) - wy0) as usize;
        if xmax < frame.fx0 {
            let mut yrow = fy0 + ((r0 as i64) << FRAC);
            for l in &mut left[r0..=r1] {
                let ya = (e.yt - yrow).max(0);
                let yb = (e.yb - yrow).min(ONE);
                *l = l.wrapping_add(e.dir * (yb - ya) as i32);
                yrow += ONE;
            }
            continue;
        }
        let clip = xmin < frame.fx0 || xmax >= frame.fx1;
        let (cl, cr) = (xmin >> FRAC, (xmax - i64::from(xmax > xmin)) >> FRAC);
        // Short edges (inside the window horizontally; two rows by two columns at most, or
        // one column) skip the band walk: their cells go straight to their band's list.
        if short_ok & !clip & (cr - cl <= 1) & ((rl - rt <= 1) | (cr == cl)) {
            short_edge(e, frame, wy0, h, rl - rt, cr != cl, direct);
            continue;
        }
        live.push(Live {
            e: e.edge(),
            r0: r0 as u32,
            r1: r1 as u32,
            clip,
        });
    }
}

/// Walks the edges `band_edges` (indices into `live`) over the rows `rb0..rb1` of one band.
// Not inlined: the hot loops get their own register allocation, apart from `run`'s state.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn walk_band(
    live: &[Live],
    band_edges: &[u32],
    frame: &Frame,
    fy0: i64,
    rb0: usize,
    rb1: usize,
    words: usize,
    area: &mut [i64],
    cover: &mut [i32],
    seen: &mut [u64],
    left: &mut [i32],
) {
    for &k in band_edges {
        let l = &live[k as usize];
        let ra = (l.r0 as usize).max(rb0);
        let rb = (l.r1 as usize).min(rb1 - 1);
        if l.clip {
            walk_rows::<true>(
                &l.e, frame, fy0, ra, rb, rb0, words, area, cover, seen, left,
            );
        } else {
            walk_rows::<false>(
                &l.e, frame, fy0, ra, rb, rb0, words, area, cover, seen, left,
            );
        }
    }
}

/// Walks edge `e` over window rows `ra..=rb` (band rows from `rb0`), adding area and cover
/// terms to the band's cells and the cover of the part left of the window to `left`. Without
/// `CLIP` the edge must lie inside the window horizontally.
// The band scratch is passed as separate slices so the borrows stay disjoint in the hot loop.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn walk_rows<const CLIP: bool>(
    e: &Edge,
    f: &Frame,
    fy0: i64,
    ra: usize,
    rb: usize,
    rb0: usize,
    words: usize,
    area: &mut [i64],
    cover: &mut [i32],
    seen: &mut [u64],
    left: &mut [i32],
) {
    let (xt_f, yt_f) = (e.xt as f64, e.yt as f64);
    // The x where the edge crosses the row line `yrow`: a function of the edge and the line.
    let x_at_row = |yrow: i64| e.xt.wrapping_add(round_i64((yrow as f64 - yt_f) * e.dxdy));
    let mut yrow = fy0 + ((ra as i64) << FRAC);
    let mut xa = if e.yt >= yrow { e.xt } else { x_at_row(yrow) };
    let mut cell0 = (ra - rb0) * f.w;
    let mut word0 = (ra - rb0) * words;
    for l in &mut left[ra..=rb] {
        let ya = if e.yt > yrow { (e.yt - yrow) as i32 } else { 0 };
        let ynext = yrow + ONE;
        let (yb, xb) = if e.yb < ynext {
            ((e.yb - yrow) as i32, e.xb)
        } else {
            (ONE as i32, x_at_row(ynext))
        };
        let lc = row_segment::<CLIP>(
            e,
            f,
            xt_f,
            yt_f - yrow as f64,
            xa,
            ya,
            xb,
            yb,
            cell0,
            word0,
            area,
            cover,
            seen,
        );
        if CLIP {
            *l = l.wrapping_add(lc);
        }
        xa = xb;
        yrow = ynext;
        cell0 += f.w;
        word0 += words;
    }
}

/// Adds the piece of edge `e` inside one row, from `(xa, ya)` to `(xb, yb)` (x in fixed-point
/// world coordinates, y row-local, `ya < yb`), to the row's cells (from `cell0` in `area` and
/// `cover`, from `word0` in `seen`); returns the cover of the part left of the window. `off`
/// is the edge's top y relative to the row. Without `CLIP` the piece must lie inside the
/// window horizontally.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn row_segment<const CLIP: bool>(
    e: &Edge,
    f: &Frame,
    xt_f: f64,
    off: f64,
    xa: i64,
    ya: i32,
    xb: i64,
    yb: i32,
    cell0: usize,
    word0: usize,
    area: &mut [i64],
    cover: &mut [i32],
    seen: &mut [u64],
) -> i32 {
    let cov = e.dir * (yb - ya);
    let (xl, xr) = if xa <= xb { (xa, xb) } else { (xb, xa) };
    if CLIP {
        if xr < f.fx0 || (xr == f.fx0 && xl < f.fx0) {
            return cov;
        }
        if xl >= f.fx1 {
            return 0;
        }
    }
    let cl = xl >> FRAC;
    let cr = if xr > xl { (xr - 1) >> FRAC } else { cl };
    if cl == cr {
        // The common case: the piece stays in one cell (inside the window: see above).
        let c = (cl - f.cx0) as usize;
        let fx = xa + xb - 2 * (cl << FRAC);
        cover[cell0 + c] = cover[cell0 + c].wrapping_add(cov);
        area[cell0 + c] += i64::from(cov) * fx;
        seen[word0 + (c >> 6)] |= 1 << (c & 63);
        return 0;
    }
    // The piece crosses column lines: walk it left to right. `s` signs the y differences.
    let (s, yl, yr) = if xa <= xb {
        (e.dir, ya, yb)
    } else {
        (-e.dir, yb, ya)
    };
    // The row-local y where the edge crosses the column line `x`, kept inside the piece's
    // rows: a function of the edge, the row and the line only.
    let y_at = |x: i64| -> i32 {
        let v = (x as f64 - xt_f) * e.dydx + off;
        ((v + MAGIC).to_bits() as i32).max(ya).min(yb)
    };
    let mut left = 0;
    let (c0, fx_start, y_start) = if CLIP && cl < f.cx0 {
        let y = y_at(f.fx0);
        left = s * (y - yl);
        (f.cx0, 0, y)
    } else {
        (cl, xl - (cl << FRAC), yl)
    };
    let (c1, fx_end, y_end) = if CLIP && cr >= f.cx1 {
        (f.cx1 - 1, ONE, y_at(f.fx1))
    } else {
        (cr, xr - (cr << FRAC), yr)
    };
    let i0 = (c0 - f.cx0) as usize;
    let i1 = (c1 - f.cx0) as usize;
    let cover = &mut cover[cell0..cell0 + f.w];
    let area = &mut area[cell0..cell0 + f.w];
    if i0 == i1 {
        let cov = s * (y_end - y_start);
        cover[i0] = cover[i0].wrapping_add(cov);
        area[i0] += i64::from(cov) * (fx_start + fx_end);
        seen[word0 + (i0 >> 6)] |= 1 << (i0 & 63);
        return left;
    }
    let mut x = (c0 + 1) << FRAC;
    let mut yp = y_at(x);
    let cov = s * (yp - y_start);
    cover[i0] = cover[i0].wrapping_add(cov);
    area[i0] += i64::from(cov) * (fx_start + ONE);
    // Cells crossed from side to side: the area term is the cover times one pixel.
    for i in i0 + 1..i1 {
        x += ONE;
        let y = y_at(x);
        let cov = s * (y - yp);
        cover[i] = cover[i].wrapping_add(cov);
        area[i] += i64::from(cov) << FRAC;
        yp = y;
    }
    let cov = s * (y_end - yp);
    cover[i1] = cover[i1].wrapping_add(cov);
    area[i1] += i64::from(cov) * fx_end;
    if i1 - i0 < 8 {
        for i in i0..=i1 {
            seen[word0 + (i >> 6)] |= 1 << (i & 63);
        }
    } else {
        set_bits(&mut seen[word0..], i0, i1 + 1);
    }
    left
}

/// Sets bits `lo..hi` of a bit set.
#[inline]
fn set_bits(seen: &mut [u64], lo: usize, hi: usize) {
    let (mut i, end) = (lo, hi);
    while i < end {
        let word = i >> 6;
        let bit = i & 63;
        let take = (64 - bit).min(end - i);
        let mask = if take == 64 {
            u64::MAX
        } else {
            ((1u64 << take) - 1) << bit
        };
        seen[word] |= mask;
        i += take;
    }
}

/// The coverage byte of a cell value `v` (units of `2^-(2 FRAC + 1)` px²).
#[inline(always)]
fn coverage_byte(v: i64) -> u8 {
    let a = v.unsigned_abs().min(FULL as u64);
    ((a * 255 + (FULL as u64 >> 1)) >> (2 * FRAC + 1)) as u8
}

/// Writes one row: runs of untouched cells get the running winding value; touched cells get
/// the running value plus their own area term. Clears the scratch it read.
#[inline]
fn finish_row(
    line: &mut [u8],
    left_cover: i32,
    area: &mut [i64],
    cover: &mut [i32],
    seen: &mut [u64],
    mode: Output,
) {
    let mut acc = left_cover;
    let mut pos = 0usize;
    let span_value = |acc: i32| -> u8 {
        match mode {
            Output::Coverage => coverage_byte(i64::from(acc) << (FRAC + 1)),
            Output::Touched => {
                if acc != 0 {
                    255
                } else {
                    0
                }
            }
        }
    };
    for (word_i, word) in seen.iter_mut().enumerate() {
        let mut bits = *word;
        *word = 0;
        while bits != 0 {
            let c = word_i * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if c > pos {
                line[pos..c].fill(span_value(acc));
            }
            acc = acc.wrapping_add(cover[c]);
            line[c] = match mode {
                Output::Coverage => coverage_byte((i64::from(acc) << (FRAC + 1)) - area[c]),
                Output::Touched => 255,
            };
            area[c] = 0;
            cover[c] = 0;
            pos = c + 1;
        }
    }
    if pos < line.len() {
        line[pos..].fill(span_value(acc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(rings: &[Vec<[f64; 2]>], win: PixelWindow, mode: Output) -> Mask {
        let mut r = CoverageRasterizer::new();
        for ring in rings {
            r.add_ring(ring).unwrap();
        }
        let mut m = Mask::new(win.width, win.height);
        r.run(win, &mut m, mode);
        m
    }

    fn win(x0: i64, y0: i64, w: u32, h: u32) -> PixelWindow {
        PixelWindow {
            x0,
            y0,
            width: w,
            height: h,
        }
    }

    #[test]
    fn unit_square_on_grid() {
        let sq = vec![[2.0, 1.0], [3.0, 1.0], [3.0, 2.0], [2.0, 2.0]];
        let m = raster(std::slice::from_ref(&sq), win(0, 0, 5, 4), Output::Coverage);
        assert_eq!(m.count_nonzero(), 1);
        assert_eq!(m.get(2, 1), 255);
        let t = raster(&[sq], win(0, 0, 5, 4), Output::Touched);
        // Every closed square that shares a side or a corner with the square's is touched:
        // columns 1..=3 of rows 0..=2.
        for y in 0..4 {
            for x in 0..5 {
                let want = (1..=3).contains(&x) && y <= 2;
                assert_eq!(t.get(x, y) == 255, want, "({x}, {y})");
            }
        }
    }

    #[test]
    fn triangle_half_pixel() {
        // Diagonal of pixel (0,0): half covered.
        let tri = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]];
        let m = raster(&[tri], win(0, 0, 2, 2), Output::Coverage);
        assert_eq!(m.get(0, 0), 128);
    }

    #[test]
    fn orientation_does_not_matter() {
        let a = vec![[0.3, 0.2], [7.7, 1.1], [5.2, 6.9], [1.1, 5.5]];
        let mut b = a.clone();
        b.reverse();
        let w = win(0, 0, 8, 8);
        assert_eq!(
            raster(&[a], w, Output::Coverage),
            raster(&[b], w, Output::Coverage)
        );
    }

    #[test]
    fn hole_is_subtracted() {
        let outer = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let hole = vec![[2.0, 2.0], [2.0, 8.0], [8.0, 8.0], [8.0, 2.0]];
        let m = raster(&[outer, hole], win(0, 0, 10, 10), Output::Coverage);
        assert!((m.area_px() - 64.0).abs() < 0.01, "{}", m.area_px());
        assert_eq!(m.get(5, 5), 0);
        assert_eq!(m.get(1, 1), 255);
    }

    #[test]
    fn tiny_polygon_touches_its_pixel() {
        let tiny = vec![[3.4, 2.4], [3.4001, 2.4], [3.4001, 2.4001]];
        let t = raster(&[tiny], win(0, 0, 6, 6), Output::Touched);
        assert_eq!(t.count_nonzero(), 1);
        assert_eq!(t.get(3, 2), 255);
    }

    #[test]
    fn thin_horizontal_strip_touches_every_pixel_it_crosses() {
        let strip = vec![[0.5, 3.5], [9.5, 3.5], [9.5, 3.5000001], [0.5, 3.5000001]];
        let t = raster(&[strip], win(0, 0, 10, 6), Output::Touched);
        for x in 0..10 {
            assert_eq!(t.get(x, 3), 255, "x={x}");
        }
        assert_eq!(t.count_nonzero(), 10);
    }

    #[test]
    fn huge_polygon_outside_left_still_counts() {
        // A polygon whose left part lies far left of the window.
        let big = vec![[-1e9, -1e9], [4.5, -1e9], [4.5, 1e9], [-1e9, 1e9]];
        let m = raster(&[big], win(0, 0, 8, 4), Output::Coverage);
        for y in 0..4 {
            assert_eq!(m.row(y), &[255, 255, 255, 255, 128, 0, 0, 0]);
        }
    }

    #[test]
    fn huge_edges_stitch_far_from_the_origin() {
        // Edges trillions of pixels long, seen through windows around 2^40: the tiles equal the
        // crops of the block, for both kinds.
        let b = (1i64 << 40) as f64;
        let (px, py, t) = (b + 32.3, b + 30.1, 2f64.powi(47));
        let tri = vec![
            [px - t, py - 0.37 * t],
            [px + t, py + 0.37 * t],
            [px - t / 2.0, py + t / 2.0],
        ];
        for mode in [Output::Coverage, Output::Touched] {
            let block = raster(
                std::slice::from_ref(&tri),
                win(1 << 40, 1 << 40, 64, 64),
                mode,
            );
            assert!(block.count_nonzero() > 0 && block.count_nonzero() < 64 * 64);
            for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let w = win((1 << 40) + 32 * i, (1 << 40) + 32 * j, 32, 32);
                let tile = raster(std::slice::from_ref(&tri), w, mode);
                assert_eq!(tile, block.crop(32 * i as u32, 32 * j as u32, 32, 32));
            }
        }
        // Windows beyond the coordinate range are empty.
        let far = raster(&[tri], win(i64::MAX - 100, 0, 8, 8), Output::Touched);
        assert!(far.is_clear());
    }

    #[test]
    fn polygon_that_snaps_to_a_point_touches_its_pixel() {
        let x = 1_234_567.5;
        let tiny = vec![[x, 7.5], [x + 1e-5, 7.5], [x + 1e-5, 7.500_01]];
        let t = raster(&[tiny], win(1_234_560, 0, 16, 16), Output::Touched);
        assert_eq!(t.count_nonzero(), 1);
        assert_eq!(t.get(7, 7), 255);
    }

    /// A little xorshift generator for the tests below.
    struct Rng(u64);
    impl Rng {
        fn f(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Rings of short edges (random walks with sub-pixel to two-pixel steps), some with
    /// vertices on the pixel grid, around `(ox, oy)`.
    fn short_rings(rng: &mut Rng, ox: f64, oy: f64) -> Vec<Vec<[f64; 2]>> {
        (0..7)
            .map(|k| {
                let step = [0.1, 0.4, 1.0, 1.9, 0.7, 2.6, 0.3][k];
                // The last kind: steep edges, several rows tall but narrow.
                let tall = if k == 6 { 30.0 } else { 1.0 };
                let n = 20 + (rng.f() * 200.0) as usize;
                let (mut x, mut y) = (ox + rng.f() * 40.0, oy + rng.f() * 40.0);
                let mut ring = Vec::with_capacity(n);
                for _ in 0..n {
                    x += (rng.f() - 0.5) * step;
                    y += (rng.f() - 0.5) * step * tall;
                    if rng.f() < 0.1 {
                        // On a grid line (or a corner).
                        x = x.round();
                        if rng.f() < 0.5 {
                            y = y.round();
                        }
                    }
                    ring.push([x, y]);
                }
                ring
            })
            .collect()
    }

    #[test]
    fn short_edges_match_the_walk_bit_for_bit() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..300 {
            let (ox, oy) = if case % 3 == 0 {
                (1.0e7 + 0.3, -2.5e6)
            } else {
                (0.0, 0.0)
            };
            let rings = short_rings(&mut rng, ox, oy);
            let mut r = CoverageRasterizer::new();
            for ring in &rings {
                r.add_ring(ring).unwrap();
            }
            for (dx, dy, w, h) in [(0, 0, 48, 48), (-8, -8, 64, 70), (13, 5, 20, 33)] {
                let win = win(ox as i64 + dx, oy as i64 + dy, w, h);
                for mode in [Output::Coverage, Output::Touched] {
                    let mut a = Mask::new(w, h);
                    let mut b = Mask::new(w, h);
                    r.no_short = false;
                    r.run(win, &mut a, mode);
                    r.no_short = true;
                    r.run(win, &mut b, mode);
                    assert_eq!(a, b, "case {case}");
                }
            }
        }
    }

    #[test]
    fn short_edges_stitch() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for case in 0..100 {
            let rings = short_rings(&mut rng, 0.0, 0.0);
            for mode in [Output::Coverage, Output::Touched] {
                let block = raster(&rings, win(-16, -16, 80, 80), mode);
                for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 3), (4, 4)] {
                    let tile = raster(&rings, win(-16 + 16 * i, -16 + 16 * j, 16, 16), mode);
                    assert_eq!(
                        tile,
                        block.crop(16 * i as u32, 16 * j as u32, 16, 16),
                        "case {case}"
                    );
                }
            }
        }
    }

    #[test]
    fn floor_is_floor() {
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        let mut vals = vec![0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 1e-300, -1e-300];
        for _ in 0..100_000 {
            let e = (rng.f() * 64.0) as i32;
            let v = (rng.f() - 0.5) * 2f64.powi(e);
            vals.extend([v, v.round(), v.floor() + 0.5, -(v.round())]);
        }
        vals.extend([
            2f64.powi(51),
            -(2f64.powi(51)),
            2f64.powi(51) - 0.5,
            3e18,
            -3e18,
        ]);
        for v in vals {
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
        }
    }

    #[test]
    fn rejects_non_finite() {
        let mut r = CoverageRasterizer::new();
        assert!(
            r.add_ring(&[[0.0, 0.0], [f64::NAN, 1.0], [1.0, 1.0]])
                .is_err()
        );
        assert!(r.add_ring(&[[0.0, 0.0], [1e300, 1.0], [1.0, 1.0]]).is_err());
        // Found by the fuzzer: huge negative and infinite positions, first, middle and last,
        // must be rejected without arithmetic overflow.
        for bad in [-1e300, f64::NEG_INFINITY, f64::INFINITY, -3e15] {
            assert!(r.add_ring(&[[bad, 0.0], [1.0, 1.0], [2.0, 0.5]]).is_err());
            assert!(r.add_ring(&[[0.0, 0.0], [1.0, bad], [2.0, 0.5]]).is_err());
            assert!(r.add_ring(&[[0.0, 0.0], [1.0, 1.0], [bad, bad]]).is_err());
        }
        assert_eq!(r.edge_count(), 0);
        assert!(floor_i64(-1e300) == i64::MIN && floor_i64(1e300) == i64::MAX);
    }
}
