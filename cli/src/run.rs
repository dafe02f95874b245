//! Pieces shared by the whole-archive commands (`redact`, `warp`): the worker pool, the
//! progress bar and the JSON report file.

use std::io::{IsTerminal, Write};
use std::path::Path;

/// The rayon pool of `--threads` (default: one thread per core).
///
/// # Errors
/// A message when `threads` is 0 or the threads cannot start.
pub fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            return Err("--threads: expected at least 1".into());
        }
        b = b.num_threads(n);
    }
    b.build()
        .map_err(|e| format!("cannot start the worker threads: {e}"))
}

/// A progress bar over `total` tiles on a terminal, hidden otherwise or when `quiet`.
pub fn progress_bar(quiet: bool, total: u64) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} tiles ({per_sec}, eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}

/// The JSON report written to a temporary file next to `path`, to be committed once the
/// output is in place (`None` without `--report`).
///
/// # Errors
/// A message naming the file that cannot be written.
pub fn report_file(
    path: Option<&Path>,
    report: &impl serde::Serialize,
) -> Result<Option<crate::output::AtomicFile>, String> {
    let Some(p) = path else { return Ok(None) };
    let mut f = crate::output::AtomicFile::create(p)?;
    let text = serde_json::to_string_pretty(report).expect("serialisable");
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    Ok(Some(f))
}
