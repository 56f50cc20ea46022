//! Pure statistics on plain numbers: no polars, no I/O. Each function is
//! checked against the published reference values of docs/METHODS.md §5.

pub mod funnel;
pub mod gaps;
pub mod gini;
pub mod glm;
pub mod laney;
pub mod poisson;
pub mod runs;
pub mod verdict;
pub mod wilson;

use statrs::distribution::{ContinuousCDF, Normal};

fn standard_normal() -> Normal {
    Normal::standard()
}

/// Two-sided normal quantile for a confidence level (e.g. 0.95 → 1.959964).
pub fn z_for_confidence(confidence: f64) -> f64 {
    normal_quantile(1.0 - (1.0 - confidence) / 2.0)
}

/// Inverse of the standard normal CDF.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// Standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    standard_normal().cdf(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_spec() {
        assert!((z_for_confidence(0.95) - 1.959964).abs() < 1e-6);
        assert!((normal_quantile(0.999) - 3.090232).abs() < 1e-6);
        assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-11);
        assert!((normal_cdf(-3.0) / 0.0013498980316301 - 1.0).abs() < 1e-10);
    }
}
