//! Where output goes: stdout, or a file written atomically (a temporary file
//! in the same directory, renamed over the target once complete).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Fail early, before any work, when `path` cannot be written.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!("{}: the output path is a directory; name a file", path.display());
    }
    let dir = parent_dir(path);
    tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "{}: cannot write the output here (does the directory {} exist, and is it writable?)",
            path.display(),
            dir.display()
        )
    })?;
    Ok(())
}

/// Write `bytes` to `path` atomically: readers see the old file or the new
/// one, never a half-written one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_dir(path);
    let file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!("{}: cannot create a temporary file in {}", path.display(), dir.display())
    })?;
    let temp = file.path().to_path_buf();
    crate::guard::remove_if_aborted(&temp);
    let result = write_then_rename(file, path, bytes);
    crate::guard::keep(&temp);
    result
}

/// Test hook: with this variable set to N, the writer stops for N ms after
/// writing half the output to its temporary file, and says so on stderr, so
/// a test can interrupt a run provably in the middle of writing.
const PAUSE_WRITING: &str = "COMPLAINT_RATE_TEST_PAUSE_WRITING_MS";

fn write_then_rename(mut file: tempfile::NamedTempFile, path: &Path, bytes: &[u8]) -> Result<()> {
    let pause = std::env::var(PAUSE_WRITING).ok().and_then(|ms| ms.parse::<u64>().ok());
    let (first, rest) = bytes.split_at(if pause.is_some() { bytes.len() / 2 } else { bytes.len() });
    file.write_all(first)
        .and_then(|_| file.flush())
        .with_context(|| format!("{}: cannot write the output (disk full?)", path.display()))?;
    if let Some(ms) = pause {
        eprintln!("complaint-rate: writing {}", file.path().display());
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    file.write_all(rest)
        .and_then(|_| file.as_file().sync_all())
        .with_context(|| format!("{}: cannot write the output (disk full?)", path.display()))?;
    // Temporary files are private (0600); give the output the permissions of
    // the file it replaces, or the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0o644);
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode))?;
    }
    file.persist(path).with_context(|| format!("{}: cannot replace the output file", path.display()))?;
    Ok(())
}

/// Write to stdout; a closed pipe surfaces as an `io::Error` of kind
/// `BrokenPipe`, which `main` treats as success.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
