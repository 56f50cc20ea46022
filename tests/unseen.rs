//! Exports in the shapes of public complaint data no earlier fixture had
//! (testdata/unseen/, made by its make.py, which also wrote the counts
//! expected here into expected.json by plain Python): complaints that
//! arrive counted, a bzip2 Latin-1 file with year and month apart, segments
//! named differently in the two files, invoice lines whose numbers look
//! like serial days, ids rounded by a spreadsheet, placeholder customers,
//! yymmdd dates with the time of day in another column. Each is read with
//! flags only; nothing may be silently wrong.

mod common;
use common::*;

use std::collections::BTreeMap;

use serde_json::Value;

const U: &str = "testdata/unseen";

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{U}/expected.json")).unwrap()).unwrap()
}

fn json_run(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Complaints per segment over all periods, from a report's period rows.
fn per_segment(json: &Value, by: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for row in json["periods"].as_array().unwrap() {
        if row["period_start"] != "total" {
            *out.entry(row[by].as_str().unwrap().to_string()).or_default() +=
                row["complaints"].as_u64().unwrap();
        }
    }
    out
}

fn as_counts(value: &Value) -> BTreeMap<String, u64> {
    value.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

const REGULATOR: [&str; 4] = [
    "--complaints",
    "testdata/unseen/regulator/airport_complaints.csv",
    "--deliveries",
    "testdata/unseen/regulator/passengers.csv",
];

/// A report date and an event month both read as times: a tie the user
/// settles, each named with a sample; never a silent pick.
#[test]
fn two_plausible_time_columns_are_a_tie_named_with_samples() {
    fails_with(
        &[&["report"], &REGULATOR[..], &["--col", "deliveries.count=passengers"]].concat(),
        &[
            "two columns could be the complaints file's time",
            "\"pdf_report_date\" (e.g. \"2023-02-10\")",
            "\"year_month\" (e.g. \"2023-01\")",
            "--col complaints.time=COLUMN",
        ],
    );
}

/// Counted complaints: the sum of the count column, per period and
/// segment; rows with 0 add nothing; repeats and concentration are empty
/// and said to be unavailable.
#[test]
fn counted_complaints_are_summed_not_counted_as_rows() {
    let e = &expected()["regulator"];
    let j = json_run(
        &[
            &["report"],
            &REGULATOR[..],
            &[
                "--col",
                "complaints.time=year_month",
                "--col",
                "complaints.count=count",
                "--col",
                "deliveries.count=passengers",
                "--by",
                "airport",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    assert_eq!(j["summary"]["complaints"], e["complaints"]);
    assert_eq!(j["summary"]["deliveries"], e["deliveries"]);
    assert_eq!(j["ledger"]["complaints"]["rows_read"], e["rows"]);
    assert_eq!(per_segment(&j, "airport"), as_counts(&e["per_airport"]));
    assert!(j["periods"][0]["repeat_complaints"].is_null() && j["summary"]["concentration"].is_null());
    // Not available is empty everywhere, the summary too: never 0.
    for key in ["repeat_complaints", "repeat_rate", "channel_switches"] {
        assert!(j["summary"][key].is_null(), "summary.{key} = {}", j["summary"][key]);
    }
    // Each month's count is dated by its first day and spread over the
    // month: only the two real edges are export changes (ARN's last two
    // months hold 2 complaints where ~50 were due; LLA's first two, none),
    // not a start and a stop in every month.
    let changes: Vec<(String, String, String)> = j["verdict"]["export_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["segment"][0].to_string(), c["day"].to_string(), c["change"].to_string()))
        .collect();
    let want = [("ARN", "2024-05-01", "stop"), ("LLA", "2023-03-01", "start")]
        .map(|(s, d, c)| (format!("{s:?}"), format!("{d:?}"), format!("{c:?}")));
    assert_eq!(changes, want, "{}", j["verdict"]["export_changes"]);
    let reasons = j["verdict"]["reasons"].to_string();
    assert!(
        reasons.contains("arrive counted (column \\\"count\\\")") && reasons.contains("not available"),
        "{reasons}"
    );
    // The same without --col complaints.count: found by its name.
    let found = json_run(
        &[
            &["report"],
            &REGULATOR[..],
            &[
                "--col",
                "complaints.time=year_month",
                "--col",
                "deliveries.count=passengers",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    assert_eq!(found["summary"]["complaints"], e["complaints"]);
    // Views that need one row per contact refuse, and say why.
    for command in ["customers", "repeats"] {
        fails_with(
            &[&[command], &REGULATOR[..], &["--col", "complaints.time=year_month"]].concat(),
            &[command, "not available", "arrive counted"],
        );
    }
}

/// A bzip2, Latin-1, `;`-separated file of counted complaints with year and
/// month in two columns, against volumes with year and month in two
/// columns, paired by differently named segment columns.
#[test]
fn counted_latin1_bz2_by_year_and_month_paired_segments() {
    let e = &expected()["consumer"];
    let args = [
        "report",
        "--complaints",
        "testdata/unseen/consumer/reclamacoes.csv.bz2",
        "--deliveries",
        "testdata/unseen/consumer/acessos.csv",
        "--encoding",
        "complaints=latin1",
        "--col",
        "complaints.time=Ano+Mes",
        "--col",
        "complaints.count=SOLICITAÇÕES",
        "--col",
        "deliveries.time=ano+mes",
        "--col",
        "deliveries.count=acessos",
        "--by",
        "complaints.Marca=deliveries.empresa",
        "--format",
        "json",
    ];
    let j = json_run(&args);
    assert_eq!(j["summary"]["complaints"], e["complaints"]);
    assert_eq!(j["summary"]["deliveries"], e["deliveries"]);
    // Each month's count is dated by its first day: spread over the month,
    // not read as a start and a stop of the export every month.
    assert_eq!(
        j["verdict"]["export_changes"].as_array().unwrap().len(),
        0,
        "{}",
        j["verdict"]["export_changes"]
    );
    assert_eq!(j["parameters"]["period"], "month");
    assert_eq!(j["parameters"]["complaint_time_format"], "month yyyy-mm");
    // Shown under the complaints' name.
    assert_eq!(per_segment(&j, "Marca"), as_counts(&e["per_brand"]));
    let mut per_month: BTreeMap<String, u64> = BTreeMap::new();
    for row in j["periods"].as_array().unwrap().iter().filter(|r| r["period_start"] != "total") {
        let month = row["period_start"].as_str().unwrap()[..7].to_string();
        *per_month.entry(month).or_default() += row["complaints"].as_u64().unwrap();
    }
    assert_eq!(per_month, as_counts(&e["per_month"]));
    // Without the encoding the advice is about the decompressed text.
    let no_encoding: Vec<&str> =
        args.iter().copied().filter(|a| *a != "--encoding" && *a != "complaints=latin1").collect();
    let err = fails_with(&no_encoding, &["not UTF-8", "--encoding"]);
    assert!(!err.contains("fields but the header"), "{err}");
    // A --by column the complaints lack, and no way to it: the file and its
    // closest columns are named, with the pairing syntax.
    let mut unpaired = args.to_vec();
    let k = unpaired.iter().position(|a| a.starts_with("complaints.Marca")).unwrap();
    unpaired[k] = "empresa";
    fails_with(
        &unpaired,
        &[
            "--by empresa",
            "the complaints file",
            "has no column \"empresa\"",
            "--by 'complaints.COLUMN=deliveries.empresa'",
        ],
    );
    // A column only the complaints carry: counts and shares, no rate.
    let mut subjects = args.to_vec();
    subjects[k] = "Assunto";
    let s = json_run(&subjects);
    let first = &s["periods"][0];
    assert!(first["deliveries"].is_null() && first["complaint_rate"].is_null(), "{first}");
    assert!(first["complaint_share"].as_f64().unwrap() > 0.0);
    assert_eq!(s["summary"]["complaints"], e["complaints"]);
    assert_eq!(s["summary"]["deliveries"], e["deliveries"]);
}

/// Invoice numbers are 6-digit numbers that Excel-serial days would read
/// as years past 3000: never the time; InvoiceDate is. Cancellations start
/// with C: `--where` excludes them by pattern.
#[test]
fn invoice_lines_take_the_date_not_the_number() {
    let e = &expected()["invoices"];
    let j = json_run(&[
        "inspect",
        "testdata/unseen/invoices/lines.csv",
        "--table",
        "deliveries",
        "--format",
        "json",
    ]);
    let time = j[0]["columns"].as_array().unwrap().iter().find(|c| c["role"] == "time").unwrap();
    assert_eq!(time["name"], "InvoiceDate");
    let number = j[0]["columns"].as_array().unwrap().iter().find(|c| c["name"] == "InvoiceNo").unwrap();
    assert!(number["role"].is_null() && number["type"] != "time", "{number}");
    let base = [
        "report",
        "--complaints",
        "testdata/unseen/invoices/tickets.csv",
        "--deliveries",
        "testdata/unseen/invoices/lines.csv",
        "--col",
        "deliveries.order=InvoiceNo",
        "--format",
        "json",
    ];
    let all = json_run(&base);
    let kept = json_run(&[&base[..], &["--where", "deliveries.InvoiceNo!~^C"]].concat());
    let starts = json_run(&[&base[..], &["--where", "deliveries.InvoiceNo^=C"]].concat());
    let invoices = e["invoices"].as_u64().unwrap();
    let cancelled = e["cancelled"].as_u64().unwrap();
    // Lines are one delivery per invoice, before the days are clipped.
    let read = |j: &Value| j["ledger"]["deliveries"]["rows_read"].as_u64().unwrap();
    assert_eq!(read(&all), e["lines"].as_u64().unwrap());
    let filtered =
        |j: &Value, f: &str| j["ledger"]["deliveries"]["rejected"][f]["rows"].as_u64().unwrap_or(0);
    let lines_kept =
        e["lines"].as_u64().unwrap() - filtered(&kept, "filtered out by --where deliveries.InvoiceNo!~^C");
    let lines_cancelled =
        e["lines"].as_u64().unwrap() - filtered(&starts, "filtered out by --where deliveries.InvoiceNo^=C");
    assert_eq!(lines_kept + lines_cancelled, e["lines"].as_u64().unwrap());
    let orders = |j: &Value| {
        let d = &j["ledger"]["deliveries"];
        d["rows_used"].as_u64().unwrap()
            + d["rejected"]["outside the days both exports cover"]["rows"].as_u64().unwrap_or(0)
    };
    assert_eq!(orders(&all), invoices);
    assert_eq!(orders(&kept), invoices - cancelled);
    // A filter that keeps nothing lists what the column holds.
    fails_with(
        &[&base[..], &["--where", "deliveries.Country=Untied Kingdom"]].concat(),
        &["keeps no row", "\"United Kingdom\" (", "^= starts with"],
    );
}

/// Ids in scientific notation lost their digits: an error naming the column
/// and the cause, not thousands of complaints merged into a few.
#[test]
fn ids_rounded_by_a_spreadsheet_are_refused() {
    let base = [
        "report",
        "--complaints",
        "testdata/unseen/tweets/tweets.csv",
        "--deliveries",
        "testdata/unseen/tweets/flights.csv",
        "--col",
        "deliveries.count=flights",
    ];
    fails_with(
        &[&base[..], &["--col", "complaints.id=tweet_id"]].concat(),
        &["column \"tweet_id\"", "scientific notation", "a spreadsheet rounded the ids"],
    );
    // Without it, `tweet_created` is the time, found by its name.
    let j = json_run(&[&base[..], &["--format", "json"]].concat());
    assert_eq!(j["parameters"]["complaint_columns"]["time"], "tweet_created");
    assert_eq!(j["ledger"]["complaints"]["rows_read"], expected()["tweets"]["rows"]);
}

/// Rows sharing a complaint id are merged only when their customers agree;
/// when most rows sharing an id belong to other customers, the column is
/// not an event id.
#[test]
fn a_shared_id_is_merged_only_for_the_same_customer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.csv");
    let mut text = String::from("id,created_at,customer_id\n");
    // Ids 1..8 each used by two customers; id 9 twice by one.
    for i in 1..=8 {
        text.push_str(&format!("{i},2024-01-0{},A{i}\n{i},2024-01-0{},B{i}\n", i % 7 + 1, i % 7 + 2));
    }
    text.push_str("9,2024-01-03 10:00,C\n9,2024-01-03 11:00,C\n");
    std::fs::write(&file, &text).unwrap();
    fails_with(
        &["report", "--complaints", file.to_str().unwrap(), "--deliveries", REGIONS_D, "--dayfirst"],
        &["column \"id\" is not a complaint id", "8 rows share an id", "--col complaints.id=COLUMN"],
    );
    // A few conflicts among many events: kept apart, noted, the rest merged.
    let mut text = String::from("id,created_at,customer_id\n");
    for i in 1..=20 {
        text.push_str(&format!("{i},2024-01-02 09:00,A{i}\n{i},2024-01-02 10:00,A{i}\n"));
    }
    text.push_str("1,2024-01-03 09:00,Z\n");
    std::fs::write(&file, &text).unwrap();
    let j = report_json(file.to_str().unwrap(), REGIONS_D, &["--dayfirst"]);
    let l = &j["ledger"]["complaints"];
    assert_eq!(l["rejected"]["more events of the same complaint"]["rows"], 20);
    assert_eq!(l["notes"]["sharing a complaint id with another customer's row (kept apart)"], 1);
    assert_eq!(l["rows_used"], 21);
}

const BANK: [&str; 4] = [
    "--complaints",
    "testdata/unseen/bank/calls.csv",
    "--deliveries",
    "testdata/unseen/bank/transactions.csv",
];

/// yymmdd dates get a hint naming the format and its reading; with it and
/// the time of day from another column, both tables read, in every command.
#[test]
fn yymmdd_dates_and_two_column_times_in_both_tables() {
    fails_with(&[&["report"], &BANK[..]].concat(), &["\"990", "--date-format '%y%m%d' reads it as 1999-02-"]);
    // Joined with the time of day, the hint names both.
    fails_with(
        &[
            &["report"],
            &BANK[..],
            &["--col", "complaints.time=date+vru_entry", "--col", "deliveries.time=date+vru_entry"],
        ]
        .concat(),
        &["--date-format '%y%m%d %H:%M:%S' reads it as 1999-02-"],
    );
    let two = [
        "--col",
        "complaints.time=date+vru_entry",
        "--col",
        "deliveries.time=date+vru_entry",
        "--date-format",
        "%y%m%d %H:%M:%S",
    ];
    let e = &expected()["bank"];
    let j = json_run(&[&["report"], &BANK[..], &two[..], &["--format", "json"]].concat());
    assert_eq!(j["ledger"]["complaints"]["rows_used"], e["calls"]);
    assert_eq!(j["ledger"]["deliveries"]["rows_used"], e["transactions"]);
    assert_eq!(j["parameters"]["complaint_columns"]["time"], "date+vru_entry");
    // inspect reads the pair as report does.
    let i = json_run(
        &[
            &["inspect", "testdata/unseen/bank/transactions.csv", "--table", "deliveries"][..],
            &two[2..],
            &["--format", "json"],
        ]
        .concat(),
    );
    let times: Vec<&Value> =
        i[0]["columns"].as_array().unwrap().iter().filter(|c| c["role"] == "time").collect();
    assert_eq!(times.len(), 2);
    assert_eq!(times[0]["time_format"], "custom %y%m%d %H:%M:%S");
    for command in ["compare", "customers", "repeats"] {
        let extra: &[&str] = if command == "compare" { &["--by", "type"] } else { &[] };
        let out = run(&[&[command], &BANK[..], &two[..], extra, &["--format", "json"]].concat());
        // compare needs the segment in the deliveries too: a sentence, never a plan dump.
        assert!(!stderr(&out).contains("FAILED HERE") && !stderr(&out).contains("plan"), "{}", stderr(&out));
        if command != "compare" {
            assert!(out.status.success(), "{command}: {}", stderr(&out));
        }
    }
    // A --date-format that reads none of the values is an error in inspect too.
    fails_with(
        &[
            "inspect",
            "testdata/unseen/bank/calls.csv",
            "--col",
            "complaints.time=date",
            "--date-format",
            "%d.%m.%Y",
        ],
        &["--date-format \"%d.%m.%Y\" reads none of column \"date\"'s values"],
    );
}

/// Customer 0 is the bank's anonymous caller: a placeholder, taken as
/// missing and said once; it makes no repeats. `--keep-id 0` keeps it.
#[test]
fn a_placeholder_customer_makes_no_repeats() {
    let two = [
        "--col",
        "complaints.time=date+vru_entry",
        "--col",
        "deliveries.time=date+vru_entry",
        "--date-format",
        "%y%m%d %H:%M:%S",
        "--format",
        "json",
    ];
    let e = &expected()["bank"];
    let j = json_run(&[&["report"], &BANK[..], &two[..]].concat());
    let anonymous = e["anonymous"].as_u64().unwrap();
    let reasons = j["verdict"]["reasons"].to_string();
    assert!(
        reasons
            .contains(&format!("Customer id \\\"0\\\" stands for no customer in {anonymous} complaint rows")),
        "{reasons}"
    );
    let kept = json_run(&[&["report"], &BANK[..], &two[..], &["--keep-id", "0"]].concat());
    let repeats = |j: &Value| j["summary"]["repeat_complaints"].as_u64().unwrap();
    assert!(
        repeats(&kept) > repeats(&j) + 50,
        "customer 0 links anonymous calls: {} vs {}",
        repeats(&kept),
        repeats(&j)
    );
    assert_eq!(
        j["summary"]["concentration"]["complainants"].as_u64().unwrap() + 1,
        kept["summary"]["concentration"]["complainants"].as_u64().unwrap()
    );
    // A --keep-id that keeps nothing is an error, never ignored.
    fails_with(&[&["report"], &BANK[..], &two[..], &["--keep-id", "guest"]].concat(), &["--keep-id guest"]);
}

/// Flags a run does not use are errors, never ignored.
#[test]
fn unused_flags_are_errors() {
    fails_with(
        &[
            "inspect",
            "examples/complaints.csv",
            "--table",
            "complaints",
            "--col",
            "deliveries.order=ticket_id",
        ],
        &["--col deliveries.order=ticket_id", "no deliveries file was inspected"],
    );
    fails_with(
        &["report", "--complaints", REGIONS_C, "--deliveries", REGIONS_D, "--dayfirst", "--sheet", "Orders"],
        &["--sheet Orders", "no file reads it"],
    );
    fails_with(
        &[
            "report",
            "--complaints",
            REGIONS_C,
            "--deliveries",
            REGIONS_D,
            "--col",
            "deliveries.channel=region",
        ],
        &["--col deliveries.channel=region", "no channel role"],
    );
    fails_with(
        &["customers", "--complaints", REGIONS_C, "--deliveries", REGIONS_D, "--period", "month"],
        &["--period month"],
    );
    fails_with(
        &["repeats", "--complaints", REGIONS_C, "--deliveries", REGIONS_D, "--by", "region"],
        &["--by region"],
    );
    fails_with(
        &[
            "report",
            "--complaints",
            "testdata/parquet/complaints.parquet",
            "--deliveries",
            "testdata/parquet/deliveries.parquet",
            "--delimiter",
            ";",
        ],
        &["--delimiter ;", "no file reads it"],
    );
}

/// A count column found by its name keeps its role when a few of its values
/// are not counts: those rows are rejected in the ledger, never the column
/// quietly dropped and the rows counted instead.
#[test]
fn a_count_column_with_a_bad_value_is_still_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let complaints = dir.path().join("complaints.csv");
    let deliveries = dir.path().join("deliveries.csv");
    let counts = ["3", "4", "2.5", "5", "1", "6", "2", "4"];
    let mut c = String::from("date,count\n");
    let mut d = String::from("date,deliveries\n");
    for (day, n) in counts.iter().enumerate() {
        c.push_str(&format!("2024-01-{:02},{n}\n", day + 1));
        d.push_str(&format!("2024-01-{:02},1000\n", day + 1));
    }
    std::fs::write(&complaints, c).unwrap();
    std::fs::write(&deliveries, d).unwrap();
    let j = report_json(complaints.to_str().unwrap(), deliveries.to_str().unwrap(), &[]);
    assert_eq!(j["summary"]["complaints"], 25, "the whole counts summed, not 8 rows");
    assert_eq!(
        j["ledger"]["complaints"]["rejected"]["count not a whole number >= 0"]["rows"], 1,
        "{}",
        j["ledger"]
    );
}

/// "Its columns are:" lists the file's columns, not only those that got a
/// role (regression: `region` was missing).
#[test]
fn categories_without_a_category_column_lists_every_column() {
    fails_with(
        &["categories", "--complaints", REGIONS_C, "--deliveries", REGIONS_D],
        &[
            "no category column",
            "Its columns are: ticket_id, created_at, customer_id, channel, order_id, region.",
        ],
    );
}

/// Every missing role of both files in one message, so a user fixes them
/// in one run.
#[test]
fn missing_roles_of_both_files_are_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.csv");
    let d = dir.path().join("d.csv");
    std::fs::write(&c, "ticket_id,customer_id\nT1,A\n").unwrap();
    std::fs::write(&d, "order_id,region\nO1,North\n").unwrap();
    fails_with(
        &["report", "--complaints", c.to_str().unwrap(), "--deliveries", d.to_str().unwrap()],
        &["c.csv", "d.csv", "no time column"],
    );
}

/// Placeholders by their text (`-1`, `guest`, any case) and by their share
/// (one value on far more rows than any other): missing, each said once.
#[test]
fn placeholder_customers_by_text_and_by_share() {
    let dir = tempfile::tempdir().unwrap();
    let complaints = dir.path().join("complaints.csv");
    let deliveries = dir.path().join("deliveries.csv");
    let mut c = String::from("ticket_id,created_at,customer_id\n");
    let mut d = String::from("date,deliveries\n");
    for day in 1..=28 {
        d.push_str(&format!("2024-02-{day:02},1000\n"));
    }
    let mut n = 0;
    let mut add = |customer: &str, c: &mut String| {
        n += 1;
        c.push_str(&format!("T{n},2024-02-{:02} 10:00,{customer}\n", 1 + n % 28));
    };
    for _ in 0..40 {
        add("WALKIN", &mut c);
    }
    add("-1", &mut c);
    add("Guest", &mut c);
    for k in 0..60 {
        add(&format!("C{k}"), &mut c);
    }
    std::fs::write(&complaints, c).unwrap();
    std::fs::write(&deliveries, d).unwrap();
    let j = report_json(complaints.to_str().unwrap(), deliveries.to_str().unwrap(), &[]);
    let reasons = j["verdict"]["reasons"].to_string();
    for (value, rows) in [("WALKIN", 40), ("-1", 1), ("Guest", 1)] {
        assert!(
            reasons.contains(&format!(
                "Customer id \\\"{value}\\\" stands for no customer in {rows} complaint row"
            )),
            "{value}: {reasons}"
        );
    }
    // 60 real customers, each with one complaint: no repeats from the placeholders.
    assert_eq!(j["summary"]["repeat_complaints"], 0);
    assert_eq!(j["summary"]["concentration"]["complainants"], 60);
}
