//! Point redaction: no output inside a zone unless kept, determinism, keyed grids, each
//! policy's behaviour, overlaps, and errors.
//!
//! Randomised tests use fixed seeds (proptest `RngSeed::Fixed`).

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use serde_json::{Value, json};
use tileredact::{PointAction, PointPolicy, PointRedactor, PointRules, RedactionKey, ZoneSet};

const ZONES: &str = include_str!("../examples/data/zones.geojson");

fn key(b: u8) -> RedactionKey {
    RedactionKey::from_bytes([b; 32])
}

/// The sample zones, with `points` properties set on some of them.
fn zones_with(points: &[(&str, Value)]) -> Arc<ZoneSet> {
    let mut v: Value = serde_json::from_str(ZONES).unwrap();
    for f in v["features"].as_array_mut().unwrap() {
        let id = f["properties"]["id"].as_str().unwrap().to_string();
        if let Some((_, p)) = points.iter().find(|(i, _)| *i == id) {
            f["properties"]["points"] = p.clone();
        }
    }
    Arc::new(ZoneSet::from_geojson_value(&v).unwrap())
}

/// Every policy in use: military suppress, infrastructure snap, government displace, one zone
/// moves points outside, one keeps them.
fn mixed() -> (Arc<ZoneSet>, PointRules) {
    let zones = zones_with(&[("rz-05", json!("move_outside")), ("rz-06", json!("keep"))]);
    let rules = PointRules::from_json_str(
        r#"{"default": "suppress", "categories": {
            "infrastructure": {"snap": {"cell_m": 500}},
            "government": {"displace": {"radius_m": 200}}}}"#,
    )
    .unwrap();
    (zones, rules)
}

fn inside(zones: &ZoneSet, lon: f64, lat: f64) -> Option<usize> {
    zones.contains_grown_lnglat(lon, lat).unwrap()
}

/// Points over the zones' area, biased into the zones: a zone is picked and a point drawn in
/// its bounding box (grown by 10 %).
fn point_in_some_zone() -> impl Strategy<Value = (f64, f64)> {
    let boxes: Vec<[f64; 4]> = {
        let v: Value = serde_json::from_str(ZONES).unwrap();
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
                let mut walk = |p: &Value| {
                    let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
                    b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                };
                let c = &f["geometry"]["coordinates"];
                for a in c.as_array().unwrap() {
                    for r in a.as_array().unwrap() {
                        if r[0].is_number() {
                            walk(r);
                        } else {
                            r.as_array().unwrap().iter().for_each(&mut walk);
                        }
                    }
                }
                let (dx, dy) = ((b[2] - b[0]) * 0.1, (b[3] - b[1]) * 0.1);
                [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy]
            })
            .collect()
    };
    (0..boxes.len(), 0.0f64..1.0, 0.0f64..1.0).prop_map(move |(i, u, v)| {
        let b = boxes[i];
        (b[0] + u * (b[2] - b[0]), b[1] + v * (b[3] - b[1]))
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x706f_696e_7473),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// No output lies inside a zone (grown by its margin) unless its action is Kept, and a
    /// Kept point is outside every zone or inside only zones that keep points. Same input, same
    /// output.
    #[test]
    fn no_output_inside_a_zone_unless_kept(
        pts in proptest::collection::vec(point_in_some_zone(), 1..60),
        k in any::<u8>(),
    ) {
        let (zones, rules) = mixed();
        let r = PointRedactor::new(zones.clone(), &rules, Some(key(k))).unwrap();
        let input: Vec<[f64; 2]> = pts.iter().map(|p| [p.0, p.1]).collect();
        let mut out = vec![[0.0; 2]; input.len()];
        let mut act = vec![PointAction::Kept; input.len()];
        let summary = r.redact(&input, &mut out, &mut act).unwrap();
        prop_assert_eq!(summary.total(), input.len());
        for i in 0..input.len() {
            let (o, a) = (out[i], act[i]);
            match a {
                PointAction::Kept => {
                    prop_assert_eq!(o, input[i]);
                    if let Some(z) = inside(&zones, o[0], o[1]) {
                        prop_assert_eq!(r.policy(z), Some(PointPolicy::Keep));
                    }
                }
                PointAction::Suppressed => prop_assert!(o[0].is_nan() && o[1].is_nan()),
                _ => prop_assert_eq!(inside(&zones, o[0], o[1]), None, "{:?} {:?} -> {:?}", a, input[i], o),
            }
            // Deterministic, and the same through the one-point API.
            let again = r.redact_point(input[i][0], input[i][1]).unwrap();
            prop_assert_eq!(again.action, a);
            prop_assert!(again.lon.to_bits() == o[0].to_bits() && again.lat.to_bits() == o[1].to_bits());
        }
    }
}

#[test]
fn each_policy_does_what_it_says() {
    let (zones, rules) = mixed();
    let r = PointRedactor::new(zones.clone(), &rules, Some(key(1))).unwrap();
    let id = |s: &str| zones.index_of(s).unwrap();
    assert_eq!(r.policy(id("rz-01")), Some(PointPolicy::Suppress));
    assert_eq!(
        r.policy(id("rz-03")),
        Some(PointPolicy::Snap { cell_m: 500.0 })
    );
    assert_eq!(
        r.policy(id("rz-02")),
        Some(PointPolicy::Displace {
            radius_m: 200.0,
            cell_m: 100.0
        })
    );
    assert_eq!(r.policy(id("rz-05")), Some(PointPolicy::MoveOutside));
    assert_eq!(r.policy(id("rz-06")), Some(PointPolicy::Keep));

    // rz-01, a 600 m military compound: suppressed.
    let p = r.redact_point(-77.9536, 24.6364).unwrap();
    assert_eq!(p.action, PointAction::Suppressed);
    assert!(p.lon.is_nan());

    // rz-06, a 100 m mast that keeps points.
    let p = r.redact_point(-77.64313, 23.91346).unwrap();
    assert_eq!(
        (p.action, p.lon, p.lat),
        (PointAction::Kept, -77.64313, 23.91346)
    );

    // rz-05, an octagon of 2.5 km: moved to just outside its nearest edge.
    let (lon, lat) = (-78.0468, 24.5271);
    assert_eq!(inside(&zones, lon, lat), Some(id("rz-05")));
    let p = r.redact_point(lon, lat).unwrap();
    assert_eq!(p.action, PointAction::Moved);
    assert_eq!(inside(&zones, p.lon, p.lat), None);
    let d = ground_m((lon, lat), (p.lon, p.lat));
    assert!(d > 0.0 && d < 1300.0, "{d}");

    // Far from every zone: kept.
    let p = r.redact_point(-77.0, 25.5).unwrap();
    assert_eq!(p.action, PointAction::Kept);
}

fn ground_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_000.0f64;
    let (la, lb) = (a.1.to_radians(), b.1.to_radians());
    let dlat = lb - la;
    let dlon = (b.0 - a.0).to_radians() * (0.5 * (la + lb)).cos();
    r * (dlat * dlat + dlon * dlon).sqrt()
}

/// The bounding box `[west, south, east, north]` of a zone of the sample.
fn sample_bbox(id: &str) -> [f64; 4] {
    let v: Value = serde_json::from_str(ZONES).unwrap();
    let f = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == id)
        .unwrap();
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in f["geometry"]["coordinates"][0].as_array().unwrap() {
        let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    b
}

/// An upper bound of the distance (ground metres) from (lon, lat) to the nearest point outside
/// every zone, independent of the redactor: walk out in 64 directions in steps of about 50 m,
/// then bisect to the boundary (every end point is outside, so each is an upper bound).
fn walk_out_m(zones: &ZoneSet, lon: f64, lat: f64) -> f64 {
    let mut best = f64::INFINITY;
    for k in 0..64 {
        let a = k as f64 * std::f64::consts::TAU / 64.0;
        let at = |s: f64| (lon + s * a.cos(), lat + s * a.sin());
        let step = 5e-4;
        let mut s = step;
        while inside(zones, at(s).0, at(s).1).is_some() {
            s += step;
        }
        let (mut lo, mut hi) = (s - step, s);
        for _ in 0..30 {
            let m = 0.5 * (lo + hi);
            if inside(zones, at(m).0, at(m).1).is_some() {
                lo = m;
            } else {
                hi = m;
            }
        }
        best = best.min(ground_m((lon, lat), at(hi)));
    }
    best
}

/// Moving outside lands at (nearly) the nearest outside point: no farther than the walking
/// oracle finds, over a grid of points in rz-02 (a 5 km zone) and in the overlap of two
/// zones; every case counted.
#[test]
fn move_outside_is_the_nearest_way_out() {
    let sample = zones_with(&[("rz-02", json!("move_outside"))]);
    let sq = |id: &str, x: f64| {
        json!({"type": "Feature", "properties": {"id": id, "points": "move_outside", "margin_m": 20},
            "geometry": {"type": "Polygon", "coordinates":
                [[[x, 50.0], [x + 0.01, 50.0], [x + 0.01, 50.01], [x, 50.01], [x, 50.0]]]}})
    };
    let pair = Arc::new(
        ZoneSet::from_geojson_value(&json!({"type": "FeatureCollection",
            "features": [sq("a", 10.0), sq("b", 10.006)]}))
        .unwrap(),
    );
    for (zones, b, min_cases) in [
        (sample, sample_bbox("rz-02"), 40),
        (pair, [10.0, 50.0, 10.016, 50.01], 100),
    ] {
        let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
        let mut checked = 0;
        for i in 0..12 {
            for j in 0..12 {
                let lon = b[0] + (b[2] - b[0]) * (i as f64 + 0.5) / 12.0;
                let lat = b[1] + (b[3] - b[1]) * (j as f64 + 0.5) / 12.0;
                if inside(&zones, lon, lat).is_none() {
                    continue;
                }
                let p = r.redact_point(lon, lat).unwrap();
                assert_eq!(p.action, PointAction::Moved, "({lon}, {lat})");
                assert_eq!(inside(&zones, p.lon, p.lat), None);
                let d = ground_m((lon, lat), (p.lon, p.lat));
                let walk = walk_out_m(&zones, lon, lat);
                assert!(
                    d <= walk + 1.0,
                    "({lon}, {lat}): moved {d} m, but the walk got out in {walk} m"
                );
                checked += 1;
            }
        }
        assert!(checked >= min_cases, "only {checked} points checked");
    }
}

/// Moved points near the antimeridian are wrapped into -180..=180 (the tool accepts its own
/// output) and are still outside every zone, also when the other side is a zone too.
#[test]
fn moved_points_stay_in_range_at_the_antimeridian() {
    let sq = |id: &str, x: f64| {
        json!({"type": "Feature", "properties": {"id": id, "points": "move_outside"},
            "geometry": {"type": "Polygon", "coordinates":
                [[[x, 0.0], [x + 0.01, 0.0], [x + 0.01, 0.01], [x, 0.01], [x, 0.0]]]}})
    };
    let east = Arc::new(ZoneSet::from_geojson_value(&sq("east", 179.99)).unwrap());
    let both = Arc::new(
        ZoneSet::from_geojson_value(&json!({"type": "FeatureCollection",
            "features": [sq("east", 179.99), sq("west", -180.0)]}))
        .unwrap(),
    );
    // Alone, the eastern zone is left eastwards (wrapped) by all 40 points; with the western
    // zone across the line, by none.
    for (zones, want_wrapped) in [(east, 40), (both, 0)] {
        let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
        let (mut checked, mut wrapped) = (0, 0);
        for i in 0..40 {
            // Points in the eastern zone, nearest to its 180 edge.
            let lon = 180.0 - 0.0001 * (i as f64 + 1.0) / 40.0;
            let lat = 0.002 + 0.006 * i as f64 / 39.0;
            assert!(inside(&zones, lon, lat).is_some());
            let p = r.redact_point(lon, lat).unwrap();
            assert_eq!(p.action, PointAction::Moved);
            assert!(
                (-180.0..=180.0).contains(&p.lon) && (-90.0..=90.0).contains(&p.lat),
                "{p:?}"
            );
            assert_eq!(inside(&zones, p.lon, p.lat), None, "{p:?}");
            // The output is a valid input.
            assert_eq!(
                r.redact_point(p.lon, p.lat).unwrap().action,
                PointAction::Kept
            );
            if p.lon < 0.0 {
                wrapped += 1;
                assert!(p.lon < -179.999, "{p:?}");
            }
            checked += 1;
        }
        assert_eq!(checked, 40);
        assert_eq!(wrapped, want_wrapped);
    }
}

/// A redactor owns its zones and can be shared between threads.
#[test]
fn redactor_owns_its_zones_and_is_send_and_sync() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<PointRedactor>();
    send_sync::<tileredact::RedactedPoint>();
    send_sync::<tileredact::PointSummary>();

    let (zones, rules) = mixed();
    let r = Arc::new(PointRedactor::new(zones.clone(), &rules, Some(key(3))).unwrap());
    assert!(Arc::ptr_eq(r.zones(), &zones));
    drop(zones);
    // rz-05 moves points outside: the lazily built index is shared by every thread.
    let want = r.redact_point(-78.0468, 24.5271).unwrap();
    assert_eq!(want.action, PointAction::Moved);
    let got: Vec<_> = (0..4)
        .map(|_| {
            let r = Arc::clone(&r);
            std::thread::spawn(move || r.redact_point(-78.0468, 24.5271).unwrap())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert!(got.iter().all(|p| *p == want));
    // A ZoneSet by value works too.
    let owned = ZoneSet::from_geojson_str(ZONES).unwrap();
    let r2 = PointRedactor::new(owned, &PointRules::default(), None).unwrap();
    assert_eq!(r2.zones().len(), 7);
}

#[test]
fn displacement_is_keyed_deterministic_and_of_the_right_size() {
    // rz-01: a 600 m compound with a 50 m margin; noise of scale 300 m (mean 600 m).
    let zones = zones_with(&[("rz-01", json!({"displace": {"radius_m": 300}}))]);
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), Some(key(9))).unwrap();
    let r2 = PointRedactor::new(zones.clone(), &PointRules::default(), Some(key(10))).unwrap();
    let mut dists = Vec::new();
    let mut same_as_other_key = 0;
    for i in 0..400 {
        let lon = -77.9566 + 0.006 * (i % 20) as f64 / 19.0;
        let lat = 24.6336 + 0.0055 * (i / 20) as f64 / 19.0;
        if inside(&zones, lon, lat).is_none() {
            continue;
        }
        let p = r.redact_point(lon, lat).unwrap();
        assert_eq!(p, r.redact_point(lon, lat).unwrap());
        assert_eq!(p.action, PointAction::Displaced);
        assert_eq!(inside(&zones, p.lon, p.lat), None);
        dists.push(ground_m((lon, lat), (p.lon, p.lat)));
        let q = r2.redact_point(lon, lat).unwrap();
        same_as_other_key += usize::from(q == p);
    }
    assert!(dists.len() > 300, "{}", dists.len());
    assert_eq!(same_as_other_key, 0);
    dists.sort_by(f64::total_cmp);
    let median = dists[dists.len() / 2];
    // Laplace of scale 300 m has median 503 m; from the cell centres, conditioned outside.
    assert!((350.0..900.0).contains(&median), "{median}");
}

/// A 18 km x 110 m strip (a pipeline, say).
fn strip(points: Value) -> Arc<ZoneSet> {
    Arc::new(
        ZoneSet::from_geojson_value(&json!({"type": "Feature",
        "properties": {"id": "strip", "points": points},
        "geometry": {"type": "Polygon", "coordinates":
            [[[10.0, 50.0], [10.25, 50.0], [10.25, 50.001], [10.0, 50.001], [10.0, 50.0]]]}}))
        .unwrap(),
    )
}

#[test]
fn snapped_points_share_cell_centres_and_keys_change_the_grid() {
    let zones = strip(json!({"snap": {"cell_m": 500}}));
    let rules = PointRules::default();
    let a = PointRedactor::new(zones.clone(), &rules, Some(key(1))).unwrap();
    let b = PointRedactor::new(zones.clone(), &rules, Some(key(2))).unwrap();
    let mut centres = [
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    ];
    let mut snapped = 0;
    for i in 0..1000 {
        let lon = 10.0 + 0.25 * (i as f64 + 0.5) / 1000.0;
        let lat = 50.0 + 0.001 * ((i * 7) % 10) as f64 / 10.0;
        assert!(inside(&zones, lon, lat).is_some());
        for (k, r) in [&a, &b].into_iter().enumerate() {
            let p = r.redact_point(lon, lat).unwrap();
            assert!(matches!(
                p.action,
                PointAction::Snapped | PointAction::Suppressed
            ));
            if p.action == PointAction::Snapped {
                snapped += 1;
                // The centre of a 500 m cell holding the point.
                let d = ground_m((lon, lat), (p.lon, p.lat));
                assert!(d <= 500.0 * std::f64::consts::FRAC_1_SQRT_2 + 1.0, "{d}");
                assert_eq!(inside(&zones, p.lon, p.lat), None);
                centres[k].insert((p.lon.to_bits(), p.lat.to_bits()));
            }
        }
    }
    // 18 km of strip in 500 m cells: a few dozen centres per key, none shared by the keys.
    assert!(snapped > 1200, "{snapped}");
    for c in &centres {
        assert!((30..=120).contains(&c.len()), "{}", c.len());
    }
    assert_eq!(centres[0].intersection(&centres[1]).count(), 0);
}

/// Snapping suppresses the points of cells whose centre lies inside a zone (fail closed):
/// choose cells larger than the zones.
#[test]
fn snapping_inside_a_large_zone_suppresses() {
    let zones = zones_with(&[("rz-02", json!({"snap": {"cell_m": 500}}))]);
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), Some(key(1))).unwrap();
    assert!(inside(&zones, -78.05, 24.79).is_some());
    let p = r.redact_point(-78.05, 24.79).unwrap();
    assert_eq!(p.action, PointAction::Suppressed);
}

/// Two overlapping zones (one keeps, one suppresses): the stricter policy wins.
#[test]
fn overlapping_zones_take_the_strictest_policy() {
    let sq = |id: &str, x: f64, pts: Value| {
        json!({"type": "Feature", "properties": {"id": id, "points": pts},
            "geometry": {"type": "Polygon", "coordinates":
                [[[x, 50.0], [x + 0.01, 50.0], [x + 0.01, 50.01], [x, 50.01], [x, 50.0]]]}})
    };
    let zones = ZoneSet::from_geojson_value(&json!({"type": "FeatureCollection", "features": [
        sq("keep", 10.0, json!("keep")), sq("drop", 10.008, json!("suppress")),
        sq("out", 10.1, json!("move_outside")), sq("out2", 10.108, json!("move_outside")),
    ]}))
    .map(Arc::new)
    .unwrap();
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
    assert_eq!(
        r.redact_point(10.002, 50.005).unwrap().action,
        PointAction::Kept
    );
    assert_eq!(
        r.redact_point(10.009, 50.005).unwrap().action,
        PointAction::Suppressed
    );
    assert_eq!(
        r.redact_point(10.015, 50.005).unwrap().action,
        PointAction::Suppressed
    );
    // From the overlap of two move_outside zones, out of both.
    let p = r.redact_point(10.109, 50.005).unwrap();
    assert_eq!(p.action, PointAction::Moved);
    assert_eq!(inside(&zones, p.lon, p.lat), None);
}

#[test]
fn errors_name_the_zone_or_the_point() {
    let zones = zones_with(&[("rz-04", json!({"snap": {"cell_m": "big"}}))]);
    let e = PointRedactor::new(zones.clone(), &PointRules::default(), Some(key(0)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rz-04") && e.contains("cell_m") && e.contains("expected metres"),
        "{e}"
    );

    let zones = zones_with(&[("rz-04", json!({"displace": {"radius_m": 50}}))]);
    let e = PointRedactor::new(zones.clone(), &PointRules::default(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rz-04") && e.contains("needs a redaction key"),
        "{e}"
    );

    let zones = zones_with(&[]);
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
    assert!(r.redact_point(f64::NAN, 0.0).is_err());
    let input = [[0.0, 0.0], [0.0, -91.0]];
    let mut out = [[1.0; 2]; 2];
    let mut act = [PointAction::Moved; 2];
    let e = r
        .redact(&input, &mut out, &mut act)
        .unwrap_err()
        .to_string();
    assert!(e.contains("point 1") && e.contains("latitude"), "{e}");
    assert_eq!(out, [[1.0; 2]; 2], "nothing written on error");
    let e = r
        .redact(&input, &mut out[..1], &mut act)
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected equal lengths"), "{e}");
}

#[test]
fn default_policy_is_suppress_and_summary_counts() {
    let zones = zones_with(&[]);
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
    let input = [[-77.9536, 24.6364], [-77.0, 25.5], [-78.05, 24.79]];
    let mut out = [[0.0; 2]; 3];
    let mut act = [PointAction::Kept; 3];
    let s = r.redact(&input, &mut out, &mut act).unwrap();
    assert_eq!(
        act,
        [
            PointAction::Suppressed,
            PointAction::Kept,
            PointAction::Suppressed
        ]
    );
    assert_eq!((s.kept, s.suppressed, s.total()), (1, 2, 3));
    assert_eq!(
        s.to_string(),
        "3 points: 1 kept, 2 suppressed, 0 snapped, 0 displaced, 0 moved"
    );
    assert_eq!(PointAction::Moved as u8, 4);
}

/// A zone's margin reaches across the antimeridian: a point 190 m away on the other side is
/// redacted, and one well beyond the margin is kept.
#[test]
fn margins_reach_across_the_antimeridian() {
    let zones = Arc::new(
        ZoneSet::from_geojson_value(&json!({"type": "Feature",
            "properties": {"id": "am", "margin_m": 2000},
            "geometry": {"type": "Polygon", "coordinates": [[[179.99, -30.01],
                [179.999, -30.01], [179.999, -29.99], [179.99, -29.99], [179.99, -30.01]]]}}))
        .unwrap(),
    );
    let r = PointRedactor::new(zones, &PointRules::default(), None).unwrap();
    let near = r.redact_point(-179.999, -30.0).unwrap();
    assert_eq!(near.action, PointAction::Suppressed, "{near:?}");
    let far = r.redact_point(-179.97, -30.0).unwrap();
    assert_eq!(far.action, PointAction::Kept, "{far:?}");
}

/// Beyond the Web Mercator limit (85.05°) the margin still holds on the ground: points near
/// a zone close to the pole (by the haversine distance on the mean sphere, computed here),
/// also across the pole, are redacted; points far from it are not.
#[test]
fn margins_hold_beyond_the_mercator_limit() {
    let corners = [(0.0, 89.0), (1.0, 89.0), (1.0, 89.1), (0.0, 89.1)];
    let zones = Arc::new(
        ZoneSet::from_geojson_value(&json!({"type": "Feature",
            "properties": {"id": "polar", "margin_m": 100000},
            "geometry": {"type": "Polygon", "coordinates": [[[0.0, 89.0], [1.0, 89.0],
                [1.0, 89.1], [0.0, 89.1], [0.0, 89.0]]]}}))
        .unwrap(),
    );
    let haversine = |a: (f64, f64), b: (f64, f64)| {
        let (p1, p2) = (a.1.to_radians(), b.1.to_radians());
        let h = ((p2 - p1) / 2.0).sin().powi(2)
            + p1.cos() * p2.cos() * ((b.0 - a.0).to_radians() / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    };
    let r = PointRedactor::new(zones.clone(), &PointRules::default(), None).unwrap();
    let (mut near, mut far) = (0, 0);
    // The polar cap around the zone, and a ring of places far from it.
    let cap = (0..120).flat_map(|i| {
        (0..20).map(move |j| (-180.0 + 3.0 * f64::from(i), 88.0 + 0.1 * f64::from(j)))
    });
    let ring = (0..120).flat_map(|i| {
        (0..4).map(move |j| (-180.0 + 3.0 * f64::from(i), 85.2 + 0.3 * f64::from(j)))
    });
    for (lon, lat) in cap.chain(ring) {
        // The distance to the zone is at most that to its nearest corner.
        let d = corners
            .iter()
            .map(|&c| haversine((lon, lat), c))
            .fold(f64::INFINITY, f64::min);
        let got = zones.contains_grown_lnglat(lon, lat).unwrap();
        let action = r.redact_point(lon, lat).unwrap().action;
        if d <= 100_000.0 {
            near += 1;
            assert_eq!(got, Some(0), "({lon}, {lat}) is {d} m from a corner");
            assert_ne!(action, PointAction::Kept, "({lon}, {lat})");
        } else if d > 400_000.0 && !(-20.0..=21.0).contains(&lon) {
            // Far on the ground and beyond the zone's conservative mercator strip (which is
            // wider than the margin in longitude, this close to the pole).
            far += 1;
            assert_eq!(got, None, "({lon}, {lat}) is {d} m away");
            assert_eq!(action, PointAction::Kept, "({lon}, {lat})");
        }
    }
    assert!(near >= 100 && far >= 100, "{near} near, {far} far");
}
