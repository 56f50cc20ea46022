//! Deliveries counted in PostgreSQL: the table's columns get roles like a
//! file's (the time chosen among the date and timestamp columns); the
//! database returns rows and deliveries per (first filter that drops them,
//! local day, segments); the range and the ledger are applied here, by the
//! same rules as a file's groups.

use std::collections::{BTreeMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use super::{DeliveryCounts, Granularity};
use crate::input::ledger::{Ledger, Reason};
use crate::input::plan::{TablePlan, TimeColumns};
use crate::input::postgres::Postgres;
use crate::input::roles::{Choice, Role, Roles, Table, find_column};
use crate::input::time::{TimeLayout, TimeParser};
use crate::input::warehouse::{DeliveriesQuery, Dialect, Grain, LocalTime};
use crate::input::{DatasetOptions, RowFilter, present};

/// The plan of a database table: roles by name, the time the first
/// date or timestamp column among the time's candidates.
pub fn plan(pg: &Postgres, options: &DatasetOptions, by: &[&str]) -> Result<TablePlan> {
    let file = pg.shown.clone();
    let columns = pg.column_names();
    let mut roles = Roles::detect(Table::Deliveries, &columns, &options.overrides)?;
    if roles.time_parts().is_some() {
        bail!(
            "{file}: a time in two columns (--col deliveries.time=A+B) is read from files; in the database, \
             join them in a query (?query=SELECT *, CAST(a || ' ' || b AS timestamp) AS delivered_at FROM ...)"
        );
    }
    let named = roles.why.get(&Role::Time) == Some(&Choice::Named);
    if !named {
        let typed = roles.time_candidates.iter().find(|(c, _)| pg.is_time(c)).cloned();
        roles.columns.remove(&Role::Time);
        roles.why.remove(&Role::Time);
        if let Some((column, why)) = typed {
            roles.columns.insert(Role::Time, column);
            roles.why.insert(Role::Time, why);
        }
    }
    let time = roles.require(Table::Deliveries, Role::Time, &columns, &file, &[])?.to_string();
    if !pg.is_time(&time) {
        bail!(
            "{file}: the time column {time:?} is not a date or timestamp in the database; cast it in a query \
             (?query=SELECT *, CAST(... AS timestamp) AS delivered_at FROM ...)"
        );
    }
    let find = |name: &str, what: &str| -> Result<String> {
        find_column(&columns, name).cloned().with_context(|| {
            format!(
                "{file}: {what} {name}: the deliveries have no such column. Their columns are: {}",
                columns.join(", ")
            )
        })
    };
    let filters = options
        .filters_of(Table::Deliveries)
        .into_iter()
        .map(|f| {
            Ok((RowFilter { column: find(&f.column, "--where")?, ..f.clone() }, find(&f.column, "--where")?))
        })
        .collect::<Result<_>>()?;
    Ok(TablePlan {
        table: Table::Deliveries,
        file,
        segments: by.iter().map(|b| find_column(&columns, b).cloned()).collect(),
        columns,
        roles,
        time: Some(TimeColumns::One(time)),
        parser: TimeParser { layout: TimeLayout::Iso, tz: options.tz },
        typed_time: true,
        time_samples: Vec::new(),
        filters,
        given_repeats: None,
        given_switches: None,
    })
}

/// Count in the database by the plan: the query, and the counts with their ledger.
pub fn count(pg: &Postgres, plan: TablePlan, options: &DatasetOptions) -> Result<DeliveryCounts> {
    let time = plan.roles.get(Role::Time).expect("planned").to_string();
    let count = plan.count().map(str::to_string);
    let order = plan.roles.get(Role::Order).map(str::to_string);
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
    let present_segments: Vec<(usize, String)> =
        plan.segments.iter().enumerate().filter_map(|(k, c)| Some((k, c.clone()?))).collect();
    let filters: Vec<RowFilter> = plan.filters.iter().map(|(f, _)| f.clone()).collect();
    let query = DeliveriesQuery {
        relation: pg.relation.clone(),
        time: time.clone(),
        segments: present_segments.iter().map(|(_, c)| c.clone()).collect(),
        segment_names: present_segments.iter().map(|(k, _)| options.by[*k].name.clone()).collect(),
        count: count.clone(),
        distinct_order: order.filter(|_| order_lines),
        filters: filters.clone(),
        from: None,
        to: None,
        time_kind: if pg.zoned(&time) {
            LocalTime::Zoned(options.tz.name().to_string())
        } else {
            LocalTime::Naive
        },
        grain: Grain::Day,
    };
    let mut ledger = Ledger::new("deliveries", &plan.file);
    let (mut counts, mut rows_per_date) = (BTreeMap::new(), BTreeMap::new());
    let n_segments = present_segments.len();
    for record in pg.counts(&query)? {
        let field = |k: usize| record.get(k).unwrap_or("");
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
        let mut values = (0..n_segments).map(|k| field(2 + k).to_string());
        let segment: Vec<String> = plan
            .segments
            .iter()
            .map(|c| if c.is_some() { values.next().unwrap_or_default() } else { String::new() })
            .collect();
        *counts.entry((date, segment)).or_insert(0) += deliveries;
        *rows_per_date.entry(date).or_insert(0) += used;
    }
    let order_lines = query.distinct_order.clone();
    Ok(DeliveryCounts {
        counts,
        rows_per_date,
        granularity: Granularity::Day,
        ledger,
        plan,
        order_lines,
        per_customer: None,
        query: Some(query),
    })
}
