//! Forest or bushes on generated data: a planted bad week in one region,
//! among the latest three, makes a forest named after it; the same data
//! without it are bushes.
//! Also the other commands' headline numbers on the SPEC fixture.

mod common;

use std::process::Command;

use assert_cmd::cargo::cargo_bin;

fn generate(dir: &std::path::Path, bad_week: bool) {
    let mut cmd = Command::new(common::example("generate"));
    cmd.args([
        "--deliveries",
        "600000",
        "--weeks",
        "26",
        "--bad-week",
        "25",
        "--complaints-per-1000",
        "2",
        "--seed",
        "5",
    ])
    .arg("--out")
    .arg(dir);
    if !bad_week {
        cmd.arg("--no-bad-week");
    }
    assert!(cmd.output().unwrap().status.success());
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(cargo_bin("complaint-rate"))
        .arg("report")
        .arg("--complaints")
        .arg(dir.join("complaints.csv"))
        .arg("--deliveries")
        .arg(dir.join("deliveries.csv"))
        .args(["--by", "region", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn flagged(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["periods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["signal"] == "above" || p["signal"] == "below")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            (s("period_start"), s("region"), s("signal"))
        })
        .collect()
}

#[test]
fn planted_bad_week_is_a_forest_and_its_absence_bushes() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with");
    let without = dir.path().join("without");
    generate(&with, true);
    generate(&without, false);

    let bad = report(&with);
    assert_eq!(bad["verdict"]["verdict"], "forest", "{}", bad["verdict"]);
    // The control chart flags the week too; the verdict names the region and week.
    assert!(
        flagged(&bad).contains(&("2025-06-23".into(), "East".into(), "above".into())),
        "{:?}",
        flagged(&bad)
    );
    let hits: Vec<&serde_json::Value> = bad["summary"]["recent_rise"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["significant"] == true)
        .collect();
    assert!(hits.iter().all(|t| t["unit"] == "East" || t["unit"] == "all deliveries"), "{hits:?}");
    let week = serde_json::json!("2025-W26");
    assert!(hits.iter().any(|t| t["unit"] == "East" && t["periods"].as_array().unwrap().contains(&week)));
    assert!(bad["verdict"]["reasons"][1].as_str().unwrap().contains("East in 2025-W"), "{}", bad["verdict"]);

    let calm = report(&without);
    assert_eq!(calm["verdict"]["verdict"], "bushes", "{}", calm["verdict"]);
    // Rates and limits are finite numbers or null: never NaN/inf.
    for p in calm["periods"].as_array().unwrap() {
        for key in ["complaint_rate", "rate_low", "rate_high", "lcl", "ucl", "repeat_rate", "switch_rate"] {
            assert!(p[key].is_null() || p[key].as_f64().is_some_and(f64::is_finite), "{key}: {}", p[key]);
        }
    }
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let out =
        Command::new(cargo_bin("complaint-rate")).args(args).args(["--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn repeats_command_on_the_spec_fixture() {
    let json = run_json(&[
        "repeats",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--to",
        "2024-01-31",
    ]);
    let s = &json["summary"];
    assert_eq!(s["complaints"], 9);
    assert_eq!(s["repeat_complaints"], 3);
    assert_eq!(s["channel_switches"], 2);
    assert_eq!(
        [
            &s["episodes"],
            &s["multi_contact_episodes"],
            &s["switched_episodes"],
            &s["digital_to_phone_episodes"]
        ],
        [6, 3, 3, 3]
    );
    // Follow-ups known through 02-15 (the last complaint): 5 of 9.
    assert_eq!([&s["fcr_resolved"], &s["fcr_observed"], &s["fcr_censored"]], [5, 9, 0]);
    let web = json["transitions"].as_array().unwrap().iter().find(|r| r["from"] == "web").unwrap();
    assert_eq!(web["to_phone"], 2);
    // Known only up to 31 January: C5's 01-28 complaint is censored, 5 of 8.
    let json = run_json(&[
        "repeats",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--to",
        "2024-01-31",
        "--as-of",
        "2024-01-31",
    ]);
    assert_eq!(
        [
            &json["summary"]["fcr_resolved"],
            &json["summary"]["fcr_observed"],
            &json["summary"]["fcr_censored"]
        ],
        [5, 8, 1]
    );
}

#[test]
fn customers_and_compare_commands() {
    let json = run_json(&[
        "customers",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--to",
        "2024-01-31",
    ]);
    let top: Vec<(String, u64)> = json["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["customer"].as_str().unwrap().to_string(), r["complaints"].as_u64().unwrap()))
        .collect();
    assert_eq!(top[..2], [("C1".to_string(), 3), ("C3".to_string(), 3)]);
    assert_eq!(json["summary"]["customers_2plus_observed"], 2);

    let json = run_json(&[
        "compare",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "--by",
        "region",
    ]);
    let regions: Vec<&str> =
        json["segments"].as_array().unwrap().iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert_eq!(regions, ["North", "South"]);
    assert!((json["summary"]["theta0"].as_f64().unwrap() - 7.0 / 17.0).abs() < 1e-15);
}

#[test]
fn compare_without_by_is_a_usage_error() {
    let out = Command::new(cargo_bin("complaint-rate"))
        .args([
            "compare",
            "--complaints",
            "testdata/regions/complaints.csv",
            "--deliveries",
            "testdata/regions/deliveries.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--by"));
}

#[test]
fn attribution_by_delivery_date_marks_immature_weeks() {
    let json = run_json(&[
        "report",
        "--complaints",
        "testdata/regions/complaints.csv",
        "--deliveries",
        "testdata/regions/deliveries.csv",
        "--by",
        "region",
        "--attribute",
        "delivery",
    ]);
    let get = |week: &str, region: &str| {
        json["periods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["period_start"] == week && p["region"] == region)
            .unwrap()
            .clone()
    };
    // O1 (delivered in week 1) drew three complaints, in weeks 1 and 2.
    assert_eq!(get("2024-01-01", "North")["complaints"], 3);
    assert_eq!(get("2024-01-01", "South")["complaints"], 1);
    assert_eq!(get("2024-01-08", "South")["complaints"], 1);
    // Complaint lags: 90th percentile 7.25 days → 8; as of 2024-01-22 the week
    // ending 01-21 is immature and has no limits.
    assert_eq!(json["parameters"]["maturity_days"], 8);
    assert_eq!(json["summary"]["mature_until"], "2024-01-14");
    let w3 = get("2024-01-15", "South");
    assert_eq!(
        (w3["complaints"].as_u64(), w3["signal"].as_str(), w3["ucl"].is_null()),
        (Some(2), Some("immature"), true)
    );
    // Four weeks (the last cut short by the exports' end) × 2 regions + total.
    assert_eq!(json["periods"].as_array().unwrap().len(), 4 * 2 + 1);
}

#[test]
fn cost_of_repeats_and_switches() {
    let json = run_json(&[
        "report",
        "--complaints",
        "testdata/spec_fixture/complaints.csv",
        "--deliveries",
        "testdata/spec_fixture/deliveries_monthly.csv",
        "--period",
        "month",
        "--to",
        "2024-01-31",
        "--minutes-per-complaint",
        "6",
        "--cost-per-hour",
        "30",
    ]);
    let cost = &json["summary"]["cost"];
    assert!((cost["repeat_hours"].as_f64().unwrap() - 0.3).abs() < 1e-12);
    assert!((cost["repeat_cost"].as_f64().unwrap() - 9.0).abs() < 1e-12);
    assert!((cost["switch_cost"].as_f64().unwrap() - 6.0).abs() < 1e-12);
}
