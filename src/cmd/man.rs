//! `man`: the manual page (roff) on stdout.

use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  complaint-rate man > complaint-rate.1 && man ./complaint-rate.1";

/// `command`: the whole command line, whose page is written.
pub fn run(command: clap::Command) -> Result<u8> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(command).render(&mut bytes)?;
    crate::output::writer::write_stdout(&bytes)?;
    Ok(0)
}
