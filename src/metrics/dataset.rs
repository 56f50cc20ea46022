//! Everything the commands count from, loaded once: deliveries per date ×
//! segment, complaints (matched to their deliveries where a `--by` column or
//! `--attribute delivery` needs it), `--from/--to` applied, and every
//! complaint linked to its key's previous and next contact.

use std::collections::{BTreeMap, HashSet};

use anyhow::{Result, bail};
use chrono::NaiveDate;

use super::period_table::{SegmentNumbers, segment_text, segments_with_deliveries};
use super::repeats::{Contact, link_contacts};
use crate::input::complaints::{self, Complaint, ComplaintTable, Needs};
use crate::input::deliveries::orders::orders_info;
use crate::input::deliveries::{DeliveriesSource, DeliveryCounts, Granularity};
use crate::input::keys::Key;
use crate::input::ledger::{Ledger, Note, Reason};
use crate::input::open::Opened;
use crate::input::plan::TablePlan;
use crate::input::roles::Role;
use crate::input::time::TimeLayout;
use crate::input::{DatasetOptions, DateRange, Source};
use crate::period::Period;
use rayon::prelude::*;

pub struct Dataset {
    /// The period counted by: `--period`, else from the deliveries.
    pub period: Period,
    /// No `--period` was given and the deliveries' months made it months.
    pub period_from_deliveries: bool,
    pub deliveries_source: DeliveriesSource,
    pub complaints: ComplaintTable,
    pub deliveries: DeliveryCounts,
    /// `contacts[i]` relates `complaints.records[i]` to its key's other complaints.
    pub contacts: Vec<Contact>,
    /// Days from delivery to complaint, for complaints matched to a delivery
    /// (only with `--attribute delivery`).
    pub lag_days: Vec<f64>,
    /// The days both exports cover (None without a dated delivery).
    pub coverage: Option<Coverage>,
    /// Complaints in segment values without deliveries, per (date,
    /// segment): shown in their own rows, in no rate.
    pub without_deliveries: BTreeMap<(NaiveDate, Vec<String>), u64>,
}

impl Dataset {
    /// The days counted: the days both exports cover, else --from/--to.
    pub fn counted_days(&self, range: DateRange) -> DateRange {
        match self.coverage {
            Some(c) => DateRange { from: Some(c.window.0), to: Some(c.window.1) },
            None => range,
        }
    }

    /// For each `--by` column: whether the deliveries carry it (else its
    /// values get complaint counts and shares, not rates).
    pub fn segments_in_deliveries(&self) -> Vec<bool> {
        self.deliveries.plan.segments.iter().map(Option::is_some).collect()
    }
}

/// The days each export covers and the days counted: only days both cover
/// are compared (docs/METHODS.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// First and last day with a complaint (inside --from/--to); the window
    /// may reach past them where the days between could have no complaint
    /// by chance.
    pub complaints: (NaiveDate, NaiveDate),
    /// First and last day the deliveries cover (whole weeks or months for
    /// pre-aggregated counts; inside --from/--to).
    pub deliveries: (NaiveDate, NaiveDate),
    /// The days counted: the later start to the earlier end.
    pub window: (NaiveDate, NaiveDate),
}

impl Coverage {
    /// Whether days of either export are left out.
    pub fn clipped(&self) -> bool {
        self.window != self.deliveries
            || self.window.0 > self.complaints.0
            || self.window.1 < self.complaints.1
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.window.0 <= date && date <= self.window.1
    }
}

/// Complaints up to about this many rows are read while the deliveries are
/// counted (see `load`); 2 M complaints read side by side took 640 MB at
/// peak against 490 MB read first (BENCHMARKS.md).
const SIDE_BY_SIDE_ROWS: u64 = 250_000;

/// Test hook: with this variable set to N, complaints of up to N rows are
/// read side by side (0: always read first), so a test can check that both
/// ways give the same report.
const SIDE_BY_SIDE: &str = "COMPLAINT_RATE_TEST_SIDE_BY_SIDE_ROWS";

/// The complaints before the deliveries are counted: read, or still to be
/// read by their plan.
#[allow(clippy::large_enum_variant)] // one, held for the length of a call
enum Complaints {
    Read(ComplaintTable),
    Planned(TablePlan),
}

/// Test hook: with this variable set to N, the run stops for N ms after
/// opening the complaints, and says so on stderr, so a test can change the
/// file provably while it is being read.
const PAUSE_READING: &str = "COMPLAINT_RATE_TEST_PAUSE_READING_MS";

fn pause_for_tests(complaints: &Source) {
    if let Some(ms) = std::env::var(PAUSE_READING).ok().and_then(|ms| ms.parse::<u64>().ok()) {
        eprintln!("complaint-rate: reading {}", complaints.display());
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

pub fn load(options: &DatasetOptions) -> Result<Dataset> {
    crate::guard::limit_memory(options.memory_limit);
    let Opened {
        complaints: complaints_source,
        deliveries: deliveries_source,
        complaints_plan,
        deliveries_plan,
        needs,
    } = Opened::both(options)?;
    pause_for_tests(&complaints_source);
    let rows =
        complaints_source.rows_estimate().map(|n| format!(", about {} rows", crate::guard::thousands(n)));
    let reading =
        format!("reading the complaints ({}{})", complaints_source.display(), rows.unwrap_or_default());
    let counting = format!("counting the deliveries ({})", deliveries_source.display());
    // Few complaints are read while the deliveries are counted; many are
    // read first, alone, and then linked into contacts while the deliveries
    // are counted (where they need nothing from the deliveries). Each side
    // keeps about one core busy, but read side by side the complaints'
    // frame and records and the count's table of customers would add up.
    let most = std::env::var(SIDE_BY_SIDE).ok().and_then(|n| n.parse().ok()).unwrap_or(SIDE_BY_SIDE_ROWS);
    let side_by_side = complaints_source.rows_estimate().is_some_and(|rows| rows <= most);
    let first = if side_by_side {
        crate::guard::stage(format!("{reading} and {counting}"));
        Complaints::Planned(complaints_plan)
    } else {
        crate::guard::stage(&reading);
        Complaints::Read(complaints::load(&complaints_source, complaints_plan, &needs, options)?)
    };
    let (complaints, deliveries) = std::thread::scope(|scope| {
        let complaints_side = scope.spawn(|| -> Result<(ComplaintTable, Option<Vec<Contact>>)> {
            let complaints = match first {
                Complaints::Read(complaints) => complaints,
                Complaints::Planned(plan) => complaints::load(&complaints_source, plan, &needs, options)?,
            };
            let contacts = (!needs.join()).then(|| contacts_of(&complaints, options));
            Ok((complaints, contacts))
        });
        if !side_by_side {
            crate::guard::stage(&counting);
        }
        let deliveries = deliveries_source.count(deliveries_plan, options);
        if side_by_side && !complaints_side.is_finished() {
            crate::guard::stage(&reading);
        }
        let complaints = complaints_side.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (complaints, deliveries)
    });
    // The complaints' error first, as when they were read first.
    let (mut complaints, contacts) = complaints?;
    let mut deliveries = deliveries?;
    crate::guard::stage("");
    complaints_source.check_unchanged()?;
    deliveries_source.check_unchanged()?;
    let period = options.period.unwrap_or(match deliveries.granularity {
        Granularity::Month => Period::Month,
        Granularity::Week | Granularity::Day => Period::Week,
    });
    check_granularity(&deliveries, &deliveries_source, period)?;
    let lag_days = join_orders(&mut complaints, &deliveries, &deliveries_source, needs)?;
    uncount(&mut complaints, Reason::OutsideRange, |c| !options.range.contains(c.bucket_date));
    let coverage =
        clip_to_coverage(&mut complaints, &mut deliveries, &complaints_source, &deliveries_source)?;
    let without_deliveries = leave_out_of_rates(&mut complaints, &deliveries);
    refuse_empty(&complaints.ledger, &deliveries.ledger)?;
    if options.strict {
        refuse_rejections(&[&complaints.ledger, &deliveries.ledger])?;
    }
    if let Some(max) = options.max_lost {
        refuse_losses(&[&complaints.ledger, &deliveries.ledger], max)?;
    }
    // Linked here when the deliveries gave the complaints a time, customer
    // or segment.
    let contacts = contacts.unwrap_or_else(|| contacts_of(&complaints, options));
    Ok(Dataset {
        period,
        period_from_deliveries: options.period.is_none() && period == Period::Month,
        deliveries_source,
        complaints,
        deliveries,
        contacts,
        lag_days,
        coverage,
        without_deliveries,
    })
}

/// Counted complaints that `outside` holds for are counted no more, each
/// ledgered with `reason`: found on both cores (millions of complaints, few
/// of them left out), then ledgered in row order.
fn uncount(complaints: &mut ComplaintTable, reason: Reason, outside: impl Fn(&Complaint) -> bool + Sync) {
    let found: Vec<usize> = (complaints.records.par_iter().enumerate())
        .filter(|(_, c)| c.counted && outside(c))
        .map(|(i, _)| i)
        .collect();
    for i in found {
        let complaint = &mut complaints.records[i];
        complaint.counted = false;
        complaints.ledger.reclassify_used(reason.clone(), 1, complaint.row);
    }
}

/// Every complaint related to its key's previous and next contact; none
/// when the complaints arrive counted (a row is then not one contact).
fn contacts_of(complaints: &ComplaintTable, options: &DatasetOptions) -> Vec<Contact> {
    if complaints.is_counted() {
        vec![Contact::default(); complaints.records.len()]
    } else {
        link_contacts(&complaints.records, options.repeat_key, options.window_days)
    }
}

/// Complaints in a segment value that has no deliveries at all (blank, or
/// a value the deliveries lack) are in no rate: taken out of the counted
/// complaints, ledgered, and kept per (date, segment) for their own rows. Nothing to do without `--by`, or when the deliveries do not
/// carry the segments (then every segment has counts and shares only).
fn leave_out_of_rates(
    complaints: &mut ComplaintTable,
    deliveries: &DeliveryCounts,
) -> BTreeMap<(NaiveDate, Vec<String>), u64> {
    let mut out = BTreeMap::new();
    let segmented = !complaints.plan.segments.is_empty();
    if !segmented || deliveries.plan.segments.iter().any(Option::is_none) {
        return out;
    }
    let rated = segments_with_deliveries(&deliveries.counts);
    // Decided once per distinct segment (millions of complaints, a few segments).
    let mut numbers = SegmentNumbers::default();
    let mut decided: Vec<bool> = Vec::new();
    for complaint in complaints.records.iter_mut().filter(|c| c.counted) {
        let n = numbers.of(&complaint.segment) as usize;
        if n == decided.len() {
            decided.push(rated.contains(&segment_text(&complaint.segment)));
        }
        let has_deliveries = decided[n];
        if !has_deliveries {
            let segment = segment_text(&complaint.segment);
            complaint.counted = false;
            complaints.ledger.reclassify_used(Reason::NoDeliveries, 1, complaint.row);
            *out.entry((complaint.bucket_date, segment)).or_default() += u64::from(complaint.weight);
        }
    }
    out
}

/// Give complaints what they lack from their delivery, found by order id:
/// the `--by` values, the customer, the delivery date (`--attribute
/// delivery`) or, for a list without times (returns), the time itself.
/// Complaints whose order is unknown are ledgered. Returns the days from
/// delivery to complaint, for the maturity of `--attribute delivery`.
fn join_orders(
    complaints: &mut ComplaintTable,
    deliveries: &DeliveryCounts,
    source: &DeliveriesSource,
    needs: Needs,
) -> Result<Vec<f64>> {
    let time_from_order = needs.time;
    let by_delivery = needs.delivery_date || time_from_order;
    let customer_from_order = needs.customer
        && deliveries.plan.roles.get(Role::Customer).is_some()
        && deliveries.plan.roles.get(Role::Order).is_some();
    if !(by_delivery || needs.segments || customer_from_order) {
        return Ok(Vec::new());
    }
    complaints.customers_from_orders = customer_from_order;
    let orders: HashSet<String> =
        (0..complaints.orders.len()).map(|k| complaints.orders.text(Key::of(k)).to_string()).collect();
    let info = orders_info(source, deliveries, &orders)?;
    let mut lag_days = Vec::new();
    let mut unknown_rows = Vec::new();
    let ComplaintTable { records, orders: order_ids, customers, .. } = complaints;
    for complaint in records.iter_mut() {
        let found = complaint.order.and_then(|o| info.get(order_ids.text(o)));
        let delivery_date = found.and_then(|f| f.date);
        if customer_from_order {
            complaint.customer = found.and_then(|o| o.customer.as_deref()).map(|c| customers.code(c));
        }
        match found {
            Some(order) if !by_delivery || delivery_date.is_some() => {
                if complaint.segment.iter().any(Option::is_none) {
                    let mut segment = complaint.segment.to_vec();
                    for (k, value) in order.segment.iter().enumerate() {
                        segment[k].get_or_insert_with(|| value.as_str().into());
                    }
                    complaint.segment = segment.into();
                }
                if let (true, Some(date)) = (by_delivery, delivery_date) {
                    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
                    if time_from_order {
                        complaint.time = midnight;
                    }
                    complaint.bucket_date = date;
                    lag_days.push((complaint.time - midnight).num_seconds() as f64 / 86_400.0);
                }
            }
            // Only the customer was wanted: still a complaint, without a customer.
            None if !by_delivery && !needs.segments => {}
            _ => {
                complaint.counted = false;
                unknown_rows.push(complaint.row);
            }
        }
    }
    for &row in &unknown_rows {
        complaints.ledger.reclassify_used(Reason::OrderUnknown, 1, row);
    }
    let without_customer = complaints.records.iter().filter(|c| c.counted && c.customer.is_none()).count();
    if customer_from_order && without_customer > 0 {
        complaints.ledger.note(Note::NoCustomerOrderUnknown, without_customer as u64);
    }
    // A complaint whose time was to come from its delivery has none: it
    // cannot even serve as look-back.
    if time_from_order {
        complaints.records.retain(|c| c.counted);
    }
    Ok(lag_days)
}

/// Count only the days both exports cover: complaints outside stay as
/// look-back for repeats but are not counted; delivery dates outside are
/// dropped (a pre-aggregated week or month is kept whole when it overlaps).
/// Both are ledgered. Nothing to clip without a dated delivery.
fn clip_to_coverage(
    complaints: &mut ComplaintTable,
    deliveries: &mut DeliveryCounts,
    complaints_source: &Source,
    deliveries_source: &DeliveriesSource,
) -> Result<Option<Coverage>> {
    let span = |a: Option<(NaiveDate, NaiveDate)>, b: Option<(NaiveDate, NaiveDate)>| match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        _ => a.or(b),
    };
    let complaint_days = (complaints.records.par_iter().filter(|c| c.counted))
        .map(|c| Some((c.time.date(), c.time.date())))
        .reduce(|| None, span);
    // Complaints dated by their month or ISO week cover it whole.
    let complaints_cover = match complaints.plan.parser.layout {
        TimeLayout::Month => Granularity::Month,
        TimeLayout::IsoWeek => Granularity::Week,
        _ => Granularity::Day,
    };
    let complaint_days = complaint_days.map(|(first, last)| (first, complaints_cover.last_day(last)));
    let granularity = deliveries.granularity;
    let delivery_days = match (deliveries.rows_per_date.keys().next(), deliveries.rows_per_date.keys().last())
    {
        (Some(&first), Some(&last)) => Some((first, granularity.last_day(last))),
        _ => None,
    };
    let Some(d) = delivery_days else {
        return Ok(None);
    };
    // No complaint at all: any day may have none by chance, so the
    // complaints cover the deliveries' days.
    let c = complaint_days.unwrap_or(d);
    // Sparse complaints: days without any at an edge may be chance, not the
    // export's edge. A gap whose deliveries would bring no complaint at the
    // overall rate with a chance of 1% or more counts as covered.
    let counted =
        complaints.records.par_iter().filter(|c| c.counted).map(|c| u64::from(c.weight)).sum::<u64>() as f64;
    let delivered: u64 = deliveries.counts.values().sum();
    let rate = if delivered > 0 { counted / delivered as f64 } else { 0.0 };
    // Deliveries dated from..=to; a week's or month's count spread evenly over its days.
    let deliveries_between = |from: NaiveDate, to: NaiveDate| -> f64 {
        deliveries
            .counts
            .iter()
            .map(|((date, _), &n)| {
                let last = granularity.last_day(*date);
                let overlap = (last.min(to) - (*date).max(from)).num_days() + 1;
                n as f64 * overlap.max(0) as f64 / ((last - *date).num_days() + 1) as f64
            })
            .sum()
    };
    let chance = |from: NaiveDate, to: NaiveDate| (-rate * deliveries_between(from, to)).exp() >= 0.01;
    let mut covered = c;
    if c.0 > d.0 && chance(d.0, c.0.pred_opt().unwrap_or(c.0)) {
        covered.0 = d.0;
    }
    if c.1 < d.1 && chance(c.1.succ_opt().unwrap_or(c.1), d.1) {
        covered.1 = d.1;
    }
    let coverage =
        Coverage { complaints: c, deliveries: d, window: (covered.0.max(d.0), covered.1.min(d.1)) };
    if coverage.window.0 > coverage.window.1 {
        bail!(
            "{} and {} cover no common day: the complaints run from {} to {}, the deliveries from {} to {}. \
             Pass exports of the same days",
            complaints_source.display(),
            deliveries_source.display(),
            c.0,
            c.1,
            d.0,
            d.1
        );
    }
    uncount(complaints, Reason::OutsideCoverage, |c| !coverage.contains(c.bucket_date));
    let outside =
        |date: NaiveDate| granularity.last_day(date) < coverage.window.0 || date > coverage.window.1;
    let dropped: Vec<NaiveDate> = deliveries.rows_per_date.keys().copied().filter(|&d| outside(d)).collect();
    for date in dropped {
        let rows = deliveries.rows_per_date.remove(&date).unwrap_or(0);
        deliveries.ledger.reclassify_used_unlocated(Reason::OutsideCoverage, rows);
    }
    deliveries.counts.retain(|(date, _), _| !outside(*date));
    Ok(Some(coverage))
}

/// A table with no used row is an error naming why its rows were
/// rejected; a header-only complaints export is zero complaints.
fn refuse_empty(complaints: &Ledger, deliveries: &Ledger) -> Result<()> {
    for (ledger, required) in [(deliveries, true), (complaints, false)] {
        if ledger.rows_used > 0 || (!required && ledger.rows_read == 0) {
            continue;
        }
        let why = match ledger.top_reason() {
            Some((reason, r)) => format!(
                ": {} of {} rows were rejected as {reason} (first at row {}{}). {}",
                r.rows,
                ledger.rows_read,
                r.first_rows.first().copied().unwrap_or(0),
                r.example.as_ref().map(|e| format!(", value {e:?}")).unwrap_or_default(),
                reason.fix()
            ),
            None => ": it has no rows. Pass the export with its rows".into(),
        };
        bail!("{} ({}): no row can be used{why}", ledger.table, ledger.file);
    }
    Ok(())
}

/// Deliveries counted per month cannot be split into weeks or days, nor
/// weeks into days or months: refuse instead of guessing.
fn check_granularity(deliveries: &DeliveryCounts, source: &DeliveriesSource, period: Period) -> Result<()> {
    let (unit, fits): (&str, &[Period]) = match deliveries.granularity {
        Granularity::Month => ("month", &[Period::Month, Period::Quarter, Period::Year, Period::All]),
        Granularity::Week => ("ISO week", &[Period::Week, Period::All]),
        Granularity::Day => return Ok(()),
    };
    if fits.contains(&period) {
        return Ok(());
    }
    let suggestion: Vec<&str> = fits.iter().map(|p| p.name()).collect();
    bail!(
        "{}: the deliveries are counted per {unit}, which cannot be split exactly into {}s. \
         Use --period {} (or pass deliveries per day)",
        source.display(),
        period.name(),
        suggestion.join(" or --period ")
    )
}

/// `--max-lost PCT`: a table that lost more than PCT% of its rows is an error.
fn refuse_losses(ledgers: &[&Ledger], max: f64) -> Result<()> {
    for l in ledgers {
        let lost = l.rows_lost();
        let share = if l.rows_read > 0 { lost as f64 * 100.0 / l.rows_read as f64 } else { 0.0 };
        if share > max {
            let reasons: Vec<String> = l
                .rejected
                .iter()
                .filter(|(reason, _)| reason.is_loss())
                .map(|(reason, r)| format!("{} {reason}", r.rows))
                .collect();
            bail!(
                "--max-lost {max}%: {} ({}) lost {lost} of {} rows ({share:.1}%): {}. Check the export, or raise \
                 --max-lost",
                l.table,
                l.file,
                l.rows_read,
                reasons.join(", ")
            );
        }
    }
    Ok(())
}

/// `--strict`: the first rejection of any ledger is an error.
fn refuse_rejections(ledgers: &[&Ledger]) -> Result<()> {
    for l in ledgers {
        if let Some((reason, rejected)) = l.rejected.iter().next() {
            bail!(
                "--strict: {} ({}) has {} row(s) rejected as {reason}, first at row {}{}. \
                 Fix the rows, or drop --strict to count the rest and see every rejection in the ledger",
                l.table,
                l.file,
                rejected.rows,
                rejected.first_rows.first().copied().unwrap_or(0),
                rejected.example.as_ref().map(|e| format!(" (value {e:?})")).unwrap_or_default(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::TableOptions;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The days counted are those both exports cover; complaints in a
    /// region without deliveries are in no rate but kept for their rows.
    #[test]
    fn coverage_and_segments_without_deliveries() {
        let dir = tempfile::tempdir().unwrap();
        let (c, dl) = (dir.path().join("c.csv"), dir.path().join("d.csv"));
        let mut complaints = String::from("created_at,customer_id,region\n");
        for day in 1..=20 {
            complaints.push_str(&format!("2024-03-{day:02} 10:00,C{day},North\n"));
        }
        complaints.push_str("2024-03-05 11:00,C99,Atlantis\n2024-03-06 11:00,C98,\n");
        std::fs::write(&c, complaints).unwrap();
        let mut deliveries = String::from("delivered_at,region\n");
        for day in 4..=15 {
            for _ in 0..50 {
                deliveries.push_str(&format!("2024-03-{day:02} 09:00,North\n"));
            }
        }
        std::fs::write(&dl, deliveries).unwrap();
        let mut options = DatasetOptions::reading(vec![], TableOptions::default(), TableOptions::default());
        options.complaints = c;
        options.deliveries = dl;
        options.by = vec!["region".parse().unwrap()];
        let data = load(&options).unwrap();
        assert_eq!(data.coverage.unwrap().window, (d("2024-03-04"), d("2024-03-15")));
        let ledger = &data.complaints.ledger;
        assert_eq!(ledger.rejected[&Reason::OutsideCoverage].rows, 8);
        assert_eq!(ledger.rejected[&Reason::NoDeliveries].rows, 2);
        assert_eq!(ledger.rows_used, 12);
        let without: Vec<(&NaiveDate, &Vec<String>, &u64)> =
            data.without_deliveries.iter().map(|((d, s), n)| (d, s, n)).collect();
        assert_eq!(without.len(), 2);
        assert!(without.iter().any(|(_, s, n)| s[0].is_empty() && **n == 1));
        assert!(
            data.complaints
                .records
                .iter()
                .filter(|c| c.counted)
                .all(|c| c.segment[0].as_deref() == Some("North"))
        );
    }
}
