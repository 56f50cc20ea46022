//! The complaints table as typed records: one per used complaint row, with
//! its local time, customer, channel (case-folded), order, category and the
//! values of the `--by` columns.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime};
use hashbrown::HashTable;
use polars::prelude::*;
use rayon::prelude::*;

use super::keys::{Key, Keys};
use super::ledger::{Ledger, Reason};
use super::roles::{Role, Roles, Table};
use super::source::{ROW, Source, explain_read_error};
use super::time::{DetectError, TimeLayout, TimeParser, plausible_year};
use super::{InputOptions, RowFilter, TIME_SAMPLE, TableOptions, present};

#[derive(Clone, Debug, PartialEq)]
pub struct Complaint {
    /// Row number in the file (header = row 1).
    pub row: u64,
    pub time: NaiveDateTime,
    /// The customer's code in `ComplaintTable::customers`.
    pub customer: Option<Key>,
    /// Trimmed and case-folded, so `Phone` and `phone ` are one channel.
    /// Channels, categories and segments are few: each distinct value is
    /// held once and shared.
    pub channel: Option<Arc<str>>,
    /// The order's code in `ComplaintTable::orders`; `None` also when no
    /// order id is needed (see `load`).
    pub order: Option<Key>,
    pub category: Option<Arc<str>>,
    /// Values of the `--by` columns; `None` where the complaints file lacks
    /// the column (it then comes from the delivery, through the order).
    pub segment: Box<[Option<Arc<str>>]>,
    /// The day whose period counts this complaint: its own date, or its
    /// delivery's date with `--attribute delivery`.
    pub bucket_date: NaiveDate,
    /// Counted in the report. Outside `--from`/`--to` (or without a needed
    /// delivery) a complaint is context for repeats only.
    pub counted: bool,
}

pub struct ComplaintTable {
    pub records: Vec<Complaint>,
    /// The customer ids, each held once; records carry their codes.
    pub customers: Keys,
    /// The order ids, likewise.
    pub orders: Keys,
    pub ledger: Ledger,
    pub roles: Roles,
    pub time: TimeParser,
    pub time_source: TimeSource,
    /// For each `--by` column: whether the complaints file carries it.
    pub has_segment_column: Vec<bool>,
    /// The customer comes from each complaint's delivery (the complaints
    /// have an order id but no customer column).
    pub customers_from_orders: bool,
}

impl ComplaintTable {
    /// Whether complaints can have a customer: repeats and concentration.
    pub fn has_customers(&self) -> bool {
        self.roles.get(Role::Customer).is_some() || self.customers_from_orders
    }

    /// A complaint's customer id.
    pub fn customer(&self, complaint: &Complaint) -> Option<&str> {
        complaint.customer.map(|k| self.customers.text(k))
    }
}

/// Where a complaint's time comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// One column.
    Column(String),
    /// A date column and a time-of-day column (`--col complaints.time=Date+Time`).
    DateAndTime(String, String),
    /// No time column: the time of the complaint's delivery, through its
    /// order id (a returns list); set by `metrics::dataset`.
    FromOrder,
}

/// Read and type the complaints file. Rows a `--where` filter drops, rows
/// without a usable time and later events of a complaint id already seen
/// are rejected in the ledger; the rest are `used` and `counted` until
/// `metrics::dataset` applies `--from/--to` and the coverage.
/// `keep_orders`: the order ids are wanted even when no complaint needs its
/// delivery (repeats keyed by customer and order, complaints attributed to
/// their delivery); else they are read only when some complaint must be
/// matched to its delivery, as they are millions of texts.
pub fn load(
    source: &Source,
    options: &InputOptions,
    by: &[String],
    keep_orders: bool,
) -> Result<ComplaintTable> {
    let file = source.display();
    let table = options.table(Table::Complaints);
    let roles = Roles::detect(Table::Complaints, &source.columns, &options.overrides)?;
    let time_source = match roles.get(Role::Time) {
        Some(column) => match roles.time_parts() {
            Some((date, time)) => TimeSource::DateAndTime(date.to_string(), time.to_string()),
            None => TimeSource::Column(column.to_string()),
        },
        None if roles.get(Role::Order).is_some() => TimeSource::FromOrder,
        None => {
            let likely = time_like_columns(source, table, options.tz);
            roles.require(Table::Complaints, Role::Time, &source.columns, &file, &likely)?;
            unreachable!("require fails without a time column")
        }
    };
    let segment_columns: Vec<Option<String>> =
        by.iter().map(|b| source.column(b).map(str::to_string)).collect();
    // The order ids match complaints to deliveries: needed when the
    // complaints lack their time, a `--by` column or the customer (the
    // cases of `metrics::dataset::join_orders`; keep the two in step).
    let needs_orders = keep_orders
        || time_source == TimeSource::FromOrder
        || segment_columns.iter().any(Option::is_none)
        || roles.get(Role::Customer).is_none();
    let optional = [Role::Customer, Role::Channel, Role::Order, Role::Category, Role::Id]
        .into_iter()
        .filter(|&role| role != Role::Order || needs_orders);
    let filters = super::filter::columns_of(source, &options.filters_of(Table::Complaints))?;

    let time_columns: Vec<String> = match &time_source {
        TimeSource::Column(c) => vec![c.clone()],
        TimeSource::DateAndTime(d, t) => vec![d.clone(), t.clone()],
        TimeSource::FromOrder => vec![],
    };
    let mut wanted: Vec<String> = vec![ROW.to_string()];
    wanted.extend(time_columns.iter().cloned());
    wanted.extend(optional.clone().filter_map(|r| roles.get(r).map(str::to_string)));
    wanted.extend(segment_columns.iter().flatten().cloned());
    wanted.extend(filters.iter().map(|(_, c)| c.clone()));
    let mut unique = HashSet::new();
    wanted.retain(|c| unique.insert(c.clone()));
    // A typed date or naive datetime (Parquet) is read as it is, not
    // formatted as text and parsed back, unless --date-format says how to read it.
    let schema = source.scan()?.collect_schema().map_err(anyhow::Error::new)?;
    let typed_column = match &time_source {
        TimeSource::Column(c)
            if table.date_format.is_none()
                && matches!(schema.get(c), Some(DataType::Date | DataType::Datetime(_, None))) =>
        {
            Some(c.clone())
        }
        _ => None,
    };
    // The values are read where polars holds them; only used rows are copied.
    let mut frame = source
        .scan_with_rows()?
        .select(
            wanted
                .iter()
                .map(|c| match c {
                    c if c == ROW => col(c.as_str()).cast(DataType::UInt64),
                    c if typed_column.as_ref() == Some(c) => col(c.as_str()),
                    c => col(c.as_str()).cast(DataType::String),
                })
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the complaints"))?;
    // One chunk per column: the row loop's `get(i)` is then a lookup, not a
    // walk over the chunks (the views are copied, the text is not).
    frame.rechunk_mut_par();

    let column = |name: &str| -> Result<&StringChunked> { Ok(frame.column(name)?.str()?) };
    let rows = frame.column(ROW)?.u64()?;
    let typed_times =
        typed_column.as_deref().map(|c| naive_times(frame.column(c).expect("selected"))).transpose()?;
    let text_times: Vec<&StringChunked> = match typed_column {
        Some(_) => vec![],
        None => time_columns.iter().map(|c| column(c)).collect::<Result<_>>()?,
    };
    // The text of row i's time: one column, or "date time" from two.
    let time_text = |i: usize| -> Option<std::borrow::Cow<'_, str>> {
        match text_times.as_slice() {
            [one] => present(one.get(i)).map(std::borrow::Cow::Borrowed),
            [date, time] => {
                let date = present(date.get(i))?;
                Some(match present(time.get(i)) {
                    Some(t) => std::borrow::Cow::Owned(format!("{date} {t}")),
                    None => std::borrow::Cow::Borrowed(date),
                })
            }
            _ => None,
        }
    };
    let role_column =
        |role: Role| -> Result<Option<&StringChunked>> { roles.get(role).map(column).transpose() };
    let customers = role_column(Role::Customer)?;
    let channels = role_column(Role::Channel)?;
    let orders = if needs_orders { role_column(Role::Order)? } else { None };
    let categories = role_column(Role::Category)?;
    let ids = role_column(Role::Id)?;
    let segments: Vec<Option<&StringChunked>> =
        segment_columns.iter().map(|c| c.as_deref().map(column).transpose()).collect::<Result<_>>()?;
    let filter_values: Vec<(&RowFilter, &StringChunked)> =
        filters.iter().map(|(f, c)| Ok((*f, column(c)?))).collect::<Result<_>>()?;

    let parser = if text_times.is_empty() {
        TimeParser { layout: TimeLayout::Iso, tz: options.tz }
    } else {
        let first = (0..frame.height()).find(|&i| time_text(i).is_some());
        let samples: Vec<std::borrow::Cow<'_, str>> =
            (0..frame.height()).filter_map(time_text).take(TIME_SAMPLE).collect();
        let samples: Vec<&str> = samples.iter().map(|s| s.as_ref()).collect();
        let shown_column = time_columns.join("+");
        detect_time(&samples, first.and_then(|i| rows.get(i)), table, options.tz, &file, &shown_column)?
    };

    // Times parsed on both cores first; the loop below redoes only the
    // rows that fail, to name the reason.
    let parsed: Vec<Option<NaiveDateTime>> = if text_times.is_empty() {
        Vec::new()
    } else {
        (0..frame.height()).into_par_iter().map(|i| time_text(i).and_then(|raw| parser.parse(&raw))).collect()
    };
    let mut ledger = Ledger::new("complaints", &file);
    // The rows whose complaint id was seen, by row (4 bytes each, the id
    // read back from the column); sized once, as growing a table holds the
    // old and new together.
    let mut seen_ids: HashTable<u32> =
        HashTable::with_capacity(if ids.is_some() { frame.height() } else { 0 });
    let id_hash = foldhash::fast::FixedState::default();
    let mut channel_values = Shared::default();
    let mut category_values = Shared::default();
    let mut segment_values: Vec<Shared> = segments.iter().map(|_| Shared::default()).collect();
    let mut records = Vec::with_capacity(frame.height());
    let mut customer_keys = Keys::default();
    // Order ids are nearly one per complaint: sized once, never regrown.
    let mut order_keys = Keys::with_capacity(if orders.is_some() { frame.height() } else { 0 });
    'rows: for i in 0..frame.height() {
        let row = rows.get(i).unwrap_or(0);
        for (filter, values) in &filter_values {
            if !filter.keeps(values.get(i)) {
                ledger.reject(filter.reason(), 1, row);
                continue 'rows;
            }
        }
        let time = match (&typed_times, &time_source) {
            (_, TimeSource::FromOrder) => NaiveDateTime::MIN,
            (Some(typed), _) => match typed[i] {
                None => {
                    ledger.reject(Reason::TimeMissing, 1, row);
                    continue;
                }
                Some(time) if !plausible_year(time) => {
                    ledger.reject_value(Reason::TimeImplausible, 1, row, Some(&time.to_string()));
                    continue;
                }
                Some(time) => time,
            },
            (None, _) if parsed[i].is_some_and(plausible_year) => parsed[i].expect("checked"),
            (None, _) => {
                let Some(raw) = time_text(i) else {
                    ledger.reject(Reason::TimeMissing, 1, row);
                    continue;
                };
                let Some(time) = parser.parse(&raw) else {
                    ledger.reject_value(Reason::TimeUnparseable, 1, row, Some(&raw));
                    continue;
                };
                if !plausible_year(time) {
                    ledger.reject_value(Reason::TimeImplausible, 1, row, Some(&raw));
                    continue;
                }
                time
            }
        };
        if let Some(id) = value(ids, i) {
            let same = |&j: &u32| value(ids, j as usize) == Some(id);
            let rehash = |&j: &u32| id_hash.hash_one(value(ids, j as usize).unwrap_or_default());
            match seen_ids.entry(id_hash.hash_one(id), same, rehash) {
                hashbrown::hash_table::Entry::Occupied(_) => {
                    ledger.reject(Reason::MoreEvents, 1, row);
                    continue;
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(u32::try_from(i).context("more than 4 billion complaint rows")?);
                }
            }
        }
        ledger.used(1);
        records.push(Complaint {
            row,
            time,
            customer: value(customers, i).map(|c| customer_keys.code(c)),
            channel: value(channels, i).map(|c| {
                channel_values.get(c, |c| {
                    let folded = super::channels::fold(c);
                    options.channels.get(&folded).cloned().unwrap_or(folded)
                })
            }),
            order: value(orders, i).map(|o| order_keys.code(o)),
            category: value(categories, i).map(|c| category_values.get(c, str::to_string)),
            segment: segments
                .iter()
                .zip(&mut segment_values)
                .map(|(s, shared)| s.map(|v| shared.get(present(v.get(i)).unwrap_or(""), str::to_string)))
                .collect(),
            bucket_date: time.date(),
            counted: true,
        });
    }
    let has_segment_column = segment_columns.iter().map(Option::is_some).collect();
    Ok(ComplaintTable {
        records,
        customers: customer_keys,
        orders: order_keys,
        ledger,
        roles,
        time: parser,
        time_source,
        has_segment_column,
        customers_from_orders: false,
    })
}

/// Columns whose first values read as times (at least 9 in 10): what a
/// missing time column's message offers first.
pub fn time_like_columns(source: &Source, table: &TableOptions, tz: chrono_tz::Tz) -> Vec<String> {
    let Ok(head) = source.scan().and_then(|scan| {
        scan.select(source.columns.iter().map(|c| col(c.as_str()).cast(DataType::String)).collect::<Vec<_>>())
            .limit(200)
            .collect()
            .map_err(anyhow::Error::new)
    }) else {
        return Vec::new();
    };
    source
        .columns
        .iter()
        .filter(|name| {
            let Ok(values) = head.column(name).and_then(|c| c.str().cloned()) else { return false };
            let values: Vec<&str> = values.iter().filter_map(present).collect();
            if values.is_empty() || values.iter().all(|v| v.parse::<f64>().is_ok()) {
                return false;
            }
            TimeParser::detect(&values, table.dayfirst.or(Some(true)), None, tz).is_ok_and(|p| {
                values.iter().filter(|v| p.parse(v).is_some()).count() * 10 >= values.len() * 9
            })
        })
        .cloned()
        .collect()
}

/// One shared copy of each distinct value of a column, made from the text
/// read by `make` when first seen.
#[derive(Default)]
struct Shared<'a>(foldhash::HashMap<&'a str, Arc<str>>);

impl<'a> Shared<'a> {
    fn get(&mut self, read: &'a str, make: impl FnOnce(&str) -> String) -> Arc<str> {
        self.0.entry(read).or_insert_with(|| Arc::from(make(read))).clone()
    }
}

/// A typed date or naive datetime column as local times (dates at midnight).
fn naive_times(column: &Column) -> Result<Vec<Option<NaiveDateTime>>> {
    let epoch =
        NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date").and_hms_opt(0, 0, 0).expect("midnight");
    Ok(match column.dtype() {
        DataType::Date => column
            .date()?
            .physical()
            .iter()
            .map(|days| days.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(d.into()))))
            .collect(),
        DataType::Datetime(unit, _) => {
            let step = match unit {
                TimeUnit::Nanoseconds => chrono::Duration::nanoseconds,
                TimeUnit::Microseconds => chrono::Duration::microseconds,
                TimeUnit::Milliseconds => chrono::Duration::milliseconds,
            };
            column
                .datetime()?
                .physical()
                .iter()
                .map(|v| v.and_then(|v| epoch.checked_add_signed(step(v))))
                .collect()
        }
        other => bail!("a {other} column is not a date or a datetime"),
    })
}

/// Row `i` of an optional column, when present.
fn value(column: Option<&StringChunked>, i: usize) -> Option<&str> {
    column.and_then(|c| present(c.get(i)))
}

/// Detect a time column's layout, turning failure into an error that says
/// which flag to pass. `first_row` is the row of the first sample.
pub fn detect_time(
    samples: &[&str],
    first_row: Option<u64>,
    table: &TableOptions,
    tz: chrono_tz::Tz,
    file: &str,
    column: &str,
) -> Result<TimeParser> {
    // No values at all (a header-only export): nothing to detect, nothing to parse.
    if samples.is_empty() && table.date_format.is_none() {
        return Ok(TimeParser { layout: TimeLayout::Iso, tz });
    }
    let at = first_row.map(|r| format!(" at row {r}")).unwrap_or_default();
    match TimeParser::detect(samples, table.dayfirst, table.date_format.as_deref(), tz) {
        Ok(parser) => Ok(parser),
        Err(DetectError::Ambiguous { example }) => bail!(
            "{file}: column {column:?} reads both as day first and as month first (e.g. {example:?}{at}). \
             Pass --dayfirst for day first, or --date-format with the order, e.g. --date-format '%m/%d/%Y'"
        ),
        Err(DetectError::TwoDigitYear { example, format }) => bail!(
            "{file}: column {column:?} has two-digit years (e.g. {example:?}{at}), which could be any \
             century. Pass the layout with --date-format, e.g. --date-format '{format}' (prefix \
             complaints= or deliveries= to give it for this file only)"
        ),
        Err(DetectError::Unknown { example }) if samples.is_empty() => {
            bail!("{file}: column {column:?} has no values; it cannot serve as the time{example}")
        }
        Err(DetectError::Unknown { example }) => bail!(
            "{file}: column {column:?} holds no time the tool can read (e.g. {example:?}{at}). \
             Known layouts: yyyy-mm-dd[ HH:MM[:SS]], dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy, dd-mm-yyyy, \
             yyyy/mm/dd, 22-Apr-2015, 22 April 2015, April 22, 2015, Tue Oct 31 22:10:47 +0000 2017, \
             RFC 2822, 2025-W10, 2025-03, epoch seconds. Pass --date-format with a strftime pattern \
             (e.g. '%d %b %Y'), or name another column with --col TABLE.time=COLUMN"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn typed_times_read_as_their_text_parses() {
        let text = ["2024-03-01 10:15:30.123456789", "1969-12-31 23:59:59", "2262-04-11 00:00:00"];
        let parser = TimeParser { layout: TimeLayout::Iso, tz: chrono_tz::UTC };
        let expected: Vec<Option<NaiveDateTime>> =
            text.iter().map(|t| parser.parse(t)).chain([None]).collect();
        let nanos = Int64Chunked::from_iter(
            expected.iter().map(|t| t.map(|t| t.and_utc().timestamp_nanos_opt().unwrap())),
        );
        let typed = nanos.into_datetime(TimeUnit::Nanoseconds, None).into_series();
        for unit in [TimeUnit::Nanoseconds, TimeUnit::Microseconds, TimeUnit::Milliseconds] {
            let column = typed.cast(&DataType::Datetime(unit, None)).unwrap().into_column();
            let ours = naive_times(&column).unwrap();
            let keep = match unit {
                TimeUnit::Nanoseconds => 1,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1_000_000,
            };
            let truncate = |t: NaiveDateTime| t.with_nanosecond(t.nanosecond() / keep * keep).unwrap();
            let expected: Vec<_> = expected.iter().map(|t| t.map(truncate)).collect();
            assert_eq!(ours, expected, "{unit:?}");
        }
        let dates = typed.cast(&DataType::Date).unwrap().into_column();
        let ours = naive_times(&dates).unwrap();
        assert_eq!(ours[0].unwrap().to_string(), "2024-03-01 00:00:00");
        assert_eq!(ours[1].unwrap().to_string(), "1969-12-31 00:00:00");
        assert!(naive_times(&Column::new("x".into(), [1i64])).is_err());
    }
}
