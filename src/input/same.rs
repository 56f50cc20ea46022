//! Which rows of a text column hold the same value, as `input::present`
//! reads it (trimmed; missing words are no value): for every row, the
//! first row that holds its value. Loading millions of complaints asks this
//! of the complaint ids (later events of one complaint), the customer ids
//! (their codes) and each column of a few values (channel, category,
//! segments).
//!
//! One hash table probed row by row costs a cache miss a row on one core.
//! Here the rows are split, on every core, into parts by a hash of their
//! value, and each part, small enough for the cache, is matched on its
//! own (measured in BENCHMARKS.md). A value of up to 12 bytes is compared
//! as the 16 bytes polars holds it in (its length, then its bytes), never
//! as text.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering};

use foldhash::HashMap;
use polars::prelude::*;
use polars_arrow::array::{Array, Utf8ViewArray};
use rayon::prelude::*;

use super::present;

/// No value: missing, or a missing word (`input::present`).
pub const NONE: u32 = u32::MAX;

const PARTS: usize = 256;
/// The longest value held inside its view.
const INLINE: usize = 12;
/// A value longer than `INLINE`: compared as text, by its hash first.
const LONG: u64 = u64::MAX;

/// A row's value as a key: the length and bytes of a value of up to 12
/// bytes (the layout of a polars view), or `[LONG, hash]`.
type Key = [u64; 2];

#[derive(Clone, Copy)]
struct Entry {
    key: Key,
    row: u32,
}

/// For every row, the first row with the same value; `NONE` where there is
/// no value.
pub fn first_rows(column: &StringChunked) -> Vec<u32> {
    let column = column.rechunk();
    let Some(array) = column.downcast_iter().next() else { return Vec::new() };
    let rows = array.len();
    let threads = rayon::current_num_threads().max(1);
    let step = rows.div_ceil(threads).max(1);
    let starts: Vec<usize> = (0..rows).step_by(step).collect();
    let ranges: Vec<std::ops::Range<usize>> = starts.iter().map(|&s| s..(s + step).min(rows)).collect();
    few_values(array, &ranges).unwrap_or_else(|| many_values(array, &ranges))
}

/// A column of a few distinct values (a channel, a region): each thread
/// lists its range's values, the lists are merged in row order, and each
/// row finds its value in the list. None when there are more than `FEW`.
fn few_values(array: &Utf8ViewArray, ranges: &[std::ops::Range<usize>]) -> Option<Vec<u32>> {
    let hasher = foldhash::fast::FixedState::default();
    // Each range's values in order, and each row's place in that list.
    let local: Vec<Option<Listed>> = ranges
        .par_iter()
        .map(|range| {
            let mut values: Vec<(Key, u32)> = Vec::new();
            let mut places = Vec::with_capacity(range.len());
            for row in range.clone() {
                let Some(key) = key(array, row, &hasher) else {
                    places.push(u8::MAX);
                    continue;
                };
                let place = match values.iter().position(|(k, _)| *k == key) {
                    Some(place) => place,
                    None if values.len() == FEW => return None,
                    None => {
                        values.push((key, row as u32));
                        values.len() - 1
                    }
                };
                places.push(place as u8);
            }
            Some((values, places))
        })
        .collect::<Vec<_>>();
    let local: Vec<Listed> = local.into_iter().collect::<Option<_>>()?;
    let mut first: Vec<(Key, u32)> = Vec::new();
    for (key, row) in local.iter().flat_map(|(values, _)| values) {
        if !first.iter().any(|(k, _)| k == key) {
            first.push((*key, *row));
        }
    }
    if first.iter().any(|(key, _)| key[0] == LONG) {
        // Long values are told apart by their text, not their hash.
        return None;
    }
    let mut out = Vec::with_capacity(array.len());
    for (values, places) in &local {
        let rows: Vec<u32> =
            values.iter().map(|(key, _)| first.iter().find(|(k, _)| k == key).expect("merged").1).collect();
        out.extend(places.iter().map(|&p| if p == u8::MAX { NONE } else { rows[p as usize] }));
    }
    Some(out)
}

/// A range's values in order (with their first rows), and each row's place
/// in that list (`u8::MAX`: no value).
type Listed = (Vec<(Key, u32)>, Vec<u8>);

/// The most values a column of "a few" has (each looked for in turn).
const FEW: usize = 16;

/// A column of many values (ids): rows split into parts by their value's
/// hash on every core, each part matched on its own.
fn many_values(array: &Utf8ViewArray, ranges: &[std::ops::Range<usize>]) -> Vec<u32> {
    let hasher = foldhash::fast::FixedState::default();
    // Each thread's rows, by part (in row order within each).
    let split: Vec<Vec<Vec<Entry>>> = ranges
        .par_iter()
        .map(|range| {
            let size = range.len() / PARTS + range.len() / PARTS / 8 + 4;
            let mut parts: Vec<Vec<Entry>> = (0..PARTS).map(|_| Vec::with_capacity(size)).collect();
            for row in range.clone() {
                if let Some(key) = key(array, row, &hasher) {
                    let part = (hasher.hash_one(key) >> 56) as usize;
                    parts[part].push(Entry { key, row: row as u32 });
                }
            }
            parts
        })
        .collect();
    let first: Vec<AtomicU32> = (0..array.len()).map(|_| AtomicU32::new(NONE)).collect();
    (0..PARTS).into_par_iter().for_each(|part| {
        let entries = split.iter().map(|parts| parts[part].len()).sum();
        let mut short: HashMap<Key, u32> = HashMap::with_capacity_and_hasher(entries, Default::default());
        let mut long: HashMap<&str, u32> = HashMap::default();
        for entry in split.iter().flat_map(|parts| &parts[part]) {
            let found = if entry.key[0] == LONG {
                let text = present(Some(array.value(entry.row as usize))).expect("a value");
                *long.entry(text).or_insert(entry.row)
            } else {
                *short.entry(entry.key).or_insert(entry.row)
            };
            first[entry.row as usize].store(found, Ordering::Relaxed);
        }
    });
    first.into_iter().map(AtomicU32::into_inner).collect()
}

/// A word `input::present` reads as missing (the value trimmed).
fn missing_word(value: &[u8]) -> bool {
    match value.len() {
        1 => value == b"?" || value == b"-",
        2 => value.eq_ignore_ascii_case(b"na"),
        3 => value.eq_ignore_ascii_case(b"n/a"),
        4 => value.eq_ignore_ascii_case(b"null"),
        _ => false,
    }
}

/// The key of row `row`'s value, if it has one.
fn key(array: &Utf8ViewArray, row: usize, hasher: &foldhash::fast::FixedState) -> Option<Key> {
    if array.validity().is_some_and(|valid| !valid.get_bit(row)) {
        return None;
    }
    let view = array.views()[row];
    let length = view.length as usize;
    if length <= INLINE {
        // Printable at both ends and no missing word: as read.
        let bits = view.as_u128();
        let bytes = bits.to_le_bytes();
        let plain = |b: u8| (b'!'..=b'~').contains(&b);
        if length > 0 && plain(bytes[4]) && plain(bytes[3 + length]) && !missing_word(&bytes[4..4 + length]) {
            let kept = if length == INLINE { bits } else { bits & ((1u128 << (8 * (4 + length))) - 1) };
            return Some([kept as u64, (kept >> 64) as u64]);
        }
    }
    let text = present(Some(array.value(row)))?;
    if text.len() > INLINE {
        return Some([LONG, hasher.hash_one(text)]);
    }
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    bytes[4..4 + text.len()].copy_from_slice(text.as_bytes());
    let bits = u128::from_le_bytes(bytes);
    Some([bits as u64, (bits >> 64) as u64])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_rows_column(values: &[Option<String>]) -> StringChunked {
        StringChunked::from_iter(values.iter().map(|v| v.as_deref()))
    }

    #[test]
    fn first_rows_as_a_map_finds_them() {
        let values: Vec<Option<String>> = (0..20_000)
            .map(|i| match i % 9 {
                0 => None,
                1 => Some("  NA ".to_string()),
                2 => Some(format!(" C{} ", i % 700)),
                3 => Some(format!("C{}", i % 700)),
                4 => Some(format!("a-customer-id-longer-than-twelve-{}", i % 40)),
                5 => Some(format!("  a-customer-id-longer-than-twelve-{}", i % 40)),
                6 => Some("twelve bytes".to_string()),
                7 => Some(format!("Kunde-Ø{}", i % 7)),
                8 if i % 2 == 0 => Some(["?", "-", "n/A", "NULL", "nullx", "web", " web"][i % 7].to_string()),
                _ => Some(String::new()),
            })
            .collect();
        let column = first_rows_column(&values);
        // Two chunks, to be rechunked.
        let mut two = column.slice(0, 7_000);
        two.append(&column.slice(7_000, 13_000)).unwrap();
        let got = first_rows(&two);
        let mut seen = std::collections::HashMap::new();
        let expected: Vec<u32> = values
            .iter()
            .enumerate()
            .map(|(row, v)| match present(v.as_deref()) {
                None => NONE,
                Some(text) => *seen.entry(text.to_string()).or_insert(row as u32),
            })
            .collect();
        assert_eq!(got, expected);
        assert!(got.iter().filter(|&&f| f != NONE).count() > 10_000);
        assert!(first_rows(&StringChunked::from_iter(std::iter::empty::<Option<&str>>())).is_empty());
        // The same through the table of a few values (and of many, forced).
        let few: Vec<Option<String>> =
            values.iter().map(|v| v.clone().filter(|v| v.len() < 12 && !v.trim().starts_with('C'))).collect();
        let column = StringChunked::from_iter(few.iter().map(|v| v.as_deref()));
        let array = column.downcast_iter().next().unwrap();
        let ranges = [0..5_000, 5_000..20_000];
        let by_few = few_values(array, &ranges).expect("a few values");
        assert_eq!(by_few, many_values(array, &ranges));
        assert_eq!(by_few, first_rows(&column));
        assert!(few_values(first_rows_column(&values).downcast_iter().next().unwrap(), &ranges).is_none());
    }
}
