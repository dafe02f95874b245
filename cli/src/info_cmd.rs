//! `tileredact info`: what an archive holds: format, tiles per zoom, bounds, metadata.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tileredact::TileId;

use crate::archive::{self, ArchiveFormat, Scheme, Tile};
use crate::redact_cmd::BATCH;

/// Arguments of `tileredact info`.
#[derive(Debug, Clone, clap::Args)]
pub struct InfoArgs {
    /// Format of the archive (default: detected from its content).
    #[arg(long, value_enum)]
    pub input_format: Option<ArchiveFormat>,
    /// Row numbering of folders.
    #[arg(long, value_enum, default_value = "xyz")]
    pub scheme: Scheme,
    /// The archive.
    pub archive: PathBuf,
}

/// Tiles of one zoom: count and XYZ column/row ranges.
#[derive(Debug, Clone, Copy)]
struct Zoom {
    count: u64,
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
}

/// Runs `tileredact info`: prints the report on standard output.
///
/// # Errors
/// A message naming the file and what is wrong with it.
pub fn run_info(args: &InfoArgs) -> Result<(), String> {
    let mut reader = archive::open_reader(&args.archive, args.input_format, args.scheme)?;
    let meta = reader.metadata()?;
    let mut zooms: BTreeMap<u8, Zoom> = BTreeMap::new();
    let mut add = |id: TileId| {
        let z = zooms.entry(id.z()).or_insert(Zoom {
            count: 0,
            x0: u32::MAX,
            x1: 0,
            y0: u32::MAX,
            y1: 0,
        });
        z.count += 1;
        z.x0 = z.x0.min(id.x());
        z.x1 = z.x1.max(id.x());
        z.y0 = z.y0.min(id.y());
        z.y1 = z.y1.max(id.y());
    };
    reader.for_each_batch(BATCH, &mut |tiles: Vec<Tile>| {
        tiles.iter().for_each(|t| add(t.id));
        Ok(())
    })?;
    let total: u64 = zooms.values().map(|z| z.count).sum();
    let mut out = format!(
        "archive: {}\nformat: {}\ntiles: {total}\n",
        args.archive.display(),
        reader.format().name()
    );
    for (z, r) in &zooms {
        out.push_str(&format!(
            "  z{z}: {} tiles, x {}..={}, y {}..={} (XYZ)\n",
            r.count, r.x0, r.x1, r.y0, r.y1
        ));
    }
    if let Some((&z, r)) = zooms.iter().next_back() {
        let nw = TileId::new(z, r.x0, r.y0).map_err(|e| e.to_string())?;
        let se = TileId::new(z, r.x1, r.y1).map_err(|e| e.to_string())?;
        let (a, b) = (nw.bounds_lnglat(), se.bounds_lnglat());
        out.push_str(&format!(
            "tile bounds (z{z}): {:.6},{:.6},{:.6},{:.6} (west,south,east,north)\n",
            a.west, b.south, b.east, a.north
        ));
    }
    out.push_str("metadata:\n");
    for (k, v) in &meta {
        let v = if v.len() > 200 {
            format!(
                "{}... ({} bytes)",
                &v[..v.floor_char_boundary(200)],
                v.len()
            )
        } else {
            v.clone()
        };
        out.push_str(&format!("  {k}: {v}\n"));
    }
    print!("{out}");
    Ok(())
}

/// Arguments of `tileredact extract`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExtractArgs {
    /// Format of the archive (default: detected from its content).
    #[arg(long, value_enum)]
    pub input_format: Option<ArchiveFormat>,
    /// Row numbering of folders.
    #[arg(long, value_enum, default_value = "xyz")]
    pub scheme: Scheme,
    /// The tile's address, z/x/y (XYZ, y down).
    #[arg(long)]
    pub tile: String,
    /// The archive.
    pub archive: PathBuf,
    /// Where to write the tile's bytes as stored (written all or nothing).
    pub output: PathBuf,
}

/// Runs `tileredact extract`.
///
/// # Errors
/// A message naming the archive when it cannot be read or lacks the tile.
pub fn run_extract(args: &ExtractArgs) -> Result<(), String> {
    use std::io::Write;
    let tile: TileId = args.tile.parse().map_err(|e| format!("--tile: {e}"))?;
    let reader = archive::open_reader(&args.archive, args.input_format, args.scheme)?;
    let data = reader
        .get(tile)?
        .ok_or_else(|| format!("{}: no tile {tile}", args.archive.display()))?;
    let mut f = crate::output::AtomicFile::create(&args.output)?;
    f.write_all(&data)
        .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    f.commit()
}
