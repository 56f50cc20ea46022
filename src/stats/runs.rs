//! Anhøj run rules (docs/METHODS.md §4.3): a shift in the process shows as an unusually
//! long run on one side of the centre line, or unusually few crossings.

use statrs::distribution::{Binomial, DiscreteCDF};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Runs {
    /// Points not on the centre line.
    pub useful: usize,
    pub longest_run: usize,
    pub longest_run_limit: usize,
    pub crossings: usize,
    pub crossings_limit: usize,
    /// Longest run > limit, or crossings < limit.
    pub shift: bool,
}

/// Apply the rules to rates (in time order) around `centre`. Points on the
/// centre line neither break nor extend a run. `None` with fewer than 2
/// useful points.
pub fn anhoej(rates: &[f64], centre: f64) -> Option<Runs> {
    let sides: Vec<bool> = rates.iter().filter(|&&r| r != centre).map(|&r| r > centre).collect();
    let k = sides.len();
    if k < 2 {
        return None;
    }
    let mut longest_run = 1;
    let mut run = 1;
    let mut crossings = 0;
    for w in sides.windows(2) {
        if w[0] == w[1] {
            run += 1;
            longest_run = longest_run.max(run);
        } else {
            run = 1;
            crossings += 1;
        }
    }
    let longest_run_limit = (k as f64).log2().round() as usize + 3;
    let crossings_limit = binomial_quantile(0.05, (k - 1) as u64);
    Some(Runs {
        useful: k,
        longest_run,
        longest_run_limit,
        crossings,
        crossings_limit,
        shift: longest_run > longest_run_limit || crossings < crossings_limit,
    })
}

/// Smallest c with P(X ≤ c) ≥ q for X ~ Binomial(trials, ½) (R's qbinom).
fn binomial_quantile(q: f64, trials: u64) -> usize {
    let b = Binomial::new(0.5, trials).expect("p = 0.5 is valid");
    (0..=trials).find(|&c| b.cdf(c) >= q - 1e-12).unwrap_or(trials) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_limits() {
        // Anhøj & Olesen 2014, table 1: k = 10 → run > 6, crossings < 2;
        // k = 20 → run > 7, crossings < 6; k = 30 → run > 8, crossings < 10.
        for (k, run, crossings) in [(10usize, 6usize, 2usize), (20, 7, 6), (30, 8, 10)] {
            let alternating: Vec<f64> = (0..k).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
            let r = anhoej(&alternating, 0.0).unwrap();
            assert_eq!((r.longest_run_limit, r.crossings_limit), (run, crossings), "k = {k}");
            assert!(!r.shift);
        }
    }

    #[test]
    fn a_long_run_is_a_shift() {
        let mut rates = vec![1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        rates.extend([1.0; 8]);
        let r = anhoej(&rates, 0.0).unwrap();
        assert_eq!((r.longest_run, r.longest_run_limit), (8, 7));
        assert!(r.shift);
    }

    #[test]
    fn points_on_the_centre_are_skipped() {
        let r = anhoej(&[1.0, 0.0, 1.0, -1.0], 0.0).unwrap();
        assert_eq!((r.useful, r.longest_run, r.crossings), (3, 2, 1));
    }
}
