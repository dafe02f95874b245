//! `tileredact redact`: redact a whole tile archive (MBTiles, PMTiles or a folder) into a new
//! one.
//!
//! Two routes, the same tiles:
//!
//! * **MBTiles to MBTiles** (a plain `tiles` table, the common case): SQLite copies the rows
//!   the planner finds clear straight from the input file into the output, as one job of the
//!   pool, then indexes and flushes them; the rows it leaves out (the reached tiles) are
//!   queued by rowid for the pipeline below, which writes them into a second temporary file,
//!   appended at the end. Clear tiles are never decoded nor even handed to Rust.
//! * **Any other pair of formats**: the pipeline over every tile. The input is read in
//!   batches of [`BATCH`] tiles; each batch is a rayon job of its own (redacted in parallel,
//!   with no barrier between batches) and a writer thread writes the results in input
//!   order. Reading, redaction and writing overlap, and at most [`IN_FLIGHT`] batches are
//!   ahead of the writer, so memory stays bounded. Clear tiles are copied as the same bytes
//!   without being decoded.
//!
//! The output is published only when complete (see [`crate::archive`]).

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use tileredact::{Policy, Redactor, TileFormat, TileId, TilePlan, TileReport, TileSize};

use crate::archive::{self, ArchiveFormat, MbtilesReader, MbtilesWriter, Scheme, Tile, TileWriter};
use crate::report::{Counts, FailedTile, MAX_FAILED_LISTED, Provenance, RunReport};

/// Tiles read, redacted and written at a time.
pub const BATCH: usize = 512;

/// Batches read ahead of the writer (being redacted or waiting to be written).
const IN_FLIGHT: usize = 4;

/// The zones, policy and key options shared by `redact` and `verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct RedactorArgs {
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
}

impl RedactorArgs {
    /// The redactor and where it came from.
    ///
    /// # Errors
    /// A message naming the file that cannot be read or is invalid.
    pub fn build(&self) -> Result<(Redactor, Provenance), String> {
        let zones_bytes = std::fs::read(&self.zones)
            .map_err(|e| format!("cannot read {}: {e}", self.zones.display()))?;
        let zones = crate::load_zones(&self.zones)?;
        let (policy, policy_name) = match &self.policy {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                let policy = Policy::from_json_str(&text)
                    .map_err(|e| format!("policy {}: {e}", p.display()))?;
                (policy, format!("blake3:{}", blake3::hash(text.as_bytes())))
            }
            None => (Policy::default(), "default".to_string()),
        };
        let key = self.key.read()?;
        let provenance = Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            zones_blake3: blake3::hash(&zones_bytes).to_string(),
            policy: policy_name,
            key_fingerprint: key.as_ref().map(|k| k.fingerprint()),
        };
        let redactor = Redactor::new(zones, &policy, key).map_err(|e| e.to_string())?;
        Ok((redactor, provenance))
    }
}

/// Arguments of `tileredact redact`.
#[derive(Debug, Clone, clap::Args)]
pub struct RedactArgs {
    #[command(flatten)]
    pub redactor: RedactorArgs,
    /// Write the JSON report here (all or nothing).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Stop with an error (and no output) at the first tile that cannot be redacted, instead
    /// of replacing it by a fully redacted tile.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Format of the output (default: by extension, `.mbtiles`, `.pmtiles`, else a folder).
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
    /// The archive to redact (never modified).
    pub input: PathBuf,
    /// The new archive (written all or nothing).
    pub output: PathBuf,
}

/// What happened to one tile.
enum Outcome {
    /// Clear: the input bytes are written.
    Copied,
    /// Redacted: new bytes.
    Redacted(Vec<u8>, TileReport),
    /// Could not be redacted: a fully redacted tile replaces it.
    Failed(Vec<u8>, String),
}

/// Redacts one tile, failing closed.
fn redact_tile(redactor: &Redactor, tile: &Tile, fallback: TileFormat, size: TileSize) -> Outcome {
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        redactor.redact_encoded(tile.id, &tile.data)
    }));
    let error = match attempt {
        Ok(Ok(out)) => {
            return match out.bytes {
                Cow::Borrowed(_) => Outcome::Copied,
                Cow::Owned(bytes) => Outcome::Redacted(bytes, out.report),
            };
        }
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the redaction panicked".to_string(),
    };
    // Only tiles that need redaction matter: a clear tile is copied whatever its bytes.
    if redactor.plan(tile.id, TileSize::S256) == TilePlan::Clear {
        return Outcome::Copied;
    }
    let format = TileFormat::detect(&tile.data).unwrap_or(fallback);
    match redactor.fully_redacted_tile(tile.id, size, format) {
        Ok(bytes) => Outcome::Failed(bytes, error),
        Err(e) => Outcome::Failed(Vec::new(), format!("{error}; and no replacement: {e}")),
    }
}

/// Adds a batch's outcomes to the report; with `strict`, the first failed tile is an error.
fn count(
    report: &mut RunReport,
    tiles: &[Tile],
    outcomes: &[Outcome],
    strict: bool,
    input: &Path,
) -> Result<(), String> {
    for (tile, outcome) in tiles.iter().zip(outcomes) {
        let zoom = report.per_zoom.entry(tile.id.z()).or_default();
        zoom.read += 1;
        report.totals.read += 1;
        match outcome {
            Outcome::Copied => {
                zoom.copied += 1;
                report.totals.copied += 1;
            }
            Outcome::Redacted(_, r) => {
                if r.plan == TilePlan::Full {
                    zoom.full += 1;
                    report.totals.full += 1;
                } else {
                    zoom.partial += 1;
                    report.totals.partial += 1;
                }
                for z in &r.zones {
                    *report.per_zone.entry(z.clone()).or_default() += 1;
                }
                for o in &r.operators {
                    *report.operators.entry((*o).to_string()).or_default() += 1;
                }
                report.pixels_redacted += r.pixels_redacted;
                report.cosmetic |= r.cosmetic;
            }
            Outcome::Failed(bytes, error) => {
                if strict || bytes.is_empty() {
                    return Err(format!(
                        "{}: tile {}: cannot be redacted: {error}{}",
                        input.display(),
                        tile.id,
                        if strict {
                            " (--strict: no output written)"
                        } else {
                            ""
                        }
                    ));
                }
                zoom.failed += 1;
                report.totals.failed += 1;
                if report.failed.len() < MAX_FAILED_LISTED {
                    report.failed.push(FailedTile {
                        tile: tile.id.to_string(),
                        error: error.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Where a reader hands its batches.
type Sink<'a> = dyn FnMut(Vec<Tile>) -> Result<(), String> + 'a;

/// What every batch of a run needs.
struct Run<'a> {
    pool: &'a rayon::ThreadPool,
    redactor: &'a Arc<Redactor>,
    fallback: TileFormat,
    size: TileSize,
    strict: bool,
    input: &'a Path,
    bar: &'a indicatif::ProgressBar,
}

/// Runs `a` and `b` at the same time: `a` as a job of `pool` when it has two threads or more
/// (so that, once `a` is done, its thread joins `b`'s jobs on the pool), else on a thread of
/// its own (a one-thread pool busy with `a` could not run `b`'s jobs: `a` waits on them).
fn side_by_side<RA: Send, RB>(
    pool: &rayon::ThreadPool,
    a: impl FnOnce() -> RA + Send,
    b: impl FnOnce() -> RB,
) -> (RA, RB) {
    if pool.current_num_threads() >= 2 {
        let mut ra = None;
        let rb = pool.in_place_scope(|s| {
            s.spawn(|_| ra = Some(a()));
            b()
        });
        (ra.expect("the scope waits for its jobs"), rb)
    } else {
        std::thread::scope(|s| {
            let a = s.spawn(a);
            let rb = b();
            match a.join() {
                Ok(ra) => (ra, rb),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

/// The queue of reached rows (rowid, address) from the SQLite copy to the pipeline.
type Queue = SyncSender<(i64, TileId)>;

/// Copied rows of one zoom per step of the progress bar.
const BAR_STEP: u64 = 1024;

/// Reached rows the SQLite copy may queue for the pipeline before it waits.
const REACHED_QUEUE: usize = 4 * BATCH;

/// The error of a part of a run stopped because another part failed (that part's error is
/// the one reported).
const STOPPED: &str = "stopped: another part of the run failed";

impl Run<'_> {
    /// Redacts the batches `read` hands out and writes them with `writer`, counting them in
    /// `report`: this thread reads batches and hands each to the rayon pool as a job of its
    /// own (no barrier between batches: the pool works on the next batches while one is
    /// written); a writer thread takes the batches' results in input order, counts and
    /// writes them. At most [`IN_FLIGHT`] batches wait for the writer, so memory stays
    /// bounded whatever the archive's size.
    fn pipeline(
        &self,
        read: &mut dyn FnMut(&mut Sink<'_>) -> Result<(), String>,
        writer: &mut dyn TileWriter,
        report: &mut RunReport,
    ) -> Result<(), String> {
        type Done = (Vec<Tile>, Vec<Outcome>);
        let (to_writer, batches) =
            std::sync::mpsc::sync_channel::<std::sync::mpsc::Receiver<Done>>(IN_FLIGHT);
        std::thread::scope(|scope| -> Result<(), String> {
            let writing = scope.spawn(move || -> Result<(), String> {
                for done in batches {
                    // A batch whose job died (a panic outside `redact_tile`) has no result.
                    let (tiles, outcomes) = done
                        .recv()
                        .map_err(|_| "the redaction of a batch failed".to_string())?;
                    count(report, &tiles, &outcomes, self.strict, self.input)?;
                    let out: Vec<(TileId, &[u8])> = tiles
                        .iter()
                        .zip(&outcomes)
                        .map(|(t, o)| match o {
                            Outcome::Copied => (t.id, &t.data[..]),
                            Outcome::Redacted(b, _) | Outcome::Failed(b, _) => (t.id, &b[..]),
                        })
                        .collect();
                    writer.put_tiles(&out)?;
                    self.bar.inc(tiles.len() as u64);
                }
                Ok(())
            });
            let redactor: &Redactor = self.redactor;
            let (fallback, size) = (self.fallback, self.size);
            // A closed channel means the writer stopped: its error is reported below.
            let read = self.pool.in_place_scope(|jobs| {
                read(&mut |tiles: Vec<Tile>| {
                    let (done, result) = std::sync::mpsc::sync_channel::<Done>(1);
                    to_writer
                        .send(result)
                        .map_err(|_| "the output writer stopped".to_string())?;
                    jobs.spawn(move |_| {
                        let outcomes: Vec<Outcome> = tiles
                            .par_iter()
                            .map(|t| redact_tile(redactor, t, fallback, size))
                            .collect();
                        // The writer may have stopped: its error is reported below.
                        let _ = done.send((tiles, outcomes));
                    });
                    Ok(())
                })
            });
            drop(to_writer);
            let written = writing
                .join()
                .map_err(|_| "the output writer panicked".to_string())?;
            // The writer's own error first (a send failure only echoes it).
            written?;
            read
        })
    }
}

/// MBTiles to MBTiles (a plain `tiles` table): SQLite copies the rows the zones do not
/// reach straight from the input into the output, as one job of the pool (whose thread
/// joins the redaction once the copy is indexed and flushed). The planner decides once per
/// row, inside the copy's SQL function: a row is either copied or queued, by rowid, for
/// the pipeline, which reads, redacts and writes it to a second temporary file, appended
/// to the output at the end. The copied rows are never decoded nor even handed to Rust.
fn redact_mbtiles(
    run: &Run<'_>,
    reader: &mut MbtilesReader,
    writer: &mut MbtilesWriter,
    output: &Path,
    report: &mut RunReport,
) -> Result<(), String> {
    // The redacted tiles' temporary file, next to the output's (hidden, unique).
    let mut part = MbtilesWriter::create(output)?;
    let stop = Arc::new(AtomicBool::new(false));
    // Rows copied, per zoom (lock-free: counted once per row).
    let copied: Arc<Vec<AtomicU64>> = Arc::new(
        (0..=tileredact::MAX_ZOOM)
            .map(|_| AtomicU64::new(0))
            .collect(),
    );
    // The rows the copy leaves out (the reached ones) go to the pipeline by rowid, so each
    // row is planned once. A bounded queue: when the redaction falls behind, the copy waits.
    let (reached, rowids) = std::sync::mpsc::sync_channel::<(i64, TileId)>(REACHED_QUEUE);
    // Held by the SQL function too: the copier hangs up explicitly when it ends (even by a
    // panic), so the pipeline's loop always ends.
    let reached = Arc::new(Mutex::new(Some(reached)));
    let mut rowids = Some(rowids);
    let copier = {
        let (redactor, stop, copied) = (run.redactor.clone(), stop.clone(), copied.clone());
        let bar = run.bar.clone();
        let input = run.input.to_path_buf();
        let writer = &mut *writer;
        let reached = reached.clone();
        move || {
            /// Hangs up the queue of reached rows when dropped.
            struct HangUp(Arc<Mutex<Option<Queue>>>);
            impl Drop for HangUp {
                fn drop(&mut self) {
                    self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
                }
            }
            let hang_up = HangUp(reached.clone());
            let stop_copy = stop.clone();
            let result = writer.copy_from(&input, move |rowid, id| {
                if stop_copy.load(Ordering::Relaxed) {
                    return Err(STOPPED.to_string());
                }
                let clear = redactor.plan(id, TileSize::S256) == TilePlan::Clear;
                if clear {
                    let n = copied[usize::from(id.z())].fetch_add(1, Ordering::Relaxed);
                    // The bar moves by blocks (it takes a lock and reads the clock).
                    if n % BAR_STEP == BAR_STEP - 1 {
                        bar.inc(BAR_STEP);
                    }
                } else {
                    // The pipeline stopped: its error is the one reported.
                    let queue = reached.lock().unwrap_or_else(|p| p.into_inner());
                    queue
                        .as_ref()
                        .ok_or_else(|| STOPPED.to_string())?
                        .send((rowid, id))
                        .map_err(|_| STOPPED.to_string())?;
                }
                Ok(clear)
            });
            drop(hang_up);
            // Index and flush the copied rows while the redaction goes on.
            let result = result.and_then(|_| writer.index_and_flush());
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            result
        }
    };
    let redact = || {
        let redacted = run.pipeline(
            &mut |f| {
                // Ends when the copy has sent every reached row (or stopped).
                let rowids = rowids.take().expect("the pipeline reads once");
                reader.for_each_batch_of_rows(BATCH, rowids, f)
            },
            &mut part,
            report,
        );
        if redacted.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        redacted
    };
    let (copy_result, redact_result) = side_by_side(run.pool, copier, redact);
    // The error of the part that failed first (the other one only stopped).
    match (copy_result, redact_result) {
        (Ok(_), Ok(())) => {}
        (Err(e), Err(f)) if e == STOPPED => return Err(f),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    }
    for (z, n) in (0u8..).zip(copied.iter()) {
        let n = n.load(Ordering::Relaxed);
        if n == 0 {
            continue;
        }
        run.bar.inc(n % BAR_STEP);
        let zoom = report.per_zoom.entry(z).or_default();
        zoom.read += n;
        zoom.copied += n;
        report.totals.read += n;
        report.totals.copied += n;
    }
    writer.append(part)
}

/// The output format asked for.
fn output_format(args: &RedactArgs) -> ArchiveFormat {
    args.format
        .or_else(|| archive::from_extension(&args.output))
        .unwrap_or(ArchiveFormat::Dir)
}

/// Whether two paths name the same existing file or folder.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Runs `tileredact redact`.
///
/// # Errors
/// A message naming the file and what was wrong; no output is left then.
pub fn run_redact(args: &RedactArgs) -> Result<(), String> {
    let start = Instant::now();
    let (redactor, provenance) = args.redactor.build()?;
    let redactor = Arc::new(redactor);
    if same_file(&args.input, &args.output) {
        return Err(format!(
            "{}: the output is the input; write to a new path",
            args.output.display()
        ));
    }
    let mut reader = archive::open_reader(&args.input, args.input_format, args.scheme)?;
    let out_format = output_format(args);
    let meta = reader.metadata()?;
    let fallback = archive::metadata_tile_format(&meta).unwrap_or(TileFormat::Png);
    let size = match meta.iter().find(|(k, _)| k == "tilesize") {
        Some((_, v)) if v.trim() == "512" => TileSize::S512,
        _ => TileSize::S256,
    };
    let total = reader.count()?;

    // The SQLite route: MBTiles to MBTiles with a plain `tiles` table.
    let sqlite_route = out_format == ArchiveFormat::Mbtiles
        && reader.as_mbtiles().is_some_and(|mb| mb.is_plain_table());
    // On the SQLite route the copy runs as a job of this pool (see `side_by_side`).
    let pool = crate::run::worker_pool(args.threads)?;
    let bar = crate::run::progress_bar(args.quiet, total);

    let mut report = RunReport {
        input: args.input.display().to_string(),
        input_format: reader.format().name().to_string(),
        output: args.output.display().to_string(),
        output_format: out_format.name().to_string(),
        totals: Counts::default(),
        per_zoom: Default::default(),
        per_zone: Default::default(),
        operators: Default::default(),
        pixels_redacted: 0,
        cosmetic: false,
        failed: Vec::new(),
        provenance,
        elapsed_s: 0.0,
    };
    let ctx = Run {
        pool: &pool,
        redactor: &redactor,
        fallback,
        size,
        strict: args.strict,
        input: &args.input,
        bar: &bar,
    };
    let mut writer: Box<dyn TileWriter> = match reader.as_mbtiles() {
        Some(mb) if sqlite_route => {
            let mut writer = MbtilesWriter::create(&args.output)?;
            redact_mbtiles(&ctx, mb, &mut writer, &args.output, &mut report)?;
            Box::new(writer)
        }
        _ => {
            let mut writer =
                archive::create_writer(&args.output, out_format, args.scheme, fallback)?;
            ctx.pipeline(
                &mut |f| reader.for_each_batch(BATCH, f),
                &mut *writer,
                &mut report,
            )?;
            writer
        }
    };
    bar.finish_and_clear();

    let mut meta: Vec<(String, String)> = meta
        .into_iter()
        .filter(|(k, _)| k != "agg_tiles_hash" && k != "tileredact")
        .collect();
    meta.push((
        "tileredact".to_string(),
        serde_json::to_string(&report.provenance).expect("serialisable"),
    ));
    writer.put_metadata(&meta)?;
    // The report file first: a run whose report cannot be written leaves no output.
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
