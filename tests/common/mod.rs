//! Helpers shared by the integration tests: run the real binary, read what it
//! printed, and check the invariants every report keeps. Each test file
//! includes this with `mod common;` (not every file uses every helper).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Small fixtures shared by several test files.
pub const REGIONS_C: &str = "testdata/regions/complaints.csv";
pub const REGIONS_D: &str = "testdata/regions/deliveries.csv";

/// The binary under test, with no config file from the working directory
/// leaking in unless a test writes one.
pub fn tool() -> Command {
    Command::cargo_bin("complaint-rate").unwrap()
}

pub fn run(args: &[&str]) -> Output {
    tool().args(args).output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `report --complaints C --deliveries D --format F` plus `extra`; asserts success.
pub fn report(complaints: &str, deliveries: &str, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["report", "--complaints", complaints, "--deliveries", deliveries, "--format", format];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// A report as JSON; checks that nothing panicked, no NaN or inf is
/// printed, and every ledger adds up (used + rejected = read).
pub fn report_json(complaints: &str, deliveries: &str, extra: &[&str]) -> Value {
    let text = report(complaints, deliveries, "json", extra);
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    for (table, l) in json["ledger"].as_object().unwrap() {
        let rejected: u64 =
            l["rejected"].as_object().unwrap().values().map(|r| r["rows"].as_u64().unwrap()).sum();
        assert_eq!(l["rows_used"].as_u64().unwrap() + rejected, l["rows_read"].as_u64().unwrap(), "{table}");
    }
    json
}

/// A successful run's CSV on stdout as rows of column → value.
pub fn csv_output(out: &Output) -> Vec<BTreeMap<String, String>> {
    assert!(out.status.success(), "failed: {}", stderr(out));
    csv_rows(&stdout(out))
}

/// CSV text as rows of column → value.
pub fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// Exit code 2, no panic, and every needle in the message.
pub fn fails_with(args: &[&str], needles: &[&str]) -> String {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    }
    err
}

/// A binary built beside the tests (`generate` is an example: `cargo test`
/// builds examples too).
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let path = deps.parent().unwrap().join("examples").join(name);
    assert!(path.exists(), "{} missing: run through `cargo test`, which builds examples", path.display());
    path
}

/// Compare `actual` with the snapshot file `tests/snapshots/NAME`; with
/// UPDATE_SNAPSHOTS=1 in the environment, write it instead. The one snapshot
/// mechanism of the tests (help texts, renderers, whole reports).
pub fn snapshot(name: &str, actual: &str) {
    if let Err(diff) = compare_snapshot(name, actual) {
        panic!("{name} changed: review, then UPDATE_SNAPSHOTS=1 cargo test.\n{diff}");
    }
}

/// As `snapshot`, returning where the text first differs instead of failing.
pub fn compare_snapshot(name: &str, actual: &str) -> Result<(), String> {
    let path = PathBuf::from(format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR")));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "first difference at line {}:\n--- expected\n{}\n--- actual\n{}",
        line + 1,
        expected.lines().nth(line).unwrap_or("(end)"),
        actual.lines().nth(line).unwrap_or("(end)")
    ))
}
