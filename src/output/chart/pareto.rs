//! The Pareto chart of complaint categories: bars, most first, and the
//! cumulative share line — which few categories make most complaints.

use std::fmt::Write as _;

use super::axis::{Scale, count_label, nice_ceiling, percent_label};
use super::{Key, colour, escape, header, heading, plot_frame, polyline, text};
use crate::output::table::percent;

const LEFT: f64 = 70.0;
const RIGHT: f64 = 56.0;
const PLOT_HEIGHT: f64 = 300.0;
/// Categories shown; the rest are one "other" bar.
const BARS: usize = 15;

pub(super) fn svg(categories: &[(String, u64)], w: f64) -> String {
    let title_text = "Complaints by category, most first, with the cumulative share";
    let mut bars: Vec<(String, u64)> = categories.iter().take(BARS).cloned().collect();
    let rest: u64 = categories.iter().skip(BARS).map(|c| c.1).sum();
    if rest > 0 {
        bars.push((format!("{} others", categories.len() - BARS), rest));
    }
    let total: u64 = bars.iter().map(|b| b.1).sum::<u64>().max(1);
    let mut body = String::new();
    let top = heading(
        &mut body,
        w,
        LEFT,
        title_text,
        &[
            Key::Bar { colour: colour::RATE, label: "complaints" },
            Key::Line { colour: colour::ABOVE, dashed: false, label: "cumulative share" },
            Key::Line { colour: colour::AXIS, dashed: true, label: "80%" },
        ],
    );
    let (plot_top, plot_bottom) = (top, top + PLOT_HEIGHT);
    let highest = bars.iter().map(|b| b.1).max().unwrap_or(1) as f64;
    let y = Scale::linear(0.0, nice_ceiling(highest, 5), plot_bottom, plot_top);
    let share = Scale::linear(0.0, 1.0, plot_bottom, plot_top);
    let slot = (w - LEFT - RIGHT) / bars.len().max(1) as f64;
    plot_frame(&mut body, (LEFT, w - RIGHT, plot_top, plot_bottom), &y, &y.ticks(5), count_label);
    for t in share.ticks(5) {
        text(&mut body, w - RIGHT + 6.0, share.at(t) + 4.0, "start", "", &percent_label(t, 0.2));
    }
    let p80 = share.at(0.8);
    let _ = writeln!(
        body,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{p80:.1}\" y2=\"{p80:.1}\" stroke=\"{}\" stroke-dasharray=\"4,4\"/>",
        w - RIGHT,
        colour::AXIS
    );
    let mut cumulative = 0u64;
    let mut line = Vec::new();
    for (i, (name, count)) in bars.iter().enumerate() {
        cumulative += count;
        let x0 = LEFT + slot * i as f64 + slot * 0.15;
        let cx = LEFT + slot * (i as f64 + 0.5);
        let top_y = y.at(*count as f64);
        let _ = writeln!(
            body,
            "<rect x=\"{x0:.1}\" y=\"{top_y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {} complaints ({})</title></rect>",
            slot * 0.7,
            plot_bottom - top_y,
            colour::RATE,
            escape(name),
            count_label(*count as f64),
            percent(*count as f64 / total as f64)
        );
        line.push((cx, share.at(cumulative as f64 / total as f64)));
        let _ = writeln!(
            body,
            "<text transform=\"translate({cx:.1},{:.1}) rotate(-35)\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            plot_bottom + 12.0,
            escape(name)
        );
    }
    polyline(&mut body, &line, &format!("stroke=\"{}\" stroke-width=\"2\"", colour::ABOVE));
    for (cx, cy) in &line {
        let _ = writeln!(body, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3\" fill=\"{}\"/>", colour::ABOVE);
    }
    let longest = bars.iter().map(|b| super::text_width(&b.0, 11.0)).fold(0.0, f64::max);
    let mut out = String::new();
    header(&mut out, w, plot_bottom + 30.0 + longest * 0.62, title_text);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}
