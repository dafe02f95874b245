//! Projection of a zone to Web Mercator metres, and growing it by its margin (a conservative
//! buffer in mercator metres).
//!
//! Design: the margin in ground metres becomes mercator metres once per zone, at the zone's
//! poleward latitude (`margin_m / ground_scale(max |lat|)`), where a ground metre is the most
//! mercator metres; so the grown zone is one geometry and its margin is nowhere too small.
//!
//! The buffer is geo's [`Buffer`] (i_overlay's outline) with round joins. Its arcs are
//! polygons whose vertices lie on the circle, so their chords cut inside it; the radius is
//! enlarged so that every chord lies outside the true circle:
//! i_overlay splits a join of angle `a` into `floor(a / JOIN_ANGLE)` equal steps, each step is
//! below `2 * JOIN_ANGLE`, and a chord of angle `s` on a circle of radius `R` is `R cos(s / 2)`
//! from the centre, so `R = r / cos(JOIN_ANGLE)` suffices. i_overlay also snaps to an integer
//! grid of `2^(floor(log2(half extent)) - 29)` metres; the radius gets a further allowance of
//! 16 grid steps for that. The result contains the exact Minkowski sum of the zone and a disk of
//! radius `r` (tested below and in `tests/zones.rs`). Holes shrink by the same radius and
//! vanish when they are narrower than twice the radius.
//!
//! A part wholly beyond the mercator latitude limit projects to a line (clamped latitudes);
//! it is grown as a line (round caps, same allowances), a strip along the edge of the world.

use std::f64::consts::PI;

use geo::algorithm::buffer::{Buffer, BufferStyle, LineCap, LineJoin};
use geo::{BooleanOps, BoundingRect, Coord, LineString, MapCoords, MultiLineString, MultiPolygon};

use super::validate::orient_multipolygon;
use crate::geom::is_collinear;

/// Angle parameter of the round joins (i_overlay: maximum arc segment length / radius).
pub(crate) const JOIN_ANGLE: f64 = PI / 64.0;

/// Projects a lon/lat geometry to Web Mercator metres (latitudes beyond ±85.0511° are
/// clamped), drops positions that become repeated and orients the rings.
pub(crate) fn project(lnglat: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut m = lnglat.map_coords(|c| {
        let (x, y) = crate::lnglat_to_mercator(c.x, c.y);
        Coord { x, y }
    });
    for p in &mut m.0 {
        p.exterior_mut(|r| r.0.dedup());
        p.interiors_mut(|hs| {
            for h in hs {
                h.0.dedup();
            }
        });
    }
    orient_multipolygon(&mut m);
    m
}

/// The largest |latitude| of a lon/lat geometry, in degrees.
pub(crate) fn poleward_lat(lnglat: &MultiPolygon<f64>) -> f64 {
    lnglat
        .0
        .iter()
        .flat_map(|p| p.exterior().0.iter())
        .fold(0.0, |m: f64, c| m.max(c.y.abs()))
}

/// A margin in ground metres as mercator metres, at the zone's poleward latitude.
pub(crate) fn margin_mercator(margin_m: f64, poleward_lat_deg: f64) -> f64 {
    margin_m / crate::ground_scale(poleward_lat_deg)
}

/// The buffer radius actually used for a margin of `r` mercator metres around a geometry
/// whose bounding box has the half extent `half_extent` (see the module docs).
pub(crate) fn conservative_radius(r: f64, half_extent: f64) -> f64 {
    let r1 = r / JOIN_ANGLE.cos();
    let grid_allowance = (half_extent + 3.0 * r1) * 2f64.powi(-25);
    r1 + grid_allowance
}

/// Grows a mercator geometry by `r` mercator metres (conservatively; see the module docs).
/// `r <= 0` returns the geometry unchanged.
pub(crate) fn grow(mercator: &MultiPolygon<f64>, r: f64) -> MultiPolygon<f64> {
    if r <= 0.0 || !r.is_finite() || mercator.0.is_empty() {
        return mercator.clone();
    }
    let half = mercator
        .bounding_rect()
        .map(|b| 0.5 * b.width().max(b.height()))
        .unwrap_or(0.0);
    let radius = conservative_radius(r, half);
    let style = || {
        BufferStyle::new(radius)
            .line_join(LineJoin::Round(JOIN_ANGLE))
            .line_cap(LineCap::Round(JOIN_ANGLE))
    };
    let mut grown = mercator.buffer_with_style(style());
    // Parts that collapsed to a line when projected (wholly beyond the mercator latitude
    // limit, where latitudes are clamped) have no area to offset: grow their rings as lines.
    let collapsed: Vec<LineString<f64>> = mercator
        .0
        .iter()
        .filter(|p| is_collinear(&p.exterior().0))
        .map(|p| p.exterior().clone())
        .collect();
    if !collapsed.is_empty() {
        let strips = MultiLineString(collapsed).buffer_with_style(style());
        grown = if grown.0.is_empty() {
            strips
        } else {
            grown.union(&strips)
        };
    }
    orient_multipolygon(&mut grown);
    grown
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Distance, Euclidean, Intersects, Point, Polygon};

    fn poly(pts: &[(f64, f64)]) -> MultiPolygon<f64> {
        let mut v: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
        v.push(v[0]);
        let mut mp = MultiPolygon(vec![Polygon::new(LineString(v), vec![])]);
        orient_multipolygon(&mut mp);
        mp
    }

    /// Deterministic xorshift for test points.
    fn rng(seed: &mut u64) -> f64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn zero_margin_is_identity() {
        let z = poly(&[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]);
        assert_eq!(grow(&z, 0.0), z);
    }

    #[test]
    fn convex_area_bound() {
        let z = poly(&[(0.0, 0.0), (1000.0, 0.0), (1300.0, 600.0), (200.0, 900.0)]);
        let r = 50.0;
        let g = grow(&z, r);
        let perimeter: f64 = z.0[0]
            .exterior()
            .lines()
            .map(|l| Euclidean.distance(l.start, l.end))
            .sum();
        let exact = z.unsigned_area() + perimeter * r + PI * r * r;
        let got = g.unsigned_area();
        assert!(got >= exact, "grown {got} < Minkowski {exact}");
        assert!(got <= exact * 1.01, "grown {got} much larger than {exact}");
    }

    #[test]
    fn points_within_margin_are_inside() {
        // A concave zone with a hole, far from the origin like real mercator coordinates.
        let (ox, oy) = (-8_680_000.0, 2_840_000.0);
        let shell: Vec<(f64, f64)> = [
            (0.0, 0.0),
            (3000.0, 0.0),
            (3000.0, 3000.0),
            (1500.0, 800.0),
            (0.0, 3000.0),
        ]
        .iter()
        .map(|&(x, y)| (x + ox, y + oy))
        .collect();
        let mut z = poly(&shell);
        let hole: Vec<Coord<f64>> = [
            (1300.0, 300.0),
            (1700.0, 300.0),
            (1500.0, 500.0),
            (1300.0, 300.0),
        ]
        .iter()
        .map(|&(x, y)| Coord {
            x: x + ox,
            y: y + oy,
        })
        .collect();
        z.0[0].interiors_push(LineString(hole));
        orient_multipolygon(&mut z);
        for r in [0.5, 30.5, 100.0, 250.0] {
            let g = grow(&z, r);
            assert!(g.contains(&z), "grown must contain the zone (r = {r})");
            let mut seed = 0x9e37_79b9_7f4a_7c15u64;
            let mut tested = 0;
            while tested < 3000 {
                let p = Point::new(
                    ox - 300.0 + 3600.0 * rng(&mut seed),
                    oy - 300.0 + 3600.0 * rng(&mut seed),
                );
                let d = Euclidean.distance(&p, &z);
                if d <= r {
                    tested += usize::from(d > 0.0);
                    assert!(
                        g.intersects(&p),
                        "point {p:?} at {d} <= {r} not in grown zone"
                    );
                }
            }
        }
    }

    /// Points at distance `r` (a hair less) from every vertex, in many directions.
    fn vertex_circle_points(z: &MultiPolygon<f64>, r: f64) -> Vec<Point<f64>> {
        let mut out = Vec::new();
        for p in &z.0 {
            for c in p
                .exterior()
                .0
                .iter()
                .chain(p.interiors().iter().flat_map(|h| h.0.iter()))
            {
                for k in 0..720 {
                    let a = k as f64 / 720.0 * std::f64::consts::TAU;
                    let d = r * (1.0 - 1e-9);
                    out.push(Point::new(c.x + d * a.cos(), c.y + d * a.sin()));
                }
            }
        }
        out
    }

    #[test]
    fn arcs_lie_outside_the_true_circle() {
        let z = poly(&[(0.0, 0.0), (1000.0, 0.0), (1300.0, 600.0), (200.0, 900.0)]);
        let r = 100.0;
        let g = grow(&z, r);
        for p in vertex_circle_points(&z, r) {
            assert!(g.intersects(&p), "{p:?} is outside the grown zone");
        }
        // geo's plain buffer puts its arc vertices on the circle, so chords cut inside it:
        // that is why `grow` enlarges the radius.
        let plain = z.buffer_with_style(BufferStyle::new(r).line_join(LineJoin::Round(JOIN_ANGLE)));
        let missed = vertex_circle_points(&z, r)
            .iter()
            .filter(|p| !plain.intersects(*p))
            .count();
        assert!(missed > 0, "expected the plain buffer to miss some points");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn grown_star_contains_the_minkowski_sum(
            radii in proptest::collection::vec(0.2f64..1.0, 3..24),
            scale in 10.0f64..5000.0,
            r in 0.1f64..500.0,
        ) {
            let n = radii.len();
            let pts: Vec<(f64, f64)> = radii
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    (-8.0e6 + scale * k * a.cos(), 3.0e6 + scale * k * a.sin())
                })
                .collect();
            let z = poly(&pts);
            let g = grow(&z, r);
            proptest::prop_assert!(g.contains(&z));
            for p in vertex_circle_points(&z, r).iter().step_by(7) {
                proptest::prop_assert!(g.intersects(p), "{:?} outside", p);
            }
        }
    }

    #[test]
    fn margin_at_poleward_latitude() {
        assert!((margin_mercator(100.0, 0.0) - 100.0).abs() < 1e-9);
        assert!((margin_mercator(100.0, 60.0) - 200.0).abs() < 1e-9);
    }
}
