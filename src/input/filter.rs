//! Row filters: `--where 'TABLE.COLUMN OP VALUE'` (docs/METHODS.md §1.5).
//! A row is kept when every filter of its table keeps it; the others are
//! ledgered as `filtered out by --where …`, never dropped silently.
//!
//! Values are compared as numbers when both sides read as numbers, else as
//! text, trimmed and case-insensitive; a missing value is the empty text.
//! `^=` keeps values starting with the text; `~` and `!~` match a regular
//! expression (case-insensitive) or not.

use std::fmt;
use std::str::FromStr;

use anyhow::{Context, Result};

use super::Source;
use super::roles::{Table, normalize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `in a|b|c`
    In,
    /// `^=`: starts with.
    StartsWith,
    /// `~`: matches a regular expression.
    Matches,
    /// `!~`: does not match it.
    NotMatches,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => " in ",
            Op::StartsWith => "^=",
            Op::Matches => "~",
            Op::NotMatches => "!~",
        }
    }
}

/// One `--where` filter.
#[derive(Clone, Debug)]
pub struct RowFilter {
    pub table: Table,
    /// The column as written; found in the file like a role name.
    pub column: String,
    pub op: Op,
    /// One value, or the alternatives of `in`, as written.
    pub values: Vec<String>,
    /// `~` and `!~`: the expression, compiled once.
    pub pattern: Option<regex::Regex>,
}

impl PartialEq for RowFilter {
    fn eq(&self, other: &Self) -> bool {
        (self.table, &self.column, self.op, &self.values)
            == (other.table, &other.column, other.op, &other.values)
    }
}

impl fmt::Display for RowFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}{}{}", self.table.name(), self.column, self.op.symbol(), self.values.join("|"))
    }
}

impl FromStr for RowFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "--where takes TABLE.COLUMN OP VALUE with OP one of = != < <= > >= ^= ~ !~ in, e.g. \
                 'complaints.review_score<=2', 'deliveries.order_status in delivered|shipped' or \
                 'complaints.InvoiceNo^=C'; got {text:?}"
            )
        };
        let (target, op, rest) = split_operator(text).ok_or_else(usage)?;
        let (table, column) = target.trim().split_once('.').ok_or_else(usage)?;
        let table = match normalize(table).as_str() {
            "complaints" | "complaint" => Table::Complaints,
            "deliveries" | "delivery" | "orders" => Table::Deliveries,
            other => return Err(format!("--where: unknown table {other:?}; use complaints or deliveries")),
        };
        let column = column.trim();
        let values: Vec<String> = match op {
            Op::In => rest.split('|').map(|v| v.trim().to_string()).collect(),
            _ => vec![rest.trim().to_string()],
        };
        if column.is_empty() || (op != Op::Eq && op != Op::Ne && values.iter().any(String::is_empty)) {
            return Err(usage());
        }
        let pattern = match op {
            Op::Matches | Op::NotMatches => Some(
                regex::RegexBuilder::new(&values[0])
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("--where {text:?}: not a regular expression: {e}"))?,
            ),
            _ => None,
        };
        Ok(RowFilter { table, column: column.to_string(), op, values, pattern })
    }
}

/// `target`, the operator and the value text of `a.b<=2` or `a.b in x|y`.
fn split_operator(text: &str) -> Option<(&str, Op, &str)> {
    if let Some(i) = text.to_ascii_lowercase().find(" in ") {
        return Some((&text[..i], Op::In, &text[i + 4..]));
    }
    let i = text.find(['=', '!', '<', '>', '^', '~'])?;
    let (target, rest) = text.split_at(i);
    for (symbol, op) in [
        ("^=", Op::StartsWith),
        ("!~", Op::NotMatches),
        ("~", Op::Matches),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("!=", Op::Ne),
        ("==", Op::Eq),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ] {
        if let Some(value) = rest.strip_prefix(symbol) {
            return Some((target, op, value));
        }
    }
    None
}

/// A number as people write it in exports: `2`, `-3.5`, `4,5`.
fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    t.parse::<f64>().ok().or_else(|| t.replace(',', ".").parse::<f64>().ok()).filter(|v| v.is_finite())
}

impl RowFilter {
    /// Whether a row whose column holds `value` (None: missing) is kept.
    pub fn keeps(&self, value: Option<&str>) -> bool {
        let cell = super::present(value).unwrap_or("");
        match (self.op, &self.pattern) {
            (Op::StartsWith, _) => cell.to_lowercase().starts_with(&self.values[0].trim().to_lowercase()),
            (Op::Matches, Some(p)) => p.is_match(cell),
            (Op::NotMatches, Some(p)) => !p.is_match(cell),
            _ => self.values.iter().any(|v| self.compare(cell, v)),
        }
    }

    fn compare(&self, cell: &str, value: &str) -> bool {
        let ordering = match (number(cell), number(value)) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            // A number compared with text in order: not comparable, not kept.
            (None, Some(_)) if !matches!(self.op, Op::Eq | Op::Ne | Op::In) => return false,
            _ => Some(cell.trim().to_lowercase().cmp(&value.trim().to_lowercase())),
        };
        let Some(ordering) = ordering else { return false };
        match self.op {
            Op::Eq | Op::In => ordering.is_eq(),
            Op::Ne => ordering.is_ne(),
            Op::Lt => ordering.is_lt(),
            Op::Le => ordering.is_le(),
            Op::Gt => ordering.is_gt(),
            Op::Ge => ordering.is_ge(),
            Op::StartsWith | Op::Matches | Op::NotMatches => unreachable!("matched in keeps"),
        }
    }

    /// The ledger reason of the rows it drops.
    pub fn reason(&self) -> super::ledger::Reason {
        super::ledger::Reason::Filtered(self.to_string())
    }
}

/// The error for a filter that keeps no row: the column's commonest values
/// (value, rows), so the user can see what to write.
pub fn keeps_nothing(file: &str, filter: &RowFilter, mut values: Vec<(&str, u64)>) -> String {
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<String> = values.iter().take(8).map(|(v, n)| format!("{v:?} ({n})")).collect();
    let more = if values.len() > 8 { format!(" and {} more", values.len() - 8) } else { String::new() };
    format!(
        "{file}: --where {filter} keeps no row. Column {:?} holds {}{more}. Check the value (text is \
         compared trimmed and case-insensitive; ^= starts with, ~ a regular expression)",
        filter.column,
        shown.join(", ")
    )
}

/// Each filter with the file's name for its column; an unknown column is an
/// error listing the columns.
pub fn columns_of<'a>(source: &Source, filters: &[&'a RowFilter]) -> Result<Vec<(&'a RowFilter, String)>> {
    filters
        .iter()
        .map(|f| {
            let column = source.column(&f.column).with_context(|| {
                format!(
                    "{}: --where {f}: there is no column {:?}. Its columns are: {}.{}",
                    source.display(),
                    f.column,
                    source.columns.join(", "),
                    super::roles::nearest_hint(&source.columns, &f.column)
                )
            })?;
            Ok((*f, column.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str) -> RowFilter {
        text.parse().unwrap()
    }

    #[test]
    fn parses_every_operator() {
        assert_eq!(f("complaints.review_score<=2").op, Op::Le);
        assert_eq!(f("complaints.review_score <= 2").values, ["2"]);
        assert_eq!(f("deliveries.status!=canceled").op, Op::Ne);
        assert_eq!(f("deliveries.status = delivered").op, Op::Eq);
        assert_eq!(f("complaints.x>1").op, Op::Gt);
        assert_eq!(f("complaints.x>=1").op, Op::Ge);
        assert_eq!(f("complaints.x<1").op, Op::Lt);
        let list = f("deliveries.order_status in delivered|shipped");
        assert_eq!((list.op, list.values.clone()), (Op::In, vec!["delivered".into(), "shipped".into()]));
        assert_eq!(list.to_string(), "deliveries.order_status in delivered|shipped");
        assert!("review_score<=2".parse::<RowFilter>().is_err());
        assert!("tickets.a=1".parse::<RowFilter>().unwrap_err().contains("unknown table"));
        assert!("complaints.a~(".parse::<RowFilter>().unwrap_err().contains("regular expression"));
        assert_eq!(f("complaints.InvoiceNo^=C").op, Op::StartsWith);
        assert_eq!(f("complaints.InvoiceNo~^C").op, Op::Matches);
        assert_eq!(f("complaints.InvoiceNo!~^C").op, Op::NotMatches);
        assert_eq!(f("complaints.InvoiceNo!~^C").to_string(), "complaints.InvoiceNo!~^C");
    }

    #[test]
    fn numbers_as_numbers_text_trimmed_and_case_insensitive() {
        let low = f("complaints.review_score<=2");
        assert!(low.keeps(Some("1")) && low.keeps(Some(" 2 ")) && !low.keeps(Some("10")));
        assert!(!low.keeps(Some("n/a")) && !low.keeps(None), "text is not a number in order");
        let inbound = f("complaints.inbound=true");
        assert!(inbound.keeps(Some("True")) && inbound.keeps(Some(" TRUE")) && !inbound.keeps(Some("False")));
        let status = f("deliveries.status in Delivered|SHIPPED");
        assert!(
            status.keeps(Some("delivered"))
                && status.keeps(Some("shipped"))
                && !status.keeps(Some("canceled"))
        );
        let not = f("deliveries.status!=canceled");
        assert!(not.keeps(Some("delivered")) && not.keeps(None) && !not.keeps(Some("Canceled")));
        assert!(f("complaints.amount>4,5").keeps(Some("5")));
        assert!(f("complaints.day>=2025-01-10").keeps(Some("2025-02-01")));
        let cancelled = f("complaints.InvoiceNo^=c");
        assert!(cancelled.keeps(Some("C536379")) && !cancelled.keeps(Some("536379")));
        let pattern = f("complaints.InvoiceNo~^C\\d+$");
        assert!(pattern.keeps(Some("c536379")) && !pattern.keeps(Some("C53x")) && !pattern.keeps(None));
        let not = f("complaints.InvoiceNo!~^C");
        assert!(not.keeps(Some("536379")) && not.keeps(None) && !not.keeps(Some("C1")));
    }
}
