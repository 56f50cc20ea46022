//! Concentration of complaints over customers (`customers`, and the HTML
//! report's concentration section): the top complainers with their
//! deliveries, expected complaints at the overall rate, Poisson tail and
//! Benjamini–Hochberg q-value; the share of the top 1%, the customers who
//! make half, Gini and generalized Gini, and observed against expected
//! customers with two or more complaints (docs/METHODS.md §4.6).

use anyhow::Result;
use serde_json::{Value, json};

use super::View;
use super::pictures;
use super::summary::concentration_json;
use crate::input::DatasetOptions;
use crate::input::deliveries::per_customer::deliveries_per_customer;
use crate::metrics::customers::{
    Concentration, Exposures, complaints_per_customer, concentration, customer_rows,
};
use crate::metrics::dataset::Dataset;
use crate::output::table::{share, thousands};
use crate::output::{Cell, Grid};

/// The `top` customers who complain most, and the concentration summary
/// (the `customers` command).
pub fn view(data: &Dataset, options: &DatasetOptions, top: usize) -> Result<View> {
    let complaints: u64 =
        data.complaints.records.iter().filter(|c| c.counted).map(|c| u64::from(c.weight)).sum();
    let deliveries: u64 = data.deliveries.counts.values().sum();
    let p_bar = (deliveries > 0).then(|| complaints as f64 / deliveries as f64);
    let days = data.counted_days(options.range);
    let exposures = deliveries_per_customer(&data.deliveries_source, &data.deliveries, days)?;
    let not_customers = data.complaints.not_customers();
    let exposures =
        exposures.as_deref().map(|deliveries| Exposures { deliveries, not_customers: &not_customers });
    let counts = complaints_per_customer(&data.complaints.records, &data.complaints.customers);
    let c = concentration(&counts, &data.complaints.customers, exposures, p_bar);
    Ok(view_of(data, top, exposures, p_bar, &c))
}

/// The view from exposures and a concentration summary computed once (the
/// report's HTML section reuses its own).
pub fn view_of(
    data: &Dataset,
    top: usize,
    exposures: Option<Exposures>,
    p_bar: Option<f64>,
    c: &Concentration,
) -> View {
    let customers = &data.complaints.customers;
    let counts = complaints_per_customer(&data.complaints.records, customers);
    let rows = customer_rows(&counts, customers, exposures, p_bar);

    let columns = [
        "rank",
        "customer",
        "complaints",
        "deliveries",
        "expected",
        "p_value",
        "q_value",
        "share",
        "cumulative_share",
    ]
    .map(String::from)
    .to_vec();
    let mut cumulative = 0;
    let table_rows: Vec<Vec<Cell>> = rows
        .iter()
        .filter(|r| r.complaints > 0)
        .take(top)
        .enumerate()
        .map(|(rank, r)| {
            cumulative += r.complaints;
            let share = |k: u64| (c.complaints > 0).then(|| k as f64 / c.complaints as f64);
            vec![
                Cell::Int(rank as u64 + 1),
                Cell::Text(r.customer.clone()),
                Cell::Int(r.complaints),
                r.deliveries.map(Cell::Int).unwrap_or(Cell::Text(String::new())),
                Cell::Number(r.expected),
                Cell::Number(r.p_value),
                Cell::Number(r.q_value),
                Cell::Fraction(share(r.complaints)),
                Cell::Fraction(share(cumulative)),
            ]
        })
        .collect();

    let pct = |v: Option<f64>| v.map(share).unwrap_or_else(|| "–".into());
    let mut headline = vec![format!(
        "{} complaints from {} customers{}: the top 1% made {}, the top 10 made {}, and {} customers made half.",
        thousands(c.complaints),
        thousands(c.complainants),
        c.customers.map(|n| format!(" (of {} with deliveries)", thousands(n))).unwrap_or_default(),
        pct(c.top_1pct_share),
        pct(c.top_10_share),
        thousands(c.customers_for_half),
    )];
    headline.push(match (c.gini_all, c.generalized_gini_all) {
        (Some(g), Some(gg)) => format!(
            "Gini over all customers {g:.3} (generalized {gg:.3}); over complainants {}.",
            c.gini_complainants.map(|g| format!("{g:.3}")).unwrap_or_else(|| "–".into())
        ),
        _ => format!(
            "Gini over complainants {} (deliveries carry no customer, so customers without complaints are unknown).",
            c.gini_complainants.map(|g| format!("{g:.3}")).unwrap_or_else(|| "–".into())
        ),
    });
    headline.push(match c.expected_repeat_complainers {
        Some(e) => format!(
            "{} customers complained twice or more; {e:.1} would if every delivery had the same chance ({}).",
            thousands(c.observed_repeat_complainers),
            if (c.observed_repeat_complainers as f64) > 2.0 * e { "a few customers complain far more than chance" } else { "close to chance" }
        ),
        None => format!(
            "{} customers complained twice or more (the chance baseline needs a customer column in the deliveries).",
            thousands(c.observed_repeat_complainers)
        ),
    });
    let mut summary = serde_json::Map::new();
    summary.insert("complaints".into(), json!(c.complaints));
    if let Value::Object(members) = concentration_json(c) {
        summary.extend(members);
    }
    summary.insert("complaint_rate".into(), json!(p_bar));
    let significant = rows.iter().filter(|r| r.q_value.is_some_and(|q| q < 0.05)).count();
    summary.insert("q_below_0_05".into(), json!(significant));
    let counts: Vec<u64> = rows.iter().map(|r| r.complaints).filter(|&c| c > 0).collect();
    let figure = Some(pictures::lorenz(&counts));
    View {
        title: "Complaints by customer".into(),
        headline,
        summary: Value::Object(summary),
        main: Grid { name: "customers".into(), columns, rows: table_rows },
        extra: vec![],
        figure,
        notes: vec![],
    }
}
