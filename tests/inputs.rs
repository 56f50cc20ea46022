//! Every shape of export a user may have gives the same report; real
//! exports load as a user would pass them; broken files get a clear error.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const S: &str = "testdata/shapes";

fn run(args: &[&str]) -> Output {
    Command::cargo_bin("complaint-rate").unwrap().args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn report_csv(complaints: &str, deliveries: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "report",
        "--complaints",
        complaints,
        "--deliveries",
        deliveries,
        "--by",
        "region",
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(out.status.success(), "{complaints} + {deliveries}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_same_data_in_every_shape_gives_byte_identical_reports() {
    let base = report_csv(&format!("{S}/complaints.csv"), &format!("{S}/deliveries.csv"), &[]);
    assert!(base.contains("Rīga") && base.lines().count() == 10, "{base}");
    let shapes: &[(&str, &str, &[&str])] = &[
        ("complaints_eu.csv", "deliveries_weekly.csv", &[]),
        ("complaints_1257.csv", "deliveries_1257.csv", &["--encoding", "windows-1257"]),
        ("complaints_bom.csv", "deliveries.csv.gz", &[]),
        ("complaints_utf16.csv", "deliveries-part-*.csv", &[]),
        ("complaints_zendesk.csv", "deliveries.csv", &[]),
        ("complaints_salesforce.csv", "deliveries.csv", &[]),
        ("complaints.xlsx", "deliveries.csv", &[]),
        ("complaints.ndjson", "deliveries.csv", &[]),
    ];
    for (complaints, deliveries, extra) in shapes {
        let got = report_csv(&format!("{S}/{complaints}"), &format!("{S}/{deliveries}"), extra);
        assert_eq!(got, base, "{complaints} + {deliveries} differ from the plain CSV");
    }
}

#[test]
fn stdin_is_an_input() {
    let base = report_csv(&format!("{S}/complaints.csv"), &format!("{S}/deliveries.csv"), &[]);
    let out = Command::cargo_bin("complaint-rate")
        .unwrap()
        .args([
            "report",
            "--complaints",
            "-",
            "--deliveries",
            &format!("{S}/deliveries.csv"),
            "--by",
            "region",
            "--format",
            "csv",
        ])
        .write_stdin(std::fs::read(format!("{S}/complaints.csv")).unwrap())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), base);
}

#[test]
fn bpi2016_latin1_semicolon_crlf_with_and_without_encoding() {
    let path = "../shared/realdata/bpi2016/BPI2016_Complaints.csv";
    assert!(Path::new(path).exists(), "{path} must sit beside the checkout");
    let args = [
        "customers",
        "--complaints",
        path,
        "--deliveries",
        "testdata/bpi_monthly_cases.csv",
        "--col",
        "deliveries.count=cases",
        "--format",
        "json",
    ];
    let out = run(&[&args[..], &["--encoding", "iso-8859-1"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["complaints"], 289);
    assert_eq!(json["summary"]["complainants"], 226);
    assert_eq!(json["summary"]["customers_2plus_observed"], 46);
    assert_eq!(json["ledger"]["complaints"]["rows_read"], 289);

    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not UTF-8") && err.contains("--encoding") && err.contains("row 45"), "{err}");
}

#[test]
fn cfpb_maps_time_channel_and_category_by_itself() {
    let path = "../shared/realdata/cfpb/complaints_random1000_2012_2026.csv";
    let out = run(&[
        "report",
        "--complaints",
        path,
        "--deliveries",
        "testdata/cfpb_monthly_accounts.csv",
        "--col",
        "deliveries.count=accounts",
        "--period",
        "year",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let columns = &json["parameters"]["complaint_columns"];
    assert_eq!(columns["time"], "Date received");
    assert_eq!(columns["channel"], "Submitted via");
    assert_eq!(columns["category"], "Issue");
    assert_eq!(columns["id"], "Complaint ID");
    assert_eq!(json["summary"]["complaints"], 1000);
}

#[test]
fn ambiguous_day_month_needs_dayfirst() {
    let deliveries = format!("{S}/deliveries.csv");
    let out = run(&["report", "--complaints", &format!("{S}/ambiguous.csv"), "--deliveries", &deliveries]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--dayfirst"), "{}", stderr(&out));
    let out = run(&[
        "report",
        "--complaints",
        &format!("{S}/ambiguous.csv"),
        "--deliveries",
        &deliveries,
        "--dayfirst",
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    // 03/01, 04/01 and 05/01 are January 3–5: all in the first week.
    assert!(csv.lines().nth(1).unwrap().starts_with("2024-01-01,2024-01-07,6,3,"), "{csv}");
}

#[test]
fn broken_rows_are_named() {
    let deliveries = format!("{S}/deliveries.csv");
    let out = run(&["report", "--complaints", &format!("{S}/ragged.csv"), "--deliveries", &deliveries]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("row 3 (line 3) has 4 fields but the header has 3"), "{}", stderr(&out));
    let out =
        run(&["report", "--complaints", &format!("{S}/unterminated_quote.csv"), "--deliveries", &deliveries]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("row 2 (line 2) opens a quoted value that is never closed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deliveries_per_month_cannot_make_weeks() {
    let out = run(&[
        "report",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("counted per month") && stderr(&out).contains("--period month"),
        "{}",
        stderr(&out)
    );
}
