//! The report in plain sentences, built only from its facts: the verdict's
//! headline, the reasons behind it, and the rate sparkline.

use chrono::NaiveDate;

use crate::input::Attribution;
use crate::metrics::period_table::{Counts, PeriodRow, PeriodTable};
use crate::output::table::{percent, share, thousands};
use crate::stats::glm::{MIN_PERIODS as TREND_FIT_PERIODS, TrendFit};
use crate::stats::verdict::{
    MIN_BASELINE_PERIODS, RECENT_PERIODS, RiseTest, TREND_ALPHA, TREND_MIN_PERIODS, TREND_MIN_VOLUME_RATIO,
    Verdict, Window, trend_says_forest,
};

use super::facts::{Facts, Implausible};

/// The survey caution (docs/METHODS.md §3), printed once wherever repeats are shown.
pub const SURVEY_CAUTION: &str = "Caution: survey figures such as \"57% had to switch from web to phone, \
62% had to contact more than once\" (HBR 2010) are shares of surveyed customers who contacted service, \
not of all customers or deliveries. Switch rates from a complaints export are lower bounds: failed \
self-service leaves no row in it.";

pub fn headline(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Forest => "Verdict: FOREST — something is truly out of line, beyond routine noise.",
        Verdict::Bushes => "Verdict: bushes — nothing is out of line beyond routine noise.",
    }
}

/// "2025-W13 North": a row's period and segment.
pub fn row_label(table: &PeriodTable, row: &PeriodRow) -> String {
    let period = table.period.label(row.start);
    if row.segment.is_empty() {
        period
    } else {
        let segment: Vec<String> = row.segment.iter().map(|s| super::summary::segment_text(s)).collect();
        format!("{period} {}", segment.join("/"))
    }
}

fn fmt_rate(rate: Option<f64>) -> String {
    rate.map(percent).unwrap_or_else(|| "undefined".into())
}

/// "1 in 1,000": deliveries per complaint; never "1 in 1" or "1 in 0".
fn one_in(counts: &Counts) -> String {
    match (counts.complaints, counts.deliveries) {
        (0, _) => "no complaint".into(),
        (c, n) if c >= n => "more complaints than deliveries".into(),
        (c, n) if n < 2 * c => format!("about 1 in {:.1}", n as f64 / c as f64),
        (c, n) => format!("1 in {}", thousands((n as f64 / c as f64).round() as u64)),
    }
}

/// The facts behind the verdict, as plain sentences.
pub fn reasons(facts: &Facts) -> Vec<String> {
    let table = &facts.table;
    let settings = &facts.settings;
    let t = &table.total;
    let unit = table.period.name();
    let mut out = warnings(facts);
    out.push(format!(
        "{} complaints per {} deliveries from {} to {}: {}, {}.",
        thousands(t.complaints),
        thousands(t.deliveries),
        table.first_date,
        table.last_date,
        fmt_rate(t.complaint_rate()),
        one_in(t),
    ));
    out.extend(without_deliveries_sentence(facts));
    if table.period_deliveries.is_some() {
        out.push(format!(
            "The deliveries have no {} column: its values get complaint counts and their share of each \
             {unit}'s complaints, not rates; the rate is for all of them together.",
            settings.by.join("/")
        ));
    }
    if settings.time_from_order {
        out.push(format!(
            "The complaints have no time of their own: each is counted in the {unit} of its delivery, found \
             through its order id."
        ));
    }
    if settings.period_from_deliveries {
        out.push(format!(
            "The deliveries are counted per {unit}, so the report is per {unit} (pass --period to choose)."
        ));
    }
    if let Some(line) = coverage_sentence(facts) {
        out.push(line);
    }
    out.extend(rise_sentences(facts));
    if !facts.recent_above.is_empty() {
        let details: Vec<String> = facts
            .recent_above
            .iter()
            .map(|&i| {
                let r = &table.rows[i];
                format!(
                    "{} at {} against a limit of {}",
                    row_label(table, r),
                    fmt_rate(r.counts.complaint_rate()),
                    fmt_rate(r.limits.map(|l| l.ucl))
                )
            })
            .collect();
        out.push(format!(
            "Above the upper control limit recently: {}. With many {unit}s and segments some points cross \
             their limit by chance; the verdict weighs them in the comparison above.",
            details.join("; ")
        ));
    }
    let earlier: Vec<String> = facts
        .earlier_outside
        .iter()
        .map(|&i| {
            let r = &table.rows[i];
            format!("{} ({})", row_label(table, r), r.signal().map(|s| s.as_str()).unwrap_or_default())
        })
        .collect();
    if !earlier.is_empty() {
        let shown = earlier.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        let more =
            if earlier.len() > 10 { format!(" and {} more", earlier.len() - 10) } else { String::new() };
        out.push(format!("Other {unit}s outside their control limits: {shown}{more}."));
    }
    for r in table.runs.iter().filter(|r| r.runs.shift) {
        let label = if r.segment.is_empty() { String::new() } else { format!(" in {}", r.segment.join("/")) };
        out.push(format!(
            "A sustained shift{label}: {} {unit}s in a row on one side of the average (more than {} is unusual), {} crossings of it (fewer than {} is unusual).",
            r.runs.longest_run, r.runs.longest_run_limit, r.runs.crossings, r.runs.crossings_limit
        ));
    }
    out.push(trend_sentence(facts));
    out.extend(placeholder_sentences(facts));
    match &facts.concentration {
        _ if settings.counted.is_some() => {
            let counted = settings.counted.as_ref().expect("checked");
            out.push(if counted.given_contacts {
                format!(
                    "The complaints arrive counted (column {:?}): repeats and channel switches come from their \
                     repeat_complaints and channel_switches columns; concentration over customers is not \
                     available from counted complaints.",
                    counted.column
                )
            } else {
                format!(
                    "The complaints arrive counted (column {:?}), not one row per contact: repeats, channel \
                     switches, one-contact resolution and concentration are not available.",
                    counted.column
                )
            });
        }
        Some(c) if c.complainants > 0 => {
            let mut s = format!(
                "{} customers complained; the top 1% of them made {} of complaints and {} customers made half.",
                thousands(c.complainants),
                fmt_share(c.top_1pct_share),
                thousands(c.customers_for_half)
            );
            if let Some(expected) = c.expected_repeat_complainers {
                s.push_str(&format!(
                    " {} customers complained twice or more, against {:.1} expected if every delivery had the same chance.",
                    thousands(c.observed_repeat_complainers),
                    expected
                ));
            } else {
                s.push_str(&format!(
                    " {} complained twice or more (the chance baseline needs a customer column in the deliveries).",
                    thousands(c.observed_repeat_complainers)
                ));
            }
            out.push(s);
        }
        Some(_) => {
            out.push("No complaint has a customer, so nothing is known of repeats or concentration.".into())
        }
        None => out.push(
            "Concentration and repeats need a customer column; the complaints have none \
             (name it with --col complaints.customer=COLUMN)."
                .into(),
        ),
    }
    if facts.concentration.is_some() && settings.counted.is_none() {
        let mut s = format!(
            "{} of the complaints ({}) were repeat contacts within {} days by the same {}",
            thousands(t.repeat_complaints),
            fmt_share(t.repeat_rate()),
            settings.window_days,
            settings.repeat_key.name(),
        );
        if settings.attribution == Attribution::Complaint {
            s.push_str(&format!(
                "; {} problems were first contacts ({})",
                thousands(t.problems()),
                one_in(&Counts { complaints: t.problems(), ..*t })
            ));
        }
        s.push('.');
        out.push(s);
        out.push(match (&facts.commonest_switch, settings.has_channel) {
            _ if t.repeat_complaints == 0 => "No repeat contacts, so no channel switches.".to_string(),
            (_, false) => "Channel switches need a channel column; the complaints have none.".to_string(),
            (None, true) => {
                format!("None of the {} repeat contacts switched channel.", thousands(t.repeat_complaints))
            }
            (Some((from, to, n)), true) => format!(
                "{} repeat contacts ({} of repeats) switched channel, most often from {from} to {to} ({}).",
                thousands(t.channel_switches),
                fmt_share(t.switch_rate()),
                thousands(*n)
            ),
        });
    }
    if let Some(minutes) = settings.minutes_per_complaint {
        let repeat_hours = t.repeat_complaints as f64 * minutes / 60.0;
        let switch_hours = t.channel_switches as f64 * minutes / 60.0;
        let money =
            |hours: f64| settings.cost_per_hour.map(|h| format!(" ({:.2})", hours * h)).unwrap_or_default();
        out.push(format!(
            "Avoidable work at {minutes} minutes a complaint: {repeat_hours:.1} hours on repeat contacts{}, {switch_hours:.1} hours of them on channel switches{}.",
            money(repeat_hours),
            money(switch_hours)
        ));
    }
    let undefined = table
        .rows
        .iter()
        .filter(|r| {
            r.rated()
                && table.period_deliveries.is_none()
                && r.counts.deliveries == 0
                && r.counts.complaints > 0
        })
        .count();
    if undefined > 0 {
        out.push(format!(
            "{undefined} row(s) have complaints but no deliveries: their rate is undefined (left empty)."
        ));
    }
    if let Some(m) = facts.maturity {
        out.push(format!(
            "Counted by delivery date: {unit}s ending after {} are immature (complaints still arrive for {} days) and are left out of limits and the verdict.",
            m.mature_until, m.days
        ));
    }
    out
}

/// Complaints in segment values without deliveries: left out of the rates.
fn without_deliveries_sentence(facts: &Facts) -> Option<String> {
    let (segments, complaints) = facts.table.without_deliveries();
    if complaints == 0 {
        return None;
    }
    let all = complaints + facts.table.total.complaints;
    let names: Vec<String> = segments
        .iter()
        .take(5)
        .map(|s| s.iter().map(|v| super::summary::segment_text(v)).collect::<Vec<_>>().join("/"))
        .collect();
    let more = if segments.len() > 5 { ", …" } else { "" };
    Some(format!(
        "{} complaints ({}) are in {} values with no deliveries ({}{more}): left out of the rates.",
        thousands(complaints),
        share(complaints as f64 / all as f64),
        facts.settings.by.join("/"),
        names.join(", ")
    ))
}

/// Ids that stand for "no customer" (or order), taken as missing.
fn placeholder_sentences(facts: &Facts) -> Vec<String> {
    facts
        .settings
        .placeholders
        .iter()
        .map(|p| {
            let (what, effect) = match p.role {
                crate::input::Role::Customer => {
                    ("customer", "they count in the rates but not as repeats or in concentration")
                }
                _ => ("order", "they cannot be matched to a delivery"),
            };
            format!(
                "{} id {:?} stands for no {what} in {} complaint rows ({} of them): taken as \
                 missing, so {effect} (--keep-id {} keeps it as a {what}).",
                if what == "customer" { "Customer" } else { "Order" },
                p.value,
                thousands(p.rows),
                share(p.rows as f64 / p.of_rows.max(1) as f64),
                p.value
            )
        })
        .collect()
}

/// Numbers that cannot be right, said first.
fn warnings(facts: &Facts) -> Vec<String> {
    let table = &facts.table;
    let unit = table.period.name();
    let above: Vec<String> = facts
        .implausible
        .iter()
        .filter_map(|w| match w {
            Implausible::RateAboveHalf(i) => Some(row_label(table, &table.rows[*i])),
            Implausible::MoreComplaintsThanDeliveries => None,
        })
        .collect();
    let mut out = Vec::new();
    if facts.implausible.contains(&Implausible::MoreComplaintsThanDeliveries) {
        out.push(format!(
            "Warning: {} complaints against {} deliveries — more complaints than deliveries cannot be a \
             complaint rate. Is the complaints file filtered to complaints? See --where (e.g. \
             --where 'complaints.review_score<=2').",
            thousands(table.total.complaints),
            thousands(table.total.deliveries)
        ));
    } else if !above.is_empty() {
        let shown = above.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        let more = if above.len() > 5 { format!(" and {} more", above.len() - 5) } else { String::new() };
        out.push(format!(
            "Warning: a complaint rate above 50% in {shown}{more} — hardly a {unit} of deliveries. Is the \
             complaints file filtered to complaints? See --where."
        ));
    }
    out
}

/// A share as a percentage that never rounds to 100% unless it is.
fn fmt_share(value: Option<f64>) -> String {
    value.map(share).unwrap_or_else(|| "undefined".into())
}

/// "6 Jan 2025".
fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// One line when the two exports cover different days.
fn coverage_sentence(facts: &Facts) -> Option<String> {
    let c = facts.coverage?;
    if !c.clipped() {
        return None;
    }
    Some(format!(
        "The exports cover different days: complaints {} to {}, deliveries {} to {}; only {} to {} is counted \
         (rows outside are in the ledger).",
        day(c.complaints.0),
        day(c.complaints.1),
        day(c.deliveries.0),
        day(c.deliveries.1),
        day(c.window.0),
        day(c.window.1),
    ))
}

/// "0.0004" or "4.2e-7": a p-value people can read.
fn p_text(p: f64) -> String {
    if p >= 0.001 { format!("{p:.3}") } else { format!("{p:.1e}") }
}

/// What the recent-rise comparisons found, and how many false alarms to expect.
fn rise_sentences(facts: &Facts) -> Vec<String> {
    let period = facts.table.period;
    let unit = period.name();
    let Some(rise) = &facts.rise else {
        return vec![format!(
            "Too few whole {unit}s with deliveries to judge the latest ones: the verdict compares the last {RECENT_PERIODS} \
             with at least {MIN_BASELINE_PERIODS} before them; there are {}.",
            facts.verdict_periods.len()
        )];
    };
    let recent = facts.recent_periods();
    let labels: Vec<String> = recent.iter().map(|d| period.label(*d)).collect();
    let window = |w: Window| match w {
        Window::Sustained => format!("{}–{}", labels[0], labels[labels.len() - 1]),
        Window::Period(k) => labels[k].clone(),
    };
    let describe = |t: &RiseTest| {
        format!(
            "{} in {}: {} complaints where {:.1} were expected at its earlier rate ({}, p = {})",
            facts.unit_name(t.unit),
            window(t.window),
            thousands(t.complaints),
            t.expected,
            t.ratio.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "none before".into()),
            p_text(t.p_value)
        )
    };
    let mut out = Vec::new();
    let hits: Vec<&RiseTest> = rise.significant().collect();
    if hits.is_empty() {
        let closest = match rise.closest() {
            Some(t) if t.ratio.is_none_or(|r| r > 1.0) => format!(" The nearest: {}.", describe(t)),
            _ => " No recent rate is above its earlier one.".into(),
        };
        out.push(format!(
            "No rise beyond routine noise in the latest {unit}s ({}) against the {unit}s before them.{closest}",
            labels.join(", ")
        ));
    } else {
        let shown: Vec<String> = hits.iter().take(5).map(|t| describe(t)).collect();
        let more = if hits.len() > 5 { format!("; and {} more", hits.len() - 5) } else { String::new() };
        out.push(format!("Out of line recently, beyond routine noise: {}{more}.", shown.join("; ")));
    }
    let segments = facts.segments.len();
    let units = match (segments, facts.settings.by.join("/")) {
        (0 | 1, _) => "all deliveries".to_string(),
        (n, by) if rise.units_tested > n => format!("{n} {by} values and their total"),
        (n, by) => format!("{n} {by} values"),
    };
    out.push(format!(
        "False alarms to expect: the {} comparisons ({units}; each of the last {RECENT_PERIODS} {unit}s alone and \
         together) share a {:.0}% chance of a false alarm in a report with no real change{}.",
        rise.tests.len(),
        rise.family_alpha * 100.0,
        if rise.dispersion > 0.0 {
            format!("; they allow for {unit}-to-{unit} variation beyond chance (v = {:.3})", rise.dispersion)
        } else {
            String::new()
        }
    ));
    out
}

fn trend_sentence(facts: &Facts) -> String {
    let unit = facts.table.period.name();
    let trend = match &facts.trend {
        TrendFit::Fitted(trend) => trend,
        TrendFit::TooFewPeriods(m) => {
            return format!(
                "Too few whole {unit}s with deliveries for a trend ({m}; it needs {TREND_FIT_PERIODS})."
            );
        }
        TrendFit::NoComplaints => return "No complaints, so no trend against deliveries.".into(),
        TrendFit::NoSpread => {
            return format!("Deliveries are the same every {unit}, so no trend against volume can be seen.");
        }
        TrendFit::NoFiniteEstimate => {
            return format!(
                "The trend against deliveries has no finite estimate: the complaints fall in too few {unit}s \
                 (e.g. all in one) to fit a slope."
            );
        }
    };
    let ci = format!("95% CI {:.2} to {:.2}", trend.ci95.0, trend.ci95.1);
    if trend.volume_ratio < TREND_MIN_VOLUME_RATIO {
        return format!(
            "Deliveries vary too little (the largest {unit} is {:.2}× the smallest) to tell how complaints \
             follow them (slope {:.2}, {ci}).",
            trend.volume_ratio, trend.slope
        );
    }
    if trend_says_forest(Some(trend)) {
        format!(
            "Complaints grow faster than deliveries: each 1% more deliveries brings {:.2}% more complaints ({ci}, one-sided p = {}).",
            trend.slope,
            p_text(trend.p_slope_above_one)
        )
    } else if trend.cannot_tell() {
        format!(
            "The data cannot tell whether complaints grow faster or slower than deliveries (slope {:.2}, {ci}).",
            trend.slope
        )
    } else if trend.ci95.0 > 1.0 {
        format!(
            "Complaints may grow faster than deliveries (slope {:.2}, {ci}), but not clearly enough for the verdict \
             (one-sided p = {}; it needs below {TREND_ALPHA}{}).",
            trend.slope,
            p_text(trend.p_slope_above_one),
            if trend.periods < TREND_MIN_PERIODS {
                format!(" and {TREND_MIN_PERIODS} {unit}s")
            } else {
                String::new()
            }
        )
    } else if trend.ci95.1 < 1.0 {
        format!("Complaints grow more slowly than deliveries (slope {:.2}, {ci}).", trend.slope)
    } else {
        format!("Complaints move in proportion to deliveries (slope {:.2}, {ci}).", trend.slope)
    }
}

/// "Rate per week: ▂▃▅▇▃▂" over all segments, when there are several periods.
pub fn sparkline(facts: &Facts) -> Option<String> {
    let periods = &facts.per_period;
    let rates: Vec<Option<f64>> = periods.iter().map(|p| p.counts.complaint_rate()).collect();
    let max = rates.iter().flatten().copied().fold(0.0, f64::max);
    if periods.len() < 3 || max <= 0.0 {
        return None;
    }
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let bars: String = rates
        .iter()
        .map(|r| match r {
            Some(v) => BARS[((v / max) * 7.0).round() as usize],
            None => ' ',
        })
        .collect();
    let period = facts.table.period;
    Some(format!(
        "Rate per {}: {bars}  ({} … {}, highest {})",
        period.name(),
        period.label(periods[0].start),
        period.label(periods[periods.len() - 1].start),
        percent(max)
    ))
}
