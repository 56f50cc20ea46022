//! CSV and TSV: the main table, header first, values as `Cell::plain`.

use anyhow::Result;

use super::Table;

pub fn render(table: &Table, delimiter: u8) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|c| c.plain()))?;
    }
    Ok(writer.into_inner()?)
}
