//! The run's bounds as a process: a memory limit watched on the resident
//! set, deadlines for what may hang (a database that does not answer), an
//! exclusive lock for overlapping cron runs, and one way out — on a limit, a
//! deadline or a signal — that cancels what runs elsewhere (a query in the
//! database) and removes half-written files. The OS never has to kill a run,
//! and nothing is left torn.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Files and directories to remove if the run ends abnormally (half-written
/// outputs, decompressed copies).
static LEFTOVERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

type Hook = Box<dyn Fn() + Send>;

/// What to stop elsewhere before leaving (a query running in the database),
/// by id.
static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());
static NEXT_HOOK: AtomicU64 = AtomicU64::new(0);

/// What the run is doing, for the memory limit's message.
static STAGE: Mutex<String> = Mutex::new(String::new());

/// On SIGINT/SIGTERM/SIGHUP: cancel what runs elsewhere, remove
/// half-written files and exit 130. Outputs are renamed into place only when
/// complete, so the target is always the old file or the new one.
pub fn install() {
    let _ = ctrlc::set_handler(|| abort(130, None));
}

/// Leave now with `code`: run the hooks, remove the leftovers, print the
/// message (if any).
pub fn abort(code: i32, message: Option<&str>) -> ! {
    if let Ok(hooks) = HOOKS.lock() {
        for (_, hook) in hooks.iter() {
            hook();
        }
    }
    if let Ok(paths) = LEFTOVERS.lock() {
        for path in paths.iter() {
            let _ = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
        }
    }
    if let Some(message) = message {
        eprintln!("complaint-rate: {message}");
    }
    std::process::exit(code)
}

/// Remove `path` if the run is cut short.
pub fn remove_if_aborted(path: &Path) {
    if let Ok(mut paths) = LEFTOVERS.lock() {
        paths.push(path.to_path_buf());
    }
}

/// `path` is complete (or gone): no longer removed on abort.
pub fn keep(path: &Path) {
    if let Ok(mut paths) = LEFTOVERS.lock() {
        paths.retain(|p| p != path);
    }
}

/// Run `hook` if the run is cut short, until the returned guard drops.
pub fn on_abort(hook: Hook) -> HookGuard {
    let id = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut hooks) = HOOKS.lock() {
        hooks.push((id, hook));
    }
    HookGuard(id)
}

pub struct HookGuard(u64);

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Ok(mut hooks) = HOOKS.lock() {
            hooks.retain(|(id, _)| *id != self.0);
        }
    }
}

/// Say what the run is doing now (named if the memory limit stops it).
pub fn stage(what: impl Into<String>) {
    if let Ok(mut stage) = STAGE.lock() {
        *stage = what.into();
    }
}

/// Leave with exit 2 and `message` unless the guard is dropped within
/// `after`; `on_expiry` runs first (e.g. cancel the query on the server).
pub struct Deadline {
    done: Option<mpsc::Sender<()>>,
}

impl Deadline {
    pub fn start(after: Duration, message: String, on_expiry: impl FnOnce() + Send + 'static) -> Deadline {
        let (done, wait) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(after) {
                on_expiry();
                abort(2, Some(&message));
            }
        });
        Deadline { done: Some(done) }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.done.take();
    }
}

/// A memory size: `512M`, `8G`, `1.5GB`, `2GiB`, or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl std::str::FromStr for Bytes {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Bytes, String> {
        let t = text.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let unit = unit.trim().to_ascii_uppercase();
        let scale: u64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
            "" => 1,
            "K" => 1 << 10,
            "M" => 1 << 20,
            "G" => 1 << 30,
            "T" => 1 << 40,
            _ => return Err(format!("{text:?}: a size such as 512M, 8G or 1.5GB")),
        };
        match number.parse::<f64>() {
            Ok(n) if n > 0.0 && n.is_finite() => Ok(Bytes((n * scale as f64) as u64)),
            _ => Err(format!("{text:?}: a size such as 512M, 8G or 1.5GB")),
        }
    }
}

impl std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0 as f64;
        if b >= (1u64 << 30) as f64 {
            write!(f, "{:.1} GB", b / (1u64 << 30) as f64)
        } else {
            write!(f, "{:.0} MB", (b / (1u64 << 20) as f64).max(1.0))
        }
    }
}

/// The least memory one complaint takes while it is read and held: its
/// record (64 bytes), polars' values of its row number and time, and its
/// contact (16). A lower bound (measured: ~190 bytes a complaint at 2 M
/// complaints of seven columns), so a file refused by it could never fit.
pub const COMPLAINT_BYTES: u64 = 96;

/// Why a table with more than `max` rows is refused, and the ways out.
pub fn too_many_rows(rows: &str, max: u64) -> String {
    format!(
        "{rows}: more than the {} that fit under the memory limit (at least {COMPLAINT_BYTES} bytes each are \
         held): refused before reading it into memory. Ways out: read fewer days (--from/--to); count the \
         complaints in a warehouse (complaint-rate sql complaints, then report on the count); or raise the \
         limit (--memory-limit, or memory_limit in the config file)",
        thousands(max)
    )
}

/// `1234567` as `1,234,567`: the one copy, here because input's messages
/// need it and input may not import `output` (which re-exports it).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many complaints fit under `limit`.
pub fn complaints_that_fit(limit: Bytes) -> u64 {
    limit.0 / COMPLAINT_BYTES
}

/// Half the memory this run may have: the machine's, or its container's
/// (cgroup) limit when lower.
pub fn default_memory_limit() -> Bytes {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| field_kb(&text, "MemTotal:"))
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30);
    let cgroup = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok()?.trim().parse::<u64>().ok())
        .min()
        .unwrap_or(u64::MAX);
    Bytes(total.min(cgroup) / 2)
}

fn field_kb(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// The run's own memory: anonymous resident pages (a file the OS maps in
/// is not counted; it can be dropped at any time).
fn resident() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kb(&text, "RssAnon:").map(|kb| kb * 1024)
}

static WATCHING: AtomicBool = AtomicBool::new(false);
static LIMIT: AtomicU64 = AtomicU64::new(u64::MAX);

/// Stop the run (exit 2, with what it was doing and the ways out) when its
/// memory passes `limit`. Checked every 10 ms, so it stops within a few
/// tens of MB of the limit, long before the OS would kill it.
pub fn limit_memory(limit: Bytes) {
    LIMIT.store(limit.0, Ordering::Relaxed);
    if WATCHING.swap(true, Ordering::Relaxed) || resident().is_none() {
        return;
    }
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(Duration::from_millis(10));
            let limit = LIMIT.load(Ordering::Relaxed);
            if resident().is_some_and(|used| used > limit) {
                let stage = STAGE.lock().map(|s| s.clone()).unwrap_or_default();
                let doing = if stage.is_empty() { String::new() } else { format!(" while {stage}") };
                abort(
                    2,
                    Some(&format!(
                        "stopped at the memory limit of {}{doing}. Ways out: read fewer days (--from/--to); count \
                         the complaints and deliveries in a warehouse (complaint-rate sql complaints / sql \
                         deliveries, then report on the two counts); or raise the limit (--memory-limit, or \
                         memory_limit in the config file)",
                        Bytes(limit)
                    )),
                );
            }
        }
    });
}

/// An exclusive lock on `path` for the whole run, so overlapping cron runs
/// take turns: wait up to `wait` (forever when `None`), else exit 2 naming
/// the lock.
pub fn lock(path: &Path, wait: Option<Duration>) -> Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("--lock {}: cannot open the lock file", path.display()))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("--lock {}: cannot lock the file", path.display()));
            }
        }
        if let Some(wait) = wait
            && started.elapsed() >= wait
        {
            bail!(
                "--lock {}: another run holds the lock (waited {} s); it is still running, or raise --lock-wait",
                path.display(),
                wait.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        let b = |t: &str| t.parse::<Bytes>().map(|b| b.0);
        assert_eq!(b("512M"), Ok(512 << 20));
        assert_eq!(b("8G"), Ok(8 << 30));
        assert_eq!(b("1.5GB"), Ok(3 << 29));
        assert_eq!(b("2GiB"), Ok(2 << 30));
        assert_eq!(b("1000"), Ok(1000));
        assert!(b("8 furlongs").is_err() && b("0").is_err() && b("-1G").is_err());
        assert_eq!(Bytes(12 << 30).to_string(), "12.0 GB");
        assert_eq!(Bytes(300 << 20).to_string(), "300 MB");
    }

    #[test]
    fn the_default_limit_is_half_the_memory() {
        let total = field_kb(&std::fs::read_to_string("/proc/meminfo").unwrap(), "MemTotal:").unwrap() * 1024;
        let limit = default_memory_limit().0;
        assert!(limit <= total / 2 && limit > 0, "{limit} of {total}");
    }

    #[test]
    fn a_second_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.lock");
        let held = lock(&path, Some(Duration::ZERO)).unwrap();
        let error = lock(&path, Some(Duration::from_millis(120))).unwrap_err().to_string();
        assert!(error.contains("another run holds the lock"), "{error}");
        drop(held);
        assert!(lock(&path, Some(Duration::ZERO)).is_ok());
    }
}
