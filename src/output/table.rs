//! The terminal report: headline sentences wrapped at words, the main table
//! fitted to the terminal's width (short headers, human period labels,
//! columns dropped by priority and said so), notes, and the ledger.

use comfy_table::{Attribute, CellAlignment, Color, ContentArrangement, Table as Grid, presets};

use super::{Cell, Document, TerminalColumn};
use crate::input::ledger::{Ledger, Reason};

/// `width`: the terminal's columns to fit (None: draw everything, as for a
/// file); `color`: the verdict line and signals in colour.
pub fn render(document: &Document, width: Option<usize>, color: bool) -> String {
    let mut out = String::new();
    for (i, line) in document.headline.iter().enumerate() {
        let text = match width {
            Some(w) => wrap(line, w),
            None => line.clone(),
        };
        match (i, document.verdict, color) {
            (0, Some(verdict), true) => {
                let code = if verdict == crate::stats::verdict::Verdict::Forest { "1;31" } else { "1;32" };
                out.push_str(&format!("\x1b[{code}m{text}\x1b[0m"));
            }
            _ => out.push_str(&text),
        }
        out.push('\n');
    }
    for line in &document.terminal_extra {
        out.push_str(&width.map(|w| wrap(line, w)).unwrap_or_else(|| line.clone()));
        out.push('\n');
    }
    if !document.headline.is_empty() || !document.terminal_extra.is_empty() {
        out.push('\n');
    }
    out.push_str(&grid(&document.main, document.terminal_columns.as_deref(), width, color));
    for table in &document.extra {
        out.push('\n');
        out.push_str(&table.name.replace('_', " "));
        out.push_str(":\n");
        out.push_str(&grid(table, None, width, color));
    }
    for note in &document.notes {
        out.push('\n');
        out.push_str(&width.map(|w| wrap(note, w)).unwrap_or_else(|| note.clone()));
        out.push('\n');
    }
    out.push('\n');
    for ledger in &document.ledgers {
        let line = ledger_line(ledger);
        out.push_str(&width.map(|w| wrap(&line, w)).unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Wrap `text` at word boundaries to `width` columns; a bullet line
/// (`  • …`) continues under its text.
pub fn wrap(text: &str, width: usize) -> String {
    let lead = text.len() - text.trim_start_matches(' ').len();
    let body = &text[lead..];
    let indent = lead + if body.starts_with("• ") { 2 } else { 0 };
    let mut out = String::new();
    let mut line = " ".repeat(lead);
    let mut column = lead;
    let mut empty = true;
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !empty && column + 1 + len > width {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
            column = indent;
            empty = true;
        }
        if !empty {
            line.push(' ');
            column += 1;
        }
        line.push_str(word);
        column += len;
        empty = false;
    }
    out.push_str(&line);
    out
}

/// Display width of a cell's text (one column per character).
fn text_width(text: &str) -> usize {
    text.chars().count()
}

/// The columns to show, fitted to `width`: the lowest `keep` (the rightmost
/// among equals) go first. Returns (index, header) and the headers left out.
fn fit(
    table: &super::Grid,
    view: &[TerminalColumn],
    width: Option<usize>,
) -> (Vec<(usize, String)>, Vec<String>) {
    // The terminal columns come from the same list as the grid's
    // (`report::summary`): a name the grid lacks is a bug, not a column
    // to leave out quietly.
    let mut shown: Vec<(usize, &TerminalColumn, usize)> = view
        .iter()
        .map(|c| {
            let i = table.columns.iter().position(|n| *n == c.name).unwrap_or_else(|| {
                panic!("terminal column {:?} is not a column of the {} table", c.name, table.name)
            });
            let cells = table.rows.iter().map(|r| text_width(&human(&r[i]))).max().unwrap_or(0);
            (i, c, cells.max(text_width(&c.header)))
        })
        .collect();
    let mut dropped = Vec::new();
    // Box drawing: one border per column and one more, a space either side.
    let total = |cols: &[(usize, &TerminalColumn, usize)]| cols.iter().map(|c| c.2 + 3).sum::<usize>() + 1;
    if let Some(width) = width {
        // Columns of equal priority go together (an interval's low and high).
        while shown.len() > 1 && total(&shown) > width {
            let lowest = shown.iter().map(|c| c.1.keep).min().expect("more than one column");
            let (gone, kept): (Vec<_>, Vec<_>) = shown.into_iter().partition(|c| c.1.keep == lowest);
            if kept.is_empty() {
                shown = gone;
                dropped.push(shown.pop().expect("not empty").1.header.clone());
                continue;
            }
            dropped.extend(gone.iter().rev().map(|c| c.1.header.clone()));
            shown = kept;
        }
    }
    (shown.into_iter().map(|(i, c, _)| (i, c.header.clone())).collect(), dropped)
}

/// One table drawn with comfy-table, fitted to `width` when given.
fn grid(table: &super::Grid, view: Option<&[TerminalColumn]>, width: Option<usize>, color: bool) -> String {
    let all: Vec<TerminalColumn>;
    let view = match view {
        Some(v) => v,
        None => {
            // Without a view: every column, the leftmost kept longest.
            let n = table.columns.len();
            all = table
                .columns
                .iter()
                .enumerate()
                .map(|(k, c)| TerminalColumn::new(c, c, (n - k).min(255) as u8))
                .collect();
            &all
        }
    };
    let (shown, dropped) = fit(table, view, width);
    let mut grid = Grid::new();
    grid.load_preset(presets::UTF8_FULL_CONDENSED);
    grid.set_content_arrangement(ContentArrangement::Disabled);
    grid.set_header(shown.iter().map(|(_, header)| header.clone()));
    for row in &table.rows {
        grid.add_row(shown.iter().map(|&(i, _)| {
            let mut cell = comfy_table::Cell::new(human(&row[i]));
            if matches!(row[i], Cell::Int(_) | Cell::Fraction(_) | Cell::Number(_) | Cell::Missing) {
                cell = cell.set_alignment(CellAlignment::Right);
            }
            if color && let Cell::Signal { text, alarm } = &row[i] {
                cell = match (text.as_str(), alarm) {
                    ("below", _) => cell.fg(Color::Blue).add_attribute(Attribute::Bold),
                    (_, true) => cell.fg(Color::Red).add_attribute(Attribute::Bold),
                    ("", false) => cell,
                    (_, false) => cell.add_attribute(Attribute::Dim),
                };
            }
            cell
        }));
    }
    let mut text = grid.to_string();
    text.push('\n');
    if !dropped.is_empty() {
        let line = format!(
            "Not shown at this width: {}. See every column with --format csv (or --format json), or in a wider terminal.",
            dropped.join(", ")
        );
        text.push_str(&width.map(|w| wrap(&line, w)).unwrap_or(line));
        text.push('\n');
    }
    text
}

/// One sentence per input file: rows read, used, rejected and why.
pub fn ledger_line(ledger: &Ledger) -> String {
    let mut line = format!(
        "{} ({}): {} rows read, {} used",
        ledger.table,
        ledger.file,
        thousands(ledger.rows_read),
        thousands(ledger.rows_used)
    );
    for (reason, rejected) in &ledger.rejected {
        let rows: Vec<String> = rejected.first_rows.iter().map(|r| r.to_string()).collect();
        let example = rejected.example.as_ref().map(|e| format!("e.g. {e:?}"));
        // Rows counted in bulk (outside the days counted, filtered groups of
        // deliveries) have no row numbers.
        let located = (!rows.is_empty()).then(|| {
            format!("row {}{}", rows.join(", "), if rejected.rows as usize > rows.len() { ", …" } else { "" })
        });
        let detail: Vec<String> = located.into_iter().chain(example).collect();
        line.push_str(&format!(", {} {reason}", thousands(rejected.rows)));
        if !detail.is_empty() {
            line.push_str(&format!(" ({})", detail.join("; ")));
        }
    }
    for (what, rows) in &ledger.notes {
        line.push_str(&format!("; {} used {}", thousands(*rows), what.text()));
    }
    line.push('.');
    line
}

/// One line for stderr when rows of a table were not used: read, used, and
/// what became of the rest, grouped as a person asks (merged, rejected,
/// filtered, outside the days counted, left out of rates). `None` when
/// every row was used.
pub fn loss_line(ledger: &Ledger) -> Option<String> {
    // Rows outside --from/--to were asked to be left out: alone, no news.
    if ledger.rejected.keys().all(|reason| *reason == Reason::OutsideRange) {
        return None;
    }
    let mut groups: Vec<(&str, u64)> = Vec::new();
    let mut add = |what: &'static str, rows: u64| match groups.iter_mut().find(|g| g.0 == what) {
        Some(g) => g.1 += rows,
        None => groups.push((what, rows)),
    };
    for (reason, rejected) in &ledger.rejected {
        add(
            match reason {
                Reason::MoreEvents => "merged (same complaint id)",
                Reason::MoreLines => "merged (same order)",
                Reason::Filtered(_) => "filtered out by --where",
                Reason::OutsideRange => "outside --from/--to",
                Reason::OutsideCoverage => "outside the days both exports cover",
                Reason::NoDeliveries => "left out of rates (segment without deliveries)",
                _ => "rejected",
            },
            rejected.rows,
        );
    }
    let parts: Vec<String> =
        groups.iter().map(|(what, rows)| format!("{} {what}", thousands(*rows))).collect();
    Some(format!(
        "{} ({}): {} read, {} used; {}. See --format json (ledger) for the reasons and rows.",
        ledger.table,
        ledger.file,
        thousands(ledger.rows_read),
        thousands(ledger.rows_used),
        parts.join(", ")
    ))
}

/// A value as a person reads it: 300,000; 0.10%; 1.00; 2025-W10.
pub fn human(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Signal { text: s, .. } => s.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Period { label, .. } => label.clone(),
        Cell::Int(n) => thousands(*n),
        Cell::Fraction(None) | Cell::Number(None) | Cell::Missing => String::new(),
        Cell::Fraction(Some(v)) => percent(*v),
        Cell::Number(Some(v)) if *v != 0.0 && v.abs() < 0.01 => small_number(*v),
        Cell::Number(Some(v)) => format!("{v:.2}"),
    }
}

/// A small number in plain decimals with three significant digits
/// (0.00309), never in scientific notation; below one in a million,
/// "<0.000001".
fn small_number(v: f64) -> String {
    if v.abs() < 1e-6 {
        return if v > 0.0 { "<0.000001".into() } else { ">-0.000001".into() };
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(2, 8) as usize;
    format!("{v:.decimals$}")
}

/// 1234567 → "1,234,567" (kept with the run's guards, whose messages in
/// the input layer need it too).
pub use crate::guard::thousands;

/// A share (0..=1) as a percentage that never reads 100% unless it is:
/// 8,380 of 8,384 is "99.9%".
pub fn share(fraction: f64) -> String {
    let text = percent(fraction);
    if fraction < 1.0 && text == "100.0%" { "99.9%".into() } else { text }
}

/// A fraction as a percentage with two significant digits below 1%:
/// 0.001 → "0.10%", 0.3333 → "33.3%", 0 → "0%".
pub fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p == 0.0 {
        return "0%".into();
    }
    let decimals = (1 - p.abs().log10().floor() as i32).clamp(1, 6) as usize;
    format!("{p:.decimals$}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers() {
        assert_eq!(thousands(300_000), "300,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(percent(0.001), "0.10%");
        assert_eq!(percent(1.0 / 3.0), "33.3%");
        assert_eq!(percent(0.0523), "5.2%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(share(8380.0 / 8384.0), "99.9%");
        assert_eq!(share(1.0), "100.0%");
        assert_eq!(human(&Cell::Number(Some(0.00309))), "0.00309");
        assert_eq!(human(&Cell::Number(Some(0.0123))), "0.01");
        assert_eq!(human(&Cell::Number(Some(0.00123456))), "0.00123");
        assert_eq!(human(&Cell::Number(Some(2e-9))), "<0.000001");
    }

    #[test]
    fn wrapping_at_words_with_a_hanging_bullet() {
        let text = "  • 72 complaints per 5,000 deliveries from 2025-01-06 to 2025-03-10: 1.4%, 1 in 69.";
        let wrapped = wrap(text, 40);
        assert!(wrapped.lines().all(|l| l.chars().count() <= 40), "{wrapped}");
        assert_eq!(wrapped.lines().next().unwrap(), "  • 72 complaints per 5,000 deliveries");
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("    ") && !l.starts_with("     ")),
            "{wrapped}"
        );
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        // A word longer than the width stays whole on its own line.
        assert_eq!(wrap("a verylongword b", 5), "a\nverylongword\nb");
    }
}
