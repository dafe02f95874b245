//! Projection of a zone to Web Mercator metres, and growing it by its margin (a conservative
//! buffer in mercator metres).
//!
//! # The margin in mercator metres
//!
//! A margin is given in ground metres; the buffer is made in mercator metres, one radius per
//! zone, so the radius must bound the mercator length of *every* ground path of length
//! `margin_m` that starts on the zone ([`margin_mercator_bound`]). Converting at the zone's
//! poleward latitude is not enough: the path itself goes further poleward, where a ground
//! metre is more mercator metres (a zone at 75° with a 100 km margin fell 6 % short on its
//! poleward side). The bound holds on the WGS-84 ellipsoid and on every sphere whose radius is
//! at least the ellipsoid's smallest radius of curvature, so geodesic and haversine distances
//! (any common Earth radius) both stay inside.
//!
//! # The buffer
//!
//! The grown zone is the Minkowski sum of the zone and a disk, built as the region of positive
//! winding number of one closed *offset cycle* per ring (ring oriented with the interior on its
//! left): for each edge its copy shifted by the radius to the right (outwards), joined at a
//! convex vertex (a left turn, decided by an exact predicate; a reversal counts as one) by an
//! arc around the vertex, and at a reflex vertex by two radial segments through the vertex
//! itself. As 1-chains, a ring's cycle is the ring plus the boundaries of one outer half
//! rectangle per edge and one sector per convex vertex, all counter-clockwise, so its winding
//! number is the sum of theirs: summed over all rings, it is positive exactly on the zone and
//! its rectangles and sectors, which is the Minkowski sum (a point outside the zone within
//! the radius has a nearest boundary point, inside an edge, where the point is in that edge's
//! half rectangle, or at a vertex, which is then convex and the point in its sector). All
//! cycles go through one i_overlay overlay (fill rule: positive), which runs in
//! O((n + k) log n) for n vertices and k crossings between cycle edges. (geo's `Buffer`,
//! i_overlay's outline, was used before; it resolves each ring's outline in a second overlay
//! first and was 1.5 to 4 times slower on the outlines of `benches/zones.rs`.) k grows with
//! the detail: an outline whose edges are much shorter than the radius, or that zigzags on
//! that scale, has each offset edge crossing those of its `r / spacing` neighbours.
//!
//! Arcs are polygons whose vertices lie on the circle, so their chords cut inside it; the
//! radius is enlarged so that every chord lies outside the true circle: an arc of angle `a` is
//! split into `ceil(a / (2 * JOIN_ANGLE))` equal steps, each at most `2 * JOIN_ANGLE`, and a
//! chord of angle `s` on a circle of radius `R` is `R cos(s / 2)` from the centre, so
//! `R = r / cos(JOIN_ANGLE)` suffices. i_overlay also snaps to an integer grid of
//! `2^(floor(log2(half extent)) - 29)` metres; the radius gets a further allowance of 16 grid
//! steps for that. The result contains the exact Minkowski sum of the zone and a disk of
//! radius `r` (tested below and in `tests/zones.rs`). Holes shrink by the same radius and
//! vanish when they are narrower than twice the radius.
//!
//! # Long rings
//!
//! A detailed ring (more than [`SIMPLIFY_MIN_VERTICES`] vertices) is first simplified
//! (iterative Ramer–Douglas–Peucker, [`super::simplify`]) at a tolerance `ε = r / 4`
//! ([`SIMPLIFY_FRACTION`]), and the simplified ring is grown by `r + ε` instead of the ring
//! by `r`. A jagged outline (vertices much closer than the radius, zigzagging on that scale)
//! has each offset edge crossing those of its `r / spacing` neighbours; the simplified ring
//! has no detail below `ε`, so the crossings per edge are bounded and the overlay runs in
//! O(n log n) (the 300 000-vertex jagged outline of `benches/zones.rs` with a 25 m margin:
//! growing it took about 1.8 s of CPU before and 0.2 s after, in one measurement). RDP
//! itself is O(n log n) on such outlines.
//!
//! It is conservative: the simplified rings `S` keep a subset of the vertices, and each
//! dropped chain lies within `ε` of the segment that replaces it (and so does each dropped
//! edge: the `ε`-stadium of a segment is convex). As 1-chains the rings minus the simplified
//! rings are one closed loop per replaced chain (the chain and its segment back), each inside
//! its segment's `ε`-stadium, so a point whose winding number differs between the zone and `S`
//! is inside one of those loops and within `ε` of `S`'s boundary. So a point of the zone is in
//! `S` or within `ε` of its boundary, and a point within `r` of the zone's boundary is within
//! `r + ε` of `S`'s boundary: the zone grown by `r` is inside `S` grown by `r + ε`. The
//! offset-cycle argument above needs `S` to be a valid polygon with the rings oriented as
//! before (winding number 0 or 1), so the simplified geometry is checked with the exact
//! topology checks of [`super::topology`] (simple rings, rings that do not cross, the same
//! orientation, not collinear); when any check fails the exact rings are grown instead. Rings
//! of at most [`SIMPLIFY_MIN_VERTICES`] vertices are grown by `r` in the same overlay. The
//! price is over-growth: near a long ring the grown zone can reach up to `ε` (a quarter of
//! the margin) further than the margin.
//!
//! A part wholly beyond the mercator latitude limit projects to a line (clamped latitudes);
//! its ring goes along the line and back, so its cycle is a strip with round caps (a reversal
//! is a convex turn of 180°): a strip along the edge of the world.

use std::borrow::Cow;
use std::f64::consts::PI;

use geo::{BoundingRect, Coord, LineString, MapCoords, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};

use super::simplify::simplify_ring;
use super::topology;
use super::validate::orient_multipolygon;

/// Angle parameter of the arcs: an arc is split into steps of at most `2 * JOIN_ANGLE`.
pub(crate) const JOIN_ANGLE: f64 = PI / 64.0;

/// Rings with more vertices than this are simplified before they are grown (see "Long rings"
/// in the module docs).
pub(crate) const SIMPLIFY_MIN_VERTICES: usize = 1000;

/// The simplification tolerance of a long ring as a fraction of the radius (`ε = r / 4`); the
/// simplified ring is grown by `r + ε`.
pub(crate) const SIMPLIFY_FRACTION: f64 = 0.25;

/// The smallest radius of curvature of the WGS-84 ellipsoid, `a (1 - e²)` = 6 335 439.33 m
/// (the meridional radius at the equator), rounded down to whole metres: no ground path of
/// length `s` changes the latitude by more than `s` divided by it, on the ellipsoid or on any
/// sphere of radius at least 6 335 439 m.
pub(crate) const MIN_RADIUS_OF_CURVATURE_M: f64 = 6_335_439.0;

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

/// A length in ground metres around a geometry as a length in Web Mercator metres that is
/// never too short: the mercator length of any ground path of length `margin_m` that starts
/// at a latitude of at most `poleward_lat_deg` in absolute value (pass the poleward latitude
/// of the geometry, e.g. [`poleward_lat`]). Use it for every ground length that becomes one
/// mercator radius (margins, and blur radii or cells in ground metres).
///
/// The bound, with `a` = 6 378 137 m (the Web Mercator radius, WGS-84's semi-major axis) and
/// `M` = [`MIN_RADIUS_OF_CURVATURE_M`] ≈ 6 335 439 m:
///
/// - along the path, `|lat| <= φ + margin_m / M` (radians), since no radius of curvature is
///   below `M`; and with `φ = min(|poleward_lat_deg|, 85.0511°)` when the path is to end
///   within the Web Mercator limit (the only ground a tile shows): such a path never gets
///   further than `margin_m / M` beyond the limit either;
/// - at latitude `lat` a ground step `ds` is at most `(a / M) sec(lat) ds` mercator metres
///   (`dy = a sec(lat) dlat`, `dx = a dlon`, and both radii of curvature are at least `M`);
///   beyond the limit latitudes are clamped, which only drops the `dy` part;
///
/// so the result is `margin_m * (a / M) * sec(φ + margin_m / M)`. It holds for geodesics on
/// the WGS-84 ellipsoid and for great circles on any sphere of radius at least `M` (haversine
/// with any common Earth radius). It is about 0.7 % above `margin_m * sec(φ)` for small
/// margins, and 6 % above it for 100 km at 75°. Beyond the mercator limit, a path that starts
/// on a part of the geometry there and also ends there is not bounded (near the pole its
/// mercator length is unbounded).
///
/// Returns `f64::INFINITY` when `φ + margin_m / M` reaches 90° (`margin_m` above about
/// 547 km at the mercator limit, 1 100 km at 80°); callers must then treat the whole world as
/// within reach ([`grow`] does). 0 for a margin of 0.
pub(crate) fn margin_mercator_bound(margin_m: f64, poleward_lat_deg: f64) -> f64 {
    if margin_m <= 0.0 {
        return 0.0;
    }
    let phi = poleward_lat_deg
        .abs()
        .min(crate::MERCATOR_MAX_LAT)
        .to_radians()
        + margin_m / MIN_RADIUS_OF_CURVATURE_M;
    // NaN (a NaN input) also fails closed.
    if phi.is_nan() || phi >= 0.5 * PI {
        return f64::INFINITY;
    }
    margin_m * (crate::EARTH_RADIUS_M / MIN_RADIUS_OF_CURVATURE_M) / phi.cos()
}

/// The buffer radius actually used for a margin of `r` mercator metres around a geometry
/// whose bounding box has the half extent `half_extent` (see the module docs).
pub(crate) fn conservative_radius(r: f64, half_extent: f64) -> f64 {
    let r1 = r / JOIN_ANGLE.cos();
    let grid_allowance = (half_extent + 3.0 * r1) * 2f64.powi(-25);
    r1 + grid_allowance
}

/// Grows a mercator geometry by `r` mercator metres (conservatively; see the module docs).
/// `r <= 0` returns the geometry unchanged; an infinite or NaN `r` returns the whole mercator
/// world (fail closed).
pub(crate) fn grow(mercator: &MultiPolygon<f64>, r: f64) -> MultiPolygon<f64> {
    if r <= 0.0 || mercator.0.is_empty() {
        return mercator.clone();
    }
    if !r.is_finite() {
        let h = crate::MERCATOR_HALF_WORLD_M;
        let world = geo::Rect::new(Coord { x: -h, y: -h }, Coord { x: h, y: h });
        return MultiPolygon(vec![world.to_polygon()]);
    }
    let half = mercator
        .bounding_rect()
        .map(|b| 0.5 * b.width().max(b.height()))
        .unwrap_or(0.0);
    let cycles: Vec<Vec<[f64; 2]>> = rings_to_grow(mercator, r)
        .into_iter()
        .filter_map(|(ring, r)| offset_cycle(&ring, conservative_radius(r, half)))
        .collect();
    let shapes = FloatOverlay::with_subj_custom(&cycles, OverlayOptions::ogc(), Default::default())
        .overlay(OverlayRule::Subject, FillRule::Positive);
    let mut grown = MultiPolygon(
        shapes
            .into_iter()
            .filter(|shape| !shape.is_empty())
            .map(|shape| {
                let mut rings = shape.into_iter().map(|c| {
                    let mut pts: Vec<Coord<f64>> =
                        c.into_iter().map(|[x, y]| Coord { x, y }).collect();
                    if let Some(&first) = pts.first() {
                        pts.push(first);
                    }
                    LineString(pts)
                });
                let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
                Polygon::new(exterior, rings.collect())
            })
            .collect(),
    );
    orient_multipolygon(&mut grown);
    grown
}

/// The rings of a mercator geometry to grow, each with its radius (before the allowances of
/// [`conservative_radius`]): rings of more than [`SIMPLIFY_MIN_VERTICES`] vertices simplified
/// at `ε = r * SIMPLIFY_FRACTION` with the radius `r + ε`, the others as they are with `r`;
/// or all rings as they are with `r` when the simplified geometry fails a check (see "Long
/// rings" in the module docs).
fn rings_to_grow(mercator: &MultiPolygon<f64>, r: f64) -> Vec<(Cow<'_, [Coord<f64>]>, f64)> {
    let rings = || {
        mercator
            .0
            .iter()
            .map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    };
    let exact = || {
        rings()
            .flatten()
            .map(|ring| (Cow::Borrowed(&ring.0[..]), r))
            .collect()
    };
    let eps = r * SIMPLIFY_FRACTION;
    if !rings()
        .flatten()
        .any(|ring| ring.0.len() > SIMPLIFY_MIN_VERTICES)
    {
        return exact();
    }
    // Simplify at a hair below `ε`: the rounding of a squared distance is far below that.
    let tol = eps * (1.0 - 1e-6);
    let mut polys: Vec<Vec<topology::Ring>> = Vec::with_capacity(mercator.0.len());
    let mut simplified = Vec::new();
    for p in rings() {
        let mut out = Vec::new();
        for ring in p {
            let s = (ring.0.len() > SIMPLIFY_MIN_VERTICES)
                .then(|| simplify_ring(&ring.0, tol))
                .flatten()
                .filter(|s| {
                    s.len() < ring.0.len()
                        && crate::geom::ring_is_ccw(s) == crate::geom::ring_is_ccw(&ring.0)
                });
            simplified.push(s.is_some());
            out.push(s.unwrap_or_else(|| ring.0.clone()));
        }
        polys.push(out);
    }
    // The preconditions of the topology check (rings beyond the mercator limit may collapse).
    let checkable = polys
        .iter()
        .flatten()
        .all(|ring| ring.len() >= 4 && !crate::geom::is_collinear(ring));
    if !simplified.contains(&true) || !checkable || topology::check(&polys).is_err() {
        return exact();
    }
    polys
        .into_iter()
        .flatten()
        .zip(simplified)
        .map(|(ring, s)| (Cow::Owned(ring), if s { r + eps } else { r }))
        .collect()
}

/// The offset cycle of one ring (interior on its left) at `radius`: see the module docs.
/// `None` for a ring without an edge.
fn offset_cycle(ring: &[Coord<f64>], radius: f64) -> Option<Vec<[f64; 2]>> {
    // Distinct consecutive positions, without the closing one.
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for &c in ring {
        if pts.last() != Some(&c) {
            pts.push(c);
        }
    }
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 2 {
        return None;
    }
    // Outward (right-hand) unit normal of the edge from `pts[i]` to `pts[i + 1]`.
    let normal = |i: usize| {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let l = dx.hypot(dy);
        Coord {
            x: dy / l,
            y: -dx / l,
        }
    };
    let max_step = 2.0 * JOIN_ANGLE;
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(3 * n);
    let at = |c: Coord<f64>| [c.x, c.y];
    let mut n1 = normal(n - 1);
    for i in 0..n {
        // The vertex `v` between the edge `prev -> v` (normal `n1`) and `v -> next` (`n2`).
        let (prev, v, next) = (pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n]);
        let n2 = normal(i);
        let turn = crate::geom::orient(prev, v, next);
        let (d1, d2) = (v - prev, next - v);
        let dot = d1.x * d2.x + d1.y * d2.y;
        out.push(at(v + n1 * radius));
        if turn > 0 || (turn == 0 && dot < 0.0) {
            // Convex (or a reversal): the arc from `n1` counter-clockwise to `n2`.
            let alpha = if turn > 0 {
                (d1.x * d2.y - d1.y * d2.x).atan2(dot).clamp(0.0, PI)
            } else {
                PI
            };
            let steps = (alpha / max_step).ceil().max(1.0);
            let t1 = n1.y.atan2(n1.x);
            for k in 1..steps as usize {
                let t = t1 + alpha * k as f64 / steps;
                out.push(at(v + Coord {
                    x: t.cos(),
                    y: t.sin(),
                } * radius));
            }
        } else if turn < 0 {
            // Reflex: through the vertex itself.
            out.push(at(v));
        }
        out.push(at(v + n2 * radius));
        n1 = n2;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::algorithm::buffer::{Buffer, BufferStyle, LineJoin};
    use geo::{Area, Contains, Distance, Euclidean, Intersects, Point};

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

    /// A 1000 x 1000 square whose bottom edge zigzags between y = 0 and y = 3 with 1 001
    /// vertices (x = 0, 1, .., 1000; y = 3 at even x), far from the origin; with an optional
    /// triangular hole whose lowest vertex is at (500.5, `hole_y`).
    fn zigzag_square(hole_y: Option<f64>) -> MultiPolygon<f64> {
        let (ox, oy) = (-8_680_000.0, 2_840_000.0);
        let c = |x: f64, y: f64| Coord {
            x: x + ox,
            y: y + oy,
        };
        let mut shell: Vec<Coord<f64>> = (0..=1000)
            .map(|i| c(i as f64, if i % 2 == 0 { 3.0 } else { 0.0 }))
            .collect();
        shell.extend([c(1000.0, 1000.0), c(0.0, 1000.0), c(0.0, 3.0)]);
        let holes = hole_y
            .map(|y| {
                vec![LineString(vec![
                    c(500.5, y),
                    c(500.9, 50.0),
                    c(400.0, 50.0),
                    c(500.5, y),
                ])]
            })
            .unwrap_or_default();
        let mut mp = MultiPolygon(vec![Polygon::new(LineString(shell), holes)]);
        orient_multipolygon(&mut mp);
        mp
    }

    #[test]
    fn long_ring_is_simplified_and_grown_by_r_plus_eps() {
        let z = zigzag_square(Some(20.0));
        let r = 40.0;
        let rings = rings_to_grow(&z, r);
        assert_eq!(rings.len(), 2);
        // The zigzag (within 3 of its chord, below ε = 10) goes: the square's 4 corners.
        assert_eq!(rings[0].0.len(), 5, "{:?}", rings[0].0);
        assert_eq!(rings[0].1, r * (1.0 + SIMPLIFY_FRACTION));
        // The short hole is grown as it is.
        assert_eq!(rings[1].0.len(), 4);
        assert_eq!(rings[1].1, r);
        let g = grow(&z, r);
        assert!(g.contains(&z));
        for p in vertex_circle_points(&z, r).iter().step_by(11) {
            assert!(g.intersects(p), "{p:?} is outside the grown zone");
        }
    }

    #[test]
    fn simplification_past_a_hole_tip_keeps_the_margin() {
        // The hole's lowest vertex (y = 2.9) is inside the zigzag square but below its
        // simplified bottom edge (y = 3): the simplified shell no longer encloses the hole.
        // Whichever path `grow` takes, the result must hold the zone and its margin.
        let z = zigzag_square(Some(2.9));
        let r = 40.0;
        let g = grow(&z, r);
        assert!(g.contains(&z));
        let pts = vertex_circle_points(&z, r);
        let mut checked = 0;
        for p in pts.iter().step_by(11) {
            assert!(g.intersects(p), "{p:?} is outside the grown zone");
            checked += 1;
        }
        assert!(checked > 50_000, "{checked} points checked");
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
    fn min_radius_of_curvature_is_wgs84_a_times_1_minus_e2_rounded_down() {
        let f = 1.0 / 298.257_223_563;
        let exact = 6_378_137.0 * (1.0 - f * (2.0 - f));
        assert!(MIN_RADIUS_OF_CURVATURE_M <= exact && exact - MIN_RADIUS_OF_CURVATURE_M < 1.0);
    }

    #[test]
    fn margin_bound_covers_the_path_poleward() {
        // Independent check: walk due north on the smallest sphere (radius M) from the
        // poleward edge; the mercator length of that path is a * (ψ(φ + s/M) - ψ(φ)) with
        // ψ = ln tan(π/4 + φ/2) = asinh(tan φ), which must not exceed the bound (up to the
        // rounding of the difference of ψ).
        let m = 6_335_439.0;
        let psi = |phi: f64| phi.tan().asinh();
        for lat in [0.0, 25.0, 60.0, 75.0, 84.0, 85.0] {
            for s in [1.0, 1_000.0, 25_000.0, 100_000.0] {
                let phi = f64::to_radians(lat);
                let north = 6_378_137.0 * (psi(phi + s / m) - psi(phi));
                let b = margin_mercator_bound(s, lat);
                assert!(
                    b >= north * (1.0 - 1e-12),
                    "lat {lat} margin {s}: bound {b} < path {north}"
                );
                // ... and not wildly above it (at most 12 % here: sec at the far end of the path).
                assert!(
                    b <= north * 1.12,
                    "lat {lat} margin {s}: bound {b} >> {north}"
                );
            }
        }
        assert_eq!(margin_mercator_bound(0.0, 80.0), 0.0);
        // Beyond the mercator limit the latitude counts as the limit.
        assert_eq!(
            margin_mercator_bound(100.0, 89.0),
            margin_mercator_bound(100.0, crate::MERCATOR_MAX_LAT)
        );
        assert_eq!(margin_mercator_bound(600_000.0, 85.0), f64::INFINITY);
        assert!(margin_mercator_bound(1_000_000.0, 80.0).is_finite());
    }

    #[test]
    fn infinite_radius_fails_closed() {
        let z = poly(&[(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]);
        let g = grow(&z, f64::INFINITY);
        let h = crate::MERCATOR_HALF_WORLD_M;
        assert!(g.intersects(&Point::new(h * 0.99, -h * 0.99)));
        assert!(g.intersects(&Point::new(-h * 0.99, h * 0.99)));
    }

    #[test]
    fn collapsed_ring_grows_into_a_strip_with_round_caps() {
        // A ring along a line and back (a part beyond the mercator limit, clamped).
        let y = 19_000_000.0;
        let ring = LineString(vec![
            Coord { x: 0.0, y },
            Coord { x: 1000.0, y },
            Coord { x: 0.0, y },
        ]);
        let z = MultiPolygon(vec![Polygon::new(ring, vec![])]);
        let r = 50.0;
        let g = grow(&z, r);
        for (x, dy) in [(500.0, 49.9), (500.0, -49.9), (-49.9, 0.0), (1049.9, 0.0)] {
            assert!(g.intersects(&Point::new(x, y + dy)), "({x}, {dy})");
        }
        let corner = Point::new(1000.0 + 35.3, y + 35.3);
        assert!(g.intersects(&corner));
        let area = g.unsigned_area();
        let exact = 1000.0 * 2.0 * r + PI * r * r;
        assert!(area >= exact && area <= exact * 1.01, "{area} vs {exact}");
    }
}
