//! Customer and order ids interned once into small integer codes, so that
//! everything after loading (repeat linking, counting per customer, joins)
//! compares and hashes integers, never strings. The texts live in one
//! buffer; the table holds only codes.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

use hashbrown::HashTable;

/// A code from a [`Keys`]: the n-th distinct text seen (from 0). Held as
/// n + 1, so an `Option<Key>` takes 4 bytes (one per complaint, millions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(NonZeroU32);

impl Key {
    /// The code numbered `index` (from `0..keys.len()`).
    pub fn of(index: usize) -> Key {
        let n = u32::try_from(index + 1).ok().and_then(NonZeroU32::new);
        Key(n.expect("fewer than 4 billion distinct ids"))
    }

    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Distinct texts, numbered in order of first appearance.
#[derive(Default)]
pub struct Keys {
    /// Every text, one after the other.
    text: String,
    /// Where text `k` ends in `text` (it starts where `k − 1` ends).
    ends: Vec<usize>,
    /// The codes by their texts' hash: of the first texts only, until a
    /// text is looked up (`indexed`). Most runs never look up a customer
    /// by its text, and hashing millions of them cost a tenth of a second.
    codes: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({} texts)", self.len())
    }
}

impl Keys {
    /// Texts known to be distinct, numbered in order.
    pub fn of_distinct<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> Keys {
        let mut keys = Keys { ends: Vec::with_capacity(texts.len()), ..Keys::default() };
        for text in texts {
            keys.text.push_str(text);
            keys.ends.push(keys.text.len());
        }
        keys
    }

    /// Every text in `codes`.
    fn indexed(&mut self) {
        let Keys { text: all, ends, codes, hasher } = self;
        let hash = |k: usize| hasher.hash_one(&all[if k == 0 { 0 } else { ends[k - 1] }..ends[k]]);
        codes.reserve(ends.len() - codes.len(), |&j| hash(j as usize));
        for k in codes.len()..ends.len() {
            codes.insert_unique(hash(k), k as u32, |&j| hash(j as usize));
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of a code.
    pub fn text(&self, key: Key) -> &str {
        let k = key.index();
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..self.ends[k]]
    }

    /// The code of a text already seen.
    pub fn get(&mut self, text: &str) -> Option<Key> {
        self.indexed();
        let hash = self.hasher.hash_one(text);
        self.codes.find(hash, |&k| self.text(Key::of(k as usize)) == text).map(|&k| Key::of(k as usize))
    }

    /// The code of a text, numbering it if new.
    pub fn code(&mut self, text: &str) -> Key {
        self.indexed();
        let hash = self.hasher.hash_one(text);
        let Keys { text: all, ends, codes, hasher } = self;
        let slice = |k: u32| {
            let k = k as usize;
            &all[if k == 0 { 0 } else { ends[k - 1] }..ends[k]]
        };
        if let Some(&k) = codes.find(hash, |&k| slice(k) == text) {
            return Key::of(k as usize);
        }
        let k = u32::try_from(ends.len()).expect("fewer than 4 billion distinct ids");
        all.push_str(text);
        ends.push(all.len());
        let rehash = |&k: &u32| {
            let k = k as usize;
            hasher.hash_one(&all[if k == 0 { 0 } else { ends[k - 1] }..ends[k]])
        };
        codes.insert_unique(hash, k, rehash);
        Key::of(k as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_code_takes_four_bytes() {
        assert_eq!(std::mem::size_of::<Option<Key>>(), 4);
        assert_eq!(Key::of(0).index(), 0);
        assert_eq!(Key::of(u32::MAX as usize - 1).index(), u32::MAX as usize - 1);
    }

    #[test]
    fn codes_in_order_of_first_appearance() {
        let mut keys = Keys::default();
        let a = keys.code("C1");
        let b = keys.code("C22");
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(keys.code("C1"), a);
        assert_eq!((keys.text(a), keys.text(b)), ("C1", "C22"));
        assert_eq!(keys.get("C22"), Some(b));
        assert_eq!(keys.get("C3"), None);
        // "" is a text like any other (missing values never reach here).
        let empty = keys.code("");
        assert_eq!(keys.text(empty), "");
        for i in 0..10_000 {
            keys.code(&format!("K{i}"));
        }
        assert_eq!(keys.len(), 10_003);
        let k9999 = keys.get("K9999").unwrap();
        assert_eq!(keys.text(k9999), "K9999");
        let mut distinct = Keys::of_distinct(["C1", "C22", ""].into_iter());
        assert_eq!(distinct.text(b), "C22");
        assert_eq!((distinct.get("C22"), distinct.get(""), distinct.get("C3")), (Some(b), Some(empty), None));
        // Texts coded after distinct ones are numbered after them, each once.
        let mut more = Keys::of_distinct(["C1", "C22"].into_iter());
        assert_eq!((more.code("C3").index(), more.code("C1").index(), more.code("C22").index()), (2, 0, 1));
        assert_eq!(more.len(), 3);
    }
}
