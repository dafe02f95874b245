//! Reading PMTiles v3, synchronously and in bounded memory: the header and the root
//! directory are read when the file is opened; leaf directories one at a time, when the walk
//! or a look-up reaches them; tile bytes one entry at a time.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tileredact::TileId;

use super::{
    Compression, Entry, HEADER_LEN, Header, MAX_INFLATED, Section, decode_directory, decompress,
    json_to_metadata, tile_id, tile_of,
};
use crate::archive::{ArchiveFormat, Tile, TileReader};

/// Leaf directories nest at most this deep below the root (the reference readers' limit).
const MAX_DEPTH: usize = 4;

/// A PMTiles v3 archive opened read-only.
#[derive(Debug)]
pub struct PmtilesReader {
    path: PathBuf,
    file: File,
    pub(super) header: Header,
    pub(super) root: Rc<Vec<Entry>>,
    /// The leaf directory last used by [`TileReader::get`] (its offset in the leaf section).
    leaf: RefCell<Option<(u64, Rc<Vec<Entry>>)>>,
}

impl PmtilesReader {
    /// Opens `path` read-only, reads and checks its header and root directory.
    ///
    /// # Errors
    /// A message naming the file: missing, too short for a header, not PMTiles, another
    /// spec version, an unsupported compression, a section past the end of the file, or a
    /// root directory that does not decode.
    pub fn open(path: &Path) -> Result<PmtilesReader, String> {
        let name = path.display();
        let file = File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read {name}: {e}"))?
            .len();
        if len < HEADER_LEN as u64 {
            return Err(format!(
                "{name}: truncated PMTiles file: {len} bytes, shorter than the {HEADER_LEN}-byte \
                 header"
            ));
        }
        let mut head = [0u8; HEADER_LEN];
        (&file)
            .read_exact(&mut head)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        let header = Header::decode(&head).map_err(|e| format!("{name}: {e}"))?;
        if !matches!(header.internal, Compression::None | Compression::Gzip) {
            return Err(format!(
                "{name}: the directories and metadata are compressed with {}; only gzip and \
                 none are supported",
                header.internal.name()
            ));
        }
        if matches!(
            header.tile_compression,
            Compression::Brotli | Compression::Zstd
        ) {
            return Err(format!(
                "{name}: the tiles are compressed with {}; only gzip, none or unknown are \
                 supported (tiles are copied as stored)",
                header.tile_compression.name()
            ));
        }
        for (what, s) in [
            ("root directory", header.root),
            ("metadata", header.metadata),
            ("leaf directory section", header.leaves),
            ("tile data section", header.data),
        ] {
            let end = s.offset.checked_add(s.length);
            if end.is_none_or(|end| end > len) {
                return Err(format!(
                    "{name}: the {what} (offset {}, length {}) ends past the end of the file \
                     ({len} bytes): the file is truncated or damaged",
                    s.offset, s.length
                ));
            }
        }
        let mut reader = PmtilesReader {
            path: path.to_path_buf(),
            file,
            header,
            root: Rc::new(Vec::new()),
            leaf: RefCell::new(None),
        };
        reader.root = Rc::new(reader.directory(reader.header.root, "the root directory")?);
        Ok(reader)
    }

    /// `length` bytes at absolute `offset` (within the file: checked at open).
    fn read_at(&self, offset: u64, length: u64) -> Result<Vec<u8>, String> {
        let mut buf = vec![0u8; usize::try_from(length).map_err(|_| "too long".to_string())?];
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_exact(&mut buf))
            .map_err(|e| {
                format!(
                    "cannot read {} (bytes {offset}..{}): {e}",
                    self.path.display(),
                    offset + length
                )
            })?;
        Ok(buf)
    }

    /// Reads, decompresses, decodes and checks a directory at absolute `s`.
    fn directory(&self, s: Section, what: &str) -> Result<Vec<Entry>, String> {
        let bad = |e: String| {
            format!(
                "{}: {what} (offset {}, length {}) does not decode: {e}",
                self.path.display(),
                s.offset,
                s.length
            )
        };
        if s.length > MAX_INFLATED {
            return Err(bad(format!("longer than {} MiB", MAX_INFLATED >> 20)));
        }
        let raw = self.read_at(s.offset, s.length)?;
        let bytes = decompress(&raw, self.header.internal).map_err(bad)?;
        let entries = decode_directory(&bytes).map_err(bad)?;
        let (data, leaves) = (self.header.data.length, self.header.leaves.length);
        for e in &entries {
            let (limit, section) = if e.run_length == 0 {
                (leaves, "leaf directory section")
            } else {
                (data, "tile data section")
            };
            if e.offset.saturating_add(u64::from(e.length)) > limit {
                return Err(bad(format!(
                    "the entry of tile id {} points at bytes {}..{}, past the end of the \
                     {section} ({limit} bytes)",
                    e.tile_id,
                    e.offset,
                    e.offset.saturating_add(u64::from(e.length))
                )));
            }
        }
        Ok(entries)
    }

    /// The leaf directory an entry points at.
    fn leaf(&self, e: &Entry) -> Result<Vec<Entry>, String> {
        self.directory(
            Section {
                offset: self.header.leaves.offset + e.offset,
                length: u64::from(e.length),
            },
            &format!("the leaf directory at offset {}", e.offset),
        )
    }

    /// Calls `visit` with every tile entry in tile-id order, reading leaves as they come.
    fn walk(
        &self,
        entries: &[Entry],
        depth: usize,
        visit: &mut dyn FnMut(&Entry) -> Result<(), String>,
    ) -> Result<(), String> {
        for e in entries {
            if e.run_length > 0 {
                visit(e)?;
            } else if depth >= MAX_DEPTH {
                return Err(format!(
                    "{}: leaf directories nest deeper than {MAX_DEPTH} levels",
                    self.path.display()
                ));
            } else {
                self.walk(&self.leaf(e)?, depth + 1, visit)?;
            }
        }
        Ok(())
    }

    /// The XYZ tile of a tile id found in the file.
    fn tile_of(&self, id: u64) -> Result<TileId, String> {
        tile_of(id).map_err(|z| {
            format!(
                "{}: tile id {id} is at zoom {z}, deeper than the 30 zooms this tool handles",
                self.path.display()
            )
        })
    }
}

impl TileReader for PmtilesReader {
    fn path(&self) -> &Path {
        &self.path
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Pmtiles
    }

    fn metadata(&self) -> Result<Vec<(String, String)>, String> {
        let bad = |e: String| format!("{}: the JSON metadata: {e}", self.path.display());
        if self.header.metadata.length > MAX_INFLATED {
            return Err(bad(format!("longer than {} MiB", MAX_INFLATED >> 20)));
        }
        let raw = self.read_at(self.header.metadata.offset, self.header.metadata.length)?;
        if raw.is_empty() {
            return Ok(json_to_metadata(Default::default(), &self.header));
        }
        let text = decompress(&raw, self.header.internal).map_err(bad)?;
        match serde_json::from_slice(&text) {
            Ok(serde_json::Value::Object(obj)) => Ok(json_to_metadata(obj, &self.header)),
            Ok(_) => Err(bad("not a JSON object".into())),
            Err(e) => Err(bad(format!("not JSON ({e})"))),
        }
    }

    fn count(&self) -> Result<u64, String> {
        if self.header.addressed_tiles > 0 {
            return Ok(self.header.addressed_tiles);
        }
        let mut n = 0u64;
        self.walk(&self.root, 0, &mut |e| {
            n += u64::from(e.run_length);
            Ok(())
        })?;
        Ok(n)
    }

    fn for_each_batch(
        &mut self,
        batch: usize,
        f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
    ) -> Result<(), String> {
        let batch = batch.max(1);
        let mut tiles = Vec::with_capacity(batch);
        let root = Rc::clone(&self.root);
        let this = &*self;
        this.walk(&root, 0, &mut |e| {
            let data = this.read_at(this.header.data.offset + e.offset, u64::from(e.length))?;
            // A run: every tile id of it yields the same bytes.
            for i in 0..u64::from(e.run_length) {
                tiles.push(Tile {
                    id: this.tile_of(e.tile_id + i)?,
                    data: data.clone(),
                });
                if tiles.len() == batch {
                    f(std::mem::replace(&mut tiles, Vec::with_capacity(batch)))?;
                }
            }
            Ok(())
        })?;
        if !tiles.is_empty() {
            f(tiles)?;
        }
        Ok(())
    }

    fn get(&self, id: TileId) -> Result<Option<Vec<u8>>, String> {
        let want = tile_id(id);
        let mut dir = Rc::clone(&self.root);
        for _ in 0..=MAX_DEPTH {
            let i = dir.partition_point(|e| e.tile_id <= want);
            let Some(e) = i.checked_sub(1).map(|i| dir[i]) else {
                return Ok(None);
            };
            if e.run_length > 0 {
                if want - e.tile_id >= u64::from(e.run_length) {
                    return Ok(None);
                }
                return self
                    .read_at(self.header.data.offset + e.offset, u64::from(e.length))
                    .map(Some);
            }
            let cached = match &*self.leaf.borrow() {
                Some((off, d)) if *off == e.offset => Some(Rc::clone(d)),
                _ => None,
            };
            dir = match cached {
                Some(d) => d,
                None => {
                    let d = Rc::new(self.leaf(&e)?);
                    *self.leaf.borrow_mut() = Some((e.offset, Rc::clone(&d)));
                    d
                }
            };
        }
        Err(format!(
            "{}: leaf directories nest deeper than {MAX_DEPTH} levels",
            self.path.display()
        ))
    }
}
