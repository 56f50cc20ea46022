//! Markdown: the headline as a paragraph, then the main table as a pipe table.

use super::Document;
use super::table::human;

pub fn render(document: &Document) -> String {
    let mut out = String::new();
    for line in &document.headline {
        out.push_str(line);
        out.push_str("\n\n");
    }
    let table = &document.main;
    out.push_str(&format!("| {} |\n", table.columns.join(" | ")));
    out.push_str(&format!(
        "|{}\n",
        table.columns.iter().map(|_| "---|").collect::<String>()
    ));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| human(c).replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    for note in &document.notes {
        out.push_str(&format!("\n> {note}\n"));
    }
    out
}
