//! The report in plain sentences, built only from its facts: the verdict's
//! headline, the reasons behind it, the alarm and `--strict` lines, and the
//! rate sparkline. One story: the headline names what the reasons below it
//! find out of line, and says "nothing is out of line" only when nothing is.

use chrono::NaiveDate;

use crate::input::{Attribution, Role};
use crate::metrics::period_table::{Counts, PeriodRow, PeriodTable};
use crate::output::table::{percent, share, thousands};
use crate::period::Period;
use crate::stats::glm::{MIN_PERIODS as TREND_FIT_PERIODS, Trend, TrendFit};
use crate::stats::verdict::{
    MIN_BASELINE_PERIODS, RECENT_PERIODS, RiseTest, TREND_ALPHA, TREND_MIN_PERIODS, TREND_MIN_VOLUME_RATIO,
    Window, trend_says_forest,
};

use super::facts::{
    ExportChange, Facts, ForestCause, HUGE_RISE, Headline, Implausible, SMALL_SEGMENT, Shift, StepRise,
    segment_name,
};

/// The survey caution (docs/METHODS.md §3), printed once wherever repeats are shown.
pub const SURVEY_CAUTION: &str = "Caution: survey figures such as \"57% had to switch from web to phone, \
62% had to contact more than once\" (HBR 2010) are shares of surveyed customers who contacted service, \
not of all customers or deliveries. Switch rates from a complaints export are lower bounds: failed \
self-service leaves no row in it.";

/// The verdict in one line, from the typed headline.
pub fn headline(facts: &Facts) -> String {
    match facts.headline() {
        Headline::Forest => match facts.forest_cause() {
            Some(ForestCause::Step(step)) => format!(
                "Verdict: FOREST — the rate{} stepped up in {} and has stayed up, beyond routine noise; the \
                 latest {}s are no new rise on top of it.",
                match facts.unit_name(step.unit).as_str() {
                    "all deliveries" => String::new(),
                    name => format!(" of {name}"),
                },
                facts.table.period.label(step.start),
                facts.table.period.name()
            ),
            _ => "Verdict: FOREST — something is truly out of line, beyond routine noise.".into(),
        },
        Headline::Quiet => "Verdict: bushes — nothing is out of line beyond routine noise.".into(),
        Headline::NotNew { out_of_line, shifts, crossings } => {
            let unit = facts.table.period.name();
            let mut parts = Vec::new();
            if out_of_line > 0 {
                parts.push(out_of_line_phrase(facts));
            }
            if shifts > 0 {
                parts.push(if shifts == 1 {
                    let s = &facts.shifts[0];
                    let whom = if s.segment.is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", segment_name(&s.segment))
                    };
                    format!("a sustained shift{whom}")
                } else {
                    format!("sustained shifts in {shifts} segments")
                });
            }
            if crossings > 0 {
                parts.push(format!(
                    "{crossings} {} outside {} control limits",
                    plural(crossings as u64, unit),
                    if crossings == 1 { "its" } else { "their" }
                ));
            }
            format!("Verdict: bushes — no new rise beyond routine noise, but {}.", parts.join("; "))
        }
    }
}

/// "3 of 37 countries sit above the rest all along: A (1.5%), B, C".
fn out_of_line_phrase(facts: &Facts) -> String {
    let out = &facts.out_of_line;
    let by = facts.options.by_names().join("/");
    let side = match (out.iter().any(|o| o.high), out.iter().any(|o| !o.high)) {
        (true, true) => "above or below",
        (true, false) => "above",
        _ => "below",
    };
    let names: Vec<String> = out
        .iter()
        .take(3)
        .enumerate()
        .map(|(k, o)| {
            let name = segment_name(&o.segment);
            if k == 0 { format!("{name} ({})", percent(o.rate)) } else { name }
        })
        .collect();
    let more = if out.len() > 3 { format!(" and {} more", out.len() - 3) } else { String::new() };
    format!(
        "{} of {} {by} values sit {side} the rest all along: {}{more}",
        out.len(),
        facts.funnel.compared(),
        names.join(", ")
    )
}

/// "2025-W13 North": a row's period and segment.
pub fn row_label(table: &PeriodTable, row: &PeriodRow) -> String {
    let period = table.period.label(row.start);
    if row.segment.is_empty() { period } else { format!("{period} {}", segment_name(&row.segment)) }
}

fn fmt_rate(rate: Option<f64>) -> String {
    rate.map(percent).unwrap_or_else(|| "undefined".into())
}

/// A count people compare with others in one sentence: as the counts are
/// printed (`28,800`), one decimal only below 100 (`26.3`).
fn fmt_expected(value: f64) -> String {
    if value >= 99.95 { thousands(value.round() as u64) } else { format!("{value:.1}") }
}

/// "1 crossing", "3 weeks".
fn plural(n: u64, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
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

/// The days the report runs over: dates, or months when the data are
/// dated by month ("Jan 2015 – Oct 2024"), as the table's first and last.
fn date_range(facts: &Facts) -> String {
    let table = &facts.table;
    if facts.input.monthly {
        let month = |d: NaiveDate| d.format("%b %Y").to_string();
        let last = Period::Month.start(table.last_date);
        if Period::Month.start(table.first_date) == last {
            return format!("in {}", month(last));
        }
        return format!("from {} to {}", month(table.first_date), month(last));
    }
    format!("from {} to {}", table.first_date, table.last_date)
}

/// The facts behind the verdict, as plain sentences: what is out of line
/// first, the smaller findings after.
pub fn reasons(facts: &Facts) -> Vec<String> {
    let table = &facts.table;
    let input = &facts.input;
    let t = &table.total;
    let unit = table.period.name();
    let mut out = warnings(facts);
    if !facts.out_of_line.is_empty() {
        out.push(format!(
            "{}: outside the 99.8% limits of compare over the days counted. {}",
            capitalised(&out_of_line_phrase(facts)),
            if facts.headline() == Headline::Forest {
                "That is a standing difference between them, apart from any recent rise."
            } else {
                "That is a standing difference between them, not a new rise."
            }
        ));
    }
    out.push(format!(
        "{} complaints per {} deliveries {}: {}, {}.",
        thousands(t.complaints),
        thousands(t.deliveries),
        date_range(facts),
        fmt_rate(t.complaint_rate()),
        one_in(t),
    ));
    out.extend(without_deliveries_sentence(facts));
    if table.period_deliveries.is_some() {
        out.push(format!(
            "The deliveries have no {} column: its values get complaint counts and their share of each \
             {unit}'s complaints, not rates; the rate is for all of them together.",
            facts.options.by_names().join("/")
        ));
    }
    if input.time_from_order {
        out.push(format!(
            "The complaints have no time of their own: each is counted in the {unit} of its delivery, found \
             through its order id."
        ));
    }
    if input.period_from_deliveries {
        out.push(format!(
            "The deliveries are counted per {unit}, so the report is per {unit} (pass --period to choose)."
        ));
    }
    if let Some(line) = coverage_sentence(facts) {
        out.push(line);
    }
    out.extend(stage_sentences(facts));
    out.extend(rise_sentences(facts));
    out.extend(step_sentences(facts));
    out.extend(facts.export_changes.iter().map(|c| export_change_sentence(facts, c)));
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
    out.extend(shift_sentences(facts));
    out.push(trend_sentence(facts));
    out.extend(placeholder_sentences(facts));
    out.extend(contact_sentences(facts));
    if let Some(cost) = &facts.cost {
        let money = |amount: Option<f64>| amount.map(|m| format!(" ({m:.2})")).unwrap_or_default();
        out.push(format!(
            "Avoidable work at {} minutes a complaint: {:.1} hours on repeat contacts{}, {:.1} hours of them on channel switches{}.",
            cost.minutes_per_complaint,
            cost.repeat_hours,
            money(cost.repeat_money()),
            cost.switch_hours,
            money(cost.switch_money())
        ));
    }
    if facts.rows_without_deliveries > 0 {
        out.push(format!(
            "{} row(s) have complaints but no deliveries: their rate is undefined (left empty).",
            facts.rows_without_deliveries
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

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Repeats, switches and concentration, or why they cannot be told.
fn contact_sentences(facts: &Facts) -> Vec<String> {
    let input = &facts.input;
    let t = &facts.table.total;
    let options = &facts.options;
    let mut out = Vec::new();
    if let Some(counted) = &input.counted {
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
        return out;
    }
    match &facts.concentration {
        Some(c) if c.complainants > 0 => {
            let mut s = format!(
                "{} customers complained; the top 1% of them made {} of complaints and {} customers made half.",
                thousands(c.complainants),
                fmt_share(c.top_1pct_share),
                thousands(c.customers_for_half)
            );
            if let Some(expected) = c.expected_repeat_complainers {
                s.push_str(&format!(
                    " {} customers complained twice or more, against {} expected if every delivery had the same chance.",
                    thousands(c.observed_repeat_complainers),
                    fmt_expected(expected)
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
        None => {
            out.push(
                "Concentration and repeats need a customer column; the complaints have none \
                 (name it with --col complaints.customer=COLUMN)."
                    .into(),
            );
            return out;
        }
    }
    let mut s = format!(
        "{} of the complaints ({}) were repeat contacts within {} days by the same {}",
        thousands(t.repeat_complaints),
        fmt_share(t.repeat_rate()),
        options.window_days,
        options.repeat_key.name(),
    );
    if options.attribution == Attribution::Complaint {
        s.push_str(&format!(
            "; {} problems were first contacts ({})",
            thousands(t.problems()),
            one_in(&Counts { complaints: t.problems(), ..*t })
        ));
    }
    s.push('.');
    out.push(s);
    out.push(match (&facts.commonest_switch, input.has_channel) {
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
    out
}

/// Complaints in segment values without deliveries: left out of the rates.
fn without_deliveries_sentence(facts: &Facts) -> Option<String> {
    let (segments, complaints) = facts.table.without_deliveries();
    if complaints == 0 {
        return None;
    }
    let all = complaints + facts.table.total.complaints;
    let names: Vec<String> = segments.iter().take(5).map(|s| segment_name(s)).collect();
    let more = if segments.len() > 5 { ", …" } else { "" };
    Some(format!(
        "{} complaints ({}) are in {} values with no deliveries ({}{more}): left out of the rates.",
        thousands(complaints),
        share(complaints as f64 / all as f64),
        facts.options.by_names().join("/"),
        names.join(", ")
    ))
}

/// Ids that stand for "no customer" (or order), taken as missing.
fn placeholder_sentences(facts: &Facts) -> Vec<String> {
    facts
        .input
        .placeholders
        .iter()
        .map(|p| {
            let (what, effect) = match p.role {
                Role::Customer => {
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
    facts
        .implausible
        .iter()
        .enumerate()
        .filter_map(|(k, w)| {
            // Rows above 50% are said in one sentence, at the first of them.
            let first_row = facts.implausible.iter().position(|w| matches!(w, Implausible::RateAboveHalf(_)));
            match w {
                Implausible::RateAboveHalf(_)
                    if first_row != Some(k)
                        || facts.implausible.contains(&Implausible::MoreComplaintsThanDeliveries) =>
                {
                    None
                }
                _ => Some(format!("Warning: {}", implausible_sentence(facts, w))),
            }
        })
        .collect()
}

/// One implausible fact in words (a warning in the reasons; the first is
/// `--strict`'s message).
pub fn implausible_sentence(facts: &Facts, what: &Implausible) -> String {
    let table = &facts.table;
    let unit = table.period.name();
    match what {
        Implausible::MoreComplaintsThanDeliveries => format!(
            "{} complaints against {} deliveries — more complaints than deliveries cannot be a \
             complaint rate. Is the complaints file filtered to complaints? See --where (e.g. \
             --where 'complaints.review_score<=2').",
            thousands(table.total.complaints),
            thousands(table.total.deliveries)
        ),
        Implausible::RateAboveHalf(_) => {
            let above: Vec<String> = facts
                .implausible
                .iter()
                .filter_map(|w| match w {
                    Implausible::RateAboveHalf(i) => Some(row_label(table, &table.rows[*i])),
                    _ => None,
                })
                .collect();
            let shown = above.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            let more = if above.len() > 5 { format!(" and {} more", above.len() - 5) } else { String::new() };
            format!(
                "a complaint rate above 50% in {shown}{more} — hardly a {unit} of deliveries. Is the \
                 complaints file filtered to complaints? See --where."
            )
        }
        Implausible::HugeRise(k) => {
            let test = &facts.rise.as_ref().expect("a rise test").tests[*k];
            format!(
                "{} has {} its earlier rate — more than {HUGE_RISE}×: a service rarely changes so \
                 much; did the export change (a new source, a merged queue)? --strict refuses it.",
                describe_window(facts, test),
                test.ratio
                    .map(|r| format!("{}×", fmt_ratio(r)))
                    .unwrap_or_else(|| "complaints after none at".into())
            )
        }
    }
}

/// A share as a percentage that never rounds to 100% unless it is.
fn fmt_share(value: Option<f64>) -> String {
    value.map(share).unwrap_or_else(|| "undefined".into())
}

/// "1.56", "1,304": a ratio.
fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 { thousands(r.round() as u64) } else { format!("{r:.2}") }
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

/// A rise test's unit and periods: "North in 2025-04–2025-06".
fn describe_window(facts: &Facts, t: &RiseTest) -> String {
    let period = facts.table.period;
    let recent = facts.recent_periods();
    let labels: Vec<String> = recent.iter().map(|d| period.label(*d)).collect();
    let window = match t.window {
        Window::Sustained => format!("{}–{}", labels[0], labels[labels.len() - 1]),
        Window::Period(k) => labels[k].clone(),
    };
    format!("{} in {window}", facts.unit_name(t.unit))
}

/// One rise test in words.
fn describe(facts: &Facts, t: &RiseTest) -> String {
    format!(
        "{}: {} complaints where {} were expected at its earlier rate ({}, p = {})",
        describe_window(facts, t),
        thousands(t.complaints),
        fmt_expected(t.expected),
        t.ratio.map(|r| format!("{}×", fmt_ratio(r))).unwrap_or_else(|| "none before".into()),
        p_text(t.p_value)
    )
}

/// Which periods the limits and the verdict came from: the phases, a
/// current phase too short to judge, or the baseline.
fn stage_sentences(facts: &Facts) -> Vec<String> {
    let table = &facts.table;
    let (period, unit) = (table.period, table.period.name());
    let mut out = Vec::new();
    if table.phases.len() > 1 {
        let phases: Vec<String> = table
            .phases
            .iter()
            .map(|p| match p.label == p.start.to_string() {
                true => format!("from {}", period.label(p.start)),
                false => format!("{} (from {})", p.label, period.label(p.start)),
            })
            .collect();
        let judged = &table.phases[facts.window.from_phase];
        out.push(format!(
            "Phases: {}. Each has its own centre line and limits; the verdict, the trend and the segment \
             comparison use the {unit}s from {} on.",
            phases.join("; "),
            period.label(judged.start)
        ));
    }
    if let Some((phase, periods)) = facts.window.short_phase {
        let p = &table.phases[phase];
        out.push(format!(
            "The current phase ({}) has {} whole {} with deliveries, fewer than the {} the rise test needs: \
             the verdict also uses the phase before it, from {}.",
            p.label,
            periods,
            if periods == 1 { unit.to_string() } else { format!("{unit}s") },
            RECENT_PERIODS + MIN_BASELINE_PERIODS,
            period.label(table.phases[facts.window.from_phase].start)
        ));
    }
    if let Some((first, last, periods)) = facts.window.baseline {
        out.push(format!(
            "Baseline: the {periods} {unit}s {}–{} give the centre line and limits of every {unit}, and the \
             latest {unit}s are compared with them.",
            period.label(first),
            period.label(last)
        ));
    } else if table.baseline.is_some() {
        out.push(format!(
            "Baseline: no whole {unit} with deliveries falls in it before the latest {RECENT_PERIODS}, so there are \
             no limits and the latest {unit}s are not judged."
        ));
    }
    out
}

/// Old steps in words (the total's first, then the largest three), each
/// with the flag that makes it a phase.
fn step_sentences(facts: &Facts) -> Vec<String> {
    let (period, unit) = (facts.table.period, facts.table.period.name());
    let mut out: Vec<String> = facts
        .steps
        .iter()
        .take(3)
        .map(|step| {
            let then = match step.recent {
                StepRise::BeyondTheStep => format!(" (and the latest {unit}s rise beyond it too)"),
                StepRise::None | StepRise::TheStep => String::new(),
            };
            format!(
                "Since {} the rate of {} has run {}× the {unit}s before — a step, not a new rise{then}; if \
                 the process or the export changed then, run with --phase {}.",
                period.label(step.start),
                facts.unit_name(step.unit),
                fmt_ratio(step.ratio),
                step.start
            )
        })
        .collect();
    if facts.steps.len() > 3 {
        let more: Vec<String> = facts.steps[3..].iter().map(|s| facts.unit_name(s.unit)).collect();
        out.push(format!("Steps up of the same kind in {}.", more.join(", ")));
    }
    out
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
    let labels: Vec<String> = facts.recent_periods().iter().map(|d| period.label(*d)).collect();
    let mut out = Vec::new();
    let hits: Vec<&RiseTest> = rise.significant().collect();
    if hits.is_empty() {
        let closest = match rise.closest() {
            Some(t) if t.ratio.is_none_or(|r| r > 1.0) => format!(" The nearest: {}.", describe(facts, t)),
            _ => " No recent rate is above its earlier one.".into(),
        };
        let against = match facts.window.baseline {
            Some(_) => "the baseline".to_string(),
            None => format!("the {unit}s before them"),
        };
        out.push(format!(
            "No rise beyond routine noise in the latest {unit}s ({}) against {against}.{closest}",
            labels.join(", ")
        ));
    } else {
        let shown: Vec<String> = hits.iter().take(5).map(|t| describe(facts, t)).collect();
        let more = if hits.len() > 5 { format!("; and {} more", hits.len() - 5) } else { String::new() };
        let lead = match facts.forest_cause() {
            Some(ForestCause::Step(_)) => "Above the weeks before them, because of the step below",
            _ => "Out of line recently, beyond routine noise",
        };
        out.push(format!("{}: {}{more}.", lead.replace("weeks", &format!("{unit}s")), shown.join("; ")));
    }
    let segments = facts.segments.len();
    let units = match (segments, facts.options.by_names().join("/")) {
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

/// Run-rule shifts, by weight: each of the larger segments' in its own
/// sentence, the small segments' in one line.
fn shift_sentences(facts: &Facts) -> Vec<String> {
    let unit = facts.table.period.name();
    let mut out: Vec<String> =
        facts.shifts.iter().filter(|s| !s.small()).map(|s| shift_sentence(facts, s)).collect();
    let small: Vec<&Shift> = facts.shifts.iter().filter(|s| s.small()).collect();
    if !small.is_empty() {
        let names: Vec<String> = small.iter().take(3).map(|s| segment_name(&s.segment)).collect();
        let more = if small.len() > 3 { ", …" } else { "" };
        out.push(format!(
            "And {} small {} (under {SMALL_SEGMENT:.0} complaints a {unit}: {}{more}) with a sustained shift by the \
             run rules; see --format json for each.",
            small.len(),
            if small.len() == 1 { "segment" } else { "segments" },
            names.join(", ")
        ));
    }
    out
}

/// "A sustained shift in Italy: 12 weeks in a row above its average from
/// 2025-W10; 9 or more would be unusual."
fn shift_sentence(facts: &Facts, s: &Shift) -> String {
    let unit = facts.table.period.name();
    let r = &s.runs;
    let whom = if s.segment.is_empty() { String::new() } else { format!(" in {}", segment_name(&s.segment)) };
    let mut parts = Vec::new();
    if r.longest_run > r.longest_run_limit {
        parts.push(format!(
            "{} {unit}s in a row {} its average from {}; {} or more would be unusual",
            r.longest_run,
            if s.above { "above" } else { "below" },
            facts.table.period.label(s.start),
            r.longest_run_limit + 1
        ));
    }
    if r.crossings < r.crossings_limit {
        parts.push(format!(
            "only {} {} of its average in {} {unit}s; fewer than {} would be unusual",
            r.crossings,
            plural(r.crossings as u64, "crossing"),
            r.useful,
            r.crossings_limit
        ));
    }
    format!("A sustained shift{whom}: {}.", parts.join("; and "))
}

/// Complaints that start or stop abruptly: the export may have changed.
fn export_change_sentence(facts: &Facts, c: &ExportChange) -> String {
    let whom = if c.segment.is_empty() { "all deliveries".to_string() } else { segment_name(&c.segment) };
    let ratio = if c.change.ratio.is_finite() {
        format!("{}×", fmt_ratio(c.change.ratio))
    } else {
        "far above".into()
    };
    let _ = facts;
    if c.starts {
        format!(
            "Complaints in {whom} barely exist before {} ({} in {} days, where {} were expected at the rate after) \
             and then arrive at {ratio} that rate: the export may have changed that day (a new source or queue), \
             not the service. If so, count from then: --from {}.",
            day(c.day),
            thousands(c.change.quiet as u64),
            c.quiet_days,
            fmt_expected(c.change.expected),
            c.day
        )
    } else {
        format!(
            "Complaints in {whom} all but stop on {} ({} in the {} days from then, where {} were expected at the \
             rate before, {ratio} it): the export may have changed that day (a source dropped), not the service. \
             If so, count up to then: --to {}.",
            day(c.day),
            thousands(c.change.quiet as u64),
            c.quiet_days,
            fmt_expected(c.change.expected),
            c.day.pred_opt().unwrap_or(c.day)
        )
    }
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
        trend_forest(trend)
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

/// The trend that makes a forest, in words.
fn trend_forest(trend: &Trend) -> String {
    format!(
        "Complaints grow faster than deliveries: each 1% more deliveries brings {:.2}% more complaints \
         (95% CI {:.2} to {:.2}, one-sided p = {}).",
        trend.slope,
        trend.ci95.0,
        trend.ci95.1,
        p_text(trend.p_slope_above_one)
    )
}

/// What made the forest, for the alarm line a cron job mails: the rise
/// with its unit, periods and p-value, or the trend. From the typed cause,
/// never from a sentence's place in the reasons.
pub fn forest_cause(facts: &Facts) -> Option<String> {
    Some(match facts.forest_cause()? {
        ForestCause::Rise(test) => describe(facts, test),
        ForestCause::Step(step) => format!(
            "{}: the rate stepped up in {} ({}× the {}s before) and has stayed up",
            capitalised(&facts.unit_name(step.unit)),
            facts.table.period.label(step.start),
            fmt_ratio(step.ratio),
            facts.table.period.name()
        ),
        ForestCause::Trend(trend) => trend_forest(trend),
    })
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

#[cfg(test)]
mod tests {
    use chrono::Days;

    use super::*;
    use crate::input::DatasetOptions;
    use crate::metrics::dataset::Coverage;
    use crate::metrics::period_table::SegmentRuns;
    use crate::report::facts::{CountedComplaints, Input, OutOfLine};
    use crate::report::segments::SegmentFunnel;
    use crate::stats::runs::Runs;
    use crate::stats::verdict::{RecentRise, Verdict};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Ten weeks of one unit, 1,000 deliveries and 5 complaints each: quiet.
    fn quiet() -> Facts {
        let start = d("2025-01-06");
        let rows: Vec<PeriodRow> = (0..10)
            .map(|k| {
                let start = start + Days::new(7 * k);
                PeriodRow {
                    start,
                    end: start + Days::new(6),
                    segment: vec![],
                    counts: Counts { deliveries: 1000, complaints: 5, ..Default::default() },
                    limits: None,
                    shift: false,
                    immature: false,
                    partial: false,
                    no_deliveries: false,
                    share: None,
                    phase: 0,
                }
            })
            .collect();
        let table = PeriodTable {
            period: Period::Week,
            by: vec![],
            total: Counts { deliveries: 10_000, complaints: 50, ..Default::default() },
            runs: vec![],
            first_date: start,
            last_date: start + Days::new(69),
            period_deliveries: None,
            rows,
            phases: vec![],
            baseline: None,
        };
        Facts {
            options: DatasetOptions::reading(vec![], Default::default(), Default::default()),
            input: Input { has_customer: true, has_channel: true, ..Default::default() },
            coverage: None,
            per_period: vec![],
            verdict_periods: table.rows.iter().map(|r| r.start).collect(),
            segments: vec![vec![]],
            rise: None,
            trend: TrendFit::TooFewPeriods(3),
            funnel: SegmentFunnel::of(&table, 0),
            out_of_line: vec![],
            shifts: vec![],
            export_changes: vec![],
            concentration: None,
            recent_above: vec![],
            earlier_outside: vec![],
            maturity: None,
            verdict: Verdict::Bushes,
            implausible: vec![],
            commonest_switch: None,
            cost: None,
            rows_without_deliveries: 0,
            window: Default::default(),
            steps: vec![],
            table,
        }
    }

    fn rise(ratio: f64, p_value: f64) -> RecentRise {
        RecentRise {
            tests: vec![RiseTest {
                unit: 0,
                window: Window::Sustained,
                complaints: 28_800,
                deliveries: 3_000,
                expected: 23_696.7,
                ratio: Some(ratio),
                p_value,
                threshold: 0.015,
                significant: p_value <= 0.015,
            }],
            units_tested: 1,
            dispersion: 0.0,
            dispersion_df: 6.0,
            family_alpha: 0.02,
        }
    }

    fn trend() -> Trend {
        Trend {
            intercept: 1.0,
            slope: 1.8,
            se_unscaled: 0.1,
            dispersion: 1.0,
            se: 0.1,
            scale_estimated: false,
            ci95: (1.6, 2.0),
            p_slope_is_one: 1e-9,
            p_slope_above_one: 5e-10,
            periods: 10,
            volume_ratio: 2.0,
        }
    }

    fn runs(longest_run: usize, crossings: usize) -> Runs {
        Runs {
            useful: 20,
            longest_run,
            longest_run_limit: 7,
            crossings,
            crossings_limit: 6,
            shift: longest_run > 7 || crossings < 6,
        }
    }

    fn shift(segment: &str, longest_run: usize, crossings: usize, expected_per_period: f64) -> Shift {
        Shift {
            segment: vec![segment.into()],
            runs: runs(longest_run, crossings),
            expected_per_period,
            above: true,
            start: d("2025-01-13"),
        }
    }

    /// Each case: facts built by hand, what the headline says, what the
    /// reasons say (and must not), and the alarm's cause.
    #[test]
    fn sentences_from_hand_built_facts() {
        struct Case {
            name: &'static str,
            facts: Facts,
            headline: &'static str,
            says: &'static [&'static str],
            never: &'static [&'static str],
            alarm: Option<&'static str>,
        }
        let mut by_rise = quiet();
        by_rise.rise = Some(rise(1.22, 1e-6));
        by_rise.verdict = Verdict::Forest;
        by_rise.coverage = Some(Coverage {
            complaints: (d("2025-01-06"), d("2025-03-16")),
            deliveries: (d("2025-01-01"), d("2025-03-16")),
            window: (d("2025-01-06"), d("2025-03-16")),
        });
        let mut by_trend = quiet();
        by_trend.trend = TrendFit::Fitted(trend());
        by_trend.verdict = Verdict::Forest;
        let mut no_customers = quiet();
        no_customers.input.has_customer = false;
        let mut counted = quiet();
        counted.input.counted = Some(CountedComplaints { column: "count".into(), given_contacts: false });
        let mut shifted = quiet();
        shifted.shifts =
            vec![shift("Italy", 8, 1, 40.0), shift("Malta", 5, 9, 2.0), shift("Gozo", 9, 9, 1.0)];
        shifted.table.runs = vec![SegmentRuns { segment: vec!["Italy".into()], phase: 0, runs: runs(8, 1) }];
        let mut out_of_line = quiet();
        out_of_line.options.by = vec!["country".parse().unwrap()];
        out_of_line.out_of_line = vec![
            OutOfLine { segment: vec!["Czech Republic".into()], rate: 0.015, high: true },
            OutOfLine { segment: vec!["Italy".into()], rate: 0.012, high: true },
        ];
        let cases = vec![
            Case {
                name: "quiet",
                facts: quiet(),
                headline: "Verdict: bushes — nothing is out of line beyond routine noise.",
                says: &[
                    "50 complaints per 10,000 deliveries from 2025-01-06 to 2025-03-16: 0.50%, 1 in 200.",
                ],
                never: &["Warning"],
                alarm: None,
            },
            Case {
                name: "forest by a rise, the exports covering different days",
                facts: by_rise,
                headline: "Verdict: FOREST — something is truly out of line, beyond routine noise.",
                says: &["The exports cover different days", "28,800 complaints where 23,697 were expected"],
                never: &["23696.7"],
                alarm: Some(
                    "all deliveries in 2025-W09–2025-W11: 28,800 complaints where 23,697 were expected at its earlier rate (1.22×, p = 1.0e-6)",
                ),
            },
            Case {
                name: "forest by the trend",
                facts: by_trend,
                headline: "Verdict: FOREST — something is truly out of line, beyond routine noise.",
                says: &[
                    "Complaints grow faster than deliveries: each 1% more deliveries brings 1.80% more complaints",
                ],
                never: &[],
                alarm: Some("Complaints grow faster than deliveries"),
            },
            Case {
                name: "no customers",
                facts: no_customers,
                headline: "Verdict: bushes — nothing is out of line beyond routine noise.",
                says: &["Concentration and repeats need a customer column"],
                never: &["repeat contacts within"],
                alarm: None,
            },
            Case {
                name: "counted complaints",
                facts: counted,
                headline: "Verdict: bushes — nothing is out of line beyond routine noise.",
                says: &["arrive counted (column \"count\"), not one row per contact", "are not available"],
                never: &["customers complained", "repeat contacts within"],
                alarm: None,
            },
            Case {
                name: "shifts by weight",
                facts: shifted,
                headline: "Verdict: bushes — no new rise beyond routine noise, but sustained shifts in 3 segments.",
                says: &[
                    "A sustained shift in Italy: 8 weeks in a row above its average from 2025-W03; 8 or more would be unusual; \
                     and only 1 crossing of its average in 20 weeks; fewer than 6 would be unusual.",
                    "And 2 small segments (under 5 complaints a week: Malta, Gozo) with a sustained shift",
                ],
                never: &["crossings (fewer", "more than 7 is unusual", "in Malta:"],
                alarm: None,
            },
            Case {
                name: "out of line all along",
                facts: out_of_line,
                headline: "country values sit above the rest all along: Czech Republic (1.5%), Italy.",
                says: &["outside the 99.8% limits of compare", "not a new rise"],
                never: &["nothing is out of line"],
                alarm: None,
            },
        ];
        for case in cases {
            let facts = &case.facts;
            let said = headline(facts);
            assert!(said.ends_with(case.headline), "{}: {said}", case.name);
            let reasons = reasons(facts).join("\n");
            for s in case.says {
                assert!(reasons.contains(s), "{}: {s:?} not in\n{reasons}", case.name);
            }
            for s in case.never {
                assert!(!reasons.contains(s), "{}: {s:?} in\n{reasons}", case.name);
            }
            match (forest_cause(facts), case.alarm) {
                (None, None) => {}
                (Some(cause), Some(expected)) => assert!(cause.contains(expected), "{}: {cause}", case.name),
                (cause, expected) => panic!("{}: alarm {cause:?}, expected {expected:?}", case.name),
            }
        }
    }
}
