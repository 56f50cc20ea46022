//! The period table (docs/METHODS.md §2–3): one row per period × segment with deliveries,
//! complaints, repeats and switches, plus control limits per segment.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rayon::prelude::*;

use super::dataset::Dataset;
use super::repeats::Contact;
use crate::input::complaints::{Complaint, GivenContacts, SegmentValues};
use crate::period::Period;
use crate::phases::{Baseline, Stages};
use crate::stats::laney::{Chart, Limits, Signal, control_chart, frozen_chart};
use crate::stats::runs::{Runs, anhoej};
use crate::stats::wilson::wilson_interval;

/// The integer counts behind one row; every ratio is derived from them and is
/// `None` where its denominator is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub deliveries: u64,
    pub complaints: u64,
    pub repeat_complaints: u64,
    pub channel_switches: u64,
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Counts {
    pub fn complaint_rate(&self) -> Option<f64> {
        ratio(self.complaints, self.deliveries)
    }

    pub fn per_1000(&self) -> Option<f64> {
        ratio(self.complaints * 1000, self.deliveries)
    }

    /// Wilson interval of the complaint rate at normal quantile `z`.
    pub fn rate_interval(&self, z: f64) -> Option<(f64, f64)> {
        wilson_interval(self.complaints, self.deliveries, z)
    }

    pub fn repeat_rate(&self) -> Option<f64> {
        ratio(self.repeat_complaints, self.complaints)
    }

    /// First complaints of an episode: complaints − repeat complaints.
    pub fn problems(&self) -> u64 {
        self.complaints - self.repeat_complaints
    }

    pub fn switch_rate(&self) -> Option<f64> {
        ratio(self.channel_switches, self.repeat_complaints)
    }

    /// "1 in N": deliveries per complaint.
    pub fn one_in(&self) -> Option<f64> {
        ratio(self.deliveries, self.complaints)
    }

    pub fn add(&mut self, other: &Counts) {
        self.deliveries += other.deliveries;
        self.complaints += other.complaints;
        self.repeat_complaints += other.repeat_complaints;
        self.channel_switches += other.channel_switches;
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PeriodRow {
    pub start: NaiveDate,
    /// The period's last day.
    pub end: NaiveDate,
    /// Values of the `--by` columns ("" where missing).
    pub segment: Vec<String>,
    pub counts: Counts,
    /// Control limits from the segment's periods (None: no deliveries,
    /// fewer than two periods with deliveries, or an immature period).
    pub limits: Option<Limits>,
    /// Part of the run that makes the Anhøj rules signal a shift.
    pub shift: bool,
    /// Complaints about this period's deliveries are still arriving
    /// (`--attribute delivery`): left out of limits and the verdict.
    pub immature: bool,
    /// Cut by the edge of the days both exports cover (or --from/--to):
    /// left out of limits and the verdict.
    pub partial: bool,
    /// A segment value with no deliveries at all: its complaints are shown
    /// but are in no rate, no limit and not in the total.
    pub no_deliveries: bool,
    /// The row's share of its period's complaints, when the deliveries do
    /// not carry the segment (counts and shares, no rate).
    pub share: Option<f64>,
    /// Its phase (`PeriodTable::phases`).
    pub phase: usize,
}

/// What the `signal` column says about a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSignal {
    /// Above the upper control limit.
    Above,
    /// Below the lower control limit.
    Below,
    /// Part of a run that makes the Anhøj rules signal a shift.
    Shift,
    /// Cut by the edge of the days both exports cover.
    Partial,
    /// Complaints about this period's deliveries are still arriving.
    Immature,
    /// A segment value without deliveries: complaints, but no rate.
    NoDeliveries,
}

impl RowSignal {
    pub fn as_str(self) -> &'static str {
        match self {
            RowSignal::Above => "above",
            RowSignal::Below => "below",
            RowSignal::Shift => "shift",
            RowSignal::Partial => "partial",
            RowSignal::Immature => "immature",
            RowSignal::NoDeliveries => "no deliveries",
        }
    }

    /// Whether the row is out of line (not merely incomplete).
    pub fn is_alarm(self) -> bool {
        matches!(self, RowSignal::Above | RowSignal::Below | RowSignal::Shift)
    }
}

impl PeriodRow {
    /// The `signal` column: above/below the limits, else part of a shift,
    /// else partial, else immature, else none.
    pub fn signal(&self) -> Option<RowSignal> {
        match self.limits.and_then(|l| l.signal) {
            Some(Signal::Above) => Some(RowSignal::Above),
            Some(Signal::Below) => Some(RowSignal::Below),
            None if self.no_deliveries => Some(RowSignal::NoDeliveries),
            None if self.shift => Some(RowSignal::Shift),
            None if self.partial => Some(RowSignal::Partial),
            None if self.immature => Some(RowSignal::Immature),
            None => None,
        }
    }

    /// Whole and mature: a period the limits and the verdict may use.
    pub fn complete(&self) -> bool {
        !self.partial && !self.immature
    }

    /// In the rates: the total, the verdict's series, the limits.
    pub fn rated(&self) -> bool {
        !self.no_deliveries
    }
}

/// Run-rule result for one segment's series (in one phase).
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentRuns {
    pub segment: Vec<String>,
    pub phase: usize,
    pub runs: Runs,
}

/// One phase of the table: its first period's start (or its declared
/// date) and its name, the label given or that date.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub start: NaiveDate,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PeriodTable {
    pub period: Period,
    pub by: Vec<String>,
    pub rows: Vec<PeriodRow>,
    /// Over the rated rows (segments without deliveries left out).
    pub total: Counts,
    /// Anhøj run rules per segment (segments with ≥ 2 useful periods).
    pub runs: Vec<SegmentRuns>,
    /// First and last date with counted data.
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// The phases (one when none is declared), in time order.
    pub phases: Vec<Phase>,
    /// The periods whose centre line and limits every period carries.
    pub baseline: Option<Baseline>,
    /// The deliveries do not carry the `--by` columns: per period over all
    /// segments (the rows then have counts and shares, no rate).
    pub period_deliveries: Option<BTreeMap<NaiveDate, u64>>,
}

impl PeriodTable {
    /// Rows of segment values without deliveries, and their complaints.
    pub fn without_deliveries(&self) -> (Vec<&Vec<String>>, u64) {
        let mut segments: Vec<&Vec<String>> = Vec::new();
        let mut complaints = 0;
        for row in self.rows.iter().filter(|r| r.no_deliveries) {
            complaints += row.counts.complaints;
            if !segments.contains(&&row.segment) {
                segments.push(&row.segment);
            }
        }
        (segments, complaints)
    }
}

/// How to lay out the table.
#[derive(Clone, Copy, Debug)]
pub struct TableSpec<'a> {
    pub period: Period,
    pub by: &'a [String],
    pub chart: Chart,
    /// Periods ending after this day are immature.
    pub mature_until: Option<NaiveDate>,
    /// The days counted (coverage and --from/--to): periods it cuts are partial.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Phases or a baseline (`--phase`, `--baseline`).
    pub stages: &'a Stages,
}

/// What the table is counted from.
#[derive(Clone, Copy, Debug)]
pub struct Sides<'a> {
    /// Complaints (those `counted` are counted), each with its contacts.
    pub complaints: &'a [Complaint],
    pub contacts: &'a [Contact],
    /// Counted complaints' repeats and switches from their own columns, in
    /// place of the contacts.
    pub given: Option<&'a [GivenContacts]>,
    /// Deliveries per date × segment.
    pub deliveries: &'a BTreeMap<(NaiveDate, Vec<String>), u64>,
    /// Whether the deliveries carry the segment columns.
    pub segment_deliveries: bool,
    /// Complaints in segment values without deliveries, per (date,
    /// segment): their own rows, in no rate (`metrics::dataset`).
    pub without_deliveries: Option<&'a BTreeMap<(NaiveDate, Vec<String>), u64>>,
}

impl<'a> Sides<'a> {
    pub fn of(data: &'a Dataset) -> Sides<'a> {
        Sides {
            complaints: &data.complaints.records,
            contacts: &data.contacts,
            given: data.complaints.given.as_deref(),
            deliveries: &data.deliveries.counts,
            segment_deliveries: data.segments_in_deliveries().iter().all(|&has| has),
            without_deliveries: Some(&data.without_deliveries),
        }
    }
}

/// The segment values that have deliveries: the others' complaints are in
/// no rate (their rows say `no deliveries`).
pub fn segments_with_deliveries(
    deliveries: &BTreeMap<(NaiveDate, Vec<String>), u64>,
) -> BTreeSet<&Vec<String>> {
    deliveries.keys().map(|(_, segment)| segment).collect()
}

/// Build the table from counted complaints (with their contacts) and the
/// deliveries per date × segment. `None` when there is nothing to count.
/// A complaint's segment values as the table's text ("" where missing).
pub fn segment_text(segment: &[Option<Arc<str>>]) -> Vec<String> {
    segment.iter().map(|s| s.as_deref().unwrap_or_default().to_string()).collect()
}

/// Counts per (day, a complaint's segment values).
pub type DayCells<'a> = foldhash::HashMap<(NaiveDate, &'a [Option<Arc<str>>]), Counts>;

/// Numbers for complaints' segment lists, equal for equal values: found
/// first by the list's address (complaints read with the same values share
/// one list, so millions of complaints hash a few lists), else by the
/// values. Lists given by the join are each their own; only the first
/// addresses are remembered.
#[derive(Default)]
pub struct SegmentNumbers {
    by_address: foldhash::HashMap<*const [Option<Arc<str>>], u32>,
    by_values: foldhash::HashMap<SegmentValues, u32>,
}

impl SegmentNumbers {
    /// The list's number (from 0, in order of first sight).
    pub fn of(&mut self, segment: &SegmentValues) -> u32 {
        let address = Arc::as_ptr(segment);
        if let Some(&n) = self.by_address.get(&address) {
            return n;
        }
        let next = self.by_values.len() as u32;
        let n = *self.by_values.entry(segment.clone()).or_insert(next);
        if self.by_address.len() < 1024 {
            self.by_address.insert(address, n);
        }
        n
    }
}

/// The counted complaints per (day, segment values): millions of
/// complaints in a few thousand cells, no text copied, counted in parts on
/// every core. Repeats and switches from the contacts, or as given by
/// counted complaints.
pub fn day_cells<'a>(
    complaints: &'a [Complaint],
    contacts: &[Contact],
    given: Option<&[GivenContacts]>,
) -> DayCells<'a> {
    let part = complaints.len().div_ceil(rayon::current_num_threads()).max(1 << 16);
    (complaints.par_chunks(part).enumerate())
        .map(|(k, complaints)| day_cells_from(complaints, k * part, contacts, given))
        .reduce(DayCells::default, |mut all, part| {
            for (key, counts) in part {
                all.entry(key).or_default().add(&counts);
            }
            all
        })
}

/// `day_cells` of the complaints from index `first` on.
fn day_cells_from<'a>(
    complaints: &'a [Complaint],
    first: usize,
    contacts: &[Contact],
    given: Option<&[GivenContacts]>,
) -> DayCells<'a> {
    let mut numbers = SegmentNumbers::default();
    // The first complaint with each list number, for its values.
    let mut lists: Vec<&'a [Option<Arc<str>>]> = Vec::new();
    let mut cells: foldhash::HashMap<(NaiveDate, u32), Counts> = Default::default();
    for (i, c) in complaints.iter().enumerate().filter(|(_, c)| c.counted) {
        let i = first + i;
        let n = numbers.of(&c.segment);
        if n as usize == lists.len() {
            lists.push(&c.segment[..]);
        }
        let cell = cells.entry((c.bucket_date, n)).or_default();
        cell.complaints += u64::from(c.weight);
        match given {
            Some(given) => {
                cell.repeat_complaints += u64::from(given[i].repeats);
                cell.channel_switches += u64::from(given[i].switches);
            }
            None => {
                cell.repeat_complaints += u64::from(contacts[i].repeat);
                cell.channel_switches += u64::from(contacts[i].switch);
            }
        }
    }
    cells.into_iter().map(|((date, n), counts)| ((date, lists[n as usize]), counts)).collect()
}

pub fn build(sides: &Sides, spec: &TableSpec) -> Option<PeriodTable> {
    let Sides { complaints, contacts, given, deliveries, segment_deliveries, without_deliveries } = *sides;
    let TableSpec { period, by, chart, mature_until, window, stages } = *spec;
    let days = day_cells(complaints, contacts, given);
    let unrated = without_deliveries.into_iter().flat_map(|w| w.keys());
    let dates = (days.keys().map(|(d, _)| *d))
        .chain(deliveries.keys().map(|(d, _)| *d))
        .chain(unrated.clone().map(|(d, _)| *d));
    let (first_date, last_date) = dates.fold(None, |acc: Option<(NaiveDate, NaiveDate)>, d| match acc {
        None => Some((d, d)),
        Some((lo, hi)) => Some((lo.min(d), hi.max(d))),
    })?;

    let mut cells: BTreeMap<(NaiveDate, Vec<String>), Counts> = BTreeMap::new();
    let mut segments: BTreeSet<Vec<String>> = BTreeSet::new();
    // Without the segments in the deliveries, they are counted per period.
    let mut period_deliveries: Option<BTreeMap<NaiveDate, u64>> =
        (!segment_deliveries && !by.is_empty()).then(BTreeMap::new);
    for ((date, segment), n) in deliveries {
        match &mut period_deliveries {
            Some(per_period) => *per_period.entry(period.start(*date)).or_default() += n,
            None => {
                segments.insert(segment.clone());
                cells.entry((period.start(*date), segment.clone())).or_default().deliveries += n;
            }
        }
    }
    let rated: BTreeSet<Vec<String>> = segments.clone();
    for ((date, segment), counts) in days {
        let segment = segment_text(segment);
        segments.insert(segment.clone());
        let cell = cells.entry((period.start(date), segment)).or_default();
        cell.complaints += counts.complaints;
        cell.repeat_complaints += counts.repeat_complaints;
        cell.channel_switches += counts.channel_switches;
    }
    for ((date, segment), n) in without_deliveries.into_iter().flatten() {
        segments.insert(segment.clone());
        cells.entry((period.start(*date), segment.clone())).or_default().complaints += n;
    }
    if segments.is_empty() {
        segments.insert(vec![String::new(); by.len()]);
    }

    let starts = period.starts_between(first_date, last_date);
    let bounds = |start: NaiveDate| match period {
        Period::All => (first_date, last_date),
        _ => (start, period.next(start) - Days::new(1)),
    };
    let mut rows: Vec<PeriodRow> = Vec::with_capacity(starts.len() * segments.len());
    let mut total = Counts::default();
    for &key in &starts {
        let period_complaints: u64 =
            segments.iter().filter_map(|s| cells.get(&(key, s.clone()))).map(|c| c.complaints).sum();
        for segment in &segments {
            let counts = cells.get(&(key, segment.clone())).copied().unwrap_or_default();
            let no_deliveries = period_deliveries.is_none() && !rated.contains(segment);
            if !no_deliveries {
                total.add(&counts);
            }
            let (start, end) = bounds(key);
            let immature = mature_until.is_some_and(|m| end > m);
            let partial = period != Period::All && window.is_some_and(|(from, to)| start < from || end > to);
            rows.push(PeriodRow {
                start,
                end,
                segment: segment.clone(),
                counts,
                limits: None,
                shift: false,
                immature,
                partial,
                no_deliveries,
                share: period_deliveries
                    .is_some()
                    .then(|| ratio(counts.complaints, period_complaints))
                    .flatten(),
                phase: stages.phase_of(start),
            });
        }
    }
    if let Some(per_period) = &period_deliveries {
        total.deliveries = per_period.values().sum();
    }
    // Limits and run rules per segment and phase, over its whole, mature
    // periods in time order; or, with a baseline, from the baseline's.
    let mut runs = Vec::new();
    let phase_count = stages.starts.len() + 1;
    for segment in &segments {
        let complete: Vec<usize> =
            (0..rows.len()).filter(|&i| &rows[i].segment == segment && rows[i].complete()).collect();
        for phase in 0..phase_count {
            let indices: Vec<usize> = complete.iter().copied().filter(|&i| rows[i].phase == phase).collect();
            let x: Vec<u64> = indices.iter().map(|&i| rows[i].counts.complaints).collect();
            let n: Vec<u64> = indices.iter().map(|&i| rows[i].counts.deliveries).collect();
            let chart = match stages.baseline {
                None => control_chart(&x, &n, chart),
                Some(baseline) => {
                    let inside: Vec<usize> =
                        (0..indices.len()).filter(|&k| baseline.contains(rows[indices[k]].start)).collect();
                    match (inside.first(), inside.last()) {
                        (Some(&first), Some(&last)) => frozen_chart(&x, &n, chart, first..last + 1),
                        _ => None,
                    }
                }
            };
            let Some(chart) = chart else { continue };
            for (k, &i) in indices.iter().enumerate() {
                rows[i].limits = chart.limits[k];
            }
            let used: Vec<usize> =
                indices.iter().copied().filter(|&i| rows[i].counts.deliveries > 0).collect();
            let rates: Vec<f64> =
                used.iter().map(|&i| rows[i].counts.complaint_rate().unwrap_or(0.0)).collect();
            if let Some(result) = anhoej(&rates, chart.p_bar) {
                // A shift found by either rule shows on the longest run (few
                // crossings mean long runs, even when none is over its limit).
                if result.shift {
                    mark_longest_run(&mut rows, &used, &rates, chart.p_bar);
                }
                runs.push(SegmentRuns { segment: segment.clone(), phase, runs: result });
            }
        }
    }
    let phases = phases_of(&rows, stages, period.start(first_date));
    Some(PeriodTable {
        period,
        by: by.to_vec(),
        rows,
        total,
        runs,
        first_date,
        last_date,
        period_deliveries,
        phases,
        baseline: stages.baseline,
    })
}

/// The table's phases: before the first declared date (from the first
/// period), then each declared one.
fn phases_of(rows: &[PeriodRow], stages: &Stages, first_start: NaiveDate) -> Vec<Phase> {
    let first = rows.first().map_or(first_start, |r| r.start);
    let mut phases = vec![Phase { start: first, label: first.to_string() }];
    for declared in &stages.starts {
        let start = rows.iter().map(|r| r.start).find(|&s| s >= declared.date).unwrap_or(declared.date);
        phases.push(Phase {
            start,
            label: declared.label.clone().unwrap_or_else(|| declared.date.to_string()),
        });
    }
    phases
}

/// Mark the rows of the longest run on one side of the centre line.
fn mark_longest_run(rows: &mut [PeriodRow], used: &[usize], rates: &[f64], centre: f64) {
    let useful: Vec<(usize, bool)> =
        used.iter().zip(rates).filter(|(_, r)| **r != centre).map(|(&i, &r)| (i, r > centre)).collect();
    let (mut best, mut best_len, mut start) = (0, 0, 0);
    for k in 0..=useful.len() {
        if k == useful.len() || useful[k].1 != useful[start].1 {
            if k - start > best_len {
                (best, best_len) = (start, k - start);
            }
            start = k;
        }
    }
    for &(i, _) in &useful[best..best + best_len] {
        rows[i].shift = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RepeatKey;
    use crate::metrics::repeats::{link_contacts, tests::fixture};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn sides<'a>(
        complaints: &'a [Complaint],
        contacts: &'a [Contact],
        deliveries: &'a BTreeMap<(NaiveDate, Vec<String>), u64>,
    ) -> Sides<'a> {
        Sides {
            complaints,
            contacts,
            given: None,
            deliveries,
            segment_deliveries: true,
            without_deliveries: None,
        }
    }

    #[test]
    fn january_fixture_by_month() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let mut deliveries = BTreeMap::new();
        deliveries.insert((d("2024-01-15"), vec![]), 900);
        let spec = TableSpec {
            period: Period::Month,
            by: &[],
            chart: Chart::LaneyPPrime,
            mature_until: None,
            window: None,
            stages: &Stages::default(),
        };
        let table = build(&sides(&complaints, &contacts, &deliveries), &spec).unwrap();
        assert_eq!(table.rows.len(), 1);
        let jan = &table.rows[0];
        assert_eq!((jan.start, jan.end), (d("2024-01-01"), d("2024-01-31")));
        assert_eq!(
            jan.counts,
            Counts { deliveries: 900, complaints: 9, repeat_complaints: 3, channel_switches: 2 }
        );
        assert_eq!(jan.counts.repeat_rate(), Some(1.0 / 3.0));
        assert_eq!(jan.counts.switch_rate(), Some(2.0 / 3.0));
        assert_eq!(jan.counts.problems(), 6);
        assert_eq!(jan.counts.complaint_rate(), Some(0.01));
        assert!(jan.limits.is_none(), "one period: no limits");
    }

    #[test]
    fn empty_periods_and_segments_are_present() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let mut deliveries = BTreeMap::new();
        deliveries.insert((d("2024-01-01"), vec!["A".to_string()]), 100);
        deliveries.insert((d("2024-01-29"), vec!["B".to_string()]), 100);
        let mut segmented = complaints.clone();
        for c in &mut segmented {
            c.segment = vec![Some("A".into())].into();
        }
        let by = ["region".to_string()];
        let spec = TableSpec {
            period: Period::Week,
            by: &by,
            chart: Chart::P,
            mature_until: None,
            window: None,
            stages: &Stages::default(),
        };
        let table = build(&sides(&segmented, &contacts, &deliveries), &spec).unwrap();
        // Weeks of 2024-01-01 .. 2024-01-29 = 5 weeks × 2 segments.
        assert_eq!(table.rows.len(), 10);
        let b_first = table.rows.iter().find(|r| r.segment == ["B"] && r.start == d("2024-01-01")).unwrap();
        assert_eq!(b_first.counts, Counts::default());
        assert_eq!(b_first.counts.complaint_rate(), None);
        assert_eq!(table.total.complaints, 9);
        assert_eq!(table.total.deliveries, 200);
    }

    /// Regression: a shift found only by the crossings rule (runs of four,
    /// none over its limit, but too few crossings) showed in no row's signal.
    #[test]
    fn a_crossings_only_shift_shows_in_the_signal_column() {
        let start = d("2024-01-01");
        let mut deliveries = BTreeMap::new();
        let mut complaints = Vec::new();
        for week in 0..20u64 {
            let date = start + Days::new(7 * week);
            deliveries.insert((date, vec![]), 1000);
            // Alternating blocks of four weeks: 8 complaints, then 2.
            let n = if (week / 4) % 2 == 0 { 8 } else { 2 };
            for k in 0..n {
                let time = date.and_hms_opt(9, k as u32, 0).unwrap();
                complaints.push(Complaint {
                    row: complaints.len() as u64 + 2,
                    time,
                    customer: None,
                    channel: None,
                    order: None,
                    category: None,
                    segment: Arc::default(),
                    bucket_date: date,
                    weight: 1,
                    counted: true,
                });
            }
        }
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let spec = TableSpec {
            period: Period::Week,
            by: &[],
            chart: Chart::LaneyPPrime,
            mature_until: None,
            window: None,
            stages: &Stages::default(),
        };
        let table = build(&sides(&complaints, &contacts, &deliveries), &spec).unwrap();
        let runs = &table.runs[0].runs;
        assert!(
            runs.longest_run <= runs.longest_run_limit && runs.crossings < runs.crossings_limit,
            "{runs:?}"
        );
        let shifted: Vec<NaiveDate> =
            table.rows.iter().filter(|r| r.signal() == Some(RowSignal::Shift)).map(|r| r.start).collect();
        assert_eq!(shifted.len(), 4, "the first longest run: {shifted:?}");
        assert_eq!(shifted[0], start);
    }

    #[test]
    fn partial_periods_get_no_limits() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let mut deliveries = BTreeMap::new();
        for day in 0..28 {
            deliveries.insert((d("2024-01-03") + Days::new(day), vec![]), 30);
        }
        let window = Some((d("2024-01-03"), d("2024-01-30")));
        let spec = TableSpec {
            period: Period::Week,
            by: &[],
            chart: Chart::P,
            mature_until: None,
            window,
            stages: &Stages::default(),
        };
        let table = build(&sides(&complaints, &contacts, &deliveries), &spec).unwrap();
        let signals: Vec<Option<RowSignal>> = table.rows.iter().map(|r| r.signal()).collect();
        assert_eq!(signals.first(), Some(&Some(RowSignal::Partial)));
        assert_eq!(signals.last(), Some(&Some(RowSignal::Partial)));
        assert!(table.rows.iter().filter(|r| r.partial).all(|r| r.limits.is_none()));
        assert!(table.rows.iter().filter(|r| !r.partial).all(|r| r.limits.is_some()));
    }

    #[test]
    fn ratios_with_zero_denominators_are_none() {
        let c = Counts { deliveries: 0, complaints: 3, repeat_complaints: 0, channel_switches: 0 };
        assert_eq!(
            (c.complaint_rate(), c.per_1000(), c.rate_interval(1.96), c.switch_rate()),
            (None, None, None, None)
        );
        assert_eq!(c.repeat_rate(), Some(0.0));
    }
}
