//! Phases, a baseline and notes (issue 27, docs/METHODS.md §4.9), on
//! exports written here: two years of weeks in five regions, counted per
//! day, with seeded Poisson noise, a step up of 1.3× in week 78 that stays,
//! and optionally a fresh rise in the last three weeks.

mod common;

use std::path::Path;

use common::{csv_output, report_json, run, stderr, stdout};
use serde_json::Value;

/// A uniform number in [0, 1) from (seed, i): splitmix64.
fn uniform(seed: u64, i: u64) -> f64 {
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(i).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// A Poisson count with mean `mean` by inversion.
fn poisson(mean: f64, u: f64) -> u64 {
    let (mut k, mut p) = (0u64, (-mean).exp());
    let mut cdf = p;
    while u > cdf && k < 1000 {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
    }
    k
}

/// Writes complaints.csv and deliveries.csv (counts per day and region)
/// from Monday 2023-01-02 for 104 weeks: 2,000 deliveries a region a day at
/// 0.2%, times `step` from week 78 (2024-07-01) and times `fresh` in the
/// last three weeks.
fn write(dir: &Path, seed: u64, step: f64, fresh: f64) {
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap();
    let mut d = String::from("day,region,deliveries\n");
    let mut c = String::from("day,region,complaints\n");
    for day in 0..104 * 7u64 {
        let date = start + chrono::Days::new(day);
        let week = day / 7;
        for (r, region) in ["A", "B", "C", "D", "E"].iter().enumerate() {
            let rate = 0.002 * if week >= 78 { step } else { 1.0 } * if week >= 101 { fresh } else { 1.0 };
            d.push_str(&format!("{date},{region},2000\n"));
            let n = poisson(2000.0 * rate, uniform(seed, day * 5 + r as u64));
            c.push_str(&format!("{date},{region},{n}\n"));
        }
    }
    std::fs::write(dir.join("deliveries.csv"), d).unwrap();
    std::fs::write(dir.join("complaints.csv"), c).unwrap();
}

fn exports(seed: u64, step: f64, fresh: f64) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), seed, step, fresh);
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (c, d) = (path("complaints.csv"), path("deliveries.csv"));
    (dir, c, d)
}

fn verdict(json: &Value) -> &str {
    json["verdict"]["verdict"].as_str().unwrap()
}

#[test]
fn an_old_step_is_named_as_a_step_and_a_phase_at_it_quiets_the_verdict() {
    let (_dir, c, d) = exports(7, 1.3, 1.0);
    let json = report_json(&c, &d, &["--by", "region"]);
    let v = &json["verdict"];
    // Whatever the verdict, the step is named with its start and the flag.
    let total =
        v["steps"].as_array().unwrap().iter().find(|s| s["segment"].is_null()).expect("the total's step");
    assert_eq!(total["start"], "2024-07-01");
    assert!((total["ratio"].as_f64().unwrap() - 1.3).abs() < 0.08, "{total}");
    let reasons = v["reasons"].to_string();
    assert!(reasons.contains("Since 2024-W27 the rate of all deliveries has run"), "{reasons}");
    assert!(reasons.contains("--phase 2024-07-01"), "{reasons}");
    if verdict(&json) == "forest" {
        assert_eq!(v["cause"], "step", "{v}");
        assert!(v["headline"].as_str().unwrap().contains("stepped up in 2024-W27 and has stayed up"));
    }

    // Declared, the step is a phase: limits of its own, the verdict on it alone.
    let json = report_json(&c, &d, &["--by", "region", "--phase", "2024-07-01=New courier"]);
    assert_eq!(verdict(&json), "bushes", "{}", json["verdict"]);
    assert_eq!(json["verdict"]["window"]["phase"]["label"], "New courier");
    assert_eq!(json["verdict"]["window"]["phase"]["start"], "2024-07-01");
    assert_eq!(json["parameters"]["phases"][0]["start"], "2024-07-01");
    let out = run(&["report", "--complaints", &c, "--deliveries", &d, "--phase", "2024-07-01=New courier"]);
    let rows = csv_output(&out);
    let phase_of = |week: &str| rows.iter().find(|r| r["period_start"] == week).unwrap()["phase"].clone();
    assert_eq!((phase_of("2024-06-24"), phase_of("2024-07-01")), ("2023-01-02".into(), "New courier".into()));
    let ucl =
        |week: &str| rows.iter().find(|r| r["period_start"] == week).unwrap()["ucl"].parse::<f64>().unwrap();
    // Each phase its own centre: the later limits sit higher, equal within a phase.
    assert!(ucl("2024-07-01") > ucl("2024-06-24") * 1.15);
    assert_eq!(ucl("2024-07-01"), ucl("2024-12-23"));
    assert_eq!(ucl("2023-01-02"), ucl("2024-06-24"));
}

#[test]
fn a_fresh_rise_in_the_current_phase_is_a_forest_by_rise() {
    let (_dir, c, d) = exports(11, 1.3, 2.0);
    let json = report_json(&c, &d, &["--phase", "2024-07-01"]);
    assert_eq!(verdict(&json), "forest");
    assert_eq!(json["verdict"]["cause"], "rise");
}

#[test]
fn a_baseline_freezes_the_limits_and_judges_against_itself() {
    let (_dir, c, d) = exports(3, 1.3, 1.0);
    let json = report_json(&c, &d, &["--baseline", "2023-01-01..2023-12-31"]);
    let window = &json["verdict"]["window"]["baseline"];
    assert_eq!((window["first"].as_str(), window["periods"].as_u64()), (Some("2023-01-02"), Some(52)));
    // Against 2023 the stepped-up latest weeks are a rise.
    assert_eq!(verdict(&json), "forest");
    let out =
        run(&["report", "--complaints", &c, "--deliveries", &d, "--baseline", "2023-01-01..2023-12-31"]);
    let rows = csv_output(&out);
    let ucl: Vec<&str> =
        rows.iter().filter(|r| r["period_start"] != "total").map(|r| r["ucl"].as_str()).collect();
    assert!(ucl.iter().all(|u| *u == ucl[0]), "one frozen limit for every week (equal deliveries)");
    assert!(!rows[0].contains_key("phase"));
}

#[test]
fn a_phase_too_short_to_judge_says_so_and_uses_the_one_before() {
    let (_dir, c, d) = exports(5, 1.0, 1.0);
    let json = report_json(&c, &d, &["--phase", "2024-12-16"]);
    let short = &json["verdict"]["window"]["short_phase"];
    assert_eq!((short["start"].as_str(), short["periods"].as_u64()), (Some("2024-12-16"), Some(2)));
    assert_eq!(json["verdict"]["window"]["phase"]["start"], "2023-01-02");
    assert!(json["verdict"]["reasons"].to_string().contains("fewer than the 5 the rise test needs"));
}

#[test]
fn notes_mark_the_chart_and_change_no_number() {
    let (dir, c, d) = exports(5, 1.0, 1.0);
    let plain = report_json(&c, &d, &[]);
    let noted = report_json(&c, &d, &["--note", "2024-03-04=Spring campaign"]);
    assert_eq!(plain["periods"], noted["periods"]);
    assert_eq!(noted["parameters"]["notes"][0]["text"], "Spring campaign");
    let chart = dir.path().join("chart.svg");
    let out =
        run(&["report", "--complaints", &c, "--deliveries", &d, "--note", "2024-03-04=Spring campaign"]
            .into_iter()
            .chain(["--chart", chart.to_str().unwrap(), "-o", dir.path().join("r.csv").to_str().unwrap()])
            .collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("2024-03-04: Spring campaign"));
}

#[test]
fn the_config_file_declares_phases_and_notes() {
    let (dir, c, d) = exports(7, 1.3, 1.0);
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[[phase]]\nstart = \"2024-07-01\"\nlabel = \"New courier\"\n\n[[note]]\ndate = \"2024-03-04\"\ntext = \"Campaign\"\n",
    )
    .unwrap();
    let json = report_json(&c, &d, &["--config", config.to_str().unwrap()]);
    assert_eq!(json["verdict"]["window"]["phase"]["label"], "New courier");
    assert_eq!(json["parameters"]["notes"][0]["text"], "Campaign");
    // The command line's label wins for the same date.
    let json =
        report_json(&c, &d, &["--config", config.to_str().unwrap(), "--phase", "2024-07-01=Courier B"]);
    assert_eq!(json["verdict"]["window"]["phase"]["label"], "Courier B");
}

#[test]
fn phases_the_periods_never_reach_are_errors() {
    let (_dir, c, d) = exports(5, 1.0, 1.0);
    for (extra, message) in [
        (vec!["--phase", "2030-01-01"], "--phase 2030-01-01: no week of the report starts on or after it"),
        (vec!["--phase", "2023-01-02"], "--phase 2023-01-02: no week of the report starts before it"),
        (
            vec!["--phase", "2024-01-01", "--baseline", "2023-01-01..2023-06-30"],
            "--baseline and --phase: use one",
        ),
        (vec!["--baseline", "2030-01-01..2030-12-31"], "no week of the report starts inside it"),
        (vec!["--note", "2031-01-01=Late"], "--note 2031-01-01: outside the report"),
        (vec!["--phase", "01.07.2024"], "is not a date (YYYY-MM-DD)"),
    ] {
        let mut args = vec!["report", "--complaints", &c, "--deliveries", &d];
        args.extend(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    // compare has no phases: the flag is refused, not ignored.
    let out =
        run(&["compare", "--complaints", &c, "--deliveries", &d, "--by", "region", "--phase", "2024-07-01"]);
    assert_eq!(out.status.code(), Some(2));
}
