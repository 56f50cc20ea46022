//! Deliveries per customer id, counted in the deliveries counters' own pass
//! (CSV and Parquet) by all their threads into one table.
//!
//! A year of deliveries has millions of customers, a table far larger than
//! the cache, and counting one row at a time into it costs a cache miss per
//! row. So the table is split into `PARTS` parts by a hash of the id; each
//! thread keeps its rows' ids in a small buffer, and when the buffer is full
//! sorts them by part and counts each part's ids in one go, under that
//! part's lock, touching a run of ids' slots before counting them so that
//! their misses overlap (`slots`). The threads share the one table: nothing
//! is merged at the end or held twice. Once counted, each part is held at
//! nine slots in ten used; most entries take 16 bytes.
//!
//! Ids written as a fixed text and a number (`C0348589`) are counted
//! apart, each thread in its own array by the number (`numbered`), each
//! array added into one sum as its thread finishes: no hash and 4 bytes a
//! customer.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use std::borrow::Cow;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use super::numbered::{self, Shape};
use super::slots::{AHEAD, Id, Slots};
use super::{DeliveriesSource, DeliveryCounts};
use crate::input::ledger::Reason;
use crate::input::roles::Role;
use crate::input::source::explain_read_error;
use crate::input::warehouse::DeliveriesQuery;
use crate::input::{DateRange, parse_count, present};
use foldhash::HashMap;
use rayon::prelude::*;

const PARTS: usize = 256;
/// Tables of customers larger than this are held at nine slots in ten
/// (`Counter::finish`).
const HOLD_ABOVE: usize = 256 << 20;
/// Ids a thread holds before it counts them (16 bytes each, twice: as
/// read and sorted by part).
const BUFFER: usize = 1 << 19;
/// Places in the arrays of numbered ids counted at a time (`count_places`).
const PLACES: usize = 256;
/// The most bytes the arrays of numbered ids may take together (one a
/// counting thread and their sum); on many cores a wide span of numbers is
/// counted in the hashed table instead, which all threads share.
const ARRAYS_AT_MOST: usize = 512 << 20;

/// An id of up to 15 bytes in two words; most ids fit, and then a lookup
/// compares integers. Up to 8 bytes and no NUL byte: the id, zero-padded,
/// and a zero second word (held in one word: 16 bytes an entry, not 24).
/// Else the id and, in the last byte, its length (which tells "a" from
/// "a\0").
type Packed = [u64; 2];

/// A packed id of 9 to 11 bytes (or shorter, with a NUL) in 12 bytes: its
/// count is held in 4 bytes, so an entry takes 16 bytes, not 24 (a year's
/// tens of millions of customers mostly have such ids).
type Narrow = [u32; 3];

/// A narrow count that outgrew 4 bytes: the count is then in `Part::short`.
const MOVED: u32 = u32::MAX;

/// An id of up to 8 bytes without a NUL: the first word of its packed form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Word(u64);

impl Id for Word {
    #[inline]
    fn mixed(&self) -> u64 {
        hash_packed(&[self.0, 0])
    }

    fn bits(&self) -> u64 {
        self.0
    }
}

impl Id for Narrow {
    #[inline]
    fn mixed(&self) -> u64 {
        hash_packed(&widen(self))
    }

    fn bits(&self) -> u64 {
        u64::from(self[0])
    }
}

impl Id for Packed {
    #[inline]
    fn mixed(&self) -> u64 {
        hash_packed(self)
    }

    fn bits(&self) -> u64 {
        self[0]
    }
}

#[derive(Clone, Default)]
struct Part {
    word: Slots<Word, u64>,
    narrow: Slots<Narrow, u32>,
    /// Also the narrow ids whose count outgrew 4 bytes.
    short: Slots<Packed, u64>,
    long: HashMap<Box<[u8]>, u64>,
}

impl Part {
    /// Add `n` rows of an id (of this part), packed or long.
    fn add_id(&mut self, id: &[u8], n: u64) {
        match pack(id) {
            Some(packed) => self.add(packed, n),
            None => bump(&mut self.long, id, n),
        }
    }

    fn add(&mut self, id: Packed, n: u64) {
        match (id, narrow(&id)) {
            ([word, 0], _) => self.word.update(Word(word), |count| *count += n),
            (_, Some(key)) => {
                let mut moved = None;
                self.narrow.update(key, |count| moved = add_narrow(count, n));
                if let Some(before) = moved {
                    self.short.update(id, |count| *count += before + n);
                }
            }
            _ => self.short.update(id, |count| *count += n),
        }
    }

    /// One row of each id (all of this part), the common kinds a run at a
    /// time (`Slots::update_all`).
    fn add_rows(&mut self, ids: &[Packed], words: &mut Vec<Word>, narrows: &mut Vec<Narrow>) {
        words.clear();
        narrows.clear();
        for &id in ids {
            match (id, narrow(&id)) {
                ([word, 0], _) => words.push(Word(word)),
                (_, Some(key)) => narrows.push(key),
                _ => self.short.update(id, |count| *count += 1),
            }
        }
        self.word.update_all(words, |_, count| *count += 1);
        let mut moved = Vec::new();
        self.narrow.update_all(narrows, |key, count| {
            if let Some(before) = add_narrow(count, 1) {
                moved.push((widen(&key), before));
            }
        });
        for (id, before) in moved {
            self.short.update(id, |count| *count += before + 1);
        }
    }

    /// The same counts, held at nine slots in ten used: tens of millions of
    /// customers are held while the report is made.
    fn held(self) -> Part {
        Part { word: self.word.held(), narrow: self.narrow.held(), short: self.short.held(), long: self.long }
    }

    fn bytes(&self) -> usize {
        self.word.bytes() + self.narrow.bytes() + self.short.bytes()
    }

    fn len(&self) -> usize {
        let moved = self.narrow.iter().filter(|&(_, n)| n == MOVED).count();
        self.word.len() + self.narrow.len() - moved + self.short.len() + self.long.len()
    }

    /// Read the slot `get` looks in first (`Slots::touch`).
    fn touch(&self, id: &Packed) -> u64 {
        match (id, narrow(id)) {
            ([word, 0], _) => self.word.touch(&Word(*word)),
            (_, Some(key)) => self.narrow.touch(&key),
            _ => self.short.touch(id),
        }
    }

    fn get(&self, id: &Packed) -> Option<u64> {
        match (id, narrow(id)) {
            ([word, 0], _) => self.word.get(&Word(*word)),
            (_, Some(key)) => match self.narrow.get(&key) {
                Some(MOVED) => self.short.get(id),
                found => found.map(u64::from),
            },
            _ => self.short.get(id),
        }
    }

    /// The packed ids and their counts.
    fn packed(&self) -> impl Iterator<Item = (Packed, u64)> + '_ {
        let words = self.word.iter().map(|(w, n)| ([w.0, 0], n));
        let narrow = self.narrow.iter().filter(|&(_, n)| n != MOVED).map(|(k, n)| (widen(&k), u64::from(n)));
        words.chain(narrow).chain(self.short.iter())
    }
}

/// Add `n` to a narrow count; when it would outgrow 4 bytes, mark it moved
/// and give back what it held, for the wide table to add.
fn add_narrow(count: &mut u32, n: u64) -> Option<u64> {
    match u32::try_from(u64::from(*count) + n) {
        Ok(sum) if *count != MOVED && sum != MOVED => {
            *count = sum;
            None
        }
        _ => {
            let before = if *count == MOVED { 0 } else { u64::from(*count) };
            *count = MOVED;
            Some(before)
        }
    }
}

/// Deliveries per customer: ids trimmed, missing values (`input::present`)
/// left out.
#[derive(Clone)]
pub struct PerCustomer {
    parts: Vec<Part>,
    /// The ids of one shape, when most ids have it.
    numbered: Option<Numbered>,
}

/// Deliveries of the ids of one shape, by their place (`Shape::index`);
/// `numbered::MOVED` where the hashed table holds the count.
#[derive(Clone)]
struct Numbered {
    shape: Shape,
    counts: Vec<u32>,
}

impl Numbered {
    /// The deliveries of an id of this shape (`Some(None)`: none); `None`
    /// when the array does not hold the id's count.
    fn get(&self, id: &[u8]) -> Option<Option<u64>> {
        match self.counts[self.shape.index(id)?] {
            0 => Some(None),
            numbered::MOVED => None,
            n => Some(Some(u64::from(n))),
        }
    }

    /// Every (place, deliveries) the array holds.
    fn counted(&self) -> impl ParallelIterator<Item = (usize, u64)> + '_ {
        let held = |&(_, &n): &(usize, &u32)| n != 0 && n != numbered::MOVED;
        self.counts.par_iter().enumerate().filter(held).map(|(i, &n)| (i, u64::from(n)))
    }
}

/// The table while threads count into it (`batch` for each thread).
pub struct Counter {
    parts: Vec<Mutex<Part>>,
    batches: AtomicUsize,
    /// Which ids are counted by number: decided from the first thread's
    /// first ids, before any id is counted.
    shape: OnceLock<Option<Shape>>,
    /// The finished threads' arrays of those counts, added up.
    numbered: Mutex<Option<Vec<u32>>>,
}

/// One thread's ids waiting to be counted.
pub struct Batch<'a> {
    counter: &'a Counter,
    pending: Vec<Packed>,
    sorted: Vec<Packed>,
    /// One part's ids of each common kind, reused.
    words: Vec<Word>,
    narrows: Vec<Narrow>,
    long: HashMap<Box<[u8]>, u64>,
    /// The part this thread counts first (threads start apart, so they
    /// seldom wait for each other's lock).
    first: usize,
    /// Whether the counter's shape is known to this thread (`decide`).
    decided: bool,
    /// This thread's counts of the ids of that shape.
    numbered: Option<(&'a Shape, Vec<u32>)>,
    /// The places in those counts of the last ids read, counted a run at
    /// a time (`count_places`).
    places: Vec<u32>,
}

impl Default for Counter {
    fn default() -> Counter {
        Counter {
            parts: (0..PARTS).map(|_| Mutex::default()).collect(),
            batches: AtomicUsize::new(0),
            shape: OnceLock::new(),
            numbered: Mutex::default(),
        }
    }
}

impl Counter {
    pub fn batch(&self) -> Batch<'_> {
        let n = self.batches.fetch_add(1, Ordering::Relaxed);
        Batch {
            counter: self,
            pending: Vec::with_capacity(BUFFER),
            sorted: Vec::with_capacity(BUFFER),
            words: Vec::new(),
            narrows: Vec::new(),
            long: HashMap::default(),
            first: n.wrapping_mul(PARTS / 2 + 1) % PARTS,
            decided: false,
            numbered: None,
            places: Vec::with_capacity(PLACES),
        }
    }

    /// The counts, once every batch has finished; an id that is not UTF-8
    /// text is an error (as the polars reader would give).
    pub fn finish(self) -> Result<PerCustomer> {
        self.finish_holding_above(HOLD_ABOVE)
    }

    fn finish_holding_above(self, hold_above: usize) -> Result<PerCustomer> {
        let parts: Vec<Part> = self
            .parts
            .into_par_iter()
            .map(|p| p.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let counts = self.numbered.into_inner().unwrap_or_else(PoisonError::into_inner);
        let numbered = self
            .shape
            .into_inner()
            .flatten()
            .map(|shape| Numbered { counts: counts.unwrap_or_else(|| vec![0; shape.len()]), shape });
        // Held at nine slots in ten only when that saves much: it moves
        // every customer (0.1 s of 2 s at 2.4 M customers, to save 12 MB;
        // at 25 M customers it saves 120 MB of the report's memory).
        let bytes: usize = parts.iter().map(Part::bytes).sum();
        let parts = match bytes > hold_above {
            true => parts.into_par_iter().map(Part::held).collect(),
            false => parts,
        };
        let text = |bytes: &[u8]| std::str::from_utf8(bytes).is_ok();
        let all_text = parts.par_iter().all(|part| {
            let short = part.packed().all(|(p, _)| {
                let (bytes, length) = unpack(&p);
                text(&bytes[..length])
            });
            short && part.long.keys().all(|b| text(b))
        });
        if !all_text {
            bail!("a customer id is not UTF-8 text");
        }
        Ok(PerCustomer { parts, numbered })
    }

    fn lock(&self, part: usize) -> std::sync::MutexGuard<'_, Part> {
        self.parts[part].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add `n` rows of an id to the hashed table.
    fn add_hashed(&self, id: &[u8], n: u64) {
        self.lock(part_of(id)).add_id(id, n);
    }
}

/// Add a thread's array of counts into the sum so far; the places whose
/// count would outgrow 4 bytes are marked moved and given back with their
/// whole count, for the hashed table.
fn add_into(sum: &mut [u32], counts: &[u32]) -> Vec<(usize, u64)> {
    const CHUNK: usize = 1 << 16;
    sum.par_chunks_mut(CHUNK)
        .zip(counts.par_chunks(CHUNK))
        .enumerate()
        .flat_map_iter(|(chunk, (sum, counts))| {
            let mut moved = Vec::new();
            for (k, (total, &n)) in sum.iter_mut().zip(counts).enumerate() {
                let whole = match n {
                    0 => None,
                    numbered::MOVED => match std::mem::replace(total, numbered::MOVED) {
                        0 | numbered::MOVED => None,
                        before => Some(u64::from(before)),
                    },
                    n => numbered::add(total, n),
                };
                moved.extend(whole.map(|whole| (chunk * CHUNK + k, whole)));
            }
            moved
        })
        .collect()
}

/// The part of the table an id is counted in.
fn part_of(id: &[u8]) -> usize {
    pack(id).map_or_else(|| part_of_bytes(id), |packed| part_of_packed(&packed))
}

impl Batch<'_> {
    /// One row of this customer (a missing value is not counted).
    pub fn add(&mut self, value: &[u8]) {
        let Some(id) = normalize(value) else { return };
        if let Some((shape, _)) = self.numbered
            && let Some(i) = shape.index(id)
        {
            self.places.push(i as u32);
            if self.places.len() == PLACES {
                self.count_places();
            }
            return;
        }
        match pack(id) {
            Some(packed) => {
                self.pending.push(packed);
                if self.pending.len() == BUFFER {
                    self.count_pending();
                }
            }
            None => {
                bump(&mut self.long, id, 1);
                if self.long.len() == BUFFER / 16 {
                    self.count_long();
                }
            }
        }
    }

    /// Count what is still waiting.
    pub fn finish(mut self) {
        self.count_pending();
        self.count_long();
        self.count_places();
        let Some((shape, counts)) = self.numbered.take() else { return };
        // Added up as each thread finishes: no more arrays are held than
        // threads count at once.
        let moved = {
            let mut sum = self.counter.numbered.lock().unwrap_or_else(PoisonError::into_inner);
            match sum.as_mut() {
                None => {
                    *sum = Some(counts);
                    Vec::new()
                }
                Some(sum) => add_into(sum, &counts),
            }
        };
        for (i, whole) in moved {
            self.counter.add_hashed(shape.text(i).as_bytes(), whole);
        }
    }

    /// Before this thread counts anything into the shared table: learn which
    /// ids are counted by number (the first thread to get here decides, by
    /// the ids it holds), and count the waiting ids of that shape.
    fn decide(&mut self) {
        // A thread with no id yet counts nothing into the table: it leaves
        // the choice to one that has ids.
        if self.decided || (self.pending.is_empty() && self.long.is_empty()) {
            return;
        }
        self.decided = true;
        let counter = self.counter;
        let shape = counter.shape.get_or_init(|| {
            let unpacked: Vec<([u8; 16], usize)> = self.pending.iter().map(unpack).collect();
            let packed = unpacked.iter().map(|(bytes, length)| &bytes[..*length]);
            let shape = Shape::of_sample(packed.chain(self.long.keys().map(|id| &id[..])))?;
            // Each counting thread holds an array, and one more holds their sum.
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            (shape.len() * 4 * (threads + 1) <= ARRAYS_AT_MOST).then_some(shape)
        });
        let Some(shape) = shape else { return };
        self.numbered = Some((shape, vec![0u32; shape.len()]));
        // An id of a shape is never long: only the packed ones are looked at.
        let mut pending = std::mem::take(&mut self.pending);
        pending.retain(|packed| {
            let (bytes, length) = unpack(packed);
            let Some(i) = shape.index(&bytes[..length]) else { return true };
            self.places.push(i as u32);
            if self.places.len() == PLACES {
                self.count_places();
            }
            false
        });
        self.pending = pending;
    }

    /// Count the ids waiting by their places: every place read first, so
    /// that their cache misses overlap (an array of millions of customers
    /// is larger than the cache; one place at a time, each miss was waited
    /// for in turn).
    fn count_places(&mut self) {
        let Some((shape, counts)) = &mut self.numbered else { return };
        let touched = self.places.iter().fold(0u32, |sum, &i| sum.wrapping_add(counts[i as usize]));
        std::hint::black_box(touched);
        for &i in &self.places {
            if let Some(whole) = numbered::add(&mut counts[i as usize], 1) {
                self.counter.add_hashed(shape.text(i as usize).as_bytes(), whole);
            }
        }
        self.places.clear();
    }

    fn count_pending(&mut self) {
        self.decide();
        // Sort the ids by part (a counting sort), then count part by part.
        let parts: Vec<u8> = self.pending.iter().map(|p| part_of_packed(p) as u8).collect();
        let mut starts = [0usize; PARTS + 1];
        for &k in &parts {
            starts[k as usize + 1] += 1;
        }
        for k in 0..PARTS {
            starts[k + 1] += starts[k];
        }
        let mut next = starts;
        self.sorted.resize(self.pending.len(), [0; 2]);
        for (id, &k) in self.pending.iter().zip(&parts) {
            self.sorted[next[k as usize]] = *id;
            next[k as usize] += 1;
        }
        for step in 0..PARTS {
            let k = (self.first + step) % PARTS;
            let ids = &self.sorted[starts[k]..starts[k + 1]];
            if ids.is_empty() {
                continue;
            }
            self.counter.lock(k).add_rows(ids, &mut self.words, &mut self.narrows);
        }
        self.pending.clear();
    }

    fn count_long(&mut self) {
        self.decide();
        for (id, n) in self.long.drain() {
            bump(&mut self.counter.lock(part_of_bytes(&id)).long, &id, n);
        }
    }
}

impl PerCustomer {
    /// Counts given whole (the polars group-by's and the database's):
    /// ids trimmed, missing ones left out, equal ones added up.
    pub fn from_counts<'a>(counts: impl IntoIterator<Item = (&'a str, u64)>) -> PerCustomer {
        let mut parts: Vec<Part> = (0..PARTS).map(|_| Part::default()).collect();
        for (id, n) in counts {
            if let Some(id) = crate::input::present(Some(id)) {
                parts[part_of(id.as_bytes())].add_id(id.as_bytes(), n);
            }
        }
        PerCustomer { parts: parts.into_iter().map(Part::held).collect(), numbered: None }
    }

    /// Deliveries of this customer (an id as `input::present` gives it), if
    /// the customer has any row.
    pub fn get(&self, id: &str) -> Option<u64> {
        if let Some(found) = self.numbered.as_ref().and_then(|numbered| numbered.get(id.as_bytes())) {
            return found;
        }
        match pack(id.as_bytes()) {
            Some(packed) => self.parts[part_of_packed(&packed)].get(&packed),
            None => self.parts[part_of_bytes(id.as_bytes())].long.get(id.as_bytes()).copied(),
        }
    }

    /// `get` for each id, the slots of a run of ids read first so that their
    /// cache misses overlap: hundreds of thousands of complainers looked up
    /// in a table of millions of customers.
    pub fn get_all(&self, ids: &[&str]) -> Vec<Option<u64>> {
        let mut out = Vec::with_capacity(ids.len());
        let hashed = |id: &&&str| self.numbered.as_ref().is_none_or(|n| n.get(id.as_bytes()).is_none());
        for run in ids.chunks(AHEAD) {
            let touched =
                run.iter().filter(hashed).filter_map(|id| pack(id.as_bytes())).fold(0u64, |sum, packed| {
                    sum.wrapping_add(self.parts[part_of_packed(&packed)].touch(&packed))
                });
            std::hint::black_box(touched);
            out.extend(run.iter().map(|id| self.get(id)));
        }
        out
    }

    /// How many customers.
    pub fn len(&self) -> usize {
        let numbered = self.numbered.as_ref().map_or(0, |numbered| numbered.counted().count());
        self.parts.par_iter().map(Part::len).sum::<usize>() + numbered
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every customer but those in `skip` (ids as `get` takes them), with
    /// their deliveries, in no order. Built on both cores; the ids are
    /// compared packed, as integers.
    pub fn except(&self, skip: &[&str]) -> Vec<(String, u64)> {
        let mut short = foldhash::HashSet::default();
        let mut long = foldhash::HashSet::default();
        for id in skip {
            match pack(id.as_bytes()) {
                Some(packed) => short.insert(packed),
                None => long.insert(id.as_bytes()),
            };
        }
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let mut all: Vec<(String, u64)> = self
            .parts
            .par_iter()
            .flat_map_iter(|part| {
                let short = part.packed().filter(|(p, _)| !short.contains(p)).map(|(p, n)| {
                    let (bytes, length) = unpack(&p);
                    (text(&bytes[..length]), n)
                });
                let long =
                    part.long.iter().filter(|(b, _)| !long.contains(&b[..])).map(|(b, &n)| (text(b), n));
                short.chain(long)
            })
            .collect();
        if let Some(numbered) = &self.numbered {
            let places: foldhash::HashSet<usize> =
                skip.iter().filter_map(|id| numbered.shape.index(id.as_bytes())).collect();
            let kept = numbered.counted().filter(|(i, _)| !places.contains(i));
            all.par_extend(kept.map(|(i, n)| (numbered.shape.text(i), n)));
        }
        all
    }

    /// How many customers have each number of deliveries.
    pub fn histogram(&self) -> std::collections::BTreeMap<u64, u64> {
        let hashed = self
            .parts
            .par_iter()
            .map(|part| histogram_of(part.packed().map(|(_, n)| n).chain(part.long.values().copied())));
        let numbered = self.numbered.par_iter().flat_map(|numbered| {
            numbered.counts.par_chunks(1 << 16).map(|counts| {
                histogram_of(counts.iter().filter(|&&n| n != numbered::MOVED).map(|&n| u64::from(n)))
            })
        });
        hashed.chain(numbered).reduce(Default::default, |mut a, b| {
            for (n, customers) in b {
                *a.entry(n).or_insert(0) += customers;
            }
            a
        })
    }
}

/// How many customers have each number of deliveries (0 is not a
/// customer's: an array's place without one).
fn histogram_of(counts: impl Iterator<Item = u64>) -> std::collections::BTreeMap<u64, u64> {
    // Most customers have few deliveries: those counted in an array.
    let mut few = [0u64; 64];
    let mut histogram = std::collections::BTreeMap::new();
    for n in counts {
        match few.get_mut(n as usize) {
            Some(customers) => *customers += 1,
            None => *histogram.entry(n).or_insert(0) += 1,
        }
    }
    histogram.extend((1..few.len()).filter(|&n| few[n] > 0).map(|n| (n as u64, few[n])));
    histogram
}

/// The id as `input::present` reads it, without decoding the common case
/// (printable ASCII at both ends and longer than any missing-value word).
fn normalize(value: &[u8]) -> Option<&[u8]> {
    let plain = |b: &u8| (b'!'..=b'~').contains(b);
    if value.len() > 4 && value.first().is_some_and(plain) && value.last().is_some_and(plain) {
        return Some(value);
    }
    match std::str::from_utf8(value) {
        Ok(text) => crate::input::present(Some(text)).map(str::as_bytes),
        // Kept as it is; `Counter::finish` reports it.
        Err(_) => Some(value),
    }
}

fn pack(id: &[u8]) -> Option<Packed> {
    if id.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..id.len()].copy_from_slice(id);
    if id.len() > 8 || id.contains(&0) {
        bytes[15] = id.len() as u8;
    }
    let word = |k: usize| u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    Some([word(0), word(1)])
}

/// The id's bytes back, and how many of the 16 are the id.
fn unpack(packed: &Packed) -> ([u8; 16], usize) {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&packed[0].to_le_bytes());
    bytes[8..].copy_from_slice(&packed[1].to_le_bytes());
    let length = match packed[1] {
        0 => bytes[..8].iter().position(|&b| b == 0).unwrap_or(8),
        _ => bytes[15] as usize,
    };
    (bytes, length)
}

/// A packed id of at most 11 bytes (not one word) in 12 bytes: its first
/// 11 bytes, and its length in the twelfth.
#[inline]
fn narrow(packed: &Packed) -> Option<Narrow> {
    let length = packed[1] >> 56;
    if packed[1] == 0 || length > 11 {
        return None;
    }
    // Bytes 11 to 14 are zero (the id is shorter): the length goes in byte 11.
    Some([packed[0] as u32, (packed[0] >> 32) as u32, packed[1] as u32 | (length as u32) << 24])
}

#[inline]
fn widen(key: &Narrow) -> Packed {
    let length = u64::from(key[2] >> 24);
    [u64::from(key[0]) | u64::from(key[1]) << 32, u64::from(key[2] & 0x00ff_ffff) | length << 56]
}

/// The part of a packed id: its high bits after a mix (splitmix64's), so
/// ids that differ only in a digit spread over every part.
fn part_of_packed(packed: &Packed) -> usize {
    (hash_packed(packed) >> 56) as usize
}

/// The hash of a packed id: its top 8 bits choose the part, the rest the
/// slot in it.
#[inline]
fn hash_packed(packed: &Packed) -> u64 {
    mix(packed[0] ^ mix(packed[1]))
}

fn part_of_bytes(id: &[u8]) -> usize {
    (foldhash::fast::FixedState::with_seed(0x5eed).hash_one(id) >> 56) as usize
}

#[inline]
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Add `n` to `id`'s count, copying the id only the first time.
fn bump(map: &mut HashMap<Box<[u8]>, u64>, id: &[u8], n: u64) {
    match map.get_mut(id) {
        Some(count) => *count += n,
        None => {
            map.insert(id.into(), n);
        }
    }
}

/// Deliveries per customer inside `range` (the days counted), when the
/// deliveries carry a customer column: the rows the count used (the same
/// filters; order lines once per order), one polars group-by over the file
/// or one query in the database.
pub fn deliveries_per_customer<'a>(
    source: &DeliveriesSource,
    counts: &'a DeliveryCounts,
    range: DateRange,
) -> Result<Option<Cow<'a, PerCustomer>>> {
    let plan = &counts.plan;
    let Some(customer) = plan.roles.get(Role::Customer) else {
        return Ok(None);
    };
    let source = match source {
        DeliveriesSource::File(source) => source,
        DeliveriesSource::Postgres(pg) => {
            let query = counts.query.as_ref().expect("counted in the database");
            let query = DeliveriesQuery { from: range.from, to: range.to, ..query.clone() };
            let counts = crate::input::postgres::per_customer(pg, &query, customer)?;
            let counts = counts.iter().map(|(c, n)| (c.as_str(), *n));
            return Ok(Some(Cow::Owned(PerCustomer::from_counts(counts))));
        }
    };
    let time = plan.time.as_ref().expect("the deliveries have a time");
    let mut group = vec![col(customer).cast(DataType::String).alias("__customer")];
    // When the count kept every row (nothing rejected but extra lines of an
    // order), no row needs its time or filter values checked again: one
    // group per customer, not per customer and time.
    let every_row = counts.ledger.rejected.keys().all(|reason| *reason == Reason::MoreLines);
    if let (true, Some(counted)) = (every_row, &counts.per_customer) {
        return Ok(Some(Cow::Borrowed(counted)));
    }
    let ranged = !every_row && range != Default::default();
    let filters = if every_row { &[][..] } else { &plan.filters[..] };
    if ranged {
        group.push(time.text_expr().alias("__time"));
    }
    if let Some(count) = plan.count() {
        group.push(col(count).cast(DataType::String).alias("__count"));
    }
    // The same rows as the count: filter columns in the key, each group
    // kept or dropped whole; order lines counted once per order.
    for (k, (_, column)) in filters.iter().enumerate() {
        group.push(col(column.as_str()).cast(DataType::String).alias(format!("__filter{k}")));
    }
    let deliveries = match &counts.order_lines {
        Some(order) => (col(order.as_str()).drop_nulls().n_unique() + col(order.as_str()).null_count())
            .cast(DataType::UInt64)
            .alias("__rows"),
        None => len().cast(DataType::UInt64).alias("__rows"),
    };
    let frame = source
        .scan()?
        .group_by(group)
        .agg([deliveries])
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{}: cannot count deliveries per customer", source.display()))?
        .unwrap_single();
    let customers = frame.column("__customer")?.str()?;
    let rows = frame.column("__rows")?.u64()?;
    let times = if ranged { Some(frame.column("__time")?.str()?) } else { None };
    let count_text = match plan.count() {
        Some(_) => Some(frame.column("__count")?.str()?),
        None => None,
    };
    let filter_values = (0..filters.len())
        .map(|k| frame.column(&format!("__filter{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<Vec<_>>>()?;
    // The groups kept, as (customer, deliveries); `from_counts` adds up each
    // customer's groups.
    let mut kept: Vec<(&str, u64)> = Vec::new();
    for g in 0..frame.height() {
        let Some(customer) = present(customers.get(g)) else {
            continue;
        };
        if filters.iter().zip(&filter_values).any(|((filter, _), values)| !filter.keeps(values.get(g))) {
            continue;
        }
        if let Some(times) = times {
            let date = present(times.get(g)).and_then(|t| plan.parser.parse(t)).map(|t| t.date());
            if !date.is_some_and(|d| range.contains(d)) {
                continue;
            }
        }
        let per_row = match count_text {
            Some(texts) => match present(texts.get(g)).and_then(parse_count) {
                Some(c) => c,
                None => continue,
            },
            None => 1,
        };
        kept.push((customer, rows.get(g).unwrap_or(0) * per_row));
    }
    Ok(Some(Cow::Owned(PerCustomer::from_counts(kept))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids with spaces around, missing words, ids of every width (8, 9–11,
    /// 12–15 bytes and past 15), "a\0".
    fn ids(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| match i % 10 {
                0 => format!(" C{} ", i % 1000),
                1 => "NA".to_string(),
                2 => String::new(),
                3 => format!("a-customer-id-longer-than-fifteen-{}", i % 50),
                4 => "a\0".to_string(),
                5 => "a".to_string(),
                6 => format!("Kunde-Ø{}", i % 7),
                7 => format!("order-{:08}", i % 300),
                _ => format!("C{}", i % 1000),
            })
            .collect()
    }

    /// The same counts by the obvious route: `present`, then a map.
    fn expected(ids: &[String]) -> std::collections::HashMap<String, u64> {
        let mut map = std::collections::HashMap::new();
        for id in ids {
            if let Some(id) = crate::input::present(Some(id)) {
                *map.entry(id.to_string()).or_insert(0) += 1;
            }
        }
        map
    }

    /// The ids counted by two threads at once, split at `at`.
    fn counted_on_two_threads(ids: &[String], at: usize) -> PerCustomer {
        let counter = Counter::default();
        let (first, second) = ids.split_at(at);
        std::thread::scope(|scope| {
            for half in [first, second] {
                let counter = &counter;
                scope.spawn(move || {
                    let mut batch = counter.batch();
                    for id in half {
                        batch.add(id.as_bytes());
                    }
                    batch.finish();
                });
            }
        });
        counter.finish().unwrap()
    }

    #[test]
    fn two_threads_count_what_a_map_counts() {
        // More ids than one buffer holds, so buffers are counted mid-way.
        let ids = ids(3 * BUFFER + 123);
        let counted = counted_on_two_threads(&ids, ids.len() / 3);
        let expected = expected(&ids);
        let got: std::collections::HashMap<String, u64> = counted.except(&[]).into_iter().collect();
        assert_eq!(got, expected);
        assert_eq!(counted.len(), expected.len());
        assert_eq!(counted.get("C17"), expected.get("C17").copied());
        assert_eq!(counted.get("Kunde-Ø3"), expected.get("Kunde-Ø3").copied());
        assert_eq!(counted.get("order-00000017"), expected.get("order-00000017").copied());
        assert_eq!(counted.get("a"), expected.get("a").copied());
        assert_eq!(counted.get("a\0"), expected.get("a\0").copied());
        assert_eq!(counted.get("NA"), None);
        assert_eq!(counted.get("nobody"), None);
        let long = "a-customer-id-longer-than-fifteen-3";
        assert_eq!(counted.get(long), expected.get(long).copied());
        // Looked up a run at a time: the same as one by one, present or not.
        let mut names: Vec<&str> = expected.keys().map(String::as_str).collect();
        names.extend(["nobody", "NA", "C999999", "order-99999999"]);
        let one_by_one: Vec<Option<u64>> = names.iter().map(|id| counted.get(id)).collect();
        assert_eq!(counted.get_all(&names), one_by_one);
        assert_eq!(one_by_one.iter().flatten().count(), expected.len());
        let mut histogram = std::collections::BTreeMap::new();
        for n in expected.values() {
            *histogram.entry(*n).or_insert(0) += 1;
        }
        assert_eq!(counted.histogram(), histogram);
        // Counts given whole add up the same way.
        let whole = PerCustomer::from_counts(ids.iter().map(|id| (id.as_str(), 1)));
        assert_eq!(whole.except(&[]).into_iter().collect::<std::collections::HashMap<_, _>>(), expected);
    }

    /// Ids nine in ten of one shape (`C` and seven digits, some first seen
    /// late), the rest of it in name only (too short, a leading zero too
    /// many, a few past the room of the array) or of none, missing words.
    fn numbered_ids(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| match i % 50 {
                0 => "NA".to_string(),
                1 => format!("C{}", i % 300),
                2 => format!("C{:08}", i % 700),
                3 => format!("customer-{}", i % 50),
                4 if i % 500 == 4 => format!("C{:07}", 9_000_000 + i % 100),
                5 => format!(" C{:07} ", i % 5_000),
                6 if i > BUFFER + BUFFER / 2 => format!("C{:07}", 5_000 + i % 1_000),
                _ => format!("C{:07}", i % 5_000),
            })
            .collect()
    }

    #[test]
    fn ids_of_one_shape_counted_by_number_count_what_a_map_counts() {
        let ids = numbered_ids(3 * BUFFER + 77);
        let counted = counted_on_two_threads(&ids, ids.len() / 2);
        let numbered = counted.numbered.as_ref().expect("counted by number");
        assert_eq!(
            numbered.shape.index(b"C0001234").map(|i| numbered.shape.text(i)).as_deref(),
            Some("C0001234")
        );
        let expected = expected(&ids);
        let got: std::collections::HashMap<String, u64> = counted.except(&[]).into_iter().collect();
        assert_eq!(got, expected);
        assert_eq!(counted.len(), expected.len());
        let mut names: Vec<&str> = expected.keys().map(String::as_str).collect();
        names.extend(["nobody", "NA", "C0009999", "C9999999", "C00000001"]);
        let looked_up: Vec<Option<u64>> = names.iter().map(|id| expected.get(*id).copied()).collect();
        assert_eq!(counted.get_all(&names), looked_up);
        let mut histogram = std::collections::BTreeMap::new();
        for n in expected.values() {
            *histogram.entry(*n).or_insert(0) += 1;
        }
        assert_eq!(counted.histogram(), histogram);
        let skipped = ["C0000017", "C17", "customer-3", "C0005017"];
        let rest: std::collections::HashMap<String, u64> = counted.except(&skipped).into_iter().collect();
        let mut expected_rest = expected.clone();
        expected_rest.retain(|id, _| !skipped.contains(&id.as_str()));
        assert_eq!(rest, expected_rest);
    }

    #[test]
    fn a_count_past_four_bytes_in_the_arrays_stays_exact() {
        let counter = Counter::default();
        let (mut first, mut second) = (counter.batch(), counter.batch());
        for i in 0..1_000 {
            first.add(format!("N{i:04}").as_bytes());
        }
        second.add(b"N0009");
        first.decide();
        second.decide();
        let set = |batch: &mut Batch, id: &[u8], n: u32| {
            let (shape, counts) = batch.numbered.as_mut().expect("a shape");
            counts[shape.index(id).unwrap()] = n;
        };
        let big = numbered::MOVED - 2;
        // Each id counted once above; `set` replaces those counts.
        // One thread's count passes four bytes; the other's is added after.
        set(&mut first, b"N0007", big);
        for _ in 0..3 {
            first.add(b"N0007");
        }
        set(&mut second, b"N0007", 5);
        // Each fits alone, not added up.
        set(&mut first, b"N0008", 10);
        set(&mut second, b"N0008", big);
        second.add(b"N0008");
        first.finish();
        second.finish();
        let counted = counter.finish().unwrap();
        let big = u64::from(big);
        assert_eq!(counted.get("N0007"), Some(big + 3 + 5));
        assert_eq!(counted.get("N0008"), Some(10 + big + 1));
        assert_eq!(counted.get("N0009"), Some(2));
        assert_eq!(counted.get("N0010"), Some(1));
        assert_eq!(counted.len(), 1_000);
        assert_eq!(
            counted.histogram(),
            [(1, 997), (2, 1), (big + 8, 1), (big + 11, 1)].into_iter().collect()
        );
        let rest = counted.except(&["N0007"]);
        assert_eq!(rest.len(), 999);
        assert!(rest.contains(&("N0008".to_string(), big + 11)));
    }

    #[test]
    fn a_thread_without_ids_leaves_the_choice_to_one_with_ids() {
        let counter = Counter::default();
        let idle = counter.batch();
        idle.finish();
        assert!(counter.shape.get().is_none());
        let mut batch = counter.batch();
        for i in 0..1_000 {
            batch.add(format!("N{i:04}").as_bytes());
        }
        batch.finish();
        let counted = counter.finish().unwrap();
        assert!(counted.numbered.is_some());
        assert_eq!((counted.len(), counted.get("N0999")), (1_000, Some(1)));
    }

    #[test]
    fn an_id_that_is_not_text_is_an_error() {
        let counter = Counter::default();
        let mut batch = counter.batch();
        batch.add(b"C1");
        batch.add(b"\xff\xfe-customer");
        batch.finish();
        assert!(counter.finish().is_err());
    }

    #[test]
    fn held_or_not_the_counts_are_the_same() {
        let ids = ids(200_000);
        let count = |hold_above: usize| {
            let counter = Counter::default();
            let mut batch = counter.batch();
            for id in &ids {
                batch.add(id.as_bytes());
            }
            batch.finish();
            counter.finish_holding_above(hold_above).unwrap()
        };
        let (held, as_grown) = (count(0), count(usize::MAX));
        let bytes = |table: &PerCustomer| table.parts.iter().map(Part::bytes).sum::<usize>();
        assert!(bytes(&held) < bytes(&as_grown));
        let sorted = |table: &PerCustomer| {
            let mut all = table.except(&[]);
            all.sort();
            all
        };
        assert_eq!(sorted(&held), sorted(&as_grown));
        assert_eq!(held.histogram(), as_grown.histogram());
        assert_eq!(held.get("C17"), as_grown.get("C17"));
    }

    #[test]
    fn a_narrow_count_past_four_bytes_stays_exact() {
        let big = u64::from(u32::MAX) - 1;
        let counts = [("nine byte", big), ("nine byte", 1), ("nine byte", 5), ("other one", 2), ("C1", big)];
        let counted = PerCustomer::from_counts(counts);
        assert_eq!(counted.get("nine byte"), Some(big + 6));
        assert_eq!(counted.get("other one"), Some(2));
        assert_eq!(counted.len(), 3);
        let mut listed = counted.except(&[]);
        listed.sort();
        let expected =
            [("C1", big), ("nine byte", big + 6), ("other one", 2)].map(|(id, n)| (id.to_string(), n));
        assert_eq!(listed, expected);
        assert_eq!(counted.except(&["nine byte"]).len(), 2);
        assert_eq!(counted.histogram(), [(2, 1), (big, 1), (big + 6, 1)].into_iter().collect());
    }

    #[test]
    fn packed_ids_round_trip() {
        for id in [
            &b"a"[..],
            b"a\0",
            b"\0",
            b"C0000225",
            b"C\x00ab",
            b"nine byte",
            b"eleven byte",
            b"twelve bytes",
            b"exactly15bytes!",
        ] {
            let packed = pack(id).unwrap();
            let (bytes, length) = unpack(&packed);
            assert_eq!(&bytes[..length], id);
            // Up to 11 bytes, not one word: narrow, and back the same.
            let narrow_expected = packed[1] != 0 && id.len() <= 11;
            assert_eq!(narrow(&packed).is_some(), narrow_expected, "{id:?}");
            if let Some(key) = narrow(&packed) {
                assert_eq!(widen(&key), packed);
            }
        }
        // Eight bytes or fewer and no NUL: one word.
        assert_eq!(pack(b"C0000225").unwrap()[1], 0);
        assert_ne!(pack(b"nine byte").unwrap()[1], 0);
        assert_ne!(pack(b"a"), pack(b"a\0"));
        assert_ne!(pack(b"\0"), pack(b""));
        assert_eq!(pack(b"sixteen bytes!!!"), None);
    }
}
