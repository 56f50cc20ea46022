//! `compare --by COL`: which segments (depots, regions, teams) are really out
//! of line. One row per segment on a funnel plot: rate against the overall
//! rate θ₀ with 95% and 99.8% limits widened for overdispersion (docs/METHODS.md §4.4).

use anyhow::Result;
use serde_json::json;

use super::Uses;
use crate::cli::{InputArgs, OutputArgs};
use crate::report::segments;

pub const EXAMPLES: &str = "\
Examples:
  Which depots are out of line over the whole period:
    complaint-rate compare --complaints c.csv --deliveries d.csv --by depot

  Regions in the first quarter, as CSV:
    complaint-rate compare --complaints c.csv --deliveries d.csv --by region \\
        --from 2025-01-01 --to 2025-03-31 -o regions.csv";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<u8> {
    let uses = Uses { command: "compare", segments: true, per_customer: false, categories: false };
    super::run_view(&args.input, &args.output, uses, json!({}), segments::view)
}
