//! Zone-level masks and planning: stitching of tile masks, conservativeness of the redaction
//! mask, planner consistency, tile cover vs brute force, and the sample zones.

use proptest::prelude::*;
use tileredact::{
    CoverageRasterizer, Mask, MaskOptions, PixelWindow, TileId, TilePlan, TileSize, WorldGrid,
    ZoneSet,
};

fn sample_zones() -> ZoneSet {
    ZoneSet::from_geojson_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/zones.geojson"
    ))
    .unwrap()
}

/// A star-shaped zone around (lon, lat) with radii in degrees, as GeoJSON text.
fn star_feature(id: &str, lon: f64, lat: f64, radii: &[f64], margin_m: f64) -> String {
    let n = radii.len();
    let mut pts: Vec<String> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            format!(
                "[{},{}]",
                lon + radii[i] * a.cos(),
                lat + radii[i] * a.sin()
            )
        })
        .collect();
    pts.push(pts[0].clone());
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","margin_m":{margin_m}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        pts.join(",")
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// Zones near (lon, lat): one to three stars, possibly overlapping, sized for zoom `z`.
fn zones_strategy() -> impl Strategy<Value = (ZoneSet, f64, f64, u8)> {
    (
        -165.0..165.0f64,
        -70.0..70.0f64,
        6u8..18,
        prop::collection::vec(
            (
                -1.0..1.0f64,
                -1.0..1.0f64,
                prop::collection::vec(0.2..1.5f64, 3..24),
                prop_oneof![Just(0.0), 0.0..500.0f64],
            ),
            1..4,
        ),
    )
        .prop_map(|(lon, lat, z, stars)| {
            // one tile of zoom z spans 360 / 2^z degrees of longitude
            let tile_deg = 360.0 / f64::from(1u32 << z);
            let feats: Vec<String> = stars
                .iter()
                .enumerate()
                .map(|(i, (dx, dy, radii, m))| {
                    let r: Vec<f64> = radii.iter().map(|r| r * tile_deg * 0.6).collect();
                    star_feature(
                        &format!("z{i}"),
                        lon + dx * tile_deg,
                        (lat + dy * tile_deg * 0.5).clamp(-80.0, 80.0),
                        &r,
                        *m,
                    )
                })
                .collect();
            let text = collection(&feats);
            let zs = ZoneSet::from_geojson_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            (zs, lon, lat, z)
        })
}

fn window_of(tile: TileId, size: TileSize, tiles: u32) -> PixelWindow {
    let (x0, y0) = tile.world_px_origin(size);
    PixelWindow {
        x0: x0 as i64,
        y0: y0 as i64,
        width: size.px() * tiles,
        height: size.px() * tiles,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The masks of a 2x2 block of tiles, rasterised as one 2T x 2T window of the same world
    /// grid, equal the four tile masks byte for byte (coverage and redaction).
    #[test]
    fn tile_masks_stitch((zones, lon, lat, z) in zones_strategy(), big in any::<bool>()) {
        let size = if big { TileSize::S512 } else { TileSize::S256 };
        let centre = TileId::containing(lon, lat, z).unwrap();
        let tl = TileId::new(z, centre.x().saturating_sub(1), centre.y().saturating_sub(1)).unwrap();
        let grid = WorldGrid::new(z, size).unwrap();
        let opts = MaskOptions::default();
        let t = size.px();
        let block_cov = zones.coverage_mask_window(&grid, window_of(tl, size, 2)).unwrap();
        let block_red = zones.redaction_mask_window(&grid, window_of(tl, size, 2), &opts).unwrap();
        for (i, j) in [(0u32, 0u32), (1, 0), (0, 1), (1, 1)] {
            let Ok(tile) = TileId::new(z, tl.x() + i, tl.y() + j) else { continue };
            let cov = zones.coverage_mask(tile, size);
            prop_assert!(cov == block_cov.crop(i * t, j * t, t, t), "coverage of {} differs", tile);
            let red = zones.redaction_mask(tile, size, &opts);
            prop_assert!(red == block_red.crop(i * t, j * t, t, t), "redaction of {} differs", tile);
        }
    }

    /// The redaction mask contains every pixel with non-zero coverage of a grown zone, and
    /// every pixel within resample_px of one.
    #[test]
    fn redaction_contains_grown_coverage((zones, lon, lat, z) in zones_strategy(), r_px in 0u32..4) {
        let size = TileSize::S256;
        let tile = TileId::containing(lon, lat, z).unwrap();
        let grid = WorldGrid::new(z, size).unwrap();
        let win = window_of(tile, size, 1);
        let red = zones.redaction_mask(tile, size, &MaskOptions::new(r_px).unwrap());
        // Coverage of each grown zone, on the window grown by r_px, independently.
        let ext = win.grown(r_px);
        let mut cov = Mask::new(ext.width, ext.height);
        for zone in zones.iter() {
            let mut r = CoverageRasterizer::new();
            for poly in &zone.grown_m().0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    let pts: Vec<[f64; 2]> = ring.0.iter().map(|c| {
                        let (x, y) = grid.to_world_px(c.x, c.y);
                        [x, y]
                    }).collect();
                    r.add_ring(&pts).unwrap();
                }
            }
            r.coverage(ext, &mut cov);
            let w = ext.width as usize;
            for (i, &v) in cov.as_bytes().iter().enumerate() {
                if v == 0 { continue; }
                let (cx, cy) = ((i % w) as i64, (i / w) as i64);
                // every tile pixel within r_px of (cx, cy) must be redacted
                for y in (cy - i64::from(r_px))..=(cy + i64::from(r_px)) {
                    for x in (cx - i64::from(r_px))..=(cx + i64::from(r_px)) {
                        let (tx, ty) = (x - i64::from(r_px), y - i64::from(r_px));
                        if (0..256).contains(&tx) && (0..256).contains(&ty) {
                            prop_assert_eq!(red.get(tx as u32, ty as u32), 255,
                                "pixel ({}, {}) near grown coverage at ({}, {}) not redacted", tx, ty, cx, cy);
                        }
                    }
                }
            }
        }
        prop_assert!(red.as_bytes().iter().all(|&v| v == 0 || v == 255));
    }

    /// Clear tiles have all-zero masks; Full tiles have all-255 redaction masks.
    #[test]
    fn plan_agrees_with_masks((zones, lon, lat, z) in zones_strategy(), dx in -2i64..3, dy in -2i64..3) {
        let size = TileSize::S256;
        let c = TileId::containing(lon, lat, z).unwrap();
        let n = 1i64 << z;
        let x = (i64::from(c.x()) + dx).clamp(0, n - 1) as u32;
        let y = (i64::from(c.y()) + dy).clamp(0, n - 1) as u32;
        let tile = TileId::new(z, x, y).unwrap();
        let opts = MaskOptions::default();
        let red = zones.redaction_mask(tile, size, &opts);
        match zones.plan(tile, size, &opts) {
            TilePlan::Clear => {
                prop_assert!(red.is_clear(), "clear tile {} has redaction pixels", tile);
                prop_assert!(zones.coverage_mask(tile, size).is_clear());
            }
            TilePlan::Full => prop_assert!(red.is_full(), "full tile {} is not all 255", tile),
            TilePlan::Partial => {}
        }
    }

    /// Coverage sums to the zones' area in pixels (zones well inside a 4x4 block of tiles).
    #[test]
    fn coverage_sum_is_zone_area(lon in -170.0..170.0f64, lat in -60.0..60.0f64, z in 6u8..16,
                                 radii in prop::collection::vec(0.2..1.0f64, 3..16)) {
        let tile_deg = 360.0 / f64::from(1u32 << z);
        let r: Vec<f64> = radii.iter().map(|r| r * tile_deg).collect();
        let zones = ZoneSet::from_geojson_str(&collection(&[star_feature("a", lon, lat, &r, 0.0)])).unwrap();
        let size = TileSize::S256;
        let grid = WorldGrid::new(z, size).unwrap();
        let c = TileId::containing(lon, lat, z).unwrap();
        let tl = TileId::new(z, c.x().saturating_sub(2), c.y().saturating_sub(2)).unwrap();
        let m = zones.coverage_mask_window(&grid, window_of(tl, size, 5)).unwrap();
        let poly = &zones.zones()[0].geometry_m().0[0];
        let area_px = geo::Area::unsigned_area(poly) * grid.px_per_m() * grid.px_per_m();
        let perimeter_px = 4.0 * (area_px.sqrt() * 8.0);
        prop_assert!((m.area_px() - area_px).abs() <= perimeter_px * 0.5 / 255.0 + 1e-3 * area_px,
            "mask area {} vs zone area {}", m.area_px(), area_px);
    }
}

#[test]
fn tile_cover_equals_brute_force_on_the_sample() {
    let zones = sample_zones();
    let opts = MaskOptions::default();
    for z in [8u8, 10, 12] {
        let size = TileSize::S256;
        let cover: Vec<(TileId, TilePlan)> = zones.tile_cover(z, size, opts).unwrap().collect();
        // brute force over a generous box around the sample (lon -79.5..-76, lat 23..26)
        let a = TileId::containing(-79.5, 26.0, z).unwrap();
        let b = TileId::containing(-76.0, 23.0, z).unwrap();
        let mut brute = Vec::new();
        for y in a.y()..=b.y() {
            for x in a.x()..=b.x() {
                let t = TileId::new(z, x, y).unwrap();
                let p = zones.plan(t, size, &opts);
                if p != TilePlan::Clear {
                    brute.push((t, p));
                }
            }
        }
        assert_eq!(cover, brute, "zoom {z}");
        assert!(!cover.is_empty());
    }
}

#[test]
fn sample_tiles_hit_as_documented() {
    let zones = sample_zones();
    let size = TileSize::S256;
    // rz-06: 100 m square inside pixel (201, 122) of tile 8/72/110.
    let only_06 = ZoneSet::from_zones(vec![zones.get("rz-06").unwrap().clone()]);
    let t: TileId = "8/72/110".parse().unwrap();
    let cov = only_06.coverage_mask(t, size);
    assert_eq!(cov.count_nonzero(), 1);
    assert!(cov.get(201, 122) > 0);
    let red = only_06.redaction_mask(t, size, &MaskOptions::new(0).unwrap());
    assert_eq!(red.count_nonzero(), 1);
    assert_eq!(red.get(201, 122), 255);
    assert_eq!(
        only_06
            .redaction_mask(t, size, &MaskOptions::default())
            .count_nonzero(),
        25
    );
    // rz-05 is centred on the corner shared by four z10 tiles: all four are partial.
    let only_05 = ZoneSet::from_zones(vec![zones.get("rz-05").unwrap().clone()]);
    let cover: Vec<String> = only_05
        .tile_cover(10, size, MaskOptions::default())
        .unwrap()
        .map(|(t, p)| format!("{t} {p}"))
        .collect();
    assert_eq!(
        cover,
        [
            "10/289/439 partial",
            "10/290/439 partial",
            "10/289/440 partial",
            "10/290/440 partial"
        ]
    );
    // rz-02 (146 km²) hits 4 z10 tiles.
    let only_02 = ZoneSet::from_zones(vec![zones.get("rz-02").unwrap().clone()]);
    let hit = (289..=290)
        .flat_map(|x| (438..=439).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            !only_02
                .coverage_mask(TileId::new(10, x, y).unwrap(), size)
                .is_clear()
        })
        .count();
    assert_eq!(hit, 4);
}

/// A zone smaller than a pixel is redacted at every zoom, from 0 to 22.
#[test]
fn tiny_zone_is_redacted_at_every_zoom() {
    let zones = sample_zones();
    let only_06 = ZoneSet::from_zones(vec![zones.get("rz-06").unwrap().clone()]);
    let (lon, lat) = (-77.0, 24.0); // unused fallback
    let _ = (lon, lat);
    let g = only_06.zones()[0].geometry_lnglat();
    let c = geo::Centroid::centroid(g).unwrap();
    for z in 0..=22u8 {
        let t = TileId::containing(c.x(), c.y(), z).unwrap();
        let red = only_06.redaction_mask(t, TileSize::S256, &MaskOptions::new(0).unwrap());
        assert!(red.count_nonzero() >= 1, "z{z}: nothing redacted");
        assert_ne!(
            only_06.plan(t, TileSize::S256, &MaskOptions::default()),
            TilePlan::Clear
        );
    }
}

#[test]
fn overlapping_zones_are_not_counted_twice() {
    // Two identical squares: coverage must equal one square, not saturate differently.
    let sq = r#"{"type":"Polygon","coordinates":[[[0.001,0.001],[0.004,0.001],[0.004,0.0035],[0.001,0.0035],[0.001,0.001]]]}"#;
    let two = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"a"}},"geometry":{sq}}},{{"type":"Feature","properties":{{"id":"b"}},"geometry":{{"type":"Polygon","coordinates":[[[0.002,0.002],[0.005,0.002],[0.005,0.003],[0.002,0.003],[0.002,0.002]]]}}}}]}}"#
    );
    let zones = ZoneSet::from_geojson_str(&two).unwrap();
    let t = TileId::containing(0.002, 0.002, 16).unwrap();
    let m = zones.coverage_mask(t, TileSize::S256);
    // union area: a (3 x 2.5) plus the part of b outside a (1 x 1) = 8.5e-6 deg²
    let grid = WorldGrid::new(16, TileSize::S256).unwrap();
    let (x0, y0) = tileredact::lnglat_to_mercator(0.001, 0.001);
    let (x1, y1) = tileredact::lnglat_to_mercator(0.004, 0.0035);
    let (x2, y2) = tileredact::lnglat_to_mercator(0.005, 0.003);
    let (_, y3) = tileredact::lnglat_to_mercator(0.0, 0.002);
    let a = (x1 - x0) * (y1 - y0) + (x2 - x1) * (y2 - y3);
    let want = a * grid.px_per_m() * grid.px_per_m();
    assert!(
        (m.area_px() - want).abs() < 0.02 * want,
        "{} vs {want}",
        m.area_px()
    );
}
