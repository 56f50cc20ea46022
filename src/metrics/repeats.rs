//! Repeat contacts and channel switches (docs/METHODS.md §3.2): each complaint's place in
//! its key's chain of complaints, ordered by (time, row).

use chrono::NaiveDateTime;
use rayon::slice::ParallelSliceMut;

use crate::input::RepeatKey;
use crate::input::complaints::Complaint;
use crate::input::keys::Key;

/// No key: a part of it is missing (never a repeat).
const NO_KEY: u32 = u32::MAX;

/// A number for each complaint's key, equal for equal keys and distinct
/// otherwise, from 0 up to the count returned; `NO_KEY` when a part is
/// missing. With the customer alone (the default) it is the customer's
/// code; pairs are numbered as they come.
fn key_numbers(key: RepeatKey, complaints: &[Complaint]) -> (Vec<u32>, usize) {
    if key == RepeatKey::Customer {
        let numbers: Vec<u32> =
            complaints.iter().map(|c| c.customer.map_or(NO_KEY, |k| k.index() as u32)).collect();
        let count = numbers.iter().filter(|&&n| n != NO_KEY).max().map_or(0, |&n| n as usize + 1);
        return (numbers, count);
    }
    let mut pairs: foldhash::HashMap<(u32, u32), u32> = Default::default();
    let numbers = complaints
        .iter()
        .map(|c| {
            let pair = || -> Option<(u32, u32)> {
                let customer = c.customer?.index() as u32;
                let second = match key {
                    RepeatKey::Customer => 0,
                    RepeatKey::CustomerOrder => c.order?.index() as u32,
                    RepeatKey::CustomerCategory => c.category?.index() as u32,
                };
                Some((customer, second))
            };
            pair().map_or(NO_KEY, |pair| {
                let next = pairs.len() as u32;
                *pairs.entry(pair).or_insert(next)
            })
        })
        .collect();
    (numbers, pairs.len())
}

/// One complaint's relation to its key's other complaints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// Index of the key's previous complaint, if any (u32: a contact takes
    /// 16 bytes, and millions are held; the row budget keeps complaints
    /// far fewer than 2^32).
    pub previous: Option<u32>,
    /// The previous complaint is at most W before this one.
    pub repeat: bool,
    /// A repeat whose channel differs from the previous complaint's (both known).
    pub switch: bool,
    /// The key's next complaint comes at most W after this one.
    pub followed: bool,
    /// Episode number (a chain of contacts each at most W after the previous);
    /// complaints without a key are episodes of one.
    pub episode: u32,
    /// The complaint has a repeat key (a customer): without one nothing
    /// links it to other contacts, so its follow-ups are unknown.
    pub keyed: bool,
}

/// A complaint's index as held in a contact.
fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 complaints (the row budget)")
}

/// One complaint in its key's run: its time, index and channel.
#[derive(Clone, Copy)]
struct Entry {
    time: Stamp,
    index: u32,
    channel: Option<Key>,
}

/// A time as seconds from the epoch and nanoseconds: in the order of the
/// times, and taken apart once per complaint (chrono's differences, or its
/// seconds taken again for each pair, were a tenth of the linking at
/// millions of complaints).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Stamp {
    seconds: i64,
    nanos: u32,
}

impl Stamp {
    fn of(time: NaiveDateTime) -> Stamp {
        let time = time.and_utc();
        Stamp { seconds: time.timestamp(), nanos: time.timestamp_subsec_nanos() }
    }

    /// Nanoseconds from `earlier` to this (exact for any two times).
    fn since(self, earlier: Stamp) -> i128 {
        i128::from(self.seconds - earlier.seconds) * 1_000_000_000 + i128::from(self.nanos)
            - i128::from(earlier.nanos)
    }
}

/// Relate every complaint to the previous and next complaint of its key.
/// `contacts[i]` describes `complaints[i]`.
pub fn link_contacts(complaints: &[Complaint], key: RepeatKey, window_days: u32) -> Vec<Contact> {
    let window = i128::from(window_days) * 86_400 * 1_000_000_000;
    let within = |earlier: Stamp, later: Stamp| later.since(earlier) <= window;
    // Contact order is (time, row); complaints come in row order, so their
    // index breaks ties (the row itself is looked up only if they do not).
    let in_row_order = complaints.windows(2).all(|w| w[0].row < w[1].row);
    let tie = |i: u32| if in_row_order { u64::from(i) } else { complaints[i as usize].row };
    let (numbers, keys) = key_numbers(key, complaints);
    // Each key's complaints as a run of `runs`, with what linking reads of
    // them (no reads of the complaints scattered over the table): a
    // counting sort by key number (no comparison of millions), then each
    // run, a few complaints, sorted into contact order.
    let mut starts = vec![0u32; keys + 1];
    for &k in numbers.iter().filter(|&&k| k != NO_KEY) {
        starts[k as usize + 1] += 1;
    }
    for k in 0..keys {
        starts[k + 1] += starts[k];
    }
    let run = |k: usize| starts[k] as usize..starts[k + 1] as usize;
    let empty = Entry { time: Stamp { seconds: 0, nanos: 0 }, index: 0, channel: None };
    let mut runs = vec![empty; starts[keys] as usize];
    let mut next = starts.clone();
    for (i, (&k, c)) in numbers.iter().zip(complaints).enumerate().filter(|(_, (k, _))| **k != NO_KEY) {
        runs[next[k as usize] as usize] =
            Entry { time: Stamp::of(c.time), index: index(i), channel: c.channel };
        next[k as usize] += 1;
    }
    drop(next);
    for k in 0..keys {
        let run = &mut runs[run(k)];
        if run.len() > 1 {
            run.sort_unstable_by_key(|e| (e.time, tie(e.index)));
        }
    }
    // The contacts chain by chain in key order (the runs read in order,
    // not in the chains' order, which is scattered over them), episodes
    // numbered within each chain.
    let mut contacts = vec![Contact::default(); complaints.len()];
    let mut episodes_of = vec![0u32; keys];
    for (k, episodes) in episodes_of.iter_mut().enumerate() {
        let chain = &runs[run(k)];
        for (n, entry) in chain.iter().enumerate() {
            let mut contact = Contact { keyed: true, ..Contact::default() };
            if n > 0 {
                let previous = chain[n - 1];
                contact.previous = Some(previous.index);
                contact.repeat = within(previous.time, entry.time);
                contact.switch = contact.repeat
                    && matches!((previous.channel, entry.channel), (Some(a), Some(b)) if a != b);
            }
            if let Some(next) = chain.get(n + 1) {
                contact.followed = within(entry.time, next.time);
            }
            if !contact.repeat {
                *episodes += 1;
            }
            contact.episode = *episodes - 1;
            contacts[entry.index as usize] = contact;
        }
    }
    // Episode numbers run chain after chain, in order of each chain's first
    // complaint ((time, row) is distinct per chain, so an unstable sort is
    // exact): each chain's first number follows the episodes before it.
    let mut chains: Vec<(Stamp, u64, u32)> = (0..keys)
        .filter(|&k| starts[k + 1] > starts[k])
        .map(|k| {
            let first = runs[starts[k] as usize];
            (first.time, tie(first.index), k as u32)
        })
        .collect();
    drop(runs);
    chains.par_sort_unstable();
    let mut episodes = 0u32;
    for (_, _, k) in chains {
        episodes += std::mem::replace(&mut episodes_of[k as usize], episodes);
    }
    // Complaints without a key (none of a chain) are episodes of one.
    for (contact, &k) in contacts.iter_mut().zip(&numbers) {
        if k == NO_KEY {
            contact.episode = episodes;
            episodes += 1;
        } else {
            contact.episode += episodes_of[k as usize];
        }
    }
    contacts
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::input::keys::Keys;
    use chrono::Duration;

    /// docs/METHODS.md §5 repeat/channel fixture (W = 7): (customer, time, channel).
    pub(crate) const FIXTURE: [(&str, &str, &str); 11] = [
        ("C1", "2024-01-01 09:00", "web"),
        ("C1", "2024-01-02 10:00", "phone"),
        ("C1", "2024-01-20 11:00", "phone"),
        ("C2", "2024-01-05 12:00", "email"),
        ("C3", "2024-01-03 09:00", "chat"),
        ("C3", "2024-01-03 15:00", "chat"),
        ("C3", "2024-01-09 08:00", "phone"),
        ("C4", "2024-01-10 14:00", "phone"),
        ("C4", "2024-02-15 10:00", "phone"),
        ("C5", "2024-01-28 16:00", "web"),
        ("C5", "2024-02-02 09:00", "phone"),
    ];

    pub(crate) fn fixture() -> Vec<Complaint> {
        fixture_with_keys().0
    }

    /// The fixture's channels: their codes are in order of first use.
    pub(crate) fn fixture_channels() -> Keys {
        let mut channels = Keys::default();
        for (_, _, channel) in FIXTURE {
            channels.code(channel);
        }
        channels
    }

    /// The fixture and its customer ids.
    pub(crate) fn fixture_with_keys() -> (Vec<Complaint>, Keys) {
        let mut customers = Keys::default();
        let mut channels = Keys::default();
        let complaints = FIXTURE
            .iter()
            .enumerate()
            .map(|(i, (customer, time, channel))| Complaint {
                row: i as u64 + 2,
                time: NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M").unwrap(),
                customer: Some(customers.code(customer)),
                channel: Some(channels.code(channel)),
                order: None,
                category: None,
                segment: std::sync::Arc::default(),
                bucket_date: NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M").unwrap().date(),
                weight: 1,
                counted: time.starts_with("2024-01"),
            })
            .collect();
        (complaints, customers)
    }

    #[test]
    fn spec_fixture_repeats_and_switches_in_january() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let january: Vec<usize> = (0..complaints.len()).filter(|&i| complaints[i].counted).collect();
        assert_eq!(january.len(), 9);
        let repeats = january.iter().filter(|&&i| contacts[i].repeat).count();
        let switches = january.iter().filter(|&&i| contacts[i].switch).count();
        assert_eq!((repeats, switches), (3, 2));
        // C1's third complaint is 18 days later: a new episode, not a repeat.
        assert!(!contacts[2].repeat && contacts[1].repeat && contacts[1].switch);
        // Same channel repeat is not a switch.
        assert!(contacts[5].repeat && !contacts[5].switch);
    }

    #[test]
    fn missing_customer_never_repeats() {
        let mut complaints = fixture();
        complaints[1].customer = None;
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        assert!(!contacts[1].repeat);
        // C1's 01-20 complaint is now compared with 01-01: still not within 7 days.
        assert!(!contacts[2].repeat);
        assert_ne!(contacts[1].episode, contacts[0].episode);
    }

    #[test]
    fn window_is_inclusive_and_same_day_counts() {
        let mut complaints = fixture();
        complaints[1].time = complaints[0].time + Duration::days(7);
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        assert!(contacts[1].repeat);
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 0);
        assert!(!contacts[1].repeat);
        assert!(!contacts[5].repeat); // 6 hours later is not within 0 days
    }

    /// The contacts by their definition, one complaint at a time against
    /// all others (quadratic: small tables only).
    fn contacts_by_definition(complaints: &[Complaint], window_days: i64) -> Vec<Contact> {
        let order = |i: usize| (complaints[i].time, complaints[i].row);
        let same_key = |i: usize, j: usize| {
            complaints[i].customer.is_some() && complaints[i].customer == complaints[j].customer
        };
        let window = Duration::days(window_days);
        let mut contacts: Vec<Contact> = (0..complaints.len())
            .map(|i| {
                let previous = (0..complaints.len())
                    .filter(|&j| same_key(i, j) && order(j) < order(i))
                    .max_by_key(|&j| order(j));
                let next = (0..complaints.len())
                    .filter(|&j| same_key(i, j) && order(j) > order(i))
                    .min_by_key(|&j| order(j));
                let repeat = previous.is_some_and(|p| complaints[i].time - complaints[p].time <= window);
                let channels = previous.map(|p| (complaints[p].channel, complaints[i].channel));
                Contact {
                    previous: previous.map(|p| p as u32),
                    repeat,
                    switch: repeat && matches!(channels, Some((Some(a), Some(b))) if a != b),
                    followed: next.is_some_and(|n| complaints[n].time - complaints[i].time <= window),
                    episode: 0,
                    keyed: complaints[i].customer.is_some(),
                }
            })
            .collect();
        // Episodes: numbered chain by chain (a key's contacts), chains in
        // order of their first contact; each starts at a contact that is no repeat.
        let mut by_order: Vec<usize> = (0..complaints.len()).filter(|&i| contacts[i].keyed).collect();
        by_order.sort_by_key(|&i| order(i));
        let mut chains: Vec<Vec<usize>> = Vec::new();
        for i in by_order {
            match chains.iter_mut().find(|chain| same_key(chain[0], i)) {
                Some(chain) => chain.push(i),
                None => chains.push(vec![i]),
            }
        }
        let mut episodes = 0;
        for i in chains.into_iter().flatten() {
            episodes += u32::from(!contacts[i].repeat);
            contacts[i].episode = episodes - 1;
        }
        for contact in contacts.iter_mut().filter(|c| !c.keyed) {
            contact.episode = episodes;
            episodes += 1;
        }
        contacts
    }

    #[test]
    fn linking_agrees_with_the_definition_on_random_tables() {
        // A small seeded generator: few customers, times on a few days
        // (ties included), rows in file order and shuffled.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut draw = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let start = NaiveDateTime::parse_from_str("2024-01-01 00:00", "%Y-%m-%d %H:%M").unwrap();
        let mut customers = Keys::default();
        for table in 0..200 {
            let len = 1 + draw(40) as usize;
            let mut complaints: Vec<Complaint> = (0..len)
                .map(|i| Complaint {
                    row: i as u64 + 2,
                    time: start + Duration::hours(draw(24 * 20) as i64),
                    customer: (draw(8) > 0).then(|| customers.code(&format!("C{}", draw(6)))),
                    channel: (draw(6) > 0).then(|| Key::of(draw(3) as usize)),
                    order: None,
                    category: None,
                    segment: std::sync::Arc::default(),
                    bucket_date: start.date(),
                    weight: 1,
                    counted: true,
                })
                .collect();
            if table % 2 == 1 {
                for i in (1..len).rev() {
                    let j = draw(i as u64 + 1) as usize;
                    let (a, b) = (complaints[i].row, complaints[j].row);
                    complaints[i].row = b;
                    complaints[j].row = a;
                }
            }
            for window in [0, 3, 7] {
                let ours = link_contacts(&complaints, RepeatKey::Customer, window);
                assert_eq!(
                    ours,
                    contacts_by_definition(&complaints, i64::from(window)),
                    "table {table}, W {window}"
                );
            }
        }
    }

    #[test]
    fn stamps_order_and_differ_as_times_do() {
        let times: Vec<NaiveDateTime> = [
            "1900-01-01 00:00:00.000000000",
            "1969-12-31 23:59:59.999999999",
            "1970-01-01 00:00:00.000000000",
            "2024-06-30 23:59:59.000000000",
            "2024-06-30 23:59:59.500000000",
            "2099-12-31 23:59:59.999999999",
        ]
        .iter()
        .map(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").unwrap())
        .collect();
        for &a in &times {
            for &b in &times {
                assert_eq!(Stamp::of(a).cmp(&Stamp::of(b)), a.cmp(&b));
                assert_eq!(Stamp::of(b).since(Stamp::of(a)), i128::from((b - a).num_nanoseconds().unwrap()));
            }
        }
    }

    #[test]
    fn ties_in_time_follow_row_order() {
        let mut complaints = fixture();
        complaints[1].time = complaints[0].time;
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        assert!(!contacts[0].repeat && contacts[1].repeat);
    }
}
