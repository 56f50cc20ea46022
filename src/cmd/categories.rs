//! `categories`: complaints by category, most first, with their share and
//! cumulative share — which few categories make most complaints — and, with
//! `--chart`, the Pareto chart.

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::period::Period;
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
    let output = Output::prepare(&args.output, true)?;
    let mut options = args.input.resolve()?;
    // No period table here: deliveries counted per week or month are fine.
    options.period = Some(Period::All);
    let data = output.load(&options)?;
    let Some(view) = categories::view(&data) else {
        bail!(
            "{}: no category column in the complaints (names such as category, reason, type, issue, topic). \
             Its columns are: {}. Name it with --col complaints.category=COLUMN",
            data.complaints.ledger.file,
            data.complaints.plan.columns.join(", ")
        );
    };
    let document = super::view_document(
        view,
        &data,
        args.output.quiet,
        vec![],
        json!({
            "complaints": options.complaints.display().to_string(),
            "deliveries": options.deliveries.display().to_string(),
            "from": options.range.from.map(|d| d.to_string()),
            "to": options.range.to.map(|d| d.to_string()),
        }),
    );
    output.write(&document)?;
    Ok(0)
}
