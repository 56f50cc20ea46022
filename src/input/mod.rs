//! Reading the two exports: files, column roles, values, the ledger, and
//! the deliveries counted where they are read (a file, or a database). The
//! options a dataset is built with are defined here, at the bottom, so
//! every layer above reads the same ones.

pub mod channels;
pub mod complaints;
pub mod decode;
pub mod deliveries;
pub mod filter;
pub mod keys;
pub mod ledger;
pub mod open;
pub mod plan;
pub mod postgres;
pub mod roles;
pub mod same;
pub mod source;
pub mod time;
pub mod tls;
pub mod warehouse;

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use encoding_rs::Encoding;

pub use filter::RowFilter;
pub use roles::{ColumnOverride, Role, Roles, Table};
pub use source::Source;

use crate::period::Period;

/// How one table's file is read: `--encoding`, `--delimiter`, `--sheet`,
/// `--dayfirst` and `--date-format`, each either for both tables or with a
/// table prefix (`--date-format complaints=%d-%m-%y`).
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<&'static Encoding>,
    pub sheet: Option<String>,
    pub dayfirst: Option<bool>,
    pub date_format: Option<String>,
    /// More rows than this cannot be held under `--memory-limit` (the
    /// complaints, which are held; see `guard::rows_that_fit`): refused
    /// while reading, not after filling the memory.
    pub max_rows: Option<u64>,
}

/// Everything a dataset is built with, resolved from flags, the config file
/// and defaults (`cli`).
#[derive(Clone, Debug)]
pub struct DatasetOptions {
    pub complaints: PathBuf,
    pub deliveries: PathBuf,
    /// How each file is read.
    pub complaints_table: TableOptions,
    pub deliveries_table: TableOptions,
    pub overrides: Vec<ColumnOverride>,
    /// Channel spellings (trimmed, case-folded) → channel.
    pub channels: std::collections::HashMap<String, String>,
    pub tz: Tz,
    pub range: DateRange,
    /// `--where` filters of both tables.
    pub filters: Vec<RowFilter>,
    /// `--count-rows`: count every delivery row even when order ids repeat.
    pub count_rows: bool,
    /// The command needs deliveries per customer: count them in the same
    /// pass where the counter can.
    pub per_customer: bool,
    /// The command reads the complaints' categories (millions of texts:
    /// only when needed; also for `--repeat-key customer+category`).
    pub categories: bool,
    /// `--keep-id`: values that look like placeholder ids (`0`, `guest`) but
    /// are real customers or orders.
    pub keep_ids: Vec<String>,
    /// `--period`; None: week, or the deliveries' own when coarser.
    pub period: Option<Period>,
    pub by: Vec<Segment>,
    pub repeat_key: RepeatKey,
    pub window_days: u32,
    pub attribution: Attribution,
    pub strict: bool,
    /// Follow-ups are known up to this day (one-contact resolution, maturity).
    pub as_of: Option<NaiveDate>,
    /// Confidence of the rate intervals.
    pub confidence: f64,
    /// Reading flags given on the command line, checked against the files
    /// they were meant for: a flag no file uses is an error.
    pub flags: Vec<GivenFlag>,
    /// `--max-lost PCT`: more rows of a table lost than this share (%) is
    /// an error, for cron.
    pub max_lost: Option<f64>,
    /// `--memory-limit`: the run stops, saying why, before it passes this.
    pub memory_limit: crate::guard::Bytes,
    /// `--db-timeout`: the longest a count in the database may run.
    pub db_timeout: Option<std::time::Duration>,
}

/// A per-table reading flag as given on the command line (`--sheet`,
/// `--encoding`, `--delimiter`), for one table or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenFlag {
    pub flag: &'static str,
    pub table: Option<Table>,
    pub value: String,
}

impl DatasetOptions {
    /// How to read one table's file.
    pub fn table(&self, table: Table) -> &TableOptions {
        match table {
            Table::Complaints => &self.complaints_table,
            Table::Deliveries => &self.deliveries_table,
        }
    }

    /// The `--where` filters of one table.
    pub fn filters_of(&self, table: Table) -> Vec<&RowFilter> {
        self.filters.iter().filter(|f| f.table == table).collect()
    }

    /// `as_of` as the end of that day.
    pub fn as_of_time(&self) -> Option<NaiveDateTime> {
        self.as_of.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0))
    }
}

impl DatasetOptions {
    /// Options for reading files only (`inspect`): the mappings and how
    /// each file is read, everything else at its default.
    pub fn reading(
        overrides: Vec<ColumnOverride>,
        complaints: TableOptions,
        deliveries: TableOptions,
    ) -> Self {
        DatasetOptions {
            complaints: PathBuf::new(),
            deliveries: PathBuf::new(),
            complaints_table: complaints,
            deliveries_table: deliveries,
            overrides,
            channels: Default::default(),
            tz: chrono_tz::UTC,
            range: DateRange::default(),
            filters: Vec::new(),
            count_rows: false,
            per_customer: false,
            categories: false,
            keep_ids: Vec::new(),
            period: None,
            by: Vec::new(),
            repeat_key: RepeatKey::Customer,
            window_days: 7,
            attribution: Attribution::Complaint,
            strict: false,
            as_of: None,
            confidence: 0.95,
            flags: Vec::new(),
            max_lost: None,
            memory_limit: crate::guard::default_memory_limit(),
            db_timeout: None,
        }
    }

    /// The `--by` segments as the output names them.
    pub fn by_names(&self) -> Vec<String> {
        self.by.iter().map(|b| b.name.clone()).collect()
    }
}

/// A `--by` segment: one column of both files (`--by region`), or a pair of
/// differently named ones (`--by 'complaints.Marca=deliveries.empresa'`),
/// shown under the complaints' name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub name: String,
    pub complaints: String,
    pub deliveries: String,
}

impl Segment {
    /// Its column's name in one table (found there like a role name).
    pub fn column(&self, table: Table) -> &str {
        match table {
            Table::Complaints => &self.complaints,
            Table::Deliveries => &self.deliveries,
        }
    }
}

impl std::str::FromStr for Segment {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let side = |part: &str| -> Option<(Table, String)> {
            let (table, column) = part.trim().split_once('.')?;
            let table = match roles::normalize(table).as_str() {
                "complaints" | "complaint" => Table::Complaints,
                "deliveries" | "delivery" | "orders" => Table::Deliveries,
                _ => return None,
            };
            Some((table, column.trim().to_string()))
        };
        if let Some((a, b)) = text.split_once('=')
            && let (Some(a), Some(b)) = (side(a), side(b))
        {
            let (c, d) = match (a, b) {
                ((Table::Complaints, c), (Table::Deliveries, d))
                | ((Table::Deliveries, d), (Table::Complaints, c)) => (c, d),
                _ => return Err(format!("--by {text:?}: pair a complaints column with a deliveries column")),
            };
            if c.is_empty() || d.is_empty() {
                return Err(format!("--by {text:?}: name both columns"));
            }
            return Ok(Segment { name: c.clone(), complaints: c, deliveries: d });
        }
        if text.is_empty() {
            return Err("--by needs a column name".into());
        }
        Ok(Segment { name: text.to_string(), complaints: text.to_string(), deliveries: text.to_string() })
    }
}

/// Which date puts a complaint in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// The complaint's own time (default).
    Complaint,
    /// Its delivery's time, through the order key.
    Delivery,
}

/// What makes two complaints "the same problem's" contacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepeatKey {
    Customer,
    CustomerOrder,
    CustomerCategory,
}

impl RepeatKey {
    pub fn name(self) -> &'static str {
        match self {
            RepeatKey::Customer => "customer",
            RepeatKey::CustomerOrder => "customer+order",
            RepeatKey::CustomerCategory => "customer+category",
        }
    }
}

/// `--from`/`--to`, inclusive dates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// How many values a column's time layout is detected from.
pub const TIME_SAMPLE: usize = 1000;

/// A value, trimmed, or `None` when it is missing (empty, `NA`, `N/A`,
/// `null`, `?`, `-`).
pub fn present(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    let missing = v.is_empty()
        || v == "?"
        || v == "-"
        || v.eq_ignore_ascii_case("na")
        || v.eq_ignore_ascii_case("n/a")
        || v.eq_ignore_ascii_case("null");
    (!missing).then_some(v)
}

/// A delivery count: a whole number ≥ 0, with thousands separators (`41 200`,
/// `41.200`, `41,200`, `41'200`) and a zero decimal part (`41200,00`) allowed.
pub fn parse_count(value: &str) -> Option<u64> {
    let v: String =
        value.trim().chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '_')).collect();
    if v.is_empty() || v.starts_with('-') {
        return None;
    }
    let last_sep = v.rfind(['.', ',']);
    let (whole, fraction) = match last_sep {
        // A separator followed by exactly three digits, where every other
        // separator is the same character, is a thousands separator.
        Some(i) if v.len() - i - 1 == 3 && !v[..i].contains(if &v[i..=i] == "." { ',' } else { '.' }) => {
            (v.as_str(), "")
        }
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v.as_str(), ""),
    };
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    let digits: String = whole.chars().filter(|c| *c != '.' && *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values() {
        for v in ["", "  ", "NA", "n/a", "null", "NULL", "?", " - "] {
            assert_eq!(present(Some(v)), None, "{v:?}");
        }
        assert_eq!(present(None), None);
        assert_eq!(present(Some(" web ")), Some("web"));
    }

    #[test]
    fn counts_with_separators() {
        let cases = [
            ("41200", Some(41200)),
            ("41 200", Some(41200)),
            ("41.200", Some(41200)),
            ("41,200", Some(41200)),
            ("1.299.000", Some(1_299_000)),
            ("1.299,00", Some(1299)),
            ("1 299,50", None),
            ("41200,0", Some(41200)),
            ("12.5", None),
            ("-3", None),
            ("abc", None),
            ("", None),
            ("0", Some(0)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_count(text), expected, "{text:?}");
        }
    }
}
