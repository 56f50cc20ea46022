//! CSV and TSV: the main table, header first, values as `Cell::plain`.

use anyhow::Result;

use super::{Cell, Grid};

pub fn render(table: &Grid, delimiter: u8) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|c| c.plain()))?;
    }
    Ok(writer.into_inner()?)
}

/// CSV that European Excel opens correctly on a double-click: `;`, decimal
/// comma in reals, and a UTF-8 BOM.
pub fn render_excel(table: &Grid) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer("\u{feff}".as_bytes().to_vec());
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|c| match c {
            Cell::Fraction(_) | Cell::Number(_) => c.plain().replace('.', ","),
            _ => c.plain(),
        }))?;
    }
    Ok(writer.into_inner()?)
}
