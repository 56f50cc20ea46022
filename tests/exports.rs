//! Exports in the shapes real systems produce (testdata/exports/, made by
//! its make.py), each read with flags only — no script — as the README's
//! recipes show. Counts are checked against what make.py wrote.

mod common;
use common::*;

use serde_json::Value;

const E: &str = "testdata/exports";

fn json(complaints: &str, deliveries: &str, flags: &[&str]) -> Value {
    report_json(&format!("{E}/{complaints}"), &format!("{E}/{deliveries}"), flags)
}

fn reasons(json: &Value) -> String {
    json["verdict"]["reasons"].to_string()
}

/// A marketplace's reviews and orders: reviews scored 1–2 are complaints,
/// canceled orders are no deliveries, the customer comes from the order.
#[test]
fn reviews_and_orders() {
    let flags = ["--where", "complaints.review_score<=2", "--where", "deliveries.order_status=delivered"];
    let j = json(
        "reviews/order_reviews.csv",
        "reviews/orders.csv",
        &[&flags[..], &["--period", "month"]].concat(),
    );
    let columns = &j["parameters"];
    assert_eq!(columns["complaint_columns"]["time"], "review_creation_date");
    assert_eq!(columns["delivery_columns"]["time"], "order_delivered_customer_date");
    let c = &j["ledger"]["complaints"];
    assert_eq!((c["rows_read"].as_u64(), c["rows_used"].as_u64()), (Some(128), Some(14)));
    assert_eq!(c["rejected"]["filtered out by --where complaints.review_score<=2"]["rows"], 114);
    let d = &j["ledger"]["deliveries"];
    assert_eq!((d["rows_read"].as_u64(), d["rows_used"].as_u64()), (Some(202), Some(184)));
    assert_eq!(d["rejected"]["filtered out by --where deliveries.order_status=delivered"]["rows"], 18);
    // The customer, from the orders, makes cust500's second bad review a repeat.
    assert!(j["summary"]["repeat_complaints"].as_u64().unwrap() >= 1);
    assert!(j["summary"]["concentration"]["complainants"].as_u64().unwrap() > 0);
    assert!(!reasons(&j).contains("Warning"));
    // Without the filter every review counts, and the report says it cannot be right.
    let all = json("reviews/order_reviews.csv", "reviews/orders.csv", &["--period", "month"]);
    let first = all["verdict"]["reasons"][0].as_str().unwrap();
    assert!(first.starts_with("Warning:") && first.contains("--where"), "{first}");
    assert!(!reasons(&all).contains(", 1 in 1.") && !reasons(&all).contains("1 in 0"), "{}", reasons(&all));
    // ... and --strict refuses it.
    let strict = run(&[
        "report",
        "--complaints",
        &format!("{E}/reviews/order_reviews.csv"),
        "--deliveries",
        &format!("{E}/reviews/orders.csv"),
        "--period",
        "month",
        "--strict",
        "--where",
        "deliveries.order_status=delivered",
    ]);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr(&strict));
}

/// A telecom's log: two-digit years and a 12-hour time in another column;
/// monthly order volumes make a monthly report.
#[test]
fn a_log_with_date_and_time_apart_and_two_digit_years() {
    // The two-digit years are an error that names the flag.
    fails_with(
        &[
            "report",
            "--complaints",
            &format!("{E}/telecom/complaints.csv"),
            "--deliveries",
            &format!("{E}/telecom/orders_monthly.csv"),
        ],
        &["two-digit years", "--date-format '%d-%m-%y'"],
    );
    let j = json(
        "telecom/complaints.csv",
        "telecom/orders_monthly.csv",
        &["--col", "complaints.time=Date+Time", "--date-format", "complaints=%d-%m-%y %I:%M:%S %p"],
    );
    assert_eq!(j["parameters"]["period"], "month");
    let months: Vec<(u64, u64)> = j["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["deliveries"].as_u64().unwrap(), p["complaints"].as_u64().unwrap()))
        .collect();
    assert_eq!(months, [(10_400, 30), (11_050, 30), (21_450, 60)]);
    // No customer column: repeat counts are unknown, not 0.
    assert!(j["periods"][0]["repeat_complaints"].is_null());
    // The layout given for the complaints does not touch the deliveries.
    assert_eq!(j["parameters"]["delivery_time_format"], "month yyyy-mm");
}

/// Tweets to and from support accounts: only inbound ones are complaints.
#[test]
fn a_social_media_support_log() {
    let j = json("tweets/twcs.csv", "tweets/deliveries_daily.csv", &["--where", "complaints.inbound=true"]);
    assert_eq!(j["summary"]["complaints"], 57);
    assert_eq!(j["parameters"]["complaint_time_format"], "Www Mon dd HH:MM:SS +zzzz yyyy");
    assert_eq!(j["parameters"]["complaint_columns"]["customer"], "author_id");
    assert_eq!(
        j["ledger"]["complaints"]["rejected"]["filtered out by --where complaints.inbound=true"]["rows"],
        23
    );
}

/// A ticket export: BOM, multi-line text, `Customer Email` and `Ticket
/// Channel`, monthly volumes; a share never rounds up to 100%.
#[test]
fn a_helpdesk_ticket_export() {
    let j = json("helpdesk/customer_support_tickets.csv", "helpdesk/orders_per_month.csv", &[]);
    let columns = &j["parameters"]["complaint_columns"];
    assert_eq!(
        (columns["customer"].as_str(), columns["channel"].as_str()),
        (Some("Customer Email"), Some("Ticket Channel"))
    );
    assert_eq!(j["parameters"]["period"], "month");
    assert_eq!(j["summary"]["complaints"], 52);
    assert!(reasons(&j).contains("most often from"), "{}", reasons(&j));
    assert!(!reasons(&j).contains("web form"), "examples come from the data");
}

/// An incident event log: one row per update, `number` repeating.
#[test]
fn an_incident_event_log() {
    let j = json("incidents/incident_event_log.csv", "incidents/deliveries.csv", &[]);
    assert_eq!(j["summary"]["complaints"], 30);
    assert_eq!(j["ledger"]["complaints"]["rejected"]["more events of the same complaint"]["rows"], 27);
    let columns = &j["parameters"]["complaint_columns"];
    assert_eq!(
        (
            columns["id"].as_str(),
            columns["time"].as_str(),
            columns["customer"].as_str(),
            columns["channel"].as_str()
        ),
        (Some("number"), Some("opened_at"), Some("caller_id"), Some("contact_type"))
    );
    assert_eq!(j["parameters"]["complaint_time_format"], "dd-mm-yyyy[ HH:MM[:SS]]");
}

/// One workbook, an Orders sheet and a Returns sheet without dates.
#[test]
fn a_workbook_with_orders_and_returns() {
    let book = format!("{E}/workbook/superstore.xlsx");
    let j = report_json(
        &book,
        &book,
        &["--sheet", "complaints=Returns", "--sheet", "deliveries=Orders", "--by", "Region"],
    );
    assert_eq!(j["ledger"]["deliveries"]["rows_used"], 120);
    let c = &j["ledger"]["complaints"];
    assert_eq!((c["rows_read"].as_u64(), c["rows_used"].as_u64()), (Some(18), Some(17)));
    assert_eq!(c["rejected"]["order not in deliveries"]["rows"], 1);
    assert!(reasons(&j).contains("counted in the week of its delivery"), "{}", reasons(&j));
}

/// `inspect` lists the values of few-valued columns (to pick filters from)
/// and says why each column took its role.
#[test]
fn inspect_shows_values_and_why() {
    let out = run(&["inspect", &format!("{E}/reviews/orders.csv"), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = j[0]["columns"].as_array().unwrap().iter().find(|c| c["name"] == "order_status").unwrap();
    assert_eq!(status["values"][0], serde_json::json!({"value": "delivered", "rows": 184}));
    let time = j[0]["columns"].as_array().unwrap().iter().find(|c| c["role"] == "time").unwrap();
    assert_eq!(time["name"], "order_delivered_customer_date");
    assert_eq!(time["role_reason"], "name looks like *delivered*date*");
    let text =
        String::from_utf8(run(&["inspect", &format!("{E}/reviews/orders.csv"), "--format", "table"]).stdout)
            .unwrap();
    assert!(text.contains("also fits: order_purchase_timestamp"), "{text}");
}
