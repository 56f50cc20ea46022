//! A specialised, exact counter for the big table: deliveries in plain CSV
//! grouped by (time key, segment values, count text), without building a
//! DataFrame. Measured faster and far smaller than the polars scan for this
//! one query (BENCHMARKS.md). Quoting follows the csv crate (RFC 4180); two
//! threads split a large file at a newline proven to lie outside quotes (an
//! even number of `"` before it), else one thread reads it all.

use foldhash::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result};
use csv::ByteRecord;

use super::per_customer::{self, Counter, PerCustomer};

/// How the time field becomes the group key (as `TimeKey` in `deliveries`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyCut {
    Whole,
    /// The first n characters.
    Prefix(usize),
    /// Leading whitespace skipped, then up to `T` or whitespace.
    DatePart,
}

/// One group: time key, segment values and count text (None = empty field),
/// and how many rows it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub key: Option<String>,
    pub segment: Vec<Option<String>>,
    pub count: Option<String>,
    pub rows: u64,
}

/// Which fields to read, by position.
#[derive(Clone, Debug)]
pub struct Fields {
    pub time: usize,
    pub segments: Vec<usize>,
    pub count: Option<usize>,
    pub cut: KeyCut,
    /// Also count rows per value of this field (deliveries per customer).
    pub customer: Option<usize>,
}

/// The groups, and rows per customer value (trimmed; missing values left
/// out) when `Fields::customer` asked for them.
pub struct Counted {
    pub groups: Vec<Group>,
    pub per_customer: Option<PerCustomer>,
}

/// Rows per group key.
#[derive(Default)]
struct Tally {
    groups: HashMap<Vec<u8>, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (key, n) in other.groups {
            *self.groups.entry(key).or_default() += n;
        }
    }
}

/// Add one to `key`'s tally, copying the key only the first time.
fn bump(map: &mut HashMap<Vec<u8>, u64>, key: &[u8]) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_vec(), 1);
        }
    }
}

const SPLIT_AT_LEAST: u64 = 64 << 20;
const SEPARATOR: u8 = 0xFF; // never in UTF-8

/// Count the groups of every file (each with a header line).
pub fn count(files: &[impl AsRef<Path>], delimiter: u8, fields: &Fields) -> Result<Counted> {
    let mut total = Tally::default();
    let customers = fields.customer.map(|_| per_customer::Counter::default());
    for file in files {
        total.merge(count_file(file.as_ref(), delimiter, fields, customers.as_ref())?);
    }
    let mut groups: Vec<Group> = std::mem::take(&mut total.groups)
        .into_iter()
        .map(|(key, rows)| decode(&key, rows, fields))
        .collect::<Result<_>>()?;
    groups.sort_by(|a, b| (&a.key, &a.segment, &a.count).cmp(&(&b.key, &b.segment, &b.count)));
    let per_customer = customers.map(per_customer::Counter::finish).transpose()?;
    Ok(Counted { groups, per_customer })
}

fn count_file(path: &Path, delimiter: u8, fields: &Fields, customers: Option<&Counter>) -> Result<Tally> {
    let size = std::fs::metadata(path)?.len();
    let split = if size >= SPLIT_AT_LEAST { safe_split(path, size)? } else { None };
    match split {
        None => count_range(path, 0, size, true, delimiter, fields, customers),
        Some(at) => {
            let (first, second) = std::thread::scope(|scope| {
                let first = scope.spawn(|| count_range(path, 0, at, true, delimiter, fields, customers));
                let second = count_range(path, at, size, false, delimiter, fields, customers);
                (first.join().expect("counting thread"), second)
            });
            let mut merged = first?;
            merged.merge(second?);
            Ok(merged)
        }
    }
}

/// A byte offset just after a newline near the middle with an even number
/// of quote characters before it (so outside any quoted field), if any.
fn safe_split(path: &Path, size: u64) -> Result<Option<u64>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(size / 2))?;
    let mut probe = vec![0u8; 1 << 20];
    let n = file.read(&mut probe)?;
    let Some(newline) = probe[..n].iter().position(|&b| b == b'\n') else { return Ok(None) };
    let at = size / 2 + newline as u64 + 1;
    let mut quotes = 0u64;
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?.take(at));
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        quotes += buffer[..n].iter().filter(|&&b| b == b'"').count() as u64;
    }
    Ok((quotes.is_multiple_of(2) && at < size).then_some(at))
}

fn count_range(
    path: &Path,
    start: u64,
    end: u64,
    header: bool,
    delimiter: u8,
    fields: &Fields,
    customers: Option<&Counter>,
) -> Result<Tally> {
    let mut file = File::open(path).with_context(|| format!("{}: cannot open the file", path.display()))?;
    file.seek(SeekFrom::Start(start))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(header)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(file.take(end - start));
    let mut record = ByteRecord::new();
    let mut key = Vec::with_capacity(64);
    let mut tally = Tally::default();
    let mut batch = customers.map(Counter::batch);
    while reader.read_byte_record(&mut record)? {
        if let (Some(batch), Some(c)) = (&mut batch, fields.customer.and_then(|c| record.get(c))) {
            batch.add(c);
        }
        key.clear();
        push_field(&mut key, record.get(fields.time).map(|t| cut(t, fields.cut)));
        for &s in &fields.segments {
            push_field(&mut key, record.get(s));
        }
        if let Some(c) = fields.count {
            push_field(&mut key, record.get(c));
        }
        bump(&mut tally.groups, &key);
    }
    if let Some(batch) = batch {
        batch.finish();
    }
    Ok(tally)
}

/// Empty fields are missing (as polars reads them).
fn push_field(key: &mut Vec<u8>, value: Option<&[u8]>) {
    match value.filter(|v| !v.is_empty()) {
        None => key.push(0),
        Some(v) => {
            key.push(1);
            key.extend_from_slice(v);
        }
    }
    key.push(SEPARATOR);
}

fn cut(value: &[u8], how: KeyCut) -> &[u8] {
    match how {
        KeyCut::Whole => value,
        KeyCut::Prefix(chars) => {
            // n characters, not bytes (a UTF-8 lead byte starts each one).
            let mut seen = 0;
            for (i, &b) in value.iter().enumerate() {
                if b & 0xC0 != 0x80 {
                    if seen == chars {
                        return &value[..i];
                    }
                    seen += 1;
                }
            }
            value
        }
        KeyCut::DatePart => {
            let start = value.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(value.len());
            let rest = &value[start..];
            let end = rest.iter().position(|&b| b == b'T' || b.is_ascii_whitespace()).unwrap_or(rest.len());
            &rest[..end]
        }
    }
}

/// `cut` for text already decoded (the Parquet counter's keys).
pub fn cut_text(value: &str, how: KeyCut) -> &str {
    // A cut ends at a character boundary, so the part is always UTF-8.
    std::str::from_utf8(cut(value.as_bytes(), how)).unwrap_or(value)
}

fn decode(key: &[u8], rows: u64, fields: &Fields) -> Result<Group> {
    let mut parts = key.split(|&b| b == SEPARATOR).map(|part| -> Result<Option<String>> {
        match part.split_first() {
            Some((1, text)) => Ok(Some(String::from_utf8(text.to_vec()).context("not UTF-8 text")?)),
            _ => Ok(None),
        }
    });
    let key_text = parts.next().transpose()?.flatten();
    let segment = (0..fields.segments.len())
        .map(|_| parts.next().transpose().map(Option::flatten))
        .collect::<Result<_>>()?;
    let count = match fields.count {
        Some(_) => parts.next().transpose()?.flatten(),
        None => None,
    };
    // A date part cut to nothing reads as missing, like polars' empty match.
    let key_text = key_text.filter(|k| !k.is_empty() || fields.cut == KeyCut::Whole);
    Ok(Group { key: key_text, segment, count, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts() {
        assert_eq!(cut(b"2024-01-05 10:00", KeyCut::Prefix(10)), b"2024-01-05");
        assert_eq!(cut("Rīga-01-05 x".as_bytes(), KeyCut::Prefix(4)), "Rīga".as_bytes());
        assert_eq!(cut(b"  2024-1-5T10:00", KeyCut::DatePart), b"2024-1-5");
        assert_eq!(cut(b"2024-W05", KeyCut::DatePart), b"2024-W05");
    }

    #[test]
    fn counts_with_quotes_and_both_halves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let mut text = String::from("id,when,region\n");
        for i in 0..2000 {
            // Quoted fields with embedded newlines and delimiters.
            text.push_str(&format!("{i},2024-01-0{} 10:00,\"Re,\ngion {}\"\n", i % 3 + 1, i % 2));
        }
        text.push_str("x,,\n");
        std::fs::write(&path, &text).unwrap();
        let fields =
            Fields { time: 1, segments: vec![2], count: None, cut: KeyCut::Prefix(10), customer: Some(0) };
        let counted = count(&[&path], b',', &fields).unwrap();
        let whole = counted.groups;
        assert_eq!(whole.iter().map(|g| g.rows).sum::<u64>(), 2001);
        assert!(whole.iter().any(|g| g.key.is_none() && g.segment == vec![None]));
        // Rows per customer (the id column here): every id once, "x" too.
        let per_customer = counted.per_customer.unwrap();
        assert_eq!(
            (per_customer.len(), per_customer.get("17"), per_customer.get("x")),
            (2001, Some(1), Some(1))
        );
        // A split in the middle (forced) gives the same groups when it is safe.
        let size = std::fs::metadata(&path).unwrap().len();
        if let Some(at) = safe_split(&path, size).unwrap() {
            let a = count_range(&path, 0, at, true, b',', &fields, None).unwrap();
            let b = count_range(&path, at, size, false, b',', &fields, None).unwrap();
            let total: u64 = a.groups.values().chain(b.groups.values()).sum();
            assert_eq!(total, 2001);
        }
    }
}
