//! Reading the two exports: files, column roles, values, and the ledger.

pub mod channels;
pub mod complaints;
pub mod decode;
pub mod filter;
pub mod keys;
pub mod ledger;
pub mod postgres;
pub mod roles;
pub mod source;
pub mod time;
pub mod warehouse;

use chrono::NaiveDate;
use chrono_tz::Tz;

pub use filter::RowFilter;
pub use roles::{ColumnOverride, Role, Roles, Table};
pub use source::{ReadSettings, Source};

/// Input settings shared by every command (from flags and the config file).
#[derive(Clone, Debug)]
pub struct InputOptions {
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
    pub complaints: TableOptions,
    pub deliveries: TableOptions,
}

impl InputOptions {
    /// How to read one table's file.
    pub fn table(&self, table: Table) -> &TableOptions {
        match table {
            Table::Complaints => &self.complaints,
            Table::Deliveries => &self.deliveries,
        }
    }

    /// The `--where` filters of one table.
    pub fn filters_of(&self, table: Table) -> Vec<&RowFilter> {
        self.filters.iter().filter(|f| f.table == table).collect()
    }
}

/// How one table's file is read: `--encoding`, `--delimiter`, `--sheet`,
/// `--dayfirst` and `--date-format`, each either for both tables or with a
/// table prefix (`--date-format complaints=%d-%m-%y`).
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    pub read: ReadSettings,
    pub dayfirst: Option<bool>,
    pub date_format: Option<String>,
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
