//! A self-contained HTML report: one file, inline CSS, no script and no
//! network, in the order a manager reads — the verdict and its facts, the
//! picture, the further sections (segments, repeats, concentration,
//! categories), the main table in its own scrolling box with a sticky
//! header, and the ledger. It fits a 400-px phone and a wide screen without
//! the page scrolling sideways, and prints on A4.

use std::fmt::Write as _;

use super::table::{human, ledger_line};
use super::{Cell, Document, Grid, Section, chart};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1100px;\
padding:0 16px 32px;color:#222;line-height:1.45;overflow-wrap:anywhere}\
h1{font-size:1.45em;margin:.8em 0 .4em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;\
padding-bottom:.2em}\
.verdict{font-size:1.2em;font-weight:bold;padding:.6em .9em;border-radius:6px;margin:.6em 0}\
.forest{background:#fde2e1;color:#8a1c14}.bushes{background:#e3f4e8;color:#1d5a2e}\
ul.facts{padding-left:1.2em}ul.facts li{margin:.35em 0}\
figure{margin:.6em 0}svg{display:block;width:100%;height:auto}\
.narrow{display:none}@media (max-width:640px){.wide{display:none}.narrow{display:block}}\
.scroll{overflow:auto;max-height:70vh;border:1px solid #ddd;border-radius:4px}\
table{border-collapse:collapse;font-size:.88em;width:max-content;min-width:100%}\
th,td{border-bottom:1px solid #e4e4e4;padding:.3em .6em;white-space:nowrap;text-align:left}\
thead th{position:sticky;top:0;background:#f6f6f6;z-index:1}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.flag td{background:#fff3cd}.note{color:#555;font-size:.9em}\
nav{font-size:.9em;color:#555}nav a{color:#1f4e79;margin-right:.8em}\
@media print{@page{size:A4;margin:14mm}body{max-width:none;padding:0;font-size:10pt}\
nav{display:none}.scroll{overflow:visible;max-height:none;border:none}\
table{width:100%;font-size:8pt}th,td{white-space:normal;padding:2px 4px}thead th{position:static}\
figure,tr{break-inside:avoid}h2{break-after:avoid}.wide{display:block}.narrow{display:none}}";

pub fn render(document: &Document, title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    let main_id = document.main.name.clone();
    let mut contents: Vec<(String, String)> = Vec::new();
    if document.figure.is_some() {
        contents.push(("picture".into(), "Picture".into()));
    }
    contents.extend(document.sections.iter().map(|s| (s.id.clone(), s.title.clone())));
    contents.push((main_id.clone(), capitalised(&document.main.name)));
    if !document.ledgers.is_empty() {
        contents.push(("ledger".into(), "Ledger".into()));
    }
    out.push_str("<nav>");
    for (id, name) in &contents {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", escape(name));
    }
    out.push_str("</nav>\n");

    let mut lines = document.headline.iter();
    if let Some(verdict) = &document.verdict
        && let Some(first) = lines.next()
    {
        let _ = writeln!(out, "<p class=\"verdict {}\">{}</p>", verdict.as_str(), escape(first));
    }
    sentences(&mut out, &lines.collect::<Vec<_>>());
    if let Some(figure) = &document.figure {
        let _ = writeln!(out, "<section id=\"picture\">\n{}</section>", picture(figure));
    }
    for section in &document.sections {
        render_section(&mut out, section);
    }
    let _ = writeln!(
        out,
        "<section id=\"{}\">\n<h2>{}</h2>",
        escape(&main_id),
        escape(&capitalised(&document.main.name))
    );
    table(&mut out, &document.main);
    out.push_str("</section>\n");
    for extra in &document.extra {
        let _ = writeln!(out, "<h2>{}</h2>", escape(&capitalised(&extra.name)));
        table(&mut out, extra);
    }
    for note in &document.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
    if !document.ledgers.is_empty() {
        out.push_str("<section id=\"ledger\">\n<h2>Ledger: every input row used or rejected</h2>\n");
        for ledger in &document.ledgers {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&ledger_line(ledger)));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn capitalised(name: &str) -> String {
    let name = name.replace('_', " ");
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn sentences(out: &mut String, lines: &[&String]) {
    if lines.is_empty() {
        return;
    }
    out.push_str("<ul class=\"facts\">\n");
    for line in lines {
        let _ = writeln!(out, "<li>{}</li>", escape(line.trim_start_matches(['•', ' '])));
    }
    out.push_str("</ul>\n");
}

fn render_section(out: &mut String, section: &Section) {
    let _ = writeln!(out, "<section id=\"{}\">\n<h2>{}</h2>", escape(&section.id), escape(&section.title));
    sentences(out, &section.sentences.iter().collect::<Vec<_>>());
    if let Some(figure) = &section.figure {
        out.push_str(&picture(figure));
    }
    if let Some(t) = &section.table {
        table(out, t);
    }
    out.push_str("</section>\n");
}

/// A picture drawn twice: for a screen, and narrower for a phone (CSS
/// shows the one that fits), so its text stays readable on both.
fn picture(figure: &chart::Figure) -> String {
    format!(
        "<figure><div class=\"wide\">{}</div><div class=\"narrow\">{}</div></figure>\n",
        chart::to_svg(figure),
        chart::to_svg_width(figure, 480.0)
    )
}

/// A table in its own scrolling box, the header sticky.
fn table(out: &mut String, table: &Grid) {
    out.push_str("<div class=\"scroll\">\n<table>\n<thead><tr>");
    for c in &table.columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        // From the row's typed signal, never from cell text: a segment
        // named "high" is not a flag.
        let flagged = row.iter().any(Cell::is_alarm);
        out.push_str(if flagged { "<tr class=\"flag\">" } else { "<tr>" });
        for cell in row {
            let numeric = matches!(cell, Cell::Int(_) | Cell::Fraction(_) | Cell::Number(_) | Cell::Missing);
            let _ =
                write!(out, "<td{}>{}</td>", if numeric { " class=\"n\"" } else { "" }, escape(&human(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}
