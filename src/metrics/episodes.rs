//! Repeat contact seen from the problem's side (docs/METHODS.md §3.3–3.5): episodes, channel
//! switching within them, forward one-contact resolution, the channel
//! transition matrix and per-channel counts, over counted complaints.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};

use super::repeats::Contact;
use crate::input::complaints::Complaint;
use crate::input::keys::Keys;

const PHONE: &str = "phone";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChannelCounts {
    pub complaints: u64,
    pub repeats: u64,
    /// Repeats arriving on this channel after a contact on another one.
    pub switches: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeSummary {
    /// Counted complaints.
    pub complaints: u64,
    /// Episodes whose first contact is counted.
    pub episodes: u64,
    pub multi_contact: u64,
    /// Episodes with ≥ 2 distinct known channels.
    pub switched: u64,
    /// Episodes where a phone contact follows a non-phone one.
    pub digital_to_phone: u64,
    /// Consecutive contacts within those episodes: (from, to) → count.
    pub transitions: BTreeMap<(String, String), u64>,
    pub channels: BTreeMap<String, ChannelCounts>,
    /// Counted complaints with no follow-up within W (among the observed).
    pub resolved_first_time: u64,
    /// Counted complaints whose W-day follow-up is fully observed.
    pub observed: u64,
    /// Counted complaints whose follow-up window runs past the data.
    pub censored: u64,
    /// Counted complaints without a repeat key (customer): their follow-ups
    /// cannot be seen, so they are left out of one-contact resolution.
    pub without_key: u64,
    /// Last time at which follow-ups are known.
    pub horizon: Option<NaiveDateTime>,
}

impl EpisodeSummary {
    /// Forward first-contact resolution: resolved / observed.
    pub fn forward_fcr(&self) -> Option<f64> {
        (self.observed > 0).then(|| self.resolved_first_time as f64 / self.observed as f64)
    }

    pub fn contacts_per_episode(&self) -> Option<f64> {
        (self.episodes > 0).then(|| self.complaints as f64 / self.episodes as f64)
    }
}

/// Summarise episodes over `complaints` (all loaded, with `contacts` from
/// `link_contacts`). Follow-ups are observed up to `as_of`, else up to the
/// last complaint time in the data.
pub fn summarise(
    complaints: &[Complaint],
    channel_names: &Keys,
    contacts: &[Contact],
    window_days: u32,
    as_of: Option<NaiveDateTime>,
) -> EpisodeSummary {
    let window = Duration::days(i64::from(window_days));
    let horizon = as_of.or_else(|| complaints.iter().map(|c| c.time).max());
    let mut summary = EpisodeSummary { horizon, ..Default::default() };

    let mut channels: BTreeMap<&str, ChannelCounts> = BTreeMap::new();
    for (i, c) in complaints.iter().enumerate() {
        if !c.counted {
            continue;
        }
        summary.complaints += 1;
        let counts = channels.entry(c.channel.map_or("(unknown)", |k| channel_names.text(k))).or_default();
        counts.complaints += 1;
        counts.repeats += u64::from(contacts[i].repeat);
        counts.switches += u64::from(contacts[i].switch);
        if !contacts[i].keyed {
            summary.without_key += 1;
            continue;
        }
        match horizon {
            Some(h) if c.time + window <= h => {
                summary.observed += 1;
                summary.resolved_first_time += u64::from(!contacts[i].followed);
            }
            _ => summary.censored += 1,
        }
    }
    summary.channels = channels.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    // Members of each episode (episodes are numbered from 0), each episode's
    // members one run of `members`, in contact order.
    let episodes = contacts.iter().map(|c| c.episode as usize + 1).max().unwrap_or(0);
    let mut starts = vec![0; episodes + 1];
    for c in contacts {
        starts[c.episode as usize + 1] += 1;
    }
    for e in 0..episodes {
        starts[e + 1] += starts[e];
    }
    let mut members = vec![0; complaints.len()];
    let mut next = starts.clone();
    for (i, c) in contacts.iter().enumerate() {
        members[next[c.episode as usize]] = i;
        next[c.episode as usize] += 1;
    }
    let mut transitions: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for e in 0..episodes {
        let chain = &mut members[starts[e]..starts[e + 1]];
        if chain.is_empty() {
            continue;
        }
        chain.sort_by_key(|&i| (complaints[i].time, complaints[i].row));
        let chain = &*chain;
        let first = chain[0];
        if contacts[first].repeat || !complaints[first].counted {
            continue;
        }
        summary.episodes += 1;
        summary.multi_contact += u64::from(chain.len() > 1);
        let channels: Vec<Option<&str>> =
            chain.iter().map(|&i| complaints[i].channel.map(|k| channel_names.text(k))).collect();
        let mut distinct: Vec<&str> = channels.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        summary.switched += u64::from(distinct.len() >= 2);
        let mut seen_digital = false;
        let mut digital_to_phone = false;
        for channel in channels.iter().flatten() {
            if *channel == PHONE && seen_digital {
                digital_to_phone = true;
            }
            seen_digital |= *channel != PHONE;
        }
        summary.digital_to_phone += u64::from(digital_to_phone);
        for pair in channels.windows(2) {
            if let (Some(from), Some(to)) = (pair[0], pair[1]) {
                *transitions.entry((from, to)).or_default() += 1;
            }
        }
    }
    summary.transitions =
        transitions.into_iter().map(|((a, b), n)| ((a.to_string(), b.to_string()), n)).collect();
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RepeatKey;
    use crate::metrics::repeats::link_contacts;
    use crate::metrics::repeats::tests::{fixture, fixture_channels};

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn spec_fixture_episodes_transitions_and_fcr() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let s = summarise(&complaints, &fixture_channels(), &contacts, 7, None);
        assert_eq!(s.complaints, 9);
        assert_eq!((s.episodes, s.multi_contact, s.switched, s.digital_to_phone), (6, 3, 3, 3));
        let transition =
            |a: &str, b: &str| s.transitions.get(&(a.to_string(), b.to_string())).copied().unwrap_or(0);
        assert_eq!(
            (transition("web", "phone"), transition("chat", "chat"), transition("chat", "phone")),
            (2, 1, 1)
        );
        assert_eq!(s.transitions.values().sum::<u64>(), 4);
        // Data through 02-15: every January complaint's week is observed.
        assert_eq!((s.resolved_first_time, s.observed, s.censored), (5, 9, 0));
        assert_eq!(s.forward_fcr(), Some(5.0 / 9.0));
        assert_eq!(s.contacts_per_episode(), Some(9.0 / 6.0));
    }

    #[test]
    fn spec_fixture_fcr_with_data_only_through_january() {
        let complaints: Vec<Complaint> =
            fixture().into_iter().filter(|c| c.time < t("2024-02-01 00:00")).collect();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let s = summarise(&complaints, &fixture_channels(), &contacts, 7, None);
        assert_eq!((s.resolved_first_time, s.observed, s.censored), (5, 8, 1));
        // The same with an explicit as-of date.
        let s = summarise(&complaints, &fixture_channels(), &contacts, 7, Some(t("2024-01-31 23:59")));
        assert_eq!((s.resolved_first_time, s.observed, s.censored), (5, 8, 1));
    }

    /// Regression: complaints without a customer counted as resolved at the
    /// first contact (88% instead of 82% when a third lacked a customer).
    #[test]
    fn complaints_without_a_customer_are_not_resolved_first_time() {
        let mut complaints = fixture();
        complaints[3].customer = None; // C2's only complaint: resolved if it counted
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let s = summarise(&complaints, &fixture_channels(), &contacts, 7, None);
        assert_eq!(s.without_key, 1);
        assert_eq!((s.resolved_first_time, s.observed, s.censored), (4, 8, 0));
        assert_eq!(s.forward_fcr(), Some(0.5));
    }

    #[test]
    fn per_channel_counts() {
        let complaints = fixture();
        let contacts = link_contacts(&complaints, RepeatKey::Customer, 7);
        let s = summarise(&complaints, &fixture_channels(), &contacts, 7, None);
        let phone = &s.channels["phone"];
        // January phone complaints: C1 01-02 (repeat, switch), C1 01-20, C3 01-09 (repeat, switch), C4 01-10.
        assert_eq!((phone.complaints, phone.repeats, phone.switches), (4, 2, 2));
        assert_eq!(s.channels.values().map(|c| c.complaints).sum::<u64>(), 9);
    }
}
