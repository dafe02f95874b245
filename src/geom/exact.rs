//! Exact point, segment and ring predicates: orientation, segment intersection, point
//! location in a ring, ring orientation and area, bounding boxes.
//!
//! Design: every predicate is the exact (adaptive-precision) orientation test of
//! [`geo::kernels::RobustKernel`], so "do these two segments meet" never depends on rounding.

use geo::Coord;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use rstar::AABB;

/// A point in the plane (lon/lat degrees or mercator metres).
pub(crate) type Pt = Coord<f64>;

/// A closed ring (first == last) without consecutive repeated positions.
pub(crate) type Ring = Vec<Pt>;

/// Exact orientation of `r` relative to the directed line `p -> q`: 1 left, -1 right, 0 on it.
#[inline]
pub(crate) fn orient(p: Pt, q: Pt, r: Pt) -> i8 {
    match <RobustKernel as Kernel<f64>>::orient2d(p, q, r) {
        Orientation::CounterClockwise => 1,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    }
}

/// How two segments meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Hit {
    /// They do not meet.
    None,
    /// They cross at a point inside both (approximate point).
    Proper(Pt),
    /// They meet at exactly one point, an endpoint of one of them (exact).
    Touch(Pt),
    /// They are collinear and share more than a point (a point of the shared part).
    Overlap(Pt),
}

/// Exact classification of how segments `a-b` and `c-d` (both of positive length) meet.
pub(crate) fn intersect(a: Pt, b: Pt, c: Pt, d: Pt) -> Hit {
    let o1 = orient(a, b, c);
    let o2 = orient(a, b, d);
    if o1 == 0 && o2 == 0 {
        // Collinear: compare along the dominant axis of a-b.
        let use_x = (b.x - a.x).abs() >= (b.y - a.y).abs();
        let key = |p: Pt| if use_x { p.x } else { p.y };
        let (a0, a1) = minmax(key(a), key(b));
        let (c0, c1) = minmax(key(c), key(d));
        let lo = a0.max(c0);
        let hi = a1.min(c1);
        if lo > hi {
            return Hit::None;
        }
        let at = [a, b, c, d]
            .into_iter()
            .find(|&p| key(p) == lo)
            .unwrap_or(a);
        return if lo < hi {
            Hit::Overlap(at)
        } else {
            Hit::Touch(at)
        };
    }
    if o1 * o2 > 0 {
        return Hit::None;
    }
    let o3 = orient(c, d, a);
    let o4 = orient(c, d, b);
    if o3 * o4 > 0 {
        return Hit::None;
    }
    if o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
        return Hit::Proper(crossing_point(a, b, c, d));
    }
    Hit::Touch(if o1 == 0 {
        c
    } else if o2 == 0 {
        d
    } else if o3 == 0 {
        a
    } else {
        b
    })
}

fn minmax(a: f64, b: f64) -> (f64, f64) {
    if a <= b { (a, b) } else { (b, a) }
}

fn crossing_point(a: Pt, b: Pt, c: Pt, d: Pt) -> Pt {
    let r = b - a;
    let s = d - c;
    let den = r.x * s.y - r.y * s.x;
    if den == 0.0 {
        return a;
    }
    let t = ((c.x - a.x) * s.y - (c.y - a.y) * s.x) / den;
    Coord {
        x: a.x + t * r.x,
        y: a.y + t * r.y,
    }
}

/// Where a point lies relative to a closed ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    Inside,
    Boundary,
    Outside,
}

/// Locates `p` relative to the closed ring `ring` (exact: crossing number with exact
/// orientation tests; points on an edge are [`Loc::Boundary`]).
pub(crate) fn locate(p: Pt, ring: &[Pt]) -> Loc {
    let mut inside = false;
    for w in ring.windows(2) {
        match locate_step(p, w[0], w[1]) {
            None => return Loc::Boundary,
            Some(c) => inside ^= c,
        }
    }
    if inside { Loc::Inside } else { Loc::Outside }
}

/// One edge `a-b` of the crossing count of [`locate`]: `None` if `p` lies on the edge, else
/// whether the edge crosses the ray from `p` to the right (half-open in y, exact). An edge
/// whose bounding box misses the ray gives `Some(false)`.
#[inline]
pub(crate) fn locate_step(p: Pt, a: Pt, b: Pt) -> Option<bool> {
    let (ymin, ymax) = minmax(a.y, b.y);
    if p.y < ymin || p.y > ymax {
        return Some(false);
    }
    let (xmin, xmax) = minmax(a.x, b.x);
    if p.x > xmax {
        return Some(false);
    }
    let straddles = (a.y > p.y) != (b.y > p.y);
    if p.x < xmin {
        // Entirely right of p: crosses the ray iff it straddles the ray's line.
        return Some(straddles);
    }
    let o = orient(a, b, p);
    if o == 0 {
        return None;
    }
    Some(straddles && ((b.y > a.y) == (o > 0)))
}

/// Whether the closed ring (no consecutive repeats, not degenerate) is counter-clockwise
/// (positive area with y up). Exact for simple rings: the turn at the lowest-leftmost vertex.
pub(crate) fn ring_is_ccw(ring: &[Pt]) -> bool {
    let n = ring.len().saturating_sub(1);
    if n < 3 {
        return true;
    }
    let mut k = 0;
    for i in 1..n {
        let (p, q) = (ring[i], ring[k]);
        if p.y < q.y || (p.y == q.y && p.x < q.x) {
            k = i;
        }
    }
    let prev = ring[(k + n - 1) % n];
    let next = ring[(k + 1) % n];
    match orient(prev, ring[k], next) {
        0 => signed_area(ring) > 0.0,
        o => o > 0,
    }
}

/// Shoelace signed area of a closed ring (positive when counter-clockwise with y up),
/// computed relative to the first vertex to limit cancellation.
pub(crate) fn signed_area(ring: &[Pt]) -> f64 {
    let Some(&o) = ring.first() else {
        return 0.0;
    };
    let mut s = 0.0;
    for w in ring.windows(2) {
        let (a, b) = (w[0] - o, w[1] - o);
        s += a.x * b.y - b.x * a.y;
    }
    0.5 * s
}

/// Whether all positions of the ring lie on one line (exact).
pub(crate) fn is_collinear(ring: &[Pt]) -> bool {
    let Some(&a) = ring.first() else {
        return true;
    };
    let Some(&b) = ring.iter().find(|&&p| p != a) else {
        return true;
    };
    ring.iter().all(|&p| orient(a, b, p) == 0)
}

/// The bounding box of a ring.
pub(crate) fn bbox(ring: &[Pt]) -> AABB<[f64; 2]> {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in ring {
        lo = [lo[0].min(p.x), lo[1].min(p.y)];
        hi = [hi[0].max(p.x), hi[1].max(p.y)];
    }
    AABB::from_corners(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Pt {
        Coord { x, y }
    }

    fn ring(pts: &[(f64, f64)]) -> Ring {
        let mut r: Ring = pts.iter().map(|&(x, y)| c(x, y)).collect();
        r.push(r[0]);
        r
    }

    #[test]
    fn segment_cases() {
        let o = c(0.0, 0.0);
        assert!(matches!(
            intersect(o, c(2.0, 2.0), c(0.0, 2.0), c(2.0, 0.0)),
            Hit::Proper(_)
        ));
        assert_eq!(
            intersect(o, c(2.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)),
            Hit::Touch(c(1.0, 0.0))
        );
        assert_eq!(
            intersect(o, c(2.0, 0.0), c(2.0, 0.0), c(3.0, 0.0)),
            Hit::Touch(c(2.0, 0.0))
        );
        assert!(matches!(
            intersect(o, c(2.0, 0.0), c(1.0, 0.0), c(3.0, 0.0)),
            Hit::Overlap(_)
        ));
        assert_eq!(
            intersect(o, c(1.0, 0.0), c(2.0, 0.0), c(3.0, 0.0)),
            Hit::None
        );
        assert_eq!(
            intersect(o, c(1.0, 1.0), c(1.0, 0.0), c(2.0, 0.0)),
            Hit::None
        );
    }

    #[test]
    fn locate_and_orientation() {
        let sq = ring(&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]);
        assert_eq!(locate(c(1.0, 1.0), &sq), Loc::Inside);
        assert_eq!(locate(c(2.0, 1.0), &sq), Loc::Boundary);
        assert_eq!(locate(c(0.0, 0.0), &sq), Loc::Boundary);
        assert_eq!(locate(c(3.0, 1.0), &sq), Loc::Outside);
        assert_eq!(locate(c(-1.0, 0.0), &sq), Loc::Outside);
        assert!(ring_is_ccw(&sq));
        let mut cw = sq.clone();
        cw.reverse();
        assert!(!ring_is_ccw(&cw));
        assert!(is_collinear(&ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])));
    }
}
