//! `report`: the whole picture. Complaints per delivery per period (and
//! segment), repeat contact and channel switching, control limits and run
//! rules, the trend against volume, concentration in a few customers, the
//! verdict — forest or bushes — with the facts behind it, and the ledger.
//!
//! Flow: flags → options → dataset → period table → facts (`report::facts`)
//! → sentences and summary → document → output.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::ValueEnum;
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, LimitsArg, OutputArgs, parse_rate};
use crate::input::DatasetOptions;
use crate::input::deliveries::per_customer::deliveries_per_customer;
use crate::metrics::customers::{Exposures, complaints_per_customer, concentration as concentration_of};
use crate::metrics::dataset::Dataset;
use crate::metrics::period_table::{self, PeriodTable, Sides, TableSpec};
use crate::output::table::{ledger_line, percent, thousands};
use crate::output::{Document, Section};
use crate::phases::{Baseline, Note, PhaseStart, Stages};
use crate::report::facts::{self, Facts};
use crate::report::sentences::{self, SURVEY_CAUTION};
use crate::report::summary::{self, Known};
use crate::report::{View, categories, concentration, contacts, pictures, segments};
use crate::stats::laney::Chart;
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
        --minutes-per-complaint 6 --cost-per-hour 30

  Deliveries counted where they live, in PostgreSQL (no raw row is copied):
    PGPASSWORD=… complaint-rate report --complaints c.csv \\
        --deliveries 'postgresql://report@db.internal/shop?table=sales.deliveries' --by depot";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Control limits: Laney p′ (allows for routine week-to-week variation) or the plain p-chart.
    #[arg(long, value_enum, default_value_t = LimitsArg::Laney, help_heading = "Statistics")]
    pub limits: LimitsArg,
    /// A new phase begins with the first period starting on or after DATE (the process or the export
    /// changed): each phase gets its own centre line and limits, and the verdict, the trend and the
    /// segment comparison use the current one; DATE=LABEL names it (repeatable; also [[phase]] in the
    /// config file).
    #[arg(long = "phase", value_name = "DATE[=LABEL]", help_heading = "Statistics")]
    pub phases: Vec<PhaseStart>,
    /// Centre line and limits from the periods starting FROM..TO, carried forward; the latest periods
    /// are compared with them.
    #[arg(long, value_name = "FROM..TO", help_heading = "Statistics")]
    pub baseline: Option<Baseline>,
    /// An event to mark on the charts (a campaign, a holiday, a system change); changes no number
    /// (repeatable; also [[note]] in the config file).
    #[arg(long = "note", value_name = "DATE=TEXT", help_heading = "Statistics")]
    pub notes: Vec<Note>,
    /// With --attribute delivery: periods younger than this many days are immature (default: the 90th percentile of complaint lag).
    #[arg(long, value_name = "DAYS", help_heading = "Statistics")]
    pub maturity_days: Option<u32>,
    /// Exit 1 (after writing the output) when the verdict is forest: for cron.
    #[arg(long, value_enum, value_name = "VERDICT", help_heading = "Alarms")]
    pub fail_on: Option<FailOn>,
    /// Exit 1 when the latest period's complaint rate is above RATE (0.002, 0.2% or 2/1000).
    #[arg(long, value_name = "RATE", value_parser = parse_rate, help_heading = "Alarms")]
    pub fail_above: Option<f64>,
    /// Handling time of one complaint, to cost repeat contacts and switches in hours.
    #[arg(long, value_name = "MINUTES", help_heading = "Cost")]
    pub minutes_per_complaint: Option<f64>,
    /// Cost of an hour of handling, to cost repeat contacts and switches in money.
    #[arg(long, value_name = "AMOUNT", requires = "minutes_per_complaint", help_heading = "Cost")]
    pub cost_per_hour: Option<f64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--fail-on`: which verdict is an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Forest,
}

pub fn run(args: &Args) -> Result<u8> {
    let output = Output::prepare(&args.output, true)?;
    for (name, value) in
        [("--minutes-per-complaint", args.minutes_per_complaint), ("--cost-per-hour", args.cost_per_hour)]
    {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            bail!("{name} must be a number ≥ 0");
        }
    }
    let mut options = args.input.resolve()?;
    // The concentration facts compare complainers with deliveries per customer.
    options.per_customer = true;
    // Only the HTML report has a categories section.
    options.categories = output.is_html();
    let config = args.input.config()?;
    let stages = stages(args, &config.phases()?)?;
    let notes = merged_notes(&config.notes()?, &args.notes);
    let data = output.load(&options)?;
    let maturity = facts::maturity(&options, args.maturity_days, &data);
    let days = data.counted_days(options.range);
    let by = options.by_names();
    let spec = TableSpec {
        period: data.period,
        by: &by,
        chart: args.limits.into(),
        mature_until: maturity.map(|m| m.mature_until),
        window: Some((days.from.unwrap_or(NaiveDate::MIN), days.to.unwrap_or(NaiveDate::MAX))),
        stages: &stages,
    };
    let Some(table) = period_table::build(&Sides::of(&data), &spec) else {
        bail!(
            "nothing to report: no complaint or delivery row has a usable time{}. {} {}",
            if options.range == Default::default() { "" } else { " inside --from/--to" },
            ledger_line(&data.complaints.ledger),
            ledger_line(&data.deliveries.ledger)
        );
    };
    check_stages(&table, &stages, &notes)?;
    // Deliveries per customer, counted once for the facts and the HTML section.
    let p_bar = table.total.complaint_rate();
    let per_customer = match data.complaints.has_customers() {
        true => deliveries_per_customer(&data.deliveries_source, &data.deliveries, days)?,
        false => None,
    };
    let not_customers = data.complaints.not_customers();
    let exposures =
        per_customer.as_deref().map(|deliveries| Exposures { deliveries, not_customers: &not_customers });
    let concentration = data.complaints.has_customers().then(|| {
        let counts = complaints_per_customer(&data.complaints.records, &data.complaints.customers);
        concentration_of(&counts, &data.complaints.customers, exposures, p_bar)
    });
    let cost = args.minutes_per_complaint.map(|m| (m, args.cost_per_hour));
    let facts = Facts::gather(&options, &data, table, maturity, concentration, cost);
    if options.strict
        && let Some(first) = facts.implausible.first()
    {
        bail!("--strict: {}", sentences::implausible_sentence(&facts, first));
    }
    let mut document = document(args, &data, &facts, &notes);
    if output.is_html() {
        document.sections = sections(&data, &options, &facts, exposures, p_bar)?;
    }
    output.write(&document)?;
    Ok(alarm(args, &facts))
}

/// The HTML report's further sections, in reading order: segments (with
/// `--by`), repeats and switches, concentration, categories — each the view
/// its own command gives, from what the report computed already.
fn sections(
    data: &Dataset,
    options: &DatasetOptions,
    facts: &Facts,
    exposures: Option<Exposures>,
    p_bar: Option<f64>,
) -> Result<Vec<Section>> {
    let section = |id: &str, title: &str, view: View| Section {
        id: id.into(),
        title: title.into(),
        sentences: view.headline,
        figure: view.figure,
        table: Some(view.main),
    };
    let mut out = Vec::new();
    if !options.by.is_empty() && facts.table.period_deliveries.is_none() {
        let by = options.by_names().join("/");
        out.push(section("segments", &format!("Which {by} is out of line"), segments::view(data, options)?));
    }
    if let Some(c) = &facts.concentration {
        out.push(section("repeats", "Repeat contacts and channel switches", contacts::view(data, options)));
        out.push(section(
            "concentration",
            "Concentration in a few customers",
            concentration::view_of(data, 10, exposures, p_bar, c),
        ));
    }
    if let Some(view) = categories::view(data) {
        out.push(section("categories", "Categories: which few make most complaints", view));
    }
    Ok(out)
}

/// `--fail-on forest` / `--fail-above RATE`: 1 and one line on stderr when an
/// alarm fires, else 0. What the line says comes from the typed facts: the
/// rise (unit, periods, p-value) or the trend that made the forest.
fn alarm(args: &Args, facts: &Facts) -> u8 {
    let mut fired = Vec::new();
    if args.fail_on == Some(FailOn::Forest)
        && let Some(cause) = sentences::forest_cause(facts)
    {
        fired.push(format!("verdict is forest: {cause}"));
    }
    if let Some(limit) = args.fail_above
        && let Some(latest) = facts.latest()
        && let Some(rate) = latest.counts.complaint_rate()
        && rate > limit
    {
        let period = facts.table.period;
        fired.push(format!(
            "the latest whole {} ({}) has a complaint rate of {} ({} of {}), above {}",
            period.name(),
            period.label(latest.start),
            percent(rate),
            thousands(latest.counts.complaints),
            thousands(latest.counts.deliveries),
            percent(limit)
        ));
    }
    for line in &fired {
        eprintln!("complaint-rate: alarm: {line}");
    }
    u8::from(!fired.is_empty())
}

/// Phases from the config file, then `--phase` (a date given in both takes
/// the command line's label), or a baseline.
fn stages(args: &Args, configured: &[PhaseStart]) -> Result<Stages> {
    let mut starts: Vec<PhaseStart> =
        configured.iter().filter(|c| !args.phases.iter().any(|p| p.date == c.date)).cloned().collect();
    starts.extend(args.phases.iter().cloned());
    Stages::new(starts, args.baseline).map_err(anyhow::Error::msg)
}

/// Notes from the config file, then `--note`, in date order.
fn merged_notes(configured: &[Note], given: &[Note]) -> Vec<Note> {
    let mut notes: Vec<Note> = configured.iter().chain(given).cloned().collect();
    notes.sort_by_key(|n| n.date);
    notes
}

/// A phase, baseline or note the periods never reach is an error, not a
/// flag quietly unused.
fn check_stages(table: &PeriodTable, stages: &Stages, notes: &[Note]) -> Result<()> {
    let (period, unit) = (table.period, table.period.name());
    let starts: Vec<NaiveDate> =
        table.rows.iter().map(|r| r.start).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let (Some(&first), Some(&last)) = (starts.first(), starts.last()) else { return Ok(()) };
    let last_day = table.rows.iter().map(|r| r.end).max().unwrap_or(last);
    let span = format!("the report's {unit}s run from {} to {}", period.label(first), period.label(last));
    for phase in &stages.starts {
        if phase.date <= first || phase.date > last {
            bail!(
                "--phase {}: no {unit} of the report starts {} it ({span}), so it splits nothing",
                phase.date,
                if phase.date <= first { "before" } else { "on or after" }
            );
        }
    }
    if let Some(b) = stages.baseline
        && !starts.iter().any(|s| b.contains(*s))
    {
        bail!("--baseline {}..{}: no {unit} of the report starts inside it ({span})", b.from, b.to);
    }
    if let Some(note) = notes.iter().find(|n| n.date < first || n.date > last_day) {
        bail!("--note {}: outside the report ({span})", note.date);
    }
    Ok(())
}

fn document(args: &Args, data: &Dataset, facts: &Facts, notes: &[Note]) -> Document {
    let options = &facts.options;
    let z = z_for_confidence(options.confidence);
    let headline = sentences::headline(facts);
    let reasons = sentences::reasons(facts);
    let mut lines = vec![headline.clone()];
    lines.extend(reasons.iter().map(|r| format!("  • {r}")));
    let known = Known { repeats: facts.input.knows_repeats(), switches: facts.input.knows_switches() };
    let (main, terminal_columns) = summary::period_rows(&facts.table, z, known);
    let quiet = args.output.quiet;
    Document {
        title: format!("Complaint rate per {}", facts.table.period.name()),
        verdict: Some(facts.verdict),
        figure: Some(pictures::control(&facts.table, notes)),
        headline: if quiet { vec![] } else { lines },
        terminal_extra: if quiet { vec![] } else { sentences::sparkline(facts).into_iter().collect() },
        json_whole: None,
        json_head: vec![
            ("summary".into(), summary::summary_json(facts, z)),
            ("verdict".into(), summary::verdict_json(facts, &headline, &reasons)),
        ],
        main,
        extra: vec![],
        terminal_columns: Some(terminal_columns),
        sections: vec![],
        notes: {
            let mut out: Vec<String> =
                notes.iter().map(|n| format!("Note on the chart: {} — {}", n.date, n.text)).collect();
            if data.complaints.has_customers() && !quiet {
                out.push(SURVEY_CAUTION.to_string());
            }
            out
        },
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters: super::parameters(
            options,
            data,
            json!({
                "maturity_days": facts.maturity.map(|m| m.days),
                "limits": match Chart::from(args.limits) { Chart::LaneyPPrime => "laney", Chart::P => "p" },
                "phases": facts.table.phases.iter().skip(1)
                    .map(|p| json!({ "start": p.start.to_string(), "label": p.label })).collect::<Vec<_>>(),
                "baseline": facts.table.baseline.map(|b| json!({ "from": b.from.to_string(), "to": b.to.to_string() })),
                "notes": notes,
            }),
        ),
    }
}
