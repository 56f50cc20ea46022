//! Periods (docs/METHODS.md §2.1): ISO weeks from Monday, calendar months, quarters, years,
//! days, or everything as one period.

use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    All,
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "day" => Period::Day,
            "week" => Period::Week,
            "month" => Period::Month,
            "quarter" => Period::Quarter,
            "year" => Period::Year,
            "all" => Period::All,
            other => {
                return Err(format!("unknown period {other:?}: use day, week, month, quarter, year or all"));
            }
        })
    }
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
            Period::All => "all",
        }
    }

    /// How people name the period starting at `start`: 2025-W10, 2025-03,
    /// 2025-Q1, 2025, or the date.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Week => start.format("%G-W%V").to_string(),
            Period::Month => start.format("%Y-%m").to_string(),
            Period::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
            Period::Year => start.year().to_string(),
            Period::Day | Period::All => start.to_string(),
        }
    }

    /// First day of the period containing `date` (`All`: a fixed key).
    pub fn start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => date,
            Period::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Period::Month => date.with_day(1).expect("day 1 exists"),
            Period::Quarter => NaiveDate::from_ymd_opt(date.year(), (date.month0() / 3) * 3 + 1, 1)
                .expect("quarter start exists"),
            Period::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1).expect("1 January exists"),
            Period::All => NaiveDate::MIN,
        }
    }

    /// First day of the period after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => start + Days::new(1),
            Period::Week => start + Days::new(7),
            Period::Month => start + Months::new(1),
            Period::Quarter => start + Months::new(3),
            Period::Year => start + Months::new(12),
            Period::All => NaiveDate::MAX,
        }
    }

    /// Every period start from the one containing `first` to the one
    /// containing `last`, empty periods included.
    pub fn starts_between(self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        let end = self.start(last);
        let mut starts = vec![self.start(first)];
        while *starts.last().expect("not empty") < end {
            starts.push(self.next(*starts.last().expect("not empty")));
        }
        starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn period_starts() {
        assert_eq!(Period::Week.start(d("2024-01-07")), d("2024-01-01"));
        assert_eq!(Period::Week.start(d("2024-01-08")), d("2024-01-08"));
        assert_eq!(Period::Week.start(d("2021-01-03")), d("2020-12-28"));
        assert_eq!(Period::Month.start(d("2024-02-29")), d("2024-02-01"));
        assert_eq!(Period::Quarter.start(d("2024-08-15")), d("2024-07-01"));
        assert_eq!(Period::Year.start(d("2024-08-15")), d("2024-01-01"));
        assert_eq!(Period::Month.next(d("2024-01-01")), d("2024-02-01"));
    }

    #[test]
    fn empty_periods_are_listed() {
        let weeks = Period::Week.starts_between(d("2024-01-03"), d("2024-01-30"));
        assert_eq!(
            weeks,
            vec![d("2024-01-01"), d("2024-01-08"), d("2024-01-15"), d("2024-01-22"), d("2024-01-29")]
        );
        assert_eq!(Period::All.starts_between(d("2020-01-01"), d("2024-01-01")).len(), 1);
        assert_eq!(Period::Quarter.starts_between(d("2024-01-01"), d("2024-12-31")).len(), 4);
    }
}
