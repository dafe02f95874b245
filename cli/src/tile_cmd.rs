//! `tileredact redact-tile`: redact one encoded tile file (PNG, JPEG or WebP).

use std::io::Write;
use std::path::PathBuf;

use tileredact::{Policy, Redactor, TileId, TilePlan};

use crate::output::AtomicFile;

/// Arguments of `tileredact redact-tile`.
#[derive(Debug, Clone, clap::Args)]
pub struct RedactTileArgs {
    /// Zones (GeoJSON); a zone's own properties (operator, points, margin_m, feather_px,
    /// min_zoom, max_zoom) override its category's rule.
    #[arg(long)]
    pub zones: PathBuf,
    /// Policy file (JSON): {"default": RULE, "categories": {"NAME": RULE}, "resample_px": N}
    /// with RULE {"operator": OP, "points": POLICY, "feather_px": N, "min_zoom": Z,
    /// "max_zoom": Z, "margin_m": M}. Default: inpaint, the secure smooth fill.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub key: crate::key_args::KeyArgs,
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
    let zones = crate::load_zones(&args.zones)?;
    let policy = match &args.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Policy::from_json_str(&text).map_err(|e| format!("policy {}: {e}", p.display()))?
        }
        None => Policy::default(),
    };
    let key = args.key.read()?;
    let redactor = Redactor::new(zones, &policy, key).map_err(|e| e.to_string())?;
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
