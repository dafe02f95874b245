//! The `plan` and `mask` commands, run as a user would.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tileredact"))
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn zones() -> PathBuf {
    repo("examples/data/zones.geojson")
}

#[test]
fn plan_text_lists_the_non_clear_tiles_of_the_library() {
    let out = bin()
        .args(["plan", "--zones"])
        .arg(zones())
        .args(["--zoom", "10"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // the same list as the library's tile cover
    let set = tileredact::ZoneSet::from_geojson_path(zones()).unwrap();
    let want: Vec<String> = set
        .tile_cover(
            10,
            tileredact::TileSize::S256,
            tileredact::MaskOptions::default(),
        )
        .unwrap()
        .map(|(t, p)| format!("{t} {p}"))
        .collect();
    assert_eq!(lines, want);
    assert!(lines.contains(&"10/290/439 partial"));
    for l in &lines {
        assert!(l.ends_with(" partial") || l.ends_with(" full"), "{l}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("tiles not clear"));
}

#[test]
fn plan_geojson_is_a_feature_collection() {
    let out = bin()
        .args(["plan", "--format", "geojson", "--zoom", "8", "--zones"])
        .arg(zones())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let feats = v["features"].as_array().unwrap();
    assert!(!feats.is_empty());
    for f in feats {
        assert_eq!(f["geometry"]["type"], "Polygon");
        assert!(matches!(
            f["properties"]["plan"].as_str(),
            Some("partial" | "full")
        ));
    }
}

#[test]
fn mask_writes_a_grey_png_of_the_tile() {
    let dir = std::env::temp_dir().join(format!("tileredact-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (kind, size) in [("coverage", "256"), ("redaction", "512")] {
        let out_png = dir.join(format!("{kind}.png"));
        let out = bin()
            .args([
                "mask",
                "--tile",
                "10/290/439",
                "--kind",
                kind,
                "--size",
                size,
                "--zones",
            ])
            .arg(zones())
            .arg("--out")
            .arg(&out_png)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dec = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&out_png).unwrap(),
        ));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.width.to_string(), size);
        // the bytes are the library's mask
        let set = tileredact::ZoneSet::from_geojson_path(zones()).unwrap();
        let tile: tileredact::TileId = "10/290/439".parse().unwrap();
        let ts = tileredact::TileSize::from_px(size.parse().unwrap()).unwrap();
        let want = if kind == "coverage" {
            set.coverage_mask(tile, ts)
        } else {
            set.redaction_mask(tile, ts, &tileredact::MaskOptions::default())
        };
        assert_eq!(&buf[..info.buffer_size()], want.as_bytes());
        assert!(!want.is_clear());
    }
    // no temporary files left behind
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let bad = repo("tests/fixtures/zones-bad/lat-out-of-range.geojson");
    let out = bin()
        .args(["plan", "--zoom", "10", "--zones"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-lat-out-of-range") && err.contains("-90..=90"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = bin()
        .args([
            "mask",
            "--tile",
            "3/9/0",
            "--out",
            "/tmp/never.png",
            "--zones",
        ])
        .arg(zones())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0..8"));

    let out = bin()
        .args(["plan", "--zoom", "31", "--zones"])
        .arg(zones())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("30"));
}
