//! Segments on a funnel (`compare --by COL`, the report's headline and the
//! HTML report's segment section): each segment's rate over the counted
//! days against the overall rate θ₀ with 95% and 99.8% limits widened for
//! overdispersion (docs/METHODS.md §4.4). One computation serves all three,
//! so the report names exactly the segments `compare` puts out of line.

use anyhow::{Result, bail};
use serde_json::json;

use super::View;
use super::facts::{OutOfLine, segment_name};
use super::pictures;
use super::summary::segment_text;
use crate::input::DatasetOptions;
use crate::metrics::dataset::Dataset;
use crate::metrics::period_table::{self, Counts, PeriodTable, Sides, TableSpec};
use crate::output::table::{ledger_line, percent, thousands};
use crate::output::{Cell, Grid};
use crate::period::Period;
use crate::phases::Stages;
use crate::stats::funnel::{Flag, Funnel, funnel};
use crate::stats::laney::Chart;

/// Each segment's counts over the counted days, and where each segment
/// with deliveries sits on the funnel.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentFunnel {
    /// In table order; segments without deliveries included.
    pub segments: Vec<(Vec<String>, Counts)>,
    /// Over the segments with deliveries (None: fewer than two, or no
    /// complaint, or no `--by`).
    pub fit: Option<Funnel>,
    /// Each segment's unit in `fit` (None without deliveries).
    pub unit: Vec<Option<usize>>,
}

impl SegmentFunnel {
    /// The segments of a period table, summed over its periods from phase
    /// `from_phase` on (with `Period::All` the table's rows are the
    /// segments already).
    pub fn of(table: &PeriodTable, from_phase: usize) -> SegmentFunnel {
        let mut segments: Vec<(Vec<String>, Counts)> = Vec::new();
        if !table.by.is_empty() && table.period_deliveries.is_none() {
            for row in table.rows.iter().filter(|r| r.phase >= from_phase) {
                match segments.iter_mut().find(|(s, _)| *s == row.segment) {
                    Some((_, counts)) => counts.add(&row.counts),
                    None => segments.push((row.segment.clone(), row.counts)),
                }
            }
        }
        let with_deliveries: Vec<usize> =
            (0..segments.len()).filter(|&i| segments[i].1.deliveries > 0).collect();
        let x: Vec<f64> = with_deliveries.iter().map(|&i| segments[i].1.complaints as f64).collect();
        let n: Vec<f64> = with_deliveries.iter().map(|&i| segments[i].1.deliveries as f64).collect();
        let fit = funnel(&x, &n);
        let unit = (0..segments.len())
            .map(|i| fit.as_ref().and_then(|_| with_deliveries.iter().position(|&k| k == i)))
            .collect();
        SegmentFunnel { segments, fit, unit }
    }

    /// Segment `i`'s place on the funnel.
    pub fn flag(&self, i: usize) -> Option<Flag> {
        self.unit[i].and_then(|u| self.fit.as_ref()?.units[u].flag)
    }

    /// The segments outside the 99.8% limits, highest rate first.
    pub fn out_of_line(&self) -> Vec<OutOfLine> {
        let mut out: Vec<OutOfLine> = (0..self.segments.len())
            .filter_map(|i| {
                let high = match self.flag(i)? {
                    Flag::High => true,
                    Flag::Low => false,
                    Flag::Alert => return None,
                };
                let (segment, counts) = &self.segments[i];
                Some(OutOfLine { segment: segment.clone(), rate: counts.complaint_rate()?, high })
            })
            .collect();
        out.sort_by(|a, b| b.rate.total_cmp(&a.rate));
        out
    }

    /// Segments with deliveries.
    pub fn compared(&self) -> usize {
        self.unit.iter().flatten().count()
    }
}

/// Compare the segments of `options.by` over all counted days.
pub fn view(data: &Dataset, options: &DatasetOptions) -> Result<View> {
    let names = options.by_names();
    let spec = TableSpec {
        period: Period::All,
        by: &names,
        chart: Chart::LaneyPPrime,
        mature_until: None,
        window: None,
        stages: &Stages::default(),
    };
    let Some(table) = period_table::build(&Sides::of(data), &spec) else {
        bail!(
            "nothing to compare: {} {}",
            ledger_line(&data.complaints.ledger),
            ledger_line(&data.deliveries.ledger)
        );
    };
    if table.period_deliveries.is_some() {
        bail!(
            "compare needs deliveries per segment, and the deliveries have no {} column: segments can only be \
             compared by rate when both files carry them. Pair differently named columns with --by \
             'complaints.COLUMN=deliveries.COLUMN', or see each value's counts and shares with report --by",
            names.join("/")
        );
    }
    let f = SegmentFunnel::of(&table, 0);
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
    for (i, (segment, counts)) in f.segments.iter().enumerate() {
        let unit = f.unit[i].and_then(|u| f.fit.as_ref().map(|fit| &fit.units[u]));
        let mut cells: Vec<Cell> = segment.iter().map(|s| Cell::Text(segment_text(s))).collect();
        let flag = f.flag(i);
        cells.extend([
            Cell::Int(counts.deliveries),
            Cell::Int(counts.complaints),
            Cell::Fraction(counts.complaint_rate()),
            Cell::Number(unit.map(|u| u.z)),
            Cell::Fraction(unit.map(|u| u.limits_95.0)),
            Cell::Fraction(unit.map(|u| u.limits_95.1)),
            Cell::Fraction(unit.map(|u| u.limits_998.0)),
            Cell::Fraction(unit.map(|u| u.limits_998.1)),
            match (flag, counts.deliveries) {
                (_, 0) if counts.complaints > 0 => Cell::signal("no deliveries", false),
                _ => Cell::signal(
                    flag.map(|f| f.as_str()).unwrap_or_default(),
                    matches!(flag, Some(Flag::High | Flag::Low)),
                ),
            },
        ]);
        rows.push(cells);
    }

    let segments = f.compared();
    let count =
        |pred: &dyn Fn(Flag) -> bool| (0..f.segments.len()).filter(|&i| f.flag(i).is_some_and(pred)).count();
    let outside_998 = count(&|flag| matches!(flag, Flag::High | Flag::Low));
    let outside_95 = count(&|_| true);
    let by = names.join("/");
    let mut headline = Vec::new();
    match &f.fit {
        Some(fit) => {
            let flagged: Vec<String> = f
                .out_of_line()
                .iter()
                .map(|o| format!("{} ({})", segment_name(&o.segment), percent(o.rate)))
                .collect();
            headline.push(if flagged.is_empty() {
                format!(
                    "No {by} is out of line: every rate is inside its 99.8% limits around {}.",
                    percent(fit.theta0)
                )
            } else {
                format!(
                    "Out of line (outside 99.8% limits around {}): {}.",
                    percent(fit.theta0),
                    flagged.join(", ")
                )
            });
            headline.push(format!(
                "{outside_998} of {segments} outside 99.8% (expected by chance: {:.2}); {outside_95} outside 95% (expected: {:.2}).",
                0.002 * segments as f64,
                0.05 * segments as f64
            ));
            headline.push(format!(
                "Overdispersion φ = {:.3}, between-{by} spread of the rate τ = {} per 1,000{}; {} would be outside 99.8% without this allowance.",
                fit.phi,
                per_1000_text(fit.tau2.sqrt() * 1000.0),
                if fit.tau2 > 0.0 { " (limits widened)" } else { " (none: plain binomial limits)" },
                fit.outside_998_unadjusted
            ));
        }
        None => headline.push(format!(
            "Too few {by} values with deliveries (or no complaints at all) to compare: {} of them.",
            thousands(segments as u64)
        )),
    }
    let summary = json!({
        "segments": segments,
        "theta0": f.fit.as_ref().map(|f| f.theta0),
        "phi": f.fit.as_ref().map(|f| f.phi),
        "tau2": f.fit.as_ref().map(|f| f.tau2),
        "outside_998": outside_998,
        "expected_false_998": 0.002 * segments as f64,
        "outside_95": outside_95,
        "expected_false_95": 0.05 * segments as f64,
        "outside_998_unadjusted": f.fit.as_ref().map(|f| f.outside_998_unadjusted),
    });
    let figure = f.fit.as_ref().map(|fit| {
        let points: Vec<(String, u64, u64, Option<String>)> = (0..f.segments.len())
            .map(|i| {
                let (segment, counts) = &f.segments[i];
                (
                    segment_name(segment),
                    counts.deliveries,
                    counts.complaints,
                    f.flag(i).map(|fl| fl.as_str().to_string()),
                )
            })
            .collect();
        pictures::funnel(&points, fit)
    });
    Ok(View {
        title: format!("Complaint rate by {by}"),
        headline,
        summary,
        main: Grid { name: "segments".into(), columns, rows },
        extra: vec![],
        figure,
        notes: vec![],
    })
}

/// A per-1,000 figure in plain decimals with three significant digits
/// (0.0521, 1.37, 24.6), never in e-notation.
fn per_1000_text(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    let decimals = (2 - value.abs().log10().floor() as i32).clamp(0, 9) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_1000_figures_are_plain_decimals() {
        assert_eq!(per_1000_text(2.680e-9_f64.sqrt() * 1000.0), "0.0518");
        assert_eq!(per_1000_text(1.3712), "1.37");
        assert_eq!(per_1000_text(24.61), "24.6");
        assert_eq!(per_1000_text(0.0), "0");
    }
}
