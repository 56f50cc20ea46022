//! Trend of complaints against volume (docs/METHODS.md §4.5): Poisson GLM
//! log E[C_t] = a + b·(log N_t − mean log N) fitted by iteratively
//! reweighted least squares, with a quasi-Poisson scale when the counts vary
//! more than Poisson.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{normal_cdf, normal_quantile};

#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// log E[C] at the mean log N (the fit is centred there).
    pub intercept: f64,
    /// Elasticity of complaints to deliveries; > 1: complaints grow faster.
    pub slope: f64,
    /// Model-based standard error of the slope.
    pub se_unscaled: f64,
    /// Pearson χ² / residual df.
    pub dispersion: f64,
    /// The standard error used: scaled by √dispersion when that exceeds 1.
    pub se: f64,
    /// Whether the scale was estimated (dispersion > 1): then the interval
    /// and p-values come from Student's t with m − 2 degrees of freedom.
    pub scale_estimated: bool,
    pub ci95: (f64, f64),
    /// Two-sided p-value for slope = 1 (complaints proportional to deliveries).
    pub p_slope_is_one: f64,
    /// One-sided p-value for slope > 1.
    pub p_slope_above_one: f64,
    pub periods: usize,
    /// Largest over smallest deliveries: how much volume varied.
    pub volume_ratio: f64,
}

impl Trend {
    /// The interval contains 1 and is too wide to say anything: wider than
    /// from "half as fast" to "twice as fast".
    pub fn cannot_tell(&self) -> bool {
        self.ci95.0 <= 1.0 && self.ci95.1 >= 1.0 && self.ci95.1 - self.ci95.0 > 1.5
    }
}

/// The outcome of fitting the trend.
#[derive(Clone, Debug, PartialEq)]
pub enum TrendFit {
    Fitted(Trend),
    /// Fewer than `MIN_PERIODS` periods with deliveries (how many there are).
    TooFewPeriods(usize),
    /// No complaint at all.
    NoComplaints,
    /// Deliveries are the same in every period: no slope can be seen.
    NoSpread,
    /// The likelihood has no finite maximum (e.g. every complaint in one period).
    NoFiniteEstimate,
}

impl TrendFit {
    pub fn fitted(&self) -> Option<&Trend> {
        match self {
            TrendFit::Fitted(t) => Some(t),
            _ => None,
        }
    }
}

/// Periods with deliveries the fit needs.
pub const MIN_PERIODS: usize = 4;

/// Fit over periods with deliveries, log N centred at its mean so that the
/// intercept and slope are nearly uncorrelated and nearly constant volumes
/// cannot make the iteration wander.
pub fn poisson_trend(complaints: &[u64], deliveries: &[u64]) -> TrendFit {
    let raw: Vec<(f64, f64)> = complaints
        .iter()
        .zip(deliveries)
        .filter(|(_, n)| **n > 0)
        .map(|(&c, &n)| (c as f64, (n as f64).ln()))
        .collect();
    let m = raw.len();
    if m < MIN_PERIODS {
        return TrendFit::TooFewPeriods(m);
    }
    if raw.iter().all(|(c, _)| *c == 0.0) {
        return TrendFit::NoComplaints;
    }
    let mean_x = raw.iter().map(|p| p.1).sum::<f64>() / m as f64;
    let pairs: Vec<(f64, f64)> = raw.iter().map(|&(y, x)| (y, x - mean_x)).collect();
    if pairs.iter().all(|p| p.1.abs() < 1e-12) {
        return TrendFit::NoSpread;
    }
    // Start from the proportional model: log μ = log(ȳ) + (x − x̄).
    let mean_y = pairs.iter().map(|p| p.0).sum::<f64>() / m as f64;
    let (mut a, mut b) = (mean_y.ln(), 1.0);
    let mut converged = false;
    for _ in 0..200 {
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
            return TrendFit::NoFiniteEstimate;
        }
        let new_a = (xtwx[1][1] * xtwz[0] - xtwx[0][1] * xtwz[1]) / det;
        let new_b = (xtwx[0][0] * xtwz[1] - xtwx[1][0] * xtwz[0]) / det;
        if !(new_a.is_finite() && new_b.is_finite()) {
            return TrendFit::NoFiniteEstimate;
        }
        let done = (new_a - a).abs() < 1e-12 * (1.0 + a.abs()) && (new_b - b).abs() < 1e-12 * (1.0 + b.abs());
        a = new_a;
        b = new_b;
        if done {
            converged = true;
            break;
        }
    }
    // A slope that keeps growing (complaints in one period only) has no finite maximum.
    if !converged || b.abs() > 1e6 {
        return TrendFit::NoFiniteEstimate;
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
    if !se_unscaled.is_finite() {
        return TrendFit::NoFiniteEstimate;
    }
    let dispersion = pearson / (m - 2) as f64;
    let scale_estimated = dispersion > 1.0;
    let se = se_unscaled * dispersion.max(1.0).sqrt();
    let statistic = (b - 1.0) / se;
    let (quantile, upper_tail): (f64, Box<dyn Fn(f64) -> f64>) = if scale_estimated {
        let t = StudentsT::new(0.0, 1.0, (m - 2) as f64).expect("m ≥ 4");
        (t.inverse_cdf(0.975), Box::new(move |z| t.sf(z)))
    } else {
        (normal_quantile(0.975), Box::new(|z| normal_cdf(-z)))
    };
    TrendFit::Fitted(Trend {
        intercept: a,
        slope: b,
        se_unscaled,
        dispersion,
        se,
        scale_estimated,
        ci95: (b - quantile * se, b + quantile * se),
        p_slope_is_one: (2.0 * upper_tail(statistic.abs())).min(1.0),
        p_slope_above_one: upper_tail(statistic),
        periods: m,
        volume_ratio: {
            let (lo, hi) = raw.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
            (hi - lo).exp()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_trend_reference() {
        let orders = [10000, 12000, 14500, 17000, 20500, 24500, 29500, 35000, 42000, 50500, 60500, 72500];
        let complaints = [10, 12, 16, 18, 24, 29, 37, 45, 56, 70, 88, 109];
        let t = poisson_trend(&complaints, &orders).fitted().cloned().unwrap();
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
        let t = poisson_trend(&c, &n).fitted().cloned().unwrap();
        assert!((t.slope - 1.0).abs() < 1e-9);
        assert!(t.p_slope_is_one > 0.99);
    }

    #[test]
    fn too_few_periods_or_degenerate() {
        assert_eq!(poisson_trend(&[1, 2, 3], &[10, 20, 30]), TrendFit::TooFewPeriods(3));
        assert_eq!(poisson_trend(&[0, 0, 0, 0], &[10, 20, 30, 40]), TrendFit::NoComplaints);
        assert_eq!(poisson_trend(&[1, 2, 3, 4], &[10, 10, 10, 10]), TrendFit::NoSpread);
    }

    /// Regression: with every complaint in one period the fit has no finite
    /// maximum; it used to be reported as "too few weeks".
    #[test]
    fn all_complaints_in_one_period_have_no_finite_estimate() {
        let n = [1000, 1100, 1200, 1300, 1400, 1500];
        assert_eq!(poisson_trend(&[0, 0, 0, 0, 0, 9], &n), TrendFit::NoFiniteEstimate);
    }

    /// Regression: nearly constant volumes gave absurd slopes (b ≈ 32,000)
    /// that called a forest; centred, the slope is uncertain, not absurd.
    #[test]
    fn nearly_constant_volumes_give_a_wide_interval() {
        let n = [100_000, 100_001, 100_000, 100_002, 100_001, 100_000, 100_001, 100_002];
        let c = [95, 103, 99, 110, 98, 101, 97, 104];
        let t = poisson_trend(&c, &n).fitted().cloned().unwrap();
        assert!(t.cannot_tell(), "{t:?}");
        assert!(t.p_slope_above_one > 0.01, "{t:?}");
    }

    /// With an estimated scale the interval uses t(m − 2), wider than normal.
    #[test]
    fn overdispersed_series_use_student_t() {
        let n = [1000, 1200, 1400, 1600, 1800, 2000];
        let c = [10, 30, 8, 40, 12, 45];
        let t = poisson_trend(&c, &n).fitted().cloned().unwrap();
        assert!(t.scale_estimated && t.dispersion > 1.0);
        let half = (t.ci95.1 - t.ci95.0) / 2.0;
        // t(4) 97.5% quantile = 2.776445.
        assert!((half / t.se - 2.776445).abs() < 1e-5, "{}", half / t.se);
    }
}
