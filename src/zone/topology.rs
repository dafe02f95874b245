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

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, Envelope, RTree};

use geo::Coord;

pub(crate) use crate::geom::{Hit, Loc, Pt, Ring, bbox, intersect, locate};

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
