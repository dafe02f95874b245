//! The nearest point outside every zone (grown by its margin), in Web Mercator metres.
//!
//! The nearest point outside a union of polygons lies on the boundary of the union, which is
//! made of pieces of the polygons' edges; the nearest point of such a piece is either the
//! nearest point of its whole edge or an end of the piece, where the edge crosses an edge of
//! another polygon. So the candidates are the nearest point of every edge, plus the crossings
//! of edges of different polygons; they are tried nearest first, each pushed [`ESCAPE_M`]
//! outwards, and the first one outside every zone wins.
//!
//! The edges of all grown zones are held in one R*-tree ([`EscapeEdges`], built once per
//! redactor, on first use). The edges are visited nearest first (a nearest-neighbour query);
//! the crossings of each visited edge come from an envelope query. A candidate is tried once
//! no edge still to be visited can be nearer than it (every candidate lies on an edge, so it is
//! never nearer than its edge), which keeps the nearest-first order without looking at every
//! pair of edges. Every answer is checked outside every grown zone before it is returned, and
//! longitudes that cross the antimeridian are wrapped before that check. The work is bounded
//! (edges visited, crossings tested, candidates tried); when a bound is hit the caller
//! suppresses the point (fail closed).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use geo::Coord;
use rstar::primitives::{GeomWithData, Line};
use rstar::{RTree, RTreeObject};

use crate::tile::MERCATOR_HALF_WORLD_M;
use crate::zone::ZoneSet;

/// How far past the boundary a moved point is put, in mercator metres: well above the
/// rounding of a lon/lat round trip (1e-8 m), well below any useful precision.
pub(crate) const ESCAPE_M: f64 = 0.05;

/// Most edges visited for one point.
const MAX_EDGES: usize = 200_000;
/// Most edge pairs tested for crossings for one point (beyond, crossings are not added: every
/// candidate is still checked, so the answer stays outside, only perhaps not the nearest).
const MAX_PAIRS: usize = 4_000_000;
/// Most candidates tried.
const MAX_TRIES: usize = 20_000;

/// Which edge: its zone, the polygon of the zone's grown geometry, and its number.
#[derive(Debug, Clone, Copy, PartialEq)]
struct EdgeId {
    zone: usize,
    part: usize,
    id: usize,
}

type EdgeEntry = GeomWithData<Line<[f64; 2]>, EdgeId>;

/// An R*-tree over the edges of every zone's grown geometry (mercator metres), rings oriented
/// with the interior on the left.
pub(crate) struct EscapeEdges {
    tree: RTree<EdgeEntry>,
}

impl std::fmt::Debug for EscapeEdges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EscapeEdges")
            .field("edges", &self.tree.size())
            .finish()
    }
}

impl EscapeEdges {
    /// Indexes the edges of every zone's grown geometry.
    pub(crate) fn build(zones: &ZoneSet) -> EscapeEdges {
        let mut entries = Vec::new();
        for (z, zone) in zones.zones().iter().enumerate() {
            for (part, poly) in zone.grown_m().0.iter().enumerate() {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for w in ring.0.windows(2) {
                        let id = EdgeId {
                            zone: z,
                            part,
                            id: entries.len(),
                        };
                        entries.push(GeomWithData::new(
                            Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]),
                            id,
                        ));
                    }
                }
            }
        }
        EscapeEdges {
            tree: RTree::bulk_load(entries),
        }
    }
}

/// The indices of the zones whose grown geometry covers (x, y), sorted (the world wraps at
/// ±180°).
pub(crate) fn zones_at(zones: &ZoneSet, x: f64, y: f64) -> Vec<usize> {
    zones.grown_zones_at_m(x, y)
}

/// Whether any zone's grown geometry covers (x, y) (the world wraps at ±180°).
pub(crate) fn inside_any(zones: &ZoneSet, x: f64, y: f64) -> bool {
    zones.contains_grown_m(x, y).is_some()
}

/// A candidate way out: a point on the boundary of a zone and the edges whose normals to try.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Squared distance from the point.
    d2: f64,
    q: Coord<f64>,
    /// The numbers of the two edges (equal for the nearest point of one edge).
    e: usize,
    f: usize,
    /// Their outward normals.
    ne: Coord<f64>,
    nf: Coord<f64>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// Reversed, so that [`BinaryHeap`] pops the nearest first; ties by edge numbers, so the
    /// order (and so the answer) never depends on the tree's layout.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .d2
            .total_cmp(&self.d2)
            .then_with(|| (other.e, other.f).cmp(&(self.e, self.f)))
            .then_with(|| other.q.x.total_cmp(&self.q.x))
            .then_with(|| other.q.y.total_cmp(&self.q.y))
    }
}

/// The nearest point outside every zone to (x, y), pushed [`ESCAPE_M`] outwards (its x wrapped
/// into the world across the antimeridian), or `None` when the bounds of the search are hit.
/// `edges` must be [`EscapeEdges::build`] of `zones`.
pub(crate) fn nearest_outside(
    zones: &ZoneSet,
    edges: &EscapeEdges,
    x: f64,
    y: f64,
) -> Option<(f64, f64)> {
    let p = Coord { x, y };
    if !inside_any(zones, x, y) {
        return Some((x, y));
    }
    let tree = &edges.tree;
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::new();
    let mut visited: HashSet<usize> = HashSet::new();
    let (mut tries, mut pairs) = (0usize, 0usize);
    let mut try_nearer =
        |heap: &mut BinaryHeap<Candidate>, limit: f64| -> Option<Option<(f64, f64)>> {
            while heap.peek().is_some_and(|c| c.d2 <= limit) {
                let c = heap.pop().expect("peeked");
                tries += 1;
                if tries > MAX_TRIES {
                    return Some(None);
                }
                if let Some(out) = try_candidate(zones, p, &c) {
                    return Some(Some(out));
                }
            }
            None
        };
    for (n, (edge, d2)) in tree
        .nearest_neighbor_iter_with_distance_2([x, y])
        .enumerate()
    {
        if n >= MAX_EDGES {
            return None;
        }
        // No candidate still to come is nearer than this edge.
        if let Some(answer) = try_nearer(&mut heap, d2) {
            return answer;
        }
        let e = edge.data;
        visited.insert(e.id);
        let (a, b) = ends(edge);
        let q = closest_on_segment(p, a, b);
        let ne = outward(a, b);
        heap.push(Candidate {
            d2: dist2(p, q),
            q,
            e: e.id,
            f: e.id,
            ne,
            nf: ne,
        });
        if pairs <= MAX_PAIRS {
            // Crossings with edges of other polygons not visited yet (a crossing with a
            // visited edge was added when that edge was visited).
            for other in tree.locate_in_envelope_intersecting(edge.envelope()) {
                let o = other.data;
                if (o.zone, o.part) == (e.zone, e.part) || visited.contains(&o.id) {
                    continue;
                }
                pairs += 1;
                let (c, d) = ends(other);
                if let Some(q) = crossing(a, b, c, d) {
                    heap.push(Candidate {
                        d2: dist2(p, q),
                        q,
                        e: e.id,
                        f: o.id,
                        ne,
                        nf: outward(c, d),
                    });
                }
            }
        }
    }
    try_nearer(&mut heap, f64::INFINITY).flatten()
}

/// Tries one candidate: pushed [`ESCAPE_M`] along the outward normals of its edges, their
/// mean, and away from `p`; the first push that lands outside every zone (x wrapped into the
/// world first).
fn try_candidate(zones: &ZoneSet, p: Coord<f64>, c: &Candidate) -> Option<(f64, f64)> {
    let mut dirs = [c.ne, c.nf, normalise(c.ne + c.nf), Coord { x: 0.0, y: 0.0 }];
    if c.d2 > 0.0 {
        dirs[3] = normalise(c.q - p);
    }
    for d in dirs {
        if d == (Coord { x: 0.0, y: 0.0 }) {
            continue;
        }
        let cx = wrap_x(c.q.x + ESCAPE_M * d.x);
        let cy = c.q.y + ESCAPE_M * d.y;
        if cx.is_finite() && cy.is_finite() && !inside_any(zones, cx, cy) {
            return Some((cx, cy));
        }
    }
    None
}

/// Mercator x wrapped into -πR..=πR (across the antimeridian).
fn wrap_x(x: f64) -> f64 {
    let w = 2.0 * MERCATOR_HALF_WORLD_M;
    if x > MERCATOR_HALF_WORLD_M {
        x - w
    } else if x < -MERCATOR_HALF_WORLD_M {
        x + w
    } else {
        x
    }
}

fn ends(e: &EdgeEntry) -> (Coord<f64>, Coord<f64>) {
    let (a, b) = (e.geom().from, e.geom().to);
    (Coord { x: a[0], y: a[1] }, Coord { x: b[0], y: b[1] })
}

fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

fn normalise(v: Coord<f64>) -> Coord<f64> {
    let n = (v.x * v.x + v.y * v.y).sqrt();
    if n > 0.0 {
        Coord {
            x: v.x / n,
            y: v.y / n,
        }
    } else {
        Coord { x: 0.0, y: 0.0 }
    }
}

/// The unit normal to the right of the edge a -> b: outwards, as rings are oriented with the
/// interior on the left (exteriors counter-clockwise, holes clockwise).
fn outward(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    normalise(Coord {
        x: b.y - a.y,
        y: -(b.x - a.x),
    })
}

fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return a;
    }
    let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0);
    Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    }
}

/// The crossing point of segments a-b and c-d, if they cross (parallel segments: none).
fn crossing(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Option<Coord<f64>> {
    let (r, s) = (b - a, d - c);
    // Quick reject on bounding boxes.
    if a.x.max(b.x) < c.x.min(d.x)
        || c.x.max(d.x) < a.x.min(b.x)
        || a.y.max(b.y) < c.y.min(d.y)
        || c.y.max(d.y) < a.y.min(b.y)
    {
        return None;
    }
    let den = r.x * s.y - r.y * s.x;
    if den == 0.0 {
        return None;
    }
    let (qx, qy) = (c.x - a.x, c.y - a.y);
    let t = (qx * s.y - qy * s.x) / den;
    let u = (qx * r.y - qy * r.x) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(Coord {
        x: a.x + t * r.x,
        y: a.y + t * r.y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(id: &str, x0: f64, y0: f64, d: f64, margin: f64) -> serde_json::Value {
        serde_json::json!({"type": "Feature", "properties": {"id": id, "margin_m": margin},
            "geometry": {"type": "Polygon", "coordinates":
                [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}})
    }

    fn set(features: Vec<serde_json::Value>) -> ZoneSet {
        ZoneSet::from_geojson_value(
            &serde_json::json!({"type": "FeatureCollection", "features": features}),
        )
        .unwrap()
    }

    #[test]
    fn moves_to_the_nearest_edge() {
        let zs = set(vec![square("a", 10.0, 50.0, 0.01, 0.0)]);
        let (x0, y0) = crate::lnglat_to_mercator(10.0, 50.0);
        let (x1, _) = crate::lnglat_to_mercator(10.01, 50.0);
        // A point 100 m right of the west edge, half way up.
        let (_, ym) = crate::lnglat_to_mercator(10.0, 50.005);
        let (qx, qy) = nearest_outside(&zs, &EscapeEdges::build(&zs), x0 + 100.0, ym).unwrap();
        assert!(
            (qx - (x0 - ESCAPE_M)).abs() < 1e-6 && (qy - ym).abs() < 1e-6,
            "{qx} {qy}"
        );
        assert!(!inside_any(&zs, qx, qy));
        assert!(x1 > x0 && y0 < ym);
        // Outside already: unchanged.
        assert_eq!(
            nearest_outside(&zs, &EscapeEdges::build(&zs), x0 - 10.0, ym),
            Some((x0 - 10.0, ym))
        );
    }

    #[test]
    fn overlapping_zones_are_left_together() {
        // Two overlapping squares; from the overlap the way out avoids both.
        let zs = set(vec![
            square("a", 10.0, 50.0, 0.01, 0.0),
            square("b", 10.008, 50.0, 0.01, 0.0),
        ]);
        let (x, y) = crate::lnglat_to_mercator(10.009, 50.005);
        let (qx, qy) = nearest_outside(&zs, &EscapeEdges::build(&zs), x, y).unwrap();
        assert!(!inside_any(&zs, qx, qy));
        let d = ((qx - x).powi(2) + (qy - y).powi(2)).sqrt();
        // Nearest way out: south or north edge, about 0.005 deg of latitude (~555 m * scale).
        let (_, ys) = crate::lnglat_to_mercator(10.009, 50.0);
        assert!((d - (y - ys)).abs() < 0.1, "{d}");
    }

    /// The nearest outside point found by walking out from (x, y) in `n` directions, in
    /// steps of `step` metres, refined by bisection: an upper bound of the true distance.
    fn walk_out(zs: &ZoneSet, x: f64, y: f64, n: usize, step: f64) -> f64 {
        let mut best = f64::INFINITY;
        for k in 0..n {
            let a = k as f64 * std::f64::consts::TAU / n as f64;
            let (dx, dy) = (a.cos(), a.sin());
            let mut s = step;
            while inside_any(zs, x + s * dx, y + s * dy) {
                s += step;
            }
            let (mut lo, mut hi) = (s - step, s);
            for _ in 0..40 {
                let m = 0.5 * (lo + hi);
                if inside_any(zs, x + m * dx, y + m * dy) {
                    lo = m;
                } else {
                    hi = m;
                }
            }
            best = best.min(hi);
        }
        best
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 48,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x6573_6361_7065),
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Against an independent oracle (walking out in 90 directions): the answer is outside
        /// every zone, no farther than the oracle's (plus the push and the walk's angular
        /// error), and no nearer than the nearest edge of a zone holding the point.
        #[test]
        fn nearest_way_out_of_random_overlapping_squares(
            squares in proptest::collection::vec(
                (0.0f64..0.02, 0.0f64..0.02, 0.004f64..0.012, 0.0f64..60.0), 1..6),
            u in 0.0f64..1.0,
            v in 0.0f64..1.0,
        ) {
            let zs = set(squares.iter().enumerate()
                .map(|(i, &(x, y, d, m))| square(&format!("s{i}"), 10.0 + x, 50.0 + y, d, m))
                .collect());
            let edges = EscapeEdges::build(&zs);
            // A point in the first square.
            let (x0, y0, d, _) = squares[0];
            let (x, y) = crate::lnglat_to_mercator(10.0 + x0 + u * d, 50.0 + y0 + v * d);
            proptest::prop_assume!(inside_any(&zs, x, y));
            let (qx, qy) = nearest_outside(&zs, &edges, x, y).expect("a way out");
            proptest::prop_assert!(!inside_any(&zs, qx, qy));
            let got = ((qx - x).powi(2) + (qy - y).powi(2)).sqrt();
            let walk = walk_out(&zs, x, y, 90, 20.0);
            // Walking in 90 directions overshoots the true distance by at most 1/cos(2 deg).
            proptest::prop_assert!(got <= walk + ESCAPE_M + 1e-6, "{} > {}", got, walk);
            let nearest_edge = edges
                .tree
                .nearest_neighbor_iter_with_distance_2([x, y])
                .next()
                .map(|(_, d2)| d2.sqrt())
                .unwrap();
            proptest::prop_assert!(got + 1e-6 >= nearest_edge, "{} < {}", got, nearest_edge);
        }
    }

    #[test]
    fn wraps_across_the_antimeridian() {
        // A zone touching 180 east; the point is nearest to that edge.
        let zs = set(vec![square("east", 179.99, 0.0, 0.01, 0.0)]);
        let edges = EscapeEdges::build(&zs);
        let (x, y) = crate::lnglat_to_mercator(179.9999, 0.005);
        let (qx, qy) = nearest_outside(&zs, &edges, x, y).unwrap();
        assert!(qx < -MERCATOR_HALF_WORLD_M + 1.0, "{qx}");
        assert!((-MERCATOR_HALF_WORLD_M..=MERCATOR_HALF_WORLD_M).contains(&qx));
        assert!(!inside_any(&zs, qx, qy));
        // With the other side of the antimeridian taken too, the way out is elsewhere.
        let zs = set(vec![
            square("east", 179.99, 0.0, 0.01, 0.0),
            square("west", -180.0, 0.0, 0.01, 0.0),
        ]);
        let edges = EscapeEdges::build(&zs);
        let (qx, qy) = nearest_outside(&zs, &edges, x, y).unwrap();
        assert!((-MERCATOR_HALF_WORLD_M..=MERCATOR_HALF_WORLD_M).contains(&qx));
        assert!(!inside_any(&zs, qx, qy));
        assert!(qx > 0.0, "not wrapped into the western zone: {qx}");
    }

    /// Two overlapping circles of 3000 edges each (9 M edge pairs, beyond the old search's
    /// bound on pairs): from the middle of the overlap, the nearest way out is at a crossing of
    /// the circles, `sqrt(r^2 - d^2/4)` away (an exact oracle; the circles are drawn in
    /// mercator metres, so the projection does not bend them).
    #[test]
    fn crossings_of_large_zones_are_found() {
        let (r, d, n) = (1000.0f64, 1200.0f64, 3000);
        let circle = |id: &str, cx: f64| {
            let ring: Vec<[f64; 2]> = (0..=n)
                .map(|k| {
                    let a = std::f64::consts::TAU * (k % n) as f64 / n as f64;
                    let (lon, lat) = crate::mercator_to_lnglat(cx + r * a.cos(), r * a.sin());
                    [lon, lat]
                })
                .collect();
            serde_json::json!({"type": "Feature", "properties": {"id": id, "margin_m": 0},
                "geometry": {"type": "Polygon", "coordinates": [ring]}})
        };
        let zs = set(vec![circle("a", -d / 2.0), circle("b", d / 2.0)]);
        let edges = EscapeEdges::build(&zs);
        assert_eq!(edges.tree.size(), 2 * n);
        for (x, y) in [(0.0, 0.0), (0.0, 10.0), (-5.0, -20.0)] {
            assert!(inside_any(&zs, x, y));
            let (qx, qy) = nearest_outside(&zs, &edges, x, y).unwrap();
            assert!(!inside_any(&zs, qx, qy));
            let got = ((qx - x).powi(2) + (qy - y).powi(2)).sqrt();
            // The crossing nearer to (x, y).
            let h = (r * r - d * d / 4.0).sqrt();
            let want = (x * x + (h - y.abs()).powi(2)).sqrt();
            assert!(
                (got - want).abs() < ESCAPE_M + 0.01,
                "({x}, {y}): {got} m, the crossing is {want} m away"
            );
        }
    }
}
