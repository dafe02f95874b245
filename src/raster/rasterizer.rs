//! The exact-area coverage rasteriser.
//!
//! # Design
//!
//! A sparse cell rasteriser in the family of FreeType's "gray" raster and font-rs: every edge
//! is walked over the pixel cells it crosses; each cell receives an *area* term (the part of the
//! edge's winding integral that falls inside the cell) and a *cover* term (what the edge adds
//! to every cell to its right in the row). A row is then finished left to right: runs of cells
//! that no edge touched get one constant value, written with `fill` (a memset), so the cost is
//! proportional to the perimeter in pixels plus one memset per row, not to the area.
//!
//! Two choices make the masks of adjacent tiles stitch *byte for byte*:
//!
//! 1. **World coordinates only.** Every quantity is computed from the edge in world pixel
//!    coordinates and the integer cell address (a row `r` or a column line `k`), never from the
//!    window: the y where an edge crosses the column line `k` is `yt + (k - xt) * dydx`, the
//!    same bits whichever window asks.
//! 2. **Fixed-point accumulation.** The y positions of the crossings inside a row are quantised
//!    to 1/65536 of a pixel *before* differences are taken, so the cover of an edge is a
//!    telescoping sum of integers. The part of a row left of the window is summed in one step
//!    (`Y(x0) - Y(left end)`), which is exactly the sum of the per-cell covers that a larger
//!    window would have walked. Integer addition is associative, so the order in which edges
//!    and cells are added does not matter either.
//!
//! Edges right of the window, and rows outside it, are never walked: a polygon much larger
//! than the tile costs its vertex count plus the rows of the window it crosses.
//!
//! The value of a pixel is `round(255 * min(1, |∫ winding|))` over its square; with rings that
//! do not overlap and share one orientation (the winding number is 0 or 1 everywhere), that is
//! exactly the area of the pixel inside the polygon, up to the 1/65536 quantisation of each
//! crossing. [`ZoneSet`](crate::ZoneSet) unions overlapping zones before rasterising, so its
//! masks always meet that condition.
//!
//! The *touched* mask marks every cell that an edge (horizontal ones included) passes through,
//! and every untouched cell whose winding integral is not zero: that is every pixel whose
//! half-open square `[x, x+1) x [y, y+1)` meets the closed polygon, whatever its area, so a
//! polygon smaller than a pixel still marks its pixel.

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

/// One fixed-point unit of cover: a full pixel height.
const ONE: i32 = 1 << 16;
const ONE_F: f64 = ONE as f64;
/// Largest coordinate magnitude accepted: integers stay exact in f64 well beyond it.
const MAX_COORD: f64 = (1u64 << 50) as f64;

/// A non-horizontal edge, oriented top to bottom (`yt < yb`).
#[derive(Debug, Clone, Copy)]
struct Edge {
    xt: f64,
    yt: f64,
    xb: f64,
    yb: f64,
    dxdy: f64,
    dydx: f64,
    /// +1 if the ring runs downwards along this edge, -1 if upwards.
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
/// The right edge at x = 4 lies in the half-open square of pixel 4, so pixel 4 is touched but
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
    edges: Vec<Edge>,
    /// Horizontal edges: (y, x_min, x_max). They add no cover but touch cells.
    flats: Vec<[f64; 3]>,
    scratch: Scratch,
}

#[derive(Debug, Default, Clone)]
struct Scratch {
    area: Vec<i32>,
    cover: Vec<i32>,
    /// One bit per column of the window: the cell was reached by an edge this row.
    seen: Vec<u64>,
    /// Edge indices bucketed by their first row in the window (CSR layout).
    bucket_start: Vec<u32>,
    bucket: Vec<u32>,
    /// Edges crossing the current row, with the x where they enter it.
    active: Vec<(u32, f64)>,
    /// Flat edges bucketed by row.
    flat_start: Vec<u32>,
    flat_bucket: Vec<u32>,
    /// Fill cursors of the buckets.
    cursor: Vec<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Coverage,
    Touched,
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
        if let Some((i, p)) = ring
            .iter()
            .enumerate()
            .find(|(_, p)| !(p[0].abs() <= MAX_COORD && p[1].abs() <= MAX_COORD))
        {
            return Err(Error::param(
                "ring",
                format!(
                    "position {i} is ({}, {}); pixel coordinates must be finite and within ±2^50",
                    p[0], p[1]
                ),
            ));
        }
        if ring.len() < 2 {
            return Ok(());
        }
        let mut prev = ring[ring.len() - 1];
        for &p in ring {
            self.push_edge(prev, p);
            prev = p;
        }
        Ok(())
    }

    fn push_edge(&mut self, a: [f64; 2], b: [f64; 2]) {
        if a[1] == b[1] {
            if a[0] != b[0] {
                self.flats.push([a[1], a[0].min(b[0]), a[0].max(b[0])]);
            }
            return;
        }
        let (t, bt, dir) = if a[1] < b[1] { (a, b, 1) } else { (b, a, -1) };
        let dy = bt[1] - t[1];
        let dx = bt[0] - t[0];
        self.edges.push(Edge {
            xt: t[0],
            yt: t[1],
            xb: bt[0],
            yb: bt[1],
            dxdy: dx / dy,
            dydx: if dx != 0.0 { dy / dx } else { 0.0 },
            dir,
        });
    }

    /// Writes the exact-area coverage of the rings inside `window` into `out`
    /// (`round(255 * area)` per pixel).
    ///
    /// # Panics
    /// If `out` is not `window.width` x `window.height`.
    pub fn coverage(&mut self, window: PixelWindow, out: &mut Mask) {
        self.run(window, out, Output::Coverage);
    }

    /// Writes 255 for every pixel of `window` whose half-open square meets the closed
    /// polygon (an edge passes through it, or it lies inside), else 0.
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
        let s = &mut self.scratch;
        s.area.clear();
        s.area.resize(w + 1, 0);
        s.cover.clear();
        s.cover.resize(w + 1, 0);
        s.seen.clear();
        s.seen.resize(w.div_ceil(64), 0);

        let wx0 = window.x0 as f64;
        let wx1 = wx0 + w as f64;
        let wy0 = window.y0 as f64;
        let wy1 = wy0 + h as f64;

        // Bucket the edges by their first row inside the window (counting sort).
        s.bucket_start.clear();
        s.bucket_start.resize(h + 1, 0);
        let row_range = |e: &Edge| -> Option<(usize, usize)> {
            if e.yb <= wy0 || e.yt >= wy1 || e.xt.min(e.xb) >= wx1 {
                return None;
            }
            let first = floor(e.yt).max(wy0) - wy0;
            let last = (ceil(e.yb) - 1.0).min(wy1 - 1.0) - wy0;
            Some((first as usize, last as usize))
        };
        for e in &self.edges {
            if let Some((first, _)) = row_range(e) {
                s.bucket_start[first + 1] += 1;
            }
        }
        for i in 0..h {
            s.bucket_start[i + 1] += s.bucket_start[i];
        }
        s.bucket.clear();
        s.bucket.resize(s.bucket_start[h] as usize, 0);
        {
            s.cursor.clear();
            s.cursor.extend_from_slice(&s.bucket_start);
            for (i, e) in self.edges.iter().enumerate() {
                if let Some((first, _)) = row_range(e) {
                    s.bucket[s.cursor[first] as usize] = i as u32;
                    s.cursor[first] += 1;
                }
            }
        }
        // Flat edges only matter for the touched mask.
        s.flat_start.clear();
        s.flat_start.resize(h + 1, 0);
        s.flat_bucket.clear();
        if mode == Output::Touched {
            let flat_row = |f: &[f64; 3]| -> Option<usize> {
                let row = floor(f[0]);
                (row >= wy0 && row < wy1 && f[2] >= wx0 && f[1] < wx1)
                    .then_some((row - wy0) as usize)
            };
            for f in &self.flats {
                if let Some(r) = flat_row(f) {
                    s.flat_start[r + 1] += 1;
                }
            }
            for i in 0..h {
                s.flat_start[i + 1] += s.flat_start[i];
            }
            s.flat_bucket.resize(s.flat_start[h] as usize, 0);
            let mut fill = s.flat_start.clone();
            for (i, f) in self.flats.iter().enumerate() {
                if let Some(r) = flat_row(f) {
                    s.flat_bucket[fill[r] as usize] = i as u32;
                    fill[r] += 1;
                }
            }
        }

        s.active.clear();
        let bytes = out.as_bytes_mut();
        for row in 0..h {
            let r = wy0 + row as f64;
            for k in s.bucket_start[row]..s.bucket_start[row + 1] {
                let idx = s.bucket[k as usize];
                let e = &self.edges[idx as usize];
                // x where the edge enters this row: the same expression `walk_row` uses for
                // the exit of the row above, so caching it changes no bit.
                let x = if e.yt >= r {
                    e.xt
                } else {
                    e.xt + (r - e.yt) * e.dxdy
                };
                s.active.push((idx, x));
            }
            let mut left_cover = 0i32;
            let mut i = 0;
            while i < s.active.len() {
                let (idx, x_enter) = s.active[i];
                let e = &self.edges[idx as usize];
                let (left, x_exit) = walk_row(
                    e,
                    r,
                    x_enter,
                    wx0,
                    w,
                    &mut s.area,
                    &mut s.cover,
                    &mut s.seen,
                );
                left_cover = left_cover.wrapping_add(left);
                s.active[i].1 = x_exit;
                if e.yb <= r + 1.0 {
                    s.active.swap_remove(i);
                } else {
                    i += 1;
                }
            }
            if mode == Output::Touched {
                for k in s.flat_start[row]..s.flat_start[row + 1] {
                    let f = self.flats[s.flat_bucket[k as usize] as usize];
                    let c0 = (floor(f[1]).max(wx0) - wx0) as usize;
                    let c1 = (floor(f[2]).min(wx1 - 1.0) - wx0) as usize;
                    for c in c0..=c1 {
                        s.seen[c >> 6] |= 1 << (c & 63);
                    }
                }
            }
            let line = &mut bytes[row * w..(row + 1) * w];
            finish_row(
                line,
                left_cover,
                &mut s.area,
                &mut s.cover,
                &mut s.seen,
                mode,
            );
        }
    }
}

/// Quantises a row-local y in `[0, 1]` to fixed point (round half up).
///
/// Written without `f64::round`, which is a libm call on baseline x86-64.
#[inline(always)]
fn q(t: f64) -> i32 {
    let v = t * ONE_F;
    let v = if v > 0.0 { v } else { 0.0 };
    let v = if v < ONE_F { v } else { ONE_F };
    (v + 0.5) as i32
}

/// `x.floor()` for |x| < 2^62, without a libm call.
#[inline(always)]
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// `x.ceil()` for |x| < 2^62, without a libm call.
#[inline(always)]
fn ceil(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t < x { t + 1.0 } else { t }
}

/// Walks edge `e` across row `r` (world row), adding area and cover terms to the cells of
/// the window; returns the cover of the part of the row left of the window.
// The row scratch is passed as separate slices so the borrows stay disjoint in the hot loop.
#[allow(clippy::too_many_arguments)]
#[inline]
fn walk_row(
    e: &Edge,
    r: f64,
    x_top: f64,
    wx0: f64,
    w: usize,
    area: &mut [i32],
    cover: &mut [i32],
    seen: &mut [u64],
) -> (i32, f64) {
    // Same values as y = max(yt, r), min(yb, r + 1) and their quantisation, with the
    // common middle rows of an edge spared the work.
    let (y_top, yq_top) = if e.yt > r {
        (e.yt, q(e.yt - r))
    } else {
        (r, 0)
    };
    let r1 = r + 1.0;
    let (y_bot, yq_bot, x_bot) = if e.yb < r1 {
        (e.yb, q(e.yb - r), e.xb)
    } else {
        (r1, ONE, e.xt + (r1 - e.yt) * e.dxdy)
    };
    // Walk left to right; `yl`/`yr` are the quantised y at the left and right ends.
    let (xl, xr, yl, yr) = if x_top <= x_bot {
        (x_top, x_bot, yq_top, yq_bot)
    } else {
        (x_bot, x_top, yq_bot, yq_top)
    };
    let (ylo, yhi) = (yq_top, yq_bot);
    let dir = e.dir;
    let wx1 = wx0 + w as f64;

    if xr < wx0 || (xr == wx0 && xl < wx0) {
        // Entirely left of the window.
        return (dir * (yq_bot - yq_top), x_bot);
    }
    if xl >= wx1 {
        return (0, x_bot);
    }
    // The quantised y where the edge crosses the column line k (a world column).
    let y_at_col = |k: f64| -> i32 {
        let y = e.yt + (k - e.xt) * e.dydx;
        q(y.max(y_top).min(y_bot) - r).max(ylo).min(yhi)
    };

    let cx = floor(xl);
    if cx >= wx0 && xr <= cx + 1.0 {
        // The common case: the piece stays in one cell.
        let c = (cx - wx0) as usize;
        let cov = dir * (yq_bot - yq_top);
        let wq = q(cx + 1.0 - 0.5 * (xl + xr));
        area[c] += ((i64::from(cov) * i64::from(wq) + (1 << 15)) >> 16) as i32;
        cover[c] += cov;
        seen[c >> 6] |= 1 << (c & 63);
        return (0, x_bot);
    }
    // The piece crosses column lines. Cells c0..=c_last of the window get a part of it.
    let (c0, xa0, ya0, left) = if cx < wx0 {
        let y = y_at_col(wx0);
        (wx0, wx0, y, dir * (y - yl).abs())
    } else {
        (cx, xl, yl, 0)
    };
    let c_last = (ceil(xr) - 1.0).min(wx1 - 1.0).max(c0);
    let n = (c_last - c0) as usize + 1;
    let base = (c0 - wx0) as usize;
    // Quantised y where the piece leaves the last cell: its right end, or the window edge.
    let y_exit = if c_last + 1.0 >= xr {
        yr
    } else {
        y_at_col(c_last + 1.0)
    };
    let add =
        |area: &mut [i32], cover: &mut [i32], j: usize, xa: f64, xb: f64, ya: i32, yb: i32| {
            let cov = dir * (yb - ya).abs();
            let wq = q(c0 + j as f64 + 1.0 - 0.5 * (xa + xb));
            area[base + j] += ((i64::from(cov) * i64::from(wq) + (1 << 15)) >> 16) as i32;
            cover[base + j] += cov;
        };
    if n == 1 {
        add(area, cover, 0, xa0, xr.min(c0 + 1.0), ya0, y_exit);
    } else {
        // n >= 2: the piece runs past the line c0 + 1.
        let mut y_prev = y_at_col(c0 + 1.0);
        add(area, cover, 0, xa0, c0 + 1.0, ya0, y_prev);
        // Cells crossed from side to side: the area term is exactly half the cover
        // (q(0.5) = 32768), as the general formula gives.
        for j in 1..n - 1 {
            let y = y_at_col(c0 + (j + 1) as f64);
            let cov = dir * (y - y_prev).abs();
            area[base + j] += ((i64::from(cov) * (1 << 15) + (1 << 15)) >> 16) as i32;
            cover[base + j] += cov;
            y_prev = y;
        }
        add(
            area,
            cover,
            n - 1,
            c_last,
            xr.min(c_last + 1.0),
            y_prev,
            y_exit,
        );
    }
    set_bits(seen, base, base + n);
    (left, x_bot)
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

#[inline(always)]
fn coverage_byte(v: i32) -> u8 {
    let a = v.unsigned_abs().min(ONE as u32);
    ((a * 255 + (1 << 15)) >> 16) as u8
}

/// Writes one row: runs of untouched cells get the running winding value; touched cells get
/// the running value plus their own area term. Clears the scratch it read.
#[inline]
fn finish_row(
    line: &mut [u8],
    left_cover: i32,
    area: &mut [i32],
    cover: &mut [i32],
    seen: &mut [u64],
    mode: Output,
) {
    let mut acc = left_cover;
    let mut pos = 0usize;
    let span_value = |acc: i32| -> u8 {
        match mode {
            Output::Coverage => coverage_byte(acc),
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
            line[c] = match mode {
                Output::Coverage => coverage_byte(acc.wrapping_add(area[c])),
                Output::Touched => 255,
            };
            acc = acc.wrapping_add(cover[c]);
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
        // the right edge at x=3 touches the half-open square of pixel 3; the bottom edge at
        // y=2 touches row 2.
        assert_eq!(t.get(2, 1), 255);
        assert_eq!(t.get(3, 1), 255);
        assert_eq!(t.get(2, 2), 255);
        assert_eq!(t.get(1, 1), 0);
        assert_eq!(t.get(2, 0), 0);
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
    fn rejects_non_finite() {
        let mut r = CoverageRasterizer::new();
        assert!(
            r.add_ring(&[[0.0, 0.0], [f64::NAN, 1.0], [1.0, 1.0]])
                .is_err()
        );
        assert!(r.add_ring(&[[0.0, 0.0], [1e300, 1.0], [1.0, 1.0]]).is_err());
        assert_eq!(r.edge_count(), 0);
    }
}
