//! JSON (one object: head members, the main table as an array of objects,
//! the ledger and the parameters) and NDJSON (one object per main-table row).

use anyhow::Result;
use serde_json::{Map, Value};

use super::{Document, Grid};

fn row_objects(table: &Grid) -> Vec<Value> {
    table
        .rows
        .iter()
        .map(|row| {
            let object: Map<String, Value> =
                table.columns.iter().cloned().zip(row.iter().map(|c| c.to_json())).collect();
            Value::Object(object)
        })
        .collect()
}

pub fn render(document: &Document) -> Result<Vec<u8>> {
    if let Some(whole) = &document.json_whole {
        let mut bytes = serde_json::to_vec_pretty(whole)?;
        bytes.push(b'\n');
        return Ok(bytes);
    }
    let mut object = Map::new();
    for (name, value) in &document.json_head {
        object.insert(name.clone(), value.clone());
    }
    object.insert(document.main.name.clone(), Value::Array(row_objects(&document.main)));
    for table in &document.extra {
        object.insert(table.name.clone(), Value::Array(row_objects(table)));
    }
    let ledger: Map<String, Value> = document
        .ledgers
        .iter()
        .map(|l| Ok((l.table.clone(), serde_json::to_value(l)?)))
        .collect::<Result<_>>()?;
    object.insert("ledger".into(), Value::Object(ledger));
    object.insert("parameters".into(), document.parameters.clone());
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(object))?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub fn render_lines(table: &Grid) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for object in row_objects(table) {
        serde_json::to_writer(&mut bytes, &object)?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}
