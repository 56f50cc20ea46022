//! `man`: the manual page (roff) on stdout.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;

pub const EXAMPLES: &str = "\
Examples:
  complaint-rate man > complaint-rate.1 && man ./complaint-rate.1";

pub fn run() -> Result<u8> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut bytes)?;
    crate::output::writer::write_stdout(&bytes)?;
    Ok(0)
}
