//! `tileredact warp`: re-sample a whole raster tile archive between the WGS-84 and GCJ-02
//! grids.
//!
//! The output holds the same tile addresses as the input. A tile wholly outside the GCJ-02
//! region ([`outside_warp_region`]) is copied as the same bytes without being decoded; every
//! other tile is warped from the input tiles around it ([`required_source_tiles`]) and
//! encoded like the input tile of the same address ([`TileEncoding`]: PNG stays PNG, JPEG
//! keeps its estimated quality and subsampling, WebP its lossiness). Source pixels the input
//! does not have (beyond the archive's coverage) are transparent in PNG and WebP, and black
//! in JPEG, which has no alpha; a tile none of whose sources exist is left out (`empty`). A
//! source tile that cannot be decoded counts as missing and is listed in the report.
//!
//! The input is read in batches of [`BATCH`] tiles by one reader; the sources a batch needs
//! are read by a second reader of the same input (random access, `TileReader::get`) and
//! decoded in parallel (rayon) into a cache that holds the decoded sources of one batch: a
//! source kept from the last batch is not read again, and every other entry is dropped before
//! the next batch's sources are loaded, so memory stays bounded by the union of one batch's
//! sources (each tile needs 2 to 9 inside the region at z18, more right at the region's edge
//! at deep zooms, where the offset drops to zero within the tile; in a dense archive
//! neighbours are shared, so about one batch and its border, as decoded RGBA8). The
//! warped tiles are written by a writer thread as in `redact`; the output is published only
//! when complete (see [`crate::archive`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tileredact::{
    AlphaMode, ImageView, ImageViewMut, TileEncoding, TileFormat, TileId, WarpDirection,
    WarpFilter, decode_rgba_with_encoding, outside_warp_region, required_source_tiles, warp_tile,
};

use crate::archive::{self, ArchiveFormat, Scheme, Tile, TileReader, TileWriter};

/// Tiles read, warped and written at a time.
pub const BATCH: usize = 256;

/// At most this many undecodable source tiles are listed in the report (all are counted).
const MAX_LISTED: usize = 1000;

/// The target frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Frame {
    /// GCJ-02 (the input is in WGS-84).
    Gcj02,
    /// WGS-84 (the input is in GCJ-02).
    Wgs84,
}

/// The resampling filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FilterArg {
    /// The nearest source pixel.
    Nearest,
    /// Bilinear interpolation of 2x2 source pixels.
    Bilinear,
    /// Catmull-Rom bicubic over 4x4 source pixels.
    Bicubic,
}

/// Arguments of `tileredact warp`.
#[derive(Debug, Clone, clap::Args)]
pub struct WarpArgs {
    /// The frame of the output tiles: gcj02 (input in WGS-84) or wgs84 (input in GCJ-02).
    #[arg(long, value_enum)]
    pub to: Frame,
    /// The resampling filter.
    #[arg(long, value_enum, default_value = "bilinear")]
    pub filter: FilterArg,
    /// Write the JSON report here (all or nothing).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Format of the output (default: by extension, `.mbtiles`, else a folder).
    #[arg(long, value_enum)]
    pub format: Option<ArchiveFormat>,
    /// Format of the input (default: detected from its content).
    #[arg(long, value_enum)]
    pub input_format: Option<ArchiveFormat>,
    /// Row numbering of folders (input and output).
    #[arg(long, value_enum, default_value = "xyz")]
    pub scheme: Scheme,
    /// No progress bar even on a terminal.
    #[arg(long, short)]
    pub quiet: bool,
    /// The archive to warp (never modified).
    pub input: PathBuf,
    /// The new archive (written all or nothing).
    pub output: PathBuf,
}

/// Counts of one zoom level (or of the whole run).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WarpCounts {
    /// Tiles read.
    pub read: u64,
    /// Tiles wholly outside the GCJ-02 region, copied as the same bytes.
    pub copied_outside_region: u64,
    /// Tiles warped and written.
    pub warped: u64,
    /// Warped tiles for which some source tile was missing (or undecodable): part of them is
    /// transparent (black in JPEG).
    pub with_missing_sources: u64,
    /// Tiles none of whose source tiles exist: left out of the output.
    pub empty: u64,
}

/// A source tile that could not be decoded (read as missing).
#[derive(Debug, Clone, Serialize)]
pub struct BadSource {
    /// `z/x/y` (XYZ).
    pub tile: String,
    /// Why.
    pub error: String,
}

/// The report of a warp run (`--report`).
#[derive(Debug, Clone, Serialize)]
pub struct WarpReport {
    /// The input archive.
    pub input: String,
    /// Its format.
    pub input_format: String,
    /// The output archive.
    pub output: String,
    /// Its format.
    pub output_format: String,
    /// `wgs84-to-gcj02` or `gcj02-to-wgs84`.
    pub direction: String,
    /// `nearest`, `bilinear` or `bicubic`.
    pub filter: String,
    /// Totals over every zoom.
    pub totals: WarpCounts,
    /// Per zoom level.
    pub per_zoom: BTreeMap<u8, WarpCounts>,
    /// Source tiles read by random access (beyond the batch being warped), decoded or not.
    pub source_reads: u64,
    /// Source tiles that could not be decoded: how many.
    pub undecodable_sources: u64,
    /// Source tiles that could not be decoded (at most 1000 listed).
    pub undecodable: Vec<BadSource>,
    /// Seconds from start to the output in place.
    pub elapsed_s: f64,
}

impl WarpReport {
    /// A few lines for people.
    fn summary(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "tileredact warp ({}, {}): {} -> {}\n  tiles read {}, warped {}, copied as \
             outside the region {}, with missing sources {}, empty (left out) {}\n",
            self.direction,
            self.filter,
            self.input,
            self.output,
            t.read,
            t.warped,
            t.copied_outside_region,
            t.with_missing_sources,
            t.empty
        );
        s.push_str("  per zoom (read/warped/copied/with missing/empty):");
        for (z, c) in &self.per_zoom {
            s.push_str(&format!(
                " z{z} {}/{}/{}/{}/{}",
                c.read, c.warped, c.copied_outside_region, c.with_missing_sources, c.empty
            ));
        }
        s.push('\n');
        s.push_str(&format!(
            "  source tiles read by address {}\n",
            self.source_reads
        ));
        if self.undecodable_sources > 0 {
            s.push_str(&format!(
                "  undecodable source tiles (read as missing) {}",
                self.undecodable_sources
            ));
            for b in self.undecodable.iter().take(5) {
                s.push_str(&format!("\n    {}: {}", b.tile, b.error));
            }
            s.push('\n');
        }
        s.push_str(&format!("  elapsed {:.2} s", self.elapsed_s));
        s
    }
}

/// A decoded source tile.
struct Decoded {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
    encoding: TileEncoding,
}

/// A source tile in the cache: decoded, absent from the input, or undecodable.
enum Source {
    Decoded(Decoded),
    Absent,
    Bad(String),
}

/// What happened to one tile.
enum Outcome {
    /// Outside the region: the input bytes are written.
    Copied,
    /// Warped: new bytes; whether some source was missing.
    Warped(Vec<u8>, bool),
    /// No source at all: nothing is written.
    Empty,
}

fn decode(bytes: &[u8]) -> Source {
    match decode_rgba_with_encoding(bytes) {
        Ok((rgba, width, height, encoding)) => Source::Decoded(Decoded {
            rgba,
            width,
            height,
            encoding,
        }),
        Err(e) => Source::Bad(e.to_string()),
    }
}

/// Warps one tile from the cached sources.
fn warp_one(
    id: TileId,
    direction: WarpDirection,
    filter: WarpFilter,
    cache: &HashMap<TileId, Arc<Source>>,
) -> Result<Outcome, String> {
    let need = required_source_tiles(id, direction);
    let decoded = |t: &TileId| match cache.get(t).map(|s| &**s) {
        Some(Source::Decoded(d)) => Some(d),
        _ => None,
    };
    // Encoded like the input tile at this address; else like a source (the tile itself
    // could not be decoded).
    let Some(like) = decoded(&id).or_else(|| need.iter().find_map(decoded)) else {
        return Ok(Outcome::Empty);
    };
    let mut sources = Vec::with_capacity(need.len());
    for t in &need {
        if let Some(d) = decoded(t) {
            let stride = 4 * d.width as usize;
            let view = ImageView::new(&d.rgba, d.width, d.height, stride, AlphaMode::Straight)
                .map_err(|e| format!("tile {t}: {e}"))?;
            sources.push((*t, view));
        }
    }
    if sources.is_empty() {
        return Ok(Outcome::Empty);
    }
    let (w, h) = (like.width, like.height);
    let mut px = vec![0u8; 4 * w as usize * h as usize];
    let mut out = ImageViewMut::new(&mut px, w, h, 4 * w as usize, AlphaMode::Straight)
        .map_err(|e| format!("tile {id}: {e}"))?;
    let report = warp_tile(id, direction, &sources, &mut out, filter)
        .map_err(|e| format!("tile {id}: cannot be warped: {e}"))?;
    let bytes = like
        .encoding
        .encode(&px, w, h)
        .map_err(|e| format!("tile {id}: cannot be encoded: {e}"))?;
    Ok(Outcome::Warped(bytes, !report.missing.is_empty()))
}

/// Runs `tileredact warp`.
///
/// # Errors
/// A message naming the file and what was wrong; no output is left then.
pub fn run_warp(args: &WarpArgs) -> Result<(), String> {
    let start = Instant::now();
    let direction = match args.to {
        Frame::Gcj02 => WarpDirection::Wgs84ToGcj02,
        Frame::Wgs84 => WarpDirection::Gcj02ToWgs84,
    };
    let filter = match args.filter {
        FilterArg::Nearest => WarpFilter::Nearest,
        FilterArg::Bilinear => WarpFilter::Bilinear,
        FilterArg::Bicubic => WarpFilter::Bicubic,
    };
    if crate::redact_cmd::same_file(&args.input, &args.output) {
        return Err(format!(
            "{}: the output is the input; write to a new path",
            args.output.display()
        ));
    }
    let mut reader = archive::open_reader(&args.input, args.input_format, args.scheme)?;
    // The random-access reader of the sources (the first one is busy with the batches).
    let sources_reader = archive::open_reader(&args.input, args.input_format, args.scheme)?;
    let out_format = args
        .format
        .or_else(|| archive::from_extension(&args.output))
        .unwrap_or(ArchiveFormat::Dir);
    let meta = reader.metadata()?;
    let fallback = archive::metadata_tile_format(&meta).unwrap_or(TileFormat::Png);
    let total = reader.count()?;
    let pool = crate::run::worker_pool(args.threads)?;
    let mut writer = archive::create_writer(&args.output, out_format, args.scheme, fallback)?;
    let bar = crate::run::progress_bar(args.quiet, total);
    let mut report = WarpReport {
        input: args.input.display().to_string(),
        input_format: reader.format().name().to_string(),
        output: args.output.display().to_string(),
        output_format: out_format.name().to_string(),
        direction: match direction {
            WarpDirection::Wgs84ToGcj02 => "wgs84-to-gcj02",
            WarpDirection::Gcj02ToWgs84 => "gcj02-to-wgs84",
        }
        .to_string(),
        filter: format!("{:?}", args.filter).to_lowercase(),
        totals: WarpCounts::default(),
        per_zoom: BTreeMap::new(),
        source_reads: 0,
        undecodable_sources: 0,
        undecodable: Vec::new(),
        elapsed_s: 0.0,
    };

    let mut cache: HashMap<TileId, Arc<Source>> = HashMap::new();
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<(Vec<Tile>, Vec<Outcome>)>(2);
    let mut writer = std::thread::scope(|scope| -> Result<Box<dyn TileWriter>, String> {
        let writing = scope.spawn(move || -> Result<Box<dyn TileWriter>, String> {
            for (tiles, outcomes) in batches {
                let out: Vec<(TileId, &[u8])> = tiles
                    .iter()
                    .zip(&outcomes)
                    .filter_map(|(t, o)| match o {
                        Outcome::Copied => Some((t.id, &t.data[..])),
                        Outcome::Warped(b, _) => Some((t.id, &b[..])),
                        Outcome::Empty => None,
                    })
                    .collect();
                writer.put_tiles(&out)?;
            }
            Ok(writer)
        });
        let read = reader.for_each_batch(BATCH, &mut |tiles: Vec<Tile>| {
            let outcomes = warp_batch(
                &tiles,
                direction,
                filter,
                &pool,
                &*sources_reader,
                &mut cache,
                &mut report,
            )?;
            bar.inc(tiles.len() as u64);
            // A closed channel means the writer failed: its error is reported below.
            to_writer
                .send((tiles, outcomes))
                .map_err(|_| "the output writer stopped".to_string())
        });
        drop(to_writer);
        let written = writing
            .join()
            .map_err(|_| "the output writer panicked".to_string())?;
        let writer = written?;
        read?;
        Ok(writer)
    })?;
    bar.finish_and_clear();
    drop(cache);

    let mut meta: Vec<(String, String)> = meta
        .into_iter()
        .filter(|(k, _)| k != "agg_tiles_hash" && k != "tileredact_warp")
        .collect();
    meta.push((
        "tileredact_warp".to_string(),
        serde_json::json!({
            "tool_version": env!("CARGO_PKG_VERSION"),
            "direction": report.direction,
            "filter": report.filter,
            "note": match direction {
                WarpDirection::Wgs84ToGcj02 => "tiles re-sampled from the WGS-84 grid to the GCJ-02 grid",
                WarpDirection::Gcj02ToWgs84 => "tiles re-sampled from the GCJ-02 grid to the WGS-84 grid",
            },
        })
        .to_string(),
    ));
    writer.put_metadata(&meta)?;
    report.elapsed_s = start.elapsed().as_secs_f64();
    let report_file = crate::run::report_file(args.report.as_deref(), &report)?;
    writer.finish()?;
    if let Some(f) = report_file {
        f.commit()?;
    }
    report.elapsed_s = start.elapsed().as_secs_f64();
    eprintln!("{}", report.summary());
    Ok(())
}

/// Warps one batch: loads the sources it needs into `cache` (dropping the rest), then warps
/// the tiles in parallel; counts into `report`.
fn warp_batch(
    tiles: &[Tile],
    direction: WarpDirection,
    filter: WarpFilter,
    pool: &rayon::ThreadPool,
    sources_reader: &dyn TileReader,
    cache: &mut HashMap<TileId, Arc<Source>>,
    report: &mut WarpReport,
) -> Result<Vec<Outcome>, String> {
    let inside: Vec<bool> = tiles.iter().map(|t| !outside_warp_region(t.id)).collect();
    // Every source of the tiles to warp, and the tiles themselves (their encoding).
    let needed: HashSet<TileId> = pool.install(|| {
        tiles
            .par_iter()
            .zip(&inside)
            .filter(|(_, i)| **i)
            .flat_map_iter(|(t, _)| {
                let mut v = required_source_tiles(t.id, direction);
                v.push(t.id);
                v
            })
            .collect()
    });
    cache.retain(|id, _| needed.contains(id));
    let in_batch: HashMap<TileId, &[u8]> = tiles.iter().map(|t| (t.id, &t.data[..])).collect();
    let mut to_load: Vec<TileId> = needed
        .iter()
        .filter(|id| !cache.contains_key(id))
        .copied()
        .collect();
    to_load.sort();
    // Bytes first, by one reader (not shared between threads), then decoded in parallel.
    let mut fetched: Vec<(TileId, Option<Vec<u8>>)> = Vec::with_capacity(to_load.len());
    for id in to_load {
        match in_batch.get(&id) {
            Some(b) => fetched.push((id, Some(b.to_vec()))),
            None => {
                report.source_reads += 1;
                fetched.push((id, sources_reader.get(id)?));
            }
        }
    }
    let loaded: Vec<(TileId, Source)> = pool.install(|| {
        fetched
            .into_par_iter()
            .map(|(id, bytes)| match bytes {
                Some(b) => (id, decode(&b)),
                None => (id, Source::Absent),
            })
            .collect()
    });
    for (id, s) in loaded {
        if let Source::Bad(e) = &s {
            report.undecodable_sources += 1;
            if report.undecodable.len() < MAX_LISTED {
                report.undecodable.push(BadSource {
                    tile: id.to_string(),
                    error: e.clone(),
                });
            }
        }
        cache.insert(id, Arc::new(s));
    }
    let cache = &*cache;
    let outcomes: Vec<Outcome> = pool.install(|| {
        tiles
            .par_iter()
            .zip(&inside)
            .map(|(t, &inside)| {
                if inside {
                    warp_one(t.id, direction, filter, cache)
                } else {
                    Ok(Outcome::Copied)
                }
            })
            .collect::<Result<_, String>>()
    })?;
    for (t, o) in tiles.iter().zip(&outcomes) {
        let zoom = report.per_zoom.entry(t.id.z()).or_default();
        for c in [&mut *zoom, &mut report.totals] {
            c.read += 1;
            match o {
                Outcome::Copied => c.copied_outside_region += 1,
                Outcome::Warped(_, missing) => {
                    c.warped += 1;
                    c.with_missing_sources += u64::from(*missing);
                }
                Outcome::Empty => c.empty += 1,
            }
        }
    }
    Ok(outcomes)
}
