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

use crate::cli::{ColorArg, InputArgs, OutputArgs};
use crate::input::{Attribution, DatasetOptions};
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

/// What a view command (compare, customers, repeats, categories) takes of
/// the shared input flags: options are resolved with it, never patched
/// after, and a flag it does not use is an error.
#[derive(Clone, Copy, Debug)]
pub struct Uses {
    /// The command's name, for messages.
    pub command: &'static str,
    /// It compares segments: `--by` is required (else `--by` is refused).
    pub segments: bool,
    /// It needs deliveries per customer (concentration).
    pub per_customer: bool,
    /// It reads the complaints' categories.
    pub categories: bool,
}

/// A view command: load what `uses` says, build its view, write it.
pub fn run_view(
    input: &InputArgs,
    output_args: &OutputArgs,
    uses: Uses,
    own: serde_json::Value,
    build: impl FnOnce(&Dataset, &DatasetOptions) -> Result<View>,
) -> Result<u8> {
    let output = Output::prepare(output_args, true)?;
    let options = input.resolve_for(uses)?;
    let data = output.load(&options)?;
    let view = build(&data, &options)?;
    let document = Document {
        title: view.title,
        verdict: None,
        figure: view.figure,
        headline: if output.quiet { vec![] } else { view.headline },
        terminal_extra: vec![],
        json_whole: None,
        json_head: vec![("summary".into(), view.summary)],
        main: view.main,
        extra: view.extra,
        terminal_columns: None,
        sections: vec![],
        notes: if output.quiet { vec![] } else { view.notes },
        ledgers: vec![data.complaints.ledger.clone(), data.deliveries.ledger.clone()],
        parameters: parameters(&options, &data, own),
    };
    output.write(&document)?;
    Ok(0)
}

/// The `parameters` member of a JSON document: what the run was asked and
/// how it read the files, the same for every command; `own` adds the
/// command's own flags.
pub fn parameters(options: &DatasetOptions, data: &Dataset, own: serde_json::Value) -> serde_json::Value {
    let roles = |roles: &crate::input::Roles| -> serde_json::Value {
        roles
            .columns
            .iter()
            .map(|(role, column)| (role.to_string(), serde_json::json!(column)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut out = serde_json::json!({
        "complaints": options.complaints.display().to_string(),
        "deliveries": data.deliveries_source.display(),
        "period": data.period.name(),
        "by": options.by_names(),
        "from": options.range.from.map(|d| d.to_string()),
        "to": options.range.to.map(|d| d.to_string()),
        "tz": options.tz.name(),
        "window_days": options.window_days,
        "repeat_key": options.repeat_key.name(),
        "attribute": match options.attribution {
            Attribution::Complaint => "complaint",
            Attribution::Delivery => "delivery",
        },
        "as_of": options.as_of.map(|d| d.to_string()),
        "confidence": options.confidence,
        "complaint_columns": roles(&data.complaints.plan.roles),
        "complaint_time_format": data.complaints.plan.parser.layout.describe(),
        "delivery_columns": roles(&data.deliveries.plan.roles),
        "delivery_time_format": data.deliveries.plan.parser.layout.describe(),
    });
    if let (Some(map), serde_json::Value::Object(own)) = (out.as_object_mut(), own) {
        map.extend(own);
    }
    out
}

/// A view that needs one row per contact with a customer (customers,
/// repeats): the reason it cannot be made, if any.
pub fn needs_contacts(data: &Dataset, command: &str) -> Result<()> {
    let complaints = &data.complaints;
    if let Some(column) = complaints.plan.count() {
        anyhow::bail!(
            "{}: {command} is not available: the complaints arrive counted (column {column:?}), not one row per \
             contact, so repeats and customers cannot be told apart. report and categories work on the counts",
            complaints.ledger.file
        );
    }
    if !complaints.has_customers() {
        anyhow::bail!(
            "{}: {command} needs a customer column in the complaints, and they have none. Its columns are: {}. \
             Name it with --col complaints.customer=COLUMN",
            complaints.ledger.file,
            complaints.plan.columns.join(", ")
        );
    }
    Ok(())
}

/// An error as one readable paragraph: its chain of causes, without the
/// query plan polars appends to some of its errors (a reader never needs
/// it; the causes above it say what failed).
pub fn message(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    match text.find("\n\nResolved plan until failure") {
        Some(at) => text[..at].trim_end().to_string(),
        None => text,
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
    /// The terminal report on a terminal: the ledger is in it.
    ledger_shown: bool,
    path: Option<PathBuf>,
    chart: Option<PathBuf>,
    pub quiet: bool,
    options: RenderOptions,
    /// `--lock`: held until the run ends.
    _lock: Option<std::fs::File>,
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
        let lock = match &args.lock {
            Some(path) => Some(crate::guard::lock(path, args.lock_wait.map(std::time::Duration::from_secs))?),
            None => None,
        };
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
            ledger_shown: to_terminal && format == OutputFormat::Table,
            format,
            path: args.output.clone(),
            chart: args.chart.clone(),
            quiet: args.quiet,
            options: RenderOptions { width: terminal_width(to_terminal), color, excel: args.excel },
            _lock: lock,
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

    /// Load both exports, with a spinner while they are read. Unless `-q`,
    /// a run whose output is not the terminal report says on stderr, one
    /// line per table, what rows it did not use: a cron job hears of losses.
    pub fn load(&self, options: &DatasetOptions) -> Result<Dataset> {
        let data = {
            let _spinner = self.spinner("reading the exports");
            dataset::load(options)?
        };
        if !self.quiet && !self.ledger_shown {
            for ledger in [&data.complaints.ledger, &data.deliveries.ledger] {
                if let Some(line) = output::table::loss_line(ledger) {
                    eprintln!("complaint-rate: {line}");
                }
            }
        }
        Ok(data)
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

    #[test]
    fn messages_leave_out_polars_plans() {
        let error = anyhow!("column \"x\" not found\n\nResolved plan until failure:\n\n\t---> FAILED HERE")
            .context("d.csv: cannot read the deliveries");
        assert_eq!(message(&error), "d.csv: cannot read the deliveries: column \"x\" not found");
    }
}
