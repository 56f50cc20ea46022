//! `report`: the whole picture. Complaints per delivery per period (and
//! segment), repeat contact and channel switching, control limits and run
//! rules, the trend against volume, concentration in a few customers, the
//! verdict — forest or bushes — with the facts behind it, and the ledger.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use super::Output;
use crate::cli::ReportArgs;
use crate::input::Role;
use crate::metrics::customers::{Concentration, concentration, customer_rows};
use crate::metrics::dataset::{Attribution, Dataset};
use crate::metrics::period_table::{self, Counts, PeriodTable};
use crate::output::chart::{ControlPanel, ControlPoint, Figure};
use crate::output::table::{ledger_line, percent, thousands};
use crate::output::{Cell, Document, Table};
use crate::stats::funnel::quantile_type7;
use crate::stats::glm::{Trend, poisson_trend};
use crate::stats::laney::{Chart, Signal};
use crate::stats::verdict::{RECENT_PERIODS, TREND_MIN_PERIODS, Verdict, decide, trend_says_forest};
use crate::stats::z_for_confidence;

pub const EXAMPLES: &str = "\
Examples:
  Weekly complaint rate, repeats, channel switches and the verdict:
    complaint-rate report --complaints complaints.csv --deliveries deliveries.csv

  Per month and region, as CSV for a spreadsheet:
    complaint-rate report --complaints c.csv --deliveries d.parquet --period month --by region -o report.csv

  Repeats within 3 days about the same order, from 1 January:
    complaint-rate report --complaints c.csv --deliveries d.csv --window-days 3 \\
        --repeat-key customer+order --from 2025-01-01

  Complaints counted in the week of their delivery, with the cost of repeats:
    complaint-rate report --complaints c.csv --deliveries d.csv --attribute delivery \\
        --minutes-per-complaint 6 --cost-per-hour 30";

/// The survey caution of SPEC §3, printed once wherever repeats are shown.
pub const SURVEY_CAUTION: &str = "Caution: survey figures such as \"57% had to switch from web to phone, \
62% had to contact more than once\" (HBR 2010) are shares of surveyed customers who contacted service, \
not of all customers or deliveries. Switch rates from a complaints export are lower bounds: failed \
self-service leaves no row in it.";

pub fn run(args: &ReportArgs) -> Result<u8> {
    let output = Output::prepare(&args.output, true)?;
    let input = &args.input;
    for (name, value) in
        [("--minutes-per-complaint", args.minutes_per_complaint), ("--cost-per-hour", args.cost_per_hour)]
    {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            bail!("{name} must be a number ≥ 0");
        }
    }
    let options = input.dataset_options()?;
    let data = output.load(input, &options)?;
    let maturity = maturity(args, &data);
    let Some(table) = period_table::build(
        &data.complaints.records,
        &data.contacts,
        &data.deliveries.counts,
        input.period,
        &input.by,
        args.limits,
        maturity.map(|m| m.mature_until),
    ) else {
        bail!(
            "nothing to report: no complaint or delivery row has a usable time{}. {} {}",
            if options.input.range == Default::default() { "" } else { " inside --from/--to" },
            ledger_line(&data.complaints.ledger),
            ledger_line(&data.deliveries.ledger)
        );
    };
    let facts = Facts::gather(args, &data, &table, maturity)?;
    output.write(&document(args, &data, &table, &facts))?;
    Ok(alarm(args, &table, &facts))
}

/// `--fail-on forest` / `--fail-above RATE`: 1 and one line on stderr when an
/// alarm fires, else 0.
fn alarm(args: &ReportArgs, table: &PeriodTable, facts: &Facts) -> u8 {
    let mut fired = Vec::new();
    if args.fail_on.as_deref() == Some("forest") && facts.verdict == Verdict::Forest {
        let why = facts.reasons.get(1).cloned().unwrap_or_default();
        fired.push(format!("verdict is forest: {why}"));
    }
    if let Some(limit) = args.fail_above {
        let latest = per_period(table).into_iter().rev().find(|(_, c)| c.deliveries > 0);
        if let Some((start, counts)) = latest
            && let Some(rate) = counts.complaint_rate()
            && rate > limit
        {
            fired.push(format!(
                "the latest {} ({}) has a complaint rate of {} ({} of {}), above {}",
                table.period.name(),
                table.period.label(start),
                percent(rate),
                thousands(counts.complaints),
                thousands(counts.deliveries),
                percent(limit)
            ));
        }
    }
    for line in &fired {
        eprintln!("complaint-rate: alarm: {line}");
    }
    u8::from(!fired.is_empty())
}

/// Counts per period over all segments (mature and immature alike).
fn per_period(table: &PeriodTable) -> Vec<(NaiveDate, Counts)> {
    let mut map: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
    for row in &table.rows {
        let c = map.entry(row.start).or_default();
        c.deliveries += row.counts.deliveries;
        c.complaints += row.counts.complaints;
        c.repeat_complaints += row.counts.repeat_complaints;
        c.channel_switches += row.counts.channel_switches;
    }
    map.into_iter().collect()
}

/// "Rate per week: ▂▃▅▇▃▂" over all segments, when there are several periods.
fn sparkline(table: &PeriodTable) -> Option<String> {
    let periods = per_period(table);
    let rates: Vec<Option<f64>> = periods.iter().map(|(_, c)| c.complaint_rate()).collect();
    let max = rates.iter().flatten().copied().fold(0.0, f64::max);
    if periods.len() < 3 || max <= 0.0 {
        return None;
    }
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let bars: String = rates
        .iter()
        .map(|r| match r {
            Some(v) => BARS[((v / max) * 7.0).round() as usize],
            None => ' ',
        })
        .collect();
    Some(format!(
        "Rate per {}: {bars}  ({} … {}, highest {})",
        table.period.name(),
        table.period.label(periods[0].0),
        table.period.label(periods[periods.len() - 1].0),
        percent(max)
    ))
}

/// The p′ control chart: one panel per segment.
fn control_figure(table: &PeriodTable) -> Figure {
    let starts: Vec<NaiveDate> =
        table.rows.iter().map(|r| r.start).collect::<BTreeSet<_>>().into_iter().collect();
    let segments: BTreeSet<&Vec<String>> = table.rows.iter().map(|r| &r.segment).collect();
    let panels = segments
        .into_iter()
        .map(|segment| {
            let rows: Vec<_> = table.rows.iter().filter(|r| &r.segment == segment).collect();
            let (x, n) = rows
                .iter()
                .filter(|r| !r.immature)
                .fold((0u64, 0u64), |(x, n), r| (x + r.counts.complaints, n + r.counts.deliveries));
            ControlPanel {
                title: if segment.is_empty() { "All deliveries".into() } else { segment.join("/") },
                points: rows
                    .iter()
                    .map(|r| ControlPoint {
                        rate: r.counts.complaint_rate(),
                        lcl: r.limits.map(|l| l.lcl),
                        ucl: r.limits.map(|l| l.ucl),
                        flagged: matches!(r.signal(), "above" | "below"),
                    })
                    .collect(),
                centre: (n > 0).then(|| x as f64 / n as f64),
            }
        })
        .collect();
    Figure::Control { period_labels: starts.iter().map(|d| table.period.label(*d)).collect(), panels }
}

#[derive(Clone, Copy, Debug)]
struct Maturity {
    days: u32,
    mature_until: NaiveDate,
}

/// With `--attribute delivery`: periods ending after (as-of − maturity days)
/// are immature. Default maturity: the 90th percentile of complaint lag.
fn maturity(args: &ReportArgs, data: &Dataset) -> Option<Maturity> {
    if args.input.attribute != Attribution::Delivery {
        return None;
    }
    let days = args.maturity_days.unwrap_or_else(|| {
        let mut lags = data.lag_days.clone();
        lags.sort_by(f64::total_cmp);
        if lags.is_empty() { 0 } else { quantile_type7(&lags, 0.9).max(0.0).ceil() as u32 }
    });
    let as_of = args.input.as_of.or_else(|| data.complaints.records.iter().map(|c| c.time.date()).max())?;
    Some(Maturity { days, mature_until: as_of - Days::new(u64::from(days)) })
}

/// Everything the verdict and the summary say, computed once.
struct Facts {
    trend: Option<Trend>,
    concentration: Option<Concentration>,
    /// Rows above their UCL among the latest periods with deliveries.
    recent_above: Vec<String>,
    recent_periods: Vec<String>,
    verdict: Verdict,
    reasons: Vec<String>,
    maturity: Option<Maturity>,
}

impl Facts {
    fn gather(
        args: &ReportArgs,
        data: &Dataset,
        table: &PeriodTable,
        maturity: Option<Maturity>,
    ) -> Result<Facts> {
        let period = table.period;
        // Per period (all segments together), mature periods only.
        let mut per_period: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
        for row in table.rows.iter().filter(|r| !r.immature) {
            let c = per_period.entry(row.start).or_default();
            c.deliveries += row.counts.deliveries;
            c.complaints += row.counts.complaints;
        }
        let x: Vec<u64> = per_period.values().map(|c| c.complaints).collect();
        let n: Vec<u64> = per_period.values().map(|c| c.deliveries).collect();
        let trend = poisson_trend(&x, &n);

        let recent: Vec<NaiveDate> = per_period
            .iter()
            .filter(|(_, c)| c.deliveries > 0)
            .map(|(d, _)| *d)
            .rev()
            .take(RECENT_PERIODS)
            .collect();
        let recent_above: Vec<String> = table
            .rows
            .iter()
            .filter(|r| recent.contains(&r.start) && r.limits.and_then(|l| l.signal) == Some(Signal::Above))
            .map(|r| row_label(table, r.start, &r.segment))
            .collect();
        let recent_periods = recent.iter().rev().map(|d| period.label(*d)).collect();

        let concentration = if data.complaints.roles.get(Role::Customer).is_some() {
            // Over complainants only: per-customer deliveries (for the chance
            // baseline) cost a second pass over the deliveries, left to `customers`.
            let p_bar = table.total.complaint_rate();
            let rows = customer_rows(&data.complaints.records, None, p_bar);
            Some(concentration(&rows, p_bar))
        } else {
            None
        };
        let verdict = decide(&recent_above, trend.as_ref());
        let mut facts =
            Facts { trend, concentration, recent_above, recent_periods, verdict, reasons: vec![], maturity };
        facts.reasons = reasons(args, table, &facts);
        Ok(facts)
    }
}

fn row_label(table: &PeriodTable, start: NaiveDate, segment: &[String]) -> String {
    let period = table.period.label(start);
    if segment.is_empty() { period } else { format!("{period} {}", segment.join("/")) }
}

fn fmt_rate(rate: Option<f64>) -> String {
    rate.map(percent).unwrap_or_else(|| "undefined".into())
}

/// "1 in 1,000" for a ratio of deliveries per complaint.
fn one_in(deliveries_per_complaint: Option<f64>) -> String {
    match deliveries_per_complaint {
        Some(r) => format!("1 in {}", thousands(r.round() as u64)),
        None => "none".into(),
    }
}

/// The facts behind the verdict, as plain sentences.
fn reasons(args: &ReportArgs, table: &PeriodTable, facts: &Facts) -> Vec<String> {
    let t = &table.total;
    let input = &args.input;
    let unit = table.period.name();
    let mut out = vec![format!(
        "{} complaints per {} deliveries from {} to {}: {}, {}.",
        thousands(t.complaints),
        thousands(t.deliveries),
        table.first_date,
        table.last_date,
        fmt_rate(t.complaint_rate()),
        one_in(t.one_in()),
    )];
    if facts.recent_above.is_empty() {
        out.push(format!(
            "None of the latest {unit}s ({}) is above its upper control limit{}.",
            facts.recent_periods.join(", "),
            if input.by.is_empty() { String::new() } else { format!(" in any {}", input.by.join("/")) },
        ));
    } else {
        let details: Vec<String> = table
            .rows
            .iter()
            .filter(|r| facts.recent_above.contains(&row_label(table, r.start, &r.segment)))
            .map(|r| {
                format!(
                    "{} at {} against an upper limit of {}",
                    row_label(table, r.start, &r.segment),
                    fmt_rate(r.counts.complaint_rate()),
                    fmt_rate(r.limits.map(|l| l.ucl))
                )
            })
            .collect();
        out.push(format!("Out of line recently (above the upper control limit): {}.", details.join("; ")));
    }
    let earlier: Vec<String> = table
        .rows
        .iter()
        .filter(|r| r.limits.and_then(|l| l.signal).is_some())
        .map(|r| format!("{} ({})", row_label(table, r.start, &r.segment), r.signal()))
        .filter(|l| !facts.recent_above.iter().any(|a| l.starts_with(a.as_str())))
        .collect();
    if !earlier.is_empty() {
        let shown = earlier.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        let more =
            if earlier.len() > 10 { format!(" and {} more", earlier.len() - 10) } else { String::new() };
        out.push(format!("Earlier {unit}s outside their limits: {shown}{more}."));
    }
    for r in table.runs.iter().filter(|r| r.runs.shift) {
        let label = if r.segment.is_empty() { String::new() } else { format!(" in {}", r.segment.join("/")) };
        out.push(format!(
            "A sustained shift{label}: {} {unit}s in a row on one side of the average (more than {} is unusual), {} crossings of it (fewer than {} is unusual).",
            r.runs.longest_run, r.runs.longest_run_limit, r.runs.crossings, r.runs.crossings_limit
        ));
    }
    match &facts.trend {
        Some(trend) => {
            let ci = format!("95% CI {:.2}–{:.2}", trend.ci95.0, trend.ci95.1);
            let sentence = if trend_says_forest(Some(trend)) {
                format!(
                    "Complaints grow faster than deliveries: each 1% more deliveries brings {:.2}% more complaints ({ci}, p = {:.3}).",
                    trend.slope, trend.p_slope_is_one
                )
            } else if trend.ci95.1 < 1.0 {
                format!("Complaints grow more slowly than deliveries (slope {:.2}, {ci}).", trend.slope)
            } else {
                format!(
                    "Complaints move in proportion to deliveries (slope {:.2}, {ci}{}).",
                    trend.slope,
                    if trend.periods < TREND_MIN_PERIODS { ", too few periods to call a trend" } else { "" }
                )
            };
            out.push(sentence);
        }
        None => out.push(format!("Too few {unit}s with deliveries for a trend (needs 4).")),
    }
    match &facts.concentration {
        Some(c) if c.complainants > 0 => {
            let mut s = format!(
                "{} customers complained; the top 1% of them made {} of complaints and {} customers made half.",
                thousands(c.complainants),
                fmt_rate(c.top_1pct_share),
                thousands(c.customers_for_half)
            );
            if let Some(expected) = c.expected_repeat_complainers {
                s.push_str(&format!(
                    " {} customers complained twice or more, against {:.1} expected if every delivery had the same chance.",
                    thousands(c.observed_repeat_complainers),
                    expected
                ));
            } else {
                s.push_str(&format!(
                    " {} complained twice or more.",
                    thousands(c.observed_repeat_complainers)
                ));
            }
            out.push(s);
        }
        _ => out.push(
            "Concentration and repeats need a customer column; the complaints have none \
             (name it with --col complaints.customer=COLUMN)."
                .into(),
        ),
    }
    if facts.concentration.is_some() {
        let mut s = format!(
            "{} of the complaints ({}) were repeat contacts within {} days by the same {}",
            thousands(t.repeat_complaints),
            fmt_rate(t.repeat_rate()),
            input.window_days,
            input.repeat_key.name(),
        );
        if args.input.attribute == Attribution::Complaint {
            s.push_str(&format!(
                "; {} problems were first contacts ({})",
                thousands(t.problems()),
                one_in(Counts { complaints: t.problems(), ..*t }.one_in())
            ));
        }
        s.push('.');
        out.push(s);
        out.push(format!(
            "{} repeat contacts ({} of repeats) switched channel, e.g. from the web form to the phone.",
            thousands(t.channel_switches),
            fmt_rate(t.switch_rate())
        ));
    }
    if let Some(minutes) = args.minutes_per_complaint {
        let repeat_hours = t.repeat_complaints as f64 * minutes / 60.0;
        let switch_hours = t.channel_switches as f64 * minutes / 60.0;
        let money =
            |hours: f64| args.cost_per_hour.map(|h| format!(" ({:.2})", hours * h)).unwrap_or_default();
        out.push(format!(
            "Avoidable work at {minutes} minutes a complaint: {repeat_hours:.1} hours on repeat contacts{}, {switch_hours:.1} hours of them on channel switches{}.",
            money(repeat_hours),
            money(switch_hours)
        ));
    }
    let undefined = table.rows.iter().filter(|r| r.counts.deliveries == 0 && r.counts.complaints > 0).count();
    if undefined > 0 {
        out.push(format!(
            "{undefined} row(s) have complaints but no deliveries: their rate is undefined (left empty)."
        ));
    }
    if let Some(m) = facts.maturity {
        out.push(format!(
            "Counted by delivery date: {unit}s ending after {} are immature (complaints still arrive for {} days) and are left out of limits and the verdict.",
            m.mature_until, m.days
        ));
    }
    out
}

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

fn count_cells(counts: &Counts, z: f64) -> Vec<Cell> {
    let interval = counts.rate_interval(z);
    vec![
        Cell::Int(counts.deliveries),
        Cell::Int(counts.complaints),
        Cell::Fraction(counts.complaint_rate()),
        Cell::Number(counts.per_1000()),
        Cell::Fraction(interval.map(|i| i.0)),
        Cell::Fraction(interval.map(|i| i.1)),
        Cell::Int(counts.repeat_complaints),
        Cell::Fraction(counts.repeat_rate()),
        Cell::Int(counts.problems()),
        Cell::Int(counts.channel_switches),
        Cell::Fraction(counts.switch_rate()),
    ]
}

fn period_rows(table: &PeriodTable, z: f64) -> Table {
    let mut columns = vec!["period_start".to_string(), "period_end".to_string()];
    columns.extend(table.by.iter().cloned());
    columns.extend(COLUMNS_AFTER_SEGMENT.iter().map(|c| c.to_string()));
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    for row in &table.rows {
        let mut cells = vec![Cell::Date(row.start), Cell::Date(row.end)];
        cells.extend(row.segment.iter().map(|s| Cell::Text(s.clone())));
        cells.extend(count_cells(&row.counts, z));
        cells.push(Cell::Fraction(row.limits.map(|l| l.lcl)));
        cells.push(Cell::Fraction(row.limits.map(|l| l.ucl)));
        cells.push(Cell::Text(row.signal().to_string()));
        rows.push(cells);
    }
    let mut total = vec![Cell::Text("total".into()), Cell::Text(String::new())];
    total.extend(table.by.iter().map(|_| Cell::Text(String::new())));
    total.extend(count_cells(&table.total, z));
    total.extend([Cell::Fraction(None), Cell::Fraction(None), Cell::Text(String::new())]);
    rows.push(total);
    Table { name: "periods".into(), columns, rows }
}

fn summary(args: &ReportArgs, table: &PeriodTable, facts: &Facts, z: f64) -> Value {
    let t = &table.total;
    let interval = t.rate_interval(z);
    let count_signal = |s: &str| table.rows.iter().filter(|r| r.signal() == s).count();
    let concentration = facts.concentration.as_ref().map(|c| {
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
    });
    let trend = facts.trend.as_ref().map(|tr| {
        json!({
            "slope": tr.slope,
            "se": tr.se,
            "se_unscaled": tr.se_unscaled,
            "dispersion": tr.dispersion,
            "ci95_low": tr.ci95.0,
            "ci95_high": tr.ci95.1,
            "p_slope_is_1": tr.p_slope_is_one,
            "periods": tr.periods,
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
    let cost = args.minutes_per_complaint.map(|m| {
        let hours = |count: u64| count as f64 * m / 60.0;
        json!({
            "minutes_per_complaint": m,
            "cost_per_hour": args.cost_per_hour,
            "repeat_hours": hours(t.repeat_complaints),
            "switch_hours": hours(t.channel_switches),
            "repeat_cost": args.cost_per_hour.map(|h| hours(t.repeat_complaints) * h),
            "switch_cost": args.cost_per_hour.map(|h| hours(t.channel_switches) * h),
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
        "rows_without_deliveries": table.rows.iter().filter(|r| r.counts.deliveries == 0 && r.counts.complaints > 0).count(),
        "rows_above": count_signal("above"),
        "rows_below": count_signal("below"),
        "rows_shift": count_signal("shift"),
        "rows_immature": table.rows.iter().filter(|r| r.immature).count(),
        "mature_until": facts.maturity.map(|m| m.mature_until.to_string()),
        "recent_periods": facts.recent_periods,
        "recent_above": facts.recent_above,
        "trend": trend,
        "runs": runs,
        "concentration": concentration,
        "cost": cost,
    })
}

fn document(args: &ReportArgs, data: &Dataset, table: &PeriodTable, facts: &Facts) -> Document {
    let input = &args.input;
    let z = z_for_confidence(input.confidence);
    let mut terminal_columns: Vec<String> = vec!["period_start".into()];
    terminal_columns.extend(input.by.iter().cloned());
    terminal_columns.extend(
        [
            "deliveries",
            "complaints",
            "complaint_rate",
            "rate_low",
            "rate_high",
            "repeat_complaints",
            "repeat_rate",
            "channel_switches",
            "ucl",
            "signal",
        ]
        .map(String::from),
    );
    let roles = |roles: &crate::input::Roles| -> Value {
        roles
            .columns
            .iter()
            .map(|(role, column)| (role.to_string(), json!(column)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let headline = match facts.verdict {
        Verdict::Forest => "Verdict: FOREST — something is truly out of line, beyond routine noise.",
        Verdict::Bushes => "Verdict: bushes — nothing is out of line beyond routine noise.",
    };
    let mut lines = vec![headline.to_string()];
    lines.extend(facts.reasons.iter().map(|r| format!("  • {r}")));
    if let Some(line) = sparkline(table) {
        lines.push(line);
    }
    let has_customers = data.complaints.roles.get(Role::Customer).is_some();
    Document {
        title: format!("Complaint rate per {}", table.period.name()),
        verdict: Some(facts.verdict),
        figure: Some(control_figure(table)),
        headline: if args.output.quiet { vec![] } else { lines },
        json_whole: None,
        json_head: vec![
            ("summary".into(), summary(args, table, facts, z)),
            ("verdict".into(), json!({ "verdict": facts.verdict.as_str(), "reasons": facts.reasons })),
        ],
        main: period_rows(table, z),
        extra: vec![],
        terminal_columns: Some(terminal_columns),
        notes: if has_customers && !args.output.quiet { vec![SURVEY_CAUTION.to_string()] } else { vec![] },
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters: json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "period": input.period.name(),
            "by": input.by,
            "from": input.from.map(|d| d.to_string()),
            "to": input.to.map(|d| d.to_string()),
            "tz": input.tz,
            "window_days": input.window_days,
            "repeat_key": input.repeat_key.name(),
            "attribute": match input.attribute { Attribution::Complaint => "complaint", Attribution::Delivery => "delivery" },
            "maturity_days": facts.maturity.map(|m| m.days),
            "confidence": input.confidence,
            "limits": match args.limits { Chart::LaneyPPrime => "laney", Chart::P => "p" },
            "complaint_columns": roles(&data.complaints.roles),
            "complaint_time_format": data.complaints.time.layout.describe(),
            "delivery_columns": roles(&data.deliveries.roles),
            "delivery_time_format": data.deliveries.time.layout.describe(),
        }),
    }
}
