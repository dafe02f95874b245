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

    /// Whether the tiles are a plain rowid table (a `tiles` table, not a view, not `WITHOUT
    /// ROWID`, with no column shadowing `_rowid_`): what [`MbtilesWriter::copy_from`] and
    /// [`MbtilesReader::for_each_picked_batch`] need.
    pub fn is_plain_table(&self) -> bool {
        if self.layout != Layout::Tiles {
            return false;
        }
        let table: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tiles' \
                 COLLATE NOCASE",
                [],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n == 1);
        let shadowed: Result<i64, _> = self.conn.query_row(
            "SELECT count(*) FROM pragma_table_info('tiles') \
             WHERE name IN ('rowid', '_rowid_', 'oid') COLLATE NOCASE",
            [],
            |r| r.get(0),
        );
        table
            && shadowed == Ok(0)
            && self
                .conn
                .prepare("SELECT _rowid_ FROM tiles LIMIT 0")
                .is_ok()
    }

    /// Calls `f` with successive batches of at most `batch` of the tiles whose rowids (and
    /// addresses) arrive on `rowids` (a plain table only, see
    /// [`MbtilesReader::is_plain_table`]), each looked up by rowid, until the sender
    /// hangs up. [`MbtilesWriter::copy_from`] sends them: the rows it does not copy.
    ///
    /// # Errors
    /// A message naming the file (a row that vanished, `tile_data` not a blob), or the
    /// error of `f`.
    pub fn for_each_batch_of_rows(
        &mut self,
        batch: usize,
        rowids: std::sync::mpsc::Receiver<(i64, TileId)>,
        f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
    ) -> Result<(), String> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| format!("{}: cannot read the tiles: {e}", path.display());
        let mut data = self
            .conn
            .prepare("SELECT tile_data FROM tiles WHERE _rowid_ = ?1")
            .map_err(err)?;
        let mut tiles = Vec::with_capacity(batch);
        for (rowid, id) in rowids {
            let mut found = data.query([rowid]).map_err(err)?;
            let Some(r) = found.next().map_err(err)? else {
                return Err(format!(
                    "{}: tile {id} vanished while being read (is another program writing \
                     the file?)",
                    path.display()
                ));
            };
            let data = tile_bytes(&path, id, r.get_ref(0))?;
            push(&mut tiles, Tile { id, data }, batch, f)?;
        }
        flush(tiles, f)
    }
}

/// Adds `tile` to the batch being filled, handing it to `f` once it holds `batch` tiles.
fn push(
    tiles: &mut Vec<Tile>,
    tile: Tile,
    batch: usize,
    f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
) -> Result<(), String> {
    tiles.push(tile);
    if tiles.len() < batch {
        return Ok(());
    }
    f(std::mem::replace(tiles, Vec::with_capacity(batch)))
}

/// Hands the last, partly filled batch to `f` (if it holds any tile).
fn flush(
    tiles: Vec<Tile>,
    f: &mut dyn FnMut(Vec<Tile>) -> Result<(), String>,
) -> Result<(), String> {
    if tiles.is_empty() {
        return Ok(());
    }
    f(tiles)
}

/// The bytes of a `tile_data` value: a blob, text (its bytes) or NULL (no bytes).
fn tile_bytes(
    path: &Path,
    id: TileId,
    value: rusqlite::Result<rusqlite::types::ValueRef<'_>>,
) -> Result<Vec<u8>, String> {
    match value {
        Ok(rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b)) => {
            Ok(b.to_vec())
        }
        Ok(rusqlite::types::ValueRef::Null) => Ok(Vec::new()),
        Ok(_) | Err(_) => Err(format!(
            "{}: tile {id}: tile_data is not a blob",
            path.display()
        )),
    }
}

/// `path` as an SQLite URI: `file://` and the absolute path, percent-encoded, then `query`
/// (e.g. `?mode=ro`).
///
/// # Errors
/// A message when the current directory cannot be found (for a relative `path`).
fn sqlite_uri(path: &Path, query: &str) -> Result<String, String> {
    use std::fmt::Write as _;
    let abs = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut uri = String::from("file://");
    let bytes = abs.as_os_str().as_encoded_bytes();
    if bytes.first() != Some(&b'/') {
        uri.push('/');
    }
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(b));
            }
            b'\\' if cfg!(windows) => uri.push('/'),
            _ => write!(uri, "%{b:02X}").expect("writing to a String"),
        }
    }
    uri.push_str(query);
    Ok(uri)
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
            let data = tile_bytes(&self.path, id, row.get_ref(3))?;
            push(&mut tiles, Tile { id, data }, batch, f)?;
        }
        flush(tiles, f)
    }

    fn as_mbtiles(&mut self) -> Option<&mut MbtilesReader> {
        Some(self)
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
        // Opened by URI so that `copy_from` and `append` can attach other files by URI
        // (read-only).
        let conn = Connection::open_with_flags(
            sqlite_uri(&tmp, "")?,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
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

    /// Copies inside SQLite, as the same bytes, every row of the MBTiles file `src` (a
    /// plain `tiles` table, see [`MbtilesReader::is_plain_table`]; attached read-only) whose
    /// address `keep(rowid, address)` accepts, and returns how many rows were copied. `keep`
    /// runs on this thread, once per row, in rowid order; its error stops the copy. `tile_data` is written as a blob
    /// (text as its bytes, NULL as no bytes), as [`TileWriter::put_tiles`] writes it; a value
    /// of another type is an error naming the tile, and so is an address outside the grid.
    ///
    /// # Errors
    /// A message naming the input or the output and what was wrong.
    pub fn copy_from(
        &mut self,
        src: &Path,
        keep: impl Fn(i64, TileId) -> Result<bool, String> + Send + 'static,
    ) -> Result<u64, String> {
        use rusqlite::functions::FunctionFlags;
        let uri = sqlite_uri(src, "?mode=ro")?;
        let (src_keep, src_data) = (src.to_path_buf(), src.to_path_buf());
        // The first error of a function, reported as is (SQLite would wrap it).
        let failure = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
        let fail = |slot: std::sync::Arc<std::sync::Mutex<Option<String>>>| {
            move |e: String| {
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                if slot.is_none() {
                    *slot = Some(e);
                }
                rusqlite::Error::UserFunctionError("stopped by tileredact".into())
            }
        };
        let (user_keep, user_data) = (fail(failure.clone()), fail(failure.clone()));
        let out = self.path.clone();
        let conn = self.conn();
        let err = |e: rusqlite::Error| format!("cannot copy into {}: {e}", out.display());
        let flags = FunctionFlags::SQLITE_UTF8;
        conn.create_scalar_function("tileredact_keep", 4, flags, move |ctx| {
            let int = |i| match ctx.get_raw(i) {
                rusqlite::types::ValueRef::Integer(v) => Ok(v),
                _ => Err(user_keep(format!(
                    "{}: a tile row is malformed: a tile address is not an integer",
                    src_keep.display()
                ))),
            };
            let id = tile_id(&src_keep, int(1)?, int(2)?, int(3)?).map_err(&user_keep)?;
            keep(int(0)?, id).map_err(&user_keep)
        })
        .map_err(err)?;
        conn.create_scalar_function("tileredact_data", 4, flags, move |ctx| {
            let id =
                tile_id(&src_data, ctx.get(1)?, ctx.get(2)?, ctx.get(3)?).map_err(&user_data)?;
            tile_bytes(&src_data, id, Ok(ctx.get_raw(0))).map_err(&user_data)
        })
        .map_err(err)?;
        conn.execute("ATTACH DATABASE ?1 AS tileredact_src", [&uri])
            .map_err(|e| format!("{}: cannot open as MBTiles: {e}", src.display()))?;
        let copied = conn.execute(
            "INSERT INTO main.tiles (zoom_level, tile_column, tile_row, tile_data) \
             SELECT zoom_level, tile_column, tile_row, \
             iif(typeof(tile_data) = 'blob', tile_data, \
             tileredact_data(tile_data, zoom_level, tile_column, tile_row)) \
             FROM tileredact_src.tiles \
             WHERE tileredact_keep(_rowid_, zoom_level, tile_column, tile_row)",
            [],
        );
        let detached = conn.execute("DETACH DATABASE tileredact_src", []);
        for name in ["tileredact_keep", "tileredact_data"] {
            let _ = conn.remove_function(name, 4);
        }
        let failed = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
        let copied = copied.map_err(|e| failed.unwrap_or_else(|| err(e)))?;
        detached.map_err(err)?;
        Ok(copied as u64)
    }

    /// Indexes the tiles written so far (the index every MBTiles reader looks tiles up
    /// with; later tiles go into it as they are added) and flushes the file to disk, so that
    /// [`TileWriter::finish`] has little left to do. Done on the copy's thread while the
    /// redaction goes on, it takes the index and the bulk of the flush off the run's end.
    ///
    /// # Errors
    /// A message naming the output, and the tile the input holds twice if that is why.
    pub fn index_and_flush(&mut self) -> Result<(), String> {
        self.index_tiles()?;
        std::fs::File::open(&self.tmp)
            .and_then(|f| f.sync_data())
            .map_err(|e| self.err(e))
    }

    /// Creates the tile index if it is not there yet.
    fn index_tiles(&mut self) -> Result<(), String> {
        let indexed = self.conn().execute_batch(
            "CREATE UNIQUE INDEX IF NOT EXISTS tile_index \
             ON tiles (zoom_level, tile_column, tile_row);",
        );
        match indexed {
            Ok(()) => Ok(()),
            Err(e) => Err(self.twice(e, "main.tiles")),
        }
    }

    /// The error of a unique constraint on the tiles: names a tile held twice in `table` or
    /// between `table` and the main table, if there is one.
    fn twice(&mut self, e: rusqlite::Error, table: &str) -> String {
        let path = self.path.clone();
        let found = self
            .conn()
            .query_row(
                &format!(
                    "SELECT zoom_level, tile_column, tile_row FROM {table} AS t \
                     GROUP BY zoom_level, tile_column, tile_row \
                     HAVING count(*) > 1 OR ('{table}' != 'main.tiles' AND EXISTS (\
                     SELECT 1 FROM main.tiles AS m WHERE m.zoom_level = t.zoom_level \
                     AND m.tile_column = t.tile_column AND m.tile_row = t.tile_row)) LIMIT 1"
                ),
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .ok()
            .map(|(z, x, row)| match tile_id(&path, z, x, row) {
                Ok(id) => format!("the input holds tile {id} twice"),
                Err(_) => format!("the input holds tile row {z}/{x}/{row} (TMS) twice"),
            });
        self.err(found.unwrap_or_else(|| format!("{e} (the input holds a tile twice)")))
    }

    /// Adds the tiles written so far by `other` (an unfinished writer, whose temporary
    /// file is then removed).
    ///
    /// # Errors
    /// A message naming the output.
    pub fn append(&mut self, other: MbtilesWriter) -> Result<(), String> {
        let uri = sqlite_uri(&other.tmp, "?mode=ro")?;
        let out = self.path.clone();
        let err = |e: rusqlite::Error| format!("cannot write {}: {e}", out.display());
        let conn = self.conn();
        conn.execute("ATTACH DATABASE ?1 AS tileredact_part", [&uri])
            .map_err(err)?;
        let copied = conn.execute(
            "INSERT INTO main.tiles (zoom_level, tile_column, tile_row, tile_data) \
             SELECT zoom_level, tile_column, tile_row, tile_data FROM tileredact_part.tiles",
            [],
        );
        let copied = match copied {
            Err(e @ rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(self.twice(e, "tileredact_part.tiles"))
            }
            other => other.map_err(err),
        };
        let conn = self.conn();
        let detached = conn.execute("DETACH DATABASE tileredact_part", []);
        copied?;
        detached.map_err(err)?;
        drop(other);
        Ok(())
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
        self.index_tiles()?;
        self.conn()
            .execute_batch("CREATE UNIQUE INDEX name ON metadata (name);")
            .map_err(|e| self.err(format!("{e} (the input holds a metadata name twice)")))?;
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
