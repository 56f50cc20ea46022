//! The terminal report: headline sentences, the main table (comfy-table,
//! numbers formatted for people), notes, and the ledger.

use comfy_table::{CellAlignment, ContentArrangement, Table as Grid, presets};

use super::{Cell, Document};
use crate::input::ledger::Ledger;

/// `wrap`: fit the table to the terminal's width (only when printing to one);
/// `color`: the verdict line in red (forest) or green (bushes).
pub fn render(document: &Document, wrap: bool, color: bool) -> String {
    let mut out = String::new();
    for (i, line) in document.headline.iter().enumerate() {
        match (i, document.verdict, color) {
            (0, Some(verdict), true) => {
                let code = if verdict == crate::stats::verdict::Verdict::Forest { "1;31" } else { "1;32" };
                out.push_str(&format!("\x1b[{code}m{line}\x1b[0m"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    if !document.headline.is_empty() {
        out.push('\n');
    }
    out.push_str(&grid(&document.main, document.terminal_columns.as_deref(), wrap));
    for table in &document.extra {
        out.push('\n');
        out.push_str(&table.name.replace('_', " "));
        out.push_str(":\n");
        out.push_str(&grid(table, None, wrap));
    }
    for note in &document.notes {
        out.push('\n');
        out.push_str(note);
        out.push('\n');
    }
    out.push('\n');
    for ledger in &document.ledgers {
        out.push_str(&ledger_line(ledger));
        out.push('\n');
    }
    out
}

/// One table drawn with comfy-table; `shown` names the columns to keep.
fn grid(table: &super::Table, shown: Option<&[String]>, wrap: bool) -> String {
    let shown: Vec<usize> = match shown {
        Some(names) => names.iter().filter_map(|n| table.columns.iter().position(|c| c == n)).collect(),
        None => (0..table.columns.len()).collect(),
    };
    let mut grid = Grid::new();
    grid.load_preset(presets::UTF8_FULL_CONDENSED);
    grid.set_content_arrangement(if wrap {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    grid.set_header(shown.iter().map(|&i| table.columns[i].clone()));
    for row in &table.rows {
        grid.add_row(shown.iter().map(|&i| {
            let cell = comfy_table::Cell::new(human(&row[i]));
            match row[i] {
                Cell::Int(_) | Cell::Fraction(_) | Cell::Number(_) | Cell::Missing => {
                    cell.set_alignment(CellAlignment::Right)
                }
                _ => cell,
            }
        }));
    }
    let mut text = grid.to_string();
    text.push('\n');
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
        line.push_str(&format!("; {} used {what}", thousands(*rows)));
    }
    line.push('.');
    line
}

/// A value as a person reads it: 300,000; 0.10%; 1.00.
pub fn human(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Signal { text: s, .. } => s.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Int(n) => thousands(*n),
        Cell::Fraction(None) | Cell::Number(None) | Cell::Missing => String::new(),
        Cell::Fraction(Some(v)) => percent(*v),
        Cell::Number(Some(v)) if *v != 0.0 && v.abs() < 0.01 => format!("{v:.2e}"),
        Cell::Number(Some(v)) => format!("{v:.2}"),
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

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
    }
}
