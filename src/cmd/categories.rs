//! `categories`: complaints by category, most first, with their share and
//! cumulative share — which few categories make most complaints — and, with
//! `--chart`, the Pareto chart.

use anyhow::{Context, Result};
use serde_json::json;

use super::Uses;
use crate::cli::{InputArgs, OutputArgs};
use crate::report::categories;

pub const EXAMPLES: &str = "\
Examples:
  Which categories make most complaints, with the Pareto chart:
    complaint-rate categories --complaints c.csv --deliveries d.csv --chart pareto.svg

  Name the category column when it is not found by its name:
    complaint-rate categories --complaints c.csv --deliveries d.csv --col complaints.category=\"Issue type\"";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<u8> {
    let uses = Uses { command: "categories", segments: false, per_customer: false, categories: true };
    super::run_view(&args.input, &args.output, uses, json!({}), |data, _| {
        categories::view(data).with_context(|| {
            format!(
                "{}: no category column in the complaints (names such as category, reason, type, issue, topic). \
                 Its columns are: {}. Name it with --col complaints.category=COLUMN",
                data.complaints.ledger.file,
                data.complaints.plan.columns.join(", ")
            )
        })
    })
}
