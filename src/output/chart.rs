//! Pictures: the p′ control chart (report), the funnel plot (compare) and the
//! Lorenz curve (customers), drawn as plain SVG; PNG is the same SVG
//! rasterised with resvg. Commands describe a `Figure`; this file draws it.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One period of a control chart (None where undefined).
#[derive(Clone, Copy, Debug)]
pub struct ControlPoint {
    pub rate: Option<f64>,
    pub lcl: Option<f64>,
    pub ucl: Option<f64>,
    pub flagged: bool,
}

/// One panel of a control chart: a segment's rates over periods.
#[derive(Clone, Debug)]
pub struct ControlPanel {
    pub title: String,
    pub points: Vec<ControlPoint>,
    pub centre: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct FunnelPoint {
    pub label: String,
    pub deliveries: f64,
    pub rate: f64,
    pub flagged: bool,
}

#[derive(Clone, Debug)]
pub enum Figure {
    Control {
        period_labels: Vec<String>,
        panels: Vec<ControlPanel>,
    },
    /// `limits(n)` evaluated on a grid: (n, lo95, hi95, lo998, hi998).
    Funnel {
        points: Vec<FunnelPoint>,
        theta0: f64,
        limits: Vec<(f64, f64, f64, f64, f64)>,
    },
    /// Cumulative share of complaints against share of customers, biggest first.
    Lorenz {
        customers_share: Vec<f64>,
        complaints_share: Vec<f64>,
    },
}

const WIDTH: f64 = 900.0;
const PANEL_HEIGHT: f64 = 260.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 44.0;

/// Write `figure` to `path` as SVG or PNG (by extension), atomically.
pub fn write(figure: &Figure, path: &Path) -> Result<()> {
    let svg = to_svg(figure);
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let bytes = match extension.as_str() {
        "svg" => svg.into_bytes(),
        "png" => svg_to_png(&svg)?,
        _ => bail!("{}: a chart is written as .svg or .png", path.display()),
    };
    super::writer::write_atomic(path, &bytes)
}

pub fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &options).context("drawing the chart")?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).context("chart too large")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().context("encoding the chart as PNG")
}

pub fn to_svg(figure: &Figure) -> String {
    match figure {
        Figure::Control { period_labels, panels } => control_svg(period_labels, panels),
        Figure::Funnel { points, theta0, limits } => funnel_svg(points, *theta0, limits),
        Figure::Lorenz { customers_share, complaints_share } => lorenz_svg(customers_share, complaints_share),
    }
}

/// Linear map from data to pixels.
#[derive(Clone, Copy)]
struct Axis {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Axis {
    fn new(lo: f64, hi: f64, from: f64, to: f64) -> Axis {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Axis { lo, hi, from, to }
    }

    fn at(&self, v: f64) -> f64 {
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }
}

fn header(height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn percent_label(v: f64) -> String {
    let p = v * 100.0;
    if p == 0.0 {
        "0%".into()
    } else {
        let decimals = (1 - p.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{p:.decimals$}%")
    }
}

fn polyline(out: &mut String, points: &[(f64, f64)], style: &str) {
    if points.len() < 2 {
        return;
    }
    let coords: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = writeln!(out, "<polyline fill=\"none\" {style} points=\"{}\"/>", coords.join(" "));
}

/// Axes box with four y ticks (as percentages) and a title.
fn frame(out: &mut String, top: f64, height: f64, y: Axis, title: &str, y_label: &str) {
    let bottom = top + height - BOTTOM;
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        top + 20.0,
        escape(title)
    );
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#999\"/>",
        top + TOP,
        WIDTH - LEFT - RIGHT,
        bottom - top - TOP
    );
    for k in 0..=4 {
        let v = y.lo + (y.hi - y.lo) * k as f64 / 4.0;
        let py = y.at(v);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#eee\"/>",
            WIDTH - RIGHT
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            py + 4.0,
            percent_label(v)
        );
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(14,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (top + TOP + bottom) / 2.0,
        escape(y_label)
    );
}

fn control_svg(labels: &[String], panels: &[ControlPanel]) -> String {
    let height = PANEL_HEIGHT * panels.len().max(1) as f64;
    let mut out = header(height);
    for (k, panel) in panels.iter().enumerate() {
        let top = k as f64 * PANEL_HEIGHT;
        let values = panel.points.iter().flat_map(|p| [p.rate, p.lcl, p.ucl]).flatten();
        let hi = values.fold(0.0f64, f64::max) * 1.1;
        let y = Axis::new(0.0, hi.max(1e-9), top + PANEL_HEIGHT - BOTTOM, top + TOP);
        let n = panel.points.len().max(2);
        let x = Axis::new(0.0, (n - 1) as f64, LEFT + 10.0, WIDTH - RIGHT - 10.0);
        frame(&mut out, top, PANEL_HEIGHT, y, &panel.title, "complaint rate");
        if let Some(c) = panel.centre {
            let py = y.at(c);
            let _ = writeln!(
                out,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#2a7\" stroke-width=\"1.5\"/>",
                WIDTH - RIGHT
            );
        }
        let series = |pick: &dyn Fn(&ControlPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            panel
                .points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| pick(p).map(|v| (x.at(i as f64), y.at(v))))
                .collect()
        };
        polyline(&mut out, &series(&|p| p.ucl), "stroke=\"#d33\" stroke-dasharray=\"5,3\"");
        polyline(&mut out, &series(&|p| p.lcl), "stroke=\"#d33\" stroke-dasharray=\"5,3\"");
        polyline(&mut out, &series(&|p| p.rate), "stroke=\"#236\" stroke-width=\"1.5\"");
        for (i, point) in panel.points.iter().enumerate() {
            if let Some(r) = point.rate {
                let fill = if point.flagged { "#d33" } else { "#236" };
                let radius = if point.flagged { 5.0 } else { 3.0 };
                let _ = writeln!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\" fill=\"{fill}\"/>",
                    x.at(i as f64),
                    y.at(r)
                );
            }
        }
        let step = (labels.len() / 8).max(1);
        for (i, label) in labels.iter().enumerate().step_by(step) {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x.at(i as f64),
                top + PANEL_HEIGHT - BOTTOM + 16.0,
                escape(label)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn funnel_svg(points: &[FunnelPoint], theta0: f64, limits: &[(f64, f64, f64, f64, f64)]) -> String {
    let height = PANEL_HEIGHT * 1.8;
    let mut out = header(height);
    let max_n = points.iter().map(|p| p.deliveries).fold(1.0, f64::max) * 1.05;
    // Scale to the points and the limits at the smallest segment, not to the
    // funnel's mouth.
    let hi = points.iter().map(|p| p.rate).chain(limits.first().map(|l| l.4)).fold(theta0, f64::max) * 1.1;
    let y = Axis::new(0.0, hi.max(1e-9), height - BOTTOM, TOP);
    let x = Axis::new(0.0, max_n, LEFT + 10.0, WIDTH - RIGHT - 10.0);
    frame(
        &mut out,
        0.0,
        height,
        y,
        "Funnel: complaint rate by deliveries (95% and 99.8% limits)",
        "complaint rate",
    );
    let line = |pick: fn(&(f64, f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        limits.iter().filter(|l| l.0 <= max_n).map(|l| (x.at(l.0), y.at(pick(l).min(hi)))).collect()
    };
    polyline(&mut out, &line(|l| l.1), "stroke=\"#e90\" stroke-dasharray=\"5,3\"");
    polyline(&mut out, &line(|l| l.2), "stroke=\"#e90\" stroke-dasharray=\"5,3\"");
    polyline(&mut out, &line(|l| l.3), "stroke=\"#d33\"");
    polyline(&mut out, &line(|l| l.4), "stroke=\"#d33\"");
    let py = y.at(theta0);
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#2a7\"/>",
        WIDTH - RIGHT
    );
    for p in points {
        let fill = if p.flagged { "#d33" } else { "#236" };
        let (cx, cy) = (x.at(p.deliveries), y.at(p.rate));
        let _ = writeln!(out, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"{fill}\"/>");
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            cx + 6.0,
            cy - 4.0,
            escape(&p.label)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">deliveries (max {:.0})</text>",
        (LEFT + WIDTH) / 2.0,
        height - 8.0,
        max_n
    );
    out.push_str("</svg>\n");
    out
}

fn lorenz_svg(customers: &[f64], complaints: &[f64]) -> String {
    let height = PANEL_HEIGHT * 1.8;
    let mut out = header(height);
    let y = Axis::new(0.0, 1.0, height - BOTTOM, TOP);
    let x = Axis::new(0.0, 1.0, LEFT + 10.0, WIDTH - RIGHT - 10.0);
    frame(
        &mut out,
        0.0,
        height,
        y,
        "Concentration: share of complaints by share of customers (biggest first)",
        "share of complaints",
    );
    polyline(
        &mut out,
        &[(x.at(0.0), y.at(0.0)), (x.at(1.0), y.at(1.0))],
        "stroke=\"#aaa\" stroke-dasharray=\"4,4\"",
    );
    let mut points = vec![(x.at(0.0), y.at(0.0))];
    points.extend(customers.iter().zip(complaints).map(|(c, k)| (x.at(*c), y.at(*k))));
    polyline(&mut out, &points, "stroke=\"#236\" stroke-width=\"2\"");
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x.at(v),
            height - BOTTOM + 16.0,
            percent_label(v)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">share of customers</text>",
        (LEFT + WIDTH) / 2.0,
        height - 8.0
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control() -> Figure {
        Figure::Control {
            period_labels: vec!["2025-W01".into(), "2025-W02".into(), "2025-W03".into()],
            panels: vec![ControlPanel {
                title: "East <&>".into(),
                points: vec![
                    ControlPoint { rate: Some(0.01), lcl: Some(0.0), ucl: Some(0.02), flagged: false },
                    ControlPoint { rate: None, lcl: None, ucl: None, flagged: false },
                    ControlPoint { rate: Some(0.03), lcl: Some(0.0), ucl: Some(0.02), flagged: true },
                ],
                centre: Some(0.012),
            }],
        }
    }

    #[test]
    fn svg_is_well_formed_and_renders_to_png() {
        let svg = to_svg(&control());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("East &lt;&amp;&gt;"));
        let png = svg_to_png(&svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let lorenz = Figure::Lorenz { customers_share: vec![0.5, 1.0], complaints_share: vec![0.8, 1.0] };
        assert!(svg_to_png(&to_svg(&lorenz)).is_ok());
    }
}
