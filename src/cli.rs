//! The command line (clap derive). Shared input and output flags are defined
//! once and flattened into each command; they are turned into the typed
//! options the core works with, so nothing below `cmd/` sees clap.

use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::input::{ColumnOverride, DateRange, InputOptions, ReadSettings};
use crate::metrics::dataset::{Attribution, DatasetOptions};
use crate::metrics::period::Period;
use crate::metrics::repeats::RepeatKey;
use crate::output::OutputFormat;
use crate::stats::laney::Chart;

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
    #[command(after_help = crate::cmd::report::EXAMPLES)]
    Report(ReportArgs),
    /// Which segments (depots, regions…) are really out of line: a funnel with overdispersion.
    #[command(after_help = crate::cmd::compare::EXAMPLES)]
    Compare(CompareArgs),
    /// How concentrated complaints are: top complainers against a chance baseline.
    #[command(after_help = crate::cmd::customers::EXAMPLES)]
    Customers(CustomersArgs),
    /// Repeat contact, episodes, channel switching, one-contact resolution, transitions.
    #[command(after_help = crate::cmd::repeats::EXAMPLES)]
    Repeats(RepeatsArgs),
    /// What the tool sees in exports: format, encoding, delimiter, rows, columns → roles, types.
    #[command(after_help = crate::cmd::inspect::EXAMPLES)]
    Inspect(InspectArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = crate::cmd::completions::EXAMPLES)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    #[command(after_help = crate::cmd::man::EXAMPLES)]
    Man,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files, globs or directories to inspect.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read the columns' roles as this table's (default: deliveries when a delivery-only column is present).
    #[arg(long, value_parser = parse_table)]
    pub table: Option<crate::input::Table>,
    /// Name a column's role: TABLE.ROLE=COLUMN (repeatable).
    #[arg(long = "col", value_name = "TABLE.ROLE=COLUMN")]
    pub columns: Vec<ColumnOverride>,
    /// Text encoding when not UTF-8, e.g. windows-1257.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Delimiter of CSV input (default: sniffed).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Worksheet of an .xlsx input.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Read ambiguous dates as day first.
    #[arg(long)]
    pub dayfirst: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl InspectArgs {
    pub fn read_settings(&self) -> Result<ReadSettings> {
        Ok(ReadSettings {
            delimiter: self.delimiter,
            encoding: self.encoding.as_deref().map(crate::input::decode::encoding_named).transpose()?,
            sheet: self.sheet.clone(),
        })
    }
}

fn parse_table(text: &str) -> Result<crate::input::Table, String> {
    match text {
        "complaints" => Ok(crate::input::Table::Complaints),
        "deliveries" => Ok(crate::input::Table::Deliveries),
        other => Err(format!("unknown table {other:?}: use complaints or deliveries")),
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CustomersArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How many of the top complainers to list.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RepeatsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Control limits: `laney` (p′, allows for routine week-to-week variation) or `p` (plain p-chart).
    #[arg(long, default_value = "laney", value_parser = parse_chart, help_heading = "Statistics")]
    pub limits: Chart,
    /// With --attribute delivery: periods younger than this many days are immature (default: the 90th percentile of complaint lag).
    #[arg(long, value_name = "DAYS", help_heading = "Statistics")]
    pub maturity_days: Option<u32>,
    /// Exit 1 (after writing the output) when the verdict is forest: for cron.
    #[arg(long, value_name = "VERDICT", value_parser = ["forest"], help_heading = "Alarms")]
    pub fail_on: Option<String>,
    /// Exit 1 when the latest period's complaint rate is above RATE (0.002, 0.2% or 2/1000).
    #[arg(long, value_name = "RATE", value_parser = parse_rate, help_heading = "Alarms")]
    pub fail_above: Option<f64>,
    /// Handling time of one complaint, to cost repeat contacts and switches in hours.
    #[arg(long, value_name = "MINUTES", help_heading = "Cost")]
    pub minutes_per_complaint: Option<f64>,
    /// Cost of an hour of handling, to cost repeat contacts and switches in money.
    #[arg(long, value_name = "AMOUNT", requires = "minutes_per_complaint", help_heading = "Cost")]
    pub cost_per_hour: Option<f64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Complaints export (CSV/TSV/Parquet/xlsx/NDJSON, .gz/.zst, a glob, a directory, or - for stdin): one row per complaint.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub complaints: PathBuf,
    /// Deliveries export (same formats): one row per delivery, or rows with a count column.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub deliveries: PathBuf,
    /// Name a column's role: TABLE.ROLE=COLUMN, e.g. complaints.customer="Client ID" (repeatable).
    #[arg(long = "col", value_name = "TABLE.ROLE=COLUMN", help_heading = "Input")]
    pub columns: Vec<ColumnOverride>,
    /// Delimiter of CSV input (default: sniffed among , ; tab |).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter, help_heading = "Input")]
    pub delimiter: Option<u8>,
    /// Text encoding of CSV input when not UTF-8, e.g. windows-1257, windows-1252, iso-8859-15.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub encoding: Option<String>,
    /// Worksheet of an .xlsx input (default: the first).
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub sheet: Option<String>,
    /// Read ambiguous dates like 03/04/2025 as day first (3 April).
    #[arg(long, help_heading = "Input")]
    pub dayfirst: bool,
    /// Time format for anything the tool does not detect (strftime, e.g. '%d %b %Y %H:%M').
    #[arg(long, value_name = "FORMAT", help_heading = "Input")]
    pub date_format: Option<String>,
    /// Time zone that times with an offset are converted to before bucketing (naive times are taken as local).
    #[arg(long, value_name = "ZONE", default_value = "UTC", help_heading = "Input")]
    pub tz: String,
    /// Merge channel spellings: a CSV of `from,to` (e.g. "Phone call (incoming)",phone).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub channel_map: Option<PathBuf>,
    /// Config file with column mappings, channel spellings and defaults (default: ./complaint-rate.toml if present).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub config: Option<PathBuf>,
    /// Channel spellings from the config file.
    #[arg(skip)]
    pub channel_aliases: Vec<(String, String)>,
    /// Make any rejected input row an error (exit 2) instead of a ledger entry.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,

    /// Period of each row: day, week (ISO, from Monday), month, quarter, year or all.
    #[arg(long, default_value = "week", value_parser = parse_period, help_heading = "Counting")]
    pub period: Period,
    /// Segment rows by this column (repeatable), e.g. --by region.
    #[arg(long, value_name = "COL", help_heading = "Counting")]
    pub by: Vec<String>,
    /// First day counted (inclusive, YYYY-MM-DD); earlier complaints still serve as look-back for repeats.
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub from: Option<NaiveDate>,
    /// Last day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub to: Option<NaiveDate>,
    /// A complaint is a repeat if its key complained at most this many days before.
    #[arg(long, default_value_t = 7, value_name = "DAYS", help_heading = "Counting")]
    pub window_days: u32,
    /// What makes complaints the same problem: customer, customer+order or customer+category.
    #[arg(long, default_value = "customer", value_parser = parse_repeat_key, help_heading = "Counting")]
    pub repeat_key: RepeatKey,
    /// Count complaints in the period of their own time (`complaint`) or of their delivery (`delivery`, via the order id).
    #[arg(long, default_value = "complaint", value_parser = parse_attribution, help_heading = "Counting")]
    pub attribute: Attribution,
    /// Follow-ups are known up to this day (default: the last complaint in the data); for one-contact resolution and maturity.
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub as_of: Option<NaiveDate>,
    /// Confidence of the rate intervals.
    #[arg(long, default_value_t = 0.95, help_heading = "Statistics")]
    pub confidence: f64,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format: table, csv, tsv, json, ndjson, markdown (default: table on a terminal, csv otherwise, or from -o's extension).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format, help_heading = "Output")]
    pub format: Option<OutputFormat>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Print nothing but the requested output and errors.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// CSV for European Excel: `;` separated, decimal comma, UTF-8 BOM.
    #[arg(long, help_heading = "Output")]
    pub excel: bool,
    /// Colour on a terminal: auto (not when NO_COLOR is set), always or never.
    #[arg(long, default_value = "auto", value_name = "WHEN", value_parser = ["auto", "always", "never"], help_heading = "Output")]
    pub color: String,
    /// Also draw the command's picture to FILE.svg or FILE.png (control chart, funnel, Lorenz curve).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub chart: Option<PathBuf>,
}

impl InputArgs {
    /// Everything the dataset loader needs, with `--by` as given.
    pub fn dataset_options(&self) -> Result<DatasetOptions> {
        Ok(DatasetOptions {
            input: self.options()?,
            period: self.period,
            by: self.by.clone(),
            repeat_key: self.repeat_key,
            window_days: self.window_days,
            attribution: self.attribute,
            strict: self.strict,
        })
    }

    /// Channel spellings (folded) → channel, from the config and `--channel-map`.
    fn channel_spellings(&self) -> Result<std::collections::HashMap<String, String>> {
        let fold = |s: &str| s.trim().to_lowercase();
        let mut map: std::collections::HashMap<String, String> =
            self.channel_aliases.iter().map(|(f, t)| (fold(f), fold(t))).collect();
        if let Some(path) = &self.channel_map {
            let shown = path.display();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_path(path)
                .map_err(|e| anyhow::anyhow!("{shown}: cannot read the channel map: {e}"))?;
            for (i, record) in reader.records().enumerate() {
                let record = record.map_err(|e| anyhow::anyhow!("{shown}: row {}: {e}", i + 1))?;
                if record.len() != 2 {
                    bail!(
                        "{shown}: row {} has {} fields; the channel map has two columns: from,to",
                        i + 1,
                        record.len()
                    );
                }
                if i == 0 && fold(&record[0]) == "from" && fold(&record[1]) == "to" {
                    continue;
                }
                map.insert(fold(&record[0]), fold(&record[1]));
            }
        }
        Ok(map)
    }

    /// `--by` columns, each once (compared like column names).
    pub fn unique_by(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.by.iter().filter(|b| seen.insert(crate::input::roles::normalize(b))).cloned().collect()
    }

    /// `--as-of` as the end of that day.
    pub fn as_of_time(&self) -> Option<chrono::NaiveDateTime> {
        self.as_of.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0))
    }

    pub fn options(&self) -> Result<InputOptions> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            bail!("--from {from} is after --to {to}");
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            bail!("--confidence must be between 0 and 1 (e.g. 0.95), got {}", self.confidence);
        }
        let tz = self.tz.parse().map_err(|_| {
            anyhow::anyhow!("--tz {:?} is not a time zone; use a name like UTC or Europe/Tallinn", self.tz)
        })?;
        Ok(InputOptions {
            channels: self.channel_spellings()?,
            overrides: self.columns.clone(),
            read: ReadSettings {
                delimiter: self.delimiter,
                encoding: self.encoding.as_deref().map(crate::input::decode::encoding_named).transpose()?,
                sheet: self.sheet.clone(),
            },
            dayfirst: self.dayfirst.then_some(true),
            date_format: self.date_format.clone(),
            tz,
            range: DateRange { from: self.from, to: self.to },
        })
    }
}

fn parse_period(text: &str) -> Result<Period, String> {
    text.parse()
}

fn parse_repeat_key(text: &str) -> Result<RepeatKey, String> {
    text.parse()
}

fn parse_format(text: &str) -> Result<OutputFormat, String> {
    text.parse()
}

/// A rate as a fraction (0.002), a percentage (0.2%) or per mille (2/1000).
fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().map(|v| v / 100.0)
    } else if let Some((a, b)) = t.split_once('/') {
        match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) if b > 0.0 => Ok(a / b),
            _ => "x".parse::<f64>(),
        }
    } else {
        t.parse::<f64>()
    };
    match value {
        Ok(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a rate; write 0.002, 0.2% or 2/1000")),
    }
}

pub fn parse_attribution(text: &str) -> Result<Attribution, String> {
    match text {
        "complaint" => Ok(Attribution::Complaint),
        "delivery" => Ok(Attribution::Delivery),
        other => Err(format!("unknown attribution {other:?}: use complaint or delivery")),
    }
}

fn parse_chart(text: &str) -> Result<Chart, String> {
    match text {
        "laney" | "p'" | "pprime" => Ok(Chart::LaneyPPrime),
        "p" => Ok(Chart::P),
        other => Err(format!("unknown limits {other:?}: use laney or p")),
    }
}

pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() => Ok(t.as_bytes()[0]),
        other => Err(format!("the delimiter must be one character (or 'tab'), got {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
