//! Segments on a funnel (`compare --by COL`, and the HTML report's segment
//! section): each segment's rate against the overall rate θ₀ with 95% and
//! 99.8% limits widened for overdispersion (docs/METHODS.md §4.4).

use anyhow::{Result, bail};
use serde_json::json;

use super::View;
use super::pictures;
use crate::input::DatasetOptions;
use crate::metrics::dataset::Dataset;
use crate::metrics::period_table::{self, Sides, TableSpec};
use crate::output::table::{ledger_line, percent, thousands};
use crate::output::{Cell, Table};
use crate::period::Period;
use crate::stats::funnel::{Flag, funnel};
use crate::stats::laney::Chart;

/// Compare the segments of `options.by` over all counted days.
pub fn view(data: &Dataset, options: &DatasetOptions) -> Result<View> {
    let names = options.by_names();
    let spec = TableSpec {
        period: Period::All,
        by: &names,
        chart: Chart::LaneyPPrime,
        mature_until: None,
        window: None,
    };
    let Some(table) = period_table::build(&Sides::of(data), &spec) else {
        bail!(
            "nothing to compare: {} {}",
            ledger_line(&data.complaints.ledger),
            ledger_line(&data.deliveries.ledger)
        );
    };
    let with_deliveries: Vec<usize> =
        (0..table.rows.len()).filter(|&i| table.rows[i].counts.deliveries > 0).collect();
    let x: Vec<f64> = with_deliveries.iter().map(|&i| table.rows[i].counts.complaints as f64).collect();
    let n: Vec<f64> = with_deliveries.iter().map(|&i| table.rows[i].counts.deliveries as f64).collect();
    let result = funnel(&x, &n);

    let mut columns: Vec<String> = names.clone();
    columns.extend(
        [
            "deliveries",
            "complaints",
            "complaint_rate",
            "z",
            "limit95_low",
            "limit95_high",
            "limit998_low",
            "limit998_high",
            "flag",
        ]
        .map(String::from),
    );
    let mut rows = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let unit =
            result.as_ref().and_then(|f| with_deliveries.iter().position(|&k| k == i).map(|k| &f.units[k]));
        let mut cells: Vec<Cell> = row.segment.iter().map(|s| Cell::Text(s.clone())).collect();
        cells.extend([
            Cell::Int(row.counts.deliveries),
            Cell::Int(row.counts.complaints),
            Cell::Fraction(row.counts.complaint_rate()),
            Cell::Number(unit.map(|u| u.z)),
            Cell::Fraction(unit.map(|u| u.limits_95.0)),
            Cell::Fraction(unit.map(|u| u.limits_95.1)),
            Cell::Fraction(unit.map(|u| u.limits_998.0)),
            Cell::Fraction(unit.map(|u| u.limits_998.1)),
            {
                let flag = unit.and_then(|u| u.flag);
                Cell::signal(
                    flag.map(|f| f.as_str()).unwrap_or_default(),
                    matches!(flag, Some(Flag::High | Flag::Low)),
                )
            },
        ]);
        rows.push(cells);
    }

    let segments = with_deliveries.len();
    let count = |pred: &dyn Fn(Flag) -> bool| {
        result.as_ref().map_or(0, |f| f.units.iter().filter(|u| u.flag.is_some_and(pred)).count())
    };
    let outside_998 = count(&|f| matches!(f, Flag::High | Flag::Low));
    let outside_95 = count(&|_| true);
    let by = names.join("/");
    let mut headline = Vec::new();
    match &result {
        Some(f) => {
            let flagged: Vec<String> = table
                .rows
                .iter()
                .zip(&rows)
                .filter(|(_, cells)| cells.last().is_some_and(Cell::is_alarm))
                .map(|(r, _)| format!("{} ({})", r.segment.join("/"), fmt(r.counts.complaint_rate())))
                .collect();
            headline.push(if flagged.is_empty() {
                format!(
                    "No {by} is out of line: every rate is inside its 99.8% limits around {}.",
                    percent(f.theta0)
                )
            } else {
                format!(
                    "Out of line (outside 99.8% limits around {}): {}.",
                    percent(f.theta0),
                    flagged.join(", ")
                )
            });
            headline.push(format!(
                "{outside_998} of {segments} outside 99.8% (expected by chance: {:.2}); {outside_95} outside 95% (expected: {:.2}).",
                0.002 * segments as f64,
                0.05 * segments as f64
            ));
            headline.push(format!(
                "Overdispersion φ = {:.3}, between-{by} variance τ² = {:.3e}{}; {} would be outside 99.8% without this allowance.",
                f.phi,
                f.tau2,
                if f.tau2 > 0.0 { " (limits widened)" } else { " (none: plain binomial limits)" },
                f.outside_998_unadjusted
            ));
        }
        None => headline.push(format!(
            "Too few {by} values with deliveries (or no complaints at all) to compare: {} of them.",
            thousands(segments as u64)
        )),
    }
    let summary = json!({
        "segments": segments,
        "theta0": result.as_ref().map(|f| f.theta0),
        "phi": result.as_ref().map(|f| f.phi),
        "tau2": result.as_ref().map(|f| f.tau2),
        "outside_998": outside_998,
        "expected_false_998": 0.002 * segments as f64,
        "outside_95": outside_95,
        "expected_false_95": 0.05 * segments as f64,
        "outside_998_unadjusted": result.as_ref().map(|f| f.outside_998_unadjusted),
    });
    let figure = result.as_ref().map(|f| {
        let segments: Vec<(String, u64, u64, Option<String>)> = table
            .rows
            .iter()
            .zip(&rows)
            .map(|(r, cells)| {
                let flag = match cells.last() {
                    Some(Cell::Signal { text, .. }) if !text.is_empty() => Some(text.clone()),
                    _ => None,
                };
                (r.segment.join("/"), r.counts.deliveries, r.counts.complaints, flag)
            })
            .collect();
        pictures::funnel(&segments, f)
    });
    Ok(View {
        title: format!("Complaint rate by {by}"),
        headline,
        summary,
        main: Table { name: "segments".into(), columns, rows },
        extra: vec![],
        figure,
        notes: vec![],
    })
}

fn fmt(rate: Option<f64>) -> String {
    rate.map(percent).unwrap_or_else(|| "undefined".into())
}
