//! Golden outputs: whole reports on the bundled example, the testdata
//! fixtures and the real public exports, compared byte for byte with
//! tests/snapshots/golden/. A change to any number, sentence or column shows
//! here; after a deliberate one, review the diff and refresh with
//! `UPDATE_SNAPSHOTS=1 cargo test --test golden`, naming the change in the
//! commit that makes it.

mod common;
use common::*;

const EX_C: &str = "examples/complaints.csv";
const EX_D: &str = "examples/deliveries.csv";
const E: &str = "testdata/exports";

/// (snapshot name, arguments).
fn runs() -> Vec<(&'static str, Vec<String>)> {
    let both = |c: &str, d: &str| vec!["--complaints".to_string(), c.into(), "--deliveries".into(), d.into()];
    let with = |command: &str, c: &str, d: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![command.to_string()];
        args.extend(both(c, d));
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let e = |path: &str| format!("{E}/{path}");
    vec![
        (
            "example-report.json",
            with("report", EX_C, EX_D, &["--by", "region", "--period", "month", "--format", "json"]),
        ),
        ("example-report.csv", with("report", EX_C, EX_D, &["--by", "region", "--format", "csv"])),
        ("example-report.md", with("report", EX_C, EX_D, &["--format", "markdown"])),
        ("example-report.ndjson", with("report", EX_C, EX_D, &["--period", "month", "--format", "ndjson"])),
        ("example-compare.json", with("compare", EX_C, EX_D, &["--by", "region", "--format", "json"])),
        ("example-customers.json", with("customers", EX_C, EX_D, &["--format", "json"])),
        ("example-repeats.json", with("repeats", EX_C, EX_D, &["--format", "json"])),
        ("example-categories.json", with("categories", EX_C, EX_D, &["--format", "json"])),
        (
            "example-cost.json",
            with(
                "report",
                EX_C,
                EX_D,
                &[
                    "--attribute",
                    "delivery",
                    "--minutes-per-complaint",
                    "6",
                    "--cost-per-hour",
                    "30",
                    "--format",
                    "json",
                ],
            ),
        ),
        (
            "regions-report.json",
            with("report", REGIONS_C, REGIONS_D, &["--by", "region", "--dayfirst", "--format", "json"]),
        ),
        (
            "ledger-report.json",
            with(
                "report",
                "testdata/ledger/complaints.csv",
                "testdata/ledger/deliveries.csv",
                &["--format", "json"],
            ),
        ),
        (
            "parquet-report.json",
            with(
                "report",
                "testdata/parquet/complaints.parquet",
                "testdata/parquet/deliveries.parquet",
                &["--format", "json"],
            ),
        ),
        (
            "cfpb-report.json",
            with(
                "report",
                "testdata/real/cfpb/complaints_random1000_2012_2026.csv",
                "testdata/cfpb_monthly_accounts.csv",
                &["--col", "deliveries.count=accounts", "--period", "year", "--format", "json"],
            ),
        ),
        (
            "cfpb-sample-report.csv",
            with(
                "report",
                "testdata/real/cfpb/complaints_sample_1500.csv",
                "testdata/cfpb_monthly_accounts.csv",
                &["--col", "deliveries.count=accounts", "--period", "month", "--format", "csv"],
            ),
        ),
        (
            "bpi-customers.json",
            with(
                "customers",
                "testdata/real/bpi2016/BPI2016_Complaints.csv",
                "testdata/bpi_monthly_cases.csv",
                &["--col", "deliveries.count=cases", "--encoding", "iso-8859-1", "--format", "json"],
            ),
        ),
        (
            "bpi-report.json",
            with(
                "report",
                "testdata/real/bpi2016/BPI2016_Complaints.csv",
                "testdata/bpi_monthly_cases.csv",
                &[
                    "--col",
                    "deliveries.count=cases",
                    "--encoding",
                    "complaints=iso-8859-1",
                    "--format",
                    "json",
                ],
            ),
        ),
        (
            "reviews-report.json",
            with(
                "report",
                &e("reviews/order_reviews.csv"),
                &e("reviews/orders.csv"),
                &[
                    "--where",
                    "complaints.review_score<=2",
                    "--where",
                    "deliveries.order_status=delivered",
                    "--period",
                    "month",
                    "--format",
                    "json",
                ],
            ),
        ),
        (
            "telecom-report.json",
            with(
                "report",
                &e("telecom/complaints.csv"),
                &e("telecom/orders_monthly.csv"),
                &[
                    "--col",
                    "complaints.time=Date+Time",
                    "--date-format",
                    "complaints=%d-%m-%y %I:%M:%S %p",
                    "--format",
                    "json",
                ],
            ),
        ),
        (
            "tweets-report.json",
            with(
                "report",
                &e("tweets/twcs.csv"),
                &e("tweets/deliveries_daily.csv"),
                &["--where", "complaints.inbound=true", "--format", "json"],
            ),
        ),
        (
            "helpdesk-report.json",
            with(
                "report",
                &e("helpdesk/customer_support_tickets.csv"),
                &e("helpdesk/orders_per_month.csv"),
                &["--format", "json"],
            ),
        ),
        (
            "incidents-report.json",
            with(
                "report",
                &e("incidents/incident_event_log.csv"),
                &e("incidents/deliveries.csv"),
                &["--format", "json"],
            ),
        ),
        (
            "workbook-report.json",
            with(
                "report",
                &e("workbook/superstore.xlsx"),
                &e("workbook/superstore.xlsx"),
                &[
                    "--sheet",
                    "complaints=Returns",
                    "--sheet",
                    "deliveries=Orders",
                    "--by",
                    "Region",
                    "--format",
                    "json",
                ],
            ),
        ),
        (
            "inspect-examples.json",
            vec!["inspect".into(), EX_C.into(), EX_D.into(), "--format".into(), "json".into()],
        ),
    ]
}

#[test]
fn outputs_match_their_goldens() {
    let mut changed = Vec::new();
    for (name, args) in runs() {
        let out = tool().args(&args).env("COLUMNS", "100").env("NO_COLOR", "1").output().unwrap();
        assert!(out.status.success(), "{name}: {args:?}\n{}", stderr(&out));
        let text = stdout(&out);
        if let Err(diff) = compare_snapshot(&format!("golden/{name}"), &text) {
            changed.push(format!("{name}: {diff}"));
        }
    }
    assert!(
        changed.is_empty(),
        "outputs changed; review, then UPDATE_SNAPSHOTS=1 cargo test --test golden:\n{}",
        changed.join("\n")
    );
}
