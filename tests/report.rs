//! Runs the real binary on files in testdata/ (testdata/real: public exports) and
//! asserts exact numbers, exit codes and messages.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

const SPEC_COLUMNS: &str = "period_start,period_end,deliveries,complaints,complaint_rate,per_1000,rate_low,rate_high,\
repeat_complaints,repeat_rate,problems,channel_switches,switch_rate,lcl,ucl,signal";

#[test]
fn spec_fixture_january_by_month() {
    let out = run(&[
        "report",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--period",
        "month",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().next().unwrap(), SPEC_COLUMNS);
    let rows = csv_output(&out);
    let jan = &rows[0];
    assert_eq!(jan["period_start"], "2024-01-01");
    assert_eq!(jan["period_end"], "2024-01-31");
    assert_eq!(jan["deliveries"], "900");
    assert_eq!(jan["complaints"], "9");
    assert_eq!(jan["repeat_complaints"], "3");
    assert_eq!(jan["problems"], "6");
    assert_eq!(jan["channel_switches"], "2");
    assert_eq!(jan["complaint_rate"], "0.01");
    assert_eq!(jan["per_1000"], "10");
    assert_eq!(jan["repeat_rate"].parse::<f64>().unwrap(), 1.0 / 3.0);
    assert_eq!(jan["switch_rate"].parse::<f64>().unwrap(), 2.0 / 3.0);
    let total = rows.last().unwrap();
    assert_eq!((total["period_start"].as_str(), total["complaints"].as_str()), ("total", "11"));
}

#[test]
fn european_semicolon_file_by_region() {
    let rows = csv_output(&run(&[
        "report",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "--by",
        "region",
    ]));
    // 4 weeks × 2 regions + total.
    assert_eq!(rows.len(), 9);
    let get = |week: &str, region: &str| {
        rows.iter().find(|r| r["period_start"] == week && r["region"] == region).unwrap()
    };
    let north1 = get("2024-01-01", "North");
    assert_eq!(
        [
            &north1["deliveries"],
            &north1["complaints"],
            &north1["repeat_complaints"],
            &north1["channel_switches"]
        ],
        ["4", "2", "1", "1"]
    );
    // "phone " after "Phone": a repeat, but the same channel.
    let north2 = get("2024-01-08", "North");
    assert_eq!([&north2["repeat_complaints"], &north2["channel_switches"]], ["1", "0"]);
    // Complaints in a week without deliveries: rate undefined, never 0/NaN/inf.
    let south4 = get("2024-01-22", "South");
    assert_eq!([&south4["deliveries"], &south4["complaints"], &south4["complaint_rate"]], ["0", "2", ""]);
    let north4 = get("2024-01-22", "North");
    assert_eq!([&north4["complaints"], &north4["repeat_rate"], &north4["lcl"]], ["0", "", ""]);
    let total = rows.last().unwrap();
    assert_eq!([&total["deliveries"], &total["complaints"], &total["repeat_complaints"]], ["17", "7", "2"]);
    assert_eq!(total["complaint_rate"], "0.4117647058823529");
    // The exports end on 22 and 23 January: the last week is cut short.
    assert_eq!(south4["signal"], "partial");
}

#[test]
fn from_to_keeps_look_back_and_every_row_is_in_the_ledger() {
    let out = run(&[
        "report",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--period",
        "month",
        "--from",
        "2024-02-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["summary", "verdict", "periods", "ledger", "parameters"]);
    // February: C4 (02-15, 36 days after its last) and C5 (02-02, 5 days after 01-28: a repeat
    // found through the January look-back, switching web → phone).
    let feb = &json["periods"][0];
    assert_eq!(feb["complaints"], 2);
    assert_eq!(feb["repeat_complaints"], 1);
    assert_eq!(feb["channel_switches"], 1);
    let ledger = &json["ledger"]["complaints"];
    assert_eq!(ledger["rows_read"], 11);
    assert_eq!(ledger["rows_used"], 2);
    assert_eq!(ledger["rejected"]["outside --from/--to"]["rows"], 9);
}

#[test]
fn rejected_rows_are_ledgered_with_reasons() {
    let out = run(&[
        "report",
        "--complaints",
        "testdata/ledger/complaints.csv",
        "--deliveries",
        "testdata/ledger/deliveries.csv",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for table in ["complaints", "deliveries"] {
        let l = &json["ledger"][table];
        let rejected: u64 =
            l["rejected"].as_object().unwrap().values().map(|r| r["rows"].as_u64().unwrap()).sum();
        assert_eq!(l["rows_used"].as_u64().unwrap() + rejected, l["rows_read"].as_u64().unwrap(), "{table}");
    }
    let c = &json["ledger"]["complaints"]["rejected"];
    assert_eq!(c["time missing"]["first_rows"], serde_json::json!([3, 7]));
    assert_eq!(c["time unparseable"]["example"], "yesterday");
    assert_eq!(c["more events of the same complaint"]["first_rows"], serde_json::json!([5]));
    let d = &json["ledger"]["deliveries"];
    assert_eq!(d["rows_read"], 5);
    assert_eq!(d["rejected"]["count not a whole number >= 0"]["example"], "-5");
    // "1.200" is 1,200 deliveries (thousands separator).
    assert_eq!(json["summary"]["deliveries"], 2200);
}

#[test]
fn strict_turns_a_rejected_row_into_an_error_naming_row_and_value() {
    let out = run(&[
        "report",
        "--complaints",
        "testdata/ledger/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--period",
        "month",
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    // The first reason in the ledger: the complaint id seen before, at row 5.
    assert!(
        err.starts_with("complaint-rate: --strict:")
            && err.contains("more events of the same complaint, first at row 5"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn cfpb_complaints_per_month_match_an_independent_count() {
    let path = "testdata/real/cfpb/complaints_sample_1500.csv";
    // Independent count: the csv crate, reading `Date received` directly.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(path).unwrap();
    let at = reader.headers().unwrap().iter().position(|h| h == "Date received").unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        *expected.entry(format!("{}-01", &record[at][..7])).or_default() += 1;
    }
    let rows = csv_output(&run(&[
        "report",
        "--complaints",
        path,
        "--deliveries",
        "testdata/cfpb_monthly_accounts.csv",
        "--col",
        "deliveries.count=accounts",
        "--period",
        "month",
    ]));
    let ours: BTreeMap<String, u64> = rows
        .iter()
        .filter(|r| r["period_start"] != "total" && r["complaints"] != "0")
        .map(|r| (r["period_start"].clone(), r["complaints"].parse().unwrap()))
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(rows.last().unwrap()["complaints"], "1500");
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = run(&["report", "--complaints", "nope.csv", "--deliveries", "testdata/regions/deliveries.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("nope.csv") && err.contains("cannot open"), "{err}");
    assert_eq!(err.lines().count(), 1, "one paragraph: {err}");
}

#[test]
fn missing_time_column_lists_columns_and_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.csv");
    std::fs::write(&file, "ticket,custmer,creatd\n1,A,2024-01-01\n").unwrap();
    let out = run(&[
        "report",
        "--complaints",
        file.to_str().unwrap(),
        "--deliveries",
        "testdata/regions/deliveries.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no time column") && err.contains("ticket, custmer, creatd"), "{err}");
    // The column whose values read as times is offered first.
    assert!(err.contains("Column \"creatd\" reads as times: --col complaints.time=\"creatd\""), "{err}");
    assert!(err.contains("--col complaints.time=COLUMN"), "{err}");
    // With no such column, the closest name.
    std::fs::write(&file, "ticket,custmer,creatd\nT1,A,soon\n").unwrap();
    let err = stderr(&run(&["report", "--complaints", file.to_str().unwrap(), "--deliveries", REGIONS_D]));
    assert!(err.contains("Closest match: \"creatd\""), "{err}");
}

#[test]
fn unknown_time_layout_names_value_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.csv");
    std::fs::write(&file, "created_at,customer\nsoon,A\nlater,B\n").unwrap();
    let out = run(&[
        "report",
        "--complaints",
        file.to_str().unwrap(),
        "--deliveries",
        "testdata/regions/deliveries.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("\"soon\"") && err.contains("--date-format"), "{err}");
}

#[test]
fn output_file_is_written_and_its_format_follows_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let out = run(&[
        "report",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let parsed: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(parsed["summary"]["complaints"], 7);
    // No temporary files left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_into_a_missing_directory_fails_before_work() {
    let out = run(&[
        "report",
        "--complaints",
        "does-not-exist.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "-o",
        "/nonexistent-dir/report.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // The output is checked first: the message is about the output, not the input.
    assert!(stderr(&out).contains("/nonexistent-dir/report.csv"), "{}", stderr(&out));
}

#[test]
fn broken_pipe_exits_zero() {
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("complaint-rate"))
        .args([
            "report",
            "--complaints",
            "testdata/regions/complaints.csv",
            "--deliveries",
            "testdata/regions/deliveries.csv",
            "--period",
            "day",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn formats_tsv_ndjson_markdown_table() {
    let base = [
        "report",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "--format",
    ];
    let with = |f: &str| {
        let mut args = base.to_vec();
        args.push(f);
        let out = run(&args);
        assert!(out.status.success(), "{f}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(with("tsv").starts_with("period_start\tperiod_end\tdeliveries\t"));
    let ndjson = with("ndjson");
    assert_eq!(ndjson.lines().count(), 5);
    for line in ndjson.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    assert!(with("markdown").contains("| period_start | period_end |"));
    let table = with("table");
    assert!(table.starts_with("Verdict: bushes"), "{table}");
    assert!(table.contains("7 complaints per 17 deliveries"), "{table}");
    assert!(table.contains("complaints (testdata/regions/complaints.csv): 7 rows read, 7 used."), "{table}");
}

#[test]
fn parquet_with_typed_timestamps_gives_the_same_table_as_csv() {
    let csv_out = run(&[
        "report",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "--by",
        "region",
    ]);
    let parquet_out = run(&[
        "report",
        "--complaints",
        "testdata/parquet/complaints.parquet",
        "--deliveries",
        "testdata/parquet/deliveries.parquet",
        "--by",
        "region",
    ]);
    assert!(parquet_out.status.success(), "{}", stderr(&parquet_out));
    assert_eq!(String::from_utf8_lossy(&csv_out.stdout), String::from_utf8_lossy(&parquet_out.stdout));
}

/// Regression: a deliveries file whose every row was rejected still gave a
/// table of zeros and "bushes"; now it is an error naming why.
#[test]
fn a_table_with_no_usable_row_is_an_error_naming_the_reason() {
    // A --date-format that reads none of a column's first values is said
    // before anything is counted, for both files at once.
    fails_with(
        &["report", "--complaints", REGIONS_C, "--deliveries", REGIONS_D, "--date-format", "%Y-%m-%d"],
        &[
            "testdata/regions/complaints.csv: --date-format \"%Y-%m-%d\" reads none of column \"created_at\"'s values",
            "testdata/regions/deliveries.csv: --date-format \"%Y-%m-%d\" reads none of column \"delivered_at\"'s values",
        ],
    );
    // Rows a layout cannot read are rejected; when no row is left, the
    // error names why.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.csv");
    std::fs::write(&file, "delivered_at,region\n2024-01-02,North\n").unwrap();
    let deliveries = file.to_str().unwrap();
    fails_with(
        &[
            "report",
            "--complaints",
            REGIONS_C,
            "--deliveries",
            deliveries,
            "--dayfirst",
            "--from",
            "2025-01-01",
        ],
        &["no row can be used", "outside --from/--to", "Widen --from/--to"],
    );
}

/// Regression: "undefined of repeats" was printed when there were none.
#[test]
fn no_repeats_say_so() {
    let json = report_json(REGIONS_C, REGIONS_D, &["--window-days", "0"]);
    let reasons = json["verdict"]["reasons"].to_string();
    assert!(reasons.contains("No repeat contacts, so no channel switches."), "{reasons}");
    assert!(!reasons.contains("undefined"), "{reasons}");
}

/// Regression: `report` never gave the chance baseline that `customers`
/// computes ("… against 7.5 expected").
#[test]
fn the_report_gives_the_chance_baseline() {
    let json = report_json("examples/complaints.csv", "examples/deliveries.csv", &["--by", "region"]);
    let expected = json["summary"]["concentration"]["customers_2plus_expected"].as_f64().unwrap();
    let customers = run(&[
        "customers",
        "--complaints",
        "examples/complaints.csv",
        "--deliveries",
        "examples/deliveries.csv",
        "--format",
        "json",
    ]);
    let customers: serde_json::Value = serde_json::from_slice(&customers.stdout).unwrap();
    assert_eq!(customers["summary"]["customers_2plus_expected"].as_f64().unwrap(), expected);
    let reasons = json["verdict"]["reasons"].to_string();
    assert!(
        reasons.contains(&format!("against {expected:.1} expected if every delivery had the same chance"))
    );
}

/// Exports that cover different days give, for the days both cover, the
/// same counts and rates as exports cut to match; every row left out is in
/// the ledger.
#[test]
fn exports_of_different_days_count_only_the_common_days() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |out: &Path, extra: &[&str]| {
        let status = std::process::Command::new(example("generate"))
            .args(["--deliveries", "40000", "--weeks", "10", "--regions", "2", "--complaints-per-1000", "5"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
            .status;
        assert!(status.success());
    };
    // Complaints run two weeks past the deliveries' last day (16 March).
    let long = dir.path().join("long");
    generate(&long, &["--complaints-run-on", "14"]);
    // The same exports, complaints cut to the deliveries' days by hand.
    let cut = dir.path().join("cut");
    std::fs::create_dir_all(&cut).unwrap();
    std::fs::copy(long.join("deliveries.csv"), cut.join("deliveries.csv")).unwrap();
    let text = std::fs::read_to_string(long.join("complaints.csv")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || &l[9..19] <= "2025-03-16")
        .map(|(_, l)| l)
        .collect();
    std::fs::write(cut.join("complaints.csv"), kept.join("\n") + "\n").unwrap();
    let table = |dir: &Path| {
        let (c, d) = (dir.join("complaints.csv"), dir.join("deliveries.csv"));
        report(c.to_str().unwrap(), d.to_str().unwrap(), "csv", &["--by", "region"])
    };
    let rates = |csv: &str| -> Vec<Vec<String>> {
        csv_rows(csv)
            .iter()
            .map(|r| {
                ["period_start", "region", "deliveries", "complaints", "complaint_rate", "signal"]
                    .map(|k| r[k].clone())
                    .to_vec()
            })
            .collect()
    };
    assert_eq!(rates(&table(&long)), rates(&table(&cut)));
    let json = report_json(
        long.join("complaints.csv").to_str().unwrap(),
        long.join("deliveries.csv").to_str().unwrap(),
        &["--by", "region"],
    );
    let left_out = text.lines().count() - kept.len();
    assert!(left_out > 0);
    assert_eq!(
        json["ledger"]["complaints"]["rejected"]["outside the days both exports cover"]["rows"],
        left_out as u64
    );
    assert_eq!(json["summary"]["coverage"]["counted_last"], "2025-03-16");
    let reasons = json["verdict"]["reasons"].to_string();
    assert!(reasons.contains("The exports cover different days"), "{reasons}");
}

/// The bundled example: both exports cover January to June, so no month is
/// partial and no row lacks deliveries.
#[test]
fn the_bundled_example_has_whole_months() {
    let rows = csv_rows(&report(
        "examples/complaints.csv",
        "examples/deliveries.csv",
        "csv",
        &["--by", "region", "--period", "month"],
    ));
    assert_eq!(rows.len(), 6 * 2 + 1);
    assert!(rows.iter().all(|r| r["signal"] != "partial" && r["deliveries"] != "0"), "{rows:?}");
}

/// Complaints read side by side with the deliveries' count (few of them)
/// and read first, then linked during the count (many): the same report,
/// stdout and stderr, for complaints that need nothing from their
/// deliveries, for ones dated by their delivery (linked after the join),
/// and for `repeats` and `customers`.
#[test]
fn complaints_read_side_by_side_or_first_give_the_same_output() {
    let (c, d) = ("examples/complaints.csv", "examples/deliveries.csv");
    let runs: [&[&str]; 4] = [
        &["report", "--by", "region", "--format", "json"],
        &["report", "--attribute", "delivery", "--format", "csv"],
        &["repeats", "--format", "csv"],
        &["customers", "--format", "csv"],
    ];
    for args in runs {
        let output = |rows: &str| {
            let out = tool()
                .args(args)
                .args(["--complaints", c, "--deliveries", d])
                .env("COMPLAINT_RATE_TEST_SIDE_BY_SIDE_ROWS", rows)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            (stdout(&out), stderr(&out))
        };
        let (side_by_side, first) = (output("1000000"), output("0"));
        assert!(side_by_side.0.len() > 100, "{args:?}: {}", side_by_side.0);
        assert_eq!(side_by_side, first, "{args:?}");
    }
}
