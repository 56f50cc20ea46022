//! Order lookups: what a complaint can take from its delivery (its date,
//! the `--by` values, the customer), found by order id in the file or the
//! database; only the orders of complaints that need them are read.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use polars::prelude::*;

use super::{DeliveriesSource, DeliveryCounts};
use crate::input::present;
use crate::input::roles::Role;
use crate::input::source::explain_read_error;

/// What a complaint can take from its delivery, found by order key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderInfo {
    /// The delivery's local date (None when its time is missing or unreadable).
    pub date: Option<NaiveDate>,
    /// Values of the `--by` columns the deliveries carry ("" where missing
    /// or where the deliveries lack the column).
    pub segment: Vec<String>,
    /// The delivery's customer, when the deliveries carry one.
    pub customer: Option<String>,
}

/// The date and `--by` values of the deliveries with the given order keys
/// (the first delivery row wins where an order repeats).
pub fn orders_info(
    source: &DeliveriesSource,
    counts: &DeliveryCounts,
    orders: &HashSet<String>,
) -> Result<HashMap<String, OrderInfo>> {
    let file = source.display();
    let plan = &counts.plan;
    let Some(order_column) = plan.roles.get(Role::Order) else {
        bail!(
            "{file}: complaints must be matched to their deliveries (for --attribute delivery, a --by \
             column, a customer or a time the complaints lack), but the deliveries have no order \
             column; name it with --col deliveries.order=COLUMN"
        );
    };
    let customer_column = plan.roles.get(Role::Customer);
    let present_segments: Vec<(usize, &String)> =
        plan.segments.iter().enumerate().filter_map(|(k, c)| Some((k, c.as_ref()?))).collect();
    // Each order's segment values, placed where their `--by` column is.
    let segment_of = |values: Vec<String>| -> Vec<String> {
        let mut segment = vec![String::new(); plan.segments.len()];
        for ((k, _), value) in present_segments.iter().zip(values) {
            segment[*k] = value;
        }
        segment
    };
    let source = match source {
        DeliveriesSource::File(source) => source,
        DeliveriesSource::Postgres(pg) => {
            let query = counts.query.as_ref().expect("counted in the database");
            let orders: Vec<String> = orders.iter().cloned().collect();
            let mut map = HashMap::new();
            let n = present_segments.len();
            for record in pg.orders(query, order_column, customer_column, &orders)? {
                let field = |k: usize| record.get(k).unwrap_or("");
                let segment = segment_of((0..n).map(|k| field(2 + k).to_string()).collect());
                let customer = present(Some(field(2 + n))).map(str::to_string);
                let info = OrderInfo { date: field(1).parse().ok(), segment, customer };
                map.entry(field(0).to_string()).or_insert(info);
            }
            return Ok(map);
        }
    };
    let time = plan.time.as_ref().expect("the deliveries have a time");
    let wanted = Series::new("orders".into(), orders.iter().cloned().collect::<Vec<String>>());
    let mut select =
        vec![col(order_column).cast(DataType::String).alias("__order"), time.text_expr().alias("__time")];
    for (k, (_, column)) in present_segments.iter().enumerate() {
        select.push(col(column.as_str()).cast(DataType::String).alias(format!("__segment{k}")));
    }
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
    let segment_values: Vec<&StringChunked> = (0..present_segments.len())
        .map(|k| frame.column(&format!("__segment{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let customers = match customer_column {
        Some(_) => Some(frame.column("__customer")?.str()?),
        None => None,
    };
    let mut map = HashMap::new();
    for i in 0..frame.height() {
        if let Some(order) = present(order_values.get(i)) {
            let date = present(times.get(i)).and_then(|t| plan.parser.parse(t)).map(|t| t.date());
            let segment = segment_of(
                segment_values.iter().map(|s| present(s.get(i)).unwrap_or("").to_string()).collect(),
            );
            let customer = customers.and_then(|c| present(c.get(i))).map(str::to_string);
            map.entry(order.to_string()).or_insert(OrderInfo { date, segment, customer });
        }
    }
    Ok(map)
}
