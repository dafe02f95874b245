//! Tile archives: MBTiles files, PMTiles v3 files and XYZ/TMS folders behind one small
//! reader/writer pair.
//!
//! A [`TileReader`] hands out tiles in batches ([`TileReader::for_each_batch`]) so that a
//! whole run holds one batch in memory whatever the archive's size, plus its metadata; it
//! never writes to its input. A [`TileWriter`] takes tiles and metadata and publishes them
//! all at once on [`TileWriter::finish`]: until then everything goes to a temporary name in
//! the output's directory, removed when the writer is dropped unfinished (an error, a panic).
//! A killed process leaves only that hidden temporary name, never a finished-looking output.

mod dir;
mod mbtiles;
mod pmtiles;

use std::path::{Path, PathBuf};

use tileredact::{TileFormat, TileId};

pub use dir::{DirReader, DirWriter};
pub use mbtiles::{MbtilesReader, MbtilesWriter};
pub use pmtiles::{PmtilesReader, PmtilesWriter};

/// One tile of an archive: its XYZ address and its encoded bytes.
#[derive(Debug, Clone)]
pub struct Tile {
    /// XYZ address (y down), whatever the archive's own row numbering.
    pub id: TileId,
    /// The encoded tile as stored.
    pub data: Vec<u8>,
}

/// The archive formats the tool reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveFormat {
    /// MBTiles 1.3 (SQLite): a plain `tiles` table, or the deduplicated `map` + `images`.
    Mbtiles,
    /// A folder of `{z}/{x}/{y}.{png,jpg,webp}` files (rows by `--scheme`).
    Dir,
    /// PMTiles v3 (one file: header, directories of Hilbert tile ids, tile data).
    Pmtiles,
}

impl ArchiveFormat {
    /// The name used in messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            ArchiveFormat::Mbtiles => "mbtiles",
            ArchiveFormat::Dir => "xyz folder",
            ArchiveFormat::Pmtiles => "pmtiles",
        }
    }
}

/// How the rows of a folder are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scheme {
    /// y down from the north (slippy maps).
    #[default]
    Xyz,
    /// y up from the south (TMS).
    Tms,
}

/// Reads an archive's tiles in batches.
pub trait TileReader {
    /// The archive's path.
    fn path(&self) -> &Path;
    /// The archive's format.
    fn format(&self) -> ArchiveFormat;
    /// The metadata as (name, value) pairs, in the archive's order.
    ///
    /// # Errors
    /// A message naming the file.
    fn metadata(&self) -> Result<Vec<(String, String)>, String>;
    /// How many tiles the archive holds (for the progress bar and `info`).
    ///
    /// # Errors
    /// A message naming the file.
    fn count(&self) -> Result<u64, String>;
    /// Calls `f` with successive batches of at most `batch` tiles until the archive is
    /// exhausted or `f` fails.
    ///
    /// # Errors
    /// A message naming the file and what was wrong (a malformed row, an unreadable file),
    /// or the error of `f`.
    fn for_each_batch(
        &mut self,
        batch: usize,
        f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
    ) -> Result<(), String>;
    /// The tile at `id`, if the archive has it.
    ///
    /// # Errors
    /// A message naming the file.
    fn get(&self, id: TileId) -> Result<Option<Vec<u8>>, String>;
    /// The MBTiles reader behind this one, if it is one (for SQLite-level copies).
    fn as_mbtiles(&mut self) -> Option<&mut MbtilesReader> {
        None
    }
}

/// Writes an archive all or nothing (on a thread of its own: `Send`).
pub trait TileWriter: Send {
    /// Sets the metadata (called once, before or after the tiles).
    ///
    /// # Errors
    /// A message naming the output.
    fn put_metadata(&mut self, rows: &[(String, String)]) -> Result<(), String>;
    /// Adds tiles.
    ///
    /// # Errors
    /// A message naming the output.
    fn put_tiles(&mut self, tiles: &[(TileId, &[u8])]) -> Result<(), String>;
    /// Completes the archive and moves it into place.
    ///
    /// # Errors
    /// A message naming the output; nothing is left at the output path then.
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// The format of an existing archive: a directory is a folder; otherwise the file's first
/// bytes decide (SQLite, PMTiles), then its extension.
///
/// # Errors
/// A message naming the path when it does not exist or is no archive this tool knows.
pub fn detect_input(path: &Path) -> Result<ArchiveFormat, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Ok(ArchiveFormat::Dir);
    }
    let mut head = [0u8; 16];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            }
        }
        n
    };
    let head = &head[..n];
    if head.starts_with(b"SQLite format 3\0") {
        return Ok(ArchiveFormat::Mbtiles);
    }
    if head.starts_with(b"PMTiles") {
        return Ok(ArchiveFormat::Pmtiles);
    }
    match from_extension(path) {
        Some(ArchiveFormat::Mbtiles) if n == 0 => Err(format!(
            "{}: not an MBTiles file (the file is empty)",
            path.display()
        )),
        Some(f) => Err(format!(
            "{}: not a {} archive (the file does not start with the {} signature)",
            path.display(),
            f.name(),
            match f {
                ArchiveFormat::Pmtiles => "PMTiles",
                _ => "SQLite",
            }
        )),
        None => Err(format!(
            "{}: not a tile archive (neither an SQLite/MBTiles file, a PMTiles file nor a \
             folder)",
            path.display()
        )),
    }
}

/// The format an output path asks for: `.mbtiles`, `.pmtiles`, else a folder.
pub fn from_extension(path: &Path) -> Option<ArchiveFormat> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("mbtiles") => Some(ArchiveFormat::Mbtiles),
        Some(e) if e.eq_ignore_ascii_case("pmtiles") => Some(ArchiveFormat::Pmtiles),
        _ => None,
    }
}

/// Opens an archive for reading, never for writing.
///
/// # Errors
/// A message naming the path and what is wrong with it.
pub fn open_reader(
    path: &Path,
    format: Option<ArchiveFormat>,
    scheme: Scheme,
) -> Result<Box<dyn TileReader>, String> {
    let format = match format {
        Some(f) => f,
        None => detect_input(path)?,
    };
    match format {
        ArchiveFormat::Mbtiles => Ok(Box::new(MbtilesReader::open(path)?)),
        ArchiveFormat::Dir => Ok(Box::new(DirReader::open(path, scheme)?)),
        ArchiveFormat::Pmtiles => Ok(Box::new(PmtilesReader::open(path)?)),
    }
}

/// Creates a writer for `path` (published on finish).
///
/// # Errors
/// A message naming the path.
pub fn create_writer(
    path: &Path,
    format: ArchiveFormat,
    scheme: Scheme,
    tile_format: TileFormat,
) -> Result<Box<dyn TileWriter>, String> {
    match format {
        ArchiveFormat::Mbtiles => Ok(Box::new(MbtilesWriter::create(path)?)),
        ArchiveFormat::Dir => Ok(Box::new(DirWriter::create(path, scheme, tile_format)?)),
        ArchiveFormat::Pmtiles => Ok(Box::new(PmtilesWriter::create(path, tile_format)?)),
    }
}

/// A hidden temporary name next to `path`: `.NAME.tmp-PID-N` (unique within the process;
/// archive writers and [`crate::output::AtomicFile`] write there, then rename).
///
/// # Errors
/// A message when `path` has no file name.
pub fn temp_path(path: &Path) -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file path", path.display()))?;
    Ok(dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    )))
}

/// The tile encoding an archive's metadata names (`format`: png, jpg/jpeg, webp).
pub fn metadata_tile_format(meta: &[(String, String)]) -> Option<TileFormat> {
    let v = meta
        .iter()
        .find(|(k, _)| k == "format")?
        .1
        .to_ascii_lowercase();
    match v.as_str() {
        "png" => Some(TileFormat::Png),
        "jpg" | "jpeg" => Some(TileFormat::Jpeg),
        "webp" => Some(TileFormat::WebP),
        _ => None,
    }
}
