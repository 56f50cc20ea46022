//! `customers`: how concentrated complaints are. The top complainers with
//! their deliveries, expected complaints at the overall rate, Poisson tail
//! probability and Benjamini–Hochberg q-value; the share of the top 1%, how
//! many customers make half of all complaints, Gini and generalized Gini,
//! and observed against expected customers with two or more complaints.

use anyhow::Result;
use serde_json::json;

use super::Uses;
use crate::cli::{InputArgs, OutputArgs};
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
    let uses = Uses { command: "customers", segments: false, per_customer: true, categories: false };
    super::run_view(&args.input, &args.output, uses, json!({ "top": args.top }), |data, options| {
        super::needs_contacts(data, "customers")?;
        concentration::view(data, options, args.top)
    })
}
