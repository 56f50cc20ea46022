//! Every shape of export a user may have gives the same report; real
//! exports load as a user would pass them; broken files get a clear error.

mod common;
use common::*;

use std::path::Path;

use assert_cmd::Command;

const S: &str = "testdata/shapes";

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
    let path = "testdata/real/bpi2016/BPI2016_Complaints.csv";

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
    assert!(err.contains("not UTF-8") && err.contains("--encoding") && err.contains("line 45"), "{err}");
}

#[test]
fn cfpb_maps_time_channel_and_category_by_itself() {
    let path = "testdata/real/cfpb/complaints_random1000_2012_2026.csv";
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
    // Only the months the accounts cover are counted; the rest are in the ledger.
    let ledger = &json["ledger"]["complaints"];
    assert_eq!(ledger["rows_read"], 1000);
    let outside = ledger["rejected"]["outside the days both exports cover"]["rows"].as_u64().unwrap();
    assert_eq!(json["summary"]["complaints"].as_u64().unwrap() + outside, 1000);
    assert_eq!(json["summary"]["coverage"]["counted_first"], "2015-04-01");
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
    // Without --period the report follows the deliveries and says so.
    let json = report_json(
        "testdata/spec_fixture/complaints.csv",
        "testdata/spec_fixture/deliveries_monthly.csv",
        &[],
    );
    assert_eq!(json["parameters"]["period"], "month");
    assert!(
        json["verdict"]["reasons"]
            .to_string()
            .contains("The deliveries are counted per month, so the report is per month")
    );
    let out = run(&[
        "report",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--period",
        "week",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("counted per month") && stderr(&out).contains("--period month"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn xlsx_date_cells_keep_their_exact_time() {
    let out = run(&["inspect", &format!("{S}/complaints.xlsx"), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let created = &json[0]["columns"][1];
    assert_eq!(created["type"], "time");
    // A serial fraction read as 09:59:59.999 must still be 10:00.
    assert_eq!(created["samples"][1], "2024-01-04 10:00:00");
}

#[test]
fn inspect_names_format_encoding_delimiter_and_roles() {
    let out = run(&[
        "inspect",
        &format!("{S}/complaints_1257.csv"),
        &format!("{S}/deliveries_weekly.csv"),
        "--encoding",
        "windows-1257",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &json[0];
    assert_eq!(
        (c["format"].as_str(), c["encoding"].as_str(), c["delimiter"].as_str(), c["rows"].as_u64()),
        (Some("csv"), Some("windows-1257"), Some(";"), Some(7))
    );
    let roles: Vec<(&str, &str)> = c["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|col| (col["name"].as_str().unwrap(), col["role"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(roles[..3], [("ticket_id", "id"), ("created_at", "time"), ("customer_id", "customer")]);
    assert_eq!(c["columns"][1]["time_format"], "dd.mm.yyyy[ HH:MM[:SS]]");
    assert_eq!(c["columns"][2]["samples"][0], "Jānis Bērziņš");
    assert_eq!(c["columns"][2]["nulls"], 1);
    let d = &json[1];
    assert_eq!(d["table"], "deliveries");
    assert_eq!(d["columns"][0]["time_format"], "ISO week yyyy-Www");
    assert_eq!(d["columns"][2]["role"], "count");
}

#[test]
fn config_file_sets_defaults_flags_win_and_unknown_keys_fail() {
    let dir = tempfile::tempdir().unwrap();
    let here = std::env::current_dir().unwrap();
    let file = |name: &str| here.join(S).join(name).to_string_lossy().into_owned();
    std::fs::write(
        dir.path().join("complaint-rate.toml"),
        "[defaults]\nperiod = \"month\"\nby = [\"region\"]\n[channels]\nphone = \"web\"\n",
    )
    .unwrap();
    let run_in = |extra: &[&str]| {
        let mut args = vec![
            "report".to_string(),
            "--complaints".into(),
            file("complaints.csv"),
            "--deliveries".into(),
            file("deliveries.csv"),
            "--format".into(),
            "csv".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Command::cargo_bin("complaint-rate").unwrap().current_dir(dir.path()).args(&args).output().unwrap()
    };
    let monthly = String::from_utf8(run_in(&[]).stdout).unwrap();
    assert!(monthly.starts_with("period_start,period_end,region,"), "{monthly}");
    assert!(monthly.lines().nth(1).unwrap().starts_with("2024-01-01,2024-01-31,Rīga,"), "{monthly}");
    // phone is mapped to web: the repeat from Web to Phone is no longer a switch.
    assert!(monthly.lines().last().unwrap().ends_with(",2,0.2857142857142857,5,0,0,,,"), "{monthly}");
    let weekly = String::from_utf8(run_in(&["--period", "week"]).stdout).unwrap();
    assert!(weekly.lines().nth(1).unwrap().starts_with("2024-01-01,2024-01-07,Rīga,"), "{weekly}");

    std::fs::write(dir.path().join("complaint-rate.toml"), "[defaults]\nperoid = \"month\"\n").unwrap();
    let out = run_in(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown field `peroid`"), "{}", stderr(&out));
}

#[test]
fn channel_map_merges_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("channels.csv");
    std::fs::write(&map, "from,to\nWeb,online\nPHONE,online\n").unwrap();
    let out = run(&[
        "repeats",
        "--complaints",
        &format!("{S}/complaints.csv"),
        "--deliveries",
        &format!("{S}/deliveries.csv"),
        "--channel-map",
        map.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "channel,complaints,repeat_complaints,repeat_rate,channel_switches,switched_in_share\nemail,1,0,0,0,0\nonline,6,2,0.3333333333333333,0,0\n"
    );
}

#[test]
fn a_bad_byte_past_the_first_block_is_still_named_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("late.csv");
    let mut text = String::from("created_at,customer_id\n");
    for i in 0..5000 {
        text.push_str(&format!("2024-01-{:02} 09:00,C{i}\n", i % 28 + 1));
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"2024-01-05 09:00,M\xfcller\n");
    std::fs::write(&file, bytes).unwrap();
    let out = run(&[
        "report",
        "--complaints",
        file.to_str().unwrap(),
        "--deliveries",
        &format!("{S}/deliveries.csv"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("line 5002") && err.contains("0xFC") && err.contains("--encoding"), "{err}");
}

#[test]
fn a_directory_of_files_is_one_input() {
    let dir = tempfile::tempdir().unwrap();
    for part in ["deliveries-part-1.csv", "deliveries-part-2.csv"] {
        std::fs::copy(format!("{S}/{part}"), dir.path().join(part)).unwrap();
    }
    let base = report_csv(&format!("{S}/complaints.csv"), &format!("{S}/deliveries.csv"), &[]);
    assert_eq!(report_csv(&format!("{S}/complaints.csv"), dir.path().to_str().unwrap(), &[]), base);
}

#[test]
fn dates_of_uneven_width_are_still_read_exactly() {
    // The fast path groups by the first 10 characters; "2024-1-9 10:00" would
    // be cut mid-time, so the tool must fall back to the exact date part.
    let dir = tempfile::tempdir().unwrap();
    let deliveries = dir.path().join("d.csv");
    std::fs::write(
        &deliveries,
        "delivered_at,region\n2024-01-02 10:00,Rīga\n2024-1-9 10:00,Rīga\n2024-01-28,Tartu\n",
    )
    .unwrap();
    let csv =
        report_csv(&format!("{S}/complaints.csv"), deliveries.to_str().unwrap(), &["--period", "month"]);
    let total = csv.lines().last().unwrap();
    assert!(total.starts_with("total,,,3,7,"), "{csv}");
    assert!(!csv.contains("unparseable"), "{csv}");
}

/// Regression: `inspect` returned before the config file was read, so its
/// column mappings never reached the command users run first.
#[test]
fn inspect_reads_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tickets.csv"), "opened,client,how\n2025-01-06 10:00,c1,web\n").unwrap();
    std::fs::write(
        dir.path().join("complaint-rate.toml"),
        "[columns]\ncomplaints.customer = \"client\"\ncomplaints.time = \"opened\"\n",
    )
    .unwrap();
    let out =
        tool().current_dir(dir.path()).args(["inspect", "tickets.csv", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let role = |name: &str| {
        json[0]["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["role"].clone()
    };
    assert_eq!(role("client"), "customer");
    assert_eq!(role("opened"), "time");
    // --config names another file; the flag --col still wins over it.
    std::fs::rename(dir.path().join("complaint-rate.toml"), dir.path().join("other.toml")).unwrap();
    let out = tool()
        .current_dir(dir.path())
        .args(["inspect", "tickets.csv", "--config", "other.toml", "--col", "complaints.channel=client"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let columns = json[0]["columns"].as_array().unwrap();
    let client = columns.iter().find(|c| c["name"] == "client").unwrap();
    assert!(client["role"] == "customer" || client["role"] == "channel", "{client}");
    assert_eq!(columns.iter().find(|c| c["name"] == "opened").unwrap()["role"], "time");
}

/// A zip archive holding one CSV is read (whatever its name); one holding
/// several files is refused as a zip archive, never as an encoding error.
#[test]
fn a_zip_with_one_csv_is_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let zip_with = |name: &str, files: &[(&str, &[u8])]| {
        let path = dir.path().join(name);
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (inner, bytes) in files {
            zip.start_file(*inner, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        path
    };
    let complaints = std::fs::read(format!("{S}/complaints.csv")).unwrap();
    let base = report_csv(&format!("{S}/complaints.csv"), &format!("{S}/deliveries.csv"), &[]);
    for name in ["complaints.zip", "complaints.csv"] {
        let zipped = zip_with(name, &[("export/complaints.csv", &complaints)]);
        assert_eq!(report_csv(zipped.to_str().unwrap(), &format!("{S}/deliveries.csv"), &[]), base, "{name}");
    }
    let two = zip_with("two.zip", &[("a.csv", &complaints), ("b.csv", &complaints)]);
    fails_with(
        &["report", "--complaints", two.to_str().unwrap(), "--deliveries", &format!("{S}/deliveries.csv")],
        &["a zip archive with 2 files", "a.csv, b.csv"],
    );
}

/// Order lines: an order id that repeats is one delivery (its first line),
/// the rest ledgered; --count-rows counts every line.
#[test]
fn order_lines_count_one_delivery_per_order() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("order_lines.csv");
    std::fs::write(
        &lines,
        "order_id,delivered_at,region,sku\n\
         A1,2024-01-02 10:00,Rīga,x\nA1,2024-01-02 10:00,Rīga,y\nA2,2024-01-03 11:00,Tartu,x\n\
         A3,2024-01-09 09:00,Rīga,z\nA3,2024-01-09 09:00,Rīga,x\nA3,2024-01-09 09:00,Rīga,y\n\
         A4,2024-01-16 09:00,Tartu,x\nA5,2024-01-28 09:00,Tartu,x\n",
    )
    .unwrap();
    let c = format!("{S}/complaints.csv");
    let json = report_json(&c, lines.to_str().unwrap(), &[]);
    let d = &json["ledger"]["deliveries"];
    assert_eq!((d["rows_read"].as_u64(), d["rows_used"].as_u64()), (Some(8), Some(5)));
    assert_eq!(d["rejected"]["more lines of the same order"]["rows"], 3);
    assert_eq!(json["summary"]["deliveries"], 5);
    let rows = report_json(&c, lines.to_str().unwrap(), &["--count-rows"]);
    assert_eq!(rows["summary"]["deliveries"], 8);
}

/// Deliveries per customer (the chance baseline) are the deliveries the
/// count used: a --where filter drops rows, order lines count once per order.
#[test]
fn deliveries_per_customer_follow_filters_and_order_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("order_lines.csv");
    std::fs::write(
        &lines,
        "order_id,delivered_at,customer_id,status\n\
         A1,2024-01-02 10:00,K1,delivered\nA1,2024-01-02 10:00,K1,delivered\nA2,2024-01-03 11:00,K1,canceled\n\
         A3,2024-01-09 09:00,K1,delivered\nA3,2024-01-09 09:00,K1,delivered\nA3,2024-01-09 09:00,K1,delivered\n\
         A4,2024-01-16 09:00,K2,delivered\nA5,2024-01-17 09:00,K2,delivered\n",
    )
    .unwrap();
    let complaints = dir.path().join("complaints.csv");
    std::fs::write(
        &complaints,
        "ticket,created_at,customer_id\nT1,2024-01-04 08:00,K1\nT2,2024-01-17 12:00,K2\n",
    )
    .unwrap();
    let per_customer = |extra: &[&str]| {
        let mut args = vec![
            "customers",
            "--complaints",
            complaints.to_str().unwrap(),
            "--deliveries",
            lines.to_str().unwrap(),
            "--format",
            "csv",
        ];
        args.extend_from_slice(extra);
        let rows = csv_output(&run(&args));
        rows.iter().map(|r| (r["customer"].clone(), r["deliveries"].clone())).collect::<Vec<_>>()
    };
    let k = |a: &str, b: &str| (a.to_string(), b.to_string());
    // K1: orders A1, A2, A3 (6 lines); K2: A4, A5.
    assert_eq!(per_customer(&[]), [k("K1", "3"), k("K2", "2")]);
    assert_eq!(per_customer(&["--where", "deliveries.status!=canceled"]), [k("K1", "2"), k("K2", "2")]);
    assert_eq!(per_customer(&["--count-rows"]), [k("K1", "6"), k("K2", "2")]);
}

/// Deliveries per customer counted in the CSV counter's own pass equal the
/// polars group-by's (the same file gzipped): ids trimmed, missing ids left
/// out; and with a rejected row, both fall back to checking each row.
#[test]
fn deliveries_per_customer_in_the_counters_pass_equal_polars() {
    let complaints = "ticket,created_at,customer_id\nT1,2024-01-04 08:00,K1\nT2,2024-01-17 12:00,K2\n";
    for bad_row in ["", "A9,not a time,K1\n"] {
        let text = format!(
            "order_id,delivered_at,customer_id\nA1,2024-01-02 10:00, K1 \nA2,2024-01-03 11:00,K1\n\
             A3,2024-01-09 09:00,\nA4,2024-01-16 09:00,NA\nA5,2024-01-17 09:00,K2\nA6,2024-01-18 09:00,K3-a-customer-id-longer-than-15-bytes\n{bad_row}"
        );
        let k = |a: &str, b: &str| (a.to_string(), b.to_string());
        let (listed, facts) = per_customer_on_every_path(complaints, &text, 2);
        assert_eq!(listed, [k("K1", "2"), k("K2", "1")], "{bad_row:?}");
        // K3 (no complaint) is one of the customers with deliveries.
        assert_eq!(facts["customers"], 3, "{facts}");
    }
}

/// Customer ids of one shape (a letter and six digits), counted by number
/// in the counters' pass, give the polars group-by's counts; so do the few
/// ids beside them (too short, another kind, far past the others, a
/// placeholder, spaces around).
#[test]
fn numbered_customer_ids_in_the_counters_pass_equal_polars() {
    let mut deliveries = String::from("order_id,delivered_at,customer_id\n");
    let mut complaints = String::from("ticket,created_at,customer_id\n");
    for i in 0..6_000u64 {
        let customer = match i % 100 {
            0 => "C12".to_string(),
            1 => "guest".to_string(),
            2 if i % 500 == 2 => format!("C{:06}", 900_000 + i % 7),
            3 => format!(" C{:06} ", i * 7 % 1_500),
            _ => format!("C{:06}", i * 7_919 % 1_500),
        };
        deliveries.push_str(&format!("A{i},2024-01-{:02} 10:00,{customer}\n", 1 + i % 28));
        if i % 40 == 0 {
            complaints.push_str(&format!("T{i},2024-01-{:02} 12:00,{}\n", 1 + i % 28, customer.trim()));
        }
    }
    let (listed, facts) = per_customer_on_every_path(&complaints, &deliveries, 3_000);
    assert!(listed.len() > 50, "{}", listed.len());
    assert!(facts["customers"].as_u64().unwrap() > 1_400, "{facts}");
}

/// The complainants' deliveries (`customers`) and the concentration facts
/// of the report, from deliveries as plain CSV (the CSV counter), gzipped
/// (the polars group-by) and as Parquet (the Parquet counter, row groups of
/// `group_rows`): each must equal the others.
fn per_customer_on_every_path(
    complaints: &str,
    deliveries: &str,
    group_rows: usize,
) -> (Vec<(String, String)>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let complaints_path = dir.path().join("complaints.csv");
    std::fs::write(&complaints_path, complaints).unwrap();
    let plain = dir.path().join("deliveries.csv");
    std::fs::write(&plain, deliveries).unwrap();
    let gzipped = dir.path().join("deliveries.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&gzipped).unwrap(), Default::default());
    std::io::Write::write_all(&mut gz, deliveries.as_bytes()).unwrap();
    gz.finish().unwrap();
    // Text columns as written (the ids' spaces kept).
    let parquet = dir.path().join("deliveries.parquet");
    {
        use polars::prelude::*;
        let lines: Vec<Vec<&str>> = deliveries.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let column = |k: usize, name: &str| {
            let values: Vec<Option<&str>> =
                lines.iter().map(|l| Some(l[k]).filter(|v| !v.is_empty())).collect();
            Column::new(name.into(), values)
        };
        let mut frame = DataFrame::new_infer_height(vec![
            column(0, "order_id"),
            column(1, "delivered_at"),
            column(2, "customer_id"),
        ])
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&parquet).unwrap())
            .with_row_group_size(Some(group_rows))
            .finish(&mut frame)
            .unwrap();
    }
    let customers = |deliveries: &Path| {
        let out = run(&[
            "customers",
            "--complaints",
            complaints_path.to_str().unwrap(),
            "--deliveries",
            deliveries.to_str().unwrap(),
            "--top",
            "100000",
            "--format",
            "csv",
        ]);
        csv_output(&out).iter().map(|r| (r["customer"].clone(), r["deliveries"].clone())).collect::<Vec<_>>()
    };
    let listed = customers(&plain);
    assert_eq!(listed, customers(&gzipped));
    assert_eq!(listed, customers(&parquet));
    let concentration = |deliveries: &Path| {
        report_json(complaints_path.to_str().unwrap(), deliveries.to_str().unwrap(), &[])["summary"]
            ["concentration"]
            .clone()
    };
    let facts = concentration(&plain);
    assert_eq!(facts, concentration(&gzipped));
    assert_eq!(facts, concentration(&parquet));
    (listed, facts)
}

/// `where` in the config file filters like --where; a --where flag wins.
#[test]
fn filters_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let here = std::env::current_dir().unwrap();
    std::fs::write(
        dir.path().join("complaint-rate.toml"),
        "[defaults]\nwhere = [\"complaints.channel=web\"]\n",
    )
    .unwrap();
    let run_in = |extra: &[&str]| {
        let c = here.join(S).join("complaints.csv");
        let d = here.join(S).join("deliveries.csv");
        let mut args =
            vec!["report", "--complaints", c.to_str().unwrap(), "--deliveries", d.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend(["--format", "json"]);
        let out = tool().current_dir(dir.path()).args(&args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let web = run_in(&[]);
    assert_eq!(
        web["ledger"]["complaints"]["rejected"]["filtered out by --where complaints.channel=web"]["rows"],
        3
    );
    let phone = run_in(&["--where", "complaints.channel in phone|email"]);
    assert_eq!(phone["summary"]["complaints"], 3);
}
