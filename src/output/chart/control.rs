//! The p′ control chart: one panel per segment on one shared y-scale, the
//! rate, its centre line and limits, signals marked and explained on hover.

use std::fmt::Write as _;

use super::axis::{Scale, nice_ceiling, percent_label};
use super::{
    ControlPanel, ControlPoint, Key, PointSignal, colour, escape, header, heading, plot_frame, polyline, text,
};

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const PANEL: f64 = 210.0;
const PLOT_TOP: f64 = 26.0;
const PLOT_BOTTOM: f64 = 40.0;

/// Phases' starts and notes, as period indices with their text.
type Marks = [(usize, String)];

pub(super) fn svg(
    labels: &[String],
    panels: &[ControlPanel],
    phases: &Marks,
    notes: &Marks,
    w: f64,
) -> String {
    let title_text = "Complaint rate by period, with its centre line and control limits";
    let mut body = String::new();
    let mut keys = vec![
        Key::Line { colour: colour::RATE, dashed: false, label: "complaint rate" },
        Key::Line { colour: colour::CENTRE, dashed: false, label: "centre (average rate)" },
        Key::Line { colour: colour::LIMIT, dashed: true, label: "control limits (Laney p′)" },
        Key::Dot { colour: colour::ABOVE, hollow: false, label: "above" },
        Key::Dot { colour: colour::BELOW, hollow: false, label: "below" },
        Key::Dot { colour: colour::SHIFT, hollow: true, label: "shift" },
        Key::Dot { colour: colour::MUTED, hollow: true, label: "partial / immature" },
    ];
    if !phases.is_empty() {
        keys.push(Key::Line { colour: colour::PHASE, dashed: true, label: "new phase" });
    }
    if !notes.is_empty() {
        keys.push(Key::Line { colour: colour::NOTE, dashed: true, label: "note" });
    }
    let top = heading(&mut body, w, LEFT, title_text, &keys);
    // One y-scale for every panel, so a glance compares them.
    let highest = panels
        .iter()
        .flat_map(|p| p.points.iter().flat_map(|q| [q.rate, q.ucl]))
        .flatten()
        .fold(0.0f64, f64::max);
    let y_hi = nice_ceiling(highest.max(1e-6) * 1.05, 4);
    for (k, panel) in panels.iter().enumerate() {
        draw_panel(&mut body, labels, panel, (phases, notes), top + k as f64 * PANEL, y_hi, w);
    }
    let height = top + PANEL * panels.len().max(1) as f64 + 6.0;
    let mut out = String::new();
    header(&mut out, w, height, title_text);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

fn draw_panel(
    out: &mut String,
    labels: &[String],
    panel: &ControlPanel,
    (phases, notes): (&Marks, &Marks),
    top: f64,
    y_hi: f64,
    w: f64,
) {
    let (plot_top, plot_bottom) = (top + PLOT_TOP, top + PANEL - PLOT_BOTTOM);
    let y = Scale::linear(0.0, y_hi, plot_bottom, plot_top);
    let n = panel.points.len().max(1);
    let (x0, x1) = (LEFT + 12.0, w - RIGHT - 12.0);
    let x = |i: usize| if n == 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
    text(out, LEFT, top + 16.0, "start", "font-weight=\"bold\"", &panel.title);
    let ticks = y.ticks(4);
    let step = ticks.get(1).zip(ticks.first()).map(|(b, a)| b - a).unwrap_or(y_hi);
    plot_frame(out, (LEFT, w - RIGHT, plot_top, plot_bottom), &y, &ticks, |t| percent_label(t, step));
    // Period labels: as many as fit without touching.
    let widest = labels.iter().map(|l| super::text_width(l, 11.0)).fold(0.0, f64::max) + 12.0;
    let every = if n > 1 { ((widest / ((x1 - x0) / (n - 1) as f64)).ceil() as usize).max(1) } else { 1 };
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        text(out, x(i), plot_bottom + 16.0, "middle", "font-size=\"11\"", label);
    }
    // A vertical mark between periods (a new phase) or on one (a note).
    let mark = |out: &mut String, at: f64, stroke: &str, label: &str, anchor: &str| {
        let _ = writeln!(
            out,
            "<line x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{plot_top:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{stroke}\" stroke-width=\"1.2\" stroke-dasharray=\"3,3\"><title>{}</title></line>",
            escape(label)
        );
        text(
            out,
            at + if anchor == "start" { 3.0 } else { -3.0 },
            plot_top + 10.0,
            anchor,
            &format!("font-size=\"10\" fill=\"{stroke}\""),
            label,
        );
    };
    for (i, label) in phases {
        let at = if *i == 0 { x(0) } else { (x(i - 1) + x(*i)) / 2.0 };
        mark(out, at, colour::PHASE, label, "start");
    }
    for (i, note) in notes {
        mark(out, x(*i), colour::NOTE, note, "end");
    }
    // Each phase's centre line and limits apart: no line crosses a break.
    for (phase, centre) in panel.centres.iter().enumerate() {
        let members: Vec<usize> =
            (0..panel.points.len()).filter(|&i| panel.points[i].phase == phase).collect();
        let (Some(&first), Some(&last), Some(c)) = (members.first(), members.last(), centre) else {
            continue;
        };
        let py = y.at(*c);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"{}\" stroke-width=\"1.5\"><title>centre {}</title></line>",
            x(first),
            x(last),
            colour::CENTRE,
            percent_label(*c, step / 10.0)
        );
        let series = |pick: &dyn Fn(&ControlPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            members
                .iter()
                .filter_map(|&i| pick(&panel.points[i]).map(|v| (x(i), y.at(v.min(y_hi)))))
                .collect()
        };
        let dashed = format!("stroke=\"{}\" stroke-width=\"1.2\" stroke-dasharray=\"5,3\"", colour::LIMIT);
        polyline(out, &series(&|p| p.ucl), &dashed);
        polyline(out, &series(&|p| p.lcl), &dashed);
    }
    let series = |pick: &dyn Fn(&ControlPoint) -> Option<f64>| -> Vec<(f64, f64)> {
        panel
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| pick(p).map(|v| (x(i), y.at(v.min(y_hi)))))
            .collect()
    };
    polyline(out, &series(&|p| p.rate), &format!("stroke=\"{}\" stroke-width=\"1.6\"", colour::RATE));
    for (i, point) in panel.points.iter().enumerate() {
        let Some(rate) = point.rate else { continue };
        let (radius, fill, stroke) = match point.signal {
            Some(PointSignal::Above) => (5.5, colour::ABOVE, colour::ABOVE),
            Some(PointSignal::Below) => (5.5, colour::BELOW, colour::BELOW),
            Some(PointSignal::Shift) => (5.0, "white", colour::SHIFT),
            Some(PointSignal::Incomplete) => (4.0, "white", colour::MUTED),
            None => (2.8, colour::RATE, colour::RATE),
        };
        let _ = writeln!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{}</title></circle>",
            x(i),
            y.at(rate.min(y_hi)),
            escape(&point.note)
        );
    }
}
