//! The verdict (docs/METHODS.md §4.7): `forest` when the latest periods
//! show a rise beyond routine noise in some segment (or over all of them),
//! or when complaints clearly grow faster than deliveries; otherwise
//! `bushes`. The rule holds its false-alarm rate whatever the number of
//! segments, complaints per cell and periods:
//!
//! - each unit (segment, and the total when there are several) compares its
//!   last `RECENT_PERIODS` periods, together and one by one, with its own
//!   earlier periods;
//! - each comparison's p-value is the larger of an exact conditional
//!   binomial tail (right for small counts) and a t test on the log rate
//!   ratio whose variance allows for extra-Poisson variation estimated from
//!   the earlier periods (right when counts vary more than Poisson);
//! - the comparisons share `FAMILY_ALPHA` by weighted Bonferroni, three quarters
//!   to the sustained (three-period) comparison, which has the most power
//!   against a lasting rise;
//! - the trend path calls a forest only when the one-sided p for "complaints
//!   grow faster than deliveries" is below `TREND_ALPHA`.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::beta::beta_reg;

use super::glm::Trend;
use super::normal_cdf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Forest,
    Bushes,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Forest => "forest",
            Verdict::Bushes => "bushes",
        }
    }
}

/// How many of the latest periods the verdict looks at.
pub const RECENT_PERIODS: usize = 3;
/// Earlier periods a unit needs before its latest ones can be judged.
pub const MIN_BASELINE_PERIODS: usize = 2;
/// The chance of a false `forest` from the recent-rise tests, over all of
/// them together, on data with no change.
pub const FAMILY_ALPHA: f64 = 0.02;
/// The chance of a false `forest` from the trend.
pub const TREND_ALPHA: f64 = 0.01;
/// Periods the trend needs before it can call a forest.
pub const TREND_MIN_PERIODS: usize = 6;
/// How much deliveries must vary (largest / smallest) for the trend to call
/// a forest: against nearly constant volumes "faster than deliveries" is
/// not a finding.
pub const TREND_MIN_VOLUME_RATIO: f64 = 1.25;
/// Share of each unit's α for the comparison of the recent periods together.
const SUSTAINED_SHARE: f64 = 3.0 / 4.0;

/// One unit's counts over the periods the verdict may use (mature, whole,
/// in time order); the last `RECENT_PERIODS` are the recent ones, the same
/// calendar periods for every unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub complaints: Vec<u64>,
    pub deliveries: Vec<u64>,
}

/// What a comparison looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// The recent periods together.
    Sustained,
    /// One recent period (0 = the oldest of them).
    Period(usize),
}

/// One comparison of recent against earlier periods.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiseTest {
    /// Index of the unit in the input (the total, if any, comes last).
    pub unit: usize,
    pub window: Window,
    pub complaints: u64,
    pub deliveries: u64,
    /// Complaints expected at the unit's earlier rate.
    pub expected: f64,
    /// Recent rate / earlier rate.
    pub ratio: Option<f64>,
    pub p_value: f64,
    /// The p-value at or below which this comparison calls a forest.
    pub threshold: f64,
    pub significant: bool,
}

/// All comparisons, and the variation they allowed for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecentRise {
    pub tests: Vec<RiseTest>,
    /// Units with enough earlier periods to be judged.
    pub units_tested: usize,
    /// Extra-Poisson variation v (variance μ + vμ²) over the segments'
    /// earlier periods, and its degrees of freedom.
    pub dispersion: f64,
    pub dispersion_df: f64,
    pub family_alpha: f64,
}

impl RecentRise {
    pub fn significant(&self) -> impl Iterator<Item = &RiseTest> {
        self.tests.iter().filter(|t| t.significant)
    }

    /// The comparison closest to calling a forest (lowest p / threshold).
    pub fn closest(&self) -> Option<&RiseTest> {
        self.tests.iter().min_by(|a, b| (a.p_value / a.threshold).total_cmp(&(b.p_value / b.threshold)))
    }
}

/// Compare each unit's recent periods with its earlier ones. `segments` are
/// pooled to estimate extra-Poisson variation; `total` (all segments
/// summed, when there are several) is judged with its own. `None` when no
/// unit has `MIN_BASELINE_PERIODS` earlier periods with deliveries.
pub fn recent_rise(segments: &[Series], total: Option<&Series>) -> Option<RecentRise> {
    let (v_segments, df_segments) = dispersion(segments);
    let mut units: Vec<(usize, &Series, f64, f64)> =
        segments.iter().enumerate().map(|(i, s)| (i, s, v_segments, df_segments)).collect();
    if let Some(total) = total {
        let (v, df) = dispersion(std::slice::from_ref(total));
        units.push((segments.len(), total, v, df));
    }
    let judged: Vec<_> = units.into_iter().filter(|(_, s, ..)| baseline(s).is_some()).collect();
    if judged.is_empty() {
        return None;
    }
    let per_unit = FAMILY_ALPHA / judged.len() as f64;
    let mut tests = Vec::new();
    for (unit, series, v, df) in judged {
        let (base_x, base_n, base_sq) = baseline(series).expect("filtered above");
        let recent = series.complaints.len() - RECENT_PERIODS;
        let mut windows = vec![(Window::Sustained, recent..series.complaints.len())];
        windows.extend((0..RECENT_PERIODS).map(|k| (Window::Period(k), recent + k..recent + k + 1)));
        for (window, range) in windows {
            let x: u64 = series.complaints[range.clone()].iter().sum();
            let n: u64 = series.deliveries[range.clone()].iter().sum();
            if n == 0 {
                continue;
            }
            let n_sq: f64 = series.deliveries[range].iter().map(|&d| (d as f64).powi(2)).sum();
            let share = match window {
                Window::Sustained => SUSTAINED_SHARE,
                Window::Period(_) => (1.0 - SUSTAINED_SHARE) / RECENT_PERIODS as f64,
            };
            let threshold = per_unit * share;
            let p_exact = binomial_upper_tail(x, x + base_x, n as f64 / (n + base_n) as f64);
            let p_log = log_ratio_p(x, n, n_sq, base_x, base_n, base_sq, v, df);
            let p_value = p_exact.max(p_log);
            let earlier_rate = base_x as f64 / base_n as f64;
            tests.push(RiseTest {
                unit,
                window,
                complaints: x,
                deliveries: n,
                expected: earlier_rate * n as f64,
                ratio: (base_x > 0).then(|| (x as f64 / n as f64) / earlier_rate),
                p_value,
                threshold,
                significant: p_value <= threshold,
            });
        }
    }
    let units_tested = tests.iter().map(|t| t.unit).collect::<std::collections::BTreeSet<_>>().len();
    Some(RecentRise {
        tests,
        units_tested,
        dispersion: v_segments,
        dispersion_df: df_segments,
        family_alpha: FAMILY_ALPHA,
    })
}

/// The earlier periods' complaints, deliveries and Σ deliveries², when
/// there are enough periods with deliveries.
fn baseline(series: &Series) -> Option<(u64, u64, f64)> {
    let end = series.complaints.len().checked_sub(RECENT_PERIODS)?;
    let used: Vec<usize> = (0..end).filter(|&t| series.deliveries[t] > 0).collect();
    if used.len() < MIN_BASELINE_PERIODS {
        return None;
    }
    let x = used.iter().map(|&t| series.complaints[t]).sum();
    let n = used.iter().map(|&t| series.deliveries[t]).sum();
    let sq = used.iter().map(|&t| (series.deliveries[t] as f64).powi(2)).sum();
    Some((x, n, sq))
}

/// Extra-Poisson variation v of counts whose variance is μ + vμ² (a
/// Poisson–gamma mixture), estimated by moments over the units' earlier
/// periods, each unit at its own rate; with its degrees of freedom.
pub fn dispersion(units: &[Series]) -> (f64, f64) {
    let (mut excess, mut scale, mut df) = (0.0, 0.0, 0.0);
    for series in units {
        let Some((base_x, base_n, _)) = baseline(series) else { continue };
        let end = series.complaints.len() - RECENT_PERIODS;
        let rate = base_x as f64 / base_n as f64;
        let used: Vec<usize> = (0..end).filter(|&t| series.deliveries[t] > 0).collect();
        for &t in &used {
            let n = series.deliveries[t] as f64;
            let mu = n * rate;
            let leverage = n / base_n as f64;
            let residual = series.complaints[t] as f64 - mu;
            excess += residual * residual - mu * (1.0 - leverage);
            scale += mu * mu * (1.0 - leverage);
        }
        df += (used.len() - 1) as f64;
    }
    let v = if scale > 0.0 { (excess / scale).max(0.0) } else { 0.0 };
    (v, df)
}

/// P(X ≥ k) for X ~ Binomial(n, p): under no change, given all `n`
/// complaints of the recent and earlier periods, each is recent with
/// chance p = recent deliveries / all deliveries.
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    beta_reg(k as f64, (n - k + 1) as f64, p)
}

/// One-sided p for a higher recent rate on the log scale: the log rate
/// ratio (with ½ added to each count) over its standard error, whose
/// variance is 1/μ + v·Σn²/N² for each side (μ the count expected at the
/// earlier rate). Only the v part is estimated, so the reference is
/// Student's t with Satterthwaite's degrees of freedom: `df` when v's part
/// dominates, the normal when v is 0.
#[allow(clippy::too_many_arguments)]
fn log_ratio_p(x: u64, n: u64, n_sq: f64, base_x: u64, base_n: u64, base_sq: f64, v: f64, df: f64) -> f64 {
    let earlier = (base_x as f64 + 0.5) / base_n as f64;
    let d = ((x as f64 + 0.5) / n as f64).ln() - earlier.ln();
    let mu_recent = earlier * n as f64;
    let poisson = 1.0 / mu_recent + 1.0 / (base_x as f64 + 0.5);
    let extra = v * (n_sq / (n as f64).powi(2) + base_sq / (base_n as f64).powi(2));
    let z = d / (poisson + extra).sqrt();
    if extra <= 0.0 {
        return normal_cdf(-z);
    }
    if df < 1.0 {
        return 1.0;
    }
    let satterthwaite = ((poisson + extra).powi(2) / (extra.powi(2) / df)).max(df);
    StudentsT::new(0.0, 1.0, satterthwaite).expect("df ≥ 1").sf(z)
}

/// A step: the rate moved up at one period and stayed up, begun before the
/// recent periods with at least `MIN_BASELINE_PERIODS` periods of the new
/// level before them (so the recent periods are not a new rise against
/// it). Found only where the Anhøj rules signal a shift (§4.3).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Index in the series of the first period at the new level.
    pub start: usize,
    /// The rate since the step / the rate before it.
    pub ratio: f64,
}

/// The step of a unit's series, if its rate stepped up and stayed up: where
/// the run rules signal a shift, the change point that best splits the
/// series into two rates (binomial likelihood), when the later rate is
/// higher, the split leaves room before the recent periods, and the recent
/// periods are nearer the later rate than the earlier.
pub fn step(series: &Series) -> Option<Step> {
    let (x, n) = (&series.complaints, &series.deliveries);
    let len = x.len();
    let recent = len.checked_sub(RECENT_PERIODS)?;
    if n.contains(&0) || recent < 2 * MIN_BASELINE_PERIODS {
        return None;
    }
    let (total_x, total_n): (u64, u64) = (x.iter().sum(), n.iter().sum());
    let centre = total_x as f64 / total_n as f64;
    let rates: Vec<f64> = (0..len).map(|t| x[t] as f64 / n[t] as f64).collect();
    if !super::runs::anhoej(&rates, centre)?.shift {
        return None;
    }
    // Log-likelihood of k complaints in m deliveries at their own rate.
    let loglik = |k: u64, m: u64| {
        let p = k as f64 / m as f64;
        let term = |c: f64, q: f64| if c > 0.0 { c * q.ln() } else { 0.0 };
        term(k as f64, p) + term((m - k) as f64, 1.0 - p)
    };
    let (mut before_x, mut before_n) = (0u64, 0u64);
    let mut best: Option<(f64, usize)> = None;
    for k in 1..len {
        before_x += x[k - 1];
        before_n += n[k - 1];
        let split = loglik(before_x, before_n) + loglik(total_x - before_x, total_n - before_n);
        if best.is_none_or(|(b, _)| split > b) {
            best = Some((split, k));
        }
    }
    let (_, start) = best?;
    if start + MIN_BASELINE_PERIODS > recent {
        return None;
    }
    let rate = |range: std::ops::Range<usize>| {
        let (k, m): (u64, u64) = (x[range.clone()].iter().sum(), n[range].iter().sum());
        k as f64 / m as f64
    };
    let (before, after, latest) = (rate(0..start), rate(start..len), rate(recent..len));
    let stayed_up = latest >= (before + after) / 2.0;
    (before > 0.0 && after > before && stayed_up).then_some(Step { start, ratio: after / before })
}

/// Whether `test` is still significant when its unit's earlier periods are
/// only those since its step: a rise on top of the step, not the step.
pub fn rises_after(series: &Series, step: &Step, test: &RiseTest) -> bool {
    let since = Series {
        complaints: series.complaints[step.start..].to_vec(),
        deliveries: series.deliveries[step.start..].to_vec(),
    };
    let Some(again) = recent_rise(std::slice::from_ref(&since), None) else { return true };
    again.tests.iter().any(|t| t.window == test.window && t.p_value <= test.threshold)
}

/// The trend path: over enough periods, the one-sided p-value for "the
/// slope exceeds 1" is below `TREND_ALPHA`.
pub fn trend_says_forest(trend: Option<&Trend>) -> bool {
    trend.is_some_and(|t| {
        t.periods >= TREND_MIN_PERIODS
            && t.volume_ratio >= TREND_MIN_VOLUME_RATIO
            && t.p_slope_above_one < TREND_ALPHA
    })
}

/// Forest when a recent rise is beyond noise or the trend says so.
pub fn decide(rise: Option<&RecentRise>, trend: Option<&Trend>) -> Verdict {
    let rising = rise.is_some_and(|r| r.significant().next().is_some());
    if rising || trend_says_forest(trend) { Verdict::Forest } else { Verdict::Bushes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::glm::poisson_trend;

    #[test]
    fn binomial_tails_are_exact() {
        // P(Bin(10, ½) ≥ 8) = (45 + 10 + 1) / 1024.
        assert!((binomial_upper_tail(8, 10, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(0, 10, 0.3), 1.0);
        assert_eq!(binomial_upper_tail(11, 10, 0.3), 0.0);
        // P(Bin(1, 0.2) ≥ 1) = 0.2.
        assert!((binomial_upper_tail(1, 1, 0.2) - 0.2).abs() < 1e-12);
    }

    fn flat(periods: usize, x: u64, n: u64) -> Series {
        Series { complaints: vec![x; periods], deliveries: vec![n; periods] }
    }

    #[test]
    fn a_doubled_segment_is_a_forest_and_a_flat_one_is_not() {
        let mut raised = flat(20, 20, 10_000);
        for k in 17..20 {
            raised.complaints[k] = 40;
        }
        let segments: Vec<Series> = (0..19).map(|_| flat(20, 20, 10_000)).chain([raised]).collect();
        let rise = recent_rise(&segments, None).unwrap();
        let hits: Vec<&RiseTest> = rise.significant().collect();
        assert!(hits.iter().all(|t| t.unit == 19), "{hits:?}");
        assert!(hits.iter().any(|t| t.window == Window::Sustained));
        assert_eq!(decide(Some(&rise), None), Verdict::Forest);
        let calm = recent_rise(&segments[..19], None).unwrap();
        assert_eq!(decide(Some(&calm), None), Verdict::Bushes);
        assert_eq!(calm.dispersion, 0.0, "identical counts vary less than Poisson");
    }

    #[test]
    fn extra_variation_widens_the_test() {
        // Earlier periods swing ±50%: a 1.6× week is within their noise.
        let swings = [10u64, 30, 12, 28, 9, 31, 11, 29, 10, 30, 20, 20, 32];
        let series = Series { complaints: swings.to_vec(), deliveries: vec![10_000; swings.len()] };
        let rise = recent_rise(std::slice::from_ref(&series), None).unwrap();
        assert!(rise.dispersion > 0.1, "v {}", rise.dispersion);
        assert!(rise.significant().next().is_none(), "{:?}", rise.tests);
        // A tripled last week after steady earlier weeks stands out.
        let steady = Series {
            complaints: [20u64; 12].iter().copied().chain([60]).collect(),
            deliveries: vec![10_000; 13],
        };
        let rise = recent_rise(std::slice::from_ref(&steady), None).unwrap();
        assert!(rise.significant().any(|t| t.window == Window::Period(2)), "{:?}", rise.tests);
    }

    #[test]
    fn too_few_earlier_periods_judge_nothing() {
        assert!(recent_rise(&[flat(4, 3, 100)], None).is_none());
        assert!(recent_rise(&[flat(5, 3, 100)], None).is_some());
    }

    #[test]
    fn thresholds_share_the_family_alpha() {
        let segments: Vec<Series> = (0..4).map(|_| flat(10, 5, 1000)).collect();
        let total = flat(10, 20, 4000);
        let rise = recent_rise(&segments, Some(&total)).unwrap();
        assert_eq!(rise.units_tested, 5);
        let sum: f64 = rise.tests.iter().map(|t| t.threshold).sum();
        assert!((sum - FAMILY_ALPHA).abs() < 1e-12, "{sum}");
    }

    #[test]
    fn an_old_step_is_found_where_it_began_and_a_fresh_rise_is_not_a_step() {
        // 40 weeks at 1 in 1,000, then 20 at 1.5 in 1,000.
        let mut series = flat(60, 100, 100_000);
        for t in 40..60 {
            series.complaints[t] = 150 + (t as u64 % 3) * 4;
        }
        for t in 0..40 {
            series.complaints[t] = 96 + (t as u64 % 5) * 2;
        }
        let found = step(&series).expect("a step");
        assert_eq!(found.start, 40);
        assert!((found.ratio - 1.52).abs() < 0.05, "{}", found.ratio);
        // The latest weeks are at the step's level: no rise on top of it.
        let rise = recent_rise(std::slice::from_ref(&series), None).unwrap();
        let sustained =
            |r: &RecentRise| r.tests.iter().find(|t| t.window == Window::Sustained).cloned().unwrap();
        assert!(!rises_after(&series, &found, &sustained(&rise)));
        // A rise in the last three weeks alone is no step.
        let mut fresh = flat(60, 100, 100_000);
        for t in 57..60 {
            fresh.complaints[t] = 200;
        }
        assert_eq!(step(&fresh), None);
        // Flat: no shift, no step.
        assert_eq!(step(&flat(60, 100, 100_000)), None);
        // A step and then a fresh rise on top: still rising.
        let mut both = series.clone();
        for t in 57..60 {
            both.complaints[t] = 320;
        }
        let rise = recent_rise(std::slice::from_ref(&both), None).unwrap();
        assert!(rises_after(&both, &found, &sustained(&rise)));
    }

    #[test]
    fn a_steep_trend_is_a_forest() {
        let orders = [10000, 12000, 14500, 17000, 20500, 24500, 29500, 35000, 42000, 50500, 60500, 72500];
        let complaints = [10, 12, 16, 18, 24, 29, 37, 45, 56, 70, 88, 109];
        let steep = poisson_trend(&complaints, &orders).fitted().cloned().unwrap();
        assert_eq!(decide(None, Some(&steep)), Verdict::Forest);
        let short = poisson_trend(&complaints[..5], &orders[..5]).fitted().cloned();
        assert!(!trend_says_forest(short.as_ref()), "5 periods are too few");
    }
}
