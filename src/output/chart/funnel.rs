//! The funnel: each segment's rate against its deliveries, with 95% and
//! 99.8% limits around the overall rate across the whole axis (log when
//! deliveries span more than two decades), flagged segments in colour,
//! labels placed where they do not overlap.

use std::fmt::Write as _;

use super::axis::{Scale, count_label, funnel_x_range, nice_ceiling, percent_label};
use super::{
    FunnelPoint, Key, colour, escape, header, heading, note, plot_frame, polyline, text, text_width,
};
use crate::output::table::percent;

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const PLOT_HEIGHT: f64 = 380.0;
const LABEL_SIZE: f64 = 10.5;

pub(super) fn svg(
    points: &[FunnelPoint],
    theta0: f64,
    limits: &[(f64, f64, f64, f64, f64)],
    w: f64,
) -> String {
    let title_text = "Complaint rate by segment against its deliveries, with 95% and 99.8% limits";
    let mut body = String::new();
    let top = heading(
        &mut body,
        w,
        LEFT,
        title_text,
        &[
            Key::Dot { colour: colour::RATE, hollow: false, label: "segment" },
            Key::Dot { colour: colour::ABOVE, hollow: false, label: "high (outside 99.8%)" },
            Key::Dot { colour: colour::BELOW, hollow: false, label: "low" },
            Key::Dot { colour: colour::LIMIT_95, hollow: false, label: "alert (outside 95%)" },
            Key::Line { colour: colour::CENTRE, dashed: false, label: "overall rate" },
            Key::Line { colour: colour::LIMIT_95, dashed: true, label: "95% limits" },
            Key::Line { colour: colour::LIMIT, dashed: false, label: "99.8% limits" },
        ],
    );
    let (plot_top, plot_bottom) = (top, top + PLOT_HEIGHT);
    let ns: Vec<f64> = points.iter().map(|p| p.deliveries).collect();
    let (x_lo, x_hi, log) = funnel_x_range(&ns);
    let x = if log {
        Scale::log(x_lo, x_hi, LEFT + 8.0, w - RIGHT - 8.0)
    } else {
        Scale::linear(x_lo, x_hi, LEFT + 8.0, w - RIGHT - 8.0)
    };
    // The scale follows the points and the limits at the smallest segment,
    // not the funnel's mouth.
    let smallest = ns.iter().copied().fold(f64::MAX, f64::min);
    let mouth = limits.iter().filter(|l| l.0 >= smallest).map(|l| l.4).next().unwrap_or(theta0);
    let highest = points.iter().map(|p| p.rate).fold(mouth.max(theta0), f64::max);
    let y_hi = nice_ceiling(highest * 1.08, 5);
    let y = Scale::linear(0.0, y_hi, plot_bottom, plot_top);

    let y_ticks = y.ticks(5);
    let y_step = y_ticks.get(1).zip(y_ticks.first()).map(|(b, a)| b - a).unwrap_or(y_hi);
    plot_frame(&mut body, (LEFT, w - RIGHT, plot_top, plot_bottom), &y, &y_ticks, |t| {
        percent_label(t, y_step)
    });
    for t in x.ticks(6) {
        let px = x.at(t);
        let _ = writeln!(
            body,
            "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{plot_top:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{}\"/>",
            colour::GRID
        );
        text(&mut body, px, plot_bottom + 16.0, "middle", "font-size=\"11\"", &count_label(t));
    }
    text(
        &mut body,
        (LEFT + w - RIGHT) / 2.0,
        plot_bottom + 34.0,
        "middle",
        "",
        if log { "deliveries (log scale)" } else { "deliveries" },
    );
    let line = |pick: fn(&(f64, f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        limits
            .iter()
            .filter(|l| l.0 >= x_lo && l.0 <= x_hi && (!log || l.0 > 0.0))
            .map(|l| (x.at(l.0), y.at(pick(l).clamp(0.0, y_hi))))
            .collect()
    };
    let dashed = format!("stroke=\"{}\" stroke-width=\"1.2\" stroke-dasharray=\"5,3\"", colour::LIMIT_95);
    let solid = format!("stroke=\"{}\" stroke-width=\"1.4\"", colour::LIMIT);
    polyline(&mut body, &line(|l| l.1), &dashed);
    polyline(&mut body, &line(|l| l.2), &dashed);
    polyline(&mut body, &line(|l| l.3), &solid);
    polyline(&mut body, &line(|l| l.4), &solid);
    let py = y.at(theta0);
    let _ = writeln!(
        body,
        "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
        LEFT,
        w - RIGHT,
        colour::CENTRE
    );
    // Flagged segments first, then the biggest: they get their labels.
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        (points[b].flag.is_some(), points[b].deliveries)
            .partial_cmp(&(points[a].flag.is_some(), points[a].deliveries))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut placed: Vec<(f64, f64, f64, f64)> = points
        .iter()
        .map(|p| {
            let (cx, cy) = (x.at(p.deliveries), y.at(p.rate.min(y_hi)));
            (cx - 4.0, cy - 4.0, cx + 4.0, cy + 4.0)
        })
        .collect();
    let mut left_out = 0;
    for &i in &order {
        let p = &points[i];
        let fill = match p.flag.as_deref() {
            Some("high") => colour::ABOVE,
            Some("low") => colour::BELOW,
            Some(_) => colour::LIMIT_95,
            None => colour::RATE,
        };
        let (cx, cy) = (x.at(p.deliveries), y.at(p.rate.min(y_hi)));
        let hover = format!(
            "{}: {} of {} deliveries{}",
            p.label,
            percent(p.rate),
            count_label(p.deliveries),
            p.flag.as_ref().map(|f| format!(", {f}")).unwrap_or_default()
        );
        let _ = writeln!(
            body,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{}\" fill=\"{fill}\"><title>{}</title></circle>",
            if p.flag.is_some() { 5.5 } else { 4.0 },
            escape(&hover)
        );
        let label_width = text_width(&p.label, LABEL_SIZE);
        let h = LABEL_SIZE + 2.0;
        let spots = [
            (cx + 7.0, cy + 4.0, "start"),
            (cx - 7.0, cy + 4.0, "end"),
            (cx, cy - 9.0, "middle"),
            (cx, cy + 17.0, "middle"),
        ];
        let spot = spots.iter().find_map(|&(tx, ty, anchor)| {
            let x0 = match anchor {
                "start" => tx,
                "end" => tx - label_width,
                _ => tx - label_width / 2.0,
            };
            let b = (x0, ty - h + 2.0, x0 + label_width, ty + 2.0);
            let inside = b.0 >= LEFT && b.2 <= w - RIGHT && b.1 >= plot_top && b.3 <= plot_bottom;
            let free = placed.iter().all(|o| b.2 < o.0 || b.0 > o.2 || b.3 < o.1 || b.1 > o.3);
            (inside && free).then_some((tx, ty, anchor, b))
        });
        match spot {
            Some((tx, ty, anchor, b)) => {
                placed.push(b);
                text(&mut body, tx, ty, anchor, &format!("font-size=\"{LABEL_SIZE}\""), &p.label);
            }
            None => left_out += 1,
        }
    }
    let mut height = plot_bottom + 44.0;
    if left_out > 0 {
        let text =
            format!("{left_out} labels left out where they would overlap; hover over a point for its name.");
        height = note(&mut body, w, LEFT, height + 4.0, &text);
    }
    let mut out = String::new();
    header(&mut out, w, height, title_text);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}
