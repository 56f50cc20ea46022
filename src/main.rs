use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = complaint_rate::cli::Cli::parse();
    match complaint_rate::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) if complaint_rate::cmd::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("complaint-rate: {error:#}");
            ExitCode::from(2)
        }
    }
}
