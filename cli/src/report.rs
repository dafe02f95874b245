//! The report of an archive run: counts per zoom and zone, operators, failed tiles; written
//! as JSON by `--report` and summarised on standard error.

use std::collections::BTreeMap;

use serde::Serialize;

/// At most this many failed tiles are listed (all are counted).
pub const MAX_FAILED_LISTED: usize = 10_000;

/// Counts of one zoom level.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Tiles read.
    pub read: u64,
    /// Tiles copied as the same bytes (clear).
    pub copied: u64,
    /// Tiles redacted in part.
    pub partial: u64,
    /// Tiles redacted whole.
    pub full: u64,
    /// Tiles that could not be decoded or redacted (replaced by a fully redacted tile).
    pub failed: u64,
}

/// A tile that could not be redacted.
#[derive(Debug, Clone, Serialize)]
pub struct FailedTile {
    /// `z/x/y` (XYZ).
    pub tile: String,
    /// What went wrong.
    pub error: String,
}

/// Where the redaction came from: recorded in the report and in the output's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The tool's version.
    pub tool_version: String,
    /// BLAKE3 of the zones file.
    pub zones_blake3: String,
    /// The policy: `"default"` or `"blake3:HEX"` of the policy file.
    pub policy: String,
    /// The key's public fingerprint, if a key was given (never the key).
    pub key_fingerprint: Option<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The input archive.
    pub input: String,
    /// Its format.
    pub input_format: String,
    /// The output archive.
    pub output: String,
    /// Its format.
    pub output_format: String,
    /// Totals over every zoom.
    pub totals: Counts,
    /// Per zoom level.
    pub per_zoom: BTreeMap<u8, Counts>,
    /// Tiles touched per zone id.
    pub per_zone: BTreeMap<String, u64>,
    /// Tiles per operator name.
    pub operators: BTreeMap<String, u64>,
    /// Pixels inside redaction masks, over all tiles.
    pub pixels_redacted: u64,
    /// Whether a cosmetic operator (no security boundary) was used.
    pub cosmetic: bool,
    /// Failed tiles, replaced by fully redacted tiles (at most [`MAX_FAILED_LISTED`]).
    pub failed: Vec<FailedTile>,
    /// Where the redaction came from.
    pub provenance: Provenance,
    /// Seconds from start to the output in place.
    pub elapsed_s: f64,
}

impl RunReport {
    /// A few lines for people.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "tileredact redact: {} -> {}\n  tiles read {}, copied {}, redacted partially {}, \
             redacted fully {}, failed (replaced by fully redacted tiles) {}\n",
            self.input, self.output, t.read, t.copied, t.partial, t.full, t.failed
        );
        s.push_str("  per zoom (read/copied/partial/full/failed):");
        for (z, c) in &self.per_zoom {
            s.push_str(&format!(
                " z{z} {}/{}/{}/{}/{}",
                c.read, c.copied, c.partial, c.full, c.failed
            ));
        }
        s.push('\n');
        if !self.per_zone.is_empty() {
            let zones: Vec<String> = self
                .per_zone
                .iter()
                .map(|(z, n)| format!("{z} {n}"))
                .collect();
            s.push_str(&format!("  tiles per zone: {}\n", zones.join(", ")));
        }
        if !self.operators.is_empty() {
            let ops: Vec<String> = self
                .operators
                .iter()
                .map(|(o, n)| format!("{o} {n}"))
                .collect();
            s.push_str(&format!("  operators (tiles): {}\n", ops.join(", ")));
        }
        if self.cosmetic {
            s.push_str("  WARNING: a cosmetic operator was used (no security boundary)\n");
        }
        for f in self.failed.iter().take(10) {
            s.push_str(&format!("  failed {}: {}\n", f.tile, f.error));
        }
        if t.failed as usize > 10 {
            s.push_str(&format!(
                "  ... {} failed tiles in all (see --report)\n",
                t.failed
            ));
        }
        s.push_str(&format!("  elapsed {:.2} s", self.elapsed_s));
        s
    }
}
