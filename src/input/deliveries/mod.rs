//! The deliveries side: deliveries per local date × segment, counted in one
//! pass over the file (a specialised counter for plain CSV and Parquet,
//! else a polars group-by: `groups`) or by the database (`postgres`). Every
//! path hands back groups of rows, and one set of rules here turns them
//! into counts and the ledger: what is a delivery, which rows are rejected
//! and why. Time values are grouped by their date text and parsed once per
//! distinct date.

pub mod fast_csv;
pub mod groups;
mod numbered;
pub mod orders;
pub mod parquet;
pub mod per_customer;
pub mod postgres;
mod slots;

use std::collections::{BTreeMap, HashMap};

use anyhow::{Result, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

use self::groups::{Columns, TimeKey, grouped, locate_rejections, one_per_order, order_ids_repeat, time_key};
use self::per_customer::PerCustomer;
use super::filter::keeps_nothing;
use super::ledger::{Ledger, Reason};
use super::plan::{Head, TablePlan, missing_time, plan_file};
use super::postgres::{self as database, Postgres};
use super::roles::{Role, Table};
use super::source::Source;
use super::time::{TimeLayout, plausible_year};
use super::warehouse::DeliveriesQuery;
use super::{DatasetOptions, TableOptions, parse_count, present};

pub struct DeliveryCounts {
    /// Deliveries per (local date, values of the `--by` columns; "" for a
    /// column the deliveries lack).
    pub counts: BTreeMap<(NaiveDate, Vec<String>), u64>,
    /// Input rows behind the counts, per date (for the ledger when dates are
    /// left out).
    pub rows_per_date: BTreeMap<NaiveDate, u64>,
    /// What one date of the counts stands for: a day, or a whole week or
    /// month of pre-aggregated deliveries.
    pub granularity: Granularity,
    pub ledger: Ledger,
    /// How the deliveries were read: columns, roles, time, filters.
    pub plan: TablePlan,
    /// The order column when rows are order lines (one delivery per order).
    pub order_lines: Option<String>,
    /// Rows per customer over every row read, where the counter could tell
    /// them in the same pass (plain CSV or Parquet, asked for by the command).
    pub per_customer: Option<PerCustomer>,
    /// The query that counted them, when a database did.
    pub query: Option<DeliveriesQuery>,
}

/// The span one delivery date covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Day,
    /// Counts per ISO week, dated by its Monday.
    Week,
    /// Counts per calendar month, dated by its first day.
    Month,
}

impl Granularity {
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// The last day covered by the count dated `date`.
    pub fn last_day(self, date: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => date,
            Granularity::Week => date + chrono::Days::new(6),
            Granularity::Month => date + chrono::Months::new(1) - chrono::Days::new(1),
        }
    }

    /// What pre-aggregated rows (deliveries, or counted complaints) stand for: ISO weeks and months by
    /// their layout; plain dates with a count column when every date is a
    /// Monday (weeks) or a first of the month (months) — or, with a single
    /// date, when the column is named like `week…` or `month…`.
    pub fn detect(layout: &TimeLayout, aggregated: bool, dates: &[NaiveDate], column: &str) -> Granularity {
        match layout {
            TimeLayout::IsoWeek => return Granularity::Week,
            TimeLayout::Month => return Granularity::Month,
            _ if !aggregated || dates.is_empty() => return Granularity::Day,
            _ => {}
        }
        let name = crate::input::roles::normalize(column);
        let mondays = dates.iter().all(|d| d.weekday() == chrono::Weekday::Mon);
        let firsts = dates.iter().all(|d| d.day() == 1);
        match (dates.len() > 1, mondays, firsts) {
            (true, true, false) => Granularity::Week,
            (true, false, true) => Granularity::Month,
            (false, true, _) if name.contains("week") => Granularity::Week,
            (false, _, true) if name.contains("month") => Granularity::Month,
            _ => Granularity::Day,
        }
    }
}

/// Where the deliveries are read from: a file (or glob, directory, stdin),
/// or a PostgreSQL database that counts them itself.
pub enum DeliveriesSource {
    File(Source),
    Postgres(Box<Postgres>),
}

impl DeliveriesSource {
    /// Open `--deliveries`: a file, or a connection to the database.
    /// `db_timeout`: `--db-timeout`, for a database only.
    pub fn open(
        given: &std::path::Path,
        read: &TableOptions,
        db_timeout: Option<std::time::Duration>,
    ) -> Result<DeliveriesSource> {
        if database::is_url(given) {
            return Ok(DeliveriesSource::Postgres(Box::new(Postgres::connect(given, db_timeout)?)));
        }
        if db_timeout.is_some() {
            anyhow::bail!("--db-timeout limits a count in PostgreSQL; the deliveries here are a file");
        }
        Ok(DeliveriesSource::File(Source::open(given, read)?))
    }

    /// See [`Source::check_unchanged`]; a database is read in one query.
    pub fn check_unchanged(&self) -> Result<()> {
        match self {
            DeliveriesSource::File(source) => source.check_unchanged(),
            DeliveriesSource::Postgres(_) => Ok(()),
        }
    }

    pub fn display(&self) -> String {
        match self {
            DeliveriesSource::File(source) => source.display(),
            DeliveriesSource::Postgres(pg) => pg.shown.clone(),
        }
    }

    /// Plan the reading: roles, time and layout, segments and filters (for
    /// a database, from its columns and their types).
    pub fn plan(&self, options: &DatasetOptions) -> Result<TablePlan> {
        let by: Vec<&str> = options.by.iter().map(|b| b.column(Table::Deliveries)).collect();
        match self {
            DeliveriesSource::File(source) => {
                let head = Head::read(source)?;
                let plan = plan_file(source, &head, Table::Deliveries, options, &by)?;
                if plan.time.is_none() {
                    return Err(missing_time(&plan, &head, options.table(Table::Deliveries), options.tz));
                }
                Ok(plan)
            }
            DeliveriesSource::Postgres(pg) => postgres::plan(pg, options, &by),
        }
    }

    /// Count the deliveries per date and segment, by the plan.
    pub fn count(&self, plan: TablePlan, options: &DatasetOptions) -> Result<DeliveryCounts> {
        match self {
            DeliveriesSource::File(source) => count_file(source, plan, options),
            DeliveriesSource::Postgres(pg) => postgres::count(pg, plan, options),
        }
    }
}

/// Count deliveries per date and segment from a file: one pass grouping
/// rows by (time key, segments, filter values, count text), then the
/// counting rules applied to each group.
fn count_file(source: &Source, plan: TablePlan, options: &DatasetOptions) -> Result<DeliveryCounts> {
    let time = plan.time.clone().expect("the deliveries' plan has a time");
    let parser = plan.parser.clone();
    let samples: Vec<String> = Head::read(source)?.times(&time).into_iter().map(|s| s.into_owned()).collect();
    let samples: Vec<&str> = samples.iter().map(String::as_str).collect();
    // Filter columns ride in the group key after the segments the
    // deliveries carry: each group is kept or dropped whole.
    let segment_columns: Vec<&String> = plan.segments.iter().flatten().collect();
    let key_columns: Vec<String> = segment_columns
        .iter()
        .map(|c| c.to_string())
        .chain(plan.filters.iter().map(|(_, c)| c.clone()))
        .collect();
    let count_column = plan.count().map(str::to_string);
    // Rows per customer ride along where the counter can count them (one
    // row, one delivery: no count column, no order lines).
    let customer = plan.roles.get(Role::Customer).filter(|_| options.per_customer && count_column.is_none());
    let columns = Columns { time: &time, segments: &key_columns, count: count_column.as_deref(), customer };
    let mut ledger = Ledger::new("deliveries", &plan.file);
    let order_lines = match (plan.roles.get(Role::Order), columns.count) {
        (Some(order), None) if !options.count_rows && order_ids_repeat(source, order)? => Some(order),
        _ => None,
    };
    // One pass over the file. Fast keys first (the date's fixed-width text,
    // or a typed column's date); if any key does not parse, once more with
    // the exact key (the text before the time of day).
    let strategies = [time_key(&parser, &samples, plan.typed_time), TimeKey::DatePart];
    let mut per_customer = None;
    let mut result = None;
    for strategy in strategies {
        let groups = match order_lines {
            Some(order) => one_per_order(source, order, strategy, &columns, &plan.filters)?,
            None => {
                let (groups, customers) = grouped(source, &columns, strategy)?;
                per_customer = customers;
                (groups, 0)
            }
        };
        let all_parse = groups.0.iter().filter_map(|g| g.key.as_deref()).all(|k| parser.parse(k).is_some());
        result = Some((strategy, groups));
        if all_parse || strategy == TimeKey::DatePart {
            break;
        }
    }
    let (strategy, (groups, more_lines)) = result.expect("at least one strategy ran");
    if more_lines > 0 {
        ledger.reject_rows_unlocated(Reason::MoreLines, more_lines);
    }

    let mut counts = BTreeMap::new();
    let mut rows_per_date: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut all_midnight = true;
    let mut dates: HashMap<&str, Option<NaiveDateTime>> = HashMap::new();
    // Groups rejected for a reason that names rows: (reason, key, count text).
    let mut to_locate: Vec<(Reason, Option<String>, Option<String>, u64)> = Vec::new();
    // Rows each filter saw and kept, to explain a filter that keeps none.
    let mut kept_by_filter = vec![0u64; plan.filters.len()];
    'groups: for g in &groups {
        let n = g.rows;
        for (k, (filter, _)) in plan.filters.iter().enumerate() {
            if !filter.keeps(g.segment[segment_columns.len() + k].as_deref()) {
                ledger.reject_rows_unlocated(filter.reason(), n);
                continue 'groups;
            }
            kept_by_filter[k] += n;
        }
        let Some(key) = g.key.as_deref().and_then(|k| present(Some(k))) else {
            to_locate.push((Reason::TimeMissing, None, None, n));
            continue;
        };
        let time = *dates.entry(key).or_insert_with(|| parser.parse(key));
        let Some(time) = time else {
            to_locate.push((Reason::TimeUnparseable, Some(key.to_string()), None, n));
            continue;
        };
        if !plausible_year(time) {
            to_locate.push((Reason::TimeImplausible, Some(key.to_string()), None, n));
            continue;
        }
        let date = time.date();
        all_midnight &= time.time() == chrono::NaiveTime::MIN;
        if !options.range.contains(date) {
            ledger.reject_rows_unlocated(Reason::OutsideRange, n);
            continue;
        }
        let per_row = match columns.count {
            None => 1,
            Some(_) => match present(g.count.as_deref()).and_then(parse_count) {
                Some(c) => c,
                None => {
                    to_locate.push((Reason::CountInvalid, Some(key.to_string()), g.count.clone(), n));
                    continue;
                }
            },
        };
        let mut values = g.segment[..segment_columns.len()].iter();
        let segment: Vec<String> = plan
            .segments
            .iter()
            .map(|c| match c {
                Some(_) => present(values.next().and_then(|v| v.as_deref())).unwrap_or("").to_string(),
                None => String::new(),
            })
            .collect();
        ledger.used(n);
        *counts.entry((date, segment)).or_insert(0) += n * per_row;
        *rows_per_date.entry(date).or_insert(0) += n;
    }
    if let Some(k) = kept_by_filter.iter().position(|&kept| kept == 0)
        && !groups.is_empty()
    {
        let mut values: HashMap<&str, u64> = HashMap::new();
        for g in &groups {
            let value = present(g.segment[segment_columns.len() + k].as_deref()).unwrap_or("(missing)");
            *values.entry(value).or_default() += g.rows;
        }
        bail!("{}", keeps_nothing(&plan.file, &plan.filters[k].0, values.into_iter().collect()));
    }
    if !to_locate.is_empty() {
        locate_rejections(source, &time, strategy, count_column.as_deref(), &to_locate, &mut ledger)?;
    }
    let dates: Vec<NaiveDate> = rows_per_date.keys().copied().collect();
    let aggregated = columns.count.is_some() && all_midnight;
    let granularity = Granularity::detect(&parser.layout, aggregated, &dates, &time.shown());
    let order_lines = order_lines.map(str::to_string);
    Ok(DeliveryCounts {
        counts,
        rows_per_date,
        granularity,
        ledger,
        plan,
        order_lines,
        per_customer,
        query: None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use polars::prelude::*;

    use super::*;
    use crate::input::{DateRange, RowFilter};

    /// Deliveries with every kind of row the rules judge: good ones, a
    /// missing time, an unreadable one, an implausible year, a dropped
    /// filter value, one outside the range, a blank region.
    fn rows() -> Vec<[&'static str; 4]> {
        let mut rows = Vec::new();
        for day in 1..=28 {
            for (k, region) in ["North", "South", ""].iter().enumerate() {
                let status = if (day + k) % 5 == 0 { "canceled" } else { "delivered" };
                let time: &'static str = Box::leak(format!("2024-02-{day:02} 1{k}:30:00").into_boxed_str());
                rows.push([time, region, status, "x"]);
            }
        }
        rows.extend([
            ["", "North", "delivered", "x"],
            ["soon", "South", "delivered", "x"],
            ["2999-01-01 10:00:00", "North", "delivered", "x"],
            ["2024-01-15 09:00:00", "North", "delivered", "x"],
        ]);
        rows
    }

    fn write_csv(path: &Path, excel_sep_line: bool) {
        let mut text = if excel_sep_line { String::from("sep=,\n") } else { String::new() };
        text.push_str("delivered_at,region,status,note\n");
        for r in rows() {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        std::fs::write(path, text).unwrap();
    }

    fn write_parquet(path: &Path) {
        let rows = rows();
        let column = |name: &str, k: usize| {
            let values: Vec<Option<&str>> = rows.iter().map(|r| (!r[k].is_empty()).then_some(r[k])).collect();
            Column::new(name.into(), values)
        };
        let mut frame = DataFrame::new_infer_height(vec![
            column("delivered_at", 0),
            column("region", 1),
            column("status", 2),
            column("note", 3),
        ])
        .unwrap();
        let file = std::fs::File::create(path).unwrap();
        ParquetWriter::new(file).with_row_group_size(Some(10)).finish(&mut frame).unwrap();
    }

    fn count(path: &Path) -> DeliveryCounts {
        let mut options = DatasetOptions::reading(vec![], TableOptions::default(), TableOptions::default());
        options.by = vec!["region".parse().unwrap()];
        options.filters = vec!["deliveries.status!=canceled".parse::<RowFilter>().unwrap()];
        options.range = DateRange { from: Some("2024-02-01".parse().unwrap()), to: None };
        let source = DeliveriesSource::File(Source::open(path, &options.deliveries_table).unwrap());
        let plan = source.plan(&options).unwrap();
        source.count(plan, &options).unwrap()
    }

    /// The fast CSV counter, the Parquet counter and the polars group-by
    /// (a CSV whose Excel `sep=` line it alone reads) give the same counts
    /// and the same ledger: the counting rules are the same for every path.
    #[test]
    fn every_counting_path_gives_the_same_counts_and_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let (csv, parquet, polars) =
            (dir.path().join("d.csv"), dir.path().join("d.parquet"), dir.path().join("sep.csv"));
        write_csv(&csv, false);
        write_parquet(&parquet);
        write_csv(&polars, true);
        let fast = count(&csv);
        assert!(
            matches!(&fast.plan.time, Some(crate::input::plan::TimeColumns::One(c)) if c == "delivered_at")
        );
        for other in [count(&parquet), count(&polars)] {
            assert_eq!(other.counts, fast.counts);
            assert_eq!(other.rows_per_date, fast.rows_per_date);
            let reasons = |c: &DeliveryCounts| -> Vec<(String, u64)> {
                c.ledger.rejected.iter().map(|(r, x)| (r.to_string(), x.rows)).collect()
            };
            assert_eq!(reasons(&other), reasons(&fast));
            assert_eq!(
                (other.ledger.rows_read, other.ledger.rows_used),
                (fast.ledger.rows_read, fast.ledger.rows_used)
            );
        }
        // What the rules decided, once: 84 + 4 rows read; the canceled ones
        // filtered; the bad times; one before --from; blank regions as "".
        let canceled = rows().iter().filter(|r| r[2] == "canceled").count() as u64;
        assert_eq!(fast.ledger.rows_read, 88);
        let rejected: u64 = fast.ledger.rejected.values().map(|r| r.rows).sum();
        assert_eq!(fast.ledger.rows_used + rejected, 88);
        assert_eq!(
            fast.ledger.rejected[&Reason::Filtered("deliveries.status!=canceled".into())].rows,
            canceled
        );
        for reason in
            [Reason::TimeMissing, Reason::TimeUnparseable, Reason::TimeImplausible, Reason::OutsideRange]
        {
            assert_eq!(fast.ledger.rejected[&reason].rows, 1, "{reason}");
        }
        assert!(fast.counts.keys().any(|(_, segment)| segment == &vec![String::new()]));
    }

    #[test]
    fn what_a_date_of_a_count_stands_for() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mondays = [d("2025-03-03"), d("2025-03-10")];
        let firsts = [d("2025-03-01"), d("2025-04-01")];
        assert_eq!(Granularity::detect(&TimeLayout::Iso, true, &mondays, "date"), Granularity::Week);
        assert_eq!(Granularity::detect(&TimeLayout::Iso, true, &firsts, "date"), Granularity::Month);
        assert_eq!(Granularity::detect(&TimeLayout::Iso, false, &firsts, "date"), Granularity::Day);
        assert_eq!(Granularity::detect(&TimeLayout::Iso, true, &firsts[..1], "month"), Granularity::Month);
        assert_eq!(Granularity::detect(&TimeLayout::IsoWeek, false, &[], "w"), Granularity::Week);
        assert_eq!(Granularity::Month.last_day(d("2024-02-01")), d("2024-02-29"));
    }
}
