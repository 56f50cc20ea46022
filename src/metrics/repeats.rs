//! Repeat contacts and channel switches (docs/METHODS.md §3.2): each complaint's place in
//! its key's chain of complaints, ordered by (time, row).

use chrono::NaiveDateTime;
use rayon::slice::ParallelSliceMut;

use crate::input::RepeatKey;
use crate::input::complaints::Complaint;

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
    let mut categories: foldhash::HashMap<&str, u32> = Default::default();
    let mut pairs: foldhash::HashMap<(u32, u32), u32> = Default::default();
    let numbers = complaints
        .iter()
        .map(|c| {
            let mut pair = || -> Option<(u32, u32)> {
                let customer = c.customer?.index() as u32;
                let second = match key {
                    RepeatKey::Customer => 0,
                    RepeatKey::CustomerOrder => c.order?.index() as u32,
                    RepeatKey::CustomerCategory => {
                        let next = categories.len() as u32;
                        *categories.entry(c.category.as_deref()?).or_insert(next)
                    }
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

/// Relate every complaint to the previous and next complaint of its key.
/// `contacts[i]` describes `complaints[i]`.
pub fn link_contacts(complaints: &[Complaint], key: RepeatKey, window_days: u32) -> Vec<Contact> {
    // Times as nanoseconds from the epoch (exact for any time; chrono's
    // differences were a tenth of the linking at millions of complaints).
    let nanos = |t: NaiveDateTime| {
        let t = t.and_utc();
        i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
    };
    let window = i128::from(window_days) * 86_400 * 1_000_000_000;
    let within = |earlier: usize, later: usize| {
        nanos(complaints[later].time) - nanos(complaints[earlier].time) <= window
    };
    let (numbers, keys) = key_numbers(key, complaints);
    // Each key's complaints as a run of `order`: a counting sort by key
    // number (no comparison of millions), then each run, a few complaints,
    // sorted into contact order (time, row).
    let mut starts = vec![0usize; keys + 1];
    for &k in numbers.iter().filter(|&&k| k != NO_KEY) {
        starts[k as usize + 1] += 1;
    }
    for k in 0..keys {
        starts[k + 1] += starts[k];
    }
    let mut order = vec![0usize; starts[keys]];
    let mut next = starts.clone();
    for (i, &k) in numbers.iter().enumerate().filter(|&(_, &k)| k != NO_KEY) {
        order[next[k as usize]] = i;
        next[k as usize] += 1;
    }
    drop((numbers, next));
    let contact_order = |&i: &usize| (complaints[i].time, complaints[i].row);
    for k in 0..keys {
        if starts[k + 1] - starts[k] > 1 {
            order[starts[k]..starts[k + 1]].sort_unstable_by_key(contact_order);
        }
    }
    // Each chain in key order (its complaints are anywhere in the table,
    // but one chain's reads do not wait for another's): the contacts, with
    // episodes numbered within the chain.
    let mut contacts = vec![Contact::default(); complaints.len()];
    let mut episodes_of = vec![0usize; keys];
    for (k, episodes) in episodes_of.iter_mut().enumerate() {
        let chain = &order[starts[k]..starts[k + 1]];
        for (n, &i) in chain.iter().enumerate() {
            let mut contact = Contact { keyed: true, ..Contact::default() };
            if n > 0 {
                let p = chain[n - 1];
                contact.previous = Some(index(p));
                contact.repeat = within(p, i);
                contact.switch = contact.repeat
                    && matches!((&complaints[p].channel, &complaints[i].channel), (Some(a), Some(b)) if a != b);
            }
            if let Some(&next) = chain.get(n + 1) {
                contact.followed = within(i, next);
            }
            if !contact.repeat {
                *episodes += 1;
            }
            contact.episode = index(*episodes - 1);
            contacts[i] = contact;
        }
    }
    // Deterministic episode numbers: chains in order of their first
    // complaint. (time, row) is distinct per chain, so an unstable sort is exact.
    let mut chains: Vec<(NaiveDateTime, u64, usize)> = (0..keys)
        .filter(|&k| starts[k + 1] > starts[k])
        .map(|k| {
            let (time, row) = contact_order(&order[starts[k]]);
            (time, row, k)
        })
        .collect();
    chains.par_sort_unstable();
    let mut episodes = 0;
    for (_, _, k) in chains {
        // The chain's first episode number, then the next chain's.
        episodes += std::mem::replace(&mut episodes_of[k], episodes);
    }
    for k in 0..keys {
        for &i in &order[starts[k]..starts[k + 1]] {
            contacts[i].episode += index(episodes_of[k]);
        }
    }
    // Complaints without a key (none of a chain): episodes of one.
    for contact in contacts.iter_mut().filter(|c| !c.keyed) {
        contact.episode = index(episodes);
        episodes += 1;
    }
    contacts
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
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

    /// The fixture and its customer ids.
    pub(crate) fn fixture_with_keys() -> (Vec<Complaint>, crate::input::keys::Keys) {
        let mut customers = crate::input::keys::Keys::default();
        let complaints = FIXTURE
            .iter()
            .enumerate()
            .map(|(i, (customer, time, channel))| Complaint {
                row: i as u64 + 2,
                time: NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M").unwrap(),
                customer: Some(customers.code(customer)),
                channel: Some((*channel).into()),
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

    #[test]
    fn ties_in_time_follow_row_order() {
        let mut complaints = fixture();
        complaints[1].time = complaints[0].time;
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        assert!(!contacts[0].repeat && contacts[1].repeat);
    }
}
