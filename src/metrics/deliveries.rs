//! The deliveries side: deliveries per local date × segment, counted by one
//! polars group-by over the file (the only pass over the big table). Time
//! values are grouped by their date text and parsed once per distinct date.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use polars::prelude::*;

use crate::input::complaints::detect_time;
use crate::input::ledger::{self, Ledger};
use crate::input::roles::{Role, Roles, Table, nearest_hint};
use crate::input::source::{ROW, Source, explain_read_error};
use crate::input::time::{TimeLayout, TimeParser, has_offset};
use crate::input::{InputOptions, TIME_SAMPLE, parse_count, present};

pub struct DeliveryCounts {
    /// Deliveries per (local date, values of the `--by` columns).
    pub counts: BTreeMap<(NaiveDate, Vec<String>), u64>,
    pub ledger: Ledger,
    pub roles: Roles,
    pub time: TimeParser,
}

const KEY: &str = "__time_key";
const COUNT: &str = "__count";
const ROWS: &str = "__rows";
const FIRST_ROW: &str = "__first_row";

/// Count deliveries per date and segment. Every `--by` column must exist in
/// the deliveries file.
pub fn count(source: &Source, options: &InputOptions, by: &[String]) -> Result<DeliveryCounts> {
    let file = source.display();
    let roles = Roles::detect(Table::Deliveries, &source.columns, &options.overrides)?;
    let time_column = roles.require(Table::Deliveries, Role::Time, &source.columns, &file)?.to_string();
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

    let samples_frame = source
        .scan()?
        .select([col(time_column.as_str()).cast(DataType::String), col(ROW).cast(DataType::UInt64)])
        .filter(col(time_column.as_str()).is_not_null())
        .limit(TIME_SAMPLE as IdxSize)
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the deliveries"))?;
    let samples: Vec<&str> = samples_frame.column(&time_column)?.str()?.iter().filter_map(present).collect();
    let first_row = samples_frame.column(ROW)?.u64()?.get(0);
    let parser = detect_time(&samples, first_row, options, &file, &time_column)?;

    // Group by the date text alone where the date part decides the day (no
    // offsets to convert): a year of timestamps collapses to ~365 keys.
    let time = col(time_column.as_str()).cast(DataType::String);
    let key = if matches!(parser.layout, TimeLayout::Custom(_)) || samples.iter().any(|s| has_offset(s)) {
        time
    } else {
        time.str().extract(lit(r"^\s*([^T\s]*)"), 1)
    };
    let mut group: Vec<Expr> = vec![key.alias(KEY)];
    group.extend(
        segment_columns
            .iter()
            .enumerate()
            .map(|(k, c)| col(c.as_str()).cast(DataType::String).alias(format!("__segment{k}"))),
    );
    if let Some(count_column) = roles.get(Role::Count) {
        group.push(col(count_column).cast(DataType::String).alias(COUNT));
    }
    let grouped = source
        .scan()?
        .group_by(group)
        .agg([len().alias(ROWS), col(ROW).min().cast(DataType::UInt64).alias(FIRST_ROW)])
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{file}: cannot read the deliveries"))?
        .unwrap_single();

    let keys = grouped.column(KEY)?.str()?;
    let rows = grouped.column(ROWS)?.cast(&DataType::UInt64)?;
    let rows = rows.u64()?;
    let first_rows = grouped.column(FIRST_ROW)?.u64()?;
    let segments: Vec<&StringChunked> = (0..segment_columns.len())
        .map(|k| grouped.column(&format!("__segment{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let counts_text = match roles.get(Role::Count) {
        Some(_) => Some(grouped.column(COUNT)?.str()?),
        None => None,
    };

    let mut ledger = Ledger::new("deliveries", &file);
    let mut counts = BTreeMap::new();
    let mut dates: HashMap<&str, Option<NaiveDate>> = HashMap::new();
    for g in 0..grouped.height() {
        let n = rows.get(g).unwrap_or(0);
        let first = first_rows.get(g).unwrap_or(0);
        let Some(key) = present(keys.get(g)) else {
            ledger.reject(ledger::TIME_MISSING, n, first);
            continue;
        };
        let date = *dates.entry(key).or_insert_with(|| parser.parse(key).map(|t| t.date()));
        let Some(date) = date else {
            ledger.reject_value(ledger::TIME_UNPARSEABLE, n, first, Some(key));
            continue;
        };
        if !options.range.contains(date) {
            ledger.reject(ledger::OUTSIDE_RANGE, n, first);
            continue;
        }
        let per_row = match &counts_text {
            None => 1,
            Some(texts) => match present(texts.get(g)).and_then(parse_count) {
                Some(c) => c,
                None => {
                    ledger.reject_value(ledger::COUNT_INVALID, n, first, texts.get(g));
                    continue;
                }
            },
        };
        let segment: Vec<String> =
            segments.iter().map(|s| present(s.get(g)).unwrap_or("").to_string()).collect();
        ledger.used(n);
        *counts.entry((date, segment)).or_insert(0) += n * per_row;
    }
    Ok(DeliveryCounts { counts, ledger, roles, time: parser })
}

/// What a complaint can take from its delivery, found by order key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderInfo {
    /// The delivery's local date (None when its time is missing or unreadable).
    pub date: Option<NaiveDate>,
    /// Values of the `--by` columns ("" where missing).
    pub segment: Vec<String>,
}

/// The date and `--by` values of the deliveries with the given order keys
/// (the first delivery row wins where an order repeats).
pub fn orders_info(
    source: &Source,
    counts: &DeliveryCounts,
    by: &[String],
    orders: &HashSet<String>,
) -> Result<HashMap<String, OrderInfo>> {
    let file = source.display();
    let Some(order_column) = counts.roles.get(Role::Order) else {
        bail!(
            "{file}: complaints must be matched to their deliveries (for --attribute delivery, or a --by \
             column the complaints lack: {}), but the deliveries have no order column; name it with \
             --col deliveries.order=COLUMN",
            by.join(", ")
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
    let mut map = HashMap::new();
    for i in 0..frame.height() {
        if let Some(order) = present(order_values.get(i)) {
            let date = present(times.get(i)).and_then(|t| counts.time.parse(t)).map(|t| t.date());
            let segment =
                segment_values.iter().map(|s| present(s.get(i)).unwrap_or("").to_string()).collect();
            map.entry(order.to_string()).or_insert(OrderInfo { date, segment });
        }
    }
    Ok(map)
}
