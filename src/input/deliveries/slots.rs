//! The table behind deliveries per customer: counts by packed id in one
//! array of (id, count) slots, open addressing with linear probing, the
//! zero id marking an empty slot (no packed id is zero).
//!
//! Two things a general hash map does not do, both measured
//! (BENCHMARKS.md): ids are counted a run at a time, and every id's slot
//! is touched before any is counted, so the cache misses of a run overlap
//! instead of following one another (a year's customers fill tens of
//! megabytes: nearly every id misses the cache); and a slot's place is the
//! id's hash times the table's length, so a table is grown to any length
//! and, once counted, held at nine slots in ten used, not at a power of
//! two.

/// A packed id: never zero, with a well-mixed hash.
pub trait Id: Copy + Eq + Default {
    fn mixed(&self) -> u64;
    /// Some of the id's bits, cheaply (to touch its slot).
    fn bits(&self) -> u64;
}

/// Grown (by half) before more than this share of slots is used: a table
/// is then between 57% and 85% used while it grows, and the memory of its
/// older, smaller tables can be reused. At 25 M customers in 256 tables the
/// report's peak was 948-951 MB; doubled, 1,053 MB; doubled up to 2^14
/// slots and then grown by half, 1,083-1,095 MB (BENCHMARKS.md).
const GROW_AT: f64 = 0.85;
/// The share of slots used once a table is held.
const HELD: f64 = 0.9;
/// Ids whose slots are touched before they are counted (or looked up).
pub const AHEAD: usize = 32;

#[derive(Clone)]
pub struct Slots<K, V> {
    slots: Vec<(K, V)>,
    len: usize,
}

impl<K, V> Default for Slots<K, V> {
    fn default() -> Self {
        Slots { slots: Vec::new(), len: 0 }
    }
}

impl<K: Id, V: Copy + Default> Slots<K, V> {
    pub fn len(&self) -> usize {
        self.len
    }

    /// The first slot to look in: the hash's low 56 bits (the top 8 chose
    /// the part) scaled onto the table's length.
    fn home(&self, id: &K) -> usize {
        ((u128::from(id.mixed() << 8) * self.slots.len() as u128) >> 64) as usize
    }

    /// The count of `id`, looked for from slot `i`, a new slot (counting 0)
    /// if it has none. The table must have room for one more (`reserve`).
    fn value_mut_from(&mut self, mut i: usize, id: K) -> &mut V {
        loop {
            let key = self.slots[i].0;
            if key == id {
                return &mut self.slots[i].1;
            }
            if key == K::default() {
                self.slots[i].0 = id;
                self.len += 1;
                return &mut self.slots[i].1;
            }
            i = if i + 1 == self.slots.len() { 0 } else { i + 1 };
        }
    }

    pub fn get(&self, id: &K) -> Option<V> {
        if self.slots.is_empty() {
            return None;
        }
        let mut i = self.home(id);
        loop {
            let (key, value) = self.slots[i];
            if key == *id {
                return Some(value);
            }
            if key == K::default() {
                return None;
            }
            i = if i + 1 == self.slots.len() { 0 } else { i + 1 };
        }
    }

    /// Read the slot `id` is looked for first, for its cache miss to
    /// overlap others (`update_all`, `PerCustomer::get_all`).
    pub fn touch(&self, id: &K) -> u64 {
        self.slots.get(self.home(id)).map_or(0, |slot| slot.0.bits())
    }

    fn value_mut(&mut self, id: K) -> &mut V {
        self.value_mut_from(self.home(&id), id)
    }

    /// Room for `more` new ids without passing the growth limit.
    fn reserve(&mut self, more: usize) {
        let needed = self.len + more;
        if needed as f64 > self.slots.len() as f64 * GROW_AT {
            let length = (needed as f64 / GROW_AT).ceil() as usize;
            self.resize(length.max(self.slots.len() + self.slots.len() / 2).max(16));
        }
    }

    fn resize(&mut self, length: usize) {
        let old = std::mem::replace(&mut self.slots, vec![(K::default(), V::default()); length]);
        self.len = 0;
        for (id, value) in old.into_iter().filter(|(id, _)| *id != K::default()) {
            *self.value_mut(id) = value;
        }
    }

    /// Apply `update` to the count of `id`.
    pub fn update(&mut self, id: K, update: impl FnOnce(&mut V)) {
        self.reserve(1);
        update(self.value_mut(id));
    }

    /// Apply `update` to each id and its count, in order; the slots of the
    /// next `AHEAD` ids are read first, so their misses overlap.
    pub fn update_all(&mut self, ids: &[K], mut update: impl FnMut(K, &mut V)) {
        for run in ids.chunks(AHEAD) {
            self.reserve(run.len());
            let mut homes = [0usize; AHEAD];
            for (home, id) in homes.iter_mut().zip(run) {
                *home = self.home(id);
            }
            // Reads whose results are only summed: the misses overlap.
            let touched =
                homes[..run.len()].iter().fold(0u64, |sum, &i| sum.wrapping_add(self.slots[i].0.bits()));
            std::hint::black_box(touched);
            for (&home, &id) in homes.iter().zip(run) {
                update(id, self.value_mut_from(home, id));
            }
        }
    }

    /// The bytes the slots take.
    pub fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<(K, V)>()
    }

    /// The same counts in a table of nine slots in ten used.
    pub fn held(mut self) -> Self {
        let length = (self.len as f64 / HELD).ceil() as usize;
        if length < self.slots.len() {
            self.resize(length.max(usize::from(self.len > 0)));
        }
        self
    }

    /// Every (id, count), in no order.
    pub fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        self.slots.iter().copied().filter(|(id, _)| *id != K::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    struct Poor(u64);

    impl Id for Poor {
        fn mixed(&self) -> u64 {
            // A poor hash on purpose: long runs of neighbouring slots.
            self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8
        }

        fn bits(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn counts_what_a_map_counts_through_growth_and_holding() {
        let ids: Vec<Poor> = (0..50_000u64).map(|i| Poor(1 + (i * 7919) % 4_001)).collect();
        let mut slots: Slots<Poor, u64> = Slots::default();
        slots.update_all(&ids[..30_000], |_, n| *n += 1);
        for &id in &ids[30_000..] {
            slots.update(id, |n| *n += 1);
        }
        let mut expected = std::collections::HashMap::new();
        for &id in &ids {
            *expected.entry(id).or_insert(0u64) += 1;
        }
        let held = slots.held();
        assert!(held.slots.len() as f64 * 0.89 <= held.len() as f64, "held at nine in ten");
        assert_eq!(held.len(), expected.len());
        assert_eq!(held.iter().collect::<std::collections::HashMap<_, _>>(), expected);
        for (id, n) in &expected {
            assert_eq!(held.get(id), Some(*n));
        }
        assert_eq!(held.get(&Poor(5_000)), None);
        assert_eq!(Slots::<Poor, u64>::default().held().get(&Poor(1)), None);
    }

    #[test]
    fn tables_grow_by_half_and_count_the_same() {
        let mut slots: Slots<Poor, u64> = Slots::default();
        let mut lengths = Vec::new();
        for i in 0..120_000u64 {
            slots.update(Poor(1 + i % 60_000), |n| *n += 1);
            if lengths.last() != Some(&slots.slots.len()) {
                lengths.push(slots.slots.len());
            }
        }
        // Each length half as long again as the one before (rounded down).
        assert!(lengths.windows(2).all(|w| w[1] == w[0] + w[0] / 2), "{lengths:?}");
        assert_eq!(slots.len(), 60_000);
        assert!((1..=60_000).all(|id| slots.get(&Poor(id)) == Some(2)));
    }
}
