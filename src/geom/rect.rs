//! Predicates between polygons, points and axis-aligned rectangles: what the planner, the
//! zone index and the region test ask.

use geo::Polygon;

use super::exact::{Loc, Pt, locate};

/// Whether the closed segment from `a` to `b` meets the closed rectangle
/// `[x0, x1] x [y0, y1]` (Liang–Barsky clipping).
pub(crate) fn segment_meets_rect(a: [f64; 2], b: [f64; 2], lo: [f64; 2], hi: [f64; 2]) -> bool {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - lo[0]),
        (dx, hi[0] - a[0]),
        (-dy, a[1] - lo[1]),
        (dy, hi[1] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 <= t1
}

/// Whether `p` lies in the polygon or on its boundary.
pub(crate) fn polygon_covers(p: Pt, poly: &Polygon<f64>) -> bool {
    match locate(p, &poly.exterior().0) {
        Loc::Outside => false,
        Loc::Boundary => true,
        Loc::Inside => poly
            .interiors()
            .iter()
            .all(|h| locate(p, &h.0) != Loc::Inside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let (lo, hi) = ([0.0, 0.0], [2.0, 1.0]);
        assert!(
            segment_meets_rect([-1.0, 0.5], [3.0, 0.5], lo, hi),
            "crosses"
        );
        assert!(segment_meets_rect([0.5, 0.5], [0.6, 0.6], lo, hi), "inside");
        assert!(
            segment_meets_rect([2.0, 1.0], [3.0, 3.0], lo, hi),
            "touches a corner"
        );
        assert!(
            !segment_meets_rect([-1.0, 2.0], [3.0, 2.0], lo, hi),
            "above"
        );
        assert!(!segment_meets_rect([3.0, 0.0], [2.5, 3.0], lo, hi), "right");
    }
}
