//! `repeats`: repeat contact and channel switching. Per channel: complaints,
//! repeats, and how many arrived after a contact on another channel;
//! episodes (chains of contacts about one problem), forward one-contact
//! resolution, and the channel transition matrix.

use anyhow::Result;
use serde_json::json;

use super::Uses;
use crate::cli::{InputArgs, OutputArgs};
use crate::report::contacts;

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
    let uses = Uses { command: "repeats", segments: false, per_customer: false, categories: false };
    super::run_view(&args.input, &args.output, uses, json!({}), |data, options| {
        super::needs_contacts(data, "repeats")?;
        Ok(contacts::view(data, options))
    })
}
