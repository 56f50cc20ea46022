//! The facts behind the report, computed once and typed: per-period totals,
//! coverage, maturity, the rows that signal, the recent-rise tests, the
//! trend, concentration, and the verdict (docs/METHODS.md §4.7). No text
//! here: `sentences` and `summary` say it.

use chrono::{Days, NaiveDate};

use crate::input::RepeatKey;
use crate::input::complaints::Placeholder;
use crate::input::{Attribution, DatasetOptions};
use crate::metrics::customers::Concentration;
use crate::metrics::dataset::{Coverage, Dataset};
use crate::metrics::period_table::{Counts, PeriodTable, RowSignal};
use crate::stats::funnel::quantile_type7;
use crate::stats::glm::{TrendFit, poisson_trend};
use crate::stats::verdict::{RECENT_PERIODS, RecentRise, Series, Verdict, decide, recent_rise};

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
    /// The complaints have a customer (repeats can be counted) and a
    /// channel (switches can be counted).
    pub has_customer: bool,
    pub has_channel: bool,
    /// No --period was given and the deliveries' months made it months.
    pub period_from_deliveries: bool,
    /// The complaints have no time: each takes its delivery's.
    pub time_from_order: bool,
    /// The complaints arrive counted (a count column), not one row per contact.
    pub counted: Option<CountedComplaints>,
    /// Customer or order ids taken as missing (`0`, `guest`…).
    pub placeholders: Vec<Placeholder>,
}

impl Settings {
    /// Repeats can be counted: one row per contact with a customer, or the
    /// counted table's own repeat column.
    pub fn knows_repeats(&self) -> bool {
        self.has_customer || self.counted.as_ref().is_some_and(|c| c.given_contacts)
    }

    /// Switches can be counted: repeats and a channel, or the counted
    /// table's own switch column.
    pub fn knows_switches(&self) -> bool {
        (self.has_customer && self.has_channel) || self.counted.as_ref().is_some_and(|c| c.given_contacts)
    }
}

/// Complaints that arrive counted per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountedComplaints {
    /// The count column.
    pub column: String,
    /// The table carries `repeat_complaints` and `channel_switches`.
    pub given_contacts: bool,
}

/// Numbers that cannot be right for complaints per delivery: the complaints
/// are probably not filtered to complaints (reviews, all tickets).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Implausible {
    /// More complaints than deliveries over the whole report.
    MoreComplaintsThanDeliveries,
    /// A row's rate above 50% (index into `table.rows`).
    RateAboveHalf(usize),
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
    /// Whole and mature: the verdict and the trend may use it.
    pub complete: bool,
}

pub struct Facts {
    pub settings: Settings,
    pub table: PeriodTable,
    pub coverage: Option<Coverage>,
    /// Every period of the table, over all segments, in time order.
    pub per_period: Vec<PeriodTotal>,
    /// Starts of the periods the verdict uses, in time order (complete, with
    /// deliveries); the last `RECENT_PERIODS` are the recent ones.
    pub verdict_periods: Vec<NaiveDate>,
    /// Segments in the order of the rise tests' units (the total, when
    /// there are several segments, is the unit after the last segment).
    pub segments: Vec<Vec<String>>,
    pub rise: Option<RecentRise>,
    pub trend: TrendFit,
    /// `None` without a customer column in the complaints.
    pub concentration: Option<Concentration>,
    /// Rows (indices into `table.rows`) above their control limit in the
    /// recent periods, and the other rows outside their limits.
    pub recent_above: Vec<usize>,
    pub earlier_outside: Vec<usize>,
    pub maturity: Option<Maturity>,
    pub verdict: Verdict,
    pub implausible: Vec<Implausible>,
    /// The commonest channel switch among counted repeats: (from, to, how many).
    pub commonest_switch: Option<(String, String, u64)>,
}

impl Facts {
    pub fn gather(
        settings: Settings,
        data: &Dataset,
        table: PeriodTable,
        maturity: Option<Maturity>,
        concentration: Option<Concentration>,
    ) -> Facts {
        let per_period = per_period(&table);
        let complete: Vec<&PeriodTotal> = per_period.iter().filter(|p| p.complete).collect();
        let x: Vec<u64> = complete.iter().map(|p| p.counts.complaints).collect();
        let n: Vec<u64> = complete.iter().map(|p| p.counts.deliveries).collect();
        let trend = poisson_trend(&x, &n);

        let verdict_periods: Vec<NaiveDate> =
            complete.iter().filter(|p| p.counts.deliveries > 0).map(|p| p.start).collect();
        let recent = &verdict_periods[verdict_periods.len().saturating_sub(RECENT_PERIODS)..];
        let (recent_above, earlier_outside) = rows_outside(&table, recent);
        let (segments, series) = segment_series(&table, &verdict_periods);
        let total = Series {
            complaints: complete
                .iter()
                .filter(|p| p.counts.deliveries > 0)
                .map(|p| p.counts.complaints)
                .collect(),
            deliveries: complete
                .iter()
                .filter(|p| p.counts.deliveries > 0)
                .map(|p| p.counts.deliveries)
                .collect(),
        };
        let rise = match series.len() {
            _ if verdict_periods.len() < RECENT_PERIODS => None,
            // Segments without their own deliveries: the total alone.
            0 => recent_rise(std::slice::from_ref(&total), None),
            1 => recent_rise(&series, None),
            _ => recent_rise(&series, Some(&total)),
        };
        let verdict = decide(rise.as_ref(), trend.fitted());
        let implausible = implausible(&table);
        let commonest_switch = commonest_switch(data);
        Facts {
            implausible,
            commonest_switch,
            settings,
            table,
            coverage: data.coverage,
            per_period,
            verdict_periods,
            segments,
            rise,
            trend,
            concentration,
            recent_above,
            earlier_outside,
            maturity,
            verdict,
        }
    }

    /// The recent periods the verdict looks at.
    pub fn recent_periods(&self) -> &[NaiveDate] {
        &self.verdict_periods[self.verdict_periods.len().saturating_sub(RECENT_PERIODS)..]
    }

    /// The latest complete period with deliveries, over all segments.
    pub fn latest(&self) -> Option<&PeriodTotal> {
        self.per_period.iter().rev().find(|p| p.complete && p.counts.deliveries > 0)
    }

    /// A rise test's unit as people name it: its segment, or "all".
    pub fn unit_name(&self, unit: usize) -> String {
        match self.segments.get(unit) {
            Some(segment) if !segment.is_empty() => segment.join("/"),
            _ => "all deliveries".into(),
        }
    }
}

/// More complaints than deliveries overall, and rows whose rate is above 50%.
fn implausible(table: &PeriodTable) -> Vec<Implausible> {
    let mut out = Vec::new();
    if table.total.complaints > table.total.deliveries {
        out.push(Implausible::MoreComplaintsThanDeliveries);
    }
    out.extend(
        (0..table.rows.len())
            .filter(|&i| table.rows[i].counts.complaint_rate().is_some_and(|r| r > 0.5))
            .map(Implausible::RateAboveHalf),
    );
    out
}

/// The channel switch seen most often among counted repeat contacts.
fn commonest_switch(data: &Dataset) -> Option<(String, String, u64)> {
    let records = &data.complaints.records;
    let mut counts: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
    for (c, contact) in records.iter().zip(&data.contacts) {
        if let (true, true, Some(previous)) = (c.counted, contact.switch, contact.previous)
            && let (Some(from), Some(to)) = (records[previous].channel.as_deref(), c.channel.as_deref())
        {
            *counts.entry((from, to)).or_default() += 1;
        }
    }
    // Most often; ties to the first in (from, to) order.
    let ((from, to), n) =
        counts.into_iter().fold(None, |best: Option<((&str, &str), u64)>, (k, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((k, n)),
        })?;
    Some((from.to_string(), to.to_string(), n))
}

/// Each segment's counts over the verdict's periods, segments in table order.
fn segment_series(table: &PeriodTable, periods: &[NaiveDate]) -> (Vec<Vec<String>>, Vec<Series>) {
    let mut segments: Vec<Vec<String>> = Vec::new();
    for row in table.rows.iter().filter(|r| r.rated() && table.period_deliveries.is_none()) {
        if !segments.contains(&row.segment) {
            segments.push(row.segment.clone());
        }
    }
    let cells: std::collections::HashMap<(&Vec<String>, NaiveDate), &Counts> =
        table.rows.iter().map(|r| ((&r.segment, r.start), &r.counts)).collect();
    let series = segments
        .iter()
        .map(|segment| {
            let counts: Vec<&Counts> = periods.iter().map(|start| cells[&(segment, *start)]).collect();
            Series {
                complaints: counts.iter().map(|c| c.complaints).collect(),
                deliveries: counts.iter().map(|c| c.deliveries).collect(),
            }
        })
        .collect();
    (segments, series)
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

/// Counts per period over all segments with deliveries, in time order.
fn per_period(table: &PeriodTable) -> Vec<PeriodTotal> {
    let mut out: std::collections::BTreeMap<NaiveDate, PeriodTotal> = Default::default();
    for row in table.rows.iter().filter(|r| r.rated()) {
        let total = out.entry(row.start).or_insert(PeriodTotal {
            start: row.start,
            counts: Counts::default(),
            complete: true,
        });
        total.counts.add(&row.counts);
        total.complete &= row.complete();
    }
    // Deliveries without the segments: counted per period.
    if let Some(per_period) = &table.period_deliveries {
        for (start, total) in out.iter_mut() {
            total.counts.deliveries = per_period.get(start).copied().unwrap_or(0);
        }
    }
    out.into_values().collect()
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
    use crate::metrics::period_table::PeriodRow;
    use crate::period::Period;
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
            partial: false,
            no_deliveries: false,
            share: None,
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
            period_deliveries: None,
        };
        let (recent, earlier) = rows_outside(&table, &[d("2025-03-24")]);
        assert_eq!(recent, vec![2]);
        assert_eq!(earlier, vec![1, 3]);
        let (segments, series) = segment_series(&table, &[d("2025-03-17"), d("2025-03-24")]);
        assert_eq!(segments, vec![vec!["North".to_string()], vec!["Northeast".to_string()]]);
        assert_eq!(series[1].complaints, vec![1, 1]);
    }
}
