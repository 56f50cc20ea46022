//! Changes in the export rather than the service (docs/METHODS.md §4.8):
//! complaints that barely exist over a stretch at the start (or the end) of
//! the counted days and then arrive at a rate that makes that stretch
//! almost impossible by chance — the chance rule of the coverage (§2.3),
//! applied inside the days counted. A source added to the export, or a
//! queue merged into it, looks like this; a service that got worse does not
//! go from nothing to everything overnight.

use statrs::function::gamma::gamma_ur;

use super::verdict::binomial_upper_tail;

/// A stretch this unlikely by chance (Poisson, at the rate on the other
/// side) is "almost impossible": one in ten million, so that hundreds of
/// segments and days searched give no false sentence in practice.
pub const ALMOST_IMPOSSIBLE: f64 = 1e-7;
/// Near-empty: under a tenth of what the other side's rate expects.
pub const NEAR_EMPTY: f64 = 0.1;

/// An abrupt start (or stop) of a unit's complaints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// The first day of the busy side: complaints start here (for a stop,
    /// the first day of the near-empty stretch).
    pub at: usize,
    /// Complaints on the near-empty side, and how many its deliveries
    /// would bring at the busy side's rate.
    pub quiet: f64,
    pub expected: f64,
    /// Busy side's rate over the quiet side's (infinite when it had none).
    pub ratio: f64,
    /// The chance of so few complaints on the quiet side, given all of
    /// them (exact binomial).
    pub p_value: f64,
    /// The evidence, which picks the day.
    pub deviance: f64,
}

/// P(X ≤ k) for X ~ Poisson(λ), exact in the far tail (the regularized
/// upper incomplete gamma Q(k + 1, λ)).
pub fn poisson_at_most(k: f64, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    gamma_ur(k.floor() + 1.0, lambda)
}

/// P(X ≤ k) for X ~ Binomial(n, p): the complaints of both sides given,
/// each on the quiet side with chance p (its share of the deliveries).
pub fn binomial_at_most(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    binomial_upper_tail(n - k, n, 1.0 - p)
}

/// The day from which `complaints` (per day, with `deliveries` per day)
/// arrive after a near-empty stretch that their later rate makes almost
/// impossible by chance; the strongest such day. `None` for none.
///
/// Given all the complaints, under no change each falls on the quiet side
/// with the chance of its share of the deliveries (an exact binomial test,
/// right for the few complaints of small segments); the stretch must also
/// hold under a tenth of what the busy side's rate expects.
pub fn abrupt_start(complaints: &[f64], deliveries: &[f64]) -> Option<Change> {
    let total_c: f64 = complaints.iter().sum();
    let total_n: f64 = deliveries.iter().sum();
    let (mut before_c, mut before_n) = (0.0, 0.0);
    let mut best: Option<Change> = None;
    for at in 1..complaints.len() {
        before_c += complaints[at - 1];
        before_n += deliveries[at - 1];
        let (after_c, after_n) = (total_c - before_c, total_n - before_n);
        if after_n <= 0.0 || before_n <= 0.0 || after_c <= 0.0 {
            continue;
        }
        let expected = after_c / after_n * before_n;
        if before_c > NEAR_EMPTY * expected {
            continue;
        }
        let share = before_n / total_n;
        let p_value = binomial_at_most(before_c.round() as u64, total_c.round() as u64, share);
        // The evidence, to pick the day (p-values underflow to 0): the
        // binomial deviance of the split against the deliveries' shares.
        let term = |x: f64, e: f64| if x > 0.0 { x * (x / e).ln() } else { 0.0 };
        let deviance = 2.0 * (term(before_c, total_c * share) + term(after_c, total_c * (1.0 - share)));
        if p_value < ALMOST_IMPOSSIBLE && best.is_none_or(|b| deviance > b.deviance) {
            let ratio =
                if before_c > 0.0 { (after_c / after_n) / (before_c / before_n) } else { f64::INFINITY };
            best = Some(Change { at, quiet: before_c, expected, ratio, p_value, deviance });
        }
    }
    best
}

/// The day from which complaints stop (the mirror of `abrupt_start`): `at`
/// is the first day of the near-empty stretch at the end.
pub fn abrupt_stop(complaints: &[f64], deliveries: &[f64]) -> Option<Change> {
    let c: Vec<f64> = complaints.iter().rev().copied().collect();
    let n: Vec<f64> = deliveries.iter().rev().copied().collect();
    abrupt_start(&c, &n).map(|change| Change { at: complaints.len() - change.at, ..change })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_tails_are_exact() {
        // P(X ≤ 0) = e^{-λ}; P(X ≤ 1) = e^{-λ}(1 + λ).
        assert!((poisson_at_most(0.0, 20.0) / (-20f64).exp() - 1.0).abs() < 1e-12);
        assert!((poisson_at_most(1.0, 30.0) / ((-30f64).exp() * 31.0) - 1.0).abs() < 1e-10);
        assert_eq!(poisson_at_most(3.0, 0.0), 1.0);
        // P(Bin(10, ½) ≤ 2) = (1 + 10 + 45) / 1024.
        assert!((binomial_at_most(2, 10, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
    }

    #[test]
    fn one_busy_day_is_no_change() {
        // One complaint on the first day's single delivery, then 6 in 63:
        // a tenth of the rate, but 7 complaints cannot tell.
        let mut complaints = vec![1.0];
        complaints.extend([0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        let mut deliveries = vec![1.0];
        deliveries.extend([4.0; 14]);
        assert!(abrupt_stop(&complaints, &deliveries).is_none());
    }

    #[test]
    fn a_source_added_on_day_40_is_found_and_steady_noise_is_not() {
        // About one complaint a day for 40 days, then a hundred a day.
        let deliveries = vec![10_000.0; 90];
        let mut complaints: Vec<f64> = (0..90).map(|d| if d < 40 { (d % 2) as f64 } else { 100.0 }).collect();
        let start = abrupt_start(&complaints, &deliveries).unwrap();
        assert_eq!(start.at, 40);
        assert!(start.ratio > 100.0 && start.p_value < 1e-100, "{start:?}");
        assert!(abrupt_stop(&complaints, &deliveries).is_none());
        // The mirror: it stops on day 50.
        complaints.reverse();
        let stop = abrupt_stop(&complaints, &deliveries).unwrap();
        assert_eq!(stop.at, 50);
        // Steady Poisson-like counts around 5 a day, and a 3× rise at the end: no change.
        let steady: Vec<f64> = (0..90).map(|d| [3.0, 7.0, 5.0, 4.0, 6.0][d % 5]).collect();
        assert!(abrupt_start(&steady, &deliveries).is_none());
        let risen: Vec<f64> = (0..90).map(|d| if d < 70 { 5.0 } else { 15.0 }).collect();
        assert!(abrupt_start(&risen, &deliveries).is_none() && abrupt_stop(&risen, &deliveries).is_none());
    }
}
