//! Inputs polars cannot scan as they are — compressed files, legacy or
//! UTF-16 encodings, Excel workbooks, NDJSON, stdin — are turned into a
//! temporary UTF-8 CSV, streaming, with one record per source row so row
//! numbers keep their meaning.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

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
pub fn unzip_to(
    path: &Path,
    encoding: Option<&'static Encoding>,
    max_rows: Option<u64>,
    target: &Path,
) -> Result<()> {
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("{shown}: cannot open the file"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .with_context(|| format!("{shown}: a damaged zip archive"))?;
    if archive.len() > 1000 {
        bail!(
            "{shown}: a zip archive of {} members; a table's export holds one. Extract the table to read and pass it",
            archive.len()
        );
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| !n.ends_with('/') && !n.starts_with("__MACOSX/") && !n.ends_with(".DS_Store"))
        .collect();
    let [name] = names.as_slice() else {
        let listed: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
        bail!(
            "{shown}: a zip archive with {} files ({}{}); extract the one table to read and pass it",
            names.len(),
            listed.join(", "),
            if names.len() > listed.len() { ", …" } else { "" }
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
    // Never written under its own name, but a member named outside the
    // archive's folder is a sign of a crafted archive: refused.
    if entry.enclosed_name().is_none() || outside_the_archive(name) {
        bail!(
            "{shown}: the zip member {name:?} has an absolute path or '..' in it: refused (a crafted archive?)"
        );
    }
    let stored = entry.compressed_size();
    transcode(Bounded::new(entry, Packed::Stored(stored)).at_most(max_rows), encoding, target)
        .with_context(|| format!("{shown}: cannot read {name} in the zip archive"))
}

/// A member name that points outside the folder it would be extracted to:
/// absolute (`/etc/…`, `C:\\…`, `\\\\server\\…`) or climbing (`..`).
fn outside_the_archive(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with(['/', '\\'])
        || (bytes.len() > 1 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
        || name.split(['/', '\\']).any(|part| part == "..")
}

/// A size in words: 64 KB, 12 MB, 1.5 GB.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{} MB", b >> 20),
        b => format!("{} KB", (b >> 10).max(1)),
    }
}

/// Lower-case extension of a path.
pub fn extension(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// The file's bytes, decompressed on the fly, refused as a bomb when they
/// expand absurdly or hold an absurdly long line (see [`Bounded`]).
/// `max_rows`: more lines than this (and the header) are refused too.
pub fn open_bytes(path: &Path, max_rows: Option<u64>) -> Result<Box<dyn Read>> {
    let shown = path.display();
    if path == Path::new("-") {
        return Ok(Box::new(Bounded::new(io::stdin().lock(), Packed::Plain).at_most(max_rows)));
    }
    let file = File::open(path).with_context(|| format!("{shown}: cannot open the file"))?;
    let compression = Compression::detect(path);
    if compression == Compression::None {
        let file = BufReader::with_capacity(1 << 20, file);
        return Ok(Box::new(Bounded::new(file, Packed::Plain).at_most(max_rows)));
    }
    // Small reads of the packed file, counted, so the ratio is judged on
    // what was really unpacked so far.
    let packed = Rc::new(Cell::new(0));
    let file = BufReader::with_capacity(64 << 10, Counted { inner: file, read: packed.clone() });
    let unpacked: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(file)
                .map_err(|e| anyhow::anyhow!("{shown}: not a zstd file: {e}"))?,
        ),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        Compression::Zip | Compression::None => bail!("{shown}: a zip archive is read through unzip_to"),
    };
    Ok(Box::new(Bounded::new(unpacked, Packed::Read(packed)).at_most(max_rows)))
}

/// A compressed input that expands more than this is refused as a bomb:
/// exports compress 5–20-fold, deflate cannot pass about 1030.
pub const MAX_RATIO: u64 = 1000;
/// The ratio is judged once this much is unpacked (a small file of one
/// repeated row may compress absurdly well and still be harmless).
const RATIO_AFTER: u64 = 64 << 20;
/// A line longer than this is refused: no export has one, and it would
/// have to be held whole. (A 100 MB quoted note is still read.)
pub const MAX_LINE: u64 = 256 << 20;

/// How much of the packed input produced the bytes so far.
enum Packed {
    /// Not compressed: no ratio to judge.
    Plain,
    /// Bytes read from the compressed file so far.
    Read(Rc<Cell<u64>>),
    /// A zip member's stored size (the reader never reads past it).
    Stored(u64),
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// An input stream with bounds: an error (read as the refusal's sentence)
/// once it has expanded more than [`MAX_RATIO`]-fold or a line passes
/// [`MAX_LINE`] — within a second of the bomb starting, not after it has
/// filled the disk or the memory.
struct Bounded<R> {
    inner: R,
    packed: Packed,
    unpacked: u64,
    line: u64,
    lines: u64,
    /// Rows beyond which the table cannot be held (`TableOptions::max_rows`).
    max_rows: Option<u64>,
}

impl<R> Bounded<R> {
    fn new(inner: R, packed: Packed) -> Bounded<R> {
        Bounded { inner, packed, unpacked: 0, line: 0, lines: 0, max_rows: None }
    }

    fn at_most(mut self, rows: Option<u64>) -> Bounded<R> {
        self.max_rows = rows;
        self
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, part) in buf[..n].split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.lines += 1;
                self.line = 0;
            }
            self.line += part.len() as u64;
        }
        if self.line > MAX_LINE {
            return Err(io::Error::other(format!(
                "line {} is longer than {} MB: refused (no export has such a line; is this a CSV file?)",
                self.lines + 1,
                MAX_LINE >> 20
            )));
        }
        if let Some(max) = self.max_rows
            && self.lines > max + 1
        {
            return Err(io::Error::other(crate::guard::too_many_rows(
                &format!("it holds {} rows or more", self.lines),
                max,
            )));
        }
        self.unpacked += n as u64;
        let packed = match &self.packed {
            Packed::Plain => None,
            Packed::Read(read) => Some(read.get()),
            Packed::Stored(size) => Some(*size),
        };
        if let Some(packed) = packed
            && self.unpacked > RATIO_AFTER
            && self.unpacked > MAX_RATIO * packed.max(1)
        {
            return Err(io::Error::other(format!(
                "it expands more than {MAX_RATIO}-fold ({} of it became {} so far): refused as a \
                 decompression bomb. Exports compress 5 to 20-fold; if this one is real, decompress it \
                 yourself and pass the file",
                size(packed),
                size(self.unpacked)
            )));
        }
        Ok(n)
    }
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
    for (i, line) in BufReader::new(open_bytes(path, None)?).lines().enumerate() {
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
    for line in BufReader::new(open_bytes(path, None)?).lines() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_outside_the_archive() {
        for name in
            ["/etc/passwd.csv", "../up.csv", "a/../../b.csv", "C:\\x.csv", "\\\\srv\\x.csv", "a\\..\\b.csv"]
        {
            assert!(outside_the_archive(name), "{name}");
        }
        for name in ["complaints.csv", "export/2024/complaints.csv", "a..b.csv"] {
            assert!(!outside_the_archive(name), "{name}");
        }
    }

    #[test]
    fn a_stream_is_refused_past_the_ratio_or_the_longest_line() {
        let read = |bytes: Vec<u8>, packed: u64| {
            let mut out = Vec::new();
            Bounded::new(bytes.as_slice(), Packed::Stored(packed)).read_to_end(&mut out).map(|_| out.len())
        };
        let lines = |n: usize| b"1,2024-01-01\n".repeat(n / 13 + 1);
        // 70 MB from 70 KB: 1000-fold, refused; from 700 KB: read.
        assert!(read(lines(70 << 20), 70 << 10).unwrap_err().to_string().contains("1000-fold"));
        assert!(read(lines(70 << 20), 700 << 10).is_ok());
        // Small files may compress absurdly well: not judged below 64 MB.
        assert!(read(lines(1 << 20), 1).is_ok());
        let mut long = b"id\n".to_vec();
        long.resize((MAX_LINE + 10) as usize, b'x');
        assert!(read(long, u64::MAX >> 12).unwrap_err().to_string().contains("line 2 is longer than 256 MB"));
    }
}
