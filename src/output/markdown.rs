//! Markdown: the headline as a paragraph, then each table as a pipe table.

use super::Document;
use super::table::human;

pub fn render(document: &Document) -> String {
    let mut out = String::new();
    for line in &document.headline {
        out.push_str(line);
        out.push_str("\n\n");
    }
    for table in std::iter::once(&document.main).chain(&document.extra) {
        out.push_str(&format!("| {} |\n", table.columns.join(" | ")));
        let rule: String = table.columns.iter().map(|_| "---|").collect();
        out.push_str(&format!("|{rule}\n"));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| human(c).replace('|', "\\|")).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
    }
    for note in &document.notes {
        out.push_str(&format!("> {note}\n"));
    }
    out
}
