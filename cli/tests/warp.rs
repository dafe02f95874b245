//! `tileredact warp`, run as a user would: the bundled sample (outside the GCJ-02 region: a
//! copy), the sample's imagery moved over Beijing (warped there and back), JPEG tiles, wrong
//! arguments and failed runs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use tileredact::{TileFormat, TileId, decode_rgba, decode_rgba_with_encoding};

fn warp(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("warp")
        .args(extra)
        .arg(input)
        .arg(output)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The sample lies in the Bahamas, outside the GCJ-02 region: every tile is copied as the
/// same bytes, in both directions; the metadata is carried over with the warp's note; the
/// report says so; the input is unchanged.
#[test]
fn sample_outside_the_region_is_copied_byte_for_byte() {
    let dir = tmp_dir("warp-sample");
    let input = repo("examples/data/sample.mbtiles");
    let before = file_hash(&input);
    let a = read_mbtiles(&input);
    assert_eq!(a.len(), 681);
    for to in ["gcj02", "wgs84"] {
        let output = dir.join(format!("out-{to}.mbtiles"));
        let report = dir.join(format!("report-{to}.json"));
        let out = warp(
            &input,
            &output,
            &["--to", to, "--report", report.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("tiles read 681, warped 0, copied as outside the region 681"),
            "{}",
            stderr(&out)
        );
        assert_eq!(read_mbtiles(&output), a, "--to {to}: not the same tiles");
        let meta = read_metadata(&output);
        let orig = read_metadata(&input);
        for (k, v) in &orig {
            assert_eq!(meta.get(k), Some(v), "metadata {k}");
        }
        assert!(meta["tileredact_warp"].contains("\"filter\":\"bilinear\""));
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(r["totals"]["read"], 681);
        assert_eq!(r["totals"]["copied_outside_region"], 681);
        assert_eq!(r["totals"]["warped"], 0);
        assert_eq!(r["source_reads"], 0);
    }
    assert_eq!(file_hash(&input), before, "the input was modified");
}

/// The tiles of `tiles` moved, zoom by zoom, so that each zoom's block is centred on the tile
/// of Beijing (116.40 E, 39.91 N) at that zoom.
fn move_to_beijing(tiles: &BTreeMap<TileId, Vec<u8>>) -> BTreeMap<TileId, Vec<u8>> {
    let mut out = BTreeMap::new();
    let zooms: BTreeSet<u8> = tiles.keys().map(|t| t.z()).collect();
    for z in zooms {
        let ids: Vec<TileId> = tiles.keys().filter(|t| t.z() == z).copied().collect();
        let (x0, x1) = (
            ids.iter().map(|t| t.x()).min().unwrap(),
            ids.iter().map(|t| t.x()).max().unwrap(),
        );
        let (y0, y1) = (
            ids.iter().map(|t| t.y()).min().unwrap(),
            ids.iter().map(|t| t.y()).max().unwrap(),
        );
        let c = TileId::containing(116.40, 39.91, z).unwrap();
        let (bx, by) = (c.x() - (x1 - x0) / 2, c.y() - (y1 - y0) / 2);
        for id in ids {
            let moved = TileId::new(z, id.x() - x0 + bx, id.y() - y0 + by).unwrap();
            out.insert(moved, tiles[&id].clone());
        }
    }
    out
}

/// Tiles all of whose 8 neighbours are in `tiles`: every pixel of them is farther than 256
/// pixels from a missing tile, more than twice the largest offset of these zooms (z12 near
/// Beijing: about 20 pixels) plus the filter taps, so the round trip never reads a missing
/// pixel there.
fn interior(tiles: &BTreeMap<TileId, Vec<u8>>) -> Vec<TileId> {
    tiles
        .keys()
        .filter(|t| {
            (-1i64..=1).all(|dy| {
                (-1i64..=1).all(|dx| {
                    let (x, y) = (t.x() as i64 + dx, t.y() as i64 + dy);
                    x >= 0
                        && y >= 0
                        && TileId::new(t.z(), x as u32, y as u32)
                            .is_ok_and(|n| tiles.contains_key(&n))
                })
            })
        })
        .copied()
        .collect()
}

fn rgba(bytes: &[u8]) -> Vec<u8> {
    let (px, w, h) = decode_rgba(bytes).unwrap();
    assert_eq!((w, h), (256, 256));
    px
}

/// The 768x768 RGBA8 mosaic of tile `id` and its 8 neighbours (all present).
fn mosaic(tiles: &BTreeMap<TileId, Vec<u8>>, id: TileId) -> Vec<u8> {
    let mut m = vec![0u8; 768 * 768 * 4];
    for j in 0..3u32 {
        for i in 0..3u32 {
            let n = TileId::new(id.z(), id.x() + i - 1, id.y() + j - 1).unwrap();
            let px = rgba(&tiles[&n]);
            for r in 0..256usize {
                let at = ((j as usize * 256 + r) * 768 + i as usize * 256) * 4;
                m[at..at + 1024].copy_from_slice(&px[r * 1024..][..1024]);
            }
        }
    }
    m
}

/// The bound of bilinear twice, per pixel and channel (see the test below):
/// `0.8 * D + 1`, `D` the largest difference between the pixel and the pixels of its 5x5
/// neighbourhood in the original (`around`: the 768x768 mosaic of the tile and its
/// neighbours). Returns how many channel values of `back` (the tile) break it.
fn violations(around: &[u8], back: &[u8]) -> usize {
    let mut bad = 0;
    for y in 0..256usize {
        for x in 0..256usize {
            for c in 0..4 {
                let at = |x: usize, y: usize| around[(y * 768 + x) * 4 + c] as i32;
                let v = at(x + 256, y + 256);
                let mut d = 0;
                for j in y + 254..=y + 258 {
                    for i in x + 254..=x + 258 {
                        d = d.max((at(i, j) - v).abs());
                    }
                }
                let e = (back[(y * 256 + x) * 4 + c] as i32 - v).abs();
                if e as f64 > 0.8 * d as f64 + 1.0 {
                    bad += 1;
                }
            }
        }
    }
    bad
}

/// The sample's imagery moved over Beijing, warped to GCJ-02 and back to WGS-84 with the
/// bilinear filter, equals the input over the interior within the filter's tolerance.
///
/// The bound: the forward warp samples the source at `p + d` (fraction `f`), the way back at
/// `p - d` (up to the lattice error, below 0.02 px), so in one axis the round trip is
/// `g(1-g) S(p-1) + ((1-g)^2 + g^2) S(p) + g(1-g) S(p+1)` with `g = 1 - f`: a small blur
/// whose centre weight is at least 1/2 per axis, 1/4 in 2-D. Hence `|out - in| <= 3/4 D`,
/// `D` the largest difference to a neighbour, plus 1 for the two roundings to 8 bits; 0.8
/// and the 5x5 neighbourhood leave room for the positional error. The forward warp alone
/// (a shift of several pixels at z11-z12) must break that bound, so the check can fail.
#[test]
fn sample_moved_to_beijing_warps_there_and_back_within_the_bilinear_bound() {
    let dir = tmp_dir("warp-roundtrip");
    let input = dir.join("beijing.mbtiles");
    let orig = move_to_beijing(&read_mbtiles(&repo("examples/data/sample.mbtiles")));
    assert_eq!(orig.len(), 681);
    let list: Vec<(TileId, Vec<u8>)> = orig.iter().map(|(k, v)| (*k, v.clone())).collect();
    write_mbtiles(&input, &list, false);
    let before = file_hash(&input);
    let gcj = dir.join("gcj.mbtiles");
    let back = dir.join("back.mbtiles");
    let report = dir.join("report.json");
    let out = warp(
        &input,
        &gcj,
        &[
            "--to",
            "gcj02",
            "--threads",
            "2",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["totals"]["read"], 681, "{r}");
    assert_eq!(r["totals"]["warped"], 681, "{r}");
    assert_eq!(r["totals"]["copied_outside_region"], 0, "{r}");
    assert_eq!(r["direction"], "wgs84-to-gcj02");
    // The block edges lack their outer neighbours.
    assert!(
        r["totals"]["with_missing_sources"].as_u64().unwrap() > 100,
        "{r}"
    );
    let out = warp(&gcj, &back, &["--to", "wgs84", "--filter", "bilinear"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(file_hash(&input), before, "the input was modified");

    let fwd = read_mbtiles(&gcj);
    let round = read_mbtiles(&back);
    assert_eq!(
        round.keys().collect::<Vec<_>>(),
        orig.keys().collect::<Vec<_>>()
    );
    let inner = interior(&orig);
    let per_zoom = |z: u8| inner.iter().filter(|t| t.z() == z).count();
    // The sample's footprint is a tilted rectangle: these are its tiles with all neighbours.
    assert_eq!(
        (
            per_zoom(8),
            per_zoom(9),
            per_zoom(10),
            per_zoom(11),
            per_zoom(12)
        ),
        (0, 2, 16, 85, 391),
        "interior tiles per zoom"
    );
    let (mut compared, mut sum_err, mut fwd_bad, mut fwd_compared) = (0usize, 0u64, 0usize, 0);
    for id in &inner {
        let a = rgba(&orig[id]);
        let b = rgba(&round[id]);
        let around = mosaic(&orig, *id);
        let bad = violations(&around, &b);
        assert_eq!(
            bad, 0,
            "tile {id}: {bad} channel values beyond the bilinear bound"
        );
        // (Alpha is channel 3 of the bound: the footprint's edge is transparent.)
        sum_err += a
            .iter()
            .zip(&b)
            .map(|(x, y)| x.abs_diff(*y) as u64)
            .sum::<u64>();
        compared += 256 * 256;
        if id.z() == 12 {
            fwd_bad += violations(&around, &rgba(&fwd[id]));
            fwd_compared += 256 * 256 * 4;
        }
    }
    assert_eq!(compared, 494 * 256 * 256, "pixels compared");
    let mean = sum_err as f64 / (compared * 4) as f64;
    eprintln!(
        "{compared} pixels compared, mean error {mean:.3} per channel; the one-way warp \
         breaks the bound at {fwd_bad} of {fwd_compared} z12 values"
    );
    assert!(mean < 3.0, "mean error {mean} per channel");
    // The forward warp moved the z12 imagery by several pixels: far beyond the bound.
    assert!(
        fwd_bad * 10 > fwd_compared,
        "the one-way warp breaks the bound at only {fwd_bad} of {fwd_compared} values"
    );
}

/// JPEG tiles (the JPEG sample moved over Beijing) stay JPEG at the input's quality; the
/// folder output holds the same addresses.
#[test]
fn jpeg_tiles_stay_jpeg_at_their_quality() {
    let dir = tmp_dir("warp-jpeg");
    let input = dir.join("beijing.mbtiles");
    let orig = move_to_beijing(&read_mbtiles(&repo("examples/data/sample-jpeg.mbtiles")));
    assert_eq!(orig.len(), 192);
    let list: Vec<(TileId, Vec<u8>)> = orig.iter().map(|(k, v)| (*k, v.clone())).collect();
    write_mbtiles(&input, &list, false);
    let output = dir.join("out.mbtiles");
    let out = warp(
        &input,
        &output,
        &["--to", "gcj02", "--filter", "bicubic", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let warped = read_mbtiles(&output);
    assert_eq!(
        warped.keys().collect::<Vec<_>>(),
        orig.keys().collect::<Vec<_>>()
    );
    for (id, bytes) in &warped {
        assert_eq!(TileFormat::detect(bytes), Some(TileFormat::Jpeg), "{id}");
        assert_ne!(bytes, &orig[id], "{id}: not warped");
        let q_in = decode_rgba_with_encoding(&orig[id])
            .unwrap()
            .3
            .quality()
            .unwrap();
        let q_out = decode_rgba_with_encoding(bytes)
            .unwrap()
            .3
            .quality()
            .unwrap();
        assert!(q_in.abs_diff(q_out) <= 2, "{id}: quality {q_in} -> {q_out}");
    }
}

/// Wrong arguments give clear errors and leave no output.
#[test]
fn wrong_arguments_are_refused_clearly() {
    let dir = tmp_dir("warp-args");
    let input = repo("examples/data/sample.mbtiles");
    let output = dir.join("out.mbtiles");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "--to <TO>"),
        (vec!["--to", "bd09"], "invalid value 'bd09' for '--to <TO>'"),
        (
            vec!["--to", "gcj02", "--filter", "lanczos"],
            "invalid value 'lanczos' for '--filter",
        ),
        (
            vec!["--to", "gcj02", "--threads", "0"],
            "--threads: expected at least 1",
        ),
    ];
    for (args, want) in cases {
        let out = warp(&input, &output, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    let out = warp(&input, &input, &["--to", "gcj02"]);
    assert!(
        stderr(&out).contains("the output is the input"),
        "{}",
        stderr(&out)
    );
    let missing = dir.join("nope.mbtiles");
    let out = warp(&missing, &output, &["--to", "gcj02"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope.mbtiles"), "{}", stderr(&out));
    assert_eq!(visible_names(&dir), Vec::<String>::new());
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "leftovers"
    );
}

/// A run that fails midway (a 512-pixel tile among 256-pixel sources) leaves an existing
/// output as it was and no temporary file; the input is not modified.
#[test]
fn a_failed_run_leaves_the_output_as_it_was() {
    let dir = tmp_dir("warp-atomic");
    let input = dir.join("mixed.mbtiles");
    let ids = tiles_in(14, 116.38, 39.89, 116.42, 39.93);
    assert!(ids.len() >= 4, "{}", ids.len());
    let mut list: Vec<(TileId, Vec<u8>)> = ids
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, png_tile(i as u32)))
        .collect();
    // One 512-pixel tile: the warp of its neighbours refuses a source of another size.
    let big = {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 512, 512);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .unwrap()
            .write_image_data(&vec![7u8; 512 * 512 * 3])
            .unwrap();
        out
    };
    list[0].1 = big;
    write_mbtiles(&input, &list, false);
    let before = file_hash(&input);
    let output = dir.join("out.mbtiles");
    std::fs::write(&output, b"an earlier output").unwrap();
    let out = warp(&input, &output, &["--to", "gcj02"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot be warped") && stderr(&out).contains("512x512"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&output).unwrap(), b"an earlier output");
    assert_eq!(file_hash(&input), before);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["mixed.mbtiles", "out.mbtiles"]);
}

/// A source tile that cannot be decoded reads as missing and is listed; the run goes on, and
/// the tile at its address is still warped (from its neighbours, encoded like them).
#[test]
fn an_undecodable_source_is_listed_and_read_as_missing() {
    let dir = tmp_dir("warp-corrupt");
    let input = dir.join("corrupt.mbtiles");
    let ids = tiles_in(14, 116.30, 39.85, 116.50, 39.98);
    assert!(ids.len() >= 25, "{}", ids.len());
    let bad = ids[ids.len() / 2];
    let list: Vec<(TileId, Vec<u8>)> = ids
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let data = if *t == bad {
                b"not an image".to_vec()
            } else {
                png_tile(i as u32)
            };
            (*t, data)
        })
        .collect();
    write_mbtiles(&input, &list, false);
    let output = dir.join("out.mbtiles");
    let report = dir.join("report.json");
    let out = warp(
        &input,
        &output,
        &["--to", "gcj02", "--report", report.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("undecodable source tiles (read as missing) 1"),
        "{}",
        stderr(&out)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["undecodable_sources"], 1);
    assert_eq!(r["undecodable"][0]["tile"], bad.to_string());
    assert_eq!(r["totals"]["warped"], ids.len() as u64);
    let warped = read_mbtiles(&output);
    assert_eq!(warped.len(), ids.len());
    let (px, _, _) = decode_rgba(&warped[&bad]).unwrap();
    assert!(
        px.chunks_exact(4).any(|p| p[3] == 255),
        "warped from its neighbours"
    );
    assert!(
        px.chunks_exact(4).any(|p| p[3] == 0),
        "its own pixels are missing"
    );
}

/// JPEG has no alpha: the pixels a JPEG tile takes from a missing source come out black. A
/// lone mid-grey JPEG tile at z15 over Beijing (the offset there is over half a tile, so most
/// of the output reads the missing neighbours): every output pixel is the grey of the source,
/// black, or on the short bilinear edge between them, and both regions are large.
#[test]
fn jpeg_pixels_from_missing_sources_are_black() {
    let dir = tmp_dir("warp-jpeg-missing");
    let grey = vec![128u8; 256 * 256 * 3];
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&grey, 256, 256, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let id = TileId::containing(116.40, 39.91, 15).unwrap();
    let input = dir.join("lone.mbtiles");
    write_mbtiles(&input, &[(id, jpeg)], false);
    let output = dir.join("out.mbtiles");
    let out = warp(&input, &output, &["--to", "gcj02", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warped = read_mbtiles(&output);
    assert_eq!(warped.keys().copied().collect::<Vec<_>>(), vec![id]);
    assert_eq!(TileFormat::detect(&warped[&id]), Some(TileFormat::Jpeg));
    let px = rgba(&warped[&id]);
    let (mut black, mut source, mut between) = (0usize, 0usize, 0usize);
    for p in px.chunks_exact(4) {
        let near = |v: u8| p[..3].iter().all(|&c| c.abs_diff(v) <= 6);
        if near(0) {
            black += 1;
        } else if near(128) {
            source += 1;
        } else {
            between += 1;
        }
    }
    assert_eq!(black + source + between, 256 * 256);
    assert!(black > 20_000, "only {black} black pixels");
    assert!(source > 10_000, "only {source} pixels from the source");
    // The bilinear edge (one or two pixels wide) plus JPEG ringing along it.
    assert!(
        between < 4_000,
        "{between} pixels neither black nor the source's grey"
    );
}
