//! `completions SHELL`: a shell completion script on stdout.

use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  complaint-rate completions bash > ~/.local/share/bash-completion/completions/complaint-rate
  complaint-rate completions zsh > \"${fpath[1]}/_complaint-rate\"
  complaint-rate completions fish > ~/.config/fish/completions/complaint-rate.fish";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `command`: the whole command line, whose flags are completed.
pub fn run(args: &Args, mut command: clap::Command) -> Result<u8> {
    let mut bytes = Vec::new();
    clap_complete::generate(args.shell, &mut command, "complaint-rate", &mut bytes);
    crate::output::writer::write_stdout(&bytes)?;
    Ok(0)
}
