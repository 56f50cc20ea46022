//! The pictures the commands draw, built from their facts: one builder per
//! picture, shared by the command that draws it with `--chart` and by the
//! HTML report that shows them all.

use std::collections::BTreeSet;

use crate::metrics::episodes::EpisodeSummary;
use crate::metrics::period_table::{PeriodTable, RowSignal};
use crate::output::chart::{ControlPanel, ControlPoint, Figure, FunnelPoint, PointSignal, funnel_x_range};
use crate::output::table::percent;
use crate::phases::Note;
use crate::stats::funnel::{Funnel, limits_at};
use crate::stats::normal_quantile;

use super::sentences::row_label;

/// The p′ control chart: one panel per segment, each phase with its own
/// centre line and limits (or the baseline's, carried over every period),
/// and the notes as marks on the time axis.
pub fn control(table: &PeriodTable, notes: &[Note]) -> Figure {
    let starts: Vec<_> = table.rows.iter().map(|r| r.start).collect::<BTreeSet<_>>().into_iter().collect();
    let segments: BTreeSet<&Vec<String>> = table.rows.iter().map(|r| &r.segment).collect();
    let panels = segments
        .into_iter()
        .map(|segment| {
            let rows: Vec<_> = table.rows.iter().filter(|r| &r.segment == segment).collect();
            // The centre line of each phase: its whole periods' rate, or the baseline's.
            let centre = |phase: usize| {
                let (x, n) = rows
                    .iter()
                    .filter(|r| r.complete())
                    .filter(|r| match table.baseline {
                        Some(b) => b.contains(r.start),
                        None => r.phase == phase,
                    })
                    .fold((0u64, 0u64), |(x, n), r| (x + r.counts.complaints, n + r.counts.deliveries));
                (n > 0).then(|| x as f64 / n as f64)
            };
            ControlPanel {
                title: if segment.is_empty() { "All deliveries".into() } else { segment.join("/") },
                points: rows
                    .iter()
                    .map(|r| {
                        let rate = r.counts.complaint_rate();
                        let signal = r.signal();
                        let mut note = format!(
                            "{}: {}",
                            row_label(table, r),
                            rate.map(percent).unwrap_or_else(|| "no deliveries".into())
                        );
                        match (signal, r.limits) {
                            (Some(RowSignal::Above), Some(l)) => {
                                note.push_str(&format!(", above the limit {}", percent(l.ucl)))
                            }
                            (Some(RowSignal::Below), Some(l)) => {
                                note.push_str(&format!(", below the limit {}", percent(l.lcl)))
                            }
                            (Some(s), _) => note.push_str(&format!(", {}", s.as_str())),
                            (None, _) => {}
                        }
                        ControlPoint {
                            rate,
                            phase: r.phase,
                            lcl: r.limits.map(|l| l.lcl),
                            ucl: r.limits.map(|l| l.ucl),
                            signal: signal.map(|s| match s {
                                RowSignal::Above => PointSignal::Above,
                                RowSignal::Below => PointSignal::Below,
                                RowSignal::Shift => PointSignal::Shift,
                                RowSignal::Partial | RowSignal::Immature | RowSignal::NoDeliveries => {
                                    PointSignal::Incomplete
                                }
                            }),
                            note,
                        }
                    })
                    .collect(),
                centres: (0..table.phases.len().max(1)).map(centre).collect(),
            }
        })
        .collect();
    // Where each later phase begins, and the period of each note.
    let phases = table
        .phases
        .iter()
        .skip(1)
        .filter_map(|p| Some((starts.iter().position(|s| *s >= p.start)?, p.label.clone())))
        .collect();
    let period_of = |date| starts.iter().rposition(|s| *s <= date);
    let notes =
        notes.iter().filter_map(|n| Some((period_of(n.date)?, format!("{}: {}", n.date, n.text)))).collect();
    Figure::Control {
        period_labels: starts.iter().map(|d| table.period.label(*d)).collect(),
        panels,
        phases,
        notes,
    }
}

/// The funnel of segments (label, deliveries, complaints, flag) around the
/// fitted `funnel`, its limits over the whole x axis.
pub fn funnel(segments: &[(String, u64, u64, Option<String>)], fit: &Funnel) -> Figure {
    let points: Vec<FunnelPoint> = segments
        .iter()
        .filter(|s| s.1 > 0)
        .map(|(label, n, x, flag)| FunnelPoint {
            label: label.clone(),
            deliveries: *n as f64,
            rate: *x as f64 / *n as f64,
            flag: flag.clone(),
        })
        .collect();
    let ns: Vec<f64> = points.iter().map(|p| p.deliveries).collect();
    let (lo, hi, log) = funnel_x_range(&ns);
    let (z95, z998) = (normal_quantile(0.975), normal_quantile(0.999));
    let limits = (0..=240)
        .map(|k| {
            let t = k as f64 / 240.0;
            let n = if log { lo * (hi / lo).powf(t) } else { (lo + (hi - lo) * t).max(1.0) };
            let (a, b) = limits_at(fit.theta0, fit.tau2, n, z95);
            let (c, d) = limits_at(fit.theta0, fit.tau2, n, z998);
            (n, a, b, c, d)
        })
        .collect();
    Figure::Funnel { points, theta0: fit.theta0, limits }
}

/// The concentration curve from complaints per complainant, biggest first.
pub fn lorenz(counts_desc: &[u64]) -> Figure {
    let n = counts_desc.len().max(1) as f64;
    let total = counts_desc.iter().sum::<u64>().max(1) as f64;
    let mut running = 0u64;
    let (mut customers_share, mut complaints_share) = (Vec::new(), Vec::new());
    for (i, k) in counts_desc.iter().enumerate() {
        running += k;
        customers_share.push((i + 1) as f64 / n);
        complaints_share.push(running as f64 / total);
    }
    Figure::Lorenz { customers_share, complaints_share }
}

/// The channel-transition matrix of an episode summary (None without any
/// transition).
pub fn transitions(summary: &EpisodeSummary) -> Option<Figure> {
    let channels: Vec<String> = summary
        .transitions
        .keys()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if channels.is_empty() {
        return None;
    }
    let counts = channels
        .iter()
        .map(|from| {
            channels
                .iter()
                .map(|to| summary.transitions.get(&(from.clone(), to.clone())).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    Some(Figure::Transitions { channels, counts })
}

/// The Pareto chart of (category, complaints), most first.
pub fn pareto(categories: &[(String, u64)]) -> Figure {
    Figure::Pareto { categories: categories.to_vec() }
}
