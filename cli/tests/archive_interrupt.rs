//! An interrupted `redact` run: killed midway, it leaves no output that looks finished and
//! the input as it was.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn killed_run_leaves_no_output_and_the_input_intact() {
    let dir = tmp_dir("archive-interrupt");
    let zones = write_zone(&dir);
    // Keyed texture on every tile: each one is decoded, textured and encoded (no cache).
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"default": {"operator": "texture"}}"#).unwrap();
    let tile = png_tile(7);
    let tiles: Vec<_> = tiles_in(17, 10.01, 50.01, 10.19, 50.19)
        .into_iter()
        .map(|id| (id, tile.clone()))
        .collect();
    assert!(tiles.len() > 4000, "{}", tiles.len());
    let input = dir.join("big.mbtiles");
    write_mbtiles(&input, &tiles, false);
    let before = file_hash(&input);
    let output = dir.join("out.mbtiles");

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
    // Wait until the run is writing (its temporary file exists), then a little more.
    let start = Instant::now();
    let temp_exists = || {
        std::fs::read_dir(&dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".out.mbtiles.tmp-")
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
        ["big.mbtiles", "policy.json", "zone.geojson"]
    );
    assert_eq!(file_hash(&input), before, "the input was modified");
    let _ = std::fs::remove_dir_all(&dir);
}
