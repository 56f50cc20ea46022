//! One file per command, each with what it is for, its examples, its
//! arguments and its `run`: flags → typed options → input → metrics →
//! stats → a `Document` handed to `Output`. The command line itself (`Cli`)
//! is here; the flags every command shares are in `cli`.

pub mod categories;
pub mod compare;
pub mod completions;
pub mod customers;
pub mod inspect;
pub mod man;
pub mod repeats;
pub mod report;
pub mod sql;

use std::io::IsTerminal;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{CommandFactory, Parser, Subcommand};

use crate::cli::{ColorArg, OutputArgs};
use crate::input::DatasetOptions;
use crate::metrics::dataset::{self, Dataset};
use crate::output::{self, Document, OutputFormat, RenderOptions, writer};
use crate::report::View;

/// Complaints per delivery, repeat contacts and channel switches — and
/// whether any week or depot is truly out of line, or only routine noise.
#[derive(Debug, Parser)]
#[command(name = "complaint-rate", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole picture: rate per period, repeats, switches, limits, ledger.
    #[command(after_help = report::EXAMPLES)]
    Report(report::Args),
    /// Which segments (depots, regions…) are really out of line: a funnel with overdispersion.
    #[command(after_help = compare::EXAMPLES)]
    Compare(compare::Args),
    /// How concentrated complaints are: top complainers against a chance baseline.
    #[command(after_help = customers::EXAMPLES)]
    Customers(customers::Args),
    /// Repeat contact, episodes, channel switching, one-contact resolution, transitions.
    #[command(after_help = repeats::EXAMPLES)]
    Repeats(repeats::Args),
    /// Which few categories make most complaints: counts, shares, a Pareto chart.
    #[command(after_help = categories::EXAMPLES)]
    Categories(categories::Args),
    /// What the tool sees in exports: format, encoding, delimiter, rows, columns → roles, types.
    #[command(after_help = inspect::EXAMPLES)]
    Inspect(inspect::Args),
    /// The deliveries count as SQL for a database or warehouse; its result is a --deliveries input.
    #[command(after_help = sql::EXAMPLES)]
    Sql(sql::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = completions::EXAMPLES)]
    Completions(completions::Args),
    /// Print the manual page (roff).
    #[command(after_help = man::EXAMPLES)]
    Man,
}

/// Run a command; the exit code on success (0, or 1 when an alarm fired).
/// A panic anywhere below (ours or a library's) becomes an ordinary error.
pub fn run(cli: Cli) -> Result<u8> {
    catch_panics(|| match &cli.command {
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Customers(args) => customers::run(args),
        Command::Repeats(args) => repeats::run(args),
        Command::Categories(args) => categories::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Completions(args) => completions::run(args, Cli::command()),
        Command::Man => man::run(Cli::command()),
    })
}

/// Run `work`; a panic anywhere below (ours or a library's) becomes an
/// ordinary error instead of a Rust dump.
fn catch_panics(work: impl FnOnce() -> Result<u8>) -> Result<u8> {
    // COMPLAINT_RATE_BACKTRACE=1 keeps Rust's own panic report, for bug reports.
    if std::env::var_os("COMPLAINT_RATE_BACKTRACE").is_none() {
        panic::set_hook(Box::new(|_| {}));
    }
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

/// The width to fit a terminal table to: `COLUMNS` when set (also when
/// writing to a pipe, for tests and `| less`), else the terminal's own.
fn terminal_width(to_terminal: bool) -> Option<usize> {
    let columns =
        std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c >= 20);
    columns.or_else(|| if to_terminal { comfy_table::Table::new().width().map(usize::from) } else { None })
}

/// The document of a command that shows one view (compare, customers,
/// repeats, categories): its sentences unless `-q`, its tables, picture and
/// summary, the ledger and the parameters.
fn view_document(
    view: View,
    data: &Dataset,
    quiet: bool,
    notes: Vec<String>,
    parameters: serde_json::Value,
) -> Document {
    Document {
        title: view.title,
        verdict: None,
        figure: view.figure,
        headline: if quiet { vec![] } else { view.headline },
        terminal_extra: vec![],
        json_whole: None,
        json_head: vec![("summary".into(), view.summary)],
        main: view.main,
        extra: view.extra,
        terminal_columns: None,
        sections: vec![],
        notes: if quiet { vec![] } else { notes },
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters,
    }
}

/// Whether an error is a closed stdout pipe (`| head`), which is success.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Where and how a command's document is written, decided (and the targets
/// checked) before any work starts.
pub struct Output {
    format: OutputFormat,
    path: Option<PathBuf>,
    chart: Option<PathBuf>,
    pub quiet: bool,
    options: RenderOptions,
}

impl Output {
    /// `draws_chart`: whether the command has a picture for `--chart`.
    pub fn prepare(args: &OutputArgs, draws_chart: bool) -> Result<Output> {
        let stdout_terminal = std::io::stdout().is_terminal();
        let to_terminal = args.output.is_none() && stdout_terminal;
        let format = OutputFormat::choose(args.format.map(Into::into), args.output.as_deref(), to_terminal)?;
        if format.is_binary() && to_terminal {
            anyhow::bail!(
                "xlsx output is binary and stdout is a terminal: write it to a file with -o report.xlsx"
            );
        }
        if args.excel && format != OutputFormat::Csv {
            anyhow::bail!(
                "--excel shapes CSV output for European Excel; use it with --format csv or -o FILE.csv"
            );
        }
        if let Some(path) = &args.output {
            writer::check_writable(path)?;
        }
        if let Some(chart) = &args.chart {
            if !draws_chart {
                anyhow::bail!("--chart: this command draws no picture");
            }
            let extension =
                chart.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            if extension != "svg" && extension != "png" {
                anyhow::bail!("--chart {}: name a .svg or .png file", chart.display());
            }
            writer::check_writable(chart)?;
        }
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Ok(Output {
            format,
            path: args.output.clone(),
            chart: args.chart.clone(),
            quiet: args.quiet,
            options: RenderOptions { width: terminal_width(to_terminal), color, excel: args.excel },
        })
    }

    /// Whether the document goes out as HTML (the full report with all its sections).
    pub fn is_html(&self) -> bool {
        self.format == OutputFormat::Html
    }

    /// A spinner for the reading phase (terminal stderr only, not with -q).
    pub fn spinner(&self, message: &str) -> output::progress::Spinner {
        output::progress::Spinner::start(message, !self.quiet && std::io::stderr().is_terminal())
    }

    /// Load both exports, with a spinner while they are read.
    pub fn load(&self, options: &DatasetOptions) -> Result<Dataset> {
        let _spinner = self.spinner("reading the exports");
        dataset::load(options)
    }

    pub fn write(&self, document: &Document) -> Result<()> {
        if let (Some(path), Some(figure)) = (&self.chart, &document.figure) {
            output::chart::write(figure, path)?;
        }
        let bytes = output::render(document, self.format, self.options)?;
        match &self.path {
            Some(path) => writer::write_atomic(path, &bytes),
            None => writer::write_stdout(&bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
