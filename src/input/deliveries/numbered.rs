//! Customer ids written as one fixed text and a number (`C0348589`,
//! `100234`), counted in an array by their number instead of in the hashed
//! table of `per_customer`: no hash, no probe, and 4 bytes a customer, so a
//! year's customers fit the cache far better (the hashed table was a third
//! of counting 20 M deliveries; BENCHMARKS.md).
//!
//! Exact, not a guess: an id is counted here only when its text is written
//! back from its number alone (`Shape::text`), and which ids those are is
//! decided once, from the first ids read, before any is counted. Every other
//! id, and a count that would outgrow 4 bytes, is counted in the hashed
//! table.

/// A count in the array that outgrew 4 bytes: the customer's deliveries are
/// held in the hashed table instead.
pub const MOVED: u32 = u32::MAX;

/// The longest fixed text before the number: an id of a shape is then at
/// most 15 bytes, which `per_customer` packs in two words.
const MOST_PREFIX: usize = 6;
/// The most digits of a number (it fits 4 bytes).
const MOST_DIGITS: usize = 9;
/// The array of a shape spans at most this many numbers per distinct
/// number of the sample, or `SMALL`: sparse numbers stay in the hashed
/// table, whose memory follows the customers, not the span of their numbers.
const SPREAD: u64 = 16;
/// An array this short is always taken (256 KB).
const SMALL: u64 = 1 << 16;

/// How the ids counted in the array are written: `prefix`, then a number of
/// at least `width` digits, zero-padded to `width` (printf's `%0*u`); the
/// numbers from `base`, `length` of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    prefix: Box<str>,
    width: usize,
    base: u32,
    length: u32,
}

impl Shape {
    /// The shape of nine in ten of these ids (the first ids a counting
    /// thread read), when there is one and their numbers are dense enough
    /// that an array of them is not much larger than a hashed table; room is
    /// left above the highest number for customers first seen later.
    pub fn of_sample<'a>(ids: impl Iterator<Item = &'a [u8]>) -> Option<Shape> {
        let ids: Vec<&[u8]> = ids.collect();
        // The commonest fixed text (the least of equals).
        let mut prefixes: std::collections::HashMap<&[u8], usize> = Default::default();
        for (prefix, _) in ids.iter().filter_map(|id| split(id)) {
            *prefixes.entry(prefix).or_default() += 1;
        }
        let (prefix, _) = prefixes.into_iter().max_by_key(|&(prefix, n)| (n, std::cmp::Reverse(prefix)))?;
        let prefix = std::str::from_utf8(prefix).ok()?;
        // The width that writes most of its numbers (the least of equals):
        // numbers of `digits` digits, `zero` with a leading zero.
        let mut lengths = [[0usize; 2]; MOST_DIGITS + 1];
        for (_, digits) in ids.iter().filter_map(|id| split(id)).filter(|(p, _)| *p == prefix.as_bytes()) {
            lengths[digits.len()][usize::from(digits[0] == b'0')] += 1;
        }
        let written = |width: usize| {
            let longer: usize = lengths[width + 1..].iter().map(|[plain, _]| plain).sum();
            lengths[width][0] + lengths[width][1] + longer
        };
        let width = (1..=MOST_DIGITS).max_by_key(|&w| (written(w), std::cmp::Reverse(w)))?;
        let any_number = Shape { prefix: prefix.into(), width, base: 0, length: u32::MAX };
        let mut numbers: Vec<u32> = ids.iter().filter_map(|id| any_number.number(id)).collect();
        if numbers.len() * 10 < ids.len() * 9 {
            return None;
        }
        // The numbers of all but the lowest and highest rows in 200 (a few
        // odd ids, such as a test customer 9999999, are left to the hash).
        numbers.sort_unstable();
        let odd = numbers.len() / 200;
        let numbers = &numbers[odd..numbers.len() - odd];
        let distinct = numbers.chunk_by(|a, b| a == b).count() as u64;
        let (low, high) = (numbers[0], numbers[numbers.len() - 1]);
        let span = u64::from(high - low) + 1;
        if span > (SPREAD * distinct).max(SMALL) {
            return None;
        }
        // Room below and above for the odd ids and customers first seen later.
        let base = low.saturating_sub((span / 4 + SMALL / 4) as u32);
        let length = (u64::from(high - base) + 1 + span / 2 + SMALL).min(u64::from(u32::MAX - base));
        Some(Shape { length: length as u32, base, ..any_number })
    }

    /// How many counts the array holds.
    pub fn len(&self) -> usize {
        self.length as usize
    }

    /// The number an id is written with, if it has this shape.
    fn number(&self, id: &[u8]) -> Option<u32> {
        // Compared a byte at a time: the fixed text is short, and a call to
        // `memcmp` for each row cost more than the array it saves.
        let prefix = self.prefix.as_bytes();
        let same = id.len() >= prefix.len() && id.iter().zip(prefix).all(|(a, b)| a == b);
        let digits = if same { &id[prefix.len()..] } else { return None };
        if !(self.width..=MOST_DIGITS).contains(&digits.len()) {
            return None;
        }
        // Longer than the width only without leading zeros: one text a number.
        if digits.len() > self.width && digits[0] == b'0' {
            return None;
        }
        digits.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    }

    /// Where an id's count is in the array, if it is counted there.
    #[inline]
    pub fn index(&self, id: &[u8]) -> Option<usize> {
        let i = self.number(id)?.checked_sub(self.base)?;
        (i < self.length).then_some(i as usize)
    }

    /// The id counted at `index`.
    pub fn text(&self, index: usize) -> String {
        let number = u64::from(self.base) + index as u64;
        format!("{}{number:0width$}", self.prefix, width = self.width)
    }
}

/// An id's fixed text and its last digits (one to `MOST_DIGITS` of them).
fn split(id: &[u8]) -> Option<(&[u8], &[u8])> {
    let digits = id.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let cut = id.len() - digits;
    ((1..=MOST_DIGITS).contains(&digits) && cut <= MOST_PREFIX).then(|| id.split_at(cut))
}

/// Add `n` to an array's count; when it would reach `MOVED`, mark it moved
/// and give back the whole count, for the hashed table to hold.
#[inline]
pub fn add(count: &mut u32, n: u32) -> Option<u64> {
    match count.checked_add(n) {
        Some(sum) if *count != MOVED && sum != MOVED => {
            *count = sum;
            None
        }
        _ => {
            let whole = if *count == MOVED { 0 } else { u64::from(*count) } + u64::from(n);
            *count = MOVED;
            Some(whole)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(ids: &[String]) -> Option<Shape> {
        Shape::of_sample(ids.iter().map(|id| id.as_bytes()))
    }

    #[test]
    fn padded_plain_and_growing_numbers_each_write_back_the_same_text() {
        let padded: Vec<String> = (0..5_000).map(|i| format!("C{:07}", i * 13)).collect();
        let shape = shape_of(&padded).expect("padded ids");
        assert_eq!((&*shape.prefix, shape.width, shape.base), ("C", 7, 0));
        for id in ["C0000000", "C0012345", "C0064987", "C0100000"] {
            assert_eq!(shape.index(id.as_bytes()).map(|i| shape.text(i)).as_deref(), Some(id));
        }
        // Not this shape: shorter than the width, longer with a leading zero,
        // another prefix, a sign, a space, past the room left.
        for id in
            ["C123", "C00000001", "c0000001", "C-000001", "C0000001 ", "D0000001", "C0999999999", "C9000000"]
        {
            assert_eq!(shape.index(id.as_bytes()), None, "{id}");
        }
        // Numbers that outgrow the padding (`{:07}` past ten million): still one text a number.
        let growing: Vec<String> = (9_990_000..10_010_000).map(|n| format!("C{n:07}")).collect();
        let shape = shape_of(&growing).expect("growing ids");
        // No number sampled has a leading zero: any width writes them all, the least is taken.
        assert_eq!(shape.width, 1);
        for id in ["C9980000", "C9990000", "C9999999", "C10000000", "C10009999", "C10020000"] {
            assert_eq!(shape.index(id.as_bytes()).map(|i| shape.text(i)).as_deref(), Some(id));
        }
        assert_eq!(shape.index(b"C010000000"), None);
        let plain: Vec<String> = (1..3_000).map(|i| i.to_string()).collect();
        let shape = shape_of(&plain).expect("plain numbers");
        assert_eq!((&*shape.prefix, shape.width, shape.base), ("", 1, 0));
        assert_eq!(shape.index(b"0").map(|i| shape.text(i)).as_deref(), Some("0"));
        assert_eq!(shape.index(b"017"), None, "a leading zero");
        assert_eq!(shape.index(b"17").map(|i| shape.text(i)).as_deref(), Some("17"));
    }

    #[test]
    fn every_id_counted_in_the_array_is_the_text_of_its_place() {
        let shape = shape_of(&(0..1_000).map(|i| format!("K-{:03}", i)).collect::<Vec<_>>()).unwrap();
        let mut seen = std::collections::HashMap::new();
        for n in 0..200_000u32 {
            for id in [format!("K-{n}"), format!("K-{n:03}"), format!("K-{n:05}"), format!("K-0{n}")] {
                if let Some(i) = shape.index(id.as_bytes()) {
                    assert_eq!(shape.text(i), id);
                    assert!(seen.insert(i, id.clone()).is_none_or(|other| other == id));
                }
            }
        }
        assert!(seen.len() > 60_000);
    }

    #[test]
    fn sparse_or_mixed_ids_are_left_to_the_hash() {
        // A thousand customers spread over a hundred million numbers.
        let sparse: Vec<String> = (0..1_000u64).map(|i| format!("{}", 1 + i * 99_991)).collect();
        assert_eq!(shape_of(&sparse), None);
        // Two shapes, half each.
        let mixed: Vec<String> =
            (0..1_000).map(|i| if i % 2 == 0 { format!("A{i}") } else { format!("B{i}") }).collect();
        assert_eq!(shape_of(&mixed), None);
        // No digits, or too many.
        assert_eq!(shape_of(&["alice".into(), "bob".into()]), None);
        assert_eq!(shape_of(&["12345678901".into()]), None);
        assert_eq!(shape_of(&[]), None);
        // One in ten of another kind is allowed.
        let most: Vec<String> =
            (0..1_000).map(|i| if i % 10 == 0 { format!("x{i}y") } else { format!("N{i}") }).collect();
        assert!(shape_of(&most).is_some());
    }

    #[test]
    fn a_count_that_would_reach_four_bytes_moves_whole() {
        let mut count = MOVED - 3;
        assert_eq!(add(&mut count, 2), None);
        assert_eq!(count, MOVED - 1);
        assert_eq!(add(&mut count, 1), Some(u64::from(MOVED)));
        assert_eq!(count, MOVED);
        assert_eq!(add(&mut count, 5), Some(5), "once moved, every later row goes to the hash");
        let mut count = 7;
        assert_eq!(add(&mut count, u32::MAX), Some(7 + u64::from(u32::MAX)));
    }
}
