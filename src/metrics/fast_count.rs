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
    pub per_customer: Option<std::collections::HashMap<String, u64>>,
}

/// Rows per group key, and per customer value.
#[derive(Default)]
struct Tally {
    groups: HashMap<Vec<u8>, u64>,
    customers: CustomerTally,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (key, n) in other.groups {
            *self.groups.entry(key).or_default() += n;
        }
        self.customers.merge(other.customers);
    }
}

/// Rows per customer value (the Parquet counter's too): values of up to 15
/// bytes (most ids) packed into one integer, so a lookup compares integers
/// and follows no pointer; longer ones as bytes.
#[derive(Default)]
pub struct CustomerTally {
    short: HashMap<u128, u64>,
    long: HashMap<Vec<u8>, u64>,
}

impl CustomerTally {
    /// One row of this customer (empty values are missing: not counted).
    pub fn add(&mut self, value: &[u8]) {
        if value.is_empty() {
            return;
        }
        match pack(value) {
            Some(packed) => *self.short.entry(packed).or_default() += 1,
            None => bump(&mut self.long, value),
        }
    }

    pub fn merge(&mut self, other: CustomerTally) {
        for (key, n) in other.short {
            *self.short.entry(key).or_default() += n;
        }
        for (key, n) in other.long {
            *self.long.entry(key).or_default() += n;
        }
    }

    /// Rows per customer, trimmed, missing values (`present`) left out.
    pub fn into_map(self) -> Result<std::collections::HashMap<String, u64>> {
        let mut map = std::collections::HashMap::new();
        let short = self.short.into_iter().map(|(packed, n)| (unpack(packed), n));
        for (key, rows) in short.chain(self.long) {
            let text = std::str::from_utf8(&key).context("not UTF-8 text")?;
            if let Some(customer) = crate::input::present(Some(text)) {
                *map.entry(customer.to_string()).or_default() += rows;
            }
        }
        Ok(map)
    }
}

/// Up to 15 bytes and their length in one integer (the length tells
/// "a" from "a\0").
fn pack(value: &[u8]) -> Option<u128> {
    if value.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..value.len()].copy_from_slice(value);
    bytes[15] = value.len() as u8;
    Some(u128::from_le_bytes(bytes))
}

fn unpack(packed: u128) -> Vec<u8> {
    let bytes = packed.to_le_bytes();
    bytes[..bytes[15] as usize].to_vec()
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
    for file in files {
        total.merge(count_file(file.as_ref(), delimiter, fields)?);
    }
    let mut groups: Vec<Group> = std::mem::take(&mut total.groups)
        .into_iter()
        .map(|(key, rows)| decode(&key, rows, fields))
        .collect::<Result<_>>()?;
    groups.sort_by(|a, b| (&a.key, &a.segment, &a.count).cmp(&(&b.key, &b.segment, &b.count)));
    let per_customer = match fields.customer {
        None => None,
        Some(_) => Some(total.customers.into_map()?),
    };
    Ok(Counted { groups, per_customer })
}

fn count_file(path: &Path, delimiter: u8, fields: &Fields) -> Result<Tally> {
    let size = std::fs::metadata(path)?.len();
    let split = if size >= SPLIT_AT_LEAST { safe_split(path, size)? } else { None };
    match split {
        None => count_range(path, 0, size, true, delimiter, fields),
        Some(at) => {
            let (first, second) = std::thread::scope(|scope| {
                let first = scope.spawn(|| count_range(path, 0, at, true, delimiter, fields));
                let second = count_range(path, at, size, false, delimiter, fields);
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
    while reader.read_byte_record(&mut record)? {
        if let Some(c) = fields.customer.and_then(|c| record.get(c)) {
            tally.customers.add(c);
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
    fn packed_ids_round_trip() {
        for value in [&b""[..], b"a", b"a\0", b"C0000225", b"exactly15bytes!"] {
            assert_eq!(unpack(pack(value).unwrap()), value);
        }
        assert_ne!(pack(b"a"), pack(b"a\0"));
        assert_eq!(pack(b"sixteen bytes!!!"), None);
    }

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
        assert_eq!((per_customer.len(), per_customer["17"], per_customer["x"]), (2001, 1, 1));
        // A split in the middle (forced) gives the same groups when it is safe.
        let size = std::fs::metadata(&path).unwrap().len();
        if let Some(at) = safe_split(&path, size).unwrap() {
            let a = count_range(&path, 0, at, true, b',', &fields).unwrap();
            let b = count_range(&path, at, size, false, b',', &fields).unwrap();
            let total: u64 = a.groups.values().chain(b.groups.values()).sum();
            assert_eq!(total, 2001);
        }
    }
}
