//! `tileredact verify`: check that an archive is redacted as the zones and policy require.
//!
//! With `--original`, the check is exact: every tile is redacted again from the original
//! with the same redactor (deterministic) and must be the same bytes; clear tiles must be the
//! original's bytes; both archives must hold the same tiles. Without it, each tile the zones
//! reach is decoded and redacted again from its own pixels: the pixels inside the redaction
//! mask must already be what the redactor makes of the pixels around them (within
//! [`TOLERANCE`], for lossy re-encoding and feathers). A tile that was never redacted fails
//! that check unless its inside happens to look like the operator's fill.

use std::path::PathBuf;

use rayon::prelude::*;
use tileredact::{
    AlphaMode, ImageViewMut, Redactor, TileFormat, TileId, TilePlan, TileSize, decode_rgba,
};

use crate::archive::{self, ArchiveFormat, Scheme, Tile, TileReader};
use crate::redact_cmd::{BATCH, RedactorArgs};

/// Largest mean absolute difference per channel inside the mask, without `--original`.
pub const TOLERANCE: f64 = 6.0;

/// At most this many failing tiles are printed (all are counted).
const MAX_LISTED: usize = 1000;

/// Arguments of `tileredact verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub redactor: RedactorArgs,
    /// The archive the redacted one was made from: makes the check exact.
    #[arg(long)]
    pub original: Option<PathBuf>,
    /// Format of the archives (default: detected from their content).
    #[arg(long, value_enum)]
    pub input_format: Option<ArchiveFormat>,
    /// Row numbering of folders.
    #[arg(long, value_enum, default_value = "xyz")]
    pub scheme: Scheme,
    /// The redacted archive.
    pub archive: PathBuf,
}

/// Checks one tile; `Some(reason)` when it fails.
fn check(redactor: &Redactor, tile: &Tile, original: Option<Option<&[u8]>>) -> Option<String> {
    match original {
        Some(None) => Some("not in the original archive".into()),
        Some(Some(orig)) => {
            let expected = match redactor.redact_encoded(tile.id, orig) {
                Ok(out) => out.bytes.into_owned(),
                Err(e) => {
                    if redactor.plan(tile.id, TileSize::S256) == TilePlan::Clear {
                        orig.to_vec()
                    } else {
                        // The fail-closed replacement of `redact`.
                        let format = TileFormat::detect(orig).unwrap_or(TileFormat::Png);
                        match redactor.fully_redacted_tile(tile.id, TileSize::S256, format) {
                            Ok(b) => b,
                            Err(_) => return Some(format!("original cannot be redacted: {e}")),
                        }
                    }
                }
            };
            if expected == tile.data {
                None
            } else if expected == orig {
                Some("differs from the original, though the zones do not reach it".into())
            } else if tile.data == orig {
                Some("NOT REDACTED: same bytes as the original".into())
            } else {
                Some("differs from the redaction of the original".into())
            }
        }
        None => {
            if redactor.plan(tile.id, TileSize::S256) == TilePlan::Clear {
                return None;
            }
            let (rgba, w, h) = match decode_rgba(&tile.data) {
                Ok(d) => d,
                Err(e) => return Some(format!("cannot be decoded: {e}")),
            };
            let size = match (w == h).then(|| TileSize::from_px(w)) {
                Some(Ok(s)) => s,
                _ => return Some(format!("is {w}x{h}; expected 256 or 512 pixels square")),
            };
            let mask = redactor.mask(tile.id, size);
            let mut again = rgba.clone();
            let mut view = ImageViewMut::new(&mut again, w, h, 4 * w as usize, AlphaMode::Straight)
                .expect("a tight buffer");
            if let Err(e) = redactor.redact_rgba(tile.id, &mut view) {
                return Some(format!("cannot be redacted again: {e}"));
            }
            let (mut sum, mut n) = (0u64, 0u64);
            for (i, &m) in mask.as_bytes().iter().enumerate() {
                if m == 0 {
                    continue;
                }
                for c in 0..3 {
                    sum += u64::from(rgba[4 * i + c].abs_diff(again[4 * i + c]));
                }
                n += 3;
            }
            let mean = if n == 0 { 0.0 } else { sum as f64 / n as f64 };
            (mean > TOLERANCE).then(|| {
                format!(
                    "NOT REDACTED: inside the mask the pixels differ from their redaction by \
                     {mean:.1} levels on average (at most {TOLERANCE} expected)"
                )
            })
        }
    }
}

/// Runs `tileredact verify`: `Ok(true)` when every tile passes.
///
/// # Errors
/// A message naming the file that cannot be read.
pub fn run_verify(args: &VerifyArgs) -> Result<bool, String> {
    let (redactor, _) = args.redactor.build()?;
    let mut reader = archive::open_reader(&args.archive, args.input_format, args.scheme)?;
    let original: Option<Box<dyn TileReader>> = match &args.original {
        Some(p) => Some(archive::open_reader(p, args.input_format, args.scheme)?),
        None => None,
    };
    let mut failures: Vec<(TileId, String)> = Vec::new();
    let (mut failed, mut seen, mut reached) = (0u64, 0u64, 0u64);
    reader.for_each_batch(BATCH, &mut |tiles: Vec<Tile>| {
        let originals: Option<Vec<Option<Vec<u8>>>> = match &original {
            Some(o) => Some(
                tiles
                    .iter()
                    .map(|t| o.get(t.id))
                    .collect::<Result<Vec<_>, String>>()?,
            ),
            None => None,
        };
        let results: Vec<Option<String>> = tiles
            .par_iter()
            .enumerate()
            .map(|(i, t)| {
                let orig = originals.as_ref().map(|o| o[i].as_deref());
                check(&redactor, t, orig)
            })
            .collect();
        for (t, r) in tiles.iter().zip(results) {
            seen += 1;
            if redactor.plan(t.id, TileSize::S256) != TilePlan::Clear {
                reached += 1;
            }
            if let Some(reason) = r {
                failed += 1;
                if failures.len() < MAX_LISTED {
                    failures.push((t.id, reason));
                }
            }
        }
        Ok(())
    })?;
    let mut ok = failed == 0;
    if let Some(o) = &original {
        let n = o.count()?;
        if n != seen {
            ok = false;
            println!(
                "tile count: {} holds {seen} tiles, the original {} holds {n}",
                args.archive.display(),
                o.path().display()
            );
        }
    }
    for (id, reason) in &failures {
        println!("{id}: {reason}");
    }
    if failed as usize > failures.len() {
        println!("... {failed} failing tiles in all");
    }
    eprintln!(
        "tileredact verify: {}: {seen} tiles, {reached} reached by the zones, {failed} failing{}: {}",
        args.archive.display(),
        if original.is_some() {
            " (exact check against the original)"
        } else {
            " (checked without the original)"
        },
        if ok { "OK" } else { "FAILED" }
    );
    Ok(ok)
}
