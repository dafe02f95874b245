//! `tileredact`: the command-line tool of the tileredact library.
//!
//! Subcommands: `plan` (which tiles of a zoom need redaction), `mask` (write a tile's
//! coverage or redaction mask as a PNG), `coords` (WGS-84 / GCJ-02 / BD-09 offsets of CSV
//! points), `points` (redact point coordinates that fall in zones), `redact-tile` (redact
//! one encoded tile), and for whole archives (MBTiles, PMTiles, XYZ folders) `redact`,
//! `verify`, `info`, `extract` and `warp` (re-sample raster tiles between the WGS-84 and
//! GCJ-02 grids).

mod archive;
mod coords_cmd;
mod info_cmd;
mod key_args;
mod output;
mod plan_cmd;
mod redact_cmd;
mod report;
mod run;
mod tile_cmd;
mod verify_cmd;
mod warp_cmd;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tileredact::{Error, ZoneSet};

/// Redact restricted zones from web-map tiles and coordinates.
#[derive(Debug, Parser)]
#[command(name = "tileredact", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the tiles of a zoom that are not clear (partial or full).
    Plan(plan_cmd::PlanArgs),
    /// Write the coverage or redaction mask of one tile as an 8-bit grey PNG.
    Mask(plan_cmd::MaskArgs),
    /// Convert CSV lon,lat points between WGS-84, GCJ-02 and BD-09.
    ///
    /// The coordinates are the first two columns, or the columns a header names (lon, lng,
    /// long, longitude or x; lat, latitude or y). A header with more than one such pair (say
    /// x,y,lon,lat) is an error until --lon-col and --lat-col name the columns. Every other
    /// column is copied unchanged. With -o, the file is written all or nothing.
    Coords(coords_cmd::CoordsArgs),
    /// Redact point coordinates (CSV or GeoJSON) that fall in restricted zones.
    ///
    /// CSV: the coordinates are the first two columns, or the columns a header names (lon,
    /// lng, long, longitude or x; lat, latitude or y). A header with more than one such pair
    /// (say x,y,lon,lat) is an error until --lon-col and --lat-col name the columns. Every
    /// other column is copied unchanged, including a second pair of coordinates.
    ///
    /// GeoJSON: the positions of Point and MultiPoint geometries are redacted. A bbox member
    /// (of the collection, a feature or a geometry) is recomputed from the output positions,
    /// and removed when none remains; a snapped, displaced or moved position loses its
    /// altitude. Everything else passes through unchanged: feature ids, properties (not
    /// inspected: a property holding a position or an address is published as it is) and any
    /// other member (crs, name, foreign members).
    ///
    /// With -o, the file is written all or nothing: a failing run leaves an existing file as
    /// it was.
    Points(coords_cmd::PointsArgs),
    /// Redact one encoded tile file (PNG, JPEG or WebP) by the zones and the policy.
    ///
    /// A clear tile is copied as the same bytes; any other tile is decoded, redacted and
    /// re-encoded in its format with no metadata. The output is written all or nothing.
    RedactTile(tile_cmd::RedactTileArgs),
    /// Redact a whole tile archive (MBTiles, PMTiles or an XYZ folder) into a new archive.
    ///
    /// Only tiles the zones reach are decoded; every other tile is copied as the same bytes.
    /// The input is opened read-only; the output is written under a temporary name next to
    /// it and renamed into place when complete. A tile that needs redaction but cannot be
    /// decoded is replaced by a fully redacted tile and listed (or, with --strict, the run
    /// stops with no output). The metadata is carried over (less agg_tiles_hash) with a
    /// `tileredact` entry: version, zones hash, policy hash, key fingerprint.
    Redact(redact_cmd::RedactArgs),
    /// Check that an archive is redacted as the zones and policy require.
    ///
    /// With --original, exact: every tile must be the same bytes as the redaction of the
    /// original's tile (clear tiles: the original's bytes), and both must hold the same
    /// tiles. Without it, each tile the zones reach must already be what the redactor makes
    /// of its own pixels inside the mask (within a small tolerance). Exit status 1 with a
    /// list of failing tiles on standard output.
    Verify(verify_cmd::VerifyArgs),
    /// Show an archive's format, tiles per zoom, bounds and metadata.
    Info(info_cmd::InfoArgs),
    /// Write one tile of an archive to a file, as stored.
    Extract(info_cmd::ExtractArgs),
    /// Re-sample a raster tile archive between the WGS-84 and GCJ-02 grids.
    ///
    /// The output holds the same tile addresses as the input. Tiles wholly outside the
    /// GCJ-02 region are copied as the same bytes; every other tile is warped from the input
    /// tiles around it and encoded like the input tile (PNG stays PNG, JPEG keeps its
    /// estimated quality). Pixels whose source tiles the input lacks are transparent (black in
    /// JPEG); a tile with no source at all is left out. The input is opened read-only; the
    /// output is written under a temporary name and renamed into place when complete. The
    /// metadata is carried over (less agg_tiles_hash) with a `tileredact_warp` entry.
    Warp(warp_cmd::WarpArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Plan(a) => plan_cmd::run_plan(a),
        Command::Mask(a) => plan_cmd::run_mask(a),
        Command::Coords(a) => coords_cmd::run_coords(a),
        Command::Points(a) => coords_cmd::run_points(a),
        Command::RedactTile(a) => tile_cmd::run_redact_tile(a),
        Command::Redact(a) => redact_cmd::run_redact(a),
        Command::Info(a) => info_cmd::run_info(a),
        Command::Extract(a) => info_cmd::run_extract(a),
        Command::Warp(a) => warp_cmd::run_warp(a),
        Command::Verify(a) => match verify_cmd::run_verify(a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => {
                // 2: the check could not be made (1 means tiles failed it).
                eprintln!("tileredact: error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("tileredact: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the zones of `path`. Every message names the file once: the library's I/O and
/// syntax errors already name it; other errors (an invalid zone) get it as a prefix.
fn load_zones(path: &Path) -> Result<ZoneSet, String> {
    ZoneSet::from_geojson_path(path).map_err(|e| match e {
        Error::Io { .. } | Error::ZoneSyntax(_) => e.to_string(),
        e => format!("zones {}: {e}", path.display()),
    })
}
