//! Inputs polars cannot scan as they are — compressed files, legacy or
//! UTF-16 encodings, Excel workbooks, NDJSON, stdin — are turned into a
//! temporary UTF-8 CSV, streaming, with one record per source row so row
//! numbers keep their meaning.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader, open_workbook_auto};
use encoding_rs::Encoding;
use encoding_rs_io::DecodeReaderBytesBuilder;

/// How a file is compressed, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Bzip2,
    /// A zip archive holding one table.
    Zip,
}

impl Compression {
    pub fn of(path: &Path) -> Compression {
        match extension(path).as_str() {
            "gz" | "gzip" => Compression::Gzip,
            "zst" | "zstd" => Compression::Zstd,
            "bz2" | "bzip2" => Compression::Bzip2,
            "zip" => Compression::Zip,
            _ => Compression::None,
        }
    }

    /// By extension, else by the file's first bytes (a zip or gzip file
    /// named `.csv` is still read, never taken for text in a strange encoding).
    pub fn detect(path: &Path) -> Compression {
        match Compression::of(path) {
            Compression::None => {
                let mut magic = [0u8; 4];
                let read = File::open(path).and_then(|mut f| f.read_exact(&mut magic));
                match (read.is_ok(), magic) {
                    (true, [b'P', b'K', 3, 4]) => Compression::Zip,
                    (true, [0x1f, 0x8b, _, _]) => Compression::Gzip,
                    (true, [b'B', b'Z', b'h', b'1'..=b'9']) => Compression::Bzip2,
                    (true, [0x28, 0xb5, 0x2f, 0xfd]) => Compression::Zstd,
                    _ => Compression::None,
                }
            }
            known => known,
        }
    }
}

/// The one table in a zip archive, copied to `target` as UTF-8 (decoded
/// as `transcode` does). An archive of several files, or of a Parquet file
/// or workbook, is refused with what it holds.
pub fn unzip_to(path: &Path, encoding: Option<&'static Encoding>, target: &Path) -> Result<()> {
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("{shown}: cannot open the file"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .with_context(|| format!("{shown}: a damaged zip archive"))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| !n.ends_with('/') && !n.starts_with("__MACOSX/") && !n.ends_with(".DS_Store"))
        .collect();
    let [name] = names.as_slice() else {
        bail!(
            "{shown}: a zip archive with {} files ({}); extract the one table to read and pass it",
            names.len(),
            names.join(", ")
        );
    };
    if matches!(
        extension(Path::new(name)).as_str(),
        "parquet" | "xlsx" | "xls" | "ods" | "gz" | "zst" | "zip"
    ) {
        bail!("{shown}: a zip archive holding {name}; extract it and pass {name} itself");
    }
    let entry =
        archive.by_name(name).with_context(|| format!("{shown}: cannot read {name} in the zip archive"))?;
    transcode(entry, encoding, target)
        .with_context(|| format!("{shown}: cannot read {name} in the zip archive"))
}

/// Lower-case extension of a path.
pub fn extension(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// The file's bytes, decompressed on the fly.
pub fn open_bytes(path: &Path) -> Result<Box<dyn Read>> {
    let shown = path.display();
    if path == Path::new("-") {
        return Ok(Box::new(io::stdin().lock()));
    }
    let file = File::open(path).with_context(|| format!("{shown}: cannot open the file"))?;
    let file = BufReader::with_capacity(1 << 20, file);
    Ok(match Compression::detect(path) {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(file)
                .map_err(|e| anyhow::anyhow!("{shown}: not a zstd file: {e}"))?,
        ),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        Compression::Zip => bail!("{shown}: a zip archive is read through unzip_to"),
    })
}

/// Copy `input` to `target` as UTF-8: decoded from `encoding` when given,
/// else from UTF-16 when a BOM says so; a UTF-8 BOM is dropped.
pub fn transcode(input: impl Read, encoding: Option<&'static Encoding>, target: &Path) -> Result<()> {
    let mut decoder =
        DecodeReaderBytesBuilder::new().encoding(encoding).bom_override(true).strip_bom(true).build(input);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(target)?);
    io::copy(&mut decoder, &mut out)?;
    out.flush()?;
    Ok(())
}

/// The first sheet (or `sheet`) of a workbook as CSV: dates as ISO text,
/// whole numbers without a decimal point.
pub fn workbook_to_csv(path: &Path, sheet: Option<&str>, target: &Path) -> Result<()> {
    let shown = path.display();
    let mut workbook =
        open_workbook_auto(path).with_context(|| format!("{shown}: not a readable Excel workbook"))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .with_context(|| format!("{shown}: no sheet {s:?}; its sheets are: {}", names.join(", ")))?,
        None => names.first().cloned().with_context(|| format!("{shown}: the workbook has no sheets"))?,
    };
    let range =
        workbook.worksheet_range(&name).with_context(|| format!("{shown}: cannot read sheet {name:?}"))?;
    let mut writer = csv::Writer::from_path(target)?;
    for row in range.rows() {
        writer.write_record(row.iter().map(cell_text))?;
    }
    writer.flush()?;
    Ok(())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            // Serial fractions of a day land a millisecond off (09:59:59.999):
            // round to the nearest second.
            let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
            let exact = chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(da))
                .and_then(|date| date.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s)))
                .map(|t| t + chrono::Duration::seconds(i64::from(ms >= 500)));
            match exact {
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => d.as_f64().to_string(),
            }
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Newline-delimited JSON objects as CSV; columns in first-seen order over
/// the whole file (two passes), nested values as JSON text.
pub fn ndjson_to_csv(path: &Path, target: &Path) -> Result<()> {
    let shown = path.display();
    let mut columns: Vec<String> = Vec::new();
    let mut known = std::collections::HashSet::new();
    for (i, line) in BufReader::new(open_bytes(path)?).lines().enumerate() {
        let line = line.with_context(|| format!("{shown}: line {} is not UTF-8 text", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{shown}: line {} is not a JSON object", i + 1))?;
        let Some(object) = value.as_object() else { bail!("{shown}: line {} is not a JSON object", i + 1) };
        for key in object.keys() {
            if known.insert(key.clone()) {
                columns.push(key.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_path(target)?;
    writer.write_record(&columns)?;
    for line in BufReader::new(open_bytes(path)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)?;
        writer.write_record(columns.iter().map(|c| match value.get(c) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }))?;
    }
    writer.flush()?;
    Ok(())
}

/// A named encoding (`windows-1257`, `latin1`, `iso-8859-15`, …).
pub fn encoding_named(name: &str) -> Result<&'static Encoding> {
    Encoding::for_label(name.trim().as_bytes()).with_context(|| {
        format!(
            "--encoding {name:?} is not an encoding this tool knows; use a WHATWG label such as \
             utf-8, windows-1252, windows-1257, iso-8859-1, iso-8859-15, utf-16le"
        )
    })
}

/// A fresh path in `dir` for a materialised copy of `source`.
pub fn temp_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("input-{index}.csv"))
}
