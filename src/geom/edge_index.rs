//! [`EdgeIndex`]: the edges of one polygon (all its rings) in an R*-tree, so that a question
//! about a small rectangle (a tile, a pixel window, the row of a point) costs the edges near
//! it, not the whole outline.
//!
//! Design: a polygon part of a zone can have hundreds of thousands of vertices (a national
//! border, a coastline), and a tile at zoom 16 sees a few of them. The questions the planner,
//! the masks and the point tests ask are all answered by the edges whose bounding box meets a
//! rectangle:
//!
//! - "does the polygon meet this rectangle" and "does it contain it": the edges meeting the
//!   rectangle, then the location of one corner;
//! - "where is this point": a crossing count along a ray to the right, which only needs the
//!   edges whose box meets the ray;
//! - "which edges can change this pixel window": those meeting the window's rows left of its
//!   right side (an edge left of the window adds only cover; one right of it adds nothing).
//!
//! Polygons of at most [`SMALL`] edges keep no tree: a scan is faster.

use std::ops::ControlFlow;

use geo::{Coord, Polygon, Rect};
use rstar::{AABB, RTree, RTreeObject};

use super::exact::{Loc, Pt, locate_step};
use super::rect::segment_meets_rect;

/// Polygons with at most this many edges are scanned, not indexed.
pub(crate) const SMALL: usize = 48;

/// One edge `[ax, ay, bx, by]` with its ring (0: exterior, 1..: holes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct IndexedEdge {
    e: [f64; 4],
}

impl RTreeObject for IndexedEdge {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        let [ax, ay, bx, by] = self.e;
        AABB::from_corners([ax.min(bx), ay.min(by)], [ax.max(bx), ay.max(by)])
    }
}

/// The edges of one polygon, indexed when there are many (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct EdgeIndex {
    /// `None` for a small polygon: scan its rings.
    tree: Option<RTree<IndexedEdge>>,
}

impl EdgeIndex {
    /// Indexes the edges of every ring of `poly` (rings closed, as geo keeps them).
    pub(crate) fn new(poly: &Polygon<f64>) -> EdgeIndex {
        let n: usize = rings(poly).map(|r| r.0.len().saturating_sub(1)).sum();
        if n <= SMALL {
            return EdgeIndex { tree: None };
        }
        let mut edges = Vec::with_capacity(n);
        for ring in rings(poly) {
            for w in ring.0.windows(2) {
                edges.push(IndexedEdge {
                    e: [w[0].x, w[0].y, w[1].x, w[1].y],
                });
            }
        }
        EdgeIndex {
            tree: Some(RTree::bulk_load(edges)),
        }
    }

    /// Whether the edges are in a tree (else [`EdgeIndex::for_each_near`] scans them all).
    pub(crate) fn is_indexed(&self) -> bool {
        self.tree.is_some()
    }

    /// Calls `f` once for every edge `[ax, ay, bx, by]` whose bounding box meets the closed
    /// rectangle `[lo, hi]` (and possibly others), until it breaks.
    pub(crate) fn for_each_near(
        &self,
        poly: &Polygon<f64>,
        lo: [f64; 2],
        hi: [f64; 2],
        mut f: impl FnMut([f64; 4]) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match &self.tree {
            Some(t) => {
                t.locate_in_envelope_intersecting_int(AABB::from_corners(lo, hi), |e| f(e.e))
            }
            None => {
                for ring in rings(poly) {
                    for w in ring.0.windows(2) {
                        f([w[0].x, w[0].y, w[1].x, w[1].y])?;
                    }
                }
                ControlFlow::Continue(())
            }
        }
    }

    /// Whether some edge of the polygon meets the closed rectangle.
    pub(crate) fn boundary_meets_rect(&self, poly: &Polygon<f64>, rect: Rect<f64>) -> bool {
        let (lo, hi) = ([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.for_each_near(poly, lo, hi, |e| {
            if segment_meets_rect([e[0], e[1]], [e[2], e[3]], lo, hi) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_break()
    }

    /// Where `p` lies relative to the polygon (exterior and holes): inside, on its
    /// boundary, or outside. Exact (the crossing number of [`crate::geom::locate`] with exact
    /// orientation tests), over the edges that meet the ray from `p` to the right.
    pub(crate) fn locate(&self, poly: &Polygon<f64>, p: Pt) -> Loc {
        let Some(tree) = &self.tree else {
            return locate_polygon_scan(poly, p);
        };
        let mut crossings = 0u32;
        let ray = AABB::from_corners([p.x, p.y], [f64::INFINITY, p.y]);
        let hit = tree.locate_in_envelope_intersecting_int(ray, |e| {
            let [ax, ay, bx, by] = e.e;
            match locate_step(p, Coord { x: ax, y: ay }, Coord { x: bx, y: by }) {
                None => ControlFlow::Break(()),
                Some(c) => {
                    crossings += u32::from(c);
                    ControlFlow::Continue(())
                }
            }
        });
        if hit.is_break() {
            Loc::Boundary
        } else if crossings % 2 == 1 {
            Loc::Inside
        } else {
            Loc::Outside
        }
    }

    /// Whether the polygon contains the closed rectangle: no edge meets it and one corner
    /// lies inside (touching counts as meeting, which only makes the answer more cautious).
    pub(crate) fn contains_rect(&self, poly: &Polygon<f64>, rect: Rect<f64>) -> bool {
        !self.boundary_meets_rect(poly, rect) && self.locate(poly, rect.min()) == Loc::Inside
    }

    /// Whether the polygon (interior or boundary) meets the closed rectangle.
    pub(crate) fn meets_rect(&self, poly: &Polygon<f64>, rect: Rect<f64>) -> bool {
        self.boundary_meets_rect(poly, rect) || self.locate(poly, rect.min()) != Loc::Outside
    }
}

/// The rings of a polygon: exterior first, then holes.
fn rings(poly: &Polygon<f64>) -> impl Iterator<Item = &geo::LineString<f64>> {
    std::iter::once(poly.exterior()).chain(poly.interiors())
}

/// [`EdgeIndex::locate`] without an index: every edge of every ring.
fn locate_polygon_scan(poly: &Polygon<f64>, p: Pt) -> Loc {
    let mut crossings = 0u32;
    for ring in rings(poly) {
        for w in ring.0.windows(2) {
            match locate_step(p, w[0], w[1]) {
                None => return Loc::Boundary,
                Some(c) => crossings += u32::from(c),
            }
        }
    }
    if crossings % 2 == 1 {
        Loc::Inside
    } else {
        Loc::Outside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Intersects, LineString};

    /// A star with `n` spikes and a square hole, far from the origin.
    fn star(n: usize) -> Polygon<f64> {
        let (ox, oy) = (-8.0e6, 3.0e6);
        let mut pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 {
                    1000.0
                } else {
                    400.0 + (i % 7) as f64 * 30.0
                };
                (ox + r * a.cos(), oy + r * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        let hole = vec![
            (ox - 50.0, oy - 50.0),
            (ox - 50.0, oy + 50.0),
            (ox + 50.0, oy + 50.0),
            (ox + 50.0, oy - 50.0),
            (ox - 50.0, oy - 50.0),
        ];
        Polygon::new(LineString::from(pts), vec![LineString::from(hole)])
    }

    #[test]
    fn indexed_and_scanned_agree_with_geo() {
        let mut checked = 0;
        for n in [8, 40, 400] {
            let poly = star(n);
            let idx = EdgeIndex::new(&poly);
            assert_eq!(idx.tree.is_some(), n + 4 > SMALL, "n = {n}");
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            for _ in 0..3000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
                let v = (seed & 0xffff) as f64 / 65536.0;
                let (x, y) = (-8.0e6 - 1200.0 + 2400.0 * u, 3.0e6 - 1200.0 + 2400.0 * v);
                let s = [1.0, 30.0, 300.0][(seed % 3) as usize];
                let rect = Rect::new(Coord { x, y }, Coord { x: x + s, y: y + s });
                // geo's own predicates are the oracle.
                assert_eq!(
                    idx.meets_rect(&poly, rect),
                    poly.intersects(&rect),
                    "{rect:?}"
                );
                let p = geo::Point::new(x, y);
                let loc = idx.locate(&poly, p.0);
                assert_eq!(loc != Loc::Outside, poly.intersects(&p), "{p:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 9000);
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
        assert!(EdgeIndex::new(&sq).contains_rect(&sq, r(1.0, 1.0, 3.0, 3.0)));
        assert!(
            !EdgeIndex::new(&sq).contains_rect(&sq, r(1.0, 1.0, 5.0, 5.0)),
            "meets the hole"
        );
        assert!(
            !EdgeIndex::new(&sq).contains_rect(&sq, r(4.5, 4.5, 5.5, 5.5)),
            "inside the hole"
        );
        assert!(
            !EdgeIndex::new(&sq).contains_rect(&sq, r(-1.0, 1.0, 3.0, 3.0)),
            "crosses the shell"
        );
        assert!(!EdgeIndex::new(&sq).contains_rect(&sq, r(11.0, 11.0, 12.0, 12.0)));
    }
}
