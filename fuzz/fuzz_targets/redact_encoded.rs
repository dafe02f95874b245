//! Any bytes as any tile: `redact_encoded` returns a tile or an error, never a panic, and
//! never the input bytes for a tile that needed redaction.
#![no_main]

use std::sync::LazyLock;

use tileredact::{Policy, Redactor, TileId, TilePlan, TileSize, ZoneSet};

/// A zone around 10°E 50°N, so tiles there are partial or full.
static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| {
    let zones = ZoneSet::from_geojson_str(
        r#"{"type":"Polygon","coordinates":[[[10.0,50.0],[10.02,50.0],[10.01,50.015],[10.0,50.0]]]}"#,
    )
    .expect("fixed zone");
    Redactor::new(zones, &Policy::default(), None).expect("default policy")
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // The first byte picks the zoom (12..=19) around the zone; the rest is the tile.
    let z = 12 + data[0] % 8;
    let tile = TileId::containing(10.005, 50.005, z).expect("valid");
    let bytes = &data[1..];
    if let Ok(out) = REDACTOR.redact_encoded(tile, bytes) {
        if REDACTOR.plan(tile, TileSize::S256) != TilePlan::Clear {
            assert!(
                out.bytes.as_ref() != bytes || out.report.plan == TilePlan::Clear,
                "a tile that needed redaction came back as its input"
            );
        }
    }
});
