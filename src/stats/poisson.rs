//! Poisson baseline for repeat complainers (docs/METHODS.md §4.6): how many customers
//! would complain twice or more if every delivery had the same chance, and
//! each customer's tail probability with Benjamini–Hochberg q-values.

use rayon::slice::ParallelSliceMut;
use statrs::function::gamma::gamma_lr;

/// P(X ≥ c) for X ~ Poisson(λ); the regularized lower incomplete gamma
/// P(c, λ), exact in the far tail where 1 − CDF would cancel.
pub fn poisson_tail(c: u64, lambda: f64) -> f64 {
    if c == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    gamma_lr(c as f64, lambda)
}

/// Expected number of customers with ≥ 2 complaints when every delivery has
/// a complaint chance `p`; `exposures` holds (deliveries, how many customers
/// have that many). Summed in fixed point (2⁻⁹⁰ units, exact integer
/// addition): the same result in whatever order or grouping the customers
/// come, rounded once.
pub fn expected_repeat_complainers(p: f64, exposures: &[(f64, u64)]) -> f64 {
    const UNIT: f64 = (1u128 << 90) as f64;
    let term = |d: f64| (poisson_tail(2, p * d) * UNIT) as i128;
    let sum: i128 = exposures.iter().map(|&(d, customers)| term(d) * i128::from(customers)).sum();
    sum as f64 / UNIT
}

/// Benjamini–Hochberg adjusted p-values (q-values), in input order.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    // Stable, on both cores (millions of customers with deliveries).
    order.par_sort_by(|&a, &b| p_values[b].total_cmp(&p_values[a]));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank_from_top, &i) in order.iter().enumerate() {
        let rank = (m - rank_from_top) as f64;
        running = running.min(p_values[i] * m as f64 / rank);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b
    }

    #[test]
    fn spec_baseline_equal_customers() {
        let expected = expected_repeat_complainers(300.0 / 100_000.0, &vec![(1.0, 1); 100_000]);
        assert!((expected - 0.4491).abs() < 5e-5, "{expected}");
        // Grouped: 100,000 customers with one delivery each.
        assert_eq!(expected, expected_repeat_complainers(300.0 / 100_000.0, &[(1.0, 100_000)]));
    }

    #[test]
    fn baseline_is_the_same_in_any_order() {
        let exposures: Vec<(f64, u64)> = (0..10_000).map(|i| (((i * 7919) % 1000) as f64 + 0.5, 1)).collect();
        let mut reversed = exposures.clone();
        reversed.reverse();
        let p = 0.0013;
        let a = expected_repeat_complainers(p, &exposures);
        assert_eq!(a, expected_repeat_complainers(p, &reversed));
        let plain: f64 = exposures.iter().map(|&(d, _)| poisson_tail(2, p * d)).sum();
        assert!(rel(a, plain) < 1e-12, "{a} {plain}");
    }

    #[test]
    fn spec_per_customer_tails() {
        assert!(rel(poisson_tail(3, 0.001 * 50.0), 2.00675e-5) < 5e-6);
        assert!((poisson_tail(9, 0.001 * 5000.0) - 0.0680936).abs() < 5e-8);
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        assert_eq!(poisson_tail(1, 0.0), 0.0);
    }

    #[test]
    fn bh_matches_a_worked_example() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.02, 0.04, 0.04, 0.02];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
    }
}
