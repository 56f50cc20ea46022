//! One file per command. Each turns its flags into options, runs input →
//! metrics → stats, builds a `Document`, and hands it to `Output`.

pub mod compare;
pub mod customers;
pub mod inspect;
pub mod repeats;
pub mod report;

use std::io::IsTerminal;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::cli::{Cli, Command, OutputArgs};
use crate::config;
use crate::output::{self, Document, OutputFormat, writer};

/// Run a command; the exit code on success (0, or 1 when an alarm fired).
/// A panic anywhere below (ours or a library's) becomes an ordinary error.
pub fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<u8> {
    let input = match &mut cli.command {
        Command::Report(a) => &mut a.input,
        Command::Compare(a) => &mut a.input,
        Command::Customers(a) => &mut a.input,
        Command::Repeats(a) => &mut a.input,
        Command::Inspect(a) => return catch_panics(|| inspect::run(a)),
    };
    if let Some((path, config)) = config::load(input.config.as_deref())? {
        let sub = matches.subcommand().map(|(_, m)| m);
        let given = |id: &str| {
            sub.and_then(|m| m.value_source(id)).is_some_and(|s| s == clap::parser::ValueSource::CommandLine)
        };
        config::apply(&path, &config, input, &given)?;
    }
    // `--by region --by Region` is one segment column.
    input.by = input.unique_by();
    catch_panics(|| match &cli.command {
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Customers(args) => customers::run(args),
        Command::Repeats(args) => repeats::run(args),
        Command::Inspect(args) => inspect::run(args),
    })
}

/// Run `work`; a panic anywhere below (ours or a library's) becomes an
/// ordinary error instead of a Rust dump.
fn catch_panics(work: impl FnOnce() -> Result<u8>) -> Result<u8> {
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    let _ = panic::take_hook();
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown failure".into());
        Err(anyhow!(
            "internal error while reading or computing: {message}. This is a bug in complaint-rate; \
             please report it with the command line and, if possible, the first rows of the input"
        ))
    })
}

/// Whether an error is a closed stdout pipe (`| head`), which is success.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Where and how a command's document is written, decided (and the target
/// checked) before any work starts.
pub struct Output {
    format: OutputFormat,
    path: Option<PathBuf>,
    pub quiet: bool,
    to_terminal: bool,
}

impl Output {
    pub fn prepare(args: &OutputArgs) -> Result<Output> {
        let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
        let format = OutputFormat::choose(args.format, args.output.as_deref(), to_terminal)?;
        if let Some(path) = &args.output {
            writer::check_writable(path)?;
        }
        Ok(Output { format, path: args.output.clone(), quiet: args.quiet, to_terminal })
    }

    pub fn write(&self, document: &Document) -> Result<()> {
        let bytes = output::render(document, self.format, self.to_terminal)?;
        match &self.path {
            Some(path) => writer::write_atomic(path, &bytes),
            None => writer::write_stdout(&bytes),
        }
    }
}
