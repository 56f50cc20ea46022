//! `completions SHELL`: shell completion script on stdout.
//!
//! Examples:
//!   complaint-rate completions bash > /etc/bash_completion.d/complaint-rate
//!   complaint-rate completions zsh > "${fpath[1]}/_complaint-rate"

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;

pub const EXAMPLES: &str = "\
Examples:
  complaint-rate completions bash > ~/.local/share/bash-completion/completions/complaint-rate
  complaint-rate completions zsh > \"${fpath[1]}/_complaint-rate\"
  complaint-rate completions fish > ~/.config/fish/completions/complaint-rate.fish";

pub fn run(shell: clap_complete::Shell) -> Result<u8> {
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, "complaint-rate", &mut bytes);
    crate::output::writer::write_stdout(&bytes)?;
    Ok(0)
}
