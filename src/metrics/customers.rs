//! Complaints per customer and the concentration summary (docs/METHODS.md
//! §4.6), with each customer's deliveries where the deliveries carry
//! customers (counted by `input::deliveries::per_customer`).

use rayon::prelude::*;

use crate::input::complaints::Complaint;
use crate::input::deliveries::per_customer::PerCustomer;
use crate::input::keys::{Key, Keys};
use crate::stats::gini::{customers_for_half, generalized_gini_with_zeros, gini, gini_with_zeros, top_share};
use crate::stats::poisson::{benjamini_hochberg, expected_repeat_complainers, poisson_tail};

#[derive(Clone, Debug, PartialEq)]
pub struct CustomerRow {
    pub customer: String,
    pub complaints: u64,
    /// Deliveries to this customer (None when deliveries carry no customer).
    pub deliveries: Option<u64>,
    /// p̄ × deliveries.
    pub expected: Option<f64>,
    /// P(X ≥ complaints) under Poisson(expected); None without exposure.
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value over all customers with deliveries.
    pub q_value: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Concentration {
    pub complainants: u64,
    /// Customers in the deliveries (with or without complaints), if known.
    pub customers: Option<u64>,
    pub complaints: u64,
    /// Share of complaints by the top 1% of complainants (at least one).
    pub top_1pct_share: Option<f64>,
    pub top_10_share: Option<f64>,
    pub customers_for_half: u64,
    /// Gini over complainants.
    pub gini_complainants: Option<f64>,
    /// Gini and generalized Gini over all customers, zeros included.
    pub gini_all: Option<f64>,
    pub generalized_gini_all: Option<f64>,
    pub observed_repeat_complainers: u64,
    /// Expected under equal per-delivery chance (needs deliveries per customer).
    pub expected_repeat_complainers: Option<f64>,
}

/// Counted complaints per customer code (`ComplaintTable::customers`).
pub fn complaints_per_customer(complaints: &[Complaint], customers: &Keys) -> Vec<u64> {
    let mut counts = vec![0; customers.len()];
    for c in complaints.iter().filter(|c| c.counted) {
        if let Some(customer) = c.customer {
            counts[customer.index()] += 1;
        }
    }
    counts
}

/// Deliveries per customer, and the ids among them that stand for no
/// customer (`0`, `guest`…): those are no customers of the population.
#[derive(Clone, Copy)]
pub struct Exposures<'a> {
    pub deliveries: &'a PerCustomer,
    pub not_customers: &'a [&'a str],
}

impl Exposures<'_> {
    /// The placeholder ids that have deliveries, with how many.
    fn placeholders(&self) -> Vec<u64> {
        self.not_customers.iter().filter_map(|id| self.deliveries.get(id)).collect()
    }
}

/// Rows sorted by complaints (desc), then customer; every complainant and,
/// with exposures, every customer with deliveries.
pub fn customer_rows(
    counts: &[u64],
    customers: &Keys,
    exposures: Option<Exposures>,
    p_bar: Option<f64>,
) -> Vec<CustomerRow> {
    let complainants: Vec<(&str, u64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(k, &n)| (customers.text(Key::of(k)), n))
        .collect();
    let mut names: Vec<&str> = complainants.iter().map(|c| c.0).collect();
    names.extend(exposures.iter().flat_map(|e| e.not_customers.iter().copied()));
    let others = exposures.map(|e| e.deliveries.except(&names)).unwrap_or_default();
    let complainants = complainants.par_iter().map(|&(name, n)| {
        let deliveries = exposures.map(|e| e.deliveries.get(name).unwrap_or(0));
        (name.to_string(), n, deliveries)
    });
    let others = others.into_par_iter().map(|(name, deliveries)| (name, 0, Some(deliveries)));
    let mut rows: Vec<CustomerRow> = complainants
        .chain(others)
        .map(|(name, complaints, deliveries)| {
            let expected = match (deliveries, p_bar) {
                (Some(d), Some(p)) => Some(p * d as f64),
                _ => None,
            };
            let p_value = expected.filter(|&e| e > 0.0).map(|e| poisson_tail(complaints, e));
            CustomerRow { customer: name, complaints, deliveries, expected, p_value, q_value: None }
        })
        .collect();
    let tested: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].p_value.is_some()).collect();
    let q = benjamini_hochberg(&tested.iter().map(|&i| rows[i].p_value.unwrap_or(1.0)).collect::<Vec<_>>());
    for (k, &i) in tested.iter().enumerate() {
        rows[i].q_value = Some(q[k]);
    }
    // Customers are distinct, so the order is total and an unstable sort is exact.
    rows.par_sort_unstable_by(|a, b| {
        b.complaints.cmp(&a.complaints).then_with(|| a.customer.cmp(&b.customer))
    });
    rows
}

/// The concentration summary from complaints per customer code and, when
/// the deliveries carry customers, deliveries per customer: every customer
/// with deliveries is one of the population, with or without complaints.
pub fn concentration(
    counts: &[u64],
    customers: &Keys,
    exposures: Option<Exposures>,
    p_bar: Option<f64>,
) -> Concentration {
    let mut complainant_counts: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    // Sorted once for every measure below (each takes them as they are when sorted).
    complainant_counts.sort_unstable();
    let complaints: u64 = complainant_counts.iter().sum();
    let n = complainant_counts.len();
    let population = exposures.map(|e| Population::of(counts, customers, e)).filter(|p| p.size() > 0);
    let expected = match (&population, p_bar) {
        (Some(all), Some(p)) => Some(expected_repeat_complainers(p, &all.exposures())),
        _ => None,
    };
    // Everyone in the population who did not complain counts zero.
    let zeros = population.as_ref().map(|all| all.quiet);
    Concentration {
        complainants: n as u64,
        customers: population.as_ref().map(|all| all.size()),
        complaints,
        top_1pct_share: top_share(&complainant_counts, n.div_ceil(100).max(1)),
        top_10_share: top_share(&complainant_counts, 10),
        customers_for_half: customers_for_half(&complainant_counts) as u64,
        gini_complainants: gini(&complainant_counts),
        gini_all: zeros.and_then(|z| gini_with_zeros(&complainant_counts, z)),
        generalized_gini_all: zeros.and_then(|z| generalized_gini_with_zeros(&complainant_counts, z)),
        observed_repeat_complainers: complainant_counts.iter().filter(|&&c| c >= 2).count() as u64,
        expected_repeat_complainers: expected,
    }
}

/// Everyone who complained or has deliveries: the complainants' deliveries
/// one by one, and the rest (who did not complain) as how many have each
/// number of deliveries; there may be millions of them.
struct Population {
    complainants: Vec<u64>,
    /// Deliveries → customers with that many and no complaint.
    quiet_deliveries: std::collections::BTreeMap<u64, u64>,
    quiet: u64,
}

impl Population {
    fn of(counts: &[u64], customers: &Keys, exposures: Exposures) -> Population {
        let mut quiet_deliveries = exposures.deliveries.histogram();
        let mut quiet = exposures.deliveries.len() as u64;
        // Placeholder ids are no customers (none of them complained: the
        // complaints' placeholders were taken as missing).
        for d in exposures.placeholders() {
            quiet -= 1;
            if let Some(left) = quiet_deliveries.get_mut(&d) {
                *left -= 1;
            }
        }
        let exposures = exposures.deliveries;
        let complainants: Vec<&str> =
            (0..counts.len()).filter(|&k| counts[k] > 0).map(|k| customers.text(Key::of(k))).collect();
        let found: Vec<Option<u64>> =
            complainants.par_chunks(4096).flat_map_iter(|ids| exposures.get_all(ids)).collect();
        // Complainants found among the customers with deliveries are not
        // quiet: taken out per number of deliveries (a few hundred numbers).
        let mut taken: foldhash::HashMap<u64, u64> = Default::default();
        for d in found.iter().flatten() {
            *taken.entry(*d).or_default() += 1;
        }
        for (d, n) in taken {
            quiet -= n;
            if let Some(left) = quiet_deliveries.get_mut(&d) {
                *left -= n;
            }
        }
        let complainants = found.into_iter().map(|d| d.unwrap_or(0)).collect();
        Population { complainants, quiet_deliveries, quiet }
    }

    fn size(&self) -> u64 {
        self.complainants.len() as u64 + self.quiet
    }

    /// Each customer's deliveries with how many customers have them.
    /// (deliveries, customers with that many): the complainants grouped
    /// like the quiet customers (`expected_repeat_complainers` adds exactly,
    /// in any grouping).
    fn exposures(&self) -> Vec<(f64, u64)> {
        let mut complainants: foldhash::HashMap<u64, u64> = Default::default();
        for &d in &self.complainants {
            *complainants.entry(d).or_default() += 1;
        }
        let all = complainants.into_iter().chain(self.quiet_deliveries.iter().map(|(&d, &n)| (d, n)));
        all.map(|(d, n)| (d as f64, n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::repeats::tests::fixture_with_keys;

    #[test]
    fn rows_and_concentration_of_the_spec_fixture() {
        let (complaints, customers) = fixture_with_keys();
        let counts = complaints_per_customer(&complaints, &customers);
        let rows = customer_rows(&counts, &customers, None, None);
        let top: Vec<(&str, u64)> = rows.iter().map(|r| (r.customer.as_str(), r.complaints)).collect();
        assert_eq!(top, vec![("C1", 3), ("C3", 3), ("C2", 1), ("C4", 1), ("C5", 1)]);
        let c = concentration(&counts, &customers, None, None);
        assert_eq!(
            (c.complainants, c.complaints, c.customers_for_half, c.observed_repeat_complainers),
            (5, 9, 2, 2)
        );
        assert_eq!(c.top_10_share, Some(1.0));
        assert_eq!(c.customers, None);
        assert_eq!(c.expected_repeat_complainers, None);
    }

    #[test]
    fn exposures_give_poisson_tails_and_q_values() {
        let (complaints, customers) = fixture_with_keys();
        let counts = complaints_per_customer(&complaints, &customers);
        let exposures = PerCustomer::from_counts([
            ("C1", 50),
            ("C2", 5000),
            ("C3", 100),
            ("C4", 1000),
            ("C5", 10),
            ("C6", 2000),
            ("C7", 90_000),
        ]);
        let exposures = Exposures { deliveries: &exposures, not_customers: &["C7"] };
        let rows = customer_rows(&counts, &customers, Some(exposures), Some(0.001));
        let c1 = rows.iter().find(|r| r.customer == "C1").unwrap();
        assert!((c1.p_value.unwrap() - 2.00675e-5).abs() < 5e-10);
        let c6 = rows.iter().find(|r| r.customer == "C6").unwrap();
        assert_eq!((c6.complaints, c6.p_value), (0, Some(1.0)));
        assert!(rows.iter().all(|r| r.q_value.unwrap() >= r.p_value.unwrap()));
        let c = concentration(&counts, &customers, Some(exposures), Some(0.001));
        assert_eq!(c.customers, Some(6));
        let g = c.gini_all.unwrap();
        assert!((0.0..=1.0).contains(&g));
        assert!(c.expected_repeat_complainers.unwrap() > 0.0);
    }
}
