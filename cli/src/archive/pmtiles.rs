//! PMTiles v3: the 127-byte header, Hilbert tile ids, varint directories and the JSON
//! metadata, shared by [`PmtilesReader`] and [`PmtilesWriter`].
//!
//! Layout written and read (spec v3): header, root directory, metadata, leaf directories,
//! tile data. A directory is a varint entry count, then the columns tile-id deltas, run
//! lengths, lengths and offsets (0 = right after the previous entry, else offset + 1),
//! compressed by the header's internal compression. An entry with run length 0 points at a
//! leaf directory (offset in the leaf section); any other at tile data (offset in the data
//! section) shared by `run_length` consecutive tile ids. Tile ids number the tiles of zoom 0,
//! then zoom 1, and so on, each zoom along its Hilbert curve.

mod reader;
mod writer;

use std::io::{Read, Write};

use tileredact::TileId;

pub use reader::PmtilesReader;
pub use writer::PmtilesWriter;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 127;

/// The first seven bytes of every PMTiles archive.
const MAGIC: &[u8; 7] = b"PMTiles";

/// The only spec version read and written.
const VERSION: u8 = 3;

/// Largest decompressed directory or metadata accepted (a guard against gzip bombs).
const MAX_INFLATED: u64 = 256 << 20;

/// Compression of directories, metadata or tiles (header bytes 97 and 98).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// 0: unknown.
    Unknown,
    /// 1: none.
    None,
    /// 2: gzip.
    Gzip,
    /// 3: brotli (not supported here).
    Brotli,
    /// 4: zstd (not supported here).
    Zstd,
}

impl Compression {
    fn from_code(code: u8) -> Option<Compression> {
        Some(match code {
            0 => Compression::Unknown,
            1 => Compression::None,
            2 => Compression::Gzip,
            3 => Compression::Brotli,
            4 => Compression::Zstd,
            _ => return None,
        })
    }

    fn code(self) -> u8 {
        match self {
            Compression::Unknown => 0,
            Compression::None => 1,
            Compression::Gzip => 2,
            Compression::Brotli => 3,
            Compression::Zstd => 4,
        }
    }

    /// The name used in messages.
    fn name(self) -> &'static str {
        match self {
            Compression::Unknown => "unknown",
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Brotli => "brotli",
            Compression::Zstd => "zstd",
        }
    }
}

/// What the tiles are (header byte 99), with the MBTiles `format` name of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileType {
    /// 0: unknown or other.
    Unknown,
    /// 1: Mapbox vector tiles (MBTiles `pbf`).
    Mvt,
    /// 2: PNG.
    Png,
    /// 3: JPEG (MBTiles `jpg`).
    Jpeg,
    /// 4: WebP.
    Webp,
    /// 5: AVIF.
    Avif,
}

impl TileType {
    fn from_code(code: u8) -> TileType {
        match code {
            1 => TileType::Mvt,
            2 => TileType::Png,
            3 => TileType::Jpeg,
            4 => TileType::Webp,
            5 => TileType::Avif,
            _ => TileType::Unknown,
        }
    }

    fn code(self) -> u8 {
        match self {
            TileType::Unknown => 0,
            TileType::Mvt => 1,
            TileType::Png => 2,
            TileType::Jpeg => 3,
            TileType::Webp => 4,
            TileType::Avif => 5,
        }
    }

    /// The MBTiles `format` value, `None` for unknown.
    fn format_name(self) -> Option<&'static str> {
        match self {
            TileType::Unknown => None,
            TileType::Mvt => Some("pbf"),
            TileType::Png => Some("png"),
            TileType::Jpeg => Some("jpg"),
            TileType::Webp => Some("webp"),
            TileType::Avif => Some("avif"),
        }
    }

    /// The tile type an MBTiles `format` value names.
    fn from_format_name(name: &str) -> TileType {
        match name.trim().to_ascii_lowercase().as_str() {
            "pbf" | "mvt" => TileType::Mvt,
            "png" => TileType::Png,
            "jpg" | "jpeg" => TileType::Jpeg,
            "webp" => TileType::Webp,
            "avif" => TileType::Avif,
            _ => TileType::Unknown,
        }
    }
}

/// Where a section lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Section {
    /// Byte offset from the start of the file.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
}

/// The fixed 127-byte header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    root: Section,
    metadata: Section,
    leaves: Section,
    data: Section,
    addressed_tiles: u64,
    tile_entries: u64,
    tile_contents: u64,
    clustered: bool,
    internal: Compression,
    tile_compression: Compression,
    tile_type: TileType,
    min_zoom: u8,
    max_zoom: u8,
    /// West, south, east, north in degrees × 10⁷.
    bounds_e7: [i32; 4],
    center_zoom: u8,
    /// Longitude, latitude in degrees × 10⁷.
    center_e7: [i32; 2],
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..7].copy_from_slice(MAGIC);
        out[7] = VERSION;
        let words = [
            self.root.offset,
            self.root.length,
            self.metadata.offset,
            self.metadata.length,
            self.leaves.offset,
            self.leaves.length,
            self.data.offset,
            self.data.length,
            self.addressed_tiles,
            self.tile_entries,
            self.tile_contents,
        ];
        for (i, w) in words.iter().enumerate() {
            out[8 + 8 * i..16 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        out[96] = u8::from(self.clustered);
        out[97] = self.internal.code();
        out[98] = self.tile_compression.code();
        out[99] = self.tile_type.code();
        out[100] = self.min_zoom;
        out[101] = self.max_zoom;
        for (i, v) in self.bounds_e7.iter().enumerate() {
            out[102 + 4 * i..106 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        out[118] = self.center_zoom;
        out[119..123].copy_from_slice(&self.center_e7[0].to_le_bytes());
        out[123..127].copy_from_slice(&self.center_e7[1].to_le_bytes());
        out
    }

    /// Decodes a header; the message says what is wrong (the caller names the file).
    fn decode(b: &[u8; HEADER_LEN]) -> Result<Header, String> {
        if &b[..7] != MAGIC {
            return Err(if b.starts_with(b"PM") && b[2] <= 2 {
                format!(
                    "a PMTiles version {} archive; only version 3 is supported (convert it \
                     with `pmtiles convert`)",
                    b[2].max(1)
                )
            } else {
                "not a PMTiles archive (it does not start with the PMTiles signature)".into()
            });
        }
        if b[7] != VERSION {
            return Err(format!(
                "PMTiles spec version {} is not supported (only version 3)",
                b[7]
            ));
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let i32_at = |i: usize| i32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let section = |i: usize| Section {
            offset: u64_at(i),
            length: u64_at(i + 8),
        };
        let compression = |i: usize, what: &str| {
            Compression::from_code(b[i]).ok_or_else(|| {
                format!(
                    "unknown {what} compression code {} in the header (expected 0 to 4)",
                    b[i]
                )
            })
        };
        Ok(Header {
            root: section(8),
            metadata: section(24),
            leaves: section(40),
            data: section(56),
            addressed_tiles: u64_at(72),
            tile_entries: u64_at(80),
            tile_contents: u64_at(88),
            clustered: b[96] == 1,
            internal: compression(97, "internal")?,
            tile_compression: compression(98, "tile")?,
            tile_type: TileType::from_code(b[99]),
            min_zoom: b[100],
            max_zoom: b[101],
            bounds_e7: [i32_at(102), i32_at(106), i32_at(110), i32_at(114)],
            center_zoom: b[118],
            center_e7: [i32_at(119), i32_at(123)],
        })
    }
}

/// One directory entry: a tile (run of `run_length` consecutive ids sharing the bytes at
/// `offset` in the data section) or, with `run_length` 0, a leaf directory (at `offset` in
/// the leaf section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// First tile id covered.
    pub tile_id: u64,
    /// Offset within the data or leaf section.
    pub offset: u64,
    /// Length in bytes.
    pub length: u32,
    /// Tiles covered; 0 for a leaf directory.
    pub run_length: u32,
}

/// `(4^z - 1) / 3`: the number of tiles of the zooms above `z` (z ≤ 32).
fn tiles_above(z: u32) -> u64 {
    (((1u128 << (2 * z)) - 1) / 3) as u64
}

/// The PMTiles tile id of an XYZ tile: the tiles of shallower zooms, plus the tile's
/// position along the Hilbert curve of its zoom.
pub fn tile_id(t: TileId) -> u64 {
    let z = u32::from(t.z());
    let (mut x, mut y) = (u64::from(t.x()), u64::from(t.y()));
    let mut d = 0u64;
    for a in (0..z).rev() {
        let s = 1u64 << a;
        let rx = u64::from(x & s != 0);
        let ry = u64::from(y & s != 0);
        d += ((3 * rx) ^ ry) << (2 * a);
        // Only the bits below `a` matter from here on.
        x &= s - 1;
        y &= s - 1;
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
    }
    tiles_above(z) + d
}

/// The XYZ tile of a PMTiles tile id, or the id's zoom when it is deeper than the 30 zooms
/// of [`TileId`].
pub fn tile_of(id: u64) -> Result<TileId, u32> {
    let mut z = 0u32;
    while z < 32 && tiles_above(z + 1) <= id {
        z += 1;
    }
    if z > 30 {
        return Err(z);
    }
    let mut pos = id - tiles_above(z);
    let (mut x, mut y) = (0u64, 0u64);
    let mut s = 1u64;
    while s < (1u64 << z) {
        let rx = (pos / 2) & s;
        let ry = (pos ^ rx) & s;
        if ry == 0 {
            if rx != 0 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        x += rx;
        y += ry;
        pos >>= 1;
        s <<= 1;
    }
    // In range by construction: x, y < 2^z.
    TileId::new(z as u8, x as u32, y as u32).map_err(|_| z)
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf
            .get(*pos)
            .ok_or("the directory ends in the middle of its entries")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a varint of the directory is longer than 10 bytes".into())
}

/// The uncompressed bytes of a directory.
pub fn encode_directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + entries.len() * 5);
    write_varint(&mut out, entries.len() as u64);
    let mut last = 0u64;
    for e in entries {
        write_varint(&mut out, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        write_varint(&mut out, u64::from(e.run_length));
    }
    for e in entries {
        write_varint(&mut out, u64::from(e.length));
    }
    for (i, e) in entries.iter().enumerate() {
        let follows = i > 0 && {
            let p = &entries[i - 1];
            e.offset == p.offset + u64::from(p.length)
        };
        write_varint(&mut out, if follows { 0 } else { e.offset + 1 });
    }
    out
}

/// Decodes an uncompressed directory; the message says what is wrong.
pub fn decode_directory(buf: &[u8]) -> Result<Vec<Entry>, String> {
    let mut pos = 0;
    let n = read_varint(buf, &mut pos)?;
    // Every entry takes at least four bytes: a larger count is damage, not a big directory.
    if n > (buf.len() as u64) / 4 {
        return Err(format!(
            "the directory claims {n} entries in {} bytes",
            buf.len()
        ));
    }
    let n = n as usize;
    let mut entries = Vec::with_capacity(n);
    let mut id = 0u64;
    for i in 0..n {
        let delta = read_varint(buf, &mut pos)?;
        if i > 0 && delta == 0 {
            return Err(format!("entry {i}: tile ids are not increasing"));
        }
        id = id
            .checked_add(delta)
            .ok_or_else(|| format!("entry {i}: tile id overflows 64 bits"))?;
        entries.push(Entry {
            tile_id: id,
            offset: 0,
            length: 0,
            run_length: 0,
        });
    }
    let u32_of = |v: u64, i: usize, what: &str| {
        u32::try_from(v).map_err(|_| format!("entry {i}: {what} {v} exceeds 32 bits"))
    };
    for (i, e) in entries.iter_mut().enumerate() {
        e.run_length = u32_of(read_varint(buf, &mut pos)?, i, "run length")?;
    }
    for (i, e) in entries.iter_mut().enumerate() {
        e.length = u32_of(read_varint(buf, &mut pos)?, i, "length")?;
    }
    for i in 0..n {
        let v = read_varint(buf, &mut pos)?;
        entries[i].offset = if v == 0 {
            if i == 0 {
                return Err("entry 0: offset 0 means 'after the previous entry'".into());
            }
            let p = entries[i - 1];
            p.offset
                .checked_add(u64::from(p.length))
                .ok_or_else(|| format!("entry {i}: offset overflows 64 bits"))?
        } else {
            v - 1
        };
    }
    if pos != buf.len() {
        return Err(format!(
            "{} bytes follow the last entry of the directory",
            buf.len() - pos
        ));
    }
    if let Some(last) = entries.last()
        && last
            .tile_id
            .checked_add(u64::from(last.run_length))
            .is_none()
    {
        return Err("the last entry's run goes past the largest tile id".into());
    }
    for (i, w) in entries.windows(2).enumerate() {
        if w[0].run_length > 0 && w[0].tile_id + u64::from(w[0].run_length) > w[1].tile_id {
            return Err(format!(
                "entry {i}: its run of {} tiles overlaps the next entry",
                w[0].run_length
            ));
        }
    }
    Ok(entries)
}

/// Compresses directory or metadata bytes.
fn compress(data: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(data.len() / 4 + 64),
                flate2::Compression::default(),
            );
            enc.write_all(data).expect("writing to memory");
            enc.finish().expect("writing to memory")
        }
        _ => data.to_vec(),
    }
}

/// Decompresses directory or metadata bytes (at most [`MAX_INFLATED`] bytes out).
fn decompress(data: &[u8], c: Compression) -> Result<Vec<u8>, String> {
    match c {
        Compression::None => Ok(data.to_vec()),
        Compression::Gzip => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(data)
                .take(MAX_INFLATED + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("not valid gzip data ({e})"))?;
            if out.len() as u64 > MAX_INFLATED {
                return Err(format!("inflates to more than {} MiB", MAX_INFLATED >> 20));
            }
            Ok(out)
        }
        c => Err(format!("{} compression is not supported", c.name())),
    }
}

/// The PMTiles JSON metadata of MBTiles-style rows: every row a string member, except a
/// `json` row holding an object (MBTiles' place for `vector_layers` and the like), whose
/// members are merged at the top level as PMTiles has them.
pub fn metadata_to_json(rows: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    let mut obj = serde_json::Map::new();
    let mut extra = None;
    for (k, v) in rows {
        if k == "json"
            && let Ok(serde_json::Value::Object(m)) = serde_json::from_str(v)
        {
            extra = Some(m);
            continue;
        }
        obj.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    for (k, v) in extra.into_iter().flatten() {
        obj.entry(k).or_insert(v);
    }
    obj
}

/// MBTiles-style rows of PMTiles JSON metadata and its header: string members as they are,
/// the other members gathered in a `json` row, and `format`, `minzoom`, `maxzoom`, `bounds`
/// and `center` from the header where the JSON lacks them.
fn json_to_metadata(
    obj: serde_json::Map<String, serde_json::Value>,
    h: &Header,
) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut extra = serde_json::Map::new();
    for (k, v) in obj {
        match v {
            serde_json::Value::String(s) => rows.push((k, s)),
            v => {
                extra.insert(k, v);
            }
        }
    }
    if !extra.is_empty() && !rows.iter().any(|(k, _)| k == "json") {
        rows.push(("json".into(), serde_json::Value::Object(extra).to_string()));
    }
    let e7 = |v: i32| format!("{:.7}", f64::from(v) / 1e7);
    let mut derived = vec![
        ("minzoom", h.min_zoom.to_string()),
        ("maxzoom", h.max_zoom.to_string()),
        (
            "bounds",
            h.bounds_e7
                .iter()
                .map(|&v| e7(v))
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "center",
            format!(
                "{},{},{}",
                e7(h.center_e7[0]),
                e7(h.center_e7[1]),
                h.center_zoom
            ),
        ),
    ];
    if let Some(f) = h.tile_type.format_name() {
        derived.insert(0, ("format", f.to_string()));
    }
    for (k, v) in derived {
        if !rows.iter().any(|(name, _)| name == k) {
            rows.push((k.to_string(), v));
        }
    }
    rows
}

#[cfg(test)]
mod tests;
