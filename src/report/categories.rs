//! Complaints by category (`categories`, and the HTML report's categories
//! section): how many, their share and cumulative share, per 1,000
//! deliveries and how often repeated — the few categories that make most
//! complaints ("count the trees").

use std::collections::BTreeMap;

use serde_json::json;

use super::View;
use super::pictures;
use crate::metrics::dataset::Dataset;
use crate::output::table::{share, thousands};
use crate::output::{Cell, Grid};

/// Categories of counted complaints, most first; `None` without a
/// category column.
pub fn view(data: &Dataset) -> Option<View> {
    data.complaints.plan.roles.get(crate::input::Role::Category)?;
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (c, contact) in data.complaints.records.iter().zip(&data.contacts).filter(|(c, _)| c.counted) {
        let entry =
            counts.entry(c.category.map_or("(none)", |k| data.complaints.categories.text(k))).or_default();
        entry.0 += u64::from(c.weight);
        entry.1 += u64::from(contact.repeat);
    }
    let mut sorted: Vec<(&str, (u64, u64))> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
    let total: u64 = sorted.iter().map(|s| s.1.0).sum();
    let deliveries: u64 = data.deliveries.counts.values().sum();
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    let mut cumulative = 0;
    let mut for_80 = None;
    let rows: Vec<Vec<Cell>> = sorted
        .iter()
        .enumerate()
        .map(|(k, (name, (n, repeats)))| {
            cumulative += n;
            if for_80.is_none() && cumulative * 10 >= total * 8 {
                for_80 = Some(k + 1);
            }
            vec![
                Cell::Text(name.to_string()),
                Cell::Int(*n),
                Cell::Fraction(ratio(*n, total)),
                Cell::Fraction(ratio(cumulative, total)),
                Cell::Number(ratio(n * 1000, deliveries)),
                // Repeats need one row per contact with a customer: empty, never 0.
                if data.complaints.has_customers() {
                    Cell::Fraction(ratio(*repeats, *n))
                } else {
                    Cell::Missing
                },
            ]
        })
        .collect();
    let top: Vec<String> = sorted
        .iter()
        .take(for_80.unwrap_or(0).min(5))
        .map(|(name, (n, _))| format!("{name} ({})", ratio(*n, total).map(share).unwrap_or_default()))
        .collect();
    let headline = vec![format!(
        "{} complaints in {} categories; {} of them make 80% of complaints: {}.",
        thousands(total),
        thousands(sorted.len() as u64),
        thousands(for_80.unwrap_or(0) as u64),
        top.join(", ")
    )];
    let categories: Vec<(String, u64)> = sorted.iter().map(|(name, (n, _))| (name.to_string(), *n)).collect();
    Some(View {
        title: "Complaints by category".into(),
        headline,
        summary: json!({
            "complaints": total,
            "categories": sorted.len(),
            "categories_for_80_percent": for_80,
        }),
        main: Grid {
            name: "categories".into(),
            columns: [
                "category",
                "complaints",
                "share",
                "cumulative_share",
                "per_1000_deliveries",
                "repeat_rate",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        },
        extra: vec![],
        figure: Some(pictures::pareto(&categories)),
        notes: vec![],
    })
}
