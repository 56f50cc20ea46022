//! The ledger (docs/METHODS.md §1.4): every input row is used or rejected with a reason.

use std::collections::BTreeMap;

use serde::Serialize;

pub const TIME_MISSING: &str = "time missing";
pub const TIME_UNPARSEABLE: &str = "time unparseable";
pub const TIME_IMPLAUSIBLE: &str = "time before 1900 or after 2200";
pub const OUTSIDE_RANGE: &str = "outside --from/--to";
pub const OUTSIDE_COVERAGE: &str = "outside the days both exports cover";
/// A complaint id seen before: an event log's later events of one complaint.
pub const MORE_EVENTS: &str = "more events of the same complaint";
/// An order id seen before in the deliveries: more lines of one order.
pub const MORE_LINES: &str = "more lines of the same order";
pub const COUNT_INVALID: &str = "count not a whole number >= 0";
pub const ORDER_UNKNOWN: &str = "order not in deliveries";
/// A note on used complaints: the customer was to come from the delivery.
pub const NO_CUSTOMER_ORDER_UNKNOWN: &str = "without a customer (order not in deliveries)";

/// How many row numbers are kept per reason.
const FIRST_ROWS_KEPT: usize = 5;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Ledger {
    pub table: String,
    pub file: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rejected: BTreeMap<String, Rejected>,
    /// Used rows with something to know about them (how many each).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Rejected {
    pub rows: u64,
    /// Row numbers as a spreadsheet shows them (the header is row 1).
    pub first_rows: Vec<u64>,
    /// The value that made the first of them fail, where one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
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
    pub fn reject(&mut self, reason: &str, rows: u64, first_row: u64) {
        self.reject_value(reason, rows, first_row, None);
    }

    /// Rows rejected for a routine reason (outside --from/--to) whose row
    /// numbers are not looked up.
    pub fn reject_rows_unlocated(&mut self, reason: &str, rows: u64) {
        self.rows_read += rows;
        self.rejected.entry(reason.to_string()).or_default().rows += rows;
    }

    /// As `reject`, keeping the offending value of the earliest row.
    pub fn reject_value(&mut self, reason: &str, rows: u64, first_row: u64, value: Option<&str>) {
        self.rows_read += rows;
        let entry = self.rejected.entry(reason.to_string()).or_default();
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
    pub fn reclassify_used_unlocated(&mut self, reason: &str, rows: u64) {
        self.rows_used -= rows;
        self.rows_read -= rows;
        self.reject_rows_unlocated(reason, rows);
    }

    /// The reason that rejected the most rows, with its count.
    pub fn top_reason(&self) -> Option<(&str, &Rejected)> {
        self.rejected.iter().max_by_key(|(_, r)| r.rows).map(|(reason, r)| (reason.as_str(), r))
    }

    /// Move `rows` already counted as used to a rejection reason.
    pub fn reclassify_used(&mut self, reason: &str, rows: u64, first_row: u64) {
        self.rows_used -= rows;
        self.rows_read -= rows;
        self.reject(reason, rows, first_row);
    }

    /// `rows` used rows have `what` to know about them.
    pub fn note(&mut self, what: &str, rows: u64) {
        *self.notes.entry(what.to_string()).or_default() += rows;
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rejected.values().map(|r| r.rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_in_one_bucket() {
        let mut l = Ledger::new("complaints", "c.csv");
        l.used(10);
        l.reject(TIME_MISSING, 3, 7);
        l.reject(TIME_MISSING, 2, 4);
        l.reclassify_used(MORE_EVENTS, 1, 9);
        assert_eq!(l.rows_read, 15);
        assert_eq!(l.rows_used + l.rows_rejected(), l.rows_read);
        assert_eq!(l.rejected[TIME_MISSING].first_rows, vec![4, 7]);
    }
}
