//! A self-contained HTML report (one file, no network): the headline, the
//! chart as inline SVG, every table, the notes and the ledger.

use std::fmt::Write as _;

use super::table::{human, ledger_line};
use super::{Cell, Document, chart};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;\
color:#222;padding:0 1em}h1{font-size:1.4em}.verdict{font-size:1.3em;font-weight:bold;padding:.6em 1em;border-radius:6px}\
.forest{background:#fde2e1;color:#8a1c14}.bushes{background:#e3f4e8;color:#1d5a2e}ul.facts li{margin:.3em 0}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border-bottom:1px solid #ddd;padding:.3em .6em}\
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.flag td{background:#fff3cd}.note{color:#555;font-size:.9em}\
svg{max-width:100%;height:auto}";

pub fn render(document: &Document, title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    let mut lines = document.headline.iter();
    if let Some(verdict) = &document.verdict
        && let Some(first) = lines.next()
    {
        let _ = writeln!(out, "<p class=\"verdict {}\">{}</p>", verdict.as_str(), escape(first));
    }
    let facts: Vec<&String> = lines.collect();
    if !facts.is_empty() {
        out.push_str("<ul class=\"facts\">\n");
        for fact in facts {
            let _ = writeln!(out, "<li>{}</li>", escape(fact.trim_start_matches(['•', ' '])));
        }
        out.push_str("</ul>\n");
    }
    if let Some(figure) = &document.figure {
        out.push_str(&chart::to_svg(figure));
    }
    for table in std::iter::once(&document.main).chain(&document.extra) {
        let _ = writeln!(out, "<h2>{}</h2>\n<table>\n<tr>", escape(&table.name.replace('_', " ")));
        for c in &table.columns {
            let _ = write!(out, "<th>{}</th>", escape(c));
        }
        out.push_str("</tr>\n");
        for row in &table.rows {
            // From the row's typed signal, never from cell text: a segment
            // named "high" is not a flag.
            let flagged = row.iter().any(Cell::is_alarm);
            out.push_str(if flagged { "<tr class=\"flag\">" } else { "<tr>" });
            for cell in row {
                let numeric =
                    matches!(cell, Cell::Int(_) | Cell::Fraction(_) | Cell::Number(_) | Cell::Missing);
                let _ = write!(
                    out,
                    "<td{}>{}</td>",
                    if numeric { " class=\"n\"" } else { "" },
                    escape(&human(cell))
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    for note in &document.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
    for ledger in &document.ledgers {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&ledger_line(ledger)));
    }
    out.push_str("</body>\n</html>\n");
    out
}
