//! `tileredact plan` and `tileredact mask`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use tileredact::{Mask, MaskOptions, TileId, TilePlan, TileSize};

use crate::load_zones;
use crate::output::AtomicFile;

/// Output format of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// One line per tile: `z/x/y partial` or `z/x/y full`.
    Text,
    /// A GeoJSON FeatureCollection of tile polygons with `tile` and `plan` properties.
    Geojson,
}

/// Which mask `mask` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MaskKind {
    /// Exact-area coverage of the zones (not grown): 0..=255 per pixel.
    Coverage,
    /// Conservative redaction mask (zones grown by margin_m, dilated by resample_px): 0 or 255.
    Redaction,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// GeoJSON file of restricted zones.
    #[arg(long)]
    zones: PathBuf,
    /// Zoom level (0..=30).
    #[arg(long)]
    zoom: u8,
    /// Tile size in pixels (256 or 512).
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Dilation of the redaction mask in pixels, for resampled imagery (the default covers
    /// box, bilinear, bicubic and Lanczos-3 pyramids).
    #[arg(long, default_value_t = tileredact::MaskOptions::DEFAULT_RESAMPLE_PX)]
    resample_px: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct MaskArgs {
    /// GeoJSON file of restricted zones.
    #[arg(long)]
    zones: PathBuf,
    /// The tile, as z/x/y (XYZ numbering, y down).
    #[arg(long)]
    tile: String,
    /// Tile size in pixels (256 or 512).
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Which mask to write.
    #[arg(long, value_enum, default_value_t = MaskKind::Redaction)]
    kind: MaskKind,
    /// Dilation of the redaction mask in pixels, for resampled imagery (the default covers
    /// box, bilinear, bicubic and Lanczos-3 pyramids).
    #[arg(long, default_value_t = tileredact::MaskOptions::DEFAULT_RESAMPLE_PX)]
    resample_px: u32,
    /// Output PNG file (written atomically).
    #[arg(long)]
    out: PathBuf,
}

fn tile_size(px: u32) -> Result<TileSize, String> {
    TileSize::from_px(px).map_err(|e| e.to_string())
}

pub fn run_plan(a: &PlanArgs) -> Result<(), String> {
    let zones = load_zones(&a.zones)?;
    let size = tile_size(a.size)?;
    let opts = MaskOptions::new(a.resample_px).map_err(|e| e.to_string())?;
    let cover = zones
        .tile_cover(a.zoom, size, opts)
        .map_err(|e| e.to_string())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| format!("writing the plan: {e}");
    let (mut partial, mut full) = (0usize, 0usize);
    match a.format {
        PlanFormat::Text => {
            for (tile, plan) in cover {
                count(plan, &mut partial, &mut full);
                writeln!(out, "{tile} {plan}").map_err(io)?;
            }
        }
        PlanFormat::Geojson => {
            write!(out, "{{\"type\":\"FeatureCollection\",\"features\":[").map_err(io)?;
            let mut first = true;
            for (tile, plan) in cover {
                count(plan, &mut partial, &mut full);
                let b = tile.bounds_lnglat();
                let ring = format!(
                    "[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]",
                    w = b.west,
                    s = b.south,
                    e = b.east,
                    n = b.north
                );
                write!(
                    out,
                    "{}\n{{\"type\":\"Feature\",\"properties\":{{\"tile\":\"{tile}\",\"z\":{},\"x\":{},\"y\":{},\"plan\":\"{plan}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{ring}]}}}}",
                    if first { "" } else { "," },
                    tile.z(),
                    tile.x(),
                    tile.y()
                )
                .map_err(io)?;
                first = false;
            }
            writeln!(out, "\n]}}").map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    eprintln!(
        "zoom {}: {} tiles not clear ({partial} partial, {full} full) for {} zones",
        a.zoom,
        partial + full,
        zones.len()
    );
    Ok(())
}

fn count(plan: TilePlan, partial: &mut usize, full: &mut usize) {
    match plan {
        TilePlan::Partial => *partial += 1,
        TilePlan::Full => *full += 1,
        TilePlan::Clear => {}
    }
}

pub fn run_mask(a: &MaskArgs) -> Result<(), String> {
    let tile: TileId = a
        .tile
        .parse()
        .map_err(|e: tileredact::Error| e.to_string())?;
    let size = tile_size(a.size)?;
    let zones = load_zones(&a.zones)?;
    let opts = MaskOptions::new(a.resample_px).map_err(|e| e.to_string())?;
    let mask = match a.kind {
        MaskKind::Coverage => zones.coverage_mask(tile, size),
        MaskKind::Redaction => zones.redaction_mask(tile, size, &opts),
    };
    write_png_atomically(&a.out, &mask)?;
    eprintln!(
        "{tile}: {} of {} pixels non-zero, area {:.2} px -> {}",
        mask.count_nonzero(),
        mask.width() * mask.height(),
        mask.area_px(),
        a.out.display()
    );
    Ok(())
}

/// Encodes `mask` as an 8-bit greyscale PNG into a temporary file next to `path`, then
/// renames it into place, so a reader never sees a partial file.
pub fn write_png_atomically(path: &Path, mask: &Mask) -> Result<(), String> {
    let mut file = AtomicFile::create(path)?;
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let mut enc = png::Encoder::new(&mut file, mask.width(), mask.height());
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| fail(&e))?;
    writer
        .write_image_data(mask.as_bytes())
        .map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))?;
    file.commit()
}
