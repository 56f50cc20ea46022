//! `customers`: how concentrated complaints are. The top complainers with
//! their deliveries, expected complaints at the overall rate, Poisson tail
//! probability and Benjamini–Hochberg q-value; the share of the top 1%, how
//! many customers make half of all complaints, Gini and generalized Gini,
//! and observed against expected customers with two or more complaints.

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::metrics::customers::{concentration, customer_rows, deliveries_per_customer};
use crate::metrics::period::Period;
use crate::output::chart::Figure;
use crate::output::table::{share, thousands};
use crate::output::{Cell, Document, Table};
use crate::report::summary::concentration_json;

pub const EXAMPLES: &str = "\
Examples:
  The 20 customers who complain most, against what their deliveries predict:
    complaint-rate customers --complaints c.csv --deliveries d.csv

  The top 100 as CSV:
    complaint-rate customers --complaints c.csv --deliveries d.csv --top 100 -o top.csv";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// How many of the top complainers to list.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<u8> {
    let output = Output::prepare(&args.output, true)?;
    let mut options = args.input.resolve()?;
    // No period table here: deliveries counted per week or month are fine.
    options.period = Some(Period::All);
    let input = &options;
    let data = output.load(&options)?;
    if !data.complaints.has_customers() {
        bail!(
            "{}: no customer column in the complaints, so complaints cannot be attributed to customers. \
             Its columns are: {}. Name it with --col complaints.customer=COLUMN",
            data.complaints.ledger.file,
            data.complaints.roles.columns.values().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let complaints = data.complaints.records.iter().filter(|c| c.counted).count() as u64;
    let deliveries: u64 = data.deliveries.counts.values().sum();
    let p_bar = (deliveries > 0).then(|| complaints as f64 / deliveries as f64);
    let days = data.counted_days(options.input.range);
    let exposures = deliveries_per_customer(&data.deliveries_source, &data.deliveries, days)?;
    let rows = customer_rows(&data.complaints.records, exposures.as_ref(), p_bar);
    let c = concentration(&rows, p_bar);

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
        .take(args.top)
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
    if let Value::Object(members) = concentration_json(&c) {
        summary.extend(members);
    }
    summary.insert("complaint_rate".into(), json!(p_bar));
    let significant = rows.iter().filter(|r| r.q_value.is_some_and(|q| q < 0.05)).count();
    summary.insert("q_below_0_05".into(), json!(significant));
    let figure = {
        let counts: Vec<u64> = rows.iter().map(|r| r.complaints).filter(|&c| c > 0).collect();
        let n = counts.len().max(1) as f64;
        let total = c.complaints.max(1) as f64;
        let mut running = 0u64;
        let mut customers_share = Vec::with_capacity(counts.len());
        let mut complaints_share = Vec::with_capacity(counts.len());
        for (i, k) in counts.iter().enumerate() {
            running += k;
            customers_share.push((i + 1) as f64 / n);
            complaints_share.push(running as f64 / total);
        }
        Some(Figure::Lorenz { customers_share, complaints_share })
    };
    let document = Document {
        title: "Complaints by customer".into(),
        verdict: None,
        figure,
        headline: if args.output.quiet { vec![] } else { headline },
        json_whole: None,
        json_head: vec![("summary".into(), Value::Object(summary))],
        main: Table { name: "customers".into(), columns, rows: table_rows },
        extra: vec![],
        terminal_columns: None,
        notes: vec![],
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters: json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "top": args.top,
            "from": input.input.range.from.map(|d| d.to_string()),
            "to": input.input.range.to.map(|d| d.to_string()),
        }),
    };
    output.write(&document)?;
    Ok(0)
}
