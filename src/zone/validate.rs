//! Validation of zone rings and polygons, with precise errors, and ring orientation.
//!
//! Order of checks, per ring: coordinates (finite, longitude in -180..=180, latitude in
//! -90..=90), closure (an unclosed ring is *repaired* by appending its first position, as
//! shapely does), longitude span of each edge (at most 180°, see below), length (at least 4
//! positions, 3 of them distinct), area (not all on one line). Consecutive repeated positions
//! are dropped (they are valid but carry nothing). Then the topology of the whole zone
//! ([`topology::check`]): simple rings, holes inside their shell and not inside each other,
//! rings touching only at single points that leave the interior connected (OGC),
//! MultiPolygon parts with disjoint interiors (overlapping parts are an error, not merged:
//! they usually mean a broken export).
//!
//! Edges are straight lines between consecutive positions (in Web Mercator, where zones are
//! grown and drawn) and never wrap around the antimeridian: a ring with an edge spanning more
//! than 180° of longitude is an error (it crosses the antimeridian and would be read as its
//! complement, the long way round); such a zone must be split at ±180° into parts on either
//! side (RFC 7946 §3.1.9), or get intermediate positions if the long way round is meant.
//!
//! Latitudes between the Web Mercator limit (±85.0511°) and ±90° are valid; they are clamped
//! to the limit when projected, like every web map does.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::geojson_in::RawZone;
use super::topology::{self, Defect, Pt, Ring};
use crate::error::{Error, Result};

/// A validated ring: closed, without consecutive repeats, and the index of each of its
/// positions in the ring as given.
struct CleanRing {
    pts: Ring,
    given: Vec<usize>,
}

/// Validates a raw zone and returns its geometry in lon/lat degrees, rings oriented
/// (exterior counter-clockwise, holes clockwise), closing positions kept.
pub(crate) fn validate(zone: &RawZone) -> Result<MultiPolygon<f64>> {
    let mut polys: Vec<Vec<CleanRing>> = Vec::with_capacity(zone.polygons.len());
    for (pi, rings) in zone.polygons.iter().enumerate() {
        let mut out = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            out.push(clean_ring(zone, pi, ri, ring)?);
        }
        polys.push(out);
    }
    let plain: Vec<Vec<Ring>> = polys
        .iter()
        .map(|p| p.iter().map(|r| r.pts.clone()).collect())
        .collect();
    topology::check(&plain).map_err(|d| defect_error(zone, &polys, &d, false))?;
    Ok(to_multipolygon(plain))
}

/// Checks that the projected geometry of a zone is still valid (it may not be when two
/// edges come within rounding distance of each other, since straight edges in lon/lat are
/// not straight in mercator). Skipped for zones reaching beyond the mercator latitude limit,
/// where clamping flattens edges on purpose.
pub(crate) fn check_projected(zone: &RawZone, mercator: &MultiPolygon<f64>) -> Result<()> {
    let mut plain: Vec<Vec<Ring>> = Vec::with_capacity(mercator.0.len());
    for (pi, poly) in mercator.0.iter().enumerate() {
        let mut rings = Vec::new();
        for (ri, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            let mut pts: Ring = ring.0.clone();
            pts.dedup();
            if pts.len() < 4 || crate::geom::is_collinear(&pts) {
                return Err(Error::zone(
                    zone.loc(Some(pi), Some(ri), None),
                    "the ring collapses to a line or a point when projected to Web Mercator \
                     (it is too small or too thin)",
                ));
            }
            rings.push(pts);
        }
        plain.push(rings);
    }
    topology::check(&plain).map_err(|d| {
        let polys: Vec<Vec<CleanRing>> = plain
            .iter()
            .map(|p| {
                p.iter()
                    .map(|r| CleanRing {
                        pts: r.clone(),
                        given: Vec::new(),
                    })
                    .collect()
            })
            .collect();
        defect_error(zone, &polys, &d, true)
    })
}

fn to_multipolygon(polys: Vec<Vec<Ring>>) -> MultiPolygon<f64> {
    let mut mp = MultiPolygon(
        polys
            .into_iter()
            .map(|mut rings| {
                let shell = LineString(rings.remove(0));
                Polygon::new(shell, rings.into_iter().map(LineString).collect())
            })
            .collect(),
    );
    orient_multipolygon(&mut mp);
    mp
}

/// Orients every ring: exteriors counter-clockwise, holes clockwise (y up). Idempotent.
pub(crate) fn orient_multipolygon(mp: &mut MultiPolygon<f64>) {
    for p in &mut mp.0 {
        orient_polygon(p);
    }
}

/// Orients a polygon's rings: exterior counter-clockwise, holes clockwise (y up).
pub(crate) fn orient_polygon(p: &mut Polygon<f64>) {
    p.exterior_mut(|ext| {
        if !crate::geom::ring_is_ccw(&ext.0) {
            ext.0.reverse();
        }
    });
    p.interiors_mut(|holes| {
        for h in holes {
            if crate::geom::ring_is_ccw(&h.0) {
                h.0.reverse();
            }
        }
    });
}

fn clean_ring(zone: &RawZone, pi: usize, ri: usize, ring: &[[f64; 2]]) -> Result<CleanRing> {
    let loc = |pos: Option<usize>| zone.loc(Some(pi), Some(ri), pos);
    for (k, &[lon, lat]) in ring.iter().enumerate() {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(Error::zone(
                loc(Some(k)),
                format!(
                    "coordinate ({}, {}) is not finite; expected finite numbers",
                    num(lon),
                    num(lat)
                ),
            ));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(Error::zone(
                loc(Some(k)),
                format!(
                    "longitude {} is out of range; expected -180..=180 degrees",
                    num(lon)
                ),
            ));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(Error::zone(
                loc(Some(k)),
                format!(
                    "latitude {} is out of range; expected -90..=90 degrees (latitudes beyond \
                     ±85.0511 are clamped to the Web Mercator limit when projected)",
                    num(lat)
                ),
            ));
        }
    }
    if ring.is_empty() {
        return Err(Error::zone(
            loc(None),
            "the ring is empty; a linear ring needs at least 4 positions (3 distinct corners and \
             the closing position)",
        ));
    }
    let mut pts: Ring = ring.iter().map(|&[x, y]| Coord { x, y }).collect();
    let mut given: Vec<usize> = (0..pts.len()).collect();
    // Repair: close an unclosed ring (as shapely does).
    if pts.first() != pts.last() {
        pts.push(pts[0]);
        given.push(0);
    }
    // Edges never wrap: one spanning more than 180° of longitude would be read the long way
    // round (the complement of what was most likely meant, across the antimeridian).
    for (k, w) in pts.windows(2).enumerate() {
        let span = (w[1].x - w[0].x).abs();
        if span > 180.0 {
            let (a, b) = (given[k], given[k + 1]);
            return Err(Error::zone(
                loc(Some(a)),
                format!(
                    "the edge from position {a} to {b} (longitude {} to {}) spans {}° of \
                     longitude: the ring crosses the antimeridian, or goes the long way round; \
                     edges are straight lines between positions and never wrap around ±180°. \
                     Split the polygon at ±180° into parts on either side (a MultiPolygon, RFC \
                     7946 §3.1.9), or, if the long way round is meant, add intermediate \
                     positions so that no edge spans more than 180°",
                    num(w[0].x),
                    num(w[1].x),
                    num(span)
                ),
            ));
        }
    }
    if pts.len() < 4 {
        return Err(Error::zone(
            loc(None),
            format!(
                "the ring has {} positions ({} distinct); a linear ring needs at least 4 positions \
                 (3 distinct corners and the closing position)",
                ring.len(),
                distinct(&pts[..pts.len() - 1])
            ),
        ));
    }
    // Drop consecutive repeated positions.
    let mut k = 1;
    while k < pts.len() {
        if pts[k] == pts[k - 1] {
            pts.remove(k);
            given.remove(k);
        } else {
            k += 1;
        }
    }
    if pts.len() < 4 {
        return Err(Error::zone(
            loc(None),
            format!(
                "the ring is degenerate: its {} positions have only {} distinct points; a ring \
                 needs 3 distinct corners",
                ring.len(),
                distinct(&pts[..pts.len() - 1])
            ),
        ));
    }
    if crate::geom::is_collinear(&pts) {
        return Err(Error::zone(
            loc(None),
            "the ring has zero area: all its positions lie on one line",
        ));
    }
    Ok(CleanRing { pts, given })
}

/// A number for a message: plain, or in exponent form when huge.
fn num(v: f64) -> String {
    if v.abs() < 1e6 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn distinct(pts: &[Pt]) -> usize {
    let mut v: Vec<(u64, u64)> = pts.iter().map(|p| (p.x.to_bits(), p.y.to_bits())).collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

fn fmt_pt(p: Pt, projected: bool) -> String {
    let (lon, lat) = if projected {
        crate::mercator_to_lnglat(p.x, p.y)
    } else {
        (p.x, p.y)
    };
    format!("({lon:.7}, {lat:.7})")
}

fn ring_name(ri: usize) -> String {
    if ri == 0 {
        "the exterior ring".to_string()
    } else {
        format!("hole {ri}")
    }
}

fn defect_error(zone: &RawZone, polys: &[Vec<CleanRing>], d: &Defect, projected: bool) -> Error {
    // Position in the ring as given of the start of edge `seg`.
    let given = |pi: usize, ri: usize, seg: usize| -> Option<usize> {
        polys[pi][ri].given.get(seg).copied()
    };
    let edge = |pi: usize, ri: usize, seg: usize| -> String {
        match (given(pi, ri, seg), given(pi, ri, seg + 1)) {
            (Some(a), Some(b)) => format!("the edge from position {a} to {b}"),
            _ => format!("edge {seg}"),
        }
    };
    let suffix = if projected {
        " after projection to Web Mercator (edges that nearly touch in lon/lat may meet once \
         projected; move them apart)"
    } else {
        ""
    };
    let (loc, reason) = match *d {
        Defect::SelfIntersection {
            poly,
            ring,
            seg_a,
            seg_b,
            at,
            overlap,
        } => (
            zone.loc(Some(poly), Some(ring), given(poly, ring, seg_a)),
            format!(
                "self-intersection: {} {} {} at {}{suffix}; a ring must not cross or touch itself",
                edge(poly, ring, seg_a),
                if overlap { "runs along" } else { "meets" },
                edge(poly, ring, seg_b),
                fmt_pt(at, projected)
            ),
        ),
        Defect::RingsCross {
            poly,
            ring_a,
            ring_b,
            seg_b,
            at,
            overlap,
            ..
        } => (
            zone.loc(Some(poly), Some(ring_b), given(poly, ring_b, seg_b)),
            format!(
                "{} {} {} at {}{suffix}; rings of a polygon may only touch at single points",
                ring_name(ring_b),
                if overlap { "runs along" } else { "crosses" },
                ring_name(ring_a),
                fmt_pt(at, projected)
            ),
        ),
        Defect::DisconnectedInterior {
            poly,
            ring_a,
            ring_b,
            at,
        } => (
            zone.loc(Some(poly), Some(ring_b), None),
            format!(
                "{} touches {} at {} and the rings touch elsewhere too, which cuts the polygon's \
                 interior into pieces{suffix}; split it into separate polygons",
                ring_name(ring_b),
                ring_name(ring_a),
                fmt_pt(at, projected)
            ),
        ),
        Defect::HoleOutside {
            poly,
            hole,
            seg,
            at,
        } => (
            zone.loc(Some(poly), Some(hole), given(poly, hole, seg)),
            format!(
                "hole {hole} lies outside its exterior ring (at {}){suffix}; holes must be inside \
                 the exterior ring",
                fmt_pt(at, projected)
            ),
        ),
        Defect::HolesNested {
            poly,
            inner,
            outer,
            at,
        } => (
            zone.loc(Some(poly), Some(inner), None),
            format!(
                "hole {inner} overlaps hole {outer} (at {}){suffix}; holes must not overlap",
                fmt_pt(at, projected)
            ),
        ),
        Defect::PolygonsCross {
            poly_a,
            ring_a,
            poly_b,
            ring_b,
            seg_b,
            at,
            ..
        } => (
            zone.loc(Some(poly_b), Some(ring_b), given(poly_b, ring_b, seg_b)),
            format!(
                "polygon {poly_b} ({}) crosses or runs along polygon {poly_a} ({}) at {}{suffix}; \
                 the polygons of a MultiPolygon must not overlap (merge them into one polygon)",
                ring_name(ring_b),
                ring_name(ring_a),
                fmt_pt(at, projected)
            ),
        ),
        Defect::PolygonsOverlap { inner, outer, at } => (
            zone.loc(Some(inner), None, None),
            format!(
                "polygon {inner} overlaps polygon {outer} (at {}){suffix}; the polygons of a \
                 MultiPolygon must not overlap (merge them into one polygon)",
                fmt_pt(at, projected)
            ),
        ),
    };
    Error::zone(loc, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(rings: Vec<Vec<[f64; 2]>>) -> RawZone {
        RawZone {
            feature: Some(0),
            id: "t".into(),
            name: None,
            category: None,
            margin_m: 0.0,
            properties: Default::default(),
            polygons: vec![rings],
            multi: false,
        }
    }

    #[test]
    fn unclosed_ring_is_closed() {
        let z = raw(vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]]);
        let mp = validate(&z).unwrap();
        assert_eq!(mp.0[0].exterior().0.len(), 4);
        assert!(mp.0[0].exterior().is_closed());
    }

    #[test]
    fn orientation_is_normalised() {
        // Clockwise shell, counter-clockwise hole.
        let z = raw(vec![
            vec![[0.0, 0.0], [0.0, 4.0], [4.0, 4.0], [4.0, 0.0], [0.0, 0.0]],
            vec![[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 1.0]],
        ]);
        let mp = validate(&z).unwrap();
        assert!(crate::geom::ring_is_ccw(&mp.0[0].exterior().0));
        assert!(!crate::geom::ring_is_ccw(&mp.0[0].interiors()[0].0));
    }

    #[test]
    fn error_names_the_edge() {
        let z = raw(vec![vec![
            [0.0, 0.0],
            [2.0, 2.0],
            [2.0, 0.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ]]);
        let e = validate(&z).unwrap_err().to_string();
        assert!(e.contains("self-intersection"), "{e}");
        assert!(e.contains("position 0 to 1"), "{e}");
        assert!(e.contains("position 2 to 3"), "{e}");
    }

    fn star() -> impl Strategy<Value = Vec<Coord<f64>>> {
        (3usize..40, any::<bool>()).prop_flat_map(|(n, ccw)| {
            prop::collection::vec(0.2f64..1.0, n).prop_map(move |radii| {
                let mut pts: Vec<Coord<f64>> = radii
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let a = i as f64 / radii.len() as f64 * std::f64::consts::TAU;
                        Coord {
                            x: r * a.cos(),
                            y: r * a.sin(),
                        }
                    })
                    .collect();
                if !ccw {
                    pts.reverse();
                }
                pts.push(pts[0]);
                pts
            })
        })
    }

    proptest! {
        #[test]
        fn orientation_is_idempotent(shell in star(), hole_ccw in any::<bool>()) {
            let mut hole: Vec<Coord<f64>> = [(-0.05, -0.05), (0.05, -0.05), (0.05, 0.05), (-0.05, 0.05), (-0.05, -0.05)]
                .iter().map(|&(x, y)| Coord { x, y }).collect();
            if hole_ccw { hole.reverse(); }
            let mut mp = MultiPolygon(vec![Polygon::new(LineString(shell), vec![LineString(hole)])]);
            orient_multipolygon(&mut mp);
            prop_assert!(crate::geom::signed_area(&mp.0[0].exterior().0) > 0.0);
            prop_assert!(crate::geom::signed_area(&mp.0[0].interiors()[0].0) < 0.0);
            let once = mp.clone();
            orient_multipolygon(&mut mp);
            prop_assert_eq!(once, mp);
        }
    }
}
