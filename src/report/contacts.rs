//! Repeat contact and channel switching (`repeats`, and the HTML report's
//! repeats section): per channel, complaints, repeats and how many arrived
//! after a contact on another channel; episodes, forward one-contact
//! resolution, and the channel transition matrix (docs/METHODS.md §3).

use std::collections::BTreeSet;

use serde_json::json;

use super::View;
use super::pictures;
use crate::input::DatasetOptions;
use crate::metrics::dataset::Dataset;
use crate::metrics::episodes::summarise;
use crate::output::table::{share, thousands};
use crate::output::{Cell, Grid};

/// Repeats per channel, episodes and transitions.
pub fn view(data: &Dataset, options: &DatasetOptions) -> View {
    let input = options;
    let complaints = &data.complaints;
    let s = summarise(
        &complaints.records,
        &complaints.channels,
        &data.contacts,
        input.window_days,
        input.as_of_time(),
    );
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);

    let columns = [
        "channel",
        "complaints",
        "repeat_complaints",
        "repeat_rate",
        "channel_switches",
        "switched_in_share",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<Cell>> = s
        .channels
        .iter()
        .map(|(channel, c)| {
            vec![
                Cell::Text(channel.clone()),
                Cell::Int(c.complaints),
                Cell::Int(c.repeats),
                Cell::Fraction(ratio(c.repeats, c.complaints)),
                Cell::Int(c.switches),
                Cell::Fraction(ratio(c.switches, c.complaints)),
            ]
        })
        .collect();
    let channels: BTreeSet<&String> = s.transitions.keys().flat_map(|(a, b)| [a, b]).collect();
    let mut matrix_columns = vec!["from".to_string()];
    matrix_columns.extend(channels.iter().map(|c| format!("to_{c}")));
    let matrix_rows: Vec<Vec<Cell>> = channels
        .iter()
        .map(|from| {
            let mut row = vec![Cell::Text((*from).clone())];
            row.extend(channels.iter().map(|to| {
                Cell::Int(s.transitions.get(&((*from).clone(), (*to).clone())).copied().unwrap_or(0))
            }));
            row
        })
        .collect();

    let repeats: u64 = s.channels.values().map(|c| c.repeats).sum();
    let switches: u64 = s.channels.values().map(|c| c.switches).sum();
    let pct = |v: Option<f64>| v.map(share).unwrap_or_else(|| "–".into());
    let headline = vec![
        format!(
            "{} complaints, {} of them repeat contacts within {} days ({}); {} of the repeats switched channel ({}).",
            thousands(s.complaints),
            thousands(repeats),
            input.window_days,
            pct(ratio(repeats, s.complaints)),
            thousands(switches),
            pct(ratio(switches, repeats)),
        ),
        format!(
            "{} problems (episodes) started in the period: {} needed more than one contact, {} used more than one channel, {} moved from a digital channel to the phone; {:.2} contacts per problem.",
            thousands(s.episodes),
            thousands(s.multi_contact),
            thousands(s.switched),
            thousands(s.digital_to_phone),
            s.contacts_per_episode().unwrap_or(0.0),
        ),
        format!(
            "One-contact resolution: {} ({} of {} complaints had no follow-up within {} days; {} too recent to tell, up to {}{}).",
            pct(s.forward_fcr()),
            thousands(s.resolved_first_time),
            thousands(s.observed),
            input.window_days,
            thousands(s.censored),
            s.horizon.map(|h| h.to_string()).unwrap_or_else(|| "–".into()),
            if s.without_key > 0 {
                format!("; {} without a customer left out", thousands(s.without_key))
            } else {
                String::new()
            },
        ),
    ];
    let summary = json!({
        "complaints": s.complaints,
        "repeat_complaints": repeats,
        "channel_switches": switches,
        "episodes": s.episodes,
        "multi_contact_episodes": s.multi_contact,
        "switched_episodes": s.switched,
        "digital_to_phone_episodes": s.digital_to_phone,
        "contacts_per_episode": s.contacts_per_episode(),
        "forward_fcr": s.forward_fcr(),
        "fcr_resolved": s.resolved_first_time,
        "fcr_observed": s.observed,
        "fcr_censored": s.censored,
        "fcr_without_customer": s.without_key,
        "follow_up_known_until": s.horizon.map(|h| h.to_string()),
    });
    View {
        title: "Repeat contacts and channel switching".into(),
        figure: pictures::transitions(&s),
        headline,
        summary,
        main: Grid { name: "channels".into(), columns, rows },
        extra: vec![Grid { name: "transitions".into(), columns: matrix_columns, rows: matrix_rows }],
        notes: vec![super::sentences::SURVEY_CAUTION.to_string()],
    }
}
