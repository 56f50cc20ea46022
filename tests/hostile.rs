//! The catalogue of bad inputs (issue: hardened): each fixture gets an exact
//! behaviour — exit code, a message naming file/row/column and the fix, or a
//! ledger entry. Never a panic, never NaN/inf, never a silently lost row.

mod common;
use common::*;

const H: &str = "testdata/hostile";
const C: &str = "testdata/regions/complaints.csv";
const D: &str = "testdata/regions/deliveries.csv";

#[test]
fn empty_file() {
    fails_with(
        &["report", "--complaints", &format!("{H}/empty.csv"), "--deliveries", D],
        &["empty.csv is empty"],
    );
}

#[test]
fn header_only_complaints_are_zero_complaints() {
    let json = report_json(&format!("{H}/complaints_header_only.csv"), D, &[]);
    assert_eq!(json["summary"]["complaints"], 0);
    assert_eq!(json["summary"]["complaint_rate"], 0.0);
    assert_eq!(json["ledger"]["complaints"]["rows_read"], 0);
}

#[test]
fn complaints_with_no_deliveries_at_all_are_an_error() {
    let d = format!("{H}/deliveries_header_only.csv");
    fails_with(
        &["report", "--complaints", C, "--deliveries", &d],
        &["deliveries", "no row can be used", "no rows"],
    );
}

#[test]
fn duplicate_headers() {
    fails_with(
        &["report", "--complaints", &format!("{H}/duplicate_headers.csv"), "--deliveries", D],
        &["column \"created_at\" twice"],
    );
}

#[test]
fn embedded_newlines_in_quoted_fields() {
    let json = report_json(&format!("{H}/embedded_newlines.csv"), D, &[]);
    let l = &json["ledger"]["complaints"];
    assert_eq!((l["rows_read"].as_u64(), l["rows_used"].as_u64()), (Some(3), Some(2)));
    // Rows are records: the header is row 1, T3 is row 4 whatever its line.
    assert_eq!(l["rejected"]["time unparseable"]["first_rows"], serde_json::json!([4]));
}

#[test]
fn nul_bytes() {
    let json = report_json(&format!("{H}/nul_bytes.csv"), D, &[]);
    let rejected = &json["ledger"]["complaints"]["rejected"]["time unparseable"];
    assert_eq!(rejected["first_rows"], serde_json::json!([3]));
}

#[test]
fn mixed_date_formats_keep_the_column_layout_and_ledger_the_rest() {
    let json = report_json(&format!("{H}/mixed_dates.csv"), D, &[]);
    assert_eq!(json["parameters"]["complaint_time_format"], "yyyy-mm-dd[ HH:MM[:SS]]");
    let rejected = &json["ledger"]["complaints"]["rejected"]["time unparseable"];
    assert_eq!(
        (rejected["rows"].as_u64(), rejected["example"].as_str()),
        (Some(1), Some("04.01.2024 11:00"))
    );
}

#[test]
fn implausible_years_are_rejected_not_reported() {
    let json = report_json(&format!("{H}/implausible_years.csv"), D, &[]);
    let rejected = &json["ledger"]["complaints"]["rejected"]["time before 1900 or after 2200"];
    assert_eq!(rejected["rows"], 2);
    assert_eq!(json["summary"]["first_date"], "2024-01-01");
    assert_eq!(json["summary"]["last_date"], "2024-01-23");
}

#[test]
fn negative_fractional_and_non_numeric_counts() {
    let json = report_json(C, &format!("{H}/bad_counts.csv"), &[]);
    let l = &json["ledger"]["deliveries"];
    let bad = &l["rejected"]["count not a whole number >= 0"];
    assert_eq!((bad["rows"].as_u64(), bad["first_rows"].clone()), (Some(3), serde_json::json!([3, 4, 5])));
    // Week 5 (1 000) is past the last complaint (22 January): not counted.
    assert_eq!(l["rows_used"], 1);
    assert_eq!(l["rejected"]["outside the days both exports cover"]["rows"], 1);
    assert_eq!(json["summary"]["deliveries"], 100);
}

#[test]
fn complaints_whose_order_is_unknown() {
    let json = report_json(&format!("{H}/unknown_orders.csv"), D, &["--by", "region"]);
    let unknown = &json["ledger"]["complaints"]["rejected"]["order not in deliveries"];
    assert_eq!(
        (unknown["rows"].as_u64(), unknown["first_rows"].clone()),
        (Some(2), serde_json::json!([3, 4]))
    );
    assert_eq!(json["summary"]["complaints"], 1);
}

#[test]
fn a_hundred_thousand_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wide.csv");
    let mut header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    header.push("created_at".into());
    let mut row: Vec<String> = vec![String::new(); 100_000];
    row.push("2024-01-03 10:00".into());
    std::fs::write(&file, format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let json = report_json(file.to_str().unwrap(), D, &[]);
    assert_eq!(json["summary"]["complaints"], 1);
}

/// Slow in a debug build (minutes): `.ci/run` runs it with `--ignored`.
#[test]
#[ignore = "slow: run by .ci/run with --ignored"]
fn a_hundred_megabyte_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.csv");
    let mut text = String::with_capacity(101 << 20);
    text.push_str("ticket_id,created_at,note\nT1,2024-01-02 09:00,\"");
    text.push_str(&"x".repeat(100 << 20));
    text.push_str("\"\nT2,2024-01-03 09:00,short\n");
    std::fs::write(&file, text).unwrap();
    let json = report_json(file.to_str().unwrap(), D, &[]);
    assert_eq!(json["summary"]["complaints"], 2);
}

#[test]
fn a_directory_of_junk_where_a_file_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.bin"), [0xffu8, 0xfe, 0x00, 0x81, 0x00, 0x00]).unwrap();
    let out = run(&["report", "--complaints", dir.path().to_str().unwrap(), "--deliveries", D]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
    let empty = tempfile::tempdir().unwrap();
    fails_with(
        &["report", "--complaints", empty.path().to_str().unwrap(), "--deliveries", D],
        &["holds no files"],
    );
}

#[test]
fn disk_full_on_output() {
    // /dev/full fails every write with ENOSPC, as a full disk does.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("complaint-rate"))
        .args(["report", "--complaints", C, "--deliveries", D, "--format", "csv"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("No space left on device"), "{}", stderr(&out));
}

/// `id -u` is 0: root reads a file whatever its permissions.
fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command as Std;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("complaints.csv");
    std::fs::copy(C, &locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let deliveries = dir.path().join("deliveries.csv");
    std::fs::copy(D, &deliveries).unwrap();
    std::fs::set_permissions(&deliveries, std::fs::Permissions::from_mode(0o644)).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("complaint-rate");
    // Root reads anything: run a copy of the binary as nobody instead.
    let mut command = if is_root() {
        let copy = dir.path().join("complaint-rate");
        std::fs::copy(&binary, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Std::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(copy);
        c
    } else {
        Std::new(&binary)
    };
    let out = command
        .current_dir(dir.path())
        .args(["report", "--complaints", "complaints.csv", "--deliveries", "deliveries.csv"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("complaints.csv") && err.contains("Permission denied"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_file_that_fails_mid_read() {
    // /proc/self/mem opens, then its first read fails (EIO), for root too.
    fails_with(
        &["report", "--complaints", "/proc/self/mem", "--deliveries", D],
        &["/proc/self/mem", "Input/output error"],
    );
}

#[test]
fn disk_full_while_writing_an_output_file() {
    use std::process::Command as Std;
    // A 4 KiB tmpfs of the test's own (a private mount namespace): the HTML
    // report does not fit. The old file must survive, and no temporary file
    // be left behind.
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let script = r#"mount -t tmpfs -o size=4k tmpfs "$1" && printf previous > "$1/report.html" && "$2" report \
        --complaints "$3" --deliveries "$4" --period day -o "$1/report.html"; code=$?; \
        ls -A "$1"; cat "$1/report.html"; exit $code"#;
    let out = Std::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", script, "sh"])
        .arg(&small)
        .arg(assert_cmd::cargo::cargo_bin("complaint-rate"))
        .args([C, D])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("report.html: cannot write the output (disk full?)"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    // What `ls -A` and `cat` saw inside the namespace: only the old file, intact.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "report.html\nprevious");
}
