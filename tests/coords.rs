//! Coordinate transforms: published vectors, round trips (random, near the region edges),
//! the fast batch path against the scalar reference, and errors.
//!
//! Randomised tests use fixed seeds (proptest `RngSeed::Fixed`).

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::{Datum, DatumTransform, Region};

const VECTORS: &str = include_str!("fixtures/oracles/gcj02-vectors.csv");
const REGION: &str = include_str!("fixtures/oracles/china-region-prcoords.geojson");

struct Vector {
    name: String,
    wgs: (f64, f64),
    gcj: (f64, f64),
    bd: (f64, f64),
}

fn vectors() -> Vec<Vector> {
    let mut lines = VECTORS.lines();
    assert_eq!(
        lines.next().unwrap(),
        "name,wgs_lat,wgs_lon,gcj_lat,gcj_lon,bd_lat,bd_lon,naive_inv_err_m"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            Vector {
                name: f[0].to_string(),
                wgs: (n(2), n(1)),
                gcj: (n(4), n(3)),
                bd: (n(6), n(5)),
            }
        })
        .collect()
}

fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
    (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
}

fn of(d: Datum, v: &Vector) -> (f64, f64) {
    match d {
        Datum::Wgs84 => v.wgs,
        Datum::Gcj02 => v.gcj,
        Datum::Bd09 => v.bd,
    }
}

/// The formula vectors, every direction, single points and both batch layouts, to 1e-9
/// degrees. They are computed without a region, so this uses `Region::Everywhere`.
#[test]
fn published_vectors_every_direction_to_1e9() {
    let vs = vectors();
    assert_eq!(vs.len(), 14);
    for from in Datum::ALL {
        for to in Datum::ALL {
            let t = DatumTransform::new(from, to).with_region(Region::Everywhere);
            let mut pairs: Vec<[f64; 2]> =
                vs.iter().map(|v| [of(from, v).0, of(from, v).1]).collect();
            let mut lon: Vec<f64> = pairs.iter().map(|p| p[0]).collect();
            let mut lat: Vec<f64> = pairs.iter().map(|p| p[1]).collect();
            t.apply(&mut pairs).unwrap();
            t.apply_split(&mut lon, &mut lat).unwrap();
            for (i, v) in vs.iter().enumerate() {
                let (x, y) = of(from, v);
                let want = of(to, v);
                let one = t.point(x, y).unwrap();
                for (how, got) in [
                    ("point", one),
                    ("pairs", (pairs[i][0], pairs[i][1])),
                    ("split", (lon[i], lat[i])),
                ] {
                    assert!(
                        close(got, want, 1e-9),
                        "{} {from}->{to} {how}: {got:?}, expected {want:?}",
                        v.name
                    );
                }
            }
        }
    }
}

/// Inside the polygon region the default transforms give the same vectors (Mohe, at 53.48 N,
/// lies north of the polygon and passes unchanged).
#[test]
fn published_vectors_in_the_polygon_region() {
    for v in vectors() {
        let inside = Region::Polygon.contains_gcj02(v.wgs.0, v.wgs.1);
        assert_eq!(inside, v.name != "mohe", "{}", v.name);
        let g = tileredact::wgs84_to_gcj02(v.wgs.0, v.wgs.1);
        let b = tileredact::wgs84_to_bd09(v.wgs.0, v.wgs.1);
        if inside {
            assert!(close(g, v.gcj, 1e-9) && close(b, v.bd, 1e-9), "{}", v.name);
            assert!(close(
                tileredact::gcj02_to_wgs84(v.gcj.0, v.gcj.1),
                v.wgs,
                1e-9
            ));
            assert!(close(
                tileredact::bd09_to_wgs84(v.bd.0, v.bd.1),
                v.wgs,
                1e-9
            ));
            assert!(close(
                tileredact::gcj02_to_bd09(v.gcj.0, v.gcj.1),
                v.bd,
                1e-9
            ));
            assert!(close(
                tileredact::bd09_to_gcj02(v.bd.0, v.bd.1),
                v.gcj,
                1e-9
            ));
        } else {
            assert_eq!((g, b), (v.wgs, v.wgs), "{}", v.name);
        }
    }
}

/// Round trips WGS-84 -> X -> WGS-84 and through the other datum, single and batch, for a
/// point where the region applies GCJ-02 (and so BD-09); where only BD-09 applies (Hong Kong,
/// Macau), WGS-84 -> BD-09 -> WGS-84.
///
/// Points outside the region within about 1 km of its edge are not round-trip points: their
/// GCJ-02 position (themselves) is also the image of an inside point, which the inverse
/// prefers (see the `DatumTransform` docs).
fn assert_round_trips(w: (f64, f64), region: Region) {
    let t = |a, b| DatumTransform::new(a, b).with_region(region);
    use Datum::*;
    let all: [&[Datum]; 4] = [
        &[Wgs84, Gcj02, Wgs84],
        &[Wgs84, Bd09, Wgs84],
        &[Wgs84, Gcj02, Bd09, Wgs84],
        &[Wgs84, Bd09, Gcj02, Wgs84],
    ];
    let chains: &[&[Datum]] = if region.contains_gcj02(w.0, w.1) {
        &all
    } else if region.contains_bd09(w.0, w.1) {
        &all[1..2]
    } else {
        &[]
    };
    for &chain in chains {
        let mut p = w;
        let mut batch = [[w.0, w.1]];
        for pair in chain.windows(2) {
            p = t(pair[0], pair[1]).point(p.0, p.1).unwrap();
            t(pair[0], pair[1]).apply(&mut batch).unwrap();
        }
        assert!(close(p, w, 1e-8), "{chain:?} {region}: {w:?} -> {p:?}");
        assert!(
            close((batch[0][0], batch[0][1]), w, 1e-8),
            "{chain:?} {region} batch: {w:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        rng_seed: RngSeed::Fixed(0x6763_6a30_3220),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Random points of the polygon region (and the box, and everywhere in it).
    #[test]
    fn round_trips_within_1e8(lon in 73.0f64..135.5, lat in 17.8f64..54.0) {
        assert_round_trips((lon, lat), Region::Polygon);
        assert_round_trips((lon, lat), Region::Everywhere);
    }

    /// Just inside the bounding box edges.
    #[test]
    fn round_trips_just_inside_the_box(t in 0.0f64..1.0, side in 0usize..4, d in 1e-7f64..1e-2) {
        let (lon, lat) = match side {
            0 => (72.004 + d, 0.8293 + t * 55.0),
            1 => (137.8347 - d, 0.8293 + t * 55.0),
            2 => (72.004 + t * 65.8, 0.8293 + d),
            _ => (72.004 + t * 65.8, 55.8271 - d),
        };
        assert_round_trips((lon, lat), Region::BoundingBox);
    }

    /// The fast batch path equals the scalar reference within 1e-12 degrees, for every pair of
    /// datums and every region, on points over and around the region.
    #[test]
    fn batch_equals_scalar_reference(
        pts in proptest::collection::vec((60.0f64..150.0, -5.0f64..60.0), 1..70),
        from in 0usize..3, to in 0usize..3, region in 0usize..3,
    ) {
        let t = DatumTransform::new(Datum::ALL[from], Datum::ALL[to]).with_region(Region::ALL[region]);
        let mut batch: Vec<[f64; 2]> = pts.iter().map(|p| [p.0, p.1]).collect();
        t.apply(&mut batch).unwrap();
        for (p, b) in pts.iter().zip(&batch) {
            let want = t.point(p.0, p.1).unwrap();
            prop_assert!(close((b[0], b[1]), want, 1e-12), "{t:?} {p:?}: {b:?} vs {want:?}");
        }
    }
}

/// Points just inside every edge of both polygons (1e-6 to 1e-2 degrees in), and just outside
/// them: inside points round-trip within 1e-8; every inverse terminates with a finite result.
#[test]
fn round_trips_near_the_polygon_edges() {
    let v: serde_json::Value = serde_json::from_str(REGION).unwrap();
    let mut inside_tested = 0;
    for feature in v["features"].as_array().unwrap() {
        let ring: Vec<(f64, f64)> = feature["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let n = ((b.1 - a.1) / len, -(b.0 - a.0) / len); // a unit normal
            for k in 1..20 {
                let t = k as f64 / 20.0;
                for d in [1e-6, 1e-4, 1e-2, -1e-6, -1e-4, -1e-2] {
                    let p = (
                        a.0 + t * (b.0 - a.0) + d * n.0,
                        a.1 + t * (b.1 - a.1) + d * n.1,
                    );
                    if Region::Polygon.contains_bd09(p.0, p.1) {
                        assert_round_trips(p, Region::Polygon);
                        inside_tested += 1;
                    }
                    for from in Datum::ALL {
                        for to in Datum::ALL {
                            let q = DatumTransform::new(from, to).point(p.0, p.1).unwrap();
                            assert!(q.0.is_finite() && q.1.is_finite());
                        }
                    }
                }
            }
        }
    }
    assert!(inside_tested > 1000, "{inside_tested}");
}

#[test]
fn points_outside_the_region_pass_unchanged() {
    for (lon, lat) in [
        (2.35, 48.85),
        (-74.0, 40.7),
        (139.69, 35.69),
        (121.56, 25.03),
    ] {
        for from in Datum::ALL {
            for to in Datum::ALL {
                for region in [Region::Polygon, Region::BoundingBox] {
                    if region == Region::BoundingBox && (lon, lat) == (121.56, 25.03) {
                        continue; // Taipei is in the box.
                    }
                    let t = DatumTransform::new(from, to).with_region(region);
                    assert_eq!(t.point(lon, lat).unwrap(), (lon, lat));
                    let mut b = [[lon, lat]];
                    t.apply(&mut b).unwrap();
                    assert_eq!(b[0], [lon, lat]);
                }
            }
        }
    }
}

#[test]
fn invalid_input_is_a_precise_error() {
    let t = DatumTransform::new(Datum::Gcj02, Datum::Wgs84);
    let e = t.point(116.0, f64::INFINITY).unwrap_err().to_string();
    assert!(e.contains("finite"), "{e}");
    let mut pts = vec![[116.0, 40.0]; 10];
    pts[7] = [181.0, 40.0];
    let e = t.apply(&mut pts).unwrap_err().to_string();
    assert!(e.contains("point 7") && e.contains("-180..=180"), "{e}");
    assert_eq!(pts[0], [116.0, 40.0], "nothing changed on error");
    let e = "utm".parse::<Datum>().unwrap_err().to_string();
    assert!(e.contains("expected wgs84, gcj02 or bd09"), "{e}");
}

#[test]
fn large_batches_and_empty_batches() {
    let t = DatumTransform::new(Datum::Wgs84, Datum::Gcj02);
    t.apply(&mut []).unwrap();
    t.apply_split(&mut [], &mut []).unwrap();
    let mut pts: Vec<[f64; 2]> = (0..10_007)
        .map(|i| [73.0 + (i % 613) as f64 * 0.1, 18.0 + (i % 359) as f64 * 0.1])
        .collect();
    let orig = pts.clone();
    t.apply(&mut pts).unwrap();
    for (p, o) in pts.iter().zip(&orig) {
        let want = t.point(o[0], o[1]).unwrap();
        assert!(close((p[0], p[1]), want, 1e-12));
    }
}
