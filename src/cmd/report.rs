//! `report`: complaints per delivery per period (and segment), how much of it
//! is repeat contact and channel switching, control limits, and the ledger of
//! every input row.

use std::collections::HashSet;

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::ReportArgs;
use crate::input::complaints::{self, ComplaintTable};
use crate::input::ledger::{self, Ledger};
use crate::input::{InputOptions, Role, Source};
use crate::metrics::deliveries::{self, DeliveryCounts};
use crate::metrics::period_table::{self, Counts, PeriodTable};
use crate::metrics::repeats::link_contacts;
use crate::output::table::{percent, thousands};
use crate::output::{Cell, Document, Table};
use crate::stats::laney::Chart;
use crate::stats::z_for_confidence;

pub const EXAMPLES: &str = "\
Examples:
  Weekly complaint rate, repeats and channel switches:
    complaint-rate report --complaints complaints.csv --deliveries deliveries.csv

  Per month and region, as CSV for a spreadsheet:
    complaint-rate report --complaints c.csv --deliveries d.parquet --period month --by region -o report.csv

  Repeats within 3 days about the same order, from 1 January:
    complaint-rate report --complaints c.csv --deliveries d.csv --window-days 3 \\
        --repeat-key customer+order --from 2025-01-01";

pub fn run(args: &ReportArgs) -> Result<u8> {
    let output = Output::prepare(&args.output)?;
    let input = &args.input;
    let options = input.options()?;
    let complaints_source = Source::open(&input.complaints, options.delimiter)?;
    let deliveries_source = Source::open(&input.deliveries, options.delimiter)?;

    let deliveries = deliveries::count(&deliveries_source, &options, &input.by)?;
    let mut complaints = complaints::load(&complaints_source, &options, &input.by)?;
    segments_through_orders(&mut complaints, &deliveries_source, &deliveries, &input.by)?;
    if input.strict {
        refuse_rejections(&[&complaints.ledger, &deliveries.ledger])?;
    }

    let contacts = link_contacts(&complaints.records, input.repeat_key, input.window_days);
    let Some(table) = period_table::build(
        &complaints.records,
        &contacts,
        &deliveries.counts,
        input.period,
        &input.by,
        args.limits,
    ) else {
        bail!(
            "nothing to report: no complaint or delivery row has a usable time{}. {} {}",
            if options.range == Default::default() {
                ""
            } else {
                " inside --from/--to"
            },
            crate::output::table::ledger_line(&complaints.ledger),
            crate::output::table::ledger_line(&deliveries.ledger)
        );
    };
    let document = document(args, &options, &table, &complaints, &deliveries);
    output.write(&document)?;
    Ok(0)
}

/// Complaints without a `--by` column take it from their delivery (SPEC §2);
/// those whose order is unknown are rejected.
fn segments_through_orders(
    complaints: &mut ComplaintTable,
    deliveries_source: &Source,
    deliveries: &DeliveryCounts,
    by: &[String],
) -> Result<()> {
    if complaints.has_segment_column.iter().all(|&has| has) {
        return Ok(());
    }
    let orders: HashSet<String> = complaints
        .records
        .iter()
        .filter_map(|c| c.order.clone())
        .collect();
    let segments =
        deliveries::segments_of_orders(deliveries_source, &deliveries.roles, by, &orders)?;
    for complaint in &mut complaints.records {
        let found = complaint.order.as_ref().and_then(|o| segments.get(o));
        match found {
            Some(values) => {
                for (k, value) in values.iter().enumerate() {
                    if complaint.segment[k].is_none() {
                        complaint.segment[k] = Some(value.clone());
                    }
                }
            }
            None if complaint.counted => {
                complaint.counted = false;
                complaints
                    .ledger
                    .reclassify_used(ledger::ORDER_UNKNOWN, 1, complaint.row);
            }
            None => {}
        }
    }
    Ok(())
}

fn refuse_rejections(ledgers: &[&Ledger]) -> Result<()> {
    for l in ledgers {
        if let Some((reason, rejected)) = l.rejected.iter().next() {
            bail!(
                "--strict: {} ({}) has {} row(s) rejected as {reason}, first at row {}{}. \
                 Fix the rows, or drop --strict to count the rest and see every rejection in the ledger",
                l.table,
                l.file,
                rejected.rows,
                rejected.first_rows.first().copied().unwrap_or(0),
                rejected
                    .example
                    .as_ref()
                    .map(|e| format!(" (value {e:?})"))
                    .unwrap_or_default(),
            );
        }
    }
    Ok(())
}

const COLUMNS_BEFORE_SEGMENT: [&str; 2] = ["period_start", "period_end"];
const COLUMNS_AFTER_SEGMENT: [&str; 15] = [
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
    "",
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
    let mut columns: Vec<String> = COLUMNS_BEFORE_SEGMENT
        .iter()
        .map(|c| c.to_string())
        .collect();
    columns.extend(table.by.iter().cloned());
    columns.extend(
        COLUMNS_AFTER_SEGMENT
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| c.to_string()),
    );
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    for row in &table.rows {
        let mut cells = vec![Cell::Date(row.start), Cell::Date(row.end)];
        cells.extend(row.segment.iter().map(|s| Cell::Text(s.clone())));
        cells.extend(count_cells(&row.counts, z));
        cells.push(Cell::Fraction(row.limits.map(|l| l.lcl)));
        cells.push(Cell::Fraction(row.limits.map(|l| l.ucl)));
        cells.push(Cell::Text(
            row.limits
                .and_then(|l| l.signal)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        ));
        rows.push(cells);
    }
    let mut total = vec![Cell::Text("total".into()), Cell::Text(String::new())];
    total.extend(table.by.iter().map(|_| Cell::Text(String::new())));
    total.extend(count_cells(&table.total, z));
    total.extend([
        Cell::Fraction(None),
        Cell::Fraction(None),
        Cell::Text(String::new()),
    ]);
    rows.push(total);
    Table {
        name: "periods".into(),
        columns,
        rows,
    }
}

/// "1 in 1,000" for a ratio of deliveries per complaint.
fn one_in(deliveries_per_complaint: Option<f64>) -> String {
    match deliveries_per_complaint {
        Some(r) => format!("1 in {}", thousands(r.round() as u64)),
        None => "none".into(),
    }
}

fn headline(args: &ReportArgs, table: &PeriodTable, complaints: &ComplaintTable) -> Vec<String> {
    let t = &table.total;
    let input = &args.input;
    let mut lines = vec![format!(
        "{} complaints per {} deliveries from {} to {}: {}, {}.",
        thousands(t.complaints),
        thousands(t.deliveries),
        table.first_date,
        table.last_date,
        t.complaint_rate()
            .map(percent)
            .unwrap_or_else(|| "rate undefined (no deliveries)".into()),
        one_in(t.one_in()),
    )];
    if complaints.roles.get(Role::Customer).is_none() {
        lines.push(
            "Repeat contacts and channel switches need a customer column, and the complaints have none \
             (name it with --col complaints.customer=COLUMN)."
                .into(),
        );
    } else {
        lines.push(format!(
            "{} of them ({}) were repeat contacts: the same {} again within {} days. {} problems were \
             first contacts ({}, {}).",
            thousands(t.repeat_complaints),
            t.repeat_rate().map(percent).unwrap_or_else(|| "–".into()),
            input.repeat_key.name(),
            input.window_days,
            thousands(t.problems()),
            Counts { complaints: t.problems(), ..*t }.complaint_rate().map(percent).unwrap_or_else(|| "–".into()),
            one_in(Counts { complaints: t.problems(), ..*t }.one_in()),
        ));
        if complaints.roles.get(Role::Channel).is_some() {
            lines.push(format!(
                "{} repeat contacts ({} of repeats) switched channel, e.g. from the web form to the phone.",
                thousands(t.channel_switches),
                t.switch_rate().map(percent).unwrap_or_else(|| "–".into()),
            ));
        }
    }
    let undefined = table
        .rows
        .iter()
        .filter(|r| r.counts.deliveries == 0 && r.counts.complaints > 0)
        .count();
    if undefined > 0 {
        lines.push(format!(
            "{undefined} period row(s) have complaints but no deliveries: their rate is undefined (empty)."
        ));
    }
    let flagged: Vec<String> = table
        .rows
        .iter()
        .filter_map(|r| {
            let signal = r.limits?.signal?;
            let segment = if r.segment.is_empty() {
                String::new()
            } else {
                format!(" {}", r.segment.join("/"))
            };
            Some(format!("{}{} ({})", r.start, segment, signal.as_str()))
        })
        .collect();
    lines.push(if flagged.is_empty() {
        format!("No {} is outside its control limits.", table.period.name())
    } else {
        format!("Outside the control limits: {}.", flagged.join(", "))
    });
    lines
}

fn summary(table: &PeriodTable, z: f64) -> serde_json::Value {
    let t = &table.total;
    let interval = t.rate_interval(z);
    json!({
        "first_date": table.first_date.to_string(),
        "last_date": table.last_date.to_string(),
        "periods": table.rows.iter().map(|r| r.start).collect::<HashSet<_>>().len(),
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
        "rows_above_limits": table.rows.iter().filter(|r| r.limits.and_then(|l| l.signal).is_some_and(|s| s.as_str() == "above")).count(),
        "rows_below_limits": table.rows.iter().filter(|r| r.limits.and_then(|l| l.signal).is_some_and(|s| s.as_str() == "below")).count(),
    })
}

fn document(
    args: &ReportArgs,
    options: &InputOptions,
    table: &PeriodTable,
    complaints: &ComplaintTable,
    deliveries: &DeliveryCounts,
) -> Document {
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
    let roles = |roles: &crate::input::Roles| -> serde_json::Value {
        roles
            .columns
            .iter()
            .map(|(role, column)| (role.to_string(), json!(column)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    Document {
        headline: if args.output.quiet {
            vec![]
        } else {
            headline(args, table, complaints)
        },
        json_head: vec![("summary".into(), summary(table, z))],
        main: period_rows(table, z),
        terminal_columns: Some(terminal_columns),
        notes: vec![],
        ledgers: vec![complaints.ledger.clone(), deliveries.ledger.clone()],
        parameters: json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "period": input.period.name(),
            "by": input.by,
            "from": options.range.from.map(|d| d.to_string()),
            "to": options.range.to.map(|d| d.to_string()),
            "tz": options.tz.name(),
            "window_days": input.window_days,
            "repeat_key": input.repeat_key.name(),
            "confidence": input.confidence,
            "limits": match args.limits { Chart::LaneyPPrime => "laney", Chart::P => "p" },
            "complaint_columns": roles(&complaints.roles),
            "complaint_time_format": complaints.time.layout.describe(),
            "delivery_columns": roles(&deliveries.roles),
            "delivery_time_format": deliveries.time.layout.describe(),
        }),
    }
}
