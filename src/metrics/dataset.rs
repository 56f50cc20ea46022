//! Everything the commands count from, loaded once: deliveries per date ×
//! segment, complaints (matched to their deliveries where a `--by` column or
//! `--attribute delivery` needs it), `--from/--to` applied, and every
//! complaint linked to its key's previous and next contact.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};

use anyhow::{Result, bail};

use super::deliveries::{self, DeliveryCounts};
use super::period::Period;
use super::repeats::{Contact, RepeatKey, link_contacts};
use crate::input::complaints::{self, ComplaintTable};
use crate::input::ledger::{self, Ledger};
use crate::input::time::TimeLayout;
use crate::input::{InputOptions, Source};

/// Which date puts a complaint in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// The complaint's own time (default).
    Complaint,
    /// Its delivery's time, through the order key.
    Delivery,
}

/// Everything a command counts with, resolved from flags, the config file
/// and defaults (`cli`).
#[derive(Clone, Debug)]
pub struct DatasetOptions {
    pub complaints: PathBuf,
    pub deliveries: PathBuf,
    pub input: InputOptions,
    /// The report's period, to refuse deliveries counted per coarser period.
    pub period: Period,
    pub by: Vec<String>,
    pub repeat_key: RepeatKey,
    pub window_days: u32,
    pub attribution: Attribution,
    pub strict: bool,
    /// Follow-ups are known up to this day (one-contact resolution, maturity).
    pub as_of: Option<NaiveDate>,
    /// Confidence of the rate intervals.
    pub confidence: f64,
}

impl DatasetOptions {
    /// `as_of` as the end of that day.
    pub fn as_of_time(&self) -> Option<NaiveDateTime> {
        self.as_of.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0))
    }
}

pub struct Dataset {
    pub deliveries_source: Source,
    pub complaints: ComplaintTable,
    pub deliveries: DeliveryCounts,
    /// `contacts[i]` relates `complaints.records[i]` to its key's other complaints.
    pub contacts: Vec<Contact>,
    /// Days from delivery to complaint, for complaints matched to a delivery
    /// (only with `--attribute delivery`).
    pub lag_days: Vec<f64>,
}

pub fn load(options: &DatasetOptions) -> Result<Dataset> {
    let input = &options.input;
    let complaints_source = Source::open(&options.complaints, &input.read)?;
    let deliveries_source = Source::open(&options.deliveries, &input.read)?;
    let deliveries = deliveries::count(&deliveries_source, input, &options.by)?;
    check_granularity(&deliveries, &deliveries_source, options.period)?;
    let mut complaints = complaints::load(&complaints_source, input, &options.by)?;
    let mut lag_days = Vec::new();

    let by_delivery = options.attribution == Attribution::Delivery;
    if by_delivery || !complaints.has_segment_column.iter().all(|&has| has) {
        let orders: HashSet<String> =
            complaints.records.iter().filter_map(|c| c.order.as_deref().map(str::to_string)).collect();
        let info = deliveries::orders_info(&deliveries_source, &deliveries, &options.by, &orders)?;
        for complaint in &mut complaints.records {
            let found = complaint.order.as_deref().and_then(|o| info.get(o));
            let delivery_date = found.and_then(|f| f.date);
            match found {
                Some(order) if !by_delivery || delivery_date.is_some() => {
                    for (k, value) in order.segment.iter().enumerate() {
                        complaint.segment[k].get_or_insert_with(|| value.as_str().into());
                    }
                    if let (true, Some(date)) = (by_delivery, delivery_date) {
                        complaint.bucket_date = date;
                        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
                        lag_days.push((complaint.time - midnight).num_seconds() as f64 / 86_400.0);
                    }
                }
                _ => {
                    complaint.counted = false;
                    complaints.ledger.reclassify_used(ledger::ORDER_UNKNOWN, 1, complaint.row);
                }
            }
        }
    }
    for complaint in complaints.records.iter_mut().filter(|c| c.counted) {
        if !input.range.contains(complaint.bucket_date) {
            complaint.counted = false;
            complaints.ledger.reclassify_used(ledger::OUTSIDE_RANGE, 1, complaint.row);
        }
    }
    if options.strict {
        refuse_rejections(&[&complaints.ledger, &deliveries.ledger])?;
    }
    let contacts = link_contacts(&complaints.records, options.repeat_key, options.window_days);
    Ok(Dataset { deliveries_source, complaints, deliveries, contacts, lag_days })
}

/// Deliveries counted per month cannot be split into weeks or days, nor
/// weeks into days or months: refuse instead of guessing.
fn check_granularity(deliveries: &DeliveryCounts, source: &Source, period: Period) -> Result<()> {
    let (unit, fits): (&str, &[Period]) = match deliveries.time.layout {
        TimeLayout::Month => ("month", &[Period::Month, Period::Quarter, Period::Year, Period::All]),
        TimeLayout::IsoWeek => ("ISO week", &[Period::Week, Period::All]),
        _ => return Ok(()),
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
