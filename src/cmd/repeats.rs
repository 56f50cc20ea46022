//! `repeats`: repeat contact and channel switching. Per channel: complaints,
//! repeats, and how many arrived after a contact on another channel;
//! episodes (chains of contacts about one problem), forward one-contact
//! resolution, and the channel transition matrix.

use anyhow::{Result, bail};
use serde_json::json;

use super::Output;
use crate::cli::{InputArgs, OutputArgs};
use crate::period::Period;
use crate::report::contacts;
use crate::report::sentences::SURVEY_CAUTION;

pub const EXAMPLES: &str = "\
Examples:
  Repeat contact and channel switching, 7-day window:
    complaint-rate repeats --complaints c.csv --deliveries d.csv

  Same order within 3 days, follow-ups known up to 31 March:
    complaint-rate repeats --complaints c.csv --deliveries d.csv --window-days 3 \\
        --repeat-key customer+order --as-of 2025-03-31";

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
    let input = &options;
    let data = output.load(&options)?;
    if !data.complaints.has_customers() {
        bail!(
            "{}: repeats need a customer column in the complaints; name it with --col complaints.customer=COLUMN",
            data.complaints.ledger.file
        );
    }
    let view = contacts::view(&data, &options);
    let document = super::view_document(
        view,
        &data,
        args.output.quiet,
        vec![SURVEY_CAUTION.to_string()],
        json!({
            "complaints": input.complaints.display().to_string(),
            "deliveries": input.deliveries.display().to_string(),
            "window_days": input.window_days,
            "repeat_key": input.repeat_key.name(),
            "as_of": input.as_of.map(|d| d.to_string()),
            "from": input.range.from.map(|d| d.to_string()),
            "to": input.range.to.map(|d| d.to_string()),
        }),
    );
    output.write(&document)?;
    Ok(0)
}
