//! `tileredact redact-tile`: redact one encoded tile file (PNG, JPEG or WebP).

use std::io::Write;
use std::path::PathBuf;

use tileredact::{TileId, TilePlan};

use crate::output::AtomicFile;

/// Arguments of `tileredact redact-tile`.
#[derive(Debug, Clone, clap::Args)]
pub struct RedactTileArgs {
    #[command(flatten)]
    pub redactor: crate::redact_cmd::RedactorArgs,
    /// The tile's address, z/x/y (XYZ, y down).
    #[arg(long)]
    pub tile: String,
    /// The tile file (PNG, JPEG or WebP, recognised by its content).
    pub input: PathBuf,
    /// Where to write the redacted tile (same format; written all or nothing).
    pub output: PathBuf,
}

/// Runs `tileredact redact-tile`; prints what was done on standard error.
///
/// # Errors
/// A message naming the file: unreadable or invalid zones, policy, key, tile address or
/// image; an unwritable output (nothing is written then).
pub fn run_redact_tile(args: &RedactTileArgs) -> Result<(), String> {
    let tile: TileId = args.tile.parse().map_err(|e| format!("--tile: {e}"))?;
    let (redactor, _) = args.redactor.build()?;
    let bytes = std::fs::read(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    let out = redactor
        .redact_encoded(tile, &bytes)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let mut file = AtomicFile::create(&args.output)?;
    file.write_all(&out.bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    file.commit()?;
    let r = &out.report;
    let mut line = format!(
        "tileredact redact-tile: {tile} {} ({}): {} pixels redacted",
        r.plan,
        out.format.name(),
        r.pixels_redacted
    );
    if r.plan != TilePlan::Clear {
        line.push_str(&format!(
            "; zones {}; operators {}",
            r.zones.join(", "),
            r.operators.join(", ")
        ));
    } else {
        line.push_str("; copied unchanged");
    }
    if r.cosmetic {
        line.push_str("; WARNING: a cosmetic operator was used (no security boundary)");
    }
    eprintln!("{line}");
    Ok(())
}
