//! Zone-level masks and planning: stitching of tile masks, conservativeness of the redaction
//! mask (against the exact contact oracle of `tileredact::oracle`), planner consistency, tile
//! cover vs brute force, and the sample zones.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::{
    Mask, MaskOptions, PixelWindow, TileId, TilePlan, TileSize, WorldGrid, ZoneSet, oracle,
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

/// A zone set with the GeoJSON text it was read from: a failing case prints the text (short
/// enough for a regression file), not the whole set.
struct TextZones {
    text: String,
    set: ZoneSet,
}

impl std::fmt::Debug for TextZones {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::ops::Deref for TextZones {
    type Target = ZoneSet;
    fn deref(&self) -> &ZoneSet {
        &self.set
    }
}

/// Zones near (lon, lat): one to three stars, possibly overlapping, sized for zoom `z`.
fn zones_strategy() -> impl Strategy<Value = (TextZones, f64, f64, u8)> {
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
            let set = ZoneSet::from_geojson_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            (TextZones { text, set }, lon, lat, z)
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
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x706c_616e_6d61_736b),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

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

    /// Clear tiles have all-zero masks; Full tiles all-255 redaction masks; a Partial tile's
    /// redaction mask is not full, and one pixel wider (the planner's padding) not empty.
    #[test]
    fn plan_agrees_with_masks((zones, lon, lat, z) in zones_strategy(), dx in -2i64..3, dy in -2i64..3, r in 0u32..4) {
        let size = TileSize::S256;
        let c = TileId::containing(lon, lat, z).unwrap();
        let n = 1i64 << z;
        let x = (i64::from(c.x()) + dx).clamp(0, n - 1) as u32;
        let y = (i64::from(c.y()) + dy).clamp(0, n - 1) as u32;
        let tile = TileId::new(z, x, y).unwrap();
        let opts = MaskOptions::new(r).unwrap();
        let red = zones.redaction_mask(tile, size, &opts);
        match zones.plan(tile, size, &opts) {
            TilePlan::Clear => {
                prop_assert!(red.is_clear(), "clear tile {} has redaction pixels", tile);
                prop_assert!(zones.coverage_mask(tile, size).is_clear());
            }
            TilePlan::Full => prop_assert!(red.is_full(), "full tile {} is not all 255", tile),
            TilePlan::Partial => {
                prop_assert!(!red.is_full(), "partial tile {} is all 255", tile);
                let wider = MaskOptions::new(r + 1).unwrap();
                prop_assert!(!zones.redaction_mask(tile, size, &wider).is_clear(),
                    "partial tile {} has no redaction pixel even one pixel wider", tile);
            }
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

/// Offsets from a pixel line that probe the 1/4096 px vertex snapping: on the line, a hair
/// either side, half a snap unit and about one snap unit either side.
const HAIRS: [f64; 9] = [
    0.0,
    1e-6,
    -1e-6,
    1e-5,
    -1e-5,
    1.0 / 8192.0,
    -1.0 / 8192.0,
    1.0 / 4096.0 - 1e-6,
    -1.0 / 4096.0,
];

/// A position in tile pixels `8..248`, on or a hair off a pixel line (each coordinate) half of
/// the time.
fn hard_point() -> impl Strategy<Value = [f64; 2]> {
    let hair = || prop::option::weighted(0.5, 0..HAIRS.len());
    let nudge = |v: f64, h: Option<usize>| h.map_or(v, |k| v.round() + HAIRS[k]);
    (8.0..248.0f64, 8.0..248.0f64, hair(), hair())
        .prop_map(move |(x, y, hx, hy)| [nudge(x, hx), nudge(y, hy)])
}

/// One hard zone ring in tile pixels (see [`hard_zones_strategy`]).
fn hard_ring() -> impl Strategy<Value = Vec<[f64; 2]>> {
    let hair = (
        8.0..248.0f64,
        8u32..248,
        0..HAIRS.len(),
        any::<bool>(),
        any::<bool>(),
        0.3..6.0f64,
        0.2..4.0f64,
    )
        .prop_map(|(along, line, hair, vertical, from_below, depth, half)| {
            // The apex is `HAIRS[hair]` past the pixel line, away from the base.
            let s = if from_below { 1.0 } else { -1.0 };
            let apex = f64::from(line) + s * HAIRS[hair];
            let base = f64::from(line) - s * depth;
            let tri = [[apex, along], [base, along - half], [base, along + half]];
            if vertical {
                tri.to_vec()
            } else {
                tri.map(|p| [p[1], p[0]]).to_vec()
            }
        });
    let tiny = (
        hard_point(),
        prop::sample::select(vec![1e-4, 0.01, 0.3]),
        0.0..6.3f64,
    )
        .prop_map(|(p, size, a)| {
            let (s, c) = a.sin_cos();
            vec![
                p,
                [p[0] + size * c, p[1] + size * s],
                [p[0] - size * s * 0.5, p[1] + size * c * 0.5],
            ]
        });
    let sliver = (
        hard_point(),
        hard_point(),
        prop::sample::select(vec![1e-3, 1e-2]),
    )
        .prop_map(|(p, q, w)| {
            let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
            let len = dx.hypot(dy).max(1.0);
            vec![
                p,
                q,
                [
                    0.5 * (p[0] + q[0]) - dy / len * w,
                    0.5 * (p[1] + q[1]) + dx / len * w,
                ],
            ]
        });
    let rect = (hard_point(), 0.05..30.0f64, 0.05..30.0f64)
        .prop_map(|(p, w, h)| vec![p, [p[0] + w, p[1]], [p[0] + w, p[1] + h], [p[0], p[1] + h]]);
    // Shrinking can bring a sliver's ends together: keep rings with an area (the loader rejects
    // degenerate ones, rightly).
    prop_oneof![hair, tiny, sliver, rect]
        .prop_filter("degenerate ring", |r| oracle::ring_area(r).abs() > 1e-10)
}

/// Zones that enter pixels of one tile by a hair: one to three rings made in the tile's pixels
/// (hair triangles whose apex crosses a pixel line by less than the snap or stops short of it,
/// sub-pixel triangles, slivers, rectangles with sides on or a hair off pixel lines), converted
/// to lon/lat; margin 0 (the grown zone is the zone) or a few metres. As GeoJSON text (short
/// in a failure report), with the tile.
fn hard_zones_strategy() -> impl Strategy<Value = (String, TileId)> {
    (
        -170.0..170.0f64,
        -75.0..75.0f64,
        4u8..19,
        prop::collection::vec(
            (hard_ring(), prop_oneof![3 => Just(0.0), 1 => 0.0..20.0f64]),
            1..4,
        ),
    )
        .prop_map(|(lon, lat, z, rings)| {
            let tile = TileId::containing(lon, lat, z).unwrap();
            let grid = WorldGrid::new(z, TileSize::S256).unwrap();
            let (ox, oy) = tile.world_px_origin(TileSize::S256);
            let features: Vec<serde_json::Value> = rings
                .iter()
                .enumerate()
                .map(|(i, (ring, margin))| {
                    let mut pts: Vec<[f64; 2]> = ring
                        .iter()
                        .map(|p| {
                            let (mx, my) = grid.to_mercator(ox as f64 + p[0], oy as f64 + p[1]);
                            let (lo, la) = tileredact::mercator_to_lnglat(mx, my);
                            [lo, la]
                        })
                        .collect();
                    pts.push(pts[0]);
                    serde_json::json!({
                        "type": "Feature",
                        "properties": {"id": format!("h{i}"), "margin_m": margin},
                        "geometry": {"type": "Polygon", "coordinates": [pts]}
                    })
                })
                .collect();
            let value = serde_json::json!({"type": "FeatureCollection", "features": features});
            (value.to_string(), tile)
        })
}

/// Square dilation by `r` (Chebyshev), the slow way, of a mask on `ext`, cropped to the
/// `width` x `height` window `r` pixels inside it.
fn dilate_crop(m: &Mask, r: u32, width: u32, height: u32) -> Mask {
    let mut out = Mask::new(width, height);
    let w = width as usize;
    for ty in 0..height {
        for tx in 0..width {
            let hit = (ty..=ty + 2 * r).any(|y| (tx..=tx + 2 * r).any(|x| m.get(x, y) != 0));
            if hit {
                out.as_bytes_mut()[ty as usize * w + tx as usize] = 255;
            }
        }
    }
    out
}

/// Checks the redaction mask of `tile` with `resample_px = r_px` against the exact contact
/// oracle: every pixel within `r_px` of a pixel whose closed square meets a grown zone is 255
/// (no leak, however little the zone enters the pixel); every 255 pixel is within `r_px` of a
/// pixel that a grown zone comes within 4/4096 px of; nothing else. Returns how many pixels of
/// the tile must be redacted.
fn check_redaction(zones: &ZoneSet, tile: TileId, r_px: u32) -> Result<usize, TestCaseError> {
    let size = TileSize::S256;
    let grid = WorldGrid::new(tile.z(), size).unwrap();
    let win = window_of(tile, size, 1);
    let ext = win.grown(r_px);
    let red = zones.redaction_mask(tile, size, &MaskOptions::new(r_px).unwrap());
    let mut meets = Mask::new(ext.width, ext.height);
    let mut near = Mask::new(ext.width, ext.height);
    for zone in zones.iter() {
        for poly in &zone.grown_m().0 {
            let rings: Vec<Vec<[f64; 2]>> = std::iter::once(poly.exterior())
                .chain(poly.interiors())
                .map(|ring| {
                    ring.0
                        .iter()
                        .map(|c| {
                            let (x, y) = grid.to_world_px(c.x, c.y);
                            [x, y]
                        })
                        .collect()
                })
                .collect();
            let m = oracle::meeting_mask(&rings, ext, 0.0);
            let n = oracle::meeting_mask(&rings, ext, 4.0 / 4096.0);
            for (d, s) in meets.as_bytes_mut().iter_mut().zip(m.as_bytes()) {
                *d |= s;
            }
            for (d, s) in near.as_bytes_mut().iter_mut().zip(n.as_bytes()) {
                *d |= s;
            }
        }
    }
    let need = dilate_crop(&meets, r_px, win.width, win.height);
    let allow = dilate_crop(&near, r_px, win.width, win.height);
    for (i, ((&v, &nv), &av)) in red
        .as_bytes()
        .iter()
        .zip(need.as_bytes())
        .zip(allow.as_bytes())
        .enumerate()
    {
        let (x, y) = (i % 256, i / 256);
        prop_assert!(v == 0 || v == 255, "pixel ({x}, {y}) is {v}");
        prop_assert!(
            nv == 0 || v == 255,
            "tile {tile}, resample_px {r_px}: pixel ({x}, {y}) is within {r_px} px of a grown zone but not redacted"
        );
        prop_assert!(
            v == 0 || av == 255,
            "tile {tile}, resample_px {r_px}: pixel ({x}, {y}) redacted but no grown zone is near"
        );
    }
    Ok(need.count_nonzero())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x7265_6461_6374),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// The redaction mask is exactly the pixels within `resample_px` of a pixel whose closed
    /// square meets a grown zone (up to the snapping, never fewer): random star zones.
    #[test]
    fn redaction_is_the_pixels_near_grown_zones((zones, lon, lat, z) in zones_strategy(), r_px in 0u32..4) {
        let tile = TileId::containing(lon, lat, z).unwrap();
        check_redaction(&zones, tile, r_px)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x68_6169_7273),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// The same on hard zones: hairs that enter a pixel by less than the 1/4096 px snap,
    /// vertices on pixel lines and corners, slivers, sub-pixel zones. Each zone has a vertex in
    /// the tile, so some pixel must be redacted.
    #[test]
    fn redaction_is_the_pixels_near_hard_zones((text, tile) in hard_zones_strategy(), r_px in 0u32..3) {
        let zones = ZoneSet::from_geojson_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        let n = check_redaction(&zones, tile, r_px)?;
        prop_assert!(n > 0, "no pixel of tile {} meets a zone", tile);
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
    // Dilated by the default allowance: the (2r + 1)² square around it.
    let r = MaskOptions::DEFAULT_RESAMPLE_PX as usize;
    assert_eq!(
        only_06
            .redaction_mask(t, size, &MaskOptions::default())
            .count_nonzero(),
        (2 * r + 1) * (2 * r + 1)
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
