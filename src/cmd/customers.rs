//! `customers`: how concentrated complaints are. The top complainers with
//! their deliveries, expected complaints at the overall rate, Poisson tail
//! probability and Benjamini–Hochberg q-value; the share of the top 1%, how
//! many customers make half of all complaints, Gini and generalized Gini,
//! and observed against expected customers with two or more complaints.

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::period::Period;
use crate::report::concentration;

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
    options.per_customer = true;
    let input = &options;
    let data = output.load(&options)?;
    if !data.complaints.has_customers() {
        bail!(
            "{}: no customer column in the complaints, so complaints cannot be attributed to customers. \
             Its columns are: {}. Name it with --col complaints.customer=COLUMN",
            data.complaints.ledger.file,
            data.complaints.plan.columns.join(", ")
        );
    }
    let view = concentration::view(&data, &options, args.top)?;
    let document = super::view_document(
        view,
        &data,
        args.output.quiet,
        vec![],
        json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "top": args.top,
            "from": input.range.from.map(|d| d.to_string()),
            "to": input.range.to.map(|d| d.to_string()),
        }),
    );
    output.write(&document)?;
    Ok(0)
}
