//! `compare --by COL`: which segments (depots, regions, teams) are really out
//! of line. One row per segment on a funnel plot: rate against the overall
//! rate θ₀ with 95% and 99.8% limits widened for overdispersion (docs/METHODS.md §4.4).

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::metrics::period::Period;
use crate::metrics::period_table::{self, TableSpec};
use crate::output::chart::{Figure, FunnelPoint};
use crate::output::table::{ledger_line, percent, thousands};
use crate::output::{Cell, Document, Table};
use crate::stats::funnel::{Flag, funnel, limits_at};
use crate::stats::laney::Chart;
use crate::stats::normal_quantile;

pub const EXAMPLES: &str = "\
Examples:
  Which depots are out of line over the whole period:
    complaint-rate compare --complaints c.csv --deliveries d.csv --by depot

  Regions in the first quarter, as CSV:
    complaint-rate compare --complaints c.csv --deliveries d.csv --by region \\
        --from 2025-01-01 --to 2025-03-31 -o regions.csv";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<u8> {
    let output = Output::prepare(&args.output, true)?;
    let mut options = args.input.resolve()?;
    if options.by.is_empty() {
        bail!("compare needs the segment column to compare: pass --by COL (e.g. --by region)");
    }
    // No period table here: deliveries counted per week or month are fine.
    options.period = Some(Period::All);
    let input = &options;
    let data = output.load(&options)?;
    let spec = TableSpec {
        period: Period::All,
        by: &input.by,
        chart: Chart::LaneyPPrime,
        mature_until: None,
        window: None,
    };
    let Some(table) =
        period_table::build(&data.complaints.records, &data.contacts, &data.deliveries.counts, &spec)
    else {
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

    let mut columns: Vec<String> = input.by.clone();
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
    let by = input.by.join("/");
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
        let points = table
            .rows
            .iter()
            .zip(&rows)
            .filter(|(r, _)| r.counts.deliveries > 0)
            .map(|(r, cells)| FunnelPoint {
                label: r.segment.join("/"),
                deliveries: r.counts.deliveries as f64,
                rate: r.counts.complaint_rate().unwrap_or(0.0),
                flagged: matches!(cells.last(), Some(Cell::Signal { text, .. }) if !text.is_empty()),
            })
            .collect::<Vec<_>>();
        let max_n = points.iter().map(|p| p.deliveries).fold(1.0, f64::max) * 1.05;
        let min_n = points.iter().map(|p| p.deliveries).fold(max_n, f64::min) * 0.5;
        let (z95, z998) = (normal_quantile(0.975), normal_quantile(0.999));
        let limits = (0..=200)
            .map(|k| {
                let n = min_n + (max_n - min_n) * k as f64 / 200.0;
                let (a, b) = limits_at(f.theta0, f.tau2, n, z95);
                let (c, d) = limits_at(f.theta0, f.tau2, n, z998);
                (n, a, b, c, d)
            })
            .collect();
        Figure::Funnel { points, theta0: f.theta0, limits }
    });
    let document = Document {
        title: format!("Complaint rate by {by}"),
        verdict: None,
        figure,
        headline: if args.output.quiet { vec![] } else { headline },
        json_whole: None,
        json_head: vec![("summary".into(), summary)],
        main: Table { name: "segments".into(), columns, rows },
        extra: vec![],
        terminal_columns: None,
        notes: vec![],
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters: json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "by": input.by,
            "from": input.input.range.from.map(|d| d.to_string()),
            "to": input.input.range.to.map(|d| d.to_string()),
        }),
    };
    output.write(&document)?;
    Ok(0)
}

fn fmt(rate: Option<f64>) -> String {
    rate.map(percent).unwrap_or_else(|| "undefined".into())
}
