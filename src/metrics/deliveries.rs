//! The deliveries side: deliveries per local date × segment, counted by one
//! polars group-by over the file (the only pass over the big table). Time
//! values are grouped by their date text and parsed once per distinct date.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::fast_count::{self, Fields, Group, KeyCut};
use super::parquet_count::{self, Columns};
use super::per_customer::PerCustomer;
use crate::input::complaints::{detect_time, time_like_columns};
use crate::input::filter::columns_of;
use crate::input::ledger::{Ledger, Reason};
use crate::input::postgres::{self, Postgres};
use crate::input::roles::{Role, Roles, Table, nearest_hint};
use crate::input::source::{ROW, Source, explain_read_error};
use crate::input::time::{TimeLayout, TimeParser, has_offset, plausible_year};
use crate::input::warehouse::{DeliveriesQuery, Dialect, Grain};
use crate::input::{InputOptions, RowFilter, TIME_SAMPLE, parse_count, present};

pub struct DeliveryCounts {
    /// Deliveries per (local date, values of the `--by` columns).
    pub counts: BTreeMap<(NaiveDate, Vec<String>), u64>,
    /// Input rows behind the counts, per date (for the ledger when dates are
    /// left out).
    pub rows_per_date: BTreeMap<NaiveDate, u64>,
    /// What one date of the counts stands for: a day, or a whole week or
    /// month of pre-aggregated deliveries.
    pub granularity: Granularity,
    pub ledger: Ledger,
    pub roles: Roles,
    pub time: TimeParser,
    /// The `--where` filters on the deliveries, each with the source's name
    /// for its column: what counts per customer must apply too.
    pub filters: Vec<(RowFilter, String)>,
    /// The order column when rows are order lines (one delivery per order).
    pub order_lines: Option<String>,
    /// Rows per customer over every row read, where the counter could tell
    /// them in the same pass (plain CSV or Parquet, asked for by the command).
    pub per_customer: Option<PerCustomer>,
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

    /// What pre-aggregated deliveries stand for: ISO weeks and months by
    /// their layout; plain dates with a count column when every date is a
    /// Monday (weeks) or a first of the month (months) — or, with a single
    /// date, when the column is named like `week…` or `month…`.
    fn detect(layout: &TimeLayout, aggregated: bool, dates: &[NaiveDate], column: &str) -> Granularity {
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
    Postgres(Box<Postgres>, Box<DeliveriesQuery>),
}

impl DeliveriesSource {
    pub fn display(&self) -> String {
        match self {
            DeliveriesSource::File(source) => source.display(),
            DeliveriesSource::Postgres(pg, _) => pg.shown.clone(),
        }
    }
}

/// Open `--deliveries` and count it: a file here, a database there.
pub fn open_and_count(
    given: &std::path::Path,
    options: &InputOptions,
    by: &[String],
) -> Result<(DeliveriesSource, DeliveryCounts)> {
    if postgres::is_url(given) {
        let pg = Postgres::connect(given)?;
        let (query, counts) = count_postgres(&pg, options, by)?;
        return Ok((DeliveriesSource::Postgres(Box::new(pg), Box::new(query)), counts));
    }
    let source = Source::open(given, &options.deliveries.read)?;
    let counts = count(&source, options, by)?;
    Ok((DeliveriesSource::File(source), counts))
}

/// The count in PostgreSQL: its columns get roles like a file's; the
/// database returns rows and deliveries per (first filter that drops them,
/// local day, segments); the range and the ledger are applied here.
fn count_postgres(
    pg: &Postgres,
    options: &InputOptions,
    by: &[String],
) -> Result<(DeliveriesQuery, DeliveryCounts)> {
    let file = pg.shown.clone();
    let columns = pg.column_names();
    let roles = Roles::detect(Table::Deliveries, &columns, &options.overrides)?;
    let time = roles.require(Table::Deliveries, Role::Time, &columns, &file, &[])?.to_string();
    if !pg.is_time(&time) {
        bail!(
            "{file}: the time column {time:?} is not a date or timestamp in the database; cast it in a query \
             (?query=SELECT *, CAST(... AS timestamp) AS delivered_at FROM ...)"
        );
    }
    let find = |name: &str, what: &str| -> Result<String> {
        crate::input::roles::find_column(&columns, name).cloned().with_context(|| {
            format!(
                "{file}: {what} {name}: the deliveries have no such column. Their columns are: {}",
                columns.join(", ")
            )
        })
    };
    let segments = by.iter().map(|b| find(b, "--by")).collect::<Result<Vec<_>>>()?;
    let filters: Vec<RowFilter> = options
        .filters_of(Table::Deliveries)
        .into_iter()
        .map(|f| Ok(RowFilter { column: find(&f.column, "--where")?, ..f.clone() }))
        .collect::<Result<_>>()?;
    let count = roles.get(Role::Count).map(str::to_string);
    let order = roles.get(Role::Order).map(str::to_string);
    let order_lines = match (&order, &count) {
        (Some(order), None) if !options.count_rows => {
            let sample = pg.copy_csv(&format!(
                "SELECT CAST({} AS VARCHAR) FROM {} AS src LIMIT 100000",
                Dialect::Postgres.ident(order),
                Dialect::Postgres.relation_sql(&pg.relation)
            ))?;
            let mut seen = HashSet::new();
            sample.iter().filter_map(|r| present(r.get(0))).any(|id| !seen.insert(id.to_string()))
        }
        _ => false,
    };
    let query = DeliveriesQuery {
        relation: pg.relation.clone(),
        time: time.clone(),
        segments,
        segment_names: by.to_vec(),
        count: count.clone(),
        distinct_order: order.filter(|_| order_lines),
        filters: filters.clone(),
        from: None,
        to: None,
        zone: pg.zoned(&time).then(|| options.tz.name().to_string()),
        grain: Grain::Day,
    };
    let mut ledger = Ledger::new("deliveries", &file);
    let (mut counts, mut rows_per_date) = (BTreeMap::new(), BTreeMap::new());
    for record in pg.counts(&query)? {
        let field = |k: usize| record.get(k).unwrap_or("");
        let n_segments = by.len();
        let rows: u64 = field(2 + n_segments).parse().unwrap_or(0);
        let deliveries: u64 = field(3 + n_segments).parse().unwrap_or(0);
        let dropped: usize = field(0).parse().unwrap_or(0);
        if dropped > 0 {
            ledger.reject_rows_unlocated(filters[dropped - 1].reason(), rows);
            continue;
        }
        // Order lines: one row stands for its order, the rest are more lines
        // of it (as for a file, whatever happens to the order next).
        let used = if query.distinct_order.is_some() { deliveries.min(rows) } else { rows };
        if rows > used {
            ledger.reject_rows_unlocated(Reason::MoreLines, rows - used);
        }
        let Ok(date) = field(1).parse::<NaiveDate>() else {
            ledger.reject_rows_unlocated(Reason::TimeMissing, used);
            continue;
        };
        if !options.range.contains(date) {
            ledger.reject_rows_unlocated(Reason::OutsideRange, used);
            continue;
        }
        ledger.used(used);
        let segment: Vec<String> = (0..n_segments).map(|k| field(2 + k).to_string()).collect();
        *counts.entry((date, segment)).or_insert(0) += deliveries;
        *rows_per_date.entry(date).or_insert(0) += used;
    }
    let time_parser = TimeParser { layout: TimeLayout::Iso, tz: options.tz };
    let filters = filters.into_iter().map(|f| (f.clone(), f.column)).collect();
    let order_lines = query.distinct_order.clone();
    Ok((
        query,
        DeliveryCounts {
            counts,
            rows_per_date,
            granularity: Granularity::Day,
            ledger,
            roles,
            time: time_parser,
            filters,
            order_lines,
            per_customer: None,
        },
    ))
}

const KEY: &str = "__time_key";
const COUNT: &str = "__count";
const ROWS: &str = "__rows";
const FIRST_ROW: &str = "__first_row";

/// Count deliveries per date and segment. Every `--by` column must exist in
/// the deliveries file.
pub fn count(source: &Source, options: &InputOptions, by: &[String]) -> Result<DeliveryCounts> {
    let file = source.display();
    let table = options.table(Table::Deliveries);
    let roles = Roles::detect(Table::Deliveries, &source.columns, &options.overrides)?;
    if roles.get(Role::Time).is_none() {
        let likely = time_like_columns(source, table, options.tz);
        roles.require(Table::Deliveries, Role::Time, &source.columns, &file, &likely)?;
    }
    let time_column = roles.get(Role::Time).expect("required above").to_string();
    let filters = columns_of(source, &options.filters_of(Table::Deliveries))?;
    let segment_columns = by
        .iter()
        .map(|b| {
            source.column(b).map(str::to_string).with_context(|| {
                format!(
                    "{file}: --by {b}: the deliveries file has no such column, and every segment needs \
                     its deliveries. Its columns are: {}.{}",
                    source.columns.join(", "),
                    nearest_hint(&source.columns, b)
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;

    // The first rows only: the limit comes before the cast and the filter so
    // polars stops reading early (a filter first would scan the whole file).
    let samples_frame = source
        .scan_with_rows()?
        .limit(TIME_SAMPLE as IdxSize)
        .select([col(time_column.as_str()).cast(DataType::String), col(ROW).cast(DataType::UInt64)])
        .filter(col(time_column.as_str()).is_not_null())
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the deliveries"))?;
    let samples: Vec<&str> = samples_frame.column(&time_column)?.str()?.iter().filter_map(present).collect();
    let first_row = if samples_frame.height() > 0 { samples_frame.column(ROW)?.u64()?.get(0) } else { None };
    let parser = detect_time(&samples, first_row, table, options.tz, &file, &time_column)?;

    // Filter columns ride in the group key after the segments: each group
    // is kept or dropped whole.
    let key_columns: Vec<String> =
        segment_columns.iter().cloned().chain(filters.iter().map(|(_, c)| c.clone())).collect();
    let mut group: Vec<Expr> = key_columns
        .iter()
        .enumerate()
        .map(|(k, c)| col(c.as_str()).cast(DataType::String).alias(format!("__segment{k}")))
        .collect();
    if let Some(count_column) = roles.get(Role::Count) {
        group.push(col(count_column).cast(DataType::String).alias(COUNT));
    }
    let dtype = source.scan()?.collect_schema().map_err(anyhow::Error::new)?.get(&time_column).cloned();
    let typed = matches!(dtype, Some(DataType::Date | DataType::Datetime(..)));
    let count_column = roles.get(Role::Count);
    // Rows per customer ride along where the counter can count them (one
    // row, one delivery: no count column, no order lines).
    let customer = roles.get(Role::Customer).filter(|_| options.per_customer && count_column.is_none());
    let columns = Columns { time: &time_column, segments: &key_columns, count: count_column, customer };
    let mut ledger = Ledger::new("deliveries", &file);
    let order_lines = match (roles.get(Role::Order), columns.count) {
        (Some(order), None) if !options.count_rows && order_ids_repeat(source, order)? => Some(order),
        _ => None,
    };
    // One pass over the file. Fast keys first (the date's fixed-width text,
    // or a typed column's date); if any key does not parse, once more with
    // the exact key (the text before the time of day).
    let strategies = [time_key(&parser, &samples, typed), TimeKey::DatePart];
    let mut per_customer = None;
    let mut result = None;
    for strategy in strategies {
        let groups = match order_lines {
            Some(order) => one_per_order(source, order, strategy, &columns, &group, &filters)?,
            None => {
                let (groups, customers) = grouped(source, &columns, strategy, &group)?;
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
    let (strategy, groups) = result.expect("at least one strategy ran");
    let (groups, more_lines) = groups;
    if more_lines > 0 {
        ledger.reject_rows_unlocated(Reason::MoreLines, more_lines);
    }

    let mut counts = BTreeMap::new();
    let mut rows_per_date: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut all_midnight = true;
    let mut dates: HashMap<&str, Option<NaiveDateTime>> = HashMap::new();
    // Groups rejected for a reason that names rows: (reason, key, count text).
    let mut to_locate: Vec<(Reason, Option<String>, Option<String>, u64)> = Vec::new();
    'groups: for g in &groups {
        let n = g.rows;
        for (k, (filter, _)) in filters.iter().enumerate() {
            if !filter.keeps(g.segment[segment_columns.len() + k].as_deref()) {
                ledger.reject_rows_unlocated(filter.reason(), n);
                continue 'groups;
            }
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
        let segment: Vec<String> = g.segment[..segment_columns.len()]
            .iter()
            .map(|s| present(s.as_deref()).unwrap_or("").to_string())
            .collect();
        ledger.used(n);
        *counts.entry((date, segment)).or_insert(0) += n * per_row;
        *rows_per_date.entry(date).or_insert(0) += n;
    }
    if !to_locate.is_empty() {
        locate_rejections(source, &time_column, strategy, roles.get(Role::Count), &to_locate, &mut ledger)?;
    }
    let dates: Vec<NaiveDate> = rows_per_date.keys().copied().collect();
    let aggregated = columns.count.is_some() && all_midnight;
    let granularity = Granularity::detect(&parser.layout, aggregated, &dates, &time_column);
    let filters = filters.into_iter().map(|(f, column)| (f.clone(), column)).collect();
    let order_lines = order_lines.map(str::to_string);
    Ok(DeliveryCounts {
        counts,
        rows_per_date,
        granularity,
        ledger,
        roles,
        time: parser,
        filters,
        order_lines,
        per_customer,
    })
}

/// How the time column is turned into a group key whose text the time
/// parser reads as the delivery's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeKey {
    /// The whole value (values with offsets, custom formats).
    Whole,
    /// The first `n` characters: the date part when every sample's is `n` wide.
    Prefix(i64),
    /// The text before the time of day (`T` or space): exact, slower (regex).
    DatePart,
    /// A typed Parquet date/datetime: its date.
    TypedDate,
}

impl TimeKey {
    fn expr(self, column: &str) -> Expr {
        let text = col(column).cast(DataType::String);
        match self {
            TimeKey::Whole => text,
            TimeKey::Prefix(n) => text.str().slice(lit(0), lit(n)),
            TimeKey::DatePart => text.str().extract(lit(r"^\s*([^T\s]*)"), 1),
            TimeKey::TypedDate => col(column).cast(DataType::Date),
        }
    }
}

/// The fastest exact key for this column.
fn time_key(parser: &TimeParser, samples: &[&str], typed: bool) -> TimeKey {
    if typed {
        return TimeKey::TypedDate;
    }
    // Only layouts whose date comes first, before a space or `T`, can be cut
    // to their date; the rest (names, epochs, custom formats) group whole.
    let date_first = matches!(
        parser.layout,
        TimeLayout::Iso
            | TimeLayout::YearSlash
            | TimeLayout::DayDot
            | TimeLayout::DaySlash
            | TimeLayout::MonthSlash
            | TimeLayout::DayDash
            | TimeLayout::MonthDash
            | TimeLayout::IsoWeek
            | TimeLayout::Month
    );
    if !date_first || samples.iter().any(|s| has_offset(s)) {
        return TimeKey::Whole;
    }
    let width = |s: &&str| s.find(['T', ' ']).unwrap_or(s.len());
    match samples.first().map(width) {
        Some(w) if w > 0 && samples.iter().all(|s| !s.starts_with(char::is_whitespace) && width(s) == w) => {
            TimeKey::Prefix(w as i64)
        }
        _ => TimeKey::DatePart,
    }
}

/// Deliveries grouped by time key, segment and count text: the specialised
/// Parquet or CSV counter where it applies (Parquet, plain UTF-8 CSV), else
/// a polars group-by.
fn grouped(
    source: &Source,
    columns: &Columns,
    strategy: TimeKey,
    group: &[Expr],
) -> Result<(Vec<Group>, Option<PerCustomer>)> {
    let cut = match strategy {
        TimeKey::Whole => Some(KeyCut::Whole),
        TimeKey::Prefix(n) => Some(KeyCut::Prefix(n as usize)),
        TimeKey::DatePart => Some(KeyCut::DatePart),
        TimeKey::TypedDate => None,
    };
    if let Some(files) = source.parquet_files() {
        let time = match cut {
            Some(cut) => parquet_count::TimeRead::Text(cut),
            None => parquet_count::TimeRead::Typed,
        };
        return parquet_count::count(files, columns, time)
            .map(|counted| (counted.groups, counted.per_customer))
            .with_context(|| format!("{}: cannot read the deliveries", source.display()));
    }
    if let (Some(cut), Some((files, delimiter))) = (cut, source.plain_csv()) {
        let index =
            |name: &str| source.columns.iter().position(|c| c == name).expect("a column of this file");
        let fields = Fields {
            time: index(columns.time),
            segments: columns.segments.iter().map(|s| index(s)).collect(),
            count: columns.count.map(index),
            cut,
            customer: columns.customer.map(index),
        };
        return fast_count::count(files, delimiter, &fields)
            .map(|counted| (counted.groups, counted.per_customer))
            .map_err(|e| explain_read_error(source, e))
            .with_context(|| format!("{}: cannot read the deliveries", source.display()));
    }
    let mut by = vec![strategy.expr(columns.time).alias(KEY)];
    by.extend(group.iter().cloned());
    let frame = source
        .scan()?
        .group_by(by)
        .agg([len().alias(ROWS)])
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{}: cannot read the deliveries", source.display()))?
        .unwrap_single();
    let keys = frame.column(KEY)?.cast(&DataType::String)?;
    let keys = keys.str()?;
    let rows = frame.column(ROWS)?.cast(&DataType::UInt64)?;
    let rows = rows.u64()?;
    let segments: Vec<&StringChunked> = (0..columns.segments.len())
        .map(|k| frame.column(&format!("__segment{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let counts = match columns.count {
        Some(_) => Some(frame.column(COUNT)?.str()?),
        None => None,
    };
    let groups = (0..frame.height())
        .map(|g| Group {
            key: keys.get(g).map(str::to_string),
            segment: segments.iter().map(|s| s.get(g).map(str::to_string)).collect(),
            count: counts.and_then(|c| c.get(g)).map(str::to_string),
            rows: rows.get(g).unwrap_or(0),
        })
        .collect();
    Ok((groups, None))
}

/// How many first rows are checked for repeated order ids.
const ORDER_SAMPLE: IdxSize = 100_000;

/// Whether the deliveries are order lines: an order id repeats among the
/// first `ORDER_SAMPLE` rows.
fn order_ids_repeat(source: &Source, order: &str) -> Result<bool> {
    let head = source
        .scan()?
        .limit(ORDER_SAMPLE)
        .select([col(order).cast(DataType::String)])
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))?;
    let mut seen = HashSet::new();
    Ok(head.column(order)?.str()?.iter().filter_map(present).any(|id| !seen.insert(id)))
}

/// Order lines: one delivery per order id, its first line in file order
/// (a line a filter drops does not stand for its order). The groups to
/// count, and how many lines were more lines of an order already counted.
fn one_per_order(
    source: &Source,
    order: &str,
    strategy: TimeKey,
    columns: &Columns,
    group: &[Expr],
    filters: &[(&RowFilter, String)],
) -> Result<(Vec<Group>, u64)> {
    let mut by =
        vec![col(order).cast(DataType::String).alias("__order"), strategy.expr(columns.time).alias(KEY)];
    by.extend(group.iter().cloned());
    let frame = source
        .scan_with_rows()?
        .group_by(by)
        .agg([
            len().cast(DataType::UInt64).alias(ROWS),
            col(ROW).min().cast(DataType::UInt64).alias(FIRST_ROW),
        ])
        .sort([FIRST_ROW], Default::default())
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{}: cannot read the deliveries' order lines", source.display()))?;
    let orders = frame.column("__order")?.str()?;
    let keys = frame.column(KEY)?.cast(&DataType::String)?;
    let keys = keys.str()?;
    let rows = frame.column(ROWS)?.u64()?;
    let segments: Vec<&StringChunked> = (0..columns.segments.len())
        .map(|k| frame.column(&format!("__segment{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let counts = match columns.count {
        Some(_) => Some(frame.column(COUNT)?.str()?),
        None => None,
    };
    let first_filter = columns.segments.len() - filters.len();
    let mut seen: HashSet<&str> = HashSet::new();
    let (mut groups, mut more_lines) = (Vec::new(), 0u64);
    for g in 0..frame.height() {
        let n = rows.get(g).unwrap_or(0);
        let segment: Vec<Option<String>> = segments.iter().map(|s| s.get(g).map(str::to_string)).collect();
        let dropped =
            filters.iter().enumerate().any(|(k, (f, _))| !f.keeps(segment[first_filter + k].as_deref()));
        let counted = match present(orders.get(g)) {
            _ if dropped => n,
            None => n,
            Some(id) if seen.insert(id) => {
                more_lines += n - 1;
                1
            }
            Some(_) => {
                more_lines += n;
                continue;
            }
        };
        groups.push(Group {
            key: keys.get(g).map(str::to_string),
            segment,
            count: counts.and_then(|c| c.get(g)).map(str::to_string),
            rows: counted,
        });
    }
    Ok((groups, more_lines))
}

/// Find the first row numbers of rejected groups (a second, filtered pass,
/// only when some rows were rejected) and ledger them.
fn locate_rejections(
    source: &Source,
    time_column: &str,
    strategy: TimeKey,
    count_column: Option<&str>,
    rejected: &[(Reason, Option<String>, Option<String>, u64)],
    ledger: &mut Ledger,
) -> Result<()> {
    let key = strategy.expr(time_column).cast(DataType::String).alias(KEY);
    let count = match count_column {
        Some(c) => col(c).cast(DataType::String),
        None => lit(NULL).cast(DataType::String),
    }
    .alias(COUNT);
    let firsts = source
        .scan_with_rows()?
        .select([key, count, col(ROW).cast(DataType::UInt64)])
        .group_by([col(KEY), col(COUNT)])
        .agg([col(ROW).min().alias(FIRST_ROW)])
        .collect()
        .map_err(anyhow::Error::new)?;
    let keys = firsts.column(KEY)?.str()?;
    let counts = firsts.column(COUNT)?.str()?;
    let rows = firsts.column(FIRST_ROW)?.u64()?;
    for (reason, key, count_text, n) in rejected {
        let first = (0..firsts.height())
            .filter(|&i| {
                let same_key = match key {
                    None => present(keys.get(i)).is_none(),
                    Some(k) => keys.get(i) == Some(k.as_str()),
                };
                same_key && (count_text.is_none() || counts.get(i) == count_text.as_deref())
            })
            .filter_map(|i| rows.get(i))
            .min()
            .unwrap_or(0);
        let example =
            if *reason == Reason::TimeMissing { None } else { count_text.as_deref().or(key.as_deref()) };
        ledger.reject_value(reason.clone(), *n, first, example);
    }
    Ok(())
}

/// What a complaint can take from its delivery, found by order key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderInfo {
    /// The delivery's local date (None when its time is missing or unreadable).
    pub date: Option<NaiveDate>,
    /// Values of the `--by` columns ("" where missing).
    pub segment: Vec<String>,
    /// The delivery's customer, when the deliveries carry one.
    pub customer: Option<String>,
}

/// The date and `--by` values of the deliveries with the given order keys
/// (the first delivery row wins where an order repeats).
pub fn orders_info(
    source: &DeliveriesSource,
    counts: &DeliveryCounts,
    by: &[String],
    orders: &HashSet<String>,
) -> Result<HashMap<String, OrderInfo>> {
    let file = source.display();
    let source = match source {
        DeliveriesSource::File(source) => source,
        DeliveriesSource::Postgres(pg, query) => {
            let Some(order) = counts.roles.get(Role::Order) else {
                bail!(
                    "{file}: complaints must be matched to their deliveries, but the deliveries have no order column; name it with --col deliveries.order=COLUMN"
                );
            };
            let orders: Vec<String> = orders.iter().cloned().collect();
            let mut map = HashMap::new();
            for record in pg.orders(query, order, counts.roles.get(Role::Customer), &orders)? {
                let field = |k: usize| record.get(k).unwrap_or("");
                let segment = (0..by.len()).map(|k| field(2 + k).to_string()).collect();
                let customer = present(Some(field(2 + by.len()))).map(str::to_string);
                let info = OrderInfo { date: field(1).parse().ok(), segment, customer };
                map.entry(field(0).to_string()).or_insert(info);
            }
            return Ok(map);
        }
    };
    let Some(order_column) = counts.roles.get(Role::Order) else {
        bail!(
            "{file}: complaints must be matched to their deliveries (for --attribute delivery, a --by \
             column, a customer or a time the complaints lack), but the deliveries have no order \
             column; name it with --col deliveries.order=COLUMN"
        );
    };
    let time_column = counts.roles.get(Role::Time).expect("time is required");
    let wanted = Series::new("orders".into(), orders.iter().cloned().collect::<Vec<String>>());
    let mut select = vec![
        col(order_column).cast(DataType::String).alias("__order"),
        col(time_column).cast(DataType::String).alias("__time"),
    ];
    for (k, b) in by.iter().enumerate() {
        let column = source.column(b).expect("checked by count()");
        select.push(col(column).cast(DataType::String).alias(format!("__segment{k}")));
    }
    let customer_column = counts.roles.get(Role::Customer);
    if let Some(customer) = customer_column {
        select.push(col(customer).cast(DataType::String).alias("__customer"));
    }
    let frame = source
        .scan()?
        .select(select)
        .filter(col("__order").is_in(lit(wanted).implode(false), false))
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the deliveries' orders"))?;
    let order_values = frame.column("__order")?.str()?;
    let times = frame.column("__time")?.str()?;
    let segment_values: Vec<&StringChunked> = (0..by.len())
        .map(|k| frame.column(&format!("__segment{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let customers = match customer_column {
        Some(_) => Some(frame.column("__customer")?.str()?),
        None => None,
    };
    let mut map = HashMap::new();
    for i in 0..frame.height() {
        if let Some(order) = present(order_values.get(i)) {
            let date = present(times.get(i)).and_then(|t| counts.time.parse(t)).map(|t| t.date());
            let segment =
                segment_values.iter().map(|s| present(s.get(i)).unwrap_or("").to_string()).collect();
            let customer = customers.and_then(|c| present(c.get(i))).map(str::to_string);
            map.entry(order.to_string()).or_insert(OrderInfo { date, segment, customer });
        }
    }
    Ok(map)
}
