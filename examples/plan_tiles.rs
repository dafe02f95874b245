//! Plans the sample zones at one zoom and prints, per non-clear tile, how many pixels the
//! redaction mask covers and the exact area of the zones in it.
//!
//! `cargo run --example plan_tiles -- 11`

use tileredact::{MaskOptions, TilePlan, TileSize, ZoneSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let zoom: u8 = std::env::args().nth(1).map_or(Ok(10), |z| z.parse())?;
    let zones = ZoneSet::from_geojson_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/zones.geojson"
    ))?;
    let opts = MaskOptions::default();
    for (tile, plan) in zones.tile_cover(zoom, TileSize::S256, opts)? {
        let redact = match plan {
            TilePlan::Full => 256 * 256,
            _ => zones
                .redaction_mask(tile, TileSize::S256, &opts)
                .count_nonzero(),
        };
        let area = zones.coverage_mask(tile, TileSize::S256).area_px();
        println!("{tile:<14} {plan:<8} redact {redact:>6} px, zones cover {area:>9.2} px");
    }
    Ok(())
}
