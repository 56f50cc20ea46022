//! `inspect FILE…`: what the tool sees in an export before any report —
//! format, encoding, delimiter, rows, and each column with the role it would
//! play, its type, time format, missing values and three sample values.
//! The command a user runs first.

use anyhow::{Context, Result};
use polars::prelude::*;
use serde_json::{Value, json};

use super::Output;
use crate::cli::{OutputArgs, ReadArgs};
use crate::config::Config;
use crate::input::DatasetOptions;
use crate::input::plan::{Head, TablePlan, plan_file};
use crate::input::roles::{Role, Table, normalize};
use crate::input::source::{Format, Source, explain_read_error};
use crate::input::time::TimeParser;
use crate::input::{TIME_SAMPLE, present};
use crate::output::table::thousands;
use crate::output::{Cell, Document, Grid};

pub const EXAMPLES: &str = "\
Examples:
  What does the tool make of these exports?
    complaint-rate inspect complaints.csv deliveries.parquet

  A Baltic export, as JSON:
    complaint-rate inspect tickets.csv --encoding windows-1257 --format json";

struct ColumnFacts {
    name: String,
    role: Option<Role>,
    kind: &'static str,
    time_format: Option<String>,
    nulls: u64,
    samples: Vec<String>,
    /// Every value with its rows, for columns of few values (to pick
    /// `--where` filters from).
    values: Option<Vec<(String, u64)>>,
}

/// Columns with at most this many values get their value counts.
const FEW_VALUES: usize = 12;
/// And at most this many columns per file (each costs a pass).
const VALUE_COUNT_COLUMNS: usize = 8;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, globs or directories to inspect.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Read the columns' roles as this table's (default: deliveries when a delivery-only column is present).
    #[arg(long, value_enum)]
    pub table: Option<TableArg>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TableArg {
    Complaints,
    Deliveries,
}

pub fn run(args: &Args) -> Result<u8> {
    let output = Output::prepare(&args.output, false)?;
    // The config file's column mappings and reading defaults apply here
    // too: inspect shows what a report would see.
    let config = Config::load(args.read.config.as_deref())?;
    let (overrides, complaints_table, deliveries_table) = args.read.resolve(&config)?;
    let options = DatasetOptions::reading(overrides, complaints_table, deliveries_table);
    let tz = options.tz;
    let mut rows = Vec::new();
    let mut files_json = Vec::new();
    let mut headline = Vec::new();
    let mut inspected = std::collections::HashSet::new();
    for file in &args.files {
        if crate::input::postgres::is_url(file) {
            anyhow::bail!(
                "inspect reads files; for a database, list the table's columns with psql (\\d TABLE) and \
                 run report with --deliveries postgresql://…?table=TABLE"
            );
        }
        // Read as complaints first to see the columns, then as the table it is.
        let named = args.table.map(|t| match t {
            TableArg::Complaints => Table::Complaints,
            TableArg::Deliveries => Table::Deliveries,
        });
        let mut source = Source::open(file, options.table(named.unwrap_or(Table::Complaints)))?;
        let table = named.unwrap_or_else(|| guess_table(&source.columns));
        inspected.insert(table);
        if table != Table::Complaints && named.is_none() {
            source = Source::open(file, options.table(table))?;
        }
        // The same plan a report reads the file by: roles, and the time
        // chosen by its name and values, in its layout.
        let head = Head::read(&source)?;
        let plan = plan_file(&source, &head, table, &options, &[])?;
        let roles = &plan.roles;
        let (count, facts) = column_facts(&source, &plan, options.table(table).dayfirst, tz)?;
        let delimiter = match source.format {
            Format::Csv { delimiter: b'\t', .. } => Some("tab".to_string()),
            Format::Csv { delimiter, .. } => Some((delimiter as char).to_string()),
            Format::Parquet => None,
        };
        headline.push(format!(
            "{}: {}{}, {}{}, {} rows, {} columns; read as a {} table.",
            source.display(),
            source.kind.name(),
            if source.files.len() > 1 { format!(" ({} files)", source.files.len()) } else { String::new() },
            source.encoding,
            delimiter.as_ref().map(|d| format!(", delimiter {d}")).unwrap_or_default(),
            thousands(count),
            source.columns.len(),
            table.name(),
        ));
        for (role, column) in &roles.columns {
            let also = roles
                .candidates
                .get(role)
                .map(|c| format!("; also fits: {}", c.join(", ")))
                .unwrap_or_default();
            let why = roles.why.get(role).map(|w| w.to_string()).unwrap_or_default();
            headline.push(format!("  {role}: {column} ({why}{also})"));
        }
        let mut columns_json = Vec::new();
        for f in &facts {
            rows.push(vec![
                Cell::Text(source.display()),
                Cell::Text(f.name.clone()),
                Cell::Text(f.role.map(|r| r.to_string()).unwrap_or_default()),
                Cell::Text(f.kind.to_string()),
                Cell::Text(f.time_format.clone().unwrap_or_default()),
                Cell::Int(f.nulls),
                Cell::Text(match &f.values {
                    Some(values) => values
                        .iter()
                        .map(|(v, n)| format!("{v} ({})", thousands(*n)))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    None => f.samples.join(" | "),
                }),
            ]);
            let role_reason = f.role.and_then(|r| roles.why.get(&r)).map(|w| w.to_string());
            columns_json.push(json!({
                "name": f.name,
                "role": f.role.map(|r| r.to_string()),
                "role_reason": role_reason,
                "type": f.kind,
                "time_format": f.time_format,
                "nulls": f.nulls,
                "samples": f.samples,
                "values": f.values.as_ref().map(|v| v.iter().map(|(value, rows)| json!({"value": value, "rows": rows})).collect::<Vec<_>>()),
            }));
        }
        files_json.push(json!({
            "file": source.display(),
            "format": source.kind.name(),
            "encoding": source.encoding,
            "delimiter": delimiter,
            "rows": count,
            "table": table.name(),
            "columns": columns_json,
        }));
    }
    // A --col for a table no file was read as would be silently ignored.
    if let Some(unused) = options.overrides.iter().find(|o| !inspected.contains(&o.table)) {
        anyhow::bail!(
            "--col {}.{}={}: no {} file was inspected here; name one (--table {}), or drop the flag",
            unused.table.name(),
            unused.role,
            unused.column,
            unused.table.name(),
            unused.table.name()
        );
    }
    let columns = ["file", "column", "role", "type", "time_format", "nulls", "samples_or_values"]
        .map(String::from)
        .to_vec();
    let document = Document {
        title: "complaint-rate inspect".into(),
        verdict: None,
        figure: None,
        headline: if args.output.quiet { vec![] } else { headline },
        terminal_extra: vec![],
        json_head: vec![],
        json_whole: Some(Value::Array(files_json)),
        main: Grid { name: "columns".into(), columns, rows },
        extra: vec![],
        terminal_columns: None,
        sections: vec![],
        notes: vec![],
        ledgers: vec![],
        parameters: json!({}),
    };
    output.write(&document)?;
    Ok(0)
}

/// A file with a delivery-only column (delivered_at, a count, a name with
/// "delivered"…) is read as deliveries; anything else as complaints.
fn guess_table(columns: &[String]) -> Table {
    let deliveries_only = [
        "deliveredat",
        "deliverydate",
        "shippedat",
        "orderdate",
        "count",
        "deliveries",
        "volume",
        "shipments",
        "week",
        "weekstart",
        "month",
    ];
    if columns.iter().any(|c| {
        let name = normalize(c);
        deliveries_only.contains(&name.as_str()) || name.contains("delivered")
    }) {
        Table::Deliveries
    } else {
        Table::Complaints
    }
}

fn column_facts(
    source: &Source,
    plan: &TablePlan,
    dayfirst: Option<bool>,
    tz: chrono_tz::Tz,
) -> Result<(u64, Vec<ColumnFacts>)> {
    let roles = &plan.roles;
    let time_columns: Vec<&str> = plan.time.iter().flat_map(|t| t.names()).collect();
    let mut counts = vec![len().cast(DataType::UInt64).alias("__rows")];
    counts.extend(
        source.columns.iter().map(|c| col(c.as_str()).null_count().cast(DataType::UInt64).alias(c.as_str())),
    );
    let totals = source
        .scan()?
        .select(counts)
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{}: cannot read the file", source.display()))?
        .unwrap_single();
    let head = source
        .scan()?
        .select(source.columns.iter().map(|c| col(c.as_str()).cast(DataType::String)).collect::<Vec<_>>())
        .limit(TIME_SAMPLE as IdxSize)
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))?;
    let count = totals.column("__rows")?.u64()?.get(0).unwrap_or(0);
    let mut facts = Vec::new();
    for name in &source.columns {
        let values: Vec<&str> = head.column(name)?.str()?.iter().filter_map(present).collect();
        let mut samples: Vec<String> = Vec::new();
        for v in &values {
            if samples.len() < 3 && !samples.iter().any(|s| s == v) {
                samples.push(v.chars().take(40).collect());
            }
        }
        let role = roles
            .columns
            .iter()
            .find(|(_, c)| *c == name)
            .map(|(r, _)| *r)
            .or_else(|| time_columns.contains(&name.as_str()).then_some(Role::Time));
        let (kind, time_format) = match role {
            // The time as the report reads it (a --date-format, two columns joined).
            Some(Role::Time) => ("time", Some(plan.parser.layout.describe())),
            _ => classify(&values, dayfirst, tz),
        };
        let nulls = totals.column(name)?.u64()?.get(0).unwrap_or(0);
        let distinct: std::collections::HashSet<&&str> = values.iter().collect();
        let few = kind != "time" && !values.is_empty() && distinct.len() <= FEW_VALUES;
        facts.push(ColumnFacts {
            name: name.clone(),
            role,
            kind,
            time_format,
            nulls,
            samples,
            values: few.then(Vec::new),
        });
    }
    // Value counts over the whole file, for the columns that looked few-valued.
    for f in facts.iter_mut().filter(|f| f.values.is_some()).take(VALUE_COUNT_COLUMNS) {
        f.values = value_counts(source, &f.name)?;
    }
    for f in facts.iter_mut() {
        if f.values.as_ref().is_some_and(Vec::is_empty) {
            f.values = None;
        }
    }
    Ok((count, facts))
}

/// Every value of a column with its rows, most rows first; `None` when it
/// has more than `FEW_VALUES` values.
fn value_counts(source: &Source, column: &str) -> Result<Option<Vec<(String, u64)>>> {
    let frame = source
        .scan()?
        .select([col(column).cast(DataType::String).alias("__value")])
        .group_by([col("__value")])
        .agg([len().cast(DataType::UInt64).alias("__rows")])
        .limit(FEW_VALUES as IdxSize + 1)
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))?
        .unwrap_single();
    if frame.height() > FEW_VALUES {
        return Ok(None);
    }
    let values = frame.column("__value")?.str()?;
    let rows = frame.column("__rows")?.u64()?;
    let mut out: Vec<(String, u64)> = (0..frame.height())
        .map(|i| (values.get(i).unwrap_or("(missing)").to_string(), rows.get(i).unwrap_or(0)))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Some(out))
}

/// integer, number, time (with its layout), text or empty.
fn classify(values: &[&str], dayfirst: Option<bool>, tz: chrono_tz::Tz) -> (&'static str, Option<String>) {
    if values.is_empty() {
        return ("empty", None);
    }
    if values.iter().all(|v| v.parse::<i64>().is_ok()) {
        return ("integer", None);
    }
    if values.iter().all(|v| v.replace(',', ".").parse::<f64>().is_ok()) {
        return ("number", None);
    }
    match TimeParser::detect(values, dayfirst, None, tz) {
        Ok(parser) => {
            let parsed = values.iter().filter(|v| parser.parse(v).is_some()).count();
            if parsed * 10 >= values.len() * 9 {
                ("time", Some(parser.layout.describe()))
            } else {
                ("text", None)
            }
        }
        Err(crate::input::time::DetectError::Ambiguous { .. }) => {
            ("time", Some("ambiguous dd/mm or mm/dd: pass --dayfirst or --date-format".into()))
        }
        Err(_) => ("text", None),
    }
}
