//! The facts behind the report, computed once and typed: per-period totals,
//! coverage, maturity, the rows that signal, the recent-rise tests, the
//! trend, the segments the funnel puts out of line, run-rule shifts, changes
//! in the export, concentration, cost, and the verdict (docs/METHODS.md
//! §4.7). No text here: `sentences` and `summary` say it; everything that
//! decides (the alarm, `--strict`, the headline) reads these types.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::segments::SegmentFunnel;
use crate::input::complaints::Placeholder;
use crate::input::deliveries::Granularity;
use crate::input::time::TimeLayout;
use crate::input::{Attribution, DatasetOptions, Role};
use crate::metrics::customers::Concentration;
use crate::metrics::dataset::{Coverage, Dataset};
use crate::metrics::period_table::{Counts, PeriodTable, RowSignal, day_cells, segment_text};
use crate::stats::funnel::quantile_type7;
use crate::stats::gaps::{Change, abrupt_start, abrupt_stop};
use crate::stats::glm::{Trend, TrendFit, poisson_trend};
use crate::stats::runs::Runs;
use crate::stats::verdict::{
    MIN_BASELINE_PERIODS, RECENT_PERIODS, RecentRise, RiseTest, Series, Verdict, decide, recent_rise,
    rises_after, step,
};

/// Numbers that cannot be right for complaints per delivery: the complaints
/// are probably not filtered to complaints (reviews, all tickets), or the
/// export changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Implausible {
    /// More complaints than deliveries over the whole report.
    MoreComplaintsThanDeliveries,
    /// A row's rate above 50% (index into `table.rows`).
    RateAboveHalf(usize),
    /// A rise test found more than `HUGE_RISE` times the earlier rate
    /// (index into `rise.tests`): a service rarely worsens so; an export does.
    HugeRise(usize),
}

/// A recent rate this many times the earlier one is implausible as a
/// change in the service.
pub const HUGE_RISE: f64 = 20.0;
/// Run-rule findings on segments expecting fewer complaints a period are
/// grouped into one line: with so few, runs are long by chance of rounding.
pub const SMALL_SEGMENT: f64 = 5.0;

/// With `--attribute delivery`: periods ending after `mature_until` are
/// immature (complaints about them still arrive for `days` days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Maturity {
    pub days: u32,
    pub mature_until: NaiveDate,
}

/// One period's counts over all segments with deliveries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodTotal {
    pub start: NaiveDate,
    pub counts: Counts,
    /// Whole and mature: the verdict and the trend may use it.
    pub complete: bool,
    /// Its phase (`PeriodTable::phases`).
    pub phase: usize,
}

/// Which periods the verdict judged: the current phase (or, when it is
/// too short, the phases from an earlier one on), or the latest periods
/// against a baseline.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VerdictWindow {
    /// The first phase the verdict, the trend and the funnel use.
    pub from_phase: usize,
    /// The current phase had too few periods for the rise test: (that
    /// phase, its whole periods with deliveries).
    pub short_phase: Option<(usize, usize)>,
    /// With `--baseline`: the baseline periods the latest were compared
    /// with (first and last start, how many).
    pub baseline: Option<(NaiveDate, NaiveDate, usize)>,
}

/// A unit's rate stepped up before the latest periods and stayed up
/// (`stats::verdict::step`), with the period it began.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitStep {
    /// The rise tests' unit.
    pub unit: usize,
    pub start: NaiveDate,
    pub ratio: f64,
    pub recent: StepRise,
}

/// The unit's latest periods against its step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepRise {
    /// No significant rise of the unit.
    None,
    /// Every significant rise of the unit is the step: against the periods
    /// since the step alone, none is significant.
    TheStep,
    /// The latest periods rise beyond the step too.
    BeyondTheStep,
}

impl StepRise {
    pub fn as_str(self) -> &'static str {
        match self {
            StepRise::None => "none",
            StepRise::TheStep => "the step",
            StepRise::BeyondTheStep => "beyond the step",
        }
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

/// What the input allows the report to count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input {
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
    /// The data are dated by month (monthly volumes or complaint months):
    /// their days are said as months.
    pub monthly: bool,
}

impl Input {
    pub fn of(data: &Dataset) -> Input {
        let complaints = &data.complaints;
        Input {
            has_customer: complaints.has_customers(),
            has_channel: complaints.plan.roles.get(Role::Channel).is_some(),
            period_from_deliveries: data.period_from_deliveries,
            time_from_order: complaints.time_from_order(),
            counted: complaints.plan.count().map(|column| CountedComplaints {
                column: column.to_string(),
                given_contacts: complaints.given.is_some(),
            }),
            placeholders: complaints.placeholders.clone(),
            monthly: data.deliveries.granularity == Granularity::Month
                || complaints.plan.parser.layout == TimeLayout::Month,
        }
    }

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

/// Hours (and money) of avoidable work: `--minutes-per-complaint`,
/// `--cost-per-hour`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub minutes_per_complaint: f64,
    pub cost_per_hour: Option<f64>,
    pub repeat_hours: f64,
    pub switch_hours: f64,
}

impl Cost {
    pub fn of(minutes_per_complaint: f64, cost_per_hour: Option<f64>, total: &Counts) -> Cost {
        let hours = |count: u64| count as f64 * minutes_per_complaint / 60.0;
        Cost {
            minutes_per_complaint,
            cost_per_hour,
            repeat_hours: hours(total.repeat_complaints),
            switch_hours: hours(total.channel_switches),
        }
    }

    pub fn repeat_money(&self) -> Option<f64> {
        self.cost_per_hour.map(|h| self.repeat_hours * h)
    }

    pub fn switch_money(&self) -> Option<f64> {
        self.cost_per_hour.map(|h| self.switch_hours * h)
    }
}

/// A segment the funnel comparison (`compare`, §4.4) puts outside 99.8%.
#[derive(Clone, Debug, PartialEq)]
pub struct OutOfLine {
    pub segment: Vec<String>,
    pub rate: f64,
    /// Above the rest (else below).
    pub high: bool,
}

/// A run-rule shift (§4.3) in one segment's series.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    pub segment: Vec<String>,
    pub runs: Runs,
    /// The segment's complaints per period at its average rate: below
    /// `SMALL_SEGMENT`, a small segment whose findings are grouped.
    pub expected_per_period: f64,
    /// The longest run is above the average (else below), from `start`.
    pub above: bool,
    pub start: NaiveDate,
}

impl Shift {
    pub fn small(&self) -> bool {
        self.expected_per_period < SMALL_SEGMENT
    }
}

/// Complaints that start (or stop) abruptly inside the days counted: the
/// export, not the service, may have changed that day.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportChange {
    /// The segment, or empty for all deliveries.
    pub segment: Vec<String>,
    /// The first busy day (a start) or the first quiet day (a stop).
    pub day: NaiveDate,
    pub starts: bool,
    pub change: Change,
    /// Days of the near-empty stretch.
    pub quiet_days: u64,
}

/// Why the verdict is forest: the strongest recent rise, a step that
/// every rise comes from, or the trend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ForestCause<'a> {
    Rise(&'a RiseTest),
    Step(&'a UnitStep),
    Trend(&'a Trend),
}

/// What the headline says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headline {
    /// A real, recent problem (the verdict is forest).
    Forest,
    /// Nothing is out of line: no funnel flag, no shift, no limit crossing.
    Quiet,
    /// No new rise, but something sits out of line all along: how many
    /// segments (funnel), shifts and rows outside their limits.
    NotNew { out_of_line: usize, shifts: usize, crossings: usize },
}

pub struct Facts {
    /// What the dataset was built with (periods, segments, repeat key…).
    pub options: DatasetOptions,
    pub input: Input,
    pub table: PeriodTable,
    pub coverage: Option<Coverage>,
    /// Every period of the table, over all segments with deliveries, in time order.
    pub per_period: Vec<PeriodTotal>,
    /// Starts of the periods the verdict uses, in time order (complete, with
    /// deliveries); the last `RECENT_PERIODS` are the recent ones.
    pub verdict_periods: Vec<NaiveDate>,
    /// Segments in the order of the rise tests' units (the total, when
    /// there are several segments, is the unit after the last segment).
    pub segments: Vec<Vec<String>>,
    pub rise: Option<RecentRise>,
    pub trend: TrendFit,
    /// Each segment over the counted days on the funnel (as `compare`).
    pub funnel: SegmentFunnel,
    pub out_of_line: Vec<OutOfLine>,
    pub shifts: Vec<Shift>,
    pub export_changes: Vec<ExportChange>,
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
    pub cost: Option<Cost>,
    /// Rows with complaints but no deliveries in a segment that has some.
    pub rows_without_deliveries: usize,
    /// The periods the verdict judged (phases, baseline).
    pub window: VerdictWindow,
    /// Units whose rate stepped up before the latest periods and stayed up.
    pub steps: Vec<UnitStep>,
}

impl Facts {
    pub fn gather(
        options: &DatasetOptions,
        data: &Dataset,
        table: PeriodTable,
        maturity: Option<Maturity>,
        concentration: Option<Concentration>,
        cost: Option<(f64, Option<f64>)>,
    ) -> Facts {
        let per_period = per_period(&table);
        let window = VerdictWindow::of(&table, &per_period);
        let complete: Vec<&PeriodTotal> =
            per_period.iter().filter(|p| p.complete && p.phase >= window.from_phase).collect();
        let x: Vec<u64> = complete.iter().map(|p| p.counts.complaints).collect();
        let n: Vec<u64> = complete.iter().map(|p| p.counts.deliveries).collect();
        let trend = poisson_trend(&x, &n);

        let mut verdict_periods: Vec<NaiveDate> =
            complete.iter().filter(|p| p.counts.deliveries > 0).map(|p| p.start).collect();
        if let Some(baseline) = table.baseline {
            // The latest periods against the baseline's (none of them twice).
            let recent = verdict_periods.split_off(verdict_periods.len().saturating_sub(RECENT_PERIODS));
            verdict_periods.retain(|start| baseline.contains(*start));
            verdict_periods.extend(recent);
        }
        let recent = &verdict_periods[verdict_periods.len().saturating_sub(RECENT_PERIODS)..];
        let (recent_above, earlier_outside) = rows_outside(&table, recent);
        let (segments, series) = segment_series(&table, &verdict_periods);
        let judged = || complete.iter().filter(|p| verdict_periods.contains(&p.start));
        let total = Series {
            complaints: judged().map(|p| p.counts.complaints).collect(),
            deliveries: judged().map(|p| p.counts.deliveries).collect(),
        };
        let rise = match series.len() {
            _ if verdict_periods.len() < RECENT_PERIODS => None,
            // Segments without their own deliveries: the total alone.
            0 => recent_rise(std::slice::from_ref(&total), None),
            1 => recent_rise(&series, None),
            _ => recent_rise(&series, Some(&total)),
        };
        let verdict = decide(rise.as_ref(), trend.fitted());
        // Units in the rise tests' order: the segments, then the total when
        // there are several (the total alone without segments).
        let units: Vec<&Series> = match series.len() {
            0 => vec![&total],
            1 => series.iter().collect(),
            _ => series.iter().chain([&total]).collect(),
        };
        let steps = match table.baseline {
            // The baseline's periods and the latest are not one run of periods.
            Some(_) => Vec::new(),
            None => unit_steps(&units, rise.as_ref(), &verdict_periods),
        };
        let funnel = SegmentFunnel::of(&table, window.from_phase);
        let out_of_line = funnel.out_of_line();
        let shifts = shifts(&table);
        let export_changes = export_changes(data, &table);
        let implausible = implausible(&table, rise.as_ref());
        let cost = cost.map(|(minutes, per_hour)| Cost::of(minutes, per_hour, &table.total));
        let rows_without_deliveries = table
            .rows
            .iter()
            .filter(|r| r.rated() && table.period_deliveries.is_none())
            .filter(|r| r.counts.deliveries == 0 && r.counts.complaints > 0)
            .count();
        Facts {
            options: options.clone(),
            input: Input::of(data),
            commonest_switch: commonest_switch(data),
            implausible,
            coverage: data.coverage,
            per_period,
            verdict_periods,
            segments,
            rise,
            trend,
            funnel,
            out_of_line,
            shifts,
            export_changes,
            concentration,
            recent_above,
            earlier_outside,
            maturity,
            verdict,
            cost,
            rows_without_deliveries,
            window,
            steps,
            table,
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

    /// A rise test's unit as people name it: its segment, or "all deliveries".
    pub fn unit_name(&self, unit: usize) -> String {
        match self.segments.get(unit) {
            Some(segment) if !segment.is_empty() => segment_name(segment),
            _ => "all deliveries".into(),
        }
    }

    /// Why the verdict is forest: the significant rise closest to certain
    /// (lowest p against its threshold), else the trend. `None` for bushes.
    pub fn forest_cause(&self) -> Option<ForestCause<'_>> {
        if self.verdict != Verdict::Forest {
            return None;
        }
        let strongest = self.rise.as_ref().and_then(|r| {
            r.significant().min_by(|a, b| (a.p_value / a.threshold).total_cmp(&(b.p_value / b.threshold)))
        });
        let step_of =
            |unit: usize| self.steps.iter().find(|s| s.unit == unit && s.recent == StepRise::TheStep);
        let all_steps =
            self.rise.as_ref().is_some_and(|r| r.significant().all(|t| step_of(t.unit).is_some()));
        match (strongest, self.trend.fitted()) {
            (Some(test), _) if all_steps => step_of(test.unit).map(ForestCause::Step),
            (Some(test), _) => Some(ForestCause::Rise(test)),
            (None, Some(trend)) => Some(ForestCause::Trend(trend)),
            (None, None) => None,
        }
    }

    /// Rows of the periods shown outside their control limits.
    pub fn crossings(&self) -> usize {
        self.table
            .rows
            .iter()
            .filter(|r| matches!(r.signal(), Some(RowSignal::Above | RowSignal::Below)))
            .count()
    }

    /// What the headline says: forest; or nothing out of line; or what is
    /// out of line all along, without a new rise.
    pub fn headline(&self) -> Headline {
        if self.verdict == Verdict::Forest {
            return Headline::Forest;
        }
        let (out_of_line, shifts, crossings) = (self.out_of_line.len(), self.shifts.len(), self.crossings());
        if out_of_line + shifts + crossings == 0 {
            Headline::Quiet
        } else {
            Headline::NotNew { out_of_line, shifts, crossings }
        }
    }
}

/// A segment as people name it: its values joined, a blank one `(blank)`.
pub fn segment_name(segment: &[String]) -> String {
    segment.iter().map(|s| super::summary::segment_text(s)).collect::<Vec<_>>().join("/")
}

/// More complaints than deliveries overall, rows whose rate is above 50%,
/// and rises more than `HUGE_RISE` times the earlier rate.
fn implausible(table: &PeriodTable, rise: Option<&RecentRise>) -> Vec<Implausible> {
    let mut out = Vec::new();
    if table.total.complaints > table.total.deliveries {
        out.push(Implausible::MoreComplaintsThanDeliveries);
    }
    out.extend(
        (0..table.rows.len())
            .filter(|&i| table.rows[i].counts.complaint_rate().is_some_and(|r| r > 0.5))
            .map(Implausible::RateAboveHalf),
    );
    // One per unit: its strongest such rise.
    if let Some(rise) = rise {
        let mut units: Vec<usize> = Vec::new();
        for k in 0..rise.tests.len() {
            let t = &rise.tests[k];
            if t.significant && t.ratio.is_none_or(|r| r > HUGE_RISE) && !units.contains(&t.unit) {
                units.push(t.unit);
                let strongest = (0..rise.tests.len())
                    .filter(|&j| rise.tests[j].unit == t.unit && rise.tests[j].significant)
                    .min_by(|&a, &b| rise.tests[a].p_value.total_cmp(&rise.tests[b].p_value))
                    .unwrap_or(k);
                out.push(Implausible::HugeRise(strongest));
            }
        }
    }
    out
}

/// The channel switch seen most often among counted repeat contacts.
fn commonest_switch(data: &Dataset) -> Option<(String, String, u64)> {
    let records = &data.complaints.records;
    let channel = |i: usize| records[i].channel.map(|k| data.complaints.channels.text(k));
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for (i, (c, contact)) in records.iter().zip(&data.contacts).enumerate() {
        if let (true, true, Some(previous)) = (c.counted, contact.switch, contact.previous)
            && let (Some(from), Some(to)) = (channel(previous as usize), channel(i))
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

/// Each rated segment's counts over the verdict's periods, segments in
/// table order (none when the deliveries do not carry the segments).
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

impl VerdictWindow {
    /// The current phase, or from an earlier one on when it has fewer whole
    /// periods with deliveries than the rise test needs (never a test on
    /// two points); with a baseline, which of its periods were compared.
    fn of(table: &PeriodTable, per_period: &[PeriodTotal]) -> VerdictWindow {
        let usable: Vec<&PeriodTotal> =
            per_period.iter().filter(|p| p.complete && p.counts.deliveries > 0).collect();
        let needed = RECENT_PERIODS + MIN_BASELINE_PERIODS;
        let current = usable.last().map_or(0, |p| p.phase);
        let from = |phase: usize| usable.iter().filter(|p| p.phase >= phase).count();
        let mut from_phase = current;
        while from_phase > 0 && from(from_phase) < needed {
            from_phase -= 1;
        }
        let short_phase = (from_phase < current).then(|| (current, from(current)));
        let baseline = table.baseline.and_then(|b| {
            let recent = usable.len().saturating_sub(RECENT_PERIODS);
            let inside: Vec<NaiveDate> =
                usable[..recent].iter().map(|p| p.start).filter(|s| b.contains(*s)).collect();
            Some((*inside.first()?, *inside.last()?, inside.len()))
        });
        VerdictWindow { from_phase, short_phase, baseline }
    }
}

/// Each unit's step, if its rate stepped up before the latest periods and
/// stayed up, and whether its significant rises are that step: the total
/// (the last unit) first, then the largest steps.
fn unit_steps(units: &[&Series], rise: Option<&RecentRise>, periods: &[NaiveDate]) -> Vec<UnitStep> {
    let mut out = Vec::new();
    for (unit, series) in units.iter().enumerate() {
        let Some(found) = step(series) else { continue };
        let tests: Vec<&RiseTest> =
            rise.into_iter().flat_map(|r| r.significant()).filter(|t| t.unit == unit).collect();
        let recent = match tests.iter().any(|t| rises_after(series, &found, t)) {
            _ if tests.is_empty() => StepRise::None,
            true => StepRise::BeyondTheStep,
            false => StepRise::TheStep,
        };
        out.push(UnitStep { unit, start: periods[found.start], ratio: found.ratio, recent });
    }
    let last = units.len().saturating_sub(1);
    out.sort_by(|a, b| (b.unit == last).cmp(&(a.unit == last)).then(b.ratio.total_cmp(&a.ratio)));
    out
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

/// The segments whose series the run rules found shifted, with how many
/// complaints they expect a period and where their longest run lies.
fn shifts(table: &PeriodTable) -> Vec<Shift> {
    table
        .runs
        .iter()
        .filter(|r| r.runs.shift)
        .map(|r| {
            let rows: Vec<_> =
                table.rows.iter().filter(|row| row.segment == r.segment && row.complete()).collect();
            let (x, n) = rows
                .iter()
                .fold((0u64, 0u64), |(x, n), row| (x + row.counts.complaints, n + row.counts.deliveries));
            let with_deliveries = rows.iter().filter(|row| row.counts.deliveries > 0).count().max(1);
            let marked: Vec<_> =
                table.rows.iter().filter(|row| row.segment == r.segment && row.shift).collect();
            let centre = if n > 0 { x as f64 / n as f64 } else { 0.0 };
            Shift {
                segment: r.segment.clone(),
                runs: r.runs,
                expected_per_period: x as f64 / with_deliveries as f64,
                above: marked
                    .first()
                    .and_then(|row| row.counts.complaint_rate())
                    .is_some_and(|rate| rate > centre),
                start: marked.first().map(|row| row.start).unwrap_or(table.first_date),
            }
        })
        .collect()
}

/// Units (each segment with deliveries, and all deliveries) whose
/// complaints start or stop abruptly inside the days counted.
fn export_changes(data: &Dataset, table: &PeriodTable) -> Vec<ExportChange> {
    let Some(coverage) = data.coverage else { return Vec::new() };
    let (first, last) = coverage.window;
    let days = (last - first).num_days() + 1;
    if days < 14 {
        return Vec::new();
    }
    let index = |d: NaiveDate| usize::try_from((d - first).num_days()).ok().filter(|&i| (i as i64) < days);
    let by = !table.by.is_empty() && table.period_deliveries.is_none();
    // Per unit: complaints and deliveries per day of the window.
    let mut units: BTreeMap<Vec<String>, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let mut add = |segment: Vec<String>, i: usize, complaints: f64, deliveries: f64| {
        for key in [Some(Vec::new()), by.then_some(segment)].into_iter().flatten() {
            let entry =
                units.entry(key).or_insert_with(|| (vec![0.0; days as usize], vec![0.0; days as usize]));
            entry.0[i] += complaints;
            entry.1[i] += deliveries;
        }
    };
    let granularity = data.deliveries.granularity;
    for ((date, segment), &n) in &data.deliveries.counts {
        // A week's or month's count spread evenly over its days.
        let span = (granularity.last_day(*date) - *date).num_days() + 1;
        for k in 0..span {
            if let Some(i) = index(*date + Days::new(k as u64)) {
                add(segment.clone(), i, 0.0, n as f64 / span as f64);
            }
        }
    }
    let given = data.complaints.given.as_deref();
    let cells = day_cells(&data.complaints.records, &data.contacts, given);
    // Complaints dated by week or month (a regulator's monthly counts) are
    // spread over their days too: all on the first day, each month would
    // read as a start and a stop.
    let plan = &data.complaints.plan;
    let dates: Vec<NaiveDate> = cells.keys().map(|(d, _)| *d).collect();
    let time_column = plan.roles.get(Role::Time).unwrap_or("");
    let grain = Granularity::detect(&plan.parser.layout, data.complaints.is_counted(), &dates, time_column);
    for ((date, segment), counts) in cells {
        let span = (grain.last_day(date) - date).num_days() + 1;
        for k in 0..span {
            if let Some(i) = index(date + Days::new(k as u64)) {
                add(segment_text(segment), i, counts.complaints as f64 / span as f64, 0.0);
            }
        }
    }
    let mut out = Vec::new();
    for (segment, (complaints, deliveries)) in units {
        let day = |i: usize| first + Days::new(i as u64);
        if let Some(change) = abrupt_start(&complaints, &deliveries) {
            out.push(ExportChange {
                segment: segment.clone(),
                day: day(change.at),
                starts: true,
                change,
                quiet_days: change.at as u64,
            });
        }
        if let Some(change) = abrupt_stop(&complaints, &deliveries) {
            let quiet_days = (complaints.len() - change.at) as u64;
            out.push(ExportChange { segment, day: day(change.at), starts: false, change, quiet_days });
        }
    }
    out
}

/// Counts per period over all segments with deliveries, in time order.
fn per_period(table: &PeriodTable) -> Vec<PeriodTotal> {
    let mut out: BTreeMap<NaiveDate, PeriodTotal> = BTreeMap::new();
    for row in table.rows.iter().filter(|r| r.rated()) {
        let total = out.entry(row.start).or_insert(PeriodTotal {
            start: row.start,
            counts: Counts::default(),
            complete: true,
            phase: row.phase,
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
            phase: 0,
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
            phases: vec![],
            baseline: None,
        };
        let (recent, earlier) = rows_outside(&table, &[d("2025-03-24")]);
        assert_eq!(recent, vec![2]);
        assert_eq!(earlier, vec![1, 3]);
        let (segments, series) = segment_series(&table, &[d("2025-03-17"), d("2025-03-24")]);
        assert_eq!(segments, vec![vec!["North".to_string()], vec!["Northeast".to_string()]]);
        assert_eq!(series[1].complaints, vec![1, 1]);
    }
}
