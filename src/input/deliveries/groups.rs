//! The polars passes over a deliveries file: rows grouped by (time key,
//! segments, filter values, count text), with the specialised CSV and
//! Parquet counters where they apply; order lines counted once per order;
//! the first rows of rejected groups found again; whether order ids repeat.

use std::collections::HashSet;

use anyhow::{Context, Result};
use polars::prelude::*;

use super::fast_csv::{self, Fields, Group, KeyCut};
use super::parquet;
use super::per_customer::PerCustomer;
use crate::input::ledger::{Ledger, Reason};
use crate::input::plan::TimeColumns;
use crate::input::source::{ROW, Source, explain_read_error};
use crate::input::time::{TimeLayout, TimeParser, has_offset};
use crate::input::{RowFilter, present};

const KEY: &str = "__time_key";
const COUNT: &str = "__count";
const ROWS: &str = "__rows";
const FIRST_ROW: &str = "__first_row";

/// How the time column is turned into a group key whose text the time
/// parser reads as the delivery's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeKey {
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
    pub fn expr(self, time: &TimeColumns) -> Expr {
        let text = time.text_expr();
        match (self, time) {
            (TimeKey::Whole, _) => text,
            (TimeKey::Prefix(n), _) => text.str().slice(lit(0), lit(n)),
            (TimeKey::DatePart, _) => text.str().extract(lit(r"^\s*([^T\s]*)"), 1),
            (TimeKey::TypedDate, TimeColumns::One(column)) => col(column.as_str()).cast(DataType::Date),
            (TimeKey::TypedDate, _) => text,
        }
    }
}

/// The deliveries file's columns a count reads.
#[derive(Clone, Debug)]
pub struct Columns<'a> {
    pub time: &'a TimeColumns,
    /// The segments the deliveries carry, then the filters' columns.
    pub segments: &'a [String],
    pub count: Option<&'a str>,
    /// Also count rows per value of this column (deliveries per customer).
    pub customer: Option<&'a str>,
}

impl Columns<'_> {
    /// Segment and filter values, and the count, as group keys.
    fn group(&self) -> Vec<Expr> {
        let mut group: Vec<Expr> = self
            .segments
            .iter()
            .enumerate()
            .map(|(k, c)| col(c.as_str()).cast(DataType::String).alias(format!("__segment{k}")))
            .collect();
        if let Some(count) = self.count {
            group.push(col(count).cast(DataType::String).alias(COUNT));
        }
        group
    }
}

/// The fastest exact key for this column.
pub fn time_key(parser: &TimeParser, samples: &[&str], typed: bool) -> TimeKey {
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
pub fn grouped(
    source: &Source,
    columns: &Columns,
    strategy: TimeKey,
) -> Result<(Vec<Group>, Option<PerCustomer>)> {
    let cut = match strategy {
        TimeKey::Whole => Some(KeyCut::Whole),
        TimeKey::Prefix(n) => Some(KeyCut::Prefix(n as usize)),
        TimeKey::DatePart => Some(KeyCut::DatePart),
        TimeKey::TypedDate => None,
    };
    // The specialised counters read one time column; two are joined by polars.
    let one = match columns.time {
        TimeColumns::One(c) => Some(c.as_str()),
        _ => None,
    };
    if let (Some(files), Some(time_column)) = (source.parquet_files(), one) {
        let time = match cut {
            Some(cut) => parquet::TimeRead::Text(cut),
            None => parquet::TimeRead::Typed,
        };
        let names = parquet::Columns {
            time: time_column,
            segments: columns.segments,
            count: columns.count,
            customer: columns.customer,
        };
        return parquet::count(files, &names, time)
            .map(|counted| (counted.groups, counted.per_customer))
            .with_context(|| format!("{}: cannot read the deliveries", source.display()));
    }
    if let (Some(cut), Some((files, delimiter)), Some(time_column)) = (cut, source.plain_csv(), one) {
        let index =
            |name: &str| source.columns.iter().position(|c| c == name).expect("a column of this file");
        let fields = Fields {
            time: index(time_column),
            segments: columns.segments.iter().map(|s| index(s)).collect(),
            count: columns.count.map(index),
            cut,
            customer: columns.customer.map(index),
        };
        return fast_csv::count(files, delimiter, &fields)
            .map(|counted| (counted.groups, counted.per_customer))
            .map_err(|e| explain_read_error(source, e))
            .with_context(|| format!("{}: cannot read the deliveries", source.display()));
    }
    let mut by = vec![strategy.expr(columns.time).alias(KEY)];
    by.extend(columns.group());
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
pub fn order_ids_repeat(source: &Source, order: &str) -> Result<bool> {
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
pub fn one_per_order(
    source: &Source,
    order: &str,
    strategy: TimeKey,
    columns: &Columns,
    filters: &[(RowFilter, String)],
) -> Result<(Vec<Group>, u64)> {
    let mut by =
        vec![col(order).cast(DataType::String).alias("__order"), strategy.expr(columns.time).alias(KEY)];
    by.extend(columns.group());
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
pub fn locate_rejections(
    source: &Source,
    time: &TimeColumns,
    strategy: TimeKey,
    count_column: Option<&str>,
    rejected: &[(Reason, Option<String>, Option<String>, u64)],
    ledger: &mut Ledger,
) -> Result<()> {
    let key = strategy.expr(time).cast(DataType::String).alias(KEY);
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
