//! The deliveries count as SQL, for the database or warehouse where the
//! orders live (docs/METHODS.md §1.6): deliveries per day (or week, month)
//! and segment with exactly the tool's definitions — the local date (`--tz`
//! for timezone-aware columns), segments trimmed with the same missing
//! values, `--from/--to`, `--where` — whose result is a pre-aggregated
//! deliveries input. Identifiers and literals are quoted per dialect; the
//! only SQL taken as written is a `--query` source.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::filter::{Op, RowFilter};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Duckdb,
    Spark,
    Bigquery,
    Snowflake,
}

/// What the query counts by: days (a report from it equals one from the raw
/// rows, whatever `--period`), or whole ISO weeks or months (smaller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    Day,
    Week,
    Month,
}

/// How a query turns a time column into local time, as the tool does:
/// naive values are local already, zone-aware ones are converted (§1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalTime {
    /// The column is naive (its type known).
    Naive,
    /// The column is zone-aware (its type known): converted to this zone.
    Zoned(String),
    /// The type is not known here (`sql`): by the column's type in the
    /// database; zone-aware values converted to this zone (UTC by default).
    ByType(String),
}

/// Where the deliveries are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relation {
    /// A table, possibly schema-qualified (`sales.deliveries`).
    Table(String),
    /// A query, used as a subquery as written.
    Query(String),
}

/// The deliveries count to run.
#[derive(Clone, Debug)]
pub struct DeliveriesQuery {
    pub relation: Relation,
    pub time: String,
    /// The segment columns, as named in the source.
    pub segments: Vec<String>,
    /// The names the result gives them (as written in `--by`).
    pub segment_names: Vec<String>,
    /// A count column: each row stands for that many deliveries.
    pub count: Option<String>,
    /// Count distinct order ids instead of rows (order lines).
    pub distinct_order: Option<String>,
    pub filters: Vec<RowFilter>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// How the time column becomes local time.
    pub time_kind: LocalTime,
    pub grain: Grain,
}

impl Dialect {
    /// An identifier, quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark | Dialect::Bigquery => {
                format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
            }
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal, quoted.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::Spark | Dialect::Bigquery => {
                format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    fn date_literal(self, date: NaiveDate) -> String {
        format!("DATE '{date}'")
    }

    fn text(self, expr: &str) -> String {
        match self {
            Dialect::Bigquery | Dialect::Spark => format!("CAST({expr} AS STRING)"),
            _ => format!("CAST({expr} AS VARCHAR)"),
        }
    }

    fn number(self, expr: &str) -> String {
        match self {
            // No TRY_CAST: cast only what reads as a number.
            Dialect::Postgres => {
                let t = format!("REPLACE(TRIM({}), ',', '.')", self.text(expr));
                format!(
                    "(CASE WHEN {t} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' \
                     THEN CAST({t} AS DOUBLE PRECISION) END)"
                )
            }
            Dialect::Bigquery => format!("SAFE_CAST({expr} AS FLOAT64)"),
            Dialect::Duckdb | Dialect::Snowflake => format!("TRY_CAST({expr} AS DOUBLE)"),
            Dialect::Spark => format!("TRY_CAST({expr} AS DOUBLE)"),
        }
    }

    /// A time column as the tool reads it (§1.3): a naive value is local
    /// already; a zone-aware one is converted to the zone. With the type
    /// unknown (`LocalTime::ByType`), DuckDB, PostgreSQL and Spark decide per
    /// column by its type in the database; BigQuery and Snowflake cannot, so
    /// there the zone is applied only when named (to a TIMESTAMP column).
    pub fn local_time(self, column: &str, time: &LocalTime) -> String {
        let z = |zone: &str| self.literal(zone);
        match (self, time) {
            (Dialect::Bigquery, LocalTime::Naive) => format!("CAST({column} AS DATETIME)"),
            (Dialect::Snowflake, LocalTime::Naive) => format!("CAST({column} AS TIMESTAMP_NTZ)"),
            (_, LocalTime::Naive) => format!("CAST({column} AS TIMESTAMP)"),
            (Dialect::Postgres, LocalTime::Zoned(zone)) => format!("(({column}) AT TIME ZONE {})", z(zone)),
            (Dialect::Duckdb, LocalTime::Zoned(zone)) => {
                format!("CAST(timezone({}, {column}) AS TIMESTAMP)", z(zone))
            }
            (Dialect::Spark, LocalTime::Zoned(zone)) => format!("from_utc_timestamp({column}, {})", z(zone)),
            (Dialect::Bigquery, LocalTime::Zoned(zone)) => format!("DATETIME({column}, {})", z(zone)),
            (Dialect::Snowflake, LocalTime::Zoned(zone)) => {
                format!("CAST(CONVERT_TIMEZONE({}, {column}) AS TIMESTAMP_NTZ)", z(zone))
            }
            (Dialect::Postgres, LocalTime::ByType(zone)) => format!(
                "(CASE WHEN pg_typeof({column}) = 'timestamp with time zone'::regtype \
                 THEN CAST(({column}) AT TIME ZONE {} AS TIMESTAMP) ELSE CAST({column} AS TIMESTAMP) END)",
                z(zone)
            ),
            (Dialect::Duckdb, LocalTime::ByType(zone)) => format!(
                "(CASE WHEN typeof({column}) = 'TIMESTAMP WITH TIME ZONE' \
                 THEN CAST(timezone({}, {column}) AS TIMESTAMP) ELSE CAST({column} AS TIMESTAMP) END)",
                z(zone)
            ),
            (Dialect::Spark, LocalTime::ByType(zone)) => format!(
                "(CASE WHEN typeof({column}) = 'timestamp' THEN from_utc_timestamp({column}, {}) \
                 ELSE CAST({column} AS TIMESTAMP) END)",
                z(zone)
            ),
            (Dialect::Bigquery | Dialect::Snowflake, LocalTime::ByType(zone)) if zone != "UTC" => {
                self.local_time(column, &LocalTime::Zoned(zone.clone()))
            }
            (Dialect::Bigquery | Dialect::Snowflake, LocalTime::ByType(_)) => {
                self.local_time(column, &LocalTime::Naive)
            }
        }
    }

    /// The local date of a time column.
    fn local_date(self, column: &str, time: &LocalTime) -> String {
        match self {
            Dialect::Bigquery => format!("DATE({})", self.local_time(column, time)),
            _ => format!("CAST({} AS DATE)", self.local_time(column, time)),
        }
    }

    /// Milliseconds from `a` to `b` (local timestamps).
    fn millis_between(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Postgres => format!("(EXTRACT(EPOCH FROM ({b} - {a})) * 1000)"),
            Dialect::Duckdb => format!("(epoch_ms({b}) - epoch_ms({a}))"),
            Dialect::Spark => format!("((unix_micros({b}) - unix_micros({a})) / 1000)"),
            Dialect::Bigquery => format!("DATETIME_DIFF({b}, {a}, MILLISECOND)"),
            Dialect::Snowflake => format!("DATEDIFF(millisecond, {a}, {b})"),
        }
    }

    /// The first day of the grain's period containing date expression `d`.
    fn period_start(self, d: &str, grain: Grain) -> String {
        match (grain, self) {
            (Grain::Day, _) => d.to_string(),
            (Grain::Week, Dialect::Bigquery) => format!("DATE_TRUNC({d}, ISOWEEK)"),
            (Grain::Week, Dialect::Snowflake) => format!("DATEADD(day, 1 - DAYOFWEEKISO({d}), {d})"),
            (Grain::Week, _) => format!("CAST(date_trunc('week', {d}) AS DATE)"),
            (Grain::Month, Dialect::Bigquery) => format!("DATE_TRUNC({d}, MONTH)"),
            (Grain::Month, _) => format!("CAST(date_trunc('month', {d}) AS DATE)"),
        }
    }

    /// A value as the tool reads it: trimmed text, "" when missing (empty,
    /// NA, N/A, NULL, ?, -).
    fn present(self, column: &str) -> String {
        let t = format!("TRIM({})", self.text(column));
        format!(
            "CASE WHEN {column} IS NULL OR UPPER({t}) IN ('', 'NA', 'N/A', 'NULL', '?', '-') THEN '' ELSE {t} END"
        )
    }

    /// The SQL condition a filter keeps rows by (docs/METHODS.md §1.5):
    /// numbers as numbers, text trimmed and case-insensitive, missing as "".
    pub fn condition(self, filter: &RowFilter, column: &str) -> String {
        let text = format!("LOWER({})", self.present(column));
        let numeric = |v: &str| v.trim().replace(',', ".").parse::<f64>().ok().filter(|n| n.is_finite());
        let op = match filter.op {
            Op::Eq | Op::In => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::StartsWith => {
                let value = filter.values[0].trim().to_lowercase();
                return format!("SUBSTR({text}, 1, {}) = {}", value.chars().count(), self.literal(&value));
            }
            Op::Matches | Op::NotMatches => {
                let matches = self.regex_match(&self.present(column), &filter.values[0]);
                return if filter.op == Op::Matches { matches } else { format!("NOT ({matches})") };
            }
        };
        let one = |value: &str| match numeric(value) {
            Some(n) => {
                let cell = self.number(column);
                match filter.op {
                    // Not a number: equal to no number, unequal to every one.
                    Op::Ne => format!("({cell} IS NULL OR {cell} <> {n})"),
                    _ => format!("{cell} {op} {n}"),
                }
            }
            None => format!("{text} {op} {}", self.literal(&value.trim().to_lowercase())),
        };
        let parts: Vec<String> = filter.values.iter().map(|v| one(v)).collect();
        if parts.len() == 1 {
            parts.into_iter().next().expect("one")
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    /// Whether `text` contains a match of the regular expression `pattern`,
    /// case-insensitive (as `--where COL~PATTERN`).
    fn regex_match(self, text: &str, pattern: &str) -> String {
        let p = self.literal(pattern);
        let ci = self.literal(&format!("(?i){pattern}"));
        match self {
            Dialect::Postgres => format!("{text} ~* {p}"),
            Dialect::Duckdb => format!("regexp_matches({text}, {p}, 'i')"),
            Dialect::Spark => format!("{text} RLIKE {ci}"),
            Dialect::Bigquery => format!("REGEXP_CONTAINS({text}, {ci})"),
            Dialect::Snowflake => format!("REGEXP_INSTR({text}, {p}, 1, 1, 0, 'i') > 0"),
        }
    }

    /// The source as SQL: a quoted table, or the query as a subquery.
    pub fn relation_sql(self, relation: &Relation) -> String {
        match relation {
            Relation::Table(name) => {
                name.split('.').map(|part| self.ident(part.trim())).collect::<Vec<_>>().join(".")
            }
            Relation::Query(query) => format!("({})", query.trim().trim_end_matches(';')),
        }
    }
}

impl DeliveriesQuery {
    /// The inner select's columns (the local date `d`, segments `s0…`, the
    /// count `n` or order `o`) and the measure over them.
    fn columns(&self, d: Dialect) -> (Vec<String>, String) {
        let mut inner = vec![format!("{} AS d", d.local_date(&d.ident(&self.time), &self.time_kind))];
        for (k, column) in self.segments.iter().enumerate() {
            inner.push(format!("{} AS s{k}", d.present(&d.ident(column))));
        }
        let measure = match (&self.count, &self.distinct_order) {
            (Some(count), _) => {
                inner.push(format!("{} AS n", d.ident(count)));
                "SUM(n)".to_string()
            }
            // An order counts once per day and segment; a line without an
            // order id counts on its own.
            (None, Some(order)) => {
                inner.push(format!("{} AS o", d.present(&d.ident(order))));
                "COUNT(DISTINCT CASE WHEN o <> '' THEN o END) + SUM(CASE WHEN o = '' THEN 1 ELSE 0 END)"
                    .to_string()
            }
            (None, None) => "COUNT(*)".to_string(),
        };
        (inner, measure)
    }

    /// `d` inside `--from/--to`.
    fn range(&self, d: Dialect) -> Vec<String> {
        let mut out = vec!["d IS NOT NULL".to_string()];
        if let Some(from) = self.from {
            out.push(format!("d >= {}", d.date_literal(from)));
        }
        if let Some(to) = self.to {
            out.push(format!("d <= {}", d.date_literal(to)));
        }
        out
    }

    /// For the tool's own reading (PostgreSQL source): per (the first
    /// filter that drops the row, 0 for none; day; segments) the rows and
    /// the deliveries — every row accounted for, the range applied by the tool.
    pub fn ledger_sql(&self, d: Dialect) -> String {
        let (mut inner, measure) = self.columns(d);
        let dropped: Vec<String> = self
            .filters
            .iter()
            .enumerate()
            .map(|(k, f)| {
                format!("WHEN NOT COALESCE({}, FALSE) THEN {}", d.condition(f, &d.ident(&f.column)), k + 1)
            })
            .collect();
        inner.insert(
            0,
            if dropped.is_empty() {
                "0 AS dropped".into()
            } else {
                format!("CASE {} ELSE 0 END AS dropped", dropped.join(" "))
            },
        );
        let keys: Vec<String> = (1..=self.segments.len() + 2).map(|k| k.to_string()).collect();
        let segments: Vec<String> = (0..self.segments.len()).map(|k| format!("s{k}")).collect();
        format!(
            "SELECT dropped, d{}, COUNT(*) AS rows_read, {measure} AS deliveries FROM (SELECT {} FROM {} AS src) AS t GROUP BY {}",
            segments.iter().map(|s| format!(", {s}")).collect::<String>(),
            inner.join(", "),
            d.relation_sql(&self.relation),
            keys.join(", ")
        )
    }

    /// The deliveries of some orders: (order, day, segments…, customer).
    pub fn orders_sql(&self, d: Dialect, order: &str, customer: Option<&str>, orders: &[String]) -> String {
        let (inner, _) = self.columns(d);
        let mut select = vec![format!("{} AS o", d.text(&d.ident(order)))];
        select.extend(inner.into_iter().filter(|c| !c.ends_with(" AS n") && !c.ends_with(" AS o")));
        select.push(match customer {
            Some(c) => format!("{} AS c", d.text(&d.ident(c))),
            None => "NULL AS c".into(),
        });
        let list: Vec<String> = orders.iter().map(|o| d.literal(o)).collect();
        format!(
            "SELECT {} FROM {} AS src WHERE {} IN ({})",
            select.join(", "),
            d.relation_sql(&self.relation),
            d.text(&d.ident(order)),
            list.join(", ")
        )
    }

    /// Deliveries per customer inside the range and the filters.
    pub fn per_customer_sql(&self, d: Dialect, customer: &str) -> String {
        let (mut inner, measure) = self.columns(d);
        inner.push(format!("{} AS c", d.present(&d.ident(customer))));
        let mut conditions: Vec<String> =
            self.filters.iter().map(|f| d.condition(f, &d.ident(&f.column))).collect();
        if conditions.is_empty() {
            conditions.push("TRUE".into());
        }
        format!(
            "SELECT c, {measure} FROM (SELECT {} FROM {} AS src WHERE {}) AS t WHERE {} GROUP BY c",
            inner.join(", "),
            d.relation_sql(&self.relation),
            conditions.join(" AND "),
            self.range(d).join(" AND ")
        )
    }

    /// The count as one query: (day, segments…, deliveries), days without a
    /// time left out, ordered.
    pub fn sql(&self, dialect: Dialect) -> String {
        let d = dialect;
        let (inner, measure) = self.columns(d);
        let conditions: Vec<String> =
            self.filters.iter().map(|f| d.condition(f, &d.ident(&f.column))).collect();
        let outer = self.range(d);
        let day = match self.grain {
            Grain::Day => "day",
            Grain::Week => "week_start",
            Grain::Month => "month_start",
        };
        let mut select = vec![format!("{} AS {}", d.period_start("d", self.grain), d.ident(day))];
        select
            .extend((0..self.segments.len()).map(|k| format!("s{k} AS {}", d.ident(&self.segment_names[k]))));
        select.push(format!("{measure} AS {}", d.ident("deliveries")));
        let group: Vec<String> = (1..=self.segments.len() + 1).map(|k| k.to_string()).collect();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "-- complaint-rate: deliveries per {} and segment; save the result as CSV and pass it as --deliveries.",
            match self.grain {
                Grain::Day => "day",
                Grain::Week => "ISO week",
                Grain::Month => "month",
            }
        );
        let _ = writeln!(out, "SELECT {}", select.join(",\n       "));
        let _ = writeln!(out, "FROM (\n  SELECT {}", inner.join(",\n         "));
        let _ = write!(out, "  FROM {} AS src", d.relation_sql(&self.relation));
        if !conditions.is_empty() {
            let _ = write!(out, "\n  WHERE {}", conditions.join("\n    AND "));
        }
        let _ = writeln!(out, "\n) AS t");
        let _ = writeln!(out, "WHERE {}", outer.join(" AND "));
        let _ = writeln!(out, "GROUP BY {}", group.join(", "));
        let _ = writeln!(out, "ORDER BY {};", group.join(", "));
        out
    }
}

/// The complaints side counted where the rows live (`sql complaints`):
/// per day × segment the complaints, the repeat complaints and the channel
/// switches, with the tool's definitions (§3.2–3.4) in window functions.
/// The result is a counted complaints input (§1.1) with its own
/// `repeat_complaints` and `channel_switches` columns; the report applies
/// the coverage window to its days.
#[derive(Clone, Debug)]
pub struct ComplaintsQuery {
    pub relation: Relation,
    pub time: String,
    pub time_kind: LocalTime,
    pub customer: Option<String>,
    pub channel: Option<String>,
    /// The order or category, for `--repeat-key customer+order|customer+category`.
    pub key_part: Option<String>,
    /// A complaint id: an event log's rows of one id (and customer) are one complaint.
    pub id: Option<String>,
    /// A column that orders the rows as the file would (`--order-by`): the
    /// tie-break of equal times, and which of an id's rows is its first.
    pub order_by: Option<String>,
    pub segments: Vec<String>,
    pub segment_names: Vec<String>,
    pub filters: Vec<RowFilter>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub window_days: u32,
    /// Channel spellings (folded) → channel.
    pub channels: Vec<(String, String)>,
}

impl ComplaintsQuery {
    pub fn sql(&self, d: Dialect) -> String {
        let t = d.local_time(&d.ident(&self.time), &self.time_kind);
        let present = |c: &Option<String>| c.as_ref().map(|c| d.present(&d.ident(c)));
        // Missing and placeholder customers are no customer (§1.3).
        let customer = match present(&self.customer) {
            Some(c) => format!(
                "CASE WHEN {c} = '' OR LOWER({c}) IN ({}) OR {} = '' THEN NULL ELSE {c} END",
                PLACEHOLDER_IDS.iter().map(|v| d.literal(v)).collect::<Vec<_>>().join(", "),
                d.trim_zeros(&c)
            ),
            None => format!("CAST(NULL AS {})", d.text_type()),
        };
        let channel = match present(&self.channel) {
            Some(c) => {
                let folded = format!("LOWER({c})");
                let mut case = String::from("CASE");
                case.push_str(&format!(" WHEN {c} = '' THEN NULL"));
                for (from, to) in &self.channels {
                    case.push_str(&format!(" WHEN {folded} = {} THEN {}", d.literal(from), d.literal(to)));
                }
                case.push_str(&format!(" ELSE {folded} END"));
                case
            }
            None => format!("CAST(NULL AS {})", d.text_type()),
        };
        let key_part = match present(&self.key_part) {
            Some(k) => format!("CASE WHEN {k} = '' THEN NULL ELSE {k} END"),
            None => "''".to_string(),
        };
        let mut inner = vec![
            format!("{t} AS t"),
            format!("{customer} AS c"),
            format!("{channel} AS ch"),
            format!("{key_part} AS kp"),
        ];
        inner.extend(
            self.segments.iter().enumerate().map(|(k, s)| format!("{} AS s{k}", d.present(&d.ident(s)))),
        );
        if let Some(order) = &self.order_by {
            inner.push(format!("{} AS r", d.ident(order)));
        }
        if let Some(id) = &self.id {
            inner.push(format!("{} AS i", d.present(&d.ident(id))));
        }
        let tie = match (&self.order_by, &self.id) {
            (Some(_), _) => "t, r".to_string(),
            (None, Some(_)) => "t, i".to_string(),
            (None, None) => "t".to_string(),
        };
        let mut conditions: Vec<String> =
            self.filters.iter().map(|f| d.condition(f, &d.ident(&f.column))).collect();
        conditions.push(format!("{} IS NOT NULL", d.ident(&self.time)));
        let first_of_id = match (&self.id, &self.order_by) {
            (Some(_), Some(_)) => "ROW_NUMBER() OVER (PARTITION BY i, c ORDER BY r) AS nth".to_string(),
            (Some(_), None) => "ROW_NUMBER() OVER (PARTITION BY i, c ORDER BY t) AS nth".to_string(),
            (None, _) => "1 AS nth".to_string(),
        };
        let window = u64::from(self.window_days) * 86_400_000;
        let previous = format!("PARTITION BY c, kp ORDER BY {tie}");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "-- complaint-rate: complaints, repeats within {} days and channel switches per day and segment; \
             save the result as CSV and pass it as --complaints (the report applies the days both exports cover).",
            self.window_days
        );
        let _ = writeln!(out, "WITH rows_read AS (");
        let _ = writeln!(out, "  SELECT {}", inner.join(",\n         "));
        let _ = writeln!(out, "  FROM {} AS src", d.relation_sql(&self.relation));
        let _ = writeln!(out, "  WHERE {}", conditions.join("\n    AND "));
        let _ = writeln!(out, "), events AS (");
        let _ = writeln!(out, "  SELECT *, {first_of_id} FROM rows_read WHERE t IS NOT NULL");
        let _ = writeln!(out, "), complaints AS (");
        let _ = writeln!(
            out,
            "  SELECT *, LAG(t) OVER ({previous}) AS pt, LAG(ch) OVER ({previous}) AS pch FROM events WHERE nth = 1"
        );
        let _ = writeln!(out, "), flagged AS (");
        let repeat = format!(
            "c IS NOT NULL AND kp IS NOT NULL AND pt IS NOT NULL AND {} <= {window}",
            d.millis_between("pt", "t")
        );
        let _ = writeln!(
            out,
            "  SELECT CAST(t AS DATE) AS d{}, CASE WHEN {repeat} THEN 1 ELSE 0 END AS rep, \
             CASE WHEN {repeat} AND ch IS NOT NULL AND pch IS NOT NULL AND ch <> pch THEN 1 ELSE 0 END AS sw",
            (0..self.segments.len()).map(|k| format!(", s{k}")).collect::<String>()
        );
        let _ = writeln!(out, "  FROM complaints");
        let _ = writeln!(out, ")");
        let mut select = vec![format!("d AS {}", d.ident("day"))];
        select
            .extend((0..self.segments.len()).map(|k| format!("s{k} AS {}", d.ident(&self.segment_names[k]))));
        select.push(format!("COUNT(*) AS {}", d.ident("complaints")));
        select.push(format!("SUM(rep) AS {}", d.ident("repeat_complaints")));
        select.push(format!("SUM(sw) AS {}", d.ident("channel_switches")));
        let mut range = Vec::new();
        if let Some(from) = self.from {
            range.push(format!("d >= {}", d.date_literal(from)));
        }
        if let Some(to) = self.to {
            range.push(format!("d <= {}", d.date_literal(to)));
        }
        let group: Vec<String> = (1..=self.segments.len() + 1).map(|k| k.to_string()).collect();
        let _ = writeln!(out, "SELECT {}", select.join(",\n       "));
        let _ = writeln!(out, "FROM flagged");
        if !range.is_empty() {
            let _ = writeln!(out, "WHERE {}", range.join(" AND "));
        }
        let _ = writeln!(out, "GROUP BY {}", group.join(", "));
        let _ = writeln!(out, "ORDER BY {};", group.join(", "));
        out
    }
}

/// Ids that stand for "no customer" (lower case), as `input::complaints`
/// takes them (any run of zeros too).
const PLACEHOLDER_IDS: [&str; 11] = [
    "-1",
    "unknown",
    "anonymous",
    "anon",
    "guest",
    "none",
    "nobody",
    "not available",
    "not provided",
    "no customer",
    "undefined",
];

impl Dialect {
    /// The text type's name.
    fn text_type(self) -> &'static str {
        match self {
            Dialect::Bigquery | Dialect::Spark => "STRING",
            _ => "VARCHAR",
        }
    }

    /// `c` without its zeros: empty for a run of zeros.
    fn trim_zeros(self, c: &str) -> String {
        match self {
            Dialect::Bigquery => format!("TRIM({c}, '0')"),
            Dialect::Spark => format!("regexp_replace({c}, '0', '')"),
            _ => format!("TRIM(BOTH '0' FROM {c})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> DeliveriesQuery {
        DeliveriesQuery {
            relation: Relation::Table("sales.deliveries".into()),
            time: "delivered_at".into(),
            segments: vec!["Region".into()],
            segment_names: vec!["region".into()],
            count: None,
            distinct_order: None,
            filters: vec!["deliveries.status != canceled".parse().unwrap()],
            from: Some("2025-01-01".parse().unwrap()),
            to: None,
            time_kind: LocalTime::Naive,
            grain: Grain::Day,
        }
    }

    #[test]
    fn identifiers_and_literals_are_quoted_per_dialect() {
        assert_eq!(Dialect::Postgres.ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(Dialect::Bigquery.ident("we`ird"), "`we\\`ird`");
        assert_eq!(Dialect::Postgres.literal("O'Brien"), "'O''Brien'");
        assert_eq!(Dialect::Spark.literal("O'Brien\\"), "'O\\'Brien\\\\'");
        // A value can never close its literal and add SQL.
        let evil: RowFilter = "deliveries.status='; DROP TABLE x; --".parse().unwrap();
        let sql = Dialect::Postgres.condition(&evil, "\"status\"");
        assert!(sql.ends_with("= '''; drop table x; --'"), "{sql}");
    }

    #[test]
    fn the_query_has_the_tools_definitions() {
        let sql = query().sql(Dialect::Postgres);
        assert!(sql.contains("CAST(CAST(\"delivered_at\" AS TIMESTAMP) AS DATE) AS d"), "{sql}");
        assert!(sql.contains("FROM \"sales\".\"deliveries\" AS src"), "{sql}");
        assert!(sql.contains("ELSE TRIM(CAST(\"status\" AS VARCHAR)) END) <> 'canceled'"), "{sql}");
        assert!(sql.contains("d IS NOT NULL AND d >= DATE '2025-01-01'"), "{sql}");
        assert!(sql.contains("COUNT(*) AS \"deliveries\""), "{sql}");
        assert!(
            sql.contains("UPPER(TRIM(CAST(\"Region\" AS VARCHAR))) IN ('', 'NA', 'N/A', 'NULL', '?', '-')"),
            "{sql}"
        );
        let zoned = DeliveriesQuery {
            time_kind: LocalTime::Zoned("Europe/Tallinn".into()),
            grain: Grain::Week,
            ..query()
        };
        let bq = zoned.sql(Dialect::Bigquery);
        assert!(
            bq.contains("DATE(DATETIME(`delivered_at`, 'Europe/Tallinn')) AS d")
                && bq.contains("DATE_TRUNC(d, ISOWEEK)"),
            "{bq}"
        );
        let numeric: RowFilter = "deliveries.items>=2".parse().unwrap();
        assert_eq!(Dialect::Duckdb.condition(&numeric, "\"items\""), "TRY_CAST(\"items\" AS DOUBLE) >= 2");
    }

    #[test]
    fn the_complaints_query_in_every_dialect() {
        let q = ComplaintsQuery {
            relation: Relation::Table("tickets".into()),
            time: "created_at".into(),
            time_kind: LocalTime::ByType("Europe/Riga".into()),
            customer: Some("customer_id".into()),
            channel: Some("channel".into()),
            key_part: None,
            id: Some("ticket_id".into()),
            order_by: None,
            segments: vec!["Region".into()],
            segment_names: vec!["region".into()],
            filters: vec![],
            from: None,
            to: None,
            window_days: 7,
            channels: vec![("phone call".into(), "phone".into())],
        };
        for d in [Dialect::Postgres, Dialect::Duckdb, Dialect::Spark, Dialect::Bigquery, Dialect::Snowflake] {
            let sql = q.sql(d);
            assert!(sql.contains("LAG(t) OVER (PARTITION BY c, kp ORDER BY t, i)"), "{d:?}: {sql}");
            assert!(sql.contains("<= 604800000"), "{d:?}: {sql}");
            assert!(sql.contains("'phone call' THEN 'phone'"), "{d:?}: {sql}");
        }
        // The type decides in the database where the dialect can.
        assert!(
            q.sql(Dialect::Postgres)
                .contains("pg_typeof(\"created_at\") = 'timestamp with time zone'::regtype")
        );
        assert!(q.sql(Dialect::Duckdb).contains("typeof(\"created_at\") = 'TIMESTAMP WITH TIME ZONE'"));
    }
}
