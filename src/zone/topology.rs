//! Exact topology checks on the rings of a zone: simple rings, rings that cross or overlap,
//! holes outside their shell, holes inside each other, MultiPolygon parts that overlap, and
//! rings that touch so often that they split a polygon's interior.
//!
//! Design: every predicate is the exact (adaptive-precision) orientation test of
//! [`geo::kernels::RobustKernel`], so "do these two segments meet" never depends on rounding.
//! Candidate segment pairs come from an R*-tree over the segments' bounding boxes (bulk
//! loaded, one query per segment), so a ring of n vertices is checked in about O(n log n)
//! instead of O(n²). Because the boundaries are first shown not to cross, whether one ring
//! lies inside another is decided by locating a few points of it that are known not to lie
//! on the other ring (a vertex, or the midpoints of the pieces between touch points).

use geo::Coord;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, Envelope, RTree};

/// A point in the plane (lon/lat degrees or mercator metres).
pub(crate) type Pt = Coord<f64>;

/// A closed ring (first == last) without consecutive repeated positions.
pub(crate) type Ring = Vec<Pt>;

/// What is wrong with a set of polygons. Indexes: `poly` is the polygon, `ring` 0 the exterior
/// and 1.. the holes, `seg` the start position of an edge in the ring as given to [`check`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Defect {
    /// Two edges of one ring meet other than at their shared vertex.
    SelfIntersection {
        poly: usize,
        ring: usize,
        seg_a: usize,
        seg_b: usize,
        at: Pt,
        overlap: bool,
    },
    /// Edges of two rings of one polygon cross or run along each other.
    RingsCross {
        poly: usize,
        ring_a: usize,
        seg_a: usize,
        ring_b: usize,
        seg_b: usize,
        at: Pt,
        overlap: bool,
    },
    /// Rings of one polygon touch in a cycle (e.g. a hole touching the shell twice), so the
    /// interior is split into pieces.
    DisconnectedInterior {
        poly: usize,
        ring_a: usize,
        ring_b: usize,
        at: Pt,
    },
    /// A hole is (partly) outside its exterior ring.
    HoleOutside {
        poly: usize,
        hole: usize,
        seg: usize,
        at: Pt,
    },
    /// A hole lies inside another hole (or they are equal).
    HolesNested {
        poly: usize,
        inner: usize,
        outer: usize,
        at: Pt,
    },
    /// Two polygons of a MultiPolygon have boundaries that cross or overlap.
    PolygonsCross {
        poly_a: usize,
        ring_a: usize,
        seg_a: usize,
        poly_b: usize,
        ring_b: usize,
        seg_b: usize,
        at: Pt,
    },
    /// One polygon of a MultiPolygon lies (partly) inside another.
    PolygonsOverlap { inner: usize, outer: usize, at: Pt },
}

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
        let (a, b) = (w[0], w[1]);
        let (ymin, ymax) = minmax(a.y, b.y);
        if p.y < ymin || p.y > ymax {
            continue;
        }
        let (xmin, xmax) = minmax(a.x, b.x);
        if p.x > xmax {
            continue;
        }
        if p.x < xmin {
            // Entirely right of p: crosses the ray iff it straddles the ray's line.
            if (a.y > p.y) != (b.y > p.y) {
                inside = !inside;
            }
            continue;
        }
        let o = orient(a, b, p);
        if o == 0 {
            return Loc::Boundary;
        }
        if (a.y > p.y) != (b.y > p.y) && ((b.y > a.y) == (o > 0)) {
            inside = !inside;
        }
    }
    if inside { Loc::Inside } else { Loc::Outside }
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

/// One edge of one ring.
#[derive(Debug, Clone, Copy)]
struct Seg {
    poly: usize,
    ring: usize,
    idx: usize,
    /// Number of edges of the ring.
    ring_len: usize,
    a: Pt,
    b: Pt,
}

fn bits(p: Pt) -> (u64, u64) {
    // `+ 0.0` makes -0.0 and 0.0 the same key.
    ((p.x + 0.0).to_bits(), (p.y + 0.0).to_bits())
}

/// Checks that `polys` (polygon -> rings, ring 0 the exterior) is a valid OGC (Multi)Polygon:
/// simple rings, holes inside their shell and not inside each other, rings meeting only at
/// single points without splitting the interior, and polygons whose interiors are disjoint.
///
/// Every ring must be closed, without consecutive repeated positions, with at least 4
/// positions and not collinear. Orientation does not matter.
pub(crate) fn check(polys: &[Vec<Ring>]) -> Result<(), Defect> {
    let mut segs = Vec::new();
    // First segment index of each ring, per polygon.
    let mut ring_start: Vec<Vec<usize>> = Vec::with_capacity(polys.len());
    for (pi, rings) in polys.iter().enumerate() {
        let mut starts = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            starts.push(segs.len());
            let n = ring.len() - 1;
            for (k, w) in ring.windows(2).enumerate() {
                segs.push(Seg {
                    poly: pi,
                    ring: ri,
                    idx: k,
                    ring_len: n,
                    a: w[0],
                    b: w[1],
                });
            }
        }
        ring_start.push(starts);
    }
    let tree = RTree::bulk_load(
        segs.iter()
            .enumerate()
            .map(|(i, s)| {
                GeomWithData::new(Rectangle::from_corners([s.a.x, s.a.y], [s.b.x, s.b.y]), i)
            })
            .collect(),
    );

    // Points where a segment touches a segment of another ring.
    let mut seg_touches: Vec<Vec<Pt>> = vec![Vec::new(); segs.len()];
    // (poly, point, ring) for the touch graph of each polygon.
    let mut ring_touches: Vec<(usize, (u64, u64), usize, Pt)> = Vec::new();

    for (i, s) in segs.iter().enumerate() {
        let env = AABB::from_corners([s.a.x, s.a.y], [s.b.x, s.b.y]);
        for cand in tree.locate_in_envelope_intersecting(env) {
            let j = cand.data;
            if j <= i {
                continue;
            }
            let t = &segs[j];
            let hit = intersect(s.a, s.b, t.a, t.b);
            if hit == Hit::None {
                continue;
            }
            let same_ring = s.poly == t.poly && s.ring == t.ring;
            if same_ring {
                let adjacent = t.idx == s.idx + 1 || (s.idx == 0 && t.idx + 1 == s.ring_len);
                match hit {
                    Hit::Touch(_) if adjacent => continue,
                    Hit::Proper(at) | Hit::Touch(at) | Hit::Overlap(at) => {
                        return Err(Defect::SelfIntersection {
                            poly: s.poly,
                            ring: s.ring,
                            seg_a: s.idx,
                            seg_b: t.idx,
                            at,
                            overlap: matches!(hit, Hit::Overlap(_)),
                        });
                    }
                    Hit::None => continue,
                }
            }
            match hit {
                Hit::Touch(at) => {
                    seg_touches[i].push(at);
                    seg_touches[j].push(at);
                    if s.poly == t.poly {
                        ring_touches.push((s.poly, bits(at), s.ring, at));
                        ring_touches.push((s.poly, bits(at), t.ring, at));
                    }
                }
                Hit::Proper(at) | Hit::Overlap(at) => {
                    return Err(if s.poly == t.poly {
                        Defect::RingsCross {
                            poly: s.poly,
                            ring_a: s.ring,
                            seg_a: s.idx,
                            ring_b: t.ring,
                            seg_b: t.idx,
                            at,
                            overlap: matches!(hit, Hit::Overlap(_)),
                        }
                    } else {
                        Defect::PolygonsCross {
                            poly_a: s.poly,
                            ring_a: s.ring,
                            seg_a: s.idx,
                            poly_b: t.poly,
                            ring_b: t.ring,
                            seg_b: t.idx,
                            at,
                        }
                    });
                }
                Hit::None => {}
            }
        }
    }

    check_touch_graph(polys, &mut ring_touches)?;

    // Sample points of each ring that lie on no other ring, with the edge they come from.
    let samples = |pi: usize, ri: usize| -> Vec<(Pt, usize)> {
        let ring = &polys[pi][ri];
        let start = ring_start[pi][ri];
        let n = ring.len() - 1;
        let touched = (start..start + n).any(|k| !seg_touches[k].is_empty());
        if !touched {
            return vec![(ring[0], 0)];
        }
        let mut out = Vec::new();
        for k in 0..n {
            let touches = &seg_touches[start + k];
            if touches.is_empty() {
                continue;
            }
            let (a, b) = (ring[k], ring[k + 1]);
            let use_x = (b.x - a.x).abs() >= (b.y - a.y).abs();
            let key = |p: &Pt| if use_x { p.x } else { p.y };
            let mut pts: Vec<Pt> = touches.clone();
            pts.push(a);
            pts.push(b);
            pts.sort_by(|p, q| key(p).total_cmp(&key(q)));
            pts.dedup_by(|p, q| key(p) == key(q));
            for w in pts.windows(2) {
                out.push((
                    Coord {
                        x: 0.5 * (w[0].x + w[1].x),
                        y: 0.5 * (w[0].y + w[1].y),
                    },
                    k,
                ));
            }
        }
        out
    };

    let overlaps = |a: &AABB<[f64; 2]>, b: &AABB<[f64; 2]>| a.intersects(b);

    for (pi, rings) in polys.iter().enumerate() {
        let shell = &rings[0];
        let boxes: Vec<AABB<[f64; 2]>> = rings.iter().map(|r| bbox(r)).collect();
        for hi in 1..rings.len() {
            for (p, k) in samples(pi, hi) {
                if locate(p, shell) == Loc::Outside {
                    return Err(Defect::HoleOutside {
                        poly: pi,
                        hole: hi,
                        seg: k,
                        at: p,
                    });
                }
            }
        }
        for a in 1..rings.len() {
            for b in a + 1..rings.len() {
                if !overlaps(&boxes[a], &boxes[b]) {
                    continue;
                }
                for (inner, outer) in [(a, b), (b, a)] {
                    for (p, _) in samples(pi, inner) {
                        if locate(p, &rings[outer]) == Loc::Inside {
                            return Err(Defect::HolesNested {
                                poly: pi,
                                inner,
                                outer,
                                at: p,
                            });
                        }
                    }
                }
            }
        }
    }

    if polys.len() > 1 {
        let shell_boxes: Vec<AABB<[f64; 2]>> = polys.iter().map(|r| bbox(&r[0])).collect();
        let part_tree = RTree::bulk_load(
            shell_boxes
                .iter()
                .enumerate()
                .map(|(i, b)| GeomWithData::new(Rectangle::from_aabb(*b), i))
                .collect(),
        );
        for (a, abox) in shell_boxes.iter().enumerate() {
            for cand in part_tree.locate_in_envelope_intersecting(*abox) {
                let b = cand.data;
                if b <= a {
                    continue;
                }
                for (inner, outer) in [(a, b), (b, a)] {
                    for (p, _) in samples(inner, 0) {
                        if in_polygon_interior(p, &polys[outer]) {
                            return Err(Defect::PolygonsOverlap {
                                inner,
                                outer,
                                at: p,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(())
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

/// Whether `p` lies strictly inside the polygon (inside the shell, outside every hole).
fn in_polygon_interior(p: Pt, rings: &[Ring]) -> bool {
    locate(p, &rings[0]) == Loc::Inside && rings[1..].iter().all(|h| locate(p, h) == Loc::Outside)
}

/// Rings of a polygon that touch must not form a cycle (ring - point - ring - point - ring):
/// a cycle cuts the interior into pieces (OGC: the interior must be connected).
fn check_touch_graph(
    polys: &[Vec<Ring>],
    touches: &mut Vec<(usize, (u64, u64), usize, Pt)>,
) -> Result<(), Defect> {
    if touches.is_empty() {
        return Ok(());
    }
    touches.sort_by_key(|t| (t.0, t.1, t.2));
    touches.dedup_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2));
    // Union-find over (ring nodes of all polygons) + (one node per touch point).
    let ring_base: Vec<usize> = polys
        .iter()
        .scan(0, |acc, r| {
            let b = *acc;
            *acc += r.len();
            Some(b)
        })
        .collect();
    let n_rings: usize = polys.iter().map(Vec::len).sum();
    let mut parent: Vec<usize> = (0..n_rings + touches.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut point_node = n_rings;
    let mut first_ring = 0;
    for k in 0..touches.len() {
        let (poly, key, ring, at) = touches[k];
        if k == 0 || (touches[k - 1].0, touches[k - 1].1) != (poly, key) {
            point_node += 1;
            first_ring = ring;
        }
        let pn = point_node - 1;
        let rn = ring_base[poly] + ring;
        let (a, b) = (find(&mut parent, rn), find(&mut parent, pn));
        if a == b {
            return Err(Defect::DisconnectedInterior {
                poly,
                ring_a: first_ring,
                ring_b: ring,
                at,
            });
        }
        parent[a] = b;
    }
    Ok(())
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

    #[test]
    fn topology_cases() {
        let shell = ring(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
        let hole = ring(&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0)]);
        assert_eq!(check(&[vec![shell.clone(), hole.clone()]]), Ok(()));
        // Hole touching the shell at one vertex: allowed.
        let touching = ring(&[(0.0, 5.0), (4.0, 4.0), (4.0, 6.0)]);
        assert_eq!(check(&[vec![shell.clone(), touching]]), Ok(()));
        // Hole touching the shell at two points: interior split.
        let splitting = ring(&[(0.0, 5.0), (5.0, 4.0), (10.0, 5.0), (5.0, 6.0)]);
        assert!(matches!(
            check(&[vec![shell.clone(), splitting]]),
            Err(Defect::DisconnectedInterior { .. })
        ));
        // Hole outside.
        let outside = ring(&[(12.0, 2.0), (14.0, 2.0), (14.0, 4.0)]);
        assert!(matches!(
            check(&[vec![shell.clone(), outside]]),
            Err(Defect::HoleOutside { hole: 1, .. })
        ));
        // Nested holes.
        let big = ring(&[(1.0, 1.0), (8.0, 1.0), (8.0, 8.0), (1.0, 8.0)]);
        assert!(matches!(
            check(&[vec![shell.clone(), big, hole.clone()]]),
            Err(Defect::HolesNested { .. })
        ));
        // Overlapping parts and a part inside another.
        let inner = ring(&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]);
        assert!(matches!(
            check(&[vec![shell.clone()], vec![inner.clone()]]),
            Err(Defect::PolygonsOverlap { .. })
        ));
        // A part inside the hole of another is fine.
        let in_hole = ring(&[(2.5, 2.2), (3.8, 2.2), (3.8, 3.5)]);
        assert_eq!(check(&[vec![shell.clone(), hole], vec![in_hole]]), Ok(()));
        // A hole touching the shell at a corner from outside.
        let outside_touch = ring(&[(10.0, 10.0), (12.0, 10.0), (12.0, 12.0)]);
        assert!(matches!(
            check(&[vec![shell.clone(), outside_touch]]),
            Err(Defect::HoleOutside { hole: 1, .. })
        ));
        // Two parts touching at one point are fine; sharing an edge is not.
        let corner = ring(&[(10.0, 10.0), (12.0, 10.0), (12.0, 12.0)]);
        assert_eq!(check(&[vec![shell.clone()], vec![corner]]), Ok(()));
        let edge = ring(&[(10.0, 0.0), (12.0, 0.0), (12.0, 10.0), (10.0, 10.0)]);
        assert!(matches!(
            check(&[vec![shell.clone()], vec![edge]]),
            Err(Defect::PolygonsCross { .. })
        ));
        // Bow tie.
        let bowtie = ring(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)]);
        assert!(matches!(
            check(&[vec![bowtie]]),
            Err(Defect::SelfIntersection { .. })
        ));
        // Spike back along an edge.
        let spike = ring(&[(0.0, 0.0), (4.0, 0.0), (2.0, 0.0), (2.0, 2.0)]);
        assert!(matches!(
            check(&[vec![spike]]),
            Err(Defect::SelfIntersection { .. })
        ));
    }
}
