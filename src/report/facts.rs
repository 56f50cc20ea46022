//! The facts behind the report, computed once and typed: per-period totals,
//! maturity, the rows that signal, the trend, concentration, and the verdict
//! (docs/METHODS.md §4.7). No text here: `sentences` and `summary` say it.

use chrono::{Days, NaiveDate};

use crate::input::Role;
use crate::metrics::customers::{Concentration, concentration, customer_rows};
use crate::metrics::dataset::{Attribution, Dataset, DatasetOptions};
use crate::metrics::period_table::{Counts, PeriodTable, RowSignal};
use crate::metrics::repeats::RepeatKey;
use crate::stats::funnel::quantile_type7;
use crate::stats::glm::{Trend, poisson_trend};
use crate::stats::verdict::{RECENT_PERIODS, Verdict, decide};

/// What the report was asked beyond the data, as far as the facts need it.
#[derive(Clone, Debug)]
pub struct Settings {
    pub by: Vec<String>,
    pub window_days: u32,
    pub repeat_key: RepeatKey,
    pub attribution: Attribution,
    /// `--minutes-per-complaint`, `--cost-per-hour`.
    pub minutes_per_complaint: Option<f64>,
    pub cost_per_hour: Option<f64>,
}

/// With `--attribute delivery`: periods ending after `mature_until` are
/// immature (complaints about them still arrive for `days` days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Maturity {
    pub days: u32,
    pub mature_until: NaiveDate,
}

/// One period's counts over all segments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodTotal {
    pub start: NaiveDate,
    pub counts: Counts,
    /// Not immature: its complaints have all arrived.
    pub mature: bool,
}

pub struct Facts {
    pub settings: Settings,
    pub table: PeriodTable,
    /// Every period of the table, over all segments, in time order.
    pub per_period: Vec<PeriodTotal>,
    pub trend: Option<Trend>,
    /// `None` without a customer column in the complaints.
    pub concentration: Option<Concentration>,
    /// Starts of the latest mature periods with deliveries, oldest first.
    pub recent_periods: Vec<NaiveDate>,
    /// Rows (indices into `table.rows`) above their upper limit among the
    /// recent periods.
    pub recent_above: Vec<usize>,
    /// Other rows outside their limits, in table order.
    pub earlier_outside: Vec<usize>,
    pub maturity: Option<Maturity>,
    pub verdict: Verdict,
}

impl Facts {
    pub fn gather(
        settings: Settings,
        data: &Dataset,
        table: PeriodTable,
        maturity: Option<Maturity>,
    ) -> Facts {
        let per_period = per_period(&table);
        let mature: Vec<&PeriodTotal> = per_period.iter().filter(|p| p.mature).collect();
        let x: Vec<u64> = mature.iter().map(|p| p.counts.complaints).collect();
        let n: Vec<u64> = mature.iter().map(|p| p.counts.deliveries).collect();
        let trend = poisson_trend(&x, &n);

        let mut recent_periods: Vec<NaiveDate> = mature
            .iter()
            .filter(|p| p.counts.deliveries > 0)
            .map(|p| p.start)
            .rev()
            .take(RECENT_PERIODS)
            .collect();
        recent_periods.reverse();
        let (recent_above, earlier_outside) = rows_outside(&table, &recent_periods);

        let concentration = data.complaints.roles.get(Role::Customer).map(|_| {
            // Over complainants only: per-customer deliveries (for the chance
            // baseline) cost a second pass over the deliveries, left to `customers`.
            let p_bar = table.total.complaint_rate();
            concentration(&customer_rows(&data.complaints.records, None, p_bar), p_bar)
        });
        let verdict = decide(!recent_above.is_empty(), trend.as_ref());
        Facts {
            settings,
            table,
            per_period,
            trend,
            concentration,
            recent_periods,
            recent_above,
            earlier_outside,
            maturity,
            verdict,
        }
    }

    /// The latest period with deliveries, over all segments.
    pub fn latest(&self) -> Option<&PeriodTotal> {
        self.per_period.iter().rev().find(|p| p.counts.deliveries > 0)
    }
}

/// Rows above their upper limit in the `recent` periods, and the other rows
/// outside their limits; rows by index, never by label ("North" is not
/// "Northeast").
fn rows_outside(table: &PeriodTable, recent: &[NaiveDate]) -> (Vec<usize>, Vec<usize>) {
    let outside = |i: &usize| table.rows[*i].limits.and_then(|l| l.signal).is_some();
    let recent_above: Vec<usize> = (0..table.rows.len())
        .filter(|&i| {
            recent.contains(&table.rows[i].start) && table.rows[i].signal() == Some(RowSignal::Above)
        })
        .collect();
    let earlier = (0..table.rows.len()).filter(outside).filter(|i| !recent_above.contains(i)).collect();
    (recent_above, earlier)
}

/// Counts per period over all segments, in time order.
fn per_period(table: &PeriodTable) -> Vec<PeriodTotal> {
    let mut out: Vec<PeriodTotal> = Vec::new();
    for row in &table.rows {
        match out.iter_mut().find(|p| p.start == row.start) {
            Some(p) => {
                p.counts.add(&row.counts);
                p.mature &= !row.immature;
            }
            None => out.push(PeriodTotal { start: row.start, counts: row.counts, mature: !row.immature }),
        }
    }
    out.sort_by_key(|p| p.start);
    out
}

/// With `--attribute delivery`: periods ending after (as-of − maturity days)
/// are immature. Default maturity: the 90th percentile of complaint lag.
pub fn maturity(options: &DatasetOptions, maturity_days: Option<u32>, data: &Dataset) -> Option<Maturity> {
    if options.attribution != Attribution::Delivery {
        return None;
    }
    let days = maturity_days.unwrap_or_else(|| {
        let mut lags = data.lag_days.clone();
        lags.sort_by(f64::total_cmp);
        if lags.is_empty() { 0 } else { quantile_type7(&lags, 0.9).max(0.0).ceil() as u32 }
    });
    let as_of = options.as_of.or_else(|| data.complaints.records.iter().map(|c| c.time.date()).max())?;
    Some(Maturity { days, mature_until: as_of - Days::new(u64::from(days)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::period::Period;
    use crate::metrics::period_table::PeriodRow;
    use crate::stats::laney::{Limits, Signal};

    fn row(start: &str, segment: &str, signal: Option<Signal>) -> PeriodRow {
        let start: NaiveDate = start.parse().unwrap();
        PeriodRow {
            start,
            end: start + Days::new(6),
            segment: vec![segment.to_string()],
            counts: Counts { deliveries: 100, complaints: 1, ..Default::default() },
            limits: Some(Limits { lcl: 0.0, ucl: 0.05, signal }),
            shift: false,
            immature: false,
        }
    }

    /// Regression: a recent "North" signal hid a "Northeast" one whose label
    /// starts with the same text.
    #[test]
    fn rows_are_told_apart_by_index_not_label() {
        let rows = vec![
            row("2025-03-17", "North", None),
            row("2025-03-17", "Northeast", Some(Signal::Below)),
            row("2025-03-24", "North", Some(Signal::Above)),
            row("2025-03-24", "Northeast", Some(Signal::Below)),
        ];
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let table = PeriodTable {
            period: Period::Week,
            by: vec!["region".into()],
            rows,
            total: Counts::default(),
            runs: vec![],
            first_date: d("2025-03-17"),
            last_date: d("2025-03-30"),
        };
        let (recent, earlier) = rows_outside(&table, &[d("2025-03-24")]);
        assert_eq!(recent, vec![2]);
        assert_eq!(earlier, vec![1, 3]);
    }
}
