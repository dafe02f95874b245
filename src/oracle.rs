//! Test oracles: slow, exact, not for production.
//!
//! Reference answers for the tests, the fuzz targets and the benches (behind the `bench`
//! feature), written independently of the rasteriser: plain `f64` geometry on the given
//! positions (no snapping, no fixed point, no shared code).
//!
//! * **Area.** [`clip_ring_to_rect`] (Sutherland–Hodgman against the four sides of an
//!   axis-aligned rectangle) and [`ring_area`] (shoelace) give [`rect_area`], the integral of
//!   the winding number over a rectangle; [`pixel_coverage`] and [`coverage`] are its value
//!   per pixel, `min(1, |∫ winding|)`, the rasteriser's fill rule.
//! * **Contact.** [`segment_meets_rect`] and [`point_in_polygon`] use exact orientation tests
//!   (Shewchuk's adaptive predicates, through [`geo::kernels::RobustKernel`]), so
//!   [`rect_meets_polygon`] answers "does this closed rectangle meet the closed polygon"
//!   without rounding, however little the polygon enters it; [`meeting_mask`] is that answer
//!   for every pixel of a window.
//!
//! A polygon is given as rings (`&[R]` with `R: AsRef<[[f64; 2]]>`, e.g. `Vec<Vec<[f64; 2]>>`):
//! the shell and its holes, each closed implicitly (a closing position equal to the first is
//! fine). Inside means a non-zero winding number, as in the rasteriser; for a shell and holes of
//! the opposite orientation that is the usual polygon with holes.

use geo::Coord;
use geo::kernels::{Kernel, Orientation, RobustKernel};

use crate::{Mask, PixelWindow};

/// Signed area of a ring by the shoelace formula: positive when the ring turns
/// counter-clockwise with the y axis up (clockwise on screen, y down).
pub fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += a[0] * b[1] - b[0] * a[1];
    }
    0.5 * s
}

/// One Sutherland–Hodgman step: the part of `ring` where `inside` holds, cutting the edges that
/// leave or enter with `cut`. Edges along the clip line have no area, so the signed area of the
/// result is the integral of the ring's winding number over the half-plane.
fn clip_half_plane(
    ring: &[[f64; 2]],
    inside: impl Fn([f64; 2]) -> bool,
    cut: impl Fn([f64; 2], [f64; 2]) -> [f64; 2],
) -> Vec<[f64; 2]> {
    let n = ring.len();
    let mut out = Vec::with_capacity(n + 4);
    for i in 0..n {
        let (prev, cur) = (ring[(i + n - 1) % n], ring[i]);
        match (inside(prev), inside(cur)) {
            (true, true) => out.push(cur),
            (true, false) => out.push(cut(prev, cur)),
            (false, true) => {
                out.push(cut(prev, cur));
                out.push(cur);
            }
            (false, false) => {}
        }
    }
    out
}

/// The ring clipped to the rectangle `[x0, x1] x [y0, y1]` (Sutherland–Hodgman). The result may
/// have edges along the rectangle's sides; its signed area ([`ring_area`]) is exact up to the
/// rounding of the cut points, for any ring, convex or not.
pub fn clip_ring_to_rect(ring: &[[f64; 2]], x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    let at_x = |x: f64| {
        move |a: [f64; 2], b: [f64; 2]| {
            let t = (x - a[0]) / (b[0] - a[0]);
            [x, a[1] + t * (b[1] - a[1])]
        }
    };
    let at_y = |y: f64| {
        move |a: [f64; 2], b: [f64; 2]| {
            let t = (y - a[1]) / (b[1] - a[1]);
            [a[0] + t * (b[0] - a[0]), y]
        }
    };
    let r = clip_half_plane(ring, |p| p[0] >= x0, at_x(x0));
    let r = clip_half_plane(&r, |p| p[0] <= x1, at_x(x1));
    let r = clip_half_plane(&r, |p| p[1] >= y0, at_y(y0));
    clip_half_plane(&r, |p| p[1] <= y1, at_y(y1))
}

/// The integral of the winding number of the rings over the rectangle `[x0, x1] x [y0, y1]`
/// (signed: the sum of the signed areas of the clipped rings). For a shell and holes of the
/// opposite orientation, its magnitude is the area of the polygon inside the rectangle.
pub fn rect_area<R: AsRef<[[f64; 2]]>>(rings: &[R], x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
    rings
        .iter()
        .map(|r| ring_area(&clip_ring_to_rect(r.as_ref(), x0, y0, x1, y1)))
        .sum()
}

/// The exact coverage of pixel `(px, py)` (the square `[px, px + 1] x [py, py + 1]`):
/// `min(1, |∫ winding|)`, in `[0, 1]`.
pub fn pixel_coverage<R: AsRef<[[f64; 2]]>>(rings: &[R], px: i64, py: i64) -> f64 {
    let (x, y) = (px as f64, py as f64);
    rect_area(rings, x, y, x + 1.0, y + 1.0).abs().min(1.0)
}

/// [`pixel_coverage`] of every pixel of `window`, row by row.
pub fn coverage<R: AsRef<[[f64; 2]]>>(rings: &[R], window: PixelWindow) -> Vec<f64> {
    let mut out = Vec::with_capacity(window.width as usize * window.height as usize);
    for y in 0..i64::from(window.height) {
        for x in 0..i64::from(window.width) {
            out.push(pixel_coverage(rings, window.x0 + x, window.y0 + y));
        }
    }
    out
}

/// Exact orientation of `r` relative to the directed line `p -> q`: 1 left (counter-clockwise
/// with y up), -1 right, 0 on the line.
fn orient(p: [f64; 2], q: [f64; 2], r: [f64; 2]) -> i32 {
    let c = |p: [f64; 2]| Coord { x: p[0], y: p[1] };
    match <RobustKernel as Kernel<f64>>::orient2d(c(p), c(q), c(r)) {
        Orientation::CounterClockwise => 1,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    }
}

/// Whether the closed segment `a-b` meets the closed rectangle `[x0, x1] x [y0, y1]`, exactly
/// (a point segment is a point).
///
/// Separating axes: the two are disjoint if and only if their bounding boxes are, or the four
/// corners of the rectangle lie strictly on one side of the segment's line.
pub fn segment_meets_rect(a: [f64; 2], b: [f64; 2], x0: f64, y0: f64, x1: f64, y1: f64) -> bool {
    if a[0].max(b[0]) < x0 || a[0].min(b[0]) > x1 || a[1].max(b[1]) < y0 || a[1].min(b[1]) > y1 {
        return false;
    }
    if a == b {
        return true;
    }
    let s = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(|c| orient(a, b, c));
    !(s.iter().all(|&o| o > 0) || s.iter().all(|&o| o < 0))
}

/// The edges of the rings: each ring closed implicitly.
fn edges<R: AsRef<[[f64; 2]]>>(rings: &[R]) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    rings.iter().flat_map(|r| {
        let r = r.as_ref();
        let n = r.len();
        (0..n).map(move |i| (r[i], r[(i + 1) % n]))
    })
}

/// Exact winding number of the rings around `p`, for a point not on any edge (the crossings
/// of the horizontal line through `p` right of it, by exact orientation tests).
fn winding<R: AsRef<[[f64; 2]]>>(rings: &[R], p: [f64; 2]) -> i32 {
    let mut w = 0;
    for (a, b) in edges(rings) {
        if a[1] <= p[1] && b[1] > p[1] && orient(a, b, p) > 0 {
            w += 1;
        } else if b[1] <= p[1] && a[1] > p[1] && orient(a, b, p) < 0 {
            w -= 1;
        }
    }
    w
}

/// Whether `p` lies in the closed polygon: on an edge, or with a non-zero winding number.
pub fn point_in_polygon<R: AsRef<[[f64; 2]]>>(rings: &[R], p: [f64; 2]) -> bool {
    edges(rings).any(|(a, b)| segment_meets_rect(a, b, p[0], p[1], p[0], p[1]))
        || winding(rings, p) != 0
}

/// Whether the closed rectangle `[x0, x1] x [y0, y1]` meets the closed polygon: an edge meets
/// the rectangle (this covers a polygon vertex inside it), or else the rectangle lies wholly
/// inside or wholly outside, as its corner `(x0, y0)` does. Exact.
pub fn rect_meets_polygon<R: AsRef<[[f64; 2]]>>(
    rings: &[R],
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> bool {
    edges(rings).any(|(a, b)| segment_meets_rect(a, b, x0, y0, x1, y1))
        || winding(rings, [x0, y0]) != 0
}

/// Whether the closed square of pixel `(px, py)`, `[px, px + 1] x [py, py + 1]`, meets the
/// closed polygon ([`rect_meets_polygon`]).
pub fn pixel_meets_polygon<R: AsRef<[[f64; 2]]>>(rings: &[R], px: i64, py: i64) -> bool {
    let (x, y) = (px as f64, py as f64);
    rect_meets_polygon(rings, x, y, x + 1.0, y + 1.0)
}

/// 255 for every pixel of `window` whose closed square grown by `grow` px on every side meets
/// the closed polygon, 0 elsewhere: [`rect_meets_polygon`] per pixel, with the edges bucketed
/// by row so that a window of a few hundred pixels square stays fast. `grow` may be 0 (the
/// closed pixel squares) or positive.
///
/// # Panics
/// If `grow` is negative or not finite.
pub fn meeting_mask<R: AsRef<[[f64; 2]]>>(rings: &[R], window: PixelWindow, grow: f64) -> Mask {
    assert!(
        grow >= 0.0 && grow.is_finite(),
        "grow must be >= 0, not {grow}"
    );
    let mut out = Mask::new(window.width, window.height);
    let all: Vec<([f64; 2], [f64; 2])> = edges(rings).collect();
    let w = window.width as usize;
    let mut row_edges = Vec::new();
    for j in 0..window.height as usize {
        let y0 = (window.y0 + j as i64) as f64 - grow;
        let y1 = (window.y0 + j as i64 + 1) as f64 + grow;
        row_edges.clear();
        row_edges.extend(
            all.iter()
                .filter(|(a, b)| a[1].max(b[1]) >= y0 && a[1].min(b[1]) <= y1),
        );
        // A run of squares that no edge meets lies wholly inside or wholly outside (its
        // squares overlap their neighbours', and the boundary meets none of them): one winding
        // number per run.
        let mut run_inside: Option<bool> = None;
        let line = &mut out.as_bytes_mut()[j * w..(j + 1) * w];
        for (i, v) in line.iter_mut().enumerate() {
            let x0 = (window.x0 + i as i64) as f64 - grow;
            let x1 = (window.x0 + i as i64 + 1) as f64 + grow;
            let hit = row_edges
                .iter()
                .any(|(a, b)| segment_meets_rect(*a, *b, x0, y0, x1, y1));
            let meets = if hit {
                run_inside = None;
                true
            } else {
                *run_inside.get_or_insert_with(|| winding(rings, [x0, y0]) != 0)
            };
            *v = if meets { 255 } else { 0 };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_of_a_clipped_square() {
        let sq = [[0.5, 0.5], [2.5, 0.5], [2.5, 2.5], [0.5, 2.5]];
        assert_eq!(ring_area(&sq), 4.0);
        assert_eq!(rect_area(&[sq], 0.0, 0.0, 1.0, 1.0), 0.25);
        assert_eq!(pixel_coverage(&[sq], 1, 1), 1.0);
        assert_eq!(pixel_coverage(&[sq], 2, 0), 0.25);
        assert_eq!(pixel_coverage(&[sq], 3, 0), 0.0);
        // A hole of the other orientation is subtracted.
        let hole = [[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0]];
        assert_eq!(pixel_coverage(&[&sq[..], &hole[..]], 1, 1), 0.0);
    }

    #[test]
    fn contact_is_exact_at_the_boundary() {
        // A triangle whose vertex touches pixel (3, 0) at its corner, and one that misses it by
        // the smallest step below 3.
        let touch = [[3.0, 0.0], [2.0, -1.0], [1.0, 0.0]];
        assert!(pixel_meets_polygon(&[touch], 3, 0));
        assert!(pixel_meets_polygon(&[touch], 2, -1));
        let miss = [[3.0f64.next_down(), 0.0], [2.0, -1.0], [1.0, 0.0]];
        assert!(!pixel_meets_polygon(&[miss], 3, 0));
        assert!(pixel_meets_polygon(&[miss], 2, 0));
        // An edge that passes a corner by 1e-12 px, and one through it.
        let near = [[0.0, 2.0 - 1e-12], [2.0 - 1e-12, 0.0], [0.0, 0.0]];
        assert!(!pixel_meets_polygon(&[near], 1, 1));
        let through = [[0.0, 2.0], [2.0, 0.0], [0.0, 0.0]];
        assert!(pixel_meets_polygon(&[through], 1, 1));
        // A square inside the polygon, no edge near it.
        let big = [[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]];
        assert!(pixel_meets_polygon(&[big], 0, 0));
        assert!(!pixel_meets_polygon(&[big], 11, 0));
        assert!(point_in_polygon(&[big], [10.0, 3.0]));
        assert!(!point_in_polygon(&[big], [10.5, 3.0]));
    }

    #[test]
    fn meeting_mask_agrees_with_the_predicate() {
        let rings = vec![
            vec![[0.5, 0.5], [9.5, 1.0], [9.0, 9.5], [0.7, 9.0]],
            vec![[3.0, 3.0], [3.0, 7.0], [7.0, 7.0], [7.0, 3.0]],
        ];
        let win = PixelWindow {
            x0: -1,
            y0: -1,
            width: 12,
            height: 12,
        };
        for grow in [0.0, 0.25] {
            let m = meeting_mask(&rings, win, grow);
            let mut n = 0;
            for j in 0..12 {
                for i in 0..12 {
                    let (x, y) = ((i - 1) as f64, (j - 1) as f64);
                    let (a, b) = (x - grow, y - grow);
                    let want = rect_meets_polygon(&rings, a, b, x + 1.0 + grow, y + 1.0 + grow);
                    assert_eq!(m.get(i as u32, j as u32) == 255, want, "({i}, {j})");
                    n += usize::from(want);
                }
            }
            assert!(n > 60 && n < 144, "{n}");
            // Inside the shell; strictly inside the hole; outside.
            assert_eq!(m.get(3, 3), 255);
            assert_eq!(m.get(5, 5), 0);
            assert_eq!(m.get(11, 11), 0);
        }
    }
}
