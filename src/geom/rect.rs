//! Predicates between polygons, points and axis-aligned rectangles: what the planner, the
//! zone index and the region test ask.

use geo::{LineString, Polygon, Rect};

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

/// True when the closed rectangle lies inside the polygon and no edge of the polygon meets
/// it (touching counts as meeting, which only makes the answer more cautious).
pub(crate) fn polygon_contains_rect(poly: &Polygon<f64>, rect: Rect<f64>) -> bool {
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
    let inside_ring = |ring: &LineString<f64>| locate(c, &ring.0) == Loc::Inside;
    inside_ring(poly.exterior()) && !poly.interiors().iter().any(inside_ring)
}

fn ring_meets_rect(ring: &LineString<f64>, rect: Rect<f64>) -> bool {
    ring.lines().any(|l| {
        segment_meets_rect(
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
    use geo::Coord;

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
