//! One file per command. Each turns its flags into options, runs input →
//! metrics → stats, builds a `Document`, and hands it to `Output`.

pub mod compare;
pub mod customers;
pub mod repeats;
pub mod report;

use std::io::IsTerminal;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::cli::{Cli, Command, OutputArgs};
use crate::output::{self, Document, OutputFormat, writer};

/// Run a command; the exit code on success (0, or 1 when an alarm fired).
/// A panic anywhere below (ours or a library's) becomes an ordinary error.
pub fn run(mut cli: Cli) -> Result<u8> {
    // `--by region --by Region` is one segment column.
    let input = match &mut cli.command {
        Command::Report(a) => &mut a.input,
        Command::Compare(a) => &mut a.input,
        Command::Customers(a) => &mut a.input,
        Command::Repeats(a) => &mut a.input,
    };
    input.by = input.unique_by();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| match &cli.command {
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Customers(args) => customers::run(args),
        Command::Repeats(args) => repeats::run(args),
    }));
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
