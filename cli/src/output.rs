//! Output that is all or nothing: [`AtomicFile`] writes a temporary file next to the target
//! and renames it into place on [`AtomicFile::commit`]; dropped without a commit (an error, a
//! panic), it removes the temporary file and leaves the target as it was. [`Output`] is that
//! or standard output, where nothing is written until [`Output::commit`] unless the output
//! exceeds [`STDOUT_HOLD`] bytes (then it is streamed, and a later error leaves what was
//! already written).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How much standard output is held back before streaming (1 MiB).
pub const STDOUT_HOLD: usize = 1 << 20;

/// A file written under a temporary name in the target's directory, renamed into place on
/// commit.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file `.NAME.tmp-PID-N` next to `path` (never an existing file).
    ///
    /// # Errors
    /// A message naming the path when it has no file name or the file cannot be created.
    pub fn create(path: &Path) -> Result<AtomicFile, String> {
        let tmp = crate::archive::temp_path(path)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    ///
    /// # Errors
    /// A message naming the file; the temporary file is removed.
    pub fn commit(mut self) -> Result<(), String> {
        let writer = self.file.take().expect("taken only here and in drop");
        let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", self.path.display());
        let file = writer.into_inner().map_err(|e| fail(e.error()))?;
        file.sync_all().map_err(|e| fail(&e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("{}: cannot rename into place: {e}", self.path.display()))
        // On error, drop removes the temporary file.
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("open until commit").write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open until commit").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed, or the rename failed: the temporary file goes (and the target stays
        // as it was). After a successful rename there is no file at `tmp`.
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Where a command writes: an [`AtomicFile`], or standard output (held back up to
/// [`STDOUT_HOLD`] bytes, dropped without being written if the command fails before that).
#[derive(Debug)]
pub enum Output {
    /// A file, renamed into place on commit.
    File(AtomicFile),
    /// Standard output, with what was not written yet.
    Stdout(Vec<u8>),
}

impl Output {
    /// `path` (`None` or `-`: standard output).
    ///
    /// # Errors
    /// As [`AtomicFile::create`].
    pub fn open(path: Option<&Path>) -> Result<Output, String> {
        Ok(match path {
            Some(p) if p != Path::new("-") => Output::File(AtomicFile::create(p)?),
            _ => Output::Stdout(Vec::new()),
        })
    }

    /// Completes the output: renames the file into place, or writes standard output.
    ///
    /// # Errors
    /// A message saying what could not be written.
    pub fn commit(self) -> Result<(), String> {
        match self {
            Output::File(f) => f.commit(),
            Output::Stdout(held) => {
                let mut out = io::stdout().lock();
                out.write_all(&held)
                    .and_then(|()| out.flush())
                    .map_err(|e| format!("cannot write to standard output: {e}"))
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::File(f) => f.write(buf),
            Output::Stdout(held) => {
                held.extend_from_slice(buf);
                if held.len() >= STDOUT_HOLD {
                    io::stdout().lock().write_all(held)?;
                    held.clear();
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(f) => f.flush(),
            // Held back until commit (or the hold is full).
            Output::Stdout(_) => Ok(()),
        }
    }
}
