//! The verdict (docs/METHODS.md §4.7): `forest` when a recent period is above its upper
//! control limit or complaints clearly grow faster than deliveries;
//! otherwise `bushes`.

use serde::Serialize;

use super::glm::Trend;

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

/// How many of the latest periods with deliveries are looked at.
pub const RECENT_PERIODS: usize = 3;
/// Periods the trend needs before it can call a forest.
pub const TREND_MIN_PERIODS: usize = 6;

/// Decide. `recent_above`: whether any row among the last `RECENT_PERIODS`
/// periods with deliveries is above its UCL (any segment).
pub fn decide(recent_above: bool, trend: Option<&Trend>) -> Verdict {
    if recent_above || trend_says_forest(trend) { Verdict::Forest } else { Verdict::Bushes }
}

/// The trend's 95% interval lies wholly above 1, over enough periods.
pub fn trend_says_forest(trend: Option<&Trend>) -> bool {
    trend.is_some_and(|t| t.periods >= TREND_MIN_PERIODS && t.ci95.0 > 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::glm::poisson_trend;

    #[test]
    fn recent_signal_or_steep_trend_is_a_forest() {
        assert_eq!(decide(false, None), Verdict::Bushes);
        assert_eq!(decide(true, None), Verdict::Forest);
        let orders = [10000, 12000, 14500, 17000, 20500, 24500, 29500, 35000, 42000, 50500, 60500, 72500];
        let complaints = [10, 12, 16, 18, 24, 29, 37, 45, 56, 70, 88, 109];
        let steep = poisson_trend(&complaints, &orders).unwrap();
        assert_eq!(decide(false, Some(&steep)), Verdict::Forest);
        let short = poisson_trend(&complaints[..5], &orders[..5]).unwrap();
        assert!(!trend_says_forest(Some(&short)), "5 periods are too few");
    }
}
