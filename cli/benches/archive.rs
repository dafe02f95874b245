//! Throughput of a whole `tileredact redact` run on a generated MBTiles archive of 102 400
//! small 256-pixel tiles (z16, a 320 x 320 block) of which about 1% are reached by 256 small
//! zones, against a plain SQLite copy of the same rows into a new file, for PNG and JPEG
//! tiles; the same run with a zone that reaches no tile (tiles/s of copied tiles); and the
//! run on an archive of the reached tiles only (tiles/s of redacted tiles).
//!
//! The archives are generated once and cached under `target/bench-archive/` (or
//! `$CARGO_TARGET_DIR/bench-archive/`). The bar: the whole run at most 1.5x the copy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rusqlite::{Connection, params};
use tileredact::{Policy, Redactor, TileId, TilePlan, TileSize, ZoneSet};

/// Tiles per side of the block.
const SIDE: u32 = 320;
/// The block's zoom and corner.
const Z: u8 = 16;
const X0: u32 = 34_000;
const Y0: u32 = 22_000;
/// Zones: a 16 x 16 grid, each a small square on the corner of four tiles.
const ZONES_SIDE: u32 = 16;

fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("bench-archive");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The zones file: 256 squares of about 40 m, each centred on a tile corner.
fn zones(dir: &Path) -> PathBuf {
    let path = dir.join("zones.geojson");
    let mut features = Vec::new();
    for j in 0..ZONES_SIDE {
        for i in 0..ZONES_SIDE {
            let step = SIDE / ZONES_SIDE;
            let corner = TileId::new(Z, X0 + i * step + step / 2, Y0 + j * step + step / 2)
                .unwrap()
                .bounds_lnglat();
            let (lon, lat) = (corner.west, corner.north);
            let d = 0.0002;
            features.push(format!(
                r#"{{"type": "Feature", "properties": {{"id": "z{i}-{j}"}}, "geometry":
                {{"type": "Polygon", "coordinates": [[[{w}, {s}], [{e}, {s}], [{e}, {n}],
                [{w}, {n}], [{w}, {s}]]]}}}}"#,
                w = lon - d,
                e = lon + d,
                s = lat - d,
                n = lat + d
            ));
        }
    }
    std::fs::write(
        &path,
        format!(
            r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
            features.join(",\n")
        ),
    )
    .unwrap();
    path
}

/// A small tile: smooth bands plus a little pattern, RGB.
fn pixels(seed: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(256 * 256 * 3);
    for y in 0..256u32 {
        for x in 0..256u32 {
            let v = ((x / 8 + y / 8 + seed) % 16) as u8 * 8;
            rgb.extend_from_slice(&[40 + v, 80 + v / 2, 120u8.wrapping_add(seed as u8)]);
        }
    }
    rgb
}

fn png_tile(seed: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 256, 256);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&pixels(seed))
        .unwrap();
    out
}

fn jpeg_tile(seed: u32) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels(seed), 256, 256, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// Writes the archive once (all tiles, or only those `keep` accepts).
fn archive(path: &Path, tile: &dyn Fn(u32) -> Vec<u8>, keep: &dyn Fn(TileId) -> bool) -> u64 {
    let variants: Vec<Vec<u8>> = (0..8).map(tile).collect();
    let mut n = 0;
    let tmp = path.with_extension("part");
    let _ = std::fs::remove_file(&tmp);
    let mut conn = Connection::open(&tmp).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; \
         CREATE TABLE metadata (name TEXT, value TEXT); \
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, \
         tile_data BLOB);",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    for dy in 0..SIDE {
        for dx in 0..SIDE {
            let id = TileId::new(Z, X0 + dx, Y0 + dy).unwrap();
            if !keep(id) {
                continue;
            }
            let data = &variants[((dx * 7 + dy * 3) % 8) as usize];
            tx.execute(
                "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
                params![id.z(), id.x(), id.tms_row(), data],
            )
            .unwrap();
            n += 1;
        }
    }
    tx.commit().unwrap();
    conn.execute_batch(
        "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )
    .unwrap();
    drop(conn);
    std::fs::rename(&tmp, path).unwrap();
    n
}

/// The tiles of an archive (without opening it for writing).
fn count(path: &Path) -> u64 {
    let conn =
        Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT count(*) FROM tiles", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}

/// The baseline: every row copied by SQLite into a new file, indexed like the tool's output.
fn sqlite_copy(input: &Path, output: &Path) {
    let _ = std::fs::remove_file(output);
    let conn = Connection::open(output).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
         ATTACH DATABASE '{}' AS src; \
         CREATE TABLE metadata (name TEXT, value TEXT); \
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, \
         tile_data BLOB); \
         INSERT INTO metadata SELECT * FROM src.metadata; \
         INSERT INTO tiles SELECT * FROM src.tiles; \
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row); \
         CREATE UNIQUE INDEX name ON metadata (name);",
        input.display()
    ))
    .unwrap();
    drop(conn);
    std::fs::File::open(output).unwrap().sync_all().unwrap();
}

fn redact(zones: &Path, input: &Path, output: &Path) {
    let _ = std::fs::remove_file(output);
    let out = Command::new(env!("CARGO_BIN_EXE_tileredact"))
        .arg("redact")
        .arg("--zones")
        .arg(zones)
        .arg(input)
        .arg(output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn bench(c: &mut Criterion) {
    let dir = cache_dir();
    let zones_path = zones(&dir);
    let far_path = dir.join("far.geojson");
    std::fs::write(
        &far_path,
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties":
        {"id": "far"}, "geometry": {"type": "Polygon", "coordinates": [[[10.0, 10.0],
        [10.01, 10.0], [10.01, 10.01], [10.0, 10.01], [10.0, 10.0]]]}}]}"#,
    )
    .unwrap();
    let redactor = Redactor::new(
        ZoneSet::from_geojson_path(&zones_path).unwrap(),
        &Policy::default(),
        None,
    )
    .unwrap();
    let reached = |id: TileId| redactor.plan(id, TileSize::S256) != TilePlan::Clear;
    let all = |_: TileId| true;
    for (name, tile) in [
        ("png", &png_tile as &dyn Fn(u32) -> Vec<u8>),
        ("jpeg", &jpeg_tile),
    ] {
        let full = dir.join(format!("{name}-all.mbtiles"));
        let touched = dir.join(format!("{name}-touched.mbtiles"));
        if !full.exists() {
            archive(&full, tile, &all);
        }
        if !touched.exists() {
            archive(&touched, tile, &reached);
        }
        let (n_all, n_touched) = (count(&full), count(&touched));
        eprintln!(
            "{name}: {n_all} tiles, {n_touched} reached by the zones ({:.2}%)",
            100.0 * n_touched as f64 / n_all as f64
        );
        let out = dir.join(format!("{name}-out.mbtiles"));
        let mut g = c.benchmark_group(format!("archive-{name}"));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(15));
        g.throughput(Throughput::Elements(n_all));
        g.bench_function("sqlite copy (all tiles)", |b| {
            b.iter(|| sqlite_copy(&full, &out))
        });
        g.bench_function("redact (all tiles)", |b| {
            b.iter(|| redact(&zones_path, &full, &out))
        });
        // Tiles/s of copied tiles: the same run with a zone that reaches no tile.
        g.bench_function("redact (no tile reached)", |b| {
            b.iter(|| redact(&far_path, &full, &out))
        });
        g.throughput(Throughput::Elements(n_touched));
        g.bench_function("redact (reached tiles only)", |b| {
            b.iter(|| redact(&zones_path, &touched, &out))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
