//! The nearest point outside every zone (grown by its margin), in Web Mercator metres.
//!
//! The nearest point outside a union of polygons lies on the boundary of the union, which is
//! made of pieces of the polygons' edges; the nearest point of such a piece is either the
//! nearest point of its whole edge or an end of the piece, where the edge crosses an edge of
//! another zone. So the candidates are the nearest point of every edge of the zones around
//! the point, plus the crossings of edges of different zones; they are tried nearest first,
//! each pushed [`ESCAPE_M`] outwards, and the first one outside every zone wins. The work is
//! bounded (zones, edges, candidates tried); when the bounds are hit the caller suppresses the
//! point (fail closed).

use geo::{Coord, Intersects, Rect};

use crate::zone::ZoneSet;

/// How far past the boundary a moved point is put, in mercator metres: well above the
/// rounding of a lon/lat round trip (1e-8 m), well below any useful precision.
pub(crate) const ESCAPE_M: f64 = 0.05;

/// Most zones considered around one point.
const MAX_ZONES: usize = 64;
/// Most edges considered around one point.
const MAX_EDGES: usize = 200_000;
/// Most edge pairs tested for crossings (beyond, crossings are not added).
const MAX_PAIRS: usize = 4_000_000;
/// Most candidates tried.
const MAX_TRIES: usize = 20_000;

/// The indices of the zones whose grown geometry covers (x, y) (boundary included).
pub(crate) fn zones_at(zones: &ZoneSet, x: f64, y: f64) -> Vec<usize> {
    let c = Coord { x, y };
    let mut hits: Vec<usize> = zones
        .grown_parts_in(Rect::new(c, c))
        .filter(|(_, part)| part.intersects(&c))
        .map(|(z, _)| z)
        .collect();
    hits.sort_unstable();
    hits.dedup();
    hits
}

/// Whether any zone's grown geometry covers (x, y).
pub(crate) fn inside_any(zones: &ZoneSet, x: f64, y: f64) -> bool {
    let c = Coord { x, y };
    if !zones.any_grown_part_in(Rect::new(c, c)) {
        return false;
    }
    zones
        .grown_parts_in(Rect::new(c, c))
        .any(|(_, part)| part.intersects(&c))
}

struct Edge {
    zone: usize,
    a: Coord<f64>,
    b: Coord<f64>,
}

/// The nearest point outside every zone to (x, y), pushed [`ESCAPE_M`] outwards, or `None`
/// when the bounds of the search are hit.
pub(crate) fn nearest_outside(zones: &ZoneSet, x: f64, y: f64) -> Option<(f64, f64)> {
    let p = Coord { x, y };
    if !inside_any(zones, x, y) {
        return Some((x, y));
    }
    // The zones at the point, then every zone whose box meets the box of those (repeat).
    let mut cluster = zones_at(zones, x, y);
    let mut bbox = Rect::new(p, p);
    for _ in 0..MAX_ZONES {
        for &z in &cluster {
            bbox = union(bbox, zones.zones()[z].grown_bbox_m());
        }
        let grown = Rect::new(
            Coord {
                x: bbox.min().x - 2.0 * ESCAPE_M,
                y: bbox.min().y - 2.0 * ESCAPE_M,
            },
            Coord {
                x: bbox.max().x + 2.0 * ESCAPE_M,
                y: bbox.max().y + 2.0 * ESCAPE_M,
            },
        );
        let mut more: Vec<usize> = zones.grown_parts_in(grown).map(|(z, _)| z).collect();
        more.sort_unstable();
        more.dedup();
        if more.len() > MAX_ZONES {
            return None;
        }
        if more == cluster {
            break;
        }
        cluster = more;
    }

    let mut edges = Vec::new();
    for &z in &cluster {
        for poly in &zones.zones()[z].grown_m().0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for w in ring.0.windows(2) {
                    edges.push(Edge {
                        zone: z,
                        a: w[0],
                        b: w[1],
                    });
                }
            }
        }
        if edges.len() > MAX_EDGES {
            return None;
        }
    }

    // Candidates: (distance², point, edge indices whose normals to try).
    let mut cands: Vec<(f64, Coord<f64>, usize, usize)> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let q = closest_on_segment(p, e.a, e.b);
            (dist2(p, q), q, i, i)
        })
        .collect();
    if cluster.len() > 1 {
        // Crossings of edges of different zones, where the zones' boxes overlap. Past
        // MAX_PAIRS the search goes on without more crossings: every candidate is still
        // checked, so the answer stays outside, only perhaps not the nearest.
        let boxes: Vec<Rect<f64>> = cluster
            .iter()
            .map(|&z| zones.zones()[z].grown_bbox_m())
            .collect();
        let zone_box = |z: usize| boxes[cluster.binary_search(&z).expect("in cluster")];
        let mut pairs = 0usize;
        'outer: for i in 0..edges.len() {
            let bi = zone_box(edges[i].zone);
            for j in i + 1..edges.len() {
                if edges[i].zone == edges[j].zone
                    || !edge_meets(&edges[i], zone_box(edges[j].zone))
                    || !edge_meets(&edges[j], bi)
                {
                    continue;
                }
                pairs += 1;
                if pairs > MAX_PAIRS {
                    break 'outer;
                }
                if let Some(q) = crossing(&edges[i], &edges[j]) {
                    cands.push((dist2(p, q), q, i, j));
                }
            }
        }
    }
    cands.sort_by(|a, b| a.0.total_cmp(&b.0));

    for &(d2, q, i, j) in cands.iter().take(MAX_TRIES) {
        let mut dirs = vec![outward(&edges[i]), outward(&edges[j])];
        dirs.push(normalise(Coord {
            x: dirs[0].x + dirs[1].x,
            y: dirs[0].y + dirs[1].y,
        }));
        if d2 > 0.0 {
            dirs.push(normalise(Coord {
                x: q.x - p.x,
                y: q.y - p.y,
            }));
        }
        for d in dirs {
            let (cx, cy) = (q.x + ESCAPE_M * d.x, q.y + ESCAPE_M * d.y);
            if cx.is_finite() && cy.is_finite() && !inside_any(zones, cx, cy) {
                return Some((cx, cy));
            }
        }
    }
    None
}

/// Whether the bounding box of the edge meets `r`.
fn edge_meets(e: &Edge, r: Rect<f64>) -> bool {
    e.a.x.max(e.b.x) >= r.min().x
        && e.a.x.min(e.b.x) <= r.max().x
        && e.a.y.max(e.b.y) >= r.min().y
        && e.a.y.min(e.b.y) <= r.max().y
}

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
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

/// The unit normal to the right of the edge: outwards, as rings are oriented with the
/// interior on the left (exteriors counter-clockwise, holes clockwise).
fn outward(e: &Edge) -> Coord<f64> {
    normalise(Coord {
        x: e.b.y - e.a.y,
        y: -(e.b.x - e.a.x),
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

/// The crossing point of two segments, if they cross (parallel segments: none).
fn crossing(e: &Edge, f: &Edge) -> Option<Coord<f64>> {
    let (r, s) = (
        Coord {
            x: e.b.x - e.a.x,
            y: e.b.y - e.a.y,
        },
        Coord {
            x: f.b.x - f.a.x,
            y: f.b.y - f.a.y,
        },
    );
    // Quick reject on bounding boxes.
    if e.a.x.max(e.b.x) < f.a.x.min(f.b.x)
        || f.a.x.max(f.b.x) < e.a.x.min(e.b.x)
        || e.a.y.max(e.b.y) < f.a.y.min(f.b.y)
        || f.a.y.max(f.b.y) < e.a.y.min(e.b.y)
    {
        return None;
    }
    let den = r.x * s.y - r.y * s.x;
    if den == 0.0 {
        return None;
    }
    let (qx, qy) = (f.a.x - e.a.x, f.a.y - e.a.y);
    let t = (qx * s.y - qy * s.x) / den;
    let u = (qx * r.y - qy * r.x) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(Coord {
        x: e.a.x + t * r.x,
        y: e.a.y + t * r.y,
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
        let (qx, qy) = nearest_outside(&zs, x0 + 100.0, ym).unwrap();
        assert!(
            (qx - (x0 - ESCAPE_M)).abs() < 1e-6 && (qy - ym).abs() < 1e-6,
            "{qx} {qy}"
        );
        assert!(!inside_any(&zs, qx, qy));
        assert!(x1 > x0 && y0 < ym);
        // Outside already: unchanged.
        assert_eq!(nearest_outside(&zs, x0 - 10.0, ym), Some((x0 - 10.0, ym)));
    }

    #[test]
    fn overlapping_zones_are_left_together() {
        // Two overlapping squares; from the overlap the way out avoids both.
        let zs = set(vec![
            square("a", 10.0, 50.0, 0.01, 0.0),
            square("b", 10.008, 50.0, 0.01, 0.0),
        ]);
        let (x, y) = crate::lnglat_to_mercator(10.009, 50.005);
        let (qx, qy) = nearest_outside(&zs, x, y).unwrap();
        assert!(!inside_any(&zs, qx, qy));
        let d = ((qx - x).powi(2) + (qy - y).powi(2)).sqrt();
        // Nearest way out: south or north edge, about 0.005 deg of latitude (~555 m * scale).
        let (_, ys) = crate::lnglat_to_mercator(10.009, 50.0);
        assert!((d - (y - ys)).abs() < 0.1, "{d}");
    }
}
