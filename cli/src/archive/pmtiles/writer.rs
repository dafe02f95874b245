//! Writing PMTiles v3. Tiles come in any order: each distinct content is appended to a
//! hidden temporary data file as it arrives (identical bytes once, by BLAKE3), and only
//! (tile id, content) pairs and (offset, length) per content stay in memory. `finish` sorts
//! by tile id, merges consecutive ids with the same content into run-length entries, builds
//! the root directory (within the first 16 KiB with the header) and leaf directories as
//! needed, writes header, root, metadata, leaves and the tile data in tile-id order
//! (clustered) under a second hidden name, and renames it into place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tileredact::{TileFormat, TileId};

use super::{
    Compression, Entry, HEADER_LEN, Header, Section, TileType, compress, encode_directory,
    metadata_to_json, tile_id,
};
use crate::archive::{TileWriter, temp_path};

/// The root directory must end within the first 16 KiB, header included.
const ROOT_LIMIT: usize = 16_384 - HEADER_LEN;

/// Entries per leaf directory to start with (doubled until the root fits).
const MIN_LEAF: usize = 4096;

/// A new PMTiles archive written under a temporary name and renamed into place by
/// [`TileWriter::finish`].
#[derive(Debug)]
pub struct PmtilesWriter {
    path: PathBuf,
    /// The archive being assembled by `finish`.
    tmp: PathBuf,
    /// Distinct tile contents, appended as they come.
    data_tmp: PathBuf,
    data: Option<BufWriter<File>>,
    data_len: u64,
    /// (offset in the data file, length) of each distinct content.
    contents: Vec<(u64, u32)>,
    by_hash: HashMap<[u8; 16], u32>,
    /// (tile id, content index) of every tile.
    tiles: Vec<(u64, u32)>,
    /// Per zoom: west, north, east, south tile columns/rows (XYZ).
    ranges: Vec<Option<[u32; 4]>>,
    metadata: Vec<(String, String)>,
    fallback: TileFormat,
    /// The format of the first tile, when its bytes are a known image.
    first_format: Option<TileFormat>,
    /// Whether every tile so far starts with the gzip signature.
    all_gzip: bool,
    root_limit: usize,
    min_leaf: usize,
    done: bool,
}

impl PmtilesWriter {
    /// Creates the temporary data file next to `path`. `fallback` is the tile type recorded
    /// when neither the metadata's `format` nor the tiles' bytes say.
    ///
    /// # Errors
    /// A message naming the output when the temporary file cannot be created.
    pub fn create(path: &Path, fallback: TileFormat) -> Result<PmtilesWriter, String> {
        let tmp = temp_path(path)?;
        let data_tmp = temp_path(path)?;
        let data = File::create(&data_tmp)
            .map_err(|e| format!("cannot create {}: {e}", data_tmp.display()))?;
        Ok(PmtilesWriter {
            path: path.to_path_buf(),
            tmp,
            data_tmp,
            data: Some(BufWriter::with_capacity(1 << 20, data)),
            data_len: 0,
            contents: Vec::new(),
            by_hash: HashMap::new(),
            tiles: Vec::new(),
            ranges: vec![None; 31],
            metadata: Vec::new(),
            fallback,
            first_format: None,
            all_gzip: true,
            root_limit: ROOT_LIMIT,
            min_leaf: MIN_LEAF,
            done: false,
        })
    }

    /// Smaller directory limits, so that tests reach leaf directories with few tiles.
    #[cfg(test)]
    pub fn with_directory_limits(mut self, root_limit: usize, min_leaf: usize) -> Self {
        self.root_limit = root_limit;
        self.min_leaf = min_leaf;
        self
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        format!("cannot write {}: {e}", self.path.display())
    }

    /// The tile type: the metadata's `format`, else the first tile's bytes, else the
    /// fallback.
    fn tile_type(&self) -> TileType {
        let named = self
            .metadata
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| TileType::from_format_name(v))
            .filter(|t| *t != TileType::Unknown);
        named.unwrap_or(match self.first_format.unwrap_or(self.fallback) {
            TileFormat::Png => TileType::Png,
            TileFormat::Jpeg => TileType::Jpeg,
            TileFormat::WebP => TileType::Webp,
        })
    }

    /// Bounds (west, south, east, north) and centre (lon, lat, zoom): from the metadata
    /// when it has them, else from the tiles.
    fn extent(&self, min_zoom: u8) -> ([f64; 4], (f64, f64, u8)) {
        let numbers = |key: &str| -> Option<Vec<f64>> {
            let (_, v) = self.metadata.iter().find(|(k, _)| k == key)?;
            v.split(',').map(|p| p.trim().parse::<f64>().ok()).collect()
        };
        let bounds = match numbers("bounds") {
            Some(b) if b.len() == 4 && b.iter().all(|v| v.is_finite()) => [b[0], b[1], b[2], b[3]],
            _ => {
                let mut b = [180.0f64, 90.0, -180.0, -90.0];
                for (z, r) in self.ranges.iter().enumerate() {
                    let Some([x0, y0, x1, y1]) = *r else { continue };
                    let nw = TileId::new(z as u8, x0, y0)
                        .expect("a tile seen")
                        .bounds_lnglat();
                    let se = TileId::new(z as u8, x1, y1)
                        .expect("a tile seen")
                        .bounds_lnglat();
                    b = [
                        b[0].min(nw.west),
                        b[1].min(se.south),
                        b[2].max(se.east),
                        b[3].max(nw.north),
                    ];
                }
                if b[0] > b[2] {
                    [-180.0, -85.051_128_8, 180.0, 85.051_128_8]
                } else {
                    b
                }
            }
        };
        let center = match numbers("center") {
            Some(c) if c.len() >= 2 && c.iter().all(|v| v.is_finite()) => (
                c[0],
                c[1],
                c.get(2)
                    .map_or(min_zoom, |&z| z.clamp(0.0, 30.0).round() as u8),
            ),
            _ => (
                (bounds[0] + bounds[2]) / 2.0,
                (bounds[1] + bounds[3]) / 2.0,
                min_zoom,
            ),
        };
        (bounds, center)
    }
}

/// Degrees as the header's integers (× 10⁷).
fn e7(deg: f64) -> i32 {
    (deg * 1e7)
        .round()
        .clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

/// The root directory and the leaf section for `entries`: everything in the root when it
/// fits in `root_limit` compressed bytes, else leaves of `min_leaf` entries (doubled until
/// the root of leaf entries fits).
pub(super) fn build_directories(
    entries: &[Entry],
    root_limit: usize,
    min_leaf: usize,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let root = compress(&encode_directory(entries), Compression::Gzip);
    if root.len() <= root_limit {
        return Ok((root, Vec::new()));
    }
    let mut leaf_size = min_leaf.max(1);
    loop {
        let mut leaves = Vec::new();
        let mut root_entries = Vec::with_capacity(entries.len().div_ceil(leaf_size));
        for chunk in entries.chunks(leaf_size) {
            let leaf = compress(&encode_directory(chunk), Compression::Gzip);
            root_entries.push(Entry {
                tile_id: chunk[0].tile_id,
                offset: leaves.len() as u64,
                length: u32::try_from(leaf.len()).map_err(|_| "a leaf directory over 4 GiB")?,
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = compress(&encode_directory(&root_entries), Compression::Gzip);
        if root.len() <= root_limit {
            return Ok((root, leaves));
        }
        if root_entries.len() == 1 {
            return Err(format!(
                "the root directory does not fit in {root_limit} bytes even with one leaf"
            ));
        }
        leaf_size *= 2;
    }
}

impl TileWriter for PmtilesWriter {
    fn put_metadata(&mut self, rows: &[(String, String)]) -> Result<(), String> {
        self.metadata = rows.to_vec();
        Ok(())
    }

    fn put_tiles(&mut self, tiles: &[(TileId, &[u8])]) -> Result<(), String> {
        for &(id, data) in tiles {
            let length = u32::try_from(data.len())
                .map_err(|_| self.err(format!("tile {id} is larger than 4 GiB")))?;
            let hash: [u8; 16] = blake3::hash(data).as_bytes()[..16]
                .try_into()
                .expect("16 bytes");
            let content = match self.by_hash.get(&hash) {
                Some(&c) => c,
                None => {
                    let c = u32::try_from(self.contents.len())
                        .map_err(|_| self.err("more than 2^32 distinct tiles"))?;
                    let out = self.data.as_mut().expect("open until finish");
                    if let Err(e) = out.write_all(data) {
                        return Err(format!("cannot write {}: {e}", self.data_tmp.display()));
                    }
                    self.contents.push((self.data_len, length));
                    self.data_len += u64::from(length);
                    self.by_hash.insert(hash, c);
                    c
                }
            };
            self.tiles.push((tile_id(id), content));
            if self.tiles.len() == 1 {
                self.first_format = TileFormat::detect(data);
            }
            self.all_gzip &= data.starts_with(&[0x1f, 0x8b]);
            let r = &mut self.ranges[usize::from(id.z())];
            let [x0, y0, x1, y1] = r.get_or_insert([id.x(), id.y(), id.x(), id.y()]);
            *x0 = (*x0).min(id.x());
            *y0 = (*y0).min(id.y());
            *x1 = (*x1).max(id.x());
            *y1 = (*y1).max(id.y());
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        let data = self.data.take().expect("open until finish");
        data.into_inner()
            .map_err(|e| format!("cannot write {}: {}", self.data_tmp.display(), e.error()))?;

        // Tile-id order; the same id twice is an error, as in an MBTiles file.
        let mut tiles = std::mem::take(&mut self.tiles);
        tiles.sort_unstable();
        if let Some(w) = tiles.windows(2).find(|w| w[0].0 == w[1].0) {
            let id =
                super::tile_of(w[0].0).map_or_else(|z| format!("at zoom {z}"), |t| t.to_string());
            return Err(self.err(format!("the input holds tile {id} twice")));
        }
        // Entries: runs of consecutive ids with the same content merged; contents laid out
        // in the order of their first tile.
        let mut new_offset = vec![u64::MAX; self.contents.len()];
        let mut order: Vec<u32> = Vec::new();
        let mut data_length = 0u64;
        let mut entries: Vec<Entry> = Vec::new();
        let mut last_content = u32::MAX;
        for &(id, c) in &tiles {
            if let Some(last) = entries.last_mut()
                && c == last_content
                && last.run_length < u32::MAX
                && id == last.tile_id + u64::from(last.run_length)
            {
                last.run_length += 1;
                continue;
            }
            let (_, length) = self.contents[c as usize];
            if new_offset[c as usize] == u64::MAX {
                new_offset[c as usize] = data_length;
                data_length += u64::from(length);
                order.push(c);
            }
            entries.push(Entry {
                tile_id: id,
                offset: new_offset[c as usize],
                length,
                run_length: 1,
            });
            last_content = c;
        }
        drop(new_offset);

        let (root, leaves) =
            build_directories(&entries, self.root_limit, self.min_leaf).map_err(|e| self.err(e))?;
        let json = serde_json::Value::Object(metadata_to_json(&self.metadata)).to_string();
        let metadata = compress(json.as_bytes(), Compression::Gzip);
        let tile_type = self.tile_type();
        let tile_compression = match tile_type {
            TileType::Png | TileType::Jpeg | TileType::Webp | TileType::Avif => Compression::None,
            TileType::Mvt if self.all_gzip && !tiles.is_empty() => Compression::Gzip,
            TileType::Mvt => Compression::None,
            TileType::Unknown => Compression::Unknown,
        };
        let zoom = |t: Option<&(u64, u32)>| {
            t.and_then(|&(id, _)| super::tile_of(id).ok())
                .map_or(0, |t| t.z())
        };
        let (min_zoom, max_zoom) = (zoom(tiles.first()), zoom(tiles.last()));
        let (bounds, center) = self.extent(min_zoom);
        let root_s = Section {
            offset: HEADER_LEN as u64,
            length: root.len() as u64,
        };
        let meta_s = Section {
            offset: root_s.offset + root_s.length,
            length: metadata.len() as u64,
        };
        let leaves_s = Section {
            offset: meta_s.offset + meta_s.length,
            length: leaves.len() as u64,
        };
        let data_s = Section {
            offset: leaves_s.offset + leaves_s.length,
            length: data_length,
        };
        let header = Header {
            root: root_s,
            metadata: meta_s,
            leaves: leaves_s,
            data: data_s,
            addressed_tiles: tiles.len() as u64,
            tile_entries: entries.len() as u64,
            tile_contents: order.len() as u64,
            clustered: true,
            internal: Compression::Gzip,
            tile_compression,
            tile_type,
            min_zoom,
            max_zoom,
            bounds_e7: bounds.map(e7),
            center_zoom: center.2,
            center_e7: [e7(center.0), e7(center.1)],
        };
        drop(entries);
        drop(tiles);

        let out = File::create(&self.tmp)
            .map_err(|e| format!("cannot create {}: {e}", self.tmp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, out);
        let werr = |e: std::io::Error| format!("cannot write {}: {e}", self.tmp.display());
        for part in [&header.encode()[..], &root, &metadata, &leaves] {
            out.write_all(part).map_err(werr)?;
        }
        // Unbuffered: tiles that came out of tile-id order are read by seeking, and a read
        // buffer would be refilled (1 MiB) for every such tile.
        let mut src = File::open(&self.data_tmp)
            .map_err(|e| format!("cannot read {}: {e}", self.data_tmp.display()))?;
        let rerr = |e: std::io::Error| format!("cannot read {}: {e}", self.data_tmp.display());
        let mut pos = 0u64;
        let mut buf = Vec::new();
        for c in order {
            let (offset, length) = self.contents[c as usize];
            if offset != pos {
                src.seek(SeekFrom::Start(offset)).map_err(rerr)?;
            }
            buf.resize(length as usize, 0);
            src.read_exact(&mut buf).map_err(rerr)?;
            out.write_all(&buf).map_err(werr)?;
            pos = offset + u64::from(length);
        }
        let out = out.into_inner().map_err(|e| werr(e.into_error()))?;
        out.sync_all().map_err(werr)?;
        drop(out);
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("{}: cannot rename into place: {e}", self.path.display()))?;
        self.done = true;
        let _ = std::fs::remove_file(&self.data_tmp);
        Ok(())
    }
}

impl Drop for PmtilesWriter {
    fn drop(&mut self) {
        drop(self.data.take());
        let _ = std::fs::remove_file(&self.data_tmp);
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
