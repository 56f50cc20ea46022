//! The complaints table as typed records: one per used complaint row, with
//! its local time, customer, channel (case-folded), order, category and the
//! values of the `--by` columns.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::ledger::{self, Ledger};
use super::roles::{Role, Roles, Table};
use super::source::{ROW, Source, explain_read_error};
use super::time::{DetectError, TimeLayout, TimeParser, plausible_year};
use super::{InputOptions, TIME_SAMPLE, present};

#[derive(Clone, Debug, PartialEq)]
pub struct Complaint {
    /// Row number in the file (header = row 1).
    pub row: u64,
    pub time: NaiveDateTime,
    pub customer: Option<Box<str>>,
    /// Trimmed and case-folded, so `Phone` and `phone ` are one channel.
    /// Channels, categories and segments are few: each distinct value is
    /// held once and shared.
    pub channel: Option<Arc<str>>,
    pub order: Option<Box<str>>,
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
    pub ledger: Ledger,
    pub roles: Roles,
    pub time: TimeParser,
    /// For each `--by` column: whether the complaints file carries it.
    pub has_segment_column: Vec<bool>,
}

/// Read and type the complaints file. Rows without a usable time and later
/// duplicates of a complaint id are rejected in the ledger; the rest are
/// `used` and `counted` until `metrics::dataset` applies `--from/--to`.
pub fn load(source: &Source, options: &InputOptions, by: &[String]) -> Result<ComplaintTable> {
    let file = source.display();
    let roles = Roles::detect(Table::Complaints, &source.columns, &options.overrides)?;
    let time_column = roles.require(Table::Complaints, Role::Time, &source.columns, &file)?.to_string();
    let optional = [Role::Customer, Role::Channel, Role::Order, Role::Category, Role::Id];
    let segment_columns: Vec<Option<String>> =
        by.iter().map(|b| source.column(b).map(str::to_string)).collect();

    let mut wanted: Vec<String> = vec![ROW.to_string(), time_column.clone()];
    wanted.extend(optional.iter().filter_map(|r| roles.get(*r).map(str::to_string)));
    wanted.extend(segment_columns.iter().flatten().cloned());
    let mut unique = HashSet::new();
    wanted.retain(|c| unique.insert(c.clone()));
    // A typed date or naive datetime (Parquet) is read as it is, not
    // formatted as text and parsed back, unless --date-format says how to read it.
    let schema = source.scan()?.collect_schema().map_err(anyhow::Error::new)?;
    let typed = options.date_format.is_none()
        && matches!(schema.get(&time_column), Some(DataType::Date | DataType::Datetime(_, None)));
    // The values are read where polars holds them; only used rows are copied.
    let frame = source
        .scan_with_rows()?
        .select(
            wanted
                .iter()
                .map(|c| match c {
                    c if c == ROW => col(c.as_str()).cast(DataType::UInt64),
                    c if typed && *c == time_column => col(c.as_str()),
                    c => col(c.as_str()).cast(DataType::String),
                })
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the complaints"))?;

    let column = |name: &str| -> Result<&StringChunked> { Ok(frame.column(name)?.str()?) };
    let rows = frame.column(ROW)?.u64()?;
    let (times, typed_times) = match typed {
        true => (None, Some(naive_times(frame.column(&time_column)?)?)),
        false => (Some(column(&time_column)?), None),
    };
    let role_column =
        |role: Role| -> Result<Option<&StringChunked>> { roles.get(role).map(column).transpose() };
    let customers = role_column(Role::Customer)?;
    let channels = role_column(Role::Channel)?;
    let orders = role_column(Role::Order)?;
    let categories = role_column(Role::Category)?;
    let ids = role_column(Role::Id)?;
    let segments: Vec<Option<&StringChunked>> =
        segment_columns.iter().map(|c| c.as_deref().map(column).transpose()).collect::<Result<_>>()?;

    let samples: Vec<&str> =
        times.into_iter().flat_map(|t| t.iter().filter_map(present)).take(TIME_SAMPLE).collect();
    let first_row = times.and_then(|t| t.iter().position(|t| present(t).is_some())).and_then(|i| rows.get(i));
    let parser = detect_time(&samples, first_row, options, &file, &time_column)?;

    let mut ledger = Ledger::new("complaints", &file);
    // Sized once: growing a set of 232 k ids held the old and new tables together (+4.5 MB at the peak).
    let mut seen_ids: foldhash::HashSet<&str> = foldhash::HashSet::with_capacity_and_hasher(
        if ids.is_some() { frame.height() } else { 0 },
        Default::default(),
    );
    let mut channel_values = Shared::default();
    let mut category_values = Shared::default();
    let mut segment_values: Vec<Shared> = segments.iter().map(|_| Shared::default()).collect();
    let mut records = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let row = rows.get(i).unwrap_or(0);
        let time = match (&typed_times, times) {
            (Some(typed), _) => match typed[i] {
                None => {
                    ledger.reject(ledger::TIME_MISSING, 1, row);
                    continue;
                }
                Some(time) if !plausible_year(time) => {
                    ledger.reject_value(ledger::TIME_IMPLAUSIBLE, 1, row, Some(&time.to_string()));
                    continue;
                }
                Some(time) => time,
            },
            (None, times) => {
                let Some(raw) = times.and_then(|t| present(t.get(i))) else {
                    ledger.reject(ledger::TIME_MISSING, 1, row);
                    continue;
                };
                let Some(time) = parser.parse(raw) else {
                    ledger.reject_value(ledger::TIME_UNPARSEABLE, 1, row, Some(raw));
                    continue;
                };
                if !plausible_year(time) {
                    ledger.reject_value(ledger::TIME_IMPLAUSIBLE, 1, row, Some(raw));
                    continue;
                }
                time
            }
        };
        if let Some(id) = value(ids, i)
            && !seen_ids.insert(id)
        {
            ledger.reject(ledger::DUPLICATE_ID, 1, row);
            continue;
        }
        ledger.used(1);
        records.push(Complaint {
            row,
            time,
            customer: value(customers, i).map(Box::from),
            channel: value(channels, i).map(|c| {
                channel_values.get(c, |c| {
                    let folded = super::channels::fold(c);
                    options.channels.get(&folded).cloned().unwrap_or(folded)
                })
            }),
            order: value(orders, i).map(Box::from),
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
    Ok(ComplaintTable { records, ledger, roles, time: parser, has_segment_column })
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
    options: &InputOptions,
    file: &str,
    column: &str,
) -> Result<TimeParser> {
    // No values at all (a header-only export): nothing to detect, nothing to parse.
    if samples.is_empty() && options.date_format.is_none() {
        return Ok(TimeParser { layout: TimeLayout::Iso, tz: options.tz });
    }
    let at = first_row.map(|r| format!(" at row {r}")).unwrap_or_default();
    match TimeParser::detect(samples, options.dayfirst, options.date_format.as_deref(), options.tz) {
        Ok(parser) => Ok(parser),
        Err(DetectError::Ambiguous { example }) => bail!(
            "{file}: column {column:?} reads both as dd/mm/yyyy and as mm/dd/yyyy (e.g. {example:?}{at}). \
             Pass --dayfirst for dd/mm/yyyy, or --date-format '%m/%d/%Y' for mm/dd/yyyy"
        ),
        Err(DetectError::Unknown { example }) if samples.is_empty() => {
            bail!("{file}: column {column:?} has no values; it cannot serve as the time{example}")
        }
        Err(DetectError::Unknown { example }) => bail!(
            "{file}: column {column:?} holds no time the tool can read (e.g. {example:?}{at}). \
             Known layouts: yyyy-mm-dd[ HH:MM[:SS]], dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy, yyyy/mm/dd, \
             2025-W10, 2025-03. Pass --date-format with a strftime pattern (e.g. '%d %b %Y'), \
             or name another column with --col TABLE.time=COLUMN"
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
