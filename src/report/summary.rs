//! The report's machine-readable parts, built from its facts: the period
//! table with its fixed columns (docs/METHODS.md §3.9), and the JSON summary.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::metrics::customers::Concentration;
use crate::metrics::period_table::{Counts, PeriodRow, PeriodTable, RowSignal};
use crate::output::{Cell, Grid, TerminalColumn};
use crate::stats::verdict::Window;

use super::facts::{Facts, ForestCause};
use super::sentences::row_label;

/// Which counts the input can give: repeats need a customer, switches a
/// customer and a channel; the others are empty, never 0.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub repeats: bool,
    pub switches: bool,
}

/// A segment value as every output shows it: a blank one is `(blank)`,
/// never an empty cell that reads like the total row's.
pub fn segment_text(value: &str) -> String {
    if value.is_empty() { "(blank)".to_string() } else { value.to_string() }
}

/// A line of the period table: a period × segment row, or the total.
#[derive(Clone, Copy)]
enum Line<'a> {
    Row(&'a PeriodRow),
    Total(&'a Counts),
}

impl Line<'_> {
    fn counts(&self) -> &Counts {
        match self {
            Line::Row(row) => &row.counts,
            Line::Total(counts) => counts,
        }
    }
}

/// What a cell needs besides its line.
struct Context {
    z: f64,
    known: Known,
    /// The deliveries lack the segments: segment rows have no deliveries
    /// and no rate, but a share of their period's complaints.
    shares: bool,
    /// The phases' names, when phases are declared (else empty).
    phases: Vec<String>,
}

impl Context {
    /// A rate of a segment row is empty without its deliveries.
    fn rate(&self, line: &Line, value: Option<f64>) -> Cell {
        match line {
            Line::Row(_) if self.shares => Cell::Missing,
            _ => Cell::Fraction(value),
        }
    }
}

/// One column of the period table (docs/METHODS.md §3.9), defined once: its
/// name, its header on a terminal, how long it stays when the terminal is
/// too narrow (higher stays longer), and its cell. Every renderer reads the
/// table these make.
struct Column {
    name: &'static str,
    header: &'static str,
    keep: u8,
    cell: fn(&Line, &Context) -> Cell,
    /// Shown only when this holds (the share, without segment deliveries).
    when: fn(&Context) -> bool,
}

const ALWAYS: fn(&Context) -> bool = |_| true;

/// The columns after the period and the `--by` segments.
const COLUMNS: [Column; 16] = [
    Column {
        name: "phase",
        header: "phase",
        keep: 5,
        cell: |l, c| match l {
            Line::Row(row) => Cell::Text(c.phases[row.phase].clone()),
            Line::Total(_) => Cell::Text(String::new()),
        },
        when: |c| !c.phases.is_empty(),
    },
    Column {
        name: "deliveries",
        header: "deliveries",
        keep: 7,
        cell: |l, c| match l {
            Line::Row(_) if c.shares => Cell::Missing,
            _ => Cell::Int(l.counts().deliveries),
        },
        when: ALWAYS,
    },
    Column {
        name: "complaints",
        header: "complaints",
        keep: 8,
        cell: |l, _| Cell::Int(l.counts().complaints),
        when: ALWAYS,
    },
    Column {
        name: "complaint_rate",
        header: "rate",
        keep: 9,
        cell: |l, c| c.rate(l, l.counts().complaint_rate()),
        when: ALWAYS,
    },
    Column {
        name: "per_1000",
        header: "per 1,000",
        keep: 0,
        cell: |l, c| match c.rate(l, None) {
            Cell::Missing => Cell::Missing,
            _ => Cell::Number(l.counts().per_1000()),
        },
        when: ALWAYS,
    },
    Column {
        name: "rate_low",
        header: "low",
        keep: 4,
        cell: |l, c| c.rate(l, l.counts().rate_interval(c.z).map(|i| i.0)),
        when: ALWAYS,
    },
    Column {
        name: "rate_high",
        header: "high",
        keep: 4,
        cell: |l, c| c.rate(l, l.counts().rate_interval(c.z).map(|i| i.1)),
        when: ALWAYS,
    },
    Column {
        name: "repeat_complaints",
        header: "repeats",
        keep: 3,
        cell: |l, c| if c.known.repeats { Cell::Int(l.counts().repeat_complaints) } else { Cell::Missing },
        when: ALWAYS,
    },
    Column {
        name: "repeat_rate",
        header: "repeat %",
        keep: 2,
        cell: |l, c| if c.known.repeats { Cell::Fraction(l.counts().repeat_rate()) } else { Cell::Missing },
        when: ALWAYS,
    },
    Column {
        name: "problems",
        header: "problems",
        keep: 0,
        cell: |l, c| if c.known.repeats { Cell::Int(l.counts().problems()) } else { Cell::Missing },
        when: ALWAYS,
    },
    Column {
        name: "channel_switches",
        header: "switches",
        keep: 1,
        cell: |l, c| if c.known.switches { Cell::Int(l.counts().channel_switches) } else { Cell::Missing },
        when: ALWAYS,
    },
    Column {
        name: "switch_rate",
        header: "switch %",
        keep: 0,
        cell: |l, c| if c.known.switches { Cell::Fraction(l.counts().switch_rate()) } else { Cell::Missing },
        when: ALWAYS,
    },
    Column {
        name: "lcl",
        header: "lcl",
        keep: 0,
        cell: |l, _| {
            Cell::Fraction(match l {
                Line::Row(row) => row.limits.map(|x| x.lcl),
                Line::Total(_) => None,
            })
        },
        when: ALWAYS,
    },
    Column {
        name: "ucl",
        header: "ucl",
        keep: 5,
        cell: |l, _| {
            Cell::Fraction(match l {
                Line::Row(row) => row.limits.map(|x| x.ucl),
                Line::Total(_) => None,
            })
        },
        when: ALWAYS,
    },
    Column {
        name: "signal",
        header: "signal",
        keep: 6,
        cell: |l, _| match l {
            Line::Row(row) => {
                let signal = row.signal();
                Cell::signal(
                    signal.map(|s| s.as_str()).unwrap_or_default(),
                    signal.is_some_and(|s| s.is_alarm()),
                )
            }
            Line::Total(_) => Cell::signal("", false),
        },
        when: ALWAYS,
    },
    Column {
        name: "complaint_share",
        header: "share",
        keep: 8,
        cell: |l, _| match l {
            Line::Row(row) => Cell::Fraction(row.share),
            Line::Total(counts) => Cell::Fraction((counts.complaints > 0).then_some(1.0)),
        },
        when: |c| c.shares,
    },
];

/// One row per period × segment and a total row, and how each column shows
/// on a terminal; `z`: the normal quantile of the rate intervals. When the
/// deliveries do not carry the segments, the segment rows have no
/// deliveries and no rate but a share of their period's complaints
/// (`complaint_share`, the last column).
pub fn period_rows(table: &PeriodTable, z: f64, known: Known) -> (Grid, Vec<TerminalColumn>) {
    let phases = match table.phases.len() {
        0 | 1 => Vec::new(),
        _ => table.phases.iter().map(|p| p.label.clone()).collect(),
    };
    let context = Context { z, known, shares: table.period_deliveries.is_some(), phases };
    let shown: Vec<&Column> = COLUMNS.iter().filter(|c| (c.when)(&context)).collect();
    let mut columns = vec!["period_start".to_string(), "period_end".to_string()];
    columns.extend(table.by.iter().cloned());
    columns.extend(shown.iter().map(|c| c.name.to_string()));
    let mut terminal = vec![TerminalColumn::new("period_start", "period", 10)];
    terminal.extend(table.by.iter().map(|b| TerminalColumn::new(b, b, 9)));
    terminal
        .extend(shown.iter().filter(|c| c.keep > 0).map(|c| TerminalColumn::new(c.name, c.header, c.keep)));
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    for row in &table.rows {
        let mut cells = vec![
            Cell::Period { start: row.start, label: table.period.label(row.start) },
            Cell::Date(row.end),
        ];
        cells.extend(row.segment.iter().map(|s| Cell::Text(segment_text(s))));
        cells.extend(shown.iter().map(|c| (c.cell)(&Line::Row(row), &context)));
        rows.push(cells);
    }
    let mut total = vec![Cell::Text("total".into()), Cell::Text(String::new())];
    total.extend(table.by.iter().map(|_| Cell::Text(String::new())));
    total.extend(shown.iter().map(|c| (c.cell)(&Line::Total(&table.total), &context)));
    rows.push(total);
    (Grid { name: "periods".into(), columns, rows }, terminal)
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

/// The `verdict` member of the JSON report: the word, the headline and the
/// reasons, and the typed facts they tell of (what is out of line, the
/// shifts, changes in the export), for machines to read.
pub fn verdict_json(facts: &Facts, headline: &str, reasons: &[String]) -> Value {
    let period = facts.table.period;
    let out_of_line: Vec<Value> = facts
        .out_of_line
        .iter()
        .map(|o| json!({ "segment": o.segment, "complaint_rate": o.rate, "side": if o.high { "high" } else { "low" } }))
        .collect();
    let shifts: Vec<Value> = facts
        .shifts
        .iter()
        .map(|s| {
            json!({
                "segment": s.segment,
                "side": if s.above { "above" } else { "below" },
                "from": period.label(s.start),
                "longest_run": s.runs.longest_run,
                "longest_run_limit": s.runs.longest_run_limit,
                "crossings": s.runs.crossings,
                "crossings_limit": s.runs.crossings_limit,
                "expected_per_period": s.expected_per_period,
                "small_segment": s.small(),
            })
        })
        .collect();
    let export_changes: Vec<Value> = facts
        .export_changes
        .iter()
        .map(|c| {
            json!({
                "segment": c.segment,
                "day": c.day.to_string(),
                "change": if c.starts { "start" } else { "stop" },
                "quiet_days": c.quiet_days,
                "quiet_complaints": c.change.quiet,
                "expected": c.change.expected,
                "ratio": c.change.ratio.is_finite().then_some(c.change.ratio),
                "p_value": c.change.p_value,
            })
        })
        .collect();
    let steps: Vec<Value> = facts
        .steps
        .iter()
        .map(|s| {
            json!({
                "segment": facts.segments.get(s.unit).filter(|seg| !seg.is_empty()),
                "start": s.start.to_string(),
                "period": period.label(s.start),
                "ratio": s.ratio,
                "recent_rise": s.recent.as_str(),
            })
        })
        .collect();
    let table = &facts.table;
    let window = json!({
        "phase": (table.phases.len() > 1).then(|| {
            let p = &table.phases[facts.window.from_phase];
            json!({ "label": p.label, "start": p.start.to_string() })
        }),
        "short_phase": facts.window.short_phase.map(|(phase, periods)| {
            json!({ "label": table.phases[phase].label, "start": table.phases[phase].start.to_string(), "periods": periods })
        }),
        "baseline": facts.window.baseline.map(|(first, last, periods)| {
            json!({ "first": first.to_string(), "last": last.to_string(), "periods": periods })
        }),
    });
    json!({
        "verdict": facts.verdict.as_str(),
        "cause": facts.forest_cause().map(|c| match c {
            ForestCause::Rise(_) => "rise",
            ForestCause::Step(_) => "step",
            ForestCause::Trend(_) => "trend",
        }),
        "headline": headline,
        "reasons": reasons,
        "out_of_line": out_of_line,
        "shifts": shifts,
        "export_changes": export_changes,
        "steps": steps,
        "window": window,
    })
}

/// The `summary` member of the JSON report.
pub fn summary_json(facts: &Facts, z: f64) -> Value {
    let table = &facts.table;
    let t = &table.total;
    let interval = t.rate_interval(z);
    let count_signal = |s: RowSignal| table.rows.iter().filter(|r| r.signal() == Some(s)).count();
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
    let cost = facts.cost.map(|c| {
        json!({
            "minutes_per_complaint": c.minutes_per_complaint,
            "cost_per_hour": c.cost_per_hour,
            "repeat_hours": c.repeat_hours,
            "switch_hours": c.switch_hours,
            "repeat_cost": c.repeat_money(),
            "switch_cost": c.switch_money(),
        })
    });
    let (repeats, switches) = (facts.input.knows_repeats(), facts.input.knows_switches());
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
        // What the exports cannot tell (counted complaints, no customer or
        // channel column) is null, never 0, as in the period rows.
        "repeat_complaints": repeats.then_some(t.repeat_complaints),
        "repeat_rate": repeats.then(|| t.repeat_rate()).flatten(),
        "problems": repeats.then(|| t.problems()),
        "channel_switches": switches.then_some(t.channel_switches),
        "switch_rate": switches.then(|| t.switch_rate()).flatten(),
        "rows_without_deliveries": facts.rows_without_deliveries,
        "rows_above": count_signal(RowSignal::Above),
        "rows_below": count_signal(RowSignal::Below),
        "rows_shift": count_signal(RowSignal::Shift),
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
