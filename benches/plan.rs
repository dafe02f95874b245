//! Planning with 10 000 zones: `ZoneSet::plan` against a brute-force scan of every zone's
//! grown bounding box (the peer any tile server would write first), in the same run.
//!
//! `cargo bench --features bench --bench plan`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tileredact::{MaskOptions, TileId, TilePlan, TileSize, ZoneSet};

/// 10 000 small square zones (~200 m, 50 m margin) scattered over a 20° x 20° area.
fn zones() -> ZoneSet {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut feats = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let lon = -10.0 + 20.0 * rnd();
        let lat = 30.0 + 20.0 * rnd();
        let d = 0.002;
        feats.push(format!(
            r#"{{"type":"Feature","properties":{{"id":"z{i}","margin_m":50}},"geometry":{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}}}"#,
            lon + d,
            lon + d,
            lat + d,
            lat + d
        ));
    }
    ZoneSet::from_geojson_str(&format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        feats.join(",")
    ))
    .expect("bench zones are valid")
}

/// The brute-force peer: test every zone's grown bounding box against the padded tile.
fn brute_force_plan(zones: &ZoneSet, tile: TileId) -> TilePlan {
    let b = tile.bounds_m();
    let pad = (b.max_x - b.min_x) / 256.0 * 3.0;
    for z in zones.iter() {
        let r = z.grown_bbox_m();
        if r.min().x <= b.max_x + pad
            && r.max().x >= b.min_x - pad
            && r.min().y <= b.max_y + pad
            && r.max().y >= b.min_y - pad
        {
            return TilePlan::Partial;
        }
    }
    TilePlan::Clear
}

fn bench(c: &mut Criterion) {
    let zones = zones();
    let opts = MaskOptions::default();
    let mut group = c.benchmark_group("plan_10000_zones");
    group.throughput(Throughput::Elements(1));
    // Clear tiles at z14 inside the zones' area (most tiles there are clear), and one
    // partial tile.
    let clear: Vec<TileId> = (0..64)
        .map(|i| {
            TileId::containing(-9.9 + 0.3 * f64::from(i), 30.1 + 0.29 * f64::from(i), 14).unwrap()
        })
        .filter(|&t| zones.plan(t, TileSize::S256, &opts) == TilePlan::Clear)
        .collect();
    assert!(clear.len() > 32, "expected mostly clear tiles");
    let z0 = zones.zones()[0].geometry_lnglat().0[0].exterior().0[0];
    let partial = TileId::containing(z0.x + 0.001, z0.y + 0.001, 14).unwrap();
    assert_ne!(zones.plan(partial, TileSize::S256, &opts), TilePlan::Clear);
    for (name, tiles) in [("clear_z14", clear.clone()), ("partial_z14", vec![partial])] {
        group.bench_with_input(BenchmarkId::new("tileredact", name), &tiles, |b, tiles| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % tiles.len();
                black_box(zones.plan(black_box(tiles[i]), TileSize::S256, &opts))
            })
        });
        group.bench_with_input(BenchmarkId::new("brute_force", name), &tiles, |b, tiles| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % tiles.len();
                black_box(brute_force_plan(&zones, black_box(tiles[i])))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
