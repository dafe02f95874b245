//! Planning and per-tile masks, peers in the same run on the same inputs.
//!
//! - `plan_10000_zones`: `ZoneSet::plan` among 10 000 small diamond-shaped zones against an
//!   exact brute force (every zone's grown bounding box, then geo's exact polygon/rectangle
//!   predicates on the ones that hit), on clear tiles, on tiles that hit a zone's bounding
//!   box but not the zone (a diamond's empty corners), and on partial tiles.
//! - `huge_zone`: one 200 000-vertex coastline; the redaction mask and the plan of a z16
//!   tile on its edge, against rasterising the whole outline for the tile (what the mask cost
//!   before edges were indexed by rows).
//!
//! `cargo bench --features bench --bench plan`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::{Contains, Coord, Intersects, Rect};
use std::hint::black_box;
use tileredact::{
    CoverageRasterizer, Mask, MaskOptions, PixelWindow, TileId, TilePlan, TileSize, WorldGrid,
    ZoneSet,
};

struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Half the diagonal of a diamond zone, in degrees (about 330 m).
const DIAMOND: f64 = 0.003;

/// 10 000 diamond zones (50 m margin) scattered over a 20° x 20° area; their centres.
fn zones() -> (ZoneSet, Vec<(f64, f64)>) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut feats = Vec::with_capacity(10_000);
    let mut centres = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let lon = -10.0 + 20.0 * rng.unit();
        let lat = 30.0 + 20.0 * rng.unit();
        let d = DIAMOND;
        centres.push((lon, lat));
        feats.push(format!(
            r#"{{"type":"Feature","properties":{{"id":"z{i}","margin_m":50}},"geometry":{{"type":"Polygon","coordinates":[[[{},{lat}],[{lon},{}],[{},{lat}],[{lon},{}],[{},{lat}]]]}}}}"#,
            lon - d,
            lat - d,
            lon + d,
            lat + d,
            lon - d,
        ));
    }
    let set = ZoneSet::from_geojson_str(&format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        feats.join(",")
    ))
    .expect("bench zones are valid");
    (set, centres)
}

fn rect(a: (f64, f64), b: (f64, f64)) -> Rect<f64> {
    Rect::new(Coord { x: a.0, y: a.1 }, Coord { x: b.0, y: b.1 })
}

/// The exact brute-force peer: every zone's grown bounding box against the padded tile, then
/// geo's exact predicates on the grown parts that hit (intersects for partial, contains for
/// full).
fn brute_force_plan(zones: &ZoneSet, tile: TileId, opts: &MaskOptions) -> TilePlan {
    let b = tile.bounds_m();
    let pad = (b.max_x - b.min_x) / 256.0 * (f64::from(opts.resample_px()) + 1.0);
    let padded = rect(
        (b.min_x - pad, b.min_y - pad),
        (b.max_x + pad, b.max_y + pad),
    );
    let exact = rect((b.min_x, b.min_y), (b.max_x, b.max_y));
    let mut plan = TilePlan::Clear;
    for z in zones.iter() {
        let r = z.grown_bbox_m();
        if !r.intersects(&padded) {
            continue;
        }
        for part in &z.grown_m().0 {
            if part.contains(&exact) {
                return TilePlan::Full;
            }
            if part.intersects(&padded) {
                plan = TilePlan::Partial;
            }
        }
    }
    plan
}

fn bench_many(c: &mut Criterion) {
    let (zones, centres) = zones();
    let opts = MaskOptions::default();
    let size = TileSize::S256;
    let mut group = c.benchmark_group("plan_10000_zones");
    group.throughput(Throughput::Elements(1));
    // Clear tiles at z14 inside the zones' area (most tiles there are clear).
    let clear: Vec<TileId> = (0..64)
        .map(|i| {
            TileId::containing(-9.9 + 0.3 * f64::from(i), 30.1 + 0.29 * f64::from(i), 14).unwrap()
        })
        .filter(|&t| zones.plan(t, size, &opts) == TilePlan::Clear)
        .collect();
    assert!(clear.len() > 32, "expected mostly clear tiles");
    // z18 tiles at the empty corners of the diamonds' bounding boxes, and on their edges.
    let (mut corner, mut partial) = (Vec::new(), Vec::new());
    for &(lon, lat) in centres.iter().take(200) {
        let t = TileId::containing(lon + 0.9 * DIAMOND, lat + 0.9 * DIAMOND, 18).unwrap();
        if zones.plan(t, size, &opts) == TilePlan::Clear {
            corner.push(t);
        }
        let t = TileId::containing(lon + 0.5 * DIAMOND, lat + 0.5 * DIAMOND, 18).unwrap();
        if zones.plan(t, size, &opts) == TilePlan::Partial {
            partial.push(t);
        }
    }
    assert!(
        corner.len() > 150 && partial.len() > 150,
        "{} {}",
        corner.len(),
        partial.len()
    );
    for t in corner.iter().chain(&partial).chain(&clear).take(100) {
        assert_eq!(
            zones.plan(*t, size, &opts),
            brute_force_plan(&zones, *t, &opts)
        );
    }
    for (name, tiles) in [
        ("clear_z14", &clear),
        ("bbox_hit_clear_z18", &corner),
        ("partial_z18", &partial),
    ] {
        group.bench_with_input(BenchmarkId::new("tileredact", name), tiles, |b, tiles| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % tiles.len();
                black_box(zones.plan(black_box(tiles[i]), size, &opts))
            })
        });
        group.bench_with_input(BenchmarkId::new("brute_force", name), tiles, |b, tiles| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % tiles.len();
                black_box(brute_force_plan(&zones, black_box(tiles[i]), &opts))
            })
        });
    }
    group.finish();
}

/// A 200 000-vertex star-shaped coastline of radius about 1.5° around (20, 45).
fn coastline(n: usize) -> Vec<[f64; 2]> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut walk = 0.0f64;
    (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            walk = (walk + 0.02 * (rng.unit() - 0.5)).clamp(-0.3, 0.3);
            let r = 1.5 * (1.0 + 0.2 * (7.0 * a).sin() + walk);
            [20.0 + r * a.cos(), 45.0 + 0.7 * r * a.sin()]
        })
        .collect()
}

fn bench_huge(c: &mut Criterion) {
    let ring = coastline(200_000);
    let mut coords: Vec<String> = ring
        .iter()
        .map(|p| format!("[{},{}]", p[0], p[1]))
        .collect();
    coords.push(coords[0].clone());
    let zones = ZoneSet::from_geojson_str(&format!(
        r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
        coords.join(",")
    ))
    .expect("the coastline is a valid zone");
    let size = TileSize::S256;
    let opts = MaskOptions::default();
    let tile = TileId::containing(ring[0][0], ring[0][1], 16).unwrap();
    assert_eq!(zones.plan(tile, size, &opts), TilePlan::Partial);
    // The peer: the whole outline through the same rasteriser, as the mask did before.
    let grid = WorldGrid::new(16, size).unwrap();
    let (x0, y0) = tile.world_px_origin(size);
    let r_px = opts.resample_px();
    let ext = PixelWindow {
        x0: x0 as i64,
        y0: y0 as i64,
        width: size.px(),
        height: size.px(),
    }
    .grown(r_px);
    let world: Vec<[f64; 2]> = zones.zones()[0].grown_m().0[0]
        .exterior()
        .0
        .iter()
        .map(|c| {
            let (x, y) = grid.to_world_px(c.x, c.y);
            [x, y]
        })
        .collect();
    let mut raster = CoverageRasterizer::new();
    let whole = |raster: &mut CoverageRasterizer| {
        raster.reset();
        raster.add_ring(&world).unwrap();
        let mut m = Mask::new(ext.width, ext.height);
        raster.touched(ext, &mut m);
        m
    };
    // Same touched pixels inside the tile (before the dilation).
    let mine = zones.redaction_mask(tile, size, &MaskOptions::new(0).unwrap());
    let theirs = whole(&mut raster).crop(r_px, r_px, size.px(), size.px());
    assert_eq!(mine, theirs);
    let mut group = c.benchmark_group("huge_zone_200k_z16");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tileredact/redaction_mask", |b| {
        b.iter(|| black_box(zones.redaction_mask(black_box(tile), size, &opts)))
    });
    group.bench_function("whole_outline/touched", |b| {
        b.iter(|| black_box(whole(&mut raster)))
    });
    group.bench_function("tileredact/plan", |b| {
        b.iter(|| black_box(zones.plan(black_box(tile), size, &opts)))
    });
    group.finish();
}

criterion_group!(benches, bench_many, bench_huge);
criterion_main!(benches);
