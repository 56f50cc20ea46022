//! The report's machine-readable parts, built from its facts: the period
//! table with its fixed columns (docs/METHODS.md §3.9), and the JSON summary.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::metrics::customers::Concentration;
use crate::metrics::period_table::{Counts, PeriodTable};
use crate::output::{Cell, Table};
use crate::stats::verdict::Window;

use super::facts::Facts;
use super::sentences::row_label;

const COLUMNS_AFTER_SEGMENT: [&str; 14] = [
    "deliveries",
    "complaints",
    "complaint_rate",
    "per_1000",
    "rate_low",
    "rate_high",
    "repeat_complaints",
    "repeat_rate",
    "problems",
    "channel_switches",
    "switch_rate",
    "lcl",
    "ucl",
    "signal",
];

/// Which counts the input can give: repeats need a customer, switches a
/// customer and a channel; the others are empty, never 0.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub repeats: bool,
    pub switches: bool,
}

fn count_cells(counts: &Counts, z: f64, known: Known) -> Vec<Cell> {
    let interval = counts.rate_interval(z);
    let when = |ok: bool, cell: Cell| if ok { cell } else { Cell::Missing };
    vec![
        Cell::Int(counts.deliveries),
        Cell::Int(counts.complaints),
        Cell::Fraction(counts.complaint_rate()),
        Cell::Number(counts.per_1000()),
        Cell::Fraction(interval.map(|i| i.0)),
        Cell::Fraction(interval.map(|i| i.1)),
        when(known.repeats, Cell::Int(counts.repeat_complaints)),
        when(known.repeats, Cell::Fraction(counts.repeat_rate())),
        when(known.repeats, Cell::Int(counts.problems())),
        when(known.switches, Cell::Int(counts.channel_switches)),
        when(known.switches, Cell::Fraction(counts.switch_rate())),
    ]
}

/// A segment value as every output shows it: a blank one is `(blank)`,
/// never an empty cell that reads like the total row's.
pub fn segment_text(value: &str) -> String {
    if value.is_empty() { "(blank)".to_string() } else { value.to_string() }
}

/// One row per period × segment and a total row; `z`: the normal quantile
/// of the rate intervals. When the deliveries do not carry the segments,
/// the segment rows have no deliveries and no rate but a share of their
/// period's complaints (`complaint_share`, the last column).
pub fn period_rows(table: &PeriodTable, z: f64, known: Known) -> Table {
    let shares = table.period_deliveries.is_some();
    let mut columns = vec!["period_start".to_string(), "period_end".to_string()];
    columns.extend(table.by.iter().cloned());
    columns.extend(COLUMNS_AFTER_SEGMENT.iter().map(|c| c.to_string()));
    if shares {
        columns.push("complaint_share".into());
    }
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    for row in &table.rows {
        let mut cells = vec![
            Cell::Period { start: row.start, label: table.period.label(row.start) },
            Cell::Date(row.end),
        ];
        cells.extend(row.segment.iter().map(|s| Cell::Text(segment_text(s))));
        let mut counts = count_cells(&row.counts, z, known);
        if shares {
            // No deliveries per segment: none invented.
            for k in [0, 2, 3, 4, 5] {
                counts[k] = Cell::Missing;
            }
        }
        cells.extend(counts);
        cells.push(Cell::Fraction(row.limits.map(|l| l.lcl)));
        cells.push(Cell::Fraction(row.limits.map(|l| l.ucl)));
        let signal = row.signal();
        cells.push(Cell::signal(
            signal.map(|s| s.as_str()).unwrap_or_default(),
            signal.is_some_and(|s| s.is_alarm()),
        ));
        if shares {
            cells.push(Cell::Fraction(row.share));
        }
        rows.push(cells);
    }
    let mut total = vec![Cell::Text("total".into()), Cell::Text(String::new())];
    total.extend(table.by.iter().map(|_| Cell::Text(String::new())));
    total.extend(count_cells(&table.total, z, known));
    total.extend([Cell::Fraction(None), Cell::Fraction(None), Cell::signal("", false)]);
    if shares {
        total.push(Cell::Fraction((table.total.complaints > 0).then_some(1.0)));
    }
    rows.push(total);
    Table { name: "periods".into(), columns, rows }
}

/// Concentration as JSON members (the report's summary and `customers`).
pub fn concentration_json(c: &Concentration) -> Value {
    json!({
        "complainants": c.complainants,
        "customers": c.customers,
        "top_1pct_share": c.top_1pct_share,
        "top_10_share": c.top_10_share,
        "customers_for_half": c.customers_for_half,
        "gini_complainants": c.gini_complainants,
        "gini_all_customers": c.gini_all,
        "generalized_gini": c.generalized_gini_all,
        "customers_2plus_observed": c.observed_repeat_complainers,
        "customers_2plus_expected": c.expected_repeat_complainers,
    })
}

/// The `summary` member of the JSON report.
pub fn summary_json(facts: &Facts, z: f64) -> Value {
    let table = &facts.table;
    let settings = &facts.settings;
    let t = &table.total;
    let interval = t.rate_interval(z);
    let count_signal =
        |s: &str| table.rows.iter().filter(|r| r.signal().map(|x| x.as_str()) == Some(s)).count();
    let concentration = facts.concentration.as_ref().map(concentration_json);
    let trend = facts.trend.fitted().map(|tr| {
        json!({
            "slope": tr.slope,
            "se": tr.se,
            "se_unscaled": tr.se_unscaled,
            "dispersion": tr.dispersion,
            "scale_estimated": tr.scale_estimated,
            "ci95_low": tr.ci95.0,
            "ci95_high": tr.ci95.1,
            "p_slope_is_1": tr.p_slope_is_one,
            "p_slope_above_1": tr.p_slope_above_one,
            "periods": tr.periods,
            "volume_ratio": tr.volume_ratio,
        })
    });
    let period = table.period;
    let recent = facts.recent_periods();
    let rise = facts.rise.as_ref().map(|r| {
        let tests: Vec<Value> = r
            .tests
            .iter()
            .map(|t| {
                json!({
                    "unit": facts.unit_name(t.unit),
                    "periods": match t.window {
                        Window::Sustained => recent.iter().map(|d| period.label(*d)).collect::<Vec<_>>(),
                        Window::Period(k) => vec![period.label(recent[k])],
                    },
                    "complaints": t.complaints,
                    "deliveries": t.deliveries,
                    "expected": t.expected,
                    "ratio": t.ratio,
                    "p_value": t.p_value,
                    "threshold": t.threshold,
                    "significant": t.significant,
                })
            })
            .collect();
        json!({
            "family_alpha": r.family_alpha,
            "units": r.units_tested,
            "dispersion": r.dispersion,
            "dispersion_df": r.dispersion_df,
            "tests": tests,
        })
    });
    let coverage = facts.coverage.map(|c| {
        json!({
            "complaints_first": c.complaints.0.to_string(),
            "complaints_last": c.complaints.1.to_string(),
            "deliveries_first": c.deliveries.0.to_string(),
            "deliveries_last": c.deliveries.1.to_string(),
            "counted_first": c.window.0.to_string(),
            "counted_last": c.window.1.to_string(),
        })
    });
    let runs: Vec<Value> = table
        .runs
        .iter()
        .map(|r| {
            json!({
                "segment": r.segment,
                "useful_periods": r.runs.useful,
                "longest_run": r.runs.longest_run,
                "longest_run_limit": r.runs.longest_run_limit,
                "crossings": r.runs.crossings,
                "crossings_limit": r.runs.crossings_limit,
                "shift": r.runs.shift,
            })
        })
        .collect();
    let cost = settings.minutes_per_complaint.map(|m| {
        let hours = |count: u64| count as f64 * m / 60.0;
        json!({
            "minutes_per_complaint": m,
            "cost_per_hour": settings.cost_per_hour,
            "repeat_hours": hours(t.repeat_complaints),
            "switch_hours": hours(t.channel_switches),
            "repeat_cost": settings.cost_per_hour.map(|h| hours(t.repeat_complaints) * h),
            "switch_cost": settings.cost_per_hour.map(|h| hours(t.channel_switches) * h),
        })
    });
    json!({
        "first_date": table.first_date.to_string(),
        "last_date": table.last_date.to_string(),
        "periods": table.rows.iter().map(|r| r.start).collect::<BTreeSet<_>>().len(),
        "deliveries": t.deliveries,
        "complaints": t.complaints,
        "complaint_rate": t.complaint_rate(),
        "per_1000": t.per_1000(),
        "rate_low": interval.map(|i| i.0),
        "rate_high": interval.map(|i| i.1),
        "deliveries_per_complaint": t.one_in(),
        "repeat_complaints": t.repeat_complaints,
        "repeat_rate": t.repeat_rate(),
        "problems": t.problems(),
        "channel_switches": t.channel_switches,
        "switch_rate": t.switch_rate(),
        "rows_without_deliveries": table.rows.iter().filter(|r| r.rated() && r.counts.deliveries == 0 && r.counts.complaints > 0).count(),
        "rows_above": count_signal("above"),
        "rows_below": count_signal("below"),
        "rows_shift": count_signal("shift"),
        "rows_immature": table.rows.iter().filter(|r| r.immature).count(),
        "rows_partial": table.rows.iter().filter(|r| r.partial).count(),
        "mature_until": facts.maturity.map(|m| m.mature_until.to_string()),
        "coverage": coverage,
        "recent_periods": recent.iter().map(|d| period.label(*d)).collect::<Vec<_>>(),
        "recent_rise": rise,
        "recent_above": facts.recent_above.iter().map(|&i| row_label(table, &table.rows[i])).collect::<Vec<_>>(),
        "trend": trend,
        "runs": runs,
        "concentration": concentration,
        "cost": cost,
    })
}
