//! Excel workbook: one sheet per section (the main table, further tables,
//! the summary sentences, the ledger), with real numbers, dates and
//! percentage formats.

use anyhow::Result;
use chrono::Datelike;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use super::{Cell, Document, Grid};

pub fn render(document: &Document) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    // A fixed creation time: the same data give a byte-identical workbook.
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    for table in std::iter::once(&document.main).chain(&document.extra) {
        write_table(workbook.add_worksheet(), table)?;
    }
    if !document.headline.is_empty() || !document.notes.is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name("summary")?;
        for (row, line) in document.headline.iter().chain(&document.notes).enumerate() {
            sheet.write_string(row as u32, 0, line.trim_start_matches(['•', ' ']))?;
        }
        sheet.set_column_width(0, 120)?;
    }
    if !document.ledgers.is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name("ledger")?;
        let bold = Format::new().set_bold();
        for (col, name) in
            ["table", "file", "rows_read", "rows_used", "reason", "rows", "first_rows", "example"]
                .iter()
                .enumerate()
        {
            sheet.write_string_with_format(0, col as u16, *name, &bold)?;
        }
        let mut row = 1u32;
        for l in &document.ledgers {
            let mut reasons: Vec<(String, u64, String, String)> = l
                .rejected
                .iter()
                .map(|(reason, r)| {
                    let rows: Vec<String> = r.first_rows.iter().map(u64::to_string).collect();
                    (reason.to_string(), r.rows, rows.join(" "), r.example.clone().unwrap_or_default())
                })
                .collect();
            if reasons.is_empty() {
                reasons.push((String::new(), 0, String::new(), String::new()));
            }
            for (reason, rows, first, example) in reasons {
                sheet.write_string(row, 0, &l.table)?;
                sheet.write_string(row, 1, &l.file)?;
                sheet.write_number(row, 2, l.rows_read as f64)?;
                sheet.write_number(row, 3, l.rows_used as f64)?;
                if !reason.is_empty() {
                    sheet.write_string(row, 4, &reason)?;
                    sheet.write_number(row, 5, rows as f64)?;
                    sheet.write_string(row, 6, &first)?;
                    sheet.write_string(row, 7, &example)?;
                }
                row += 1;
            }
        }
        sheet.autofit();
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_table(sheet: &mut Worksheet, table: &Grid) -> Result<()> {
    sheet.set_name(table.name.chars().take(31).collect::<String>())?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.000%");
    let number = Format::new().set_num_format("0.0000");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (col, name) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) | Cell::Signal { text: s, .. } if s.is_empty() => {}
                Cell::Text(s) | Cell::Signal { text: s, .. } => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Date(d) | Cell::Period { start: d, .. } => {
                    let excel = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &excel, &date)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Fraction(Some(v)) => {
                    sheet.write_number_with_format(r, c, *v, &percent)?;
                }
                Cell::Number(Some(v)) => {
                    sheet.write_number_with_format(r, c, *v, &number)?;
                }
                Cell::Fraction(None) | Cell::Number(None) | Cell::Missing => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}
