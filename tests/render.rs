//! Expected output of the human renderers (terminal table, Markdown, HTML)
//! for one small fixed document, so a change in layout is seen and reviewed.
//! After a deliberate change: UPDATE_SNAPSHOTS=1 cargo test --test render.

mod common;

use chrono::NaiveDate;
use complaint_rate::input::ledger::{Ledger, Reason};
use complaint_rate::output::{Cell, Document, Grid, OutputFormat, RenderOptions, render};
use complaint_rate::stats::verdict::Verdict;

fn date(text: &str) -> Cell {
    Cell::Date(text.parse::<NaiveDate>().unwrap())
}

/// Two regions named `high` and `low` (a segment whose values read like
/// flags), one row above its limit.
fn document() -> Document {
    let mut complaints = Ledger::new("complaints", "c.csv");
    complaints.used(40);
    complaints.reject(Reason::TimeMissing, 2, 7);
    let mut deliveries = Ledger::new("deliveries", "d.csv");
    deliveries.used(30_000);
    Document {
        title: "Complaint rate per week".into(),
        verdict: Some(Verdict::Forest),
        figure: None,
        headline: vec![
            "Verdict: FOREST — something is truly out of line, beyond routine noise.".into(),
            "  • 40 complaints per 30,000 deliveries from 2025-01-06 to 2025-01-19: 0.13%, 1 in 750.".into(),
        ],
        terminal_extra: vec![],
        json_whole: None,
        json_head: vec![],
        main: Grid {
            name: "periods".into(),
            columns: ["period_start", "region", "deliveries", "complaints", "complaint_rate", "signal"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                vec![
                    date("2025-01-06"),
                    Cell::Text("high".into()),
                    Cell::Int(15_000),
                    Cell::Int(12),
                    Cell::Fraction(Some(0.0008)),
                    Cell::signal("", false),
                ],
                vec![
                    date("2025-01-13"),
                    Cell::Text("low".into()),
                    Cell::Int(15_000),
                    Cell::Int(28),
                    Cell::Fraction(Some(28.0 / 15_000.0)),
                    Cell::signal("above", true),
                ],
                vec![
                    Cell::Text("total".into()),
                    Cell::Text(String::new()),
                    Cell::Int(30_000),
                    Cell::Int(40),
                    Cell::Fraction(Some(40.0 / 30_000.0)),
                    Cell::signal("", false),
                ],
            ],
        },
        extra: vec![],
        terminal_columns: None,
        sections: vec![],
        notes: vec!["Caution: a note printed once.".into()],
        ledgers: vec![complaints, deliveries],
        parameters: serde_json::json!({}),
    }
}

fn rendered(format: OutputFormat) -> String {
    let options = RenderOptions { width: None, color: false, excel: false };
    String::from_utf8(render(&document(), format, options).unwrap()).unwrap()
}

#[test]
fn terminal_table() {
    common::snapshot("render-table.txt", &rendered(OutputFormat::Table));
}

#[test]
fn markdown() {
    common::snapshot("render-markdown.md", &rendered(OutputFormat::Markdown));
}

#[test]
fn html() {
    let html = rendered(OutputFormat::Html);
    common::snapshot("render-report.html", &html);
    // Highlighted from the row's typed signal, never from cell text: the
    // region named "high" is not a flag.
    assert_eq!(html.matches("<tr class=\"flag\">").count(), 1, "{html}");
}
