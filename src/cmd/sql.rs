//! `sql [deliveries|complaints] --dialect D`: either side of the report
//! counted where the rows live, as SQL for the database or warehouse, with
//! the tool's own definitions, per day and segment whatever `--period` says
//! (the report rolls days into any period and applies the days both exports
//! cover exactly). Save each result as CSV and pass it as `--deliveries` or
//! `--complaints`: the report's cells equal those from the raw rows.
//! `deliveries` (the default, plain `sql`): deliveries per day. `complaints`:
//! complaints, repeat complaints and channel switches per day, from window
//! functions over each customer's contacts.

use anyhow::{Result, bail};
use clap::ValueEnum;

use crate::cli::{DEFAULT_TZ, DEFAULT_WINDOW_DAYS, PeriodArg, RepeatKeyArg};
use crate::config::Config;
use crate::input::warehouse::{ComplaintsQuery, DeliveriesQuery, Dialect, Grain, LocalTime, Relation};
use crate::input::{ColumnOverride, RepeatKey, Role, RowFilter, Segment, Table, channels};

pub const EXAMPLES: &str = "\
Examples:
  Deliveries per day and region in PostgreSQL, saved for the report:
    complaint-rate sql --dialect postgres --table sales.deliveries --by region \\
        --col deliveries.time=delivered_at > count.sql
    psql -d shop --csv -f count.sql > deliveries.csv
    complaint-rate report --complaints tickets.csv --deliveries deliveries.csv --by region

  Both sides in DuckDB, when neither fits one machine:
    complaint-rate sql complaints --dialect duckdb --table tickets --by region \\
        --col complaints.time=created_at --col complaints.customer=customer_id \\
        --col complaints.channel=channel > complaints.sql
    complaint-rate sql deliveries --dialect duckdb --table orders --by region \\
        --col deliveries.time=delivered_at > deliveries.sql
    (run both, save as CSV)
    complaint-rate report --complaints complaints.csv --deliveries deliveries.csv --by region

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

/// Which side to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Side {
    Deliveries,
    Complaints,
}

impl Side {
    fn table(self) -> Table {
        match self {
            Side::Deliveries => Table::Deliveries,
            Side::Complaints => Table::Complaints,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to count: deliveries (the default) or complaints.
    #[arg(value_enum, default_value_t = Side::Deliveries)]
    pub side: Side,
    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: DialectArg,
    /// The table (schema.table is fine).
    #[arg(long, value_name = "NAME", conflicts_with = "query", required_unless_present = "query")]
    pub table: Option<String>,
    /// A query whose rows are the table, used as a subquery as written.
    #[arg(long, value_name = "SQL")]
    pub query: Option<String>,
    /// The report's period: the query counts per day whatever it is (the report rolls days up into it and cuts the days both exports cover exactly).
    #[arg(long, value_enum)]
    pub period: Option<PeriodArg>,
    /// Segment by this column (repeatable), e.g. --by region.
    #[arg(long, value_name = "COL")]
    pub by: Vec<Segment>,
    /// Zone that times with a zone (timestamptz) are converted to before taking the date, as report's --tz; naive times are local already [default: UTC].
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// First day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day counted (inclusive, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// The columns: TABLE.time=COL (required), deliveries.count=COL, deliveries.order=COL, complaints.customer=COL, complaints.channel=COL, complaints.id=COL…
    #[arg(long = "col", value_name = "TABLE.ROLE=COLUMN")]
    pub columns: Vec<ColumnOverride>,
    /// Keep only rows where TABLE.COLUMN OP VALUE holds (repeatable), e.g. 'deliveries.status=delivered'.
    #[arg(long = "where", value_name = "TABLE.COLUMN OP VALUE")]
    pub filters: Vec<RowFilter>,
    /// Deliveries: count every row, even when an order column is named (order lines are otherwise one delivery per order).
    #[arg(long)]
    pub count_rows: bool,
    /// Complaints: a repeat is a complaint of the same key at most this many days after the previous one [default: 7].
    #[arg(long, value_name = "DAYS")]
    pub window_days: Option<u32>,
    /// Complaints: what makes complaints the same problem [default: customer].
    #[arg(long, value_enum)]
    pub repeat_key: Option<RepeatKeyArg>,
    /// Complaints: a column that orders the rows as the export does (a row number or sequence): the tie-break of equal times, and which of an event log's rows comes first. Without it: time, then id.
    #[arg(long, value_name = "COL")]
    pub order_by: Option<String>,
    /// Config file with column mappings, channel spellings and defaults (default: ./complaint-rate.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> Result<u8> {
    let config = Config::load(args.config.as_deref())?;
    let mut overrides = config.column_overrides()?;
    overrides.extend(args.columns.iter().cloned());
    let table = args.side.table();
    if let Some(other) = args.columns.iter().find(|o| o.table != table) {
        bail!(
            "--col {}.{}={}: sql {} counts the {}; give the {} columns to sql {}",
            other.table.name(),
            other.role,
            other.column,
            table.name(),
            table.name(),
            other.table.name(),
            other.table.name()
        );
    }
    let role = |role: Role| {
        overrides.iter().rev().find(|o| o.table == table && o.role == role).map(|o| o.column.clone())
    };
    let Some(time) = role(Role::Time) else {
        bail!(
            "sql cannot see the table's columns: name the time column with --col {}.time=COLUMN{}",
            table.name(),
            match args.side {
                Side::Deliveries => " (and deliveries.count=COLUMN for pre-aggregated rows)",
                Side::Complaints =>
                    " (and complaints.customer=COLUMN, complaints.channel=COLUMN for repeats and switches)",
            }
        );
    };
    let d = &config.defaults;
    let by: Vec<Segment> = if args.by.is_empty() {
        d.by.iter().flatten().map(|b| b.parse()).collect::<Result<_, String>>().map_err(anyhow::Error::msg)?
    } else {
        args.by.clone()
    };
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
    if let Some(other) = filters.iter().find(|f| f.table != table) {
        bail!(
            "--where {other}: sql {} counts the {}; a filter on the {} belongs to the other side",
            table.name(),
            table.name(),
            other.table.name()
        );
    }
    let zone = args.tz.clone().or_else(|| d.tz.clone()).unwrap_or_else(|| DEFAULT_TZ.to_string());
    zone.parse::<chrono_tz::Tz>().map_err(|_| {
        anyhow::anyhow!("--tz {zone:?} is not a time zone; use a name like UTC or Europe/Tallinn")
    })?;
    let relation = match (&args.table, &args.query) {
        (Some(table), _) => Relation::Table(table.clone()),
        (None, Some(query)) => Relation::Query(query.clone()),
        (None, None) => unreachable!("clap requires one"),
    };
    let segments: Vec<String> = by.iter().map(|b| b.column(table).to_string()).collect();
    let segment_names: Vec<String> = by.iter().map(|b| b.name.clone()).collect();
    let time_kind = LocalTime::ByType(zone);
    let sql = match args.side {
        Side::Deliveries => {
            for (flag, given) in [
                ("--window-days", args.window_days.is_some()),
                ("--repeat-key", args.repeat_key.is_some()),
                ("--order-by", args.order_by.is_some()),
            ] {
                if given {
                    bail!("{flag}: it is for sql complaints; sql deliveries counts deliveries");
                }
            }
            DeliveriesQuery {
                relation,
                time,
                segments,
                segment_names,
                count: role(Role::Count),
                distinct_order: role(Role::Order).filter(|_| !args.count_rows),
                filters,
                from: args.from,
                to: args.to,
                time_kind,
                grain: Grain::Day,
            }
            .sql(args.dialect.into())
        }
        Side::Complaints => {
            if args.count_rows {
                bail!("--count-rows: it is for sql deliveries (order lines)");
            }
            let key = args.repeat_key.map(RepeatKey::from).unwrap_or(RepeatKey::Customer);
            let key_part = match key {
                RepeatKey::Customer => None,
                RepeatKey::CustomerOrder => Some(role(Role::Order).ok_or_else(|| {
                    anyhow::anyhow!("--repeat-key customer+order needs the order column: --col complaints.order=COLUMN")
                })?),
                RepeatKey::CustomerCategory => Some(role(Role::Category).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--repeat-key customer+category needs the category column: --col complaints.category=COLUMN"
                    )
                })?),
            };
            let spellings = channels::spellings(&config.channels, d.channel_map.as_deref())?;
            let mut channel_map: Vec<(String, String)> = spellings.into_iter().collect();
            channel_map.sort();
            ComplaintsQuery {
                relation,
                time,
                time_kind,
                customer: role(Role::Customer),
                channel: role(Role::Channel),
                key_part,
                id: role(Role::Id),
                order_by: args.order_by.clone(),
                segments,
                segment_names,
                filters,
                from: args.from,
                to: args.to,
                window_days: args.window_days.or(d.window_days).unwrap_or(DEFAULT_WINDOW_DAYS),
                channels: channel_map,
            }
            .sql(args.dialect.into())
        }
    };
    crate::output::writer::write_stdout(sql.as_bytes())?;
    Ok(0)
}
