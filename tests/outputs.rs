//! Output formats, alarms and exit codes, spreadsheets read back, charts,
//! determinism and atomic writes.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command as Std, Output, Stdio};

use calamine::{Data, Reader, open_workbook_auto};

const C: &str = "testdata/regions/complaints.csv";
const D: &str = "testdata/regions/deliveries.csv";

fn report(extra: &[&str]) -> Output {
    let mut args = vec!["report", "--complaints", C, "--deliveries", D, "--by", "region"];
    args.extend_from_slice(extra);
    run(&args)
}

/// The CSV period table as (period_start, region) → column → value.
fn table(text: &str, delimiter: u8) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: BTreeMap<String, String> =
                headers.iter().map(String::from).zip(r.iter().map(String::from)).collect();
            ((row["period_start"].clone(), row["region"].clone()), row)
        })
        .collect()
}

fn csv_text() -> String {
    String::from_utf8(report(&["--format", "csv"]).stdout).unwrap()
}

#[test]
fn excel_csv_reads_back_to_the_same_numbers() {
    let out = report(&["--format", "csv", "--excel"]);
    assert!(out.status.success());
    assert!(out.stdout.starts_with("\u{feff}period_start;period_end;region;".as_bytes()));
    let excel = table(&String::from_utf8(out.stdout).unwrap(), b';');
    let plain = table(&csv_text(), b',');
    assert_eq!(excel.len(), plain.len());
    for (key, row) in &plain {
        for (column, value) in row {
            let back = excel[key][column].replace(',', ".");
            assert_eq!(&back, value, "{key:?} {column}");
        }
    }
}

#[test]
fn xlsx_reads_back_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    assert!(report(&["-o", path.to_str().unwrap()]).status.success());
    let mut workbook = open_workbook_auto(&path).unwrap();
    assert_eq!(workbook.sheet_names(), ["periods", "summary", "ledger"]);
    let sheet = workbook.worksheet_range("periods").unwrap();
    let plain = table(&csv_text(), b',');
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    for row in sheet.rows().skip(1) {
        let cell = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        let start = match cell("period_start") {
            Data::DateTime(d) => {
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{day:02}")
            }
            other => other.to_string(),
        };
        let expected = &plain[&(start.clone(), cell("region").to_string())];
        for column in ["deliveries", "complaints", "complaint_rate", "rate_low", "repeat_rate", "ucl"] {
            let want = &expected[column];
            match cell(column) {
                Data::Float(v) => assert_eq!(v.to_string(), *want, "{start} {column}"),
                Data::Empty => assert!(want.is_empty(), "{start} {column}: {want}"),
                other => panic!("{start} {column}: unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn two_runs_are_byte_identical_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "tsv", "json", "ndjson", "md", "txt", "xlsx", "html"] {
        let paths: Vec<_> = (0..2).map(|i| dir.path().join(format!("r{i}.{ext}"))).collect();
        for p in &paths {
            let out =
                report(&["-o", p.to_str().unwrap(), "--chart", dir.path().join("c.svg").to_str().unwrap()]);
            assert!(out.status.success(), "{ext}: {}", String::from_utf8_lossy(&out.stderr));
        }
        assert_eq!(std::fs::read(&paths[0]).unwrap(), std::fs::read(&paths[1]).unwrap(), "{ext}");
    }
    let html = std::fs::read_to_string(dir.path().join("r0.html")).unwrap();
    assert!(html.contains("class=\"verdict bushes\"") && html.contains("<svg"), "html");
}

#[test]
fn charts_are_valid_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("chart.svg");
    let png = dir.path().join("funnel.png");
    let lorenz = dir.path().join("lorenz.svg");
    assert!(report(&["--format", "csv", "--chart", svg.to_str().unwrap()]).status.success());
    assert!(
        run(&[
            "compare",
            "--complaints",
            C,
            "--deliveries",
            D,
            "--by",
            "region",
            "--format",
            "csv",
            "--chart",
            png.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        run(&[
            "customers",
            "--complaints",
            C,
            "--deliveries",
            D,
            "--format",
            "csv",
            "--chart",
            lorenz.to_str().unwrap()
        ])
        .status
        .success()
    );
    for path in [&svg, &lorenz] {
        let text = std::fs::read_to_string(path).unwrap();
        resvg::usvg::Tree::from_str(&text, &resvg::usvg::Options::default()).expect("well-formed SVG");
    }
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // The report's picture: a legend, round ticks, signals explained on hover.
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.contains("control limits (Laney p′)") && chart.contains("centre (average rate)"),
        "{chart}"
    );
    // The transition matrix (repeats) and the Pareto chart (categories).
    let (c, d) = ("examples/complaints.csv", "examples/deliveries.csv");
    let matrix = dir.path().join("transitions.svg");
    let pareto = dir.path().join("pareto.svg");
    assert!(
        run(&[
            "repeats",
            "--complaints",
            c,
            "--deliveries",
            d,
            "-q",
            "--format",
            "csv",
            "--chart",
            matrix.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        run(&[
            "categories",
            "--complaints",
            c,
            "--deliveries",
            d,
            "-q",
            "--format",
            "csv",
            "--chart",
            pareto.to_str().unwrap()
        ])
        .status
        .success()
    );
    let matrix = std::fs::read_to_string(&matrix).unwrap();
    assert!(matrix.contains("<title>email → phone:"), "{matrix}");
    let pareto = std::fs::read_to_string(&pareto).unwrap();
    assert!(pareto.contains("cumulative share") && pareto.contains(">late</text>"), "{pareto}");
    // inspect draws no picture: asking for one is a usage error before any work.
    let out = run(&["inspect", C, "--chart", svg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn alarms_exit_one_with_one_line() {
    // The exports end on 22 and 23 January: week 4 is partial, so the
    // latest whole week is week 3, at 0%.
    let out = report(&["--format", "csv", "--fail-above", "10%"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&[
        "report",
        "--complaints",
        C,
        "--deliveries",
        D,
        "--to",
        "2024-01-14",
        "--format",
        "csv",
        "--fail-above",
        "0.4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    // One line for the alarm, after one for the complaint the run lost
    // (outside the days both exports cover; the rows before --to are asked for).
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("complaints (") && lines[0].contains("1 outside the days both exports cover"),
        "{err}"
    );
    assert_eq!(
        lines[1],
        "complaint-rate: alarm: the latest whole week (2024-W01) has a complaint rate of 50.0% (3 of 6), above 40.0%"
    );
    assert!(!out.stdout.is_empty(), "the output is still written");
    // The planted-week data of tests/verdict.rs are a forest; here the verdict is bushes.
    let out = report(&["--format", "csv", "--fail-on", "forest"]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["report", "--complaints", C, "--deliveries", D, "--fail-above", "lots"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn quiet_table_is_only_the_table() {
    let out = report(&["--format", "table", "-q"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("Verdict") && text.contains("│ period "), "{text}");
}

#[test]
fn excel_flag_needs_csv_and_unknown_extensions_are_refused() {
    assert_eq!(report(&["--format", "json", "--excel"]).status.code(), Some(2));
    assert_eq!(report(&["-o", "/tmp/report.weird"]).status.code(), Some(2));
}

/// A run interrupted while its output is being written — SIGTERM, which the
/// tool handles, and SIGKILL, which it cannot — leaves the previous output
/// whole. The writer is paused half-way by a test hook and says so on
/// stderr; the signal is sent only after that, so the test fails rather
/// than passing when a run ends before the signal.
#[test]
fn a_run_killed_while_writing_leaves_the_previous_output_intact() {
    for signal in ["-TERM", "-KILL"] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.csv");
        std::fs::write(&target, "previous\n").unwrap();
        let mut child = Std::new(assert_cmd::cargo::cargo_bin("complaint-rate"))
            .args([
                "report",
                "--complaints",
                "examples/complaints.csv",
                "--deliveries",
                "examples/deliveries.csv",
            ])
            .arg("-o")
            .arg(&target)
            .env("COMPLAINT_RATE_TEST_PAUSE_WRITING_MS", "60000")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let temp = line.trim().strip_prefix("complaint-rate: writing ").unwrap_or_else(|| panic!("{line:?}"));
        assert!(std::path::Path::new(temp).exists(), "half-written {temp} exists while paused");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous\n");
        assert!(Std::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
        let status = child.wait().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous\n", "{signal}");
        if signal == "-TERM" {
            // Handled: exit 130 and the temporary file removed.
            assert_eq!(status.code(), Some(130));
            assert!(!std::path::Path::new(temp).exists(), "{temp} removed");
        } else {
            assert_eq!(status.code(), None, "killed by the signal");
        }
    }
}

/// Regression: `--format xlsx` and `--format html` were refused although
/// `-o x.xlsx` / `-o x.html` worked.
#[test]
fn every_format_can_be_named_with_format() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("report.bin");
    let out = report(&["--format", "xlsx", "-o", xlsx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an xlsx workbook is a zip");
    let out = report(&["--format", "html"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("<!DOCTYPE html>"));
}

/// Regression: the HTML table highlighted every row with a text cell equal
/// to `high` or `low`, so segments named that way were all "flagged".
#[test]
fn html_highlights_signals_not_segment_names() {
    let dir = tempfile::tempdir().unwrap();
    let rename = |from: &str, to: &std::path::Path| {
        let text = std::fs::read_to_string(from).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().replace("region", "priority");
        let body: Vec<String> = lines
            .map(|l| l.replace("North", "high").replace("South", "low").replace("East", "low"))
            .collect();
        std::fs::write(to, format!("{header}\n{}\n", body.join("\n"))).unwrap();
    };
    let (c, d) = (dir.path().join("c.csv"), dir.path().join("d.csv"));
    rename(C, &c);
    rename(D, &d);
    let report = |format: &str| {
        let (c, d) = (c.to_str().unwrap(), d.to_str().unwrap());
        run(&["report", "--complaints", c, "--deliveries", d, "--by", "priority", "--format", format])
    };
    let out = report("html");
    let html = stdout(&out);
    assert!(out.status.success() && html.contains("<td>high</td>"), "{}", stderr(&out));
    let signalled = csv_output(&report("csv"))
        .iter()
        .filter(|r| ["above", "below", "shift"].contains(&r["signal"].as_str()))
        .count();
    assert_eq!(html.matches("<tr class=\"flag\">").count(), signalled, "{html}");
}

/// The terminal report at 80 and 120 columns: no line wider than the
/// terminal, short headers, period names; the layout pinned by snapshots.
#[test]
fn the_terminal_report_fits_80_and_120_columns() {
    for width in [80usize, 120] {
        let out = tool()
            .env("COLUMNS", width.to_string())
            .args([
                "report",
                "--complaints",
                "examples/complaints.csv",
                "--deliveries",
                "examples/deliveries.csv",
            ])
            .args(["--by", "region", "--period", "month", "--format", "table"])
            .output()
            .unwrap();
        let text = stdout(&out);
        assert!(out.status.success(), "{}", stderr(&out));
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line:?}");
        }
        assert!(text.contains("│ 2025-03 ") && text.contains(" rate "), "{text}");
        assert!(!text.contains("complaint_rate"), "short headers on a terminal");
        snapshot(&format!("report-{width}.txt"), &text);
    }
}

/// Wait until a run started with the writing pause says it is writing;
/// its stderr, kept open until the run ends.
fn paused_writing(child: &mut std::process::Child) -> BufReader<std::process::ChildStderr> {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("writing") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "the run ended before writing");
    }
    err
}

/// Cron: two runs writing the same `-o` at once (the second starts while
/// the first is half-way through writing) both succeed, and the file is one
/// complete output, never an interleaving of the two.
#[test]
fn two_runs_writing_one_output_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    let alone = dir.path().join("alone.json");
    let args = [
        "report",
        "--complaints",
        "examples/complaints.csv",
        "--deliveries",
        "examples/deliveries.csv",
        "-o",
    ];
    assert!(tool().args(args).arg(&alone).output().unwrap().status.success());
    let start = |pause: &str| {
        Std::new(assert_cmd::cargo::cargo_bin("complaint-rate"))
            .args(args)
            .arg(&target)
            .env("COMPLAINT_RATE_TEST_PAUSE_WRITING_MS", pause)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start("1500");
    let _first_err = paused_writing(&mut first);
    let second = start("0").wait_with_output().unwrap();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert!(first.wait().unwrap().success());
    let expected = std::fs::read_to_string(&alone).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), expected, "one complete output");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
}

/// `--lock`: an overlapping run waits for the lock, or with `--lock-wait`
/// gives up after that long, exit 2, naming the lock.
#[test]
fn a_lock_makes_overlapping_runs_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("report.lock");
    let out = |name: &str| dir.path().join(name);
    let args =
        ["report", "--complaints", "examples/complaints.csv", "--deliveries", "examples/deliveries.csv"];
    let mut first = Std::new(assert_cmd::cargo::cargo_bin("complaint-rate"))
        .args(args)
        .args(["--lock", lock.to_str().unwrap(), "-o", out("first.csv").to_str().unwrap()])
        .env("COMPLAINT_RATE_TEST_PAUSE_WRITING_MS", "2500")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _first_err = paused_writing(&mut first);
    let impatient = tool()
        .args(args)
        .args([
            "--lock",
            lock.to_str().unwrap(),
            "--lock-wait",
            "0",
            "-o",
            out("second.csv").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(impatient.status.code(), Some(2));
    assert!(stderr(&impatient).contains("report.lock: another run holds the lock"), "{}", stderr(&impatient));
    assert!(!out("second.csv").exists());
    let started = std::time::Instant::now();
    let patient = tool()
        .args(args)
        .args(["--lock", lock.to_str().unwrap(), "-o", out("third.csv").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(patient.status.success(), "{}", stderr(&patient));
    assert!(first.wait().unwrap().success());
    assert!(started.elapsed().as_millis() > 500, "the third run waited for the first");
    fails_with(&["report", "--complaints", "x", "--deliveries", "y", "--lock-wait", "5"], &["--lock"]);
}
