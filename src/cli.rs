//! The flags every command shares (clap derive) and their one path to the
//! typed options the core works with: a flag given on the command line wins,
//! then the config file, then the default. Each command's own arguments live
//! beside its `run` in `cmd/`; nothing below `cmd/` sees clap.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::input::{
    Attribution, ColumnOverride, DatasetOptions, DateRange, GivenFlag, RepeatKey, RowFilter, Segment, Table,
    TableOptions, channels,
};
use crate::output::OutputFormat;
use crate::period::Period;
use crate::stats::laney::Chart;

/// Defaults where neither a flag nor the config file says otherwise (the
/// period's default follows the deliveries: see `metrics::dataset`).
pub const DEFAULT_WINDOW_DAYS: u32 = 7;
pub const DEFAULT_TZ: &str = "UTC";
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Complaints export (CSV/TSV/Parquet/xlsx/NDJSON, .gz/.zst, a glob, a directory, or - for stdin): one row per complaint.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub complaints: PathBuf,
    /// Deliveries export (same formats): one row per delivery, or rows with a count column; or a PostgreSQL table, counted in the database: postgresql://USER@HOST/DB?table=NAME (password from PGPASSWORD or ~/.pgpass).
    #[arg(long, value_name = "FILE|URL", help_heading = "Input")]
    pub deliveries: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Time zone that times with an offset are converted to before bucketing (naive times are taken as local) [default: UTC].
    #[arg(long, value_name = "ZONE", help_heading = "Input")]
    pub tz: Option<String>,
    /// Merge channel spellings: a CSV of `from,to` (e.g. "Phone call (incoming)",phone).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub channel_map: Option<PathBuf>,
    /// Make any rejected input row an error (exit 2) instead of a ledger entry.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
    /// Stop (exit 2, saying why and what to do) before the run's memory passes SIZE (512M, 8G) [default: half the machine's memory, or memory_limit in the config file].
    #[arg(long, value_name = "SIZE", help_heading = "Input")]
    pub memory_limit: Option<crate::guard::Bytes>,
    /// With a PostgreSQL --deliveries: cancel the count in the database and exit 2 when it runs longer than SECONDS [default: no limit].
    #[arg(long, value_name = "SECONDS", help_heading = "Input")]
    pub db_timeout: Option<u64>,
    /// Exit 2 when more than PCT% of a table's rows are lost (rejected, outside the days both exports cover, left out of rates; not those --where or --from/--to drop, nor merged events): for cron.
    #[arg(long, value_name = "PCT", value_parser = parse_percent, help_heading = "Input")]
    pub max_lost: Option<f64>,
    /// Keep only rows where TABLE.COLUMN OP VALUE holds (repeatable; = != < <= > >= ^= (starts with), ~ !~ (regular expression) or `in a|b|c`), e.g. 'complaints.review_score<=2'.
    #[arg(long = "where", value_name = "TABLE.COLUMN OP VALUE", help_heading = "Input")]
    pub filters: Vec<RowFilter>,
    /// Count every delivery row, even when order ids repeat (order lines are otherwise one delivery per order).
    #[arg(long, help_heading = "Input")]
    pub count_rows: bool,
    /// A customer or order id that looks like a placeholder (0, -1, unknown, guest, or one id carrying most rows) but is real (repeatable).
    #[arg(long, value_name = "VALUE", help_heading = "Input")]
    pub keep_id: Vec<String>,

    /// Period of each row: day, week (ISO, from Monday), month, quarter, year or all [default: week, or the deliveries' own when coarser].
    #[arg(long, value_enum, help_heading = "Counting")]
    pub period: Option<PeriodArg>,
    /// Segment rows by this column (repeatable), e.g. --by region; pair differently named columns with --by 'complaints.Marca=deliveries.empresa'.
    #[arg(long, value_name = "COL", help_heading = "Counting")]
    pub by: Vec<Segment>,
    /// First day counted (inclusive, YYYY-MM-DD); earlier complaints still serve as look-back for repeats.
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub from: Option<NaiveDate>,
    /// Last day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub to: Option<NaiveDate>,
    /// A complaint is a repeat if its key complained at most this many days before [default: 7].
    #[arg(long, value_name = "DAYS", help_heading = "Counting")]
    pub window_days: Option<u32>,
    /// What makes complaints the same problem [default: customer].
    #[arg(long, value_enum, help_heading = "Counting")]
    pub repeat_key: Option<RepeatKeyArg>,
    /// Count complaints in the period of their own time, or of their delivery (via the order id) [default: complaint].
    #[arg(long, value_enum, help_heading = "Counting")]
    pub attribute: Option<AttributeArg>,
    /// Follow-ups are known up to this day (default: the last complaint in the data); for one-contact resolution and maturity.
    #[arg(long, value_name = "DATE", help_heading = "Counting")]
    pub as_of: Option<NaiveDate>,
    /// Confidence of the rate intervals [default: 0.95].
    #[arg(long, help_heading = "Statistics")]
    pub confidence: Option<f64>,
}

/// How the files are read, and which config file fills in what flags leave
/// open: shared by the commands that load both exports and by `inspect`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Name a column's role: TABLE.ROLE=COLUMN, e.g. complaints.customer="Client ID" (repeatable).
    #[arg(long = "col", value_name = "TABLE.ROLE=COLUMN", help_heading = "Input")]
    pub columns: Vec<ColumnOverride>,
    /// Delimiter of CSV input (default: sniffed among , ; tab |); prefix complaints= or deliveries= for one file.
    #[arg(long, value_name = "[TABLE=]CHAR", help_heading = "Input")]
    pub delimiter: Vec<PerTable>,
    /// Text encoding when not UTF-8, e.g. windows-1257, windows-1252, iso-8859-15 (prefix TABLE= for one file).
    #[arg(long, value_name = "[TABLE=]NAME", help_heading = "Input")]
    pub encoding: Vec<PerTable>,
    /// Worksheet of an .xlsx input (default: the first), e.g. --sheet complaints=Returns --sheet deliveries=Orders.
    #[arg(long, value_name = "[TABLE=]NAME", help_heading = "Input")]
    pub sheet: Vec<PerTable>,
    /// Read ambiguous dates like 03/04/2025 as day first (3 April); --dayfirst complaints for one file.
    #[arg(long, value_name = "TABLE", num_args = 0..=1, default_missing_value = "both",
          value_parser = ["both", "complaints", "deliveries"], help_heading = "Input")]
    pub dayfirst: Vec<String>,
    /// Time format for anything the tool does not detect (strftime, e.g. '%d %b %Y %H:%M'); prefix TABLE= for one file, e.g. complaints='%d-%m-%y'.
    #[arg(long, value_name = "[TABLE=]FORMAT", help_heading = "Input")]
    pub date_format: Vec<PerTable>,
    /// Config file with column mappings, channel spellings and defaults (default: ./complaint-rate.toml if present).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format (default: table on a terminal, csv otherwise, or from -o's extension).
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<FormatArg>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Hold an exclusive lock on FILE for the whole run, so an overlapping run (cron) waits for this one to finish.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub lock: Option<PathBuf>,
    /// With --lock: wait at most SECONDS for the lock, then exit 2 (0: do not wait) [default: wait as long as it takes].
    #[arg(long, value_name = "SECONDS", requires = "lock", help_heading = "Output")]
    pub lock_wait: Option<u64>,
    /// Print nothing but the requested output and errors.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// CSV for European Excel: `;` separated, decimal comma, UTF-8 BOM.
    #[arg(long, help_heading = "Output")]
    pub excel: bool,
    /// Colour on a terminal (auto: not when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN", help_heading = "Output")]
    pub color: ColorArg,
    /// Also draw the command's picture to FILE.svg or FILE.png (report: control chart; compare: funnel; customers: concentration curve; repeats: channel transitions; categories: Pareto chart).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub chart: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    All,
}

impl From<PeriodArg> for Period {
    fn from(p: PeriodArg) -> Period {
        match p {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
            PeriodArg::Quarter => Period::Quarter,
            PeriodArg::Year => Period::Year,
            PeriodArg::All => Period::All,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RepeatKeyArg {
    Customer,
    #[value(name = "customer+order")]
    CustomerOrder,
    #[value(name = "customer+category")]
    CustomerCategory,
}

impl From<RepeatKeyArg> for RepeatKey {
    fn from(k: RepeatKeyArg) -> RepeatKey {
        match k {
            RepeatKeyArg::Customer => RepeatKey::Customer,
            RepeatKeyArg::CustomerOrder => RepeatKey::CustomerOrder,
            RepeatKeyArg::CustomerCategory => RepeatKey::CustomerCategory,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AttributeArg {
    // The complaint's own time.
    Complaint,
    // Its delivery's time, through the order id.
    Delivery,
}

impl From<AttributeArg> for Attribution {
    fn from(a: AttributeArg) -> Attribution {
        match a {
            AttributeArg::Complaint => Attribution::Complaint,
            AttributeArg::Delivery => Attribution::Delivery,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LimitsArg {
    // Laney p′: allows for routine week-to-week variation.
    #[value(alias = "pprime", alias = "p'")]
    Laney,
    // The plain p-chart.
    P,
}

impl From<LimitsArg> for Chart {
    fn from(l: LimitsArg) -> Chart {
        match l {
            LimitsArg::Laney => Chart::LaneyPPrime,
            LimitsArg::P => Chart::P,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Tsv,
    Json,
    #[value(alias = "jsonl")]
    Ndjson,
    #[value(alias = "md")]
    Markdown,
    Xlsx,
    Html,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> OutputFormat {
        match f {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Tsv => OutputFormat::Tsv,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Ndjson => OutputFormat::Ndjson,
            FormatArg::Markdown => OutputFormat::Markdown,
            FormatArg::Xlsx => OutputFormat::Xlsx,
            FormatArg::Html => OutputFormat::Html,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// A value of the config file's `[defaults]` read as a flag of a fixed set.
fn config_value<T: ValueEnum>(config: &Config, key: &str, text: Option<&str>) -> Result<Option<T>> {
    text.map(|t| {
        T::from_str(t, true).map_err(|_| {
            let allowed: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value())
                .map(|v| v.get_name().to_string())
                .collect();
            anyhow!("{}: [defaults] {key}: {t:?} is not one of {}", config.shown(), allowed.join(", "))
        })
    })
    .transpose()
}

/// A flag's value for both tables, or with a `complaints=` / `deliveries=`
/// prefix for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerTable {
    pub table: Option<Table>,
    pub value: String,
}

impl std::str::FromStr for PerTable {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        for table in [Table::Complaints, Table::Deliveries] {
            let prefix = format!("{}=", table.name());
            if text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(&prefix) {
                return Ok(PerTable { table: Some(table), value: text[prefix.len()..].to_string() });
            }
        }
        Ok(PerTable { table: None, value: text.to_string() })
    }
}

/// The value for `table`: the last one given for it, else the last for both.
fn for_table(values: &[PerTable], table: Table) -> Option<&str> {
    values
        .iter()
        .rev()
        .find(|v| v.table == Some(table))
        .or_else(|| values.iter().rev().find(|v| v.table.is_none()))
        .map(|v| v.value.as_str())
}

impl ReadArgs {
    /// Column mappings (the config's first, so the command line's win) and
    /// how to read each file (complaints, deliveries): a flag for one table,
    /// else a flag for both, else the config file.
    pub fn resolve(&self, config: &Config) -> Result<(Vec<ColumnOverride>, TableOptions, TableOptions)> {
        let mut overrides = config.column_overrides()?;
        overrides.extend(self.columns.iter().cloned());
        let d = &config.defaults;
        let table_options = |table: Table| -> Result<TableOptions> {
            let encoding = for_table(&self.encoding, table).or(d.encoding.as_deref());
            let delimiter = match for_table(&self.delimiter, table) {
                Some(flag) => Some(parse_delimiter(flag).map_err(|e| anyhow!("--delimiter: {e}"))?),
                None => d
                    .delimiter
                    .as_deref()
                    .map(parse_delimiter)
                    .transpose()
                    .map_err(|e| anyhow!("{}: [defaults] delimiter: {e}", config.shown()))?,
            };
            let dayfirst =
                self.dayfirst.iter().any(|t| t == "both" || t == table.name()).then_some(true).or(d.dayfirst);
            Ok(TableOptions {
                delimiter,
                encoding: encoding.map(crate::input::decode::encoding_named).transpose()?,
                sheet: for_table(&self.sheet, table).map(str::to_string),
                dayfirst,
                date_format: for_table(&self.date_format, table)
                    .map(str::to_string)
                    .or_else(|| d.date_format.clone()),
                max_rows: None,
            })
        };
        Ok((overrides, table_options(Table::Complaints)?, table_options(Table::Deliveries)?))
    }

    /// The reading flags given on the command line, for the check that
    /// some file uses each.
    pub fn given(&self) -> Vec<GivenFlag> {
        let mut out = Vec::new();
        for (flag, values) in
            [("--sheet", &self.sheet), ("--encoding", &self.encoding), ("--delimiter", &self.delimiter)]
        {
            out.extend(values.iter().map(|v| GivenFlag { flag, table: v.table, value: v.value.clone() }));
        }
        out
    }
}

impl InputArgs {
    /// The options of a view command, resolved with what it uses: no
    /// periods (the counted days are one), `--by` only where it compares
    /// segments, deliveries per customer where it needs them. A flag given
    /// on the command line that the command does not use is an error.
    pub fn resolve_for(&self, uses: crate::cmd::Uses) -> Result<DatasetOptions> {
        let command = uses.command;
        if let Some(period) = self.period {
            let name = period.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
            bail!("--period {name}: {command} looks at the counted days as a whole; --period is for report");
        }
        if uses.segments && self.by.is_empty() && self.config_by()?.is_empty() {
            bail!("{command} needs the segment column to compare: pass --by COL (e.g. --by region)");
        }
        if !uses.segments && !self.by.is_empty() {
            bail!("--by {}: {command} has no segments; --by is for report and compare", self.by[0].name);
        }
        let mut options = self.resolve()?;
        options.period = Some(Period::All);
        options.per_customer = uses.per_customer;
        options.categories = uses.categories;
        if !uses.segments {
            options.by.clear();
        }
        Ok(options)
    }

    /// The config file (`--config`, else ./complaint-rate.toml, else none).
    pub fn config(&self) -> Result<Config> {
        Config::load(self.read.config.as_deref())
    }

    /// The config file's `by`, for the check that a comparison has one.
    fn config_by(&self) -> Result<Vec<String>> {
        Ok(Config::load(self.read.config.as_deref())?.defaults.by.unwrap_or_default())
    }

    /// Everything the dataset loader and the statistics need, from flags,
    /// then the config file (`--config`, else ./complaint-rate.toml), then
    /// the defaults.
    pub fn resolve(&self) -> Result<DatasetOptions> {
        let config = Config::load(self.read.config.as_deref())?;
        let d = &config.defaults;
        let (overrides, mut complaints_table, deliveries_table) = self.read.resolve(&config)?;
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            bail!("--from {from} is after --to {to}");
        }
        let confidence = self.confidence.or(d.confidence).unwrap_or(DEFAULT_CONFIDENCE);
        if !(confidence > 0.0 && confidence < 1.0) {
            bail!("--confidence must be between 0 and 1 (e.g. 0.95), got {confidence}");
        }
        let tz_name = self.tz.as_deref().or(d.tz.as_deref()).unwrap_or(DEFAULT_TZ);
        let tz = tz_name.parse().map_err(|_| {
            anyhow!("--tz {tz_name:?} is not a time zone; use a name like UTC or Europe/Tallinn")
        })?;
        let channel_map = self.channel_map.as_deref().or(d.channel_map.as_deref());
        let period: Option<PeriodArg> = match self.period {
            Some(p) => Some(p),
            None => config_value(&config, "period", d.period.as_deref())?,
        };
        let repeat_key: Option<RepeatKeyArg> = match self.repeat_key {
            Some(k) => Some(k),
            None => config_value(&config, "repeat_key", d.repeat_key.as_deref())?,
        };
        let attribute: Option<AttributeArg> = match self.attribute {
            Some(a) => Some(a),
            None => config_value(&config, "attribute", d.attribute.as_deref())?,
        };
        let by: Vec<Segment> = if self.by.is_empty() {
            d.by.iter()
                .flatten()
                .map(|b| b.parse().map_err(|e: String| anyhow!("{}: [defaults] by: {e}", config.shown())))
                .collect::<Result<_>>()?
        } else {
            self.by.clone()
        };
        // `--by region --by Region` is one segment column.
        let mut seen = std::collections::HashSet::new();
        let by = by.into_iter().filter(|b| seen.insert(crate::input::roles::normalize(&b.name))).collect();
        // Flags win over the config's filters.
        let filters = if self.filters.is_empty() {
            d.filters
                .iter()
                .flatten()
                .map(|f| f.parse().map_err(|e: String| anyhow!("{}: [defaults] where: {e}", config.shown())))
                .collect::<Result<Vec<RowFilter>>>()?
        } else {
            self.filters.clone()
        };
        let memory_limit = match (self.memory_limit, &d.memory_limit) {
            (Some(limit), _) => limit,
            (None, Some(text)) => {
                text.parse().map_err(|e: String| anyhow::anyhow!("{}: memory_limit {e}", config.shown()))?
            }
            (None, None) => crate::guard::default_memory_limit(),
        };
        complaints_table.max_rows = Some(crate::guard::complaints_that_fit(memory_limit));
        Ok(DatasetOptions {
            complaints: self.complaints.clone(),
            deliveries: self.deliveries.clone(),
            complaints_table,
            deliveries_table,
            channels: channels::spellings(&config.channels, channel_map)?,
            overrides,
            tz,
            range: DateRange { from: self.from, to: self.to },
            filters,
            count_rows: self.count_rows,
            per_customer: false,
            categories: false,
            keep_ids: self.keep_id.clone(),
            period: period.map(Period::from),
            by,
            repeat_key: repeat_key.map(RepeatKey::from).unwrap_or(RepeatKey::Customer),
            window_days: self.window_days.or(d.window_days).unwrap_or(DEFAULT_WINDOW_DAYS),
            attribution: attribute.map(Attribution::from).unwrap_or(Attribution::Complaint),
            strict: self.strict,
            as_of: self.as_of,
            confidence,
            flags: self.read.given(),
            max_lost: self.max_lost,
            memory_limit,
            db_timeout: self.db_timeout.map(std::time::Duration::from_secs),
        })
    }
}

/// A rate as a fraction (0.002), a percentage (0.2%) or per mille (2/1000).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().ok().map(|v| v / 100.0)
    } else if let Some((a, b)) = t.split_once('/') {
        match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) if b > 0.0 => Some(a / b),
            _ => None,
        }
    } else {
        t.parse::<f64>().ok()
    };
    match value {
        Some(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a rate; write 0.002, 0.2% or 2/1000")),
    }
}

/// A percentage from 0 to 100, with or without `%`.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').trim().parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a percentage from 0 to 100 (e.g. 5 or 0.5%)")),
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

    #[test]
    fn rates_in_three_spellings() {
        assert_eq!(parse_rate("0.002"), Ok(0.002));
        assert_eq!(parse_rate("0.2%"), Ok(0.002));
        assert_eq!(parse_rate("2/1000"), Ok(0.002));
        assert!(parse_rate("2/0").is_err());
        assert!(parse_rate("lots").is_err());
    }

    #[test]
    fn per_table_values() {
        let values: Vec<PerTable> =
            ["%d.%m.%Y", "complaints=%d-%m-%y", "Deliveries=%Y"].iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(for_table(&values, Table::Complaints), Some("%d-%m-%y"));
        assert_eq!(for_table(&values, Table::Deliveries), Some("%Y"));
        assert_eq!(for_table(&values[..1], Table::Deliveries), Some("%d.%m.%Y"));
        // A format that merely contains '=' is for both tables.
        assert_eq!("a=b".parse::<PerTable>().unwrap().table, None);
    }

    #[test]
    fn every_fixed_set_converts() {
        for p in PeriodArg::value_variants() {
            let name = p.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(Period::from(*p).name(), name);
        }
        for k in RepeatKeyArg::value_variants() {
            let name = k.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(RepeatKey::from(*k).name(), name);
        }
    }
}
