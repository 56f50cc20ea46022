//! The ledger (docs/METHODS.md §1.4): every input row is used or rejected
//! with a reason. Reasons and notes are typed; their wording lives here, in
//! one place, and is what the JSON ledger, the terminal and the spreadsheet
//! show.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Why rows were not used.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    TimeMissing,
    TimeUnparseable,
    TimeImplausible,
    /// Outside `--from`/`--to`.
    OutsideRange,
    /// Outside the days both exports cover.
    OutsideCoverage,
    /// A complaint id seen before: an event log's later events of one complaint.
    MoreEvents,
    /// An order id seen before in the deliveries: more lines of one order.
    MoreLines,
    /// A count that is not a whole number ≥ 0.
    CountInvalid,
    /// The complaint must be matched to its delivery, and its order is not there.
    OrderUnknown,
    /// Dropped by a `--where` filter (as written).
    Filtered(String),
    /// A complaint in a segment value with no deliveries: in no rate.
    NoDeliveries,
}

impl Reason {
    /// The wording, as every output shows it.
    pub fn text(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Reason::TimeMissing => "time missing",
            Reason::TimeUnparseable => "time unparseable",
            Reason::TimeImplausible => "time before 1900 or after 2200",
            Reason::OutsideRange => "outside --from/--to",
            Reason::OutsideCoverage => "outside the days both exports cover",
            Reason::MoreEvents => "more events of the same complaint",
            Reason::MoreLines => "more lines of the same order",
            Reason::CountInvalid => "count not a whole number >= 0",
            Reason::OrderUnknown => "order not in deliveries",
            Reason::NoDeliveries => "in a segment without deliveries (left out of rates)",
            Reason::Filtered(filter) => return Cow::Owned(format!("filtered out by --where {filter}")),
        })
    }

    /// Rows rejected for this are lost to the count: not asked for by the
    /// user (`--where`, `--from/--to`), nor further rows of one complaint or
    /// order.
    pub fn is_loss(&self) -> bool {
        !matches!(self, Reason::Filtered(_) | Reason::OutsideRange | Reason::MoreEvents | Reason::MoreLines)
    }

    /// What to do when this reason rejected a whole table.
    pub fn fix(&self) -> &'static str {
        match self {
            Reason::TimeUnparseable => {
                "Pass --date-format (e.g. --date-format deliveries='%d-%m-%y') or name another time column with --col"
            }
            Reason::TimeMissing => "Name the column that holds the time with --col TABLE.time=COLUMN",
            Reason::TimeImplausible => {
                "Check the time column and --date-format: the years read are not plausible"
            }
            Reason::OutsideRange => "Widen --from/--to",
            Reason::CountInvalid => {
                "Check the count column, or name another with --col deliveries.count=COLUMN"
            }
            Reason::OrderUnknown => "Check that both exports use the same order ids",
            _ => "See the ledger for the rows",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Reasons are listed in the order of their wording.
impl Ord for Reason {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text().cmp(&other.text()).then_with(|| format!("{self:?}").cmp(&format!("{other:?}")))
    }
}

impl PartialOrd for Reason {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Something to know about rows that were used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Note {
    /// The customer was to come from the delivery, whose order is unknown.
    NoCustomerOrderUnknown,
    /// The row shares its complaint id with an earlier row of another
    /// customer: not merged, a complaint of its own.
    IdSharedAcrossCustomers,
}

impl Note {
    pub fn text(&self) -> &'static str {
        match self {
            Note::NoCustomerOrderUnknown => "without a customer (order not in deliveries)",
            Note::IdSharedAcrossCustomers => {
                "sharing a complaint id with another customer's row (kept apart)"
            }
        }
    }
}

/// How many row numbers are kept per reason.
const FIRST_ROWS_KEPT: usize = 5;

#[derive(Clone, Debug, PartialEq)]
pub struct Ledger {
    pub table: String,
    pub file: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rejected: BTreeMap<Reason, Rejected>,
    /// Used rows with something to know about them (how many each).
    pub notes: BTreeMap<Note, u64>,
}

#[derive(Clone, Debug, Default, serde::Serialize, PartialEq)]
pub struct Rejected {
    pub rows: u64,
    /// Row numbers as a spreadsheet shows them (the header is row 1).
    pub first_rows: Vec<u64>,
    /// The value that made the first of them fail, where one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// The JSON ledger: reasons and notes keyed by their wording.
impl Serialize for Ledger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct ByText<'a, K, V>(&'a BTreeMap<K, V>, fn(&K) -> Cow<'static, str>);
        impl<K, V: Serialize> Serialize for ByText<'_, K, V> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    map.serialize_entry(&(self.1)(k), v)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("table", &self.table)?;
        map.serialize_entry("file", &self.file)?;
        map.serialize_entry("rows_read", &self.rows_read)?;
        map.serialize_entry("rows_used", &self.rows_used)?;
        map.serialize_entry("rejected", &ByText(&self.rejected, Reason::text))?;
        if !self.notes.is_empty() {
            map.serialize_entry("notes", &ByText(&self.notes, |n: &Note| Cow::Borrowed(n.text())))?;
        }
        map.end()
    }
}

impl Ledger {
    pub fn new(table: &str, file: &str) -> Ledger {
        Ledger {
            table: table.to_string(),
            file: file.to_string(),
            rows_read: 0,
            rows_used: 0,
            rejected: BTreeMap::new(),
            notes: BTreeMap::new(),
        }
    }

    pub fn used(&mut self, rows: u64) {
        self.rows_read += rows;
        self.rows_used += rows;
    }

    /// `rows` rows rejected for `reason`; `first_row` is the first of them.
    pub fn reject(&mut self, reason: Reason, rows: u64, first_row: u64) {
        self.reject_value(reason, rows, first_row, None);
    }

    /// Rows rejected for a routine reason (outside --from/--to) whose row
    /// numbers are not looked up.
    pub fn reject_rows_unlocated(&mut self, reason: Reason, rows: u64) {
        self.rows_read += rows;
        self.rejected.entry(reason).or_default().rows += rows;
    }

    /// As `reject`, keeping the offending value of the earliest row.
    pub fn reject_value(&mut self, reason: Reason, rows: u64, first_row: u64, value: Option<&str>) {
        self.rows_read += rows;
        let entry = self.rejected.entry(reason).or_default();
        if value.is_some() && entry.first_rows.first().is_none_or(|&r| first_row < r) {
            entry.example = value.map(str::to_string);
        }
        entry.rows += rows;
        entry.first_rows.push(first_row);
        entry.first_rows.sort_unstable();
        entry.first_rows.dedup();
        entry.first_rows.truncate(FIRST_ROWS_KEPT);
    }

    /// Move `rows` already counted as used to a routine rejection reason
    /// whose row numbers are not looked up.
    pub fn reclassify_used_unlocated(&mut self, reason: Reason, rows: u64) {
        self.rows_used -= rows;
        self.rows_read -= rows;
        self.reject_rows_unlocated(reason, rows);
    }

    /// The reason that rejected the most rows, with its count.
    pub fn top_reason(&self) -> Option<(&Reason, &Rejected)> {
        self.rejected.iter().max_by_key(|(_, r)| r.rows)
    }

    /// Move `rows` already counted as used to a rejection reason.
    pub fn reclassify_used(&mut self, reason: Reason, rows: u64, first_row: u64) {
        self.rows_used -= rows;
        self.rows_read -= rows;
        self.reject(reason, rows, first_row);
    }

    /// `rows` used rows have `what` to know about them.
    pub fn note(&mut self, what: Note, rows: u64) {
        *self.notes.entry(what).or_default() += rows;
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rejected.values().map(|r| r.rows).sum()
    }

    /// Rows lost to the count: rejected for any reason but those the user
    /// asked for (`--where`, `--from/--to`) and the merges that are one
    /// complaint's or one order's further rows. What `--max-lost` limits.
    pub fn rows_lost(&self) -> u64 {
        self.rejected.iter().filter(|(reason, _)| reason.is_loss()).map(|(_, r)| r.rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_in_one_bucket() {
        let mut l = Ledger::new("complaints", "c.csv");
        l.used(10);
        l.reject(Reason::TimeMissing, 3, 7);
        l.reject(Reason::TimeMissing, 2, 4);
        l.reclassify_used(Reason::MoreEvents, 1, 9);
        assert_eq!(l.rows_read, 15);
        assert_eq!(l.rows_used + l.rows_rejected(), l.rows_read);
        assert_eq!(l.rejected[&Reason::TimeMissing].first_rows, vec![4, 7]);
    }

    #[test]
    fn reasons_are_listed_and_serialized_by_their_wording() {
        let mut l = Ledger::new("complaints", "c.csv");
        l.reject(Reason::TimeUnparseable, 1, 2);
        l.reject(Reason::Filtered("complaints.x=1".into()), 1, 3);
        l.reject(Reason::MoreEvents, 1, 4);
        let keys: Vec<String> = l.rejected.keys().map(|r| r.to_string()).collect();
        assert_eq!(
            keys,
            [
                "filtered out by --where complaints.x=1",
                "more events of the same complaint",
                "time unparseable"
            ]
        );
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(json["rejected"]["time unparseable"]["first_rows"], serde_json::json!([2]));
        assert!(json.get("notes").is_none());
    }
}
