//! The coverage geometry of a zone set: the exact (not grown) zones with every group of
//! overlapping or touching zones replaced by its union, computed once when the set is built.
//!
//! The coverage rasteriser is exact only where the winding number is 0 or 1; overlapping
//! zones would count twice. Unioning per tile would make a tile's geometry depend on which
//! zones its neighbours see, and break byte-exact stitching; unioning once, for the whole set,
//! keeps one geometry for every tile.

use std::ops::ControlFlow;

use geo::orient::{Direction, Orient};
use geo::{BooleanOps, Intersects, MultiPolygon, Polygon, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use super::Zone;
use super::index::{SHIFTS, aabb, shifted};
use crate::geom::EdgeIndex;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Disjoint coverage parts with an R*-tree over their bounding boxes.
#[derive(Debug, Clone, Default)]
pub(crate) struct CoverageParts {
    parts: Vec<Polygon<f64>>,
    edges: Vec<EdgeIndex>,
    tree: RTree<Entry>,
}

fn envelope(p: &Polygon<f64>) -> AABB<[f64; 2]> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for c in &p.exterior().0 {
        lo = [lo[0].min(c.x), lo[1].min(c.y)];
        hi = [hi[0].max(c.x), hi[1].max(c.y)];
    }
    AABB::from_corners(lo, hi)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

impl CoverageParts {
    pub(crate) fn build(zones: &[Zone]) -> CoverageParts {
        let all: Vec<&Polygon<f64>> = zones.iter().flat_map(|z| z.mercator.0.iter()).collect();
        let tree: RTree<Entry> = RTree::bulk_load(
            all.iter()
                .enumerate()
                .map(|(i, p)| {
                    let e = envelope(p);
                    GeomWithData::new(Rectangle::from_corners(e.lower(), e.upper()), i)
                })
                .collect(),
        );
        // Union-find over parts whose geometries meet.
        let mut parent: Vec<usize> = (0..all.len()).collect();
        for (i, p) in all.iter().enumerate() {
            for other in tree.locate_in_envelope_intersecting(envelope(p)) {
                let j = other.data;
                if j > i && p.intersects(all[j]) {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
        for i in 0..all.len() {
            let r = find(&mut parent, i);
            groups[r].push(i);
        }
        let mut parts = Vec::with_capacity(all.len());
        for g in groups.into_iter().filter(|g| !g.is_empty()) {
            if g.len() == 1 {
                parts.push(all[g[0]].clone());
                continue;
            }
            let mut acc = MultiPolygon::new(vec![all[g[0]].clone()]);
            for &i in &g[1..] {
                acc = acc.union(&MultiPolygon::new(vec![all[i].clone()]));
            }
            parts.extend(acc.orient(Direction::Default).0);
        }
        let tree = RTree::bulk_load(
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let e = envelope(p);
                    GeomWithData::new(Rectangle::from_corners(e.lower(), e.upper()), i)
                })
                .collect(),
        );
        let edges = parts.iter().map(EdgeIndex::new).collect();
        CoverageParts { parts, edges, tree }
    }

    /// Calls `f(shift, part, edges, frame)` for every part whose bounding box meets `rect`
    /// (boundaries inclusive) in this copy of the world or one world width to either side:
    /// the part moved `shift` world widths to the right is near `rect`, and `frame` is `rect`
    /// in the part's own copy of the world.
    pub(crate) fn for_each_near(
        &self,
        rect: Rect<f64>,
        mut f: impl FnMut(i32, &Polygon<f64>, &EdgeIndex, Rect<f64>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for shift in SHIFTS {
            let frame = shifted(rect, shift);
            self.tree
                .locate_in_envelope_intersecting_int(aabb(frame), |e| {
                    f(shift, &self.parts[e.data], &self.edges[e.data], frame)
                })?;
        }
        ControlFlow::Continue(())
    }

    /// Number of parts.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.parts.len()
    }
}

#[cfg(test)]
mod tests {
    use crate::ZoneSet;

    #[test]
    fn overlapping_zones_become_one_part() {
        let zs = ZoneSet::from_geojson_str(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}},
            {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[3,1],[3,3],[1,3],[1,1]]]}},
            {"type":"Feature","properties":{"id":"c"},"geometry":{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(zs.coverage.len(), 2);
    }
}
