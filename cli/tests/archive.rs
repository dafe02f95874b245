//! The archive commands (`redact`, `verify`, `info`, `extract`), run as a user would, on the
//! bundled sample and on small generated archives.

mod common;

use std::path::Path;

use common::*;
use tileredact::{
    DEFAULT_COLOR, Policy, Redactor, TileFormat, TileId, TilePlan, TileSize, ZoneSet, decode_rgba,
};

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

/// The sample: clear tiles are the same bytes, every other tile differs from the original
/// exactly inside its redaction mask; the report and the metadata say what was done; the
/// input is unchanged; `verify` passes the output and fails the original.
#[test]
fn sample_mbtiles_is_redacted_inside_the_masks_only() {
    let dir = tmp_dir("archive-sample");
    let zones = repo("examples/data/zones.geojson");
    let input = repo("examples/data/sample.mbtiles");
    let output = dir.join("out.mbtiles");
    let report = dir.join("report.json");
    let before = file_hash(&input);
    let out = redact(
        &zones,
        &input,
        &output,
        &["--report", report.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(file_hash(&input), before, "the input was modified");
    assert!(stderr(&out).contains("tiles read 681"), "{}", stderr(&out));

    let lib = redactor(&zones);
    let a = read_mbtiles(&input);
    let b = read_mbtiles(&output);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let (mut copied, mut redacted) = (0, 0);
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
        let (mut inside_changed, mut outside_changed) = (0, 0);
        for (i, &m) in mask.as_bytes().iter().enumerate() {
            let differs = p[4 * i..4 * i + 4] != q[4 * i..4 * i + 4];
            if m == 0 && differs {
                outside_changed += 1;
            } else if m != 0 && differs {
                inside_changed += 1;
            }
        }
        assert_eq!(outside_changed, 0, "{id}: pixels outside the mask changed");
        if inside_changed == 0 && !mask.is_clear() {
            // Only where the inside was one flat colour (the scene's nodata) can the
            // redaction look the same.
            let first = mask.as_bytes().iter().position(|&m| m != 0).unwrap();
            let flat = mask
                .as_bytes()
                .iter()
                .enumerate()
                .all(|(i, &m)| m == 0 || p[4 * i..4 * i + 4] == p[4 * first..4 * first + 4]);
            assert!(flat, "{id}: nothing changed inside the mask");
        }
    }
    assert_eq!((copied, redacted), (629, 52));

    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["totals"]["read"], 681);
    assert_eq!(r["totals"]["copied"], 629);
    assert_eq!(
        r["totals"]["partial"].as_u64().unwrap() + r["totals"]["full"].as_u64().unwrap(),
        52
    );
    assert_eq!(r["totals"]["failed"], 0);
    assert_eq!(r["per_zoom"]["12"]["read"], 489);
    assert!(r["per_zone"]["rz-02"].as_u64().unwrap() > 0);
    assert!(r["operators"]["inpaint"].as_u64().unwrap() > 0);
    assert_eq!(r["cosmetic"], false);

    let meta = read_metadata(&output);
    assert_eq!(meta["format"], "png");
    let note: serde_json::Value = serde_json::from_str(&meta["tileredact"]).unwrap();
    assert_eq!(
        note["zones_blake3"],
        blake3::hash(&std::fs::read(&zones).unwrap()).to_string()
    );
    assert_eq!(note["policy"], "default");

    // verify: exact against the original, and without it.
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
    let v = bin()
        .arg("verify")
        .arg("--zones")
        .arg(&zones)
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
    let listed = String::from_utf8_lossy(&v.stdout);
    assert_eq!(listed.lines().count(), 52, "{listed}");
    assert!(listed.contains("NOT REDACTED"), "{listed}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A generated archive: zone `gen` over a 3x3 block of z12 tiles and clear tiles around.
fn generated(dir: &Path) -> Vec<(TileId, Vec<u8>)> {
    let _ = dir;
    tiles_in(12, 9.9, 49.9, 10.3, 50.3)
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, png_tile(i as u32 % 3)))
        .collect()
}

/// The deduplicated layout in, a folder (XYZ and TMS) and back: every route gives the same
/// tiles as MBTiles to MBTiles, and the folder holds the files where the scheme says.
#[test]
fn dedup_layout_and_folders_round_trip() {
    let dir = tmp_dir("archive-formats");
    let zones = write_zone(&dir);
    let tiles = generated(&dir);
    let plain = dir.join("plain.mbtiles");
    let dedup = dir.join("dedup.mbtiles");
    write_mbtiles(&plain, &tiles, false);
    write_mbtiles(&dedup, &tiles, true);

    let direct = dir.join("direct.mbtiles");
    assert!(redact(&zones, &plain, &direct, &[]).status.success());
    let want = read_mbtiles(&direct);
    assert_eq!(want.len(), tiles.len());
    let lib = redactor(&zones);
    let non_clear = tiles
        .iter()
        .filter(|(id, _)| lib.plan(*id, TileSize::S256) != TilePlan::Clear)
        .count();
    assert!(non_clear > 0 && non_clear < tiles.len());
    for (id, data) in &tiles {
        let same = want[id] == *data;
        assert_eq!(
            same,
            lib.plan(*id, TileSize::S256) == TilePlan::Clear,
            "{id}"
        );
    }
    // agg_tiles_hash no longer holds: dropped.
    let meta = read_metadata(&direct);
    assert!(!meta.contains_key("agg_tiles_hash"), "{meta:?}");
    assert_eq!(meta["name"], "generated");

    let from_dedup = dir.join("from-dedup.mbtiles");
    let out = redact(&zones, &dedup, &from_dedup, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_mbtiles(&from_dedup), want);

    for scheme in ["xyz", "tms"] {
        let folder = dir.join(format!("tiles-{scheme}"));
        let out = redact(&zones, &dedup, &folder, &["--scheme", scheme]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (id, _) = &tiles[0];
        let row = if scheme == "xyz" {
            id.y()
        } else {
            id.tms_row()
        };
        let file = folder.join(format!("{}/{}/{row}.png", id.z(), id.x()));
        assert_eq!(
            std::fs::read(&file).unwrap(),
            want[id],
            "{}",
            file.display()
        );
        assert!(folder.join("metadata.json").is_file());
        // Back to MBTiles with no zones: the same tiles as the direct route.
        let back = dir.join(format!("back-{scheme}.mbtiles"));
        let out = bin()
            .args(["redact", "--zones"])
            .arg(dir.join("none.geojson"))
            .args(["--scheme", scheme])
            .arg(&folder)
            .arg(&back)
            .output()
            .unwrap();
        // No zones file: a clear error naming it, and no output.
        assert!(!out.status.success());
        assert!(stderr(&out).contains("none.geojson"), "{}", stderr(&out));
        assert!(!back.exists());
        // A zone far away: every tile is copied.
        std::fs::write(
            dir.join("far.geojson"),
            r#"{"type": "Feature", "properties": {"id": "far"}, "geometry": {"type": "Polygon",
            "coordinates": [[[-150.0, -40.0], [-149.9, -40.0], [-149.9, -39.9], [-150.0, -40.0]]]}}"#,
        )
        .unwrap();
        let out = bin()
            .args(["redact", "--zones"])
            .arg(dir.join("far.geojson"))
            .args(["--scheme", scheme])
            .arg(&folder)
            .arg(&back)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(read_mbtiles(&back), want, "{scheme}");
    }

    // info names the format and counts the tiles per zoom.
    let info = bin().arg("info").arg(&dedup).output().unwrap();
    assert!(info.status.success());
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("format: mbtiles"), "{text}");
    assert!(
        text.contains(&format!("z12: {} tiles", tiles.len())),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Corrupt tiles: one the zone reaches is replaced by a fully redacted tile and listed; a
/// clear one is copied as it is; with --strict the run fails and writes nothing.
#[test]
fn corrupt_tiles_fail_closed() {
    let dir = tmp_dir("archive-corrupt");
    let zones = write_zone(&dir);
    let lib = redactor(&zones);
    let mut tiles = generated(&dir);
    let bad_reached = tiles
        .iter()
        .position(|(id, _)| lib.plan(*id, TileSize::S256) != TilePlan::Clear)
        .unwrap();
    let bad_clear = tiles
        .iter()
        .position(|(id, _)| lib.plan(*id, TileSize::S256) == TilePlan::Clear)
        .unwrap();
    // A PNG signature followed by garbage, and a truncated PNG.
    tiles[bad_reached].1 = b"\x89PNG\r\n\x1a\nthis is not a png".to_vec();
    let truncated = tiles[bad_clear].1[..100].to_vec();
    tiles[bad_clear].1 = truncated.clone();
    let input = dir.join("in.mbtiles");
    write_mbtiles(&input, &tiles, false);

    let output = dir.join("out.mbtiles");
    let report = dir.join("report.json");
    let out = redact(
        &zones,
        &input,
        &output,
        &["--report", report.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bad_id = tiles[bad_reached].0;
    assert!(
        stderr(&out).contains(&format!("failed {bad_id}")),
        "{}",
        stderr(&out)
    );
    let got = read_mbtiles(&output);
    assert_eq!(got[&tiles[bad_clear].0], truncated);
    let (rgba, w, _) = decode_rgba(&got[&bad_id]).unwrap();
    assert_eq!(w, 256);
    let [r, g, b] = DEFAULT_COLOR;
    assert!(rgba.chunks_exact(4).all(|p| p == [r, g, b, 255]));
    assert_eq!(TileFormat::detect(&got[&bad_id]), Some(TileFormat::Png));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["totals"]["failed"], 1);
    assert_eq!(r["failed"][0]["tile"], bad_id.to_string());
    assert!(
        r["failed"][0]["error"].as_str().unwrap().contains("png"),
        "{r}"
    );

    let strict = dir.join("strict.mbtiles");
    let out = redact(&zones, &input, &strict, &["--strict"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&bad_id.to_string()) && err.contains("in.mbtiles"),
        "{err}"
    );
    assert!(!strict.exists());
    assert_eq!(
        visible_names(&dir)
            .iter()
            .filter(|n| n.starts_with("strict"))
            .count(),
        0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad inputs: a truncated archive, a file that is no archive, an SQLite file without the
/// tiles table, a missing file, and the output on the input: each a clear error naming the
/// file, and no output.
#[test]
fn bad_archives_give_clear_errors() {
    let dir = tmp_dir("archive-bad");
    let zones = write_zone(&dir);
    let output = dir.join("out.mbtiles");
    let check = |input: &Path, expect: &str| {
        let out = redact(&zones, input, &output, &[]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(&input.display().to_string()), "{err}");
        assert!(err.contains(expect), "expected {expect:?} in: {err}");
        assert!(!output.exists());
        assert_eq!(
            visible_names(&dir)
                .iter()
                .filter(|n| n.starts_with("out"))
                .count(),
            0
        );
    };

    let sample = std::fs::read(repo("examples/data/sample.mbtiles")).unwrap();
    let truncated = dir.join("truncated.mbtiles");
    std::fs::write(&truncated, &sample[..sample.len() / 3]).unwrap();
    check(&truncated, "malformed");

    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello, not an archive\n").unwrap();
    check(&text, "not a tile archive");

    let fake = dir.join("fake.mbtiles");
    std::fs::write(&fake, "hello, not an archive\n").unwrap();
    check(&fake, "not a mbtiles archive");

    let no_table = dir.join("no-table.mbtiles");
    rusqlite::Connection::open(&no_table)
        .unwrap()
        .execute_batch("CREATE TABLE metadata (name TEXT, value TEXT);")
        .unwrap();
    check(&no_table, "no `tiles` table");

    check(&dir.join("missing.mbtiles"), "cannot read");

    let input = dir.join("in.mbtiles");
    write_mbtiles(&input, &generated(&dir), false);
    let out = redact(&zones, &input, &input, &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the output is the input"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The JPEG sample: clear tiles are the same bytes, the others are new JPEGs, and `verify`
/// finds the output exactly the redaction of the original.
#[test]
fn jpeg_sample_is_redacted_and_verified() {
    let dir = tmp_dir("archive-jpeg");
    let zones = repo("examples/data/zones.geojson");
    let input = repo("examples/data/sample-jpeg.mbtiles");
    let output = dir.join("out.mbtiles");
    let out = redact(&zones, &input, &output, &["--threads", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lib = redactor(&zones);
    let (a, b) = (read_mbtiles(&input), read_mbtiles(&output));
    assert_eq!(a.len(), 192);
    assert_eq!(a.len(), b.len());
    let mut redacted = 0;
    for (id, orig) in &a {
        if lib.plan(*id, TileSize::S256) == TilePlan::Clear {
            assert_eq!(orig, &b[id], "{id}");
        } else {
            assert_ne!(orig, &b[id], "{id}");
            assert_eq!(TileFormat::detect(&b[id]), Some(TileFormat::Jpeg));
            redacted += 1;
        }
    }
    assert!(redacted > 0);
    assert_eq!(read_metadata(&output)["format"], "jpg");
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
    let _ = std::fs::remove_dir_all(&dir);
}

/// Odd and malformed rows of a plain `tiles` table, through the SQLite copy (MBTiles to
/// MBTiles) and through the generic pipeline (MBTiles to PMTiles): both routes give the same
/// tiles or the same error. Text `tile_data` is copied as its bytes and NULL as no bytes; an
/// integer `tile_data`, an address outside the grid or a tile held twice is an error naming
/// the file and the row, and leaves no output.
#[test]
fn odd_rows_are_copied_or_refused_alike_on_both_routes() {
    let dir = tmp_dir("archive-rows");
    let zones = write_zone(&dir);
    let lib = redactor(&zones);
    let tiles = generated(&dir);
    let clear: Vec<TileId> = tiles
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| lib.plan(*id, TileSize::S256) == TilePlan::Clear)
        .collect();
    let reached = tiles.len() - clear.len();
    assert!(clear.len() >= 2 && reached > 0, "{} clear", clear.len());
    let input = dir.join("in.mbtiles");
    let set = |sql: &str, id: TileId| {
        rusqlite::Connection::open(&input)
            .unwrap()
            .execute(sql, rusqlite::params![id.z(), id.x(), id.tms_row()])
            .unwrap();
    };
    let routes = [dir.join("out.mbtiles"), dir.join("out.pmtiles")];
    let read = |p: &Path| -> std::collections::BTreeMap<TileId, Vec<u8>> {
        if p.extension().unwrap() == "mbtiles" {
            return read_mbtiles(p);
        }
        // Back to MBTiles with a zone far away (every tile copied).
        let far = dir.join("far.geojson");
        std::fs::write(
            &far,
            r#"{"type": "Feature", "properties": {"id": "far"}, "geometry": {"type": "Polygon",
            "coordinates": [[[-150.0, -40.0], [-149.9, -40.0], [-149.9, -39.9], [-150.0, -40.0]]]}}"#,
        )
        .unwrap();
        let back = dir.join("back.mbtiles");
        let out = redact(&far, p, &back, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        read_mbtiles(&back)
    };

    // Text and NULL tile_data on clear tiles: copied as bytes.
    write_mbtiles(&input, &tiles, false);
    set(
        "UPDATE tiles SET tile_data = 'some text' WHERE zoom_level = ?1 AND tile_column = ?2 \
         AND tile_row = ?3",
        clear[0],
    );
    set(
        "UPDATE tiles SET tile_data = NULL WHERE zoom_level = ?1 AND tile_column = ?2 \
         AND tile_row = ?3",
        clear[1],
    );
    let mut outputs = Vec::new();
    for output in &routes {
        let report = dir.join("report.json");
        let out = redact(
            &zones,
            &input,
            output,
            &["--report", report.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(r["totals"]["read"], tiles.len(), "{r}");
        assert_eq!(r["totals"]["copied"], clear.len(), "{r}");
        assert_eq!(r["per_zoom"]["12"]["copied"], clear.len(), "{r}");
        let got = read(output);
        assert_eq!(got.len(), tiles.len());
        assert_eq!(got[&clear[0]], b"some text");
        assert_eq!(got[&clear[1]], b"");
        outputs.push(got);
    }
    assert_eq!(outputs[0], outputs[1]);
    for p in routes.iter().chain([&dir.join("back.mbtiles")]) {
        std::fs::remove_file(p).unwrap();
    }

    // Refused rows: each an error naming the file and the row, and no output.
    let cases: [(&str, &str); 3] = [
        (
            "UPDATE tiles SET tile_data = 42 WHERE zoom_level = ?1 AND tile_column = ?2 \
             AND tile_row = ?3",
            "tile_data is not a blob",
        ),
        (
            "UPDATE tiles SET zoom_level = 40 WHERE zoom_level = ?1 AND tile_column = ?2 \
             AND tile_row = ?3",
            "zoom_level=40",
        ),
        (
            "INSERT INTO tiles SELECT * FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 \
             AND tile_row = ?3",
            "twice",
        ),
    ];
    let mut checked = 0;
    for (sql, expect) in cases {
        for id in [
            clear[0],
            tiles
                .iter()
                .map(|t| t.0)
                .find(|i| !clear.contains(i))
                .unwrap(),
        ] {
            write_mbtiles(&input, &tiles, false);
            if expect == "twice" {
                rusqlite::Connection::open(&input)
                    .unwrap()
                    .execute_batch("DROP INDEX tile_index")
                    .unwrap();
            }
            set(sql, id);
            for output in &routes {
                let out = redact(&zones, &input, output, &[]);
                let err = stderr(&out);
                assert!(
                    !out.status.success(),
                    "{sql} at {id} into {}",
                    output.display()
                );
                // A tile held twice shows when the output is indexed: the error names
                // the tile (and the output).
                let place = if expect == "twice" {
                    format!("tile {id} twice")
                } else {
                    "in.mbtiles".to_string()
                };
                assert!(
                    err.contains(&place) && err.contains(expect),
                    "expected {expect:?} and {place:?} in: {err}"
                );
                assert!(!output.exists());
                assert!(
                    visible_names(&dir).iter().all(|n| !n.starts_with("out")),
                    "{:?}",
                    visible_names(&dir)
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
    let hidden: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out"))
        .collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SQLite route attaches files by URI: names with spaces, `?`, `#`, `%`, `&` and
/// non-ASCII letters reach the right files, and the input stays as it was.
#[test]
fn odd_file_names_reach_the_right_files() {
    let dir = tmp_dir("archive-names");
    let zones = write_zone(&dir);
    let tiles = generated(&dir);
    let plain = dir.join("plain.mbtiles");
    write_mbtiles(&plain, &tiles, false);
    let want_out = dir.join("want.mbtiles");
    let out = redact(&zones, &plain, &want_out, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = read_mbtiles(&want_out);
    assert_eq!(want.len(), tiles.len());
    let odd = dir.join("in ?mode=rw#x%20&é.mbtiles");
    std::fs::copy(&plain, &odd).unwrap();
    let before = file_hash(&odd);
    let output = dir.join("out %41?#.mbtiles");
    let out = redact(&zones, &odd, &output, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_mbtiles(&output), want);
    assert_eq!(file_hash(&odd), before, "the input was modified");
    // Relative paths too.
    let out = bin()
        .current_dir(&dir)
        .args(["redact", "--zones"])
        .arg(&zones)
        .arg("in ?mode=rw#x%20&é.mbtiles")
        .arg("rel out.mbtiles")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_mbtiles(&dir.join("rel out.mbtiles")), want);
    let _ = std::fs::remove_dir_all(&dir);
}
