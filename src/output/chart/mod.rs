//! Pictures, drawn as plain SVG (PNG is the same SVG rasterised with resvg,
//! so both come from one code path): the p′ control chart (`report`), the
//! funnel (`compare`), the concentration curve (`customers`), the Pareto
//! chart of categories (`categories`) and the channel-transition matrix
//! (`repeats`). Commands describe a `Figure`; the files here draw it.
//!
//! Shared conventions: axes with round ticks (1–2–5 steps, thousands
//! separators), a legend naming every mark, signals in colour with the
//! reason on hover (`<title>`), and a fixed palette.

mod axis;
mod control;
mod funnel;
mod lorenz;
mod pareto;
mod transitions;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

pub use axis::{funnel_x_range, nice_ticks};

/// One period of a control chart (None where undefined).
#[derive(Clone, Debug)]
pub struct ControlPoint {
    pub rate: Option<f64>,
    /// Its phase (an index into the panel's centres).
    pub phase: usize,
    pub lcl: Option<f64>,
    pub ucl: Option<f64>,
    /// `above`/`below` a limit (coloured), or another signal (hollow).
    pub signal: Option<PointSignal>,
    /// What the point is, for the hover text: "2025-W12 North: 0.31%".
    pub note: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointSignal {
    Above,
    Below,
    /// Part of a run-rule shift.
    Shift,
    /// Partial or immature: shown, not judged.
    Incomplete,
}

/// One panel of a control chart: a segment's rates over periods.
#[derive(Clone, Debug)]
pub struct ControlPanel {
    pub title: String,
    pub points: Vec<ControlPoint>,
    /// Each phase's centre line.
    pub centres: Vec<Option<f64>>,
}

#[derive(Clone, Debug)]
pub struct FunnelPoint {
    pub label: String,
    pub deliveries: f64,
    pub rate: f64,
    /// `high`/`low` outside 99.8%, `alert` outside 95%.
    pub flag: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Figure {
    Control {
        period_labels: Vec<String>,
        panels: Vec<ControlPanel>,
        /// Where each later phase begins (a period index) and its label.
        phases: Vec<(usize, String)>,
        /// Events to mark: the period they fall in and their text.
        notes: Vec<(usize, String)>,
    },
    /// The limits evaluated on a grid over `funnel_x_range` of the points:
    /// (n, lo95, hi95, lo998, hi998).
    Funnel { points: Vec<FunnelPoint>, theta0: f64, limits: Vec<(f64, f64, f64, f64, f64)> },
    /// Cumulative share of complaints against share of customers, biggest first.
    Lorenz { customers_share: Vec<f64>, complaints_share: Vec<f64> },
    /// Complaints per category, most first.
    Pareto { categories: Vec<(String, u64)> },
    /// Repeat contacts by the channel before (rows) and of the repeat (columns).
    Transitions { channels: Vec<String>, counts: Vec<Vec<u64>> },
}

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

/// The picture at its full width (900 px), as in a file.
pub fn to_svg(figure: &Figure) -> String {
    to_svg_width(figure, WIDTH)
}

/// The picture drawn for `width` pixels (a phone's narrower layout: the
/// same marks, fewer labels, text at its real size).
pub fn to_svg_width(figure: &Figure, width: f64) -> String {
    let w = width;
    match figure {
        Figure::Control { period_labels, panels, phases, notes } => {
            control::svg(period_labels, panels, phases, notes, w)
        }
        Figure::Funnel { points, theta0, limits } => funnel::svg(points, *theta0, limits, w),
        Figure::Lorenz { customers_share, complaints_share } => {
            lorenz::svg(customers_share, complaints_share, w)
        }
        Figure::Pareto { categories } => pareto::svg(categories, w),
        Figure::Transitions { channels, counts } => transitions::svg(channels, counts, w),
    }
}

/// The palette: one colour per meaning, everywhere.
mod colour {
    pub const RATE: &str = "#1f4e79";
    pub const CENTRE: &str = "#2e8b57";
    pub const LIMIT: &str = "#c0392b";
    pub const LIMIT_95: &str = "#e69f00";
    pub const ABOVE: &str = "#c0392b";
    pub const BELOW: &str = "#0072b2";
    pub const SHIFT: &str = "#d55e00";
    pub const GRID: &str = "#e6e6e6";
    pub const AXIS: &str = "#888888";
    pub const TEXT: &str = "#222222";
    pub const MUTED: &str = "#777777";
    pub const PHASE: &str = "#6a3d9a";
    pub const NOTE: &str = "#8c6d1f";
}

const WIDTH: f64 = 900.0;
const FONT: f64 = 12.0;

/// The SVG start: white background, the font, a `<title>` for the picture.
fn header(out: &mut String, w: f64, height: f64, title: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {w} {height:.0}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"{FONT}\" \
         fill=\"{}\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        colour::TEXT,
        escape(title)
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Approximate width of `text` in pixels at `size` (for placing labels).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// `content` broken at words into lines no wider than `max` pixels at `size`.
fn wrap_lines(content: &str, max: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in content.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size) <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The picture's title, wrapped to the width; returns the y below it.
fn title(out: &mut String, w: f64, x: f64, content: &str) -> f64 {
    let mut y = 22.0;
    for line in wrap_lines(content, w - x - 10.0, 15.5) {
        text(out, x, y, "start", "font-size=\"15\" font-weight=\"bold\"", &line);
        y += 19.0;
    }
    y + 4.0
}

/// A picture's title and legend; returns the y below them.
fn heading(out: &mut String, w: f64, x: f64, title_text: &str, keys: &[Key]) -> f64 {
    let below_title = title(out, w, x, title_text);
    legend(out, w, x, below_title + 4.0, keys) + 6.0
}

/// A plot's box from `left` to `right` and `top` to `bottom`, with grid
/// lines at the `ticks` of `y`, labelled on the left by `label`.
fn plot_frame(
    out: &mut String,
    (left, right, top, bottom): (f64, f64, f64, f64),
    y: &axis::Scale,
    ticks: &[f64],
    label: impl Fn(f64) -> String,
) {
    let _ = writeln!(
        out,
        "<rect x=\"{left}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{}\"/>",
        right - left,
        bottom - top,
        colour::AXIS
    );
    for &t in ticks {
        let py = y.at(t);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{right:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"{}\"/>",
            colour::GRID
        );
        text(out, left - 6.0, py + 4.0, "end", "", &label(t));
    }
}

/// A muted note under a picture, wrapped; returns the y below it.
fn note(out: &mut String, w: f64, x: f64, y: f64, content: &str) -> f64 {
    let mut y = y;
    for line in wrap_lines(content, w - x - 10.0, FONT) {
        text(out, x, y, "start", &format!("fill=\"{}\"", colour::MUTED), &line);
        y += 15.0;
    }
    y
}

fn polyline(out: &mut String, points: &[(f64, f64)], style: &str) {
    if points.len() < 2 {
        return;
    }
    let coords: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = writeln!(out, "<polyline fill=\"none\" {style} points=\"{}\"/>", coords.join(" "));
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, content: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" {extra}>{}</text>",
        escape(content)
    );
}

/// One legend entry: how it is drawn and what it means.
enum Key<'a> {
    Line { colour: &'a str, dashed: bool, label: &'a str },
    Dot { colour: &'a str, hollow: bool, label: &'a str },
    Bar { colour: &'a str, label: &'a str },
}

/// A row of legend entries starting at (x, y); returns the y below it.
fn legend(out: &mut String, w: f64, x: f64, y: f64, keys: &[Key]) -> f64 {
    let mut cx = x;
    let mut cy = y;
    for key in keys {
        let label = match key {
            Key::Line { label, .. } | Key::Dot { label, .. } | Key::Bar { label, .. } => *label,
        };
        let width = 28.0 + text_width(label, FONT) + 18.0;
        if cx + width > w - 10.0 && cx > x {
            cx = x;
            cy += 18.0;
        }
        match key {
            Key::Line { colour, dashed, .. } => {
                let dash = if *dashed { " stroke-dasharray=\"5,3\"" } else { "" };
                let _ = writeln!(
                    out,
                    "<line x1=\"{cx:.1}\" x2=\"{:.1}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
                    cx + 22.0
                );
            }
            Key::Dot { colour, hollow, .. } => {
                let fill = if *hollow { "white" } else { colour };
                let _ = writeln!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.5\"/>",
                    cx + 11.0
                );
            }
            Key::Bar { colour, .. } => {
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"{colour}\"/>",
                    cx + 4.0,
                    cy - 5.0
                );
            }
        }
        text(out, cx + 28.0, cy + 4.0, "start", "", label);
        cx += width;
    }
    cy + 18.0
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn control() -> Figure {
        let point = |rate: Option<f64>, signal, note: &str| ControlPoint {
            rate,
            phase: usize::from(note.starts_with("2025-W03")),
            lcl: rate.map(|_| 0.0),
            ucl: rate.map(|_| 0.02),
            signal,
            note: note.into(),
        };
        Figure::Control {
            period_labels: vec!["2025-W01".into(), "2025-W02".into(), "2025-W03".into()],
            panels: vec![ControlPanel {
                title: "East <&>".into(),
                points: vec![
                    point(Some(0.01), None, "2025-W01 East: 1.0%"),
                    point(None, None, "2025-W02 East"),
                    point(Some(0.03), Some(PointSignal::Above), "2025-W03 East: 3.0%, above the limit 2.0%"),
                ],
                centres: vec![Some(0.012), Some(0.03)],
            }],
            phases: vec![(2, "New <courier>".into())],
            notes: vec![(1, "2025-01-08: Campaign & sale".into())],
        }
    }

    /// Every figure is well-formed SVG that resvg draws.
    #[test]
    fn every_figure_renders_to_png() {
        let figures = [
            control(),
            Figure::Lorenz { customers_share: vec![0.5, 1.0], complaints_share: vec![0.8, 1.0] },
            Figure::Funnel {
                points: vec![
                    FunnelPoint { label: "A".into(), deliveries: 1000.0, rate: 0.01, flag: None },
                    FunnelPoint {
                        label: "B".into(),
                        deliveries: 200_000.0,
                        rate: 0.02,
                        flag: Some("high".into()),
                    },
                ],
                theta0: 0.015,
                limits: vec![(100.0, 0.0, 0.04, 0.0, 0.05), (1e6, 0.014, 0.016, 0.013, 0.017)],
            },
            Figure::Pareto {
                categories: vec![("late".into(), 40), ("damaged".into(), 10), ("other".into(), 3)],
            },
            Figure::Transitions {
                channels: vec!["phone".into(), "web".into()],
                counts: vec![vec![2, 1], vec![7, 3]],
            },
        ];
        for figure in &figures {
            let svg = to_svg(figure);
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
            let png = svg_to_png(&svg).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
        let svg = to_svg(&control());
        assert!(svg.contains("East &lt;&amp;&gt;"));
        assert!(svg.contains("<title>2025-W03 East: 3.0%, above the limit 2.0%</title>"), "{svg}");
    }
}
