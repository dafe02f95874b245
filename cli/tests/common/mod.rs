//! Helpers of the archive tests: temporary folders, generated tiles and MBTiles files.
#![allow(dead_code)] // Each test file uses its own subset.

use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::{Connection, OpenFlags, params};
use tileredact::TileId;

/// The built `tileredact` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tileredact"))
}

/// A path in the repository.
pub fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

/// A fresh temporary folder for one test.
pub fn tmp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tileredact-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A zone `gen` over lon 10.0..10.2, lat 50.0..50.2, written into `dir`.
pub fn write_zone(dir: &Path) -> PathBuf {
    let path = dir.join("zone.geojson");
    std::fs::write(
        &path,
        r#"{"type": "Feature", "properties": {"id": "gen"}, "geometry": {"type": "Polygon",
        "coordinates": [[[10.0, 50.0], [10.2, 50.0], [10.2, 50.2], [10.0, 50.2], [10.0, 50.0]]]}}"#,
    )
    .unwrap();
    path
}

/// A 256-pixel RGB PNG with a pattern that depends on `seed` (so that inpainting changes it).
pub fn png_tile(seed: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(256 * 256 * 3);
    for y in 0..256u32 {
        for x in 0..256u32 {
            let v = x.wrapping_mul(7) ^ y.wrapping_mul(13) ^ seed.wrapping_mul(31);
            rgb.extend_from_slice(&[
                (v & 0xff) as u8,
                ((x + seed) & 0xff) as u8,
                (y & 0xff) as u8,
            ]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 256, 256);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&rgb).unwrap();
    }
    out
}

/// The tiles of zoom `z` whose centres lie in lon `w..e`, lat `s..n`.
pub fn tiles_in(z: u8, w: f64, s: f64, e: f64, n: f64) -> Vec<TileId> {
    let a = TileId::containing(w, n, z).unwrap();
    let b = TileId::containing(e, s, z).unwrap();
    let mut out = Vec::new();
    for y in a.y()..=b.y() {
        for x in a.x()..=b.x() {
            out.push(TileId::new(z, x, y).unwrap());
        }
    }
    out
}

/// Writes an MBTiles file: the plain `tiles` table, or (`dedup`) `map` + `images` with a
/// `tiles` view, as mbutil and tippecanoe write it.
pub fn write_mbtiles(path: &Path, tiles: &[(TileId, Vec<u8>)], dedup: bool) {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA application_id = 1297105496; \
         CREATE TABLE metadata (name TEXT, value TEXT); \
         INSERT INTO metadata VALUES ('name', 'generated'), ('format', 'png'), \
         ('agg_tiles_hash', '0123456789abcdef');",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    if dedup {
        tx.execute_batch(
            "CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, \
             tile_id TEXT); CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, \
             tile_row); CREATE TABLE images (tile_data BLOB, tile_id TEXT); \
             CREATE UNIQUE INDEX images_id ON images (tile_id); \
             CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS \
             tile_column, map.tile_row AS tile_row, images.tile_data AS tile_data FROM map \
             JOIN images ON images.tile_id = map.tile_id;",
        )
        .unwrap();
        for (id, data) in tiles {
            let hash = blake3::hash(data).to_string();
            tx.execute(
                "INSERT OR IGNORE INTO images (tile_data, tile_id) VALUES (?1, ?2)",
                params![data, hash],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO map VALUES (?1, ?2, ?3, ?4)",
                params![id.z(), id.x(), id.tms_row(), hash],
            )
            .unwrap();
        }
    } else {
        tx.execute_batch(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, \
             tile_data BLOB); CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, \
             tile_column, tile_row);",
        )
        .unwrap();
        for (id, data) in tiles {
            tx.execute(
                "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
                params![id.z(), id.x(), id.tms_row(), data],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Every tile of an MBTiles file (plain or deduplicated, through the `tiles` table or view),
/// by XYZ address.
pub fn read_mbtiles(path: &Path) -> std::collections::BTreeMap<TileId, Vec<u8>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn
        .prepare("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            TileId::from_tms(r.get(0)?, r.get(1)?, r.get(2)?).unwrap(),
            r.get::<_, Vec<u8>>(3)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The metadata of an MBTiles file.
pub fn read_metadata(path: &Path) -> std::collections::BTreeMap<String, String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT name, value FROM metadata").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// BLAKE3 of a file.
pub fn file_hash(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).unwrap()).to_string()
}

/// The names in a folder that do not start with a dot.
pub fn visible_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}
