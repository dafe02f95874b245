//! PMTiles v3 archives through the commands, run as a user would: conversions MBTiles <->
//! PMTiles <-> folder, redaction with PMTiles in and out, runs of identical tiles split where
//! only part of a run is redacted, damaged files, `info`. The files written are read by the
//! reference Python implementation (`pmtiles` from PyPI, through `scripts/pmtiles_oracle.py`),
//! which also writes a file the tool must read.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use tileredact::{Policy, Redactor, TileId, TilePlan, TileSize, ZoneSet, decode_rgba};

/// The oracle's Python: the venv of `scripts/install-tools.sh`. A missing oracle fails the
/// test (it is part of the suite), saying how to install it.
fn python() -> PathBuf {
    let py = repo("target/py-venv/bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import pmtiles"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the PMTiles oracle (Python package `pmtiles` in {}) is not installed: run \
         scripts/install-tools.sh",
        py.display()
    );
    py
}

/// What the oracle read from a PMTiles file: its header fields and directory entries
/// (`entries`: [tile id, run length, [[z, x, y], ...]]); the tiles and metadata go to `mbtiles`.
fn oracle_read(pmtiles: &Path, mbtiles: &Path) -> serde_json::Value {
    let _ = std::fs::remove_file(mbtiles);
    let out = Command::new(python())
        .arg(repo("scripts/pmtiles_oracle.py"))
        .arg("read")
        .arg(pmtiles)
        .arg(mbtiles)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn oracle_write(mbtiles: &Path, pmtiles: &Path) {
    let out = Command::new(python())
        .arg(repo("scripts/pmtiles_oracle.py"))
        .arg("write")
        .arg(mbtiles)
        .arg(pmtiles)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn redactor(zones: &Path) -> Redactor {
    Redactor::new(
        ZoneSet::from_geojson_path(zones).unwrap(),
        &Policy::default(),
        None,
    )
    .unwrap()
}

fn redact(zones: &Path, input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("redact")
        .arg("--zones")
        .arg(zones)
        .args(extra)
        .arg(input)
        .arg(output)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A zone far from every test tile: `redact` with it is a plain conversion.
fn far_zone(dir: &Path) -> PathBuf {
    let path = dir.join("far.geojson");
    std::fs::write(
        &path,
        r#"{"type": "Feature", "properties": {"id": "far"}, "geometry": {"type": "Polygon",
        "coordinates": [[[-150.0, -40.0], [-149.9, -40.0], [-149.9, -39.9], [-150.0, -40.0]]]}}"#,
    )
    .unwrap();
    path
}

/// Converts `input` into `output` (a far zone: every tile copied) and checks the run.
fn convert(dir: &Path, input: &Path, output: &Path) {
    let out = redact(&far_zone(dir), input, output, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn header_u64(file: &Path, at: usize) -> u64 {
    let b = std::fs::read(file).unwrap();
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// MBTiles -> PMTiles -> MBTiles, and PMTiles -> folder -> PMTiles: the same tiles, byte for
/// byte, and the same metadata as the direct MBTiles -> MBTiles route; the oracle reads the
/// PMTiles file alike; `info` and `extract` work on it.
#[test]
fn sample_round_trips_through_pmtiles() {
    let dir = tmp_dir("pmtiles-round-trip");
    let sample = repo("examples/data/sample.mbtiles");
    let before = file_hash(&sample);
    let pm = dir.join("sample.pmtiles");
    convert(&dir, &sample, &pm);
    assert_eq!(file_hash(&sample), before, "the input was modified");
    let back = dir.join("back.mbtiles");
    convert(&dir, &pm, &back);
    let direct = dir.join("direct.mbtiles");
    convert(&dir, &sample, &direct);

    let want = read_mbtiles(&sample);
    assert_eq!(want.len(), 681);
    assert_eq!(read_mbtiles(&back), want);
    let meta = read_metadata(&back);
    assert_eq!(meta, read_metadata(&direct));
    // Every metadata row of the original, plus the redaction note.
    let orig = read_metadata(&sample);
    assert_eq!(meta.len(), orig.len() + 1, "{meta:?}");
    for (k, v) in &orig {
        assert_eq!(meta.get(k), Some(v), "{k}");
    }
    assert!(meta.contains_key("tileredact"));

    // The reference reader sees the same tiles and metadata, and a header filled from them.
    let o = dir.join("oracle.mbtiles");
    let h = oracle_read(&pm, &o);
    assert_eq!(read_mbtiles(&o), want);
    let ometa = read_metadata(&o);
    for (k, v) in &meta {
        assert_eq!(ometa.get(k), Some(v), "{k}");
    }
    assert_eq!(h["tile_type"], "PNG");
    assert_eq!(h["tile_compression"], "NONE");
    assert_eq!(h["internal_compression"], "GZIP");
    assert_eq!(h["clustered"], true);
    assert_eq!(
        (h["min_zoom"].as_u64(), h["max_zoom"].as_u64()),
        (Some(8), Some(12))
    );
    assert_eq!(h["addressed_tiles_count"], 681);
    assert_eq!(h["min_lon_e7"], -788_691_790);
    assert_eq!(h["max_lat_e7"], 255_103_020);
    assert_eq!(h["center_zoom"], 10);
    assert!(h["root_offset"].as_u64().unwrap() + h["root_length"].as_u64().unwrap() <= 16_384);

    // To a folder and back to PMTiles.
    let folder = dir.join("tiles");
    convert(&dir, &pm, &folder);
    let pm2 = dir.join("again.pmtiles");
    convert(&dir, &folder, &pm2);
    let back2 = dir.join("back2.mbtiles");
    convert(&dir, &pm2, &back2);
    assert_eq!(read_mbtiles(&back2), want);

    // info and extract.
    let info = bin().arg("info").arg(&pm).output().unwrap();
    assert!(info.status.success(), "{}", stderr(&info));
    let text = String::from_utf8_lossy(&info.stdout);
    for line in [
        "format: pmtiles",
        "tiles: 681",
        "z12: 489 tiles, x 1150..=1175, y 1747..=1771 (XYZ)",
        "  format: png",
        "  minzoom: 8",
        "  bounds: -78.869179,23.611024,-76.657800,25.510302",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let id: TileId = "10/289/439".parse().unwrap();
    let tile = dir.join("tile.png");
    let out = bin()
        .args(["extract", "--tile", "10/289/439"])
        .arg(&pm)
        .arg(&tile)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&tile).unwrap(), want[&id]);
    let out = bin()
        .args(["extract", "--tile", "3/0/0"])
        .arg(&pm)
        .arg(dir.join("none.png"))
        .output()
        .unwrap();
    assert!(stderr(&out).contains("no tile 3/0/0"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redaction with PMTiles in and out: clear tiles the same bytes, the others changed only
/// inside their masks (read back by the reference reader); `verify` passes it exactly.
#[test]
fn pmtiles_is_redacted_inside_the_masks_only() {
    let dir = tmp_dir("pmtiles-redact");
    let zones = repo("examples/data/zones.geojson");
    let sample = repo("examples/data/sample.mbtiles");
    let input = dir.join("in.pmtiles");
    convert(&dir, &sample, &input);
    let before = file_hash(&input);
    let output = dir.join("out.pmtiles");
    let report = dir.join("report.json");
    let out = redact(
        &zones,
        &input,
        &output,
        &["--report", report.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(file_hash(&input), before, "the input was modified");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["input_format"], "pmtiles");
    assert_eq!(r["output_format"], "pmtiles");
    assert_eq!(r["totals"]["read"], 681);
    assert_eq!(r["totals"]["copied"], 629);
    assert_eq!(r["totals"]["failed"], 0);

    let lib = redactor(&zones);
    let a = read_mbtiles(&sample);
    let o = dir.join("oracle.mbtiles");
    oracle_read(&output, &o);
    let b = read_mbtiles(&o);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let (mut copied, mut redacted, mut changed) = (0, 0, 0);
    for (id, orig) in &a {
        let new = &b[id];
        if lib.plan(*id, TileSize::S256) == TilePlan::Clear {
            assert_eq!(orig, new, "clear tile {id} changed");
            copied += 1;
            continue;
        }
        redacted += 1;
        let (p, w, _) = decode_rgba(orig).unwrap();
        let (q, _, _) = decode_rgba(new).unwrap();
        let mask = lib.mask(*id, TileSize::from_px(w).unwrap());
        let mut inside = 0;
        for (i, &m) in mask.as_bytes().iter().enumerate() {
            let differs = p[4 * i..4 * i + 4] != q[4 * i..4 * i + 4];
            assert!(
                !(m == 0 && differs),
                "{id}: a pixel outside the mask changed"
            );
            inside += usize::from(differs);
        }
        changed += usize::from(inside > 0);
    }
    assert_eq!((copied, redacted), (629, 52));
    // All but tiles whose inside was one flat colour (the sample's nodata) change.
    assert!(
        changed >= 45,
        "{changed} of 52 redacted tiles changed inside their masks"
    );

    let v = bin()
        .arg("verify")
        .arg("--zones")
        .arg(&zones)
        .arg("--original")
        .arg(&input)
        .arg(&output)
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", stderr(&v));
    // The original itself is not redacted.
    let v = bin()
        .arg("verify")
        .arg("--zones")
        .arg(&zones)
        .arg("--original")
        .arg(&input)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", stderr(&v));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tiles of zoom 12 around zone `gen`, all the same bytes: in a PMTiles file they are runs,
/// and the zone reaches only some tiles of a run.
fn uniform_tiles() -> Vec<(TileId, Vec<u8>)> {
    let tile = png_tile(5);
    tiles_in(12, 9.9, 49.9, 10.3, 50.3)
        .into_iter()
        .map(|id| (id, tile.clone()))
        .collect()
}

/// The directory entries the oracle listed: (first tile id, run length, tiles).
fn oracle_entries(h: &serde_json::Value) -> Vec<(u64, u64, Vec<TileId>)> {
    h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let tiles = e[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let n = |i: usize| t[i].as_u64().unwrap() as u32;
                    TileId::new(n(0) as u8, n(1), n(2)).unwrap()
                })
                .collect();
            (e[0].as_u64().unwrap(), e[1].as_u64().unwrap(), tiles)
        })
        .collect()
}

/// A run of identical tiles that the zone reaches only in part is split: the reached tiles
/// get their redacted bytes, the others keep the original, and the run entries say so.
#[test]
fn runs_split_where_only_part_is_redacted() {
    let dir = tmp_dir("pmtiles-runs");
    let zones = write_zone(&dir);
    let lib = redactor(&zones);
    let tiles = uniform_tiles();
    let mb = dir.join("in.mbtiles");
    write_mbtiles(&mb, &tiles, false);
    let input = dir.join("in.pmtiles");
    convert(&dir, &mb, &input);

    let clear = |t: &TileId| lib.plan(*t, TileSize::S256) == TilePlan::Clear;
    let h = oracle_read(&input, &dir.join("in-oracle.mbtiles"));
    let entries = oracle_entries(&h);
    assert_eq!(h["tile_contents_count"], 1);
    assert_eq!(h["addressed_tiles_count"], tiles.len() as u64);
    // Some run holds both reached and clear tiles.
    let mixed = entries
        .iter()
        .filter(|(_, _, ts)| ts.iter().any(clear) && !ts.iter().all(clear))
        .count();
    assert!(
        mixed > 0,
        "no run mixes reached and clear tiles: {entries:?}"
    );

    let output = dir.join("out.pmtiles");
    let out = redact(&zones, &input, &output, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = dir.join("out-oracle.mbtiles");
    let h = oracle_read(&output, &o);
    let got = read_mbtiles(&o);
    assert_eq!(got.len(), tiles.len());
    let (mut kept, mut changed) = (0, 0);
    for (id, orig) in &tiles {
        if clear(id) {
            assert_eq!(&got[id], orig, "{id}");
            kept += 1;
        } else {
            assert_ne!(&got[id], orig, "{id}");
            changed += 1;
        }
    }
    assert!(kept > 0 && changed > 0, "{kept} kept, {changed} changed");
    // Every entry of the output is all clear or all reached: the mixed runs were split.
    let out_entries = oracle_entries(&h);
    assert!(out_entries.len() > entries.len());
    for (id, _, ts) in &out_entries {
        assert!(
            ts.iter().all(clear) || !ts.iter().any(clear),
            "entry at tile id {id} mixes clear and reached tiles"
        );
    }
    // The clear tiles still share one content, stored once.
    let contents = h["tile_contents_count"].as_u64().unwrap();
    assert!(
        contents >= 2 && contents <= changed as u64 + 1,
        "{contents}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tiles with bytes of their own and varied lengths: enough entries that the directory
/// needs leaves. Not images: a far zone copies them without decoding.
fn many_tiles(n: usize) -> Vec<(TileId, Vec<u8>)> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(n);
    let (x0, y0) = (8000u32, 5000u32);
    let mut i = 0u32;
    while out.len() < n {
        let (x, y) = (x0 + i % 200, y0 + i / 200);
        i += 1;
        // Skip about one tile in four so that tile ids have gaps too.
        if next() % 4 == 0 {
            continue;
        }
        let len = 16 + (next() % 1500) as usize;
        let mut data = format!("tile {x} {y};").into_bytes();
        data.resize(len, (next() & 0xff) as u8);
        out.push((TileId::new(14, x, y).unwrap(), data));
    }
    out
}

/// The reference reader reads a file with leaf directories that the tool wrote, and the
/// tool reads what the reference writer wrote (runs and deduplicated tiles included).
#[test]
fn the_reference_implementation_reads_ours_and_we_read_its() {
    let dir = tmp_dir("pmtiles-oracle");
    let tiles = many_tiles(12_000);
    let mb = dir.join("many.mbtiles");
    write_mbtiles(&mb, &tiles, false);
    let pm = dir.join("many.pmtiles");
    convert(&dir, &mb, &pm);
    assert!(header_u64(&pm, 48) > 0, "no leaf directories were written");
    let o = dir.join("oracle.mbtiles");
    let h = oracle_read(&pm, &o);
    let want: BTreeMap<TileId, Vec<u8>> = tiles.iter().cloned().collect();
    assert_eq!(read_mbtiles(&o), want);
    assert_eq!(h["addressed_tiles_count"], 12_000);
    assert_eq!(h["tile_entries_count"], 12_000);
    // Ours reads it back too (the leaves on demand).
    let back = dir.join("back.mbtiles");
    convert(&dir, &pm, &back);
    assert_eq!(read_mbtiles(&back), want);
    let (id, data) = &tiles[7_777];
    let tile = dir.join("t.bin");
    let out = bin()
        .args(["extract", "--tile", &id.to_string()])
        .arg(&pm)
        .arg(&tile)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(&std::fs::read(&tile).unwrap(), data);

    // The reference writer: the sample plus a run of identical tiles and a duplicate.
    let mut tiles: Vec<(TileId, Vec<u8>)> = read_mbtiles(&repo("examples/data/sample.mbtiles"))
        .into_iter()
        .collect();
    let same = tiles[0].1.clone();
    for x in 0..40 {
        tiles.push((TileId::new(13, 2300 + x, 3500).unwrap(), same.clone()));
    }
    let mb = dir.join("theirs.mbtiles");
    write_mbtiles(&mb, &tiles, false);
    let theirs = dir.join("theirs.pmtiles");
    oracle_write(&mb, &theirs);
    let h = oracle_read(&theirs, &dir.join("check.mbtiles"));
    assert!(
        h["tile_entries_count"].as_u64().unwrap() < tiles.len() as u64,
        "the reference writer made no runs"
    );
    let back = dir.join("theirs-back.mbtiles");
    convert(&dir, &theirs, &back);
    let want: BTreeMap<TileId, Vec<u8>> = tiles.into_iter().collect();
    assert_eq!(read_mbtiles(&back), want);
    let meta = read_metadata(&back);
    assert_eq!(meta["name"], "generated");
    assert_eq!(meta["format"], "png");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Damaged and foreign files: each a clear error naming the file and what is wrong, and no
/// output.
#[test]
fn bad_pmtiles_give_clear_errors() {
    let dir = tmp_dir("pmtiles-bad");
    let zones = write_zone(&dir);
    let good = dir.join("good.pmtiles");
    let mut tiles = uniform_tiles();
    for (i, t) in tiles.iter_mut().enumerate() {
        t.1.extend_from_slice(&(i as u32).to_le_bytes());
    }
    write_mbtiles(&dir.join("in.mbtiles"), &tiles, false);
    convert(&dir, &dir.join("in.mbtiles"), &good);
    let bytes = std::fs::read(&good).unwrap();
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap()) as usize;
    let (root_off, root_len, data_off) = (u64_at(8), u64_at(16), u64_at(56));

    let output = dir.join("out.pmtiles");
    let mut checked = 0;
    let mut check = |name: &str, content: &[u8], extra: &[&str], expect: &str| {
        let input = dir.join(name);
        std::fs::write(&input, content).unwrap();
        let out = redact(&zones, &input, &output, extra);
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: {err}");
        assert!(err.contains(&input.display().to_string()), "{name}: {err}");
        assert!(
            err.contains(expect),
            "{name}: expected {expect:?} in: {err}"
        );
        assert!(!output.exists());
        assert_eq!(
            visible_names(&dir)
                .iter()
                .filter(|n| n.starts_with("out"))
                .count(),
            0
        );
        checked += 1;
    };
    check(
        "wrong-magic.pmtiles",
        b"PNTiles\x03 and more bytes",
        &[],
        "not a pmtiles archive",
    );
    let mut forced = bytes.clone();
    forced[..7].copy_from_slice(b"XXTiles");
    check(
        "forced.bin",
        &forced,
        &["--input-format", "pmtiles"],
        "not a PMTiles archive",
    );
    check(
        "short.pmtiles",
        &bytes[..100],
        &[],
        "shorter than the 127-byte header",
    );
    check(
        "truncated.pmtiles",
        &bytes[..bytes.len() - 1000],
        &[],
        "tile data section (offset",
    );
    let mut v2 = bytes.clone();
    v2[7] = 2;
    check("v2.pmtiles", &v2, &[], "spec version 2 is not supported");
    let mut zstd = bytes.clone();
    zstd[97] = 4;
    check("zstd.pmtiles", &zstd, &[], "compressed with zstd");
    let mut garbled = bytes.clone();
    for b in &mut garbled[root_off + 10..root_off + root_len] {
        *b ^= 0x5a;
    }
    check(
        "garbled.pmtiles",
        &garbled,
        &[],
        "root directory (offset 127",
    );
    // The tile data section said to be shorter than the entries need.
    let mut short_data = bytes.clone();
    let fake = (bytes.len() - data_off - 100) as u64;
    short_data[64..72].copy_from_slice(&fake.to_le_bytes());
    check(
        "short-data.pmtiles",
        &short_data,
        &[],
        "past the end of the tile data section",
    );
    assert_eq!(checked, 8);
    // info says the same.
    let out = bin()
        .arg("info")
        .arg(dir.join("v2.pmtiles"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("version 2"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run from PMTiles to PMTiles killed midway leaves no output (only hidden temporary
/// names) and the input as it was.
#[test]
fn killed_pmtiles_run_leaves_no_output_and_the_input_intact() {
    use std::time::{Duration, Instant};
    let dir = tmp_dir("pmtiles-interrupt");
    let zones = write_zone(&dir);
    // Keyed texture on every tile: each one is decoded, textured and encoded.
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"default": {"operator": "texture"}}"#).unwrap();
    let tile = png_tile(7);
    let tiles: Vec<_> = tiles_in(17, 10.01, 50.01, 10.19, 50.19)
        .into_iter()
        .map(|id| (id, tile.clone()))
        .collect();
    assert!(tiles.len() > 4000, "{}", tiles.len());
    let mb = dir.join("big.mbtiles");
    write_mbtiles(&mb, &tiles, false);
    let input = dir.join("big.pmtiles");
    convert(&dir, &mb, &input);
    std::fs::remove_file(&mb).unwrap();
    let before = file_hash(&input);
    let output = dir.join("out.pmtiles");

    let mut child = bin()
        .args(["redact", "--threads", "1", "--zones"])
        .arg(&zones)
        .arg("--policy")
        .arg(&policy)
        .arg(&input)
        .arg(&output)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let temp_exists = || {
        std::fs::read_dir(&dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".out.pmtiles.tmp-")
        })
    };
    while !temp_exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the run never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run finished too fast to be interrupted"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(!output.exists(), "a killed run left {}", output.display());
    assert_eq!(
        visible_names(&dir),
        ["big.pmtiles", "far.geojson", "policy.json", "zone.geojson"]
    );
    assert_eq!(file_hash(&input), before, "the input was modified");
    let _ = std::fs::remove_dir_all(&dir);
}
