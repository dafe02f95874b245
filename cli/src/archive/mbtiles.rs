//! MBTiles 1.3: read-only reading of a plain `tiles` table or the deduplicated `map` +
//! `images` layout; writing of a plain `tiles` table into a temporary file that is renamed
//! into place when complete.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};
use tileredact::TileId;

use super::{ArchiveFormat, Tile, TileReader, TileWriter, temp_path};

/// `PRAGMA application_id` of MBTiles ("MPBX").
const APPLICATION_ID: i64 = 0x4d50_4258;

/// Where the tiles are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `tiles(zoom_level, tile_column, tile_row, tile_data)` table or view.
    Tiles,
    /// `map(zoom_level, tile_column, tile_row, tile_id)` + `images(tile_id, tile_data)`.
    MapImages,
}

impl Layout {
    fn select_all(self) -> &'static str {
        match self {
            Layout::Tiles => "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles",
            Layout::MapImages => {
                "SELECT map.zoom_level, map.tile_column, map.tile_row, images.tile_data \
                 FROM map JOIN images ON map.tile_id = images.tile_id"
            }
        }
    }

    fn select_one(self) -> &'static str {
        match self {
            Layout::Tiles => {
                "SELECT tile_data FROM tiles \
                 WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3"
            }
            Layout::MapImages => {
                "SELECT images.tile_data FROM map JOIN images ON map.tile_id = images.tile_id \
                 WHERE map.zoom_level = ?1 AND map.tile_column = ?2 AND map.tile_row = ?3"
            }
        }
    }

    fn count(self) -> &'static str {
        match self {
            Layout::Tiles => "SELECT count(*) FROM tiles",
            Layout::MapImages => "SELECT count(*) FROM map",
        }
    }
}

/// An MBTiles file opened read-only.
#[derive(Debug)]
pub struct MbtilesReader {
    path: PathBuf,
    conn: Connection,
    layout: Layout,
}

impl MbtilesReader {
    /// Opens `path` read-only and finds its tiles.
    ///
    /// # Errors
    /// A message naming the file: missing, not an SQLite database, damaged, or without a
    /// `tiles` table (nor `map` + `images`).
    pub fn open(path: &Path) -> Result<MbtilesReader, String> {
        if !path.is_file() {
            return Err(format!("cannot read {}: no such file", path.display()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| format!("{}: cannot open as MBTiles: {e}", path.display()))?;
        let names: Vec<(String, String)> = (|| {
            let mut stmt = conn.prepare("SELECT type, name FROM sqlite_master")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })()
        .map_err(|e| {
            format!(
                "{}: not a readable MBTiles file (SQLite says: {e})",
                path.display()
            )
        })?;
        let has = |kind: &[&str], name: &str| {
            names
                .iter()
                .any(|(t, n)| kind.contains(&t.as_str()) && n.eq_ignore_ascii_case(name))
        };
        let layout = if has(&["table"], "map") && has(&["table"], "images") {
            Layout::MapImages
        } else if has(&["table", "view"], "tiles") {
            Layout::Tiles
        } else {
            return Err(format!(
                "{}: not an MBTiles file: it has no `tiles` table (nor `map` and `images` \
                 tables)",
                path.display()
            ));
        };
        let reader = MbtilesReader {
            path: path.to_path_buf(),
            conn,
            layout,
        };
        // Check the columns now rather than after a long run.
        reader
            .conn
            .prepare(&format!("{} LIMIT 0", layout.select_all()))
            .map_err(|e| {
                format!(
                    "{}: the tiles table lacks an MBTiles column: {e}",
                    path.display()
                )
            })?;
        Ok(reader)
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {e}", self.path.display())
    }
}

/// The XYZ address of an MBTiles row (TMS row numbering).
fn tile_id(path: &Path, z: i64, x: i64, row: i64) -> Result<TileId, String> {
    let bad = || {
        format!(
            "{}: tile row zoom_level={z} tile_column={x} tile_row={row} is outside the \
             tile grid",
            path.display()
        )
    };
    let z = u8::try_from(z).map_err(|_| bad())?;
    let x = u32::try_from(x).map_err(|_| bad())?;
    let row = u32::try_from(row).map_err(|_| bad())?;
    TileId::from_tms(z, x, row).map_err(|_| bad())
}

impl TileReader for MbtilesReader {
    fn path(&self) -> &Path {
        &self.path
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Mbtiles
    }

    fn metadata(&self) -> Result<Vec<(String, String)>, String> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'metadata'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT name, value FROM metadata")
            .map_err(|e| self.err(format!("metadata table: {e}")))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(format!("metadata table: {e}")))
    }

    fn count(&self) -> Result<u64, String> {
        self.conn
            .query_row(self.layout.count(), [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    fn for_each_batch(
        &mut self,
        batch: usize,
        f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut stmt = self
            .conn
            .prepare(self.layout.select_all())
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let mut tiles = Vec::with_capacity(batch);
        loop {
            let row = rows
                .next()
                .map_err(|e| format!("{}: cannot read the tiles: {e}", self.path.display()))?;
            let Some(row) = row else { break };
            let get = |i| {
                row.get::<_, i64>(i)
                    .map_err(|e| format!("{}: a tile row is malformed: {e}", self.path.display()))
            };
            let id = tile_id(&self.path, get(0)?, get(1)?, get(2)?)?;
            let data: Vec<u8> = match row.get_ref(3) {
                Ok(rusqlite::types::ValueRef::Blob(b)) => b.to_vec(),
                Ok(rusqlite::types::ValueRef::Text(b)) => b.to_vec(),
                Ok(rusqlite::types::ValueRef::Null) => Vec::new(),
                Ok(_) | Err(_) => {
                    return Err(format!(
                        "{}: tile {id}: tile_data is not a blob",
                        self.path.display()
                    ));
                }
            };
            tiles.push(Tile { id, data });
            if tiles.len() == batch {
                f(std::mem::replace(&mut tiles, Vec::with_capacity(batch)))?;
            }
        }
        if !tiles.is_empty() {
            f(tiles)?;
        }
        Ok(())
    }

    fn get(&self, id: TileId) -> Result<Option<Vec<u8>>, String> {
        let mut stmt = self
            .conn
            .prepare_cached(self.layout.select_one())
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![id.z(), id.x(), id.tms_row()])
            .map_err(|e| self.err(e))?;
        match rows.next().map_err(|e| self.err(e))? {
            Some(r) => Ok(Some(r.get::<_, Vec<u8>>(0).map_err(|e| self.err(e))?)),
            None => Ok(None),
        }
    }
}

/// A new MBTiles file written under a temporary name and renamed into place by
/// [`TileWriter::finish`].
#[derive(Debug)]
pub struct MbtilesWriter {
    path: PathBuf,
    tmp: PathBuf,
    conn: Option<Connection>,
}

impl MbtilesWriter {
    /// Creates the temporary file next to `path` with the MBTiles schema.
    ///
    /// # Errors
    /// A message naming the output.
    pub fn create(path: &Path) -> Result<MbtilesWriter, String> {
        let tmp = temp_path(path)?;
        let conn = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let mut w = MbtilesWriter {
            path: path.to_path_buf(),
            tmp,
            conn: Some(conn),
        };
        // No journal: a failed run deletes the whole temporary file anyway.
        w.conn()
            .execute_batch(&format!(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
                 PRAGMA application_id = {APPLICATION_ID}; \
                 CREATE TABLE metadata (name TEXT, value TEXT); \
                 CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, \
                 tile_row INTEGER, tile_data BLOB);"
            ))
            .map_err(|e| format!("cannot create {}: {e}", w.tmp.display()))?;
        w.path = path.to_path_buf();
        Ok(w)
    }

    fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("open until finish")
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        format!("cannot write {}: {e}", self.path.display())
    }
}

impl TileWriter for MbtilesWriter {
    fn put_metadata(&mut self, rows: &[(String, String)]) -> Result<(), String> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| format!("cannot write {}: {e}", path.display());
        let tx = self.conn().transaction().map_err(err)?;
        tx.execute("DELETE FROM metadata", []).map_err(err)?;
        for (k, v) in rows {
            tx.execute(
                "INSERT INTO metadata (name, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn put_tiles(&mut self, tiles: &[(TileId, &[u8])]) -> Result<(), String> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| format!("cannot write {}: {e}", path.display());
        let tx = self.conn().transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (id, data) in tiles {
                stmt.execute(params![id.z(), id.x(), id.tms_row(), data])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.conn()
            .execute_batch(
                "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row); \
                 CREATE UNIQUE INDEX name ON metadata (name);",
            )
            .map_err(|e| {
                self.err(format!(
                    "{e} (the input holds a tile or a metadata name twice)"
                ))
            })?;
        let conn = self.conn.take().expect("open until finish");
        conn.close().map_err(|(_, e)| self.err(e))?;
        std::fs::File::open(&self.tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| self.err(e))?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("{}: cannot rename into place: {e}", self.path.display()))
    }
}

impl Drop for MbtilesWriter {
    fn drop(&mut self) {
        // Unfinished (or the rename failed): the temporary file goes.
        drop(self.conn.take());
        let _ = std::fs::remove_file(&self.tmp);
    }
}
