//! Zone loading: every malformed fixture gives a precise error (or a documented repair) and
//! never a panic; the sample zones load as described in the data README; properties of
//! validation, orientation and growing.

mod common;
use common::{on_edge, sphere_destination};
use geo::{Area, Contains, Coord, Intersects, LineString};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::{Error, ZoneLocation, ZoneSet};

const BAD: &str = "tests/fixtures/zones-bad";
const SAMPLE: &str = "examples/data/zones.geojson";

fn bad(name: &str) -> Error {
    match ZoneSet::from_geojson_path(format!("{BAD}/{name}.geojson")) {
        Ok(z) => panic!("{name}: expected an error, loaded {} zones", z.len()),
        Err(e) => e,
    }
}

/// Asserts an `InvalidZone` error for the fixture, its id, and that the message has `needle`.
fn invalid(name: &str, needle: &str) -> ZoneLocation {
    let e = bad(name);
    let msg = e.to_string();
    match e {
        Error::InvalidZone { location, .. } => {
            let id = format!("bad-{name}");
            assert_eq!(location.id.as_deref(), Some(id.as_str()), "{msg}");
            assert_eq!(location.feature, Some(0), "{msg}");
            assert!(
                msg.contains(&format!("{id:?}")),
                "message names the id: {msg}"
            );
            assert!(
                msg.contains(needle),
                "message should contain {needle:?}: {msg}"
            );
            location
        }
        other => panic!("{name}: expected InvalidZone, got {other:?}"),
    }
}

fn ccw(ring: &LineString<f64>) -> bool {
    geo::Area::signed_area(&geo::Polygon::new(ring.clone(), vec![])) > 0.0
}

#[test]
fn bad_not_json_is_a_syntax_error_with_line_and_column() {
    let e = bad("not-json");
    let msg = e.to_string();
    assert!(matches!(e, Error::ZoneSyntax(_)), "{e:?}");
    assert!(msg.contains("line 2 column"), "{msg}");
    assert!(msg.contains("not-json.geojson"), "names the file: {msg}");
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn bad_nan_coordinate_is_a_syntax_error_that_says_nan_is_not_json() {
    let e = bad("nan-coordinate");
    let msg = e.to_string();
    assert!(matches!(e, Error::ZoneSyntax(_)), "{e:?}");
    assert!(msg.contains("line 2 column"), "{msg}");
    assert!(msg.contains("NaN and Infinity are not valid JSON"), "{msg}");
}

#[test]
fn bad_wrong_type_names_the_type_and_the_accepted_ones() {
    let loc = invalid("wrong-type", "geometry type Point is not supported");
    assert!(
        bad("wrong-type")
            .to_string()
            .contains("Polygon, MultiPolygon")
    );
    assert_eq!((loc.polygon, loc.ring, loc.position), (None, None, None));
}

#[test]
fn bad_lat_out_of_range_names_ring_position_and_range() {
    let loc = invalid(
        "lat-out-of-range",
        "latitude 95 is out of range; expected -90..=90",
    );
    assert_eq!((loc.ring, loc.position), (Some(0), Some(2)));
    assert!(
        bad("lat-out-of-range")
            .to_string()
            .contains("exterior ring, position 2")
    );
}

#[test]
fn bad_huge_coordinate_is_out_of_range() {
    let loc = invalid(
        "huge-coordinate",
        "longitude 1e300 is out of range; expected -180..=180",
    );
    assert_eq!((loc.ring, loc.position), (Some(0), Some(1)));
}

#[test]
fn bad_empty_featurecollection_is_no_zones() {
    let e = bad("empty-featurecollection");
    let msg = e.to_string();
    assert!(matches!(e, Error::InvalidZone { .. }), "{e:?}");
    assert!(msg.contains("no zones"), "{msg}");
    assert!(msg.contains("policy choice"), "{msg}");
}

#[test]
fn bad_ring_with_2_points_needs_4_positions() {
    let loc = invalid(
        "ring-with-2-points",
        "the ring has 3 positions (2 distinct)",
    );
    assert!(
        bad("ring-with-2-points")
            .to_string()
            .contains("at least 4 positions")
    );
    assert_eq!(loc.ring, Some(0));
}

#[test]
fn bad_self_intersecting_bowtie_names_both_edges() {
    let loc = invalid("self-intersecting-bowtie", "self-intersection");
    let msg = bad("self-intersecting-bowtie").to_string();
    assert!(msg.contains("position 0 to 1"), "{msg}");
    assert!(msg.contains("position 2 to 3"), "{msg}");
    assert_eq!((loc.ring, loc.position), (Some(0), Some(0)));
}

#[test]
fn bad_antimeridian_crossing_says_how_to_split_it() {
    let loc = invalid("antimeridian-crossing", "crosses the antimeridian");
    let msg = bad("antimeridian-crossing").to_string();
    assert!(msg.contains("position 0 to 1"), "{msg}");
    assert!(msg.contains("spans 340°"), "{msg}");
    assert!(msg.contains("long way round"), "{msg}");
    assert!(msg.contains("Split the polygon at ±180°"), "{msg}");
    assert!(msg.contains("RFC 7946 §3.1.9"), "{msg}");
    assert!(msg.contains("add intermediate positions"), "{msg}");
    assert_eq!(
        (loc.polygon, loc.ring, loc.position),
        (None, Some(0), Some(0))
    );
}

#[test]
fn antimeridian_edges_in_holes_parts_and_closing_edges_are_named() {
    let load = |geometry: serde_json::Value| {
        let v = serde_json::json!({"type": "Feature", "properties": {"id": "am"}, "geometry": geometry});
        ZoneSet::from_geojson_value(&v)
    };
    let located = |geometry: serde_json::Value| match load(geometry) {
        Err(e @ Error::InvalidZone { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("crosses the antimeridian"), "{msg}");
            match e {
                Error::InvalidZone { location, .. } => {
                    (location.polygon, location.ring, location.position)
                }
                _ => unreachable!(),
            }
        }
        other => panic!("expected InvalidZone, got {other:?}"),
    };
    // The closing edge of an unclosed ring (repaired by closing it) from position 3 to 0.
    assert_eq!(
        located(serde_json::json!({"type": "Polygon",
            "coordinates": [[[-175, 0], [-170, 0], [-170, 5], [175, 5]]]})),
        (None, Some(0), Some(2))
    );
    // A hole, in the second part of a MultiPolygon.
    assert_eq!(
        located(serde_json::json!({"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 0]]],
            [[[-179, -10], [179, -10], [179, 10], [-179, 10], [-179, -10]],
             [[-178, -1], [178, 1], [-178, 1], [-178, -1]]]]})),
        (Some(1), Some(0), Some(0))
    );
    // The same zone split at the antimeridian into parts on either side loads, and each part
    // holds its side (the 20° box, not the 340° band).
    let set = load(serde_json::json!({"type": "MultiPolygon", "coordinates": [
        [[[170, 0], [180, 0], [180, 10], [170, 10], [170, 0]]],
        [[[-180, 0], [-170, 0], [-170, 10], [-180, 10], [-180, 0]]]]}))
    .unwrap();
    assert_eq!(set.contains_grown_lnglat(175.0, 5.0).unwrap(), Some(0));
    assert_eq!(set.contains_grown_lnglat(-175.0, 5.0).unwrap(), Some(0));
    assert_eq!(set.contains_grown_lnglat(0.0, 5.0).unwrap(), None);
    // An edge of exactly 180° is read as drawn (it does not wrap).
    assert!(
        load(serde_json::json!({"type": "Polygon",
            "coordinates": [[[-90, 0], [90, 0], [90, 10], [-90, 0]]]}))
        .is_ok()
    );
}

#[test]
fn bad_missing_geometry_says_the_member_is_required() {
    let loc = invalid("missing-geometry", "no \"geometry\" member");
    assert_eq!(loc.ring, None);
}

#[test]
fn bad_hole_outside_shell_names_the_hole() {
    let loc = invalid(
        "hole-outside-shell",
        "hole 1 lies outside its exterior ring",
    );
    assert_eq!(loc.ring, Some(1));
}

#[test]
fn unclosed_ring_is_repaired_by_closing_it() {
    let set = ZoneSet::from_geojson_path(format!("{BAD}/unclosed-ring.geojson")).unwrap();
    let z = set.get("bad-unclosed-ring").unwrap();
    let ext = z.geometry_lnglat().0[0].exterior();
    assert_eq!(ext.0.len(), 5, "4 given positions + the closing one");
    assert!(ext.is_closed());
    // Same zone as the explicitly closed ring.
    let closed = ZoneSet::from_geojson_str(
        r#"{"type":"Polygon","coordinates":[[[-77.9566,24.6290],[-77.9507,24.6290],
            [-77.9507,24.6344],[-77.9566,24.6344],[-77.9566,24.6290]]]}"#,
    )
    .unwrap();
    assert_eq!(closed.zones()[0].geometry_m(), z.geometry_m());
}

#[test]
fn nested_geometrycollection_is_flattened() {
    let set =
        ZoneSet::from_geojson_path(format!("{BAD}/nested-geometrycollection.geojson")).unwrap();
    let z = set.get("bad-nested-geometrycollection").unwrap();
    assert_eq!(z.geometry_lnglat().0.len(), 1);
    assert_eq!(z.geometry_lnglat().0[0].exterior().0.len(), 5);
}

#[test]
fn geometrycollection_with_a_point_is_rejected() {
    let e = ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"gc"},"geometry":{"type":"GeometryCollection",
        "geometries":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},
                      {"type":"Point","coordinates":[0,0]}]}}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("geometry type Point is not supported"),
        "{e}"
    );
}

#[test]
fn every_bad_fixture_fails_or_is_a_documented_repair() {
    let repaired = ["unclosed-ring", "nested-geometrycollection"];
    let mut n = 0;
    for entry in std::fs::read_dir(BAD).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let result = ZoneSet::from_geojson_path(&path);
        assert_eq!(
            result.is_ok(),
            repaired.contains(&name.as_str()),
            "{name}: {result:?}"
        );
        n += 1;
    }
    assert_eq!(n, 13);
}

#[test]
fn missing_file_error_names_the_path() {
    let e = ZoneSet::from_geojson_path("tests/fixtures/no-such-zones.geojson").unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("no-such-zones.geojson"), "{e}");
}

#[test]
fn null_geometry_and_bad_margin_are_errors() {
    let e =
        ZoneSet::from_geojson_str(r#"{"type":"Feature","properties":{"id":"n"},"geometry":null}"#)
            .unwrap_err();
    assert!(e.to_string().contains("geometry is null"), "{e}");
    let e = ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"m","margin_m":-5},
        "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("\"m\"") && msg.contains("margin_m is -5"),
        "{msg}"
    );
}

#[test]
fn topology_errors_in_holes_and_parts() {
    let shell = "[[0,0],[0.1,0],[0.1,0.1],[0,0.1],[0,0]]";
    let case = |coords: String, ty: &str, needle: &str| {
        let text = format!(
            r#"{{"type":"Feature","properties":{{"id":"t"}},"geometry":{{"type":"{ty}","coordinates":{coords}}}}}"#
        );
        let e = ZoneSet::from_geojson_str(&text).unwrap_err();
        assert!(matches!(e, Error::InvalidZone { .. }), "{e:?}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
    };
    case(
        format!("[{shell},[[0.05,0.05],[0.2,0.05],[0.05,0.06],[0.05,0.05]]]"),
        "Polygon",
        "hole 1 crosses the exterior ring",
    );
    case(
        format!(
            "[{shell},[[0.01,0.01],[0.05,0.01],[0.05,0.05],[0.01,0.05],[0.01,0.01]],[[0.02,0.02],[0.03,0.02],[0.03,0.03],[0.02,0.02]]]"
        ),
        "Polygon",
        "hole 2 overlaps hole 1",
    );
    case(
        format!("[[{shell}],[[[0.05,0.05],[0.2,0.05],[0.2,0.2],[0.05,0.05]]]]"),
        "MultiPolygon",
        "polygon 1 (the exterior ring) crosses",
    );
    case(
        format!("[[{shell}],[[[0.02,0.02],[0.03,0.02],[0.03,0.03],[0.02,0.02]]]]"),
        "MultiPolygon",
        "polygon 1 overlaps polygon 0",
    );
    case(
        "[[[0,0],[0.1,0],[0.2,0],[0,0]]]".into(),
        "Polygon",
        "zero area",
    );
    case("[]".into(), "Polygon", "no rings");
    case("[[[0,0],[1],[1,1],[0,0]]]".into(), "Polygon", "position 1");
}

#[test]
fn single_feature_and_bare_geometry_load() {
    let poly = r#"{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}"#;
    let bare = ZoneSet::from_geojson_str(poly).unwrap();
    assert_eq!(bare.zones()[0].id(), "#0");
    // Clockwise input, oriented counter-clockwise.
    assert!(ccw(bare.zones()[0].geometry_lnglat().0[0].exterior()));
    let feature = format!(
        r#"{{"type":"Feature","id":42,"properties":{{"category":"military","extra":[1]}},"geometry":{poly}}}"#
    );
    let one = ZoneSet::from_geojson_str(&feature).unwrap();
    let z = &one.zones()[0];
    assert_eq!((z.id(), z.category()), ("42", Some("military")));
    assert_eq!(z.properties()["extra"], serde_json::json!([1]));
    assert_eq!(z.grown_m(), z.geometry_m(), "margin 0: grown == mercator");
}

#[test]
fn sample_zones_load_as_documented() {
    let set = ZoneSet::from_geojson_path(SAMPLE).unwrap();
    let ids: Vec<&str> = set.iter().map(|z| z.id()).collect();
    assert_eq!(
        ids,
        [
            "rz-01", "rz-02", "rz-03", "rz-04", "rz-05", "rz-06", "rz-07"
        ]
    );
    let margins: Vec<f64> = set.iter().map(|z| z.margin_m()).collect();
    assert_eq!(margins, [50.0, 0.0, 30.5, 100.0, 0.0, 0.0, 0.0]);
    let rz02 = set.get("rz-02").unwrap();
    assert_eq!(rz02.geometry_lnglat().0.len(), 1);
    assert_eq!(rz02.geometry_lnglat().0[0].interiors().len(), 1);
    assert_eq!(set.get("rz-03").unwrap().geometry_m().0.len(), 3);
    assert_eq!(set.get("rz-01").unwrap().category(), Some("military"));
    assert!(set.get("rz-99").is_none());
    // rz-02 is about 146 km² on the ground: in mercator metres that is 146 / cos²(24.8°).
    let area_m2 = rz02.geometry_m().unsigned_area() * tileredact::ground_scale(24.8).powi(2);
    assert!((area_m2 / 1e6 - 146.0).abs() < 3.0, "{area_m2}");
    for z in &set {
        for (geom, what) in [
            (z.geometry_lnglat(), "lnglat"),
            (z.geometry_m(), "mercator"),
            (z.grown_m(), "grown"),
        ] {
            for p in &geom.0 {
                assert!(ccw(p.exterior()), "{} {what}: exterior must be CCW", z.id());
                assert!(p.exterior().is_closed());
                for h in p.interiors() {
                    assert!(!ccw(h), "{} {what}: holes must be CW", z.id());
                }
            }
        }
        assert!(z.grown_m().contains(z.geometry_m()), "{}", z.id());
        assert!(z.grown_bbox_m().min().x <= z.bbox_m().min().x);
        if z.margin_m() == 0.0 {
            assert_eq!(z.grown_m(), z.geometry_m());
        }
    }
}

#[test]
fn point_queries_respect_the_margin() {
    let set = ZoneSet::from_geojson_path(SAMPLE).unwrap();
    let rz01 = set.index_of("rz-01").unwrap();
    // Centre of rz-01, then 30 m and 200 m (ground) east of its east edge (about -77.95055).
    assert_eq!(
        set.contains_grown_lnglat(-77.9536, 24.6364).unwrap(),
        Some(rz01)
    );
    let deg_per_m = 1.0 / (111_320.0 * 24.636f64.to_radians().cos());
    assert_eq!(
        set.contains_grown_lnglat(-77.95055 + 30.0 * deg_per_m, 24.6364)
            .unwrap(),
        Some(rz01)
    );
    assert_eq!(
        set.contains_grown_lnglat(-77.95055 + 200.0 * deg_per_m, 24.6364)
            .unwrap(),
        None
    );
    assert!(set.contains_grown_lnglat(f64::NAN, 0.0).is_err());
    assert!(set.contains_grown_lnglat(0.0, 91.0).is_err());
    // rz-02's hole is not part of the zone.
    let rz02 = set.get("rz-02").unwrap();
    let hole = &rz02.geometry_lnglat().0[0].interiors()[0];
    let n = (hole.0.len() - 1) as f64;
    let (cx, cy) = hole.0[..hole.0.len() - 1]
        .iter()
        .fold((0.0, 0.0), |(x, y), c| (x + c.x / n, y + c.y / n));
    assert_eq!(set.contains_grown_lnglat(cx, cy).unwrap(), None);
}

#[test]
fn polar_zone_beyond_the_mercator_limit() {
    let set = ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"pole","margin_m":10},"geometry":{"type":"Polygon",
        "coordinates":[[[0,86],[10,86],[10,88],[0,88],[0,86]]]}}"#,
    )
    .unwrap();
    assert_eq!(set.contains_grown_lnglat(5.0, 87.0).unwrap(), Some(0));
    assert_eq!(set.contains_grown_lnglat(20.0, 87.0).unwrap(), None);
}

/// The regression of the poleward leak: a margin converted at the zone's poleward latitude
/// fell short north of it, where a ground metre is more mercator metres still.
#[test]
fn margin_holds_due_north_of_a_zone_at_75_degrees() {
    let set = ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"n75","margin_m":100000},"geometry":{"type":"Polygon",
        "coordinates":[[[30.0,74.995],[30.035,74.995],[30.035,75.0],[30.0,75.0],[30.0,74.995]]]}}"#,
    )
    .unwrap();
    // 99 km due north of the middle of the north edge (on the WGS-84 ellipsoid: 75.88692°).
    assert_eq!(
        set.contains_grown_lnglat(30.0175, 75.88692).unwrap(),
        Some(0)
    );
    // Due south, where the old conversion had room to spare, and 1° further north (111 km).
    assert_eq!(set.contains_grown_lnglat(30.0175, 74.1).unwrap(), Some(0));
    assert_eq!(set.contains_grown_lnglat(30.0175, 76.0).unwrap(), None);
}

/// xorshift64, uniform in [0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

/// Every place within `margin_m` on the ground of a zone is inside its grown zone: random
/// small zones anywhere up to ±85° (and |lon| <= 155, so that no point passes ±170°), margins
/// up to the 100 km limit, points reached by walking at most `margin_m` from a point of the
/// zone's boundary in a random direction, on the WGS-84 ellipsoid (geodesic, GeographicLib),
/// on the mean sphere and on the sphere of the ellipsoid's smallest radius of curvature.
#[test]
fn every_point_within_the_margin_on_the_ground_is_inside_the_grown_zone() {
    use geographiclib_rs::{DirectGeodesic, Geodesic};
    const ZONES: usize = 256;
    const WALKS: usize = 80;
    let wgs84 = Geodesic::wgs84();
    let mut rng = Rng(0x5eed_2026_0bad_cafe);
    let mut checked = 0usize;
    let mut beyond_limit = 0usize;
    for zi in 0..ZONES {
        // A small random star polygon: 3..9 corners, 10 m .. 20 km across.
        let lat0 = if zi % 8 == 0 {
            // Often near the mercator limit, where the margin matters most.
            rng.range(80.0, 84.8) * if rng.next() < 0.5 { -1.0 } else { 1.0 }
        } else {
            rng.range(-84.8, 84.8)
        };
        let lon0 = rng.range(-155.0, 155.0);
        let size_m = 10f64.powf(rng.range(1.0, 4.3));
        let corners = 3 + (rng.next() * 7.0) as usize;
        let dlat = size_m / 111_000.0;
        let dlon = dlat / lat0.to_radians().cos();
        let mut ring: Vec<[f64; 2]> = (0..corners)
            .map(|k| {
                let a = (k as f64 + rng.range(0.0, 0.8)) / corners as f64 * std::f64::consts::TAU;
                let r = rng.range(0.3, 1.0);
                [
                    lon0 + dlon * r * a.cos(),
                    (lat0 + dlat * r * a.sin()).clamp(-85.0, 85.0),
                ]
            })
            .collect();
        ring.push(ring[0]);
        let margin_m = match zi % 4 {
            0 => 100_000.0,
            _ => 10f64.powf(rng.range(0.0, 5.0)),
        };
        let set = ZoneSet::from_geojson_value(&serde_json::json!({
            "type": "Feature", "properties": {"id": "z", "margin_m": margin_m},
            "geometry": {"type": "Polygon", "coordinates": [ring]}
        }))
        .unwrap_or_else(|e| panic!("zone {zi}: {e}"));
        let poleward = ring
            .iter()
            .copied()
            .max_by(|a, b| a[1].abs().total_cmp(&b[1].abs()))
            .unwrap();
        for w in 0..WALKS {
            // Start: the poleward corner (walking poleward is the worst case), or a random
            // point of a random edge.
            let (start, azimuth) = if w < 4 {
                let toward_pole = if poleward[1] >= 0.0 { 0.0 } else { 180.0 };
                (
                    (poleward[0], poleward[1]),
                    toward_pole + rng.range(-20.0, 20.0),
                )
            } else {
                let k = (rng.next() * corners as f64) as usize;
                (
                    on_edge(ring[k], ring[k + 1], rng.next()),
                    rng.range(0.0, 360.0),
                )
            };
            // Mostly the full margin (a hair less), sometimes anything below it.
            let d = if w % 3 == 0 {
                margin_m * rng.next()
            } else {
                margin_m * (1.0 - 1e-9)
            };
            let (glat, glon) = wgs84.direct(start.1, start.0, azimuth, d);
            for (oracle, (lon, lat)) in [
                ("WGS-84 geodesic", (glon, glat)),
                (
                    "mean sphere",
                    sphere_destination(start.0, start.1, azimuth, d, 6_371_008.8),
                ),
                (
                    "smallest sphere",
                    sphere_destination(start.0, start.1, azimuth, d, 6_335_439.0),
                ),
            ] {
                assert!(
                    lon.abs() < 170.0,
                    "zone {zi}: walk left the test area at {lon}"
                );
                beyond_limit += usize::from(lat.abs() > tileredact::MERCATOR_MAX_LAT);
                assert_eq!(
                    set.contains_grown_lnglat(lon, lat).unwrap(),
                    Some(0),
                    "zone {zi} {ring:?} margin {margin_m} m: ({lon}, {lat}), {d} m from \
                     {start:?} at azimuth {azimuth} ({oracle}), is outside the grown zone"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, ZONES * WALKS * 3);
    // The walks did go beyond the mercator limit, where latitudes are clamped.
    assert!(
        beyond_limit > 100,
        "only {beyond_limit} points beyond the limit"
    );
}

#[test]
fn large_rings_validate() {
    // A 20 000-vertex star: must load quickly (O(n log n) validation).
    let n = 20_000;
    let ring: Vec<String> = (0..=n)
        .map(|i| {
            let a = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
            let r = if i % 2 == 0 { 0.01 } else { 0.008 };
            format!("[{},{}]", 10.0 + r * a.cos(), 45.0 + r * a.sin())
        })
        .collect();
    let text = format!(
        r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
        ring.join(",")
    );
    let set = ZoneSet::from_geojson_str(&text).unwrap();
    assert_eq!(
        set.zones()[0].geometry_lnglat().0[0].exterior().0.len(),
        n + 1
    );
}

fn star_polygon() -> impl Strategy<Value = (f64, f64, f64, Vec<f64>, bool)> {
    (
        -179.0f64..179.0,
        -84.0f64..84.0,
        1e-4f64..0.5,
        prop::collection::vec(0.1f64..1.0, 3..60),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x7a_6f6e_6573),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_star_polygons_load((cx, cy, scale, radii, clockwise) in star_polygon(), margin in 0.0f64..500.0) {
        let n = radii.len();
        let mut pts: Vec<[f64; 2]> = radii
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                [cx + scale * r * a.cos(), cy + scale * r * a.sin()]
            })
            .collect();
        if clockwise {
            pts.reverse();
        }
        pts.push(pts[0]);
        let value = serde_json::json!({
            "type": "Feature", "properties": {"id": "star", "margin_m": margin},
            "geometry": {"type": "Polygon", "coordinates": [pts]}
        });
        let set = ZoneSet::from_geojson_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let z = &set.zones()[0];
        prop_assert!(ccw(z.geometry_lnglat().0[0].exterior()));
        prop_assert!(ccw(z.geometry_m().0[0].exterior()));
        prop_assert!(z.grown_m().unsigned_area() >= z.geometry_m().unsigned_area());
        let c = Coord { x: cx, y: cy };
        prop_assert_eq!(set.contains_grown_lnglat(c.x, c.y).unwrap(), Some(0));
    }

    #[test]
    fn garbage_json_never_panics(text in "\\PC{0,200}") {
        let _ = ZoneSet::from_geojson_str(&text);
    }

    #[test]
    fn garbage_geojson_shapes_never_panic(
        ty in prop::sample::select(vec!["Polygon", "MultiPolygon", "GeometryCollection", "Point", "Feature", "FeatureCollection"]),
        coords in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(-200.0f64..200.0, 0..4), 0..8),
            0..4,
        ),
    ) {
        let value = serde_json::json!({"type": ty, "coordinates": coords,
            "geometries": [{"type": "Polygon", "coordinates": coords}],
            "geometry": {"type": "Polygon", "coordinates": coords},
            "features": [{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [coords]}}]});
        let _ = ZoneSet::from_geojson_value(&value);
        let _ = ZoneSet::from_geojson_str(&value.to_string());
    }

    #[test]
    fn random_small_rings_never_panic(
        pts in prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0), 0..12),
        margin in 0.0f64..100.0,
    ) {
        // Snap to a coarse grid so that touching, collinear and repeated points are common.
        let ring: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [(x * 4.0).round() / 400.0, (y * 4.0).round() / 400.0]).collect();
        let value = serde_json::json!({"type": "Feature", "properties": {"margin_m": margin},
            "geometry": {"type": "Polygon", "coordinates": [ring]}});
        if let Ok(set) = ZoneSet::from_geojson_value(&value) {
            let z = &set.zones()[0];
            prop_assert!(z.grown_m().contains(z.geometry_m()) || z.margin_m() == 0.0);
        }
    }
}

/// Squared distance from `p` to the segment `a b`, computed here (independent of the crate).
fn seg_dist2(p: (f64, f64), a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (px, py) = (p.0 - a.x, p.1 - a.y);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        ((px * dx + py * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (px - t * dx).powi(2) + (py - t * dy).powi(2)
}

/// A jagged star ring around (`lon0`, `lat0`): `n` vertices at mean radius `radius_m`, each
/// moved radially by a zigzag of `amp_m` plus a random walk of steps up to `amp_m`, kept
/// within `amp_m` of the mean (a star with positive radii is simple). Closed, counter-clockwise.
fn jagged_star_lnglat(
    rng: &mut Rng,
    lon0: f64,
    lat0: f64,
    n: usize,
    radius_m: f64,
    amp_m: f64,
) -> Vec<[f64; 2]> {
    let mut walk = 0.0f64;
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            walk = (walk + rng.range(-amp_m, amp_m)).clamp(-amp_m, amp_m);
            let zig = if i % 2 == 0 { amp_m } else { -amp_m };
            let r = radius_m + 0.5 * (zig + walk);
            let (x, y) = (r * a.cos(), r * a.sin());
            [
                lon0 + x / (111_320.0 * lat0.to_radians().cos()),
                lat0 + y / 111_320.0,
            ]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        rng_seed: RngSeed::Fixed(0x6a61_6767_6564),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Long jagged rings (more than the 1 000 vertices from which growing simplifies a ring
    /// first, see `zone/grow.rs`), with and without a long jagged hole: every vertex and edge
    /// point of the zone, and every point within the margin of its boundary, is inside the
    /// grown zone. The oracle works in mercator metres on the zone's projected rings: the
    /// margin is at least `margin_m / cos(poleward latitude)` mercator metres there, and the
    /// distance from a point to the boundary is the smallest distance to its segments,
    /// computed here.
    #[test]
    fn long_jagged_rings_grow_by_at_least_the_margin(
        seed in any::<u64>(),
        n in 1_100usize..4_000,
        radius_m in 400.0f64..5_000.0,
        amp_factor in 0.05f64..2.0,
        margin_m in 2.0f64..150.0,
        lon0 in -150.0f64..150.0,
        lat0 in -70.0f64..70.0,
        with_hole in any::<bool>(),
    ) {
        let mut rng = Rng(seed | 1);
        let amp_m = (amp_factor * margin_m).min(0.1 * radius_m);
        let shell = jagged_star_lnglat(&mut rng, lon0, lat0, n, radius_m, amp_m);
        let mut rings = vec![shell];
        if with_hole {
            let mut hole = jagged_star_lnglat(&mut rng, lon0, lat0, n + 17, 0.5 * radius_m, amp_m);
            hole.reverse();
            rings.push(hole);
        }
        let set = ZoneSet::from_geojson_value(&serde_json::json!({
            "type": "Feature", "properties": {"id": "jagged", "margin_m": margin_m},
            "geometry": {"type": "Polygon", "coordinates": rings}
        }))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let z = &set.zones()[0];
        let grown = z.grown_m();
        let poleward = rings
            .iter()
            .flatten()
            .fold(0.0f64, |m, p| m.max(p[1].abs()));
        let r = margin_m / poleward.to_radians().cos() * (1.0 - 1e-9);
        let segs: Vec<(Coord<f64>, Coord<f64>)> = std::iter::once(z.geometry_m().0[0].exterior())
            .chain(z.geometry_m().0[0].interiors())
            .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])))
            .collect();
        let inside = |p: (f64, f64)| grown.intersects(&geo::Point::new(p.0, p.1));
        // Every vertex, and a point of every edge.
        for &(a, b) in &segs {
            prop_assert!(inside((a.x, a.y)), "vertex {a:?} outside the grown zone");
            let t = rng.next();
            let e = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
            prop_assert!(inside(e), "edge point {e:?} outside the grown zone");
        }
        // Points at most the margin from a boundary point.
        for _ in 0..400 {
            let (a, b) = segs[(rng.next() * segs.len() as f64) as usize];
            let t = rng.next();
            let az = rng.range(0.0, std::f64::consts::TAU);
            let d = if rng.next() < 0.7 { r } else { r * rng.next() };
            let p = (
                a.x + t * (b.x - a.x) + d * az.cos(),
                a.y + t * (b.y - a.y) + d * az.sin(),
            );
            prop_assert!(inside(p), "{p:?}, {d} m from the boundary, outside the grown zone");
        }
        // Random points around the boundary: inside when the oracle puts them within the margin.
        let mut near = 0;
        for _ in 0..400 {
            // Uniform in a square of side 4 r around a random vertex.
            let (a, _) = segs[(rng.next() * segs.len() as f64) as usize];
            let p = (a.x + rng.range(-2.0 * r, 2.0 * r), a.y + rng.range(-2.0 * r, 2.0 * r));
            let d2 = segs.iter().fold(f64::INFINITY, |m, &(a, b)| m.min(seg_dist2(p, a, b)));
            if d2 <= r * r {
                near += 1;
                prop_assert!(inside(p), "{p:?}, {} m from the boundary, outside the grown zone", d2.sqrt());
            }
        }
        prop_assert!(near > 50, "only {near} random points within the margin");
    }
}
