//! Folders of tiles: `{z}/{x}/{y}.{png,jpg,jpeg,webp}`, rows numbered XYZ (y down) or TMS,
//! with an optional `metadata.json` (an object of metadata names and values) at the top.
//! Read lazily one directory at a time; written into a hidden temporary folder renamed into
//! place when complete.

use std::path::{Path, PathBuf};

use tileredact::{TileFormat, TileId};

use super::{ArchiveFormat, Scheme, Tile, TileReader, TileWriter, temp_path};

/// The metadata file of a folder.
const METADATA_FILE: &str = "metadata.json";

/// The tile file extensions read, in the order tried by [`TileReader::get`].
const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// A folder of tiles, read only.
#[derive(Debug)]
pub struct DirReader {
    path: PathBuf,
    scheme: Scheme,
}

/// The numeric entries (`name` or `name.ext` with a tile extension when `files`) of a
/// directory, sorted by number.
fn numeric_entries(dir: &Path, files: bool) -> Result<Vec<(u32, PathBuf)>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = if files {
            match name.rsplit_once('.') {
                Some((stem, ext)) if EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => {
                    stem
                }
                _ => continue,
            }
        } else {
            name
        };
        if let Ok(n) = stem.parse::<u32>() {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

impl DirReader {
    /// Opens a folder of tiles.
    ///
    /// # Errors
    /// A message naming the path when it is not a directory.
    pub fn open(path: &Path, scheme: Scheme) -> Result<DirReader, String> {
        if !path.is_dir() {
            return Err(format!("{}: not a folder of tiles", path.display()));
        }
        Ok(DirReader {
            path: path.to_path_buf(),
            scheme,
        })
    }

    fn tile_id(&self, z: u32, x: u32, y: u32, file: &Path) -> Result<TileId, String> {
        let bad = || format!("{}: not a tile of the grid ({z}/{x}/{y})", file.display());
        let z = u8::try_from(z).map_err(|_| bad())?;
        match self.scheme {
            Scheme::Xyz => TileId::new(z, x, y),
            Scheme::Tms => TileId::from_tms(z, x, y),
        }
        .map_err(|_| bad())
    }

    /// Walks every tile file, calling `f` with its address and path.
    fn walk(&self, f: &mut dyn FnMut(TileId, PathBuf) -> Result<(), String>) -> Result<(), String> {
        for (z, zdir) in numeric_entries(&self.path, false)? {
            if !zdir.is_dir() {
                continue;
            }
            for (x, xdir) in numeric_entries(&zdir, false)? {
                if !xdir.is_dir() {
                    continue;
                }
                for (y, file) in numeric_entries(&xdir, true)? {
                    let id = self.tile_id(z, x, y, &file)?;
                    f(id, file)?;
                }
            }
        }
        Ok(())
    }
}

impl TileReader for DirReader {
    fn path(&self) -> &Path {
        &self.path
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Dir
    }

    fn metadata(&self) -> Result<Vec<(String, String)>, String> {
        let file = self.path.join(METADATA_FILE);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
        let obj = value
            .as_object()
            .ok_or_else(|| format!("{}: expected a JSON object", file.display()))?;
        Ok(obj
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                (k.clone(), v)
            })
            .collect())
    }

    fn count(&self) -> Result<u64, String> {
        let mut n = 0u64;
        self.walk(&mut |_, _| {
            n += 1;
            Ok(())
        })?;
        Ok(n)
    }

    fn for_each_batch(
        &mut self,
        batch: usize,
        f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut tiles = Vec::with_capacity(batch);
        self.walk(&mut |id, file| {
            let data =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            tiles.push(Tile { id, data });
            if tiles.len() == batch {
                f(std::mem::replace(&mut tiles, Vec::with_capacity(batch)))?;
            }
            Ok(())
        })?;
        if !tiles.is_empty() {
            f(tiles)?;
        }
        Ok(())
    }

    fn get(&self, id: TileId) -> Result<Option<Vec<u8>>, String> {
        let y = match self.scheme {
            Scheme::Xyz => id.y(),
            Scheme::Tms => id.tms_row(),
        };
        let base = self.path.join(id.z().to_string()).join(id.x().to_string());
        for ext in EXTENSIONS {
            let file = base.join(format!("{y}.{ext}"));
            match std::fs::read(&file) {
                Ok(d) => return Ok(Some(d)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
            }
        }
        Ok(None)
    }
}

/// A new folder of tiles, written under a hidden temporary name and renamed into place.
#[derive(Debug)]
pub struct DirWriter {
    path: PathBuf,
    tmp: PathBuf,
    scheme: Scheme,
    fallback: TileFormat,
    metadata: Vec<(String, String)>,
    done: bool,
}

impl DirWriter {
    /// Creates the temporary folder next to `path`. `fallback` names the extension of tiles
    /// whose bytes are no known image.
    ///
    /// # Errors
    /// A message naming the output when it already exists or cannot be created.
    pub fn create(path: &Path, scheme: Scheme, fallback: TileFormat) -> Result<DirWriter, String> {
        if path.exists() {
            return Err(format!(
                "{}: already exists; a folder output must be a new path",
                path.display()
            ));
        }
        let tmp = temp_path(path)?;
        std::fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(DirWriter {
            path: path.to_path_buf(),
            tmp,
            scheme,
            fallback,
            metadata: Vec::new(),
            done: false,
        })
    }
}

/// The file extension of a tile's bytes.
fn extension(data: &[u8], fallback: TileFormat) -> &'static str {
    match TileFormat::detect(data).unwrap_or(fallback) {
        TileFormat::Png => "png",
        TileFormat::Jpeg => "jpg",
        TileFormat::WebP => "webp",
    }
}

impl TileWriter for DirWriter {
    fn put_metadata(&mut self, rows: &[(String, String)]) -> Result<(), String> {
        self.metadata = rows.to_vec();
        Ok(())
    }

    fn put_tiles(&mut self, tiles: &[(TileId, &[u8])]) -> Result<(), String> {
        for (id, data) in tiles {
            let y = match self.scheme {
                Scheme::Xyz => id.y(),
                Scheme::Tms => id.tms_row(),
            };
            let dir = self.tmp.join(id.z().to_string()).join(id.x().to_string());
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let file = dir.join(format!("{y}.{}", extension(data, self.fallback)));
            std::fs::write(&file, data)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        let obj: serde_json::Map<String, serde_json::Value> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let file = self.tmp.join(METADATA_FILE);
        let text = serde_json::to_string_pretty(&obj).expect("strings serialise");
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("{}: cannot rename into place: {e}", self.path.display()))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for DirWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
