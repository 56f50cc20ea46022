//! `sql --dialect D`: the deliveries count as SQL for the database or
//! warehouse where the orders live — deliveries per day (or ISO week,
//! month) and segment with the tool's own definitions. Save its result as
//! CSV and pass it as `--deliveries`: the report equals one from the raw
//! rows (per day; per week or month, the periods are whole).

use anyhow::{Result, bail};
use clap::ValueEnum;

use crate::cli::{DEFAULT_TZ, PeriodArg};
use crate::config::Config;
use crate::input::warehouse::{DeliveriesQuery, Dialect, Grain, Relation};
use crate::input::{ColumnOverride, Role, RowFilter, Table};

pub const EXAMPLES: &str = "\
Examples:
  Deliveries per day and region in PostgreSQL, saved for the report:
    complaint-rate sql --dialect postgres --table sales.deliveries --by region \\
        --col deliveries.time=delivered_at > count.sql
    psql -d shop --csv -f count.sql > deliveries.csv
    complaint-rate report --complaints tickets.csv --deliveries deliveries.csv --by region

  BigQuery, a query as the source, only delivered orders, times with a zone:
    complaint-rate sql --dialect bigquery --query 'SELECT * FROM shop.orders' \\
        --col deliveries.time=delivered_ts --tz Europe/Tallinn --where 'deliveries.status=delivered'";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Postgres,
    Duckdb,
    Spark,
    Bigquery,
    Snowflake,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Duckdb => Dialect::Duckdb,
            DialectArg::Spark => Dialect::Spark,
            DialectArg::Bigquery => Dialect::Bigquery,
            DialectArg::Snowflake => Dialect::Snowflake,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: DialectArg,
    /// The deliveries table (schema.table is fine).
    #[arg(long, value_name = "NAME", conflicts_with = "query", required_unless_present = "query")]
    pub table: Option<String>,
    /// A query whose rows are the deliveries, used as a subquery as written.
    #[arg(long, value_name = "SQL")]
    pub query: Option<String>,
    /// Count per day (default; a report from it equals one from the raw rows), ISO week or month.
    #[arg(long, value_enum)]
    pub period: Option<PeriodArg>,
    /// Segment by this column (repeatable), e.g. --by region.
    #[arg(long, value_name = "COL")]
    pub by: Vec<String>,
    /// The time column holds times with a zone (timestamptz): convert them to ZONE before taking the date.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// First day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// The deliveries' columns: deliveries.time=COL (required), deliveries.count=COL, deliveries.order=COL.
    #[arg(long = "col", value_name = "TABLE.ROLE=COLUMN")]
    pub columns: Vec<ColumnOverride>,
    /// Keep only deliveries where TABLE.COLUMN OP VALUE holds (repeatable), e.g. 'deliveries.status=delivered'.
    #[arg(long = "where", value_name = "TABLE.COLUMN OP VALUE")]
    pub filters: Vec<RowFilter>,
    /// Count every row, even when an order column is named (order lines are otherwise one delivery per order).
    #[arg(long)]
    pub count_rows: bool,
    /// Config file with column mappings and defaults (default: ./complaint-rate.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> Result<u8> {
    let config = Config::load(args.config.as_deref())?;
    let mut overrides = config.column_overrides()?;
    overrides.extend(args.columns.iter().cloned());
    let role = |role: Role| {
        overrides
            .iter()
            .rev()
            .find(|o| o.table == Table::Deliveries && o.role == role)
            .map(|o| o.column.clone())
    };
    let Some(time) = role(Role::Time) else {
        bail!(
            "sql cannot see the table's columns: name the deliveries' time column with \
             --col deliveries.time=COLUMN (and deliveries.count=COLUMN for pre-aggregated rows)"
        );
    };
    let d = &config.defaults;
    let by = if args.by.is_empty() { d.by.clone().unwrap_or_default() } else { args.by.clone() };
    let filters: Vec<RowFilter> = if args.filters.is_empty() {
        d.filters
            .iter()
            .flatten()
            .map(|f| f.parse())
            .collect::<Result<_, String>>()
            .map_err(anyhow::Error::msg)?
    } else {
        args.filters.clone()
    };
    if let Some(other) = filters.iter().find(|f| f.table != Table::Deliveries) {
        bail!("--where {other}: sql counts deliveries; a filter on the complaints belongs to report");
    }
    let zone = args.tz.clone().or_else(|| d.tz.clone()).filter(|z| z != DEFAULT_TZ || args.tz.is_some());
    if let Some(z) = &zone {
        z.parse::<chrono_tz::Tz>().map_err(|_| {
            anyhow::anyhow!("--tz {z:?} is not a time zone; use a name like UTC or Europe/Tallinn")
        })?;
    }
    let grain = match args.period {
        None | Some(PeriodArg::Day) => Grain::Day,
        Some(PeriodArg::Week) => Grain::Week,
        Some(PeriodArg::Month) => Grain::Month,
        Some(other) => bail!(
            "--period {}: sql counts per day, week or month; the report makes quarters and years from them",
            other.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
        ),
    };
    let query = DeliveriesQuery {
        relation: match (&args.table, &args.query) {
            (Some(table), _) => Relation::Table(table.clone()),
            (None, Some(query)) => Relation::Query(query.clone()),
            (None, None) => unreachable!("clap requires one"),
        },
        time,
        segments: by.clone(),
        segment_names: by,
        count: role(Role::Count),
        distinct_order: role(Role::Order).filter(|_| !args.count_rows),
        filters,
        from: args.from,
        to: args.to,
        zone,
        grain,
    };
    crate::output::writer::write_stdout(query.sql(args.dialect.into()).as_bytes())?;
    Ok(0)
}
