//! `compare --by COL`: which segments (depots, regions, teams) are really out
//! of line. One row per segment on a funnel plot: rate against the overall
//! rate θ₀ with 95% and 99.8% limits widened for overdispersion (docs/METHODS.md §4.4).

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::period::Period;
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
    let output = Output::prepare(&args.output, true)?;
    let mut options = args.input.resolve()?;
    if options.by.is_empty() {
        bail!("compare needs the segment column to compare: pass --by COL (e.g. --by region)");
    }
    // No period table here: deliveries counted per week or month are fine.
    options.period = Some(Period::All);
    let input = &options;
    let data = output.load(&options)?;
    let view = segments::view(&data, &options)?;
    let document = super::view_document(
        view,
        &data,
        args.output.quiet,
        vec![],
        json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "by": input.by_names(),
            "from": input.range.from.map(|d| d.to_string()),
            "to": input.range.to.map(|d| d.to_string()),
        }),
    );
    output.write(&document)?;
    Ok(0)
}
