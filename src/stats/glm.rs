//! Trend of complaints against volume (docs/METHODS.md §4.5): Poisson GLM
//! log E[C_t] = a + b·log N_t fitted by iteratively reweighted least squares.

use super::{normal_cdf, normal_quantile};

#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub intercept: f64,
    /// Elasticity of complaints to deliveries; > 1: complaints grow faster.
    pub slope: f64,
    /// Model-based standard error of the slope.
    pub se_unscaled: f64,
    /// Pearson χ² / residual df.
    pub dispersion: f64,
    /// The standard error used: scaled by √dispersion when that exceeds 1.
    pub se: f64,
    pub ci95: (f64, f64),
    /// Two-sided p-value for slope = 1 (complaints proportional to deliveries).
    pub p_slope_is_one: f64,
    pub periods: usize,
}

/// Periods with deliveries the fit needs.
pub const MIN_PERIODS: usize = 4;

/// Fit over periods with deliveries; `None` with fewer than `MIN_PERIODS`,
/// no complaints at all, or no spread in deliveries.
pub fn poisson_trend(complaints: &[u64], deliveries: &[u64]) -> Option<Trend> {
    let pairs: Vec<(f64, f64)> = complaints
        .iter()
        .zip(deliveries)
        .filter(|(_, n)| **n > 0)
        .map(|(&c, &n)| (c as f64, (n as f64).ln()))
        .collect();
    let m = pairs.len();
    if m < MIN_PERIODS || pairs.iter().all(|(c, _)| *c == 0.0) {
        return None;
    }
    let mean_x = pairs.iter().map(|p| p.1).sum::<f64>() / m as f64;
    if pairs.iter().all(|p| (p.1 - mean_x).abs() < 1e-12) {
        return None;
    }
    // Start from the proportional model: log μ = log(ȳ) + (x − x̄).
    let mean_y = pairs.iter().map(|p| p.0).sum::<f64>() / m as f64;
    let (mut a, mut b) = (mean_y.ln() - mean_x, 1.0);
    for _ in 0..100 {
        let mut xtwz = [0.0; 2];
        let mut xtwx = [[0.0; 2]; 2];
        for &(y, x) in &pairs {
            let eta = a + b * x;
            let mu = eta.exp();
            let working = eta + (y - mu) / mu;
            xtwx[0][0] += mu;
            xtwx[0][1] += mu * x;
            xtwx[1][1] += mu * x * x;
            xtwz[0] += mu * working;
            xtwz[1] += mu * x * working;
        }
        xtwx[1][0] = xtwx[0][1];
        let det = xtwx[0][0] * xtwx[1][1] - xtwx[0][1] * xtwx[1][0];
        if det.abs() < f64::MIN_POSITIVE || !det.is_finite() {
            return None;
        }
        let new_a = (xtwx[1][1] * xtwz[0] - xtwx[0][1] * xtwz[1]) / det;
        let new_b = (xtwx[0][0] * xtwz[1] - xtwx[1][0] * xtwz[0]) / det;
        let converged =
            (new_a - a).abs() < 1e-12 * (1.0 + a.abs()) && (new_b - b).abs() < 1e-12 * (1.0 + b.abs());
        a = new_a;
        b = new_b;
        if converged {
            break;
        }
    }
    if !(a.is_finite() && b.is_finite()) {
        return None;
    }
    // Covariance (X'WX)⁻¹ at the fit: recompute W there.
    let mut info = [[0.0; 2]; 2];
    let mut pearson = 0.0;
    for &(y, x) in &pairs {
        let mu = (a + b * x).exp();
        info[0][0] += mu;
        info[0][1] += mu * x;
        info[1][1] += mu * x * x;
        pearson += (y - mu).powi(2) / mu;
    }
    let det = info[0][0] * info[1][1] - info[0][1] * info[0][1];
    let se_unscaled = (info[0][0] / det).sqrt();
    let dispersion = pearson / (m - 2) as f64;
    let se = se_unscaled * dispersion.max(1.0).sqrt();
    let z = normal_quantile(0.975);
    let p = 2.0 * normal_cdf(-((b - 1.0) / se).abs());
    Some(Trend {
        intercept: a,
        slope: b,
        se_unscaled,
        dispersion,
        se,
        ci95: (b - z * se, b + z * se),
        p_slope_is_one: p,
        periods: m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_trend_reference() {
        let orders = [10000, 12000, 14500, 17000, 20500, 24500, 29500, 35000, 42000, 50500, 60500, 72500];
        let complaints = [10, 12, 16, 18, 24, 29, 37, 45, 56, 70, 88, 109];
        let t = poisson_trend(&complaints, &orders).unwrap();
        assert!((t.slope - 1.21375).abs() < 5e-6, "b {}", t.slope);
        assert!((t.se_unscaled - 0.08295).abs() < 5e-6, "se {}", t.se_unscaled);
        assert!(t.dispersion < 1.0, "this series is underdispersed: se stays unscaled");
        assert!((t.p_slope_is_one - 0.00997).abs() < 5e-6, "p {}", t.p_slope_is_one);
        assert!(t.ci95.0 > 1.0, "CI lies above 1: complaints grow faster than deliveries");
    }

    #[test]
    fn proportional_series_has_slope_one() {
        let n = [1000, 2000, 4000, 8000, 16000];
        let c = [10, 20, 40, 80, 160];
        let t = poisson_trend(&c, &n).unwrap();
        assert!((t.slope - 1.0).abs() < 1e-9);
        assert!(t.p_slope_is_one > 0.99);
    }

    #[test]
    fn too_few_periods_or_degenerate() {
        assert!(poisson_trend(&[1, 2, 3], &[10, 20, 30]).is_none());
        assert!(poisson_trend(&[0, 0, 0, 0], &[10, 20, 30, 40]).is_none());
        assert!(poisson_trend(&[1, 2, 3, 4], &[10, 10, 10, 10]).is_none());
    }
}
