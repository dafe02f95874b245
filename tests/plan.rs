//! The planner against an exact oracle: geo's own polygon/rectangle predicate (independent of
//! the crate's geometry code) decides whether a grown zone meets the padded tile, and the
//! tile's redaction mask decides whether it is full. Also: touching zones, holes, the
//! antimeridian (plans, masks, stitching and point tests wrap), and the tile cover.

use std::collections::BTreeSet;

mod common;
use common::{on_edge, sphere_destination};

use geo::{Coord, Intersects, Rect};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::{MaskOptions, PixelWindow, TileId, TilePlan, TileSize, WorldGrid, ZoneSet};

fn sample_zones() -> ZoneSet {
    ZoneSet::from_geojson_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/zones.geojson"
    ))
    .unwrap()
}

const HALF: f64 = tileredact::MERCATOR_HALF_WORLD_M;

/// The tile's mercator rectangle padded by `pad_px` pixels.
fn padded_rect(tile: TileId, size: TileSize, pad_px: f64) -> Rect<f64> {
    let b = tile.bounds_m();
    let pad = pad_px * (b.max_x - b.min_x) / f64::from(size.px());
    Rect::new(
        Coord {
            x: b.min_x - pad,
            y: b.min_y - pad,
        },
        Coord {
            x: b.max_x + pad,
            y: b.max_y + pad,
        },
    )
}

/// Oracle: does a grown zone (or its copy one world width away) meet the rectangle? geo's
/// `Intersects` on every grown part: slow, exact, independent of the crate's predicates.
fn grown_meets(zones: &ZoneSet, rect: Rect<f64>) -> bool {
    [-2.0 * HALF, 0.0, 2.0 * HALF].iter().any(|&dx| {
        let r = Rect::new(
            Coord {
                x: rect.min().x + dx,
                y: rect.min().y,
            },
            Coord {
                x: rect.max().x + dx,
                y: rect.max().y,
            },
        );
        zones
            .iter()
            .flat_map(|z| z.grown_m().0.iter())
            .any(|p| p.intersects(&r))
    })
}

/// The plan the oracle expects, and checks of the plan against the masks.
fn oracle_plan(zones: &ZoneSet, tile: TileId, size: TileSize, opts: &MaskOptions) -> TilePlan {
    let r = opts.resample_px();
    if !grown_meets(zones, padded_rect(tile, size, f64::from(r) + 1.0)) {
        return TilePlan::Clear;
    }
    if zones.redaction_mask(tile, size, opts).is_full() {
        TilePlan::Full
    } else {
        TilePlan::Partial
    }
}

/// Every tile of zoom `z` within two tiles of a grown zone's bounding box.
fn tiles_around(zones: &ZoneSet, z: u8) -> BTreeSet<(u32, u32)> {
    let n = 1i64 << z;
    let mut out = BTreeSet::new();
    for zone in zones {
        let b = zone.grown_bbox_m();
        let (lo_lon, lo_lat) = tileredact::mercator_to_lnglat(b.min().x, b.min().y);
        let (hi_lon, hi_lat) = tileredact::mercator_to_lnglat(b.max().x, b.max().y);
        let a = TileId::containing(lo_lon, hi_lat, z).unwrap();
        let c = TileId::containing(hi_lon, lo_lat, z).unwrap();
        for y in i64::from(a.y()) - 2..=i64::from(c.y()) + 2 {
            for x in i64::from(a.x()) - 2..=i64::from(c.x()) + 2 {
                if (0..n).contains(&x) && (0..n).contains(&y) {
                    out.insert((x as u32, y as u32));
                }
            }
        }
    }
    out
}

#[test]
fn planner_equals_the_exact_oracle_around_the_sample() {
    let zones = sample_zones();
    let size = TileSize::S256;
    let mut counts = [0usize; 3];
    for r in [0u32, 2] {
        let opts = MaskOptions::new(r).unwrap();
        for z in 10u8..=16 {
            let mut expected_cover = Vec::new();
            for (x, y) in tiles_around(&zones, z) {
                let tile = TileId::new(z, x, y).unwrap();
                let want = oracle_plan(&zones, tile, size, &opts);
                assert_eq!(
                    zones.plan(tile, size, &opts),
                    want,
                    "{tile}, resample_px {r}"
                );
                counts[want as usize] += 1;
                if want != TilePlan::Clear {
                    // Partial means a zone meets the padded tile: its mask one pixel wider is
                    // not empty.
                    let wider = MaskOptions::new(r + 1).unwrap();
                    assert!(
                        !zones.redaction_mask(tile, size, &wider).is_clear(),
                        "{tile}"
                    );
                    expected_cover.push((y, x, want));
                }
            }
            expected_cover.sort_unstable_by_key(|&(y, x, _)| (y, x));
            let cover: Vec<(u32, u32, TilePlan)> = zones
                .tile_cover(z, size, opts)
                .unwrap()
                .map(|(t, p)| (t.y(), t.x(), p))
                .collect();
            assert_eq!(cover, expected_cover, "tile cover of zoom {z}");
        }
    }
    let [clear, full, partial] = counts;
    assert!(clear > 1000 && full > 100 && partial > 1000, "{counts:?}");
}

#[test]
fn a_tile_beside_a_zone_is_clear() {
    // 14/4636/7029 is 2.7 km from the nearest sample zone, inside the bounding box of rz-03.
    let zones = sample_zones();
    let tile: TileId = "14/4636/7029".parse().unwrap();
    let opts = MaskOptions::default();
    assert_eq!(zones.plan(tile, TileSize::S256, &opts), TilePlan::Clear);
    assert!(
        !zones
            .tile_cover(14, TileSize::S256, opts)
            .unwrap()
            .any(|(t, _)| t == tile)
    );
}

/// Two zones that touch along lon 10.0 cover the tiles across their common edge together.
#[test]
fn touching_zones_make_a_full_tile_and_holes_are_clear() {
    let zones = ZoneSet::from_geojson_str(
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"w"},"geometry":{"type":"Polygon",
         "coordinates":[[[9,9],[10,9],[10,11],[9,11],[9,9]]]}},
        {"type":"Feature","properties":{"id":"e"},"geometry":{"type":"Polygon",
         "coordinates":[[[10,9],[11.5,9],[11.5,11],[10,11],[10,9]],
                        [[10.5,9.5],[11,9.5],[11,10.5],[10.5,10.5],[10.5,9.5]]]}}]}"#,
    )
    .unwrap();
    let size = TileSize::S256;
    let opts = MaskOptions::new(0).unwrap();
    let z = 12;
    let seam = TileId::containing(10.0, 10.0, z).unwrap();
    let b = seam.bounds_lnglat();
    assert!(
        b.west < 10.0 && b.east > 10.0,
        "the tile straddles the seam"
    );
    assert_eq!(zones.plan(seam, size, &opts), TilePlan::Full);
    assert!(zones.redaction_mask(seam, size, &opts).is_full());
    // A tile in the middle of the hole of "e" is clear, one on its rim partial.
    let hole = TileId::containing(10.75, 10.0, z).unwrap();
    assert_eq!(zones.plan(hole, size, &opts), TilePlan::Clear);
    let rim = TileId::containing(10.5, 10.0, z).unwrap();
    assert_eq!(zones.plan(rim, size, &opts), TilePlan::Partial);
}

/// A zone ending at lon 179.999 with a 2 km margin reaches across the antimeridian.
#[test]
fn margins_and_plans_cross_the_antimeridian() {
    let zones = ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"am","margin_m":2000},"geometry":
        {"type":"Polygon","coordinates":[[[179.99,-30.01],[179.999,-30.01],[179.999,-29.99],
        [179.99,-29.99],[179.99,-30.01]]]}}"#,
    )
    .unwrap();
    // 190 m east of the zone, on the other side of the antimeridian.
    assert_eq!(
        zones.contains_grown_lnglat(-179.999, -30.0).unwrap(),
        Some(0)
    );
    assert_eq!(zones.contains_grown_lnglat(-179.97, -30.0).unwrap(), None);
    let size = TileSize::S256;
    let opts = MaskOptions::default();
    for z in [8u8, 12, 16] {
        let west = TileId::containing(-179.9999, -30.0, z).unwrap();
        assert_eq!(west.x(), 0);
        assert_ne!(zones.plan(west, size, &opts), TilePlan::Clear, "zoom {z}");
        assert!(
            !zones.redaction_mask(west, size, &opts).is_clear(),
            "zoom {z}"
        );
        let cover: Vec<TileId> = zones
            .tile_cover(z, size, opts)
            .unwrap()
            .map(|(t, _)| t)
            .collect();
        assert!(cover.contains(&west), "zoom {z}: {cover:?}");
    }
}

/// With margin 0, the `resample_px` dilation of a zone touching lon 180 reaches column 0.
#[test]
fn dilation_wraps_at_the_antimeridian() {
    let zones = ZoneSet::from_geojson_str(
        r#"{"type":"Polygon","coordinates":[[[179.5,10],[180,10],[180,10.5],[179.5,10.5],
        [179.5,10]]]}"#,
    )
    .unwrap();
    let size = TileSize::S256;
    let z = 10;
    let west = TileId::containing(-179.99, 10.2, z).unwrap();
    assert_eq!(west.x(), 0);
    for r in [1u32, 3] {
        let opts = MaskOptions::new(r).unwrap();
        let m = zones.redaction_mask(west, size, &opts);
        // Column 0 meets the zone's edge on the antimeridian (closed pixel squares), and the
        // dilation adds `r` more columns; the next one is clear.
        let row = 128;
        let n_set = (0..size.px()).filter(|&x| m.get(x, row) == 255).count();
        assert_eq!(n_set, r as usize + 1, "resample_px {r}");
        assert_eq!(m.get(r, row), 255);
        assert_eq!(m.get(r + 1, row), 0);
        assert_eq!(zones.plan(west, size, &opts), TilePlan::Partial);
    }
}

fn antimeridian_zone() -> impl Strategy<Value = (ZoneSet, u8)> {
    (
        -60.0..60.0f64,
        prop::collection::vec((-1.0..1.0f64, -1.0..1.0f64), 3..9),
        prop_oneof![Just(0.0), 0.0..3000.0f64],
        8u8..15,
    )
        .prop_map(|(lat, offsets, margin, z)| {
            let tile_deg = 360.0 / f64::from(1u32 << z);
            // A convex-ish blob hugging lon 180 from the west.
            let mut pts: Vec<(f64, f64)> = offsets
                .iter()
                .enumerate()
                .map(|(i, (dx, dy))| {
                    let a = i as f64 / offsets.len() as f64 * std::f64::consts::TAU;
                    let r = 0.5 + 0.4 * dx.abs();
                    let lon = (180.0 - tile_deg * (1.0 + a.cos()) * r).min(180.0);
                    (lon, lat + tile_deg * a.sin() * (0.5 + 0.4 * dy.abs()))
                })
                .collect();
            pts.push(pts[0]);
            let coords: Vec<String> = pts.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            let text = format!(
                r#"{{"type":"Feature","properties":{{"margin_m":{margin}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                coords.join(",")
            );
            (ZoneSet::from_geojson_str(&text).unwrap(), z)
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x616e_7469_6d65_7269),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// The redaction mask of a window across the antimeridian equals the masks of the last
    /// and the first tile of the rows, side by side, and the planner agrees with them.
    #[test]
    fn masks_stitch_across_the_antimeridian((zones, z) in antimeridian_zone(), r in 0u32..4) {
        let size = TileSize::S256;
        let t = size.px();
        let n = 1u32 << z;
        let grid = WorldGrid::new(z, size).unwrap();
        let opts = MaskOptions::new(r).unwrap();
        let b = zones.zones()[0].bbox_m();
        let (_, lat) = tileredact::mercator_to_lnglat(0.0, 0.5 * (b.min().y + b.max().y));
        let row = TileId::containing(179.999, lat, z).unwrap().y();
        let window = PixelWindow {
            x0: i64::from(n - 1) * i64::from(t),
            y0: i64::from(row) * i64::from(t),
            width: 2 * t,
            height: t,
        };
        let wide = zones.redaction_mask_window(&grid, window, &opts).unwrap();
        let east = TileId::new(z, n - 1, row).unwrap();
        let west = TileId::new(z, 0, row).unwrap();
        prop_assert_eq!(wide.crop(0, 0, t, t), zones.redaction_mask(east, size, &opts));
        prop_assert_eq!(wide.crop(t, 0, t, t), zones.redaction_mask(west, size, &opts));
        prop_assert!(!wide.crop(0, 0, t, t).is_clear());
        for tile in [east, west] {
            prop_assert_eq!(zones.plan(tile, size, &opts), oracle_plan(&zones, tile, size, &opts));
        }
    }
}

#[test]
fn zone_sets_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ZoneSet>();
    check::<MaskOptions>();
    check::<tileredact::Mask>();
}

/// The world pixel of (lon, lat) at zoom `z`, 256 px tiles (the slippy-map formula, written
/// out here).
fn world_pixel(lon: f64, lat: f64, z: u8) -> (u64, u64) {
    use std::f64::consts::{FRAC_PI_4, PI};
    let world = 256.0 * f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * world;
    let y = (1.0 - (FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() / PI) / 2.0 * world;
    let clamp = |v: f64| (v.floor().max(0.0) as u64).min(world as u64 - 1);
    (clamp(x), clamp(y))
}

/// Every place within `margin_m` of a zone on the ground (haversine destinations on the mean
/// sphere and on the sphere of the ellipsoid's smallest radius of curvature, walked from a
/// point of the zone's boundary) is inside the grown zone, its pixel is redacted at every zoom
/// tried, and its tile is planned: at any latitude up to ±85° and across the antimeridian.
#[test]
fn places_within_the_margin_are_redacted_and_planned() {
    const ZONES: usize = 96;
    const WALKS: usize = 12;
    let mut state = 0x6d61_7267_696e_7321u64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let size = TileSize::S256;
    let opts = MaskOptions::default();
    let (mut checked, mut wrapped) = (0usize, 0usize);
    for zi in 0..ZONES {
        // A small quadrilateral: 20 m .. 2 km across, one in three against the antimeridian.
        let d = 0.0002 * 100f64.powf(unit());
        let lat0 = -84.0 + 168.0 * unit();
        let lon0 = if zi % 3 == 0 {
            180.0 - d * (1.0 + unit())
        } else {
            -180.0 + 360.0 * unit()
        }
        .clamp(-180.0, 180.0 - 2.0 * d);
        let corners = [
            [lon0, lat0],
            [
                lon0 + 2.0 * d * (0.6 + 0.4 * unit()),
                lat0 + 0.1 * d * unit(),
            ],
            [lon0 + 2.0 * d * (0.6 + 0.4 * unit()), lat0 + d],
            [lon0 + 0.2 * d * unit(), lat0 + d * (0.5 + 0.5 * unit())],
        ];
        let margin = if zi % 4 == 0 {
            100_000.0
        } else {
            100_000.0 * unit() * unit()
        };
        let ring: Vec<String> = corners
            .iter()
            .chain(std::iter::once(&corners[0]))
            .map(|c| format!("[{},{}]", c[0], c[1]))
            .collect();
        let text = format!(
            r#"{{"type":"Feature","properties":{{"margin_m":{margin}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
            ring.join(",")
        );
        let zones = ZoneSet::from_geojson_str(&text).unwrap();
        for w in 0..WALKS {
            let k = (unit() * 4.0) as usize % 4;
            let (lon, lat) = on_edge(corners[k], corners[(k + 1) % 4], unit());
            let radius = if w % 2 == 0 { 6_371_008.8 } else { 6_335_439.0 };
            let dist = margin * unit().sqrt();
            let (mut plon, plat) = sphere_destination(lon, lat, 360.0 * unit(), dist, radius);
            if plon > 180.0 {
                plon -= 360.0;
                wrapped += 1;
            } else if plon < -180.0 {
                plon += 360.0;
                wrapped += 1;
            }
            if plat.abs() > tileredact::MERCATOR_MAX_LAT {
                // Not on the map (the point tests beyond the limit are the zones' tests).
                continue;
            }
            assert_eq!(
                zones.contains_grown_lnglat(plon, plat).unwrap(),
                Some(0),
                "({plon}, {plat}), {dist} m from {text}"
            );
            for z in [
                (unit() * 8.0) as u8,
                8 + (unit() * 6.0) as u8,
                14 + (unit() * 5.0) as u8,
            ] {
                let (px, py) = world_pixel(plon, plat, z);
                let tile = TileId::new(z, (px / 256) as u32, (py / 256) as u32).unwrap();
                assert_ne!(
                    zones.plan(tile, size, &opts),
                    TilePlan::Clear,
                    "{tile} for ({plon}, {plat})"
                );
                let m = zones.redaction_mask(tile, size, &opts);
                assert_eq!(
                    m.get((px % 256) as u32, (py % 256) as u32),
                    255,
                    "pixel of ({plon}, {plat}) in {tile}, {dist} m from {text}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > ZONES * WALKS * 3 * 9 / 10,
        "only {checked} checks"
    );
    assert!(
        wrapped > 20,
        "only {wrapped} walks crossed the antimeridian"
    );
}
