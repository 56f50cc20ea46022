//! The concentration curve: the share of complaints made by the biggest
//! complainers, against their share of complainants, with the line of
//! equal shares.

use std::fmt::Write as _;

use super::axis::{Scale, percent_label};
use super::{Key, colour, header, heading, plot_frame, polyline, text};

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const PLOT_HEIGHT: f64 = 360.0;

pub(super) fn svg(customers: &[f64], complaints: &[f64], w: f64) -> String {
    let title_text = "Concentration: share of complaints made by the biggest complainers";
    let mut body = String::new();
    let top = heading(
        &mut body,
        w,
        LEFT,
        title_text,
        &[
            Key::Line { colour: colour::RATE, dashed: false, label: "complaints by the biggest complainers" },
            Key::Line { colour: colour::AXIS, dashed: true, label: "every complainant alike" },
        ],
    );
    let (plot_top, plot_bottom) = (top, top + PLOT_HEIGHT);
    let x = Scale::linear(0.0, 1.0, LEFT + 8.0, w - RIGHT - 8.0);
    let y = Scale::linear(0.0, 1.0, plot_bottom, plot_top);
    let ticks = y.ticks(5);
    plot_frame(&mut body, (LEFT, w - RIGHT, plot_top, plot_bottom), &y, &ticks, |t| percent_label(t, 0.2));
    for &t in &ticks {
        text(&mut body, x.at(t), plot_bottom + 16.0, "middle", "font-size=\"11\"", &percent_label(t, 0.2));
    }
    text(
        &mut body,
        (LEFT + w - RIGHT) / 2.0,
        plot_bottom + 34.0,
        "middle",
        "",
        "share of complainants, biggest first",
    );
    let _ = writeln!(
        body,
        "<text transform=\"translate(16,{:.1}) rotate(-90)\" text-anchor=\"middle\">share of complaints</text>",
        (plot_top + plot_bottom) / 2.0
    );
    polyline(
        &mut body,
        &[(x.at(0.0), y.at(0.0)), (x.at(1.0), y.at(1.0))],
        &format!("stroke=\"{}\" stroke-dasharray=\"4,4\"", colour::AXIS),
    );
    let mut points = vec![(x.at(0.0), y.at(0.0))];
    points.extend(customers.iter().zip(complaints).map(|(c, k)| (x.at(*c), y.at(*k))));
    polyline(&mut body, &points, &format!("stroke=\"{}\" stroke-width=\"2\"", colour::RATE));
    let mut out = String::new();
    header(&mut out, w, plot_bottom + 44.0, title_text);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}
