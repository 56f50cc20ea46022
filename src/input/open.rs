//! Both inputs opened and planned before either is read: every missing
//! role and unreadable column of both files is one message, within
//! seconds; a reading flag no file uses, or a `--by` column neither file
//! has, is an error before any long count.

use anyhow::{Result, bail};

use super::complaints::Needs;
use super::deliveries::DeliveriesSource;
use super::plan::{Head, TablePlan, missing_time, plan_file};
use super::roles::{Role, Table, nearest_hint};
use super::source::Kind;
use super::{DatasetOptions, Source};

/// The two sources, their plans, and what the complaints must carry
/// (`Needs`, decided once for the loader and the order lookups).
pub struct Opened {
    pub complaints: Source,
    pub deliveries: DeliveriesSource,
    pub complaints_plan: TablePlan,
    pub deliveries_plan: TablePlan,
    pub needs: Needs,
}

impl Opened {
    pub fn both(options: &DatasetOptions) -> Result<Opened> {
        let complaints = Source::open(&options.complaints, &options.complaints_table)?;
        let deliveries =
            DeliveriesSource::open(&options.deliveries, &options.deliveries_table, options.db_timeout)?;
        let (complaints_plan, deliveries_plan) = plan_both(&complaints, &deliveries, options)?;
        let needs = Needs::of(&complaints_plan, options);
        check_segments(&complaints_plan, &deliveries_plan, options)?;
        Ok(Opened { complaints, deliveries, complaints_plan, deliveries_plan, needs })
    }
}

/// Plan both tables; the problems of both in one message.
fn plan_both(
    complaints: &Source,
    deliveries: &DeliveriesSource,
    options: &DatasetOptions,
) -> Result<(TablePlan, TablePlan)> {
    check_read_flags(complaints, deliveries, options)?;
    let complaints_plan = (|| {
        let head = Head::read(complaints)?;
        let by: Vec<&str> = options.by.iter().map(|b| b.column(Table::Complaints)).collect();
        let plan = plan_file(complaints, &head, Table::Complaints, options, &by)?;
        // No time of its own: taken from the delivery, when nothing was
        // named like a time and an order id can find the delivery.
        let from_order = plan.roles.time_candidates.is_empty() && plan.roles.get(Role::Order).is_some();
        if plan.time.is_none() && !from_order {
            return Err(missing_time(&plan, &head, options.table(Table::Complaints), options.tz));
        }
        Ok(plan)
    })();
    let deliveries_plan = deliveries.plan(options);
    match (complaints_plan, deliveries_plan) {
        (Ok(c), Ok(d)) => Ok((c, d)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(c), Err(d)) => bail!("{c:#}\nAnd {d:#}"),
    }
}

/// Flags for reading a file that the file does not use are errors, never
/// ignored: `--sheet` for a file that is not a workbook, `--encoding` and
/// `--delimiter` for Parquet or a database. A flag for both files must be
/// used by one of them.
fn check_read_flags(
    complaints: &Source,
    deliveries: &DeliveriesSource,
    options: &DatasetOptions,
) -> Result<()> {
    let kind = |table: Table| match (table, deliveries) {
        (Table::Complaints, _) => Some(complaints.kind),
        (Table::Deliveries, DeliveriesSource::File(s)) => Some(s.kind),
        (Table::Deliveries, DeliveriesSource::Postgres(_)) => None,
    };
    for given in &options.flags {
        let tables: Vec<Table> = match given.table {
            Some(t) => vec![t],
            None => vec![Table::Complaints, Table::Deliveries],
        };
        let used = |t: Table| match given.flag {
            "--sheet" => kind(t) == Some(Kind::Xlsx),
            _ => matches!(kind(t), Some(Kind::Csv | Kind::Ndjson)),
        };
        if !tables.iter().any(|&t| used(t)) {
            let what = |t: Table| match kind(t) {
                Some(k) => format!("the {} file is {}", t.name(), k.name()),
                None => format!("the {} are read from PostgreSQL", t.name()),
            };
            let why: Vec<String> = tables.iter().map(|&t| what(t)).collect();
            bail!(
                "{} {}: no file reads it ({}). Drop the flag{}",
                given.flag,
                given.value,
                why.join(", "),
                if given.flag == "--sheet" { ", or pass the workbook" } else { "" }
            );
        }
    }
    Ok(())
}

/// Every `--by` column must be in the complaints (or come from each
/// complaint's delivery, through the order id); the deliveries may lack it
/// (its values then get counts and shares, not rates). A missing column is
/// named with the file that lacks it and that file's closest columns.
fn check_segments(complaints: &TablePlan, deliveries: &TablePlan, options: &DatasetOptions) -> Result<()> {
    for (k, segment) in options.by.iter().enumerate() {
        let lacks = |plan: &TablePlan| {
            let name = segment.column(plan.table);
            format!(
                "the {} file ({}) has no column {name:?}.{}",
                plan.table.name(),
                plan.file,
                nearest_hint(&plan.columns, name)
            )
        };
        match (&complaints.segments[k], &deliveries.segments[k]) {
            (None, None) => bail!(
                "--by {}: {} And {} Its columns are: {}. If the two files name it differently, pair them: \
                 --by 'complaints.COLUMN=deliveries.COLUMN'",
                segment.name,
                lacks(complaints),
                lacks(deliveries),
                complaints.columns.join(", ")
            ),
            (None, Some(_)) => {
                let why = match (complaints.roles.get(Role::Order), deliveries.roles.get(Role::Order)) {
                    (Some(_), Some(_)) => continue,
                    (None, _) => "the complaints have no order id to find it by",
                    (_, None) => {
                        "the deliveries have no order column to find it by (--col deliveries.order=COLUMN)"
                    }
                };
                bail!(
                    "--by {}: {} It could come from each complaint's delivery, but {why}. If the complaints \
                 name it differently, pair the two: --by 'complaints.COLUMN=deliveries.{}'. The complaints' \
                 columns are: {}",
                    segment.name,
                    lacks(complaints),
                    segment.deliveries,
                    complaints.columns.join(", ")
                )
            }
            _ => {}
        }
    }
    Ok(())
}
