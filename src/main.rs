#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

use complaint_rate::cmd::Cli;

// mimalloc: polars allocates many small buffers; measured in BENCHMARKS.md.
// Built with `no_thp`: mimalloc otherwise asks for transparent huge pages, and
// its partly used 2 MB pages made up most of the peak memory (measured there).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    complaint_rate::output::writer::clean_up_on_signals();
    let cli = Cli::parse();
    match complaint_rate::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) if complaint_rate::cmd::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("complaint-rate: {error:#}");
            ExitCode::from(2)
        }
    }
}
